/*
** bench_index.c: papers_index against FTS5 and an exhaustive scan, at scale.
**
**   bench_index EXTENSION DATA_DIR [--svg FILE] [--queries N] SIZE...
**
** For each SIZE (documents; 10000, 100000, 1000000 ...) it makes a fresh
** database build/bench/index-SIZE.db holding papers(id, title, abstract)
** from the corpus generator (corpus.h), then measures, in the same run on the
** same documents:
**   - build: INSERT INTO t(t) VALUES('rebuild') of a papers_index table and of
**     an FTS5 table (tokenize='porter unicode61', external content), each in
**     its own transaction, commit included; the peak of SQLite's memory
**     (sqlite3_status64 MEMORY_USED, page cache included) during each;
**   - more-like-this top-10 of N random papers (200 by default): papers'
**     WHERE similar_to = ?; FTS5 MATCH of the paper's 25 highest-weighted
**     terms (papers_keywords, quoted, OR'ed) ORDER BY bm25 LIMIT 10, the query
**     text made before the clock starts; and an exhaustive scan scoring every
**     stored vector with papers_similarity (fewer papers: it is slow). For the
**     exhaustively ranked papers, the index's top-10 must be the same rows with
**     the same scores (the exact top-k check);
**   - incremental: a 100-paper digest inserted into the content table through
**     the triggers of each index, then deleted, each in one transaction; then
**     digests in a row, one transaction each, until papers' spread merges
**     have gone round the pending level once (the mean is what a digest
**     costs over time), and as
**     many through FTS5's triggers; then the exact top-10 check again for a
**     few papers of a digest left in the pending level;
**   - disk: the pages of each index's shadow tables (dbstat).
** It prints the figures and their ratios, the targets of issue 4, and with
** --svg an SVG plot of build time and latency against size.
*/
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "corpus.h"

#define MAX_SIZES 8
#define DIGEST    100
#define TOP_TERMS 25

typedef struct Result {
  long long nDoc;
  double buildPapers, buildFts;                                  /* seconds */
  double memPapers, memFts;                                      /* bytes */
  double p50Papers, p95Papers, p50Fts, p95Fts, p50Scan, p95Scan; /* seconds */
  int nQuery, nScan, nMismatch;
  int nPendingScan, nPendingMismatch; /* the same check with a digest pending */
  double insPapers, delPapers, insFts, delFts, insNone, delNone; /* seconds */
  int nSustained; /* digests in a row until papers' merges went round once */
  double susPapersMean, susPapersMax, susFtsMean, susFtsMax; /* seconds */
  double sizePapers, sizeFts, sizeContent;                   /* bytes */
} Result;

static void die(sqlite3 *db, const char *zWhat) {
  fprintf(stderr, "bench_index: %s: %s\n", zWhat, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static void exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "bench_index: %s\n  in: %.300s\n", zErr, zSql);
    exit(1);
  }
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK)
    die(db, zSql);
  return pStmt;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sqlite3_uint64 splitmix64(sqlite3_uint64 *pState) {
  sqlite3_uint64 z = (*pState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int compare_doubles(const void *pA, const void *pB) {
  double a = *(const double *)pA, b = *(const double *)pB;
  return (a > b) - (a < b);
}

/* The q-th quantile (0..1) of a[0..n), sorted in place. */
static double quantile(double *a, int n, double q) {
  if (n == 0)
    return 0;
  qsort(a, (size_t)n, sizeof(double), compare_doubles);
  int i = (int)(q * (n - 1) + 0.5);
  return a[i];
}

static double scalar(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = prepare(db, zSql);
  double v = sqlite3_step(pStmt) == SQLITE_ROW ? sqlite3_column_double(pStmt, 0) : 0;
  sqlite3_finalize(pStmt);
  return v;
}

/* Inserts papers [iFrom, iTo) of the corpus as rows iFrom + 1 ... */
static void insert_papers(sqlite3 *db, BenchCorpus *pCorpus, long long iFrom,
                          long long iTo) {
  sqlite3_stmt *pInsert =
      prepare(db, "INSERT INTO papers(id, title, abstract) VALUES (?1, ?2, ?3)");
  for (long long i = iFrom; i < iTo; i++) {
    const char *zTitle, *zAbstract;
    bench_corpus_paper(pCorpus, i, &zTitle, &zAbstract);
    sqlite3_bind_int64(pInsert, 1, i + 1);
    sqlite3_bind_text(pInsert, 2, zTitle, -1, SQLITE_STATIC);
    sqlite3_bind_text(pInsert, 3, zAbstract, -1, SQLITE_STATIC);
    if (sqlite3_step(pInsert) != SQLITE_DONE)
      die(db, "insert");
    sqlite3_reset(pInsert);
  }
  sqlite3_finalize(pInsert);
}

/* Times one rebuild command in its own transaction; *pMem its memory peak. */
static double timed_build(sqlite3 *db, const char *zSql, double *pMem) {
  sqlite3_int64 iCur, iHigh;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &iCur, &iHigh, 1);
  double t0 = now();
  exec(db, "BEGIN");
  exec(db, zSql);
  exec(db, "COMMIT");
  double t = now() - t0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &iCur, &iHigh, 0);
  *pMem = (double)iHigh;
  return t;
}

