/*
** oom.c: allocation-failure injection for the papers extension, in the style
** of SQLite's malloc tests (test/malloc*.test).
**
**   build/oom/oom [-v] [SCENARIO...]      (make oom; no names: all of them)
**
** The extension's sources are compiled into this program (-DSQLITE_CORE) and
** registered on each connection with sqlite3_papers_init(). Before SQLite
** starts, a counting allocator wraps the default one
** (sqlite3_config(SQLITE_CONFIG_MALLOC)), and lookaside is turned off so that
** every allocation goes through it.
**
** Each scenario is SQL run against a fresh in-memory database, after an
** optional setup (not failed) and before an optional check (not failed). A
** scenario runs once without failures, for its reference result and its
** allocation count; then, for n = 1, 2, ..., once with the n-th allocation
** failing ("transient") and once with the n-th and every later one failing
** ("persistent"), until a run completes without reaching its n-th
** allocation. Every run must:
**   - end exactly as the reference run did (the same rows, or the same error
**     message for a scenario that tests an error: a failure the code
**     recovered from), or with SQLITE_NOMEM; anything else, a crash or a
**     sanitizer report is a failure. One exception: when SQLite itself
**     cannot copy an error message (sqlite3_result_error, or a virtual
**     table's zErrMsg), the error keeps its code with SQLite's generic
**     message ("SQL logic error"), which is accepted for error scenarios;
**   - pass the check SQL, when the scenario has one (an index's
**     integrity-check, say);
**   - leave sqlite3_memory_used() and the number of outstanding allocations
**     as they were before the database was opened.
**
** Adding a scenario is one line in aScenario below: a name, the SQL, and
** optionally a fixture bound to ?1 (its first nByte bytes, cut at a line
** end), a setup and a check.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_state.h"

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);
void __sanitizer_print_stack_trace(void);

typedef struct Scenario {
  const char *zName;
  const char *zSql;     /* run with failures; every row and column is read */
  const char *zFixture; /* bound to ?1 as a BLOB, or 0 */
  int nByte;            /* the fixture's first nByte bytes (to a line end); 0: all */
  const char *zSetup;   /* run before failures are armed, or 0 */
  const char *zCheck;   /* must succeed after the run, failures disarmed, or 0 */
  int armInit;          /* fail allocations in sqlite3_papers_init too */
  const char *zState;   /* after a failed run, must give what it gave before, or 0 */
} Scenario;

#define FIX(x) "tests/fixtures/" x
#define ALL    "SELECT * FROM papers_parse(?1, NULL, '2026-05-15')"
#define COUNT  "SELECT count(*) FROM papers_parse(?1)"

/* A text with stop words, numbers, punctuation, diacritics and a phrase. */
#define TEXT_A                                                                           \
  "'Large language models (LLMs) don''t reason: 3 naïve café benchmarks, "             \
  "information bottleneck and mixture-of-experts routing for large language models'"
#define TEXT_B                                                                           \
  "'Variational information bottleneck for robust representation learning of "           \
  "language models'"

/* The index scenarios: a content table from a fixture (fixture() is the
** scenario's file), an index with the triggers of
** sql/papers_index_triggers.sql, built by rebuild. The arXiv mail has 223
** papers: enough for the latent part (INDEX_LATENT_MIN_DOCS), fitted with 4
** dimensions to keep the runs short. */
#define MAIL FIX("arxiv-email-cs-2019-07-15-crlf.txt")
#define HF   FIX("hf-daily-papers-2026-05-15.txt")
#define IDX_TABLE                                                                        \
  "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);"              \
  "INSERT INTO papers SELECT ordinal, title, abstract FROM papers_parse(fixture());"
#define IDX_CREATE(latent) IDX_CREATE_WITH("latent='" latent "'")
#define IDX_CREATE_WITH(options)                                                         \
  "CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id'," \
  " columns='title, abstract', " options ");"                                            \
  "CREATE TRIGGER papers_topics_insert AFTER INSERT ON papers BEGIN"                     \
  " INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, "              \
  "new.abstract);"                                                                       \
  " END;"                                                                                \
  "CREATE TRIGGER papers_topics_delete AFTER DELETE ON papers BEGIN"                     \
  " INSERT INTO topics(topics, rowid, title, abstract)"                                  \
  " VALUES ('delete', old.id, old.title, old.abstract); END;"                            \
  "CREATE TRIGGER papers_topics_update AFTER UPDATE ON papers BEGIN"                     \
  " INSERT INTO topics(topics, rowid, title, abstract)"                                  \
  " VALUES ('delete', old.id, old.title, old.abstract);"                                 \
  " INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, "              \
  "new.abstract);"                                                                       \
  " END;"
