/*
** format_arxiv_mail_columns.c: the columns of an "arxiv-mail" entry that the
** record does not hold as they are (format_arxiv_mail.h): the abstract's
** paragraphs, the author array without its "not shown" tail, the extra
** object, the abstract page's URL, and the columns a mailing never states.
*/
#include "format_arxiv_mail.h"

#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#define MAIL_NOT_SHOWN_TAIL "additional authors not shown)"

/* Splits "A, B, et al. (97 additional authors not shown)" (folded) into the
** names and the count of names not shown; *pnNotShown is -1 without it. */
static i64 mailc_authors_without_tail(const char *z, i64 n, i64 *pnNotShown) {
  const i64 nTail = (i64)sizeof(MAIL_NOT_SHOWN_TAIL) - 1;
  *pnNotShown = -1;
  if (n < nTail || memcmp(z + n - nTail, MAIL_NOT_SHOWN_TAIL, (size_t)nTail) != 0)
    return n;
  i64 i = n - nTail;
  if (i < 2 || z[i - 1] != ' ')
    return n;
  i64 iEndDigits = i - 1, iDigits = iEndDigits;
  while (iDigits > 0 && mail_is_digit(z[iDigits - 1]))
    iDigits--;
  i64 nNotShown;
  if (iDigits < 1 || z[iDigits - 1] != '(' ||
      !papers_parse_count(z + iDigits, iEndDigits - iDigits, &nNotShown)) {
    return n;
  }
  i64 iCut = iDigits - 1;
  while (iCut > 0 && z[iCut - 1] == ' ')
    iCut--;
  if (iCut >= 6 && memcmp(z + iCut - 6, "et al.", 6) == 0)
    iCut -= 6;
  while (iCut > 0 && (z[iCut - 1] == ' ' || z[iCut - 1] == ','))
    iCut--;
  *pnNotShown = nNotShown;
  return iCut;
}

/* Folds a span into fresh memory; 0 when out of memory. */
static char *mailc_fold_span(PapersSpan span, i64 *pn) {
  char *z = sqlite3_malloc64(span.n > 0 ? (sqlite3_uint64)span.n : 1);
  if (z)
    *pn = papers_fold(z, span.z, span.n);
  return z;
}

/* Room the JSON array of a list of n bytes may need in the one pass below:
** 3 bytes a byte at most (the first of a name opens it with ',' and '"'),
** "[" and "]", a NUL, and 16 bytes past the end for a piece of a name
** stored as one 16-byte block. */
#define MAILC_PLAIN_NAMES_ROOM(n) (3 * (n) + 3 + 16)

/* A white-space byte of an author list that the one pass below folds: a
** space, or the LF of a continuation line. */
static int mailc_is_run_byte(char c) {
  return c == ' ' || c == '\n';
}

#if defined(__SSE2__) && defined(__GNUC__)
/* The length of the start of the 16 bytes at z that the one pass below
** copies as they are: up to a byte outside printable ASCII (an LF, a byte
** >= 0x80), a ',', '(', ')', '"' or '\\', a space pair or a space before
** 'a' (" and " may start there). z has 17 bytes to read. */
static int mailc_plain_block_len(const char *z) {
  __m128i b0 = _mm_loadu_si128((const __m128i *)z);
  __m128i b1 = _mm_loadu_si128((const __m128i *)(z + 1));
  __m128i isSpace = _mm_cmpeq_epi8(b0, _mm_set1_epi8(' '));
  __m128i bad = _mm_cmplt_epi8(b0, _mm_set1_epi8(' '));
  bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b0, _mm_set1_epi8(',')));
  bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b0, _mm_set1_epi8('(')));
  bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b0, _mm_set1_epi8(')')));
  bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b0, _mm_set1_epi8('"')));
  bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b0, _mm_set1_epi8('\\')));
  __m128i nextIsSpaceOrA = _mm_or_si128(_mm_cmpeq_epi8(b1, _mm_set1_epi8(' ')),
                                        _mm_cmpeq_epi8(b1, _mm_set1_epi8('a')));
  bad = _mm_or_si128(bad, _mm_and_si128(isSpace, nextIsSpaceOrA));
  unsigned mask = (unsigned)_mm_movemask_epi8(bad);
  return mask ? __builtin_ctz(mask) : 16;
}
#endif