/* Runs a prepared query with ?1 bound to iDoc (and ?2 to zText when given),
** returns its seconds; the rows as JSON [[rowid, score], ...] into zOut. */
static double timed_query(sqlite3_stmt *pStmt, long long iDoc, const char *zText,
                          char *zOut, size_t nOut) {
  double t0 = now();
  if (zText)
    sqlite3_bind_text(pStmt, 1, zText, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64(pStmt, 1, iDoc);
  size_t n = 0;
  if (zOut)
    n += (size_t)snprintf(zOut, nOut, "[");
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    if (zOut && n < nOut) {
      n += (size_t)snprintf(zOut + n, nOut - n, "%s[%lld,%.17g]", n > 1 ? "," : "",
                            sqlite3_column_int64(pStmt, 0),
                            sqlite3_column_double(pStmt, 1));
    }
  }
  if (sqlite3_reset(pStmt) != SQLITE_OK)
    die(sqlite3_db_handle(pStmt), "query");
  double t = now() - t0;
  if (zOut && n < nOut)
    snprintf(zOut + n, nOut - n, "]");
  return t;
}

/* The FTS5 query of a paper: its 25 highest-weighted terms, quoted, OR'ed. */
static char *fts_query(sqlite3 *db, long long iDoc) {
  static sqlite3_stmt *pStmt = 0;
  if (pStmt == 0) {
    pStmt = prepare(
        db, "SELECT group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR ')"
            " FROM papers_keywords((SELECT title || char(10) || abstract FROM papers"
            " WHERE id = ?1), 25, 'topics')");
  }
  if (db == 0) {
    sqlite3_finalize(pStmt);
    pStmt = 0;
    return 0;
  }
  sqlite3_bind_int64(pStmt, 1, iDoc);
  char *z = 0;
  if (sqlite3_step(pStmt) == SQLITE_ROW)
    z = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
  sqlite3_reset(pStmt);
  return z;
}

static const char zPapersTop[] = "SELECT rowid, score FROM topics WHERE similar_to = ?1"
                                 " ORDER BY score DESC LIMIT 10";
static const char zScanTop[] =
    "SELECT rowid, papers_similarity(vector, (SELECT vector FROM topics WHERE rowid = "
    "?1))"
    " AS s FROM topics WHERE rowid != ?1 AND s > 0 ORDER BY s DESC, rowid LIMIT 10";

/* How many exhaustively scored papers to check at a size: the scan is slow. */
static int scan_count(long long nDoc) {
  int nScan = (int)(2000000 / nDoc);
  return nScan > 20 ? 20 : nScan < 5 ? 5 : nScan;
}

