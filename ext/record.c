/*
** record.c: how a parsed record becomes the column values of papers_parse.
**
** Contract, for every format (a format's xColumn hook may override a column):
**   - text spans are folded (white space runs become one space) and absent
**     spans are NULL;
**   - counts are INTEGER, or NULL when the digest does not state them;
**   - published is an ISO date (YYYY-MM-DD) or NULL;
**   - authors, categories and links are JSON arrays with the JSON subtype;
**     authors splits "A, B and C" into names, categories splits on white space
**     and commas, links lists the URLs of the title and abstract (links.c);
**   - extra is NULL unless a format fills it.
*/
#include "parse.h"

#include <string.h>

/* A result never set is NULL (xColumn's default): absent values set none. */
static void record_result_count(sqlite3_context *pCtx, i64 nValue) {
  if (nValue >= 0)
    sqlite3_result_int64(pCtx, nValue);
}

static void record_result_date(sqlite3_context *pCtx, PapersDate date) {
  char zIso[11];
  if (date == 0)
    return; /* NULL */
  papers_date_to_iso(date, zIso);
  sqlite3_result_text(pCtx, zIso, -1, SQLITE_TRANSIENT); /* -1: copied with its NUL */
}

/* A folded text column; an absent span (most columns of most formats) is
** NULL without a call. */
static void record_result_folded(sqlite3_context *pCtx, PapersSpan span) {
  if (span.z != 0)
    papers_result_folded(pCtx, span);
}

void papers_record_start(PapersParser *p, i64 iLine) {
  memset(&p->rec, 0, sizeof(p->rec));
  p->rec.iLine = iLine;
  p->rec.nAuthor = -1;
  p->rec.nComment = -1;
  p->rec.nUpvote = -1;
  p->rec.arxivVersion = -1;
}

void papers_record_result(const PapersParser *p, sqlite3_context *pCtx, int iCol) {
  const PapersRecord *pRec = &p->rec;
  switch (iCol) {
  case PAPERS_COL_ORDINAL:
    sqlite3_result_int64(pCtx, p->nRecord);
    break;
  case PAPERS_COL_FORMAT:
    sqlite3_result_text(pCtx, p->pFormat->zName, -1, SQLITE_STATIC);
    break;
  case PAPERS_COL_TITLE:
    record_result_folded(pCtx, pRec->title);
    break;
  case PAPERS_COL_ABSTRACT:
    record_result_folded(pCtx, pRec->abstract);
    break;
  case PAPERS_COL_AUTHORS:
    if (pRec->authors.z != 0)
      papers_result_name_list(pCtx, pRec->authors);
    break;
  case PAPERS_COL_AUTHOR_COUNT:
    record_result_count(pCtx, pRec->nAuthor);
    break;
  case PAPERS_COL_ORG:
    record_result_folded(pCtx, pRec->org);
    break;
  case PAPERS_COL_ORG_HANDLE:
    record_result_folded(pCtx, pRec->orgHandle);
    break;
  case PAPERS_COL_PUBLISHED:
    record_result_date(pCtx, pRec->published);
    break;
  case PAPERS_COL_DATE_TEXT:
    record_result_folded(pCtx, pRec->dateText);
    break;
  case PAPERS_COL_COMMENT_COUNT:
    record_result_count(pCtx, pRec->nComment);
    break;
  case PAPERS_COL_UPVOTES:
    record_result_count(pCtx, pRec->nUpvote);
    break;
  case PAPERS_COL_ARXIV_ID:
    record_result_folded(pCtx, pRec->arxivId);
    break;
  case PAPERS_COL_ARXIV_VERSION:
    record_result_count(pCtx, pRec->arxivVersion);
    break;
  case PAPERS_COL_CATEGORIES:
    papers_result_word_list(pCtx, pRec->categories);
    break;
  case PAPERS_COL_ANNOUNCE:
    record_result_folded(pCtx, pRec->announce);
    break;
  case PAPERS_COL_COMMENTS:
    record_result_folded(pCtx, pRec->comments);
    break;
  case PAPERS_COL_DOI:
    record_result_folded(pCtx, pRec->doi);
    break;
  case PAPERS_COL_JOURNAL_REF:
    record_result_folded(pCtx, pRec->journalRef);
    break;
  case PAPERS_COL_URL:
    record_result_folded(pCtx, pRec->url);
    break;
  case PAPERS_COL_LINKS: {
    PapersSpan aSpan[2] = {pRec->title, pRec->abstract};
    papers_result_links(pCtx, aSpan, 2);
    break;
  }
  case PAPERS_COL_LINE:
    sqlite3_result_int64(pCtx, pRec->iLine);
    break;
  default:
    break; /* a field this format does not state: NULL */
  }
}

