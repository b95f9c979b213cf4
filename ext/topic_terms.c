/*
** topic_terms.c: the table-valued functions that list terms with weights.
**
**   papers_keywords(text [, k [, index]])   what a text is about
**   papers_explain(a, b [, index])          why two texts are similar
**
** behave as if declared
**
**   CREATE TABLE papers_keywords(rank, term, weight,
**                                input HIDDEN, k HIDDEN, index_name HIDDEN);
**   CREATE TABLE papers_explain(term, weight_a, weight_b, contribution,
**                               sparse, latent, relation,
**                               a HIDDEN, b HIDDEN, index_name HIDDEN);
**
** Contract:
**   - text, a and b are TEXT (vectorised as papers_vector does, with the
**     index's analyzer and idf when one is named) or vector BLOBs; NULL gives
**     no rows. k is an integer from 1 to 1000, 10 when NULL or absent.
**   - papers_keywords: the k terms of largest weight in the text's vector
**     (unigrams and phrases alike), rank 1 first; terms of weight 0 are left
**     out.
**   - papers_explain: one row per word or phrase term behind the similarity
**     (explain.c): contribution = sparse (weight_a * weight_b, for a term
**     both hold) + latent (its share of the latent part); relation 'shared'
**     (both hold it) or 'related' (one does, and it relates to the other
**     through the latent dimensions). When the latent part cannot be
**     attributed, one row labelled "(latent part: ...)" of relation 'latent'
**     carries it. The contributions add up to the dot product that
**     papers_similarity(a, b [, index]) reports (before its clamp into
**     [0, 1]).
**   - Order: weight (contribution) descending, then term bytewise ascending,
**     then term id: the same on every machine.
**   - term is readable: the most frequent surface form in the text (a, then
**     b), else the index vocabulary's form, else the id as 16 hex digits.
**   - The index's statistics are opened once per cursor and kept while the
**     index name stays the same.
*/
#include "topic.h"

#include <assert.h>

#include <stdlib.h>
#include <string.h>

#define KEYWORDS_DEFAULT_K 10
#define KEYWORDS_MAX_K     1000

enum { KW_RANK, KW_TERM, KW_WEIGHT, KW_N_OUTPUT };
enum {
  EX_TERM,
  EX_WEIGHT_A,
  EX_WEIGHT_B,
  EX_CONTRIBUTION,
  EX_SPARSE,
  EX_LATENT,
  EX_RELATION,
  EX_N_OUTPUT
};
#define TERMS_N_ARG 3

static const char zKeywordsSchema[] =
    "CREATE TABLE x(rank INTEGER, term TEXT, weight REAL,"
    " input HIDDEN, k HIDDEN, index_name HIDDEN)";
static const char zExplainSchema[] =
    "CREATE TABLE x(term TEXT, weight_a REAL, weight_b REAL, contribution REAL,"
    " sparse REAL, latent REAL, relation TEXT, a HIDDEN, b HIDDEN, index_name HIDDEN)";

/* One row: a term, its weights (keywords: aW[0]; explain: the columns from
** weight_a to latent, NULL where isNull) and its label. */
typedef struct TermRow {
  sqlite3_uint64 id;
  double aW[EX_RELATION - EX_WEIGHT_A];
  int isNull;   /* explain's weight_a and weight_b are NULL */
  double key;   /* what rows are ordered by, descending */
  char *zLabel; /* term */
  const char *zRelation;
} TermRow;

typedef struct TermsTable {
  sqlite3_vtab base;
  PapersConn *pConn;
  int isExplain;
  int nOutput;
  const char *zName;
} TermsTable;

typedef struct TermsCursor {
  sqlite3_vtab_cursor base;
  sqlite3_value *apArg[TERMS_N_ARG];
  TermRow *aRow;
  int nRow;
  int iRow;
  PapersStats *pStats; /* of the index named zStats, kept across xFilter */
  char *zStats;
} TermsCursor;

static int terms_init(sqlite3 *db, void *pAux, sqlite3_vtab **ppVtab, int isExplain) {
  int rc = sqlite3_declare_vtab(db, isExplain ? zExplainSchema : zKeywordsSchema);
  if (rc != SQLITE_OK)
    return rc;
  TermsTable *pTab = sqlite3_malloc64(sizeof(*pTab));
  if (pTab == 0)
    return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->pConn = pAux;
  pTab->isExplain = isExplain;
  pTab->nOutput = isExplain ? EX_N_OUTPUT : KW_N_OUTPUT;
  pTab->zName = isExplain ? "papers_explain" : "papers_keywords";
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &pTab->base;
  return SQLITE_OK;
}

