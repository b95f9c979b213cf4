/*
** papers.c: the entry point of the papers SQLite extension.
**
** Load it with `.load ./papers` in the sqlite3 shell, or
** sqlite3_load_extension(db, "./papers", 0, &zErr): SQLite derives the entry
** point sqlite3_papers_init from the file name. Contract:
**   - refuses to load on a SQLite older than PAPERS_MIN_SQLITE_TEXT, with an
**     error naming both versions;
**   - registers every function and table of the extension on the connection;
**   - papers_version() returns the extension's version, papers_debug() a text
**     with the version, the git commit and compiler flags of the build, and
**     the version of the SQLite it runs on.
** It also holds papers_grow_array(), the one growable array of every
** subsystem, and papers_text_copy() (the other shared utilities are inline
** in papers_internal.h).
*/
#include "papers_internal.h"
#include "papers.h"
SQLITE_EXTENSION_INIT1

#ifndef PAPERS_GIT_COMMIT
#define PAPERS_GIT_COMMIT "unknown"
#endif
#ifndef PAPERS_BUILD_FLAGS
#define PAPERS_BUILD_FLAGS "unknown"
#endif

/* Declared in papers_internal.h. */
int papers_grow_array(void **pa, size_t szItem, i64 nNeed, i64 *pnAlloc) {
  if (nNeed <= *pnAlloc)
    return SQLITE_OK;
  i64 nNew = nNeed < 256 ? 256 : nNeed + nNeed / 2;
  void *aNew = sqlite3_realloc64(*pa, szItem * (sqlite3_uint64)nNew);
  if (aNew == 0)
    return SQLITE_NOMEM;
  memset((char *)aNew + szItem * (size_t)*pnAlloc, 0, szItem * (size_t)(nNew - *pnAlloc));
  *pa = aNew;
  *pnAlloc = nNew;
  return SQLITE_OK;
}

/* Declared in papers_internal.h. */
char *papers_text_copy(const char *z, int n) {
  assert(n >= 0 && (z || n == 0));
  char *zCopy = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if (zCopy == 0)
    return 0;
  if (n > 0)
    memcpy(zCopy, z, (size_t)n);
  zCopy[n] = 0;
  return zCopy;
}

static void papers_version_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(pCtx, PAPERS_VERSION, -1, SQLITE_STATIC);
}

static void papers_debug_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  char *zDebug =
      sqlite3_mprintf("papers %s\ncommit %s\nflags %s\nsqlite %s", PAPERS_VERSION,
                      PAPERS_GIT_COMMIT, PAPERS_BUILD_FLAGS, sqlite3_libversion());
  if (zDebug == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  sqlite3_result_text(pCtx, zDebug, -1, sqlite3_free);
}

static int papers_register_housekeeping(sqlite3 *db) {
  int rc = sqlite3_create_function(db, "papers_version", 0, PAPERS_PURE, 0,
                                   papers_version_func, 0, 0);
  if (rc != SQLITE_OK)
    return rc;
  /* not deterministic: it names the SQLite library, which a process may swap */
  return sqlite3_create_function(db, "papers_debug", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, 0,
                                 papers_debug_func, 0, 0);
}

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
    int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg,
                            const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  if (sqlite3_libversion_number() < PAPERS_MIN_SQLITE_NUMBER) {
    *pzErrMsg = sqlite3_mprintf("papers needs SQLite %s or later, but this is SQLite %s",
                                PAPERS_MIN_SQLITE_TEXT, sqlite3_libversion());
    return SQLITE_ERROR;
  }
  PapersConn *pConn = papers_conn_new(db);
  if (pConn == 0)
    return SQLITE_NOMEM;
  int rc = papers_register_housekeeping(db);
  if (rc == SQLITE_OK)
    rc = papers_register_parse(db);
  if (rc == SQLITE_OK)
    rc = papers_register_formats(db);
  if (rc == SQLITE_OK)
    rc = papers_register_key(db);
  if (rc == SQLITE_OK)
    rc = papers_register_topic(db, pConn);
  if (rc == SQLITE_OK)
    rc = papers_register_index(db, pConn);
  if (rc == SQLITE_OK)
    rc = papers_register_clusters(db, pConn);
  papers_conn_unref(pConn); /* the registrations hold their own references */
  return rc;
}
