/*
** papers_internal.h: what every source file of the papers extension shares.
**
** Every file under ext/ includes this header, most through its subsystem's
** (docs/architecture.md): parse.h (digests to rows), topic.h (text to
** vectors, the topic functions), index.h (the papers_index table). It holds
** what is not any one subsystem's: the version and limits, the invariant
** macros, one copy each of the float codec, the PRNG and the growable array,
** the connection context, the table-valued function helpers (tvf.c) and the
** registration hook each SQL-facing file exports to the entry point
** (papers.c). Nothing declared here is visible outside the loaded library:
** the build hides every symbol but sqlite3_papers_init.
*/
#ifndef PAPERS_INTERNAL_H
#define PAPERS_INTERNAL_H

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

/* Invariants: assert(X) states what must hold (an index inside its array, a
** length inside its buffer). Debug builds check them (-DPAPERS_DEBUG: make
** asan, oom, fuzz); release builds compile them out, as SQLite's do. */
#if !defined(NDEBUG) && !defined(PAPERS_DEBUG)
#define NDEBUG 1
#endif
#include <assert.h>

/* A branch believed unreachable that still guards memory: `if (NEVER(X))`
** keeps the guard in a release build and fails the assert in a debug build,
** so the tests prove it is never taken; ALWAYS(X) is the same for a
** condition believed always true. As SQLite's ALWAYS and NEVER. */
#ifndef NDEBUG
#define ALWAYS(X) ((X) ? 1 : (assert(0), 0))
#define NEVER(X)  ((X) ? (assert(0), 1) : 0)
#else
#define ALWAYS(X) (X)
#define NEVER(X)  (X)
#endif

#include <stddef.h>
#include <string.h>

/* Whether this build may start a second thread (a rebuild's analysis,
** index_build_rows.c; the latent fit's products, latent.c): POSIX threads,
** and not with PAPERS_OMIT_THREADS (the allocation-failure harness),
** SQLITE_THREADSAFE=0, WebAssembly or Windows. */
#if defined(PAPERS_OMIT_THREADS) || defined(_WIN32) || defined(__EMSCRIPTEN__) ||        \
    (defined(SQLITE_THREADSAFE) && SQLITE_THREADSAFE == 0)
#define PAPERS_THREADS 0
#else
#define PAPERS_THREADS 1
#endif

#if PAPERS_THREADS
#include <pthread.h>
#endif

/* Work for a second thread: xRun(pArg) on a thread of its own where the
** build has threads and the caller allows, else on the calling thread inside
** papers_side_start(); papers_side_join() waits for it either way. xRun never
** calls SQLite on the connection. (threads.c) */
typedef struct PapersSide {
  void (*xRun)(void *);
  void *pArg;
  int hasThread; /* xRun runs on thread */
#if PAPERS_THREADS
  pthread_t thread;
#endif
} PapersSide;
void papers_side_start(PapersSide *p, void (*xRun)(void *), void *pArg, int isThreadable);
void papers_side_join(PapersSide *p);

/* A lock for work the two threads share: papers_side_mutex_new() gives 0
** where the build has no threads (no second thread to guard against; a
** build with SQLITE_THREADSAFE=0 has no mutex functions to call), and the
** others do nothing with 0. (threads.c) */
sqlite3_mutex *papers_side_mutex_new(void);
void papers_side_mutex_free(sqlite3_mutex *pMutex);
void papers_side_lock(sqlite3_mutex *pMutex);
void papers_side_unlock(sqlite3_mutex *pMutex);

#define PAPERS_VERSION "0.1.0"

/* The oldest SQLite papers runs on: 3.38.0 brought SQLITE_INDEX_CONSTRAINT_LIMIT. */
#define PAPERS_MIN_SQLITE_NUMBER 3038000
#define PAPERS_MIN_SQLITE_TEXT   "3.38.0"

typedef sqlite3_int64 i64;

/* A piece of the input text. Never owned, never NUL-terminated; z == 0 is "absent". */
typedef struct PapersSpan {
  const char *z;
  i64 n;
} PapersSpan;

/* Whether two spans hold the same bytes. */
static inline int papers_span_equal(PapersSpan a, PapersSpan b) {
  return a.n == b.n && (a.n == 0 || memcmp(a.z, b.z, (size_t)a.n) == 0);
}

/* ---- shared utilities: one copy of each, used by every subsystem ------- */

/* The flags of a function whose result depends on its arguments alone. */
#define PAPERS_PURE (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

