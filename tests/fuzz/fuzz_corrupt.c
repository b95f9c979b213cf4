/*
** fuzz_corrupt.c: a libFuzzer target for papers_index over damaged shadow
** tables (the fuzzing side of tests/corrupt.c).
**
** The index of tests/damaged_index.h is built once. Each input opens a copy
** and applies a list of mutations taken from the input, each a byte naming
** what and its arguments:
**   - a configuration value set to an integer, a real or a text of the input;
**   - in a row of a shadow table (the row's offset from the input), a BLOB
**     overwritten at a position, truncated, extended with input bytes or
**     replaced by them; a numeric column set to an integer of the input;
**   - a row deleted.
** Then every operation of azOperation runs but the rebuilds (see runs()).
** Any result is
** accepted but a crash, a leak or undefined behaviour (ASan, UBSan) or a
** hang (libFuzzer's -timeout).
*/
#include <stdint.h>

#include "../damaged_index.h"
#include "fuzz_input.h"

static sqlite3_int64 next_int(Input *p) {
  sqlite3_uint64 v = 0;
  for (int k = 0; k < 8; k++)
    v = v << 8 | (sqlite3_uint64)(next_byte(p) & 0xff);
  return (sqlite3_int64)v;
}

/* The shadow tables' columns a mutation may change, with their row key. */
static const struct {
  const char *zTable, *zKey, *zColumn;
} aColumn[] = {
    {"topics_docs", "id", "vector"},
    {"topics_postings", "term", "data"},
    {"topics_latent", "term", "projection"},
    {"topics_dense", "first", "data"},
    {"topics_pending", "term", "postings"},
    {"topics_vocab", "term", "df"},
    {"topics_vocab", "term", "maxw"},
    {"topics_vocab", "term", "votes"},
    {"topics_pending", "term", "df"},
    {"topics_pending", "term", "first"},
    {"topics_postings", "term", "first"},
    {"topics_dense", "first", "first"},
    {"topics_docs", "id", "id"},
};
#define N_COLUMN ((int)(sizeof(aColumn) / sizeof(aColumn[0])))

static const char *const azConfigKey[] = {"ndoc",        "version",  "pending",
                                          "latent_dims", "tokenize", "latent_weight"};

/* Runs one statement with up to two bound values; its result is not looked at. */
static void run(sqlite3 *db, const char *zSql, sqlite3_int64 iValue, const uint8_t *aBlob,
                int nBlob) {
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK) {
    sqlite3_bind_int64(pStmt, 1, iValue);
    if (aBlob)
      sqlite3_bind_blob(pStmt, 2, aBlob, nBlob, SQLITE_TRANSIENT);
    while (sqlite3_step(pStmt) == SQLITE_ROW) {
    }
  }
  sqlite3_finalize(pStmt);
}

/* A row of a column's table, chosen by ?1 (its offset, modulo the rows). */
static char *row_where(int iColumn) {
  return sqlite3_mprintf("%s = (SELECT %s FROM %s ORDER BY %s LIMIT 1 OFFSET ?1 %% max(1,"
                         " (SELECT count(*) FROM %s)))",
                         aColumn[iColumn].zKey, aColumn[iColumn].zKey,
                         aColumn[iColumn].zTable, aColumn[iColumn].zKey,
                         aColumn[iColumn].zTable);
}

