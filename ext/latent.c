/*
** latent.c: latent semantic analysis (LSA) of an index's documents, the
** part of a similarity that sees past the exact words: "grasp", "gripper"
** and "manipulation" pull towards one another because they occur together.
**
** Contract:
**   - papers_latent_fit() takes the documents' sparse vectors (rows of a
**     matrix A, documents by features) and returns the top d right singular
**     vectors of A, one row of d values per feature: the projection. A
**     document's latent vector is then x . V (x its sparse vector), which is
**     U * S of the SVD, the classic LSA embedding.
**   - The SVD is the randomised range finder of Halko, Martinsson and Tropp
**     (2011): Y = A * Omega, two power iterations with re-orthonormalisation,
**     B = Q^T A, and the eigen-decomposition of the small matrix B B^T by
**     cyclic Jacobi rotations. Omega comes from a fixed-seed SplitMix64, every
**     sum runs in a fixed order, and only +, -, *, / and sqrt are used (the
**     build turns off FMA contraction): the same projection, bit for bit, on
**     every IEEE-754 machine.
**   - The products with A and the Gram matrix run on two threads where the
**     build has them (PAPERS_THREADS), each thread computing whole output
**     elements (rows of A Omega, columns of A^T Y, pairs of the Gram matrix)
**     with the same sums in the same order: the same bits as on one thread.
**     Gram-Schmidt subtracts each column's projection from half of the
**     columns after it on each thread, and the projection takes half of the
**     features on each: the same sums in the same order, the same bits.
**     The threads only compute (no allocation, no SQLite call).
**   - Singular vectors are only defined up to sign; each column is turned so
**     that its largest-magnitude entry is positive, for stable output.
*/
#include "topic.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define OVERSAMPLE      8
#define POWER_ITERATION 2
#define JACOBI_SWEEPS   60

/* ---- dense helpers (column-major where noted) ------------------------------ */

/* A uniform number in [-1, 1), exactly representable. */
static double uniform(sqlite3_uint64 *pState) {
  return (double)(papers_splitmix64(pState) >> 11) / 4503599627370496.0 - 1.0;
}

/* Dot products summed side by side (the Gram matrix): each sum still runs
** alone, in i order from 0, so the results are the same bit for bit;
** interleaving them lets the processor overlap the additions (one sum is a
** chain of dependent additions, bound by their latency). */
#define LATENT_JOINT 4

/* dot[c] = <u, v_c> for the nb columns v_c = v + c * n. */
static void latent_dots(const double *u, const double *v, i64 n, int nb, double *dot) {
  double acc[LATENT_JOINT] = {0, 0, 0, 0};
  assert(nb >= 1 && nb <= LATENT_JOINT);
  if (nb == LATENT_JOINT) {
    const double *v1 = v + n, *v2 = v1 + n, *v3 = v2 + n;
    for (i64 i = 0; i < n; i++) {
      acc[0] += u[i] * v[i];
      acc[1] += u[i] * v1[i];
      acc[2] += u[i] * v2[i];
      acc[3] += u[i] * v3[i];
    }
  } else {
    for (i64 i = 0; i < n; i++) {
      for (int c = 0; c < nb; c++)
        acc[c] += u[i] * v[c * n + i];
    }
  }
  memcpy(dot, acc, sizeof(double) * (size_t)nb);
}

/* Work split in two halves, each computing whole output elements: a
** product, the Gram matrix, a step of Gram-Schmidt, the projection. */
typedef struct LatentJob {
  const PapersLatentMatrix *A;
  int l;
  const double *aIn; /* row-major input: x^T (multiply) or y^T (transposed) */
  double *aOut;      /* row-major output, zeroed */
  i64 n;             /* the Gram matrix: its columns' length, in aIn */
  void (*xHalf)(const struct LatentJob *, int iHalf);
  int k;      /* Gram-Schmidt: the step (aOut's columns up to k + 1 finished) */
  void *pCtx; /* Gram-Schmidt's LatentOrtho, the projection's LatentProject */
} LatentJob;

/* The second half of a job (papers_side_start's work). */
static void latent_second_half(void *pArg) {
  const LatentJob *p = pArg;
  p->xHalf(p, 1);
}

/* Runs both halves of a job: the second on another thread where there are
** threads (and one can be started), else here; the halves write disjoint
** outputs, so their order does not matter. */
static void latent_run(const LatentJob *p) {
  PapersSide side;
  papers_side_start(&side, latent_second_half, (void *)p, 1);
  p->xHalf(p, 0);
  papers_side_join(&side);
}

