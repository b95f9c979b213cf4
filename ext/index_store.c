/*
** index_store.c: the shadow tables of a papers_index table (layout in
** index.h), and the corpus statistics that `[, index]` arguments read.
**
** Contract:
**   - Every read and write goes through SQL on the user's connection, so it is
**     part of the user's transaction: a ROLLBACK undoes it. The one thing kept
**     in memory is the write buffer (below): what the additions of the current
**     transaction changed, until the virtual table flushes it (before commit,
**     at savepoints, before anything reads the index) or drops it (rollback).
**     Nothing read is kept across transactions.
**   - Added documents go to the pending level (index.h); every read sees both
**     levels: a term's row comes from T_pending when it is there, else from
**     T_vocab; its postings from both, interleaved in document order.
**   - A postings block is: a varint count n, then n varints (each document id
**     minus the previous one, the first minus the block's `first`, so 0), then
**     n little-endian float32 weights. Blocks of one term cover disjoint,
**     increasing ranges of document ids.
**   - papers_stats_open() accepts "name" or "schema.name" and fails with a
**     message naming the table when it does not exist or is no papers_index.
*/
#include "index.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum StoreStatement {
  STMT_CONFIG_GET,
  STMT_CONFIG_SET,
  STMT_VOCAB_GET,
  STMT_VOCAB_PUT,
  STMT_VOCAB_DELETE,
  STMT_DOC_GET,
  STMT_DOC_PUT,
  STMT_DOC_DELETE,
  STMT_BLOCK_AT,    /* the block that holds (or would hold) a document */
  STMT_BLOCK_FIRST, /* a term's first block */
  STMT_BLOCK_NEXT,  /* the key of the block after a given one */
  STMT_BLOCK_PUT,
  STMT_BLOCK_DELETE,
  STMT_BLOCKS_OF_TERM,
  STMT_LATENT_GET,
  STMT_LATENT_PUT,
  STMT_DENSE_AT,    /* the dense block that holds (or would hold) a document */
  STMT_DENSE_FIRST, /* the first dense block */
  STMT_DENSE_PUT,
  STMT_DENSE_DELETE,
  STMT_DENSE_ALL,
  STMT_DOCS_ALL,
  STMT_PENDING_GET, /* a term's row in the pending level */
  STMT_PENDING_PUT, /* a term's row as a write leaves it */
  STMT_PENDING_ALL, /* every pending row, for the merge */
  STMT_PENDING_CLEAR,
  N_STATEMENT
};

static const char *const azStatementSql[N_STATEMENT] = {
    "SELECT v FROM \"%w\".\"%w_config\" WHERE k = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_config\"(k, v) VALUES (?1, ?2)",
    "SELECT df, surface, votes, maxw FROM \"%w\".\"%w_vocab\" WHERE term = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_vocab\"(term, df, surface, votes, maxw)"
    " VALUES (?1, ?2, ?3, ?4, ?5)",
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
    "SELECT df, surface, votes, maxw, first, postings FROM \"%w\".\"%w_pending\""
    " WHERE term = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_pending\"(term, df, surface, votes, maxw, first,"
    " postings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "SELECT df, surface, votes, maxw, first, postings, term FROM \"%w\".\"%w_pending\""
    " ORDER BY term",
    "DELETE FROM \"%w\".\"%w_pending\"",
};

/* A term as additions left it in the write buffer (below). */
typedef struct BufferedTerm BufferedTerm;

/* What the additions of a transaction changed, kept in memory until a flush
** writes it to the pending level: each term read once, written once. */
typedef struct WriteBuffer {
  PapersIdMap *pSlots; /* term id to its place in aTerm */
  BufferedTerm *aTerm; /* in order of first sight */
  int nTerm;
  i64 nTermAlloc;
  i64 nAdded;   /* pending postings added: what the config count lacks */
  int isBroken; /* an addition failed half way: the transaction must not commit */
} WriteBuffer;

struct IndexStore {
  sqlite3 *db;
  char *zDb;
  char *zName;
  sqlite3_stmt *apStmt[N_STATEMENT]; /* prepared when first used */
  char *zSurface;                    /* the last surface form returned */
  char *zCorrupt; /* what store_corrupt() found wrong last, until taken */
  WriteBuffer buffer;
};

int index_store_open(sqlite3 *db, const IndexConfig *pConfig, IndexStore **ppStore) {
  IndexStore *p = sqlite3_malloc64(sizeof(*p));
  if (p == 0)
    return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zDb = sqlite3_mprintf("%s", pConfig->zDb);
  p->zName = sqlite3_mprintf("%s", pConfig->zName);
  if (p->zDb == 0 || p->zName == 0) {
    index_store_close(p);
    return SQLITE_NOMEM;
  }
  *ppStore = p;
  return SQLITE_OK;
}

static void buffer_discard(WriteBuffer *pBuffer);

void index_store_close(IndexStore *p) {
  if (p == 0)
    return;
  sqlite3_free(p->zCorrupt);
  buffer_discard(&p->buffer);
  for (int i = 0; i < N_STATEMENT; i++)
    sqlite3_finalize(p->apStmt[i]);
  sqlite3_free(p->zDb);
  sqlite3_free(p->zName);
  sqlite3_free(p->zSurface);
  sqlite3_free(p);
}