/* An ASCII letter, whatever the locale (isalpha() depends on it). */
static inline int papers_is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A float32 as 4 bytes little-endian, its IEEE-754 bits unchanged: the one
** form of floats in BLOBs and shadow tables, the same on every machine. */
static inline void papers_f32_put(unsigned char *a, float f) {
  unsigned int bits;
  memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; i++)
    a[i] = (unsigned char)(bits >> (8 * i));
}

static inline float papers_f32_get(const unsigned char *a) {
  unsigned int bits = (unsigned int)a[0] | (unsigned int)a[1] << 8 |
                      (unsigned int)a[2] << 16 | (unsigned int)a[3] << 24;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* A signed 16-bit integer (a weight code of the grid), little-endian. */
static inline void papers_i16_put(unsigned char *a, int v) {
  a[0] = (unsigned char)(v & 0xff);
  a[1] = (unsigned char)((v >> 8) & 0xff);
}

static inline int papers_i16_get(const unsigned char *a) {
  return (int)(short)(unsigned short)(a[0] | (a[1] << 8));
}

/* SplitMix64 (Steele, Lea, Flood 2014): the one pseudo-random generator.
** Advances *pState and returns the next 64 bits; the same sequence for the
** same seed on every machine. */
static inline sqlite3_uint64 papers_splitmix64(sqlite3_uint64 *pState) {
  sqlite3_uint64 z = (*pState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Parses a whole decimal number ([+-]digits[.digits][e[+-]digits]) the same
** in every locale; 0 when z is not one. Equal to strtod()'s value in the "C"
** locale for up to 15 significant digits and exponents within 10^+-22.
** (text.c) */
int papers_parse_decimal(const char *z, double *pValue);

/* Grows *pa (items of szItem bytes, *pnAlloc of them) to hold nNeed items,
** by half again; new items are zeroed. SQLITE_NOMEM leaves it as it was.
** (papers.c) */
int papers_grow_array(void **pa, size_t szItem, i64 nNeed, i64 *pnAlloc);

/* A copy of the n bytes at z (0 when n is 0), and a NUL after them: all n
** bytes, a NUL among them too, where "%.*s" would stop at the first NUL.
** 0: out of memory. (papers.c) */
char *papers_text_copy(const char *z, int n);

/* ---- the connection context (analysis.c) ------------------------------ */

/* What papers keeps per connection: the database, FTS5's fts5_api and the
** analyzers made so far (topic.h). Reference counted: the creator holds one
** reference, and so does every registration that keeps the pointer (pass
** papers_conn_ref(pConn) as its user data and papers_conn_unref as its
** destructor). */
typedef struct PapersConn PapersConn;
PapersConn *papers_conn_new(sqlite3 *db);
PapersConn *papers_conn_ref(PapersConn *pConn);
void papers_conn_unref(void *pConn);
sqlite3 *papers_conn_db(const PapersConn *pConn);

/* ---- tvf.c: table-valued functions ------------------------------------- */

/* Plans a table-valued function whose nArg arguments are the hidden columns
** after its nOutput output columns (idxNum: bit k = argument k given). */
int papers_tvf_best_index(sqlite3_index_info *pInfo, int nOutput, int nArg);

/* In xFilter: apArg[k] = argument k as planned above, or 0 when not given. */
void papers_tvf_args(int idxNum, sqlite3_value **argv, sqlite3_value **apArg, int nArg);

/* Reads a count argument k of zFunc: nDefault when NULL or absent, else an
** integer in [1, nMax]; otherwise an error on pVtab naming zFunc and the value. */
int papers_tvf_count_arg(sqlite3_vtab *pVtab, const char *zFunc, sqlite3_value *pValue,
                         int nDefault, int nMax, int *pnOut);

/* ---- registration: one per SQL-facing file ---------------------------- */
int papers_register_parse(sqlite3 *db);
int papers_register_formats(sqlite3 *db);
int papers_register_index(sqlite3 *db, PapersConn *pConn);
int papers_register_key(sqlite3 *db);
/* papers_tokens, papers_vector, papers_similarity, papers_keywords,
** papers_explain, papers_centroid (topic_*.c). */
int papers_register_topic(sqlite3 *db, PapersConn *pConn);
/* papers_clusters (clusters.c) */
int papers_register_clusters(sqlite3 *db, PapersConn *pConn);

#endif /* PAPERS_INTERNAL_H */
