/*
** corrupt.c: papers_index over damaged shadow tables, in the spirit of
** SQLite's fts5corrupt tests.
**
**   build/corrupt [-v] [DAMAGE-NUMBER]   (make test runs it through
**                                         tests/corrupt.test; make asan too)
**
** For every damage of a fixed list, and for every operation of
** tests/damaged_index.h (every read and write of the index), a fresh
** connection opens a copy of that file's 409-paper index (a latent part, a
** pending level), applies the damage with SQL and runs the operation. The
** damages are systematic:
**   - every configuration key set to 0, -1, 1000, 2^31, 1e308, text, a BLOB,
**     NULL, or deleted;
**   - in each shadow table holding BLOBs, the first, middle and last rows'
**     BLOB truncated (to 0, 1, half, all but one byte), extended (a zero
**     byte, 16 0xff bytes), a byte flipped (first, second, middle, last), or
**     replaced by NULL, text or an integer;
**   - every numeric column of the vocabulary, pending, postings, dense and
**     term number tables set to 0, -1, 2^31, 2^62, 1e308, text or NULL in one row (the
**     values SQLite accepts there);
**   - rows deleted, and copied under another key;
**   - a weight code of the grid forms (T_docs vectors: the first code, after
**     two one-byte counts; postings blocks of both levels) one beyond its
**     range.
** 'rebuild' and 'optimize' empty every shadow table but the configuration
** and index the content table anew, so they follow the configuration's
** damages only.
** An operation may succeed or fail with an error; what it must not do is
** crash, hang (an alarm fails the run after ALARM_SECONDS), leak or touch
** memory it does not own (make asan runs it under ASan+UBSan, which makes
** every such access fatal). A failure must have a message, and no code of
** misuse. Prints "corrupt: D damages, O operations run, E errors, ok".
*/
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

#include "damaged_index.h"

#define ALARM_SECONDS 60
#define MAX_DAMAGES   1024

static char *azDamage[MAX_DAMAGES];
static int nDamage = 0;
static int nConfigDamage = 0; /* the first damages, of the configuration */
static int isVerbose = 0;
static const char *zRunning = ""; /* for the alarm's message */

static void add_damage(const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  char *z = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  if (z == 0 || nDamage == MAX_DAMAGES) {
    fprintf(stderr, "corrupt: too many damages or no memory\n");
    exit(1);
  }
  azDamage[nDamage++] = z;
}

/* The key of the first, middle and last row of a table, as SQL. */
static const char *const azWhichRow[] = {
    "(SELECT %s FROM %s ORDER BY %s LIMIT 1)",
    "(SELECT %s FROM %s ORDER BY %s LIMIT 1 OFFSET (SELECT count(*) / 2 FROM %s))",
    "(SELECT %s FROM %s ORDER BY %s DESC LIMIT 1)",
};

static char *which_row(int iWhich, const char *zKey, const char *zTable) {
  if (iWhich == 1)
    return sqlite3_mprintf(azWhichRow[1], zKey, zTable, zKey, zTable);
  return sqlite3_mprintf(azWhichRow[iWhich], zKey, zTable, zKey);
}

static void config_damages(void) {
  static const char *const azKey[] = {"ndoc",     "version",     "pending",
                                      "merge_at", "latent_dims", "latent_weight",
                                      "tokenize"};
  static const char *const azValue[] = {"0",     "-1",    "1000",  "2147483648",
                                        "1e308", "'ten'", "x'00'", "NULL"};
  for (size_t k = 0; k < sizeof(azKey) / sizeof(azKey[0]); k++) {
    for (size_t v = 0; v < sizeof(azValue) / sizeof(azValue[0]); v++)
      add_damage("UPDATE topics_config SET v = %s WHERE k = '%s'", azValue[v], azKey[k]);
    add_damage("DELETE FROM topics_config WHERE k = '%s'", azKey[k]);
  }
}

