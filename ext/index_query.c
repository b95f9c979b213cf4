/*
** index_query.c: the exact top-k of a papers_index query ("more like this",
** or a text or vector), without scoring every document.
**
** Contract:
**   - index_query_top() returns the documents of the best nKeep scores, score
**     descending then rowid ascending, scores <= 0 left out, each score the
**     dot product papers_vector_dot() computes of the query and the stored
**     vector (clamped to 1): bit for bit what an exhaustive ranking with
**     papers_similarity() over <index>_docs gives.
**   - Every score it returns is computed that way, from the stored vector;
**     the postings and the dense latent blocks only bound scores, to decide
**     which documents need to be read:
**       score(d) = sparse(d) + latent(d)
**       sparse(d) <= (sum over read terms of q_t * w_td) + R, R the sum of
**                    q_t * maxw_t over the terms not read (vocab's maxw is at
**                    least every weight the term has, postings weights >= 0);
**       latent(d) <= q_L . code_d * scale_d + |q_L| * err_d (Cauchy-Schwarz,
**                    err_d bounding the quantisation error of the latent part).
**     The latent bound is computed with integers: the query's latent part
**     quantised to 16 bits (step s, residual r), q . code <= s (q16 . code)
**     + |r| 127 sqrt(dims). Terms of weight <= 0 are not read (they only
**     lower scores). Terms are read best bound first; after 4, 8, 16 ...
**     terms the best estimates so far are scored exactly, which gives theta,
**     the k-th best score; reading stops once R plus the largest latent bound
**     is below theta (a document no read term holds cannot make the top k),
**     or once the documents whose bound still reaches theta are fewer than
**     the unread postings / QUERY_SCORE_COST (scoring them costs less than
**     reading on). Then every document whose bound reaches theta is scored,
**     best bound first, until the next bound is below the (rising) theta. A
**     small margin covers float rounding.
**   - Without a latent part (small indexes), or without a LIMIT, the older
**     paths: every posting of every query term (all documents sharing a term
**     are scored, term by term in id order, as the dot product adds them), or
**     every stored vector.
*/
#include "index.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MARGIN 1e-9 /* covers rounding in the bounds (scores are <= 1) */
#define QUERY_PROBE  8    /* extra documents scored at each probe for theta */
/* Scoring one document exactly (reading and decoding its stored vector)
** costs about as much as reading this many postings: reading terms stops
** when fewer candidates than the unread postings / QUERY_SCORE_COST remain. */
#define QUERY_SCORE_COST 16384
/* Buckets of latent bounds in [0, 1): a probe counts the documents no read
** term holds whose bound reaches theta from them, without a pass over every
** document (a count for the stopping rule only, never for a result). */
#define QUERY_BUCKETS 4096

/* The best hits so far, sorted (score descending, rowid ascending). */
typedef struct TopK {
  IndexHit *aHit;
  int nHit;
  i64 nKeep;
} TopK;

static int hit_before(const IndexHit *a, double score, i64 iDoc) {
  return a->score > score || (a->score == score && a->iDoc < iDoc);
}

/* Adds a scored document when it makes the top k. */
static void topk_add(TopK *p, i64 iDoc, double score) {
  if (score > 1)
    score = 1; /* as papers_similarity() clamps */
  if (!(score > 0))
    return;
  if (p->nHit == p->nKeep && hit_before(&p->aHit[p->nHit - 1], score, iDoc))
    return;
  int i = p->nHit < p->nKeep ? p->nHit++ : p->nHit - 1;
  while (i > 0 && !hit_before(&p->aHit[i - 1], score, iDoc)) {
    p->aHit[i] = p->aHit[i - 1];
    i--;
  }
  p->aHit[i].iDoc = iDoc;
  p->aHit[i].score = score;
}

/* theta: a document must score at least this to enter (-1: anything does). */
static double topk_theta(const TopK *p) {
  return p->nHit == p->nKeep ? p->aHit[p->nHit - 1].score : -1;
}

/* ---- the exhaustive path ------------------------------------------------ */

typedef struct Exhaustive {
  const PapersVector *pQuery;
  int hasExclude;
  i64 iExclude;
  IndexHit *aHit;
  i64 nHit, nAlloc;
} Exhaustive;

