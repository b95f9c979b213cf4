/*
** quality_clusters.c: quality and speed of papers_clusters.
**
**   quality_clusters EXTENSION DATA_DIR [K [INDEX_OPTIONS]]
**   quality_clusters EXTENSION DATA_DIR --scale N DB_FILE
**
** First form: reads every *.jsonl file of DATA_DIR (arXiv records: id,
** categories, title, summary) by the protocol of shared/eval/README.md (first
** record of each id, primary categories with at least 50 papers), indexes
** title + abstract with papers_index, clusters the whole index with
** papers_clusters(index, NULL, K) (K: the number of categories when absent)
** and prints normalized mutual information (arithmetic normalisation, as
** scikit-learn's default), the adjusted Rand index and purity against the
** primary category, and the time taken. A figure, not a test.
**
** Second form: a speed and memory figure at scale. When DB_FILE does not
** exist it is made: N papers from the records repeated with perturbation
** (copy c of a paper drops every word whose position p has (p + c) % 5 == 0,
** and its title gets " (c)"), indexed. Then, in this process (which did not
** build, when DB_FILE existed), papers_clusters(index, NULL, NULL) and
** (index, NULL, 8) run and the time and the process's peak resident memory
** are printed: run it twice, the second run measures the clustering alone.
*/
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "jsonl.h"

static void die(sqlite3 *db, const char *zWhat) {
  fprintf(stderr, "quality_clusters: %s: %s\n", zWhat, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static void exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "quality_clusters: %s\n  in: %.200s\n", zErr, zSql);
    exit(1);
  }
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

static double comb2(double n) {
  return n * (n - 1) / 2;
}

/* NMI, ARI and purity of the contingency table n[i * nJ + j] (i: class,
** j: cluster). */
static void report(const double *aN, int nI, int nJ, double total) {
  double *aRow = calloc((size_t)nI, sizeof(double));
  double *aCol = calloc((size_t)nJ, sizeof(double));
  for (int i = 0; i < nI; i++) {
    for (int j = 0; j < nJ; j++) {
      aRow[i] += aN[i * nJ + j];
      aCol[j] += aN[i * nJ + j];
    }
  }
  double mi = 0, hI = 0, hJ = 0, sumComb = 0, rowComb = 0, colComb = 0, pure = 0;
  for (int i = 0; i < nI; i++) {
    if (aRow[i] > 0)
      hI -= aRow[i] / total * log(aRow[i] / total);
    rowComb += comb2(aRow[i]);
  }
  for (int j = 0; j < nJ; j++) {
    double best = 0;
    if (aCol[j] > 0)
      hJ -= aCol[j] / total * log(aCol[j] / total);
    colComb += comb2(aCol[j]);
    for (int i = 0; i < nI; i++) {
      double v = aN[i * nJ + j];
      if (v > 0)
        mi += v / total * log(v * total / (aRow[i] * aCol[j]));
      sumComb += comb2(v);
      if (v > best)
        best = v;
    }
    pure += best;
  }
  double expected = rowComb * colComb / comb2(total);
  double ari = (sumComb - expected) / ((rowComb + colComb) / 2 - expected);
  printf("NMI %.4f   ARI %.4f   purity %.4f   (%d clusters)\n", mi / ((hI + hJ) / 2), ari,
         pure / total, nJ);
  free(aRow);
  free(aCol);
}

