/*
** index_store.c: the shadow tables of a papers_index table (layout in
** index.h): their statements, creating and dropping them, the configuration,
** vocabulary and latent rows. The rest of the store is
** split by job: index_docs.c (stored vectors and term numbers),
** index_blocks.c (postings blocks), index_pending.c (the
** pending level and the write buffer), index_merge.c, index_dense.c (dense
** latent blocks) and index_stats.c (the statistics `[, index]` arguments
** read); "inside the store" in index.h is what they share.
**
** Contract:
**   - Every read and write goes through SQL on the user's connection, so it is
**     part of the user's transaction: a ROLLBACK undoes it. The one thing kept
**     in memory is the write buffer (index_pending.c): what the additions of
**     the current transaction changed, until the virtual table flushes it
**     (before commit, at savepoints, before anything reads the index) or drops
**     it (rollback). Nothing read is kept across transactions.
**   - Added documents go to the pending level (index.h); every read sees both
**     levels: a term's row comes from T_pending when it is there, else from
**     T_vocab; its postings from both, interleaved in document order.
**   - A value read back from a shadow table is checked before use; a damaged
**     one is SQLITE_CORRUPT_VTAB, and index_store_corrupt() says what.
*/
#include "index.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const azStatementSql[N_STATEMENT] = {
    "SELECT v FROM \"%w\".\"%w_config\" WHERE k = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_config\"(k, v) VALUES (?1, ?2)",
    "SELECT df, surface, votes, maxw, num FROM \"%w\".\"%w_vocab\" WHERE term = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_vocab\"(term, df, surface, votes, maxw, num)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "DELETE FROM \"%w\".\"%w_vocab\" WHERE term = ?1",
    "SELECT vector FROM \"%w\".\"%w_docs\" WHERE id = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_docs\"(id, vector) VALUES (?1, ?2)",
    "DELETE FROM \"%w\".\"%w_docs\" WHERE id = ?1",
    "SELECT first, data FROM \"%w\".\"%w_postings\" WHERE term = ?1 AND first <= ?2"
    " ORDER BY first DESC LIMIT 1",
    "SELECT first, data FROM \"%w\".\"%w_postings\" WHERE term = ?1 ORDER BY first LIMIT "
    "1",
    "SELECT first FROM \"%w\".\"%w_postings\" WHERE term = ?1 AND first > ?2"
    " ORDER BY first LIMIT 1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_postings\"(term, first, data) VALUES (?1, ?2, "
    "?3)",
    "DELETE FROM \"%w\".\"%w_postings\" WHERE term = ?1 AND first = ?2",
    "SELECT first, data FROM \"%w\".\"%w_postings\" WHERE term = ?1 ORDER BY first",
    "SELECT projection FROM \"%w\".\"%w_latent\" WHERE term = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_latent\"(term, projection) VALUES (?1, ?2)",
    "SELECT first, data FROM \"%w\".\"%w_dense\" WHERE first <= ?1 ORDER BY first DESC "
    "LIMIT 1",
    "SELECT first, data FROM \"%w\".\"%w_dense\" ORDER BY first LIMIT 1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_dense\"(first, data) VALUES (?1, ?2)",
    "DELETE FROM \"%w\".\"%w_dense\" WHERE first = ?1",
    "SELECT first, data FROM \"%w\".\"%w_dense\" ORDER BY first",
    "SELECT id, vector FROM \"%w\".\"%w_docs\" ORDER BY id",
    "SELECT df, surface, votes, maxw, num, first, postings FROM \"%w\".\"%w_pending\""
    " WHERE term = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_pending\"(term, df, surface, votes, maxw, num,"
    " first, postings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "SELECT df, surface, votes, maxw, num, first, postings, term FROM "
    "\"%w\".\"%w_pending\""
    " ORDER BY term",
    "DELETE FROM \"%w\".\"%w_pending\"",
    "SELECT df, surface, votes, maxw, num, first, postings, term FROM "
    "\"%w\".\"%w_pending\""
    " WHERE term > ?1 ORDER BY term LIMIT 1",
    "DELETE FROM \"%w\".\"%w_pending\" WHERE term = ?1",
    "SELECT first, ids FROM \"%w\".\"%w_terms\" WHERE first = ?1",
    "SELECT first, ids FROM \"%w\".\"%w_terms\" ORDER BY first DESC LIMIT 1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_terms\"(first, ids) VALUES (?1, ?2)",
    "SELECT first, ids FROM \"%w\".\"%w_terms\" ORDER BY first",
};

