/*
** index_build.c: rebuild, the whole index from its content table at once.
**
** Contract:
**   - index_build() reads every row of a content scan once (its analysis on
**     two threads: index_build_rows.c), and writes the
**     shadow tables (emptied by the caller) as indexing the same rows one by
**     one would, except that every document is weighed with the statistics of
**     the whole corpus, and the latent projection is fitted (on an even
**     sample of at most INDEX_LATENT_FIT_DOCS documents) before any is weighed.
**   - Memory: the vocabulary, a compact copy of every document's counts (a
**     varint per count, about 2.5 bytes), five numbers per document, and a
**     buffer of at most INDEX_BUILD_POSTINGS postings: the build never holds
**     every posting at once. Postings are gathered for one range of terms at
**     a time (terms in id order), their weights recomputed from each
**     document's norm; a document's counts are in id order, so each range
**     reads on from where the previous one stopped, and all ranges together
**     read the counts once.
**   - Deterministic: terms are numbered in order of first sight, written in
**     id order; nothing depends on a hash order or on the chunking.
**   - Two cores: while the connection's thread writes one chunk of documents
**     (their vectors and dense block) or one range of terms (vocabulary rows
**     and postings), a second thread weighs the next chunk (the connection's
**     thread then weighs beside it what is left) or gathers the next range
**     (papers_side_start). It never calls SQLite (so every write and
**     interrupt stays on the connection's thread), and it weighs (which
**     allocates) only where index_build_may_thread(); the rows and their
**     order are those of one thread doing each step in turn.
*/
#include "index.h"

#include <assert.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef INDEX_BUILD_POSTINGS /* the asan build makes it small, to test many ranges */
#define INDEX_BUILD_POSTINGS (2 << 20) /* postings per range: 32 MB */
#endif
#define BUILD_SLAB_BYTES (16 << 20)
#define BUILD_TF_INLINE  3 /* tf codes below this ride in a count's varint */
/* Counts ahead whose table entries are prefetched (the term map, the
** projection rows: both far larger than the cache, read at random). */
#define BUILD_PREFETCH_AHEAD 4

/* What rebuild knows of a term. */
typedef struct BuildTerm {
  sqlite3_uint64 id;
  i64 iSurface; /* its surface form by majority vote, in Build.aSurface */
  int nSurface; /* its length in bytes */
  int nVote;    /* the vote's count */
  i64 df;       /* documents that have it */
} BuildTerm;

/* What rebuild knows of a document. */
typedef struct BuildDoc {
  i64 iDoc;                   /* its rowid */
  const unsigned char *aCode; /* its counts, encoded (count_put), id order */
  int nCount;
  double norm;  /* what its raw sparse weights were divided by */
  double scale; /* then multiplied by (the latent blend; 1 without) */
} BuildDoc;

/* A distinct tf value, and its factor in weights (1 + ln tf). */
typedef struct BuildTf {
  double tf;
  double factor;
} BuildTf;

typedef struct Build {
  IndexStore *pStore;
  const IndexConfig *pConfig;
  PapersIdMap *pTerms; /* term id to term number (order of first sight) */
  int nTerm;           /* terms, once counting is over (pTerms freed) */
  BuildTerm *aTerm;
  i64 nTermAlloc;
  char *aSurface; /* surface forms, back to back */
  i64 nSurface, nSurfaceAlloc;
  PapersIdMap *pTfs; /* distinct tf values (by their bits) to tf codes */
  BuildTf *aTf;      /* per tf code */
  i64 nTfAlloc;
  BuildDoc *aDoc; /* in content (rowid) order */
  i64 nDoc, nDocAlloc;
  unsigned char **apSlab; /* the encoded counts */
  i64 nSlab, nSlabAlloc;
  i64 nSlabUsed, nSlabSize; /* bytes used and available in the last slab */
  int *aiDocTerm;           /* the term numbers of the document being counted */
  i64 nDocTermAlloc;
} Build;

static void build_free(Build *p) {
  papers_idmap_free(p->pTerms);
  papers_idmap_free(p->pTfs);
  sqlite3_free(p->aTerm);
  sqlite3_free(p->aSurface);
  sqlite3_free(p->aTf);
  sqlite3_free(p->aDoc);
  for (i64 i = 0; i < p->nSlab; i++)
    sqlite3_free(p->apSlab[i]);
  sqlite3_free(p->apSlab);
  sqlite3_free(p->aiDocTerm);
  memset(p, 0, sizeof(*p));
}

/* ---- counting ------------------------------------------------------------ */

/* A surface form's place in the arena. */
static int surface_put(Build *p, const char *z, int n, i64 *piSurface) {
  int rc =
      papers_grow_array((void **)&p->aSurface, 1, p->nSurface + n, &p->nSurfaceAlloc);
  if (rc != SQLITE_OK)
    return rc;
  memcpy(p->aSurface + p->nSurface, z, (size_t)n);
  *piSurface = p->nSurface;
  p->nSurface += n;
  return SQLITE_OK;
}

/* One document's vote for a term's surface form (Boyer-Moore majority). */
static int build_vote(Build *p, BuildTerm *pTerm, const PapersCount *pCount) {
  int isSame = pTerm->df > 1 && pTerm->nSurface == pCount->nSurface && /* seen before */
               memcmp(p->aSurface + pTerm->iSurface, pCount->zSurface,
                      (size_t)pCount->nSurface) == 0;
  if (isSame) {
    pTerm->nVote++;
  } else if (pTerm->nVote > 0) {
    pTerm->nVote--;
  } else if (pTerm->df > 1 && pCount->nSurface <= pTerm->nSurface) {
    memcpy(p->aSurface + pTerm->iSurface, pCount->zSurface, (size_t)pCount->nSurface);
    pTerm->nSurface = pCount->nSurface; /* the new form fits where the old one was */
    pTerm->nVote = 1;
  } else {
    int rc = surface_put(p, pCount->zSurface, pCount->nSurface, &pTerm->iSurface);
    if (rc != SQLITE_OK)
      return rc;
    pTerm->nSurface = pCount->nSurface;
    pTerm->nVote = 1;
  }
  return SQLITE_OK;
}

