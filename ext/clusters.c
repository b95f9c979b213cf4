/*
** clusters.c: papers_clusters, the topics of a set of papers.
**
**   papers_clusters(index [, rowids [, k]])
**
** behaves as if declared
**
**   CREATE TABLE papers_clusters(rowid INTEGER, cluster INTEGER, label TEXT,
**                                size INTEGER, centrality REAL,
**                                index_name HIDDEN, rowids HIDDEN, k HIDDEN);
**
** Contract (docs/papers_clusters.md is the user's version):
**   - index names a papers_index table ("name" or "schema.name"); NULL gives
**     no rows. rowids is NULL (every document of the index) or a JSON array
**     of integers (rowids absent from the index are ignored, duplicates
**     count once). k is an integer from 1 to 1000, reduced to the number of
**     papers; NULL (or absent) chooses round(sqrt(n / 2)) clamped to
**     [2, 20]. An empty set gives no rows.
**   - One row per paper: its cluster (1..n, largest first; equal sizes: the
**     cluster holding the smallest rowid first), the cluster's label and
**     size, and its centrality: the cosine of the paper's vector and its
**     cluster's mean direction. Rows come by cluster, centrality descending,
**     rowid ascending.
**   - The clustering: spherical k-means (cosine) over the documents'
**     stored vectors: their latent dimensions alone when the index has a
**     latent part (CLUSTERS_LATENT_SHARE), else their word terms held by at
**     least two papers of the set; each renormalised. Seeding by greedy
**     k-means++ (CLUSTERS_SEED_TRIALS candidates a step) from a fixed-seed
**     SplitMix64; up to CLUSTERS_RESTARTS seedings, as many as about
**     CLUSTERS_WORK multiply-adds a round allow (so small sets get many,
**     100,000 papers five at k = 20), keeping the largest total similarity; at most
**     CLUSTERS_ITERATIONS rounds each. Documents are visited in rowid
**     order, sums run in a fixed order, ties go to the lower index: the
**     same clusters, bit for bit, on every machine.
**   - The label: class-based TF-IDF. A word term t scores
**     tf_c(t) * ln(1 + A / df(t)) in cluster c, where tf_c sums the term's
**     stored weights over the cluster's papers, df counts the set's papers
**     holding it, and A = n / clusters is the mean cluster size; terms held
**     by one paper of the cluster only are left out (unless it is the only
**     one). The CLUSTERS_LABEL_TERMS best, in the index vocabulary's
**     readable form, joined by ", ": a term whose words are all in a term
**     chosen already is skipped, and a phrase replaces the chosen words it
**     holds ("information bottleneck" rather than "bottleneck").
**   - Errors: the index argument missing, no such papers_index, rowids not
**     a JSON array of integers, k not an integer from 1 to 1000, k so large
**     that the centres (k * terms doubles) would pass 512 MiB; a stored vector
**     that does not decode is SQLITE_CORRUPT_VTAB. A cluster whose papers
**     share no word term has a NULL label.
*/
#include "topic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLUSTERS_MAX_K    1000
#define CLUSTERS_AUTO_MIN 2
#define CLUSTERS_AUTO_MAX 20
#ifndef CLUSTERS_RESTARTS
#define CLUSTERS_RESTARTS 8 /* k-means++ seedings tried, at most */
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
#define CLUSTERS_MAX_CENTRE_VALUES (1LL << 26) /* k * terms: 512 MiB of centres */
#define CLUSTERS_LABEL_TERMS       4
#define CLUSTERS_CANDIDATES        24 /* best-scoring terms looked at for a label */
#ifndef CLUSTERS_SEED
#define CLUSTERS_SEED 0x70617065727321ULL
#endif

enum { CL_ROWID, CL_CLUSTER, CL_LABEL, CL_SIZE, CL_CENTRALITY, CL_N_OUTPUT };
#define CL_N_ARG 3

static const char zClustersSchema[] =
    "CREATE TABLE x(rowid INTEGER, cluster INTEGER, label TEXT, size INTEGER,"
    " centrality REAL, index_name HIDDEN, rowids HIDDEN, k HIDDEN)";

/* ---- the set of documents -------------------------------------------------- */

/* The documents in compressed rows, in rowid order. Entry e of document i
** (aStart[i] <= e < aStart[i + 1]) is feature aFeature[e]; aWord[e] is its
** weight as stored, aSpace[e] its weight in the clustering space (0 for a
** feature the space leaves out), each document's aSpace of unit length.
** Features are dense indexes of term ids (aId), in order of first sight. */
typedef struct Corpus {
  int nDoc;
  i64 *aRowid;
  i64 *aStart;
  int *aFeature;
  float *aWord;
  float *aSpace;
  i64 nEntry, nEntryAlloc;
  int nFeature, nFeatureAlloc;
  sqlite3_uint64 *aId; /* per feature */
  int *aDf;            /* per feature: documents of the set holding it */
} Corpus;