static int exhaustive_doc(void *pCtx, i64 iDoc, const PapersVector *pVec) {
  Exhaustive *p = pCtx;
  if (p->hasExclude && iDoc == p->iExclude)
    return SQLITE_OK;
  double score = papers_vector_dot(p->pQuery, pVec);
  if (score > 1)
    score = 1;
  if (!(score > 0))
    return SQLITE_OK;
  if (p->nHit == p->nAlloc) {
    i64 nNew = p->nAlloc ? 2 * p->nAlloc : 256;
    IndexHit *aNew = sqlite3_realloc64(p->aHit, sizeof(IndexHit) * (sqlite3_uint64)nNew);
    if (aNew == 0)
      return SQLITE_NOMEM;
    p->aHit = aNew;
    p->nAlloc = nNew;
  }
  assert(p->nHit < p->nAlloc);
  p->aHit[p->nHit].iDoc = iDoc;
  p->aHit[p->nHit++].score = score;
  return SQLITE_OK;
}

static int compare_hits(const void *pA, const void *pB) {
  const IndexHit *a = pA, *b = pB;
  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return (a->iDoc > b->iDoc) - (a->iDoc < b->iDoc);
}

/* Scores every stored vector. */
static int query_exhaustive(IndexStore *pStore, const PapersVector *pQuery,
                            int hasExclude, i64 iExclude, i64 nKeep, IndexHit **paHit,
                            int *pnHit) {
  Exhaustive ex;
  memset(&ex, 0, sizeof(ex));
  ex.pQuery = pQuery;
  ex.hasExclude = hasExclude;
  ex.iExclude = iExclude;
  int rc = index_store_docs_scan(pStore, exhaustive_doc, &ex);
  if (rc != SQLITE_OK) {
    sqlite3_free(ex.aHit);
    return rc;
  }
  if (ex.nHit > 1)
    qsort(ex.aHit, (size_t)ex.nHit, sizeof(IndexHit), compare_hits);
  if (nKeep >= 0 && ex.nHit > nKeep)
    ex.nHit = nKeep;
  *paHit = ex.aHit;
  *pnHit = (int)ex.nHit;
  return SQLITE_OK;
}

/* ---- the sparse path (no latent part) ------------------------------------ */

typedef struct Sparse {
  PapersIdMap *pDocs;
  IndexHit *aHit;
  i64 nHitAlloc;
  float queryWeight; /* the weight of the query term being read */
  int hasExclude;
  i64 iExclude;
} Sparse;

static int sparse_posting(void *pCtx, i64 iDoc, float weight) {
  Sparse *p = pCtx;
  int iHit, isNew;
  if (p->hasExclude && iDoc == p->iExclude)
    return SQLITE_OK;
  int rc = papers_idmap_get(p->pDocs, (sqlite3_uint64)iDoc, &iHit, &isNew);
  if (rc != SQLITE_OK)
    return rc;
  if (iHit >= p->nHitAlloc) {
    i64 nNew = 2 * (i64)iHit + 256;
    IndexHit *aNew = sqlite3_realloc64(p->aHit, sizeof(IndexHit) * (sqlite3_uint64)nNew);
    if (aNew == 0)
      return SQLITE_NOMEM;
    p->aHit = aNew;
    p->nHitAlloc = nNew;
  }
  if (isNew)
    p->aHit[iHit].score = 0;
  p->aHit[iHit].iDoc = iDoc;
  p->aHit[iHit].score += (double)p->queryWeight * (double)weight;
  return SQLITE_OK;
}

/* Scores every document that shares a term with the query, reading each
** query term's postings once, terms in id order (as the dot product adds
** them). */
static int query_sparse(IndexStore *pStore, const PapersVector *pQuery, int hasExclude,
                        i64 iExclude, i64 nKeep, IndexHit **paHit, int *pnHit) {
  Sparse sparse;
  memset(&sparse, 0, sizeof(sparse));
  sparse.pDocs = papers_idmap_new();
  sparse.hasExclude = hasExclude;
  sparse.iExclude = iExclude;
  int rc = sparse.pDocs ? SQLITE_OK : SQLITE_NOMEM;
  for (int i = 0; rc == SQLITE_OK && i < pQuery->nTerm; i++) {
    sparse.queryWeight = pQuery->aWeight[i];
    rc = index_store_postings_scan(pStore, pQuery->aId[i], sparse_posting, &sparse);
  }
  int nHit = sparse.pDocs ? papers_idmap_count(sparse.pDocs) : 0;
  papers_idmap_free(sparse.pDocs);
  if (rc != SQLITE_OK) {
    sqlite3_free(sparse.aHit);
    return rc;
  }
  for (int i = 0; i < nHit; i++) {
    if (sparse.aHit[i].score > 1)
      sparse.aHit[i].score = 1;
  }
  if (nHit > 1)
    qsort(sparse.aHit, (size_t)nHit, sizeof(IndexHit), compare_hits);
  while (nHit > 0 && !(sparse.aHit[nHit - 1].score > 0))
    nHit--;
  if (nKeep >= 0 && nHit > nKeep)
    nHit = (int)nKeep;
  *paHit = sparse.aHit;
  *pnHit = nHit;
  return SQLITE_OK;
}