/* The statement, prepared on first use and reset for the caller. */
static int statement(IndexStore *p, int iStmt, sqlite3_stmt **ppStmt) {
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

/* Records what is wrong with shadow table T_zPart ("config", "docs", ...) and
** returns SQLITE_CORRUPT_VTAB: "T: T_part is damaged: <what>". */
static int store_corrupt(IndexStore *p, const char *zPart, const char *zFormat, ...) {
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
static int run(sqlite3_stmt *pStmt) {
  sqlite3_step(pStmt);
  return sqlite3_reset(pStmt);
}

/* ---- creating and dropping ---------------------------------------------- */

int index_store_create(sqlite3 *db, const IndexConfig *pConfig) {
  char *zSql = sqlite3_mprintf(
      "CREATE TABLE \"%w\".\"%w_config\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
      "CREATE TABLE \"%w\".\"%w_vocab\"(term INTEGER PRIMARY KEY, df INTEGER NOT NULL,"
      " surface TEXT, votes INTEGER NOT NULL, maxw REAL NOT NULL DEFAULT 0);"
      "CREATE TABLE \"%w\".\"%w_docs\"(id INTEGER PRIMARY KEY, vector BLOB NOT NULL);"
      "CREATE TABLE \"%w\".\"%w_postings\"(term INTEGER, first INTEGER, data BLOB NOT "
      "NULL,"
      " PRIMARY KEY(term, first)) WITHOUT ROWID;"
      "CREATE TABLE \"%w\".\"%w_latent\"(term INTEGER PRIMARY KEY, projection BLOB NOT "
      "NULL);"
      "CREATE TABLE \"%w\".\"%w_dense\"(first INTEGER PRIMARY KEY, data BLOB NOT NULL);"
      "CREATE TABLE \"%w\".\"%w_pending\"(term INTEGER PRIMARY KEY, df INTEGER NOT NULL,"
      " surface TEXT, votes INTEGER NOT NULL, maxw REAL NOT NULL, first INTEGER,"
      " postings BLOB);"
      "INSERT INTO \"%w\".\"%w_config\"(k, v) VALUES ('version', %d), ('ndoc', 0),"
      " ('pending', 0),"
      " ('tokenize', %Q), ('latent_dims', 0), ('latent_weight', %!.17g);",
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb,
      pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb,
      pConfig->zName, INDEX_LAYOUT_VERSION, pConfig->zTokenize, pConfig->latentWeight);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

int index_store_destroy(sqlite3 *db, const IndexConfig *pConfig) {
  char *zSql = sqlite3_mprintf(
      "DROP TABLE IF EXISTS \"%w\".\"%w_config\";DROP TABLE IF EXISTS "
      "\"%w\".\"%w_vocab\";"
      "DROP TABLE IF EXISTS \"%w\".\"%w_docs\";DROP TABLE IF EXISTS "
      "\"%w\".\"%w_postings\";"
      "DROP TABLE IF EXISTS \"%w\".\"%w_latent\";DROP TABLE IF EXISTS "
      "\"%w\".\"%w_dense\";DROP TABLE IF EXISTS \"%w\".\"%w_pending\";",
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb,
      pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

static int config_set(IndexStore *p, const char *zKey, double value, int isInteger);

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

int index_store_clear(IndexStore *p, const IndexConfig *pConfig) {
  buffer_discard(&p->buffer);
  char *zSql = sqlite3_mprintf(
      "DELETE FROM \"%w\".\"%w_vocab\";DELETE FROM \"%w\".\"%w_docs\";"
      "DELETE FROM \"%w\".\"%w_postings\";DELETE FROM \"%w\".\"%w_latent\";"
      "DELETE FROM \"%w\".\"%w_dense\";DELETE FROM \"%w\".\"%w_pending\";",
      p->zDb, p->zName, p->zDb, p->zName, p->zDb, p->zName, p->zDb, p->zName, p->zDb,
      p->zName, p->zDb, p->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(p->db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK)
    rc = config_reset(p, pConfig);
  if (rc == SQLITE_OK)
    rc = index_store_set_ndoc(p, 0);
  if (rc == SQLITE_OK)
    rc = config_set(p, "pending", 0, 1);
  if (rc == SQLITE_OK)
    rc = index_store_latent_set(p, 0, 0);
  return rc;
}

/* ---- statistics ---------------------------------------------------------- */

/* Reads a numeric configuration value, which must be there, of the type
** asked (an integer, or any number when !isInteger) and in [min, max]. */
static int config_get(IndexStore *p, const char *zKey, int isInteger, double min,
                      double max, double *pValue) {
  sqlite3_stmt *pStmt;
  *pValue = 0;
  int rc = statement(p, STMT_CONFIG_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(pStmt, 1, zKey, -1, SQLITE_STATIC);
  int hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  int eType = hasRow ? sqlite3_column_type(pStmt, 0) : SQLITE_NULL;
  double value = hasRow ? sqlite3_column_double(pStmt, 0) : 0;
  char *zValue = hasRow ? sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0)) : 0;
  rc = sqlite3_reset(pStmt);
  int isNumber = eType == SQLITE_INTEGER || (!isInteger && eType == SQLITE_FLOAT);
  if (rc == SQLITE_OK && hasRow && zValue == 0 && eType != SQLITE_NULL)
    rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && !hasRow)
    rc = store_corrupt(p, "config", "'%s' is missing", zKey);
  if (rc == SQLITE_OK && !(isNumber && value >= min && value <= max)) {
    rc = store_corrupt(p, "config", "'%s' must be %s from %.17g to %.17g, got %s%s%s",
                       zKey, isInteger ? "an integer" : "a number", min, max,
                       eType == SQLITE_TEXT ? "'" : "", zValue ? zValue : "NULL",
                       eType == SQLITE_TEXT ? "'" : "");
  }
  sqlite3_free(zValue);
  *pValue = rc == SQLITE_OK ? value : 0;
  return rc;
}

static int config_set(IndexStore *p, const char *zKey, double value, int isInteger) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_CONFIG_SET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(pStmt, 1, zKey, -1, SQLITE_STATIC);
  if (isInteger) {
    sqlite3_bind_int64(pStmt, 2, (i64)value);
  } else {
    sqlite3_bind_double(pStmt, 2, value);
  }
  return run(pStmt);
}

int index_store_get_ndoc(IndexStore *p, i64 *pnDoc) {
  double value;
  int rc = config_get(p, "ndoc", 1, 0, INDEX_MAX_DOCS, &value);
  *pnDoc = (i64)value;
  return rc;
}

int index_store_version(IndexStore *p, i64 *pVersion) {
  double value;
  int rc = config_get(p, "version", 1, 1, INDEX_MAX_LAYOUT, &value);
  *pVersion = (i64)value;
  return rc;
}

int index_store_set_ndoc(IndexStore *p, i64 nDoc) {
  return config_set(p, "ndoc", (double)nDoc, 1);
}

int index_store_latent_get(IndexStore *p, int *pnDim, double *pWeight) {
  double nDim = 0;
  int rc = config_get(p, "latent_dims", 1, 0, PAPERS_MAX_LATENT, &nDim);
  if (rc == SQLITE_OK)
    rc = config_get(p, "latent_weight", 0, 0, 1, pWeight);
  *pnDim = (int)nDim;
  assert(*pnDim >= 0 && *pnDim <= PAPERS_MAX_LATENT);
  return rc;
}

int index_store_latent_set(IndexStore *p, int nDim, double weight) {
  int rc = config_set(p, "latent_dims", nDim, 1);
  if (rc == SQLITE_OK && nDim > 0)
    rc = config_set(p, "latent_weight", weight, 0);
  return rc;
}

int index_store_latent_put(IndexStore *p, sqlite3_uint64 id, const float *aRow,
                           int nDim) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_LATENT_PUT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  unsigned char *aBlob = sqlite3_malloc64((sqlite3_uint64)nDim * 4 + 1);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  for (int k = 0; k < nDim; k++)
    papers_f32_put(aBlob + 4 * k, aRow[k]);
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_blob(pStmt, 2, aBlob, nDim * 4, sqlite3_free);
  return run(pStmt);
}

/* A term's latent projection row (nDim floats, sqlite3_malloc'd), or 0 in
** *paRow when the term is no feature. */
static int latent_row_load(IndexStore *p, sqlite3_uint64 id, int nDim, float **paRow) {
  sqlite3_stmt *pStmt;
  *paRow = 0;
  int rc = statement(p, STMT_LATENT_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 0);
    int n = sqlite3_column_bytes(pStmt, 0);
    if (sqlite3_column_type(pStmt, 0) != SQLITE_BLOB || n != 4 * nDim) {
      rc = store_corrupt(p, "latent", "the projection of term %lld has %d bytes, not %d",
                         (i64)id, n, 4 * nDim);
    } else {
      *paRow = sqlite3_malloc64(sizeof(float) * (sqlite3_uint64)nDim);
      if (*paRow == 0)
        rc = SQLITE_NOMEM;
    }
    for (int k = 0; *paRow && k < nDim; k++) {
      (*paRow)[k] = papers_f32_get(a + 4 * k);
      if (!isfinite((*paRow)[k]) && rc == SQLITE_OK)
        rc = store_corrupt(p, "latent",
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
** times the term's weight, added in the counts' (id) order. */
static int weigh(const PapersCount *aCount, int nCount, const double *aIdf, int nDim,
                 double weight, float *const *apRow, PapersVector *pVec) {
  PapersVector sparse = {0, 0, 0};
  memset(pVec, 0, sizeof(*pVec));
  int rc = papers_vector_weigh(aCount, nCount, aIdf, &sparse, 0);
  if (rc != SQLITE_OK || nDim == 0) {
    *pVec = sparse;
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
  rc = papers_vector_with_latent(&sparse, z, nDim, weight, pVec, 0);
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
    rc = latent_row_load(p, aCount[nRead].id, nDim, &apRow[nRead]);
  if (rc == SQLITE_OK)
    rc = weigh(aCount, nCount, aIdf, nDim, weight, apRow, pVec);
  rows_free(apRow, nRead);
  sqlite3_free(aIdf);
  return rc;
}

double index_idf(i64 nDoc, i64 df) {
  return papers_ln((double)(1 + nDoc) / (double)(1 + df)) + 1;
}

/* A term's vocabulary row as it is now: its copy in the pending level when
** it has one, else its row of T_vocab. df 0: the term is unknown. */
typedef struct VocabRow {
  i64 df, nVote;
  double maxWeight;
  const char *zSurface; /* when asked for; 0 when unknown */
  int nSurface;
  char *zOwned;  /* the allocation behind zSurface, for sqlite3_free() */
  int isPending; /* read from the pending level (else from T_vocab, or unknown) */
} VocabRow;

/* Fills a row from a statement's columns df, surface, votes, maxw (of shadow
** table T_zPart), checking them; a df of 0 leaves it unknown. */
static int vocab_row_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                          sqlite3_stmt *pStmt, VocabRow *pRow, int wantSurface) {
  int eSurface = sqlite3_column_type(pStmt, 1);
  double maxWeight = sqlite3_column_double(pStmt, 3);
  int eMaxWeight = sqlite3_column_type(pStmt, 3);
  if (sqlite3_column_type(pStmt, 0) != SQLITE_INTEGER ||
      sqlite3_column_int64(pStmt, 0) < 0 ||
      sqlite3_column_int64(pStmt, 0) > INDEX_MAX_DOCS ||
      sqlite3_column_type(pStmt, 2) != SQLITE_INTEGER ||
      (eSurface != SQLITE_TEXT && eSurface != SQLITE_NULL) ||
      (eMaxWeight != SQLITE_FLOAT && eMaxWeight != SQLITE_INTEGER) ||
      !(maxWeight >= 0 && maxWeight <= INDEX_MAX_WEIGHT)) {
    return store_corrupt(p, zPart,
                         "the row of term %lld is not a df, a surface form, a vote"
                         " count and a largest weight",
                         (i64)id);
  }
  if (sqlite3_column_int64(pStmt, 0) == 0)
    return SQLITE_OK;
  pRow->df = sqlite3_column_int64(pStmt, 0);
  pRow->nVote = sqlite3_column_int64(pStmt, 2);
  pRow->maxWeight = sqlite3_column_double(pStmt, 3);
  if (wantSurface) {
    pRow->nSurface = sqlite3_column_bytes(pStmt, 1);
    pRow->zOwned = sqlite3_mprintf("%.*s", pRow->nSurface,
                                   (const char *)sqlite3_column_text(pStmt, 1));
    pRow->zSurface = pRow->zOwned;
    if (pRow->zOwned == 0)
      return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

static int block_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                      sqlite3_stmt *pStmt, int iCol, IndexPosting **paPosting,
                      int *pnPosting);

/* Decodes the pending postings of term id in a statement's columns iCol
** (first) and iCol + 1 (the block, or NULL: none). */
static int pending_postings_from(IndexStore *p, sqlite3_uint64 id, sqlite3_stmt *pStmt,
                                 int iCol, IndexPosting **paPending, int *pnPending) {
  if (sqlite3_column_type(pStmt, iCol + 1) == SQLITE_NULL)
    return SQLITE_OK;
  return block_from(p, "pending", id, pStmt, iCol, paPending, pnPending);
}

/* Reads a term's row: from the pending level when it is there, else from
** T_vocab; its surface form when wantSurface, its pending postings
** (document order) when paPending is not 0. */
static int vocab_read(IndexStore *p, sqlite3_uint64 id, VocabRow *pRow, int wantSurface,
                      IndexPosting **paPending, int *pnPending) {
  sqlite3_stmt *pStmt;
  memset(pRow, 0, sizeof(*pRow));
  if (paPending) {
    *paPending = 0;
    *pnPending = 0;
  }
  int rc = statement(p, STMT_PENDING_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  pRow->isPending = sqlite3_step(pStmt) == SQLITE_ROW;
  if (!pRow->isPending) {
    rc = sqlite3_reset(pStmt);
    if (rc == SQLITE_OK)
      rc = statement(p, STMT_VOCAB_GET, &pStmt);
    if (rc != SQLITE_OK)
      return rc;
    sqlite3_bind_int64(pStmt, 1, (i64)id);
    if (sqlite3_step(pStmt) != SQLITE_ROW)
      return sqlite3_reset(pStmt); /* unknown */
  }
  rc = vocab_row_from(p, pRow->isPending ? "pending" : "vocab", id, pStmt, pRow,
                      wantSurface);
  if (rc == SQLITE_OK && pRow->isPending && paPending)
    rc = pending_postings_from(p, id, pStmt, 4, paPending, pnPending);
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

int index_store_vocab_df(IndexStore *p, sqlite3_uint64 id, i64 *pDf) {
  VocabRow row;
  int rc = vocab_read(p, id, &row, 0, 0, 0);
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
                          int nSurface, i64 nVote, double maxWeight) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_PUT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, df);
  sqlite3_bind_text(pStmt, 3, zSurface, nSurface, SQLITE_STATIC);
  sqlite3_bind_int64(pStmt, 4, nVote);
  sqlite3_bind_double(pStmt, 5, maxWeight);
  return run(pStmt);
}

/* Writes a term's row to T_vocab, or deletes it when its df is 0. */
static int vocab_write_main(IndexStore *p, sqlite3_uint64 id, const VocabRow *pRow) {
  if (pRow->df > 0) {
    return index_store_vocab_put(p, id, pRow->df, pRow->zSurface, pRow->nSurface,
                                 pRow->nVote, pRow->maxWeight);
  }
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_DELETE, &pStmt);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(pStmt, 1, (i64)id);
    rc = run(pStmt);
  }
  return rc;
}

int index_store_vocab_maxw(IndexStore *p, sqlite3_uint64 id, i64 *pDf,
                           double *pMaxWeight) {
  VocabRow row;
  int rc = vocab_read(p, id, &row, 0, 0, 0);
  *pDf = row.df;
  *pMaxWeight = row.maxWeight;
  return rc;
}

int index_store_surface(IndexStore *p, sqlite3_uint64 id, const char **pz, int *pn) {
  VocabRow row;
  int rc = vocab_read(p, id, &row, 1, 0, 0);
  sqlite3_free(p->zSurface);
  p->zSurface = row.zOwned;
  *pz = row.zSurface;
  *pn = row.nSurface;
  return rc;
}

/* ---- documents ------------------------------------------------------------ */

/* Decodes the vector of document iDoc in a statement's column iCol. */
static int doc_decode(IndexStore *p, i64 iDoc, sqlite3_stmt *pStmt, int iCol,
                      PapersVector *pVec) {
  const char *zProblem = 0;
  int rc = SQLITE_ERROR;
  if (sqlite3_column_type(pStmt, iCol) == SQLITE_BLOB) {
    rc = papers_vector_decode(sqlite3_column_blob(pStmt, iCol),
                              sqlite3_column_bytes(pStmt, iCol), pVec, &zProblem);
  } else {
    memset(pVec, 0, sizeof(*pVec));
    zProblem = "it is not a BLOB";
  }
  if (rc == SQLITE_ERROR) {
    rc = store_corrupt(p, "docs", "the vector of document %lld is not a valid vector: %s",
                       iDoc, zProblem);
  }
  return rc;
}

int index_store_doc_get(IndexStore *p, i64 iDoc, PapersVector *pVec, int *pFound) {
  sqlite3_stmt *pStmt;
  *pFound = 0;
  memset(pVec, 0, sizeof(*pVec)); /* callers may free it whatever happens */
  int rc = statement(p, STMT_DOC_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    rc = doc_decode(p, iDoc, pStmt, 0, pVec);
    *pFound = rc == SQLITE_OK;
  }
  int rcReset = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc != SQLITE_OK) {
    papers_vector_free(pVec);
    *pFound = 0;
  }
  return rc;
}

int index_store_doc_dot(IndexStore *p, i64 iDoc, const PapersVector *pQuery, double *pDot,
                        int *pFound) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_DOC_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  *pFound = 0;
  *pDot = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 0);
    rc = sqlite3_column_type(pStmt, 0) == SQLITE_BLOB
             ? papers_vector_dot_blob(pQuery, a, sqlite3_column_bytes(pStmt, 0), pDot)
             : SQLITE_ERROR;
    if (rc == SQLITE_ERROR) {
      rc = store_corrupt(p, "docs", "the vector of document %lld is not a valid vector",
                         iDoc);
    }
    *pFound = rc == SQLITE_OK;
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

int index_store_doc_put(IndexStore *p, i64 iDoc, const PapersVector *pVec) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_DOC_PUT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  i64 nBlob = papers_vector_blob_size(pVec);
  unsigned char *aBlob = sqlite3_malloc64((sqlite3_uint64)nBlob);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  papers_vector_encode(pVec, aBlob);
  sqlite3_bind_int64(pStmt, 1, iDoc);
  sqlite3_bind_blob64(pStmt, 2, aBlob, (sqlite3_uint64)nBlob, sqlite3_free);
  return run(pStmt);
}

int index_store_docs_scan(IndexStore *p, int (*xDoc)(void *, i64, const PapersVector *),
                          void *pCtx) {
  sqlite3_stmt *pStmt = 0; /* stays 0 when statement() fails */
  int rc = statement(p, STMT_DOCS_ALL, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    PapersVector vec;
    rc = doc_decode(p, sqlite3_column_int64(pStmt, 0), pStmt, 1, &vec);
    if (rc == SQLITE_OK)
      rc = xDoc(pCtx, sqlite3_column_int64(pStmt, 0), &vec);
    papers_vector_free(&vec);
  }
  int rcReset = pStmt ? sqlite3_reset(pStmt) : SQLITE_OK;
  return rc == SQLITE_OK ? rcReset : rc;
}

int index_store_doc_delete(IndexStore *p, i64 iDoc) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_DOC_DELETE, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  return run(pStmt);
}