#define IDX_SETUP(latent)                                                                \
  IDX_TABLE IDX_CREATE(latent) "INSERT INTO topics(topics) VALUES('rebuild');"
#define IDX_CHECK "INSERT INTO topics(topics) VALUES('integrity-check')"
/* Papers written after the rebuild: in the pending level. */
#define IDX_PENDING                                                                      \
  "INSERT INTO papers SELECT id + 1000, abstract, title FROM papers WHERE id <= 3;"
#define SHORT_PAPERS                                                                     \
  "INSERT INTO papers VALUES (100001, 'Graph networks for message passing',"             \
  " 'Message passing on graphs with attention over nodes.');"                            \
  "INSERT INTO papers VALUES (100002, 'Sparse attention for long documents',"            \
  " 'Attention over long documents with sparse patterns.');"
/* A paper whose terms are mostly those of SHORT_PAPERS. */
#define KEPT_PAPER                                                                       \
  "INSERT INTO papers VALUES (100003, 'Graph attention for message passing',"            \
  " 'Sparse message passing over long documents with attention.')"
#define NEW_PAPER                                                                        \
  "(100000, 'Variational information bottleneck for robust representation learning',"    \
  " 'We revisit the information bottleneck and compress representations of language "    \
  "models with a mixture of experts.')"

