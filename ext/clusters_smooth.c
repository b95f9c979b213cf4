/*
** clusters_smooth.c: the neighbour-smoothed space papers_clusters clusters
** in when the index has a latent part (clusters.c, docs/quality.md "third
** round").
**
** Contract: clusters_smooth_view() makes, for a set of at most
** CLUSTERS_SMOOTH_MAX_DOCS documents of an index with a latent part:
**   1. each document's word vector: its word terms held by at least two
**      documents of the set (the corpus after clusters_corpus_compact()),
**      unit length;
**   2. its CLUSTERS_SMOOTH_NEIGHBOURS nearest other documents by the full
**      stored score (words and latent part: the index's own similarity),
**      exact: every pair is scored once, ties go to the lower rowid;
**   3. its smoothed vector: CLUSTERS_SMOOTH_SELF times its word vector plus
**      (1 - CLUSTERS_SMOOTH_SELF) times the mean of its neighbours' word
**      vectors, unit length again;
**   4. an LSA of CLUSTERS_SMOOTH_DIMS dimensions of the smoothed vectors
**      (papers_latent_fit, fixed seed), each document's embedding unit
**      length, then centred (clusters_corpus_centre).
** Sums run in a fixed order (entries in order, neighbours by rank), so the
** space is the same bit for bit on every machine. The pair scoring costs
** n^2 / 2 sparse dot products; above CLUSTERS_SMOOTH_MAX_DOCS documents, or
** when the smoothed vectors would pass CLUSTERS_SMOOTH_MAX_ENTRIES entries,
** the caller falls back to the index's own latent space.
*/
#include "topic.h"

#include <math.h>
#include <string.h>

#define CLUSTERS_SMOOTH_NEIGHBOURS 20    /* nearest other documents averaged */
#define CLUSTERS_SMOOTH_SELF       0.5   /* the document's own share */
#define CLUSTERS_SMOOTH_DIMS       100   /* dimensions of the LSA of the result */
#define CLUSTERS_SMOOTH_MAX_DOCS   10000 /* about 7.5e9 multiply-adds of pairs */

/* The working state of one smoothing. */
typedef struct SmoothState {
  const ClustersCorpus *c;
  int nNeighbour;     /* per document: min(CLUSTERS_SMOOTH_NEIGHBOURS, n - 1) */
  int *aWordIndex;    /* per feature: its word column, -1 for a latent one */
  int nWord;          /* word columns */
  double *aWordScale; /* per document: 1 / its word vector's length, or 0 */
  int *aNeighbour;    /* per document, nNeighbour of them, best first */
  double *aScore;     /* their scores */
  int *aCount;        /* per document: neighbours held so far */
} SmoothState;

static void smooth_free(SmoothState *p) {
  sqlite3_free(p->aWordIndex);
  sqlite3_free(p->aWordScale);
  sqlite3_free(p->aNeighbour);
  sqlite3_free(p->aScore);
  sqlite3_free(p->aCount);
  memset(p, 0, sizeof(*p));
}

/* Numbers the word features and finds each document's word length. */
static int smooth_init(SmoothState *p, const ClustersCorpus *c) {
  memset(p, 0, sizeof(*p));
  p->c = c;
  int n = c->nDoc;
  p->nNeighbour = n - 1 < CLUSTERS_SMOOTH_NEIGHBOURS ? n - 1 : CLUSTERS_SMOOTH_NEIGHBOURS;
  sqlite3_uint64 nList = (sqlite3_uint64)n * (sqlite3_uint64)p->nNeighbour + 1;
  p->aWordIndex = sqlite3_malloc64(sizeof(int) * ((sqlite3_uint64)c->nFeature + 1));
  p->aWordScale = sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)n + 1));
  p->aNeighbour = sqlite3_malloc64(sizeof(int) * nList);
  p->aScore = sqlite3_malloc64(sizeof(double) * nList);
  p->aCount = sqlite3_malloc64(sizeof(int) * ((sqlite3_uint64)n + 1));
  if (!p->aWordIndex || !p->aWordScale || !p->aNeighbour || !p->aScore || !p->aCount) {
    smooth_free(p);
    return SQLITE_NOMEM;
  }
  for (int f = 0; f < c->nFeature; f++)
    p->aWordIndex[f] = papers_is_latent_id(c->aId[f]) ? -1 : p->nWord++;
  for (int i = 0; i < n; i++) {
    double sumSquares = 0;
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++) {
      if (p->aWordIndex[c->aFeature[e]] >= 0)
        sumSquares += (double)c->aWord[e] * c->aWord[e];
    }
    p->aWordScale[i] = sumSquares > 0 ? 1 / sqrt(sumSquares) : 0;
    p->aCount[i] = 0;
  }
  return SQLITE_OK;
}