/* Copies the bytes of a name from z[*pi] on, up to the next stop of
** papers_name_stop, to zOut at *pnOut (which has 16 bytes to spare). With
** SSE2, blocks of 16 whose bytes mailc_plain_block_len() passes go first,
** spaces inside the name with them; a space they end with is given back, to
** be read as white space. */
static void mailc_copy_name_bytes(char *zOut, i64 *pnOut, const char *z, i64 n, i64 *pi) {
  i64 i = *pi, nOut = *pnOut;
  for (;;) {
#if defined(__SSE2__) && defined(__GNUC__)
    while (n - i >= 17) {
      int nPlain = mailc_plain_block_len(z + i);
      memcpy(zOut + nOut, z + i, 16); /* one load and store */
      nOut += nPlain;
      i += nPlain;
      if (nPlain < 16)
        break;
    }
    if (zOut[nOut - 1] == ' ') {
      nOut--;
      i--;
      break;
    }
#endif
    if (i >= n || papers_name_stop[(unsigned char)z[i]])
      break;
    zOut[nOut++] = z[i++];
  }
  *pi = i;
  *pnOut = nOut;
}

/* Writes the JSON array of an author list as arXiv writes most of them
** ("A, B and C", continuation lines indented) straight from its span, in
** one pass that folds, splits and copies: what papers_fold() and
** papers_result_folded_name_list() write for it. Runs of spaces and LFs
** inside the list fold to one space; ',' and " and " separate names; a name
** is trimmed, an empty one dropped. Returns the length written to zOut
** (MAILC_PLAIN_NAMES_ROOM(n) bytes), or -1, having written garbage, for a
** list those functions must read: one with parentheses (affiliations, the
** "not shown" tail), a byte JSON escapes or that is other white space (a
** tab, CR, U+00A0...), or white space at either end. */
static i64 mailc_plain_names_json(char *zOut, const char *z, i64 n) {
  i64 nOut = 0, i = 0;
  int isNameOpen = 0, hasPendingSpace = 0, nName = 0;
  if (n > 0 && (mailc_is_run_byte(z[0]) || mailc_is_run_byte(z[n - 1])))
    return -1; /* every run below lies between two other bytes */
  zOut[nOut++] = '[';
  while (i < n) {
    unsigned char c = (unsigned char)z[i];
    if (!papers_name_stop[c] || (c >= 0x80 && papers_space_len(z + i, z + n) == 0)) {
      if (!isNameOpen) { /* the first byte of a name */
        if (nName++ > 0)
          zOut[nOut++] = ',';
        zOut[nOut++] = '"';
        isNameOpen = 1;
      } else if (hasPendingSpace) {
        zOut[nOut++] = ' ';
      }
      hasPendingSpace = 0;
      zOut[nOut++] = z[i++];
      mailc_copy_name_bytes(zOut, &nOut, z, n, &i);
      continue;
    }
    if (mailc_is_run_byte((char)c)) {
      while (mailc_is_run_byte(z[i]))
        i++;
      /* " and " once folded: "and" and another run (inside the list) */
      if (n - i < 4 || z[i] != 'a' || z[i + 1] != 'n' || z[i + 2] != 'd' ||
          !mailc_is_run_byte(z[i + 3])) {
        hasPendingSpace = 1;
        continue;
      }
      i += 3; /* the separator takes its last space: no " and " starts there */
      while (mailc_is_run_byte(z[i]))
        i++;
    } else if (c == ',') {
      i++;
    } else {
      return -1; /* a parenthesis, an escape or other white space */
    }
    if (isNameOpen) /* a separator ends the name */
      zOut[nOut++] = '"';
    isNameOpen = hasPendingSpace = 0;
  }
  if (isNameOpen)
    zOut[nOut++] = '"';
  zOut[nOut++] = ']';
  assert(nOut <= 3 * n + 2); /* MAILC_PLAIN_NAMES_ROOM(n) without its slack */
  return nOut;
}

