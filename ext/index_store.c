/*
** index_store.c: the shadow tables of a papers_index table (layout in
** index.h), and the corpus statistics that `[, index]` arguments read.
**
** Contract:
**   - Every read and write goes through SQL on the user's connection, so it is
**     part of the user's transaction: a ROLLBACK undoes it, and nothing here
**     caches table contents between calls.
**   - A postings block is: a varint count n, then n varints (each document id
**     minus the previous one, the first minus the block's `first`, so 0), then
**     n little-endian float32 weights. Blocks of one term cover disjoint,
**     increasing ranges of document ids.
**   - papers_stats_open() accepts "name" or "schema.name" and fails with a
**     message naming the table when it does not exist or is no papers_index.
*/
#include "index.h"

#include <math.h>
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
  STMT_VOCAB_RAISE,
  STMT_DOCS_ALL,
  N_STATEMENT
};

static const char *const azStatementSql[N_STATEMENT] = {
    "SELECT v FROM \"%w\".\"%w_config\" WHERE k = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_config\"(k, v) VALUES (?1, ?2)",
    "SELECT df, surface, votes, maxw FROM \"%w\".\"%w_vocab\" WHERE term = ?1",
    "INSERT INTO \"%w\".\"%w_vocab\"(term, df, surface, votes, maxw) VALUES (?1, ?2, ?3, "
    "?4, ?5)"
    " ON CONFLICT(term) DO UPDATE SET df = ?2, surface = ?3, votes = ?4,"
    " maxw = max(maxw, ?5)",
    "DELETE FROM \"%w\".\"%w_vocab\" WHERE term = ?1",
    "SELECT vector FROM \"%w\".\"%w_docs\" WHERE id = ?1",
    "INSERT OR REPLACE INTO \"%w\".\"%w_docs\"(id, vector) VALUES (?1, ?2)",
    "DELETE FROM \"%w\".\"%w_docs\" WHERE id = ?1",
    "SELECT first, data FROM \"%w\".\"%w_postings\" WHERE term = ?1 AND first <= ?2"
    " ORDER BY first DESC LIMIT 1",
    "SELECT first, data FROM \"%w\".\"%w_postings\" WHERE term = ?1 ORDER BY first LIMIT "
    "1",
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
    "UPDATE \"%w\".\"%w_vocab\" SET maxw = ?2 WHERE term = ?1 AND maxw < ?2",
    "SELECT id, vector FROM \"%w\".\"%w_docs\" ORDER BY id",
};