/* Offers document j, of score s, as a neighbour of document i: the list
** keeps the best by score descending, then index ascending (a total order,
** so the list is the same whatever order the offers come in). */
static void smooth_offer(SmoothState *p, int i, int j, double s) {
  int m = p->nNeighbour;
  int *aNb = p->aNeighbour + (i64)i * m;
  double *aSc = p->aScore + (i64)i * m;
  int nHeld = p->aCount[i];
  int at = nHeld;
  while (at > 0 && (aSc[at - 1] < s || (aSc[at - 1] == s && aNb[at - 1] > j)))
    at--;
  if (at >= m)
    return;
  int nMove = (nHeld < m ? nHeld : m - 1) - at;
  memmove(aNb + at + 1, aNb + at, sizeof(int) * (size_t)nMove);
  memmove(aSc + at + 1, aSc + at, sizeof(double) * (size_t)nMove);
  aNb[at] = j;
  aSc[at] = s;
  if (nHeld < m)
    p->aCount[i] = nHeld + 1;
}

/* Scores every pair of documents by their stored vectors (words and latent
** part), each pair once, and keeps every document's nearest. */
static int smooth_neighbours(SmoothState *p) {
  const ClustersCorpus *c = p->c;
  if (p->nNeighbour == 0)
    return SQLITE_OK;
  double *aDense = sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)c->nFeature + 1));
  if (aDense == 0)
    return SQLITE_NOMEM;
  memset(aDense, 0, sizeof(double) * (size_t)c->nFeature);
  for (int i = 0; i < c->nDoc; i++) {
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
      aDense[c->aFeature[e]] = c->aWord[e];
    for (int j = i + 1; j < c->nDoc; j++) {
      double score = 0;
      for (i64 e = c->aStart[j]; e < c->aStart[j + 1]; e++)
        score += (double)c->aWord[e] * aDense[c->aFeature[e]];
      smooth_offer(p, i, j, score);
      smooth_offer(p, j, i, score);
    }
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
      aDense[c->aFeature[e]] = 0;
  }
  sqlite3_free(aDense);
  for (int i = 0; i < c->nDoc; i++)
    assert(p->aCount[i] == p->nNeighbour);
  return SQLITE_OK;
}

/* Fills W (nDoc rows, nWord columns) with the documents' unit word
** vectors. */
static int smooth_words(const SmoothState *p, PapersLatentMatrix *W) {
  const ClustersCorpus *c = p->c;
  i64 nEntry = 0;
  for (i64 e = 0; e < c->nEntry; e++)
    nEntry += p->aWordIndex[c->aFeature[e]] >= 0;
  W->nRow = c->nDoc;
  W->nColumn = p->nWord;
  W->aRowStart = sqlite3_malloc64(sizeof(i64) * ((sqlite3_uint64)c->nDoc + 1));
  W->aColumn = sqlite3_malloc64(sizeof(int) * ((sqlite3_uint64)nEntry + 1));
  W->aValue = sqlite3_malloc64(sizeof(float) * ((sqlite3_uint64)nEntry + 1));
  if (!W->aRowStart || !W->aColumn || !W->aValue)
    return SQLITE_NOMEM;
  nEntry = 0;
  for (int i = 0; i < c->nDoc; i++) {
    W->aRowStart[i] = nEntry;
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++) {
      int col = p->aWordIndex[c->aFeature[e]];
      if (col < 0)
        continue;
      W->aColumn[nEntry] = col;
      W->aValue[nEntry++] = (float)(c->aWord[e] * p->aWordScale[i]);
    }
  }
  W->aRowStart[c->nDoc] = nEntry;
  return SQLITE_OK;
}

/* The length of document i's smoothed vector (its own unit word vector,
** CLUSTERS_SMOOTH_SELF of it, plus the mean of its neighbours'), summed
** through aDense (nWord zeros on entry and return), the columns touched
** listed in aTouched and marked in aIsTouched (all 0 on entry and return). */
static double smooth_length(const SmoothState *p, const PapersLatentMatrix *W, int i,
                            double *aDense, int *aTouched, unsigned char *aIsTouched) {
  int m = p->nNeighbour, nTouched = 0;
  for (int r = -1; r < m; r++) {
    int iFrom = r < 0 ? i : p->aNeighbour[(i64)i * m + r];
    double weight = r < 0 ? CLUSTERS_SMOOTH_SELF : (1 - CLUSTERS_SMOOTH_SELF) / m;
    for (i64 e = W->aRowStart[iFrom]; e < W->aRowStart[iFrom + 1]; e++) {
      int col = W->aColumn[e];
      if (!aIsTouched[col]) {
        aIsTouched[col] = 1;
        aTouched[nTouched++] = col;
      }
      aDense[col] += weight * W->aValue[e];
    }
  }
  double sumSquares = 0;
  for (int t = 0; t < nTouched; t++) {
    sumSquares += aDense[aTouched[t]] * aDense[aTouched[t]];
    aDense[aTouched[t]] = 0;
    aIsTouched[aTouched[t]] = 0;
  }
  return sqrt(sumSquares);
}