static int quality(sqlite3 *db, const char *zDir, int k, const char *zOptions) {
  bench_load_eval_papers(db, zDir);
  char *zCreate = sqlite3_mprintf("CREATE VIRTUAL TABLE topics USING "
                                  "papers_index(content='papers', content_rowid='id',"
                                  " columns='title, abstract'%s%s)",
                                  zOptions ? ", " : "", zOptions ? zOptions : "");
  exec(db, zCreate);
  sqlite3_free(zCreate);
  exec(db, "INSERT INTO topics(topics) VALUES('rebuild')");
  exec(db, "CREATE TABLE classes AS SELECT category, row_number() OVER (ORDER BY count(*)"
           " DESC, category) - 1 AS i FROM papers GROUP BY category");
  sqlite3_stmt *pStmt;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM classes", -1, &pStmt, 0) ||
      sqlite3_step(pStmt) != SQLITE_ROW)
    die(db, "classes");
  int nClass = sqlite3_column_int(pStmt, 0);
  sqlite3_finalize(pStmt);
  if (k == 0)
    k = nClass;
  double t0 = now_seconds();
  char *zSql = sqlite3_mprintf("CREATE TABLE result AS SELECT rowid AS id, cluster"
                               " FROM papers_clusters('topics', NULL, %d)",
                               k);
  exec(db, zSql);
  sqlite3_free(zSql);
  double tCluster = now_seconds() - t0;
  double *aN = calloc((size_t)(nClass * k), sizeof(double));
  double total = 0;
  int nCluster = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT c.i, r.cluster - 1 FROM result r JOIN papers p"
                         " ON p.id = r.id JOIN classes c ON c.category = p.category",
                         -1, &pStmt, 0))
    die(db, "prepare");
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    int j = sqlite3_column_int(pStmt, 1);
    aN[sqlite3_column_int(pStmt, 0) * k + j] += 1;
    total += 1;
    if (j + 1 > nCluster)
      nCluster = j + 1;
  }
  sqlite3_finalize(pStmt);
  printf("papers %.0f in %d classes, k = %d (index options: %s)\n", total, nClass, k,
         zOptions ? zOptions : "defaults");
  report(aN, nClass, k, total);
  printf("clustering %.3f s\n", tCluster);
  if (sqlite3_prepare_v2(
          db,
          "SELECT cluster, size, label FROM papers_clusters('topics', NULL,"
          " ?1) GROUP BY cluster ORDER BY cluster",
          -1, &pStmt, 0))
    die(db, "prepare");
  sqlite3_bind_int(pStmt, 1, k);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    printf("  %d %5d %s\n", sqlite3_column_int(pStmt, 0), sqlite3_column_int(pStmt, 1),
           sqlite3_column_text(pStmt, 2));
  }
  sqlite3_finalize(pStmt);
  free(aN);
  return 0;
}

/* Writes text into pStr without the words at positions p, (p + c) % 5 == 0. */
static void perturb(sqlite3_str *pStr, const char *z, int c) {
  int p = 0;
  while (*z) {
    while (*z == ' ' || *z == '\n')
      z++;
    const char *zWord = z;
    while (*z && *z != ' ' && *z != '\n')
      z++;
    if (z > zWord && (p + c) % 5 != 0)
      sqlite3_str_appendf(pStr, "%.*s ", (int)(z - zWord), zWord);
    p++;
  }
}

static void build_scaled(sqlite3 *db, const char *zDir, int nPaper) {
  bench_load_eval_papers(db, zDir);
  exec(db, "CREATE TABLE big(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT)");
  sqlite3_stmt *pSrc, *pInsert;
  if (sqlite3_prepare_v2(db, "SELECT title, abstract FROM papers ORDER BY id", -1, &pSrc,
                         0) ||
      sqlite3_prepare_v2(db, "INSERT INTO big(title, abstract) VALUES (?1, ?2)", -1,
                         &pInsert, 0))
    die(db, "prepare");
  exec(db, "BEGIN");
  for (int n = 0, c = 0; n < nPaper; c++) {
    while (n < nPaper && sqlite3_step(pSrc) == SQLITE_ROW) {
      sqlite3_str *pTitle = sqlite3_str_new(db), *pAbstract = sqlite3_str_new(db);
      sqlite3_str_appendf(pTitle, "%s (%d)", sqlite3_column_text(pSrc, 0), c);
      perturb(pAbstract, (const char *)sqlite3_column_text(pSrc, 1), c);
      char *zTitle = sqlite3_str_finish(pTitle),
           *zAbstract = sqlite3_str_finish(pAbstract);
      sqlite3_bind_text(pInsert, 1, zTitle, -1, sqlite3_free);
      sqlite3_bind_text(pInsert, 2, zAbstract, -1, sqlite3_free);
      sqlite3_step(pInsert);
      sqlite3_reset(pInsert);
      n++;
    }
    sqlite3_reset(pSrc);
  }
  exec(db, "COMMIT");
  sqlite3_finalize(pSrc);
  sqlite3_finalize(pInsert);
  exec(db, "DROP TABLE papers");
  exec(db,
       "CREATE VIRTUAL TABLE topics USING papers_index(content='big', content_rowid='id',"
       " columns='title, abstract')");
  double t0 = now_seconds();
  exec(db, "INSERT INTO topics(topics) VALUES('rebuild')");
  printf("built %d papers, index rebuild %.1f s\n", nPaper, now_seconds() - t0);
}