static const Scenario aScenario[] = {
    /* registration */
    {"init", "SELECT papers_version()", 0, 0, 0, 0, 1, 0},
    /* housekeeping and the formats table */
    {"debug", "SELECT papers_version(), length(papers_debug()) > 0", 0, 0, 0, 0, 0, 0},
    {"formats", "SELECT * FROM papers_formats", 0, 0, 0, 0, 0, 0},
    /* every format, all columns, and count(*) (no column is read) */
    {"parse-hf-daily", ALL, FIX("hf-daily-papers-2026-05-15.txt"), 6000, 0, 0, 0, 0},
    {"parse-hf-markdown", ALL,
     FIX("hf-page-firecrawl-markdown-search-source-citations-2026-10-02.excerpt.md"),
     6000, 0, 0, 0, 0},
    {"parse-hf-markdown-v2", ALL,
     FIX("hf-trending-structured-html-v2-extract-2026.excerpt.md"), 6000, 0, 0, 0, 0},
    {"parse-arxiv-mail", ALL, FIX("arxiv-email-fixture-2026-01-26.txt"), 8000, 0, 0, 0,
     0},
    {"parse-arxiv-listing", ALL, FIX("arxiv-listing-mathAG-new-testfake.txt"), 0, 0, 0, 0,
     0},
    {"parse-arxiv-mail-crlf", ALL, FIX("arxiv-email-cs-2019-07-15-crlf.txt"), 6000, 0, 0,
     0, 0},
    {"parse-arxiv-rss", ALL, FIX("arxiv-rdf-handmade-2023-06-01.xml"), 0, 0, 0, 0, 0},
    {"parse-arxiv-rss2", ALL, FIX("arxiv-rss2-derived-filter-feed-zh-2025-08-01.xml"),
     8000, 0, 0, 0, 0},
    {"parse-arxiv-atom", ALL, FIX("arxiv-atom-handmade-2024-02-01.xml"), 0, 0, 0, 0, 0},
    {"parse-daily-arxiv-table", ALL, FIX("cv-arxiv-daily-README-table-SLAM-excerpt.md"),
     4000, 0, 0, 0, 0},
    {"parse-daily-arxiv-list", ALL, FIX("cv-arxiv-daily-wechat-list-SLAM-excerpt.md"),
     4000, 0, 0, 0, 0},
    {"parse-markdown-blocks", ALL, FIX("awesome-arxiv-daily-reporter-IR-2026-04-01.md"),
     6000, 0, 0, 0, 0},
    {"count-hf-daily", COUNT, FIX("hf-daily-papers-2026-05-15.txt"), 0, 0, 0, 0, 0},
    {"count-daily-arxiv-table", COUNT, FIX("cv-arxiv-daily-README-table-SLAM-excerpt.md"),
     0, 0, 0, 0, 0},
    {"count-arxiv-mail", COUNT, FIX("arxiv-email-cs-2019-07-15-crlf.txt"), 0, 0, 0, 0, 0},
    /* argument errors build messages */
    {"parse-unknown-format", "SELECT * FROM papers_parse('x', 'nope')", 0, 0, 0, 0, 0, 0},
    {"parse-bad-today", "SELECT * FROM papers_parse('x', 'hf-daily', 'someday')", 0, 0, 0,
     0, 0, 0},
    {"parse-bad-utf8", "SELECT * FROM papers_parse(x'41ff')", 0, 0, 0, 0, 0, 0},
    /* papers_unparsed: rejects, and an input no format recognises */
    {"unparsed-malformed", "SELECT * FROM papers_unparsed(?1)",
     FIX("arxiv-email-fixture-malformed.txt"), 0, 0, 0, 0, 0},
    {"unparsed-v2", "SELECT * FROM papers_unparsed(?1)",
     FIX("hf-trending-structured-html-v2-extract-2026.excerpt.md"), 0, 0, 0, 0, 0},
    {"unparsed-undetected", "SELECT * FROM papers_unparsed(?1)", FIX("SOURCES.md"), 3000,
     0, 0, 0, 0},
    /* papers_key */
    {"key", "SELECT papers_key('Sch\\\"{u}tte''s $\\alpha$-Nets: Ωmega, ﬁne Ⅻ straße')",
     0, 0, 0, 0, 0, 0},
    {"key-titles", "SELECT papers_key(title) FROM papers_parse(?1)",
     FIX("arxiv-listing-qfin-new-2023-03-17.txt"), 0, 0, 0, 0, 0},
    {"key-blob", "SELECT papers_key(x'00')", 0, 0, 0, 0, 0, 0},
    /* the topic functions */
    {"tokens", "SELECT * FROM papers_tokens(" TEXT_A ")", 0, 0, 0, 0, 0, 0},
    {"tokens-tokenizer", "SELECT * FROM papers_tokens(" TEXT_A ", 'unicode61')", 0, 0, 0,
     0, 0, 0},
    {"tokens-bad-tokenizer", "SELECT * FROM papers_tokens('x', 'nosuch')", 0, 0, 0, 0, 0,
     0},
    {"vector", "SELECT papers_vector(" TEXT_A ")", 0, 0, 0, 0, 0, 0},
    {"vector-blob", "SELECT papers_vector(papers_vector(" TEXT_A "))", 0, 0, 0, 0, 0, 0},
    {"vector-bad-blob", "SELECT papers_vector(x'00112233')", 0, 0, 0, 0, 0, 0},
    {"similarity", "SELECT papers_similarity(" TEXT_A ", " TEXT_B ")", 0, 0, 0, 0, 0, 0},
    {"keywords", "SELECT * FROM papers_keywords(" TEXT_A ", 5)", 0, 0, 0, 0, 0, 0},
    {"keywords-abstracts",
     "SELECT k.* FROM papers_parse(?1) p, papers_keywords(p.abstract, 3) k", HF, 8000, 0,
     0, 0, 0},
    {"keywords-bad-k", "SELECT * FROM papers_keywords('x', 0)", 0, 0, 0, 0, 0, 0},
    {"explain", "SELECT * FROM papers_explain(" TEXT_A ", " TEXT_B ")", 0, 0, 0, 0, 0, 0},
    {"explain-vectors",
     "SELECT * FROM papers_explain(papers_vector(" TEXT_A "), papers_vector(" TEXT_B "))",
     0, 0, 0, 0, 0, 0},
    {"centroid", "SELECT papers_centroid(papers_vector(title)) FROM papers_parse(?1)", HF,
     8000, 0, 0, 0, 0},
    {"centroid-text", "SELECT papers_centroid(abstract) FROM papers_parse(?1)", HF, 4000,
     0, 0, 0, 0},
    /* the topic functions with an index's statistics */
    {"vector-index", "SELECT papers_vector(abstract, 'topics') FROM papers WHERE id = 5",
     HF, 0, IDX_SETUP("0"), 0, 0, 0},
    {"similarity-index",
     "SELECT papers_similarity(" TEXT_A ", abstract, 'topics') FROM papers WHERE id < 4",
     HF, 0, IDX_SETUP("0"), 0, 0, 0},
    {"keywords-index",
     "SELECT * FROM papers_keywords((SELECT vector FROM topics WHERE rowid = 5), 5,"
     " 'topics')",
     HF, 0, IDX_SETUP("0"), 0, 0, 0},
    {"explain-index", "SELECT * FROM papers_explain(" TEXT_A ", " TEXT_B ", 'topics')",
     HF, 0, IDX_SETUP("0"), 0, 0, 0},
    {"index-not-an-index", "SELECT papers_vector('x', 'papers')", HF, 0, IDX_SETUP("0"),
     0, 0, 0},
    /* papers_index: build, writes through triggers, checks, queries */
    {"index-create", IDX_CREATE("4"), MAIL, 0, IDX_TABLE, 0, 0, 0},
    {"index-build", "INSERT INTO topics(topics) VALUES('rebuild')", MAIL, 0,
     IDX_TABLE IDX_CREATE("4"), 0, 0, INDEX_STATE_SQL},
    {"index-rebuild", "INSERT INTO topics(topics) VALUES('rebuild')", HF, 0,
     IDX_SETUP("4"), IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-insert", "INSERT INTO papers VALUES " NEW_PAPER, MAIL, 0, IDX_SETUP("4"),
     IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-delete", "DELETE FROM papers WHERE id = 5", HF, 0, IDX_SETUP("4"), IDX_CHECK,
     0, INDEX_STATE_SQL},
    {"index-update",
     "UPDATE papers SET title = 'Mixture of experts routing' WHERE id = 7", HF, 0,
     IDX_SETUP("4"), IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-insert-in-transaction", "INSERT INTO papers VALUES " NEW_PAPER, HF, 0,
     IDX_SETUP("4") "BEGIN;", IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-integrity-check", IDX_CHECK, HF, 0, IDX_SETUP("4"), 0, 0, 0},
    /* the pending level: merging it, deleting from it, reading beside it */
    {"index-merge", "INSERT INTO topics(topics) VALUES('merge')", HF, 0,
     IDX_SETUP("4") IDX_PENDING, IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-delete-pending", "DELETE FROM papers WHERE id = 1002", HF, 0,
     IDX_SETUP("4") IDX_PENDING, IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-integrity-check-pending", IDX_CHECK, HF, 0, IDX_SETUP("4") IDX_PENDING, 0, 0,
     0},
    {"index-delete-merged-with-pending", "DELETE FROM papers WHERE id = 2", HF, 0,
     IDX_SETUP("4") IDX_PENDING, IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-insert-term-full",
     "INSERT INTO papers SELECT id + 2000, abstract, title FROM papers WHERE id <= 3", HF,
     0, IDX_SETUP("4") IDX_PENDING, IDX_CHECK, 0, INDEX_STATE_SQL},
    {"index-insert-merging", "INSERT INTO papers VALUES " NEW_PAPER, HF, 0,
     IDX_TABLE IDX_CREATE_WITH("latent='4', pending=0") "INSERT INTO topics(topics)"
                                                        " VALUES('rebuild');",
     IDX_CHECK, 0, INDEX_STATE_SQL},
    /* two short papers leave 16 postings pending; the new paper's commit takes
    ** the level past pending=20 and merges a share of it (a spread merge) */
    {"index-insert-spreading", "INSERT INTO papers VALUES " NEW_PAPER, HF, 0,
     IDX_TABLE IDX_CREATE_WITH(
         "latent='4', pending=20") "INSERT INTO topics(topics)"
                                   " VALUES('rebuild');" SHORT_PAPERS,
     IDX_CHECK, 0, INDEX_STATE_SQL},
    /* the terms the last commit kept in the write buffer (index_store_commit):
    ** an insert of another transaction uses them (the setup's two papers are
    ** two transactions); with pending=20 its commit runs a spread merge, which
    ** the kept terms follow */
    {"index-insert-kept", KEPT_PAPER, HF, 0, IDX_SETUP("4") SHORT_PAPERS, IDX_CHECK, 0,
     INDEX_STATE_SQL},
    {"index-insert-kept-spreading", KEPT_PAPER, HF, 0,
     IDX_TABLE IDX_CREATE_WITH(
         "latent='4', pending=20") "INSERT INTO topics(topics)"
                                   " VALUES('rebuild');" SHORT_PAPERS,
     IDX_CHECK, 0, INDEX_STATE_SQL},
    /* the write buffer: a transaction's additions waiting in memory, written
    ** out at commit, by a query, by the statistics, at a savepoint */
    {"index-commit-buffered", "COMMIT", HF, 0, IDX_SETUP("4") "BEGIN;" IDX_PENDING,
     IDX_CHECK, 0, 0},
    {"index-query-buffered",
     "SELECT rowid, score FROM topics WHERE similar_to = 1003 ORDER BY score DESC LIMIT "
     "10",
     HF, 0, IDX_SETUP("4") "BEGIN;" IDX_PENDING, IDX_CHECK, 0, 0},
    {"index-statistics-buffered",
     "SELECT papers_vector(abstract, 'topics') FROM papers WHERE id = 1003", HF, 0,
     IDX_SETUP("4") "BEGIN;" IDX_PENDING, IDX_CHECK, 0, 0},
    {"index-savepoint-buffered", "SAVEPOINT s", HF, 0,
     IDX_SETUP("4") "BEGIN;" IDX_PENDING, IDX_CHECK, 0, 0},
    /* a later statement of the transaction: a query has written the three
    ** papers out, and the terms stay in memory, clean, for its additions */
    {"index-insert-after-flush",
     "INSERT INTO papers SELECT id + 2000, title, abstract FROM papers WHERE id <= 3", HF,
     0,
     IDX_SETUP("4") "BEGIN;" IDX_PENDING
                    "SELECT count(*) FROM topics WHERE similar_to = 1003;",
     IDX_CHECK, 0, INDEX_STATE_SQL},
    /* the same with the three papers still waiting: the statement's savepoint
    ** (the lowest open one) writes nothing, and a failure puts the buffer
    ** back as it was there (index_undo.c); the check writes the buffer out,
    ** so it says whether the index is whole (the state taken before holds
    ** the three papers unwritten) */
    {"index-insert-buffered",
     "INSERT INTO papers SELECT id + 2000, title, abstract FROM papers WHERE id <= 3", HF,
     0, IDX_SETUP("4") "BEGIN;" IDX_PENDING, IDX_CHECK, 0, 0},
    /* inside a savepoint of the user's, the statement's savepoint writes the
    ** buffer out: SQLite opens the table's savepoint before the statement's
    ** journal, so the flush is no part of the statement and stays when it
    ** fails (the state is not as before: the check says whether the index
    ** is whole) */
    {"index-insert-flushing",
     "INSERT INTO papers SELECT id + 2000, title, abstract FROM papers WHERE id <= 3", HF,
     0, IDX_SETUP("4") "BEGIN;" IDX_PENDING "SAVEPOINT s;", IDX_CHECK, 0, 0},
    {"index-more-like-this-pending",
     "SELECT rowid, score FROM topics WHERE similar_to = 1001 ORDER BY score DESC LIMIT "
     "10",
     HF, 0, IDX_SETUP("4") IDX_PENDING, 0, 0, 0},
    {"index-more-like-this",
     "SELECT rowid, score FROM topics WHERE similar_to = 5 ORDER BY score DESC LIMIT "
     "10",
     HF, 0, IDX_SETUP("4"), 0, 0, 0},
    {"index-query",
     "SELECT rowid, score, title FROM topics WHERE query = " TEXT_A
     " ORDER BY score DESC LIMIT 10",
     HF, 0, IDX_SETUP("4"), 0, 0, 0},
    {"index-query-vector",
     "SELECT rowid, score FROM topics WHERE query = (SELECT vector FROM topics"
     " WHERE rowid = 9)",
     HF, 0, IDX_SETUP("4"), 0, 0, 0},
    /* papers_clusters over the index */
    {"clusters", "SELECT * FROM papers_clusters('topics', NULL, 4)", HF, 0,
     IDX_SETUP("4"), 0, 0, 0},
    {"clusters-subset",
     "SELECT * FROM papers_clusters('topics', (SELECT json_group_array(id) FROM "
     "papers"
     " WHERE id <= 30))",
     HF, 0, IDX_SETUP("4"), 0, 0, 0},
    /* 223 papers with abstracts: the index has a latent part, and the set
    ** is clustered in the neighbour-smoothed space (Euclidean k-means) */
    {"clusters-latent", "SELECT * FROM papers_clusters('topics', NULL, 4)", MAIL, 0,
     IDX_SETUP("4"), 0, 0, 0},
    /* the same titles alone: the centred latent space (spherical k-means) */
    {"clusters-latent-titles", "SELECT * FROM papers_clusters('topics', NULL, 4)", MAIL,
     0,
     IDX_TABLE "UPDATE papers SET abstract = NULL;" IDX_CREATE(
         "4") "INSERT INTO topics(topics) VALUES('rebuild');",
     0, 0, 0},
};

#define N_SCENARIO ((int)(sizeof(aScenario) / sizeof(aScenario[0])))

/* ---- the counting allocator -------------------------------------------- */

static sqlite3_mem_methods defaultMem;
static struct {
  long long nCall;   /* allocations (malloc and realloc) since armed */
  long long iFailAt; /* fail the iFailAt-th; 0: never */
  int isPersistent;  /* and every one after it */
  int isArmed;
  long long nFail; /* failures injected */
} fault;

static int fault_fires(void) {
  if (!fault.isArmed)
    return 0;
  fault.nCall++;
  if (fault.iFailAt == 0)
    return 0;
  if (fault.nCall == fault.iFailAt ||
      (fault.isPersistent && fault.nCall > fault.iFailAt)) {
    if (fault.nFail == 0 && getenv("OOM_TRACE"))
      __sanitizer_print_stack_trace(); /* where the first failure is injected */
    fault.nFail++;
    return 1;
  }
  return 0;
}

static void *fault_malloc(int n) {
  return fault_fires() ? 0 : defaultMem.xMalloc(n);
}

static void *fault_realloc(void *p, int n) {
  return fault_fires() ? 0 : defaultMem.xRealloc(p, n);
}

static void fault_arm(long long iFailAt, int isPersistent) {
  fault.nCall = 0;
  fault.nFail = 0;
  fault.iFailAt = iFailAt;
  fault.isPersistent = isPersistent;
  fault.isArmed = 1;
}

static void fault_disarm(void) {
  fault.isArmed = 0;
}

static void install_allocator(void) {
  sqlite3_mem_methods mem;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &defaultMem);
  mem = defaultMem;
  mem.xMalloc = fault_malloc;
  mem.xRealloc = fault_realloc;
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mem) != SQLITE_OK ||
      sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0) != SQLITE_OK ||
      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1) != SQLITE_OK) {
    fprintf(stderr, "oom: sqlite3_config failed (SQLite already initialised?)\n");
    exit(2);
  }
  sqlite3_initialize();
}