/* The code of a tf value: its number among the distinct values seen. */
static int tf_code(Build *p, double tf, int *piCode) {
  sqlite3_uint64 bits;
  int isNew;
  memcpy(&bits, &tf, sizeof(bits));
  int rc = papers_idmap_get(p->pTfs, bits, piCode, &isNew);
  if (rc == SQLITE_OK && isNew) {
    rc = papers_grow_array((void **)&p->aTf, sizeof(BuildTf), *piCode + 1, &p->nTfAlloc);
    if (rc == SQLITE_OK) {
      p->aTf[*piCode].tf = tf;
      p->aTf[*piCode].factor = papers_tf_factor(tf);
    }
  }
  return rc;
}

/* Encodes a count: varint(term << 2 | tf code) when the code is below
** BUILD_TF_INLINE, else varint(term << 2 | BUILD_TF_INLINE), varint(code). */
static int count_put(unsigned char *a, int iTerm, int iTf) {
  int nInline = iTf < BUILD_TF_INLINE ? iTf : BUILD_TF_INLINE;
  int n = index_varint_put(a, (sqlite3_uint64)iTerm << 2 | (sqlite3_uint64)nInline);
  if (nInline == BUILD_TF_INLINE)
    n += index_varint_put(a + n, (sqlite3_uint64)iTf);
  return n;
}

static int count_get(const unsigned char *a, int *piTerm, int *piTf) {
  sqlite3_uint64 v = 0, tf = 0;
  int n = index_varint_get(a, 10, &v); /* the build's own bytes */
  *piTerm = (int)(v >> 2);
  *piTf = (int)(v & 3);
  if (*piTf == BUILD_TF_INLINE) {
    n += index_varint_get(a + n, 10, &tf);
    *piTf = (int)tf;
  }
  return n;
}

/* Room for nByte more bytes of encoded counts, in one piece. */
static int slab_room(Build *p, i64 nByte, unsigned char **paOut) {
  if (p->nSlab == 0 || p->nSlabUsed + nByte > p->nSlabSize) {
    i64 nSize = nByte > BUILD_SLAB_BYTES ? nByte : BUILD_SLAB_BYTES;
    int rc = papers_grow_array((void **)&p->apSlab, sizeof(unsigned char *), p->nSlab + 1,
                               &p->nSlabAlloc);
    if (rc != SQLITE_OK)
      return rc;
    p->apSlab[p->nSlab] = sqlite3_malloc64((sqlite3_uint64)nSize);
    if (p->apSlab[p->nSlab] == 0)
      return SQLITE_NOMEM;
    p->nSlab++;
    p->nSlabUsed = 0;
    p->nSlabSize = nSize;
  }
  assert(p->nSlabUsed + nByte <= p->nSlabSize);
  *paOut = p->apSlab[p->nSlab - 1] + p->nSlabUsed;
  return SQLITE_OK;
}

/* The term numbers of a document's counts, into p->aiDocTerm: new terms
** numbered in order of first sight, p->aTerm grown to hold them. The term
** map's slots are prefetched a few counts ahead, and each term's BuildTerm
** as soon as its number is known, so that the loads of these tables (far
** larger than the cache, read at random) overlap. */
static int build_term_numbers(Build *p, const PapersCount *aCount, int nCount) {
  int rc = papers_grow_array((void **)&p->aiDocTerm, sizeof(int), nCount + 1,
                             &p->nDocTermAlloc);
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    int isNew;
    if (i + BUILD_PREFETCH_AHEAD < nCount)
      papers_idmap_prefetch(p->pTerms, aCount[i + BUILD_PREFETCH_AHEAD].id);
    rc = papers_idmap_get(p->pTerms, aCount[i].id, &p->aiDocTerm[i], &isNew);
    if (rc == SQLITE_OK) {
      rc = papers_grow_array((void **)&p->aTerm, sizeof(BuildTerm), p->aiDocTerm[i] + 1,
                             &p->nTermAlloc);
    }
    if (rc == SQLITE_OK)
      PAPERS_PREFETCH(&p->aTerm[p->aiDocTerm[i]]);
  }
  return rc;
}

/* Counts one document in (index_build_rows() hands them in rowid order): its
** terms' df and surface votes, and its counts kept encoded for weighing. */
static int build_add_counts(void *pCtx, i64 iDoc, const PapersCount *aCount, int nCount) {
  Build *p = pCtx;
  unsigned char *aCode;
  int rc =
      papers_grow_array((void **)&p->aDoc, sizeof(BuildDoc), p->nDoc + 1, &p->nDocAlloc);
  if (rc == SQLITE_OK && p->nDoc >= INT32_MAX)
    rc = SQLITE_FULL; /* postings name documents by an int */
  if (rc == SQLITE_OK)
    rc = slab_room(p, (i64)nCount * 10, &aCode); /* count_put: 10 bytes at most */
  if (rc == SQLITE_OK)
    rc = build_term_numbers(p, aCount, nCount);
  if (rc != SQLITE_OK)
    return rc;
  BuildDoc *pDoc = &p->aDoc[p->nDoc++];
  pDoc->iDoc = iDoc;
  pDoc->aCode = aCode;
  pDoc->nCount = nCount;
  i64 nByte = 0;
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    int iTerm = p->aiDocTerm[i], iTf;
    if (i + BUILD_PREFETCH_AHEAD < nCount) { /* its BuildTerm is on its way */
      const BuildTerm *pAhead = &p->aTerm[p->aiDocTerm[i + BUILD_PREFETCH_AHEAD]];
      if (p->aSurface) /* none before the first surface form */
        PAPERS_PREFETCH(p->aSurface + pAhead->iSurface);
    }
    rc = tf_code(p, aCount[i].tf, &iTf);
    if (rc != SQLITE_OK)
      break;
    BuildTerm *pTerm = &p->aTerm[iTerm];
    pTerm->id = aCount[i].id;
    pTerm->df++;
    rc = build_vote(p, pTerm, &aCount[i]);
    nByte += count_put(aCode + nByte, iTerm, iTf);
  }
  assert(nByte <= (i64)nCount * 10); /* within what slab_room gave */
  p->nSlabUsed += nByte;
  return rc;
}