/* ---- postings blocks ---------------------------------------------------- */

int index_varint_put(unsigned char *a, sqlite3_uint64 v) {
  int n = 0;
  do {
    unsigned char c = (unsigned char)(v & 0x7f);
    v >>= 7;
    a[n++] = (unsigned char)(c | (v ? 0x80 : 0));
  } while (v);
  assert(n <= 10);
  return n;
}

int index_varint_get(const unsigned char *a, int n, sqlite3_uint64 *pv) {
  sqlite3_uint64 v = 0;
  for (int i = 0; i < n && i < 10; i++) {
    v |= (sqlite3_uint64)(a[i] & 0x7f) << (7 * i);
    if ((a[i] & 0x80) == 0) {
      *pv = v;
      return i + 1;
    }
  }
  return 0;
}

/* Whether iDoc + delta, a document id decoded from a block, is an i64. */
static int doc_id_fits(i64 iDoc, sqlite3_uint64 delta) {
  return delta <= (sqlite3_uint64)INT64_MAX - (sqlite3_uint64)iDoc;
}

/* Reads a block's count of postings (its first varint, from 1 to the bytes
** there are); returns where the document ids start, 0 when it is malformed. */
static int block_header(const unsigned char *a, int n, int *pnPosting) {
  sqlite3_uint64 nPosting = 0;
  int iPos = index_varint_get(a, n, &nPosting);
  if (iPos == 0 || nPosting == 0 || nPosting > (sqlite3_uint64)n)
    return 0;
  *pnPosting = (int)nPosting;
  return iPos;
}

/* Decodes and checks the nPosting document ids of a block from a[iPos] into
** aDoc (increasing, the first iFirst) and checks its weights (finite, >= 0,
** filling the rest of the block); returns 0, or what is wrong. *piWeight:
** where the weights start. */
static const char *block_docs(i64 iFirst, const unsigned char *a, int n, int iPos,
                              int nPosting, i64 *aDoc, int *piWeight) {
  i64 iDoc = iFirst;
  for (int i = 0; i < nPosting; i++) {
    sqlite3_uint64 delta;
    int nByte = index_varint_get(a + iPos, n - iPos, &delta);
    if (nByte == 0)
      return "a document id is cut short";
    if ((i == 0 && delta != 0) || (i > 0 && delta == 0))
      return "its document ids do not start at its first and increase";
    if (!doc_id_fits(iDoc, delta))
      return "a document id is out of range";
    iPos += nByte;
    iDoc += (i64)delta;
    aDoc[i] = iDoc;
  }
  if ((i64)(n - iPos) != 4 * (i64)nPosting)
    return "its size does not match its count of postings";
  for (int i = 0; i < nPosting; i++) {
    float weight = papers_f32_get(a + iPos + 4 * i);
    if (!(weight >= 0 && weight <= INDEX_MAX_WEIGHT))
      return "a weight is not a number from 0 to 1";
  }
  *piWeight = iPos;
  return 0;
}

int index_block_decode(i64 iFirst, const unsigned char *a, int n,
                       IndexPosting **paPosting, int *pnPosting, const char **pzProblem) {
  int nPosting = 0, iWeight = 0;
  int iPos = block_header(a, n, &nPosting);
  *paPosting = 0;
  *pnPosting = 0;
  *pzProblem = "its count of postings is malformed";
  if (iPos == 0)
    return SQLITE_CORRUPT_VTAB;
  IndexPosting *aPosting =
      sqlite3_malloc64(sizeof(IndexPosting) * (sqlite3_uint64)nPosting);
  i64 *aDoc = sqlite3_malloc64(sizeof(i64) * (sqlite3_uint64)nPosting);
  if (aPosting == 0 || aDoc == 0) {
    sqlite3_free(aPosting);
    sqlite3_free(aDoc);
    return SQLITE_NOMEM;
  }
  *pzProblem = block_docs(iFirst, a, n, iPos, nPosting, aDoc, &iWeight);
  for (int i = 0; *pzProblem == 0 && i < nPosting; i++) {
    aPosting[i].iDoc = aDoc[i];
    aPosting[i].weight = papers_f32_get(a + iWeight + 4 * i);
  }
  sqlite3_free(aDoc);
  if (*pzProblem) {
    sqlite3_free(aPosting);
    return SQLITE_CORRUPT_VTAB;
  }
  *paPosting = aPosting;
  *pnPosting = nPosting;
  return SQLITE_OK;
}

/* Decodes the postings block of term id in a statement's columns iCol (its
** first document) and iCol + 1 (its bytes), read from shadow table T_zPart. */
static int block_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                      sqlite3_stmt *pStmt, int iCol, IndexPosting **paPosting,
                      int *pnPosting) {
  const char *zProblem = "it is not a BLOB";
  i64 iFirst = sqlite3_column_int64(pStmt, iCol);
  int rc = SQLITE_CORRUPT_VTAB;
  *paPosting = 0;
  *pnPosting = 0;
  if (sqlite3_column_type(pStmt, iCol) != SQLITE_INTEGER) {
    zProblem = "its first document is not an integer";
  } else if (sqlite3_column_type(pStmt, iCol + 1) == SQLITE_BLOB) {
    rc = index_block_decode(iFirst, sqlite3_column_blob(pStmt, iCol + 1),
                            sqlite3_column_bytes(pStmt, iCol + 1), paPosting, pnPosting,
                            &zProblem);
  }
  if (rc == SQLITE_CORRUPT_VTAB) {
    rc = store_corrupt(p, zPart, "the postings of term %lld from document %lld: %s",
                       (i64)id, iFirst, zProblem);
  }
  return rc;
}

/* Encodes postings a[0..n) (document order, n > 0) as a block; *paBlob is
** sqlite3_malloc'd. */
static int block_encode(const IndexPosting *a, int n, unsigned char **paBlob,
                        int *pnBlob) {
  unsigned char *aBlob = sqlite3_malloc64((sqlite3_uint64)n * 14 + 10);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  int nBlob = index_varint_put(aBlob, (sqlite3_uint64)n);
  for (int i = 0; i < n; i++) {
    nBlob += index_varint_put(
        aBlob + nBlob, (sqlite3_uint64)(a[i].iDoc - (i ? a[i - 1].iDoc : a[0].iDoc)));
  }
  for (int i = 0; i < n; i++)
    papers_f32_put(aBlob + nBlob + 4 * i, a[i].weight);
  assert(nBlob + 4 * n <= n * 14 + 10); /* what was allocated */
  *paBlob = aBlob;
  *pnBlob = nBlob + 4 * n;
  return SQLITE_OK;
}

/* Writes postings a[0..n) (document order) as the block keyed by a[0].iDoc. */
static int block_write(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n) {
  unsigned char *aBlob;
  int nBlob;
  sqlite3_stmt *pStmt;
  int rc = block_encode(a, n, &aBlob, &nBlob);
  if (rc != SQLITE_OK)
    return rc;
  rc = statement(p, STMT_BLOCK_PUT, &pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(aBlob);
    return rc;
  }
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, a[0].iDoc);
  sqlite3_bind_blob(pStmt, 3, aBlob, nBlob, sqlite3_free);
  return run(pStmt);
}

static int block_delete(IndexStore *p, sqlite3_uint64 id, i64 iFirst) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_BLOCK_DELETE, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, iFirst);
  return run(pStmt);
}

