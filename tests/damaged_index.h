/*
** damaged_index.h: the index that tests/corrupt.c and tests/fuzz/fuzz_corrupt.c
** damage, and the operations they run after a damage.
**
** damaged_build_image() builds, in memory, a 409-paper index with a latent
** part (four fixtures' papers, the first 150 of each; 5 of them written after
** the rebuild, so that the pending level holds rows), removes the shadow
** tables' NOT NULL constraints (a hostile file may hold NULL anywhere; they
** only restrict writes) and returns the database serialized.
** damaged_open_image() opens a private copy of it, with the extension and
** corrupt_flip(blob, i) (the BLOB with byte i, from 1, xor 0xff) registered.
** azOperation: every read and write of the index; the last
** N_REBUILD_OPERATION rebuild it from the content table.
** Both drivers compile the extension's sources in (-DSQLITE_CORE).
*/
#ifndef DAMAGED_INDEX_H
#define DAMAGED_INDEX_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

static const char *const azFixture[] = {
    "tests/fixtures/hf-daily-papers-2026-05-15.txt",
    "tests/fixtures/arxiv-email-cs-2019-07-15-crlf.txt",
    "tests/fixtures/arxiv-listing-qfin-new-2023-03-17.txt",
    "tests/fixtures/arxiv-rss2-derived-filter-feed-zh-2025-08-01.xml",
    "tests/fixtures/cv-arxiv-daily-README-table-SLAM-excerpt.md",
};

/* The papers (ids from 1, in fixture order; 150 title-only SLAM rows), the
** index, and 5 papers written after the rebuild (pending). */
static const char zSetup[] =
    "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);"
    "CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',"
    " columns='title, abstract');";

static const char *const azOperation[] = {
    "SELECT rowid, score FROM topics WHERE similar_to = 5 ORDER BY score DESC LIMIT 10",
    "SELECT count(*), sum(score) FROM topics WHERE similar_to = 300",
    "SELECT rowid, score FROM topics WHERE query = 'neural network training for image"
    " segmentation' LIMIT 5",
    "SELECT rowid FROM topics WHERE query = papers_vector('reinforcement learning "
    "agents',"
    " 'topics') LIMIT 3",
    "SELECT title FROM topics WHERE rowid = 7",
    "SELECT count(*) FROM topics",
    "SELECT term, weight FROM papers_keywords((SELECT abstract FROM papers WHERE id = 5),"
    " 10, 'topics')",
    "SELECT term, contribution FROM papers_explain((SELECT abstract FROM papers WHERE id "
    "="
    " 5), (SELECT abstract FROM papers WHERE id = 23), 'topics')",
    "SELECT papers_similarity((SELECT abstract FROM papers WHERE id = 5),"
    " (SELECT abstract FROM papers WHERE id = 35), 'topics')",
    "SELECT length(papers_vector((SELECT abstract FROM papers WHERE id = 9), 'topics'))",
    /* A fifth of the papers (81, most of them full texts: the smoothed space):
    ** all 409 made this operation most of the sanitized run's time. */
    "SELECT cluster, size FROM papers_clusters('topics',"
    " (SELECT json_group_array(id) FROM papers WHERE id % 5 = 0), 6)",
    "INSERT INTO topics(rowid, title, abstract) VALUES (900001, 'Graph neural networks"
    " for molecules', 'We train message passing networks on molecular graphs.')",
    "INSERT INTO topics(topics, rowid, title, abstract) SELECT 'delete', id, title,"
    " abstract FROM papers WHERE id = 5",
    "INSERT INTO topics(topics, rowid, title, abstract) SELECT 'delete', id, title,"
    " abstract FROM papers WHERE id = 300;"
    "INSERT INTO topics(rowid, title, abstract) SELECT id, title || ' revised', abstract"
    " FROM papers WHERE id = 300",
    "INSERT INTO topics(topics) VALUES('merge')",
    "INSERT INTO topics(topics) VALUES('integrity-check')",
    /* These two empty every shadow table but the configuration and fill them
    ** anew from the content table: they run after configuration damages only
    ** (N_REBUILD_OPERATION). */
    "INSERT INTO topics(topics) VALUES('rebuild')",
    "INSERT INTO topics(topics) VALUES('optimize')",
};
#define N_OPERATION         ((int)(sizeof(azOperation) / sizeof(azOperation[0])))
#define N_REBUILD_OPERATION 2

static void damaged_die(const char *zWhat, sqlite3 *db) {
  fprintf(stderr, "damaged_index: %s: %s\n", zWhat,
          db ? sqlite3_errmsg(db) : "out of memory");
  exit(1);
}

/* corrupt_flip(blob, i): the BLOB with its byte i (from 1) xor 0xff. */
static void flip_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  int n = sqlite3_value_bytes(argv[0]);
  const unsigned char *a = sqlite3_value_blob(argv[0]);
  int i = sqlite3_value_int(argv[1]) - 1;
  unsigned char *aCopy = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if (aCopy == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  if (n > 0)
    memcpy(aCopy, a, (size_t)n);
  if (i >= 0 && i < n)
    aCopy[i] ^= 0xff;
  sqlite3_result_blob(pCtx, aCopy, n, sqlite3_free);
}