struct IndexStore {
  sqlite3 *db;
  char *zDb;
  char *zName;
  sqlite3_stmt *apStmt[N_STATEMENT]; /* prepared when first used */
  char *zSurface;                    /* the last surface form returned */
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

void index_store_close(IndexStore *p) {
  if (p == 0)
    return;
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
    char *zSql = sqlite3_mprintf(azStatementSql[iStmt], p->zDb, p->zName);
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
      "INSERT INTO \"%w\".\"%w_config\"(k, v) VALUES ('version', %d), ('ndoc', 0),"
      " ('tokenize', %Q), ('latent_dims', 0), ('latent_weight', %!.17g);",
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb,
      pConfig->zName, pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName, INDEX_LAYOUT_VERSION,
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
                      "\"%w\".\"%w_dense\";",
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName,
                      pConfig->zDb, pConfig->zName, pConfig->zDb, pConfig->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

int index_store_clear(IndexStore *p) {
  char *zSql = sqlite3_mprintf(
      "DELETE FROM \"%w\".\"%w_vocab\";DELETE FROM \"%w\".\"%w_docs\";"
      "DELETE FROM \"%w\".\"%w_postings\";DELETE FROM \"%w\".\"%w_latent\";"
      "DELETE FROM \"%w\".\"%w_dense\";",
      p->zDb, p->zName, p->zDb, p->zName, p->zDb, p->zName, p->zDb, p->zName, p->zDb,
      p->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(p->db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK)
    rc = index_store_set_ndoc(p, 0);
  if (rc == SQLITE_OK)
    rc = index_store_latent_set(p, 0, 0);
  return rc;
}

static void f32_put(unsigned char *a, float f);
static float f32_get(const unsigned char *a);

/* ---- statistics ---------------------------------------------------------- */

/* Reads a numeric configuration value; 0 when absent. */
static int config_get(IndexStore *p, const char *zKey, double *pValue) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_CONFIG_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(pStmt, 1, zKey, -1, SQLITE_STATIC);
  *pValue = sqlite3_step(pStmt) == SQLITE_ROW ? sqlite3_column_double(pStmt, 0) : 0;
  return sqlite3_reset(pStmt);
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
  int rc = config_get(p, "ndoc", &value);
  *pnDoc = (i64)value;
  return rc;
}

int index_store_set_ndoc(IndexStore *p, i64 nDoc) {
  return config_set(p, "ndoc", (double)nDoc, 1);
}

int index_store_latent_get(IndexStore *p, int *pnDim, double *pWeight) {
  double nDim = 0;
  int rc = config_get(p, "latent_dims", &nDim);
  if (rc == SQLITE_OK)
    rc = config_get(p, "latent_weight", pWeight);
  *pnDim = (int)nDim;
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
    f32_put(aBlob + 4 * k, aRow[k]);
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_blob(pStmt, 2, aBlob, nDim * 4, sqlite3_free);
  return run(pStmt);
}

/* Adds weight times the term's projection row to z; a term that is no
** feature adds nothing. */
static int latent_add(IndexStore *p, sqlite3_uint64 id, double weight, double *z,
                      int nDim) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_LATENT_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  if (sqlite3_step(pStmt) == SQLITE_ROW && sqlite3_column_bytes(pStmt, 0) == 4 * nDim) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 0);
    for (int k = 0; k < nDim; k++)
      z[k] += weight * (double)f32_get(a + 4 * k);
  }
  return sqlite3_reset(pStmt);
}

int index_store_weigh(IndexStore *p, const PapersCount *aCount, int nCount,
                      PapersVector *pVec) {
  double *aIdf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nCount + 1));
  PapersVector sparse = {0, 0, 0};
  int nDim = 0;
  double weight = 0;
  memset(pVec, 0, sizeof(*pVec));
  int rc = aIdf ? index_store_idf(p, aCount, nCount, aIdf) : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = papers_vector_weigh(aCount, nCount, aIdf, &sparse, 0);
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(p, &nDim, &weight);
  if (rc == SQLITE_OK && nDim == 0) {
    *pVec = sparse;
    sparse.aId = 0;
  } else if (rc == SQLITE_OK) {
    double *z = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)nDim);
    if (z == 0)
      rc = SQLITE_NOMEM;
    if (z)
      memset(z, 0, sizeof(double) * (size_t)nDim);
    for (int i = 0; rc == SQLITE_OK && i < sparse.nTerm; i++) {
      rc = latent_add(p, sparse.aId[i], sparse.aWeight[i], z, nDim);
    }
    if (rc == SQLITE_OK)
      rc = papers_vector_with_latent(&sparse, z, nDim, weight, pVec, 0);
    sqlite3_free(z);
  }
  papers_vector_free(&sparse);
  sqlite3_free(aIdf);
  return rc;
}

double index_idf(i64 nDoc, i64 df) {
  return papers_ln((double)(1 + nDoc) / (double)(1 + df)) + 1;
}

/* Reads a term's vocabulary row; *pDf = 0 when the term is unknown. */
static int vocab_get(IndexStore *p, sqlite3_uint64 id, i64 *pDf, i64 *pnVote) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  *pDf = 0;
  if (pnVote)
    *pnVote = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    *pDf = sqlite3_column_int64(pStmt, 0);
    if (pnVote)
      *pnVote = sqlite3_column_int64(pStmt, 2);
  }
  return sqlite3_reset(pStmt);
}

int index_store_vocab_df(IndexStore *p, sqlite3_uint64 id, i64 *pDf) {
  return vocab_get(p, id, pDf, 0);
}