/* Loads the block of the term that holds iDoc, or would: the one with the
** largest first <= iDoc, else the term's first block. *pnPosting = 0 when
** the term has no block. The caller frees *paPosting. */
static int block_load(IndexStore *p, sqlite3_uint64 id, i64 iDoc, i64 *piFirst,
                      IndexPosting **paPosting, int *pnPosting) {
  sqlite3_stmt *pStmt;
  *paPosting = 0;
  *pnPosting = 0;
  int rc = statement(p, STMT_BLOCK_AT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, iDoc);
  int hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  if (!hasRow) {
    rc = sqlite3_reset(pStmt);
    if (rc != SQLITE_OK)
      return rc;
    rc = statement(p, STMT_BLOCK_FIRST, &pStmt);
    if (rc != SQLITE_OK)
      return rc;
    sqlite3_bind_int64(pStmt, 1, (i64)id);
    hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  if (hasRow) {
    *piFirst = sqlite3_column_int64(pStmt, 0);
    rc = block_from(p, "postings", id, pStmt, 0, paPosting, pnPosting);
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* Rewrites a loaded block after a change: deletes the old row when its key
** changed or it emptied, and splits it in two when it grew too large. */
static int block_store(IndexStore *p, sqlite3_uint64 id, i64 iOldFirst, int hadBlock,
                       const IndexPosting *a, int n) {
  int rc = SQLITE_OK;
  if (hadBlock && (n == 0 || a[0].iDoc != iOldFirst))
    rc = block_delete(p, id, iOldFirst);
  if (rc != SQLITE_OK || n == 0)
    return rc;
  if (n <= INDEX_BLOCK_MAX)
    return block_write(p, id, a, n);
  rc = block_write(p, id, a, n / 2);
  return rc == SQLITE_OK ? block_write(p, id, a + n / 2, n - n / 2) : rc;
}

/* Index in a (document order) where iDoc is or would go. */
static int posting_search(const IndexPosting *a, int n, i64 iDoc) {
  int iLo = 0, iHi = n;
  while (iLo < iHi) {
    int iMid = (iLo + iHi) / 2;
    if (a[iMid].iDoc < iDoc)
      iLo = iMid + 1;
    else
      iHi = iMid;
  }
  return iLo;
}

/* Postings a[0..n) with (iDoc, weight) put in its place (replacing iDoc's
** posting if there is one): a new sqlite3_malloc'd array of *pnNew. */
static IndexPosting *postings_with(const IndexPosting *a, int n, i64 iDoc, float weight,
                                   int *pnNew) {
  IndexPosting *aNew = sqlite3_malloc64(sizeof(IndexPosting) * (sqlite3_uint64)(n + 1));
  if (aNew == 0)
    return 0;
  int iAt = posting_search(a, n, iDoc);
  int iRest = iAt + (iAt < n && a[iAt].iDoc == iDoc);
  if (iAt > 0)
    memcpy(aNew, a, sizeof(IndexPosting) * (size_t)iAt);
  aNew[iAt].iDoc = iDoc;
  aNew[iAt].weight = weight;
  if (n > iRest)
    memcpy(aNew + iAt + 1, a + iRest, sizeof(IndexPosting) * (size_t)(n - iRest));
  *pnNew = iAt + 1 + n - iRest;
  return aNew;
}

/* Removes iDoc's posting from a[0..*pn), if it is there; *pIsFound says. */
static void postings_without(IndexPosting *a, int *pn, i64 iDoc, int *pIsFound) {
  int iAt = posting_search(a, *pn, iDoc);
  *pIsFound = iAt < *pn && a[iAt].iDoc == iDoc;
  if (*pIsFound) {
    memmove(a + iAt, a + iAt + 1, sizeof(IndexPosting) * (size_t)(*pn - iAt - 1));
    (*pn)--;
  }
}

static int posting_remove(IndexStore *p, sqlite3_uint64 id, i64 iDoc) {
  IndexPosting *a;
  int n, isFound;
  i64 iFirst = 0;
  int rc = block_load(p, id, iDoc, &iFirst, &a, &n);
  if (rc != SQLITE_OK)
    return rc;
  postings_without(a, &n, iDoc, &isFound);
  if (isFound)
    rc = block_store(p, id, iFirst, 1, a, n);
  sqlite3_free(a);
  return rc;
}

int index_store_postings_put(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a,
                             int n) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < n; i += INDEX_BLOCK_BUILD) {
    int nBlock = n - i < INDEX_BLOCK_BUILD ? n - i : INDEX_BLOCK_BUILD;
    rc = block_write(p, id, a + i, nBlock);
  }
  return rc;
}

/* Calls xPosting for each posting of the term's blocks, in document order. */
static int blocks_scan(IndexStore *p, sqlite3_uint64 id,
                       int (*xPosting)(void *, i64, float), void *pCtx) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_BLOCKS_OF_TERM, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 1);
    int n = sqlite3_column_bytes(pStmt, 1), nPosting = 0, iWeight = 0;
    i64 aDoc[INDEX_BLOCK_MAX];
    int iPos = sqlite3_column_type(pStmt, 0) == SQLITE_INTEGER &&
                       sqlite3_column_type(pStmt, 1) == SQLITE_BLOB
                   ? block_header(a, n, &nPosting)
                   : 0;
    if (iPos > 0 && nPosting <= INDEX_BLOCK_MAX &&
        block_docs(sqlite3_column_int64(pStmt, 0), a, n, iPos, nPosting, aDoc,
                   &iWeight) == 0) {
      /* the usual block: decoded in place, without an allocation */
      for (int i = 0; rc == SQLITE_OK && i < nPosting; i++)
        rc = xPosting(pCtx, aDoc[i], papers_f32_get(a + iWeight + 4 * i));
    } else {
      IndexPosting *aPosting;
      int nDecoded;
      rc = block_from(p, "postings", id, pStmt, 0, &aPosting, &nDecoded);
      for (int i = 0; rc == SQLITE_OK && i < nDecoded; i++)
        rc = xPosting(pCtx, aPosting[i].iDoc, aPosting[i].weight);
      sqlite3_free(aPosting);
    }
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* ---- the pending level -------------------------------------------------- */

/* What was indexed since the last merge: per term, its vocabulary row as it
** is now (a copy of T_vocab's, changed) and the postings added since (a block
** in its own row, with its first document). A write reads and writes one row
** of this small table per term, where it would touch a vocabulary page and a
** postings page of the large ones; reads see both levels. */

/* A term as a write finds it, and leaves it to the pending level. */
typedef struct PendingTerm {
  sqlite3_uint64 id;
  VocabRow row;
  IndexPosting *aPosting; /* its pending postings, sqlite3_malloc'd */
  int nPosting;
  int toPending; /* to be written to the pending level */
} PendingTerm;

static int term_read(IndexStore *p, sqlite3_uint64 id, PendingTerm *pTerm) {
  memset(pTerm, 0, sizeof(*pTerm));
  pTerm->id = id;
  return vocab_read(p, id, &pTerm->row, 1, &pTerm->aPosting, &pTerm->nPosting);
}

static int pending_write(IndexStore *p, sqlite3_uint64 id, const PendingTerm *pTerm) {
  unsigned char *aBlob = 0;
  int nBlob = 0;
  sqlite3_stmt *pStmt;
  int rc = pTerm->nPosting > 0
               ? block_encode(pTerm->aPosting, pTerm->nPosting, &aBlob, &nBlob)
               : SQLITE_OK;
  if (rc == SQLITE_OK)
    rc = statement(p, STMT_PENDING_PUT, &pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(aBlob);
    return rc;
  }
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, pTerm->row.df);
  sqlite3_bind_text(pStmt, 3, pTerm->row.zSurface, pTerm->row.nSurface, SQLITE_STATIC);
  sqlite3_bind_int64(pStmt, 4, pTerm->row.nVote);
  sqlite3_bind_double(pStmt, 5, pTerm->row.maxWeight);
  if (pTerm->nPosting > 0) {
    sqlite3_bind_int64(pStmt, 6, pTerm->aPosting[0].iDoc);
    sqlite3_bind_blob(pStmt, 7, aBlob, nBlob, sqlite3_free);
  }
  rc = run(pStmt);
  sqlite3_clear_bindings(pStmt);
  return rc;
}

/* Frees what a term read or prepared owns (its surface form, its postings). */
static void term_clear(PendingTerm *pTerm) {
  sqlite3_free(pTerm->row.zOwned);
  sqlite3_free(pTerm->aPosting);
}

static void pending_free(PendingTerm *aTerm, int nTerm) {
  for (int i = 0; aTerm && i < nTerm; i++)
    term_clear(&aTerm[i]);
  sqlite3_free(aTerm);
}

/* The pending postings the configuration counts (not those of the buffer). */
static int config_get_pending(IndexStore *p, i64 *pnPosting) {
  double value;
  int rc = config_get(p, "pending", 1, 0, INDEX_MAX_PENDING_COUNT, &value);
  *pnPosting = (i64)value;
  return rc;
}

int index_store_pending_count(IndexStore *p, i64 *pnPosting) {
  int rc = config_get_pending(p, pnPosting);
  *pnPosting += p->buffer.nAdded;
  return rc;
}

/* Adds nDelta to the configuration's count of pending postings. */
static int pending_count_add(IndexStore *p, i64 nDelta) {
  i64 nPosting = 0;
  if (nDelta == 0)
    return SQLITE_OK;
  int rc = config_get_pending(p, &nPosting);
  return rc == SQLITE_OK ? config_set(p, "pending", (double)(nPosting + nDelta), 1) : rc;
}

/* Writes the terms bound for the pending level, and adds nDelta to the
** count of pending postings. */
static int pending_write_all(IndexStore *p, const PendingTerm *aTerm, int nTerm,
                             i64 nDelta) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    if (aTerm[i].toPending)
      rc = pending_write(p, aTerm[i].id, &aTerm[i]);
  }
  return rc == SQLITE_OK ? pending_count_add(p, nDelta) : rc;
}

/* Counts one more document in a term, with its vote for the term's surface
** form (Boyer-Moore majority). */
static void count_in(VocabRow *pRow, const PapersCount *pCount) {
  int isSame = pRow->zSurface && pRow->nSurface == pCount->nSurface &&
               memcmp(pRow->zSurface, pCount->zSurface, (size_t)pRow->nSurface) == 0;
  pRow->df++;
  if (isSame) {
    pRow->nVote++;
  } else if (pRow->nVote > 0) {
    pRow->nVote--;
  } else {
    pRow->zSurface = pCount->zSurface;
    pRow->nSurface = pCount->nSurface;
    pRow->nVote = 1;
  }
}

static int postings_merge(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n);

