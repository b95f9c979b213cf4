/*
** fuzz_index.c: a libFuzzer target for papers_index.
**
** Each input is a program run against a fresh in-memory database holding a
** content table, a papers_index over it and the triggers of
** sql/papers_index_triggers.sql. Every operation takes a byte and its
** arguments from the input:
**
**   insert (plain, or OR REPLACE), update, delete of content rows, whose
**   texts are words of a small vocabulary (so that documents share terms)
**   mixed with raw input bytes (invalid UTF-8 included) or NULL;
**   rebuild, optimize, merge; a more-like-this and a text query; SAVEPOINT,
**   ROLLBACK TO and RELEASE. The index merges its pending level when it
**   holds more than 40 postings (option pending=40), so that writes cross
**   merges often.
**
** After every operation, INSERT INTO t(t) VALUES('integrity-check') must
** succeed (a failed write, such as a duplicate rowid, must leave the index
** as it was). At the end, for every document, the index's top 10 by
** similar_to must equal the exhaustive ranking: every stored vector scored
** with papers_similarity, score descending then rowid, scores equal bit for
** bit; and the same for a text query against papers_vector(text, 't').
*/
#include "papers_internal.h"

#include "fuzz_input.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

static const char *const azWord[] = {
    "model",       "models",    "modeling", "language",    "learning",   "graph",
    "neural",      "network",   "networks", "information", "bottleneck", "retrieval",
    "the",         "of",        "a",        "and",         "for",        "diffusion",
    "transformer", "attention", "agent",    "agents",      "reasoning",  "benchmark",
    "café",        "naïve",     "straße",   "Ωmega",       "42",         "x",
    "mixture",     "experts",   "robust",   "vision",      "speech",     "large",
};
#define N_WORD ((int)(sizeof(azWord) / sizeof(azWord[0])))
#define N_ID   24 /* content rowids 1..N_ID */

/* A text from the input: words and raw bytes; *pIsNull for NULL. */
static void make_text(Input *p, sqlite3_str *pStr, int *pIsNull) {
  int nPiece = next_byte(p);
  *pIsNull = nPiece == 255;
  if (nPiece < 0 || *pIsNull)
    return;
  nPiece %= 16;
  for (int k = 0; k < nPiece; k++) {
    int b = next_byte(p);
    if (b < 0)
      break;
    if (k > 0)
      sqlite3_str_appendchar(pStr, 1, ' ');
    if (b >= 0xf0) { /* raw bytes from the input */
      for (int m = 0; m < (b & 0x07) + 1 && p->i < p->n; m++)
        sqlite3_str_appendchar(pStr, 1, (char)p->a[p->i++]);
    } else {
      sqlite3_str_appendall(pStr, azWord[b % N_WORD]);
    }
  }
}

static sqlite3 *db;

static void fail(const char *zWhat, const char *zDetail) {
  fprintf(stderr, "fuzz_index: %s: %s\n", zWhat, zDetail ? zDetail : sqlite3_errmsg(db));
  abort();
}

static int exec(const char *zSql) {
  return sqlite3_exec(db, zSql, 0, 0, 0);
}

/* Runs a write with the rowid and two texts from the input. */
static void write_row(Input *p, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK)
    fail("prepare", 0);
  int id = next_byte(p);
  sqlite3_bind_int(pStmt, 1, (id < 0 ? 0 : id) % N_ID + 1);
  for (int iText = 2; iText <= 3 && sqlite3_bind_parameter_count(pStmt) >= iText;
       iText++) {
    sqlite3_str *pStr = sqlite3_str_new(db);
    int isNull = 0;
    make_text(p, pStr, &isNull);
    int nText = sqlite3_str_length(pStr);
    char *zText = sqlite3_str_finish(pStr);
    if (isNull)
      sqlite3_bind_null(pStmt, iText);
    else
      sqlite3_bind_text(pStmt, iText, zText ? zText : "", nText, SQLITE_TRANSIENT);
    sqlite3_free(zText);
  }
  int rc = sqlite3_step(pStmt);
  /* a duplicate rowid fails; anything else must work */
  if (rc != SQLITE_DONE && sqlite3_extended_errcode(db) != SQLITE_CONSTRAINT_PRIMARYKEY)
    fail("write", 0);
  sqlite3_finalize(pStmt);
}