/* ---- the pruned path -------------------------------------------------------- */

/* A sparse query term and the most it can add to a score. */
typedef struct QueryTerm {
  sqlite3_uint64 id;
  float weight;
  double bound;
  i64 df;
} QueryTerm;

/* What the pruned path keeps per document: ordinal i is the i-th document
** of the dense blocks (document order). */
typedef struct Pruned {
  IndexStore *pStore;
  const PapersVector *pQuery;
  int hasExclude;
  i64 iExclude;
  int nDim;
  float aLatent[PAPERS_MAX_LATENT]; /* the query's latent part */
  double latentNorm;
  short aLatent16[PAPERS_MAX_LATENT]; /* aLatent / latentStep, rounded: integer dot
                                      ** products */
  double latentStep;
  double latentSlack; /* bounds (aLatent - aLatent16 * step) . code, |code| */
  int *aOrd;          /* per document id - iBase: its ordinal, or -1 */
  i64 iBase, nSpan;
  const i64 *aDoc;      /* per ordinal: the document (aDocOwned, or the dense
                        ** blocks' copy in memory) */
  i64 *aDocOwned;       /* aDoc when read block by block */
  double *aBound;       /* per ordinal: bound of its latent part */
  double *aAcc;         /* per ordinal: the sparse part read so far */
  unsigned char *aFlag; /* per ordinal: PRUNED_DONE, PRUNED_HELD */
  int *aHeld;           /* the ordinals some read term holds, as first found */
  i64 nHeld;
  i64 nDoc, nAlloc;
  i64 anBucket[QUERY_BUCKETS]; /* documents per bucket of latent bound */
  double latentMax;            /* the largest latent bound */
  i64 iCursor;                 /* where the last posting's document was found */
  float postingWeight;         /* the weight of the query term being read */
  TopK top;
} Pruned;

#define PRUNED_DONE 1 /* scored exactly */
#define PRUNED_HELD 2 /* in aHeld */

static int pruned_grow(Pruned *p, i64 nNeed) {
  if (nNeed <= p->nAlloc)
    return SQLITE_OK;
  i64 nNew = nNeed < 4096 ? 4096 : 2 * nNeed;
  i64 *aDoc = sqlite3_realloc64(p->aDocOwned, sizeof(i64) * (sqlite3_uint64)nNew);
  if (aDoc)
    p->aDoc = p->aDocOwned = aDoc;
  double *aBound = sqlite3_realloc64(p->aBound, sizeof(double) * (sqlite3_uint64)nNew);
  if (aBound)
    p->aBound = aBound;
  if (aDoc == 0 || aBound == 0)
    return SQLITE_NOMEM;
  p->nAlloc = nNew;
  return SQLITE_OK;
}

/* The dot product of 16-bit and 8-bit codes, exact in 32 bits (nDim <= 256),
** in runs of 16 that the compiler turns into vector instructions. */
static int dense_dot(const short *aQuery, const signed char *aCode, int nDim) {
  int sum = 0, k = 0;
  for (; k + 16 <= nDim; k += 16) {
    int run = 0;
    for (int j = 0; j < 16; j++)
      run += (int)aQuery[k + j] * (int)aCode[k + j];
    sum += run;
  }
  for (; k < nDim; k++)
    sum += (int)aQuery[k] * (int)aCode[k];
  return sum;
}

/* The bucket of a latent bound (NaN in the first). */
static int pruned_bucket(double bound) {
  if (!(bound > 0))
    return 0;
  return bound < 1 ? (int)(bound * QUERY_BUCKETS) : QUERY_BUCKETS - 1;
}

