/*
** clusters_kmeans.c: the clustering of papers_clusters (clusters.c): the set
** of documents in compressed rows and k-means over it, spherical (cosine) or
** Euclidean (in the smoothed space of clusters_smooth.c).
**
** Contract: clusters_corpus_add() appends documents' stored vectors in the
** order given; clusters_corpus_compact() keeps the features of the
** clustering space (the latent dimensions when the index has them, else the
** word terms held by at least two documents) and sets each document's unit
** vector in it; clusters_corpus_view() makes the space compact, centred when
** it is the latent one; clusters_kmeans_best() runs greedy k-means++
** seedings from a fixed-seed SplitMix64, as many as the space calls for,
** and keeps the best. Documents are visited in order, sums run in a fixed
** order and ties go to the lower index, so the result is the same bit for
** bit on every machine. Nothing here reads the index.
*/
#include "topic.h"

#include <math.h>
#include <string.h>

#ifndef CLUSTERS_RESTARTS
#define CLUSTERS_RESTARTS 8 /* k-means++ seedings tried, at most, on word terms */
#endif
#ifndef CLUSTERS_RESTARTS_LATENT
#define CLUSTERS_RESTARTS_LATENT 32 /* the same in the (centred) latent space */
#endif
#ifndef CLUSTERS_RESTARTS_SMOOTHED
#define CLUSTERS_RESTARTS_SMOOTHED 128 /* the same in the smoothed space (Euclidean) */
#endif
#ifndef CLUSTERS_WORK
#define CLUSTERS_WORK (1LL << 29) /* entries * k * seedings, about */
#endif
#ifndef CLUSTERS_ITERATIONS
#define CLUSTERS_ITERATIONS 30 /* assignment rounds per seeding, at most */
#endif
#ifndef CLUSTERS_LATENT_SHARE
#define CLUSTERS_LATENT_SHARE 1.0 /* of the squared length, when the index has both */
#endif
#ifndef CLUSTERS_SEED_TRIALS
#define CLUSTERS_SEED_TRIALS 4 /* candidates per k-means++ step */
#endif
#ifndef CLUSTERS_SEED
#define CLUSTERS_SEED 0x70617065727321ULL
#endif
/* Bounds that let a round skip a document (kmeans_assign) need a copy of the
** centres: kept only while k * features stays within this many values. */
#define CLUSTERS_BOUND_VALUES (1LL << 22)
/* What a bound must clear by before a document is skipped: far above the
** rounding error of a cosine of unit vectors, so a skipped document is one
** whose computed nearest centre could not have changed. */
#define CLUSTERS_BOUND_SLACK 1e-9

/* ---- the set of documents -------------------------------------------------- */

void clusters_corpus_free(ClustersCorpus *p) {
  sqlite3_free(p->aRowid);
  sqlite3_free(p->aStart);
  sqlite3_free(p->aFeature);
  sqlite3_free(p->aWord);
  sqlite3_free(p->aSpace);
  sqlite3_free(p->aId);
  sqlite3_free(p->aDf);
  memset(p, 0, sizeof(*p));
}

/* Grows the entry arrays to hold nNeed entries. */
static int kmeans_corpus_reserve(ClustersCorpus *p, i64 nNeed) {
  if (nNeed <= p->nEntryAlloc)
    return SQLITE_OK;
  i64 nNew = nNeed < 1024 ? 1024 : nNeed * 2;
  int *aFeature = sqlite3_realloc64(p->aFeature, sizeof(int) * (sqlite3_uint64)nNew);
  if (aFeature)
    p->aFeature = aFeature;
  float *aWord = sqlite3_realloc64(p->aWord, sizeof(float) * (sqlite3_uint64)nNew);
  if (aWord)
    p->aWord = aWord;
  if (aFeature == 0 || aWord == 0)
    return SQLITE_NOMEM;
  p->nEntryAlloc = nNew;
  return SQLITE_OK;
}

/* Grows the per-document arrays to hold document iDoc. */
static int kmeans_corpus_reserve_doc(ClustersCorpus *p, int iDoc, int *pnAlloc) {
  if (iDoc + 1 < *pnAlloc)
    return SQLITE_OK;
  int nNew = *pnAlloc < 64 ? 64 : *pnAlloc * 2;
  i64 *aRowid = sqlite3_realloc64(p->aRowid, sizeof(i64) * (sqlite3_uint64)nNew);
  if (aRowid)
    p->aRowid = aRowid;
  i64 *aStart = sqlite3_realloc64(p->aStart, sizeof(i64) * (sqlite3_uint64)(nNew + 1));
  if (aStart)
    p->aStart = aStart;
  if (aRowid == 0 || aStart == 0)
    return SQLITE_NOMEM;
  *pnAlloc = nNew;
  return SQLITE_OK;
}

/* Records the term id of the next feature. */
static int kmeans_corpus_new_feature(ClustersCorpus *p, sqlite3_uint64 id) {
  if (p->nFeature == p->nFeatureAlloc) {
    int nNew = p->nFeatureAlloc < 1024 ? 1024 : p->nFeatureAlloc * 2;
    sqlite3_uint64 *aId = sqlite3_realloc64(p->aId, sizeof(*aId) * (sqlite3_uint64)nNew);
    if (aId == 0)
      return SQLITE_NOMEM;
    p->aId = aId;
    p->nFeatureAlloc = nNew;
  }
  assert(p->nFeature < p->nFeatureAlloc);
  p->aId[p->nFeature++] = id;
  return SQLITE_OK;
}