/* Whether the index's top 10 of a paper differs from the exhaustive one
** (printed when it does); *pScan: the exhaustive query's seconds. */
static int top_differs(sqlite3_stmt *pScan, long long iDoc, const char *zIndexTop,
                       double *pScanTime) {
  char zB[4096];
  *pScanTime = timed_query(pScan, iDoc, 0, zB, sizeof(zB));
  if (strcmp(zIndexTop, zB) == 0)
    return 0;
  fprintf(stderr, "MISMATCH for paper %lld:\n  index:      %s\n  exhaustive: %s\n", iDoc,
          zIndexTop, zB);
  return 1;
}

static void measure_queries(sqlite3 *db, Result *pRes, int nQuery) {
  sqlite3_stmt *pPapers = prepare(db, zPapersTop);
  sqlite3_stmt *pFts = prepare(db, "SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ?1"
                                   " ORDER BY bm25(fts) LIMIT 10");
  sqlite3_stmt *pScan = prepare(db, zScanTop);
  double *aPapers = malloc(sizeof(double) * (size_t)nQuery);
  double *aFts = malloc(sizeof(double) * (size_t)nQuery);
  double *aScan = malloc(sizeof(double) * (size_t)nQuery);
  int nScan = scan_count(pRes->nDoc);
  if (nScan > nQuery)
    nScan = nQuery; /* aScan holds nQuery timings */
  sqlite3_uint64 state = 42;
  char zA[4096];
  for (int q = 0; q < nQuery; q++) {
    long long iDoc = 1 + (long long)(splitmix64(&state) % (sqlite3_uint64)pRes->nDoc);
    char *zMatch = fts_query(db, iDoc);
    aPapers[q] = timed_query(pPapers, iDoc, 0, zA, sizeof(zA));
    aFts[q] = zMatch ? timed_query(pFts, 0, zMatch, 0, 0) : 0;
    sqlite3_free(zMatch);
    if (q < nScan)
      pRes->nMismatch += top_differs(pScan, iDoc, zA, &aScan[q]);
  }
  pRes->nQuery = nQuery;
  pRes->nScan = nScan;
  pRes->p50Papers = quantile(aPapers, nQuery, 0.5);
  pRes->p95Papers = quantile(aPapers, nQuery, 0.95);
  pRes->p50Fts = quantile(aFts, nQuery, 0.5);
  pRes->p95Fts = quantile(aFts, nQuery, 0.95);
  pRes->p50Scan = quantile(aScan, nScan, 0.5);
  pRes->p95Scan = quantile(aScan, nScan, 0.95);
  free(aPapers);
  free(aFts);
  free(aScan);
  fts_query(0, 0);
  sqlite3_finalize(pPapers);
  sqlite3_finalize(pFts);
  sqlite3_finalize(pScan);
}

static const char *zPapersTriggers =
    "CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN"
    "  INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, "
    "new.abstract); END;"
    "CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN"
    "  INSERT INTO topics(topics, rowid, title, abstract)"
    "  VALUES ('delete', old.id, old.title, old.abstract); END;";
static const char *zFtsTriggers =
    "CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN"
    "  INSERT INTO fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END;"
    "CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN"
    "  INSERT INTO fts(fts, rowid, title, abstract)"
    "  VALUES ('delete', old.id, old.title, old.abstract); END;";

/* Inserts then deletes the digest through zTriggers (0: none). */
/* One digest, papers iFrom + 1 ... iFrom + DIGEST, in one transaction. */
static void insert_digest(sqlite3 *db, BenchCorpus *pCorpus, long long iFrom) {
  exec(db, "BEGIN");
  insert_papers(db, pCorpus, iFrom, iFrom + DIGEST);
  exec(db, "COMMIT");
}

/* Deletes every paper after the first nDoc, in one transaction. */
static void delete_after(sqlite3 *db, long long nDoc) {
  char *zDelete =
      sqlite3_mprintf("BEGIN; DELETE FROM papers WHERE id > %lld; COMMIT", nDoc);
  exec(db, zDelete);
  sqlite3_free(zDelete);
}

static void timed_digest(sqlite3 *db, BenchCorpus *pCorpus, long long nDoc,
                         const char *zTriggers, double *pIns, double *pDel) {
  if (zTriggers)
    exec(db, zTriggers);
  double t0 = now();
  insert_digest(db, pCorpus, nDoc);
  *pIns = now() - t0;
  t0 = now();
  delete_after(db, nDoc);
  *pDel = now() - t0;
  if (zTriggers)
    exec(db, "DROP TRIGGER papers_ai; DROP TRIGGER papers_ad");
}