/* Appends the name z[0..n), a piece of a folded list, to the array unless it
** is empty; trimmed: in a folded list, white space is a single ASCII space
** between two other bytes, so at most one space is at either end. hasEscape
** is 0 when the caller saw no byte that JSON escapes in it. */
static void record_put_name(PapersJson *pJson, int *pnName, const char *z, i64 n,
                            int hasEscape) {
  PapersSpan name = {z, n};
  if (name.n > 0 && name.z[0] == ' ') {
    name.z++;
    name.n--;
  }
  if (name.n > 0 && name.z[name.n - 1] == ' ')
    name.n--;
  assert(papers_trim(name.z, name.n).n == name.n);
  if (name.n == 0)
    return;
  if ((*pnName)++ > 0)
    papers_json_put(pJson, ",", 1);
  if (hasEscape) {
    papers_json_put_string(pJson, name.z, name.n);
  } else {
    papers_json_put_plain_string(pJson, name.z, name.n);
  }
}

/* Length of a list separator at z[i] outside parentheses: "," or " and ". */
static int record_separator_len(const char *z, i64 n, i64 i) {
  if (z[i] == ',')
    return 1;
  if (z[i] == ' ' && n - i >= 5 && z[i + 1] == 'a' && memcmp(z + i, " and ", 5) == 0)
    return 5;
  return 0;
}

/* 1 for the bytes the name splitters stop at: those that may start a
** separator (',' and ' '), the parentheses, those JSON escapes ('"', '\\'
** and the bytes below 0x20), and those that may start other white space
** (0xC2, 0xE2, 0xE3: U+00A0, U+2000.., U+3000; in a folded list, bytes of a
** name); 0 for the other bytes of a name. */
/* clang-format off */
const unsigned char papers_name_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xA0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xB0 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xC0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xD0 */
    0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xE0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xF0 */
};
/* clang-format on */

/* Writes the names of the folded list pArg (a PapersSpan whose byte past
** its end is a stop: U+0000) as a JSON array: one pass that skips the bytes
** of a name through papers_name_stop, up to a stop without a bound check, and
** notes whether a name needs escaping (most do not). */
static void record_put_names(PapersJson *pJson, const void *pArg) {
  const char *z = ((const PapersSpan *)pArg)->z;
  i64 n = ((const PapersSpan *)pArg)->n;
  int nName = 0, nDepth = 0, hasEscape = 0;
  i64 iStart = 0, i = 0;
  papers_json_put(pJson, "[", 1);
  for (;;) {
    while (!papers_name_stop[(unsigned char)z[i]])
      i++; /* most bytes: part of a name; z[n] stops the run */
    if (i >= n)
      break;
    char c = z[i];
    if (c == ' ' && (i + 1 >= n || z[i + 1] != 'a')) {
      i++; /* a space inside a name (most stops): no " and " starts here */
      continue;
    }
    if (c == '(') {
      nDepth++;
    } else if (c == ')') {
      nDepth -= nDepth > 0;
    } else if (c != ',' && c != ' ' && (unsigned char)c < 0x80) {
      hasEscape = 1; /* '"', '\\' or a control byte */
    }
    int nSep = nDepth == 0 ? record_separator_len(z, n, i) : 0;
    if (nSep == 0) {
      i++;
      continue;
    }
    record_put_name(pJson, &nName, z + iStart, i - iStart, hasEscape);
    hasEscape = 0;
    iStart = i + nSep;
    i = iStart;
  }
  record_put_name(pJson, &nName, z + iStart, n - iStart, hasEscape);
  papers_json_put(pJson, "]", 1);
}

void papers_result_folded_name_list(sqlite3_context *pCtx, char *z, i64 n) {
  PapersSpan list = {z, n};
  z[n] = 0; /* the stop that ends record_put_names' last run */
  papers_result_json_written(pCtx, record_put_names, &list);
}