/* Appends one document's vector; its terms become features through pMap. */
int clusters_corpus_add(ClustersCorpus *p, PapersIdMap *pMap, i64 iRowid,
                        const PapersVector *pVec, int *pnDocAlloc) {
  int rc = kmeans_corpus_reserve_doc(p, p->nDoc, pnDocAlloc);
  if (rc == SQLITE_OK)
    rc = kmeans_corpus_reserve(p, p->nEntry + pVec->nTerm);
  if (rc != SQLITE_OK)
    return rc;
  assert(p->nDoc + 1 < *pnDocAlloc && p->nEntry + pVec->nTerm <= p->nEntryAlloc);
  p->aRowid[p->nDoc] = iRowid;
  p->aStart[p->nDoc] = p->nEntry;
  for (int i = 0; i < pVec->nTerm; i++) {
    int iFeature, isNew;
    rc = papers_idmap_get(pMap, pVec->aId[i], &iFeature, &isNew);
    if (rc != SQLITE_OK)
      return rc;
    if (isNew && (rc = kmeans_corpus_new_feature(p, pVec->aId[i])) != SQLITE_OK)
      return rc;
    assert(iFeature >= 0 && iFeature < p->nFeature);
    p->aFeature[p->nEntry] = iFeature;
    p->aWord[p->nEntry] = pVec->aWeight[i];
    p->nEntry++;
  }
  p->nDoc++;
  p->aStart[p->nDoc] = p->nEntry;
  return SQLITE_OK;
}

/* Sets document i's weights in the clustering space: its word part and its
** latent part each normalised, then weighed so that the latent part holds
** CLUSTERS_LATENT_SHARE of the squared length (all of it, or none, when the
** other part is empty). */
static void kmeans_corpus_space(ClustersCorpus *p, int i, double share) {
  double aSum[2] = {0, 0};
  for (i64 e = p->aStart[i]; e < p->aStart[i + 1]; e++) {
    int isLatent = papers_is_latent_id(p->aId[p->aFeature[e]]);
    aSum[isLatent] += (double)p->aWord[e] * p->aWord[e];
  }
  double aScale[2];
  aScale[0] = aSum[0] > 0 ? sqrt(1 - share) / sqrt(aSum[0]) : 0;
  aScale[1] = aSum[1] > 0 ? sqrt(share) / sqrt(aSum[1]) : 0;
  for (i64 e = p->aStart[i]; e < p->aStart[i + 1]; e++) {
    int isLatent = papers_is_latent_id(p->aId[p->aFeature[e]]);
    p->aSpace[e] = (float)(p->aWord[e] * aScale[isLatent]);
  }
}

/* Drops the word features that only one document holds (they cannot bring
** two documents together, nor label a cluster), renumbers the rest in order
** of first sight and computes every document's weights in the clustering
** space. */
int clusters_corpus_compact(ClustersCorpus *p) {
  int *aNew = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(p->nFeature + 1));
  p->aDf = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(p->nFeature + 1));
  if (aNew == 0 || p->aDf == 0) {
    sqlite3_free(aNew);
    return SQLITE_NOMEM;
  }
  memset(p->aDf, 0, sizeof(int) * (size_t)p->nFeature);
  for (i64 e = 0; e < p->nEntry; e++)
    p->aDf[p->aFeature[e]]++;
  int nKept = 0;
  for (int f = 0; f < p->nFeature; f++) {
    int isKept = p->aDf[f] >= 2 || papers_is_latent_id(p->aId[f]) || p->nDoc == 1;
    aNew[f] = isKept ? nKept++ : -1;
  }
  for (int f = 0; f < p->nFeature; f++) {
    if (aNew[f] < 0)
      continue;
    p->aId[aNew[f]] = p->aId[f]; /* aNew[f] <= f: in place */
    p->aDf[aNew[f]] = p->aDf[f];
  }
  p->nFeature = nKept;
  i64 nEntry = 0;
  for (int i = 0; i < p->nDoc; i++) {
    i64 iStart = p->aStart[i], iEnd = p->aStart[i + 1];
    p->aStart[i] = nEntry;
    for (i64 e = iStart; e < iEnd; e++) {
      if (aNew[p->aFeature[e]] < 0)
        continue;
      p->aFeature[nEntry] = aNew[p->aFeature[e]];
      p->aWord[nEntry] = p->aWord[e];
      nEntry++;
    }
  }
  p->aStart[p->nDoc] = nEntry;
  p->nEntry = nEntry;
  sqlite3_free(aNew);
  p->aSpace = sqlite3_malloc64(sizeof(float) * (sqlite3_uint64)(nEntry + 1));
  if (p->aSpace == 0)
    return SQLITE_NOMEM;
  int hasLatent = 0;
  for (int f = 0; f < p->nFeature && !hasLatent; f++)
    hasLatent = papers_is_latent_id(p->aId[f]);
  for (int i = 0; i < p->nDoc; i++)
    kmeans_corpus_space(p, i, hasLatent ? CLUSTERS_LATENT_SHARE : 0);
  return SQLITE_OK;
}

