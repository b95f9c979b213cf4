/*
** index_vtab.c: the papers_index virtual table, a persistent topic index.
**
**   CREATE VIRTUAL TABLE topics USING papers_index(content='papers',
**     content_rowid='id', columns='title, abstract'
**     [, tokenize='porter unicode61 remove_diacritics 2'] [, weights='2 1']);
**
** behaves as if declared
**
**   CREATE TABLE topics(title, abstract, topics HIDDEN, similar_to HIDDEN,
**                       query HIDDEN, score);
**
** Contract:
**   - External content, as FTS5's content= tables: the index stores no text,
**     only statistics, vectors and postings (index.h), in shadow tables written
**     inside the user's transaction. The content table's triggers keep it
**     current (sql/papers_index_triggers.sql): an INSERT with the rowid and the
**     columns indexes a row (replacing what was indexed under that rowid), and
**     INSERT INTO topics(topics, rowid, ...) VALUES('delete', ...) removes one.
**   - Commands, INSERT INTO topics(topics) VALUES(...): 'rebuild' (re-reads the
**     content table), 'optimize' (the same: re-weighs every document with the
**     current statistics), 'integrity-check' (compares the index with the
**     content table and with itself; SQLITE_CORRUPT_VTAB naming the problems),
**     'delete-all'.
**   - A document is weighed when it is indexed, with the statistics of that
**     moment; rebuild and optimize re-weigh all of them at once.
**   - Queries: WHERE similar_to = :rowid (more like this: the stored vector of
**     that document, the document itself excluded) or WHERE query = :text_or
**     _vector, giving rowid and score (the dot product of the query vector and
**     the document's, i.e. the cosine), ordered by score descending, ties by
**     rowid. Only documents sharing a term with the query are scored: each
**     query term's postings are read once. A LIMIT is pushed into the table.
**     The order of additions is the same as in papers_vector_dot(), so a score
**     equals the exhaustive dot product bit for bit.
**   - The indexed columns read from the content table; without a constraint
**     the table lists every indexed document.
*/
#include "index.h"

#include <assert.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Extra columns after the indexed ones, in this order. */
enum { XCOL_COMMAND, XCOL_SIMILAR_TO, XCOL_QUERY, XCOL_SCORE, N_XCOL };

enum QueryPlan { PLAN_SCAN, PLAN_ROWID, PLAN_SIMILAR, PLAN_QUERY };

typedef struct IndexTable {
  sqlite3_vtab base;
  sqlite3 *db;
  PapersConn *pConn;
  IndexConfig config;
  IndexStore *pStore;
  i64 layout; /* of the shadow tables (0: not read yet); only INDEX_LAYOUT_VERSION
              ** can be used */
  int hasContentChecked; /* content_check() found the options' names */
} IndexTable;

typedef IndexHit Hit;

typedef struct IndexCursor {
  sqlite3_vtab_cursor base;
  int ePlan;
  Hit *aHit; /* PLAN_SIMILAR / PLAN_QUERY / PLAN_ROWID results */
  int nHit;
  int iHit;
  sqlite3_stmt *pScan; /* PLAN_SCAN: every indexed document */
  int isEof;
  sqlite3_stmt *pContent; /* the content row of the current document */
  i64 iContentDoc;        /* whose row pContent holds, when hasContent */
  int hasContent;
  sqlite3_value *pArgument; /* PLAN_SIMILAR / PLAN_QUERY: the value of similar_to
                            ** or query, which that column reads */
} IndexCursor;

/* ---- options ------------------------------------------------------------ */

static void config_clear(IndexConfig *pConfig) {
  for (int i = 0; i < pConfig->nColumn; i++)
    sqlite3_free(pConfig->azColumn[i]);
  sqlite3_free(pConfig->azColumn);
  sqlite3_free(pConfig->aWeight);
  sqlite3_free(pConfig->zDb);
  sqlite3_free(pConfig->zName);
  sqlite3_free(pConfig->zContent);
  sqlite3_free(pConfig->zContentRowid);
  sqlite3_free(pConfig->zTokenize);
  memset(pConfig, 0, sizeof(*pConfig));
}

/* A copy of z[0..n) without surrounding quotes ('', "" or [] and `` forms). */
static char *dequote(const char *z, int n) {
  while (n > 0 && (*z == ' ' || *z == '\t'))
    z++, n--;
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t'))
    n--;
  char cQuote = n >= 2 ? z[0] : 0;
  char cClose = cQuote == '[' ? ']' : cQuote;
  if ((cQuote == '\'' || cQuote == '"' || cQuote == '`' || cQuote == '[') &&
      z[n - 1] == cClose) {
    sqlite3_str *pStr = sqlite3_str_new(0);
    for (int i = 1; i < n - 1; i++) {
      sqlite3_str_appendchar(pStr, 1, z[i]);
      if (z[i] == cClose && cQuote != '[' && i + 1 < n - 1 && z[i + 1] == cClose)
        i++;
    }
    return sqlite3_str_finish(pStr);
  }
  return sqlite3_mprintf("%.*s", n, z);
}

/* Splits a list on commas and white space into names. */
static int split_list(const char *zList, char ***pazItem, int *pnItem) {
  char **azItem = 0;
  int nItem = 0;
  const char *z = zList;
  while (*z) {
    while (*z == ',' || *z == ' ' || *z == '\t')
      z++;
    if (*z == 0)
      break;
    const char *zStart = z;
    while (*z && *z != ',' && *z != ' ' && *z != '\t')
      z++;
    char **azNew =
        sqlite3_realloc64(azItem, sizeof(char *) * (sqlite3_uint64)(nItem + 1));
    char *zItem = sqlite3_mprintf("%.*s", (int)(z - zStart), zStart);
    if (azNew)
      azItem = azNew;
    if (azNew == 0 || zItem == 0) {
      sqlite3_free(zItem);
      for (int i = 0; i < nItem; i++)
        sqlite3_free(azItem[i]);
      sqlite3_free(azItem);
      return SQLITE_NOMEM;
    }
    azItem[nItem++] = zItem;
  }
  *pazItem = azItem;
  *pnItem = nItem;
  return SQLITE_OK;
}

static int parse_weights(IndexConfig *pConfig, const char *zWeights, char **pzErr) {
  char **azWeight = 0;
  int nWeight = 0;
  int rc = split_list(zWeights, &azWeight, &nWeight);
  if (rc == SQLITE_OK && nWeight != pConfig->nColumn) {
    *pzErr = sqlite3_mprintf(
        "papers_index: weights needs %d numbers, one per column, got '%s'",
        pConfig->nColumn, zWeights);
    rc = SQLITE_ERROR;
  }
  for (int i = 0; rc == SQLITE_OK && i < nWeight; i++) {
    double weight = 0;
    if (!papers_parse_decimal(azWeight[i], &weight) || !(weight > 0 && weight <= 100)) {
      *pzErr = sqlite3_mprintf("papers_index: each weight must be a number in (0, 100],"
                               " got '%s'",
                               azWeight[i]);
      rc = SQLITE_ERROR;
    } else {
      pConfig->aWeight[i] = weight;
    }
  }
  for (int i = 0; i < nWeight; i++)
    sqlite3_free(azWeight[i]);
  sqlite3_free(azWeight);
  return rc;
}

static int parse_latent_dims(IndexConfig *pConfig, const char *zValue, char **pzErr) {
  char *zEnd = 0;
  long nDim = strtol(zValue, &zEnd, 10);
  if (*zValue == 0 || *zEnd != 0 || nDim < 0 || nDim > PAPERS_MAX_LATENT) {
    *pzErr =
        sqlite3_mprintf("papers_index: latent must be a number of dimensions from 0 to"
                        " %d, got '%s'",
                        PAPERS_MAX_LATENT, zValue);
    return SQLITE_ERROR;
  }
  pConfig->nLatentDims = (int)nDim;
  return SQLITE_OK;
}

