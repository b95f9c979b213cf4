/*
** index_blocks.c: the postings blocks of a papers_index table (T_postings,
** index.h), and the reads that interleave them with the pending level.
**
** Contract: a block is a varint count n, then n varints (each document id
** minus the previous one, the first minus the block's `first`, so 0), then n
** weights as little-endian 16-bit codes of the weight grid (from 0 to
** PAPERS_WEIGHT_STEPS, papers_weight_of_code; postings weights are never
** negative); a term's blocks cover disjoint, increasing
** ranges of documents. A block read back is checked before use: a damaged one
** is SQLITE_CORRUPT_VTAB with what is wrong (index_store_corrupt), never a
** crash.
*/
#include "index.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- postings blocks ---------------------------------------------------- */

int index_varint_put(unsigned char *a, sqlite3_uint64 v) {
  int n = 0;
  do {
    unsigned char c = (unsigned char)(v & 0x7f);
    v >>= 7;
    a[n++] = (unsigned char)(c | (v ? 0x80 : 0));
  } while (v);
  assert(n <= 10);
  return n;
}

int index_varint_get(const unsigned char *a, int n, sqlite3_uint64 *pv) {
  sqlite3_uint64 v = 0;
  for (int i = 0; i < n && i < 10; i++) {
    v |= (sqlite3_uint64)(a[i] & 0x7f) << (7 * i);
    if ((a[i] & 0x80) == 0) {
      *pv = v;
      return i + 1;
    }
  }
  return 0;
}

#define BLOCK_WEIGHT_BYTES 2 /* a weight's code */

/* The i-th weight code of a block's weights at a (unchecked). */
static int block_code(const unsigned char *a, int i) {
  return papers_i16_get(a + BLOCK_WEIGHT_BYTES * i);
}

/* The i-th weight of a block's weights at a, whose codes were checked. */
static float block_weight(const unsigned char *a, int i) {
  return papers_weight_of_code(block_code(a, i));
}

/* Whether iDoc + delta, a document id decoded from a block, is an i64. */
int index_doc_id_fits(i64 iDoc, sqlite3_uint64 delta) {
  return delta <= (sqlite3_uint64)INT64_MAX - (sqlite3_uint64)iDoc;
}

/* Reads a block's count of postings (its first varint, from 1 to the bytes
** there are); returns where the document ids start, 0 when it is malformed. */
static int block_header(const unsigned char *a, int n, int *pnPosting) {
  sqlite3_uint64 nPosting = 0;
  int iPos = index_varint_get(a, n, &nPosting);
  if (iPos == 0 || nPosting == 0 || nPosting > (sqlite3_uint64)n)
    return 0;
  *pnPosting = (int)nPosting;
  return iPos;
}

/* Decodes and checks the nPosting document ids of a block from a[iPos] into
** aDoc (increasing, the first iFirst) and checks its weights (finite, >= 0,
** filling the rest of the block); returns 0, or what is wrong. *piWeight:
** where the weights start. */
static const char *block_docs(i64 iFirst, const unsigned char *a, int n, int iPos,
                              int nPosting, i64 *aDoc, int *piWeight) {
  i64 iDoc = iFirst;
  for (int i = 0; i < nPosting; i++) {
    sqlite3_uint64 delta;
    int nByte = index_varint_get(a + iPos, n - iPos, &delta);
    if (nByte == 0)
      return "a document id is cut short";
    if ((i == 0 && delta != 0) || (i > 0 && delta == 0))
      return "its document ids do not start at its first and increase";
    if (!index_doc_id_fits(iDoc, delta))
      return "a document id is out of range";
    iPos += nByte;
    iDoc += (i64)delta;
    aDoc[i] = iDoc;
  }
  if ((i64)(n - iPos) != BLOCK_WEIGHT_BYTES * (i64)nPosting)
    return "its size does not match its count of postings";
  for (int i = 0; i < nPosting; i++) {
    int code = block_code(a + iPos, i);
    if (code < 0 || code > PAPERS_WEIGHT_STEPS)
      return "a weight is not a number from 0 to 1";
  }
  *piWeight = iPos;
  return 0;
}

int index_block_decode(i64 iFirst, const unsigned char *a, int n,
                       IndexPosting **paPosting, int *pnPosting, const char **pzProblem) {
  int nPosting = 0, iWeight = 0;
  int iPos = block_header(a, n, &nPosting);
  *paPosting = 0;
  *pnPosting = 0;
  *pzProblem = "its count of postings is malformed";
  if (iPos == 0)
    return SQLITE_CORRUPT_VTAB;
  IndexPosting *aPosting =
      sqlite3_malloc64(sizeof(IndexPosting) * (sqlite3_uint64)nPosting);
  i64 *aDoc = sqlite3_malloc64(sizeof(i64) * (sqlite3_uint64)nPosting);
  if (aPosting == 0 || aDoc == 0) {
    sqlite3_free(aPosting);
    sqlite3_free(aDoc);
    return SQLITE_NOMEM;
  }
  *pzProblem = block_docs(iFirst, a, n, iPos, nPosting, aDoc, &iWeight);
  for (int i = 0; *pzProblem == 0 && i < nPosting; i++) {
    aPosting[i].iDoc = aDoc[i];
    aPosting[i].weight = block_weight(a + iWeight, i);
  }
  sqlite3_free(aDoc);
  if (*pzProblem) {
    sqlite3_free(aPosting);
    return SQLITE_CORRUPT_VTAB;
  }
  *paPosting = aPosting;
  *pnPosting = nPosting;
  return SQLITE_OK;
}

