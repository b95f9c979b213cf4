/*
** explain.c: a similarity attributed to the words behind it (papers_explain).
**
** Contract:
**   - The similarity of vectors a and b is their dot product: a sparse part,
**     the sum over the word and phrase terms both hold of wa * wb, plus a
**     latent part, the sum over latent dimensions k of la[k] * lb[k].
**   - The latent part is bilinear in the two texts' sparse weights: an
**     index's latent vector is la = ca * sum over a's terms t of wa[t] * P[t]
**     (P[t] the term's projection row, ca the scale that makes it the stored
**     length). So la . lb is the sum over term pairs (s of a, t of b) of
**     ca * cb * wa[s] * wb[t] * (P[s] . P[t]); each pair's product is split
**     half to s and half to t. A term s of a thus receives
**     0.5 * wa[s] * ca * (P[s] . lb), a term t of b 0.5 * wb[t] * cb * (P[t] . la),
**     and a term of both receives the two. Shares may be negative.
**   - ca is recomputed from the stored vector itself: the least-squares
**     scale of z = sum wa[t] * P[t] onto the stored la. When the stored la is
**     not that multiple of z (within EXPLAIN_MAX_DRIFT per dimension: the
**     vector was made by another index or projection), when no index is
**     named, or when the index has no latent part of the vector's size, the
**     latent part is not attributed: one row (id PAPERS_LATENT_ID, *peWhole
**     saying why) carries it.
**   - The rows add up to papers_vector_dot(a, b): the grid of stored weights
**     leaves a residue (below 1e-5 in practice), which is added to the latent share of
**     the row with the largest absolute latent share.
*/
#include "topic.h"

#include <math.h>
#include <string.h>

/* How far a stored latent value may be from its recomputation: an index
** stores weights on a grid of step 1/32767 (papers_weight_grid), which moves
** a latent value by up to 1.6e-5 and the recomputation, made from the sparse
** weights as stored, by a few times that; another projection's values
** differ by orders of magnitude more. */
#define EXPLAIN_MAX_DRIFT 2e-4

/* The latent values of a vector by dimension (0 when absent); the number of
** its word terms (they come first: latent ids are the largest). */
static int split_vector(const PapersVector *pVec, double *aLatent, int *pnDim) {
  int nWord = 0;
  *pnDim = 0;
  memset(aLatent, 0, sizeof(double) * PAPERS_MAX_LATENT);
  for (int i = 0; i < pVec->nTerm; i++) {
    if (!papers_is_latent_id(pVec->aId[i])) {
      nWord = i + 1;
      continue;
    }
    int k = (int)(pVec->aId[i] - PAPERS_LATENT_ID);
    aLatent[k] = pVec->aWeight[i];
    if (k + 1 > *pnDim)
      *pnDim = k + 1;
  }
  return nWord;
}

/* The union of the word terms of a and b, in id order, with their weights. */
static int merge_words(const PapersVector *a, int nA, const PapersVector *b, int nB,
                       ExplainTerm *aTerm) {
  int i = 0, j = 0, n = 0;
  while (i < nA || j < nB) {
    ExplainTerm *p = &aTerm[n++];
    memset(p, 0, sizeof(*p));
    if (j >= nB || (i < nA && a->aId[i] < b->aId[j])) {
      p->id = a->aId[i];
      p->wA = a->aWeight[i++];
    } else if (i >= nA || b->aId[j] < a->aId[i]) {
      p->id = b->aId[j];
      p->wB = b->aWeight[j++];
    } else {
      p->id = a->aId[i];
      p->wA = a->aWeight[i++];
      p->wB = b->aWeight[j++];
    }
    p->sparse = p->wA * p->wB;
  }
  return n;
}

static double dot(const float *aRow, const double *aValue, int nDim) {
  double sum = 0;
  for (int k = 0; k < nDim; k++)
    sum += (double)aRow[k] * aValue[k];
  return sum;
}

/* The scale c that makes c * z (z the sum of the side's weights times the
** projection rows) its stored latent values aLatent; 0 when z is zero or
** c * z strays from aLatent by more than EXPLAIN_MAX_DRIFT. */
static double latent_scale(const ExplainTerm *aTerm, float *const *apRow, int nTerm,
                           int isB, const double *aLatent, int nDim) {
  double z[PAPERS_MAX_LATENT];
  memset(z, 0, sizeof(z));
  for (int i = 0; i < nTerm; i++) {
    double w = isB ? aTerm[i].wB : aTerm[i].wA;
    for (int k = 0; apRow[i] && w != 0 && k < nDim; k++)
      z[k] += w * (double)apRow[i][k];
  }
  double zz = 0, zl = 0;
  for (int k = 0; k < nDim; k++) {
    zz += z[k] * z[k];
    zl += z[k] * aLatent[k];
  }
  if (zz == 0)
    return 0;
  double c = zl / zz;
  for (int k = 0; k < nDim; k++) {
    if (fabs(c * z[k] - aLatent[k]) > EXPLAIN_MAX_DRIFT)
      return 0;
  }
  return c;
}

