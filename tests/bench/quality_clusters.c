/*
** quality_clusters.c: quality and speed of papers_clusters.
**
**   quality_clusters EXTENSION[,SEED_BUILD...] DATA_DIR [K [INDEX_OPTIONS]]
**   quality_clusters EXTENSION DATA_DIR --scale N DB_FILE
**
** First form: reads every *.jsonl file of DATA_DIR (arXiv records: id,
** categories, title, summary) by the protocol of shared/eval/README.md (first
** record of each id, primary categories with at least 50 papers), indexes
** title + abstract with papers_index, clusters the whole index with
** papers_clusters(index, NULL, K) (K: the number of categories when absent)
** and prints normalized mutual information (arithmetic normalisation, as
** scikit-learn's default), the adjusted Rand index and purity against the
** primary category, and the time taken. A figure, not a test. Each
** SEED_BUILD (comma-separated after EXTENSION) is the extension built with
** another CLUSTERS_SEED: the same index (a copy of the database) is
** clustered again with it, and the NMIs of all the builds are printed with
** their spread (max - min), the figure of how much the result hangs on the
** seed.
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

#define MAX_SEED_BUILDS 16

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
static double report(const double *aN, int nI, int nJ, double total, int isPrinted) {
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
  double nmi = mi / ((hI + hJ) / 2);
  if (isPrinted) {
    printf("NMI %.4f   ARI %.4f   purity %.4f   (%d clusters)\n", nmi, ari, pure / total,
           nJ);
  }
  free(aRow);
  free(aCol);
  return nmi;
}

/* Clusters the index into k (table zResult) and scores it against the nClass
** classes; returns the NMI, printing the scores when isPrinted. */
static double cluster_and_score(sqlite3 *db, int k, int nClass, const char *zResult,
                                int isPrinted) {
  char *zSql = sqlite3_mprintf("CREATE TABLE \"%w\" AS SELECT rowid AS id, cluster"
                               " FROM papers_clusters('topics', NULL, %d)",
                               zResult, k);
  exec(db, zSql);
  sqlite3_free(zSql);
  double *aN = calloc((size_t)(nClass * k), sizeof(double));
  double total = 0;
  sqlite3_stmt *pStmt;
  zSql = sqlite3_mprintf("SELECT c.i, r.cluster - 1 FROM \"%w\" r JOIN papers p"
                         " ON p.id = r.id JOIN classes c ON c.category = p.category",
                         zResult);
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0))
    die(db, "prepare");
  sqlite3_free(zSql);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    aN[sqlite3_column_int(pStmt, 0) * k + sqlite3_column_int(pStmt, 1)] += 1;
    total += 1;
  }
  sqlite3_finalize(pStmt);
  if (isPrinted) {
    printf("papers %.0f in %d classes, k = %d\n", total, nClass, k);
  }
  double nmi = report(aN, nClass, k, total, isPrinted);
  free(aN);
  return nmi;
}

/* The NMI of the same index clustered by the extension zExtension (another
** seed's build), in a fresh connection over a copy of db. */
static double seed_nmi(sqlite3 *db, const char *zExtension, int k, int nClass) {
  sqlite3_int64 nByte = 0;
  unsigned char *aImage = sqlite3_serialize(db, "main", &nByte, 0);
  if (aImage == 0)
    die(db, "serialize");
  sqlite3 *dbSeed;
  char *zErr = 0;
  sqlite3_open(":memory:", &dbSeed);
  if (sqlite3_deserialize(dbSeed, "main", aImage, nByte, nByte,
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE))
    die(dbSeed, "deserialize");
  sqlite3_enable_load_extension(dbSeed, 1);
  if (sqlite3_load_extension(dbSeed, zExtension, 0, &zErr) != SQLITE_OK)
    die(dbSeed, zErr);
  double nmi = cluster_and_score(dbSeed, k, nClass, "seed_result", 0);
  sqlite3_close(dbSeed);
  return nmi;
}

static int quality(sqlite3 *db, const char *zDir, int k, const char *zOptions,
                   char **azSeedBuild, int nSeedBuild) {
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
  printf("index options: %s\n", zOptions ? zOptions : "defaults");
  double t0 = now_seconds();
  double nmi = cluster_and_score(db, k, nClass, "result", 1);
  printf("clustering %.3f s\n", now_seconds() - t0);
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
  if (nSeedBuild > 0) {
    double least = nmi, most = nmi, sum = nmi;
    printf("NMI by seed: %.4f (shipped)", nmi);
    for (int i = 0; i < nSeedBuild; i++) {
      double seedNmi = seed_nmi(db, azSeedBuild[i], k, nClass);
      printf(", %.4f (%s)", seedNmi, azSeedBuild[i]);
      fflush(stdout);
      least = seedNmi < least ? seedNmi : least;
      most = seedNmi > most ? seedNmi : most;
      sum += seedNmi;
    }
    printf("\nNMI over %d seeds: mean %.4f, min %.4f, max %.4f, spread %.4f\n",
           nSeedBuild + 1, sum / (nSeedBuild + 1), least, most, most - least);
  }
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
    fprintf(
        stderr,
        "usage: quality_clusters EXTENSION[,SEED_BUILD...] DATA_DIR [K [INDEX_OPTIONS]]\n"
        "       quality_clusters EXTENSION DATA_DIR --scale N DB_FILE\n");
    return 2;
  }
  /* argv[1]: the extension, then the other seeds' builds, comma-separated */
  char *azSeedBuild[MAX_SEED_BUILDS];
  int nSeedBuild = 0;
  for (char *z = strchr(argv[1], ','); z && nSeedBuild < MAX_SEED_BUILDS;
       z = strchr(z + 1, ',')) {
    *z = 0;
    azSeedBuild[nSeedBuild++] = z + 1;
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
    quality(db, argv[2], argc > 3 ? atoi(argv[3]) : 0, argc > 4 ? argv[4] : 0,
            azSeedBuild, nSeedBuild);
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
