/*
** index_check.c: 'integrity-check' of a papers_index table: the index
** compared with its content table and with itself (vocabulary, postings,
** documents, the term numbers, the pending level, the dense blocks).
**
** Contract: reads only; every problem found is named in the error message
** (SQLITE_CORRUPT_VTAB), at most a few of each kind; a sound index gives
** SQLITE_OK.
*/
#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- integrity-check ------------------------------------------------------ */

/* What integrity-check gathers of a term from two sides (the documents'
** vectors, and the postings): a count and an order-free hash of (document,
** weight) pairs. Both must agree, and with the vocabulary's df. */
typedef struct CheckTerm {
  sqlite3_uint64 id;
  i64 nFromDocs, nFromPostings;
  sqlite3_uint64 hashFromDocs, hashFromPostings;
} CheckTerm;

typedef struct Check {
  IndexTable *pTab;
  sqlite3_str *pProblems; /* the first few problems, for the message */
  int nProblem;
  PapersIdMap *pTerms;
  CheckTerm *aTerm;
  i64 nTermAlloc;
  int nDim;                             /* latent dimensions (0: none) */
  i64 nDenseFromDocs, nDenseFromBlocks; /* latent parts, counted and hashed */
  sqlite3_uint64 hashDenseFromDocs, hashDenseFromBlocks; /* from both sides */
  IndexTermNames names; /* every term number's term (T_terms) */
} Check;

static void check_problem(Check *p, const char *zFormat, i64 iValue);

/* An order-free hash of one document's quantised latent part. */
static sqlite3_uint64 dense_hash(i64 iDoc, const signed char *aCode, int nDim,
                                 float scale, float err) {
  unsigned char aBuf[8 + 8 + PAPERS_MAX_LATENT];
  assert(nDim >= 0 && nDim <= PAPERS_MAX_LATENT);
  memcpy(aBuf, &iDoc, 8);
  memcpy(aBuf + 8, &scale, 4);
  memcpy(aBuf + 12, &err, 4);
  memcpy(aBuf + 16, aCode, (size_t)nDim);
  return papers_term_id((const char *)aBuf, 16 + nDim);
}

/* Hashes the latent part a document's vector gives, as the blocks store it. */
static void check_dense_doc(Check *p, i64 iDoc, const PapersVector *pVec, int nWord) {
  float aValue[PAPERS_MAX_LATENT], scale, err;
  signed char aCode[PAPERS_MAX_LATENT];
  if (p->nDim == 0 || NEVER(p->nDim < 0 || p->nDim > PAPERS_MAX_LATENT) ||
      pVec->nTerm - nWord != p->nDim)
    return;
  for (int k = 0; k < p->nDim; k++)
    aValue[k] = pVec->aWeight[nWord + k];
  index_dense_quantize(aValue, p->nDim, aCode, &scale, &err);
  p->nDenseFromDocs++;
  p->hashDenseFromDocs ^= dense_hash(iDoc, aCode, p->nDim, scale, err);
}

static int check_dense_block(void *pCtx, const IndexDenseBlock *pBlock) {
  Check *p = pCtx;
  for (int i = 0; i < pBlock->n; i++) {
    p->nDenseFromBlocks++;
    p->hashDenseFromBlocks ^=
        dense_hash(pBlock->aDoc[i], pBlock->aCode + (i64)i * p->nDim, p->nDim,
                   pBlock->aScale[i], pBlock->aErr[i]);
  }
  return SQLITE_OK;
}

/* The dense blocks must hold exactly the documents' latent parts. */
static int check_dense(Check *p) {
  int rc = SQLITE_OK;
  if (p->nDim > 0)
    rc = index_store_dense_scan(p->pTab->pStore, p->nDim, check_dense_block, p);
  if (rc == SQLITE_CORRUPT_VTAB) {
    sqlite3_free(index_store_take_error(p->pTab->pStore)); /* said as a problem */
    check_problem(p, "a dense block is malformed", 0);
    return SQLITE_OK;
  }
  if (rc == SQLITE_OK && (p->nDenseFromDocs != p->nDenseFromBlocks ||
                          p->hashDenseFromDocs != p->hashDenseFromBlocks)) {
    check_problem(p, "the dense blocks disagree with the documents (%lld latent parts)",
                  p->nDenseFromDocs);
  }
  return rc;
}

static void check_problem(Check *p, const char *zFormat, i64 iValue) {
  if (p->nProblem++ < 3) {
    sqlite3_str_appendall(p->pProblems, p->nProblem > 1 ? "; " : "");
    sqlite3_str_appendf(p->pProblems, zFormat, iValue);
  }
}

static sqlite3_uint64 posting_hash(i64 iDoc, float weight) {
  unsigned int bits;
  memcpy(&bits, &weight, 4);
  return papers_term_id((const char *)&iDoc, 8) ^
         ((sqlite3_uint64)bits * 0x9e3779b97f4a7c15ULL);
}