/* ---- weighing -------------------------------------------------------------- */

/* The latent projection of a rebuild: which terms are features, and their
** rows (latent.c). nDim == 0: no latent part. */
typedef struct BuildLatent {
  int nDim;
  double weight;
  int *aiFeature; /* per term number: its feature row, or -1 */
  int nFeature;
  float *aProjection; /* nFeature rows of nDim */
} BuildLatent;

/* Scratch space for one document's counts. */
typedef struct BuildScratch {
  PapersCount *aCount;
  double *aIdf;
  int *aiTerm;
} BuildScratch;

/* The most counts a document has. */
static int build_max_count(const Build *p) {
  int nMax = 0;
  for (i64 i = 0; i < p->nDoc; i++)
    nMax = p->aDoc[i].nCount > nMax ? p->aDoc[i].nCount : nMax;
  return nMax;
}

/* Scratch space for a document of nMaxCount counts at most. */
static int scratch_alloc(int nMaxCount, BuildScratch *pScratch) {
  sqlite3_uint64 n = (sqlite3_uint64)nMaxCount + 1;
  pScratch->aCount = sqlite3_malloc64(sizeof(PapersCount) * n);
  pScratch->aIdf = sqlite3_malloc64(sizeof(double) * n);
  pScratch->aiTerm = sqlite3_malloc64(sizeof(int) * n);
  if (pScratch->aCount)
    memset(pScratch->aCount, 0, sizeof(PapersCount) * n);
  return pScratch->aCount && pScratch->aIdf && pScratch->aiTerm ? SQLITE_OK
                                                                : SQLITE_NOMEM;
}

static void scratch_free(BuildScratch *pScratch) {
  sqlite3_free(pScratch->aCount);
  sqlite3_free(pScratch->aIdf);
  sqlite3_free(pScratch->aiTerm);
}

/* Decodes the iDocIndex-th document's counts into the scratch space. */
static void build_decode(const Build *p, i64 iDocIndex, const double *aTermIdf,
                         BuildScratch *pScratch) {
  const BuildDoc *pDoc = &p->aDoc[iDocIndex];
  const unsigned char *a = pDoc->aCode;
  for (int i = 0; i < pDoc->nCount; i++) {
    int iTerm, iTf;
    a += count_get(a, &iTerm, &iTf);
    assert(iTerm >= 0 && iTerm < p->nTerm);
    pScratch->aiTerm[i] = iTerm;
    pScratch->aCount[i].id = p->aTerm[iTerm].id;
    pScratch->aCount[i].tf = p->aTf[iTf].tf;
    pScratch->aIdf[i] = aTermIdf[iTerm];
  }
}

/* The sparse vector of the iDocIndex-th document. */
static int build_sparse(Build *p, i64 iDocIndex, const double *aTermIdf,
                        BuildScratch *pScratch, PapersVector *pVec) {
  build_decode(p, iDocIndex, aTermIdf, pScratch);
  return papers_vector_weigh(pScratch->aCount, p->aDoc[iDocIndex].nCount, pScratch->aIdf,
                             pVec, &p->aDoc[iDocIndex].norm);
}

/* The final vector of a document: its sparse vector and, with a latent
** part, its projection x . V, added term by term in id order as
** index_store_weigh() adds them. */
static int build_final(Build *p, i64 iDocIndex, const BuildLatent *pLatent,
                       const BuildScratch *pScratch, PapersVector *pSparse,
                       PapersVector *pVec) {
  if (pLatent->nDim == 0) /* the sparse vector at the text's length */
    return papers_vector_with_latent(pSparse, 0, 0, 0, pVec, &p->aDoc[iDocIndex].scale);
  double z[PAPERS_MAX_LATENT];
  assert(pLatent->nDim <= PAPERS_MAX_LATENT);
  memset(z, 0, sizeof(z));
  assert(pLatent->nDim > 0 && pLatent->nDim <= (int)(sizeof(z) / sizeof(z[0])));
  for (int i = 0; i < pSparse->nTerm; i++) {
    if (i + BUILD_PREFETCH_AHEAD < pSparse->nTerm) {
      int iAhead = pLatent->aiFeature[pScratch->aiTerm[i + BUILD_PREFETCH_AHEAD]];
      for (int k = 0; iAhead >= 0 && k < pLatent->nDim; k += 16) /* 64-byte lines */
        PAPERS_PREFETCH(pLatent->aProjection + (i64)iAhead * pLatent->nDim + k);
    }
    int iFeature = pLatent->aiFeature[pScratch->aiTerm[i]];
    if (iFeature < 0)
      continue;
    const float *aRow = pLatent->aProjection + (i64)iFeature * pLatent->nDim;
    for (int k = 0; k < pLatent->nDim; k++)
      z[k] += pSparse->aWeight[i] * (double)aRow[k];
  }
  double share = papers_latent_share(pSparse->nTerm, pLatent->weight);
  return papers_vector_with_latent(pSparse, z, pLatent->nDim, share, pVec,
                                   &p->aDoc[iDocIndex].scale);
}