static void corpus_free(Corpus *p) {
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
static int corpus_reserve(Corpus *p, i64 nNeed) {
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
static int corpus_reserve_doc(Corpus *p, int iDoc, int *pnAlloc) {
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
static int corpus_new_feature(Corpus *p, sqlite3_uint64 id) {
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
static int corpus_add(Corpus *p, PapersIdMap *pMap, i64 iRowid, const PapersVector *pVec,
                      int *pnDocAlloc) {
  int rc = corpus_reserve_doc(p, p->nDoc, pnDocAlloc);
  if (rc == SQLITE_OK)
    rc = corpus_reserve(p, p->nEntry + pVec->nTerm);
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
    if (isNew && (rc = corpus_new_feature(p, pVec->aId[i])) != SQLITE_OK)
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
static void corpus_space(Corpus *p, int i, double share) {
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
static int corpus_compact(Corpus *p) {
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
    corpus_space(p, i, hasLatent ? CLUSTERS_LATENT_SHARE : 0);
  return SQLITE_OK;
}

/* Makes pView the clustering space of c alone: per document, its entries of
** non-zero weight in the space (aSpace), features renumbered densely in
** order of first sight; aRowid, aWord, aId and aDf are left out. */
static int corpus_view(const Corpus *c, Corpus *pView) {
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
    corpus_free(pView);
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
  return SQLITE_OK;
}

/* ---- spherical k-means ------------------------------------------------------ */

/* The state of one clustering. Centroids are feature-major
** (aCentroid[f * k + j]) so that a document's similarities to all k of them
** are one pass over its entries. */
typedef struct Kmeans {
  const Corpus *pCorpus;
  int k;
  double *aCentroid; /* nFeature * k */
  double *aSimRow;   /* k: scratch */
  double *aDense;    /* nFeature: scratch, zero between uses */
  int *aAssign;      /* per document: its cluster, 0..k-1 */
  double *aSim;      /* per document: cosine with its cluster's centroid */
  int *aSize;        /* per cluster */
  sqlite3_uint64 prng;
} Kmeans;

static void kmeans_free(Kmeans *p) {
  sqlite3_free(p->aCentroid);
  sqlite3_free(p->aSimRow);
  sqlite3_free(p->aDense);
  sqlite3_free(p->aAssign);
  sqlite3_free(p->aSim);
  sqlite3_free(p->aSize);
  memset(p, 0, sizeof(*p));
}

static int kmeans_init(Kmeans *p, const Corpus *pCorpus, int k) {
  memset(p, 0, sizeof(*p));
  p->pCorpus = pCorpus;
  p->k = k;
  sqlite3_uint64 nDoc = (sqlite3_uint64)pCorpus->nDoc;
  p->aCentroid =
      sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)pCorpus->nFeature * k + 1));
  p->aSimRow = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)k);
  p->aDense = sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)pCorpus->nFeature + 1));
  p->aAssign = sqlite3_malloc64(sizeof(int) * nDoc);
  p->aSim = sqlite3_malloc64(sizeof(double) * nDoc);
  p->aSize = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)k);
  if (!p->aCentroid || !p->aSimRow || !p->aDense || !p->aAssign || !p->aSim ||
      !p->aSize) {
    kmeans_free(p);
    return SQLITE_NOMEM;
  }
  memset(p->aDense, 0, sizeof(double) * (size_t)pCorpus->nFeature);
  return SQLITE_OK;
}

/* A uniform number in [0, 1), exactly representable. */
static double uniform01(sqlite3_uint64 *pState) {
  return (double)(papers_splitmix64(pState) >> 11) / 9007199254740992.0;
}

/* aSimRow[j] = cosine of document i with centroid j, for every j. */
static void kmeans_similarities(Kmeans *p, int i) {
  const Corpus *c = p->pCorpus;
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
}

/* Sets centroid j to document i's vector. */
static void kmeans_set_centroid(Kmeans *p, int j, int i) {
  const Corpus *c = p->pCorpus;
  for (int f = 0; f < c->nFeature; f++)
    p->aCentroid[(i64)f * p->k + j] = 0;
  for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
    p->aCentroid[(i64)c->aFeature[e] * p->k + j] = c->aSpace[e];
}