static void mutate(sqlite3 *db, Input *p, int eWhat) {
  int iColumn = next_byte(p) % N_COLUMN;
  if (iColumn < 0)
    return;
  char *zWhere = row_where(iColumn);
  const char *zTable = aColumn[iColumn].zTable, *zColumn = aColumn[iColumn].zColumn;
  char *zSql = 0;
  sqlite3_int64 iRow = (next_byte(p) & 0xff) | (next_byte(p) & 0xff) << 8;
  int nBlob = next_byte(p) & 0x3f;
  const uint8_t *aBlob = p->a + p->i;
  if (nBlob < 0 || (size_t)nBlob > p->n - p->i)
    nBlob = 0;
  p->i += (size_t)nBlob;
  switch (eWhat) {
  case 1: /* overwrite at a position */
    zSql = sqlite3_mprintf("UPDATE %s SET %s = CAST(substr(%s, 1, %d) || ?2 ||"
                           " substr(%s, %d + length(?2)) AS BLOB) WHERE %s",
                           zTable, zColumn, zColumn, (int)(iRow >> 8) & 0xff, zColumn,
                           ((int)(iRow >> 8) & 0xff) + 1, zWhere);
    break;
  case 2: /* truncate */
    zSql = sqlite3_mprintf("UPDATE %s SET %s = CAST(substr(%s, 1, %d) AS BLOB) WHERE %s",
                           zTable, zColumn, zColumn, nBlob * 4, zWhere);
    break;
  case 3: /* extend */
    zSql = sqlite3_mprintf("UPDATE %s SET %s = CAST(%s || ?2 AS BLOB) WHERE %s", zTable,
                           zColumn, zColumn, zWhere);
    break;
  case 4: /* replace */
    zSql = sqlite3_mprintf("UPDATE %s SET %s = ?2 WHERE %s", zTable, zColumn, zWhere);
    break;
  case 5: /* an integer */
    zSql = sqlite3_mprintf("UPDATE OR IGNORE %s SET %s = %lld WHERE %s", zTable, zColumn,
                           next_int(p), zWhere);
    break;
  default: /* delete the row */
    zSql = sqlite3_mprintf("DELETE FROM %s WHERE %s", zTable, zWhere);
    break;
  }
  if (zSql)
    run(db, zSql, iRow, aBlob, nBlob);
  sqlite3_free(zSql);
  sqlite3_free(zWhere);
}

static void mutate_config(sqlite3 *db, Input *p) {
  const char *zKey = azConfigKey[(next_byte(p) & 0xff) % 6];
  int eType = next_byte(p) % 3;
  char *zSql = 0;
  sqlite3_int64 iValue = next_int(p);
  if (eType == 0)
    zSql =
        sqlite3_mprintf("UPDATE topics_config SET v = %lld WHERE k = '%s'", iValue, zKey);
  else if (eType == 1)
    zSql = sqlite3_mprintf("UPDATE topics_config SET v = %!.17g WHERE k = '%s'",
                           (double)iValue / 65536.0, zKey);
  else
    zSql = sqlite3_mprintf("UPDATE topics_config SET v = '%lld' WHERE k = '%s'", iValue,
                           zKey);
  if (zSql)
    run(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
}

static unsigned char *aImage = 0; /* the undamaged index, for the process's life */
static sqlite3_int64 nImage = 0;

int LLVMFuzzerInitialize(int *pArgc, char ***pArgv) {
  (void)pArgc;
  (void)pArgv;
  aImage = damaged_build_image(&nImage);
  return 0;
}

/* Whether operation iOp runs: the rebuilds never (they read nothing damaged
** but the configuration, which tests/corrupt.c damages value by value, and
** their latent fit takes seconds in this build), clusters when the last input
** byte asks for them. */
static int runs(int iOp, const uint8_t *aData, size_t nData) {
  int eLast = nData > 0 ? aData[nData - 1] : 0;
  if (iOp >= N_OPERATION - N_REBUILD_OPERATION)
    return 0;
  if (strstr(azOperation[iOp], "papers_clusters"))
    return eLast & 1;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  sqlite3 *db = damaged_open_image(aImage, nImage);
  Input in = {aData, nData, 0};
  for (int nMutation = 0; nMutation < 8; nMutation++) {
    int eWhat = next_byte(&in);
    if (eWhat < 0)
      break;
    if (eWhat % 7 == 0)
      mutate_config(db, &in);
    else
      mutate(db, &in, eWhat % 7);
  }
  for (int iOp = 0; iOp < N_OPERATION; iOp++) {
    if (runs(iOp, aData, nData))
      sqlite3_exec(db, azOperation[iOp], 0, 0, 0);
  }
  if (sqlite3_close(db) != SQLITE_OK)
    abort(); /* a statement left open */
  return 0;
}