/* A chunk of documents weighed ahead of their writing: the documents of one
** dense block (INDEX_DENSE_BUILD, from a multiple of it), their final
** vectors, their word terms' numbers and their latent parts quantised. */
typedef struct BuildChunk {
  Build *p;
  const double *aTermIdf;
  const BuildLatent *pLatent;
  const sqlite3_uint64 *aNumber; /* per term: its number */
  BuildScratch scratch;          /* the second thread's while it weighs the chunk, this
                                 ** thread's while it writes it */
  sqlite3_mutex *pMutex;         /* guards iNext and rc where two threads weigh, or 0 */
  i64 iFirst;                    /* its first document's index */
  int n;                         /* documents (chunk_plan), their vectors and numbers */
  int iNext;                     /* the next document to weigh */
  PapersVector aVec[INDEX_DENSE_BUILD];
  sqlite3_uint64 *apNum[INDEX_DENSE_BUILD];
  IndexDenseBlock dense; /* with a latent part: its documents' (n of them) */
  int rc;                /* the weighing's: its first failure */
} BuildChunk;

/* Plans a chunk of the documents from iFirst (none past the last). */
static void chunk_plan(BuildChunk *pChunk, i64 iFirst) {
  i64 nLeft = pChunk->p->nDoc - iFirst;
  pChunk->iFirst = iFirst;
  pChunk->n = nLeft <= 0 ? 0 : nLeft < INDEX_DENSE_BUILD ? (int)nLeft : INDEX_DENSE_BUILD;
  pChunk->iNext = 0;
  pChunk->rc = SQLITE_OK;
  pChunk->dense.n = pChunk->pLatent->nDim > 0 ? pChunk->n : 0;
}

/* Frees what a chunk's weighing made (not its scratch or dense block). */
static void chunk_clear(BuildChunk *pChunk) {
  for (int i = 0; i < pChunk->n; i++) {
    papers_vector_free(&pChunk->aVec[i]);
    sqlite3_free(pChunk->apNum[i]);
    pChunk->apNum[i] = 0;
  }
  pChunk->n = 0;
  pChunk->dense.n = 0;
}

/* Sets the idx-th document's latent part (the end of its final vector) in
** the chunk's dense block. */
static void chunk_dense(BuildChunk *pChunk, int idx, i64 iDoc, const PapersVector *pVec) {
  float aValue[PAPERS_MAX_LATENT];
  IndexDenseBlock *pBlock = &pChunk->dense;
  int nDim = pBlock->nDim, nWord = pVec->nTerm - nDim;
  assert(nDim > 0 && nDim <= PAPERS_MAX_LATENT && nWord >= 0);
  assert(idx >= 0 && idx < pBlock->n && pBlock->n <= INDEX_DENSE_BUILD);
  for (int k = 0; k < nDim; k++)
    aValue[k] = pVec->aWeight[nWord + k];
  int i = idx;
  pBlock->aDoc[i] = iDoc;
  index_dense_quantize(aValue, nDim, pBlock->aCode + (i64)i * nDim, &pBlock->aScale[i],
                       &pBlock->aErr[i]);
}

/* Weighs the idx-th document of the chunk (pScratch: the calling thread's):
** its final vector and its word terms' numbers, its latent part into the
** dense block. */
static int chunk_weigh_doc(BuildChunk *pChunk, int idx, BuildScratch *pScratch) {
  Build *p = pChunk->p;
  i64 iDocIndex = pChunk->iFirst + idx;
  PapersVector sparse, *pVec = &pChunk->aVec[idx];
  memset(pVec, 0, sizeof(*pVec));
  int nWord = p->aDoc[iDocIndex].nCount;
  sqlite3_uint64 *aNum =
      sqlite3_malloc64(sizeof(sqlite3_uint64) * (sqlite3_uint64)(nWord + 1));
  pChunk->apNum[idx] = aNum; /* chunk_clear() frees it */
  if (aNum == 0)
    return SQLITE_NOMEM;
  int rc = build_sparse(p, iDocIndex, pChunk->aTermIdf, pScratch, &sparse);
  if (rc == SQLITE_OK)
    rc = build_final(p, iDocIndex, pChunk->pLatent, pScratch, &sparse, pVec);
  papers_vector_free(&sparse);
  for (int i = 0; rc == SQLITE_OK && i < nWord; i++)
    aNum[i] = pChunk->aNumber[pScratch->aiTerm[i]];
  if (rc == SQLITE_OK && pChunk->pLatent->nDim > 0)
    chunk_dense(pChunk, idx, p->aDoc[iDocIndex].iDoc, pVec);
  return rc;
}

/* Documents a thread takes at a time when both weigh a chunk. */
#define BUILD_WEIGH_CLAIM 8

/* Weighs documents of a chunk, BUILD_WEIGH_CLAIM at a time, until none is
** left or one failed (its code in pChunk->rc): each document's results go
** to its own slots, so two threads may share a chunk (papers_side_lock(0),
** without a second thread, does nothing). Allocates; never calls SQLite
** otherwise. */
static void chunk_weigh_share(BuildChunk *pChunk, BuildScratch *pScratch) {
  for (;;) {
    papers_side_lock(pChunk->pMutex);
    int iFirst = pChunk->rc == SQLITE_OK ? pChunk->iNext : pChunk->n;
    int nTake =
        pChunk->n - iFirst < BUILD_WEIGH_CLAIM ? pChunk->n - iFirst : BUILD_WEIGH_CLAIM;
    pChunk->iNext = iFirst + nTake;
    papers_side_unlock(pChunk->pMutex);
    if (nTake <= 0)
      return;
    int rc = SQLITE_OK;
    for (int i = iFirst; rc == SQLITE_OK && i < iFirst + nTake; i++)
      rc = chunk_weigh_doc(pChunk, i, pScratch);
    if (rc != SQLITE_OK) {
      papers_side_lock(pChunk->pMutex);
      if (pChunk->rc == SQLITE_OK)
        pChunk->rc = rc;
      papers_side_unlock(pChunk->pMutex);
    }
  }
}

/* The second thread's share of a chunk, with the chunk's scratch space. */
static void chunk_weigh(void *pArg) {
  BuildChunk *pChunk = pArg;
  chunk_weigh_share(pChunk, &pChunk->scratch);
}