/* ---- one run of a scenario ---------------------------------------------- */

typedef struct Input {
  char *z;
  int n;
} Input;

/* The outcome of a run: its result code and message, and a hash of its rows. */
typedef struct Outcome {
  int rc;
  char zErr[256];
  unsigned long long hash;
  int nRow;
  unsigned long long stateBefore, stateAfter; /* hashes of zState's rows */
  unsigned long long stateBegin; /* and before the setup's transaction, if any */
  int isRolledBack;              /* the run ended that transaction */
} Outcome;

static void hash_bytes(unsigned long long *pHash, const void *p, int n) {
  const unsigned char *a = p;
  for (int i = 0; i < n; i++)
    *pHash = (*pHash ^ a[i]) * 1099511628211ULL;
}

static int load_input(const Scenario *pScen, Input *pIn) {
  pIn->z = 0;
  pIn->n = 0;
  if (pScen->zFixture == 0)
    return 0;
  FILE *f = fopen(pScen->zFixture, "rb");
  if (f == 0) {
    fprintf(stderr, "oom: cannot open %s\n", pScen->zFixture);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  pIn->z = malloc(n + 1);
  if (pIn->z == 0 || fread(pIn->z, 1, n, f) != (size_t)n) {
    fclose(f);
    return 1;
  }
  fclose(f);
  if (pScen->nByte > 0 && n > pScen->nByte) {
    n = pScen->nByte;
    while (n > 0 && pIn->z[n - 1] != '\n')
      n--;
  }
  pIn->n = (int)n;
  return 0;
}

static void set_outcome_error(Outcome *pOut, int rc, const char *zMsg) {
  pOut->rc = rc;
  snprintf(pOut->zErr, sizeof(pOut->zErr), "%s", zMsg ? zMsg : "");
}

/* Runs zSql (unarmed) and reports whether it succeeded. */
static int exec_unarmed(sqlite3 *db, const char *zSql, char *zErr, int nErr) {
  char *zMsg = 0;
  int rc = sqlite3_exec(db, zSql, 0, 0, &zMsg);
  if (rc != SQLITE_OK)
    snprintf(zErr, nErr, "%s", zMsg ? zMsg : sqlite3_errstr(rc));
  sqlite3_free(zMsg);
  return rc;
}

static unsigned long long state_hash(sqlite3 *db, const char *zSql);

/* Runs a setup (unarmed) one statement at a time. When it opens a
** transaction, pOut->stateBegin is the state as that transaction began: a
** statement of it that runs out of memory may roll the whole of it back
** (SQLite's rule for SQLITE_NOMEM), and the state must then be that one. */
static int setup_unarmed(sqlite3 *db, const Scenario *pScen, Outcome *pOut) {
  const char *zSql = pScen->zSetup;
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && *zSql) {
    sqlite3_stmt *pStmt = 0;
    int wasAutocommit = sqlite3_get_autocommit(db);
    rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, &zSql);
    while (rc == SQLITE_OK && pStmt && sqlite3_step(pStmt) == SQLITE_ROW) {
    }
    if (pStmt && sqlite3_finalize(pStmt) != SQLITE_OK)
      rc = sqlite3_errcode(db);
    if (rc == SQLITE_OK && pScen->zState && wasAutocommit && !sqlite3_get_autocommit(db))
      pOut->stateBegin = state_hash(db, pScen->zState); /* BEGIN changed nothing */
  }
  if (rc != SQLITE_OK)
    snprintf(pOut->zErr, sizeof(pOut->zErr), "%s", sqlite3_errmsg(db));
  return rc;
}