static int parse_latent_weight(IndexConfig *pConfig, const char *zValue, char **pzErr) {
  double weight = 0;
  if (!papers_parse_decimal(zValue, &weight) || !(weight >= 0 && weight <= 1)) {
    *pzErr = sqlite3_mprintf("papers_index: latent_weight must be a number from 0 to 1,"
                             " got '%s'",
                             zValue);
    return SQLITE_ERROR;
  }
  pConfig->latentWeight = weight;
  return SQLITE_OK;
}

static int parse_pending(IndexConfig *pConfig, const char *zValue, char **pzErr) {
  char *zEnd = 0;
  long long nPending = strtoll(zValue, &zEnd, 10);
  if (*zValue == 0 || *zEnd != 0 || nPending < 0 || nPending > INDEX_PENDING_LIMIT) {
    *pzErr = sqlite3_mprintf("papers_index: pending must be a number of postings from 0"
                             " to %d, got '%s'",
                             INDEX_PENDING_LIMIT, zValue);
    return SQLITE_ERROR;
  }
  pConfig->nPendingMax = nPending;
  return SQLITE_OK;
}

/* Sets one option from "key=value". */
static int parse_option(IndexConfig *pConfig, const char *zArg, char **pzWeights,
                        char **pzErr) {
  const char *zEq = strchr(zArg, '=');
  if (zEq == 0) {
    *pzErr = sqlite3_mprintf("papers_index: expected key=value, got '%s'", zArg);
    return SQLITE_ERROR;
  }
  char *zKey = dequote(zArg, (int)(zEq - zArg));
  char *zValue = dequote(zEq + 1, (int)strlen(zEq + 1));
  char **pzSlot = 0;
  int rc = (zKey && zValue) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    if (strcmp(zKey, "content") == 0)
      pzSlot = &pConfig->zContent;
    else if (strcmp(zKey, "content_rowid") == 0)
      pzSlot = &pConfig->zContentRowid;
    else if (strcmp(zKey, "tokenize") == 0)
      pzSlot = &pConfig->zTokenize;
    else if (strcmp(zKey, "weights") == 0)
      pzSlot = pzWeights;
    else if (strcmp(zKey, "latent") == 0)
      rc = parse_latent_dims(pConfig, zValue, pzErr);
    else if (strcmp(zKey, "latent_weight") == 0)
      rc = parse_latent_weight(pConfig, zValue, pzErr);
    else if (strcmp(zKey, "pending") == 0)
      rc = parse_pending(pConfig, zValue, pzErr);
    else if (strcmp(zKey, "columns") == 0) {
      rc = split_list(zValue, &pConfig->azColumn, &pConfig->nColumn);
    } else {
      *pzErr = sqlite3_mprintf("papers_index: unknown option '%s' (known: content,"
                               " content_rowid, columns, tokenize, weights, latent,"
                               " latent_weight, pending)",
                               zKey);
      rc = SQLITE_ERROR;
    }
  }
  if (pzSlot) {
    sqlite3_free(*pzSlot);
    *pzSlot = zValue;
    zValue = 0;
  }
  sqlite3_free(zKey);
  sqlite3_free(zValue);
  return rc;
}

static int parse_config(int argc, const char *const *argv, IndexConfig *pConfig,
                        char **pzErr) {
  char *zWeights = 0;
  int rc = SQLITE_OK;
  memset(pConfig, 0, sizeof(*pConfig));
  pConfig->nLatentDims = INDEX_LATENT_DIMS;
  pConfig->nPendingMax = INDEX_PENDING_MAX;
  pConfig->latentWeight = INDEX_LATENT_WEIGHT;
  pConfig->zDb = sqlite3_mprintf("%s", argv[1]);
  pConfig->zName = sqlite3_mprintf("%s", argv[2]);
  if (pConfig->zDb == 0 || pConfig->zName == 0)
    rc = SQLITE_NOMEM;
  for (int i = 3; rc == SQLITE_OK && i < argc; i++) {
    rc = parse_option(pConfig, argv[i], &zWeights, pzErr);
  }
  if (rc == SQLITE_OK && (pConfig->zContent == 0 || pConfig->zContent[0] == 0)) {
    *pzErr = sqlite3_mprintf("papers_index: the content option is required,"
                             " e.g. content='papers'");
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK &&
      (pConfig->nColumn == 0 || pConfig->nColumn > INDEX_MAX_COLUMNS)) {
    *pzErr =
        sqlite3_mprintf("papers_index: the columns option is required and names 1 to %d"
                        " columns, e.g. columns='title, abstract'",
                        INDEX_MAX_COLUMNS);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK && pConfig->zContentRowid == 0) {
    pConfig->zContentRowid = sqlite3_mprintf("rowid");
    if (pConfig->zContentRowid == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && pConfig->zTokenize == 0) {
    pConfig->zTokenize = sqlite3_mprintf("%s", papers_default_tokenize());
    if (pConfig->zTokenize == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    pConfig->aWeight =
        sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)pConfig->nColumn);
    if (pConfig->aWeight == 0)
      rc = SQLITE_NOMEM;
    for (int i = 0; rc == SQLITE_OK && i < pConfig->nColumn; i++)
      pConfig->aWeight[i] = 1;
  }
  if (rc == SQLITE_OK && zWeights)
    rc = parse_weights(pConfig, zWeights, pzErr);
  sqlite3_free(zWeights);
  return rc;
}

static char *declare_sql(const IndexConfig *pConfig) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  sqlite3_str_appendall(pStr, "CREATE TABLE x(");
  for (int i = 0; i < pConfig->nColumn; i++) {
    sqlite3_str_appendf(pStr, "\"%w\", ", pConfig->azColumn[i]);
  }
  sqlite3_str_appendf(pStr, "\"%w\" HIDDEN, similar_to HIDDEN, query HIDDEN, score REAL)",
                      pConfig->zName);
  return sqlite3_str_finish(pStr);
}

/* ---- the content table ---------------------------------------------------- */

/* Whether the content table has a rowid: it is a table (a view's rowid reads
** NULL) that is not WITHOUT ROWID (selecting its rowid, unquoted, fails). */
static int content_has_rowid(sqlite3 *db, const IndexConfig *pConfig, int *pHasRowid) {
  sqlite3_stmt *pStmt = 0;
  *pHasRowid = 0;
  char *zSql = sqlite3_mprintf("SELECT type = 'table' FROM \"%w\".sqlite_schema"
                               " WHERE name = %Q COLLATE NOCASE",
                               pConfig->zDb, pConfig->zContent);
  int rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  int isTable = rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW &&
                sqlite3_column_int(pStmt, 0);
  int rcFinalize = sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK || rcFinalize != SQLITE_OK || !isTable)
    return rc != SQLITE_OK ? rc : rcFinalize;
  zSql =
      sqlite3_mprintf("SELECT rowid FROM \"%w\".\"%w\"", pConfig->zDb, pConfig->zContent);
  rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  sqlite3_finalize(pStmt);
  *pHasRowid = rc == SQLITE_OK;
  return rc == SQLITE_NOMEM ? rc : SQLITE_OK;
}

/* The message for a name in an option that the content table lacks. */
static char *content_missing(const char *zWho, const IndexConfig *pConfig,
                             const char *zOption, const char *zName) {
  return sqlite3_mprintf("%s: option %s names '%s', which is not a column of '%s'", zWho,
                         zOption, zName, pConfig->zContent);
}

