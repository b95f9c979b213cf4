/*
** bench_parse.c: parse throughput of papers_parse against a memchr line scan.
**
**   bench_parse EXTENSION FORMAT SEED [MEGABYTES [once|stored]]
**
** Builds a digest of at least MEGABYTES (default 128) in memory from the SEED
** digest, the same on every run:
**   hf-daily    the seed page's header, then its cards repeated;
**   arxiv-mail  the seed mailing's new submissions (from its first "\\" line
**               to the first section separator, LF line ends) repeated, each
**               copy's arXiv ids renumbered so that no two entries share one.
** Then it times, best of several runs:
**   - a memchr scan that counts the lines of the same bytes (the floor);
**   - SELECT count(*) FROM papers_parse(...): the parse alone;
**   - a query that reads every column of every row;
**   - the same query over a table holding the same rows: SQLite's own part
**     of it (reading the values, length(), sum()), which no parser removes.
** It prints MB/s and the ratio of each to the memchr scan, and the peak
** memory (resident set) above what the process held once the input was built.
** Figures, not assertions: machines here are shared and noisy. With "once"
** it runs the all-columns query once and prints its result, nothing else: for
** a profiler (valgrind --tool=callgrind, whose instruction counts do not
** depend on how busy the machine is). With "stored" it stores the rows in a
** table, then runs the query over that table once: SQLite's own part, for the
** same profiler.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static char *read_all(const char *zPath, size_t *pn) {
  FILE *f = fopen(zPath, "rb");
  if (f == 0)
    return 0;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *z = malloc((size_t)n + 1);
  if (z == 0 || fread(z, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(z);
    return 0;
  }
  fclose(f);
  z[n] = 0;
  *pn = (size_t)n;
  return z;
}

/* The seed's header (up to the first card) once, then its cards repeated. */
static char *build_hf_daily(const char *zSeed, size_t nSeed, size_t nTarget, size_t *pn) {
  const char *zCards = strstr(zSeed, "\nMay 15\n");
  if (zCards == 0)
    return 0;
  zCards += strlen("\nMay 15\n");
  size_t nHeader = (size_t)(zCards - zSeed), nCards = nSeed - nHeader;
  char *z = malloc(nTarget + nSeed + 2);
  if (z == 0)
    return 0;
  memcpy(z, zSeed, nHeader);
  size_t n = nHeader;
  while (n < nTarget) {
    memcpy(z + n, zCards, nCards);
    n += nCards;
    z[n++] = '\n'; /* the seed ends without a newline */
    z[n++] = '\n';
  }
  *pn = n;
  return z;
}

/* The new-submissions section of the seed mailing, CRs dropped. */
static char *new_section(const char *zSeed, size_t *pn) {
  const char *zStart = strstr(zSeed, "\\\\\r\narXiv:");
  const char *zEnd = zStart ? strstr(zStart, "%%--%%") : 0;
  if (zStart == 0 || zEnd == 0)
    return 0;
  char *z = malloc((size_t)(zEnd - zStart) + 1);
  size_t n = 0;
  for (const char *p = zStart; z && p < zEnd; p++) {
    if (*p != '\r')
      z[n++] = *p;
  }
  *pn = n;
  return z;
}

/* The section repeated; every "arXiv:ID" line gets a new, unique id. */
static char *build_arxiv_mail(const char *zSeed, size_t nTarget, size_t *pn) {
  size_t nSection = 0, n = 0;
  char *zSection = new_section(zSeed, &nSection);
  char *z = zSection ? malloc(nTarget + 2 * nSection) : 0;
  long iPaper = 0;
  while (z && n < nTarget) {
    const char *p = zSection, *zEnd = zSection + nSection;
    while (p < zEnd) {
      const char *zEol = memchr(p, '\n', (size_t)(zEnd - p));
      size_t nLine = zEol ? (size_t)(zEol - p) + 1 : (size_t)(zEnd - p);
      if (nLine > 6 && memcmp(p, "arXiv:", 6) == 0) {
        const char *zRest = p + 6;
        while (*zRest != ' ' && *zRest != '\n')
          zRest++;
        n += (size_t)sprintf(z + n, "arXiv:%04ld.%05ld", 1000 + iPaper / 100000,
                             iPaper % 100000);
        iPaper++;
        memcpy(z + n, zRest, nLine - (size_t)(zRest - p));
        n += nLine - (size_t)(zRest - p);
      } else {
        memcpy(z + n, p, nLine);
        n += nLine;
      }
      p += nLine;
    }
  }
  free(zSection);
  *pn = n;
  return z;
}