static void mailc_result_authors(const PapersParser *p, sqlite3_context *pCtx) {
  char aStack[PAPERS_RESULT_STACK];
  PapersSpan authors = p->rec.authors;
  i64 nNotShown;
  if (authors.z && MAILC_PLAIN_NAMES_ROOM(authors.n) <= PAPERS_RESULT_STACK) {
    i64 nJson = mailc_plain_names_json(aStack, authors.z, authors.n);
    if (nJson >= 0) { /* most lists */
      aStack[nJson] = 0;
      papers_result_json_static(pCtx, aStack);
      return;
    }
  }
  char *z = papers_result_buffer(pCtx, authors, aStack);
  if (z == 0)
    return;
  i64 n = papers_fold(z, authors.z, authors.n);
  papers_result_folded_name_list(pCtx, z, mailc_authors_without_tail(z, n, &nNotShown));
  papers_result_buffer_free(z, aStack);
}

/* The abstract with each paragraph folded and paragraphs joined by a blank
** line. A paragraph starts at a line that starts with white space (arXiv
** indents the first line of each), so the output is never longer than the
** span: every break it writes ("\n\n") replaces a line end and an indent.
** An abstract without an indented line after its first (most) is one
** paragraph, folded as a whole without looking for the others. */
static void mailc_result_abstract(const PapersParser *p, sqlite3_context *pCtx) {
  const MailState *pState = p->pState;
  PapersSpan span = p->rec.abstract;
  if (!pState->hasIndentedLine) {
    papers_result_folded(pCtx, span);
    return;
  }
  char aStack[PAPERS_RESULT_STACK];
  char *zOut = papers_result_buffer(pCtx, span, aStack);
  if (zOut == 0)
    return;
  i64 nOut = 0;
  const char *z = span.z, *zEnd = span.z + span.n;
  while (z < zEnd) {
    const char *zPar = z; /* find the next line that starts with white space */
    const char *zNext = zEnd;
    for (const char *zLf = z; (zLf = memchr(zLf, '\n', (size_t)(zEnd - zLf))) != 0;
         zLf++) {
      if (zLf + 1 < zEnd && (zLf[1] == ' ' || zLf[1] == '\t')) {
        zNext = zLf + 1;
        break;
      }
    }
    i64 nBefore = nOut;
    if (nOut > 0) {
      zOut[nOut++] = '\n';
      zOut[nOut++] = '\n';
    }
    i64 nPar = papers_fold(zOut + nOut, zPar, zNext - zPar);
    nOut = nPar > 0 ? nOut + nPar : nBefore;
    assert(nOut <= zNext - span.z); /* zOut holds span.n bytes */
    z = zNext;
  }
  papers_result_text(pCtx, zOut, nOut, aStack);
}

/* What the extra column says beyond the other columns: the size, the count
** of authors not shown, the header fields without a column (their values
** folded). */
typedef struct MailExtra {
  PapersSpan size; /* "415kb" or "37kb,D", or absent */
  i64 nNotShown;   /* -1 when the author list does not say */
  int nField;
  const MailExtraField *aField;            /* names */
  PapersSpan aValue[MAIL_MAX_EXTRA_FIELD]; /* values, folded */
} MailExtra;