int index_store_open(sqlite3 *db, const IndexConfig *pConfig, IndexStore **ppStore) {
  IndexStore *p = sqlite3_malloc64(sizeof(*p));
  if (p == 0)
    return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->nPendingMax = pConfig->nPendingMax;
  p->zDb = sqlite3_mprintf("%s", pConfig->zDb);
  p->zName = sqlite3_mprintf("%s", pConfig->zName);
  if (p->zDb == 0 || p->zName == 0) {
    index_store_close(p);
    return SQLITE_NOMEM;
  }
  *ppStore = p;
  return SQLITE_OK;
}

void index_store_close(IndexStore *p) {
  if (p == 0)
    return;
  sqlite3_free(p->zCorrupt);
  index_store_query_done(p);
  index_store_numbers_forget(p);
  index_buffer_discard(&p->buffer);
  index_undo_close(p);
  index_dense_cache_drop(p);
  for (int i = 0; i < N_STATEMENT; i++)
    sqlite3_finalize(p->apStmt[i]);
  sqlite3_free(p->zDb);
  sqlite3_free(p->zName);
  sqlite3_free(p->zSurface);
  sqlite3_free(p);
}

/* The statement, prepared on first use and reset for the caller. */
int index_statement(IndexStore *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->apStmt[iStmt] == 0) {
    /* a statement names at most two shadow tables: schema and name twice */
    char *zSql =
        sqlite3_mprintf(azStatementSql[iStmt], p->zDb, p->zName, p->zDb, p->zName);
    if (zSql == 0)
      return SQLITE_NOMEM;
    int rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                                &p->apStmt[iStmt], 0);
    sqlite3_free(zSql);
    if (rc != SQLITE_OK)
      return rc;
  }
  *ppStmt = p->apStmt[iStmt];
  return SQLITE_OK;
}

/* Declared in index.h. */
int index_store_data_version(IndexStore *p, unsigned int *pVersion) {
  return sqlite3_file_control(p->db, p->zDb, SQLITE_FCNTL_DATA_VERSION, pVersion) ==
         SQLITE_OK;
}

/* Records what is wrong with shadow table T_zPart ("config", "docs", ...) and
** returns SQLITE_CORRUPT_VTAB: "T: T_part is damaged: <what>". */
int index_store_corrupt(IndexStore *p, const char *zPart, const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  char *zWhat = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  sqlite3_free(p->zCorrupt);
  p->zCorrupt = zWhat ? sqlite3_mprintf("%s: %s_%s is damaged: %s ('rebuild' repairs it)",
                                        p->zName, p->zName, zPart, zWhat)
                      : 0;
  sqlite3_free(zWhat);
  return p->zCorrupt ? SQLITE_CORRUPT_VTAB : SQLITE_NOMEM;
}

char *index_store_take_error(IndexStore *p) {
  char *zCorrupt = p->zCorrupt;
  p->zCorrupt = 0;
  return zCorrupt;
}

/* Steps a statement that returns no row, and resets it. */
int index_run(sqlite3_stmt *pStmt) {
  sqlite3_step(pStmt);
  return sqlite3_reset(pStmt);
}

/* ---- creating and dropping ---------------------------------------------- */