/* xConnect of both tables: argv[0] is the name the module is registered
** under, the flag that says which of the two this one is. */
static int terms_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                         sqlite3_vtab **ppVtab, char **pzErr) {
  (void)pzErr;
  int isExplain = argc > 0 && strcmp(argv[0], "papers_explain") == 0;
  return terms_init(db, pAux, ppVtab, isExplain);
}

static int terms_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int terms_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  return papers_tvf_best_index(pInfo, ((TermsTable *)pVtab)->nOutput, TERMS_N_ARG);
}

static int terms_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  (void)pVtab;
  TermsCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static void terms_rows_free(TermsCursor *pCur) {
  for (int i = 0; i < pCur->nRow; i++)
    sqlite3_free(pCur->aRow[i].zLabel);
  sqlite3_free(pCur->aRow);
  pCur->aRow = 0;
  pCur->nRow = pCur->iRow = 0;
}

static int terms_close(sqlite3_vtab_cursor *pCursor) {
  TermsCursor *pCur = (TermsCursor *)pCursor;
  terms_rows_free(pCur);
  papers_stats_close(pCur->pStats);
  sqlite3_free(pCur->zStats);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* Points pCur->pStats at the statistics of the index argument (0 for NULL),
** reusing those of the previous scan when the name is the same. */
static int cursor_stats(TermsCursor *pCur, sqlite3_value *pIndex) {
  TermsTable *pTab = (TermsTable *)pCur->base.pVtab;
  const char *zIndex = 0;
  if (pIndex && sqlite3_value_type(pIndex) != SQLITE_NULL) {
    zIndex = (const char *)sqlite3_value_text(pIndex);
    if (zIndex == 0)
      return SQLITE_NOMEM;
  }
  if (zIndex && pCur->zStats && strcmp(zIndex, pCur->zStats) == 0)
    return SQLITE_OK;
  papers_stats_close(pCur->pStats);
  sqlite3_free(pCur->zStats);
  pCur->pStats = 0;
  pCur->zStats = 0;
  if (zIndex == 0)
    return SQLITE_OK;
  char *zErr = 0;
  int rc = topic_stats_open(pTab->pConn, pIndex, pTab->zName, &pCur->pStats, &zErr);
  if (rc == SQLITE_OK) {
    pCur->zStats = sqlite3_mprintf("%s", zIndex);
    if (pCur->zStats == 0)
      rc = SQLITE_NOMEM;
  } else if (zErr) {
    return topic_vtab_error(&pTab->base, zErr);
  }
  return rc;
}

/* Orders rows by key descending, then label, then id. */
static int compare_rows(const void *pA, const void *pB) {
  const TermRow *a = pA, *b = pB;
  if (a->key != b->key)
    return a->key > b->key ? -1 : 1;
  int cmp = strcmp(a->zLabel, b->zLabel);
  if (cmp)
    return cmp;
  return (a->id > b->id) - (a->id < b->id);
}

/* Allocates room for nRow rows, zeroed. */
static int rows_alloc(TermsCursor *pCur, int nRow) {
  pCur->aRow = sqlite3_malloc64(sizeof(TermRow) * (sqlite3_uint64)(nRow + 1));
  if (pCur->aRow == 0)
    return SQLITE_NOMEM;
  memset(pCur->aRow, 0, sizeof(TermRow) * (size_t)(nRow + 1));
  return SQLITE_OK;
}

/* Adds a row of weight (key) w0; labels it from the operands or the index. */
static int add_row(TermsCursor *pCur, const TopicOperand *pA, const TopicOperand *pB,
                   sqlite3_uint64 id, double w0) {
  int rc = SQLITE_OK;
  TermRow *pRow = &pCur->aRow[pCur->nRow];
  pRow->zLabel = topic_label(pA, pB, pCur->pStats, id, &rc);
  if (rc != SQLITE_OK) {
    char *zErr = 0;
    sqlite3_vtab *pVtab = pCur->base.pVtab;
    assert(pCur->pStats); /* only the index's vocabulary can fail */
    rc = topic_stats_error(pCur->pStats, ((TermsTable *)pVtab)->zName, rc, &zErr);
    if (zErr)
      topic_vtab_error(pVtab, zErr);
    return rc;
  }
  if (pRow->zLabel == 0)
    return SQLITE_NOMEM;
  pRow->id = id;
  pRow->key = w0;
  pRow->aW[0] = w0;
  pCur->nRow++;
  return SQLITE_OK;
}

static int keywords_rows(TermsCursor *pCur, const TopicOperand *pOp, int k) {
  const PapersVector *pVec = &pOp->vec;
  int rc = rows_alloc(pCur, pVec->nTerm);
  for (int i = 0; rc == SQLITE_OK && i < pVec->nTerm; i++) {
    /* keywords are words: an index's latent dimensions are not listed */
    if (pVec->aWeight[i] <= 0 || papers_is_latent_id(pVec->aId[i]))
      continue;
    rc = add_row(pCur, pOp, 0, pVec->aId[i], pVec->aWeight[i]);
  }
  if (rc != SQLITE_OK)
    return rc;
  qsort(pCur->aRow, (size_t)pCur->nRow, sizeof(TermRow), compare_rows);
  while (pCur->nRow > k)
    sqlite3_free(pCur->aRow[--pCur->nRow].zLabel);
  return SQLITE_OK;
}

/* The row of the latent part when it is not attributed to terms. */
static int add_latent_row(TermsCursor *pCur, const ExplainTerm *pTerm, int eWhole) {
  TermRow *pRow = &pCur->aRow[pCur->nRow];
  pRow->zLabel = sqlite3_mprintf("(latent part: %s)", eWhole == EXPLAIN_NO_INDEX
                                                          ? "no index named"
                                                          : "not from this index");
  if (pRow->zLabel == 0)
    return SQLITE_NOMEM;
  pRow->id = pTerm->id;
  pRow->isNull = 1;
  pRow->zRelation = "latent";
  pCur->nRow++;
  return SQLITE_OK;
}

static int explain_rows(TermsCursor *pCur, const TopicOperand *pA,
                        const TopicOperand *pB) {
  ExplainTerm *aTerm = 0;
  int nTerm = 0, eWhole = 0;
  int rc = papers_explain(&pA->vec, &pB->vec, pCur->pStats, &aTerm, &nTerm, &eWhole);
  if (rc == SQLITE_OK)
    rc = rows_alloc(pCur, nTerm);
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    const ExplainTerm *p = &aTerm[i];
    rc = papers_is_latent_id(p->id) ? add_latent_row(pCur, p, eWhole)
                                    : add_row(pCur, pA, pB, p->id, 0);
    if (rc != SQLITE_OK)
      break;
    TermRow *pRow = &pCur->aRow[pCur->nRow - 1];
    pRow->key = p->sparse + p->latent;
    pRow->aW[EX_WEIGHT_A - EX_WEIGHT_A] = p->wA;
    pRow->aW[EX_WEIGHT_B - EX_WEIGHT_A] = p->wB;
    pRow->aW[EX_CONTRIBUTION - EX_WEIGHT_A] = pRow->key;
    pRow->aW[EX_SPARSE - EX_WEIGHT_A] = p->sparse;
    pRow->aW[EX_LATENT - EX_WEIGHT_A] = p->latent;
    if (pRow->zRelation == 0)
      pRow->zRelation = p->wA != 0 && p->wB != 0 ? "shared" : "related";
  }
  sqlite3_free(aTerm);
  if (rc == SQLITE_OK)
    qsort(pCur->aRow, (size_t)pCur->nRow, sizeof(TermRow), compare_rows);
  return rc;
}

