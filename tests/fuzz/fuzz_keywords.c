/*
** fuzz_keywords.c: a libFuzzer target for the analysis and keywords path:
** papers_tokens, papers_vector, papers_keywords, papers_explain and
** papers_similarity on the same text.
**
** The fuzz input is the text, bound as TEXT (any bytes: the analysis treats
** bytes that are not UTF-8 as the tokenizer does). Checks:
**   - papers_tokens: offsets inside the text, start < end, in text order; a
**     stop token has no phrase;
**   - papers_vector: a vector that papers_vector() takes back unchanged;
**   - papers_keywords(text, 20): ranks 1, 2, ... with weights in (0, 1],
**     not increasing;
**   - papers_explain(text, text): contributions add up to the similarity of
**     the text with itself, which is 1 for a text with terms and 0 without.
*/
#include "papers_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

static sqlite3 *db;
static sqlite3_stmt *pTokens, *pVector, *pKeywords, *pExplain;

int LLVMFuzzerInitialize(int *pArgc, char ***pArgv) {
  (void)pArgc;
  (void)pArgv;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
      sqlite3_papers_init(db, 0, 0) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT token, start, \"end\", is_stop, phrase FROM "
                         "papers_tokens(?1)",
                         -1, &pTokens, 0) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT v, papers_vector(v) IS v, papers_similarity(?1, ?1),"
                         " papers_similarity(v, ?1) FROM (SELECT papers_vector(?1) AS v)",
                         -1, &pVector, 0) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT rank, term, weight FROM papers_keywords(?1, 20)", -1,
                         &pKeywords, 0) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT term, weight_a, weight_b, contribution FROM "
                         "papers_explain(?1, ?1)",
                         -1, &pExplain, 0) != SQLITE_OK) {
    abort();
  }
  return 0;
}

static void fail(const char *zWhat) {
  fprintf(stderr, "fuzz_keywords: %s (%s)\n", zWhat, sqlite3_errmsg(db));
  abort();
}

static void bind(sqlite3_stmt *pStmt, const uint8_t *aData, size_t nData) {
  sqlite3_bind_text64(pStmt, 1, (const char *)aData, nData, SQLITE_STATIC, SQLITE_UTF8);
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  int rc;
  /* papers_tokens */
  bind(pTokens, aData, nData);
  long long iPrevStart = -1;
  while ((rc = sqlite3_step(pTokens)) == SQLITE_ROW) {
    long long iStart = sqlite3_column_int64(pTokens, 1);
    long long iEnd = sqlite3_column_int64(pTokens, 2);
    if (iStart < 0 || iEnd > (long long)nData || iStart >= iEnd || iStart < iPrevStart)
      fail("token offsets");
    if (sqlite3_column_bytes(pTokens, 0) != iEnd - iStart)
      fail("token text is not the bytes start to end");
    if (sqlite3_column_int(pTokens, 3) && sqlite3_column_type(pTokens, 4) != SQLITE_NULL)
      fail("a stop token ends a phrase");
    iPrevStart = iStart;
  }
  if (rc != SQLITE_DONE)
    fail("papers_tokens failed");
  sqlite3_reset(pTokens);

  /* papers_vector and papers_similarity */
  bind(pVector, aData, nData);
  if (sqlite3_step(pVector) != SQLITE_ROW)
    fail("papers_vector failed");
  int nVec = sqlite3_column_bytes(pVector, 0);
  if (sqlite3_column_int(pVector, 1) != 1)
    fail("papers_vector(vector) is not the vector");
  double self = sqlite3_column_double(pVector, 2);
  double mixed = sqlite3_column_double(pVector, 3);
  int hasTerms = nVec > 8; /* the header alone: no terms */
  if (hasTerms ? fabs(self - 1) > 1e-5 : self != 0)
    fail("similarity of a text with itself");
  if (self != mixed)
    fail("similarity of a text and of its vector differ");
  sqlite3_reset(pVector);

  /* papers_keywords */
  bind(pKeywords, aData, nData);
  int iRank = 0;
  double prevWeight = 2;
  while ((rc = sqlite3_step(pKeywords)) == SQLITE_ROW) {
    double w = sqlite3_column_double(pKeywords, 2);
    if (sqlite3_column_int(pKeywords, 0) != ++iRank)
      fail("keyword ranks");
    if (!(w > 0 && w <= 1) || w > prevWeight)
      fail("keyword weights");
    if (sqlite3_column_text(pKeywords, 1) == 0 || sqlite3_column_bytes(pKeywords, 1) == 0)
      fail("keyword without a term");
    prevWeight = w;
  }
  if (rc != SQLITE_DONE || iRank > 20)
    fail("papers_keywords failed");
  if ((iRank > 0) != hasTerms)
    fail("keywords and vector disagree");
  sqlite3_reset(pKeywords);

  /* papers_explain */
  bind(pExplain, aData, nData);
  double sum = 0;
  while ((rc = sqlite3_step(pExplain)) == SQLITE_ROW) {
    double a = sqlite3_column_double(pExplain, 1), b = sqlite3_column_double(pExplain, 2);
    if (a != b || sqlite3_column_double(pExplain, 3) != a * b)
      fail("explain weights");
    sum += sqlite3_column_double(pExplain, 3);
  }
  if (rc != SQLITE_DONE)
    fail("papers_explain failed");
  if (fabs(sum - self) > 1e-5)
    fail("explain does not add up to the similarity");
  sqlite3_reset(pExplain);
  return 0;
}