int index_store_create(sqlite3 *db, const IndexConfig *pConfig) {
  char *zSql = sqlite3_mprintf(
      "CREATE TABLE \"%w\".\"%w_config\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
      "CREATE TABLE \"%w\".\"%w_vocab\"(term INTEGER PRIMARY KEY, df INTEGER NOT NULL,"
      " surface TEXT, votes INTEGER NOT NULL, maxw REAL NOT NULL DEFAULT 0,"
      " num INTEGER NOT NULL);"
      "CREATE TABLE \"%w\".\"%w_docs\"(id INTEGER PRIMARY KEY, vector BLOB NOT NULL);"
      "CREATE TABLE \"%w\".\"%w_postings\"(term INTEGER, first INTEGER, data BLOB NOT "
      "NULL,"
      " PRIMARY KEY(term, first)) WITHOUT ROWID;"
      "CREATE TABLE \"%w\".\"%w_latent\"(term INTEGER PRIMARY KEY, projection BLOB NOT "
      "NULL);"
      "CREATE TABLE \"%w\".\"%w_dense\"(first INTEGER PRIMARY KEY, data BLOB NOT NULL);"
      "CREATE TABLE \"%w\".\"%w_pending\"(term INTEGER PRIMARY KEY, df INTEGER NOT NULL,"
      " surface TEXT, votes INTEGER NOT NULL, maxw REAL NOT NULL, num INTEGER NOT NULL,"
      " first INTEGER, postings BLOB);"
      "CREATE TABLE \"%w\".\"%w_terms\"(first INTEGER PRIMARY KEY, ids BLOB NOT NULL);"
      "INSERT INTO \"%w\".\"%w_config\"(k, v) VALUES ('version', %d), ('ndoc', 0),"
      " ('pending', 0), ('merge_at', 0),"
      " ('tokenize', %Q), ('latent_dims', 0), ('latent_weight', %!.17g);",
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb,
      pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb,
      pConfig->zName, pConfig->zDb, pConfig->zName, INDEX_LAYOUT_VERSION,
      pConfig->zTokenize, pConfig->latentWeight);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

int index_store_destroy(sqlite3 *db, const IndexConfig *pConfig) {
  char *zSql =
      sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w_config\";DROP TABLE IF EXISTS "
                      "\"%w\".\"%w_vocab\";"
                      "DROP TABLE IF EXISTS \"%w\".\"%w_docs\";DROP TABLE IF EXISTS "
                      "\"%w\".\"%w_postings\";"
                      "DROP TABLE IF EXISTS \"%w\".\"%w_latent\";DROP TABLE IF EXISTS "
                      "\"%w\".\"%w_dense\";DROP TABLE IF EXISTS \"%w\".\"%w_pending\";"
                      "DROP TABLE IF EXISTS \"%w\".\"%w_terms\";",
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

/* Writes the configuration values that do not change (a damaged one is
** repaired). */
static int config_reset(IndexStore *p, const IndexConfig *pConfig) {
  char *zSql =
      sqlite3_mprintf("INSERT OR REPLACE INTO \"%w\".\"%w_config\"(k, v) VALUES"
                      " ('version', %d), ('tokenize', %Q)",
                      p->zDb, p->zName, INDEX_LAYOUT_VERSION, pConfig->zTokenize);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(p->db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

i64 index_store_clear_count(IndexStore *p) {
  return p->nClear;
}

int index_store_clear(IndexStore *p, const IndexConfig *pConfig) {
  int rc = index_undo_save_dirty(p); /* a rollback to the savepoint needs them */
  if (rc != SQLITE_OK)
    return rc;
  index_buffer_discard(&p->buffer);
  index_undo_dropped(p);
  index_dense_changed(p);
  index_store_query_done(p);
  index_store_numbers_forget(p);
  p->nClear++;
  char *zSql = sqlite3_mprintf(
      "DELETE FROM \"%w\".\"%w_vocab\";DELETE FROM \"%w\".\"%w_docs\";"
      "DELETE FROM \"%w\".\"%w_postings\";DELETE FROM \"%w\".\"%w_latent\";"
      "DELETE FROM \"%w\".\"%w_dense\";DELETE FROM \"%w\".\"%w_pending\";"
      "DELETE FROM \"%w\".\"%w_terms\";",
      p->zDb, p->zName, p->zDb, p->zName, p->zDb, p->zName, p->zDb, p->zName, p->zDb,
      p->zName, p->zDb, p->zName, p->zDb, p->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  rc = sqlite3_exec(p->db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK)
    rc = config_reset(p, pConfig);
  if (rc == SQLITE_OK)
    rc = index_store_set_ndoc(p, 0);
  if (rc == SQLITE_OK)
    rc = index_config_set(p, "pending", 0, 1);
  if (rc == SQLITE_OK)
    rc = index_config_set(p, "merge_at", 0, 1);
  if (rc == SQLITE_OK)
    rc = index_store_latent_set(p, 0, 0);
  return rc;
}

/* ---- statistics ---------------------------------------------------------- */

/* Reads a numeric configuration value, which must be there, of the type
** asked (an integer, or any number when !isInteger) and in [min, max]. */
int index_config_get(IndexStore *p, const char *zKey, int isInteger, double min,
                     double max, double *pValue) {
  sqlite3_stmt *pStmt;
  *pValue = 0;
  int rc = index_statement(p, STMT_CONFIG_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(pStmt, 1, zKey, -1, SQLITE_STATIC);
  int hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  int eType = hasRow ? sqlite3_column_type(pStmt, 0) : SQLITE_NULL;
  double value = hasRow ? sqlite3_column_double(pStmt, 0) : 0;
  int isNumber = eType == SQLITE_INTEGER || (!isInteger && eType == SQLITE_FLOAT);
  int isValid = isNumber && value >= min && value <= max;
  /* a value that is not valid, as text for the message (NULL stays 0) */
  char *zValue = hasRow && !isValid && eType != SQLITE_NULL
                     ? sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0))
                     : 0;
  rc = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK && hasRow && !isValid && eType != SQLITE_NULL && zValue == 0)
    rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && !hasRow)
    rc = index_store_corrupt(p, "config", "'%s' is missing", zKey);
  if (rc == SQLITE_OK && !isValid) {
    rc = index_store_corrupt(
        p, "config", "'%s' must be %s from %.17g to %.17g, got %s%s%s", zKey,
        isInteger ? "an integer" : "a number", min, max, eType == SQLITE_TEXT ? "'" : "",
        zValue ? zValue : "NULL", eType == SQLITE_TEXT ? "'" : "");
  }
  sqlite3_free(zValue);
  *pValue = rc == SQLITE_OK ? value : 0;
  return rc;
}

int index_config_set(IndexStore *p, const char *zKey, double value, int isInteger) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_CONFIG_SET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(pStmt, 1, zKey, -1, SQLITE_STATIC);
  if (isInteger) {
    sqlite3_bind_int64(pStmt, 2, (i64)value);
  } else {
    sqlite3_bind_double(pStmt, 2, value);
  }
  return index_run(pStmt);
}

int index_store_get_ndoc(IndexStore *p, i64 *pnDoc) {
  double value;
  int rc = index_config_get(p, "ndoc", 1, 0, INDEX_MAX_DOCS, &value);
  *pnDoc = (i64)value;
  return rc;
}

int index_store_version(IndexStore *p, i64 *pVersion) {
  double value;
  int rc = index_config_get(p, "version", 1, 1, INDEX_MAX_LAYOUT, &value);
  *pVersion = (i64)value;
  return rc;
}

int index_store_set_ndoc(IndexStore *p, i64 nDoc) {
  return index_config_set(p, "ndoc", (double)nDoc, 1);
}

int index_store_latent_get(IndexStore *p, int *pnDim, double *pWeight) {
  double nDim = 0;
  int rc = index_config_get(p, "latent_dims", 1, 0, PAPERS_MAX_LATENT, &nDim);
  if (rc == SQLITE_OK)
    rc = index_config_get(p, "latent_weight", 0, 0, 1, pWeight);
  *pnDim = (int)nDim;
  assert(*pnDim >= 0 && *pnDim <= PAPERS_MAX_LATENT);
  return rc;
}

int index_store_latent_set(IndexStore *p, int nDim, double weight) {
  int rc = index_config_set(p, "latent_dims", nDim, 1);
  if (rc == SQLITE_OK && nDim > 0)
    rc = index_config_set(p, "latent_weight", weight, 0);
  return rc;
}

int index_store_latent_put(IndexStore *p, sqlite3_uint64 id, const float *aRow,
                           int nDim) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_LATENT_PUT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  unsigned char *aBlob = sqlite3_malloc64((sqlite3_uint64)nDim * 4 + 1);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  for (int k = 0; k < nDim; k++)
    papers_f32_put(aBlob + 4 * k, aRow[k]);
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_blob(pStmt, 2, aBlob, nDim * 4, sqlite3_free);
  return index_run(pStmt);
}