/* ---- the write buffer ------------------------------------------------------
**
** Additions do not write the pending level at once: the terms they read stay
** in memory (their rows, pending postings and latent rows) until a flush
** writes each once, in id order. A digest of a hundred papers thus reads and
** writes each of its distinct terms once instead of once per paper. The
** virtual table flushes before anything reads the index (queries, commands,
** removals, the statistics of `[, index]` arguments), at each savepoint and
** before commit, and drops the buffer on rollback; a flush also comes when
** the buffer holds INDEX_BUFFER_TERMS terms.
**
** An addition reads and prepares everything first (its terms, their latent
** rows, the new rows and postings: add_read, add_count, add_postings), and
** only then changes the buffer (add_apply), where nothing but a term's merge
** into its blocks can fail. If one does, the buffer is broken: flushes and
** additions fail until the transaction is rolled back, so that no half-made
** addition is ever committed.
**
** An SQL statement that fails for want of memory (or with an I/O error)
** inside a write may roll the whole transaction back at once, calling the
** table's xRollback, which drops the buffer: after an SQL error, nothing here
** touches the buffer again. */

struct BufferedTerm {
  PendingTerm term; /* its row and pending postings as the additions left them */
  float *aLatent;   /* its latent projection row; 0: none, or not read yet */
  int isLatentRead;
};

static void buffer_discard(WriteBuffer *pBuffer) {
  for (int i = 0; i < pBuffer->nTerm; i++) {
    term_clear(&pBuffer->aTerm[i].term);
    sqlite3_free(pBuffer->aTerm[i].aLatent);
  }
  sqlite3_free(pBuffer->aTerm);
  papers_idmap_free(pBuffer->pSlots);
  memset(pBuffer, 0, sizeof(*pBuffer));
}

void index_store_discard(IndexStore *p) {
  buffer_discard(&p->buffer);
}

/* The place of a term in the buffer, read (pending level, else vocabulary)
** when it is not there yet. A term is only added once read: the buffer
** never holds a half-read one. */
static int buffer_term(IndexStore *p, sqlite3_uint64 id, int *piSlot) {
  WriteBuffer *pBuffer = &p->buffer;
  int iSlot = pBuffer->pSlots ? papers_idmap_find(pBuffer->pSlots, id) : -1;
  if (iSlot >= 0) {
    *piSlot = iSlot;
    return SQLITE_OK;
  }
  PendingTerm term;
  int isNew, rc = term_read(p, id, &term);
  if (rc == SQLITE_OK && pBuffer->pSlots == 0) {
    pBuffer->pSlots = papers_idmap_new();
    rc = pBuffer->pSlots ? SQLITE_OK : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    rc = papers_grow_array((void **)&pBuffer->aTerm, sizeof(BufferedTerm),
                           pBuffer->nTerm + 1, &pBuffer->nTermAlloc);
  }
  if (rc == SQLITE_OK)
    rc = papers_idmap_get(pBuffer->pSlots, id, piSlot, &isNew);
  if (rc != SQLITE_OK) {
    term_clear(&term);
    return rc;
  }
  memset(&pBuffer->aTerm[*piSlot], 0, sizeof(BufferedTerm));
  pBuffer->aTerm[*piSlot].term = term;
  pBuffer->nTerm++;
  return SQLITE_OK;
}

/* A buffered term's latent projection row (0: none), read on first use. */
static int buffer_latent(IndexStore *p, BufferedTerm *pTerm, int nDim) {
  if (pTerm->isLatentRead)
    return SQLITE_OK;
  int rc = latent_row_load(p, pTerm->term.id, nDim, &pTerm->aLatent);
  if (rc == SQLITE_OK) /* else the buffer may be gone */
    pTerm->isLatentRead = 1;
  return rc;
}

static int compare_slot_id(const void *pA, const void *pB) {
  const BufferedTerm *a = *(BufferedTerm *const *)pA, *b = *(BufferedTerm *const *)pB;
  return (a->term.id > b->term.id) - (a->term.id < b->term.id);
}

int index_store_flush(IndexStore *p) {
  WriteBuffer *pBuffer = &p->buffer;
  if (pBuffer->isBroken)
    return SQLITE_ERROR;
  if (pBuffer->nTerm == 0)
    return SQLITE_OK;
  BufferedTerm **apOrder =
      sqlite3_malloc64(sizeof(BufferedTerm *) * (sqlite3_uint64)pBuffer->nTerm);
  if (apOrder == 0)
    return SQLITE_NOMEM;
  for (int i = 0; i < pBuffer->nTerm; i++)
    apOrder[i] = &pBuffer->aTerm[i];
  qsort(apOrder, (size_t)pBuffer->nTerm, sizeof(BufferedTerm *), compare_slot_id);
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < pBuffer->nTerm; i++)
    rc = pending_write(p, apOrder[i]->term.id, &apOrder[i]->term);
  sqlite3_free(apOrder);
  if (rc == SQLITE_OK)
    rc = pending_count_add(p, pBuffer->nAdded);
  if (rc == SQLITE_OK)
    buffer_discard(pBuffer);
  return rc;
}

int index_store_is_broken(IndexStore *p) {
  return p->buffer.isBroken;
}

/* What one addition does to a buffered term, prepared before the buffer is
** changed: then only a merge (SQL) can fail once changing has begun. */
typedef struct TermChange {
  VocabRow row;           /* the term's row, the document counted in */
  char *zSurface;         /* a copy of its new surface form, when the vote changed it */
  IndexPosting *aPosting; /* its pending postings with the document's */
  int nPosting;
} TermChange;

static void changes_free(TermChange *aChange, int nChange) {
  for (int i = 0; aChange && i < nChange; i++) {
    sqlite3_free(aChange[i].zSurface);
    sqlite3_free(aChange[i].aPosting);
  }
  sqlite3_free(aChange);
}

/* Reads every term of a document into the buffer, with its latent row. The
** buffer only gains terms as they are stored: a failure leaves it whole. */
static int add_read(IndexStore *p, const PapersCount *aCount, int nCount, int nDim,
                    int *aiSlot) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++)
    rc = buffer_term(p, aCount[i].id, &aiSlot[i]);
  for (int i = 0; rc == SQLITE_OK && nDim > 0 && i < nCount; i++)
    rc = buffer_latent(p, &p->buffer.aTerm[aiSlot[i]], nDim);
  return rc;
}

/* Counts the document into a copy of each term's row, with its idf. */
static int add_count(IndexStore *p, const PapersCount *aCount, int nCount, i64 nDoc,
                     const int *aiSlot, TermChange *aChange, double *aIdf) {
  for (int i = 0; i < nCount; i++) {
    const VocabRow *pRow = &p->buffer.aTerm[aiSlot[i]].term.row;
    TermChange *pChange = &aChange[i];
    pChange->row = *pRow;
    count_in(&pChange->row, &aCount[i]);
    aIdf[i] = index_idf(nDoc, pChange->row.df);
    if (pChange->row.zSurface == pRow->zSurface)
      continue;
    pChange->zSurface =
        sqlite3_mprintf("%.*s", pChange->row.nSurface, pChange->row.zSurface);
    if (pChange->zSurface == 0)
      return SQLITE_NOMEM;
    pChange->row.zSurface = pChange->zSurface;
  }
  return SQLITE_OK;
}

/* Files the document's postings into copies of its terms' pending postings,
** raising their largest weights. */
static int add_postings(IndexStore *p, i64 iDoc, const PapersVector *pVec, int nCount,
                        const int *aiSlot, TermChange *aChange) {
  for (int i = 0; i < nCount; i++) {
    const PendingTerm *pTerm = &p->buffer.aTerm[aiSlot[i]].term;
    float weight = pVec->aWeight[i];
    aChange[i].aPosting = postings_with(pTerm->aPosting, pTerm->nPosting, iDoc, weight,
                                        &aChange[i].nPosting);
    if (aChange[i].aPosting == 0)
      return SQLITE_NOMEM;
    if ((double)weight > aChange[i].row.maxWeight)
      aChange[i].row.maxWeight = (double)weight;
  }
  return SQLITE_OK;
}

/* Puts a prepared change into a buffered term (taking its allocations). A
** term whose pending postings reach INDEX_PENDING_TERM has them merged into
** its blocks at once (its row stays pending): so no write rewrites more than
** that many of a term's postings, and frequent terms do not wait for the
** merge of the whole level. */
static int add_apply(IndexStore *p, PendingTerm *pTerm, TermChange *pChange) {
  if (pChange->zSurface) {
    sqlite3_free(pTerm->row.zOwned);
    pChange->row.zOwned = pChange->zSurface;
    pChange->zSurface = 0;
  }
  pTerm->row = pChange->row;
  p->buffer.nAdded += pChange->nPosting - pTerm->nPosting;
  sqlite3_free(pTerm->aPosting);
  pTerm->aPosting = pChange->aPosting;
  pTerm->nPosting = pChange->nPosting;
  pChange->aPosting = 0;
  if (pTerm->nPosting < INDEX_PENDING_TERM)
    return SQLITE_OK;
  int rc = postings_merge(p, pTerm->id, pTerm->aPosting, pTerm->nPosting);
  if (rc == SQLITE_OK) { /* else the buffer may be gone (see above) */
    p->buffer.nAdded -= pTerm->nPosting;
    pTerm->nPosting = 0;
  }
  return rc;
}

int index_store_add(IndexStore *p, i64 iDoc, const PapersCount *aCount, int nCount,
                    PapersVector *pVec) {
  int *aiSlot = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nCount + 1));
  double *aIdf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nCount + 1));
  float **apRow = sqlite3_malloc64(sizeof(float *) * (sqlite3_uint64)(nCount + 1));
  TermChange *aChange =
      sqlite3_malloc64(sizeof(TermChange) * (sqlite3_uint64)(nCount + 1));
  i64 nDoc = 0;
  int nDim = 0;
  double weight = 0;
  memset(pVec, 0, sizeof(*pVec));
  int rc = aiSlot && aIdf && apRow && aChange ? SQLITE_OK : SQLITE_NOMEM;
  if (aChange)
    memset(aChange, 0, sizeof(TermChange) * (size_t)(nCount + 1));
  if (rc == SQLITE_OK && p->buffer.isBroken)
    rc = SQLITE_ERROR;
  if (rc == SQLITE_OK && p->buffer.nTerm >= INDEX_BUFFER_TERMS)
    rc = index_store_flush(p);
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(p, &nDoc);
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(p, &nDim, &weight);
  if (rc == SQLITE_OK)
    rc = add_read(p, aCount, nCount, nDim, aiSlot);
  if (rc == SQLITE_OK)
    rc = add_count(p, aCount, nCount, nDoc, aiSlot, aChange, aIdf);
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++)
    apRow[i] = p->buffer.aTerm[aiSlot[i]].aLatent;
  if (rc == SQLITE_OK)
    rc = weigh(aCount, nCount, aIdf, nDim, weight, apRow, pVec);
  if (rc == SQLITE_OK)
    rc = add_postings(p, iDoc, pVec, nCount, aiSlot, aChange);
  /* from here on the buffer changes: a failure breaks it */
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    rc = add_apply(p, &p->buffer.aTerm[aiSlot[i]].term, &aChange[i]);
    if (rc != SQLITE_OK && p->buffer.aTerm)
      p->buffer.isBroken = 1;
  }
  changes_free(aChange, nCount);
  sqlite3_free(aiSlot);
  sqlite3_free(aIdf);
  sqlite3_free(apRow);
  return rc;
}