/* Gives W its mix (PapersLatentMatrix): row i of the matrix fitted is
** document i's smoothed vector, of unit length (all zero when it is empty). */
static int smooth_mix(const SmoothState *p, PapersLatentMatrix *W) {
  int n = p->c->nDoc, m = p->nNeighbour;
  sqlite3_uint64 nMix = (sqlite3_uint64)n * (sqlite3_uint64)(m + 1) + 1;
  W->aMixStart = sqlite3_malloc64(sizeof(i64) * ((sqlite3_uint64)n + 1));
  W->aMixRow = sqlite3_malloc64(sizeof(int) * nMix);
  W->aMixWeight = sqlite3_malloc64(sizeof(double) * nMix);
  double *aDense = sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)p->nWord + 1));
  int *aTouched = sqlite3_malloc64(sizeof(int) * ((sqlite3_uint64)p->nWord + 1));
  unsigned char *aIsTouched = sqlite3_malloc64((sqlite3_uint64)p->nWord + 1);
  int rc = W->aMixStart && W->aMixRow && W->aMixWeight && aDense && aTouched && aIsTouched
               ? SQLITE_OK
               : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    memset(aDense, 0, sizeof(double) * (size_t)p->nWord);
    memset(aIsTouched, 0, (size_t)p->nWord);
    i64 nEntry = 0;
    for (int i = 0; i < n; i++) {
      double length = smooth_length(p, W, i, aDense, aTouched, aIsTouched);
      double scale = length > 0 ? 1 / length : 0;
      W->aMixStart[i] = nEntry;
      W->aMixRow[nEntry] = i;
      W->aMixWeight[nEntry++] = scale * CLUSTERS_SMOOTH_SELF;
      for (int r = 0; r < m; r++) {
        W->aMixRow[nEntry] = p->aNeighbour[(i64)i * m + r];
        W->aMixWeight[nEntry++] = scale * (1 - CLUSTERS_SMOOTH_SELF) / m;
      }
    }
    W->aMixStart[n] = nEntry;
  }
  sqlite3_free(aDense);
  sqlite3_free(aTouched);
  sqlite3_free(aIsTouched);
  return rc;
}

/* The projection of every row of W (its unit word vector) onto the nDim
** dimensions of aProjection: nRow x nDim doubles, row-major, or 0. */
static double *smooth_project(const PapersLatentMatrix *W, const float *aProjection,
                              int nDim) {
  double *aOut =
      sqlite3_malloc64(sizeof(double) * ((sqlite3_uint64)(W->nRow * nDim) + 1));
  if (aOut == 0)
    return 0;
  memset(aOut, 0, sizeof(double) * (size_t)(W->nRow * nDim));
  for (i64 i = 0; i < W->nRow; i++) {
    double *v = aOut + i * nDim;
    for (i64 e = W->aRowStart[i]; e < W->aRowStart[i + 1]; e++) {
      const float *aRow = aProjection + (i64)W->aColumn[e] * nDim;
      for (int k = 0; k < nDim; k++)
        v[k] += (double)W->aValue[e] * aRow[k];
    }
  }
  return aOut;
}