/* A term's latent projection row (nDim floats, sqlite3_malloc'd), or 0 in
** *paRow when the term is no feature. */
int index_latent_row_load(IndexStore *p, sqlite3_uint64 id, int nDim, float **paRow) {
  sqlite3_stmt *pStmt;
  *paRow = 0;
  int rc = index_statement(p, STMT_LATENT_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 0);
    int n = sqlite3_column_bytes(pStmt, 0);
    if (sqlite3_column_type(pStmt, 0) != SQLITE_BLOB || n != 4 * nDim) {
      rc = index_store_corrupt(p, "latent",
                               "the projection of term %lld has %d bytes, not %d",
                               (i64)id, n, 4 * nDim);
    } else {
      *paRow = sqlite3_malloc64(sizeof(float) * (sqlite3_uint64)nDim);
      if (*paRow == 0)
        rc = SQLITE_NOMEM;
    }
    for (int k = 0; *paRow && k < nDim; k++) {
      (*paRow)[k] = papers_f32_get(a + 4 * k);
      if (!isfinite((*paRow)[k]) && rc == SQLITE_OK)
        rc = index_store_corrupt(p, "latent",
                                 "the projection of term %lld holds a value that"
                                 " is not a finite number",
                                 (i64)id);
    }
  }
  int rcReset = sqlite3_reset(pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(*paRow);
    *paRow = 0;
  }
  return rc == SQLITE_OK ? rcReset : rc;
}