/* One document fewer in a term's row (df 0: the term is gone, and its
** largest weight starts again from 0 when it comes back). */
static void count_out(VocabRow *pRow) {
  pRow->df--;
  if (pRow->nVote > pRow->df)
    pRow->nVote = pRow->df;
  if (pRow->df == 0)
    pRow->maxWeight = 0;
}

/* Takes one document out of a term: its posting from the pending level when
** it is there, else from the blocks; and one document out of its row, which
** is rewritten where it was read from (the pending level, or T_vocab). */
static int take_out(IndexStore *p, i64 iDoc, PendingTerm *pTerm, i64 *pnRemoved) {
  int isPending;
  postings_without(pTerm->aPosting, &pTerm->nPosting, iDoc, &isPending);
  *pnRemoved += isPending;
  int rc = isPending ? SQLITE_OK : posting_remove(p, pTerm->id, iDoc);
  int isKnown = pTerm->row.df > 0; /* else already gone: integrity-check says */
  if (isKnown)
    count_out(&pTerm->row);
  pTerm->toPending = pTerm->row.isPending;
  if (rc == SQLITE_OK && isKnown && !pTerm->row.isPending)
    rc = vocab_write_main(p, pTerm->id, &pTerm->row);
  return rc;
}

int index_store_remove(IndexStore *p, i64 iDoc, const PapersVector *pVec) {
  int rc = index_store_flush(p);
  if (rc != SQLITE_OK)
    return rc;
  int nWord = 0;
  while (nWord < pVec->nTerm && !papers_is_latent_id(pVec->aId[nWord]))
    nWord++;
  PendingTerm *aTerm =
      sqlite3_malloc64(sizeof(PendingTerm) * (sqlite3_uint64)(nWord + 1));
  i64 nRemoved = 0;
  int nRead = 0;
  rc = aTerm ? SQLITE_OK : SQLITE_NOMEM;
  for (; rc == SQLITE_OK && nRead < nWord; nRead++) {
    rc = term_read(p, pVec->aId[nRead], &aTerm[nRead]);
    if (rc == SQLITE_OK)
      rc = take_out(p, iDoc, &aTerm[nRead], &nRemoved);
  }
  if (rc == SQLITE_OK)
    rc = pending_write_all(p, aTerm, nWord, -nRemoved);
  pending_free(aTerm, nRead);
  return rc;
}

/* Interleaves a term's pending postings with those of its blocks (no
** document is in both), in document order. */
typedef struct MergedScan {
  const IndexPosting *aPending;
  int nPending, iNext;
  int (*xPosting)(void *, i64, float);
  void *pCtx;
} MergedScan;

/* Passes on the pending postings of documents before iDoc. */
static int merged_pending_before(MergedScan *p, i64 iDoc) {
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && p->iNext < p->nPending && p->aPending[p->iNext].iDoc < iDoc) {
    rc = p->xPosting(p->pCtx, p->aPending[p->iNext].iDoc, p->aPending[p->iNext].weight);
    p->iNext++;
  }
  return rc;
}

/* Passes on the pending postings left once the blocks are read. */
static int merged_pending_rest(MergedScan *p) {
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && p->iNext < p->nPending) {
    rc = p->xPosting(p->pCtx, p->aPending[p->iNext].iDoc, p->aPending[p->iNext].weight);
    p->iNext++;
  }
  return rc;
}

static int merged_posting(void *pCtx, i64 iDoc, float weight) {
  MergedScan *p = pCtx;
  int rc = merged_pending_before(p, iDoc);
  return rc == SQLITE_OK ? p->xPosting(p->pCtx, iDoc, weight) : rc;
}

int index_store_postings_scan(IndexStore *p, sqlite3_uint64 id,
                              int (*xPosting)(void *, i64, float), void *pCtx) {
  IndexPosting *aPending = 0;
  int nPending = 0;
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_PENDING_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  if (sqlite3_step(pStmt) == SQLITE_ROW)
    rc = pending_postings_from(p, id, pStmt, 4, &aPending, &nPending);
  int rcReset = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc == SQLITE_OK && nPending == 0)
    return blocks_scan(p, id, xPosting, pCtx);
  MergedScan scan = {aPending, nPending, 0, xPosting, pCtx};
  if (rc == SQLITE_OK)
    rc = blocks_scan(p, id, merged_posting, &scan);
  if (rc == SQLITE_OK)
    rc = merged_pending_rest(&scan);
  sqlite3_free(aPending);
  return rc;
}

int index_store_postings_all(IndexStore *p, sqlite3_stmt **ppStmt) {
  char *zSql = sqlite3_mprintf("SELECT term, first, data, 0 FROM \"%w\".\"%w_postings\""
                               " UNION ALL SELECT term, first, postings, 1"
                               " FROM \"%w\".\"%w_pending\" WHERE postings IS NOT NULL",
                               p->zDb, p->zName, p->zDb, p->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(p->db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  return rc;
}

/* ---- merging a run of postings into a term's blocks ------------------------ */

/* One block of a term, loaded for a run of postings to add in document order,
** and the blocks it becomes: what adding them one at a time in that order
** would make of it (a posting joins the block with the largest first <= its
** document, else the term's first block; a block of more than
** INDEX_BLOCK_MAX postings is split in halves), with one read and one write
** per block. Papers that came in rowid order, as digests do, get the blocks
** that writing them straight into T_postings made. */
typedef struct BlockRun {
  i64 iOldFirst; /* the loaded block's key */
  int hadBlock;
  /* the key of the term's next block, if it has one: postings of documents
  ** from there on belong to another run */
  i64 iNextFirst;
  int hasNext;
  IndexPosting *a; /* the run's postings, in document order */
  int n;
  int *aStart; /* where each of its blocks starts in a (aStart[0] = 0) */
  int nBlock;
} BlockRun;

static void run_free(BlockRun *pRun) {
  sqlite3_free(pRun->a);
  sqlite3_free(pRun->aStart);
}

/* The key of the term's first block after iFirst, if it has one. */
static int block_next(IndexStore *p, sqlite3_uint64 id, i64 iFirst, i64 *piNext,
                      int *pHasNext) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_BLOCK_NEXT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, iFirst);
  *pHasNext = sqlite3_step(pStmt) == SQLITE_ROW;
  if (*pHasNext)
    *piNext = sqlite3_column_int64(pStmt, 0);
  return sqlite3_reset(pStmt);
}

/* Loads the block that iDoc goes to, with room for nAdd more postings. */
static int run_open(IndexStore *p, sqlite3_uint64 id, i64 iDoc, int nAdd,
                    BlockRun *pRun) {
  IndexPosting *aOld;
  int nOld;
  memset(pRun, 0, sizeof(*pRun));
  int rc = block_load(p, id, iDoc, &pRun->iOldFirst, &aOld, &nOld);
  pRun->hadBlock = nOld > 0;
  if (rc == SQLITE_OK && pRun->hadBlock)
    rc = block_next(p, id, pRun->iOldFirst, &pRun->iNextFirst, &pRun->hasNext);
  sqlite3_uint64 nMost = (sqlite3_uint64)nOld + (sqlite3_uint64)nAdd;
  if (rc == SQLITE_OK) {
    pRun->a = sqlite3_malloc64(sizeof(IndexPosting) * (nMost + 1));
    pRun->aStart = sqlite3_malloc64(sizeof(int) * (nMost / (INDEX_BLOCK_MAX / 2) + 2));
    if (pRun->a == 0 || pRun->aStart == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    if (nOld > 0)
      memcpy(pRun->a, aOld, sizeof(IndexPosting) * (size_t)nOld);
    pRun->n = nOld;
    pRun->aStart[0] = 0;
    pRun->nBlock = 1;
  }
  sqlite3_free(aOld);
  return rc;
}

/* Adds one posting (its document not before the previous one's). */
static void run_add(BlockRun *pRun, i64 iDoc, float weight) {
  int j = pRun->nBlock - 1;
  while (j > 0 && pRun->a[pRun->aStart[j]].iDoc > iDoc)
    j--;
  int iStart = pRun->aStart[j];
  int iEnd = j + 1 < pRun->nBlock ? pRun->aStart[j + 1] : pRun->n;
  int iAt = iStart + posting_search(pRun->a + iStart, iEnd - iStart, iDoc);
  if (iAt < iEnd && pRun->a[iAt].iDoc == iDoc) {
    pRun->a[iAt].weight = weight;
    return;
  }
  memmove(pRun->a + iAt + 1, pRun->a + iAt,
          sizeof(IndexPosting) * (size_t)(pRun->n - iAt));
  pRun->a[iAt].iDoc = iDoc;
  pRun->a[iAt].weight = weight;
  pRun->n++;
  for (int k = j + 1; k < pRun->nBlock; k++)
    pRun->aStart[k]++;
  int nInBlock = iEnd + 1 - iStart;
  if (nInBlock > INDEX_BLOCK_MAX) { /* block j splits in halves */
    memmove(pRun->aStart + j + 2, pRun->aStart + j + 1,
            sizeof(int) * (size_t)(pRun->nBlock - j - 1));
    pRun->aStart[j + 1] = iStart + nInBlock / 2;
    pRun->nBlock++;
  }
}

/* Writes the run's blocks, deleting the loaded block's row if its key changed. */
static int run_flush(IndexStore *p, sqlite3_uint64 id, const BlockRun *pRun) {
  int rc = SQLITE_OK;
  if (pRun->hadBlock && pRun->a[0].iDoc != pRun->iOldFirst)
    rc = block_delete(p, id, pRun->iOldFirst);
  for (int k = 0; rc == SQLITE_OK && k < pRun->nBlock; k++) {
    int iEnd = k + 1 < pRun->nBlock ? pRun->aStart[k + 1] : pRun->n;
    rc = block_write(p, id, pRun->a + pRun->aStart[k], iEnd - pRun->aStart[k]);
  }
  return rc;
}

/* Adds a term's postings a[0..n) (document order) to its blocks. */
static int postings_merge(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a,
                          int n) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < n;) {
    BlockRun run;
    rc = run_open(p, id, a[i].iDoc, n - i, &run);
    /* the first posting always goes to this run: its block's next starts after it */
    for (; rc == SQLITE_OK && i < n && (!run.hasNext || a[i].iDoc < run.iNextFirst); i++)
      run_add(&run, a[i].iDoc, a[i].weight);
    if (rc == SQLITE_OK)
      rc = run_flush(p, id, &run);
    run_free(&run);
  }
  return rc;
}