static sqlite3 *damaged_open_db(void) {
  sqlite3 *db = 0;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK)
    damaged_die("open", db);
  char *zErr = 0;
  if (sqlite3_papers_init(db, &zErr, 0) != SQLITE_OK)
    damaged_die("papers_init", db);
  sqlite3_create_function(db, "corrupt_flip", 2, SQLITE_UTF8, 0, flip_func, 0, 0);
  return db;
}

/* Reads a whole file into an sqlite3_malloc'd string. */
static char *damaged_read_file(const char *zPath) {
  FILE *f = fopen(zPath, "rb");
  if (f == 0) {
    fprintf(stderr, "damaged_index: cannot read %s\n", zPath);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *z = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if (z == 0 || fread(z, 1, (size_t)n, f) != (size_t)n)
    damaged_die("read", 0);
  z[n] = 0;
  fclose(f);
  return z;
}

/* The pristine index, serialized. */
static unsigned char *damaged_build_image(sqlite3_int64 *pnImage) {
  sqlite3 *db = damaged_open_db();
  if (sqlite3_exec(db, zSetup, 0, 0, 0) != SQLITE_OK)
    damaged_die("setup", db);
  for (size_t i = 0; i < sizeof(azFixture) / sizeof(azFixture[0]); i++) {
    sqlite3_stmt *pStmt = 0;
    char *zText = damaged_read_file(azFixture[i]);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO papers(title, abstract) SELECT title, abstract"
                           " FROM papers_parse(?1, NULL, '2026-11-28') LIMIT 150",
                           -1, &pStmt, 0) != SQLITE_OK)
      damaged_die("prepare", db);
    sqlite3_bind_text(pStmt, 1, zText, -1, sqlite3_free);
    sqlite3_step(pStmt);
    if (sqlite3_finalize(pStmt) != SQLITE_OK)
      damaged_die(azFixture[i], db);
  }
  if (sqlite3_exec(
          db,
          "INSERT INTO topics(topics) VALUES('rebuild');"
          "INSERT INTO papers(title, abstract) SELECT title || ' (again)', abstract"
          " FROM papers WHERE id BETWEEN 20 AND 24;"
          "INSERT INTO topics(rowid, title, abstract) SELECT id, title, abstract"
          " FROM papers WHERE id > 404;",
          0, 0, 0) != SQLITE_OK)
    damaged_die("rebuild", db);
  sqlite3_stmt *pCheck = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT (SELECT count(*) FROM papers),"
                         " (SELECT v FROM topics_config WHERE k = 'latent_dims'),"
                         " (SELECT count(*) FROM topics_pending)",
                         -1, &pCheck, 0) != SQLITE_OK ||
      sqlite3_step(pCheck) != SQLITE_ROW)
    damaged_die("check", db);
  if (sqlite3_column_int(pCheck, 0) != 409 || sqlite3_column_int(pCheck, 1) == 0 ||
      sqlite3_column_int(pCheck, 2) == 0) {
    fprintf(stderr,
            "damaged_index: the index is not as intended (%d papers, %d latent, %d"
            " pending)\n",
            sqlite3_column_int(pCheck, 0), sqlite3_column_int(pCheck, 1),
            sqlite3_column_int(pCheck, 2));
    exit(1);
  }
  sqlite3_finalize(pCheck);
  /* A hostile file may hold NULL anywhere: the shadow tables lose their NOT
  ** NULL constraints (which only restrict writes), so that damages can. */
  if (sqlite3_exec(db,
                   "PRAGMA writable_schema = ON;"
                   "UPDATE sqlite_schema SET sql = replace(sql, 'NOT NULL', '')"
                   " WHERE name LIKE 'topics_%';"
                   "PRAGMA writable_schema = RESET;",
                   0, 0, 0) != SQLITE_OK)
    damaged_die("schema", db);
  unsigned char *aImage = sqlite3_serialize(db, "main", pnImage, 0);
  if (aImage == 0)
    damaged_die("serialize", db);
  sqlite3_close(db);
  return aImage;
}

static sqlite3 *damaged_open_image(const unsigned char *aImage, sqlite3_int64 nImage) {
  sqlite3 *db = damaged_open_db();
  unsigned char *aCopy = sqlite3_malloc64((sqlite3_uint64)nImage);
  if (aCopy == 0)
    damaged_die("copy", 0);
  memcpy(aCopy, aImage, (size_t)nImage);
  if (sqlite3_deserialize(db, "main", aCopy, nImage, nImage,
                          SQLITE_DESERIALIZE_FREEONCLOSE |
                              SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
    damaged_die("deserialize", db);
  return db;
}

#endif /* DAMAGED_INDEX_H */