static int check_term(Check *p, sqlite3_uint64 id, CheckTerm **ppTerm) {
  int iTerm, isNew;
  int rc = papers_idmap_get(p->pTerms, id, &iTerm, &isNew);
  if (rc == SQLITE_OK)
    rc = papers_grow_array((void **)&p->aTerm, sizeof(CheckTerm), iTerm + 1,
                           &p->nTermAlloc);
  if (rc != SQLITE_OK)
    return rc;
  p->aTerm[iTerm].id = id;
  *ppTerm = &p->aTerm[iTerm];
  return SQLITE_OK;
}

/* Compares one content row with what is indexed under its rowid. */
static int check_row(Check *p, i64 iDoc, sqlite3_value **apValue, PapersCounts *pCounts) {
  PapersVector vec;
  int isFound, nCount;
  int rc = index_store_doc_get_named(p->pTab->pStore, &p->names, iDoc, &vec, &isFound);
  if (rc != SQLITE_OK)
    return rc;
  rc = index_count_document(p->pTab, apValue, pCounts);
  if (rc != SQLITE_OK) {
    papers_vector_free(&vec);
    return rc;
  }
  const PapersCount *aCount = papers_counts(pCounts, &nCount);
  if (!isFound) {
    check_problem(p, "row %lld of the content table is not indexed", iDoc);
    return SQLITE_OK;
  }
  int nWord = 0; /* the vector's word terms; latent dimensions come after them */
  while (nWord < vec.nTerm && !papers_is_latent_id(vec.aId[nWord]))
    nWord++;
  int isSame = nWord == nCount;
  for (int i = 0; isSame && i < nCount; i++)
    isSame = vec.aId[i] == aCount[i].id;
  if (!isSame)
    check_problem(p, "row %lld is indexed with other terms than its content", iDoc);
  check_dense_doc(p, iDoc, &vec, nWord);
  for (int i = 0; rc == SQLITE_OK && i < nWord; i++) { /* latent parts: check_dense() */
    CheckTerm *pTerm;
    rc = check_term(p, vec.aId[i], &pTerm);
    if (rc != SQLITE_OK)
      break;
    pTerm->nFromDocs++;
    pTerm->hashFromDocs ^= posting_hash(iDoc, vec.aWeight[i]);
  }
  papers_vector_free(&vec);
  return rc;
}

/* Every content row must be indexed as its text says. */
static int check_content(Check *p, PapersIdMap *pContentRows) {
  sqlite3_stmt *pScan = 0;
  sqlite3_value *apValue[INDEX_MAX_COLUMNS];
  PapersCounts *pCounts = papers_counts_new();
  int rc = pCounts ? index_content_scan(p->pTab, "", &pScan) : SQLITE_NOMEM;
  while (rc == SQLITE_OK && sqlite3_step(pScan) == SQLITE_ROW) {
    i64 iDoc = sqlite3_column_int64(pScan, 0);
    int iIndex, isNew;
    index_row_values(p->pTab, pScan, apValue);
    rc = check_row(p, iDoc, apValue, pCounts);
    if (rc == SQLITE_OK)
      rc = papers_idmap_get(pContentRows, (sqlite3_uint64)iDoc, &iIndex, &isNew);
  }
  if (pScan) {
    int rcScan = sqlite3_finalize(pScan);
    if (rc == SQLITE_OK)
      rc = rcScan;
  }
  papers_counts_free(pCounts);
  return rc;
}

/* The term numbers: T_terms numbers 1, 2, ... with no gap
** (index_term_names_load() checks it), and each vocabulary row's number (its
** row in the pending level, else in T_vocab) is one T_terms gives its term
** (so no two terms have the same number). */
static int check_numbers(Check *p) {
  IndexTable *pTab = p->pTab;
  const char *zDb = pTab->config.zDb, *zName = pTab->config.zName;
  int rc = index_term_names_load(pTab->pStore, &p->names);
  char *zSql =
      sqlite3_mprintf("SELECT term, num FROM \"%w\".\"%w_vocab\" WHERE term NOT IN"
                      " (SELECT term FROM \"%w\".\"%w_pending\") UNION ALL"
                      " SELECT term, num FROM \"%w\".\"%w_pending\" WHERE df > 0",
                      zDb, zName, zDb, zName, zDb, zName);
  sqlite3_stmt *pStmt = 0;
  if (rc == SQLITE_OK)
    rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    i64 num = sqlite3_column_int64(pStmt, 1);
    if (sqlite3_column_type(pStmt, 1) != SQLITE_INTEGER || num < 1 ||
        num > p->names.nId ||
        p->names.aId[num] != (sqlite3_uint64)sqlite3_column_int64(pStmt, 0)) {
      check_problem(p, "the number of term %lld is not the one T_terms gives it",
                    sqlite3_column_int64(pStmt, 0));
    }
  }
  int rcFinal = sqlite3_finalize(pStmt);
  return rc == SQLITE_OK ? rcFinal : rc;
}

