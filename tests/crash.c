/*
** crash.c: crash consistency of papers_index on a file database.
**
**   build/crash [-v]        (make test runs it through tests/crash.test)
**
** A workload of transactions (rebuilds, inserts, deletes and updates through
** the triggers of sql/papers_index_triggers.sql, optimize, a multi-statement
** transaction) runs in a child process on a database file, in rollback
** journal mode and in WAL mode, with a 20-page cache so that pages reach the
** file before the commit (and synchronous = OFF: a SIGKILL loses no write the
** process made, only an OS crash would). The child is killed with SIGKILL:
**   - at progress-handler callback N (the handler raises SIGKILL), for N
**     spread evenly over the whole workload: deterministic kill points, in
**     the middle of the index's own statements;
**   - after a delay drawn from a fixed seed, up to the workload's duration:
**     kills that may land anywhere, commits included.
** Then the parent reopens the database (SQLite rolls back the hot journal or
** recovers the WAL) and requires that:
**   1. INSERT INTO topics(topics) VALUES('integrity-check') succeeds;
**   2. everything stored (content table and every shadow table) equals the
**      state after one of the workload's transactions, or the initial one;
**   3. after a rebuild, the top-10 more-like-this ranking of every paper
**      equals that of a fresh in-memory database built from the same rows
**      (once per state reached: the same state rebuilds the same).
** Prints "crash: N kill points, ok" or the first problems; exits non-zero on
** any.
*/
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "index_state.h"

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#define FIXTURE           "tests/fixtures/hf-daily-papers-2026-05-15.txt"
#define N_PROGRESS_POINTS 16 /* per journal mode */
#define N_TIMED_POINTS    8  /* per journal mode */
#define PROGRESS_OPCODES  200

static const char zSetup[] =
    "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);"
    "INSERT INTO papers SELECT ordinal, title, abstract FROM papers_parse(?1);"
    "CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',"
    " columns='title, abstract');"
    "CREATE TRIGGER papers_topics_insert AFTER INSERT ON papers BEGIN"
    " INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, "
    "new.abstract); END;"
    "CREATE TRIGGER papers_topics_delete AFTER DELETE ON papers BEGIN"
    " INSERT INTO topics(topics, rowid, title, abstract)"
    " VALUES ('delete', old.id, old.title, old.abstract); END;"
    "CREATE TRIGGER papers_topics_update AFTER UPDATE ON papers BEGIN"
    " INSERT INTO topics(topics, rowid, title, abstract)"
    " VALUES ('delete', old.id, old.title, old.abstract);"
    " INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, "
    "new.abstract); END;"
    "INSERT INTO topics(topics) VALUES('rebuild');";

/* Each entry is one transaction. */
static const char *const azWorkload[] = {
    "INSERT INTO topics(topics) VALUES('rebuild')",
    "INSERT INTO papers VALUES (1001, 'Variational information bottleneck for robust"
    " representation learning', 'We revisit the information bottleneck and compress the"
    " representations of large language models.')",
    "DELETE FROM papers WHERE id IN (3, 4, 5)",
    "UPDATE papers SET title = 'Mixture of experts routing for language models' WHERE id "
    "= 7",
    "BEGIN; INSERT INTO papers VALUES (1002, 'Graph neural networks for retrieval', "
    "'Graph"
    " retrieval with neural networks and attention.'); INSERT INTO papers VALUES (1003,"
    " 'Diffusion models as world models', 'Video diffusion for agents.'); DELETE FROM "
    "papers"
    " WHERE id = 10; UPDATE papers SET abstract = title WHERE id BETWEEN 20 AND 30; "
    "COMMIT;",
    "INSERT INTO topics(topics) VALUES('optimize')",
    "DELETE FROM papers WHERE id > 55",
    "INSERT INTO topics(topics) VALUES('rebuild')",
    "INSERT INTO papers SELECT id + 2000, abstract, title FROM papers WHERE id < 30",
};
#define N_WORKLOAD ((int)(sizeof(azWorkload) / sizeof(azWorkload[0])))