/* Centres the latent view pView (every document with a latent part holds
** entries for the same dimensions): the mean of the documents that have
** entries is taken from each of them, which is then renormalised, so that
** every dimension of the result is an entry of theirs. Documents without
** entries keep none. The direction all papers share (the corpus's "these
** are papers" component, which LSA puts in its first dimension) then no
** longer dominates the cosines. */
int clusters_corpus_centre(ClustersCorpus *pView) {
  int nDim = pView->nFeature, nHave = 0;
  double *aMean = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nDim + 1));
  double *aRow = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nDim + 1));
  if (aMean == 0 || aRow == 0) {
    sqlite3_free(aMean);
    sqlite3_free(aRow);
    return SQLITE_NOMEM;
  }
  memset(aMean, 0, sizeof(double) * (size_t)nDim);
  for (int i = 0; i < pView->nDoc; i++) {
    nHave += pView->aStart[i + 1] > pView->aStart[i];
    for (i64 e = pView->aStart[i]; e < pView->aStart[i + 1]; e++)
      aMean[pView->aFeature[e]] += pView->aSpace[e];
  }
  for (int f = 0; f < nDim; f++)
    aMean[f] = nHave ? aMean[f] / nHave : 0;
  ClustersCorpus centred;
  memset(&centred, 0, sizeof(centred));
  i64 nEntry = (i64)nHave * nDim;
  centred.aStart = sqlite3_malloc64(sizeof(i64) * (sqlite3_uint64)(pView->nDoc + 1));
  centred.aFeature = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nEntry + 1));
  centred.aSpace = sqlite3_malloc64(sizeof(float) * (sqlite3_uint64)(nEntry + 1));
  int rc =
      centred.aStart && centred.aFeature && centred.aSpace ? SQLITE_OK : SQLITE_NOMEM;
  for (int i = 0; rc == SQLITE_OK && i < pView->nDoc; i++) {
    centred.aStart[i] = centred.nEntry;
    if (pView->aStart[i + 1] == pView->aStart[i])
      continue;
    for (int f = 0; f < nDim; f++)
      aRow[f] = -aMean[f];
    for (i64 e = pView->aStart[i]; e < pView->aStart[i + 1]; e++)
      aRow[pView->aFeature[e]] += pView->aSpace[e];
    double sumSquares = 0;
    for (int f = 0; f < nDim; f++)
      sumSquares += aRow[f] * aRow[f];
    double scale = sumSquares > 0 ? 1 / sqrt(sumSquares) : 0;
    for (int f = 0; f < nDim; f++) {
      assert(centred.nEntry < nEntry);
      centred.aFeature[centred.nEntry] = f;
      centred.aSpace[centred.nEntry++] = (float)(aRow[f] * scale);
    }
  }
  sqlite3_free(aMean);
  sqlite3_free(aRow);
  if (rc != SQLITE_OK) {
    clusters_corpus_free(&centred);
    return rc;
  }
  centred.aStart[pView->nDoc] = centred.nEntry;
  centred.nDoc = pView->nDoc;
  centred.nFeature = nDim;
  clusters_corpus_free(pView);
  *pView = centred;
  return SQLITE_OK;
}

/* True when c is clustered in the latent space alone. */
int clusters_corpus_is_latent(const ClustersCorpus *c) {
  int hasLatent = 0;
  for (int f = 0; f < c->nFeature && !hasLatent; f++)
    hasLatent = papers_is_latent_id(c->aId[f]);
  return hasLatent && CLUSTERS_LATENT_SHARE >= 1.0;
}

/* Makes pView the clustering space of c alone: per document, its entries of
** non-zero weight in the space (aSpace), features renumbered densely in
** order of first sight, centred when the space is the latent one
** (clusters_corpus_centre); aRowid, aWord, aId and aDf are left out. */
int clusters_corpus_view(const ClustersCorpus *c, ClustersCorpus *pView) {
  memset(pView, 0, sizeof(*pView));
  int *aMap = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(c->nFeature + 1));
  i64 nEntry = 0;
  for (i64 e = 0; e < c->nEntry; e++)
    nEntry += c->aSpace[e] != 0;
  pView->aStart = sqlite3_malloc64(sizeof(i64) * (sqlite3_uint64)(c->nDoc + 1));
  pView->aFeature = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nEntry + 1));
  pView->aSpace = sqlite3_malloc64(sizeof(float) * (sqlite3_uint64)(nEntry + 1));
  if (!aMap || !pView->aStart || !pView->aFeature || !pView->aSpace) {
    sqlite3_free(aMap);
    clusters_corpus_free(pView);
    return SQLITE_NOMEM;
  }
  memset(aMap, 0xff, sizeof(int) * (size_t)c->nFeature);
  pView->nDoc = c->nDoc;
  for (int i = 0; i < c->nDoc; i++) {
    pView->aStart[i] = pView->nEntry;
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++) {
      if (c->aSpace[e] == 0)
        continue;
      int f = c->aFeature[e];
      if (aMap[f] < 0)
        aMap[f] = pView->nFeature++;
      pView->aFeature[pView->nEntry] = aMap[f];
      pView->aSpace[pView->nEntry] = c->aSpace[e];
      pView->nEntry++;
    }
  }
  pView->aStart[c->nDoc] = pView->nEntry;
  sqlite3_free(aMap);
  int rc = clusters_corpus_is_latent(c) ? clusters_corpus_centre(pView) : SQLITE_OK;
  if (rc != SQLITE_OK)
    clusters_corpus_free(pView);
  return rc;
}