/* Gram-Schmidt's columns at most: the latent dimensions and the oversample. */
#define LATENT_MAX_COLUMNS (PAPERS_MAX_LATENT + OVERSAMPLE)

/* Gram-Schmidt's state between steps: aDot[j] is the dot product of the
** column last finished (LatentJob.k) with column j, for the columns after
** the next one (LatentJob.k + 2 on; k = -1: the first dot products). */
typedef struct LatentOrtho {
  double aDot[LATENT_MAX_COLUMNS];
} LatentOrtho;

/* Half of the columns from k + 2 on (of aOut, n x l column-major): each has
** column k's projection (column k is finished: of unit length) subtracted,
** while the same sweep sums its dot product with column k + 1 (finished)
** for the next step. With k == -1, the dot products with column 0 only. */
static void orthonormalise_half(const LatentJob *p, int iHalf) {
  LatentOrtho *pOrtho = p->pCtx;
  int k = p->k, l = p->l, jStart = k + 2, jMid = jStart + (l - jStart) / 2;
  int jFirst = iHalf ? jMid : jStart, jEnd = iHalf ? l : jMid;
  i64 n = p->n;
  const double *ak = k >= 0 ? p->aOut + (i64)k * n : 0,
               *aNext = p->aOut + (i64)(k + 1) * n;
  for (int j = jFirst; j < jEnd; j++) {
    double *aj = p->aOut + (i64)j * n, dot = k >= 0 ? pOrtho->aDot[j] : 0, next = 0;
    if (k >= 0) {
      for (i64 i = 0; i < n; i++) {
        aj[i] -= dot * ak[i];
        next += aNext[i] * aj[i];
      }
    } else {
      for (i64 i = 0; i < n; i++)
        next += aNext[i] * aj[i];
    }
    pOrtho->aDot[j] = next;
  }
}

/* Finishes column j: subtracts column j - 1's projection (dot: their dot
** product) while summing its squared norm, then normalises it (j == 0: no
** projection). A column that vanishes becomes zero. */
static void orthonormalise_finish(double *a, i64 n, int j, double dot) {
  double *aj = a + (i64)j * n, norm = 0;
  if (j > 0) {
    const double *ak = aj - n;
    for (i64 i = 0; i < n; i++) {
      aj[i] -= dot * ak[i];
      norm += aj[i] * aj[i];
    }
  } else {
    for (i64 i = 0; i < n; i++)
      norm += aj[i] * aj[i];
  }
  norm = sqrt(norm);
  for (i64 i = 0; i < n; i++)
    aj[i] = norm > 1e-12 ? aj[i] / norm : 0;
}

/* Orthonormalises the l columns of the n x l column-major matrix a in
** place (modified Gram-Schmidt, run twice for accuracy). A column that
** vanishes becomes zero. Step k finishes column k + 1 on this thread (its
** last projection subtracted, normalised), then subtracts column k's
** projection from the columns after it, half of them on each thread, each
** sweep also summing the dot product with column k + 1 that the next step
** subtracts: every column sees the same sums in the same order as when each
** column in turn subtracts those of the columns before it (left-looking),
** one sweep per projection as there. */
static void orthonormalise(double *a, i64 n, int l) {
  LatentOrtho ortho;
  assert(l >= 1 && l <= LATENT_MAX_COLUMNS);
  for (int pass = 0; pass < 2; pass++) {
    orthonormalise_finish(a, n, 0, 0);
    for (int k = -1; k + 1 < l; k++) {
      if (k >= 0)
        orthonormalise_finish(a, n, k + 1, ortho.aDot[k + 1]);
      if (k + 2 < l) {
        LatentJob job = {0, l, 0, a, n, orthonormalise_half, k, &ortho};
        latent_run(&job);
      }
    }
  }
}

/* Transposes the n x l column-major matrix a into row-major t (or back,
** with isBack): element (i, j) at a[j * n + i] and t[i * l + j]. */
static void transpose(double *a, double *t, i64 n, int l, int isBack) {
  for (i64 i = 0; i < n; i++) {
    for (int j = 0; j < l; j++) {
      if (isBack)
        a[(i64)j * n + i] = t[i * l + j];
      else
        t[i * l + j] = a[(i64)j * n + i];
    }
  }
}