/* Inserts digests one transaction each (digest i: papers iFrom + 100 i ...)
** through zTriggers: nDigest of them, or when nDigest is 0 until papers'
** spread merges have gone round the pending level once (the cursor
** 'merge_at' wrapped and came back past 0, where it starts: the level filled,
** then every term merged once), or the whole level merged at once (at most
** MAX_SUSTAINED); then deletes them all. Returns how many, with their mean
** and largest time. */
#define MAX_SUSTAINED 120
static int timed_digests(sqlite3 *db, BenchCorpus *pCorpus, long long iFrom,
                         const char *zTriggers, int nDigest, double *pMean,
                         double *pMax) {
  exec(db, zTriggers);
  double total = 0, largest = 0, pending = 0, cursor = 0;
  int n = 0, hasWrapped = 0;
  for (; nDigest ? n < nDigest : n < MAX_SUSTAINED; n++) {
    double t0 = now();
    insert_digest(db, pCorpus, iFrom + n * DIGEST);
    double t = now() - t0;
    total += t;
    largest = t > largest ? t : largest;
    if (nDigest == 0) {
      double was = pending, wasAt = cursor;
      pending = scalar(db, "SELECT v FROM topics_config WHERE k = 'pending'");
      cursor = scalar(db, "SELECT v FROM topics_config WHERE k = 'merge_at'");
      hasWrapped |= cursor < wasAt;
      if (pending < was / 2 || (hasWrapped && cursor >= 0)) {
        n++;
        break; /* merged once round, or all at once */
      }
    }
  }
  delete_after(db, iFrom);
  exec(db, "DROP TRIGGER papers_ai; DROP TRIGGER papers_ad");
  *pMean = total / n;
  *pMax = largest;
  return n;
}

/* The exact top-10 check again with a digest in papers' pending level: a few
** of its papers (their postings pending, most of their neighbours' merged). */
static void check_pending(sqlite3 *db, BenchCorpus *pCorpus, Result *pRes) {
  exec(db, zPapersTriggers);
  insert_digest(db, pCorpus, pRes->nDoc);
  sqlite3_stmt *pPapers = prepare(db, zPapersTop);
  sqlite3_stmt *pScan = prepare(db, zScanTop);
  int nCheck = scan_count(pRes->nDoc) / 4;
  nCheck = nCheck < 2 ? 2 : nCheck;
  for (int i = 0; i < nCheck; i++) {
    long long iDoc = pRes->nDoc + 1 + i * (DIGEST / nCheck);
    char zA[4096];
    double t;
    timed_query(pPapers, iDoc, 0, zA, sizeof(zA));
    pRes->nPendingMismatch += top_differs(pScan, iDoc, zA, &t);
  }
  pRes->nPendingScan = nCheck;
  sqlite3_finalize(pPapers);
  sqlite3_finalize(pScan);
  delete_after(db, pRes->nDoc);
  exec(db, "DROP TRIGGER papers_ai; DROP TRIGGER papers_ad");
}