static void blob_damages(const char *zTable, const char *zKey, const char *zColumn) {
  static const char *const azChange[] = {
      "x''",
      "substr(%s, 1, 1)",
      "substr(%s, 1, length(%s) / 2)",
      "substr(%s, 1, length(%s) - 1)",
      "%s || x'00'",
      "%s || x'ffffffffffffffffffffffffffffffff'",
      "NULL",
      "'text'",
      "7",
  };
  static const char *const azFlipAt[] = {"1", "2", "length(%s) / 2 + 1", "length(%s)"};
  for (int iWhich = 0; iWhich < 3; iWhich++) {
    char *zRow = which_row(iWhich, zKey, zTable);
    for (size_t c = 0; c < sizeof(azChange) / sizeof(azChange[0]); c++) {
      char *zValue = sqlite3_mprintf(azChange[c], zColumn, zColumn);
      add_damage("UPDATE %s SET %s = %s WHERE %s = %s", zTable, zColumn, zValue, zKey,
                 zRow);
      sqlite3_free(zValue);
    }
    for (size_t f = 0; f < sizeof(azFlipAt) / sizeof(azFlipAt[0]); f++) {
      char *zAt = sqlite3_mprintf(azFlipAt[f], zColumn);
      add_damage("UPDATE %s SET %s = corrupt_flip(%s, %s) WHERE %s = %s", zTable, zColumn,
                 zColumn, zAt, zKey, zRow);
      sqlite3_free(zAt);
    }
    sqlite3_free(zRow);
  }
}

/* eKey: 0 a column, 1 a key of a WITHOUT ROWID table (never NULL), 2 a rowid
** (an integer): values SQLite refuses are left out. */
static void number_damages(const char *zTable, const char *zKey, const char *zColumn,
                           int eKey) {
  static const char *const azValue[] = {
      "0", "-1", "2147483648", "4611686018427387904", "1e308", "'ten'", "NULL"};
  static const int anValue[] = {7, 6, 4};
  char *zRow = which_row(1, zKey, zTable);
  for (int v = 0; v < anValue[eKey]; v++)
    add_damage("UPDATE %s SET %s = %s WHERE %s = %s", zTable, zColumn, azValue[v], zKey,
               zRow);
  sqlite3_free(zRow);
}

static void row_damages(const char *zTable, const char *zKey, const char *zCopy) {
  for (int iWhich = 0; iWhich < 3; iWhich++) {
    char *zRow = which_row(iWhich, zKey, zTable);
    add_damage("DELETE FROM %s WHERE %s = %s", zTable, zKey, zRow);
    sqlite3_free(zRow);
  }
  add_damage("%s", zCopy);
}

static void make_damages(void) {
  config_damages();
  nConfigDamage = nDamage;
  blob_damages("topics_docs", "id", "vector");
  blob_damages("topics_postings", "term", "data");
  blob_damages("topics_latent", "term", "projection");
  blob_damages("topics_dense", "first", "data");
  blob_damages("topics_pending", "term", "postings");
  blob_damages("topics_terms", "first", "ids");
  number_damages("topics_vocab", "term", "df", 0);
  number_damages("topics_vocab", "term", "votes", 0);
  number_damages("topics_vocab", "term", "maxw", 0);
  number_damages("topics_vocab", "term", "surface", 0);
  number_damages("topics_vocab", "term", "num", 0);
  number_damages("topics_pending", "term", "df", 0);
  number_damages("topics_pending", "term", "votes", 0);
  number_damages("topics_pending", "term", "maxw", 0);
  number_damages("topics_pending", "term", "first", 0);
  number_damages("topics_pending", "term", "num", 0);
  number_damages("topics_postings", "term", "first", 1);
  number_damages("topics_dense", "first", "first", 2);
  number_damages("topics_docs", "id", "id", 2);
  number_damages("topics_terms", "first", "first", 2);
  row_damages("topics_vocab", "term",
              "INSERT OR REPLACE INTO topics_vocab SELECT term + 1, df, surface, votes,"
              " maxw, num FROM topics_vocab ORDER BY term LIMIT 50");
  row_damages(
      "topics_docs", "id",
      "INSERT OR REPLACE INTO topics_docs SELECT id + 1000, vector FROM topics_docs"
      " ORDER BY id LIMIT 20");
  row_damages(
      "topics_terms", "first",
      "INSERT OR REPLACE INTO topics_terms SELECT first + 120, ids FROM topics_terms"
      " ORDER BY first LIMIT 5");
  row_damages("topics_postings", "term",
              "INSERT OR REPLACE INTO topics_postings SELECT term, first + 1, data FROM"
              " topics_postings ORDER BY term LIMIT 40");
  row_damages("topics_latent", "term",
              "INSERT OR REPLACE INTO topics_latent SELECT term + 1, projection FROM"
              " topics_latent ORDER BY term LIMIT 50");
  row_damages(
      "topics_dense", "first",
      "INSERT OR REPLACE INTO topics_dense SELECT first + 3, data FROM topics_dense");
  row_damages("topics_pending", "term",
              "INSERT OR REPLACE INTO topics_pending SELECT term + 1, df, surface, votes,"
              " maxw, num, first, postings FROM topics_pending ORDER BY term LIMIT 50");
  /* the weight codes of the grid forms: one code beyond the range */
  add_damage("UPDATE topics_docs SET vector = CAST(substr(vector, 1, 2) || x'0080' ||"
             " substr(vector, 5) AS BLOB) WHERE id = (SELECT min(id) FROM topics_docs)");
  add_damage("UPDATE topics_postings SET data = CAST(substr(data, 1, length(data) - 2)"
             " || x'0080' AS BLOB) WHERE term = (SELECT min(term) FROM topics_postings)");
  add_damage("UPDATE topics_pending SET postings = CAST(substr(postings, 1,"
             " length(postings) - 2) || x'ffff' AS BLOB) WHERE term = (SELECT min(term)"
             " FROM topics_pending WHERE postings IS NOT NULL)");
  add_damage("DELETE FROM topics_latent");
  add_damage("DELETE FROM topics_dense");
  add_damage("DELETE FROM topics_vocab");
  add_damage(
      "UPDATE topics_postings SET data = (SELECT data FROM topics_postings ORDER BY"
      " length(data) DESC LIMIT 1)");
  add_damage(
      "UPDATE topics_dense SET data = (SELECT data FROM topics_dense ORDER BY first"
      " DESC LIMIT 1)");
}