static size_t count_lines_memchr(const char *z, size_t n) {
  size_t nLine = 0;
  const char *zEnd = z + n;
  while (z < zEnd) {
    const char *zLf = memchr(z, '\n', (size_t)(zEnd - z));
    nLine++;
    if (zLf == 0)
      break;
    z = zLf + 1;
  }
  return nLine;
}

/* Runs the one-row query with the digest bound as ?1; returns seconds. */
static double time_query(sqlite3 *db, const char *zSql, const char *zFormat,
                         const char *z, size_t n, sqlite3_int64 *pResult) {
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    fprintf(stderr, "bench_parse: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  sqlite3_bind_text64(pStmt, 1, z, n, SQLITE_STATIC, SQLITE_UTF8);
  sqlite3_bind_text(pStmt, 2, zFormat, -1, SQLITE_STATIC);
  double t0 = now_seconds();
  if (sqlite3_step(pStmt) != SQLITE_ROW) {
    fprintf(stderr, "bench_parse: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  *pResult = sqlite3_column_int64(pStmt, 0);
  double elapsed = now_seconds() - t0;
  sqlite3_finalize(pStmt);
  return elapsed;
}

/* The query that reads every column of every row: it sums their lengths. */
#define ALL_COLUMNS_SUM                                                                  \
  "SELECT sum(ordinal + length(format) + length(title) + length(abstract)"               \
  " + ifnull(length(authors), 0) + ifnull(author_count, 0) + ifnull(length(org), 0)"     \
  " + ifnull(length(org_handle), 0) + ifnull(length(published), 0)"                      \
  " + ifnull(length(date_text), 0) + ifnull(comment_count, 0) + ifnull(upvotes, 0)"      \
  " + ifnull(length(arxiv_id), 0) + ifnull(arxiv_version, 0)"                            \
  " + ifnull(length(categories), 0) + ifnull(length(announce), 0)"                       \
  " + ifnull(length(comments), 0) + ifnull(length(doi), 0)"                              \
  " + ifnull(length(journal_ref), 0) + ifnull(length(url), 0) + length(links)"           \
  " + ifnull(length(extra), 0) + line)"
static const char zAllColumns[] =
    ALL_COLUMNS_SUM " FROM papers_parse(?1, ?2, '2026-11-28')";
/* The same query over a table that holds the same rows: what SQLite itself
** spends on it (reading values, length(), sum()), the floor of the above. */
static const char zAllColumnsStored[] = ALL_COLUMNS_SUM " FROM parsed";

/* CREATE TABLE parsed AS SELECT * FROM papers_parse(...) of the digest. */
static void store_rows(sqlite3 *db, const char *zFormat, const char *z, size_t n) {
  sqlite3_stmt *pCopy = 0;
  sqlite3_prepare_v2(
      db, "CREATE TABLE parsed AS SELECT * FROM papers_parse(?1, ?2, '2026-11-28')", -1,
      &pCopy, 0);
  sqlite3_bind_text64(pCopy, 1, z, n, SQLITE_STATIC, SQLITE_UTF8);
  sqlite3_bind_text(pCopy, 2, zFormat, -1, SQLITE_STATIC);
  if (sqlite3_step(pCopy) != SQLITE_DONE) {
    fprintf(stderr, "bench_parse: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  sqlite3_finalize(pCopy);
}

static double best_of(int nRun, sqlite3 *db, const char *zSql, const char *zFormat,
                      const char *z, size_t n, sqlite3_int64 *pResult) {
  double best = 1e9;
  for (int i = 0; i < nRun; i++) {
    double t = time_query(db, zSql, zFormat, z, n, pResult);
    if (t < best)
      best = t;
  }
  return best;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: bench_parse EXTENSION FORMAT SEED [MEGABYTES [once|stored]]\n");
    return 2;
  }
  const char *zFormat = argv[2];
  size_t nMegabytes = argc > 4 ? (size_t)atol(argv[4]) : 128;
  size_t nSeed = 0, nDigest = 0;
  char *zSeed = read_all(argv[3], &nSeed);
  char *zDigest = 0;
  if (zSeed && strcmp(zFormat, "hf-daily") == 0) {
    zDigest = build_hf_daily(zSeed, nSeed, nMegabytes << 20, &nDigest);
  } else if (zSeed && strcmp(zFormat, "arxiv-mail") == 0) {
    zDigest = build_arxiv_mail(zSeed, nMegabytes << 20, &nDigest);
  }
  if (zDigest == 0) {
    fprintf(stderr, "bench_parse: cannot build a %s digest from %s\n", zFormat, argv[3]);
    return 1;
  }
  sqlite3 *db = 0;
  char *zErr = 0;
  sqlite3_open(":memory:", &db);
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, argv[1], 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "bench_parse: %s\n", zErr);
    return 1;
  }
  sqlite3_int64 nChars = 0;
  int isOnce = argc > 5 && strcmp(argv[5], "once") == 0;
  int isStored = argc > 5 && strcmp(argv[5], "stored") == 0;
  if (isOnce || isStored) {
    if (isStored)
      store_rows(db, zFormat, zDigest, nDigest);
    time_query(db, isStored ? zAllColumnsStored : zAllColumns, zFormat, zDigest, nDigest,
               &nChars);
    printf("all columns%s: %lld\n", isStored ? " stored" : "", (long long)nChars);
    sqlite3_close(db);
    free(zDigest);
    free(zSeed);
    return 0;
  }
  long rssBaseKb = peak_rss_kb();
  double mb = (double)nDigest / (1 << 20);

  double tScan = 1e9;
  size_t nLine = 0;
  for (int i = 0; i < 5; i++) {
    double t0 = now_seconds();
    nLine = count_lines_memchr(zDigest, nDigest);
    double t = now_seconds() - t0;
    if (t < tScan)
      tScan = t;
  }
  sqlite3_int64 nRow = 0;
  double tCount =
      best_of(5, db, "SELECT count(*) FROM papers_parse(?1, ?2, '2026-11-28')", zFormat,
              zDigest, nDigest, &nRow);
  double tAll = best_of(3, db, zAllColumns, zFormat, zDigest, nDigest, &nChars);
  long rssPeakKb = peak_rss_kb();
  store_rows(db, zFormat, zDigest, nDigest);
  sqlite3_int64 nStoredChars = 0;
  double tStored =
      best_of(3, db, zAllColumnsStored, zFormat, zDigest, nDigest, &nStoredChars);
  if (nStoredChars != nChars) {
    fprintf(stderr, "bench_parse: the stored rows sum to %lld, the parsed ones to %lld\n",
            (long long)nStoredChars, (long long)nChars);
    return 1;
  }

  printf("input        %.1f MB generated %s digest: %zu lines, %lld papers\n", mb,
         zFormat, nLine, (long long)nRow);
  printf("memchr scan  %8.1f ms  %7.0f MB/s\n", tScan * 1e3, mb / tScan);
  printf("count(*)     %8.1f ms  %7.0f MB/s  ratio to memchr %.2f\n", tCount * 1e3,
         mb / tCount, tCount / tScan);
  printf("all columns  %8.1f ms  %7.0f MB/s  ratio to memchr %.2f\n", tAll * 1e3,
         mb / tAll, tAll / tScan);
  printf("all columns of the same rows stored in a table (SQLite's own part)\n"
         "             %8.1f ms  %7.0f MB/s  ratio to memchr %.2f\n",
         tStored * 1e3, mb / tStored, tStored / tScan);
  printf("peak memory  %.1f MB above the input (resident set %.1f MB, input %.1f MB)\n",
         (double)(rssPeakKb - rssBaseKb) / 1024, (double)rssPeakKb / 1024, mb);
  sqlite3_close(db);
  free(zDigest);
  free(zSeed);
  return 0;
}
