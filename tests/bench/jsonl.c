/*
** jsonl.c: loads a directory of JSON Lines files into a table, and the
** evaluation protocol's papers from it (jsonl.h).
*/
#include "jsonl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 4096

static void fail(const char *zWhat, const char *zDetail) {
  fprintf(stderr, "bench: %s: %s\n", zWhat, zDetail);
  exit(1);
}

static int compare_names(const void *pA, const void *pB) {
  return strcmp(*(char *const *)pA, *(char *const *)pB);
}

/* The names of the directory's *.jsonl files, sorted; *pn of them. */
static char **jsonl_files(const char *zDir, int *pn) {
  DIR *pDir = opendir(zDir);
  if (pDir == 0)
    fail("cannot open the data directory", zDir);
  char **azName = malloc(sizeof(char *) * MAX_FILES);
  int nName = 0;
  struct dirent *pEntry;
  while ((pEntry = readdir(pDir)) != 0 && nName < MAX_FILES) {
    size_t n = strlen(pEntry->d_name);
    if (n > 6 && strcmp(pEntry->d_name + n - 6, ".jsonl") == 0)
      azName[nName++] = strdup(pEntry->d_name);
  }
  closedir(pDir);
  qsort(azName, (size_t)nName, sizeof(char *), compare_names);
  *pn = nName;
  return azName;
}

static void load_file(sqlite3_stmt *pInsert, const char *zPath) {
  FILE *f = fopen(zPath, "rb");
  if (f == 0)
    fail("cannot open", zPath);
  char *zLine = 0;
  size_t nAlloc = 0;
  ssize_t nLine;
  while ((nLine = getline(&zLine, &nAlloc, f)) > 0) {
    if (nLine < 2)
      continue;
    sqlite3_bind_text(pInsert, 1, zLine, (int)nLine, SQLITE_TRANSIENT);
    sqlite3_step(pInsert);
    sqlite3_reset(pInsert);
  }
  free(zLine);
  fclose(f);
}

void bench_load_jsonl(sqlite3 *db, const char *zDir, const char *zTable) {
  int nName = 0;
  char **azName = jsonl_files(zDir, &nName);
  char *zSql =
      sqlite3_mprintf("CREATE TABLE \"%w\"(seq INTEGER PRIMARY KEY, line TEXT)", zTable);
  if (sqlite3_exec(db, zSql, 0, 0, 0) != SQLITE_OK)
    fail("cannot create the table", sqlite3_errmsg(db));
  sqlite3_free(zSql);
  zSql = sqlite3_mprintf("INSERT INTO \"%w\"(line) VALUES (?1)", zTable);
  sqlite3_stmt *pInsert;
  if (sqlite3_prepare_v2(db, zSql, -1, &pInsert, 0) != SQLITE_OK)
    fail("prepare", sqlite3_errmsg(db));
  sqlite3_free(zSql);
  sqlite3_exec(db, "BEGIN", 0, 0, 0);
  for (int i = 0; i < nName; i++) {
    char zPath[4096];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, azName[i]);
    load_file(pInsert, zPath);
    free(azName[i]);
  }
  sqlite3_exec(db, "COMMIT", 0, 0, 0);
  sqlite3_finalize(pInsert);
  free(azName);
}

void bench_load_eval_papers(sqlite3 *db, const char *zDir) {
  bench_load_jsonl(db, zDir, "eval_raw");
  const char *zSql =
      "CREATE TEMP TABLE eval_records AS SELECT json_extract(line, '$.id') AS arxiv,"
      " json_extract(line, '$.categories[0]') AS category, json_extract(line, '$.title') "
      "AS"
      " title, json_extract(line, '$.summary') AS abstract, seq FROM eval_raw;"
      "CREATE TABLE papers(id INTEGER PRIMARY KEY, arxiv TEXT, category TEXT, title TEXT,"
      " abstract TEXT);"
      "INSERT INTO papers(arxiv, category, title, abstract)"
      " SELECT arxiv, category, title, abstract FROM eval_records r"
      " WHERE seq = (SELECT min(seq) FROM eval_records WHERE arxiv = r.arxiv)"
      "   AND category IN (SELECT category FROM eval_records GROUP BY category"
      "     HAVING count(DISTINCT arxiv) >= 50)"
      " ORDER BY seq;"
      "DROP TABLE eval_raw; DROP TABLE eval_records;";
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK)
    fail("cannot select the evaluation papers", zErr);
}
