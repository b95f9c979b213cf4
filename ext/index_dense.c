/*
** index_dense.c: the dense latent blocks of a papers_index table (T_dense,
** index.h): each document's latent part quantised to 8 bits with a scale and
** an error bound, in blocks of documents in id order.
**
** Contract: a block read back is checked (its size, its documents in
** increasing order, finite scales) before use; a damaged one is
** SQLITE_CORRUPT_VTAB naming the block.
*/
#include "index.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- dense latent blocks ------------------------------------------------ */

void index_dense_quantize(const float *aValue, int nDim, signed char *aCode,
                          float *pScale, float *pErr) {
  double largest = 0;
  for (int k = 0; k < nDim; k++) {
    double v = aValue[k] < 0 ? -(double)aValue[k] : (double)aValue[k];
    if (v > largest)
      largest = v;
  }
  float scale = (float)(largest / 127);
  double sumSquares = 0;
  for (int k = 0; k < nDim; k++) {
    double c = scale > 0 ? (double)aValue[k] / (double)scale : 0;
    c = c < 0 ? -(double)(i64)(0.5 - c) : (double)(i64)(c + 0.5); /* round half away */
    if (c > 127)
      c = 127;
    if (c < -127)
      c = -127;
    aCode[k] = (signed char)c;
    double r = (double)aValue[k] - c * (double)scale;
    sumSquares += r * r;
  }
  *pScale = scale;
  /* rounded up, so that it bounds the error whatever the float rounding */
  *pErr = sumSquares > 0 ? (float)(sqrt(sumSquares) * (1 + 1e-6) + 1e-12) : 0.0f;
}

static int dense_alloc(IndexDenseBlock *pBlock, int n, int nDim) {
  memset(pBlock, 0, sizeof(*pBlock));
  size_t nByte = (sizeof(i64) + 2 * sizeof(float) + (size_t)nDim) * (size_t)(n + 1);
  char *a = sqlite3_malloc64(nByte);
  if (a == 0)
    return SQLITE_NOMEM;
  pBlock->aDoc = (i64 *)a;
  pBlock->aScale = (float *)(pBlock->aDoc + n + 1);
  pBlock->aErr = pBlock->aScale + n + 1;
  pBlock->aCode = (signed char *)(pBlock->aErr + n + 1);
  pBlock->n = n;
  pBlock->nDim = nDim;
  return SQLITE_OK;
}

void index_dense_free(IndexDenseBlock *pBlock) {
  sqlite3_free(pBlock->aDoc);
  memset(pBlock, 0, sizeof(*pBlock));
}

int index_dense_decode(i64 iFirst, const unsigned char *a, int n, int nDim,
                       IndexDenseBlock *pBlock, const char **pzProblem) {
  sqlite3_uint64 nDoc;
  int iPos = index_varint_get(a, n, &nDoc);
  memset(pBlock, 0, sizeof(*pBlock));
  assert(nDim >= 0 && nDim <= PAPERS_MAX_LATENT);
  *pzProblem = "its count of documents is malformed";
  if (iPos == 0 || nDoc == 0 || nDoc > (sqlite3_uint64)n)
    return SQLITE_CORRUPT_VTAB;
  int rc = dense_alloc(pBlock, (int)nDoc, nDim);
  if (rc != SQLITE_OK)
    return rc;
  i64 iDoc = iFirst;
  *pzProblem = 0;
  for (int i = 0; *pzProblem == 0 && i < pBlock->n; i++) {
    sqlite3_uint64 delta = 0;
    int nByte = index_varint_get(a + iPos, n - iPos, &delta);
    if (nByte == 0)
      *pzProblem = "a document id is cut short";
    else if ((i == 0 && delta != 0) || (i > 0 && delta == 0))
      *pzProblem = "its document ids do not start at its first and increase";
    else if (!index_doc_id_fits(iDoc, delta))
      *pzProblem = "a document id is out of range";
    if (*pzProblem)
      break;
    iPos += nByte;
    iDoc += (i64)delta;
    pBlock->aDoc[i] = iDoc;
  }
  if (*pzProblem == 0 && (i64)(n - iPos) != (i64)pBlock->n * (8 + nDim))
    *pzProblem =
        "its size does not match its count of documents and the latent dimensions";
  for (int i = 0; *pzProblem == 0 && i < pBlock->n; i++) {
    const unsigned char *aRow = a + iPos + (i64)i * (8 + nDim);
    pBlock->aScale[i] = papers_f32_get(aRow);
    pBlock->aErr[i] = papers_f32_get(aRow + 4);
    memcpy(pBlock->aCode + (i64)i * nDim, aRow + 8, (size_t)nDim);
    if (!(pBlock->aScale[i] >= 0 && pBlock->aScale[i] <= INDEX_MAX_WEIGHT &&
          pBlock->aErr[i] >= 0 && pBlock->aErr[i] <= INDEX_MAX_WEIGHT))
      *pzProblem = "a scale or an error bound is not a number from 0 to 1";
  }
  if (*pzProblem) {
    index_dense_free(pBlock);
    return SQLITE_CORRUPT_VTAB;
  }
  return SQLITE_OK;
}