/* Appends v >= 0 in decimal. */
static void mailc_put_count(PapersJson *pJson, i64 v) {
  char aDigit[20];
  int n = 0;
  do {
    aDigit[sizeof(aDigit) - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  papers_json_put(pJson, aDigit + sizeof(aDigit) - n, n);
}

/* Opens the object before its first member, else separates the members;
** then the key zKey, a literal ("\"size_kb\":"). */
#define MAIL_PUT_MEMBER(pJson, pnMember, zKey)                                           \
  mailc_put_member(pJson, pnMember, zKey, (i64)sizeof(zKey) - 1)
static inline void mailc_put_member(PapersJson *pJson, int *pnMember, const char *zKey,
                                    i64 nKey) {
  papers_json_put(pJson, (*pnMember)++ ? "," : "{", 1);
  papers_json_put(pJson, zKey, nKey);
}

/* Appends the field name lower-cased, dashes as underscores: "msc_class". */
static void mailc_put_key(PapersJson *pJson, int *pnMember, PapersSpan name) {
  MAIL_PUT_MEMBER(pJson, pnMember, "\"");
  for (i64 i = 0; i < name.n; i++) {
    char c = name.z[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c == '-')
      c = '_';
    papers_json_put(pJson, &c, 1);
  }
  papers_json_put(pJson, "\":", 2);
}

/* Appends the size ("415kb" or "37kb,D") as size_kb, flags and withdrawn. */
static void mailc_put_size(PapersJson *pJson, int *pnMember, PapersSpan size) {
  i64 nDigit = papers_digits_len(size.z, size.n);
  i64 nKb = 0, iFirst = 0;
  while (iFirst < nDigit - 1 && size.z[iFirst] == '0')
    iFirst++;
  if (nDigit > 0 && nDigit - iFirst <= 18) {
    /* no overflow: the count in decimal is its digits without leading zeros */
    MAIL_PUT_MEMBER(pJson, pnMember, "\"size_kb\":");
    papers_json_put(pJson, size.z + iFirst, nDigit - iFirst);
  } else if (papers_parse_count(size.z, nDigit, &nKb)) {
    MAIL_PUT_MEMBER(pJson, pnMember, "\"size_kb\":");
    mailc_put_count(pJson, nKb);
  }
  i64 iFlags = nDigit + 2; /* after "kb" */
  if (iFlags < size.n && size.z[iFlags] == ',') {
    PapersSpan flags = papers_trim_inline(size.z + iFlags + 1, size.n - iFlags - 1);
    int hasEscape = 0;
    for (i64 i = 0; i < flags.n; i++) {
      unsigned char c = (unsigned char)flags.z[i];
      hasEscape |= c < 0x20 || c == '"' || c == '\\';
    }
    MAIL_PUT_MEMBER(pJson, pnMember, "\"flags\":");
    if (hasEscape) {
      papers_json_put_string(pJson, flags.z, flags.n);
    } else {
      papers_json_put_plain_string(pJson, flags.z, flags.n); /* "D": most */
    }
    if (memchr(flags.z, 'I', (size_t)flags.n))
      papers_json_put(pJson, ",\"withdrawn\":true", 17);
  }
}

/* Writes the extra column's object (pArg, a MailExtra); nothing at all when
** it has no member (the column is then NULL). */
static void mailc_put_extra(PapersJson *pJson, const void *pArg) {
  const MailExtra *pExtra = pArg;
  int nMember = 0;
  if (pExtra->size.z)
    mailc_put_size(pJson, &nMember, pExtra->size);
  if (pExtra->nNotShown >= 0) {
    MAIL_PUT_MEMBER(pJson, &nMember, "\"authors_not_shown\":");
    mailc_put_count(pJson, pExtra->nNotShown);
  }
  for (int i = 0; i < pExtra->nField; i++) {
    mailc_put_key(pJson, &nMember, pExtra->aField[i].name);
    papers_json_put_string(pJson, pExtra->aValue[i].z, pExtra->aValue[i].n);
  }
  if (nMember > 0)
    papers_json_put(pJson, "}", 1);
}

#define MAIL_OOM (-2)

/* N of an author list that ends "(N additional authors not shown)", -1 when
** it does not, MAIL_OOM when memory ran out. Only a list whose last byte is
** ')' can end so: the others need not be folded to tell. */
static i64 mailc_authors_not_shown(PapersSpan authors) {
  PapersSpan trimmed = papers_trim_inline(authors.z, authors.n);
  i64 n = 0, nNotShown = -1;
  if (trimmed.n == 0 || trimmed.z[trimmed.n - 1] != ')')
    return -1;
  char *z = mailc_fold_span(authors, &n);
  if (z == 0)
    return MAIL_OOM;
  mailc_authors_without_tail(z, n, &nNotShown);
  sqlite3_free(z);
  return nNotShown;
}

/* The extra column: a JSON object of what the entry states beyond the
** other columns. NULL when it states nothing more. */
static void mailc_result_extra(const PapersParser *p, sqlite3_context *pCtx) {
  const MailState *pState = p->pState;
  char aStack[PAPERS_RESULT_STACK];
  MailExtra extra = {pState->size, -1, pState->nExtra, pState->aExtra, {{0, 0}}};
  PapersSpan values = {"", 0}; /* where the values are folded, one after another */
  for (int i = 0; i < pState->nExtra; i++)
    values.n += pState->aExtra[i].value.n;
  /* most entries have no such field: nothing to fold, no buffer */
  char *zValues =
      pState->nExtra > 0 ? papers_result_buffer(pCtx, values, aStack) : aStack;
  if (p->rec.authors.z && zValues)
    extra.nNotShown = mailc_authors_not_shown(p->rec.authors);
  if (zValues == 0 || extra.nNotShown == MAIL_OOM) {
    papers_result_buffer_free(zValues, aStack);
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  for (i64 i = 0, nUsed = 0; i < pState->nExtra; i++) {
    PapersSpan value = pState->aExtra[i].value;
    extra.aValue[i].z = zValues + nUsed;
    extra.aValue[i].n = papers_fold(zValues + nUsed, value.z, value.n);
    nUsed += extra.aValue[i].n;
  }
  papers_result_json_written(pCtx, mailc_put_extra, &extra);
  papers_result_buffer_free(zValues, aStack);
}

#define MAIL_ABS_URL "https://arxiv.org/abs/"

/* The entry's abstract page: MAIL_ABS_URL and the id (no U+0000 in it: an
** identifier's bytes are letters, digits, '.', '-' and '/'). */
static void mailc_result_url(const PapersParser *p, sqlite3_context *pCtx) {
  char aStack[PAPERS_RESULT_STACK];
  PapersSpan id = p->rec.arxivId;
  const i64 nPrefix = (i64)sizeof(MAIL_ABS_URL) - 1;
  PapersSpan url = {MAIL_ABS_URL, nPrefix + id.n}; /* its size, for the buffer */
  char *zUrl = papers_result_buffer(pCtx, url, aStack);
  if (zUrl == 0)
    return;
  memcpy(zUrl, MAIL_ABS_URL, (size_t)nPrefix);
  memcpy(zUrl + nPrefix, id.z, (size_t)id.n);
  zUrl[url.n] = 0;
  sqlite3_result_text(pCtx, zUrl, -1, zUrl == aStack ? SQLITE_TRANSIENT : sqlite3_free);
}

/* The columns this format answers itself; the record answers the rest
** (papers_record_result()). */
void papers_mail_column(const PapersParser *p, sqlite3_context *pCtx, int iCol) {
  const PapersRecord *pRec = &p->rec;
  switch (iCol) {
  case PAPERS_COL_AUTHOR_COUNT:
  case PAPERS_COL_ORG:
  case PAPERS_COL_ORG_HANDLE:
  case PAPERS_COL_COMMENT_COUNT:
  case PAPERS_COL_UPVOTES:
    /* a mailing states none of these: NULL, as papers_record_result() would
    ** give for the record, without the call (5 of the 23 columns) */
    assert(pRec->nAuthor < 0 && pRec->org.z == 0 && pRec->orgHandle.z == 0 &&
           pRec->nComment < 0 && pRec->nUpvote < 0);
    break;
  case PAPERS_COL_ABSTRACT:
    mailc_result_abstract(p, pCtx);
    break;
  case PAPERS_COL_AUTHORS:
    mailc_result_authors(p, pCtx);
    break;
  case PAPERS_COL_EXTRA:
    mailc_result_extra(p, pCtx);
    break;
  case PAPERS_COL_URL:
    mailc_result_url(p, pCtx);
    break;
  case PAPERS_COL_DATE_TEXT:
    if (((const MailState *)p->pState)->isDatePlain) {
      papers_result_plain(pCtx, pRec->dateText.z, pRec->dateText.n);
    } else {
      papers_record_result(p, pCtx, iCol);
    }
    break;
  case PAPERS_COL_ARXIV_ID: /* an identifier: no white space, nothing to fold */
    papers_result_plain(pCtx, pRec->arxivId.z, pRec->arxivId.n);
    break;
  case PAPERS_COL_ANNOUNCE:
    /* one of azAnnounce, NUL-terminated: copied as it is (SQLITE_STATIC would
    ** make SQLite free the buffer its register keeps for other columns) */
    sqlite3_result_text(pCtx, pRec->announce.z, -1, SQLITE_TRANSIENT);
    break;
  default:
    papers_record_result(p, pCtx, iCol);
    break;
  }
}