/* Moves one term's pending row (pRow: df, surface, votes, maxw, first,
** postings, term) into the vocabulary and the blocks. */
static int merge_term(IndexStore *p, sqlite3_stmt *pRow) {
  sqlite3_uint64 id = (sqlite3_uint64)sqlite3_column_int64(pRow, 6);
  VocabRow row;
  IndexPosting *a = 0;
  int n = 0;
  memset(&row, 0, sizeof(row));
  int rc = vocab_row_from(p, "pending", id, pRow, &row, 1);
  if (rc == SQLITE_OK)
    rc = vocab_write_main(p, id, &row);
  if (rc == SQLITE_OK)
    rc = pending_postings_from(p, id, pRow, 4, &a, &n);
  if (rc == SQLITE_OK && n > 0)
    rc = postings_merge(p, id, a, n);
  sqlite3_free(row.zOwned);
  sqlite3_free(a);
  return rc;
}

int index_store_merge(IndexStore *p) {
  sqlite3_stmt *pAll, *pClear;
  int rc = index_store_flush(p);
  if (rc == SQLITE_OK)
    rc = statement(p, STMT_PENDING_ALL, &pAll);
  if (rc != SQLITE_OK)
    return rc;
  while (rc == SQLITE_OK && sqlite3_step(pAll) == SQLITE_ROW)
    rc = merge_term(p, pAll);
  int rcReset = sqlite3_reset(pAll);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc == SQLITE_OK)
    rc = statement(p, STMT_PENDING_CLEAR, &pClear);
  if (rc == SQLITE_OK)
    rc = run(pClear);
  return rc == SQLITE_OK ? config_set(p, "pending", 0, 1) : rc;
}

/* ---- dense latent blocks ------------------------------------------------ */

void index_dense_quantize(const float *aValue, int nDim, signed char *aCode,
                          float *pScale, float *pErr) {
  double largest = 0;
  for (int k = 0; k < nDim; k++) {
    double v = aValue[k] < 0 ? -(double)aValue[k] : (double)aValue[k];
    if (v > largest)
      largest = v;
  }
  float scale = (float)(largest / 127);
  double sumSquares = 0;
  for (int k = 0; k < nDim; k++) {
    double c = scale > 0 ? (double)aValue[k] / (double)scale : 0;
    c = c < 0 ? -(double)(i64)(0.5 - c) : (double)(i64)(c + 0.5); /* round half away */
    if (c > 127)
      c = 127;
    if (c < -127)
      c = -127;
    aCode[k] = (signed char)c;
    double r = (double)aValue[k] - c * (double)scale;
    sumSquares += r * r;
  }
  *pScale = scale;
  /* rounded up, so that it bounds the error whatever the float rounding */
  *pErr = sumSquares > 0 ? (float)(sqrt(sumSquares) * (1 + 1e-6) + 1e-12) : 0.0f;
}

static int dense_alloc(IndexDenseBlock *pBlock, int n, int nDim) {
  memset(pBlock, 0, sizeof(*pBlock));
  size_t nByte = (sizeof(i64) + 2 * sizeof(float) + (size_t)nDim) * (size_t)(n + 1);
  char *a = sqlite3_malloc64(nByte);
  if (a == 0)
    return SQLITE_NOMEM;
  pBlock->aDoc = (i64 *)a;
  pBlock->aScale = (float *)(pBlock->aDoc + n + 1);
  pBlock->aErr = pBlock->aScale + n + 1;
  pBlock->aCode = (signed char *)(pBlock->aErr + n + 1);
  pBlock->n = n;
  pBlock->nDim = nDim;
  return SQLITE_OK;
}

void index_dense_free(IndexDenseBlock *pBlock) {
  sqlite3_free(pBlock->aDoc);
  memset(pBlock, 0, sizeof(*pBlock));
}

int index_dense_decode(i64 iFirst, const unsigned char *a, int n, int nDim,
                       IndexDenseBlock *pBlock, const char **pzProblem) {
  sqlite3_uint64 nDoc;
  int iPos = index_varint_get(a, n, &nDoc);
  memset(pBlock, 0, sizeof(*pBlock));
  assert(nDim >= 0 && nDim <= PAPERS_MAX_LATENT);
  *pzProblem = "its count of documents is malformed";
  if (iPos == 0 || nDoc == 0 || nDoc > (sqlite3_uint64)n)
    return SQLITE_CORRUPT_VTAB;
  int rc = dense_alloc(pBlock, (int)nDoc, nDim);
  if (rc != SQLITE_OK)
    return rc;
  i64 iDoc = iFirst;
  *pzProblem = 0;
  for (int i = 0; *pzProblem == 0 && i < pBlock->n; i++) {
    sqlite3_uint64 delta = 0;
    int nByte = index_varint_get(a + iPos, n - iPos, &delta);
    if (nByte == 0)
      *pzProblem = "a document id is cut short";
    else if ((i == 0 && delta != 0) || (i > 0 && delta == 0))
      *pzProblem = "its document ids do not start at its first and increase";
    else if (!doc_id_fits(iDoc, delta))
      *pzProblem = "a document id is out of range";
    if (*pzProblem)
      break;
    iPos += nByte;
    iDoc += (i64)delta;
    pBlock->aDoc[i] = iDoc;
  }
  if (*pzProblem == 0 && (i64)(n - iPos) != (i64)pBlock->n * (8 + nDim))
    *pzProblem =
        "its size does not match its count of documents and the latent dimensions";
  for (int i = 0; *pzProblem == 0 && i < pBlock->n; i++) {
    const unsigned char *aRow = a + iPos + (i64)i * (8 + nDim);
    pBlock->aScale[i] = papers_f32_get(aRow);
    pBlock->aErr[i] = papers_f32_get(aRow + 4);
    memcpy(pBlock->aCode + (i64)i * nDim, aRow + 8, (size_t)nDim);
    if (!(pBlock->aScale[i] >= 0 && pBlock->aScale[i] <= INDEX_MAX_WEIGHT &&
          pBlock->aErr[i] >= 0 && pBlock->aErr[i] <= INDEX_MAX_WEIGHT))
      *pzProblem = "a scale or an error bound is not a number from 0 to 1";
  }
  if (*pzProblem) {
    index_dense_free(pBlock);
    return SQLITE_CORRUPT_VTAB;
  }
  return SQLITE_OK;
}

/* Decodes the dense block in a statement's columns 0 (its first document)
** and 1 (its bytes). */
static int dense_from(IndexStore *p, sqlite3_stmt *pStmt, int nDim,
                      IndexDenseBlock *pBlock) {
  const char *zProblem = "it is not a BLOB";
  i64 iFirst = sqlite3_column_int64(pStmt, 0);
  int rc = SQLITE_CORRUPT_VTAB;
  memset(pBlock, 0, sizeof(*pBlock));
  if (sqlite3_column_type(pStmt, 0) != SQLITE_INTEGER) {
    zProblem = "its first document is not an integer";
  } else if (sqlite3_column_type(pStmt, 1) == SQLITE_BLOB) {
    rc = index_dense_decode(iFirst, sqlite3_column_blob(pStmt, 1),
                            sqlite3_column_bytes(pStmt, 1), nDim, pBlock, &zProblem);
  }
  if (rc == SQLITE_CORRUPT_VTAB) {
    rc = store_corrupt(p, "dense", "the block from document %lld: %s", iFirst, zProblem);
  }
  return rc;
}

/* Writes documents [iFrom, iTo) of a block as one row keyed by the first. */
static int dense_write(IndexStore *p, const IndexDenseBlock *pBlock, int iFrom, int iTo) {
  int nDim = pBlock->nDim;
  unsigned char *aBlob =
      sqlite3_malloc64((sqlite3_uint64)(iTo - iFrom) * (18 + nDim) + 10);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  int nBlob = index_varint_put(aBlob, (sqlite3_uint64)(iTo - iFrom));
  for (int i = iFrom; i < iTo; i++) {
    nBlob += index_varint_put(
        aBlob + nBlob,
        (sqlite3_uint64)(pBlock->aDoc[i] - pBlock->aDoc[i > iFrom ? i - 1 : iFrom]));
  }
  for (int i = iFrom; i < iTo; i++) {
    papers_f32_put(aBlob + nBlob, pBlock->aScale[i]);
    papers_f32_put(aBlob + nBlob + 4, pBlock->aErr[i]);
    memcpy(aBlob + nBlob + 8, pBlock->aCode + (i64)i * nDim, (size_t)nDim);
    nBlob += 8 + nDim;
  }
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_DENSE_PUT, &pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(aBlob);
    return rc;
  }
  sqlite3_bind_int64(pStmt, 1, pBlock->aDoc[iFrom]);
  sqlite3_bind_blob(pStmt, 2, aBlob, nBlob, sqlite3_free);
  return run(pStmt);
}

int index_store_dense_put(IndexStore *p, const IndexDenseBlock *pBlock) {
  return pBlock->n > 0 ? dense_write(p, pBlock, 0, pBlock->n) : SQLITE_OK;
}

