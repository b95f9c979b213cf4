/*
** quality.c: topic-similarity quality of papers_index's "more like this",
** by the protocol of shared/eval/README.md.
**
**   quality EXTENSION DATA_DIR [INDEX_OPTIONS]
**
** Reads every *.jsonl file of DATA_DIR (arXiv records: id, categories,
** title, summary), keeps the first record of each id, keeps the papers whose
** primary category has at least 50 papers, indexes title + abstract with
** CREATE VIRTUAL TABLE ... USING papers_index(content=..., columns='title,
** abstract' [, INDEX_OPTIONS]), and for every paper takes its 10 nearest
** other papers (WHERE similar_to = :id ORDER BY score DESC LIMIT 10). It
** prints precision@10 (share of the 10 with the same primary category),
** macro precision@10 (averaged per category first) and the random-ranker
** level of both. Then what people do with it (docs/quality.md):
**   - each paper's title as the query (WHERE query = title): the share of
**     papers found first (success@1), and the category precision of the 10
**     results (the paper itself included);
**   - a mixed library, the same papers with the abstract of every paper of
**     even id left out: more-like-this P@10 of the papers with and without
**     an abstract;
**   - a skewed library, cs.CV whole and the first 25 papers (by id) of every
**     other category: P@5 of those minority papers.
** Beside each, scikit-learn's figure (tests/bench/quality_baseline.py, run
** once). A figure, not a test.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonl.h"

#define MIN_CLASS_SIZE 50
#define K              10

static void die(sqlite3 *db, const char *zWhat) {
  fprintf(stderr, "quality: %s: %s\n", zWhat, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static void exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "quality: %s\n  in: %.200s\n", zErr, zSql);
    exit(1);
  }
}

/* The single number a query returns. */
static double number(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) || sqlite3_step(pStmt) != SQLITE_ROW)
    die(db, zSql);
  double value = sqlite3_column_double(pStmt, 0);
  sqlite3_finalize(pStmt);
  return value;
}

/* Indexes table zTable (id, category, title, abstract) as zIndex, with the
** options of the run. */
static void index_table(sqlite3 *db, const char *zTable, const char *zIndex,
                        const char *zOptions) {
  char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE %s USING papers_index(content='%s',"
                               " content_rowid='id', columns='title, abstract'%s%s);"
                               "INSERT INTO %s(%s) VALUES('rebuild')",
                               zIndex, zTable, zOptions ? ", " : "",
                               zOptions ? zOptions : "", zIndex, zIndex);
  exec(db, zSql);
  sqlite3_free(zSql);
}

/* For every paper zPapers selects (id, then the query value), the first nKeep
** results of zQuery (?1 the value) into table zHits(id, rank, neighbour). */
static void gather(sqlite3 *db, const char *zPapers, const char *zQuery, int nKeep,
                   const char *zHits) {
  sqlite3_stmt *pPapers, *pQuery, *pHit;
  char *zCreate = sqlite3_mprintf("CREATE TABLE %s(id INTEGER, rank INTEGER,"
                                  " neighbour INTEGER)",
                                  zHits);
  exec(db, zCreate);
  sqlite3_free(zCreate);
  char *zSql = sqlite3_mprintf("%s ORDER BY score DESC LIMIT %d", zQuery, nKeep);
  char *zInsert = sqlite3_mprintf("INSERT INTO %s VALUES (?1, ?2, ?3)", zHits);
  if (sqlite3_prepare_v2(db, zPapers, -1, &pPapers, 0) ||
      sqlite3_prepare_v2(db, zSql, -1, &pQuery, 0) ||
      sqlite3_prepare_v2(db, zInsert, -1, &pHit, 0)) {
    die(db, "prepare");
  }
  sqlite3_free(zSql);
  sqlite3_free(zInsert);
  exec(db, "BEGIN");
  while (sqlite3_step(pPapers) == SQLITE_ROW) {
    sqlite3_bind_value(pQuery, 1, sqlite3_column_value(pPapers, 1));
    for (int iRank = 1; sqlite3_step(pQuery) == SQLITE_ROW; iRank++) {
      sqlite3_bind_int64(pHit, 1, sqlite3_column_int64(pPapers, 0));
      sqlite3_bind_int(pHit, 2, iRank);
      sqlite3_bind_int64(pHit, 3, sqlite3_column_int64(pQuery, 0));
      sqlite3_step(pHit);
      sqlite3_reset(pHit);
    }
    if (sqlite3_reset(pQuery) != SQLITE_OK)
      die(db, zQuery);
  }
  exec(db, "COMMIT");
  sqlite3_finalize(pPapers);
  sqlite3_finalize(pQuery);
  sqlite3_finalize(pHit);
}