/* Decodes the postings block of term id in a statement's columns iCol (its
** first document) and iCol + 1 (its bytes), read from shadow table T_zPart. */
int index_block_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                     sqlite3_stmt *pStmt, int iCol, IndexPosting **paPosting,
                     int *pnPosting) {
  const char *zProblem = "it is not a BLOB";
  i64 iFirst = sqlite3_column_int64(pStmt, iCol);
  int rc = SQLITE_CORRUPT_VTAB;
  *paPosting = 0;
  *pnPosting = 0;
  if (sqlite3_column_type(pStmt, iCol) != SQLITE_INTEGER) {
    zProblem = "its first document is not an integer";
  } else if (sqlite3_column_type(pStmt, iCol + 1) == SQLITE_BLOB) {
    rc = index_block_decode(iFirst, sqlite3_column_blob(pStmt, iCol + 1),
                            sqlite3_column_bytes(pStmt, iCol + 1), paPosting, pnPosting,
                            &zProblem);
  }
  if (rc == SQLITE_CORRUPT_VTAB) {
    rc = index_store_corrupt(p, zPart, "the postings of term %lld from document %lld: %s",
                             (i64)id, iFirst, zProblem);
  }
  return rc;
}

/* Encodes postings a[0..n) (document order, n > 0) as a block; *paBlob is
** sqlite3_malloc'd. */
int index_block_encode(const IndexPosting *a, int n, unsigned char **paBlob,
                       int *pnBlob) {
  unsigned char *aBlob =
      sqlite3_malloc64((sqlite3_uint64)n * (10 + BLOCK_WEIGHT_BYTES) + 10);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  int nBlob = index_varint_put(aBlob, (sqlite3_uint64)n);
  for (int i = 0; i < n; i++) {
    nBlob += index_varint_put(
        aBlob + nBlob, (sqlite3_uint64)(a[i].iDoc - (i ? a[i - 1].iDoc : a[0].iDoc)));
  }
  for (int i = 0; i < n; i++) {
    int code = papers_weight_code(a[i].weight);
    /* postings hold weights an index weighed: on the grid, never negative */
    assert(code >= 0 && papers_weight_of_code(code) == a[i].weight);
    papers_i16_put(aBlob + nBlob + BLOCK_WEIGHT_BYTES * i, code);
  }
  assert(nBlob + BLOCK_WEIGHT_BYTES * n <= n * (10 + BLOCK_WEIGHT_BYTES) + 10);
  *paBlob = aBlob;
  *pnBlob = nBlob + BLOCK_WEIGHT_BYTES * n;
  return SQLITE_OK;
}

/* Writes postings a[0..n) (document order) as the block keyed by a[0].iDoc. */
int index_block_write(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n) {
  unsigned char *aBlob;
  int nBlob;
  sqlite3_stmt *pStmt;
  int rc = index_block_encode(a, n, &aBlob, &nBlob);
  if (rc != SQLITE_OK)
    return rc;
  rc = index_statement(p, STMT_BLOCK_PUT, &pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(aBlob);
    return rc;
  }
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, a[0].iDoc);
  sqlite3_bind_blob(pStmt, 3, aBlob, nBlob, sqlite3_free);
  return index_run(pStmt);
}

int index_block_delete(IndexStore *p, sqlite3_uint64 id, i64 iFirst) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_BLOCK_DELETE, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, iFirst);
  return index_run(pStmt);
}