static void time_clusters(sqlite3 *db, const char *zK) {
  char *zSql =
      sqlite3_mprintf("SELECT count(*), max(cluster) FROM papers_clusters('topics',"
                      " NULL, %s)",
                      zK);
  sqlite3_stmt *pStmt;
  double t0 = now_seconds();
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) || sqlite3_step(pStmt) != SQLITE_ROW)
    die(db, "papers_clusters");
  printf(
      "papers_clusters(k %s): %d papers, %d clusters, %.2f s, peak RSS so far %.0f MB\n",
      zK, sqlite3_column_int(pStmt, 0), sqlite3_column_int(pStmt, 1), now_seconds() - t0,
      peak_mb());
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
}

/* A day's digest: the first nPaper papers of the index, automatic k. */
static void time_digest(sqlite3 *db, int nPaper) {
  sqlite3_stmt *pStmt;
  if (sqlite3_prepare_v2(db,
                         "SELECT count(*), max(cluster) FROM papers_clusters('topics',"
                         " (SELECT json_group_array(id) FROM (SELECT id FROM topics_docs"
                         " ORDER BY id LIMIT ?1)))",
                         -1, &pStmt, 0))
    die(db, "prepare");
  sqlite3_bind_int(pStmt, 1, nPaper);
  for (int i = 0; i < 3; i++) {
    double t0 = now_seconds();
    if (sqlite3_step(pStmt) != SQLITE_ROW)
      die(db, "papers_clusters");
    printf("papers_clusters(first %d papers, k NULL): %d clusters, %.1f ms\n",
           sqlite3_column_int(pStmt, 0), sqlite3_column_int(pStmt, 1),
           (now_seconds() - t0) * 1000);
    sqlite3_reset(pStmt);
  }
  sqlite3_finalize(pStmt);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: quality_clusters EXTENSION DATA_DIR [K [INDEX_OPTIONS]]\n"
                    "       quality_clusters EXTENSION DATA_DIR --scale N DB_FILE\n");
    return 2;
  }
  int isScale = argc > 5 && strcmp(argv[3], "--scale") == 0;
  int isNew = isScale && access(argv[5], F_OK) != 0;
  sqlite3 *db;
  char *zErr = 0;
  sqlite3_open(isScale ? argv[5] : ":memory:", &db);
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, argv[1], 0, &zErr) != SQLITE_OK)
    die(db, zErr);
  if (!isScale) {
    quality(db, argv[2], argc > 3 ? atoi(argv[3]) : 0, argc > 4 ? argv[4] : 0);
  } else {
    if (isNew)
      build_scaled(db, argv[2], atoi(argv[4]));
    printf("peak RSS before clustering %.0f MB\n", peak_mb());
    time_digest(db, 600);
    time_clusters(db, "8");
    time_clusters(db, "NULL");
  }
  sqlite3_close(db);
  return 0;
}
