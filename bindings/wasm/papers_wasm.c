/*
** papers_wasm.c: the C side of the WebAssembly build (dist/wasm/).
**
** Linked with SQLite's amalgamation and the papers sources (-DSQLITE_CORE).
** Contract:
**   - papers_wasm_init() registers sqlite3_papers_init with
**     sqlite3_auto_extension, so every connection opened afterwards has the
**     papers functions and tables; it returns a SQLite result code;
**   - the papers_wasm_bind_int64 / papers_wasm_column_int64_fits helpers move
**     64-bit integers across the JavaScript boundary as doubles (exact up to
**     2^53) or as text, so that the JavaScript side never handles the split
**     i64 arguments of a build without BigInt integration.
*/
#include "sqlite3.h"
#include <stdlib.h>

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

/* Registers papers on every connection opened from now on. */
int papers_wasm_init(void) {
  return sqlite3_auto_extension((void (*)(void))sqlite3_papers_init);
}

/* Binds the integer held exactly by the double rValue. */
int papers_wasm_bind_int64(sqlite3_stmt *pStmt, int iParam, double rValue) {
  return sqlite3_bind_int64(pStmt, iParam, (sqlite3_int64)rValue);
}

/* Binds the integer written in decimal in zValue (a JavaScript BigInt). */
int papers_wasm_bind_int64_text(sqlite3_stmt *pStmt, int iParam, const char *zValue) {
  return sqlite3_bind_int64(pStmt, iParam, strtoll(zValue, 0, 10));
}

/* True when the integer in column iCol is exact as a double (|v| <= 2^53). */
int papers_wasm_column_int64_fits(sqlite3_stmt *pStmt, int iCol) {
  sqlite3_int64 v = sqlite3_column_int64(pStmt, iCol);
  return v >= -9007199254740992LL && v <= 9007199254740992LL;
}

/* The database "main" of db as the bytes of a database file, in memory from
** sqlite3_malloc64 that the caller frees with sqlite3_free; its size goes to
** *pnOut. 0 when out of memory (or the database is larger than 2 GiB). */
unsigned char *papers_wasm_serialize(sqlite3 *db, int *pnOut) {
  sqlite3_int64 n = 0;
  unsigned char *a = sqlite3_serialize(db, "main", &n, 0);
  if (a != 0 && n > 0x7fffffff) {
    sqlite3_free(a);
    a = 0;
  }
  *pnOut = a ? (int)n : 0;
  return a;
}

/* Makes the database "main" of db the n bytes at a (from sqlite3_malloc64),
** which it takes over in every case. Returns a SQLite result code. */
int papers_wasm_deserialize(sqlite3 *db, unsigned char *a, int n) {
  return sqlite3_deserialize(db, "main", a, n, n,
                             SQLITE_DESERIALIZE_FREEONCLOSE |
                                 SQLITE_DESERIALIZE_RESIZEABLE);
}