/* ---- k-means -------------------------------------------------------------- */

/* The state of one clustering. Centroids are feature-major
** (aCentroid[f * k + j]) so that a document's similarities to all k of them
** are one pass over its entries.
**
** Bounds (Elkan's, for scores): aLower[i] is at most document i's score
** with its own centroid, aUpper[i * k + j] at least its score with
** centroid j (the score: the cosine, or x.c - |c|^2 / 2 when Euclidean). A
** centroid that moves by m changes x.c by at most m * maxNorm, and |c|^2 / 2
** by its known shift (aShift), so after each update the bounds widen by
** those. A round computes a document's score with its own centroid, and
** with each other one whose upper bound comes within CLUSTERS_BOUND_SLACK of
** it, and no other: those cannot be the nearest nor tie with it. The scores
** computed are the sums kmeans_similarities() makes, so the assignments, and
** the result, are the same bit for bit as computing all k. */
typedef struct KmeansState {
  const ClustersCorpus *pCorpus;
  int k;
  double *aCentroid; /* nFeature * k */
  double *aPrevious; /* nFeature * k: the centroids before an update; 0 when
                     ** they would pass CLUSTERS_BOUND_VALUES (no bounds) */
  double *aMove;     /* k: how far each centroid moved in the last update */
  double *aLower;    /* per document, with aPrevious */
  double *aUpper;    /* per document and centroid (i * k + j), with aPrevious */
  double maxNorm;    /* the longest document vector's length */
  int isEuclidean;   /* centroids are means, scored by x.c - |c|^2 / 2 */
  double *aHalfSq;   /* k: |c|^2 / 2 of each centroid when isEuclidean, else 0 */
  double *aShift;    /* k: how much aHalfSq grew in the last update */
  double *aSimRow;   /* k: scratch */
  double *aDense;    /* nFeature: scratch, zero between uses */
  int *aAssign;      /* per document: its cluster, 0..k-1 */
  double *aSim;      /* per document: cosine with its cluster's centroid */
  int *aSize;        /* per cluster */
  sqlite3_uint64 prng;
} KmeansState;

static void kmeans_free(KmeansState *p) {
  sqlite3_free(p->aCentroid);
  sqlite3_free(p->aPrevious);
  sqlite3_free(p->aMove);
  sqlite3_free(p->aHalfSq);
  sqlite3_free(p->aShift);
  sqlite3_free(p->aLower);
  sqlite3_free(p->aUpper);
  sqlite3_free(p->aSimRow);
  sqlite3_free(p->aDense);
  sqlite3_free(p->aAssign);
  sqlite3_free(p->aSim);
  sqlite3_free(p->aSize);
  memset(p, 0, sizeof(*p));
}

static int kmeans_init(KmeansState *p, const ClustersCorpus *pCorpus, int k,
                       int isEuclidean) {
  memset(p, 0, sizeof(*p));
  p->pCorpus = pCorpus;
  p->k = k;
  p->isEuclidean = isEuclidean;
  sqlite3_uint64 nDoc = (sqlite3_uint64)pCorpus->nDoc;
  p->aCentroid =
      sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)pCorpus->nFeature * k + 1));
  p->aSimRow = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)k);
  p->aDense = sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)pCorpus->nFeature + 1));
  p->aAssign = sqlite3_malloc64(sizeof(int) * nDoc);
  p->aSim = sqlite3_malloc64(sizeof(double) * nDoc);
  p->aSize = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)k);
  p->aHalfSq = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)k);
  p->aShift = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)k);
  if (!p->aCentroid || !p->aSimRow || !p->aDense || !p->aAssign || !p->aSim ||
      !p->aSize || !p->aHalfSq || !p->aShift) {
    kmeans_free(p);
    return SQLITE_NOMEM;
  }
  memset(p->aDense, 0, sizeof(double) * (size_t)pCorpus->nFeature);
  if ((i64)pCorpus->nFeature * k > CLUSTERS_BOUND_VALUES ||
      (i64)pCorpus->nDoc * k > CLUSTERS_BOUND_VALUES)
    return SQLITE_OK;
  p->aPrevious =
      sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)pCorpus->nFeature * k + 1));
  p->aMove = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)k);
  p->aLower = sqlite3_malloc64(sizeof(double) * nDoc);
  p->aUpper = sqlite3_malloc64(sizeof(double) * nDoc * (sqlite3_uint64)k);
  if (!p->aPrevious || !p->aMove || !p->aLower || !p->aUpper) {
    kmeans_free(p);
    return SQLITE_NOMEM;
  }
  for (int i = 0; i < pCorpus->nDoc; i++) {
    double sumSquares = 0;
    for (i64 e = pCorpus->aStart[i]; e < pCorpus->aStart[i + 1]; e++)
      sumSquares += (double)pCorpus->aSpace[e] * pCorpus->aSpace[e];
    if (sqrt(sumSquares) > p->maxNorm)
      p->maxNorm = sqrt(sumSquares);
  }
  return SQLITE_OK;
}

