/*
** fuzz_parse.c: a libFuzzer target for papers_parse and papers_unparsed.
**
** The fuzz input is the digest text. FUZZ_FORMAT names the format the target
** forces ("hf-daily", ...), or is left undefined for auto-detection. Every
** row of both tables is read, every column of it, so that every path from
** the text to a value runs. The extension is compiled into the target
** (-DSQLITE_CORE) and registered on one in-memory database.
**
** The input is bound as a BLOB that points at libFuzzer's own buffer
** (SQLITE_STATIC): the parser reads it in place, so AddressSanitizer sees a
** read past its end.
*/
#include "parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#ifdef FUZZ_FORMAT
#define FORMAT_SQL "'" FUZZ_FORMAT "'"
#else
#define FORMAT_SQL "NULL"
#endif

static sqlite3 *db;
static sqlite3_stmt *pParse, *pUnparsed;

static void prepare(const char *zSql, sqlite3_stmt **ppStmt) {
  if (sqlite3_prepare_v2(db, zSql, -1, ppStmt, 0) != SQLITE_OK) {
    fprintf(stderr, "fuzz_parse: %s: %s\n", zSql, sqlite3_errmsg(db));
    abort();
  }
}

int LLVMFuzzerInitialize(int *pArgc, char ***pArgv) {
  (void)pArgc;
  (void)pArgv;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
      sqlite3_papers_init(db, 0, 0) != SQLITE_OK) {
    abort();
  }
  prepare("SELECT * FROM papers_parse(?1, " FORMAT_SQL ", '2026-05-15')", &pParse);
  prepare("SELECT * FROM papers_unparsed(?1, " FORMAT_SQL ")", &pUnparsed);
  return 0;
}

/* Steps pStmt to its end, reading every column of every row. Errors (invalid
** UTF-8, say) are fine; a crash, a leak or undefined behaviour is not. */
static void run(sqlite3_stmt *pStmt, const uint8_t *aData, size_t nData) {
  sqlite3_bind_blob64(pStmt, 1, aData, nData, SQLITE_STATIC);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(pStmt); i++) {
      const unsigned char *z = sqlite3_column_text(pStmt, i);
      int n = sqlite3_column_bytes(pStmt, i);
      int hasCR = 0;
      /* the input was checked: every value cut from it is valid UTF-8 too */
      if (z && papers_utf8_check(z, n, &hasCR) >= 0)
        abort();
    }
  }
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  run(pParse, aData, nData);
  run(pUnparsed, aData, nData);
  return 0;
}
