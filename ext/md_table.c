/*
** md_table.c: the pieces of markdown tables that the table digests
** (format_markdown.c) read: cells, what a header names its columns, and the
** link reference definitions ("[label]: url") that footnote cells point to.
**
** Contract:
**   - papers_md_split_cells() splits a row at its pipes (an escaped '\|' is none);
**     papers_md_table_role() names a header cell's role from the usual
**     spellings (English and Chinese), ASCII case and bold ignored.
**   - papers_md_refs_read() collects the definitions that follow a table:
**     from a position inside or after it, it passes the table's rows (lines
**     that start with '|') and blank lines, then reads consecutive definition
**     lines (blank lines between them allowed) into a fixed array of
**     PAPERS_MD_MAX_REFS; it stops at the first other line. A table reads its
**     definitions once, so the work stays linear in the text.
**   - papers_md_refs_find() looks a label up, ASCII case ignored, as
**     CommonMark matches labels. A label the array does not hold is absent.
**   - Nothing is copied: cells, labels and URLs are spans of the text.
*/
#include "parse.h"

#include <string.h>

PapersSpan papers_md_strip_bold(PapersSpan span) {
  span = papers_trim(span.z, span.n);
  if (span.n >= 4 && memcmp(span.z, "**", 2) == 0 &&
      memcmp(span.z + span.n - 2, "**", 2) == 0)
    span = papers_trim(span.z + 2, span.n - 4);
  return span;
}

/* The role of a header cell, by its name (any ASCII case, bold removed):
** the names of each role, '|'-separated, in aRoleNames[role]. */
int papers_md_table_role(PapersSpan cell) {
  static const char *const aRoleNames[] = {
      [PAPERS_MD_DATE] =
          "date|publish date|published|\xE6\x97\xA5\xE6\x9C\x9F", /* 日期 */
      [PAPERS_MD_TITLE] =
          "title|paper|paper title|\xE6\xA0\x87\xE9\xA2\x98|"  /* 标题 */
          "\xE9\xA2\x98\xE7\x9B\xAE|\xE8\xAE\xBA\xE6\x96\x87", /* 题目 论文 */
      [PAPERS_MD_AUTHORS] =
          "authors|author|first author|\xE4\xBD\x9C\xE8\x80\x85", /* 作者 */
      [PAPERS_MD_ABSTRACT] =
          "summary|abstract|tl;dr|tldr|\xE6\x91\x98\xE8\xA6\x81", /* 摘要 */
      [PAPERS_MD_LINK] =
          "link|links|pdf|url|ref|arxiv|\xE9\x93\xBE\xE6\x8E\xA5", /* 链接 */
      [PAPERS_MD_CODE] = "code|\xE4\xBB\xA3\xE7\xA0\x81",          /* 代码 */
  };
  cell = papers_md_strip_bold(cell);
  for (int role = PAPERS_MD_DATE; role <= PAPERS_MD_CODE; role++) {
    const char *zName = aRoleNames[role];
    while (*zName) {
      size_t nName = strcspn(zName, "|");
      if ((size_t)cell.n == nName && sqlite3_strnicmp(cell.z, zName, (int)nName) == 0)
        return role;
      zName += nName + (zName[nName] == '|');
    }
  }
  return PAPERS_MD_OTHER;
}

/* Splits a trimmed row "| a | b |" (the outer pipes optional but the first)
** at its pipes into up to nMax cells; returns how many cells it has (which
** may be more than nMax: only the first nMax are stored). */
int papers_md_split_cells(PapersSpan t, PapersSpan *aCell, int nMax) {
  const char *z = t.z + 1, *zEnd = t.z + t.n;
  int nCell = 0;
  if (zEnd > z && zEnd[-1] == '|')
    zEnd--;
  for (;;) {
    const char *zPipe = z;
    while (zPipe < zEnd && (*zPipe != '|' || zPipe[-1] == '\\'))
      zPipe++;
    if (nCell < nMax)
      aCell[nCell] = papers_trim(z, zPipe - z);
    nCell++;
    if (zPipe >= zEnd)
      return nCell;
    z = zPipe + 1;
  }
}

/* Reads "[label]: url" (trimmed in t); 0 when t is no definition. */
static int read_definition(PapersSpan t, PapersSpan *pLabel, PapersSpan *pUrl) {
  if (t.n < 5 || t.z[0] != '[')
    return 0;
  const char *zClose = memchr(t.z, ']', (size_t)t.n);
  if (zClose == 0 || zClose == t.z + 1 || zClose + 2 >= t.z + t.n || zClose[1] != ':')
    return 0;
  pLabel->z = t.z + 1;
  pLabel->n = zClose - t.z - 1;
  *pUrl = papers_trim(zClose + 2, t.z + t.n - zClose - 2);
  /* a title after the URL ("url "Title"") is not part of it */
  for (i64 i = 0; i < pUrl->n; i++) {
    if (papers_space_len(pUrl->z + i, pUrl->z + pUrl->n) > 0) {
      pUrl->n = i;
      break;
    }
  }
  return pUrl->n > 0;
}

void papers_md_refs_read(PapersMdRefs *pRefs, const char *z, i64 n, int hasCR) {
  PapersLines lines;
  PapersLine line;
  int inTable = 1;
  papers_lines_init(&lines, z, n, hasCR);
  pRefs->nRef = 0;
  pRefs->isRead = 1;
  while (papers_lines_next(&lines, &line) && pRefs->nRef < PAPERS_MD_MAX_REFS) {
    PapersSpan t = papers_trim(line.z, line.n), label, url;
    if (t.n == 0 || (inTable && t.z[0] == '|'))
      continue;
    inTable = 0;
    if (!read_definition(t, &label, &url))
      return;
    pRefs->aLabel[pRefs->nRef] = label;
    pRefs->aUrl[pRefs->nRef++] = url;
  }
}

int papers_md_refs_find(const PapersMdRefs *pRefs, PapersSpan label, PapersSpan *pUrl) {
  for (int i = 0; i < pRefs->nRef; i++) {
    PapersSpan l = pRefs->aLabel[i];
    if (l.n == label.n && sqlite3_strnicmp(l.z, label.z, (int)l.n) == 0) {
      *pUrl = pRefs->aUrl[i];
      return 1;
    }
  }
  return 0;
}