/* aOut[i] = squared distance (1 - cosine, at least 0) of every document i to
** document iCentre, through p->aDense (nFeature zeros on entry and return). */
static void seed_distances(Kmeans *p, int iCentre, double *aOut) {
  const Corpus *c = p->pCorpus;
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
static int seed_draw(Kmeans *p, const double *aDist, double total) {
  int n = p->pCorpus->nDoc;
  if (!(total > 0))
    return -1;
  double r = uniform01(&p->prng) * total, cum = 0;
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
** one leaving the smallest total kept (ties: the first drawn). aDist and
** aTrial are scratch of nDoc doubles each. */
static void kmeans_seed(Kmeans *p, double *aDist, double *aTrial) {
  const Corpus *c = p->pCorpus;
  int n = c->nDoc;
  int iFirst = (int)(papers_splitmix64(&p->prng) % (sqlite3_uint64)n);
  kmeans_set_centroid(p, 0, iFirst);
  seed_distances(p, iFirst, aDist);
  double total = 0;
  for (int i = 0; i < n; i++)
    total += aDist[i];
  for (int j = 1; j < p->k; j++) {
    int iBest = -1;
    double bestTotal = 0;
    for (int t = 0; t < CLUSTERS_SEED_TRIALS; t++) {
      int iCand = seed_draw(p, aDist, total);
      if (iCand < 0)
        break;
      double candTotal = 0;
      seed_distances(p, iCand, aTrial);
      for (int i = 0; i < n; i++)
        candTotal += aTrial[i] < aDist[i] ? aTrial[i] : aDist[i];
      if (iBest < 0 || candTotal < bestTotal) {
        iBest = iCand;
        bestTotal = candTotal;
      }
    }
    if (iBest < 0)
      iBest = j % n; /* every document is a centre already: duplicates */
    kmeans_set_centroid(p, j, iBest);
    seed_distances(p, iBest, aTrial);
    total = 0;
    for (int i = 0; i < n; i++) {
      if (aTrial[i] < aDist[i])
        aDist[i] = aTrial[i];
      total += aDist[i];
    }
  }
}

/* Assigns every document to its most similar centroid (ties: the lower
** index); returns how many changed cluster. */
static int kmeans_assign(Kmeans *p, int isFirst) {
  int nChanged = 0;
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    kmeans_similarities(p, i);
    int jBest = 0;
    for (int j = 1; j < p->k; j++) {
      if (p->aSimRow[j] > p->aSimRow[jBest])
        jBest = j;
    }
    if (isFirst || p->aAssign[i] != jBest)
      nChanged++;
    p->aAssign[i] = jBest;
    p->aSim[i] = p->aSimRow[jBest];
  }
  return nChanged;
}

/* An emptied cluster takes the document least similar to its own centroid
** among those of clusters of two or more (ties: the first). */
static void kmeans_refill(Kmeans *p, int j) {
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
}

/* Centroids become the normalised sums of their documents, summed in
** document order; an empty cluster is refilled first. */
static void kmeans_update(Kmeans *p) {
  const Corpus *c = p->pCorpus;
  int k = p->k;
  memset(p->aSize, 0, sizeof(int) * (size_t)k);
  for (int i = 0; i < c->nDoc; i++)
    p->aSize[p->aAssign[i]]++;
  for (int j = 0; j < k; j++) {
    if (p->aSize[j] == 0)
      kmeans_refill(p, j);
  }
  memset(p->aCentroid, 0, sizeof(double) * (size_t)c->nFeature * (size_t)k);
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
    double norm = sqrt(sumSquares);
    if (norm == 0)
      continue;
    for (int f = 0; f < c->nFeature; f++)
      p->aCentroid[(i64)f * k + j] /= norm;
  }
}

/* Sets aSim of every document to its cosine with its own cluster's centroid
** (after a final update) and returns their sum, the objective. */
static double kmeans_objective(Kmeans *p) {
  double total = 0;
  for (int i = 0; i < p->pCorpus->nDoc; i++) {
    kmeans_similarities(p, i);
    p->aSim[i] = p->aSimRow[p->aAssign[i]];
    total += p->aSim[i];
  }
  return total;
}

/* One seeding and its iterations; returns the objective. aScratch: 2 * nDoc. */
static double kmeans_run(Kmeans *p, double *aScratch) {
  kmeans_seed(p, aScratch, aScratch + p->pCorpus->nDoc);
  for (int iter = 0; iter < CLUSTERS_ITERATIONS; iter++) {
    int nChanged = kmeans_assign(p, iter == 0);
    if (nChanged == 0)
      break;
    kmeans_update(p);
  }
  kmeans_update(p);
  return kmeans_objective(p);
}

