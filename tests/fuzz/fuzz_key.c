/*
** fuzz_key.c: a libFuzzer target for papers_key(title).
**
** The fuzz input is the title, bound as TEXT (any bytes: papers_key treats
** bytes that are not UTF-8 as separators). The key must be made of lowercase
** words joined by single spaces, none at either end, valid UTF-8 whatever
** the input, and keying the key must
** give the key back (the fold is idempotent).
*/
#include "parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

static sqlite3 *db;
static sqlite3_stmt *pKey;

int LLVMFuzzerInitialize(int *pArgc, char ***pArgv) {
  (void)pArgc;
  (void)pArgv;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
      sqlite3_papers_init(db, 0, 0) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT papers_key(?1), papers_key(papers_key(?1))", -1,
                         &pKey, 0) != SQLITE_OK) {
    abort();
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  sqlite3_bind_text64(pKey, 1, (const char *)aData, nData, SQLITE_TRANSIENT, SQLITE_UTF8);
  if (sqlite3_step(pKey) == SQLITE_ROW) {
    const char *zKey = (const char *)sqlite3_column_text(pKey, 0);
    int nKey = sqlite3_column_bytes(pKey, 0);
    const char *zKey2 = (const char *)sqlite3_column_text(pKey, 1);
    int nKey2 = sqlite3_column_bytes(pKey, 1);
    if (zKey == 0 || zKey2 == 0)
      abort();
    if (nKey > 0 && (zKey[0] == ' ' || zKey[nKey - 1] == ' '))
      abort();
    if (strstr(zKey, "  "))
      abort();
    int hasCR = 0;
    if (papers_utf8_check((const unsigned char *)zKey, nKey, &hasCR) >= 0) {
      fprintf(stderr, "a key that is not UTF-8\n");
      abort();
    }
    for (int i = 0; i < nKey; i++) {
      if (zKey[i] >= 'A' && zKey[i] <= 'Z')
        abort();
    }
    if (nKey != nKey2 || memcmp(zKey, zKey2, nKey) != 0) {
      fprintf(stderr, "not idempotent: '%s' -> '%s'\n", zKey, zKey2);
      abort();
    }
  }
  sqlite3_reset(pKey);
  return 0;
}