/* The rows of a ranking: rowid and score, at most 10. */
typedef struct Ranking {
  int n;
  sqlite3_int64 aId[10];
  double aScore[10];
} Ranking;

static void ranking(const char *zSql, sqlite3_value *pArg, int iArg, Ranking *pOut) {
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK)
    fail("prepare", zSql);
  if (pArg)
    sqlite3_bind_value(pStmt, 1, pArg);
  else
    sqlite3_bind_int(pStmt, 1, iArg);
  pOut->n = 0;
  int rc;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    if (pOut->n == 10)
      fail("ranking", "more than 10 rows");
    pOut->aId[pOut->n] = sqlite3_column_int64(pStmt, 0);
    pOut->aScore[pOut->n++] = sqlite3_column_double(pStmt, 1);
  }
  if (rc != SQLITE_DONE)
    fail("ranking", 0);
  sqlite3_finalize(pStmt);
}

static void compare(const Ranking *pIndex, const Ranking *pExhaustive,
                    const char *zWhat) {
  int isSame = pIndex->n == pExhaustive->n;
  for (int i = 0; isSame && i < pIndex->n; i++) {
    isSame = pIndex->aId[i] == pExhaustive->aId[i] &&
             memcmp(&pIndex->aScore[i], &pExhaustive->aScore[i], sizeof(double)) == 0;
  }
  if (!isSame) {
    for (int i = 0; i < pIndex->n || i < pExhaustive->n; i++) {
      fprintf(stderr, "  %d: index %lld %.17g   exhaustive %lld %.17g\n", i,
              i < pIndex->n ? (long long)pIndex->aId[i] : -1LL,
              i < pIndex->n ? pIndex->aScore[i] : 0,
              i < pExhaustive->n ? (long long)pExhaustive->aId[i] : -1LL,
              i < pExhaustive->n ? pExhaustive->aScore[i] : 0);
    }
    fail("the index ranking is not the exhaustive one", zWhat);
  }
}

static const char zSetup[] =
    "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);"
    "CREATE VIRTUAL TABLE t USING papers_index(content='papers', content_rowid='id',"
    " columns='title, abstract', weights='2 1', pending=40);"
    "CREATE TRIGGER papers_t_insert AFTER INSERT ON papers BEGIN"
    " INSERT INTO t(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END;"
    "CREATE TRIGGER papers_t_delete AFTER DELETE ON papers BEGIN"
    " INSERT INTO t(t, rowid, title, abstract) VALUES ('delete', old.id, old.title,"
    " old.abstract); END;"
    "CREATE TRIGGER papers_t_update AFTER UPDATE ON papers BEGIN"
    " INSERT INTO t(t, rowid, title, abstract) VALUES ('delete', old.id, old.title,"
    " old.abstract);"
    " INSERT INTO t(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END;";