/* Clusters the corpus into k; aBest (nDoc) receives the best assignment of
** the seedings tried, aBestSim the cosines that go with it. */
static int kmeans_best(const Corpus *pCorpus, int k, int *aBest, double *aBestSim) {
  Kmeans km;
  int rc = kmeans_init(&km, pCorpus, k);
  if (rc != SQLITE_OK)
    return rc;
  double *aScratch = sqlite3_malloc64(sizeof(double) * 2 * (sqlite3_uint64)pCorpus->nDoc);
  if (aScratch == 0) {
    kmeans_free(&km);
    return SQLITE_NOMEM;
  }
  double best = 0;
  i64 nRestart = CLUSTERS_WORK / (pCorpus->nEntry * k + 1);
  if (nRestart < 1)
    nRestart = 1;
  if (nRestart > CLUSTERS_RESTARTS)
    nRestart = CLUSTERS_RESTARTS;
  for (int r = 0; r < nRestart; r++) {
    km.prng = CLUSTERS_SEED + (sqlite3_uint64)r;
    double objective = kmeans_run(&km, aScratch);
    if (r == 0 || objective > best) {
      best = objective;
      memcpy(aBest, km.aAssign, sizeof(int) * (size_t)pCorpus->nDoc);
      memcpy(aBestSim, km.aSim, sizeof(double) * (size_t)pCorpus->nDoc);
    }
  }
  sqlite3_free(aScratch);
  kmeans_free(&km);
  return SQLITE_OK;
}

/* ---- labels ------------------------------------------------------------------- */

/* A candidate label term of one cluster. */
typedef struct ClustersCandidate {
  int iFeature;
  double score;
} ClustersCandidate;

static int clusters_compare_candidates(const void *pA, const void *pB) {
  const ClustersCandidate *a = pA, *b = pB;
  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return a->iFeature - b->iFeature;
}

static char fold_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* True when every word of zA (words split on spaces and hyphens, compared
** without ASCII case) is a word of zB. */
static int words_within(const char *zA, const char *zB) {
  const char *z = zA;
  while (*z) {
    while (*z == ' ' || *z == '-')
      z++;
    if (*z == 0)
      break;
    int n = 0;
    while (z[n] && z[n] != ' ' && z[n] != '-')
      n++;
    int isFound = 0;
    const char *w = zB;
    while (*w && !isFound) {
      while (*w == ' ' || *w == '-')
        w++;
      int m = 0;
      while (w[m] && w[m] != ' ' && w[m] != '-')
        m++;
      if (m == n) {
        int i = 0;
        while (i < n && fold_ascii(z[i]) == fold_ascii(w[i]))
          i++;
        isFound = i == n;
      }
      w += m;
    }
    if (!isFound)
      return 0;
    z += n;
  }
  return 1;
}

/* Adds a readable term to the chosen ones (azChosen, *pnChosen), taking
** ownership of zTerm: skipped when its words are within a chosen term,
** replacing the chosen terms whose words are all within it. */
static void label_choose(char **azChosen, int *pnChosen, char *zTerm) {
  for (int i = 0; i < *pnChosen; i++) {
    if (words_within(zTerm, azChosen[i])) {
      sqlite3_free(zTerm);
      return;
    }
  }
  int iSlot = -1, n = 0;
  for (int i = 0; i < *pnChosen; i++) {
    if (words_within(azChosen[i], zTerm)) {
      if (iSlot < 0) {
        iSlot = n;
      }
      sqlite3_free(azChosen[i]);
      continue;
    }
    azChosen[n++] = azChosen[i];
  }
  if (iSlot < 0) {
    azChosen[n++] = zTerm;
  } else {
    memmove(azChosen + iSlot + 1, azChosen + iSlot, sizeof(char *) * (size_t)(n - iSlot));
    azChosen[iSlot] = zTerm;
    n++;
  }
  *pnChosen = n;
}