/* Half of A * x: rows of the output, the first or the second half. */
static void multiply_half(const LatentJob *p, int iHalf) {
  const PapersLatentMatrix *A = p->A;
  int l = p->l;
  i64 rFirst = iHalf ? A->nRow / 2 : 0, rEnd = iHalf ? A->nRow : A->nRow / 2;
  for (i64 r = rFirst; r < rEnd; r++) {
    double *yr = p->aOut + r * l;
    for (i64 e = A->aRowStart[r]; e < A->aRowStart[r + 1]; e++) {
      double v = A->aValue[e];
      const double *xc = p->aIn + (i64)A->aColumn[e] * l;
      for (int j = 0; j < l; j++)
        yr[j] += v * xc[j];
    }
  }
}

/* Half of A^T * y: columns of the output (each feature's first or second
** l / 2 values), each summed over A's entries in order. */
static void multiply_transposed_half(const LatentJob *p, int iHalf) {
  const PapersLatentMatrix *A = p->A;
  int l = p->l, jFirst = iHalf ? l / 2 : 0, jEnd = iHalf ? l : l / 2;
  for (i64 r = 0; r < A->nRow; r++) {
    const double *yr = p->aIn + r * l;
    for (i64 e = A->aRowStart[r]; e < A->aRowStart[r + 1]; e++) {
      double v = A->aValue[e];
      double *xc = p->aOut + (i64)A->aColumn[e] * l;
      for (int j = jFirst; j < jEnd; j++)
        xc[j] += v * yr[j];
    }
  }
}

/* y (nRow x l, column-major) = A (CSR) * x (nFeature x l, column-major).
** The products run through row-major copies (scratch: max(nRow, nFeature) x
** l doubles, two of them), so the inner loop reads memory in order; each
** element is still summed over A's entries in the same order. */
static void multiply(const PapersLatentMatrix *A, const double *x, int l, double *y,
                     double *aScratch) {
  double *xt = aScratch,
         *yt = aScratch + (A->nRow > A->nColumn ? A->nRow : A->nColumn) * l;
  transpose((double *)x, xt, A->nColumn, l, 0);
  memset(yt, 0, sizeof(double) * (size_t)(A->nRow * l));
  LatentJob job = {A, l, xt, yt, 0, multiply_half, 0, 0};
  latent_run(&job);
  transpose(y, yt, A->nRow, l, 1);
}

/* x (nFeature x l, column-major) = A^T (CSR) * y (nRow x l, column-major),
** through row-major copies as multiply() does. */
static void multiply_transposed(const PapersLatentMatrix *A, const double *y, int l,
                                double *x, double *aScratch) {
  double *yt = aScratch,
         *xt = aScratch + (A->nRow > A->nColumn ? A->nRow : A->nColumn) * l;
  transpose((double *)y, yt, A->nRow, l, 0);
  memset(xt, 0, sizeof(double) * (size_t)(A->nColumn * l));
  LatentJob job = {A, l, yt, xt, 0, multiply_transposed_half, 0, 0};
  latent_run(&job);
  transpose(x, xt, A->nColumn, l, 1);
}

/* Half of the Gram matrix G = B B^T (aOut, l x l) of the l columns of
** length n of aIn (column-major): the rows i of one parity, each with the
** columns from i on, and their mirror images (each pair once). */
static void gram_half(const LatentJob *p, int iHalf) {
  int l = p->l;
  for (int i = iHalf; i < l; i += 2) {
    for (int j = i; j < l; j += LATENT_JOINT) {
      int nb = l - j < LATENT_JOINT ? l - j : LATENT_JOINT;
      double dot[LATENT_JOINT];
      latent_dots(p->aIn + (i64)i * p->n, p->aIn + (i64)j * p->n, p->n, nb, dot);
      for (int c = 0; c < nb; c++) {
        p->aOut[i * l + j + c] = dot[c];
        p->aOut[(j + c) * l + i] = dot[c];
      }
    }
  }
}

