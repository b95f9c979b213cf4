/*
** topic_tokens.c: the table-valued function papers_tokens, which shows how a
** text is analysed.
**
**   papers_tokens(text [, tokenize])
**
** behaves as if declared
**
**   CREATE TABLE papers_tokens(token, term, start, end, is_stop, phrase,
**                              input HIDDEN, tokenize HIDDEN);
**
** Contract:
**   - One row per token of the analysis (analysis.c), in text order: token is
**     the text as written (bytes start to end, end exclusive), term the
**     tokenizer's form (a stem for porter), is_stop 1 for a stop word, a
**     number or a single character (none of which makes a term).
**   - phrase is the phrase term that ends at this token ("stem1 stem2", with
**     the previous token), or NULL when the token makes none: the terms of a
**     text are the terms of its non-stop tokens plus its phrases.
**   - tokenize is an FTS5 tokenizer spec (NULL or absent: the default of
**     papers_index, "porter unicode61 remove_diacritics 2"). text NULL gives
**     no rows.
**   - Rows are computed in xFilter (texts are abstracts, not corpora).
*/
#include "topic.h"

#include <string.h>

enum TokensColumn {
  COL_TOKEN,
  COL_TERM,
  COL_START,
  COL_END,
  COL_IS_STOP,
  COL_PHRASE,
  TOKENS_N_OUTPUT
};
enum TokensArg { TOKENS_ARG_INPUT, TOKENS_ARG_TOKENIZE, TOKENS_N_ARG };

static const char zSchema[] =
    "CREATE TABLE x(token TEXT, term TEXT, start INTEGER, \"end\" INTEGER,"
    " is_stop INTEGER, phrase TEXT, input HIDDEN, tokenize HIDDEN)";

/* One row. Term and phrase texts are kept in the cursor's aText. */
typedef struct TokenRow {
  int iStart, iEnd;
  int isStop;
  i64 iTerm; /* offset of the term text in aText */
  int nTerm;
  i64 iPhrase; /* offset of the phrase text, or -1 */
  int nPhrase;
} TokenRow;

typedef struct TokensTable {
  sqlite3_vtab base;
  PapersConn *pConn;
} TokensTable;

typedef struct TokensCursor {
  sqlite3_vtab_cursor base;
  sqlite3_value *apArg[TOKENS_N_ARG];
  const char *zText; /* the input, as the argument holds it */
  TokenRow *aRow;
  int nRow, nRowAlloc;
  int iRow;
  sqlite3_str *pText; /* term and phrase texts, back to back */
  int rc;             /* of the callbacks */
} TokensCursor;

static int tokens_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                          sqlite3_vtab **ppVtab, char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  int rc = sqlite3_declare_vtab(db, zSchema);
  if (rc != SQLITE_OK)
    return rc;
  TokensTable *pTab = sqlite3_malloc64(sizeof(*pTab));
  if (pTab == 0)
    return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->pConn = pAux;
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &pTab->base;
  return SQLITE_OK;
}

static int tokens_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int tokens_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  return papers_tvf_best_index(pInfo, TOKENS_N_OUTPUT, TOKENS_N_ARG);
}

static int tokens_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  (void)pVtab;
  TokensCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static void tokens_cursor_reset(TokensCursor *pCur) {
  sqlite3_free(pCur->aRow);
  sqlite3_free(sqlite3_str_finish(pCur->pText));
  pCur->aRow = 0;
  pCur->nRow = pCur->nRowAlloc = pCur->iRow = 0;
  pCur->pText = 0;
  pCur->rc = SQLITE_OK;
}

static int tokens_close(sqlite3_vtab_cursor *pCursor) {
  tokens_cursor_reset((TokensCursor *)pCursor);
  sqlite3_free(pCursor);
  return SQLITE_OK;
}

/* Appends z[0..n) to the cursor's texts; returns its offset, or -1. */
static i64 keep_text(TokensCursor *pCur, const char *z, int n) {
  i64 iAt = sqlite3_str_length(pCur->pText);
  sqlite3_str_append(pCur->pText, z, n);
  return sqlite3_str_errcode(pCur->pText) ? -1 : iAt;
}

/* papers_analyze_tokens callback: one row per token. */
static int add_token(void *pCtx, const PapersToken *pToken) {
  TokensCursor *pCur = pCtx;
  if (pCur->nRow == pCur->nRowAlloc) {
    int nNew = pCur->nRowAlloc ? pCur->nRowAlloc * 2 : 32;
    TokenRow *aNew =
        sqlite3_realloc64(pCur->aRow, sizeof(TokenRow) * (sqlite3_uint64)nNew);
    if (aNew == 0)
      return SQLITE_NOMEM;
    pCur->aRow = aNew;
    pCur->nRowAlloc = nNew;
  }
  TokenRow *pRow = &pCur->aRow[pCur->nRow];
  pRow->iStart = pToken->iStart;
  pRow->iEnd = pToken->iEnd;
  pRow->isStop = pToken->isStop;
  pRow->iTerm = keep_text(pCur, pToken->zTerm, pToken->nTerm);
  pRow->nTerm = pToken->nTerm;
  pRow->iPhrase = -1;
  pRow->nPhrase = 0;
  if (pRow->iTerm < 0)
    return SQLITE_NOMEM;
  pCur->nRow++;
  return SQLITE_OK;
}