static void run_size(const char *zExt, BenchCorpus *pCorpus, Result *pRes, int nQuery) {
  char zPath[256];
  mkdir("build", 0777);
  mkdir("build/bench", 0777);
  snprintf(zPath, sizeof(zPath), "build/bench/index-%lld.db", pRes->nDoc);
  for (const char *zSuffix = ""; zSuffix; zSuffix = *zSuffix ? 0 : "-wal") {
    char zFile[300];
    snprintf(zFile, sizeof(zFile), "%s%s", zPath, zSuffix);
    remove(zFile);
  }
  sqlite3 *db;
  char *zErr = 0;
  if (sqlite3_open(zPath, &db) != SQLITE_OK)
    die(db, zPath);
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, zExt, 0, &zErr) != SQLITE_OK)
    die(db, zErr);
  exec(db,
       "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;"
       "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT)");
  double t0 = now();
  exec(db, "BEGIN");
  insert_papers(db, pCorpus, 0, pRes->nDoc);
  exec(db, "COMMIT");
  long long nDistinct =
      (long long)scalar(db, "SELECT count(DISTINCT title || abstract) FROM papers");
  printf("  corpus: %lld papers from %d sources, %lld distinct, made in %.1f s\n",
         pRes->nDoc, bench_corpus_sources(pCorpus), nDistinct, now() - t0);
  fflush(stdout);
  exec(db, "CREATE VIRTUAL TABLE fts USING fts5(title, abstract, content='papers',"
           " content_rowid='id', tokenize='porter unicode61');"
           "CREATE VIRTUAL TABLE topics USING papers_index(content='papers', "
           "content_rowid='id',"
           " columns='title, abstract')");
  pRes->buildFts =
      timed_build(db, "INSERT INTO fts(fts) VALUES('rebuild')", &pRes->memFts);
  pRes->buildPapers =
      timed_build(db, "INSERT INTO topics(topics) VALUES('rebuild')", &pRes->memPapers);
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  pRes->sizePapers = scalar(
      db, "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'topics\\_%' ESCAPE '\\'");
  pRes->sizeFts =
      scalar(db, "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'fts\\_%' ESCAPE '\\'");
  pRes->sizeContent = scalar(db, "SELECT sum(pgsize) FROM dbstat WHERE name = 'papers'");
  measure_queries(db, pRes, nQuery);
  timed_digest(db, pCorpus, pRes->nDoc, 0, &pRes->insNone, &pRes->delNone);
  timed_digest(db, pCorpus, pRes->nDoc, zPapersTriggers, &pRes->insPapers,
               &pRes->delPapers);
  timed_digest(db, pCorpus, pRes->nDoc, zFtsTriggers, &pRes->insFts, &pRes->delFts);
  pRes->nSustained = timed_digests(db, pCorpus, pRes->nDoc, zPapersTriggers, 0,
                                   &pRes->susPapersMean, &pRes->susPapersMax);
  timed_digests(db, pCorpus, pRes->nDoc, zFtsTriggers, pRes->nSustained,
                &pRes->susFtsMean, &pRes->susFtsMax);
  check_pending(db, pCorpus, pRes);
  sqlite3_close(db);
}

static const char *verdict(int isMet) {
  return isMet ? "met" : "NOT met";
}