/* Writes a weighed chunk: its documents' vectors, then its dense block (so
** the rows come in the order of weighing and writing each document in turn,
** the block written once its last document is). */
static int chunk_write(BuildChunk *pChunk) {
  Build *p = pChunk->p;
  int rc = pChunk->rc;
  for (int i = 0; rc == SQLITE_OK && i < pChunk->n; i++) {
    rc = index_store_doc_put_numbered(p->pStore, p->aDoc[pChunk->iFirst + i].iDoc,
                                      &pChunk->aVec[i], pChunk->apNum[i]);
  }
  if (rc == SQLITE_OK && pChunk->pLatent->nDim > 0)
    rc = index_store_dense_put(p->pStore, &pChunk->dense);
  return rc;
}

/* A chunk's scratch space and dense block. */
static int chunk_alloc(BuildChunk *pChunk, int nMaxCount, int nDim) {
  int rc = scratch_alloc(nMaxCount, &pChunk->scratch);
  if (rc != SQLITE_OK)
    return rc;
  IndexDenseBlock *pBlock = &pChunk->dense;
  size_t nByte = (sizeof(i64) + 2 * sizeof(float) + (size_t)nDim) * INDEX_DENSE_BUILD;
  char *a = sqlite3_malloc64(nByte);
  if (a == 0)
    return SQLITE_NOMEM;
  pBlock->aDoc = (i64 *)a;
  pBlock->aScale = (float *)(pBlock->aDoc + INDEX_DENSE_BUILD);
  pBlock->aErr = pBlock->aScale + INDEX_DENSE_BUILD;
  pBlock->aCode = (signed char *)(pBlock->aErr + INDEX_DENSE_BUILD);
  pBlock->nDim = nDim;
  return SQLITE_OK;
}

static void chunk_free(BuildChunk *pChunk) {
  if (pChunk == 0)
    return;
  chunk_clear(pChunk);
  scratch_free(&pChunk->scratch);
  sqlite3_free(pChunk->dense.aDoc);
  sqlite3_free(pChunk);
}

/* Weighs every document and writes its vector and latent part, a chunk at a
** time: the second core weighs the next chunk while this thread writes the
** one weighed before, then this thread weighs beside it what is left (where
** SQLite's allocator is safe from two threads: index_build_may_thread());
** the same rows in the same order as weighing and writing one document
** after the other. The postings are gathered later (build_postings), from
** the norms and scales set here. */
static int build_weigh_docs(Build *p, const double *aTermIdf, const BuildLatent *pLatent,
                            int nMaxCount, const sqlite3_uint64 *aNumber) {
  BuildChunk *aChunk[2] = {0, 0};
  int rc = SQLITE_OK, isThreadable = index_build_may_thread();
  sqlite3_mutex *pMutex = isThreadable ? papers_side_mutex_new() : 0;
  isThreadable = pMutex != 0; /* no lock: no second thread, the same work */
  for (int i = 0; rc == SQLITE_OK && i < 2; i++) {
    aChunk[i] = sqlite3_malloc64(sizeof(BuildChunk));
    if (aChunk[i] == 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    memset(aChunk[i], 0, sizeof(BuildChunk));
    aChunk[i]->p = p;
    aChunk[i]->aTermIdf = aTermIdf;
    aChunk[i]->pLatent = pLatent;
    aChunk[i]->aNumber = aNumber;
    aChunk[i]->pMutex = pMutex;
    rc = chunk_alloc(aChunk[i], nMaxCount, pLatent->nDim);
  }
  if (rc == SQLITE_OK) {
    chunk_plan(aChunk[0], 0);
    chunk_weigh(aChunk[0]);
  }
  for (int i = 0; rc == SQLITE_OK && aChunk[i]->n > 0; i ^= 1) {
    BuildChunk *pCur = aChunk[i], *pNext = aChunk[i ^ 1];
    PapersSide side;
    chunk_plan(pNext, pCur->iFirst + INDEX_DENSE_BUILD);
    if (pNext->n > 0)
      papers_side_start(&side, chunk_weigh, pNext, isThreadable);
    rc = chunk_write(pCur);
    if (pNext->n > 0) {
      if (rc == SQLITE_OK)
        chunk_weigh_share(pNext, &pCur->scratch); /* pCur's is free now */
      papers_side_join(&side);
    }
    chunk_clear(pCur);
  }
  chunk_free(aChunk[0]);
  chunk_free(aChunk[1]);
  papers_side_mutex_free(pMutex);
  return rc;
}

/* ---- the latent projection ------------------------------------------------ */

/* A term's rank among the feature candidates: df descending, then id. */
typedef struct FeatureRank {
  i64 df;
  sqlite3_uint64 id;
  int iTerm;
} FeatureRank;

static int compare_feature_rank(const void *pA, const void *pB) {
  const FeatureRank *a = pA, *b = pB;
  if (a->df != b->df)
    return a->df > b->df ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

/* Chooses the feature terms: df >= 2, the most frequent first, at most
** INDEX_LATENT_FEATURES. */
static int choose_features(const Build *p, BuildLatent *pLatent) {
  int nTerm = p->nTerm;
  FeatureRank *aRank =
      sqlite3_malloc64(sizeof(FeatureRank) * (sqlite3_uint64)(nTerm + 1));
  pLatent->aiFeature = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nTerm + 1));
  if (aRank == 0 || pLatent->aiFeature == 0) {
    sqlite3_free(aRank);
    return SQLITE_NOMEM;
  }
  int nCandidate = 0;
  for (int i = 0; i < nTerm; i++) {
    pLatent->aiFeature[i] = -1;
    if (p->aTerm[i].df < 2)
      continue;
    aRank[nCandidate].df = p->aTerm[i].df;
    aRank[nCandidate].id = p->aTerm[i].id;
    aRank[nCandidate++].iTerm = i;
  }
  qsort(aRank, (size_t)nCandidate, sizeof(FeatureRank), compare_feature_rank);
  pLatent->nFeature =
      nCandidate < INDEX_LATENT_FEATURES ? nCandidate : INDEX_LATENT_FEATURES;
  for (int f = 0; f < pLatent->nFeature; f++)
    pLatent->aiFeature[aRank[f].iTerm] = f;
  sqlite3_free(aRank);
  return SQLITE_OK;
}