void papers_result_name_list(sqlite3_context *pCtx, PapersSpan span) {
  char aStack[PAPERS_RESULT_STACK];
  char *zFolded = papers_result_buffer(pCtx, span, aStack);
  if (zFolded == 0)
    return;
  papers_result_folded_name_list(pCtx, zFolded, papers_fold(zFolded, span.z, span.n));
  papers_result_buffer_free(zFolded, aStack);
}

/* 1 for the bytes the word splitter stops at: those that may be or start
** white space (bytes up to ' ', and those >= 0x80), the comma, and those
** JSON escapes ('"', '\\', and the control bytes); 0 for the bytes of a word. */
/* clang-format off */
static const unsigned char aRecordWordStop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xA0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xB0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xC0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xD0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xE0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xF0 */
};
/* clang-format on */

/* End of the word that starts at z (its first byte is no separator): the
** first comma or white space after it, or zEnd. Sets *pHasEscape when a byte
** of the word needs a JSON escape. */
static const char *record_word_end(const char *z, const char *zEnd, int *pHasEscape) {
  for (z++;; z++) {
    while (z < zEnd && !aRecordWordStop[(unsigned char)*z])
      z++; /* most bytes: part of the word */
    if (z >= zEnd || *z == ',' || *z == ' ' || papers_space_len(z, zEnd) > 0)
      return z;
    unsigned char c = (unsigned char)*z;
    *pHasEscape |= c < 0x20 || c == '"' || c == '\\';
  }
}

/* record_put_words() for a list written as arXiv writes categories: words
** of printable ASCII without a comma or a byte JSON escapes, between single
** spaces ("cs.CL eess.AS"), when the buffer has room for the array. One pass
** copies each byte, a space as '","'. Returns 0, with pJson->n as it was,
** for another list: the general loop then writes the same array. */
static int record_put_plain_words(PapersJson *pJson, const char *z, i64 n) {
  if (n == 0 || pJson->z == 0 || pJson->n + 3 * n + 4 > pJson->nAlloc)
    return 0; /* at most 3 bytes of output a byte, and "[\"" "\"]" */
  char *zOut = pJson->z + pJson->n;
  i64 nOut = 0;
  zOut[nOut++] = '[';
  zOut[nOut++] = '"';
  for (i64 i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (!aRecordWordStop[c]) {
      zOut[nOut++] = (char)c;
    } else if (c == ' ' && i > 0 && i + 1 < n &&
               !aRecordWordStop[(unsigned char)z[i + 1]]) {
      memcpy(zOut + nOut, "\",\"", 3); /* a single space between two words */
      nOut += 3;
    } else {
      return 0;
    }
  }
  zOut[nOut++] = '"';
  zOut[nOut++] = ']';
  pJson->n += nOut;
  return 1;
}

/* Writes the words of pArg (a PapersSpan), split on white space and commas,
** as a JSON array; a word without a byte JSON escapes (most) is copied. */
static void record_put_words(PapersJson *pJson, const void *pArg) {
  const char *z = ((const PapersSpan *)pArg)->z;
  const char *zEnd = z + ((const PapersSpan *)pArg)->n;
  int nWord = 0;
  if (record_put_plain_words(pJson, z, zEnd - z))
    return;
  papers_json_put(pJson, "[", 1);
  while (z < zEnd) {
    int nSpace = papers_is_word_byte(*z) ? 0 : *z == ' ' ? 1 : papers_space_len(z, zEnd);
    if (nSpace > 0 || *z == ',') {
      z += nSpace > 0 ? nSpace : 1;
      continue;
    }
    unsigned char c = (unsigned char)*z;
    int hasEscape = c < 0x20 || c == '"' || c == '\\';
    const char *zWord = z;
    z = record_word_end(z, zEnd, &hasEscape);
    if (nWord++ > 0)
      papers_json_put(pJson, ",", 1);
    if (hasEscape) {
      papers_json_put_string(pJson, zWord, z - zWord);
    } else {
      papers_json_put_plain_string(pJson, zWord, z - zWord);
    }
  }
  papers_json_put(pJson, "]", 1);
}

void papers_result_word_list(sqlite3_context *pCtx, PapersSpan span) {
  if (span.z != 0)
    papers_result_json_written(pCtx, record_put_words, &span);
}