/* Reads k: an integer from 1 to 1000, the default when NULL or absent. */
static int keywords_k(TermsTable *pTab, sqlite3_value *pK, int *pk) {
  return papers_tvf_count_arg(&pTab->base, "papers_keywords", pK, KEYWORDS_DEFAULT_K,
                              KEYWORDS_MAX_K, pk);
}

/* Vectorises argument iArg (0-based) into *pOp. */
static int cursor_operand(TermsCursor *pCur, int iArg, TopicOperand *pOp) {
  TermsTable *pTab = (TermsTable *)pCur->base.pVtab;
  char *zErr = 0;
  int rc = topic_operand(pTab->pConn, pCur->pStats, pCur->apArg[iArg], pTab->zName,
                         iArg + 1, pOp, &zErr);
  if (rc != SQLITE_OK && zErr) {
    int rcSet = topic_vtab_error(&pTab->base, zErr);
    return rc == SQLITE_CORRUPT_VTAB && rcSet != SQLITE_NOMEM ? rc : rcSet;
  }
  return rc;
}

static int filter_keywords(TermsCursor *pCur) {
  TermsTable *pTab = (TermsTable *)pCur->base.pVtab;
  int k;
  int rc = keywords_k(pTab, pCur->apArg[1], &k);
  if (rc == SQLITE_OK)
    rc = cursor_stats(pCur, pCur->apArg[2]);
  if (rc != SQLITE_OK || sqlite3_value_type(pCur->apArg[0]) == SQLITE_NULL)
    return rc;
  TopicOperand op;
  rc = cursor_operand(pCur, 0, &op);
  if (rc != SQLITE_OK)
    return rc;
  rc = keywords_rows(pCur, &op, k);
  topic_operand_free(&op);
  return rc;
}