/* A uniform number in [0, 1), exactly representable. */
static double kmeans_uniform01(sqlite3_uint64 *pState) {
  return (double)(papers_splitmix64(pState) >> 11) / 9007199254740992.0;
}

/* aSimRow[j] = document i's score with centroid j, for every j: their
** cosine (spherical), or x.c - |c|^2 / 2 (Euclidean: the larger, the nearer,
** since |x - c|^2 = |x|^2 - 2 (x.c - |c|^2 / 2)). */
static void kmeans_similarities(KmeansState *p, int i) {
  const ClustersCorpus *c = p->pCorpus;
  int k = p->k;
  for (int j = 0; j < k; j++)
    p->aSimRow[j] = 0;
  for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++) {
    double w = c->aSpace[e];
    if (w == 0)
      continue;
    assert(c->aFeature[e] >= 0 && c->aFeature[e] < c->nFeature);
    const double *aRow = p->aCentroid + (i64)c->aFeature[e] * k;
    for (int j = 0; j < k; j++)
      p->aSimRow[j] += w * aRow[j];
  }
  for (int j = 0; j < k; j++)
    p->aSimRow[j] -= p->aHalfSq[j];
}

/* Document i's score with centroid j: the same sum, in the same order, as
** kmeans_similarities() makes of aSimRow[j]. */
static double kmeans_similarity(const KmeansState *p, int i, int j) {
  const ClustersCorpus *c = p->pCorpus;
  double sim = 0;
  for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++) {
    double w = c->aSpace[e];
    if (w == 0)
      continue;
    sim += w * p->aCentroid[(i64)c->aFeature[e] * p->k + j];
  }
  return sim - p->aHalfSq[j];
}

/* Sets centroid j to document i's vector. */
static void kmeans_set_centroid(KmeansState *p, int j, int i) {
  const ClustersCorpus *c = p->pCorpus;
  for (int f = 0; f < c->nFeature; f++)
    p->aCentroid[(i64)f * p->k + j] = 0;
  for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
    p->aCentroid[(i64)c->aFeature[e] * p->k + j] = c->aSpace[e];
}

/* aOut[i] = squared distance (1 - cosine, at least 0) of every document i to
** document iCentre, through p->aDense (nFeature zeros on entry and return). */
static void kmeans_seed_distances(KmeansState *p, int iCentre, double *aOut) {
  const ClustersCorpus *c = p->pCorpus;
  for (i64 e = c->aStart[iCentre]; e < c->aStart[iCentre + 1]; e++)
    p->aDense[c->aFeature[e]] = c->aSpace[e];
  for (int i = 0; i < c->nDoc; i++) {
    double dot = 0;
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
      dot += c->aSpace[e] * p->aDense[c->aFeature[e]];
    double d = 1 - dot;
    aOut[i] = d > 0 ? d * d : 0;
  }
  for (i64 e = c->aStart[iCentre]; e < c->aStart[iCentre + 1]; e++)
    p->aDense[c->aFeature[e]] = 0;
}

/* A document drawn with probability proportional to aDist (documents in
** order); -1 when every distance is 0. */
static int kmeans_seed_draw(KmeansState *p, const double *aDist, double total) {
  int n = p->pCorpus->nDoc;
  if (!(total > 0))
    return -1;
  double r = kmeans_uniform01(&p->prng) * total, cum = 0;
  for (int i = 0; i < n; i++) {
    cum += aDist[i];
    if (aDist[i] > 0 && cum > r)
      return i;
  }
  for (int i = n - 1; i >= 0; i--) {
    if (aDist[i] > 0)
      return i; /* rounding left r at the very end */
  }
  return -1;
}

