/*
** index_stats.c: the statistics of a papers_index table for the `[, index]`
** arguments of the topic functions and papers_clusters (papers_stats_*,
** declared in topic.h): the one way other subsystems read an index.
**
** Contract: papers_stats_open() accepts "name" or "schema.name" and fails
** with a message naming the table when it does not exist or is no
** papers_index; the statistics include what the table's write buffer holds
** (papers_stats_sync).
*/
#include "index.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
  return index_latent_row_load(pStats->pStore, id, nDim, paRow);
}