static void report(const Result *r) {
  const double ms = 1000, mb = 1024.0 * 1024.0;
  printf("  build           papers %8.2f s   fts5 %8.2f s   ratio papers/fts5 %.2f\n",
         r->buildPapers, r->buildFts, r->buildPapers / r->buildFts);
  printf(
      "  build memory    papers %8.1f MB  fts5 %8.1f MB  (SQLite's peak, 64 MB page cache"
      " included)\n",
      r->memPapers / mb, r->memFts / mb);
  printf("  more-like-this  papers p50 %7.3f ms p95 %7.3f ms (%d papers)\n",
         r->p50Papers * ms, r->p95Papers * ms, r->nQuery);
  printf("                  fts5   p50 %7.3f ms p95 %7.3f ms  speed-up p50 %.1fx p95 "
         "%.1fx\n",
         r->p50Fts * ms, r->p95Fts * ms, r->p50Fts / r->p50Papers,
         r->p95Fts / r->p95Papers);
  printf("                  scan   p50 %7.1f ms p95 %7.1f ms  speed-up p50 %.0fx (%d "
         "papers)\n",
         r->p50Scan * ms, r->p95Scan * ms, r->p50Scan / r->p50Papers, r->nScan);
  printf("  exact top-10    %d of %d papers differ from the exhaustive ranking; with a"
         " digest pending, %d of %d\n",
         r->nMismatch, r->nScan, r->nPendingMismatch, r->nPendingScan);
  printf("  digest of %d    insert: papers %.1f ms, fts5 %.1f ms, no index %.1f ms;"
         " delete: papers %.1f ms, fts5 %.1f ms, no index %.1f ms\n",
         DIGEST, r->insPapers * ms, r->insFts * ms, r->insNone * ms, r->delPapers * ms,
         r->delFts * ms, r->delNone * ms);
  printf("  %2d digests      in a row, until papers' merges went round once: papers mean"
         " %.1f ms, largest %.1f ms; fts5 mean %.1f ms, largest %.1f ms\n",
         r->nSustained, r->susPapersMean * ms, r->susPapersMax * ms, r->susFtsMean * ms,
         r->susFtsMax * ms);
  printf("  disk            papers %8.1f MB  fts5 %8.1f MB  ratio %.2f  (content table "
         "%.1f MB)\n",
         r->sizePapers / mb, r->sizeFts / mb, r->sizePapers / r->sizeFts,
         r->sizeContent / mb);
  printf("  targets:");
  if (r->nDoc >= 100000 && r->nDoc < 1000000) {
    printf(" build <= fts5 %s; p50 <= 5 ms %s; >= 25x fts5 %s;",
           verdict(r->buildPapers <= r->buildFts), verdict(r->p50Papers <= 0.005),
           verdict(r->p50Fts >= 25 * r->p50Papers));
  }
  if (r->nDoc >= 1000000) {
    printf(" p50 <= 50 ms %s; build memory <= 1 GB %s; insert <= 100 ms %s;",
           verdict(r->p50Papers <= 0.050), verdict(r->memPapers <= 1024 * mb),
           verdict(r->insPapers <= 0.100));
  }
  printf(" size <= 1.5x fts5 %s; exact %s\n", verdict(r->sizePapers <= 1.5 * r->sizeFts),
         verdict(r->nMismatch == 0 && r->nPendingMismatch == 0));
  fflush(stdout);
}

/* ---- the plot --------------------------------------------------------------- */

static double log_scale(double v, double lo, double hi, double from, double to) {
  double f = (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
  return from + f * (to - from);
}

/* One panel: series of values against corpus size, log-log. */
typedef struct Series {
  const char *zName;
  const char *zColor;
  double a[MAX_SIZES];
} Series;

static void svg_panel(FILE *f, double x0, const char *zTitle, const char *zUnit,
                      const Result *aRes, int nRes, const Series *aSeries, int nSeries) {
  const double w = 380, h = 260, left = x0 + 60, top = 40, right = left + w,
               bottom = top + h;
  double lo = 1e300, hi = 0;
  for (int s = 0; s < nSeries; s++) {
    for (int i = 0; i < nRes; i++) {
      if (aSeries[s].a[i] > 0 && aSeries[s].a[i] < lo)
        lo = aSeries[s].a[i];
      if (aSeries[s].a[i] > hi)
        hi = aSeries[s].a[i];
    }
  }
  lo = pow(10, floor(log10(lo)));
  hi = pow(10, ceil(log10(hi)));
  double nLo = (double)aRes[0].nDoc, nHi = (double)aRes[nRes - 1].nDoc;
  if (nHi <= nLo)
    nHi = nLo * 10;
  fprintf(f, "<text x='%.0f' y='24' font-size='15' font-weight='bold'>%s</text>\n", left,
          zTitle);
  fprintf(
      f,
      "<rect x='%.0f' y='%.0f' width='%.0f' height='%.0f' fill='none' stroke='#888'/>\n",
      left, top, w, h);
  for (double v = lo; v <= hi * 1.001; v *= 10) {
    double y = log_scale(v, lo, hi, bottom, top);
    fprintf(f, "<line x1='%.0f' y1='%.1f' x2='%.0f' y2='%.1f' stroke='#ddd'/>\n", left, y,
            right, y);
    fprintf(f, "<text x='%.0f' y='%.1f' font-size='11' text-anchor='end'>%g %s</text>\n",
            left - 4, y + 4, v, zUnit);
  }
  for (int i = 0; i < nRes; i++) {
    double x = log_scale((double)aRes[i].nDoc, nLo, nHi, left + 20, right - 20);
    fprintf(f,
            "<text x='%.1f' y='%.0f' font-size='11' text-anchor='middle'>%lldk</text>\n",
            x, bottom + 16, aRes[i].nDoc / 1000);
  }
  fprintf(f,
          "<text x='%.0f' y='%.0f' font-size='11' text-anchor='middle'>papers</text>\n",
          (left + right) / 2, bottom + 32);
  for (int s = 0; s < nSeries; s++) {
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2' points='",
            aSeries[s].zColor);
    for (int i = 0; i < nRes; i++) {
      if (aSeries[s].a[i] <= 0)
        continue;
      fprintf(f, "%.1f,%.1f ",
              log_scale((double)aRes[i].nDoc, nLo, nHi, left + 20, right - 20),
              log_scale(aSeries[s].a[i], lo, hi, bottom, top));
    }
    fprintf(f, "'/>\n");
    for (int i = 0; i < nRes; i++) {
      if (aSeries[s].a[i] <= 0)
        continue;
      fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n",
              log_scale((double)aRes[i].nDoc, nLo, nHi, left + 20, right - 20),
              log_scale(aSeries[s].a[i], lo, hi, bottom, top), aSeries[s].zColor);
    }
    fprintf(f, "<text x='%.0f' y='%.0f' font-size='12' fill='%s'>%s</text>\n", left + 8,
            top + 16 + 15 * s, aSeries[s].zColor, aSeries[s].zName);
  }
}