/* The label of the cluster whose documents are aDoc[0..nDoc), out of nSet
** documents in nCluster clusters. aCount and aTf are scratch of nFeature
** values, zero on entry and on return. */
static int cluster_label(const Corpus *c, PapersStats *pStats, const int *aDoc, int nDoc,
                         int nCluster, int *aCount, double *aTf, char **pzLabel) {
  int rc = SQLITE_OK;
  ClustersCandidate *aCand = 0;
  int nCand = 0, nChosen = 0;
  char *azChosen[CLUSTERS_LABEL_TERMS + 1];
  for (int d = 0; d < nDoc; d++) {
    for (i64 e = c->aStart[aDoc[d]]; e < c->aStart[aDoc[d] + 1]; e++) {
      aCount[c->aFeature[e]]++;
      aTf[c->aFeature[e]] += c->aWord[e];
    }
  }
  aCand = sqlite3_malloc64(sizeof(ClustersCandidate) * (sqlite3_uint64)(c->nFeature + 1));
  if (aCand == 0)
    rc = SQLITE_NOMEM;
  double meanSize = (double)c->nDoc / nCluster;
  int minCount = nDoc > 1 ? 2 : 1;
  for (int f = 0; f < c->nFeature; f++) {
    if (aCand && aCount[f] >= minCount && !papers_is_latent_id(c->aId[f])) {
      aCand[nCand].iFeature = f;
      aCand[nCand].score = aTf[f] * papers_ln(1 + meanSize / c->aDf[f]);
      nCand++;
    }
    aCount[f] = 0;
    aTf[f] = 0;
  }
  if (rc == SQLITE_OK)
    qsort(aCand, (size_t)nCand, sizeof(ClustersCandidate), clusters_compare_candidates);
  for (int i = 0; rc == SQLITE_OK && i < nCand && i < CLUSTERS_CANDIDATES; i++) {
    if (nChosen == CLUSTERS_LABEL_TERMS)
      break;
    const char *z = 0;
    int n = 0;
    rc = papers_stats_surface(pStats, c->aId[aCand[i].iFeature], &z, &n);
    if (rc != SQLITE_OK || z == 0)
      continue;
    char *zTerm = sqlite3_mprintf("%.*s", n, z);
    if (zTerm == 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    label_choose(azChosen, &nChosen, zTerm);
  }
  sqlite3_str *pStr = sqlite3_str_new(0);
  for (int i = 0; i < nChosen; i++) {
    sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", azChosen[i]);
    sqlite3_free(azChosen[i]);
  }
  sqlite3_free(aCand);
  char *zLabel = sqlite3_str_finish(pStr);
  if (rc == SQLITE_OK && zLabel == 0)
    rc = nChosen ? SQLITE_NOMEM : SQLITE_OK;
  if (rc != SQLITE_OK) {
    sqlite3_free(zLabel);
    return rc;
  }
  *pzLabel = zLabel;
  return SQLITE_OK;
}

/* ---- the table-valued function -------------------------------------------- */

/* One output row. */
typedef struct ClusterRow {
  i64 iRowid;
  int iCluster; /* 1-based, in output numbering */
  double centrality;
} ClusterRow;

typedef struct ClustersTable {
  sqlite3_vtab base;
  PapersConn *pConn;
} ClustersTable;

typedef struct ClustersCursor {
  sqlite3_vtab_cursor base;
  sqlite3_value *apArg[CL_N_ARG];
  ClusterRow *aRow;
  int nRow, iRow;
  char **azLabel; /* per cluster (0-based) */
  int *aSize;     /* per cluster */
  int nCluster;
} ClustersCursor;

static int clusters_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                            sqlite3_vtab **ppVtab, char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  int rc = sqlite3_declare_vtab(db, zClustersSchema);
  if (rc != SQLITE_OK)
    return rc;
  ClustersTable *pTab = sqlite3_malloc64(sizeof(*pTab));
  if (pTab == 0)
    return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->pConn = pAux;
  *ppVtab = &pTab->base;
  return SQLITE_OK;
}

static int clusters_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int clusters_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  return papers_tvf_best_index(pInfo, CL_N_OUTPUT, CL_N_ARG);
}

static int clusters_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  (void)pVtab;
  ClustersCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static void clusters_cursor_reset(ClustersCursor *pCur) {
  for (int j = 0; j < pCur->nCluster; j++)
    sqlite3_free(pCur->azLabel ? pCur->azLabel[j] : 0);
  sqlite3_free(pCur->azLabel);
  sqlite3_free(pCur->aSize);
  sqlite3_free(pCur->aRow);
  pCur->azLabel = 0;
  pCur->aSize = 0;
  pCur->aRow = 0;
  pCur->nRow = pCur->iRow = pCur->nCluster = 0;
}