/* Greedy k-means++ (as scikit-learn's): the first centre uniformly; then,
** for each next one, CLUSTERS_SEED_TRIALS candidates drawn with probability
** proportional to the squared distance to the nearest centre so far, and the
** one leaving the smallest total kept (ties: the first drawn). aDist,
** aTrial and aKept are scratch of nDoc doubles each: aKept holds the
** distances to the best candidate so far, so they are not computed twice. */
static void kmeans_seed(KmeansState *p, double *aDist, double *aTrial, double *aKept) {
  const ClustersCorpus *c = p->pCorpus;
  int n = c->nDoc;
  int iFirst = (int)(papers_splitmix64(&p->prng) % (sqlite3_uint64)n);
  kmeans_set_centroid(p, 0, iFirst);
  kmeans_seed_distances(p, iFirst, aDist);
  double total = 0;
  for (int i = 0; i < n; i++)
    total += aDist[i];
  for (int j = 1; j < p->k; j++) {
    int iBest = -1;
    double bestTotal = 0;
    for (int t = 0; t < CLUSTERS_SEED_TRIALS; t++) {
      int iCand = kmeans_seed_draw(p, aDist, total);
      if (iCand < 0)
        break;
      double candTotal = 0;
      kmeans_seed_distances(p, iCand, aTrial);
      for (int i = 0; i < n; i++)
        candTotal += aTrial[i] < aDist[i] ? aTrial[i] : aDist[i];
      if (iBest < 0 || candTotal < bestTotal) {
        iBest = iCand;
        bestTotal = candTotal;
        double *aSwap = aKept;
        aKept = aTrial;
        aTrial = aSwap;
      }
    }
    if (iBest < 0) {
      iBest = j % n; /* every document is a centre already: duplicates */
      kmeans_seed_distances(p, iBest, aKept);
    }
    kmeans_set_centroid(p, j, iBest);
    total = 0;
    for (int i = 0; i < n; i++) {
      if (aKept[i] < aDist[i])
        aDist[i] = aKept[i];
      total += aDist[i];
    }
  }
}

/* Widens the bounds of every document by the last update's moves. */
static void kmeans_widen_bounds(KmeansState *p) {
  int k = p->k;
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    int a = p->aAssign[i];
    p->aLower[i] -= p->aMove[a] * p->maxNorm + p->aShift[a];
    for (int j = 0; j < k; j++)
      p->aUpper[(i64)i * k + j] += p->aMove[j] * p->maxNorm - p->aShift[j];
  }
}

/* Sets the bounds of document i from its cosines in aSimRow, all exact. */
static void kmeans_set_bounds(KmeansState *p, int i, int jBest) {
  p->aLower[i] = p->aSimRow[jBest];
  memcpy(p->aUpper + (i64)i * p->k, p->aSimRow, sizeof(double) * (size_t)p->k);
}

/* The nearest centroid of document i by its bounds: its own centroid's
** cosine, and the others' that may come near it, computed; the rest cannot
** be the nearest (nor tie with it). Sets the bounds and aSim[i]. */
static int kmeans_nearest_bounded(KmeansState *p, int i) {
  int k = p->k, a = p->aAssign[i];
  double *aUpper = p->aUpper + (i64)i * k;
  int isSettled = 1;
  for (int j = 0; j < k && isSettled; j++)
    isSettled = j == a || aUpper[j] < p->aLower[i] - CLUSTERS_BOUND_SLACK;
  if (isSettled)
    return a; /* aSim[i] keeps an older cosine: kmeans_update() knows */
  double sim = kmeans_similarity(p, i, a);
  int jBest = a;
  aUpper[a] = sim;
  for (int j = 0; j < k; j++) {
    if (j == a || aUpper[j] < sim - CLUSTERS_BOUND_SLACK)
      continue;
    aUpper[j] = kmeans_similarity(p, i, j);
    if (aUpper[j] > aUpper[jBest] || (aUpper[j] == aUpper[jBest] && j < jBest))
      jBest = j;
  }
  p->aLower[i] = p->aSim[i] = aUpper[jBest];
  return jBest;
}

/* Assigns every document to its most similar centroid (ties: the lower
** index), through the bounds after the first round; returns how many
** changed cluster. */
static int kmeans_assign(KmeansState *p, int isFirst) {
  int nChanged = 0;
  int hasBounds = p->aPrevious != 0 && !isFirst;
  if (hasBounds)
    kmeans_widen_bounds(p);
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    int jBest = 0;
    if (hasBounds) {
      jBest = kmeans_nearest_bounded(p, i);
    } else {
      kmeans_similarities(p, i);
      for (int j = 1; j < p->k; j++) {
        if (p->aSimRow[j] > p->aSimRow[jBest])
          jBest = j;
      }
      p->aSim[i] = p->aSimRow[jBest];
      if (p->aPrevious)
        kmeans_set_bounds(p, i, jBest);
    }
    if (isFirst || p->aAssign[i] != jBest)
      nChanged++;
    p->aAssign[i] = jBest;
  }
  return nChanged;
}

/* Sets aSim of every document to its cosine with its own centroid, for
** those the last assignment skipped. */
static void kmeans_exact_similarities(KmeansState *p) {
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    kmeans_similarities(p, i);
    p->aSim[i] = p->aSimRow[p->aAssign[i]];
  }
}

/* An emptied cluster takes the document least similar to its own centroid
** among those of clusters of two or more (ties: the first). */
static void kmeans_refill(KmeansState *p, int j) {
  assert(j >= 0 && j < p->k);
  int iWorst = -1;
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    if (p->aSize[p->aAssign[i]] < 2)
      continue;
    if (iWorst < 0 || p->aSim[i] < p->aSim[iWorst])
      iWorst = i;
  }
  if (iWorst < 0)
    return;
  p->aSize[p->aAssign[iWorst]]--;
  p->aAssign[iWorst] = j;
  p->aSize[j] = 1;
  p->aSim[iWorst] = 1;
  if (p->aPrevious)
    p->aLower[iWorst] = -HUGE_VAL; /* computed again next round */
}