/* Everything stored: the content table and every shadow table. */
static const char zState[] = INDEX_STATE_SQL;

/* The top 10 more-like-this of every paper, scores to the last bit. */
static const char zRankings[] =
    "SELECT group_concat(x, ';') FROM (SELECT p.id || ':' || coalesce((SELECT"
    " group_concat(rowid || '=' || printf('%!.17g', score), ',') FROM (SELECT rowid, "
    "score"
    " FROM topics WHERE similar_to = p.id ORDER BY score DESC LIMIT 10)), '') AS x FROM "
    "papers"
    " p ORDER BY p.id)";

static int isVerbose;
static int nProblem;
static char *zFixture;
static int nFixture;

static void problem(const char *zFormat, const char *zArg1, const char *zArg2) {
  nProblem++;
  if (nProblem <= 10) {
    printf("crash: ");
    printf(zFormat, zArg1, zArg2);
    printf("\n");
  }
}

static sqlite3 *open_db(const char *zPath) {
  sqlite3 *db = 0;
  if (sqlite3_open(zPath, &db) != SQLITE_OK ||
      sqlite3_papers_init(db, 0, 0) != SQLITE_OK) {
    fprintf(stderr, "crash: cannot open %s\n", zPath);
    exit(2);
  }
  /* a killed process loses nothing it wrote (the OS keeps it): fsync would
  ** only slow the test down */
  sqlite3_exec(db, "PRAGMA synchronous = OFF", 0, 0, 0);
  return db;
}

/* The single text value of zSql, sqlite3_malloc'd; 0 on error (*pzErr). */
static char *query_text(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  char *zOut = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK &&
      sqlite3_step(pStmt) == SQLITE_ROW) {
    sqlite3_str *pStr = sqlite3_str_new(0);
    for (int i = 0; i < sqlite3_column_count(pStmt); i++) {
      const char *z = (const char *)sqlite3_column_text(pStmt, i);
      sqlite3_str_appendf(pStr, "%s|", z ? z : "NULL");
    }
    zOut = sqlite3_str_finish(pStr);
  }
  sqlite3_finalize(pStmt);
  return zOut;
}

static void exec_or_die(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "crash: %s: %s\n", zSql, zErr);
    exit(2);
  }
}

/* Creates the base database at zPath in the journal mode. */
static void make_base(const char *zPath, const char *zMode) {
  char zSql[100];
  unlink(zPath);
  sqlite3 *db = open_db(zPath);
  snprintf(zSql, sizeof(zSql), "PRAGMA journal_mode = %s", zMode);
  exec_or_die(db, zSql);
  sqlite3_stmt *pStmt = 0;
  const char *zTail = zSetup;
  while (zTail && *zTail) {
    if (sqlite3_prepare_v2(db, zTail, -1, &pStmt, &zTail) != SQLITE_OK) {
      fprintf(stderr, "crash: setup: %s\n", sqlite3_errmsg(db));
      exit(2);
    }
    if (pStmt == 0)
      break;
    if (sqlite3_bind_parameter_count(pStmt) > 0)
      sqlite3_bind_blob(pStmt, 1, zFixture, nFixture, SQLITE_STATIC);
    sqlite3_step(pStmt);
    if (sqlite3_finalize(pStmt) != SQLITE_OK) {
      fprintf(stderr, "crash: setup: %s\n", sqlite3_errmsg(db));
      exit(2);
    }
  }
  sqlite3_close(db);
}

static int copy_file(const char *zFrom, const char *zTo) {
  FILE *in = fopen(zFrom, "rb"), *out = fopen(zTo, "wb");
  char buf[65536];
  size_t n;
  if (in == 0 || out == 0)
    return 1;
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
    fwrite(buf, 1, n, out);
  fclose(in);
  return fclose(out) != 0;
}