/* Decodes the dense block in a statement's columns 0 (its first document)
** and 1 (its bytes). */
static int dense_from(IndexStore *p, sqlite3_stmt *pStmt, int nDim,
                      IndexDenseBlock *pBlock) {
  const char *zProblem = "it is not a BLOB";
  i64 iFirst = sqlite3_column_int64(pStmt, 0);
  int rc = SQLITE_CORRUPT_VTAB;
  memset(pBlock, 0, sizeof(*pBlock));
  if (sqlite3_column_type(pStmt, 0) != SQLITE_INTEGER) {
    zProblem = "its first document is not an integer";
  } else if (sqlite3_column_type(pStmt, 1) == SQLITE_BLOB) {
    rc = index_dense_decode(iFirst, sqlite3_column_blob(pStmt, 1),
                            sqlite3_column_bytes(pStmt, 1), nDim, pBlock, &zProblem);
  }
  if (rc == SQLITE_CORRUPT_VTAB) {
    rc = index_store_corrupt(p, "dense", "the block from document %lld: %s", iFirst,
                             zProblem);
  }
  return rc;
}

/* Writes documents [iFrom, iTo) of a block as one row keyed by the first. */
static int dense_write(IndexStore *p, const IndexDenseBlock *pBlock, int iFrom, int iTo) {
  int nDim = pBlock->nDim;
  unsigned char *aBlob =
      sqlite3_malloc64((sqlite3_uint64)(iTo - iFrom) * (18 + nDim) + 10);
  if (aBlob == 0)
    return SQLITE_NOMEM;
  int nBlob = index_varint_put(aBlob, (sqlite3_uint64)(iTo - iFrom));
  for (int i = iFrom; i < iTo; i++) {
    nBlob += index_varint_put(
        aBlob + nBlob,
        (sqlite3_uint64)(pBlock->aDoc[i] - pBlock->aDoc[i > iFrom ? i - 1 : iFrom]));
  }
  for (int i = iFrom; i < iTo; i++) {
    papers_f32_put(aBlob + nBlob, pBlock->aScale[i]);
    papers_f32_put(aBlob + nBlob + 4, pBlock->aErr[i]);
    memcpy(aBlob + nBlob + 8, pBlock->aCode + (i64)i * nDim, (size_t)nDim);
    nBlob += 8 + nDim;
  }
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_DENSE_PUT, &pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(aBlob);
    return rc;
  }
  index_dense_changed(p);
  sqlite3_bind_int64(pStmt, 1, pBlock->aDoc[iFrom]);
  sqlite3_bind_blob(pStmt, 2, aBlob, nBlob, sqlite3_free);
  return index_run(pStmt);
}

int index_store_dense_put(IndexStore *p, const IndexDenseBlock *pBlock) {
  return pBlock->n > 0 ? dense_write(p, pBlock, 0, pBlock->n) : SQLITE_OK;
}