/* Weighs counts with their idf: the sparse part, then the latent part from
** the terms' projection rows (apRow[i], the i-th count's; 0: none), each
** times the term's weight, added in the counts' (id) order; the weights end
** on the grid the index stores (papers_weight_grid). */
int index_weigh(const PapersCount *aCount, int nCount, const double *aIdf, int nDim,
                double weight, float *const *apRow, PapersVector *pVec) {
  PapersVector sparse = {0, 0, 0};
  memset(pVec, 0, sizeof(*pVec));
  int rc = papers_vector_weigh(aCount, nCount, aIdf, &sparse, 0);
  if (rc == SQLITE_OK && nDim == 0) /* the sparse vector at the text's length */
    rc = papers_vector_with_latent(&sparse, 0, 0, 0, pVec, 0);
  if (rc != SQLITE_OK || nDim == 0) {
    papers_vector_free(&sparse);
    return rc;
  }
  double *z = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)nDim);
  if (z == 0) {
    papers_vector_free(&sparse);
    return SQLITE_NOMEM;
  }
  memset(z, 0, sizeof(double) * (size_t)nDim);
  for (int i = 0; i < sparse.nTerm; i++) {
    for (int k = 0; apRow[i] && k < nDim; k++)
      z[k] += sparse.aWeight[i] * (double)apRow[i][k];
  }
  rc = papers_vector_with_latent(&sparse, z, nDim,
                                 papers_latent_share(sparse.nTerm, weight), pVec, 0);
  sqlite3_free(z);
  papers_vector_free(&sparse);
  return rc;
}

static void rows_free(float **apRow, int nRow) {
  for (int i = 0; apRow && i < nRow; i++)
    sqlite3_free(apRow[i]);
  sqlite3_free(apRow);
}