/* Fits the latent projection on (a regular sample of) the documents' sparse
** vectors, restricted to the feature terms. */
static int fit_latent(Build *p, const double *aTermIdf, BuildLatent *pLatent,
                      BuildScratch *pScratch) {
  i64 nSample = p->nDoc < INDEX_LATENT_FIT_DOCS ? p->nDoc : INDEX_LATENT_FIT_DOCS;
  PapersLatentMatrix A;
  memset(&A, 0, sizeof(A));
  A.nRow = nSample;
  A.nColumn = pLatent->nFeature;
  A.aRowStart = sqlite3_malloc64(sizeof(i64) * (sqlite3_uint64)(nSample + 1));
  i64 nAlloc = 0;
  int rc = A.aRowStart ? SQLITE_OK : SQLITE_NOMEM;
  i64 nEntry = 0, nValueAlloc = 0;
  for (i64 r = 0; rc == SQLITE_OK && r < nSample; r++) {
    i64 iDocIndex = r * p->nDoc / nSample; /* evenly spread over the content order */
    PapersVector sparse;
    A.aRowStart[r] = nEntry;
    rc = build_sparse(p, iDocIndex, aTermIdf, pScratch, &sparse);
    if (rc == SQLITE_OK) {
      rc = papers_grow_array((void **)&A.aColumn, sizeof(int), nEntry + sparse.nTerm,
                             &nAlloc);
    }
    if (rc == SQLITE_OK) {
      rc = papers_grow_array((void **)&A.aValue, sizeof(float), nEntry + sparse.nTerm,
                             &nValueAlloc);
    }
    for (int i = 0; rc == SQLITE_OK && i < sparse.nTerm; i++) {
      int iFeature = pLatent->aiFeature[pScratch->aiTerm[i]];
      if (iFeature < 0)
        continue;
      A.aColumn[nEntry] = iFeature;
      A.aValue[nEntry++] = sparse.aWeight[i];
    }
    papers_vector_free(&sparse);
  }
  if (rc == SQLITE_OK) {
    A.aRowStart[nSample] = nEntry;
    pLatent->aProjection = sqlite3_malloc64(
        sizeof(float) * (sqlite3_uint64)pLatent->nFeature * pLatent->nDim + 1);
    rc = pLatent->aProjection ? papers_latent_fit(&A, pLatent->nDim, pLatent->aProjection)
                              : SQLITE_NOMEM;
  }
  sqlite3_free(A.aRowStart);
  sqlite3_free(A.aColumn);
  sqlite3_free(A.aValue);
  return rc;
}

/* Writes the projection rows (features in id order) and the latent config. */
static int write_latent(const Build *p, const BuildLatent *pLatent) {
  int nTerm = p->nTerm;
  int rc = index_store_latent_set(p->pStore, pLatent->nDim, pLatent->weight);
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    int iFeature = pLatent->nDim ? pLatent->aiFeature[i] : -1;
    if (iFeature < 0)
      continue;
    rc = index_store_latent_put(p->pStore, p->aTerm[i].id,
                                pLatent->aProjection + (i64)iFeature * pLatent->nDim,
                                pLatent->nDim);
  }
  return rc;
}

/* Fits the latent part (into *pLatent, zeroed) if the corpus allows, then
** weighs every document. */
static int build_weigh_all(Build *p, const double *aTermIdf, int nMaxCount,
                           BuildScratch *pScratch, const sqlite3_uint64 *aNumber,
                           BuildLatent *pLatent) {
  const IndexConfig *pConfig = p->pConfig;
  BuildLatent latent = *pLatent;
  int rc = SQLITE_OK;
  if (pConfig->nLatentDims > 0 && p->nDoc >= INDEX_LATENT_MIN_DOCS) {
    rc = choose_features(p, &latent);
    if (rc == SQLITE_OK && latent.nFeature > 2 * pConfig->nLatentDims) {
      latent.nDim = pConfig->nLatentDims;
      latent.weight = pConfig->latentWeight;
      rc = fit_latent(p, aTermIdf, &latent, pScratch);
    }
  }
  if (rc == SQLITE_OK)
    rc = build_weigh_docs(p, aTermIdf, &latent, nMaxCount, aNumber);
  *pLatent = latent; /* the caller frees it, and writes it (build_postings) */
  return rc;
}

/* ---- postings ------------------------------------------------------------ */

/* A term's place in the write order. */
typedef struct TermOrder {
  sqlite3_uint64 id;
  int iTerm;
} TermOrder;

static int compare_term_order(const void *pA, const void *pB) {
  const TermOrder *a = pA, *b = pB;
  return (a->id > b->id) - (a->id < b->id);
}

/* The terms in id order (the B-tree's order, so writes append). */
static int terms_in_id_order(const Build *p, TermOrder **paOrder) {
  int nTerm = p->nTerm;
  TermOrder *aOrder = sqlite3_malloc64(sizeof(TermOrder) * (sqlite3_uint64)(nTerm + 1));
  if (aOrder == 0)
    return SQLITE_NOMEM;
  for (int i = 0; i < nTerm; i++) {
    aOrder[i].id = p->aTerm[i].id;
    aOrder[i].iTerm = i;
  }
  qsort(aOrder, (size_t)nTerm, sizeof(TermOrder), compare_term_order);
  *paOrder = aOrder;
  return SQLITE_OK;
}