/* Loads the dense block that holds iDoc, or would (as index_block_load does for
** postings); pBlock->n == 0 when there is none. */
static int dense_load(IndexStore *p, i64 iDoc, int nDim, i64 *piFirst,
                      IndexDenseBlock *pBlock) {
  sqlite3_stmt *pStmt;
  memset(pBlock, 0, sizeof(*pBlock));
  int rc = index_statement(p, STMT_DENSE_AT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  int hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  if (!hasRow) {
    rc = sqlite3_reset(pStmt);
    if (rc == SQLITE_OK)
      rc = index_statement(p, STMT_DENSE_FIRST, &pStmt);
    if (rc != SQLITE_OK)
      return rc;
    hasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  if (hasRow) {
    *piFirst = sqlite3_column_int64(pStmt, 0);
    rc = dense_from(p, pStmt, nDim, pBlock);
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* Stores a changed block: drops the old row when its key changed or it
** emptied, splits it when it grew past INDEX_DENSE_MAX. */
static int dense_store(IndexStore *p, i64 iOldFirst, int hadBlock,
                       const IndexDenseBlock *pBlock) {
  int rc = SQLITE_OK, n = pBlock->n;
  if (hadBlock && (n == 0 || pBlock->aDoc[0] != iOldFirst)) {
    sqlite3_stmt *pStmt;
    rc = index_statement(p, STMT_DENSE_DELETE, &pStmt);
    index_dense_changed(p);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(pStmt, 1, iOldFirst);
      rc = index_run(pStmt);
    }
  }
  if (rc != SQLITE_OK || n == 0)
    return rc;
  if (n <= INDEX_DENSE_MAX)
    return dense_write(p, pBlock, 0, n);
  rc = dense_write(p, pBlock, 0, n / 2);
  return rc == SQLITE_OK ? dense_write(p, pBlock, n / 2, n) : rc;
}

/* The latent values of a vector (dimensions [0, nDim), 0 when absent). */
static void latent_values(const PapersVector *pVec, int nDim, float *aValue) {
  memset(aValue, 0, sizeof(float) * (size_t)nDim);
  for (int i = 0; i < pVec->nTerm; i++) {
    if (!papers_is_latent_id(pVec->aId[i]))
      continue;
    sqlite3_uint64 k = pVec->aId[i] - PAPERS_LATENT_ID;
    if (k < (sqlite3_uint64)nDim)
      aValue[k] = pVec->aWeight[i];
  }
}

int index_store_dense_add(IndexStore *p, i64 iDoc, const PapersVector *pVec, int nDim) {
  IndexDenseBlock old, new;
  i64 iFirst = 0;
  float aValue[PAPERS_MAX_LATENT];
  assert(nDim >= 0 && nDim <= PAPERS_MAX_LATENT);
  int rc = dense_load(p, iDoc, nDim, &iFirst, &old);
  if (rc == SQLITE_OK)
    rc = dense_alloc(&new, old.n + 1, nDim);
  if (rc != SQLITE_OK) {
    index_dense_free(&old);
    return rc;
  }
  int iAt = 0;
  while (iAt < old.n && old.aDoc[iAt] < iDoc)
    iAt++;
  int isReplace = iAt < old.n && old.aDoc[iAt] == iDoc;
  int j = 0;
  for (int i = 0; i <= old.n; i++) {
    if (i == iAt) {
      latent_values(pVec, nDim, aValue);
      new.aDoc[j] = iDoc;
      index_dense_quantize(aValue, nDim, new.aCode + (i64)j *nDim, &new.aScale[j],
                           &new.aErr[j]);
      j++;
      if (isReplace)
        continue;
    }
    if (i == old.n)
      break;
    new.aDoc[j] = old.aDoc[i];
    new.aScale[j] = old.aScale[i];
    new.aErr[j] = old.aErr[i];
    memcpy(new.aCode + (i64)j *nDim, old.aCode + (i64)i * nDim, (size_t)nDim);
    j++;
  }
  new.n = j;
  rc = dense_store(p, iFirst, old.n > 0, &new);
  index_dense_free(&old);
  index_dense_free(&new);
  return rc;
}

int index_store_dense_remove(IndexStore *p, i64 iDoc, int nDim) {
  IndexDenseBlock block;
  i64 iFirst = 0;
  int rc = dense_load(p, iDoc, nDim, &iFirst, &block);
  int iAt = 0;
  while (iAt < block.n && block.aDoc[iAt] < iDoc)
    iAt++;
  if (rc == SQLITE_OK && iAt < block.n && block.aDoc[iAt] == iDoc) {
    int nAfter = block.n - iAt - 1;
    memmove(block.aDoc + iAt, block.aDoc + iAt + 1, sizeof(i64) * (size_t)nAfter);
    memmove(block.aScale + iAt, block.aScale + iAt + 1, sizeof(float) * (size_t)nAfter);
    memmove(block.aErr + iAt, block.aErr + iAt + 1, sizeof(float) * (size_t)nAfter);
    memmove(block.aCode + (i64)iAt * nDim, block.aCode + (i64)(iAt + 1) * nDim,
            (size_t)nAfter * (size_t)nDim);
    block.n--;
    rc = dense_store(p, iFirst, 1, &block);
  }
  index_dense_free(&block);
  return rc;
}

int index_store_dense_scan(IndexStore *p, int nDim,
                           int (*xBlock)(void *, const IndexDenseBlock *), void *pCtx) {
  sqlite3_stmt *pStmt = 0; /* stays 0 when index_statement() fails */
  int rc = index_statement(p, STMT_DENSE_ALL, &pStmt);
  i64 iLast = 0; /* the last document of the blocks before */
  for (int nBlock = 0; rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW; nBlock++) {
    IndexDenseBlock block;
    rc = dense_from(p, pStmt, nDim, &block);
    if (rc == SQLITE_OK && nBlock > 0 && block.aDoc[0] <= iLast) {
      rc = index_store_corrupt(p, "dense",
                               "the block from document %lld overlaps the one"
                               " before",
                               block.aDoc[0]);
    }
    if (rc == SQLITE_OK) {
      iLast = block.aDoc[block.n - 1];
      rc = xBlock(pCtx, &block);
    }
    index_dense_free(&block);
  }
  int rcReset = pStmt ? sqlite3_reset(pStmt) : SQLITE_OK;
  return rc == SQLITE_OK ? rcReset : rc;
}

/* ---- the copy kept for queries ------------------------------------------
** A query bounds the latent part of every document, so it reads every dense
** block: 64 MB at 1M documents, as large as a 64 MB page cache, which then
** holds none of it from one query to the next (each query read all its
** pages again, and copied them out of SQLite's overflow pages). The table
** keeps a decoded copy instead, valid while the database file's data version
** (SQLITE_FCNTL_DATA_VERSION: it changes at every commit, of this connection
** or another) is the one it was read at. It is made and used only outside an
** explicit transaction, and not after the store wrote T_dense in the current
** one (a statement that writes and then queries, and may still roll back). */

/* The most memory the copy may take (1M documents of 48 dimensions take
** 64 MB); a larger latent part is read block by block at every query. */
#define DENSE_CACHE_MAX ((i64)256 << 20)

struct IndexDenseCache {
  unsigned int dataVersion; /* of the database file when it was read */
  IndexDenseBlock all;      /* every document's latent part, in document order */
  i64 nAlloc;               /* documents all has room for */
};

void index_dense_cache_drop(IndexStore *p) {
  if (p->pDenseCache) {
    index_dense_free(&p->pDenseCache->all);
    sqlite3_free(p->pDenseCache);
    p->pDenseCache = 0;
  }
}

void index_dense_changed(IndexStore *p) {
  index_dense_cache_drop(p);
  p->hasDenseChanged = 1;
}

/* The data version of the store's database, when a copy may be made or used
** now; 0 when not. */
static int dense_cache_version(IndexStore *p, unsigned int *pVersion) {
  if (!sqlite3_get_autocommit(p->db) || p->hasDenseChanged)
    return 0;
  return index_store_data_version(p, pVersion);
}

/* Appends a block to the copy being made; 0 when it would pass
** DENSE_CACHE_MAX or memory runs out (the copy is then given up, not the
** query). */
static int dense_cache_append(IndexDenseCache *pCache, const IndexDenseBlock *pBlock) {
  IndexDenseBlock *pAll = &pCache->all;
  i64 nNeed = (i64)pAll->n + pBlock->n;
  if (nNeed * (i64)(sizeof(i64) + 2 * sizeof(float) + (size_t)pAll->nDim) >
      DENSE_CACHE_MAX)
    return 0;
  if (nNeed > pCache->nAlloc) {
    i64 nNew = nNeed < 4096 ? 4096 : 2 * nNeed;
    IndexDenseBlock grown;
    if (dense_alloc(&grown, (int)nNew, pAll->nDim) != SQLITE_OK)
      return 0;
    grown.n = pAll->n;
    if (pAll->n > 0) {
      memcpy(grown.aDoc, pAll->aDoc, sizeof(i64) * (size_t)pAll->n);
      memcpy(grown.aScale, pAll->aScale, sizeof(float) * (size_t)pAll->n);
      memcpy(grown.aErr, pAll->aErr, sizeof(float) * (size_t)pAll->n);
      memcpy(grown.aCode, pAll->aCode, (size_t)pAll->n * (size_t)pAll->nDim);
    }
    index_dense_free(pAll);
    *pAll = grown;
    pCache->nAlloc = nNew;
  }
  int n = pAll->n, nDim = pAll->nDim;
  memcpy(pAll->aDoc + n, pBlock->aDoc, sizeof(i64) * (size_t)pBlock->n);
  memcpy(pAll->aScale + n, pBlock->aScale, sizeof(float) * (size_t)pBlock->n);
  memcpy(pAll->aErr + n, pBlock->aErr, sizeof(float) * (size_t)pBlock->n);
  memcpy(pAll->aCode + (i64)n * nDim, pBlock->aCode, (size_t)pBlock->n * (size_t)nDim);
  pAll->n += pBlock->n;
  return 1;
}

static int dense_fill_block(void *pCtx, const IndexDenseBlock *pBlock) {
  IndexStore *p = pCtx;
  if (p->pDenseCache && !dense_cache_append(p->pDenseCache, pBlock))
    index_dense_cache_drop(p); /* too large, or out of memory: read as before */
  return SQLITE_OK;
}

int index_store_dense_cached(IndexStore *p, int nDim, const IndexDenseBlock **ppAll) {
  unsigned int version = 0;
  i64 nDoc = 0;
  *ppAll = 0;
  if (!dense_cache_version(p, &version))
    return SQLITE_OK; /* the copy, if any, is kept for when it may be used again */
  IndexDenseCache *pCache = p->pDenseCache;
  if (pCache && pCache->dataVersion == version && pCache->all.nDim == nDim) {
    *ppAll = &pCache->all;
    return SQLITE_OK;
  }
  index_dense_cache_drop(p);
  int rc = index_store_get_ndoc(p, &nDoc);
  if (rc != SQLITE_OK ||
      nDoc * (i64)(sizeof(i64) + 2 * sizeof(float) + (size_t)nDim) > DENSE_CACHE_MAX)
    return rc; /* too large to keep: read block by block */
  p->pDenseCache = sqlite3_malloc64(sizeof(IndexDenseCache));
  if (p->pDenseCache == 0)
    return SQLITE_OK;
  memset(p->pDenseCache, 0, sizeof(IndexDenseCache));
  p->pDenseCache->dataVersion = version;
  p->pDenseCache->all.nDim = nDim;
  rc = index_store_dense_scan(p, nDim, dense_fill_block, p);
  if (rc != SQLITE_OK)
    index_dense_cache_drop(p);
  else if (p->pDenseCache)
    *ppAll = &p->pDenseCache->all;
  return rc;
}