static int filter_explain(TermsCursor *pCur) {
  TermsTable *pTab = (TermsTable *)pCur->base.pVtab;
  if (pCur->apArg[1] == 0) {
    return topic_vtab_error(
        &pTab->base,
        sqlite3_mprintf("papers_explain: the second argument, b, is missing"));
  }
  int rc = cursor_stats(pCur, pCur->apArg[2]);
  if (rc != SQLITE_OK || sqlite3_value_type(pCur->apArg[0]) == SQLITE_NULL ||
      sqlite3_value_type(pCur->apArg[1]) == SQLITE_NULL) {
    return rc;
  }
  TopicOperand a, b;
  rc = cursor_operand(pCur, 0, &a);
  if (rc != SQLITE_OK)
    return rc;
  rc = cursor_operand(pCur, 1, &b);
  if (rc == SQLITE_OK) {
    rc = explain_rows(pCur, &a, &b);
    topic_operand_free(&b);
  }
  topic_operand_free(&a);
  return rc;
}

static int terms_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                        int argc, sqlite3_value **argv) {
  TermsCursor *pCur = (TermsCursor *)pCursor;
  TermsTable *pTab = (TermsTable *)pCursor->pVtab;
  (void)idxStr;
  (void)argc;
  terms_rows_free(pCur);
  papers_tvf_args(idxNum, argv, pCur->apArg, TERMS_N_ARG);
  if (pCur->apArg[0] == 0) {
    return topic_vtab_error(
        &pTab->base, sqlite3_mprintf("%s: the first argument, %s, is missing",
                                     pTab->zName, pTab->isExplain ? "a" : "the text"));
  }
  return pTab->isExplain ? filter_explain(pCur) : filter_keywords(pCur);
}

static int terms_next(sqlite3_vtab_cursor *pCursor) {
  ((TermsCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

static int terms_eof(sqlite3_vtab_cursor *pCursor) {
  TermsCursor *pCur = (TermsCursor *)pCursor;
  return pCur->iRow >= pCur->nRow;
}

static int terms_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  *pRowid = ((TermsCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

static int terms_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx, int iCol) {
  TermsCursor *pCur = (TermsCursor *)pCursor;
  TermsTable *pTab = (TermsTable *)pCursor->pVtab;
  const TermRow *pRow = &pCur->aRow[pCur->iRow];
  if (iCol >= pTab->nOutput) {
    sqlite3_value *pArg = pCur->apArg[iCol - pTab->nOutput];
    if (pArg)
      sqlite3_result_value(pCtx, pArg);
  } else if (!pTab->isExplain && iCol == KW_RANK) {
    sqlite3_result_int(pCtx, pCur->iRow + 1);
  } else if (!pTab->isExplain && iCol == KW_WEIGHT) {
    sqlite3_result_double(pCtx, pRow->aW[0]);
  } else if (iCol == 0 || (!pTab->isExplain && iCol == KW_TERM)) {
    sqlite3_result_text(pCtx, pRow->zLabel, -1, SQLITE_TRANSIENT);
  } else if (iCol == EX_RELATION) {
    sqlite3_result_text(pCtx, pRow->zRelation, -1, SQLITE_STATIC);
  } else if (pRow->isNull && (iCol == EX_WEIGHT_A || iCol == EX_WEIGHT_B)) {
    sqlite3_result_null(pCtx);
  } else {
    sqlite3_result_double(pCtx, pRow->aW[iCol - EX_WEIGHT_A]);
  }
  return SQLITE_OK;
}

/* No xCreate: eponymous only, like table-valued functions. One table serves
** papers_keywords and papers_explain; terms_connect tells them apart. */
static sqlite3_module termsModule = {
    .xConnect = terms_connect,
    .xBestIndex = terms_best_index,
    .xDisconnect = terms_disconnect,
    .xOpen = terms_open,
    .xClose = terms_close,
    .xFilter = terms_filter,
    .xNext = terms_next,
    .xEof = terms_eof,
    .xColumn = terms_column,
    .xRowid = terms_rowid,
};

int topic_register_terms(sqlite3 *db, PapersConn *pConn) {
  int rc = sqlite3_create_module_v2(db, "papers_keywords", &termsModule,
                                    papers_conn_ref(pConn), papers_conn_unref);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_module_v2(db, "papers_explain", &termsModule,
                                  papers_conn_ref(pConn), papers_conn_unref);
  }
  return rc;
}