/* Eigen-decomposition of the symmetric l x l matrix g (destroyed) by cyclic
** Jacobi rotations: eigenvalues into aValue, eigenvectors as the columns of
** w (l x l, column-major). */
static void jacobi(double *g, int l, double *aValue, double *w) {
  memset(w, 0, sizeof(double) * (size_t)(l * l));
  for (int i = 0; i < l; i++)
    w[i * l + i] = 1;
  for (int sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    double off = 0;
    for (int p = 0; p < l; p++) {
      for (int q = p + 1; q < l; q++)
        off += g[p * l + q] * g[p * l + q];
    }
    if (off < 1e-30)
      break;
    for (int p = 0; p < l; p++) {
      for (int q = p + 1; q < l; q++) {
        double gpq = g[p * l + q];
        if (fabs(gpq) < 1e-300)
          continue;
        double theta = (g[q * l + q] - g[p * l + p]) / (2 * gpq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < l; k++) { /* rows p and q, then columns p and q */
          double gpk = g[p * l + k], gqk = g[q * l + k];
          g[p * l + k] = c * gpk - s * gqk;
          g[q * l + k] = s * gpk + c * gqk;
        }
        for (int k = 0; k < l; k++) {
          double gkp = g[k * l + p], gkq = g[k * l + q];
          g[k * l + p] = c * gkp - s * gkq;
          g[k * l + q] = s * gkp + c * gkq;
        }
        for (int k = 0; k < l; k++) {
          double wkp = w[p * l + k], wkq = w[q * l + k];
          w[p * l + k] = c * wkp - s * wkq;
          w[q * l + k] = s * wkp + c * wkq;
        }
      }
    }
  }
  for (int i = 0; i < l; i++)
    aValue[i] = g[i * l + i];
}

/* The projection's inputs, and each half's largest-magnitude values. */
typedef struct LatentProject {
  const double *xt; /* nFeature x l, row-major: B^T */
  i64 nFeature;
  int nDim;
  const double *wt;    /* l x nDim: the eigenvectors in order */
  const double *sigma; /* nDim: sqrt of their eigenvalues */
  float *aProjection;
  double aLargest[2][PAPERS_MAX_LATENT]; /* per half: the first largest */
} LatentProject;

/* Half of the projection: the features of the first or the second half,
** each feature's nDim sums side by side, each over i in order. */
static void latent_project_half(const LatentJob *pJob, int iHalf) {
  LatentProject *p = pJob->pCtx;
  double v[PAPERS_MAX_LATENT], *largest = p->aLargest[iHalf];
  int l = pJob->l, nDim = p->nDim;
  i64 fFirst = iHalf ? p->nFeature / 2 : 0, fEnd = iHalf ? p->nFeature : p->nFeature / 2;
  for (int k = 0; k < nDim; k++)
    largest[k] = 0;
  for (i64 f = fFirst; f < fEnd; f++) {
    const double *xf = p->xt + f * l;
    memset(v, 0, sizeof(double) * (size_t)nDim);
    for (int i = 0; i < l; i++) {
      for (int k = 0; k < nDim; k++)
        v[k] += xf[i] * p->wt[i * nDim + k];
    }
    for (int k = 0; k < nDim; k++) {
      double value = p->sigma[k] > 0 ? v[k] / p->sigma[k] : 0;
      if (fabs(value) > fabs(largest[k]))
        largest[k] = value;
      p->aProjection[f * nDim + k] = (float)value;
    }
  }
}

/* aProjection (nFeature x nDim, row-major) = the rows of xt (nFeature x l,
** row-major: B^T) times the eigenvectors w_aOrder[k] (columns of w) over
** sqrt of their eigenvalues, each column turned so that its largest-magnitude
** entry (the first of them, in feature order) is positive. The features'
** halves run on two threads; wt is scratch for l x nDim doubles. */
static void latent_project(const double *xt, i64 nFeature, int l, const double *w,
                           const double *aValue, const int *aOrder, int nDim, double *wt,
                           float *aProjection) {
  double sigma[PAPERS_MAX_LATENT];
  assert(nDim <= PAPERS_MAX_LATENT && nDim <= l);
  for (int k = 0; k < nDim; k++) {
    for (int i = 0; i < l; i++)
      wt[i * nDim + k] = w[(i64)aOrder[k] * l + i];
    sigma[k] = aValue[aOrder[k]] > 0 ? sqrt(aValue[aOrder[k]]) : 0;
  }
  LatentProject project = {xt, nFeature, nDim, wt, sigma, aProjection, {{0}, {0}}};
  LatentJob job = {0, l, 0, 0, 0, latent_project_half, 0, &project};
  latent_run(&job);
  for (int k = 0; k < nDim; k++) {
    double first = project.aLargest[0][k], second = project.aLargest[1][k];
    double largest = fabs(second) > fabs(first) ? second : first;
    if (largest < 0) {
      for (i64 f = 0; f < nFeature; f++)
        aProjection[f * nDim + k] = -aProjection[f * nDim + k];
    }
  }
}