/* fixture(): the scenario's input, for setups (no allocation). */
static void fixture_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  const Input *pIn = sqlite3_user_data(pCtx);
  if (pIn->z)
    sqlite3_result_blob(pCtx, pIn->z, pIn->n, SQLITE_STATIC);
}

/* A hash of every row of zSql (unarmed); 0 when it fails. */
static unsigned long long state_hash(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  unsigned long long hash = 14695981039346656037ULL;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK)
    return 0;
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(pStmt); i++) {
      const unsigned char *z = sqlite3_column_text(pStmt, i);
      int n = sqlite3_column_bytes(pStmt, i);
      hash_bytes(&hash, &n, sizeof(n));
      if (z)
        hash_bytes(&hash, z, n);
    }
  }
  if (sqlite3_finalize(pStmt) != SQLITE_OK)
    return 0;
  return hash;
}

/* Runs a scenario once with the failure point iFailAt (0: none). */
static void run_once(const Scenario *pScen, const Input *pIn, long long iFailAt,
                     int isPersistent, Outcome *pOut) {
  sqlite3 *db = 0;
  sqlite3_stmt *pStmt = 0;
  memset(pOut, 0, sizeof(*pOut));
  pOut->hash = 14695981039346656037ULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    set_outcome_error(pOut, SQLITE_CANTOPEN, "cannot open the database");
    sqlite3_close(db);
    return;
  }
  sqlite3_create_function(db, "fixture", 0, SQLITE_UTF8, (void *)pIn, fixture_func, 0, 0);
  if (pScen->armInit)
    fault_arm(iFailAt, isPersistent);
  int rc = sqlite3_papers_init(db, 0, 0);
  if (rc != SQLITE_OK) {
    set_outcome_error(pOut, rc, "sqlite3_papers_init failed");
    goto done;
  }
  if (pScen->zSetup) {
    fault_disarm();
    rc = setup_unarmed(db, pScen, pOut);
    if (rc != SQLITE_OK) {
      pOut->rc = -1; /* a broken setup is a broken test */
      goto done;
    }
  }
  int isInTransaction = !sqlite3_get_autocommit(db);
  if (pScen->zState)
    pOut->stateBefore = state_hash(db, pScen->zState);
  if (!isInTransaction)
    pOut->stateBegin = pOut->stateBefore;
  if (!pScen->armInit)
    fault_arm(iFailAt, isPersistent);
  rc = sqlite3_prepare_v2(db, pScen->zSql, -1, &pStmt, 0);
  if (rc == SQLITE_OK && pIn->z && sqlite3_bind_parameter_count(pStmt) > 0) {
    rc = sqlite3_bind_blob(pStmt, 1, pIn->z, pIn->n, SQLITE_STATIC);
  }
  while (rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    pOut->nRow++;
    for (int i = 0; i < sqlite3_column_count(pStmt); i++) {
      int eType = sqlite3_column_type(pStmt, i);
      hash_bytes(&pOut->hash, &eType, sizeof(eType));
      if (eType == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(pStmt, i);
        hash_bytes(&pOut->hash, &v, sizeof(v));
      } else if (eType == SQLITE_FLOAT) {
        double v = sqlite3_column_double(pStmt, i);
        hash_bytes(&pOut->hash, &v, sizeof(v));
      } else if (eType != SQLITE_NULL) {
        const void *p = eType == SQLITE_BLOB
                            ? sqlite3_column_blob(pStmt, i)
                            : (const void *)sqlite3_column_text(pStmt, i);
        int n = sqlite3_column_bytes(pStmt, i);
        if (p == 0 && eType == SQLITE_TEXT) {
          rc = SQLITE_NOMEM; /* the value could not be read */
          break;
        }
        hash_bytes(&pOut->hash, &n, sizeof(n));
        if (p)
          hash_bytes(&pOut->hash, p, n);
      }
    }
    if (rc == SQLITE_NOMEM)
      break;
    rc = SQLITE_OK;
  }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  set_outcome_error(pOut, rc, rc == SQLITE_OK ? "" : sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  pStmt = 0;
  fault_disarm();
  pOut->isRolledBack = isInTransaction && sqlite3_get_autocommit(db);
  /* the check holds whether the statement failed or not */
  if (pScen->zCheck && (pOut->rc == SQLITE_OK || pOut->rc == SQLITE_NOMEM)) {
    char zErr[200];
    if (exec_unarmed(db, pScen->zCheck, zErr, sizeof(zErr)) != SQLITE_OK) {
      pOut->rc = -2;
      snprintf(pOut->zErr, sizeof(pOut->zErr), "check failed: %s", zErr);
    }
  }
  if (pScen->zState)
    pOut->stateAfter = state_hash(db, pScen->zState);
done:
  fault_disarm();
  sqlite3_finalize(pStmt);
  if (sqlite3_close(db) != SQLITE_OK) {
    pOut->rc = -3;
    snprintf(pOut->zErr, sizeof(pOut->zErr), "sqlite3_close: %s", sqlite3_errmsg(db));
  }
}