/* papers_analyze_terms callback: a phrase goes to the row of the token it
** ends at. Terms come in text order, as the rows do: iRow only moves on. */
static int add_phrase(void *pCtx, const PapersTerm *pTerm) {
  TokensCursor *pCur = pCtx;
  if (!pTerm->isPhrase)
    return SQLITE_OK;
  while (pCur->iRow < pCur->nRow && pCur->aRow[pCur->iRow].iEnd < pTerm->iEnd)
    pCur->iRow++;
  if (pCur->iRow == pCur->nRow || pCur->aRow[pCur->iRow].iEnd != pTerm->iEnd)
    return SQLITE_OK;
  TokenRow *pRow = &pCur->aRow[pCur->iRow];
  pRow->iPhrase = keep_text(pCur, pTerm->zTerm, pTerm->nTerm);
  pRow->nPhrase = pTerm->nTerm;
  return pRow->iPhrase < 0 ? SQLITE_NOMEM : SQLITE_OK;
}

static int analyse(TokensCursor *pCur, PapersAnalyzer *pAnalyzer) {
  const char *z = (const char *)sqlite3_value_text(pCur->apArg[TOKENS_ARG_INPUT]);
  int n = sqlite3_value_bytes(pCur->apArg[TOKENS_ARG_INPUT]);
  if (z == 0)
    return SQLITE_NOMEM;
  pCur->zText = z;
  pCur->pText = sqlite3_str_new(0);
  int rc = papers_analyze_tokens(pAnalyzer, z, n, add_token, pCur);
  pCur->iRow = 0;
  if (rc == SQLITE_OK)
    rc = papers_analyze_terms(pAnalyzer, z, n, add_phrase, pCur);
  pCur->iRow = 0;
  return rc;
}

static int tokens_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                         int argc, sqlite3_value **argv) {
  TokensCursor *pCur = (TokensCursor *)pCursor;
  TokensTable *pTab = (TokensTable *)pCursor->pVtab;
  (void)idxStr;
  (void)argc;
  tokens_cursor_reset(pCur);
  papers_tvf_args(idxNum, argv, pCur->apArg, TOKENS_N_ARG);
  if (pCur->apArg[TOKENS_ARG_INPUT] == 0) {
    return topic_vtab_error(
        &pTab->base,
        sqlite3_mprintf("papers_tokens: the first argument, the text, is missing"));
  }
  if (sqlite3_value_type(pCur->apArg[TOKENS_ARG_INPUT]) == SQLITE_NULL)
    return SQLITE_OK;
  const char *zSpec = 0;
  sqlite3_value *pSpec = pCur->apArg[TOKENS_ARG_TOKENIZE];
  if (pSpec && sqlite3_value_type(pSpec) != SQLITE_NULL) {
    zSpec = (const char *)sqlite3_value_text(pSpec);
    if (zSpec == 0)
      return SQLITE_NOMEM;
  }
  PapersAnalyzer *pAnalyzer = 0;
  char *zErr = 0;
  int rc = papers_conn_analyzer(pTab->pConn, zSpec, &pAnalyzer, &zErr);
  if (rc == SQLITE_ERROR) {
    rc = topic_vtab_error(&pTab->base, sqlite3_mprintf("papers_tokens: %s", zErr));
  }
  sqlite3_free(zErr);
  return rc == SQLITE_OK ? analyse(pCur, pAnalyzer) : rc;
}

static int tokens_next(sqlite3_vtab_cursor *pCursor) {
  ((TokensCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

static int tokens_eof(sqlite3_vtab_cursor *pCursor) {
  TokensCursor *pCur = (TokensCursor *)pCursor;
  return pCur->iRow >= pCur->nRow;
}

static int tokens_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  *pRowid = ((TokensCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

static int tokens_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx, int iCol) {
  TokensCursor *pCur = (TokensCursor *)pCursor;
  if (iCol >= TOKENS_N_OUTPUT) {
    sqlite3_value *pArg = pCur->apArg[iCol - TOKENS_N_OUTPUT];
    if (pArg)
      sqlite3_result_value(pCtx, pArg);
    return SQLITE_OK;
  }
  const TokenRow *pRow = &pCur->aRow[pCur->iRow];
  const char *zTexts = sqlite3_str_value(pCur->pText);
  if (zTexts == 0)
    zTexts = "";
  switch (iCol) {
  case COL_TOKEN:
    sqlite3_result_text(pCtx, pCur->zText + pRow->iStart, pRow->iEnd - pRow->iStart,
                        SQLITE_TRANSIENT);
    break;
  case COL_TERM:
    sqlite3_result_text(pCtx, zTexts + pRow->iTerm, pRow->nTerm, SQLITE_TRANSIENT);
    break;
  case COL_START:
    sqlite3_result_int(pCtx, pRow->iStart);
    break;
  case COL_END:
    sqlite3_result_int(pCtx, pRow->iEnd);
    break;
  case COL_IS_STOP:
    sqlite3_result_int(pCtx, pRow->isStop);
    break;
  default:
    if (pRow->iPhrase >= 0) {
      sqlite3_result_text(pCtx, zTexts + pRow->iPhrase, pRow->nPhrase, SQLITE_TRANSIENT);
    }
    break;
  }
  return SQLITE_OK;
}

/* No xCreate: eponymous only, like a table-valued function. */
static sqlite3_module tokensModule = {
    .xConnect = tokens_connect,
    .xBestIndex = tokens_best_index,
    .xDisconnect = tokens_disconnect,
    .xOpen = tokens_open,
    .xClose = tokens_close,
    .xFilter = tokens_filter,
    .xNext = tokens_next,
    .xEof = tokens_eof,
    .xColumn = tokens_column,
    .xRowid = tokens_rowid,
};

int topic_register_tokens(sqlite3 *db, PapersConn *pConn) {
  return sqlite3_create_module_v2(db, "papers_tokens", &tokensModule,
                                  papers_conn_ref(pConn), papers_conn_unref);
}