static int clusters_close(sqlite3_vtab_cursor *pCursor) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  clusters_cursor_reset(pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* Reads k: 0 for automatic (NULL or absent), else an integer 1..CLUSTERS_MAX_K. */
static int read_k(ClustersTable *pTab, sqlite3_value *pK, int *pk) {
  return papers_tvf_count_arg(&pTab->base, "papers_clusters", pK, 0, CLUSTERS_MAX_K, pk);
}

/* Skips JSON white space. */
static const char *skip_json_space(const char *z, const char *zEnd) {
  while (z < zEnd && (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r'))
    z++;
  return z;
}

/* True when z[0..n) is a JSON array of integers (each fits in 64 bits).
** Checked here rather than with json_valid(), which answers 0, not an
** error, when it runs out of memory. */
static int is_integer_array(const char *z, i64 n) {
  const char *zEnd = z + n;
  z = skip_json_space(z, zEnd);
  if (z == zEnd || *z++ != '[')
    return 0;
  z = skip_json_space(z, zEnd);
  if (z < zEnd && *z == ']')
    return skip_json_space(z + 1, zEnd) == zEnd;
  for (;;) {
    const char *zDigits = z < zEnd && *z == '-' ? z + 1 : z;
    const char *zNumEnd = zDigits;
    while (zNumEnd < zEnd && *zNumEnd >= '0' && *zNumEnd <= '9')
      zNumEnd++;
    i64 nDigits = zNumEnd - zDigits;
    const char *zMax = zDigits > z ? "9223372036854775808" : "9223372036854775807";
    if (nDigits == 0 || nDigits > 19 || (nDigits > 1 && *zDigits == '0'))
      return 0; /* no number, too many digits, or a leading 0 */
    if (nDigits == 19 && memcmp(zDigits, zMax, 19) > 0)
      return 0; /* beyond 64 bits */
    z = skip_json_space(zNumEnd, zEnd);
    if (z < zEnd && *z == ',') {
      z = skip_json_space(z + 1, zEnd);
      continue;
    }
    return z < zEnd && *z == ']' && skip_json_space(z + 1, zEnd) == zEnd;
  }
}

/* Checks that rowids is a JSON array of integers. */
static int check_rowids(ClustersTable *pTab, sqlite3_value *pRowids) {
  const char *zRowids = (const char *)sqlite3_value_text(pRowids);
  if (zRowids == 0)
    return SQLITE_NOMEM;
  if (sqlite3_value_type(pRowids) == SQLITE_TEXT &&
      is_integer_array(zRowids, sqlite3_value_bytes(pRowids)))
    return SQLITE_OK;
  return topic_vtab_error(
      &pTab->base, sqlite3_mprintf("papers_clusters: rowids must be a JSON array of"
                                   " integers, got '%.60s'",
                                   zRowids));
}

/* The statement over the documents of the index (all, or those of rowids). */
static int docs_statement(sqlite3 *db, const char *zIndex, sqlite3_value *pRowids,
                          sqlite3_stmt **ppStmt) {
  const char *zDot = strchr(zIndex, '.');
  int nDb = zDot ? (int)(zDot - zIndex) : 4;
  char *zDb = sqlite3_mprintf("%.*s", nDb, zDot ? zIndex : "main");
  char *zSql = zDb == 0 ? 0
                        : sqlite3_mprintf("SELECT id, vector FROM \"%w\".\"%w_docs\"%s"
                                          " ORDER BY id",
                                          zDb, zDot ? zDot + 1 : zIndex,
                                          pRowids ? " WHERE id IN (SELECT value FROM"
                                                    " json_each(?1))"
                                                  : "");
  sqlite3_free(zDb);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK && pRowids)
    rc = sqlite3_bind_value(*ppStmt, 1, pRowids);
  return rc;
}

/* Reads the documents of the index (all, or those of pRowids) into pCorpus. */
static int load_corpus(ClustersTable *pTab, const char *zIndex, sqlite3_value *pRowids,
                       Corpus *pCorpus) {
  sqlite3_stmt *pStmt = 0;
  PapersIdMap *pMap = papers_idmap_new();
  int nDocAlloc = 0;
  int rc = pMap ? docs_statement(papers_conn_db(pTab->pConn), zIndex, pRowids, &pStmt)
                : SQLITE_NOMEM;
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    PapersVector vec;
    const char *zProblem = 0;
    rc = papers_vector_decode(sqlite3_column_blob(pStmt, 1),
                              sqlite3_column_bytes(pStmt, 1), &vec, &zProblem);
    if (rc == SQLITE_ERROR) {
      rc = topic_vtab_error(
          &pTab->base, sqlite3_mprintf("papers_clusters: the vector of document %lld"
                                       " in '%s' is corrupt: %s",
                                       sqlite3_column_int64(pStmt, 0), zIndex, zProblem));
      rc = rc == SQLITE_ERROR ? SQLITE_CORRUPT_VTAB : rc;
      break;
    }
    if (rc == SQLITE_OK)
      rc = corpus_add(pCorpus, pMap, sqlite3_column_int64(pStmt, 0), &vec, &nDocAlloc);
    papers_vector_free(&vec);
  }
  if (pStmt) {
    int rc2 = sqlite3_finalize(pStmt);
    if (rc == SQLITE_OK)
      rc = rc2;
  }
  papers_idmap_free(pMap);
  if (rc == SQLITE_OK && pCorpus->nDoc > 0)
    rc = corpus_compact(pCorpus);
  return rc;
}

/* The automatic number of clusters: round(sqrt(n / 2)) within [2, 20]. */
static int auto_k(int nDoc) {
  int k = (int)(sqrt(nDoc / 2.0) + 0.5);
  if (k < CLUSTERS_AUTO_MIN)
    k = CLUSTERS_AUTO_MIN;
  if (k > CLUSTERS_AUTO_MAX)
    k = CLUSTERS_AUTO_MAX;
  return k;
}

/* Cluster order: size descending, then smallest document (aFirst). */
typedef struct ClusterOrder {
  int j, size, iFirst;
} ClusterOrder;

static int compare_cluster_order(const void *pA, const void *pB) {
  const ClusterOrder *a = pA, *b = pB;
  if (a->size != b->size)
    return a->size > b->size ? -1 : 1;
  return a->iFirst - b->iFirst;
}

static int clusters_compare_rows(const void *pA, const void *pB) {
  const ClusterRow *a = pA, *b = pB;
  if (a->iCluster != b->iCluster)
    return a->iCluster - b->iCluster;
  if (a->centrality != b->centrality)
    return a->centrality > b->centrality ? -1 : 1;
  return (a->iRowid > b->iRowid) - (a->iRowid < b->iRowid);
}

/* Numbers the non-empty clusters of aAssign (k of them at most) by size;
** aNumber[j] becomes cluster j's 0-based output number; returns how many. */
static int number_clusters(const int *aAssign, int nDoc, int k, int *aNumber,
                           ClusterOrder *aOrder) {
  for (int j = 0; j < k; j++) {
    aOrder[j].j = j;
    aOrder[j].size = 0;
    aOrder[j].iFirst = nDoc;
  }
  for (int i = 0; i < nDoc; i++) {
    ClusterOrder *o = &aOrder[aAssign[i]];
    if (o->size++ == 0)
      o->iFirst = i;
  }
  qsort(aOrder, (size_t)k, sizeof(ClusterOrder), compare_cluster_order);
  int nCluster = 0;
  for (int j = 0; j < k; j++) {
    aNumber[aOrder[j].j] = aOrder[j].size ? nCluster++ : -1;
  }
  return nCluster;
}

/* Builds the cursor's rows and labels from a clustering of the corpus. */
static int build_rows(ClustersCursor *pCur, const Corpus *c, PapersStats *pStats,
                      const int *aAssign, const double *aSim, int k) {
  int rc = SQLITE_OK;
  int *aNumber = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)k);
  ClusterOrder *aOrder = sqlite3_malloc64(sizeof(ClusterOrder) * (sqlite3_uint64)k);
  int *aDoc = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)c->nDoc);
  int *aCount = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(c->nFeature + 1));
  double *aTf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(c->nFeature + 1));
  pCur->aRow = sqlite3_malloc64(sizeof(ClusterRow) * (sqlite3_uint64)c->nDoc);
  if (!aNumber || !aOrder || !aDoc || !aCount || !aTf || !pCur->aRow)
    rc = SQLITE_NOMEM;
  int nCluster = 0;
  if (rc == SQLITE_OK) {
    nCluster = number_clusters(aAssign, c->nDoc, k, aNumber, aOrder);
    pCur->azLabel = sqlite3_malloc64(sizeof(char *) * (sqlite3_uint64)nCluster);
    pCur->aSize = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)nCluster);
    if (pCur->azLabel == 0 || pCur->aSize == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    memset(pCur->azLabel, 0, sizeof(char *) * (size_t)nCluster);
    memset(aCount, 0, sizeof(int) * (size_t)c->nFeature);
    memset(aTf, 0, sizeof(double) * (size_t)c->nFeature);
    pCur->nCluster = nCluster;
  }
  for (int o = 0; rc == SQLITE_OK && o < nCluster; o++) {
    int nDoc = 0;
    for (int i = 0; i < c->nDoc; i++) {
      if (aNumber[aAssign[i]] == o)
        aDoc[nDoc++] = i;
    }
    pCur->aSize[o] = nDoc;
    rc = cluster_label(c, pStats, aDoc, nDoc, nCluster, aCount, aTf, &pCur->azLabel[o]);
  }
  for (int i = 0; rc == SQLITE_OK && i < c->nDoc; i++) {
    pCur->aRow[i].iRowid = c->aRowid[i];
    pCur->aRow[i].iCluster = aNumber[aAssign[i]] + 1;
    /* float32 weights may put a cosine a hair outside [-1, 1] */
    pCur->aRow[i].centrality = aSim[i] > 1 ? 1 : aSim[i] < -1 ? -1 : aSim[i];
  }
  if (rc == SQLITE_OK) {
    pCur->nRow = c->nDoc;
    qsort(pCur->aRow, (size_t)pCur->nRow, sizeof(ClusterRow), clusters_compare_rows);
  }
  sqlite3_free(aNumber);
  sqlite3_free(aOrder);
  sqlite3_free(aDoc);
  sqlite3_free(aCount);
  sqlite3_free(aTf);
  return rc;
}