/* Bounds the latent part of every document of a dense block, into aBound
** from ordinal p->nDoc on:
**   q . x <= q . code * scale + |q| err                  (|x - code scale| <= err)
**   q . code = step (q16 . code) + (q - step q16) . code
**            <= step (q16 . code) + |q - step q16| 127 sqrt(nDim) = ... + slack. */
static void pruned_bound(Pruned *p, const IndexDenseBlock *pBlock) {
  int nDim = p->nDim;
  double *aBound = p->aBound + p->nDoc;
  for (int i = 0; i < pBlock->n; i++) {
    const signed char *aCode = pBlock->aCode + (i64)i * nDim;
    double dot = (double)dense_dot(p->aLatent16, aCode, nDim) * p->latentStep;
    double bound = (dot + p->latentSlack) * (double)pBlock->aScale[i] +
                   p->latentNorm * (double)pBlock->aErr[i];
    aBound[i] = bound;
    p->anBucket[pruned_bucket(bound)]++;
    if (bound > p->latentMax)
      p->latentMax = bound;
  }
  p->nDoc += pBlock->n;
}

/* One block of the dense scan: its documents copied, their bounds. */
static int pruned_block(void *pCtx, const IndexDenseBlock *pBlock) {
  Pruned *p = pCtx;
  int rc = pruned_grow(p, p->nDoc + pBlock->n);
  if (rc != SQLITE_OK)
    return rc;
  memcpy(p->aDocOwned + p->nDoc, pBlock->aDoc, sizeof(i64) * (size_t)pBlock->n);
  pruned_bound(p, pBlock);
  return SQLITE_OK;
}

/* Every document at once, from the blocks' copy in memory (which outlives the
** query): its documents are used in place. */
static int pruned_all(Pruned *p, const IndexDenseBlock *pAll) {
  assert(p->nDoc == 0 && p->aDocOwned == 0);
  p->aBound = sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)pAll->n + 1));
  if (p->aBound == 0)
    return SQLITE_NOMEM;
  p->aDoc = pAll->aDoc;
  p->nAlloc = pAll->n;
  pruned_bound(p, pAll);
  return SQLITE_OK;
}

/* Adds a posting's share to ordinal i, noting i the first time. */
static void pruned_add(Pruned *p, i64 i, float weight) {
  p->aAcc[i] += (double)p->postingWeight * (double)weight;
  if (!(p->aFlag[i] & PRUNED_HELD)) {
    p->aFlag[i] |= PRUNED_HELD;
    p->aHeld[p->nHeld++] = (int)i;
  }
}

/* Adds one posting of the term being read to its document's sum. Postings
** come in document order, as the ordinals do: the search gallops forward. */
static int pruned_posting(void *pCtx, i64 iDoc, float weight) {
  Pruned *p = pCtx;
  if (p->aOrd) {
    i64 j = iDoc - p->iBase;
    int iOrd = j >= 0 && j < p->nSpan ? p->aOrd[j] : -1;
    if (iOrd >= 0)
      pruned_add(p, iOrd, weight);
    return SQLITE_OK;
  }
  i64 iLo = p->iCursor, iStep = 1, iHi;
  while (iLo + iStep < p->nDoc && p->aDoc[iLo + iStep] < iDoc)
    iStep *= 2;
  iHi = iLo + iStep < p->nDoc ? iLo + iStep : p->nDoc;
  while (iLo < iHi) {
    i64 iMid = iLo + (iHi - iLo) / 2;
    if (p->aDoc[iMid] < iDoc)
      iLo = iMid + 1;
    else
      iHi = iMid;
  }
  p->iCursor = iLo;
  if (iLo < p->nDoc && p->aDoc[iLo] == iDoc)
    pruned_add(p, iLo, weight);
  return SQLITE_OK;
}

/* Scores ordinal i exactly from its stored vector. */
static int pruned_score(Pruned *p, i64 i) {
  double dot = 0;
  int isFound = 0;
  p->aFlag[i] |= PRUNED_DONE;
  if (p->hasExclude && p->aDoc[i] == p->iExclude)
    return SQLITE_OK;
  int rc = index_store_doc_dot(p->pStore, p->aDoc[i], p->pQuery, &dot, &isFound);
  if (rc == SQLITE_OK && isFound)
    topk_add(&p->top, p->aDoc[i], dot);
  return rc;
}