int index_store_weigh(IndexStore *p, const PapersCount *aCount, int nCount,
                      PapersVector *pVec) {
  int nDim = 0, nRead = 0;
  double weight = 0;
  double *aIdf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nCount + 1));
  float **apRow = sqlite3_malloc64(sizeof(float *) * (sqlite3_uint64)(nCount + 1));
  memset(pVec, 0, sizeof(*pVec));
  int rc = aIdf && apRow ? index_store_idf(p, aCount, nCount, aIdf) : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(p, &nDim, &weight);
  for (; rc == SQLITE_OK && nDim > 0 && nRead < nCount; nRead++)
    rc = index_latent_row_load(p, aCount[nRead].id, nDim, &apRow[nRead]);
  if (rc == SQLITE_OK)
    rc = index_weigh(aCount, nCount, aIdf, nDim, weight, apRow, pVec);
  rows_free(apRow, nRead);
  sqlite3_free(aIdf);
  return rc;
}

double index_idf(i64 nDoc, i64 df) {
  return papers_ln((double)(1 + nDoc) / (double)(1 + df)) + 1;
}

double index_maxw_code(double maxWeight) {
  int code = papers_weight_code(maxWeight);
  if (papers_weight_of_code(code) < maxWeight && code < PAPERS_WEIGHT_STEPS)
    code++; /* a bound: never below the weight */
  return code;
}