/* Every indexed document must have a content row; ndoc must count them. */
static int check_documents(Check *p, PapersIdMap *pContentRows) {
  IndexTable *pTab = p->pTab;
  char *zSql = sqlite3_mprintf("SELECT id FROM \"%w\".\"%w_docs\"", pTab->config.zDb,
                               pTab->config.zName);
  sqlite3_stmt *pStmt = 0;
  i64 nDoc = 0, nDocStated = 0;
  int rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    i64 iDoc = sqlite3_column_int64(pStmt, 0);
    nDoc++;
    if (papers_idmap_find(pContentRows, (sqlite3_uint64)iDoc) < 0) {
      check_problem(p, "row %lld is indexed but not in the content table", iDoc);
    }
  }
  int rcFinal = sqlite3_finalize(pStmt);
  if (rc == SQLITE_OK)
    rc = rcFinal;
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(pTab->pStore, &nDocStated);
  if (rc == SQLITE_OK && nDocStated != nDoc) {
    check_problem(p, "the document count says %lld", nDocStated);
  }
  return rc;
}

/* The postings (both levels) must hold exactly the documents' weights; df
** must count them; the pending level's count must be right. */
static int check_postings(Check *p) {
  sqlite3_stmt *pStmt = 0;
  i64 nPending = 0; /* postings in the pending level */
  int rc = index_store_postings_all(p->pTab->pStore, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    IndexPosting *a;
    int n;
    CheckTerm *pTerm;
    const char *zProblem = 0;
    rc = index_block_decode(sqlite3_column_int64(pStmt, 1), sqlite3_column_blob(pStmt, 2),
                            sqlite3_column_bytes(pStmt, 2), &a, &n, &zProblem);
    if (rc == SQLITE_CORRUPT_VTAB) {
      check_problem(p, "a postings block of term %lld is malformed",
                    sqlite3_column_int64(pStmt, 0));
      rc = SQLITE_OK;
      continue;
    }
    if (rc == SQLITE_OK)
      rc = check_term(p, (sqlite3_uint64)sqlite3_column_int64(pStmt, 0), &pTerm);
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
      pTerm->nFromPostings++;
      pTerm->hashFromPostings ^= posting_hash(a[i].iDoc, a[i].weight);
    }
    if (sqlite3_column_int(pStmt, 3))
      nPending += n;
    sqlite3_free(a);
  }
  int rcFinal = sqlite3_finalize(pStmt);
  if (rc == SQLITE_OK)
    rc = rcFinal;
  i64 nPendingStated = 0;
  if (rc == SQLITE_OK)
    rc = index_store_pending_count(p->pTab->pStore, &nPendingStated);
  if (rc == SQLITE_OK && nPendingStated != nPending)
    check_problem(p, "the pending postings count says %lld", nPendingStated);
  int nTerm = papers_idmap_count(p->pTerms);
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    const CheckTerm *pTerm = &p->aTerm[i];
    i64 df = 0;
    if (pTerm->nFromDocs != pTerm->nFromPostings ||
        pTerm->hashFromDocs != pTerm->hashFromPostings) {
      check_problem(p, "the postings of term %lld disagree with the documents",
                    (i64)pTerm->id);
    }
    if (papers_is_latent_id(pTerm->id))
      continue; /* no vocabulary row */
    rc = index_store_vocab_df(p->pTab->pStore, pTerm->id, &df);
    if (rc == SQLITE_OK && df != pTerm->nFromDocs) {
      check_problem(p, "the document frequency of term %lld is wrong", (i64)pTerm->id);
    }
  }
  return rc;
}

int index_integrity_check(IndexTable *pTab) {
  Check check;
  memset(&check, 0, sizeof(check));
  check.pTab = pTab;
  check.pProblems = sqlite3_str_new(pTab->db);
  check.pTerms = papers_idmap_new();
  PapersIdMap *pContentRows = papers_idmap_new();
  double weight;
  int rc = (check.pTerms && pContentRows) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(pTab->pStore, &check.nDim, &weight);
  if (rc == SQLITE_OK)
    rc = check_numbers(&check);
  if (rc == SQLITE_OK)
    rc = check_content(&check, pContentRows);
  if (rc == SQLITE_OK)
    rc = check_documents(&check, pContentRows);
  if (rc == SQLITE_OK)
    rc = check_postings(&check);
  if (rc == SQLITE_OK)
    rc = check_dense(&check);
  char *zProblems = sqlite3_str_finish(check.pProblems);
  if (rc == SQLITE_OK && check.nProblem > 0) {
    index_set_table_error(pTab,
                          sqlite3_mprintf("%s: integrity-check found %d problem%s: %s%s",
                                          pTab->config.zName, check.nProblem,
                                          check.nProblem > 1 ? "s" : "", zProblems,
                                          check.nProblem > 3 ? "; ..." : ""));
    rc = SQLITE_CORRUPT_VTAB;
  }
  sqlite3_free(zProblems);
  papers_idmap_free(pContentRows);
  papers_idmap_free(check.pTerms);
  sqlite3_free(check.aTerm);
  index_term_names_free(&check.names);
  return rc;
}