/* The terms in id order from their numbers (build_numbers gave term iTerm
** the number of its place in that order): no second sort. */
static int terms_by_number(const Build *p, const sqlite3_uint64 *aNumber,
                           TermOrder **paOrder) {
  int nTerm = p->nTerm;
  TermOrder *aOrder = sqlite3_malloc64(sizeof(TermOrder) * (sqlite3_uint64)(nTerm + 1));
  if (aOrder == 0)
    return SQLITE_NOMEM;
  for (int i = 0; i < nTerm; i++) {
    assert(aNumber[i] >= 1 && aNumber[i] <= (sqlite3_uint64)nTerm);
    aOrder[aNumber[i] - 1].id = p->aTerm[i].id;
    aOrder[aNumber[i] - 1].iTerm = i;
  }
  *paOrder = aOrder;
  return SQLITE_OK;
}

/* Numbers the terms 1, 2, ... in id order (T_terms): *paNumber[iTerm] is
** term iTerm's number, sqlite3_malloc'd. */
static int build_numbers(Build *p, sqlite3_uint64 **paNumber) {
  TermOrder *aOrder = 0;
  sqlite3_uint64 *aId =
      sqlite3_malloc64(sizeof(sqlite3_uint64) * (sqlite3_uint64)(p->nTerm + 1));
  sqlite3_uint64 *aNumber =
      sqlite3_malloc64(sizeof(sqlite3_uint64) * (sqlite3_uint64)(p->nTerm + 1));
  int rc = aId && aNumber ? terms_in_id_order(p, &aOrder) : SQLITE_NOMEM;
  for (int i = 0; rc == SQLITE_OK && i < p->nTerm; i++) {
    aId[i] = aOrder[i].id;
    aNumber[aOrder[i].iTerm] = (sqlite3_uint64)i + 1;
  }
  if (rc == SQLITE_OK)
    rc = index_store_terms_put(p->pStore, aId, p->nTerm);
  sqlite3_free(aOrder);
  sqlite3_free(aId);
  if (rc != SQLITE_OK) {
    sqlite3_free(aNumber);
    aNumber = 0;
  }
  *paNumber = aNumber;
  return rc;
}

/* One range of terms (aOrder[iFirst..iEnd), consecutive in id order) whose
** postings are gathered into aPosting: each term's at aiSlot[term]. */
typedef struct BuildRange {
  Build *p;
  const double *aTermIdf;
  const TermOrder *aOrder;
  int *aiSlot;
  float *aMaxWeight;
  IndexPosting *aPosting; /* rowids and weights, as index_store_postings_put takes them */
  int iFirst, iEnd;
} BuildRange;

/* Gathers the postings of a range, each term's in document order from
** aiSlot[term] on, with the weight recomputed from its document's norm and
** scale exactly as build_weigh() computed it. A document's counts are in id
** order: each range takes the next run of them, and the document's cursor
** moves past. Touches only the range's terms' slots and maxima and the
** documents' cursors (the second core's work, build_postings). */
static void gather_range(void *pArg) {
  BuildRange *r = pArg;
  Build *p = r->p;
  sqlite3_uint64 idLast = r->aOrder[r->iEnd - 1].id;
  for (i64 d = 0; d < p->nDoc; d++) {
    BuildDoc *pDoc = &p->aDoc[d];
    while (pDoc->nCount > 0) {
      int iTerm, iTf;
      int nByte = count_get(pDoc->aCode, &iTerm, &iTf);
      if (p->aTerm[iTerm].id > idLast)
        break;
      pDoc->aCode += nByte;
      pDoc->nCount--;
      double raw = papers_weight_raw(p->aTf[iTf].factor, r->aTermIdf[iTerm]);
      float w =
          papers_weight_scaled(papers_weight_normalised(raw, pDoc->norm), pDoc->scale);
      IndexPosting *pPosting = &r->aPosting[r->aiSlot[iTerm]++];
      pPosting->iDoc = pDoc->iDoc;
      pPosting->weight = w;
      if (w > r->aMaxWeight[iTerm])
        r->aMaxWeight[iTerm] = w;
    }
  }
}

/* Writes the vocabulary row (num: the term's number) and the postings of one
** term. */
static int write_term(Build *p, const BuildTerm *pTerm, float maxWeight,
                      sqlite3_uint64 num, const IndexPosting *a) {
  int rc = index_store_vocab_put(p->pStore, pTerm->id, pTerm->df,
                                 p->aSurface + pTerm->iSurface, pTerm->nSurface,
                                 pTerm->nVote, maxWeight, num);
  if (rc == SQLITE_OK)
    rc = index_store_postings_put(p->pStore, pTerm->id, a, (int)pTerm->df);
  return rc;
}

/* Plans the range of terms from iFirst on that fits nBuffer postings (at
** least one term: nBuffer holds the longest), its slots from 0. */
static void plan_range(BuildRange *r, int iFirst, i64 nBuffer) {
  const Build *p = r->p;
  i64 nSlot = 0;
  r->iFirst = r->iEnd = iFirst;
  while (r->iEnd < p->nTerm && nSlot + p->aTerm[r->aOrder[r->iEnd].iTerm].df <= nBuffer) {
    int iTerm = r->aOrder[r->iEnd++].iTerm;
    r->aiSlot[iTerm] = (int)nSlot;
    r->aMaxWeight[iTerm] = 0;
    nSlot += p->aTerm[iTerm].df;
  }
}