/* Fills a row from a statement's columns df, surface, votes, maxw, num (of
** shadow table T_zPart), checking them; a df of 0 leaves it unknown. */
int index_vocab_row_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                         sqlite3_stmt *pStmt, VocabRow *pRow, int wantSurface) {
  int eSurface = sqlite3_column_type(pStmt, 1);
  double maxWeight = sqlite3_column_double(pStmt, 3);
  int eMaxWeight = sqlite3_column_type(pStmt, 3);
  i64 num = sqlite3_column_int64(pStmt, 4);
  if (sqlite3_column_type(pStmt, 4) != SQLITE_INTEGER || num < 0 ||
      (sqlite3_uint64)num > INDEX_MAX_NUMBER ||
      (num == 0 && sqlite3_column_int64(pStmt, 0) > 0)) {
    return index_store_corrupt(p, zPart, "the row of term %lld has no term number",
                               (i64)id);
  }
  if (sqlite3_column_type(pStmt, 0) != SQLITE_INTEGER ||
      sqlite3_column_int64(pStmt, 0) < 0 ||
      sqlite3_column_int64(pStmt, 0) > INDEX_MAX_DOCS ||
      sqlite3_column_type(pStmt, 2) != SQLITE_INTEGER ||
      (eSurface != SQLITE_TEXT && eSurface != SQLITE_NULL) ||
      (eMaxWeight != SQLITE_FLOAT && eMaxWeight != SQLITE_INTEGER) ||
      !(maxWeight >= 0 && maxWeight <= PAPERS_WEIGHT_STEPS) ||
      maxWeight != (double)(int)maxWeight) {
    return index_store_corrupt(p, zPart,
                               "the row of term %lld is not a df, a surface form, a vote"
                               " count and a largest weight",
                               (i64)id);
  }
  if (sqlite3_column_int64(pStmt, 0) == 0)
    return SQLITE_OK;
  pRow->df = sqlite3_column_int64(pStmt, 0);
  pRow->nVote = sqlite3_column_int64(pStmt, 2);
  pRow->maxWeight = papers_weight_of_code((int)maxWeight);
  pRow->num = (sqlite3_uint64)num;
  if (wantSurface) {
    pRow->nSurface = sqlite3_column_bytes(pStmt, 1);
    pRow->zOwned =
        papers_text_copy((const char *)sqlite3_column_text(pStmt, 1), pRow->nSurface);
    pRow->zSurface = pRow->zOwned;
    if (pRow->zOwned == 0)
      return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* Decodes the pending postings of term id in a statement's columns iCol
** (first) and iCol + 1 (the block, or NULL: none). */
int index_pending_postings_from(IndexStore *p, sqlite3_uint64 id, sqlite3_stmt *pStmt,
                                int iCol, IndexPosting **paPending, int *pnPending) {
  if (sqlite3_column_type(pStmt, iCol + 1) == SQLITE_NULL)
    return SQLITE_OK;
  return index_block_from(p, "pending", id, pStmt, iCol, paPending, pnPending);
}

/* Reads a term's row: from the pending level when it is there, else from
** T_vocab; its surface form when wantSurface, its pending postings
** (document order) when paPending is not 0. */
int index_vocab_read(IndexStore *p, sqlite3_uint64 id, VocabRow *pRow, int wantSurface,
                     IndexPosting **paPending, int *pnPending) {
  sqlite3_stmt *pStmt;
  memset(pRow, 0, sizeof(*pRow));
  if (paPending) {
    *paPending = 0;
    *pnPending = 0;
  }
  int rc = index_statement(p, STMT_PENDING_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  pRow->isPending = sqlite3_step(pStmt) == SQLITE_ROW;
  if (!pRow->isPending) {
    rc = sqlite3_reset(pStmt);
    if (rc == SQLITE_OK)
      rc = index_statement(p, STMT_VOCAB_GET, &pStmt);
    if (rc != SQLITE_OK)
      return rc;
    sqlite3_bind_int64(pStmt, 1, (i64)id);
    if (sqlite3_step(pStmt) != SQLITE_ROW)
      return sqlite3_reset(pStmt); /* unknown */
  }
  rc = index_vocab_row_from(p, pRow->isPending ? "pending" : "vocab", id, pStmt, pRow,
                            wantSurface);
  if (rc == SQLITE_OK && pRow->isPending && paPending)
    rc = index_pending_postings_from(p, id, pStmt, 5, paPending, pnPending);
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

int index_store_vocab_df(IndexStore *p, sqlite3_uint64 id, i64 *pDf) {
  VocabRow row;
  int rc = index_vocab_read(p, id, &row, 0, 0, 0);
  *pDf = row.df;
  return rc;
}

int index_store_idf(IndexStore *p, const PapersCount *aCount, int nCount, double *aIdf) {
  i64 nDoc;
  int rc = index_store_get_ndoc(p, &nDoc);
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    i64 df = 0;
    rc = index_store_vocab_df(p, aCount[i].id, &df);
    aIdf[i] = index_idf(nDoc, df);
  }
  return rc;
}

int index_store_vocab_put(IndexStore *p, sqlite3_uint64 id, i64 df, const char *zSurface,
                          int nSurface, i64 nVote, double maxWeight, sqlite3_uint64 num) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_VOCAB_PUT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, df);
  sqlite3_bind_text(pStmt, 3, zSurface, nSurface, SQLITE_STATIC);
  sqlite3_bind_int64(pStmt, 4, nVote);
  sqlite3_bind_double(pStmt, 5, index_maxw_code(maxWeight));
  sqlite3_bind_int64(pStmt, 6, (i64)num);
  return index_run(pStmt);
}

/* Writes a term's row to T_vocab, or deletes it when its df is 0. */
int index_vocab_write_main(IndexStore *p, sqlite3_uint64 id, const VocabRow *pRow) {
  if (pRow->df > 0) {
    return index_store_vocab_put(p, id, pRow->df, pRow->zSurface, pRow->nSurface,
                                 pRow->nVote, pRow->maxWeight, pRow->num);
  }
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_VOCAB_DELETE, &pStmt);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(pStmt, 1, (i64)id);
    rc = index_run(pStmt);
  }
  return rc;
}

int index_store_vocab_maxw(IndexStore *p, sqlite3_uint64 id, i64 *pDf,
                           double *pMaxWeight) {
  VocabRow row;
  int rc = index_vocab_read(p, id, &row, 0, 0, 0);
  *pDf = row.df;
  *pMaxWeight = row.maxWeight;
  return rc;
}

int index_store_surface(IndexStore *p, sqlite3_uint64 id, const char **pz, int *pn) {
  VocabRow row;
  int rc = index_vocab_read(p, id, &row, 1, 0, 0);
  sqlite3_free(p->zSurface);
  p->zSurface = row.zOwned;
  *pz = row.zSurface;
  *pn = row.nSurface;
  return rc;
}