/* Clusters the corpus and fills the cursor. */
static int cluster_corpus(ClustersCursor *pCur, const Corpus *c, PapersStats *pStats,
                          int k) {
  if (k == 0)
    k = auto_k(c->nDoc);
  if (k > c->nDoc)
    k = c->nDoc;
  Corpus view;
  int rc = corpus_view(c, &view);
  if (rc != SQLITE_OK)
    return rc;
  if ((i64)k * view.nFeature > CLUSTERS_MAX_CENTRE_VALUES) {
    corpus_free(&view);
    return topic_vtab_error(
        pCur->base.pVtab,
        sqlite3_mprintf("papers_clusters: k = %d is too large for these"
                        " %d papers: at most %lld",
                        k, c->nDoc, CLUSTERS_MAX_CENTRE_VALUES / view.nFeature));
  }
  int *aAssign = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)c->nDoc);
  double *aSim = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)c->nDoc);
  rc = aAssign && aSim ? kmeans_best(&view, k, aAssign, aSim) : SQLITE_NOMEM;
  corpus_free(&view);
  if (rc == SQLITE_OK)
    rc = build_rows(pCur, c, pStats, aAssign, aSim, k);
  sqlite3_free(aAssign);
  sqlite3_free(aSim);
  return rc;
}

static int clusters_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                           int argc, sqlite3_value **argv) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  ClustersTable *pTab = (ClustersTable *)pCursor->pVtab;
  (void)idxStr;
  (void)argc;
  clusters_cursor_reset(pCur);
  papers_tvf_args(idxNum, argv, pCur->apArg, CL_N_ARG);
  if (pCur->apArg[0] == 0) {
    return topic_vtab_error(&pTab->base,
                            sqlite3_mprintf("papers_clusters: the first argument, index,"
                                            " is missing"));
  }
  sqlite3_value *pRowids = pCur->apArg[1];
  if (pRowids && sqlite3_value_type(pRowids) == SQLITE_NULL)
    pRowids = 0;
  int k;
  int rc = read_k(pTab, pCur->apArg[2], &k);
  if (rc != SQLITE_OK || sqlite3_value_type(pCur->apArg[0]) == SQLITE_NULL)
    return rc;
  PapersStats *pStats = 0;
  char *zErr = 0;
  rc = topic_stats_open(pTab->pConn, pCur->apArg[0], "papers_clusters", &pStats, &zErr);
  if (rc != SQLITE_OK) {
    if (zErr)
      topic_vtab_error(&pTab->base, zErr);
    return rc;
  }
  if (pRowids)
    rc = check_rowids(pTab, pRowids);
  Corpus corpus;
  memset(&corpus, 0, sizeof(corpus));
  if (rc == SQLITE_OK) {
    rc = load_corpus(pTab, (const char *)sqlite3_value_text(pCur->apArg[0]), pRowids,
                     &corpus);
  }
  if (rc == SQLITE_OK && corpus.nDoc > 0)
    rc = cluster_corpus(pCur, &corpus, pStats, k);
  corpus_free(&corpus);
  papers_stats_close(pStats);
  if (rc != SQLITE_OK)
    clusters_cursor_reset(pCur);
  return rc;
}