/* Removes the database and its journals. */
static void remove_db(const char *zPath) {
  char z[300];
  unlink(zPath);
  snprintf(z, sizeof(z), "%s-journal", zPath);
  unlink(z);
  snprintf(z, sizeof(z), "%s-wal", zPath);
  unlink(z);
  snprintf(z, sizeof(z), "%s-shm", zPath);
  unlink(z);
}

static long long nCallback, nKillAt;

static int progress(void *p) {
  (void)p;
  if (++nCallback == nKillAt)
    raise(SIGKILL);
  return 0;
}

/* Runs the workload on zPath; returns the progress callbacks it took. */
static long long run_workload(const char *zPath, long long iKillAt) {
  sqlite3 *db = open_db(zPath);
  nCallback = 0;
  nKillAt = iKillAt;
  exec_or_die(db, "PRAGMA cache_size = 20");
  sqlite3_progress_handler(db, PROGRESS_OPCODES, progress, 0);
  for (int i = 0; i < N_WORKLOAD; i++)
    exec_or_die(db, azWorkload[i]);
  sqlite3_close(db);
  return nCallback;
}

/* The state after each transaction of the workload (azState[0]: before),
** and whether a recovered database in that state had its rankings compared. */
static char *azState[N_WORKLOAD + 1];
static int aRanked[N_WORKLOAD + 1];

static void reference_states(const char *zBase, const char *zPath) {
  remove_db(zPath);
  copy_file(zBase, zPath);
  sqlite3 *db = open_db(zPath);
  azState[0] = query_text(db, zState);
  for (int i = 0; i < N_WORKLOAD; i++) {
    exec_or_die(db, azWorkload[i]);
    azState[i + 1] = query_text(db, zState);
  }
  sqlite3_close(db);
}

/* The rankings of a fresh in-memory database holding the rows of zPath. */
static char *fresh_rankings(const char *zPath) {
  sqlite3 *db = open_db(":memory:");
  char *zSql = sqlite3_mprintf("ATTACH %Q AS old", zPath);
  exec_or_die(db, zSql);
  sqlite3_free(zSql);
  exec_or_die(db,
              "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);"
              "INSERT INTO papers SELECT id, title, abstract FROM old.papers;"
              "DETACH old;"
              "CREATE VIRTUAL TABLE topics USING papers_index(content='papers',"
              " content_rowid='id', columns='title, abstract');"
              "INSERT INTO topics(topics) VALUES('rebuild');");
  char *z = query_text(db, zRankings);
  sqlite3_close(db);
  return z;
}

/* Checks the database after a kill. */
static void check_recovered(const char *zPath, const char *zWhat) {
  sqlite3 *db = open_db(zPath);
  char *zErr = 0;
  if (sqlite3_exec(db, "INSERT INTO topics(topics) VALUES('integrity-check')", 0, 0,
                   &zErr) != SQLITE_OK) {
    problem("%s: integrity-check: %s", zWhat, zErr);
  }
  sqlite3_free(zErr);
  char *z = query_text(db, zState);
  int iState = -1;
  for (int i = 0; z && i <= N_WORKLOAD; i++) {
    if (azState[i] && strcmp(z, azState[i]) == 0)
      iState = i;
  }
  if (iState < 0)
    problem("%s: the state is none of the workload's%s", zWhat, "");
  if (isVerbose)
    printf("  %s: state after transaction %d\n", zWhat, iState);
  sqlite3_free(z);
  /* the same state rebuilds the same: compare each state's rankings once */
  if (iState >= 0 && aRanked[iState]) {
    sqlite3_close(db);
    return;
  }
  if (iState >= 0)
    aRanked[iState] = 1;
  exec_or_die(db, "INSERT INTO topics(topics) VALUES('rebuild')");
  char *zRank = query_text(db, zRankings);
  sqlite3_close(db);
  char *zFresh = fresh_rankings(zPath);
  if (zRank == 0 || zFresh == 0 || strcmp(zRank, zFresh) != 0)
    problem("%s: the rankings differ from a fresh rebuild's%s", zWhat, "");
  sqlite3_free(zRank);
  sqlite3_free(zFresh);
}