/* Checks the options content, content_rowid and columns against the content
** table, by its columns (pragma_table_xinfo): every name must exist. When the
** table does not exist that is an error only if isRequired (CREATE allows
** creating the content table afterwards). zWho starts the message. */
static int content_check(sqlite3 *db, const IndexConfig *pConfig, int isRequired,
                         const char *zWho, char **pzErr) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_xinfo(?1, ?2)", -1,
                              &pStmt, 0);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(pStmt, 1, pConfig->zContent, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, pConfig->zDb, -1, SQLITE_STATIC);
  sqlite3_uint64 foundMask = 0; /* bit i: column i found */
  int nName = 0, hasRowidColumn = 0;
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zName = (const char *)sqlite3_column_text(pStmt, 0);
    nName++;
    for (int i = 0; zName && i < pConfig->nColumn; i++) {
      if (sqlite3_stricmp(zName, pConfig->azColumn[i]) == 0)
        foundMask |= (sqlite3_uint64)1 << i;
    }
    if (zName && sqlite3_stricmp(zName, pConfig->zContentRowid) == 0)
      hasRowidColumn = 1;
  }
  rc = sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK || (nName == 0 && !isRequired))
    return rc;
  if (nName == 0) {
    *pzErr = sqlite3_mprintf("%s: option content names '%s', which is no table or view"
                             " in schema '%s'",
                             zWho, pConfig->zContent, pConfig->zDb);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  for (int i = 0; i < pConfig->nColumn; i++) {
    if ((foundMask & ((sqlite3_uint64)1 << i)) == 0) {
      *pzErr = content_missing(zWho, pConfig, "columns", pConfig->azColumn[i]);
      return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
  }
  if (hasRowidColumn)
    return SQLITE_OK;
  const char *zRowid = pConfig->zContentRowid;
  int hasRowid = 0;
  if (sqlite3_stricmp(zRowid, "rowid") == 0 || sqlite3_stricmp(zRowid, "oid") == 0 ||
      sqlite3_stricmp(zRowid, "_rowid_") == 0) {
    rc = content_has_rowid(db, pConfig, &hasRowid);
  }
  if (rc != SQLITE_OK || hasRowid)
    return rc;
  *pzErr = content_missing(zWho, pConfig, "content_rowid", zRowid);
  return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* ---- create, connect, destroy -------------------------------------------- */

static int index_init(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                      sqlite3_vtab **ppVtab, char **pzErr, int isCreate) {
  IndexTable *pTab = sqlite3_malloc64(sizeof(*pTab));
  if (pTab == 0)
    return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->db = db;
  pTab->pConn = pAux;
  int rc = parse_config(argc, argv, &pTab->config, pzErr);
  if (rc == SQLITE_OK) {
    char *zDeclare = declare_sql(&pTab->config);
    rc = zDeclare ? sqlite3_declare_vtab(db, zDeclare) : SQLITE_NOMEM;
    sqlite3_free(zDeclare);
  }
  if (rc == SQLITE_OK && isCreate)
    rc = content_check(db, &pTab->config, 0, "papers_index", pzErr);
  if (rc == SQLITE_OK && isCreate)
    rc = index_store_create(db, &pTab->config);
  if (rc == SQLITE_OK)
    rc = index_store_open(db, &pTab->config, &pTab->pStore);
  if (rc != SQLITE_OK) {
    index_store_close(pTab->pStore);
    config_clear(&pTab->config);
    sqlite3_free(pTab);
    return rc;
  }
  *ppVtab = &pTab->base;
  return SQLITE_OK;
}

static int index_create(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr) {
  return index_init(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

static int index_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                         sqlite3_vtab **ppVtab, char **pzErr) {
  return index_init(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

static int index_disconnect(sqlite3_vtab *pVtab) {
  IndexTable *pTab = (IndexTable *)pVtab;
  index_store_close(pTab->pStore);
  config_clear(&pTab->config);
  sqlite3_free(pTab);
  return SQLITE_OK;
}

static int index_destroy(sqlite3_vtab *pVtab) {
  IndexTable *pTab = (IndexTable *)pVtab;
  int rc = index_store_destroy(pTab->db, &pTab->config);
  if (rc == SQLITE_OK)
    index_disconnect(pVtab);
  return rc;
}

static int set_table_error(IndexTable *pTab, char *zErr) {
  sqlite3_free(pTab->base.zErrMsg);
  pTab->base.zErrMsg = zErr;
  return zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* An error of the store, said in words when it is a damaged shadow table or
** its broken write buffer. */
static int store_error(IndexTable *pTab, int rc) {
  char *zCorrupt = index_store_take_error(pTab->pStore);
  if (rc == SQLITE_CORRUPT_VTAB && zCorrupt) {
    set_table_error(pTab, zCorrupt);
    return rc;
  }
  sqlite3_free(zCorrupt); /* a damage reported in other words (integrity-check) */
  if (rc != SQLITE_ERROR || !index_store_is_broken(pTab->pStore))
    return rc;
  return set_table_error(pTab, sqlite3_mprintf("%s: a write to the index failed earlier"
                                               " in this transaction: roll it back",
                                               pTab->config.zName));
}

/* Writes out the store's write buffer: anything that reads the index first. */
static int flush_table(IndexTable *pTab) {
  return store_error(pTab, index_store_flush(pTab->pStore));
}

/* An index made with another layout of the shadow tables can only be
** dropped: queries, writes and renames fail. The layout is read on first use,
** not when connecting, so that DROP TABLE works whatever the shadow tables
** hold. */
static int check_layout(IndexTable *pTab) {
  int rc = SQLITE_OK;
  if (pTab->layout == 0)
    rc = store_error(pTab, index_store_version(pTab->pStore, &pTab->layout));
  if (rc != SQLITE_OK || pTab->layout == INDEX_LAYOUT_VERSION)
    return rc;
  return set_table_error(
      pTab, sqlite3_mprintf("%s: made with layout %lld of the shadow tables, this papers"
                            " reads layout %d: drop the table, create it again and"
                            " 'rebuild'",
                            pTab->config.zName, pTab->layout, INDEX_LAYOUT_VERSION));
}

/* ---- documents ---------------------------------------------------------- */

static int analyzer(IndexTable *pTab, PapersAnalyzer **ppAnalyzer) {
  char *zErr = 0;
  int rc = papers_conn_analyzer(pTab->pConn, pTab->config.zTokenize, ppAnalyzer, &zErr);
  if (rc == SQLITE_ERROR) {
    set_table_error(pTab, sqlite3_mprintf("%s: %s", pTab->config.zName, zErr));
  }
  sqlite3_free(zErr);
  return rc;
}

/* Counts the terms of a document's column values (argv[0..nColumn)). */
static int count_document(IndexTable *pTab, sqlite3_value **apValue,
                          PapersCounts *pCounts) {
  PapersAnalyzer *pAnalyzer;
  int rc = analyzer(pTab, &pAnalyzer);
  papers_counts_reset(pCounts);
  for (int i = 0; rc == SQLITE_OK && i < pTab->config.nColumn; i++) {
    const char *z = (const char *)sqlite3_value_text(apValue[i]);
    int n = sqlite3_value_bytes(apValue[i]);
    if (z)
      rc = papers_counts_add(pCounts, pAnalyzer, z, n, pTab->config.aWeight[i]);
  }
  return rc == SQLITE_OK ? papers_counts_finish(pCounts) : rc;
}

/* Removes what is indexed under iDoc, if anything. */
static int remove_document(IndexTable *pTab, i64 iDoc) {
  PapersVector vec;
  int isFound;
  int rc = index_store_doc_get(pTab->pStore, iDoc, &vec, &isFound);
  if (rc != SQLITE_OK || !isFound)
    return rc;
  i64 nDoc;
  int nDim = 0;
  double weight;
  rc = index_store_remove(pTab->pStore, iDoc, &vec);
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(pTab->pStore, &nDim, &weight);
  if (rc == SQLITE_OK && nDim > 0)
    rc = index_store_dense_remove(pTab->pStore, iDoc, nDim);
  if (rc == SQLITE_OK)
    rc = index_store_doc_delete(pTab->pStore, iDoc);
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(pTab->pStore, &nDoc);
  if (rc == SQLITE_OK)
    rc = index_store_set_ndoc(pTab->pStore, nDoc - 1);
  papers_vector_free(&vec);
  return rc;
}

/* Files the latent part of a vector in the dense blocks, when there is one. */
static int add_dense(IndexTable *pTab, i64 iDoc, const PapersVector *pVec) {
  int nDim = 0;
  double weight;
  int rc = index_store_latent_get(pTab->pStore, &nDim, &weight);
  if (rc == SQLITE_OK && nDim > 0)
    rc = index_store_dense_add(pTab->pStore, iDoc, pVec, nDim);
  return rc;
}

/* Merges the pending level once it holds more postings than the option
** `pending` lets it. */
static int merge_when_full(IndexTable *pTab) {
  i64 nPending;
  int rc = index_store_pending_count(pTab->pStore, &nPending);
  if (rc == SQLITE_OK && nPending > pTab->config.nPendingMax)
    rc = index_store_merge(pTab->pStore);
  return rc;
}

/* Indexes a document: counts it into the statistics, then weighs it. Its
** postings and the vocabulary rows it changes go to the pending level. */
static int add_document(IndexTable *pTab, i64 iDoc, sqlite3_value **apValue) {
  PapersCounts *pCounts = papers_counts_new();
  PapersVector vec = {0, 0, 0};
  int nCount = 0;
  i64 nDoc;
  int rc = pCounts ? remove_document(pTab, iDoc) : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = count_document(pTab, apValue, pCounts);
  const PapersCount *aCount = pCounts ? papers_counts(pCounts, &nCount) : 0;
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(pTab->pStore, &nDoc);
  if (rc == SQLITE_OK)
    rc = index_store_set_ndoc(pTab->pStore, nDoc + 1);
  if (rc == SQLITE_OK)
    rc = index_store_add(pTab->pStore, iDoc, aCount, nCount, &vec);
  if (rc == SQLITE_OK)
    rc = index_store_doc_put(pTab->pStore, iDoc, &vec);
  if (rc == SQLITE_OK)
    rc = add_dense(pTab, iDoc, &vec);
  papers_vector_free(&vec);
  papers_counts_free(pCounts);
  return rc == SQLITE_OK ? merge_when_full(pTab) : rc;
}

/* ---- rebuild ------------------------------------------------------------- */

/* content_check() once per connection, before the first read of the content
** table and the first write (the content table may be created after the
** index). */
static int content_check_table(IndexTable *pTab) {
  if (pTab->hasContentChecked)
    return SQLITE_OK;
  char *zErr = 0;
  int rc = content_check(pTab->db, &pTab->config, 1, pTab->config.zName, &zErr);
  if (zErr)
    return set_table_error(pTab, zErr);
  pTab->hasContentChecked = rc == SQLITE_OK;
  return rc;
}

/* A statement over the content table: rowid, then the indexed columns. */
static int content_scan(IndexTable *pTab, const char *zWhere, sqlite3_stmt **ppStmt) {
  const IndexConfig *pConfig = &pTab->config;
  int rc = content_check_table(pTab);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_str *pStr = sqlite3_str_new(pTab->db);
  sqlite3_str_appendf(pStr, "SELECT \"%w\"", pConfig->zContentRowid);
  for (int i = 0; i < pConfig->nColumn; i++) {
    sqlite3_str_appendf(pStr, ", \"%w\"", pConfig->azColumn[i]);
  }
  sqlite3_str_appendf(pStr, " FROM \"%w\".\"%w\" %s", pConfig->zDb, pConfig->zContent,
                      zWhere);
  char *zSql = sqlite3_str_finish(pStr);
  if (zSql == 0)
    return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(pTab->db, zSql, -1, ppStmt, 0);
  if (rc != SQLITE_OK) {
    set_table_error(pTab, sqlite3_mprintf("%s: cannot read the content table: %s",
                                          pConfig->zName, sqlite3_errmsg(pTab->db)));
  }
  sqlite3_free(zSql);
  return rc;
}

/* The indexed column values of the content row the statement is on. */
static void row_values(IndexTable *pTab, sqlite3_stmt *pStmt, sqlite3_value **apValue) {
  for (int i = 0; i < pTab->config.nColumn; i++)
    apValue[i] = sqlite3_column_value(pStmt, i + 1);
}

/* Counts the terms of the content row a scan is on. */
static int count_scan_row(void *pCtx, sqlite3_stmt *pScan, PapersCounts *pCounts) {
  IndexTable *pTab = pCtx;
  sqlite3_value *apValue[INDEX_MAX_COLUMNS];
  row_values(pTab, pScan, apValue);
  return count_document(pTab, apValue, pCounts);
}

static int rebuild(IndexTable *pTab) {
  sqlite3_stmt *pScan = 0;
  int rc = index_store_clear(pTab->pStore, &pTab->config);
  if (rc == SQLITE_OK)
    rc = content_scan(pTab, "ORDER BY 1", &pScan);
  if (rc == SQLITE_OK)
    rc = index_build(pTab->pStore, &pTab->config, pScan, count_scan_row, pTab);
  int rcScan = sqlite3_finalize(pScan);
  return rc == SQLITE_OK ? rcScan : rc;
}

/* ---- integrity-check ------------------------------------------------------ */

/* What integrity-check gathers of a term from two sides (the documents'
** vectors, and the postings): a count and an order-free hash of (document,
** weight) pairs. Both must agree, and with the vocabulary's df. */
typedef struct CheckTerm {
  sqlite3_uint64 id;
  i64 nFromDocs, nFromPostings;
  sqlite3_uint64 hashFromDocs, hashFromPostings;
} CheckTerm;

typedef struct Check {
  IndexTable *pTab;
  sqlite3_str *pProblems; /* the first few problems, for the message */
  int nProblem;
  PapersIdMap *pTerms;
  CheckTerm *aTerm;
  i64 nTermAlloc;
  int nDim;                             /* latent dimensions (0: none) */
  i64 nDenseFromDocs, nDenseFromBlocks; /* latent parts, counted and hashed */
  sqlite3_uint64 hashDenseFromDocs, hashDenseFromBlocks; /* from both sides */
} Check;

static void check_problem(Check *p, const char *zFormat, i64 iValue);

/* An order-free hash of one document's quantised latent part. */
static sqlite3_uint64 dense_hash(i64 iDoc, const signed char *aCode, int nDim,
                                 float scale, float err) {
  unsigned char aBuf[8 + 8 + PAPERS_MAX_LATENT];
  assert(nDim >= 0 && nDim <= PAPERS_MAX_LATENT);
  memcpy(aBuf, &iDoc, 8);
  memcpy(aBuf + 8, &scale, 4);
  memcpy(aBuf + 12, &err, 4);
  memcpy(aBuf + 16, aCode, (size_t)nDim);
  return papers_term_id((const char *)aBuf, 16 + nDim);
}

/* Hashes the latent part a document's vector gives, as the blocks store it. */
static void check_dense_doc(Check *p, i64 iDoc, const PapersVector *pVec, int nWord) {
  float aValue[PAPERS_MAX_LATENT], scale, err;
  signed char aCode[PAPERS_MAX_LATENT];
  if (p->nDim == 0 || NEVER(p->nDim < 0 || p->nDim > PAPERS_MAX_LATENT) ||
      pVec->nTerm - nWord != p->nDim)
    return;
  for (int k = 0; k < p->nDim; k++)
    aValue[k] = pVec->aWeight[nWord + k];
  index_dense_quantize(aValue, p->nDim, aCode, &scale, &err);
  p->nDenseFromDocs++;
  p->hashDenseFromDocs ^= dense_hash(iDoc, aCode, p->nDim, scale, err);
}

static int check_dense_block(void *pCtx, const IndexDenseBlock *pBlock) {
  Check *p = pCtx;
  for (int i = 0; i < pBlock->n; i++) {
    p->nDenseFromBlocks++;
    p->hashDenseFromBlocks ^=
        dense_hash(pBlock->aDoc[i], pBlock->aCode + (i64)i * p->nDim, p->nDim,
                   pBlock->aScale[i], pBlock->aErr[i]);
  }
  return SQLITE_OK;
}

/* The dense blocks must hold exactly the documents' latent parts. */
static int check_dense(Check *p) {
  int rc = SQLITE_OK;
  if (p->nDim > 0)
    rc = index_store_dense_scan(p->pTab->pStore, p->nDim, check_dense_block, p);
  if (rc == SQLITE_CORRUPT_VTAB) {
    sqlite3_free(index_store_take_error(p->pTab->pStore)); /* said as a problem */
    check_problem(p, "a dense block is malformed", 0);
    return SQLITE_OK;
  }
  if (rc == SQLITE_OK && (p->nDenseFromDocs != p->nDenseFromBlocks ||
                          p->hashDenseFromDocs != p->hashDenseFromBlocks)) {
    check_problem(p, "the dense blocks disagree with the documents (%lld latent parts)",
                  p->nDenseFromDocs);
  }
  return rc;
}

static void check_problem(Check *p, const char *zFormat, i64 iValue) {
  if (p->nProblem++ < 3) {
    sqlite3_str_appendall(p->pProblems, p->nProblem > 1 ? "; " : "");
    sqlite3_str_appendf(p->pProblems, zFormat, iValue);
  }
}

static sqlite3_uint64 posting_hash(i64 iDoc, float weight) {
  unsigned int bits;
  memcpy(&bits, &weight, 4);
  return papers_term_id((const char *)&iDoc, 8) ^
         ((sqlite3_uint64)bits * 0x9e3779b97f4a7c15ULL);
}

static int check_term(Check *p, sqlite3_uint64 id, CheckTerm **ppTerm) {
  int iTerm, isNew;
  int rc = papers_idmap_get(p->pTerms, id, &iTerm, &isNew);
  if (rc == SQLITE_OK)
    rc = papers_grow_array((void **)&p->aTerm, sizeof(CheckTerm), iTerm + 1,
                           &p->nTermAlloc);
  if (rc != SQLITE_OK)
    return rc;
  p->aTerm[iTerm].id = id;
  *ppTerm = &p->aTerm[iTerm];
  return SQLITE_OK;
}

/* Compares one content row with what is indexed under its rowid. */
static int check_row(Check *p, i64 iDoc, sqlite3_value **apValue, PapersCounts *pCounts) {
  PapersVector vec;
  int isFound, nCount;
  int rc = index_store_doc_get(p->pTab->pStore, iDoc, &vec, &isFound);
  if (rc != SQLITE_OK)
    return rc;
  rc = count_document(p->pTab, apValue, pCounts);
  if (rc != SQLITE_OK) {
    papers_vector_free(&vec);
    return rc;
  }
  const PapersCount *aCount = papers_counts(pCounts, &nCount);
  if (!isFound) {
    check_problem(p, "row %lld of the content table is not indexed", iDoc);
    return SQLITE_OK;
  }
  int nWord = 0; /* the vector's word terms; latent dimensions come after them */
  while (nWord < vec.nTerm && !papers_is_latent_id(vec.aId[nWord]))
    nWord++;
  int isSame = nWord == nCount;
  for (int i = 0; isSame && i < nCount; i++)
    isSame = vec.aId[i] == aCount[i].id;
  if (!isSame)
    check_problem(p, "row %lld is indexed with other terms than its content", iDoc);
  check_dense_doc(p, iDoc, &vec, nWord);
  for (int i = 0; rc == SQLITE_OK && i < nWord; i++) { /* latent parts: check_dense() */
    CheckTerm *pTerm;
    rc = check_term(p, vec.aId[i], &pTerm);
    if (rc != SQLITE_OK)
      break;
    pTerm->nFromDocs++;
    pTerm->hashFromDocs ^= posting_hash(iDoc, vec.aWeight[i]);
  }
  papers_vector_free(&vec);
  return rc;
}

/* Every content row must be indexed as its text says. */
static int check_content(Check *p, PapersIdMap *pContentRows) {
  sqlite3_stmt *pScan = 0;
  sqlite3_value *apValue[INDEX_MAX_COLUMNS];
  PapersCounts *pCounts = papers_counts_new();
  int rc = pCounts ? content_scan(p->pTab, "", &pScan) : SQLITE_NOMEM;
  while (rc == SQLITE_OK && sqlite3_step(pScan) == SQLITE_ROW) {
    i64 iDoc = sqlite3_column_int64(pScan, 0);
    int iIndex, isNew;
    row_values(p->pTab, pScan, apValue);
    rc = check_row(p, iDoc, apValue, pCounts);
    if (rc == SQLITE_OK)
      rc = papers_idmap_get(pContentRows, (sqlite3_uint64)iDoc, &iIndex, &isNew);
  }
  if (pScan) {
    int rcScan = sqlite3_finalize(pScan);
    if (rc == SQLITE_OK)
      rc = rcScan;
  }
  papers_counts_free(pCounts);
  return rc;
}

/* Every indexed document must have a content row; ndoc must count them. */
static int check_documents(Check *p, PapersIdMap *pContentRows) {
  IndexTable *pTab = p->pTab;
  char *zSql = sqlite3_mprintf("SELECT id FROM \"%w\".\"%w_docs\"", pTab->config.zDb,
                               pTab->config.zName);
  sqlite3_stmt *pStmt = 0;
  i64 nDoc = 0, nDocStated = 0;
  int rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    i64 iDoc = sqlite3_column_int64(pStmt, 0);
    nDoc++;
    if (papers_idmap_find(pContentRows, (sqlite3_uint64)iDoc) < 0) {
      check_problem(p, "row %lld is indexed but not in the content table", iDoc);
    }
  }
  int rcFinal = sqlite3_finalize(pStmt);
  if (rc == SQLITE_OK)
    rc = rcFinal;
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(pTab->pStore, &nDocStated);
  if (rc == SQLITE_OK && nDocStated != nDoc) {
    check_problem(p, "the document count says %lld", nDocStated);
  }
  return rc;
}

/* The postings (both levels) must hold exactly the documents' weights; df
** must count them; the pending level's count must be right. */
static int check_postings(Check *p) {
  sqlite3_stmt *pStmt = 0;
  i64 nPending = 0; /* postings in the pending level */
  int rc = index_store_postings_all(p->pTab->pStore, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    IndexPosting *a;
    int n;
    CheckTerm *pTerm;
    const char *zProblem = 0;
    rc = index_block_decode(sqlite3_column_int64(pStmt, 1), sqlite3_column_blob(pStmt, 2),
                            sqlite3_column_bytes(pStmt, 2), &a, &n, &zProblem);
    if (rc == SQLITE_CORRUPT_VTAB) {
      check_problem(p, "a postings block of term %lld is malformed",
                    sqlite3_column_int64(pStmt, 0));
      rc = SQLITE_OK;
      continue;
    }
    if (rc == SQLITE_OK)
      rc = check_term(p, (sqlite3_uint64)sqlite3_column_int64(pStmt, 0), &pTerm);
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
      pTerm->nFromPostings++;
      pTerm->hashFromPostings ^= posting_hash(a[i].iDoc, a[i].weight);
    }
    if (sqlite3_column_int(pStmt, 3))
      nPending += n;
    sqlite3_free(a);
  }
  int rcFinal = sqlite3_finalize(pStmt);
  if (rc == SQLITE_OK)
    rc = rcFinal;
  i64 nPendingStated = 0;
  if (rc == SQLITE_OK)
    rc = index_store_pending_count(p->pTab->pStore, &nPendingStated);
  if (rc == SQLITE_OK && nPendingStated != nPending)
    check_problem(p, "the pending postings count says %lld", nPendingStated);
  int nTerm = papers_idmap_count(p->pTerms);
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    const CheckTerm *pTerm = &p->aTerm[i];
    i64 df = 0;
    if (pTerm->nFromDocs != pTerm->nFromPostings ||
        pTerm->hashFromDocs != pTerm->hashFromPostings) {
      check_problem(p, "the postings of term %lld disagree with the documents",
                    (i64)pTerm->id);
    }
    if (papers_is_latent_id(pTerm->id))
      continue; /* no vocabulary row */
    rc = index_store_vocab_df(p->pTab->pStore, pTerm->id, &df);
    if (rc == SQLITE_OK && df != pTerm->nFromDocs) {
      check_problem(p, "the document frequency of term %lld is wrong", (i64)pTerm->id);
    }
  }
  return rc;
}

static int integrity_check(IndexTable *pTab) {
  Check check;
  memset(&check, 0, sizeof(check));
  check.pTab = pTab;
  check.pProblems = sqlite3_str_new(pTab->db);
  check.pTerms = papers_idmap_new();
  PapersIdMap *pContentRows = papers_idmap_new();
  double weight;
  int rc = (check.pTerms && pContentRows) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(pTab->pStore, &check.nDim, &weight);
  if (rc == SQLITE_OK)
    rc = check_content(&check, pContentRows);
  if (rc == SQLITE_OK)
    rc = check_documents(&check, pContentRows);
  if (rc == SQLITE_OK)
    rc = check_postings(&check);
  if (rc == SQLITE_OK)
    rc = check_dense(&check);
  char *zProblems = sqlite3_str_finish(check.pProblems);
  if (rc == SQLITE_OK && check.nProblem > 0) {
    set_table_error(pTab, sqlite3_mprintf("%s: integrity-check found %d problem%s: %s%s",
                                          pTab->config.zName, check.nProblem,
                                          check.nProblem > 1 ? "s" : "", zProblems,
                                          check.nProblem > 3 ? "; ..." : ""));
    rc = SQLITE_CORRUPT_VTAB;
  }
  sqlite3_free(zProblems);
  papers_idmap_free(pContentRows);
  papers_idmap_free(check.pTerms);
  sqlite3_free(check.aTerm);
  return rc;
}

/* ---- writes --------------------------------------------------------------- */

static int run_command(IndexTable *pTab, sqlite3_value *pCommand, sqlite3_value *pRowid) {
  const char *zCommand = (const char *)sqlite3_value_text(pCommand);
  if (zCommand == 0)
    return SQLITE_NOMEM;
  int rc = flush_table(pTab); /* commands read what was added */
  if (rc != SQLITE_OK)
    return rc;
  if (strcmp(zCommand, "rebuild") == 0 || strcmp(zCommand, "optimize") == 0) {
    return rebuild(pTab);
  }
  if (strcmp(zCommand, "integrity-check") == 0)
    return integrity_check(pTab);
  if (strcmp(zCommand, "merge") == 0)
    return index_store_merge(pTab->pStore);
  if (strcmp(zCommand, "delete-all") == 0)
    return index_store_clear(pTab->pStore, &pTab->config);
  if (strcmp(zCommand, "delete") == 0) {
    if (sqlite3_value_type(pRowid) != SQLITE_INTEGER) {
      return set_table_error(pTab,
                             sqlite3_mprintf("%s: 'delete' needs the rowid of the row"
                                             " to remove",
                                             pTab->config.zName));
    }
    return remove_document(pTab, sqlite3_value_int64(pRowid));
  }
  return set_table_error(
      pTab, sqlite3_mprintf("%s: unknown command '%s' (known: rebuild,"
                            " optimize, merge, integrity-check, delete, delete-all)",
                            pTab->config.zName, zCommand));
}

/* Whether a command rewrites the whole index, so that it can run on an index
** whose configuration is damaged: 'rebuild' and 'delete-all'. */
static int is_repair(sqlite3_value *pCommand) {
  const char *z = pCommand ? (const char *)sqlite3_value_text(pCommand) : 0;
  return z && (strcmp(z, "rebuild") == 0 || strcmp(z, "delete-all") == 0);
}

/* INSERT: argv[1] is the rowid, argv[2...] the columns in declared order.
** UPDATE: argv[0] the old rowid. DELETE: argc == 1. */
static int index_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                        sqlite_int64 *pRowid) {
  IndexTable *pTab = (IndexTable *)pVtab;
  int nColumn = pTab->config.nColumn;
  sqlite3_value *pCommand = argc > 1 ? argv[2 + nColumn + XCOL_COMMAND] : 0;
  int rc = check_layout(pTab);
  if (rc == SQLITE_CORRUPT_VTAB && is_repair(pCommand)) {
    pTab->layout = INDEX_LAYOUT_VERSION; /* the command writes it */
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK)
    return rc;
  if (argc == 1)
    return store_error(pTab, remove_document(pTab, sqlite3_value_int64(argv[0])));
  if (sqlite3_value_type(pCommand) != SQLITE_NULL)
    return store_error(pTab, run_command(pTab, pCommand, argv[1]));
  if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
    return set_table_error(pTab,
                           sqlite3_mprintf("%s: a row needs the integer rowid of its"
                                           " content row",
                                           pTab->config.zName));
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    rc = remove_document(pTab, sqlite3_value_int64(argv[0]));
  }
  *pRowid = sqlite3_value_int64(argv[1]);
  if (rc == SQLITE_OK)
    rc = content_check_table(pTab);
  if (rc == SQLITE_OK)
    rc = add_document(pTab, *pRowid, argv + 2);
  return store_error(pTab, rc);
}

/* ---- queries ------------------------------------------------------------ */

/* idxNum: the plan in the low bits, and whether LIMIT and OFFSET were given. */
#define IDX_PLAN_MASK  0x0f
#define IDX_HAS_LIMIT  0x10
#define IDX_HAS_OFFSET 0x20

static int index_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  IndexTable *pTab = (IndexTable *)pVtab;
  int rcLayout = check_layout(pTab);
  if (rcLayout != SQLITE_OK)
    return rcLayout;
  int iSimilar = -1, iQuery = -1, iRowid = -1, iLimit = -1, iOffset = -1;
  int iColSimilar = pTab->config.nColumn + XCOL_SIMILAR_TO;
  int iColQuery = pTab->config.nColumn + XCOL_QUERY;
  int hasUnusable = 0; /* similar_to = or query = whose value this plan lacks */
  int hasOtherOp = 0;  /* similar_to or query with an operator other than = */
  for (int i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int isArgument = pCons->op != SQLITE_INDEX_CONSTRAINT_LIMIT &&
                     pCons->op != SQLITE_INDEX_CONSTRAINT_OFFSET &&
                     (pCons->iColumn == iColSimilar || pCons->iColumn == iColQuery);
    if (isArgument && pCons->op != SQLITE_INDEX_CONSTRAINT_EQ)
      hasOtherOp = 1;
    if (isArgument && pCons->op == SQLITE_INDEX_CONSTRAINT_EQ && !pCons->usable)
      hasUnusable = 1;
    if (!pCons->usable)
      continue;
    if (pCons->op == SQLITE_INDEX_CONSTRAINT_LIMIT)
      iLimit = i;
    if (pCons->op == SQLITE_INDEX_CONSTRAINT_OFFSET)
      iOffset = i;
    if (pCons->op != SQLITE_INDEX_CONSTRAINT_EQ)
      continue;
    if (pCons->iColumn == iColSimilar)
      iSimilar = i;
    if (pCons->iColumn == iColQuery)
      iQuery = i;
    if (pCons->iColumn == -1)
      iRowid = i;
  }
  if (iSimilar >= 0 && iQuery >= 0) {
    return set_table_error(pTab, sqlite3_mprintf("%s: use similar_to or query, not both",
                                                 pTab->config.zName));
  }
  int iArg = iSimilar >= 0 ? iSimilar : iQuery;
  /* Without its value, a scan would read similar_to and query as NULL and
  ** match nothing: ask for a join order that supplies it (as tvf.c does). */
  if (iArg < 0 && hasUnusable)
    return SQLITE_CONSTRAINT;
  if (iArg < 0 && hasOtherOp) {
    return set_table_error(
        pTab, sqlite3_mprintf("%s: similar_to and query take = only, e.g. WHERE"
                              " similar_to = 5 or WHERE query = 'text'",
                              pTab->config.zName));
  }
  int nArgv = 0;
  if (iArg >= 0) {
    pInfo->idxNum = iSimilar >= 0 ? PLAN_SIMILAR : PLAN_QUERY;
    pInfo->aConstraintUsage[iArg].argvIndex = ++nArgv;
    pInfo->aConstraintUsage[iArg].omit = 1;
    pInfo->estimatedCost = 1000;
    pInfo->estimatedRows = 100;
    /* the rows come in score order, best first, ties by rowid */
    int isScoreOrder = pInfo->nOrderBy >= 1 &&
                       pInfo->aOrderBy[0].iColumn == pTab->config.nColumn + XCOL_SCORE &&
                       pInfo->aOrderBy[0].desc &&
                       (pInfo->nOrderBy == 1 ||
                        (pInfo->nOrderBy == 2 && pInfo->aOrderBy[1].iColumn == -1 &&
                         !pInfo->aOrderBy[1].desc));
    if (isScoreOrder)
      pInfo->orderByConsumed = 1;
    if (iLimit >= 0) {
      pInfo->idxNum |= IDX_HAS_LIMIT;
      pInfo->aConstraintUsage[iLimit].argvIndex = ++nArgv;
      if (iOffset >= 0) {
        pInfo->idxNum |= IDX_HAS_OFFSET;
        pInfo->aConstraintUsage[iOffset].argvIndex = ++nArgv;
      }
    }
  } else if (iRowid >= 0) {
    pInfo->idxNum = PLAN_ROWID;
    pInfo->aConstraintUsage[iRowid].argvIndex = 1;
    pInfo->aConstraintUsage[iRowid].omit = 1;
    pInfo->estimatedCost = 10;
    pInfo->estimatedRows = 1;
    pInfo->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  } else {
    pInfo->idxNum = PLAN_SCAN;
    pInfo->estimatedCost = 1e6;
  }
  return SQLITE_OK;
}