/* Loads the dense block that holds iDoc, or would (as block_load does for
** postings); pBlock->n == 0 when there is none. */
static int dense_load(IndexStore *p, i64 iDoc, int nDim, i64 *piFirst,
                      IndexDenseBlock *pBlock) {
  sqlite3_stmt *pStmt;
  memset(pBlock, 0, sizeof(*pBlock));
  int rc = statement(p, STMT_DENSE_AT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  int hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  if (!hasRow) {
    rc = sqlite3_reset(pStmt);
    if (rc == SQLITE_OK)
      rc = statement(p, STMT_DENSE_FIRST, &pStmt);
    if (rc != SQLITE_OK)
      return rc;
    hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  if (hasRow) {
    *piFirst = sqlite3_column_int64(pStmt, 0);
    rc = dense_from(p, pStmt, nDim, pBlock);
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* Stores a changed block: drops the old row when its key changed or it
** emptied, splits it when it grew past INDEX_DENSE_MAX. */
static int dense_store(IndexStore *p, i64 iOldFirst, int hadBlock,
                       const IndexDenseBlock *pBlock) {
  int rc = SQLITE_OK, n = pBlock->n;
  if (hadBlock && (n == 0 || pBlock->aDoc[0] != iOldFirst)) {
    sqlite3_stmt *pStmt;
    rc = statement(p, STMT_DENSE_DELETE, &pStmt);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(pStmt, 1, iOldFirst);
      rc = run(pStmt);
    }
  }
  if (rc != SQLITE_OK || n == 0)
    return rc;
  if (n <= INDEX_DENSE_MAX)
    return dense_write(p, pBlock, 0, n);
  rc = dense_write(p, pBlock, 0, n / 2);
  return rc == SQLITE_OK ? dense_write(p, pBlock, n / 2, n) : rc;
}

/* The latent values of a vector (dimensions [0, nDim), 0 when absent). */
static void latent_values(const PapersVector *pVec, int nDim, float *aValue) {
  memset(aValue, 0, sizeof(float) * (size_t)nDim);
  for (int i = 0; i < pVec->nTerm; i++) {
    if (!papers_is_latent_id(pVec->aId[i]))
      continue;
    sqlite3_uint64 k = pVec->aId[i] - PAPERS_LATENT_ID;
    if (k < (sqlite3_uint64)nDim)
      aValue[k] = pVec->aWeight[i];
  }
}

int index_store_dense_add(IndexStore *p, i64 iDoc, const PapersVector *pVec, int nDim) {
  IndexDenseBlock old, new;
  i64 iFirst = 0;
  float aValue[PAPERS_MAX_LATENT];
  assert(nDim >= 0 && nDim <= PAPERS_MAX_LATENT);
  int rc = dense_load(p, iDoc, nDim, &iFirst, &old);
  if (rc == SQLITE_OK)
    rc = dense_alloc(&new, old.n + 1, nDim);
  if (rc != SQLITE_OK) {
    index_dense_free(&old);
    return rc;
  }
  int iAt = 0;
  while (iAt < old.n && old.aDoc[iAt] < iDoc)
    iAt++;
  int isReplace = iAt < old.n && old.aDoc[iAt] == iDoc;
  int j = 0;
  for (int i = 0; i <= old.n; i++) {
    if (i == iAt) {
      latent_values(pVec, nDim, aValue);
      new.aDoc[j] = iDoc;
      index_dense_quantize(aValue, nDim, new.aCode + (i64)j *nDim, &new.aScale[j],
                           &new.aErr[j]);
      j++;
      if (isReplace)
        continue;
    }
    if (i == old.n)
      break;
    new.aDoc[j] = old.aDoc[i];
    new.aScale[j] = old.aScale[i];
    new.aErr[j] = old.aErr[i];
    memcpy(new.aCode + (i64)j *nDim, old.aCode + (i64)i * nDim, (size_t)nDim);
    j++;
  }
  new.n = j;
  rc = dense_store(p, iFirst, old.n > 0, &new);
  index_dense_free(&old);
  index_dense_free(&new);
  return rc;
}

int index_store_dense_remove(IndexStore *p, i64 iDoc, int nDim) {
  IndexDenseBlock block;
  i64 iFirst = 0;
  int rc = dense_load(p, iDoc, nDim, &iFirst, &block);
  int iAt = 0;
  while (iAt < block.n && block.aDoc[iAt] < iDoc)
    iAt++;
  if (rc == SQLITE_OK && iAt < block.n && block.aDoc[iAt] == iDoc) {
    int nAfter = block.n - iAt - 1;
    memmove(block.aDoc + iAt, block.aDoc + iAt + 1, sizeof(i64) * (size_t)nAfter);
    memmove(block.aScale + iAt, block.aScale + iAt + 1, sizeof(float) * (size_t)nAfter);
    memmove(block.aErr + iAt, block.aErr + iAt + 1, sizeof(float) * (size_t)nAfter);
    memmove(block.aCode + (i64)iAt * nDim, block.aCode + (i64)(iAt + 1) * nDim,
            (size_t)nAfter * (size_t)nDim);
    block.n--;
    rc = dense_store(p, iFirst, 1, &block);
  }
  index_dense_free(&block);
  return rc;
}

int index_store_dense_scan(IndexStore *p, int nDim,
                           int (*xBlock)(void *, const IndexDenseBlock *), void *pCtx) {
  sqlite3_stmt *pStmt = 0; /* stays 0 when statement() fails */
  int rc = statement(p, STMT_DENSE_ALL, &pStmt);
  i64 iLast = 0; /* the last document of the blocks before */
  for (int nBlock = 0; rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW; nBlock++) {
    IndexDenseBlock block;
    rc = dense_from(p, pStmt, nDim, &block);
    if (rc == SQLITE_OK && nBlock > 0 && block.aDoc[0] <= iLast) {
      rc = store_corrupt(p, "dense",
                         "the block from document %lld overlaps the one"
                         " before",
                         block.aDoc[0]);
    }
    if (rc == SQLITE_OK) {
      iLast = block.aDoc[block.n - 1];
      rc = xBlock(pCtx, &block);
    }
    index_dense_free(&block);
  }
  int rcReset = pStmt ? sqlite3_reset(pStmt) : SQLITE_OK;
  return rc == SQLITE_OK ? rcReset : rc;
}

/* ---- statistics for `[, index]` arguments --------------------------------- */

struct PapersStats {
  IndexStore *pStore;
  PapersAnalyzer *pAnalyzer;
  sqlite3_stmt *pFlush; /* a query of the table: see papers_stats_sync() */
};

/* Any query of the table writes out its write buffer first; this one finds
** no row. */
int papers_stats_sync(PapersStats *pStats) {
  sqlite3_step(pStats->pFlush);
  return sqlite3_reset(pStats->pFlush);
}

/* Splits "schema.name" (or "name", schema "main") into two strings. */
static int split_index_name(const char *zIndex, char **pzDb, char **pzName) {
  const char *zDot = strchr(zIndex, '.');
  *pzDb = zDot ? sqlite3_mprintf("%.*s", (int)(zDot - zIndex), zIndex)
               : sqlite3_mprintf("main");
  *pzName = sqlite3_mprintf("%s", zDot ? zDot + 1 : zIndex);
  return (*pzDb && *pzName) ? SQLITE_OK : SQLITE_NOMEM;
}

/* Checks that zDb.zName is a papers_index table; reads its tokenize option. */
static int check_index_table(sqlite3 *db, const char *zIndex, const char *zDb,
                             const char *zName, char **pzTokenize, char **pzErr) {
  char *zSql = sqlite3_mprintf("SELECT sql FROM \"%w\".sqlite_schema WHERE type = 'table'"
                               " AND name = %Q",
                               zDb, zName);
  sqlite3_stmt *pStmt = 0;
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(pStmt);
    if (rc == SQLITE_NOMEM)
      return rc;
    *pzErr = sqlite3_mprintf("no such papers_index table: '%s'", zIndex);
    return SQLITE_ERROR;
  }
  int isIndex = 0, exists = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zCreate = (const char *)sqlite3_column_text(pStmt, 0);
    exists = 1;
    isIndex = zCreate && sqlite3_strlike("%USING papers_index%", zCreate, 0) == 0;
    if (zCreate == 0 && sqlite3_column_type(pStmt, 0) != SQLITE_NULL)
      exists = -1; /* NOMEM */
  }
  rc = sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK || exists < 0)
    return rc != SQLITE_OK ? rc : SQLITE_NOMEM;
  if (!exists) {
    *pzErr = sqlite3_mprintf("no such papers_index table: '%s'", zIndex);
    return SQLITE_ERROR;
  }
  if (!isIndex) {
    *pzErr = sqlite3_mprintf("'%s' is not a papers_index table", zIndex);
    return SQLITE_ERROR;
  }
  zSql = sqlite3_mprintf("SELECT v FROM \"%w\".\"%w_config\" WHERE k = 'tokenize'", zDb,
                         zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    *pzTokenize = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 0));
    if (*pzTokenize == 0)
      rc = SQLITE_NOMEM;
  } else if (rc == SQLITE_OK) {
    *pzErr =
        sqlite3_mprintf("papers_index table '%s' has lost its configuration", zIndex);
    rc = SQLITE_CORRUPT_VTAB;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

static int stats_prepare_flush(sqlite3 *db, const char *zDb, const char *zName,
                               sqlite3_stmt **ppFlush) {
  char *zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w\" WHERE rowid = 0", zDb, zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppFlush, 0);
  sqlite3_free(zSql);
  return rc;
}

int papers_stats_open(PapersConn *pConn, const char *zIndex, PapersStats **ppStats,
                      char **pzErr) {
  sqlite3 *db = papers_conn_db(pConn);
  char *zDb = 0, *zName = 0, *zTokenize = 0;
  PapersStats *pStats = 0;
  int rc = split_index_name(zIndex, &zDb, &zName);
  if (rc == SQLITE_OK)
    rc = check_index_table(db, zIndex, zDb, zName, &zTokenize, pzErr);
  if (rc == SQLITE_OK) {
    pStats = sqlite3_malloc64(sizeof(*pStats));
    if (pStats == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    memset(pStats, 0, sizeof(*pStats));
    IndexConfig config;
    memset(&config, 0, sizeof(config));
    config.zDb = zDb;
    config.zName = zName;
    rc = index_store_open(db, &config, &pStats->pStore);
  }
  i64 layout = 0;
  if (rc == SQLITE_OK)
    rc = index_store_version(pStats->pStore, &layout);
  if (rc == SQLITE_OK && layout != INDEX_LAYOUT_VERSION) {
    *pzErr = sqlite3_mprintf("papers_index table '%s' was made with layout %lld of the"
                             " shadow tables, this papers reads layout %d: drop it,"
                             " create it again and 'rebuild'",
                             zIndex, layout, INDEX_LAYOUT_VERSION);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK)
    rc = stats_prepare_flush(db, zDb, zName, &pStats->pFlush);
  if (rc == SQLITE_OK) {
    rc = papers_stats_sync(pStats);
    if (rc != SQLITE_OK && rc != SQLITE_NOMEM)
      *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  if (rc == SQLITE_OK)
    rc = papers_conn_analyzer(pConn, zTokenize, &pStats->pAnalyzer, pzErr);
  sqlite3_free(zDb);
  sqlite3_free(zName);
  sqlite3_free(zTokenize);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && *pzErr == 0)
    rc = SQLITE_NOMEM; /* no message */
  if (rc != SQLITE_OK) {
    papers_stats_close(pStats);
    return rc;
  }
  *ppStats = pStats;
  return SQLITE_OK;
}

char *papers_stats_take_error(PapersStats *pStats) {
  return index_store_take_error(pStats->pStore);
}

void papers_stats_close(PapersStats *pStats) {
  if (pStats == 0)
    return;
  index_store_close(pStats->pStore);
  sqlite3_finalize(pStats->pFlush);
  sqlite3_free(pStats);
}

PapersAnalyzer *papers_stats_analyzer(PapersStats *pStats) {
  return pStats->pAnalyzer;
}

int papers_stats_vector(PapersStats *pStats, const PapersCount *aCount, int nCount,
                        PapersVector *pVec) {
  return index_store_weigh(pStats->pStore, aCount, nCount, pVec);
}

int papers_stats_surface(PapersStats *pStats, sqlite3_uint64 id, const char **pz,
                         int *pn) {
  return index_store_surface(pStats->pStore, id, pz, pn);
}

int papers_stats_latent_dims(PapersStats *pStats, int *pnDim) {
  double weight;
  return index_store_latent_get(pStats->pStore, pnDim, &weight);
}

int papers_stats_projection(PapersStats *pStats, sqlite3_uint64 id, int nDim,
                            float **paRow) {
  return latent_row_load(pStats->pStore, id, nDim, paRow);
}
