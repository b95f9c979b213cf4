/*
** formats.c: the registry of digest formats, and auto-detection.
**
** Contract:
**   - aFormat lists every format papers knows, in the order papers_parse's
**     error messages name them.
**   - papers_format_detect() asks each format how sure it is that the text is
**     its own (looking at the first PAPERS_DETECT_BYTES bytes only, so that a
**     200 MB digest is not read twice) and picks the most confident; ties go to
**     the earlier format. It returns 0 when no format recognises the text.
*/
#include "papers_internal.h"

#include <assert.h>
#include <string.h>

#define PAPERS_DETECT_BYTES (256 * 1024)

static const PapersFormat *const aFormat[] = {
    &papers_format_hf_daily,
    &papers_format_hf_markdown,
    &papers_format_arxiv_mail,
    &papers_format_arxiv_rss,
    &papers_format_arxiv_atom,
    &papers_format_daily_arxiv_table,
    &papers_format_daily_arxiv_list,
    &papers_format_markdown_blocks,
};

#define N_FORMAT ((int)(sizeof(aFormat) / sizeof(aFormat[0])))

const PapersFormat *papers_format_find(const char *zName) {
  for (int i = 0; i < N_FORMAT; i++) {
    if (strcmp(aFormat[i]->zName, zName) == 0) return aFormat[i];
  }
  return 0;
}

const PapersFormat *papers_format_detect(const char *z, i64 n) {
  const PapersFormat *pBest = 0;
  int bestScore = 0;
  i64 nLook = n < PAPERS_DETECT_BYTES ? n : PAPERS_DETECT_BYTES;
  for (int i = 0; i < N_FORMAT; i++) {
    int score = aFormat[i]->xDetect(z, nLook);
    if (score > bestScore) {
      bestScore = score;
      pBest = aFormat[i];
    }
  }
  return pBest;
}

void papers_format_append_names(sqlite3_str *pStr) {
  for (int i = 0; i < N_FORMAT; i++) {
    sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", aFormat[i]->zName);
  }
}

void papers_parser_reject(PapersParser *p, const char *zStart, const char *zEnd, i64 iLine,
                          const char *zReason) {
  assert(p->nReject < PAPERS_MAX_REJECTS);
  if (p->nReject >= PAPERS_MAX_REJECTS) return;
  PapersReject *pReject = &p->aReject[p->nReject++];
  pReject->zStart = zStart;
  pReject->zEnd = zEnd;
  pReject->iLine = iLine;
  pReject->zReason = zReason;
}