/* Loads the block of the term that holds iDoc, or would: the one with the
** largest first <= iDoc, else the term's first block. *pnPosting = 0 when
** the term has no block. The caller frees *paPosting. */
int index_block_load(IndexStore *p, sqlite3_uint64 id, i64 iDoc, i64 *piFirst,
                     IndexPosting **paPosting, int *pnPosting) {
  sqlite3_stmt *pStmt;
  *paPosting = 0;
  *pnPosting = 0;
  int rc = index_statement(p, STMT_BLOCK_AT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, iDoc);
  int hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  if (!hasRow) {
    rc = sqlite3_reset(pStmt);
    if (rc != SQLITE_OK)
      return rc;
    rc = index_statement(p, STMT_BLOCK_FIRST, &pStmt);
    if (rc != SQLITE_OK)
      return rc;
    sqlite3_bind_int64(pStmt, 1, (i64)id);
    hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  if (hasRow) {
    *piFirst = sqlite3_column_int64(pStmt, 0);
    rc = index_block_from(p, "postings", id, pStmt, 0, paPosting, pnPosting);
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* Rewrites a loaded block after a change: deletes the old row when its key
** changed or it emptied, and splits it in two when it grew too large. */
static int block_store(IndexStore *p, sqlite3_uint64 id, i64 iOldFirst, int hadBlock,
                       const IndexPosting *a, int n) {
  int rc = SQLITE_OK;
  if (hadBlock && (n == 0 || a[0].iDoc != iOldFirst))
    rc = index_block_delete(p, id, iOldFirst);
  if (rc != SQLITE_OK || n == 0)
    return rc;
  if (n <= INDEX_BLOCK_MAX)
    return index_block_write(p, id, a, n);
  rc = index_block_write(p, id, a, n / 2);
  return rc == SQLITE_OK ? index_block_write(p, id, a + n / 2, n - n / 2) : rc;
}

/* Index in a (document order) where iDoc is or would go. */
int index_posting_search(const IndexPosting *a, int n, i64 iDoc) {
  int iLo = 0, iHi = n;
  while (iLo < iHi) {
    int iMid = (iLo + iHi) / 2;
    if (a[iMid].iDoc < iDoc)
      iLo = iMid + 1;
    else
      iHi = iMid;
  }
  return iLo;
}

/* Postings a[0..n) with (iDoc, weight) put in its place (replacing iDoc's
** posting if there is one): a new sqlite3_malloc'd array of *pnNew. */
IndexPosting *index_postings_with(const IndexPosting *a, int n, i64 iDoc, float weight,
                                  int *pnNew) {
  IndexPosting *aNew = sqlite3_malloc64(sizeof(IndexPosting) * (sqlite3_uint64)(n + 1));
  if (aNew == 0)
    return 0;
  int iAt = index_posting_search(a, n, iDoc);
  int iRest = iAt + (iAt < n && a[iAt].iDoc == iDoc);
  if (iAt > 0)
    memcpy(aNew, a, sizeof(IndexPosting) * (size_t)iAt);
  aNew[iAt].iDoc = iDoc;
  aNew[iAt].weight = weight;
  if (n > iRest)
    memcpy(aNew + iAt + 1, a + iRest, sizeof(IndexPosting) * (size_t)(n - iRest));
  *pnNew = iAt + 1 + n - iRest;
  return aNew;
}

/* Removes iDoc's posting from a[0..*pn), if it is there; *pIsFound says. */
void index_postings_without(IndexPosting *a, int *pn, i64 iDoc, int *pIsFound) {
  int iAt = index_posting_search(a, *pn, iDoc);
  *pIsFound = iAt < *pn && a[iAt].iDoc == iDoc;
  if (*pIsFound) {
    memmove(a + iAt, a + iAt + 1, sizeof(IndexPosting) * (size_t)(*pn - iAt - 1));
    (*pn)--;
  }
}

int index_posting_remove(IndexStore *p, sqlite3_uint64 id, i64 iDoc) {
  IndexPosting *a;
  int n, isFound;
  i64 iFirst = 0;
  int rc = index_block_load(p, id, iDoc, &iFirst, &a, &n);
  if (rc != SQLITE_OK)
    return rc;
  index_postings_without(a, &n, iDoc, &isFound);
  if (isFound)
    rc = block_store(p, id, iFirst, 1, a, n);
  sqlite3_free(a);
  return rc;
}

int index_store_postings_put(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a,
                             int n) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < n; i += INDEX_BLOCK_BUILD) {
    int nBlock = n - i < INDEX_BLOCK_BUILD ? n - i : INDEX_BLOCK_BUILD;
    rc = index_block_write(p, id, a + i, nBlock);
  }
  return rc;
}

/* Calls xPosting for each posting of the term's blocks, in document order. */
int index_blocks_scan(IndexStore *p, sqlite3_uint64 id,
                      int (*xPosting)(void *, i64, float), void *pCtx) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_BLOCKS_OF_TERM, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const unsigned char *a = sqlite3_column_blob(pStmt, 1);
    int n = sqlite3_column_bytes(pStmt, 1), nPosting = 0, iWeight = 0;
    i64 aDoc[INDEX_BLOCK_MAX];
    int iPos = sqlite3_column_type(pStmt, 0) == SQLITE_INTEGER &&
                       sqlite3_column_type(pStmt, 1) == SQLITE_BLOB
                   ? block_header(a, n, &nPosting)
                   : 0;
    if (iPos > 0 && nPosting <= INDEX_BLOCK_MAX &&
        block_docs(sqlite3_column_int64(pStmt, 0), a, n, iPos, nPosting, aDoc,
                   &iWeight) == 0) {
      /* the usual block: decoded in place, without an allocation */
      for (int i = 0; rc == SQLITE_OK && i < nPosting; i++)
        rc = xPosting(pCtx, aDoc[i], block_weight(a + iWeight, i));
    } else {
      IndexPosting *aPosting;
      int nDecoded;
      rc = index_block_from(p, "postings", id, pStmt, 0, &aPosting, &nDecoded);
      for (int i = 0; rc == SQLITE_OK && i < nDecoded; i++)
        rc = xPosting(pCtx, aPosting[i].iDoc, aPosting[i].weight);
      sqlite3_free(aPosting);
    }
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}
