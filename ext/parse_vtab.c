/*
** parse_vtab.c: the table-valued functions papers_parse and papers_unparsed.
**
**   papers_parse(input [, format [, today]])     one row per paper
**   papers_unparsed(input [, format])            one row per line not placed
**
** They behave as if declared
**
**   CREATE TABLE papers_parse(ordinal, format, title, abstract, authors,
**     author_count, org, org_handle, published, date_text, comment_count,
**     upvotes, arxiv_id, arxiv_version, categories, announce, comments, doi,
**     journal_ref, url, links, extra, line,
**     input HIDDEN, input_format HIDDEN, today HIDDEN);
**   CREATE TABLE papers_unparsed(line, text, reason,
**     input HIDDEN, input_format HIDDEN);
**
** (the argument columns are not named `text` and `format` because those are
** output columns). Contract:
**   - input is TEXT or a BLOB of UTF-8; NULL gives zero rows. It is validated
**     once, up front: invalid UTF-8 is an error naming the byte (from 1). A
**     leading byte-order mark is skipped.
**   - format NULL or absent means auto-detect (formats.c); an unknown name is an
**     error listing the known ones. today is an ISO date (YYYY-MM-DD) anchoring
**     dates printed without a year; NULL or absent means the current date.
**   - Rows stream: each xNext asks the format parser for its next entry, so
**     memory does not grow with the input, and nothing is copied but the
**     values a query reads (text columns are folded when read).
**   - The input is not copied: the argument's value stays unchanged in its
**     register for as long as the scan runs (SQLite re-runs xFilter when a
**     correlated argument changes).
**   - Long scans can be stopped. SQLite calls the progress handler and checks
**     sqlite3_interrupt() between VDBE opcodes, but an xNext that reads
**     through megabytes of lines no format recognises is one opcode. So every
**     PULSE_STEPS parser steps or PULSE_BYTES of lines (64 KB) that yield no
**     row (a format's step ends at least every few thousand lines), xNext
**     steps a prepared "SELECT 1" of its own (SQLite 3.40 has no
**     sqlite3_is_interrupted()): the nested statement fails with
**     SQLITE_INTERRUPT when the connection was interrupted, and its opcodes
**     count towards the progress handler, which may stop it the same way;
**     xNext then returns SQLITE_INTERRUPT.
*/
#include "parse.h"

#include <stdarg.h>
#include <string.h>

enum UnparsedColumn { UCOL_LINE, UCOL_TEXT, UCOL_REASON, N_UNPARSED_OUTPUT };

/* A check for an interrupt comes after PULSE_STEPS parser steps without a
** row, or after PULSE_BYTES of lines read without a row, whichever is first. */
#define PULSE_STEPS 32
#define PULSE_BYTES (64 * 1024)

/* Argument columns follow the output columns, in this order. */
enum ArgSlot { ARG_INPUT, ARG_FORMAT, ARG_TODAY, N_ARG };

static const char zParseSchema[] =
    "CREATE TABLE x(ordinal INTEGER, format TEXT, title TEXT, abstract TEXT,"
    " authors TEXT, author_count INTEGER, org TEXT, org_handle TEXT, published TEXT,"
    " date_text TEXT, comment_count INTEGER, upvotes INTEGER, arxiv_id TEXT,"
    " arxiv_version INTEGER, categories TEXT, announce TEXT, comments TEXT, doi TEXT,"
    " journal_ref TEXT, url TEXT, links TEXT, extra TEXT, line INTEGER,"
    " input HIDDEN, input_format HIDDEN, today HIDDEN)";

static const char zUnparsedSchema[] =
    "CREATE TABLE x(line INTEGER, text TEXT, reason TEXT,"
    " input HIDDEN, input_format HIDDEN)";

typedef struct ParseTable {
  sqlite3_vtab base;
  sqlite3 *db;
  int isUnparsed; /* papers_unparsed rather than papers_parse */
  int nOutput;    /* number of output columns; arguments follow */
  int nArg;       /* number of argument columns */
  const char *zName;
} ParseTable;