/* How far centroid j moved from aPrevious (Euclidean), rounded up a little. */
static double kmeans_move(const KmeansState *p, int j) {
  double sumSquares = 0;
  for (int f = 0; f < p->pCorpus->nFeature; f++) {
    double d = p->aCentroid[(i64)f * p->k + j] - p->aPrevious[(i64)f * p->k + j];
    sumSquares += d * d;
  }
  return sqrt(sumSquares) * (1 + 1e-12);
}

/* Sets aHalfSq (and aShift, its growth) from the centroids: 0 when spherical. */
static void kmeans_half_squares(KmeansState *p) {
  for (int j = 0; j < p->k; j++) {
    double sumSquares = 0;
    for (int f = 0; p->isEuclidean && f < p->pCorpus->nFeature; f++) {
      double v = p->aCentroid[(i64)f * p->k + j];
      sumSquares += v * v;
    }
    p->aShift[j] = sumSquares / 2 - p->aHalfSq[j];
    p->aHalfSq[j] = sumSquares / 2;
  }
}

/* Centroids become the sums of their documents, summed in document order,
** then normalised (spherical) or divided by their size (Euclidean: means);
** an empty cluster is refilled first. */
static void kmeans_update(KmeansState *p) {
  const ClustersCorpus *c = p->pCorpus;
  int k = p->k;
  memset(p->aSize, 0, sizeof(int) * (size_t)k);
  for (int i = 0; i < c->nDoc; i++)
    p->aSize[p->aAssign[i]]++;
  int isExact = p->aPrevious == 0;
  for (int j = 0; j < k; j++) {
    if (p->aSize[j] == 0 && !isExact) {
      kmeans_exact_similarities(p); /* the refill ranks documents by aSim */
      isExact = 1;
    }
    if (p->aSize[j] == 0)
      kmeans_refill(p, j);
  }
  size_t nValue = (size_t)c->nFeature * (size_t)k;
  if (p->aPrevious)
    memcpy(p->aPrevious, p->aCentroid, sizeof(double) * nValue);
  memset(p->aCentroid, 0, sizeof(double) * nValue);
  for (int i = 0; i < c->nDoc; i++) {
    int j = p->aAssign[i];
    assert(j >= 0 && j < k);
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
      p->aCentroid[(i64)c->aFeature[e] * k + j] += c->aSpace[e];
  }
  for (int j = 0; j < k; j++) {
    double sumSquares = 0;
    for (int f = 0; f < c->nFeature; f++) {
      double v = p->aCentroid[(i64)f * k + j];
      sumSquares += v * v;
    }
    double norm = p->isEuclidean ? p->aSize[j] : sqrt(sumSquares);
    if (norm != 0) {
      for (int f = 0; f < c->nFeature; f++)
        p->aCentroid[(i64)f * k + j] /= norm;
    }
    if (p->aPrevious)
      p->aMove[j] = kmeans_move(p, j);
  }
  kmeans_half_squares(p);
}

/* The cosine of a document (of unit length) with centroid j, from its
** score with it. */
static double kmeans_cosine(const KmeansState *p, int j, double score) {
  if (!p->isEuclidean)
    return score;
  double norm = sqrt(2 * p->aHalfSq[j]);
  return norm > 0 ? (score + p->aHalfSq[j]) / norm : 0;
}

/* Returns the sum of the documents' scores with their own cluster's
** centroid (after a final update), the objective, and sets aSim of every
** document to its cosine with that centroid. */
static double kmeans_objective(KmeansState *p) {
  double total = 0;
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    kmeans_similarities(p, i);
    int a = p->aAssign[i];
    total += p->aSimRow[a];
    p->aSim[i] = kmeans_cosine(p, a, p->aSimRow[a]);
  }
  return total;
}

/* Seeding r (CLUSTERS_SEED + r starts its generator): the first centroids.
** aScratch: 3 * nDoc. */
static void kmeans_start(KmeansState *p, int r, double *aScratch) {
  int n = p->pCorpus->nDoc;
  p->prng = CLUSTERS_SEED + (sqlite3_uint64)r;
  kmeans_seed(p, aScratch, aScratch + n, aScratch + 2 * n);
  memset(p->aHalfSq, 0, sizeof(double) * (size_t)p->k);
  kmeans_half_squares(p);
}

/* Up to nRound rounds of assignment and update, the first assigning every
** document afresh (bounds unset); stops early when no document moves. */
static void kmeans_rounds(KmeansState *p, int nRound) {
  for (int iter = 0; iter < nRound; iter++) {
    if (kmeans_assign(p, iter == 0) == 0)
      break;
    kmeans_update(p);
  }
}

/* The final update; returns the objective (kmeans_objective). */
static double kmeans_finish(KmeansState *p) {
  kmeans_update(p);
  return kmeans_objective(p);
}

/* The best assignment seen, its cosines and its seeding. */
typedef struct KmeansBest {
  int iSeeding; /* -1 until one is kept */
  double objective;
  int *aAssign;
  double *aSim;
} KmeansBest;