/* Forks a child running the workload, killed at progress callback iKillAt
** (0: never) or after usDelay microseconds (0: never); returns whether it
** was killed. */
static int run_child(const char *zPath, long long iKillAt, long usDelay) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(2);
  }
  if (pid == 0) {
    run_workload(zPath, iKillAt);
    _exit(0);
  }
  if (usDelay > 0) {
    struct timespec ts = {usDelay / 1000000, (usDelay % 1000000) * 1000};
    nanosleep(&ts, 0);
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    problem("the workload failed (exit %s)%s", WEXITSTATUS(status) == 2 ? "2" : "?", "");
  }
  return WIFSIGNALED(status);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int load_fixture(void) {
  FILE *f = fopen(FIXTURE, "rb");
  if (f == 0)
    return 1;
  fseek(f, 0, SEEK_END);
  nFixture = (int)ftell(f);
  fseek(f, 0, SEEK_SET);
  zFixture = malloc((size_t)nFixture);
  int rc = zFixture == 0 || fread(zFixture, 1, (size_t)nFixture, f) != (size_t)nFixture;
  fclose(f);
  return rc;
}

int main(int argc, char **argv) {
  isVerbose = argc > 1 && strcmp(argv[1], "-v") == 0;
  if (load_fixture()) {
    fprintf(stderr, "crash: cannot read %s\n", FIXTURE);
    return 2;
  }
  char zDir[] = "/tmp/papers-crash-XXXXXX";
  if (mkdtemp(zDir) == 0) {
    perror("mkdtemp");
    return 2;
  }
  char zBase[100], zPath[100];
  snprintf(zBase, sizeof(zBase), "%s/base.db", zDir);
  snprintf(zPath, sizeof(zPath), "%s/test.db", zDir);
  const char *azMode[] = {"delete", "wal"};
  int nKill = 0, nPoint = 0;
  unsigned int seed = 20261128;
  for (int iMode = 0; iMode < 2; iMode++) {
    make_base(zBase, azMode[iMode]);
    reference_states(zBase, zPath);
    /* the uninterrupted workload: its callbacks and duration */
    remove_db(zPath);
    copy_file(zBase, zPath);
    double t0 = now_us();
    long long nTotal = run_workload(zPath, 0);
    double usTotal = now_us() - t0;
    check_recovered(zPath, "no kill");
    for (int k = 0; k < N_PROGRESS_POINTS + N_TIMED_POINTS; k++) {
      char zWhat[100];
      long long iKillAt = 0;
      long usDelay = 0;
      if (k < N_PROGRESS_POINTS) {
        iKillAt = 1 + (nTotal - 1) * k / (N_PROGRESS_POINTS - 1);
        snprintf(zWhat, sizeof(zWhat), "%s, killed at callback %lld of %lld",
                 azMode[iMode], iKillAt, nTotal);
      } else {
        seed = seed * 1103515245u + 12345u;
        usDelay = 1 + (long)((seed >> 8) % (unsigned)(usTotal > 1 ? usTotal : 1));
        snprintf(zWhat, sizeof(zWhat), "%s, killed after %ld us", azMode[iMode], usDelay);
      }
      remove_db(zPath);
      copy_file(zBase, zPath);
      nKill += run_child(zPath, iKillAt, usDelay);
      nPoint++;
      check_recovered(zPath, zWhat);
    }
    for (int i = 0; i <= N_WORKLOAD; i++) {
      sqlite3_free(azState[i]);
      azState[i] = 0;
      aRanked[i] = 0;
    }
  }
  remove_db(zPath);
  remove_db(zBase);
  rmdir(zDir);
  free(zFixture);
  if (nProblem) {
    printf("crash: %d kill points, %d problems\n", nPoint, nProblem);
    return 1;
  }
  if (isVerbose)
    printf("crash: %d of the children were killed before the end\n", nKill);
  printf("crash: %d kill points, ok\n", nPoint);
  return 0;
}