typedef struct ParseCursor {
  sqlite3_vtab_cursor base;
  PapersParser parser;
  i64 iRowid;
  int isEof;
  const char *zDetectFailure; /* set when no format recognised the input */
  int isNullInput;            /* the input is NULL: papers_unparsed says so */
  int isForced;               /* the format was named, not detected */
  i64 nRejectTotal;           /* rejects the parser has produced in this scan */
  /* papers_unparsed: the reject being listed and the line within it */
  int iReject;
  PapersLines rejectLines;
  PapersLine rejectLine;
  /* argument values, for the hidden columns */
  sqlite3_value *apArg[N_ARG];
  /* interrupt checks: the "SELECT 1" they step, and steps since the last */
  sqlite3 *db;
  sqlite3_stmt *pPulse;
  int nIdleStep;
  i64 iPulsePos; /* parser.lines.iPos at the last check or row */
} ParseCursor;

static int parse_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                         sqlite3_vtab **ppVtab, char **pzErr) {
  int isUnparsed = pAux != 0;
  (void)argc;
  (void)argv;
  (void)pzErr;
  int rc = sqlite3_declare_vtab(db, isUnparsed ? zUnparsedSchema : zParseSchema);
  if (rc != SQLITE_OK)
    return rc;
  ParseTable *pTab = sqlite3_malloc64(sizeof(*pTab));
  if (pTab == 0)
    return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->db = db;
  pTab->isUnparsed = isUnparsed;
  pTab->nOutput = isUnparsed ? N_UNPARSED_OUTPUT : PAPERS_N_COLUMN;
  pTab->nArg = isUnparsed ? 2 : 3;
  pTab->zName = isUnparsed ? "papers_unparsed" : "papers_parse";
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &pTab->base;
  return SQLITE_OK;
}

static int parse_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* Arguments arrive as equality constraints on the hidden columns (tvf.c). */
static int parse_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  ParseTable *pTab = (ParseTable *)pVtab;
  return papers_tvf_best_index(pInfo, pTab->nOutput, pTab->nArg);
}

static int parse_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  ParseCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->db = ((ParseTable *)pVtab)->db;
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

/* Frees what the format parser of the last scan holds. */
static void parser_release(PapersParser *p) {
  if (p->pFormat && p->pFormat->xFree)
    p->pFormat->xFree(p);
  p->pState = 0;
}

static int parse_close(sqlite3_vtab_cursor *pCursor) {
  parser_release(&((ParseCursor *)pCursor)->parser);
  sqlite3_finalize(((ParseCursor *)pCursor)->pPulse);
  sqlite3_free(pCursor);
  return SQLITE_OK;
}

