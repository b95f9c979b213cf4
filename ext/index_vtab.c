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
**                       query HIDDEN, score, vector HIDDEN);
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
**   - The indexed columns read from the content table; `vector` is the
**     document's stored vector as a papers vector BLOB (T_docs holds it in
**     term numbers); without a constraint the table lists every indexed
**     document, and WHERE rowid = :id finds one.
** Its options are read by index_options.c, 'integrity-check' is
** index_check.c; "inside the table" in index.h is what they share.
*/
#include "index.h"

#include <assert.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Extra columns after the indexed ones, in this order. */
enum { XCOL_COMMAND, XCOL_SIMILAR_TO, XCOL_QUERY, XCOL_SCORE, XCOL_VECTOR, N_XCOL };

enum QueryPlan { PLAN_SCAN, PLAN_ROWID, PLAN_SIMILAR, PLAN_QUERY };

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
  IndexTermNames names;     /* PLAN_SCAN: every term number's term, loaded when
                            ** the first vector is read */
  i64 iNamesClear;          /* the store's clear count when they were loaded */
} IndexCursor;
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
  int rc = index_parse_config(argc, argv, &pTab->config, pzErr);
  if (rc == SQLITE_OK) {
    char *zDeclare = index_declare_sql(&pTab->config);
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
    index_config_clear(&pTab->config);
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
  index_config_clear(&pTab->config);
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

int index_set_table_error(IndexTable *pTab, char *zErr) {
  sqlite3_free(pTab->base.zErrMsg);
  pTab->base.zErrMsg = zErr;
  return zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* An error of the store, said in words when it is a damaged shadow table or
** its broken write buffer. */
static int store_error(IndexTable *pTab, int rc) {
  char *zCorrupt = index_store_take_error(pTab->pStore);
  if (rc == SQLITE_CORRUPT_VTAB && zCorrupt) {
    index_set_table_error(pTab, zCorrupt);
    return rc;
  }
  sqlite3_free(zCorrupt); /* a damage reported in other words (integrity-check) */
  if (rc != SQLITE_ERROR || !index_store_is_broken(pTab->pStore))
    return rc;
  return index_set_table_error(pTab,
                               sqlite3_mprintf("%s: a write to the index failed earlier"
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
  return index_set_table_error(
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
    index_set_table_error(pTab, sqlite3_mprintf("%s: %s", pTab->config.zName, zErr));
  }
  sqlite3_free(zErr);
  return rc;
}

/* Counts the terms of a document's column values (argv[0..nColumn)). */
int index_count_document(IndexTable *pTab, sqlite3_value **apValue,
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

/* Merges the whole pending level once it holds more than twice the postings
** the option `pending` lets it (a large transaction: the spread merges of
** index_store_merge_some(), at commit, keep it near `pending` otherwise). */
static int merge_when_full(IndexTable *pTab) {
  i64 nPending;
  int rc = index_store_pending_count(pTab->pStore, &nPending);
  if (rc == SQLITE_OK && nPending > 2 * pTab->config.nPendingMax)
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
    rc = index_count_document(pTab, apValue, pCounts);
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
    return index_set_table_error(pTab, zErr);
  pTab->hasContentChecked = rc == SQLITE_OK;
  return rc;
}

/* A statement over the content table: rowid, then the indexed columns. */
int index_content_scan(IndexTable *pTab, const char *zWhere, sqlite3_stmt **ppStmt) {
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
    index_set_table_error(pTab,
                          sqlite3_mprintf("%s: cannot read the content table: %s",
                                          pConfig->zName, sqlite3_errmsg(pTab->db)));
  }
  sqlite3_free(zSql);
  return rc;
}

/* The indexed column values of the content row the statement is on. */
void index_row_values(IndexTable *pTab, sqlite3_stmt *pStmt, sqlite3_value **apValue) {
  for (int i = 0; i < pTab->config.nColumn; i++)
    apValue[i] = sqlite3_column_value(pStmt, i + 1);
}

static int rebuild(IndexTable *pTab) {
  sqlite3_stmt *pScan = 0;
  PapersAnalyzer *pAnalyzer = 0;
  int rc = index_store_clear(pTab->pStore, &pTab->config);
  if (rc == SQLITE_OK)
    rc = analyzer(pTab, &pAnalyzer);
  if (rc == SQLITE_OK)
    rc = index_content_scan(pTab, "ORDER BY 1", &pScan);
  if (rc == SQLITE_OK)
    rc = index_build(pTab->pStore, &pTab->config, pScan, pAnalyzer);
  int rcScan = sqlite3_finalize(pScan);
  return rc == SQLITE_OK ? rcScan : rc;
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
    return index_integrity_check(pTab);
  if (strcmp(zCommand, "merge") == 0)
    return index_store_merge(pTab->pStore);
  if (strcmp(zCommand, "delete-all") == 0)
    return index_store_clear(pTab->pStore, &pTab->config);
  if (strcmp(zCommand, "delete") == 0) {
    if (sqlite3_value_type(pRowid) != SQLITE_INTEGER) {
      return index_set_table_error(
          pTab, sqlite3_mprintf("%s: 'delete' needs the rowid of the row"
                                " to remove",
                                pTab->config.zName));
    }
    return remove_document(pTab, sqlite3_value_int64(pRowid));
  }
  return index_set_table_error(
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
    return index_set_table_error(
        pTab, sqlite3_mprintf("%s: a row needs the integer rowid of its"
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
  int nOther = 0;      /* constraints on anything else: SQLite checks them after */
  for (int i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int isArgument = pCons->op != SQLITE_INDEX_CONSTRAINT_LIMIT &&
                     pCons->op != SQLITE_INDEX_CONSTRAINT_OFFSET &&
                     (pCons->iColumn == iColSimilar || pCons->iColumn == iColQuery);
    if (isArgument && pCons->op != SQLITE_INDEX_CONSTRAINT_EQ)
      hasOtherOp = 1;
    if (isArgument && pCons->op == SQLITE_INDEX_CONSTRAINT_EQ && !pCons->usable)
      hasUnusable = 1;
    if (!isArgument && pCons->op != SQLITE_INDEX_CONSTRAINT_LIMIT &&
        pCons->op != SQLITE_INDEX_CONSTRAINT_OFFSET)
      nOther++;
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
    return index_set_table_error(
        pTab,
        sqlite3_mprintf("%s: use similar_to or query, not both", pTab->config.zName));
  }
  int iArg = iSimilar >= 0 ? iSimilar : iQuery;
  /* Without its value, a scan would read similar_to and query as NULL and
  ** match nothing: ask for a join order that supplies it (as tvf.c does). */
  if (iArg < 0 && hasUnusable)
    return SQLITE_CONSTRAINT;
  if (iArg < 0 && hasOtherOp) {
    return index_set_table_error(
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
    /* The LIMIT keeps the best rows by score: right only when SQLite neither
    ** filters them afterwards (another constraint, not consumed) nor sorts
    ** them otherwise (an ORDER BY not consumed). */
    int canLimit = nOther == 0 && !hasOtherOp && (pInfo->nOrderBy == 0 || isScoreOrder);
    if (iLimit >= 0 && canLimit) {
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
  index_term_names_free(&pCur->names);
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
      index_set_table_error(pTab, sqlite3_mprintf("%s: query is not a valid vector: %s",
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
    return index_set_table_error(
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
    int rc = zWhere ? index_content_scan(pTab, zWhere, &pCur->pContent) : SQLITE_NOMEM;
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

/* The hidden column `vector`: the current document's stored vector as a
** papers vector BLOB. A scan names the terms of all its rows from one load
** of T_terms (again after a rebuild renumbers them); other plans look each
** term up. */
static int column_vector(IndexCursor *pCur, sqlite3_context *pCtx) {
  IndexTable *pTab = (IndexTable *)pCur->base.pVtab;
  IndexStore *pStore = pTab->pStore;
  int rc = SQLITE_OK, isFound = 0;
  const IndexTermNames *pNames = 0;
  if (pCur->ePlan == PLAN_SCAN) {
    if (pCur->names.aId == 0 || pCur->iNamesClear != index_store_clear_count(pStore)) {
      index_term_names_free(&pCur->names);
      rc = index_term_names_load(pStore, &pCur->names);
      pCur->iNamesClear = index_store_clear_count(pStore);
    }
    pNames = &pCur->names;
  }
  PapersVector vec;
  memset(&vec, 0, sizeof(vec));
  if (rc == SQLITE_OK)
    rc = index_store_doc_get_named(pStore, pNames, current_doc(pCur), &vec, &isFound);
  if (rc == SQLITE_OK && isFound)
    papers_result_vector(pCtx, &vec);
  papers_vector_free(&vec);
  return store_error(pTab, rc);
}

static int index_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx, int iCol) {
  IndexCursor *pCur = (IndexCursor *)pCursor;
  IndexTable *pTab = (IndexTable *)pCursor->pVtab;
  int nColumn = pTab->config.nColumn;
  if (iCol == nColumn + XCOL_VECTOR)
    return column_vector(pCur, pCtx);
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

static const char *const azShadowSuffix[] = {"config", "vocab", "docs",    "postings",
                                             "latent", "dense", "pending", "terms"};

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
** Additions wait in the store's write buffer (index_pending.c). It is written
** out before commit and at every savepoint inside the lowest open one (so a
** rollback to one finds the shadow tables holding all that came before it),
** and dropped on rollback: what it held came after the last savepoint
** (index_store_rollback_to says when it stays). At the lowest open savepoint
** (each statement's, in a digest of one INSERT per paper) it is not written:
** a rollback to it puts the buffer back as it was (index_undo.c). */

static int index_begin(sqlite3_vtab *pVtab) {
  (void)pVtab; /* needed, else SQLite makes no other transaction calls */
  return SQLITE_OK;
}

/* The spread merge moves rows the buffer's clean terms hold: they follow
** their rows (index_buffer_merged), and stay right if the commit then fails
** with SQLITE_BUSY, which leaves the transaction open. */
static int index_sync(sqlite3_vtab *pVtab) {
  IndexTable *pTab = (IndexTable *)pVtab;
  int rc = store_error(pTab, index_store_flush(pTab->pStore));
  if (rc == SQLITE_OK)
    rc = store_error(pTab, index_store_merge_some(pTab->pStore));
  if (rc == SQLITE_OK)
    index_store_sync_done(pTab->pStore);
  return rc;
}

/* The buffer is clean after xSync: its terms stay for the next transaction
** while no other connection changes the file (index_store_commit). */
static int index_commit(sqlite3_vtab *pVtab) {
  index_store_commit(((IndexTable *)pVtab)->pStore);
  return SQLITE_OK;
}

static int index_rollback(sqlite3_vtab *pVtab) {
  index_store_discard(((IndexTable *)pVtab)->pStore);
  return SQLITE_OK;
}

static int index_savepoint(sqlite3_vtab *pVtab, int iSavepoint) {
  IndexTable *pTab = (IndexTable *)pVtab;
  return store_error(pTab, index_store_savepoint(pTab->pStore, iSavepoint));
}

static int index_release(sqlite3_vtab *pVtab, int iSavepoint) {
  index_store_release(((IndexTable *)pVtab)->pStore, iSavepoint);
  return SQLITE_OK;
}

static int index_rollback_to(sqlite3_vtab *pVtab, int iSavepoint) {
  index_store_rollback_to(((IndexTable *)pVtab)->pStore, iSavepoint);
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