int index_store_idf(IndexStore *p, const PapersCount *aCount, int nCount, double *aIdf) {
  i64 nDoc;
  int rc = index_store_get_ndoc(p, &nDoc);
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    i64 df = 0;
    rc = vocab_get(p, aCount[i].id, &df, 0);
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

int index_store_vocab_raise(IndexStore *p, const PapersVector *pVec) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_RAISE, &pStmt);
  for (int i = 0; rc == SQLITE_OK && i < pVec->nTerm; i++) {
    if (papers_is_latent_id(pVec->aId[i]))
      break;
    sqlite3_bind_int64(pStmt, 1, (i64)pVec->aId[i]);
    sqlite3_bind_double(pStmt, 2, pVec->aWeight[i]);
    rc = run(pStmt);
  }
  return rc;
}

int index_store_vocab_maxw(IndexStore *p, sqlite3_uint64 id, i64 *pDf,
                           double *pMaxWeight) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  *pDf = 0;
  *pMaxWeight = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    *pDf = sqlite3_column_int64(pStmt, 0);
    *pMaxWeight = sqlite3_column_double(pStmt, 3);
  }
  return sqlite3_reset(pStmt);
}

/* One document's vote for a term's surface form (Boyer-Moore majority). */
static int vocab_count_in(IndexStore *p, const PapersCount *pCount) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)pCount->id);
  i64 df = 0, nVote = 0;
  char *zSurface = 0;
  int nSurface = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    df = sqlite3_column_int64(pStmt, 0);
    nSurface = sqlite3_column_bytes(pStmt, 1);
    zSurface =
        sqlite3_mprintf("%.*s", nSurface, (const char *)sqlite3_column_text(pStmt, 1));
    nVote = sqlite3_column_int64(pStmt, 2);
    if (zSurface == 0)
      rc = SQLITE_NOMEM;
  }
  int rcReset = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc != SQLITE_OK)
    return rc;
  int isSame = zSurface && nSurface == pCount->nSurface &&
               memcmp(zSurface, pCount->zSurface, (size_t)nSurface) == 0;
  if (isSame) {
    rc = index_store_vocab_put(p, pCount->id, df + 1, zSurface, nSurface, nVote + 1, 0);
  } else if (nVote > 0) {
    rc = index_store_vocab_put(p, pCount->id, df + 1, zSurface, nSurface, nVote - 1, 0);
  } else {
    rc = index_store_vocab_put(p, pCount->id, df + 1, pCount->zSurface, pCount->nSurface,
                               1, 0);
  }
  sqlite3_free(zSurface);
  return rc;
}

int index_store_vocab_add(IndexStore *p, const PapersCount *aCount, int nCount) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++)
    rc = vocab_count_in(p, &aCount[i]);
  return rc;
}

int index_store_vocab_remove(IndexStore *p, const PapersVector *pVec) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < pVec->nTerm; i++) {
    sqlite3_stmt *pStmt;
    rc = statement(p, STMT_VOCAB_GET, &pStmt);
    if (rc != SQLITE_OK)
      break;
    sqlite3_bind_int64(pStmt, 1, (i64)pVec->aId[i]);
    if (sqlite3_step(pStmt) != SQLITE_ROW) {
      rc = sqlite3_reset(pStmt);
      continue; /* already gone: integrity-check reports such damage */
    }
    i64 df = sqlite3_column_int64(pStmt, 0);
    i64 nVote = sqlite3_column_int64(pStmt, 2);
    char *zSurface = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 1));
    rc = sqlite3_reset(pStmt);
    if (rc == SQLITE_OK && zSurface == 0)
      rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK && df <= 1) {
      rc = statement(p, STMT_VOCAB_DELETE, &pStmt);
      if (rc == SQLITE_OK) {
        sqlite3_bind_int64(pStmt, 1, (i64)pVec->aId[i]);
        rc = run(pStmt);
      }
    } else if (rc == SQLITE_OK) {
      rc = index_store_vocab_put(p, pVec->aId[i], df - 1, zSurface, (int)strlen(zSurface),
                                 nVote > df - 1 ? df - 1 : nVote, 0);
    }
    sqlite3_free(zSurface);
  }
  return rc;
}