static int set_error(ParseCursor *pCur, const char *zFormat, ...) {
  sqlite3_vtab *pVtab = pCur->base.pVtab;
  va_list ap;
  va_start(ap, zFormat);
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Reads the input argument without copying it. sqlite3_value_bytes() comes
** first: it turns a UTF-16 or numeric value into UTF-8 text in place (a TEXT
** value of a UTF-8 database is left as it is); sqlite3_value_blob() then gives
** those bytes. sqlite3_value_text() would copy a bound text that is not
** NUL-terminated, doubling the memory a 200 MB digest needs. */
static void input_bytes(sqlite3_value *pValue, const char **pz, i64 *pn) {
  *pn = sqlite3_value_bytes(pValue);
  *pz = sqlite3_value_blob(pValue);
  if (*pz == 0)
    *pz = "";
}

/* Resolves the format argument; NULL format means auto-detect. */
static int resolve_format(ParseCursor *pCur, sqlite3_value *pFormat, const char *z,
                          i64 n) {
  ParseTable *pTab = (ParseTable *)pCur->base.pVtab;
  if (pFormat == 0 || sqlite3_value_type(pFormat) == SQLITE_NULL) {
    pCur->parser.pFormat = papers_format_detect(z, n);
    if (pCur->parser.pFormat == 0) {
      pCur->zDetectFailure = "no known digest format recognised";
    }
    return SQLITE_OK;
  }
  const char *zName = (const char *)sqlite3_value_text(pFormat);
  pCur->parser.pFormat = zName ? papers_format_find(zName) : 0;
  pCur->isForced = 1;
  if (pCur->parser.pFormat)
    return SQLITE_OK;
  if (zName == 0)
    return SQLITE_NOMEM;
  sqlite3_str *pNames = sqlite3_str_new(0);
  papers_format_append_names(pNames);
  char *zNames = sqlite3_str_finish(pNames);
  if (zNames == 0)
    return SQLITE_NOMEM;
  int rc =
      set_error(pCur, "%s: unknown format '%s' (known: %s)", pTab->zName, zName, zNames);
  sqlite3_free(zNames);
  return rc;
}

static int resolve_today(ParseCursor *pCur, sqlite3_value *pToday) {
  ParseTable *pTab = (ParseTable *)pCur->base.pVtab;
  if (pToday == 0 || sqlite3_value_type(pToday) == SQLITE_NULL) {
    pCur->parser.today = papers_date_today();
    return SQLITE_OK;
  }
  const char *zToday = (const char *)sqlite3_value_text(pToday);
  if (zToday == 0)
    return SQLITE_NOMEM;
  if (papers_date_from_iso(zToday, sqlite3_value_bytes(pToday), &pCur->parser.today)) {
    return SQLITE_OK;
  }
  return set_error(pCur, "%s: today must be a date written YYYY-MM-DD, got '%s'",
                   pTab->zName, zToday);
}

/* Returns SQLITE_INTERRUPT when the connection was interrupted or the
** progress handler asks to stop, by stepping a "SELECT 1" (see the header
** comment); SQLITE_OK otherwise. */
static int pulse(ParseCursor *pCur) {
  if (pCur->pPulse == 0) {
    int rc = sqlite3_prepare_v2(pCur->db, "SELECT 1", -1, &pCur->pPulse, 0);
    if (rc != SQLITE_OK)
      return rc;
  }
  int rc = sqlite3_step(pCur->pPulse);
  sqlite3_reset(pCur->pPulse);
  if (rc == SQLITE_ROW)
    return SQLITE_OK;
  return rc == SQLITE_INTERRUPT ? SQLITE_INTERRUPT
                                : (rc == SQLITE_NOMEM ? rc : SQLITE_ERROR);
}

/* Asks the format parser for its next step; returns the error that ended
** the parse (SQLITE_NOMEM, SQLITE_INTERRUPT), or SQLITE_OK. */
static int parser_step(ParseCursor *pCur) {
  PapersParser *p = &pCur->parser;
  p->hasRecord = 0;
  p->nReject = 0;
  if (!p->pFormat->xStep(p)) {
    pCur->isEof = 1;
    return p->rc;
  }
  pCur->nRejectTotal += p->nReject;
  if (p->hasRecord) {
    p->nRecord++;
    pCur->nIdleStep = 0;
    pCur->iPulsePos = p->lines.iPos;
  } else if (++pCur->nIdleStep >= PULSE_STEPS ||
             p->lines.iPos - pCur->iPulsePos >= PULSE_BYTES) {
    pCur->nIdleStep = 0;
    pCur->iPulsePos = p->lines.iPos;
    return pulse(pCur);
  }
  return SQLITE_OK;
}

/* The error of a named format that found no paper in the text: it names the
** format, what it looked for and, when another format recognises the text
** (pLike), that one. */
static int not_this_format(ParseCursor *pCur, const PapersFormat *pLike) {
  ParseTable *pTab = (ParseTable *)pCur->base.pVtab;
  const PapersParser *p = &pCur->parser;
  if (pLike == 0 || pLike == p->pFormat) {
    return set_error(pCur, "%s: this text is not a %s digest (no %s found)", pTab->zName,
                     p->pFormat->zName, p->pFormat->zEntry);
  }
  return set_error(pCur,
                   "%s: this text is not a %s digest (no %s found); it looks like %s",
                   pTab->zName, p->pFormat->zName, p->pFormat->zEntry, pLike->zName);
}

/* papers_parse: steps until the parser yields a record. A named format that
** reaches the end of the text without a record fails when it rejected lines
** of the text or when detection finds another format in it: the text is not
** of that format (and no row was returned yet). */
static int next_record(ParseCursor *pCur) {
  const PapersParser *p = &pCur->parser;
  int rc;
  do {
    rc = parser_step(pCur);
  } while (rc == SQLITE_OK && !pCur->isEof && !p->hasRecord);
  if (rc == SQLITE_OK && pCur->isEof && pCur->isForced && p->nRecord == 0) {
    const PapersFormat *pLike = papers_format_detect(p->lines.z, p->lines.n);
    if (pCur->nRejectTotal > 0 || (pLike != 0 && pLike != p->pFormat))
      rc = not_this_format(pCur, pLike);
  }
  return rc;
}

/* papers_unparsed: moves to the next non-blank line of the current reject,
** stepping the parser for more rejects when these are used up. */
static int next_unparsed_line(ParseCursor *pCur) {
  PapersParser *p = &pCur->parser;
  for (;;) {
    while (papers_lines_next(&pCur->rejectLines, &pCur->rejectLine)) {
      if (!papers_is_blank(pCur->rejectLine.z, pCur->rejectLine.n))
        return SQLITE_OK;
    }
    if (pCur->zDetectFailure) {
      pCur->isEof = 1;
      return SQLITE_OK;
    }
    if (++pCur->iReject >= p->nReject) {
      pCur->iReject = -1;
      int rc = parser_step(pCur);
      if (rc != SQLITE_OK || pCur->isEof)
        return rc;
      continue;
    }
    const PapersReject *pReject = &p->aReject[pCur->iReject];
    papers_lines_init(&pCur->rejectLines, pReject->zStart,
                      pReject->zEnd - pReject->zStart, p->lines.hasCR);
    pCur->rejectLines.iLine = pReject->iLine;
  }
}

static int parse_next(sqlite3_vtab_cursor *pCursor) {
  ParseCursor *pCur = (ParseCursor *)pCursor;
  ParseTable *pTab = (ParseTable *)pCursor->pVtab;
  int rc = SQLITE_OK;
  if (pCur->isNullInput) {
    pCur->isEof = 1;
  } else if (pTab->isUnparsed) {
    rc = next_unparsed_line(pCur);
  } else if (pCur->zDetectFailure) {
    pCur->isEof = 1;
  } else {
    rc = next_record(pCur);
  }
  pCur->iRowid++;
  return rc;
}

static int parse_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                        int argc, sqlite3_value **argv) {
  ParseCursor *pCur = (ParseCursor *)pCursor;
  ParseTable *pTab = (ParseTable *)pCursor->pVtab;
  (void)idxStr;
  (void)argc;
  parser_release(&pCur->parser);
  memset(&pCur->parser, 0, sizeof(pCur->parser));
  pCur->iRowid = 0;
  pCur->nIdleStep = 0;
  pCur->iPulsePos = 0;
  pCur->isEof = 0;
  pCur->zDetectFailure = 0;
  pCur->isNullInput = 0;
  pCur->isForced = 0;
  pCur->nRejectTotal = 0;
  pCur->iReject = -1;
  papers_lines_init(&pCur->rejectLines, "", 0, 0);
  papers_tvf_args(idxNum, argv, pCur->apArg, N_ARG);
  if (pCur->apArg[ARG_INPUT] == 0) {
    return set_error(pCur, "%s: the first argument, the digest text, is missing",
                     pTab->zName);
  }
  if (sqlite3_value_type(pCur->apArg[ARG_INPUT]) == SQLITE_NULL) {
    /* papers_parse: no rows; papers_unparsed: one row saying so */
    pCur->isNullInput = pTab->isUnparsed;
    pCur->isEof = !pTab->isUnparsed;
    pCur->iRowid = 1;
    return SQLITE_OK;
  }
  const char *z;
  i64 n;
  input_bytes(pCur->apArg[ARG_INPUT], &z, &n);
  int hasCR = 0;
  i64 iBad = papers_utf8_check((const unsigned char *)z, n, &hasCR);
  if (iBad >= 0) {
    return set_error(pCur, "%s: input is not valid UTF-8 at byte %lld", pTab->zName,
                     iBad + 1);
  }
  if (n >= 3 && memcmp(z, "\xEF\xBB\xBF", 3) == 0) {
    z += 3;
    n -= 3;
  }
  int rc = resolve_format(pCur, pCur->apArg[ARG_FORMAT], z, n);
  if (rc == SQLITE_OK)
    rc = resolve_today(pCur, pCur->apArg[ARG_TODAY]);
  if (rc != SQLITE_OK)
    return rc;
  papers_lines_init(&pCur->parser.lines, z, n, hasCR);
  if (pCur->zDetectFailure) {
    /* the whole input is one reject, listed by papers_unparsed */
    papers_lines_init(&pCur->rejectLines, z, n, hasCR);
  }
  pCur->iRowid = 0;
  return parse_next(pCursor);
}