/* Makes pView: each document's embedding (its smoothed row times the
** projection: the mix of the projected word vectors, nDim values), unit
** length, then centred. */
static int smooth_embed(const PapersLatentMatrix *W, const float *aProjection, int nDim,
                        ClustersCorpus *pView) {
  i64 n = W->nRow;
  memset(pView, 0, sizeof(*pView));
  double *aWordPart = smooth_project(W, aProjection, nDim);
  pView->aStart = sqlite3_malloc64(sizeof(i64) * ((sqlite3_uint64)n + 1));
  pView->aFeature = sqlite3_malloc64(sizeof(int) * ((sqlite3_uint64)(n * nDim) + 1));
  pView->aSpace = sqlite3_malloc64(sizeof(float) * ((sqlite3_uint64)(n * nDim) + 1));
  if (!aWordPart || !pView->aStart || !pView->aFeature || !pView->aSpace) {
    sqlite3_free(aWordPart);
    clusters_corpus_free(pView);
    return SQLITE_NOMEM;
  }
  double v[CLUSTERS_SMOOTH_DIMS];
  assert(nDim <= CLUSTERS_SMOOTH_DIMS);
  for (i64 i = 0; i < n; i++) {
    memset(v, 0, sizeof(v));
    for (i64 e = W->aMixStart[i]; e < W->aMixStart[i + 1]; e++) {
      const double *aFrom = aWordPart + (i64)W->aMixRow[e] * nDim;
      for (int k = 0; k < nDim; k++)
        v[k] += W->aMixWeight[e] * aFrom[k];
    }
    double sumSquares = 0;
    for (int k = 0; k < nDim; k++)
      sumSquares += v[k] * v[k];
    pView->aStart[i] = pView->nEntry;
    if (sumSquares == 0)
      continue;
    double scale = 1 / sqrt(sumSquares);
    for (int k = 0; k < nDim; k++) {
      pView->aFeature[pView->nEntry] = k;
      pView->aSpace[pView->nEntry++] = (float)(v[k] * scale);
    }
  }
  sqlite3_free(aWordPart);
  pView->aStart[n] = pView->nEntry;
  pView->nDoc = (int)n;
  pView->nFeature = nDim;
  int rc = clusters_corpus_centre(pView);
  if (rc != SQLITE_OK)
    clusters_corpus_free(pView);
  return rc;
}

/* The LSA of the smoothed vectors (W and its mix), then the embedding. */
static int smooth_fit(const PapersLatentMatrix *W, ClustersCorpus *pView) {
  int nDim = CLUSTERS_SMOOTH_DIMS;
  if (nDim > W->nRow)
    nDim = (int)W->nRow;
  if (nDim > W->nColumn)
    nDim = (int)W->nColumn;
  float *aProjection =
      sqlite3_malloc64(sizeof(float) * ((sqlite3_uint64)(W->nColumn * nDim) + 1));
  if (aProjection == 0)
    return SQLITE_NOMEM;
  int rc = papers_latent_fit(W, nDim, aProjection);
  if (rc == SQLITE_OK)
    rc = smooth_embed(W, aProjection, nDim, pView);
  sqlite3_free(aProjection);
  return rc;
}

static void smooth_free_matrix(PapersLatentMatrix *W) {
  sqlite3_free(W->aRowStart);
  sqlite3_free(W->aColumn);
  sqlite3_free(W->aValue);
  sqlite3_free(W->aMixStart);
  sqlite3_free(W->aMixRow);
  sqlite3_free(W->aMixWeight);
}

/* True when at least half of the documents are full texts: they hold
** PAPERS_FULL_TEXT_TERMS word terms or more. On titles alone the neighbours
** share a word or two, and the smoothed space gathers unrelated titles into
** one large cluster (docs/quality.md, fifth round). */
static int smooth_is_full_text(const ClustersCorpus *c) {
  int nFull = 0;
  for (int i = 0; i < c->nDoc; i++) {
    int nWord = 0;
    for (i64 e = c->aStart[i]; e < c->aStart[i + 1]; e++)
      nWord += !papers_is_latent_id(c->aId[c->aFeature[e]]);
    nFull += nWord >= PAPERS_FULL_TEXT_TERMS;
  }
  return 2 * (i64)nFull >= c->nDoc;
}

int clusters_smooth_view(const ClustersCorpus *c, ClustersCorpus *pView, int *pIsMade) {
  memset(pView, 0, sizeof(*pView));
  *pIsMade = 0;
  if (!clusters_corpus_is_latent(c) || c->nDoc > CLUSTERS_SMOOTH_MAX_DOCS ||
      !smooth_is_full_text(c))
    return SQLITE_OK;
  SmoothState s;
  int rc = smooth_init(&s, c);
  if (rc != SQLITE_OK)
    return rc;
  if (s.nWord == 0) {
    smooth_free(&s);
    return SQLITE_OK;
  }
  PapersLatentMatrix W;
  memset(&W, 0, sizeof(W));
  rc = smooth_neighbours(&s);
  if (rc == SQLITE_OK)
    rc = smooth_words(&s, &W);
  if (rc == SQLITE_OK)
    rc = smooth_mix(&s, &W);
  smooth_free(&s);
  if (rc == SQLITE_OK)
    rc = smooth_fit(&W, pView);
  smooth_free_matrix(&W);
  *pIsMade = rc == SQLITE_OK;
  return rc;
}