int index_store_surface(IndexStore *p, sqlite3_uint64 id, const char **pz, int *pn) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_VOCAB_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_free(p->zSurface);
  p->zSurface = 0;
  *pz = 0;
  *pn = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    *pn = sqlite3_column_bytes(pStmt, 1);
    p->zSurface =
        sqlite3_mprintf("%.*s", *pn, (const char *)sqlite3_column_text(pStmt, 1));
    if (p->zSurface == 0)
      rc = SQLITE_NOMEM;
    *pz = p->zSurface;
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* ---- documents ------------------------------------------------------------ */

int index_store_doc_get(IndexStore *p, i64 iDoc, PapersVector *pVec, int *pFound) {
  sqlite3_stmt *pStmt;
  *pFound = 0;
  memset(pVec, 0, sizeof(*pVec)); /* callers may free it whatever happens */
  int rc = statement(p, STMT_DOC_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zProblem = 0;
    const unsigned char *a = sqlite3_column_blob(pStmt, 0);
    rc = papers_vector_decode(a, sqlite3_column_bytes(pStmt, 0), pVec, &zProblem);
    if (rc == SQLITE_ERROR)
      rc = SQLITE_CORRUPT_VTAB;
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
    rc = papers_vector_dot_blob(pQuery, a, sqlite3_column_bytes(pStmt, 0), pDot);
    if (rc == SQLITE_ERROR)
      rc = SQLITE_CORRUPT_VTAB;
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
  i64 nBlob = papers_vector_blob_size(pVec->nTerm);
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
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_DOCS_ALL, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    PapersVector vec;
    const char *zProblem = 0;
    rc = papers_vector_decode(sqlite3_column_blob(pStmt, 1),
                              sqlite3_column_bytes(pStmt, 1), &vec, &zProblem);
    if (rc == SQLITE_ERROR)
      rc = SQLITE_CORRUPT_VTAB;
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

static void f32_put(unsigned char *a, float f) {
  unsigned int bits;
  memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; i++)
    a[i] = (unsigned char)(bits >> (8 * i));
}

static float f32_get(const unsigned char *a) {
  unsigned int bits = (unsigned int)a[0] | (unsigned int)a[1] << 8 |
                      (unsigned int)a[2] << 16 | (unsigned int)a[3] << 24;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

int index_block_decode(i64 iFirst, const unsigned char *a, int n,
                       IndexPosting **paPosting, int *pnPosting) {
  sqlite3_uint64 nPosting;
  int iPos = index_varint_get(a, n, &nPosting);
  *paPosting = 0;
  *pnPosting = 0;
  if (iPos == 0 || nPosting == 0 || nPosting > (sqlite3_uint64)n)
    return SQLITE_CORRUPT_VTAB;
  IndexPosting *aPosting = sqlite3_malloc64(sizeof(IndexPosting) * nPosting);
  if (aPosting == 0)
    return SQLITE_NOMEM;
  i64 iDoc = iFirst;
  for (sqlite3_uint64 i = 0; i < nPosting; i++) {
    sqlite3_uint64 delta;
    int nByte = index_varint_get(a + iPos, n - iPos, &delta);
    if (nByte == 0) {
      sqlite3_free(aPosting);
      return SQLITE_CORRUPT_VTAB;
    }
    iPos += nByte;
    iDoc += (i64)delta;
    aPosting[i].iDoc = iDoc;
  }
  if ((sqlite3_uint64)(n - iPos) != 4 * nPosting) {
    sqlite3_free(aPosting);
    return SQLITE_CORRUPT_VTAB;
  }
  for (sqlite3_uint64 i = 0; i < nPosting; i++)
    aPosting[i].weight = f32_get(a + iPos + 4 * i);
  *paPosting = aPosting;
  *pnPosting = (int)nPosting;
  return SQLITE_OK;
}

/* Writes postings a[0..n) (document order) as the block keyed by a[0].iDoc. */
static int block_write(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n) {
  unsigned char *aBlob = sqlite3_malloc64((sqlite3_uint64)n * 14 + 10);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  int nBlob = index_varint_put(aBlob, (sqlite3_uint64)n);
  for (int i = 0; i < n; i++) {
    nBlob += index_varint_put(
        aBlob + nBlob, (sqlite3_uint64)(a[i].iDoc - (i ? a[i - 1].iDoc : a[0].iDoc)));
  }
  for (int i = 0; i < n; i++)
    f32_put(aBlob + nBlob + 4 * i, a[i].weight);
  nBlob += 4 * n;
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_BLOCK_PUT, &pStmt);
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
    rc = index_block_decode(*piFirst, sqlite3_column_blob(pStmt, 1),
                            sqlite3_column_bytes(pStmt, 1), paPosting, pnPosting);
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

static int posting_add(IndexStore *p, sqlite3_uint64 id, i64 iDoc, float weight) {
  IndexPosting *aOld;
  int nOld;
  i64 iFirst = 0;
  int rc = block_load(p, id, iDoc, &iFirst, &aOld, &nOld);
  if (rc != SQLITE_OK)
    return rc;
  IndexPosting *aNew =
      sqlite3_malloc64(sizeof(IndexPosting) * (sqlite3_uint64)(nOld + 1));
  if (aNew == 0) {
    sqlite3_free(aOld);
    return SQLITE_NOMEM;
  }
  int iAt = posting_search(aOld, nOld, iDoc);
  int isReplace = iAt < nOld && aOld[iAt].iDoc == iDoc;
  if (iAt > 0)
    memcpy(aNew, aOld, sizeof(IndexPosting) * (size_t)iAt);
  aNew[iAt].iDoc = iDoc;
  aNew[iAt].weight = weight;
  int iRest = iAt + isReplace;
  if (nOld > iRest) {
    memcpy(aNew + iAt + 1, aOld + iRest, sizeof(IndexPosting) * (size_t)(nOld - iRest));
  }
  rc = block_store(p, id, iFirst, nOld > 0, aNew, nOld + 1 - isReplace);
  sqlite3_free(aOld);
  sqlite3_free(aNew);
  return rc;
}

static int posting_remove(IndexStore *p, sqlite3_uint64 id, i64 iDoc) {
  IndexPosting *a;
  int n;
  i64 iFirst = 0;
  int rc = block_load(p, id, iDoc, &iFirst, &a, &n);
  if (rc != SQLITE_OK)
    return rc;
  int iAt = posting_search(a, n, iDoc);
  if (iAt < n && a[iAt].iDoc == iDoc) {
    memmove(a + iAt, a + iAt + 1, sizeof(IndexPosting) * (size_t)(n - iAt - 1));
    rc = block_store(p, id, iFirst, 1, a, n - 1);
  }
  sqlite3_free(a);
  return rc;
}

int index_store_postings_add(IndexStore *p, i64 iDoc, const PapersVector *pVec) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < pVec->nTerm; i++) {
    if (papers_is_latent_id(pVec->aId[i]))
      break; /* in the dense blocks */
    rc = posting_add(p, pVec->aId[i], iDoc, pVec->aWeight[i]);
  }
  return rc;
}

