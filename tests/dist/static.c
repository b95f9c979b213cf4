/*
** static.c: the single-file build linked into a program (make test).
**
** Built from dist/papers.c with -DSQLITE_CORE against a static SQLite: it
** registers papers with sqlite3_auto_extension, opens an in-memory
** database and runs one query that parses a digest. Prints the answer and
** exits 0 when it is the expected one; exits 1 with a message otherwise.
*/
#include <stdio.h>
#include <string.h>

#include "papers.h"

/* A Hugging Face Daily Papers card, as papers_formats shows the format. */
static const char zQuery[] =
    "SELECT papers_version() || '|' || count(*) || '|' || title FROM papers_parse("
    "(SELECT example FROM papers_formats WHERE name = 'hf-daily'), 'hf-daily', "
    "'2026-11-28')";
static const char zExpected[] =
    "0.1.0|1|GIRL: Generative Imagination Reinforcement Learning";

/* sqlite3_exec callback: copies the first column of the one row to pArg. */
static int copy_answer(void *pArg, int nCol, char **azVal, char **azCol) {
  (void)azCol;
  snprintf((char *)pArg, 200, "%s", nCol > 0 && azVal[0] ? azVal[0] : "NULL");
  return 0;
}

int main(void) {
  sqlite3 *db = 0;
  char *zErr = 0;
  char zAnswer[200] = "no row";
  int rc = sqlite3_auto_extension((void (*)(void))sqlite3_papers_init);
  if (rc == SQLITE_OK)
    rc = sqlite3_open(":memory:", &db);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, zQuery, copy_answer, zAnswer, &zErr);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "static: %s\n",
            zErr ? zErr : (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 1;
  }
  sqlite3_close(db);
  printf("static: %s (SQLite %s)\n", zAnswer, sqlite3_libversion());
  if (strcmp(zAnswer, zExpected) != 0) {
    fprintf(stderr, "static: expected %s\n", zExpected);
    return 1;
  }
  return 0;
}