static int clusters_next(sqlite3_vtab_cursor *pCursor) {
  ((ClustersCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

static int clusters_eof(sqlite3_vtab_cursor *pCursor) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  return pCur->iRow >= pCur->nRow;
}

static int clusters_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  *pRowid = pCur->aRow[pCur->iRow].iRowid;
  return SQLITE_OK;
}

static int clusters_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx,
                           int iCol) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  const ClusterRow *pRow = &pCur->aRow[pCur->iRow];
  switch (iCol) {
  case CL_ROWID:
    sqlite3_result_int64(pCtx, pRow->iRowid);
    break;
  case CL_CLUSTER:
    sqlite3_result_int(pCtx, pRow->iCluster);
    break;
  case CL_LABEL:
    sqlite3_result_text(pCtx, pCur->azLabel[pRow->iCluster - 1], -1, SQLITE_TRANSIENT);
    break;
  case CL_SIZE:
    sqlite3_result_int(pCtx, pCur->aSize[pRow->iCluster - 1]);
    break;
  case CL_CENTRALITY:
    sqlite3_result_double(pCtx, pRow->centrality);
    break;
  default:
    if (pCur->apArg[iCol - CL_N_OUTPUT])
      sqlite3_result_value(pCtx, pCur->apArg[iCol - CL_N_OUTPUT]);
    break;
  }
  return SQLITE_OK;
}

/* No xCreate: eponymous only, like table-valued functions. */
static sqlite3_module clustersModule = {
    .xConnect = clusters_connect,
    .xBestIndex = clusters_best_index,
    .xDisconnect = clusters_disconnect,
    .xOpen = clusters_open,
    .xClose = clusters_close,
    .xFilter = clusters_filter,
    .xNext = clusters_next,
    .xEof = clusters_eof,
    .xColumn = clusters_column,
    .xRowid = clusters_rowid,
};

int papers_register_clusters(sqlite3 *db, PapersConn *pConn) {
  return sqlite3_create_module_v2(db, "papers_clusters", &clustersModule,
                                  papers_conn_ref(pConn), papers_conn_unref);
}