#define CHECK "INSERT INTO t(t) VALUES('integrity-check')"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  Input in = {aData, nData, 0};
  if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
      sqlite3_papers_init(db, 0, 0) != SQLITE_OK || exec(zSetup) != SQLITE_OK) {
    fail("setup", 0);
  }
  int nSavepoint = 0, nStep = 0;
  int op;
  while ((op = next_byte(&in)) >= 0 && nStep++ < 64) {
    switch (op % 13) {
    case 0:
    case 1:
      write_row(&in, "INSERT INTO papers(id, title, abstract) VALUES (?1, ?2, ?3)");
      break;
    case 2:
      write_row(&in,
                "INSERT OR REPLACE INTO papers(id, title, abstract) VALUES (?1, ?2, ?3)");
      break;
    case 3:
      write_row(&in, "UPDATE papers SET title = ?2, abstract = ?3 WHERE id = ?1");
      break;
    case 4:
      write_row(&in, "UPDATE papers SET abstract = ?2 WHERE id = ?1");
      break;
    case 5:
      write_row(&in, "DELETE FROM papers WHERE id = ?1");
      break;
    case 6:
      if (exec("INSERT INTO t(t) VALUES('rebuild')") != SQLITE_OK)
        fail("rebuild", 0);
      break;
    case 7:
      if (exec("INSERT INTO t(t) VALUES('optimize')") != SQLITE_OK)
        fail("optimize", 0);
      break;
    case 8: {
      Ranking r;
      int id = next_byte(&in);
      ranking(
          "SELECT rowid, score FROM t WHERE similar_to = ?1 ORDER BY score DESC LIMIT 10",
          0, (id < 0 ? 0 : id) % N_ID + 1, &r);
      break;
    }
    case 9:
      if (exec("SAVEPOINT s") != SQLITE_OK)
        fail("savepoint", 0);
      nSavepoint++;
      break;
    case 10:
      if (nSavepoint > 0 && exec("ROLLBACK TO s") != SQLITE_OK)
        fail("rollback to", 0);
      break;
    case 11:
      if (nSavepoint > 0) {
        if (exec("RELEASE s") != SQLITE_OK)
          fail("release", 0);
        nSavepoint--;
      }
      break;
    case 12:
      if (exec("INSERT INTO t(t) VALUES('merge')") != SQLITE_OK)
        fail("merge", 0);
      break;
    }
    if (exec(CHECK) != SQLITE_OK)
      fail("integrity-check", 0);
  }

  /* the index's rankings are the exhaustive ones */
  for (int id = 1; id <= N_ID; id++) {
    Ranking rIndex, rAll;
    ranking(
        "SELECT rowid, score FROM t WHERE similar_to = ?1 ORDER BY score DESC LIMIT 10",
        0, id, &rIndex);
    ranking(
        "SELECT id, s FROM (SELECT rowid AS id, papers_similarity(vector, (SELECT vector"
        " FROM t WHERE rowid = ?1)) AS s FROM t WHERE rowid != ?1 AND EXISTS (SELECT 1"
        " FROM t WHERE rowid = ?1)) WHERE s > 0 ORDER BY s DESC, id LIMIT 10",
        0, id, &rAll);
    compare(&rIndex, &rAll, "similar_to");
  }
  /* a text query: the rest of the input as text, or the first document's */
  sqlite3_stmt *pText = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT coalesce(?1, (SELECT title FROM papers ORDER BY id))",
                         -1, &pText, 0) != SQLITE_OK)
    fail("prepare", 0);
  if (in.i < in.n)
    sqlite3_bind_text(pText, 1, (const char *)in.a + in.i, (int)(in.n - in.i),
                      SQLITE_STATIC);
  if (sqlite3_step(pText) == SQLITE_ROW && sqlite3_column_type(pText, 0) == SQLITE_TEXT) {
    sqlite3_value *pQuery = sqlite3_column_value(pText, 0);
    Ranking rIndex, rAll;
    ranking("SELECT rowid, score FROM t WHERE query = ?1 ORDER BY score DESC LIMIT 10",
            pQuery, 0, &rIndex);
    ranking(
        "SELECT id, s FROM (SELECT rowid AS id, papers_similarity(vector,"
        " papers_vector(?1, 't')) AS s FROM t) WHERE s > 0 ORDER BY s DESC, id LIMIT 10",
        pQuery, 0, &rAll);
    compare(&rIndex, &rAll, "query");
  }
  sqlite3_finalize(pText);
  for (; nSavepoint > 0; nSavepoint--) {
    if (exec("RELEASE s") != SQLITE_OK)
      fail("release", 0);
  }
  if (exec(CHECK) != SQLITE_OK)
    fail("integrity-check at the end", 0);
  sqlite3_close(db);
  db = 0;
  return 0;
}