/* Loads the projection rows of the terms and gives each its latent share;
** *peWhole = EXPLAIN_NOT_ATTRIBUTABLE when the vectors do not come from
** this projection. */
static int attribute_latent(PapersStats *pStats, ExplainTerm *aTerm, int nTerm,
                            const double *aLatentA, const double *aLatentB, int nDim,
                            int *peWhole) {
  int nIndexDim = 0;
  int rc = papers_stats_latent_dims(pStats, &nIndexDim);
  if (rc != SQLITE_OK)
    return rc;
  if (nIndexDim < nDim || nIndexDim == 0) {
    *peWhole = EXPLAIN_NOT_ATTRIBUTABLE;
    return SQLITE_OK;
  }
  float **apRow = sqlite3_malloc64(sizeof(float *) * (sqlite3_uint64)(nTerm + 1));
  if (apRow == 0)
    return SQLITE_NOMEM;
  memset(apRow, 0, sizeof(float *) * (size_t)(nTerm + 1));
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++)
    rc = papers_stats_projection(pStats, aTerm[i].id, nIndexDim, &apRow[i]);
  double cA = 0, cB = 0;
  if (rc == SQLITE_OK) {
    cA = latent_scale(aTerm, apRow, nTerm, 0, aLatentA, nIndexDim);
    cB = latent_scale(aTerm, apRow, nTerm, 1, aLatentB, nIndexDim);
    if (cA == 0 || cB == 0)
      *peWhole = EXPLAIN_NOT_ATTRIBUTABLE;
  }
  for (int i = 0; rc == SQLITE_OK && *peWhole == 0 && i < nTerm; i++) {
    ExplainTerm *p = &aTerm[i];
    if (apRow[i] == 0)
      continue;
    double shareA = p->wA * cA * dot(apRow[i], aLatentB, nIndexDim);
    double shareB = p->wB * cB * dot(apRow[i], aLatentA, nIndexDim);
    p->latent = 0.5 * shareA + 0.5 * shareB;
  }
  for (int i = 0; i < nTerm; i++)
    sqlite3_free(apRow[i]);
  sqlite3_free(apRow);
  return rc;
}

/* Keeps the terms with a share (shared, or a latent share that is not 0). */
static int keep_contributing(ExplainTerm *aTerm, int nTerm) {
  int n = 0;
  for (int i = 0; i < nTerm; i++) {
    if ((aTerm[i].wA != 0 && aTerm[i].wB != 0) || aTerm[i].latent != 0)
      aTerm[n++] = aTerm[i];
  }
  return n;
}

/* Adds what the rows miss of the dot product to the row of largest absolute
** latent share. */
static void assign_residue(ExplainTerm *aTerm, int nTerm, double total) {
  double sum = 0;
  int iMax = -1;
  for (int i = 0; i < nTerm; i++) {
    sum += aTerm[i].sparse + aTerm[i].latent;
    if (aTerm[i].latent != 0 &&
        (iMax < 0 || fabs(aTerm[i].latent) > fabs(aTerm[iMax].latent)))
      iMax = i;
  }
  if (iMax >= 0)
    aTerm[iMax].latent += total - sum;
}

int papers_explain(const PapersVector *pA, const PapersVector *pB, PapersStats *pStats,
                   ExplainTerm **paTerm, int *pnTerm, int *peWhole) {
  double aLatentA[PAPERS_MAX_LATENT], aLatentB[PAPERS_MAX_LATENT];
  int nDimA, nDimB;
  int nWordA = split_vector(pA, aLatentA, &nDimA);
  int nWordB = split_vector(pB, aLatentB, &nDimB);
  double latentDot = 0;
  for (int k = 0; k < nDimA && k < nDimB; k++)
    latentDot += aLatentA[k] * aLatentB[k];
  *paTerm = 0;
  *pnTerm = 0;
  *peWhole = 0;
  ExplainTerm *aTerm =
      sqlite3_malloc64(sizeof(ExplainTerm) * (sqlite3_uint64)(nWordA + nWordB + 1));
  if (aTerm == 0)
    return SQLITE_NOMEM;
  int nTerm = merge_words(pA, nWordA, pB, nWordB, aTerm);
  int rc = SQLITE_OK;
  if (latentDot != 0 && pStats == 0)
    *peWhole = EXPLAIN_NO_INDEX;
  else if (latentDot != 0)
    rc = attribute_latent(pStats, aTerm, nTerm, aLatentA, aLatentB,
                          nDimA > nDimB ? nDimA : nDimB, peWhole);
  if (rc != SQLITE_OK) {
    sqlite3_free(aTerm);
    return rc;
  }
  if (*peWhole) {
    for (int i = 0; i < nTerm; i++)
      aTerm[i].latent = 0;
  }
  nTerm = keep_contributing(aTerm, nTerm);
  if (*peWhole) {
    ExplainTerm *p = &aTerm[nTerm++];
    memset(p, 0, sizeof(*p));
    p->id = PAPERS_LATENT_ID;
    p->latent = latentDot;
  } else if (latentDot != 0) {
    assign_residue(aTerm, nTerm, papers_vector_dot(pA, pB));
  }
  *paTerm = aTerm;
  *pnTerm = nTerm;
  return SQLITE_OK;
}