/* A document's estimate (for the probe) or bound, with the unread terms. */
typedef struct Candidate {
  double bound;
  i64 i;
} Candidate;

static int compare_candidates(const void *pA, const void *pB) {
  const Candidate *a = pA, *b = pB;
  if (a->bound != b->bound)
    return a->bound > b->bound ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* Scores the nProbe documents of the best estimates (sum read so far plus
** latent bound) not yet scored among those the read terms hold: they give
** theta early. *pnReach: about how many other documents not scored have a
** bound (with rest, the unread terms' bounds) that reaches theta as it was
** before the probe (those no read term holds counted by bucket). */
static int pruned_probe(Pruned *p, int nProbe, double rest, i64 *pnReach) {
  Candidate *a = sqlite3_malloc64(sizeof(Candidate) * (sqlite3_uint64)(nProbe + 1));
  if (a == 0)
    return SQLITE_NOMEM;
  int n = 0;
  double reach = topk_theta(&p->top) - rest - QUERY_MARGIN;
  int iBucket = pruned_bucket(reach);
  i64 nReach = 0;
  for (int b = iBucket; b < QUERY_BUCKETS; b++)
    nReach += p->anBucket[b]; /* every document, held ones taken out below */
  for (i64 j = 0; j < p->nHeld; j++) {
    i64 i = p->aHeld[j];
    nReach -= pruned_bucket(p->aBound[i]) >= iBucket;
    if (p->aFlag[i] & PRUNED_DONE)
      continue;
    double estimate = p->aAcc[i] + p->aBound[i];
    nReach += estimate >= reach;
    if (n == nProbe && estimate <= a[n - 1].bound)
      continue;
    int j = n < nProbe ? n++ : n - 1;
    while (j > 0 && a[j - 1].bound < estimate) {
      a[j] = a[j - 1];
      j--;
    }
    a[j].bound = estimate;
    a[j].i = i;
  }
  int rc = SQLITE_OK;
  for (int j = 0; rc == SQLITE_OK && j < n; j++)
    rc = pruned_score(p, a[j].i);
  sqlite3_free(a);
  *pnReach = nReach - n;
  return rc;
}

/* Whether ordinal i is not scored yet and its bound reaches theta (one
** test for counting and for gathering: they must agree, NaN bounds too). */
static int pruned_reaches(const Pruned *p, i64 i, double rest, double theta) {
  return !(p->aFlag[i] & PRUNED_DONE) &&
         p->aAcc[i] + rest + p->aBound[i] + QUERY_MARGIN >= theta;
}

/* Scores, best bound first, every document whose bound reaches theta. */
static int pruned_finish(Pruned *p, double rest) {
  double theta = topk_theta(&p->top);
  i64 n = 0, nAlloc = 0;
  Candidate *a = 0;
  for (i64 i = 0; i < p->nDoc; i++) {
    if (!pruned_reaches(p, i, rest, theta))
      continue;
    if (n == nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 1024;
      Candidate *aNew = sqlite3_realloc64(a, sizeof(Candidate) * (sqlite3_uint64)nAlloc);
      if (aNew == 0) {
        sqlite3_free(a);
        return SQLITE_NOMEM;
      }
      a = aNew;
    }
    a[n].bound = p->aAcc[i] + rest + p->aBound[i] + QUERY_MARGIN;
    a[n++].i = i;
  }
  if (n > 1)
    qsort(a, (size_t)n, sizeof(Candidate), compare_candidates);
  int rc = SQLITE_OK;
  for (i64 j = 0; rc == SQLITE_OK && j < n && a[j].bound >= topk_theta(&p->top); j++) {
    rc = pruned_score(p, a[j].i);
  }
  sqlite3_free(a);
  return rc;
}

static int compare_terms(const void *pA, const void *pB) {
  const QueryTerm *a = pA, *b = pB;
  if (a->bound != b->bound)
    return a->bound > b->bound ? -1 : 1;
  return (a->id > b->id) - (a->id < b->id);
}

/* The query's sparse terms known to the index, best bound first; its latent
** part into p. */
static int pruned_terms(Pruned *p, QueryTerm **paTerm, int *pnTerm, double *pRest) {
  const PapersVector *pQuery = p->pQuery;
  QueryTerm *aTerm =
      sqlite3_malloc64(sizeof(QueryTerm) * (sqlite3_uint64)(pQuery->nTerm + 1));
  if (aTerm == 0)
    return SQLITE_NOMEM;
  int nTerm = 0, rc = SQLITE_OK;
  double rest = 0, norm = 0;
  for (int i = 0; rc == SQLITE_OK && i < pQuery->nTerm; i++) {
    sqlite3_uint64 id = pQuery->aId[i];
    if (papers_is_latent_id(id)) {
      if (id - PAPERS_LATENT_ID < (sqlite3_uint64)p->nDim) {
        p->aLatent[id - PAPERS_LATENT_ID] = pQuery->aWeight[i];
        norm += (double)pQuery->aWeight[i] * (double)pQuery->aWeight[i];
      }
      continue;
    }
    if (!(pQuery->aWeight[i] > 0))
      continue; /* adds nothing above 0 to any score (weights are >= 0) */
    i64 df = 0;
    double maxWeight = 0;
    rc = index_store_vocab_maxw(p->pStore, id, &df, &maxWeight);
    if (df == 0)
      continue; /* no document has it */
    aTerm[nTerm].id = id;
    aTerm[nTerm].df = df;
    aTerm[nTerm].weight = pQuery->aWeight[i];
    aTerm[nTerm].bound = (double)pQuery->aWeight[i] * maxWeight;
    rest += aTerm[nTerm++].bound;
  }
  p->latentNorm = sqrt(norm) * (1 + 1e-9);
  double largest = 0, residual = 0;
  for (int k = 0; k < p->nDim; k++) {
    double v = fabs((double)p->aLatent[k]);
    largest = v > largest ? v : largest;
  }
  p->latentStep = largest > 0 ? largest / 32767 : 1;
  for (int k = 0; k < p->nDim; k++) {
    double c = (double)p->aLatent[k] / p->latentStep;
    c = c < 0 ? -(double)(i64)(0.5 - c) : (double)(i64)(c + 0.5);
    c = c > 32767 ? 32767 : c < -32767 ? -32767 : c;
    p->aLatent16[k] = (short)c;
    double r = (double)p->aLatent[k] - c * p->latentStep;
    residual += r * r;
  }
  p->latentSlack = (sqrt(residual) * 127 * sqrt((double)p->nDim)) * (1 + 1e-9) + 1e-300;
  if (nTerm > 1)
    qsort(aTerm, (size_t)nTerm, sizeof(QueryTerm), compare_terms);
  *paTerm = aTerm;
  *pnTerm = nTerm;
  *pRest = rest;
  return rc;
}

/* Maps document ids to ordinals directly when the ids are dense enough. */
static int pruned_map(Pruned *p) {
  if (p->nDoc == 0)
    return SQLITE_OK;
  i64 nSpan = p->aDoc[p->nDoc - 1] - p->aDoc[0] + 1;
  if (nSpan <= 0 || nSpan > 4 * p->nDoc + 4096 || p->nDoc > 0x7fffffff)
    return SQLITE_OK; /* sparse ids: the postings gallop through aDoc instead */
  p->aOrd = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)nSpan);
  if (p->aOrd == 0)
    return SQLITE_NOMEM;
  p->iBase = p->aDoc[0];
  p->nSpan = nSpan;
  memset(p->aOrd, 0xff, sizeof(int) * (size_t)nSpan);
  for (i64 i = 0; i < p->nDoc; i++)
    p->aOrd[p->aDoc[i] - p->iBase] = (int)i;
  return SQLITE_OK;
}