static int parse_eof(sqlite3_vtab_cursor *pCursor) {
  return ((ParseCursor *)pCursor)->isEof;
}

static int parse_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  *pRowid = ((ParseCursor *)pCursor)->iRowid;
  return SQLITE_OK;
}

/* The reason papers_unparsed gives for a NULL input, its one row. */
static const char zNullInput[] =
    "the input is NULL: no digest to read (readfile() gives NULL for a file it cannot "
    "read)";

static void unparsed_column(ParseCursor *pCur, sqlite3_context *pCtx, int iCol) {
  const PapersLine *pLine = &pCur->rejectLine;
  if (pCur->isNullInput) {
    if (iCol == UCOL_REASON)
      sqlite3_result_text(pCtx, zNullInput, -1, SQLITE_STATIC);
    return; /* line and text are NULL */
  }
  switch (iCol) {
  case UCOL_LINE:
    sqlite3_result_int64(pCtx, pLine->iLine);
    break;
  case UCOL_TEXT:
    sqlite3_result_text64(pCtx, pLine->z, (sqlite3_uint64)pLine->n, SQLITE_TRANSIENT,
                          SQLITE_UTF8);
    break;
  default: {
    const char *zReason = pCur->zDetectFailure
                              ? pCur->zDetectFailure
                              : pCur->parser.aReject[pCur->iReject].zReason;
    sqlite3_result_text(pCtx, zReason, -1, SQLITE_STATIC);
    break;
  }
  }
}