static void write_svg(const char *zFile, const Result *aRes, int nRes) {
  FILE *f = fopen(zFile, "w");
  if (f == 0)
    die(0, zFile);
  Series aBuild[2] = {{"papers_index rebuild", "#1f6fb4", {0}},
                      {"FTS5 rebuild", "#d9822b", {0}}};
  Series aQuery[3] = {{"papers more-like-this p50", "#1f6fb4", {0}},
                      {"FTS5 top-25-terms MATCH p50", "#d9822b", {0}},
                      {"exhaustive scan p50", "#777777", {0}}};
  for (int i = 0; i < nRes; i++) {
    aBuild[0].a[i] = aRes[i].buildPapers;
    aBuild[1].a[i] = aRes[i].buildFts;
    aQuery[0].a[i] = aRes[i].p50Papers * 1000;
    aQuery[1].a[i] = aRes[i].p50Fts * 1000;
    aQuery[2].a[i] = aRes[i].p50Scan * 1000;
  }
  fprintf(f,
          "<svg xmlns='http://www.w3.org/2000/svg' width='960' height='340'"
          " font-family='sans-serif'>\n<rect width='960' height='340' fill='white'/>\n");
  svg_panel(f, 0, "Build time", "s", aRes, nRes, aBuild, 2);
  svg_panel(f, 480, "More-like-this top-10 latency", "ms", aRes, nRes, aQuery, 3);
  fprintf(f, "</svg>\n");
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: bench_index EXTENSION DATA_DIR [--svg FILE] [--queries N] SIZE...\n");
    return 2;
  }
  const char *zSvg = 0;
  int nQuery = 200, nRes = 0;
  Result aRes[MAX_SIZES];
  memset(aRes, 0, sizeof(aRes));
  sqlite3 *db;
  sqlite3_open(":memory:", &db);
  BenchCorpus *pCorpus = bench_corpus_load(db, argv[2]);
  sqlite3_close(db);
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) {
      zSvg = argv[++i];
    } else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc) {
      nQuery = atoi(argv[++i]);
    } else if (nRes < MAX_SIZES && atoll(argv[i]) > 0) {
      aRes[nRes].nDoc = atoll(argv[i]);
      printf("%lld papers (SQLite %s)\n", aRes[nRes].nDoc, sqlite3_libversion());
      fflush(stdout);
      double t0 = now();
      run_size(argv[1], pCorpus, &aRes[nRes], nQuery);
      report(&aRes[nRes]);
      printf("  (this size took %.0f s)\n", now() - t0);
      nRes++;
    }
  }
  if (zSvg && nRes > 0) {
    write_svg(zSvg, aRes, nRes);
    printf("plot: %s\n", zSvg);
  }
  bench_corpus_free(pCorpus);
  return 0;
}