int index_store_postings_remove(IndexStore *p, i64 iDoc, const PapersVector *pVec) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < pVec->nTerm; i++) {
    if (papers_is_latent_id(pVec->aId[i]))
      break;
    rc = posting_remove(p, pVec->aId[i], iDoc);
  }
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

int index_store_postings_scan(IndexStore *p, sqlite3_uint64 id,
                              int (*xPosting)(void *, i64, float), void *pCtx) {
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_BLOCKS_OF_TERM, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 1);
    int n = sqlite3_column_bytes(pStmt, 1);
    i64 iDoc = sqlite3_column_int64(pStmt, 0), aDoc[INDEX_BLOCK_MAX];
    sqlite3_uint64 nPosting = 0, delta = 0;
    int iPos = index_varint_get(a, n, &nPosting);
    if (iPos > 0 && nPosting > 0 && nPosting <= INDEX_BLOCK_MAX) {
      /* the usual block: decoded in place, without an allocation */
      for (sqlite3_uint64 i = 0; iPos > 0 && i < nPosting; i++) {
        int nByte = index_varint_get(a + iPos, n - iPos, &delta);
        if (nByte == 0) {
          iPos = 0;
          break;
        }
        iPos += nByte;
        iDoc += (i64)delta;
        aDoc[i] = iDoc;
      }
      if (iPos == 0 || (sqlite3_uint64)(n - iPos) != 4 * nPosting)
        rc = SQLITE_CORRUPT_VTAB;
      for (sqlite3_uint64 i = 0; rc == SQLITE_OK && i < nPosting; i++)
        rc = xPosting(pCtx, aDoc[i], f32_get(a + iPos + 4 * i));
    } else {
      IndexPosting *aPosting;
      int nDecoded;
      rc = index_block_decode(iDoc, a, n, &aPosting, &nDecoded);
      for (int i = 0; rc == SQLITE_OK && i < nDecoded; i++)
        rc = xPosting(pCtx, aPosting[i].iDoc, aPosting[i].weight);
      sqlite3_free(aPosting);
    }
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