static int parse_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx, int iCol) {
  ParseCursor *pCur = (ParseCursor *)pCursor;
  ParseTable *pTab = (ParseTable *)pCursor->pVtab;
  if (iCol >= pTab->nOutput) {
    sqlite3_value *pArg = pCur->apArg[iCol - pTab->nOutput];
    if (pArg)
      sqlite3_result_value(pCtx, pArg);
  } else if (pTab->isUnparsed) {
    unparsed_column(pCur, pCtx, iCol);
  } else if (pCur->parser.pFormat->xColumn) {
    pCur->parser.pFormat->xColumn(&pCur->parser, pCtx, iCol);
  } else {
    papers_record_result(&pCur->parser, pCtx, iCol);
  }
  return SQLITE_OK;
}

/* No xCreate: both tables are eponymous-only, like table-valued functions. */
static sqlite3_module parseModule = {
    .xConnect = parse_connect,
    .xBestIndex = parse_best_index,
    .xDisconnect = parse_disconnect,
    .xOpen = parse_open,
    .xClose = parse_close,
    .xFilter = parse_filter,
    .xNext = parse_next,
    .xEof = parse_eof,
    .xColumn = parse_column,
    .xRowid = parse_rowid,
};

int papers_register_parse(sqlite3 *db) {
  static const char kUnparsedMarker =
      1; /* non-NULL client data selects papers_unparsed */
  int rc = sqlite3_create_module(db, "papers_parse", &parseModule, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_module(db, "papers_unparsed", &parseModule,
                               (void *)&kUnparsedMarker);
  }
  return rc;
}