/* Writes the vocabulary rows and postings of a gathered range. What a
** term's writing reads at random is prefetched: its BuildTerm, slot and
** maximum two terms ahead, its surface form one term ahead (its BuildTerm
** then in the cache); a term's writing takes microseconds, so farther ahead
** the lines would be gone again. */
static int write_range(const BuildRange *r) {
  Build *p = r->p;
  int rc = SQLITE_OK;
  for (int k = r->iFirst; rc == SQLITE_OK && k < r->iEnd; k++) {
    int iTerm = r->aOrder[k].iTerm;
    const BuildTerm *pTerm = &p->aTerm[iTerm];
    if (k + 2 < r->iEnd) {
      int iAhead = r->aOrder[k + 2].iTerm;
      PAPERS_PREFETCH(&p->aTerm[iAhead]);
      PAPERS_PREFETCH(&r->aiSlot[iAhead]);
      PAPERS_PREFETCH(&r->aMaxWeight[iAhead]);
    }
    if (k + 1 < r->iEnd && p->aSurface)
      PAPERS_PREFETCH(p->aSurface + p->aTerm[r->aOrder[k + 1].iTerm].iSurface);
    rc = write_term(p, pTerm, r->aMaxWeight[iTerm], (sqlite3_uint64)k + 1, /* id order */
                    r->aPosting + r->aiSlot[iTerm] - pTerm->df);
  }
  return rc;
}

/* Writes the latent projection rows (while the second core gathers the
** first range), then the vocabulary and the postings, terms in id order,
** gathering the postings of as many consecutive terms as a buffer holds at
** a time: the second core gathers the next range into the other buffer
** while this thread writes the one gathered before (the same rows, in the
** same order, as gathering and writing one range after the other). */
static int build_postings(Build *p, const double *aTermIdf, const sqlite3_uint64 *aNumber,
                          const BuildLatent *pLatent) {
  int nTerm = p->nTerm;
  TermOrder *aOrder = 0;
  i64 nLongest = 0;
  for (int i = 0; i < nTerm; i++)
    nLongest = p->aTerm[i].df > nLongest ? p->aTerm[i].df : nLongest;
  i64 nBuffer = INDEX_BUILD_POSTINGS / 2;
  nBuffer = nLongest > nBuffer ? nLongest : nBuffer;
  int *aiSlot = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nTerm + 1));
  float *aMaxWeight = sqlite3_malloc64(sizeof(float) * (sqlite3_uint64)(nTerm + 1));
  IndexPosting *aPosting =
      sqlite3_malloc64(sizeof(IndexPosting) * 2 * (sqlite3_uint64)nBuffer);
  int rc = (aiSlot && aMaxWeight && aPosting) ? terms_by_number(p, aNumber, &aOrder)
                                              : SQLITE_NOMEM;
  BuildRange aRange[2];
  for (int i = 0; i < 2; i++) {
    BuildRange r = {p, aTermIdf, aOrder, aiSlot, aMaxWeight, aPosting + i * nBuffer,
                    0, 0};
    aRange[i] = r;
  }
  if (rc == SQLITE_OK) {
    PapersSide side;
    plan_range(&aRange[0], 0, nBuffer);
    if (nTerm > 0)
      papers_side_start(&side, gather_range, &aRange[0], 1); /* allocates nothing */
    rc = write_latent(p, pLatent);
    if (nTerm > 0)
      papers_side_join(&side);
  }
  for (int i = 0; rc == SQLITE_OK && aRange[i].iEnd > aRange[i].iFirst; i ^= 1) {
    BuildRange *pNext = &aRange[i ^ 1];
    PapersSide side;
    plan_range(pNext, aRange[i].iEnd, nBuffer);
    if (pNext->iEnd > pNext->iFirst)
      papers_side_start(&side, gather_range, pNext, 1); /* allocates nothing */
    rc = write_range(&aRange[i]);
    if (pNext->iEnd > pNext->iFirst)
      papers_side_join(&side);
  }
  sqlite3_free(aMaxWeight);
  sqlite3_free(aOrder);
  sqlite3_free(aiSlot);
  sqlite3_free(aPosting);
  return rc;
}

/* ---- the whole build ------------------------------------------------------- */

/* Weighs every document, then writes the vocabulary and postings. */
static int build_write(Build *p) {
  int nTerm = p->nTerm;
  BuildScratch scratch = {0, 0, 0};
  sqlite3_uint64 *aNumber = 0;
  BuildLatent latent;
  memset(&latent, 0, sizeof(latent));
  double *aTermIdf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nTerm + 1));
  int nMaxCount = build_max_count(p);
  int rc = aTermIdf ? scratch_alloc(nMaxCount, &scratch) : SQLITE_NOMEM;
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++)
    aTermIdf[i] = index_idf(p->nDoc, p->aTerm[i].df);
  if (rc == SQLITE_OK)
    rc = build_numbers(p, &aNumber);
  if (rc == SQLITE_OK)
    rc = build_weigh_all(p, aTermIdf, nMaxCount, &scratch, aNumber, &latent);
  if (rc == SQLITE_OK)
    rc = build_postings(p, aTermIdf, aNumber, &latent);
  sqlite3_free(latent.aiFeature);
  sqlite3_free(latent.aProjection);
  scratch_free(&scratch);
  sqlite3_free(aTermIdf);
  sqlite3_free(aNumber);
  return rc;
}

int index_build(IndexStore *pStore, const IndexConfig *pConfig, sqlite3_stmt *pScan,
                PapersAnalyzer *pAnalyzer) {
  Build build;
  memset(&build, 0, sizeof(build));
  build.pStore = pStore;
  build.pConfig = pConfig;
  build.pTerms = papers_idmap_new();
  build.pTfs = papers_idmap_new();
  int rc = (build.pTerms && build.pTfs) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = index_build_rows(pScan, pConfig, pAnalyzer, build_add_counts, &build);
  if (rc == SQLITE_OK)
    rc = sqlite3_reset(pScan);
  build.nTerm = build.pTerms ? papers_idmap_count(build.pTerms) : 0;
  papers_idmap_free(build.pTerms); /* terms go by number from now on */
  build.pTerms = 0;
  if (rc == SQLITE_OK)
    rc = build_write(&build);
  if (rc == SQLITE_OK)
    rc = index_store_set_ndoc(pStore, build.nDoc);
  build_free(&build);
  return rc;
}