/* What people do: a title as the query, a library where half the papers have
** only a title, a library where one category dominates. */
static void report_uses(sqlite3 *db, const char *zOptions) {
  gather(db, "SELECT id, title FROM papers", "SELECT rowid FROM topics WHERE query = ?1",
         10, "title_hits");
  printf("title as query: success@1 %.4f  P@10 %.4f   (scikit-learn sparse 0.9956, "
         "0.6122)\n",
         number(db, "SELECT avg(neighbour = id) FROM title_hits WHERE rank = 1"),
         number(db,
                "SELECT (SELECT count(*) FROM title_hits h JOIN papers p ON p.id = h.id"
                " JOIN papers n ON n.id = h.neighbour WHERE n.category = p.category)"
                " / (10.0 * (SELECT count(*) FROM papers))"));
  exec(db, "CREATE TABLE mixed AS SELECT id, category, title,"
           " CASE WHEN id % 2 = 0 THEN NULL ELSE abstract END AS abstract FROM papers");
  index_table(db, "mixed", "mixed_topics", zOptions);
  gather(db, "SELECT id, id FROM mixed",
         "SELECT rowid FROM mixed_topics WHERE similar_to = ?1", 10, "mixed_hits");
  const char *zMixed =
      "SELECT avg(precision) FROM (SELECT m.id, (SELECT count(*) FROM"
      " mixed_hits h JOIN mixed n ON n.id = h.neighbour WHERE h.id = m.id"
      " AND n.category = m.category) / 10.0 AS precision FROM mixed m"
      " WHERE (m.abstract IS NULL) = %d)";
  char *zWith = sqlite3_mprintf(zMixed, 0), *zWithout = sqlite3_mprintf(zMixed, 1);
  printf("mixed library: P@10 with abstract %.4f, title only %.4f   (scikit-learn sparse "
         "0.6222, 0.5150)\n",
         number(db, zWith), number(db, zWithout));
  sqlite3_free(zWith);
  sqlite3_free(zWithout);
  exec(db, "CREATE TABLE skewed AS SELECT id, category, title, abstract FROM papers p"
           " WHERE category = 'cs.CV' OR id IN (SELECT id FROM papers q"
           "   WHERE q.category = p.category ORDER BY id LIMIT 25)");
  index_table(db, "skewed", "skewed_topics", zOptions);
  gather(db, "SELECT id, id FROM skewed WHERE category <> 'cs.CV'",
         "SELECT rowid FROM skewed_topics WHERE similar_to = ?1", 5, "skewed_hits");
  printf("skewed library: P@5 of the %d minority papers %.4f   (scikit-learn sparse "
         "0.1909)\n",
         (int)number(db, "SELECT count(*) FROM skewed WHERE category <> 'cs.CV'"),
         number(db,
                "SELECT (SELECT count(*) FROM skewed_hits h JOIN skewed s ON s.id = h.id"
                " JOIN skewed n ON n.id = h.neighbour WHERE n.category = s.category)"
                " / (5.0 * (SELECT count(*) FROM skewed WHERE category <> 'cs.CV'))"));
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: quality EXTENSION DATA_DIR [INDEX_OPTIONS]\n");
    return 2;
  }
  sqlite3 *db;
  char *zErr = 0;
  sqlite3_open(":memory:", &db);
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, argv[1], 0, &zErr) != SQLITE_OK)
    die(db, zErr);
  bench_load_eval_papers(db, argv[2]);
  char *zCreate = sqlite3_mprintf("CREATE VIRTUAL TABLE topics USING "
                                  "papers_index(content='papers', content_rowid='id',"
                                  " columns='title, abstract'%s%s)",
                                  argc > 3 ? ", " : "", argc > 3 ? argv[3] : "");
  exec(db, zCreate);
  sqlite3_free(zCreate);
  double t0 = now_seconds();
  exec(db, "INSERT INTO topics(topics) VALUES('rebuild')");
  double tBuild = now_seconds() - t0;
  exec(db, "CREATE TABLE hits(id INTEGER, neighbour INTEGER)");
  sqlite3_stmt *pPapers, *pNearest, *pHit;
  if (sqlite3_prepare_v2(db, "SELECT id FROM papers ORDER BY id", -1, &pPapers, 0) ||
      sqlite3_prepare_v2(db,
                         "SELECT rowid FROM topics WHERE similar_to = ?1"
                         " ORDER BY score DESC LIMIT 10",
                         -1, &pNearest, 0) ||
      sqlite3_prepare_v2(db, "INSERT INTO hits VALUES (?1, ?2)", -1, &pHit, 0)) {
    die(db, "prepare");
  }
  t0 = now_seconds();
  exec(db, "BEGIN");
  while (sqlite3_step(pPapers) == SQLITE_ROW) {
    sqlite3_int64 iPaper = sqlite3_column_int64(pPapers, 0);
    sqlite3_bind_int64(pNearest, 1, iPaper);
    while (sqlite3_step(pNearest) == SQLITE_ROW) {
      sqlite3_bind_int64(pHit, 1, iPaper);
      sqlite3_bind_int64(pHit, 2, sqlite3_column_int64(pNearest, 0));
      sqlite3_step(pHit);
      sqlite3_reset(pHit);
    }
    if (sqlite3_reset(pNearest) != SQLITE_OK)
      die(db, "more like this");
  }
  exec(db, "COMMIT");
  sqlite3_finalize(pPapers);
  sqlite3_finalize(pNearest);
  sqlite3_finalize(pHit);
  double tQuery = now_seconds() - t0;
  sqlite3_stmt *pStmt;
  const char *zReport =
      "WITH per_paper AS ("
      "  SELECT p.id, p.category, (SELECT count(*) FROM hits h JOIN papers n ON n.id = "
      "h.neighbour"
      "    WHERE h.id = p.id AND n.category = p.category) * 1.0 / 10 AS precision FROM "
      "papers p),"
      " classes AS (SELECT category, count(*) AS n, avg(precision) AS precision FROM "
      "per_paper"
      "   GROUP BY category),"
      " total AS (SELECT sum(n) AS n FROM classes)"
      " SELECT (SELECT n FROM total), (SELECT count(*) FROM classes),"
      "  (SELECT avg(precision) FROM per_paper), (SELECT avg(precision) FROM classes),"
      "  (SELECT sum(n * (n - 1.0)) / ((SELECT n FROM total) * ((SELECT n FROM total) - "
      "1.0))"
      "     FROM classes),"
      "  (SELECT avg((n - 1.0) / ((SELECT n FROM total) - 1.0)) FROM classes)";
  if (sqlite3_prepare_v2(db, zReport, -1, &pStmt, 0) ||
      sqlite3_step(pStmt) != SQLITE_ROW) {
    die(db, "report");
  }
  printf("papers %d in %d classes (index options: %s)\n", sqlite3_column_int(pStmt, 0),
         sqlite3_column_int(pStmt, 1), argc > 3 ? argv[3] : "defaults");
  printf(
      "P@10        %.4f   (random %.4f; best scikit-learn sparse 0.6409, LSA 0.6449)\n",
      sqlite3_column_double(pStmt, 2), sqlite3_column_double(pStmt, 4));
  printf("macro P@10  %.4f   (random %.4f; best scikit-learn sparse 0.402, LSA 0.459)\n",
         sqlite3_column_double(pStmt, 3), sqlite3_column_double(pStmt, 5));
  printf("rebuild %.2f s, %d more-like-this queries %.2f s\n", tBuild,
         sqlite3_column_int(pStmt, 0), tQuery);
  sqlite3_finalize(pStmt);
  const char *zPerClass =
      "SELECT p.category, count(*), avg((SELECT count(*) FROM hits h JOIN papers n"
      "  ON n.id = h.neighbour WHERE h.id = p.id AND n.category = p.category) / 10.0)"
      " FROM papers p GROUP BY 1 ORDER BY 2 DESC";
  if (sqlite3_prepare_v2(db, zPerClass, -1, &pStmt, 0) == SQLITE_OK) {
    while (sqlite3_step(pStmt) == SQLITE_ROW) {
      printf("  %-8s %5d papers  P@10 %.4f\n", sqlite3_column_text(pStmt, 0),
             sqlite3_column_int(pStmt, 1), sqlite3_column_double(pStmt, 2));
    }
  }
  sqlite3_finalize(pStmt);
  report_uses(db, argc > 3 ? argv[3] : 0);
  sqlite3_close(db);
  return 0;
}