/* ---- the fit ----------------------------------------------------------------- */

int papers_latent_fit(const PapersLatentMatrix *A, int nDim, float *aProjection) {
  assert(nDim >= 1); /* the index's configuration: at least one dimension */
  int l = nDim + OVERSAMPLE;
  if (l > A->nRow)
    l = (int)A->nRow;
  if (l > A->nColumn)
    l = (int)A->nColumn;
  if (nDim > l)
    return SQLITE_MISUSE;
  i64 nRow = A->nRow, nFeature = A->nColumn;
  double *y = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nRow * l));
  double *x = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nFeature * l));
  double *g = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(l * l));
  double *w = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(l * l));
  double *aValue = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)l);
  int *aOrder = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)l);
  double *wt = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(l * nDim));
  i64 nLarger = nRow > nFeature ? nRow : nFeature;
  double *aScratch = sqlite3_malloc64(sizeof(double) * 2 * (sqlite3_uint64)(nLarger * l));
  int rc =
      (y && x && g && w && aValue && aOrder && wt && aScratch) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    sqlite3_uint64 seed = 0x5eed1a7e47ULL;
    for (i64 i = 0; i < nFeature * l; i++)
      x[i] = uniform(&seed);
    multiply(A, x, l, y, aScratch); /* Y = A Omega */
    orthonormalise(y, nRow, l);
    for (int it = 0; it < POWER_ITERATION; it++) {
      multiply_transposed(A, y, l, x, aScratch);
      orthonormalise(x, nFeature, l);
      multiply(A, x, l, y, aScratch);
      orthonormalise(y, nRow, l);
    }
    /* the columns of x are the rows of B = Q^T A */
    multiply_transposed(A, y, l, x, aScratch);
    /* G = B B^T, symmetric (products commute) */
    LatentJob gram = {A, l, x, g, nFeature, gram_half, 0, 0};
    latent_run(&gram);
    jacobi(g, l, aValue, w);
    /* eigenvalues in decreasing order; ties keep their index order */
    for (int i = 0; i < l; i++)
      aOrder[i] = i;
    for (int i = 1; i < l; i++) {
      int k = aOrder[i], j = i;
      while (j > 0 && aValue[aOrder[j - 1]] < aValue[k]) {
        aOrder[j] = aOrder[j - 1];
        j--;
      }
      aOrder[j] = k;
    }
    /* V[:, k] = B^T w_k / sigma_k, turned so its largest entry is positive */
    transpose(x, aScratch, nFeature, l, 0);
    latent_project(aScratch, nFeature, l, w, aValue, aOrder, nDim, wt, aProjection);
  }
  sqlite3_free(y);
  sqlite3_free(x);
  sqlite3_free(g);
  sqlite3_free(w);
  sqlite3_free(aValue);
  sqlite3_free(aOrder);
  sqlite3_free(wt);
  sqlite3_free(aScratch);
  return rc;
}

/* ---- a text's share ------------------------------------------------------ */

/* A short text's latent part is a poor estimate of its topic: two or three
** query words project onto the few dimensions their most frequent word
** knows ("recognition" onto place recognition), and normalised to unit
** length that guess would carry the whole latent weight. Its share grows
** with the text's word terms instead, so a query or a title ranks by its
** exact words first, and an abstract gets the whole weight. */
double papers_latent_share(int nTerm, double w) {
  assert(nTerm >= 0 && w >= 0 && w <= 1);
  if (nTerm >= PAPERS_FULL_TEXT_TERMS)
    return w;
  return w * (double)nTerm / (double)PAPERS_FULL_TEXT_TERMS;
}

/* The exact-word cosine favours a short text: a title's few terms share its
** weight, so one query word it repeats weighs more there than all of them
** in an abstract, whose weight is spread over a hundred terms. A text of
** fewer terms than a full one counts as that fraction of a full text, its
** vector shortened to the square root of it (sqrt: correctly rounded). */
double papers_text_length(int nTerm) {
  assert(nTerm >= 0);
  if (nTerm >= PAPERS_FULL_TEXT_TERMS)
    return 1;
  return sqrt((double)nTerm / (double)PAPERS_FULL_TEXT_TERMS);
}