static void on_alarm(int iSignal) {
  (void)iSignal;
  static const char zMsg[] = "corrupt: an operation did not finish in time: ";
  write(2, zMsg, sizeof(zMsg) - 1);
  write(2, zRunning, strlen(zRunning));
  write(2, "\n", 1);
  _exit(2);
}

/* Runs every operation after one damage; returns the number of errors and
** adds the operations run to *pnRun. */
static int run_damage(const unsigned char *aImage, sqlite3_int64 nImage, int iDamage,
                      int *pnRun) {
  int nError = 0;
  int nOperation =
      iDamage < nConfigDamage ? N_OPERATION : N_OPERATION - N_REBUILD_OPERATION;
  for (int iOp = 0; iOp < nOperation; iOp++) {
    (*pnRun)++;
    sqlite3 *db = damaged_open_image(aImage, nImage);
    char *zErr = 0;
    if (sqlite3_exec(db, azDamage[iDamage], 0, 0, &zErr) != SQLITE_OK) {
      fprintf(stderr, "corrupt: damage %d does not apply: %s\n  %s\n", iDamage, zErr,
              azDamage[iDamage]);
      exit(1);
    }
    char *zRunningNow = sqlite3_mprintf("damage %d (%s), operation %d (%s)", iDamage,
                                        azDamage[iDamage], iOp, azOperation[iOp]);
    zRunning = zRunningNow ? zRunningNow : "";
    alarm(ALARM_SECONDS);
    int rc = sqlite3_exec(db, azOperation[iOp], 0, 0, &zErr);
    alarm(0);
    if (rc != SQLITE_OK) {
      nError++;
      if (zErr == 0 || zErr[0] == 0 || (rc & 0xff) == SQLITE_MISUSE ||
          (rc & 0xff) == SQLITE_INTERNAL) {
        fprintf(stderr, "corrupt: %s: code %d without a message or a misuse: %s\n",
                zRunning, rc, zErr ? zErr : "");
        exit(1);
      }
      if (isVerbose)
        printf("%d.%d %d %s\n", iDamage, iOp, rc, zErr);
    }
    zRunning = "";
    sqlite3_free(zRunningNow);
    sqlite3_free(zErr);
    if (sqlite3_close(db) != SQLITE_OK) {
      fprintf(stderr, "corrupt: damage %d operation %d left statements open\n", iDamage,
              iOp);
      exit(1);
    }
  }
  return nError;
}

int main(int argc, char **argv) {
  int iOnly = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0)
      isVerbose = 1;
    else
      iOnly = atoi(argv[i]);
  }
  signal(SIGALRM, on_alarm);
  make_damages();
  sqlite3_int64 nImage = 0;
  unsigned char *aImage = damaged_build_image(&nImage);
  if (iOnly == -2) { /* the number of damages */
    printf("%d\n", nDamage);
    iOnly = nDamage;
  }
  int nError = 0, nRun = 0, nOperationRun = 0;
  for (int i = 0; i < nDamage; i++) {
    if (iOnly >= 0 && i != iOnly)
      continue;
    nError += run_damage(aImage, nImage, i, &nOperationRun);
    nRun++;
  }
  printf("corrupt: %d damages, %d operations run, %d errors, ok\n", nRun, nOperationRun,
         nError);
  sqlite3_free(aImage);
  for (int i = 0; i < nDamage; i++)
    sqlite3_free(azDamage[i]);
  return 0;
}
