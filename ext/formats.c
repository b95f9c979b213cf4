/*
** formats.c: the registry of digest formats, auto-detection, and the
** papers_formats table that lists them:
**
**   CREATE TABLE papers_formats(name TEXT, description TEXT, example TEXT);
**
** Contract:
**   - aFormat lists every format papers knows, in the order papers_parse's
**     error messages name them.
**   - papers_format_detect() asks each format how sure it is that the text is
**     its own (looking at the first PAPERS_DETECT_BYTES bytes only, so that a
**     200 MB digest is not read twice) and picks the most confident; ties go to
**     the earlier format. It returns 0 when no format recognises the text.
*/
#include "parse.h"

#include <string.h>

#define PAPERS_DETECT_BYTES (256 * 1024)

static const PapersFormat *const aFormat[] = {
    &papers_format_hf_daily,         &papers_format_hf_markdown,
    &papers_format_hf_notes,         &papers_format_hf_text,
    &papers_format_arxiv_mail,       &papers_format_arxiv_rss,
    &papers_format_arxiv_atom,       &papers_format_daily_arxiv_table,
    &papers_format_daily_arxiv_list, &papers_format_markdown_blocks,
};

#define N_FORMAT ((int)(sizeof(aFormat) / sizeof(aFormat[0])))

const PapersFormat *papers_format_find(const char *zName) {
  for (int i = 0; i < N_FORMAT; i++) {
    if (strcmp(aFormat[i]->zName, zName) == 0)
      return aFormat[i];
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

void papers_parser_reject(PapersParser *p, const char *zStart, const char *zEnd,
                          i64 iLine, const char *zReason) {
  if (NEVER(p->nReject >= PAPERS_MAX_REJECTS))
    return;
  PapersReject *pReject = &p->aReject[p->nReject++];
  pReject->zStart = zStart;
  pReject->zEnd = zEnd;
  pReject->iLine = iLine;
  pReject->zReason = zReason;
}

/* ---- papers_formats: an eponymous table of aFormat --------------------- */

typedef struct FormatsCursor {
  sqlite3_vtab_cursor base;
  int iFormat;
} FormatsCursor;

static int formats_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                           sqlite3_vtab **ppVtab, char **pzErr) {
  (void)pAux;
  (void)argc;
  (void)argv;
  (void)pzErr;
  int rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(name TEXT, description TEXT, example TEXT)");
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_vtab *pVtab = sqlite3_malloc64(sizeof(*pVtab));
  if (pVtab == 0)
    return SQLITE_NOMEM;
  memset(pVtab, 0, sizeof(*pVtab));
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = pVtab;
  return SQLITE_OK;
}

static int formats_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int formats_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = N_FORMAT;
  pInfo->estimatedRows = N_FORMAT;
  return SQLITE_OK;
}

static int formats_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  (void)pVtab;
  FormatsCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static int formats_close(sqlite3_vtab_cursor *pCursor) {
  sqlite3_free(pCursor);
  return SQLITE_OK;
}

static int formats_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                          int argc, sqlite3_value **argv) {
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  ((FormatsCursor *)pCursor)->iFormat = 0;
  return SQLITE_OK;
}

static int formats_next(sqlite3_vtab_cursor *pCursor) {
  ((FormatsCursor *)pCursor)->iFormat++;
  return SQLITE_OK;
}

static int formats_eof(sqlite3_vtab_cursor *pCursor) {
  return ((FormatsCursor *)pCursor)->iFormat >= N_FORMAT;
}

static int formats_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx, int iCol) {
  const PapersFormat *pFormat = aFormat[((FormatsCursor *)pCursor)->iFormat];
  const char *azValue[] = {pFormat->zName, pFormat->zDescription, pFormat->zExample};
  sqlite3_result_text(pCtx, azValue[iCol], -1, SQLITE_STATIC);
  return SQLITE_OK;
}

static int formats_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  *pRowid = ((FormatsCursor *)pCursor)->iFormat + 1;
  return SQLITE_OK;
}

static sqlite3_module formatsModule = {
    .xConnect = formats_connect,
    .xBestIndex = formats_best_index,
    .xDisconnect = formats_disconnect,
    .xOpen = formats_open,
    .xClose = formats_close,
    .xFilter = formats_filter,
    .xNext = formats_next,
    .xEof = formats_eof,
    .xColumn = formats_column,
    .xRowid = formats_rowid,
};

int papers_register_formats(sqlite3 *db) {
  return sqlite3_create_module(db, "papers_formats", &formatsModule, 0);
}