int index_store_postings_all(IndexStore *p, sqlite3_stmt **ppStmt) {
  char *zSql = sqlite3_mprintf("SELECT term, first, data FROM \"%w\".\"%w_postings\"",
                               p->zDb, p->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(p->db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  return rc;
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
                       IndexDenseBlock *pBlock) {
  sqlite3_uint64 nDoc;
  int iPos = index_varint_get(a, n, &nDoc);
  memset(pBlock, 0, sizeof(*pBlock));
  if (iPos == 0 || nDoc == 0 || nDoc > (sqlite3_uint64)n)
    return SQLITE_CORRUPT_VTAB;
  int rc = dense_alloc(pBlock, (int)nDoc, nDim);
  if (rc != SQLITE_OK)
    return rc;
  i64 iDoc = iFirst;
  for (int i = 0; i < pBlock->n; i++) {
    sqlite3_uint64 delta;
    int nByte = index_varint_get(a + iPos, n - iPos, &delta);
    if (nByte == 0)
      break;
    iPos += nByte;
    iDoc += (i64)delta;
    pBlock->aDoc[i] = iDoc;
  }
  if ((i64)(n - iPos) != (i64)pBlock->n * (8 + nDim)) {
    index_dense_free(pBlock);
    return SQLITE_CORRUPT_VTAB;
  }
  for (int i = 0; i < pBlock->n; i++) {
    const unsigned char *aRow = a + iPos + (i64)i * (8 + nDim);
    pBlock->aScale[i] = f32_get(aRow);
    pBlock->aErr[i] = f32_get(aRow + 4);
    memcpy(pBlock->aCode + (i64)i * nDim, aRow + 8, (size_t)nDim);
  }
  return SQLITE_OK;
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
    f32_put(aBlob + nBlob, pBlock->aScale[i]);
    f32_put(aBlob + nBlob + 4, pBlock->aErr[i]);
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
    rc = index_dense_decode(*piFirst, sqlite3_column_blob(pStmt, 1),
                            sqlite3_column_bytes(pStmt, 1), nDim, pBlock);
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
  float aValue[256];
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
  sqlite3_stmt *pStmt;
  int rc = statement(p, STMT_DENSE_ALL, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    IndexDenseBlock block;
    rc = index_dense_decode(sqlite3_column_int64(pStmt, 0), sqlite3_column_blob(pStmt, 1),
                            sqlite3_column_bytes(pStmt, 1), nDim, &block);
    if (rc == SQLITE_OK)
      rc = xBlock(pCtx, &block);
    index_dense_free(&block);
  }
  int rcReset = pStmt ? sqlite3_reset(pStmt) : SQLITE_OK;
  return rc == SQLITE_OK ? rcReset : rc;
}

/* ---- statistics for `[, index]` arguments --------------------------------- */

struct PapersStats {
  IndexStore *pStore;
  PapersAnalyzer *pAnalyzer;
};

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

void papers_stats_close(PapersStats *pStats) {
  if (pStats == 0)
    return;
  index_store_close(pStats->pStore);
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