/* Keeps p's assignment (of seeding r) in pBest when its objective is larger
** (ties: the first kept, the lower seeding). */
static void kmeans_offer_best(const KmeansState *p, int r, double objective,
                              KmeansBest *pBest) {
  if (pBest->iSeeding >= 0 && !(objective > pBest->objective))
    return;
  pBest->iSeeding = r;
  pBest->objective = objective;
  memcpy(pBest->aAssign, p->aAssign, sizeof(int) * (size_t)p->pCorpus->nDoc);
  memcpy(pBest->aSim, p->aSim, sizeof(double) * (size_t)p->pCorpus->nDoc);
}

/* One of the two halves of the seedings (iFirst, iFirst + 2, ... below
** nSeeding), each with its own state: the halves share nothing but the
** corpus they read, so the second runs on another thread where there is
** one (papers_side_start) without changing a bit of the result. */
typedef struct KmeansHalf {
  KmeansState km;
  double *aScratch; /* 3 * nDoc */
  KmeansBest best;
  int iFirst, nSeeding;
} KmeansHalf;

static void kmeans_half_run(void *pArg) {
  KmeansHalf *p = pArg;
  for (int r = p->iFirst; r < p->nSeeding; r += 2) {
    kmeans_start(&p->km, r, p->aScratch);
    kmeans_rounds(&p->km, CLUSTERS_ITERATIONS);
    kmeans_offer_best(&p->km, r, kmeans_finish(&p->km), &p->best);
  }
}

static void kmeans_half_free(KmeansHalf *p) {
  kmeans_free(&p->km);
  sqlite3_free(p->aScratch);
}

/* Allocates a half; aAssign and aSim (nDoc each) receive its best. */
static int kmeans_half_init(KmeansHalf *p, const ClustersCorpus *pCorpus, int k,
                            int isEuclidean, int iFirst, int nSeeding, int *aAssign,
                            double *aSim) {
  memset(p, 0, sizeof(*p));
  KmeansBest none = {-1, 0, aAssign, aSim};
  p->best = none;
  p->iFirst = iFirst;
  p->nSeeding = nSeeding;
  int rc = kmeans_init(&p->km, pCorpus, k, isEuclidean);
  if (rc != SQLITE_OK)
    return rc;
  p->aScratch = sqlite3_malloc64(sizeof(double) * 3 * (sqlite3_uint64)pCorpus->nDoc);
  if (p->aScratch == 0) {
    kmeans_half_free(p);
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* The number of seedings for the space, within CLUSTERS_WORK. */
static int kmeans_seedings(const ClustersCorpus *pCorpus, int k, ClustersSpace space) {
  i64 nSeeding = CLUSTERS_WORK / (pCorpus->nEntry * k + 1);
  int nMax = space == CLUSTERS_SPACE_SMOOTHED ? CLUSTERS_RESTARTS_SMOOTHED
             : space == CLUSTERS_SPACE_LATENT ? CLUSTERS_RESTARTS_LATENT
                                              : CLUSTERS_RESTARTS;
  return nSeeding < 1 ? 1 : nSeeding > nMax ? nMax : (int)nSeeding;
}

/* Clusters the corpus into k; aBest (nDoc) receives the best assignment of
** the seedings tried, aBestSim the cosines that go with it. The even
** seedings run here, the odd ones on a second thread where there is one;
** the better half's best is kept (ties: the lower seeding), the assignment
** one thread running them all in order would keep. */
int clusters_kmeans_best(const ClustersCorpus *pCorpus, int k, ClustersSpace space,
                         int *aBest, double *aBestSim) {
  int nSeeding = kmeans_seedings(pCorpus, k, space);
  int isEuclidean = space == CLUSTERS_SPACE_SMOOTHED;
  sqlite3_uint64 nDoc = (sqlite3_uint64)pCorpus->nDoc;
  int *aOddAssign = sqlite3_malloc64(sizeof(int) * nDoc + 1);
  double *aOddSim = sqlite3_malloc64(sizeof(double) * nDoc + 1);
  KmeansHalf even, odd;
  memset(&odd, 0, sizeof(odd));
  int rc = aOddAssign && aOddSim ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = kmeans_half_init(&even, pCorpus, k, isEuclidean, 0, nSeeding, aBest, aBestSim);
  if (rc == SQLITE_OK) {
    rc =
        kmeans_half_init(&odd, pCorpus, k, isEuclidean, 1, nSeeding, aOddAssign, aOddSim);
    if (rc != SQLITE_OK)
      kmeans_half_free(&even);
  }
  if (rc == SQLITE_OK) {
    PapersSide side;
    papers_side_start(&side, kmeans_half_run, &odd, nSeeding > 1);
    kmeans_half_run(&even);
    papers_side_join(&side);
    assert(even.best.iSeeding >= 0);
    if (odd.best.iSeeding >= 0 && (odd.best.objective > even.best.objective ||
                                   (odd.best.objective == even.best.objective &&
                                    odd.best.iSeeding < even.best.iSeeding))) {
      memcpy(aBest, aOddAssign, sizeof(int) * nDoc);
      memcpy(aBestSim, aOddSim, sizeof(double) * nDoc);
    }
    kmeans_half_free(&even);
    kmeans_half_free(&odd);
  }
  sqlite3_free(aOddAssign);
  sqlite3_free(aOddSim);
  return rc;
}