static long long nTotalRun;
#define OOM_MAX_POINTS 400

/* Runs every failure point of a scenario; returns the number of problems. */
static int run_scenario(const Scenario *pScen, int isVerbose) {
  Input in;
  Outcome ref, out;
  int nProblem = 0;
  if (load_input(pScen, &in))
    return 1;
  /* warm up SQLite's one-time allocations, so that the baseline holds */
  run_once(pScen, &in, 0, 0, &ref);
  sqlite3_int64 nUsed0 = sqlite3_memory_used();
  int nCount0, nHigh;
  sqlite3_status(SQLITE_STATUS_MALLOC_COUNT, &nCount0, &nHigh, 0);
  run_once(pScen, &in, 0, 0, &ref);
  long long nAlloc = fault.nCall;
  if (ref.rc < 0 || ref.rc == SQLITE_NOMEM) {
    printf("%-28s FAIL: the run without failures gives %d: %s\n", pScen->zName, ref.rc,
           ref.zErr);
    free(in.z);
    return 1;
  }
  long long nRun = 0;
  /* Scenarios of more than OOM_MAX_POINTS allocations (an index of 223
  ** papers) fail every nStride-th allocation only: the first, then one in
  ** nStride, so that the run stays within minutes. */
  long long nStride =
      nAlloc > OOM_MAX_POINTS ? (nAlloc + OOM_MAX_POINTS - 1) / OOM_MAX_POINTS : 1;
  for (int isPersistent = 0; isPersistent <= 1; isPersistent++) {
    const char *zAt = getenv("OOM_AT"); /* one failure point only (debugging) */
    for (long long iFailAt = zAt ? atoll(zAt) : 1;; iFailAt += nStride) {
      run_once(pScen, &in, iFailAt, isPersistent, &out);
      nRun++;
      const char *zMode = isPersistent ? "persistent" : "transient";
      int isOk = (out.rc == ref.rc && strcmp(out.zErr, ref.zErr) == 0 &&
                  out.hash == ref.hash && out.nRow == ref.nRow) ||
                 (out.rc == SQLITE_NOMEM && fault.nFail > 0) ||
                 (out.rc == ref.rc && ref.rc != SQLITE_OK && fault.nFail > 0 &&
                  strcmp(out.zErr, sqlite3_errstr(ref.rc)) == 0);
      if (!isOk) {
        printf("%-28s FAIL %s n=%lld: rc=%d (%s), %d rows (want %d)\n", pScen->zName,
               zMode, iFailAt, out.rc, out.zErr, out.nRow, ref.nRow);
        nProblem++;
      } else if (pScen->zState &&
                 (out.rc == SQLITE_OK ? out.stateAfter != ref.stateAfter
                  : out.isRolledBack  ? out.stateAfter != out.stateBegin
                                      : out.stateAfter != out.stateBefore)) {
        /* a failed statement leaves everything as it was (or as it was
        ** before the transaction, when it rolled that back); one that got
        ** through leaves what the run without failures left */
        printf("%-28s FAIL %s n=%lld: rc=%d, the state is not %s\n", pScen->zName, zMode,
               iFailAt, out.rc, out.rc == SQLITE_OK ? "the reference's" : "as before");
        nProblem++;
      }
      int nCount;
      sqlite3_status(SQLITE_STATUS_MALLOC_COUNT, &nCount, &nHigh, 0);
      if (sqlite3_memory_used() != nUsed0 || nCount != nCount0) {
        printf("%-28s LEAK %s n=%lld: %lld bytes in %d allocations\n", pScen->zName,
               zMode, iFailAt, (long long)(sqlite3_memory_used() - nUsed0),
               nCount - nCount0);
        nProblem++;
        nUsed0 = sqlite3_memory_used();
        nCount0 = nCount;
      }
      if (isVerbose) {
        printf("  %s n=%lld rc=%d %s\n", zMode, iFailAt, out.rc, out.zErr);
      }
      if (fault.nCall < iFailAt || nProblem > 20 || zAt)
        break; /* the run got through */
    }
  }
  nTotalRun += nRun;
  printf("%-28s %s  %5lld allocations, %5lld runs%s, %s\n", pScen->zName,
         nProblem ? "FAIL" : "ok  ", nAlloc, nRun, nStride > 1 ? " (strided)" : "",
         ref.rc ? "an error" : "rows");
  free(in.z);
  return nProblem;
}

int main(int argc, char **argv) {
  int isVerbose = 0, nProblem = 0, nRan = 0;
  setvbuf(stdout, 0, _IOLBF, 0); /* each scenario's line as it ends */
  install_allocator();
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0)
      isVerbose = 1;
  }
  for (int iScen = 0; iScen < N_SCENARIO; iScen++) {
    int isWanted = 1;
    for (int i = 1; i < argc; i++) {
      if (argv[i][0] != '-')
        isWanted = 0;
    }
    for (int i = 1; i < argc; i++) {
      if (strcmp(argv[i], aScenario[iScen].zName) == 0)
        isWanted = 1;
    }
    if (!isWanted)
      continue;
    nProblem += run_scenario(&aScenario[iScen], isVerbose);
    nRan++;
  }
  printf("%d scenarios, %lld runs, %d problems\n", nRan, nTotalRun, nProblem);
  return nProblem ? 1 : 0;
}