static int index_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  (void)pVtab;
  IndexCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static void cursor_reset(IndexCursor *pCur) {
  sqlite3_free(pCur->aHit);
  sqlite3_finalize(pCur->pScan);
  sqlite3_value_free(pCur->pArgument);
  pCur->pArgument = 0;
  pCur->aHit = 0;
  pCur->nHit = 0;
  pCur->iHit = 0;
  pCur->pScan = 0;
  pCur->isEof = 0;
  pCur->hasContent = 0;
}

static int index_close(sqlite3_vtab_cursor *pCursor) {
  IndexCursor *pCur = (IndexCursor *)pCursor;
  cursor_reset(pCur);
  sqlite3_finalize(pCur->pContent);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* The query vector of query = :value: a text weighed with the index's
** statistics now, or a vector BLOB as it is. */
static int query_vector(IndexTable *pTab, sqlite3_value *pValue, PapersVector *pVec) {
  memset(pVec, 0, sizeof(*pVec));
  if (sqlite3_value_type(pValue) == SQLITE_BLOB) {
    const char *zProblem = 0;
    int rc = papers_vector_decode(sqlite3_value_blob(pValue), sqlite3_value_bytes(pValue),
                                  pVec, &zProblem);
    if (rc == SQLITE_ERROR) {
      set_table_error(pTab, sqlite3_mprintf("%s: query is not a valid vector: %s",
                                            pTab->config.zName, zProblem));
    }
    return rc;
  }
  PapersCounts *pCounts = papers_counts_new();
  PapersAnalyzer *pAnalyzer = 0;
  int nCount = 0;
  int rc = pCounts ? analyzer(pTab, &pAnalyzer) : SQLITE_NOMEM;
  const char *z = (const char *)sqlite3_value_text(pValue);
  if (rc == SQLITE_OK && z)
    rc = papers_counts_add(pCounts, pAnalyzer, z, sqlite3_value_bytes(pValue), 1);
  if (rc == SQLITE_OK)
    rc = papers_counts_finish(pCounts);
  const PapersCount *aCount = pCounts ? papers_counts(pCounts, &nCount) : 0;
  if (rc == SQLITE_OK)
    rc = index_store_weigh(pTab->pStore, aCount, nCount, pVec);
  papers_counts_free(pCounts);
  return rc;
}

static int filter_ranked(IndexCursor *pCur, int idxNum, sqlite3_value **argv) {
  IndexTable *pTab = (IndexTable *)pCur->base.pVtab;
  int ePlan = idxNum & IDX_PLAN_MASK;
  i64 nKeep = -1;
  if (idxNum & IDX_HAS_LIMIT) {
    nKeep = sqlite3_value_int64(argv[1]);
    i64 nOffset = (idxNum & IDX_HAS_OFFSET) ? sqlite3_value_int64(argv[2]) : 0;
    if (nKeep < 0)
      nKeep = -1; /* LIMIT -1: no limit */
    /* LIMIT + OFFSET past 2^63 - 1: keep everything (SQLite skips the offset) */
    if (nKeep >= 0 && nOffset > 0)
      nKeep = nKeep > INT64_MAX - nOffset ? -1 : nKeep + nOffset;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
    return SQLITE_OK; /* no rows */
  pCur->pArgument = sqlite3_value_dup(argv[0]);
  if (pCur->pArgument == 0)
    return SQLITE_NOMEM;
  if (ePlan == PLAN_SIMILAR && sqlite3_value_numeric_type(argv[0]) != SQLITE_INTEGER) {
    int eType = sqlite3_value_type(argv[0]);
    return set_table_error(
        pTab, sqlite3_mprintf("%s: similar_to must be an integer rowid, got %s",
                              pTab->config.zName,
                              eType == SQLITE_FLOAT  ? "a real number"
                              : eType == SQLITE_TEXT ? "text"
                                                     : "a blob"));
  }
  PapersVector query;
  int rc, isFound = 1;
  if (ePlan == PLAN_SIMILAR) {
    rc =
        index_store_doc_get(pTab->pStore, sqlite3_value_int64(argv[0]), &query, &isFound);
  } else {
    rc = query_vector(pTab, argv[0], &query);
  }
  if (rc == SQLITE_OK && isFound) {
    rc = index_query_top(pTab->pStore, &query, ePlan == PLAN_SIMILAR,
                         sqlite3_value_int64(argv[0]), nKeep, &pCur->aHit, &pCur->nHit);
  }
  papers_vector_free(&query);
  return rc;
}

static int filter_rowid(IndexCursor *pCur, sqlite3_value *pRowid) {
  IndexTable *pTab = (IndexTable *)pCur->base.pVtab;
  PapersVector vec;
  int isFound = 0;
  if (sqlite3_value_type(pRowid) != SQLITE_INTEGER)
    return SQLITE_OK;
  int rc = index_store_doc_get(pTab->pStore, sqlite3_value_int64(pRowid), &vec, &isFound);
  papers_vector_free(&vec);
  if (rc != SQLITE_OK || !isFound)
    return rc;
  pCur->aHit = sqlite3_malloc64(sizeof(Hit));
  if (pCur->aHit == 0)
    return SQLITE_NOMEM;
  pCur->aHit[0].iDoc = sqlite3_value_int64(pRowid);
  pCur->aHit[0].score = 0;
  pCur->nHit = 1;
  return SQLITE_OK;
}

static int scan_step(IndexCursor *pCur) {
  int rc = sqlite3_step(pCur->pScan);
  if (rc == SQLITE_ROW)
    return SQLITE_OK;
  pCur->isEof = 1;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int filter_scan(IndexCursor *pCur) {
  IndexTable *pTab = (IndexTable *)pCur->base.pVtab;
  char *zSql = sqlite3_mprintf("SELECT id FROM \"%w\".\"%w_docs\" ORDER BY id",
                               pTab->config.zDb, pTab->config.zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(pTab->db, zSql, -1, &pCur->pScan, 0);
  sqlite3_free(zSql);
  return rc == SQLITE_OK ? scan_step(pCur) : rc;
}

static int index_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                        int argc, sqlite3_value **argv) {
  IndexCursor *pCur = (IndexCursor *)pCursor;
  (void)idxStr;
  (void)argc;
  cursor_reset(pCur);
  int rc = flush_table((IndexTable *)pCursor->pVtab); /* reads see every addition */
  if (rc != SQLITE_OK)
    return rc;
  pCur->ePlan = idxNum & IDX_PLAN_MASK;
  switch (pCur->ePlan) {
  case PLAN_SCAN:
    rc = filter_scan(pCur);
    break;
  case PLAN_ROWID:
    rc = filter_rowid(pCur, argv[0]);
    break;
  default:
    rc = filter_ranked(pCur, idxNum, argv);
    break;
  }
  return store_error((IndexTable *)pCursor->pVtab, rc);
}

static int index_next(sqlite3_vtab_cursor *pCursor) {
  IndexCursor *pCur = (IndexCursor *)pCursor;
  pCur->hasContent = 0;
  if (pCur->ePlan == PLAN_SCAN)
    return scan_step(pCur);
  pCur->iHit++;
  return SQLITE_OK;
}

static int index_eof(sqlite3_vtab_cursor *pCursor) {
  IndexCursor *pCur = (IndexCursor *)pCursor;
  return pCur->ePlan == PLAN_SCAN ? pCur->isEof : pCur->iHit >= pCur->nHit;
}

static i64 current_doc(IndexCursor *pCur) {
  if (pCur->ePlan == PLAN_SCAN)
    return sqlite3_column_int64(pCur->pScan, 0);
  return pCur->aHit[pCur->iHit].iDoc;
}

static int index_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  *pRowid = current_doc((IndexCursor *)pCursor);
  return SQLITE_OK;
}

/* Positions pContent on the content row of the current document. */
static int load_content(IndexCursor *pCur) {
  IndexTable *pTab = (IndexTable *)pCur->base.pVtab;
  i64 iDoc = current_doc(pCur);
  if (pCur->hasContent && pCur->iContentDoc == iDoc)
    return SQLITE_OK;
  if (pCur->pContent == 0) {
    char *zWhere = sqlite3_mprintf("WHERE \"%w\" = ?1", pTab->config.zContentRowid);
    int rc = zWhere ? content_scan(pTab, zWhere, &pCur->pContent) : SQLITE_NOMEM;
    sqlite3_free(zWhere);
    if (rc != SQLITE_OK)
      return rc;
  }
  sqlite3_reset(pCur->pContent);
  sqlite3_bind_int64(pCur->pContent, 1, iDoc);
  int rc = sqlite3_step(pCur->pContent);
  pCur->hasContent = 1;
  pCur->iContentDoc = iDoc;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return SQLITE_OK;
  return rc;
}

static int index_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx, int iCol) {
  IndexCursor *pCur = (IndexCursor *)pCursor;
  IndexTable *pTab = (IndexTable *)pCursor->pVtab;
  int nColumn = pTab->config.nColumn;
  if (iCol == nColumn + XCOL_SCORE) {
    if (pCur->ePlan == PLAN_SIMILAR || pCur->ePlan == PLAN_QUERY) {
      sqlite3_result_double(pCtx, pCur->aHit[pCur->iHit].score);
    }
    return SQLITE_OK;
  }
  int isArgument = (iCol == nColumn + XCOL_SIMILAR_TO && pCur->ePlan == PLAN_SIMILAR) ||
                   (iCol == nColumn + XCOL_QUERY && pCur->ePlan == PLAN_QUERY);
  if (isArgument) {
    sqlite3_result_value(pCtx, pCur->pArgument);
    return SQLITE_OK;
  }
  if (iCol >= nColumn)
    return SQLITE_OK; /* the command column, and an argument not given, read NULL */
  int rc = load_content(pCur);
  if (rc != SQLITE_OK)
    return rc;
  if (sqlite3_stmt_busy(pCur->pContent) && sqlite3_data_count(pCur->pContent) > 0) {
    sqlite3_result_value(pCtx, sqlite3_column_value(pCur->pContent, iCol + 1));
  }
  return SQLITE_OK;
}

static const char *const azShadowSuffix[] = {"config", "vocab", "docs",   "postings",
                                             "latent", "dense", "pending"};

static int index_shadow_name(const char *zSuffix) {
  for (size_t i = 0; i < sizeof(azShadowSuffix) / sizeof(azShadowSuffix[0]); i++) {
    if (sqlite3_stricmp(zSuffix, azShadowSuffix[i]) == 0)
      return 1;
  }
  return 0;
}

static int index_rename(sqlite3_vtab *pVtab, const char *zNew) {
  IndexTable *pTab = (IndexTable *)pVtab;
  int rc = check_layout(pTab);
  if (rc == SQLITE_OK)
    rc = flush_table(pTab); /* its statements name the old tables */
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_str *pStr = sqlite3_str_new(pTab->db);
  for (size_t i = 0; i < sizeof(azShadowSuffix) / sizeof(azShadowSuffix[0]); i++) {
    sqlite3_str_appendf(pStr, "ALTER TABLE \"%w\".\"%w_%s\" RENAME TO \"%w_%s\";",
                        pTab->config.zDb, pTab->config.zName, azShadowSuffix[i], zNew,
                        azShadowSuffix[i]);
  }
  char *zSql = sqlite3_str_finish(pStr);
  if (zSql == 0)
    return SQLITE_NOMEM;
  rc = sqlite3_exec(pTab->db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

/* ---- transactions --------------------------------------------------------
** Additions wait in the store's write buffer (index_store.c). It is written
** out before commit and at every savepoint (so a rollback to one finds the
** shadow tables holding all that came before it), and dropped on rollback:
** what it held came after the last savepoint. */

static int index_begin(sqlite3_vtab *pVtab) {
  (void)pVtab; /* needed, else SQLite makes no other transaction calls */
  return SQLITE_OK;
}

static int index_sync(sqlite3_vtab *pVtab) {
  return flush_table((IndexTable *)pVtab);
}

static int index_commit(sqlite3_vtab *pVtab) {
  index_store_discard(((IndexTable *)pVtab)->pStore); /* empty after xSync */
  return SQLITE_OK;
}

static int index_rollback(sqlite3_vtab *pVtab) {
  index_store_discard(((IndexTable *)pVtab)->pStore);
  return SQLITE_OK;
}

static int index_savepoint(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)iSavepoint;
  return flush_table((IndexTable *)pVtab);
}

static int index_release(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)pVtab;
  (void)iSavepoint;
  return SQLITE_OK;
}

static int index_rollback_to(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)iSavepoint;
  index_store_discard(((IndexTable *)pVtab)->pStore);
  return SQLITE_OK;
}

static sqlite3_module indexModule = {
    .iVersion = 3,
    .xCreate = index_create,
    .xConnect = index_connect,
    .xBestIndex = index_best_index,
    .xDisconnect = index_disconnect,
    .xDestroy = index_destroy,
    .xOpen = index_open,
    .xClose = index_close,
    .xFilter = index_filter,
    .xNext = index_next,
    .xEof = index_eof,
    .xColumn = index_column,
    .xRowid = index_rowid,
    .xUpdate = index_update,
    .xBegin = index_begin,
    .xSync = index_sync,
    .xCommit = index_commit,
    .xRollback = index_rollback,
    .xRename = index_rename,
    .xSavepoint = index_savepoint,
    .xRelease = index_release,
    .xRollbackTo = index_rollback_to,
    .xShadowName = index_shadow_name,
};

int papers_register_index(sqlite3 *db, PapersConn *pConn) {
  return sqlite3_create_module_v2(db, "papers_index", &indexModule,
                                  papers_conn_ref(pConn), papers_conn_unref);
}