static void pruned_free(Pruned *p) {
  sqlite3_free(p->aOrd);
  sqlite3_free(p->aDocOwned);
  sqlite3_free(p->aBound);
  sqlite3_free(p->aAcc);
  sqlite3_free(p->aFlag);
  sqlite3_free(p->aHeld);
}

static int query_pruned(IndexStore *pStore, const PapersVector *pQuery, int nDim,
                        int hasExclude, i64 iExclude, i64 nKeep, IndexHit **paHit,
                        int *pnHit) {
  Pruned pruned;
  QueryTerm *aTerm = 0;
  int nTerm = 0;
  double rest = 0;
  memset(&pruned, 0, sizeof(pruned));
  pruned.pStore = pStore;
  pruned.pQuery = pQuery;
  pruned.hasExclude = hasExclude;
  pruned.iExclude = iExclude;
  pruned.nDim = nDim;
  pruned.latentMax = -1;
  int rc = pruned_terms(&pruned, &aTerm, &nTerm, &rest);
  const IndexDenseBlock *pAll = 0;
  if (rc == SQLITE_OK)
    rc = index_store_dense_cached(pStore, nDim, &pAll);
  if (rc == SQLITE_OK && pAll)
    rc = pruned_all(&pruned, pAll);
  else if (rc == SQLITE_OK)
    rc = index_store_dense_scan(pStore, nDim, pruned_block, &pruned);
  /* no more hits than documents, whatever the statistics say */
  pruned.top.nKeep = nKeep < pruned.nDoc ? nKeep : pruned.nDoc + 1;
  if (rc == SQLITE_OK) {
    pruned.top.aHit =
        sqlite3_malloc64(sizeof(IndexHit) * (sqlite3_uint64)(pruned.top.nKeep + 1));
    if (pruned.top.aHit == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    pruned.aAcc = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(pruned.nDoc + 1));
    pruned.aFlag = sqlite3_malloc64((sqlite3_uint64)pruned.nDoc + 1);
    pruned.aHeld = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(pruned.nDoc + 1));
    if (pruned.aAcc == 0 || pruned.aFlag == 0 || pruned.aHeld == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    memset(pruned.aAcc, 0, sizeof(double) * (size_t)pruned.nDoc);
    memset(pruned.aFlag, 0, (size_t)pruned.nDoc);
    rc = pruned_map(&pruned);
  }
  /* aTerm[t].bound becomes the sum of the bounds of terms t.. (unread);
  ** nUnread the postings of the terms not read yet */
  i64 nUnread = 0;
  for (int t = nTerm - 1; t >= 0; t--) {
    aTerm[t].bound += t + 1 < nTerm ? aTerm[t + 1].bound : 0;
    nUnread += aTerm[t].df;
  }
  int nextCheck = 4;
  for (int t = 0; rc == SQLITE_OK && t < nTerm; t++) {
    pruned.iCursor = 0;
    pruned.postingWeight = aTerm[t].weight;
    rc = index_store_postings_scan(pStore, aTerm[t].id, pruned_posting, &pruned);
    rest = t + 1 < nTerm ? aTerm[t + 1].bound : 0;
    nUnread -= aTerm[t].df;
    if (rc != SQLITE_OK || t + 1 < nextCheck || t + 1 == nTerm)
      continue;
    nextCheck *= 2; /* after 4, 8, 16 ... terms */
    i64 nReach = 0;
    rc = pruned_probe(&pruned, (int)pruned.top.nKeep + QUERY_PROBE, rest, &nReach);
    double theta = topk_theta(&pruned.top);
    if (rest + pruned.latentMax + QUERY_MARGIN < theta)
      break;
    /* cheaper to score the remaining candidates than to read on */
    if (nReach * QUERY_SCORE_COST <= nUnread)
      break;
  }
  if (rc == SQLITE_OK)
    rc = pruned_finish(&pruned, rest);
  if (rc == SQLITE_OK) {
    *paHit = pruned.top.aHit;
    *pnHit = pruned.top.nHit;
    pruned.top.aHit = 0;
  }
  sqlite3_free(pruned.top.aHit);
  sqlite3_free(aTerm);
  pruned_free(&pruned);
  return rc;
}

int index_query_top(IndexStore *pStore, const PapersVector *pQuery, int hasExclude,
                    i64 iExclude, i64 nKeep, IndexHit **paHit, int *pnHit) {
  int nDim = 0;
  double weight = 0;
  i64 nDoc = 0;
  *paHit = 0;
  *pnHit = 0;
  int rc = index_store_latent_get(pStore, &nDim, &weight);
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(pStore, &nDoc);
  if (rc != SQLITE_OK || nKeep == 0)
    return rc;
  if (nDim == 0) {
    rc = query_sparse(pStore, pQuery, hasExclude, iExclude, nKeep, paHit, pnHit);
  } else if (nKeep < 0 || nKeep > nDoc / 4) {
    rc = query_exhaustive(pStore, pQuery, hasExclude, iExclude, nKeep, paHit, pnHit);
  } else {
    rc = query_pruned(pStore, pQuery, nDim, hasExclude, iExclude, nKeep, paHit, pnHit);
  }
  index_store_query_done(pStore); /* its term numbers are this query's */
  return rc;
}
