/*
** vector.c: term counts, weighted term vectors, and their BLOB form.
**
** Contract:
**   - PapersCounts gathers the terms of one or more texts (a title and an
**     abstract, say, each with its own weight) and, once finished, holds them
**     sorted by id with their frequency and their most frequent surface form
**     (ties: the bytewise smallest), for display.
**   - A vector's weights are (1 + ln tf) * idf, L2-normalised; idf comes from
**     an index's statistics, or is 1 without one. An index's vector
**     (papers_vector_with_latent) of a text of fewer than
**     PAPERS_FULL_TEXT_TERMS terms is shorter than 1 (papers_text_length).
**     Everything is computed in double, in ascending id order, with
**     papers_ln() (basic IEEE operations only; the build turns off FMA
**     contraction), so a vector is the same bit for bit on every machine.
**   - The BLOB form (little-endian whatever the machine):
**       bytes 0..1  magic "pv"
**       byte  2     version, 1
**       byte  3     flags: 0, or VECTOR_FLAG_LATENT (below)
**       bytes 4..7  n, the number of terms (u32)
**       with VECTOR_FLAG_LATENT: bytes 8..11 L (u32, 1 to 256): the last L
**         terms are latent dimensions 0 .. L-1 (ids PAPERS_LATENT_ID + k),
**         whose ids are not written;
**       then the n term ids (n - L with the flag; u64), strictly increasing,
**       then n weights (IEEE float32), each finite and in [-1, 1] (only the
**       latent dimensions of an index's vectors are ever negative); with
**       VECTOR_FLAG_GRID, n weights as 16-bit codes instead (i16, from
**       -PAPERS_WEIGHT_STEPS to PAPERS_WEIGHT_STEPS: the weight is
**       papers_weight_of_code(code)), the form an index stores its vectors in.
**     A vector ending with latent dimensions 0 .. L-1 is always written with
**     the flag (an index's vectors: 380 bytes fewer with 48 dimensions), so
**     papers writes a vector in one BLOB form; both forms are read (a long
**     form from an earlier version decodes to the same vector). The grid
**     form is written only where asked (papers_vector_grid_encode: an
**     index's T_docs); every form is read everywhere.
**     papers_vector_decode() checks all of it and names what is wrong.
*/
#include "topic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VECTOR_MAGIC_0     'p'
#define VECTOR_MAGIC_1     'v'
#define VECTOR_VERSION     1
#define VECTOR_HEADER      8
#define VECTOR_MAX_TERMS   (1 << 24)
#define VECTOR_FLAG_LATENT 0x01 /* the ids of a latent tail are not written */
#define VECTOR_FLAG_GRID   0x02 /* weights are 16-bit codes of the weight grid */

/* ---- a deterministic natural logarithm --------------------------------- */

/* ln(x) for x > 0, from frexp (exact) and the series
** ln(m) = 2 * (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1), with m in
** [sqrt(1/2), sqrt(2)) so that |s| < 0.1716 and 24 terms reach double
** precision. Only +, -, *, / on doubles: the same result on every IEEE-754
** machine, unlike libm's log, whose last bit may differ between libraries. */
double papers_ln(double x) {
  const double kLn2 = 0.69314718055994530942;
  int iExp;
  double m = frexp(x, &iExp); /* x = m * 2^iExp, m in [0.5, 1) */
  if (m < 0.70710678118654752440) {
    m *= 2;
    iExp -= 1;
  }
  double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
  for (int k = 1; k < 50; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2 * sum + iExp * kLn2;
}

/* ---- counting terms --------------------------------------------------- */

/* One occurrence of a term, and where its surface form is kept. */
typedef struct Occurrence {
  sqlite3_uint64 id;
  double weight; /* the weight of the text it came from */
  i64 iSurface;  /* offset of its surface form in aSurface */
  int nSurface;
  int isPhrase;
} Occurrence;

/* An occurrence's place in the sort: its id and where it was added. */
typedef struct OccurrenceKey {
  sqlite3_uint64 id;
  i64 iOcc;
} OccurrenceKey;

struct PapersCounts {
  Occurrence *aOcc; /* in order of addition */
  i64 nOcc, nOccAlloc;
  Occurrence *aSorted; /* the same, sorted by id (papers_counts_finish) */
  OccurrenceKey *aKey, *aKeyTmp;
  i64 nSortAlloc; /* of aSorted, aKey and aKeyTmp */
  char *aSurface; /* surface forms, back to back */
  i64 nSurface, nSurfaceAlloc;
  PapersCount *aCount; /* the finished counts, sorted by id */
  int nCount;
  i64 nCountAlloc;
  const char *zText; /* the text being added */
  double weight;     /* and its weight */
};

PapersCounts *papers_counts_new(void) {
  PapersCounts *p = sqlite3_malloc64(sizeof(*p));
  if (p)
    memset(p, 0, sizeof(*p));
  return p;
}

void papers_counts_free(PapersCounts *p) {
  if (p == 0)
    return;
  sqlite3_free(p->aOcc);
  sqlite3_free(p->aSorted); /* and the keys */
  sqlite3_free(p->aSurface);
  sqlite3_free(p->aCount);
  sqlite3_free(p);
}

void papers_counts_reset(PapersCounts *p) {
  p->nOcc = 0;
  p->nSurface = 0;
  p->nCount = 0;
}

static int add_occurrence(void *pCtx, const PapersTerm *pTerm) {
  PapersCounts *p = pCtx;
  int nSurface = pTerm->iEnd - pTerm->iStart;
  if (papers_grow_array((void **)&p->aOcc, sizeof(Occurrence), p->nOcc + 1,
                        &p->nOccAlloc) ||
      papers_grow_array((void **)&p->aSurface, 1, p->nSurface + nSurface,
                        &p->nSurfaceAlloc)) {
    return SQLITE_NOMEM;
  }
  Occurrence *pOcc = &p->aOcc[p->nOcc++];
  pOcc->id = pTerm->id;
  pOcc->weight = p->weight;
  pOcc->iSurface = p->nSurface;
  pOcc->nSurface = nSurface;
  pOcc->isPhrase = pTerm->isPhrase;
  memcpy(p->aSurface + p->nSurface, p->zText + pTerm->iStart, (size_t)nSurface);
  p->nSurface += nSurface;
  return SQLITE_OK;
}

int papers_counts_add(PapersCounts *p, PapersAnalyzer *pAnalyzer, const char *z, int n,
                      double weight) {
  p->zText = z;
  p->weight = weight;
  return papers_analyze_terms(pAnalyzer, z, n, add_occurrence, p);
}

static int compare_surface(const char *zA, int nA, const char *zB, int nB) {
  int nMin = nA < nB ? nA : nB;
  int cmp = memcmp(zA, zB, (size_t)nMin);
  return cmp ? cmp : (nA > nB) - (nA < nB);
}

/* Sorts keys by id with insertion sort, stably. */
static void sort_keys_insertion(OccurrenceKey *a, i64 n) {
  for (i64 i = 1; i < n; i++) {
    OccurrenceKey key = a[i];
    i64 j = i;
    for (; j > 0 && a[j - 1].id > key.id; j--)
      a[j] = a[j - 1];
    a[j] = key;
  }
}

/* Sorts keys by id, stably: occurrences of one id stay in the order they
** were added, so the result is the same everywhere. Few keys: insertion sort;
** more: a least-significant-byte-first radix sort of the ids' high four
** bytes, skipping the bytes in which every id agrees, then insertion sort,
** which only moves the rare keys whose high bytes tie (ids are hashes): the
** order of a full radix sort, with half of its passes. The result is in a
** (aTmp is scratch). */
static void sort_keys(OccurrenceKey *a, OccurrenceKey *aTmp, i64 n) {
  if (n <= 32) {
    sort_keys_insertion(a, n);
    return;
  }
  i64 aCount[4][256];
  memset(aCount, 0, sizeof(aCount));
  for (i64 i = 0; i < n; i++) {
    for (int b = 0; b < 4; b++)
      aCount[b][(a[i].id >> (32 + 8 * b)) & 0xff]++;
  }
  OccurrenceKey *aFrom = a, *aTo = aTmp;
  for (int b = 0; b < 4; b++) {
    i64 *aStart = aCount[b];
    int shift = 32 + 8 * b;
    if (aStart[(a[0].id >> shift) & 0xff] == n)
      continue; /* every id has this byte */
    i64 nBefore = 0;
    for (int v = 0; v < 256; v++) {
      i64 nHere = aStart[v];
      aStart[v] = nBefore;
      nBefore += nHere;
    }
    for (i64 i = 0; i < n; i++)
      aTo[aStart[(aFrom[i].id >> shift) & 0xff]++] = aFrom[i];
    OccurrenceKey *aSwap = aFrom;
    aFrom = aTo;
    aTo = aSwap;
  }
  if (aFrom != a)
    memcpy(a, aFrom, sizeof(OccurrenceKey) * (size_t)n);
  sort_keys_insertion(a, n);
}

/* Room to sort every occurrence: one allocation for aSorted, aKey and
** aKeyTmp, whose contents need not survive. */
static int sort_room(PapersCounts *p) {
  if (p->nOcc <= p->nSortAlloc)
    return SQLITE_OK;
  i64 nNew = p->nOcc + p->nOcc / 2;
  char *a = sqlite3_malloc64((sizeof(Occurrence) + 2 * sizeof(OccurrenceKey)) *
                             (sqlite3_uint64)nNew);
  if (a == 0)
    return SQLITE_NOMEM;
  sqlite3_free(p->aSorted);
  p->aSorted = (Occurrence *)a;
  p->aKey = (OccurrenceKey *)(p->aSorted + nNew);
  p->aKeyTmp = p->aKey + nNew;
  p->nSortAlloc = nNew;
  return SQLITE_OK;
}

/* Fills aSorted with the occurrences sorted by id, then by order of addition. */
static int sort_occurrences(PapersCounts *p) {
  int rc = sort_room(p);
  if (rc != SQLITE_OK)
    return rc;
  for (i64 i = 0; i < p->nOcc; i++) {
    p->aKey[i].id = p->aOcc[i].id;
    p->aKey[i].iOcc = i;
  }
  sort_keys(p->aKey, p->aKeyTmp, p->nOcc);
  for (i64 i = 0; i < p->nOcc; i++)
    p->aSorted[i] = p->aOcc[p->aKey[i].iOcc];
  return SQLITE_OK;
}

static int same_surface(const char *zA, int nA, const char *zB, int nB) {
  return nA == nB && memcmp(zA, zB, (size_t)nA) == 0;
}

/* Picks the most frequent surface form in aOcc[0..nOcc), all of one id (ties:
** the bytewise smallest). A form equal to the best so far is not counted
** again: it could not beat itself. */
static void best_surface(const PapersCounts *p, const Occurrence *aOcc, i64 nOcc,
                         PapersCount *pCount) {
  int bestRun = 0;
  for (i64 i = 0; i < nOcc; i++) {
    const char *zI = p->aSurface + aOcc[i].iSurface;
    int nI = aOcc[i].nSurface;
    if (bestRun > 0 && same_surface(zI, nI, pCount->zSurface, pCount->nSurface))
      continue;
    int nRun = 0;
    for (i64 j = 0; j < nOcc; j++)
      nRun += same_surface(zI, nI, p->aSurface + aOcc[j].iSurface, aOcc[j].nSurface);
    int isBetter = nRun > bestRun ||
                   (nRun == bestRun &&
                    compare_surface(zI, nI, pCount->zSurface, pCount->nSurface) < 0);
    if (isBetter) {
      bestRun = nRun;
      pCount->zSurface = zI;
      pCount->nSurface = nI;
    }
  }
}

int papers_counts_finish(PapersCounts *p) {
  p->nCount = 0;
  if (p->nOcc == 0)
    return SQLITE_OK;
  int rc = sort_occurrences(p);
  if (rc == SQLITE_OK) {
    rc = papers_grow_array((void **)&p->aCount, sizeof(PapersCount), p->nOcc,
                           &p->nCountAlloc);
  }
  if (rc != SQLITE_OK)
    return rc;
  const Occurrence *aSorted = p->aSorted;
  for (i64 i = 0; i < p->nOcc;) {
    i64 j = i;
    double tf = 0;
    while (j < p->nOcc && aSorted[j].id == aSorted[i].id)
      tf += aSorted[j++].weight;
    PapersCount *pCount = &p->aCount[p->nCount++];
    pCount->id = aSorted[i].id;
    pCount->tf = tf;
    pCount->isPhrase = aSorted[i].isPhrase;
    pCount->zSurface = 0;
    pCount->nSurface = 0;
    best_surface(p, aSorted + i, j - i, pCount);
    i = j;
  }
  return SQLITE_OK;
}

const PapersCount *papers_counts(const PapersCounts *p, int *pnCount) {
  *pnCount = p->nCount;
  return p->aCount;
}

/* ---- vectors ------------------------------------------------------------ */

void papers_vector_free(PapersVector *pVec) {
  sqlite3_free(pVec->aId);
  memset(pVec, 0, sizeof(*pVec));
}

int papers_vector_alloc(PapersVector *pVec, int nTerm) {
  memset(pVec, 0, sizeof(*pVec));
  if (nTerm == 0)
    return SQLITE_OK;
  /* one allocation: ids, then weights */
  pVec->aId =
      sqlite3_malloc64((sizeof(sqlite3_uint64) + sizeof(float)) * (sqlite3_uint64)nTerm);
  if (pVec->aId == 0)
    return SQLITE_NOMEM;
  pVec->aWeight = (float *)(pVec->aId + nTerm);
  pVec->nTerm = nTerm;
  return SQLITE_OK;
}

double papers_tf_factor(double tf) {
  if (tf == 1)
    return 1; /* what the series gives (ln 1 = 0 exactly), for the most common tf */
  return 1 + papers_ln(tf);
}

double papers_weight_raw(double tfFactor, double idf) {
  double w = tfFactor * idf;
  return w < 0 ? 0 : w; /* a tf below 1/e (fractional field weights) adds nothing */
}

float papers_weight_normalised(double raw, double norm) {
  return norm > 0 ? (float)(raw / norm) : 0.0f;
}

float papers_weight_scaled(float weight, double scale) {
  return papers_weight_grid(weight * scale);
}

/* ---- the weight grid ---------------------------------------------------- */

int papers_weight_code(double w) {
  double code = floor(w * PAPERS_WEIGHT_STEPS + 0.5);
  if (!(code >= -PAPERS_WEIGHT_STEPS))
    return -PAPERS_WEIGHT_STEPS; /* NaN too, which no weighing makes */
  return code > PAPERS_WEIGHT_STEPS ? PAPERS_WEIGHT_STEPS : (int)code;
}

float papers_weight_of_code(int code) {
  assert(code >= -PAPERS_WEIGHT_STEPS && code <= PAPERS_WEIGHT_STEPS);
  return (float)((double)code / PAPERS_WEIGHT_STEPS);
}

float papers_weight_grid(double w) {
  return papers_weight_of_code(papers_weight_code(w));
}

int papers_vector_weigh(const PapersCount *aCount, int nCount, const double *aIdf,
                        PapersVector *pVec, double *pNorm) {
  double norm = 0;
  if (pNorm)
    *pNorm = 0;
  int rc = papers_vector_alloc(pVec, nCount);
  if (rc != SQLITE_OK || nCount == 0)
    return rc;
  double *aW = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)nCount);
  if (aW == 0) {
    papers_vector_free(pVec);
    return SQLITE_NOMEM;
  }
  double sumSquares = 0;
  for (int i = 0; i < nCount; i++) {
    pVec->aId[i] = aCount[i].id;
    aW[i] = papers_weight_raw(papers_tf_factor(aCount[i].tf), aIdf ? aIdf[i] : 1.0);
    sumSquares += aW[i] * aW[i];
  }
  norm = sqrt(sumSquares);
  for (int i = 0; i < nCount; i++)
    pVec->aWeight[i] = papers_weight_normalised(aW[i], norm);
  if (pNorm)
    *pNorm = norm;
  sqlite3_free(aW);
  return SQLITE_OK;
}

double papers_vector_dot(const PapersVector *pA, const PapersVector *pB) {
  double dot = 0;
  int i = 0, j = 0;
  while (i < pA->nTerm && j < pB->nTerm) {
    if (pA->aId[i] < pB->aId[j]) {
      i++;
    } else if (pA->aId[i] > pB->aId[j]) {
      j++;
    } else {
      dot += (double)pA->aWeight[i++] * (double)pB->aWeight[j++];
    }
  }
  return dot;
}

/* ---- the BLOB form ----------------------------------------------------- */

static void put_u32(unsigned char *a, sqlite3_uint64 v) {
  for (int i = 0; i < 4; i++)
    a[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *a, sqlite3_uint64 v) {
  for (int i = 0; i < 8; i++)
    a[i] = (unsigned char)(v >> (8 * i));
}

static sqlite3_uint64 get_u64(const unsigned char *a, int nByte) {
  assert(nByte >= 1 && nByte <= 8);
  sqlite3_uint64 v = 0;
  for (int i = nByte - 1; i >= 0; i--)
    v = (v << 8) | a[i];
  return v;
}

/* How many of a vector's last terms are latent dimensions 0 .. L-1, in
** order: the part of it whose ids the BLOB form leaves out. */
static int latent_tail(const PapersVector *pVec) {
  int iFirst = pVec->nTerm;
  while (iFirst > 0 && papers_is_latent_id(pVec->aId[iFirst - 1]))
    iFirst--;
  for (int i = iFirst; i < pVec->nTerm; i++) {
    if (pVec->aId[i] != PAPERS_LATENT_ID + (sqlite3_uint64)(i - iFirst))
      return 0;
  }
  return pVec->nTerm - iFirst;
}

/* Where the parts of a BLOB form are. */
typedef struct VectorLayout {
  int nTerm;
  int nLatent; /* terms at the end whose ids are implicit */
  int isGrid;  /* weights are 16-bit codes (else float32) */
  const unsigned char *aIds;
  const unsigned char *aWeights;
} VectorLayout;

static i64 layout_size(int nTerm, int nLatent, int isGrid) {
  return VECTOR_HEADER + (nLatent ? 4 : 0) + 8 * (i64)(nTerm - nLatent) +
         (isGrid ? 2 : 4) * (i64)nTerm;
}

i64 papers_vector_blob_size(const PapersVector *pVec) {
  return layout_size(pVec->nTerm, latent_tail(pVec), 0);
}

i64 papers_vector_grid_blob_size(const PapersVector *pVec) {
  return layout_size(pVec->nTerm, latent_tail(pVec), 1);
}

/* Writes either form: weights as float32, or rounded to grid codes. */
static void vector_encode(const PapersVector *pVec, unsigned char *aBlob, int isGrid) {
  int nLatent = latent_tail(pVec), nSparse = pVec->nTerm - nLatent;
  assert(nSparse >= 0 && nLatent <= PAPERS_MAX_LATENT);
  aBlob[0] = VECTOR_MAGIC_0;
  aBlob[1] = VECTOR_MAGIC_1;
  aBlob[2] = VECTOR_VERSION;
  aBlob[3] = (nLatent ? VECTOR_FLAG_LATENT : 0) | (isGrid ? VECTOR_FLAG_GRID : 0);
  put_u32(aBlob + 4, (sqlite3_uint64)pVec->nTerm);
  unsigned char *aIds = aBlob + VECTOR_HEADER;
  if (nLatent) {
    put_u32(aIds, (sqlite3_uint64)nLatent);
    aIds += 4;
  }
  unsigned char *aWeights = aIds + 8 * (i64)nSparse;
  for (int i = 0; i < pVec->nTerm; i++) {
    if (i < nSparse)
      put_u64(aIds + 8 * i, pVec->aId[i]);
    if (isGrid) {
      papers_i16_put(aWeights + 2 * i, papers_weight_code(pVec->aWeight[i]));
    } else {
      papers_f32_put(aWeights + 4 * i, pVec->aWeight[i]);
    }
  }
}

void papers_vector_encode(const PapersVector *pVec, unsigned char *aBlob) {
  vector_encode(pVec, aBlob, 0);
}

void papers_vector_grid_encode(const PapersVector *pVec, unsigned char *aBlob) {
  vector_encode(pVec, aBlob, 1);
}

void papers_result_vector(sqlite3_context *pCtx, const PapersVector *pVec) {
  i64 nBlob = papers_vector_blob_size(pVec);
  unsigned char *aBlob = sqlite3_malloc64((sqlite3_uint64)nBlob);
  if (aBlob == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  papers_vector_encode(pVec, aBlob);
  sqlite3_result_blob64(pCtx, aBlob, (sqlite3_uint64)nBlob, sqlite3_free);
}

/* Reads the header of a BLOB form: 0 and the problem when it is not one of
** the forms above or its length does not match (the ids and weights are not
** looked at). */
static int vector_layout(const unsigned char *a, i64 n, VectorLayout *pLayout,
                         const char **pzProblem) {
  if (n < VECTOR_HEADER || a[0] != VECTOR_MAGIC_0 || a[1] != VECTOR_MAGIC_1) {
    *pzProblem = "not a papers vector (bad magic)";
    return 0;
  }
  if (a[2] != VECTOR_VERSION) {
    *pzProblem = "unsupported vector version";
    return 0;
  }
  if ((a[3] & ~(VECTOR_FLAG_LATENT | VECTOR_FLAG_GRID)) != 0) {
    *pzProblem = "unknown vector flags";
    return 0;
  }
  sqlite3_uint64 nTerm = get_u64(a + 4, 4), nLatent = 0;
  int hasLatent = (a[3] & VECTOR_FLAG_LATENT) != 0;
  int isGrid = (a[3] & VECTOR_FLAG_GRID) != 0;
  if (hasLatent && n >= VECTOR_HEADER + 4) {
    nLatent = get_u64(a + VECTOR_HEADER, 4);
    if (nLatent == 0 || nLatent > PAPERS_MAX_LATENT || nLatent > nTerm) {
      *pzProblem =
          "vector latent count is not between 1 and its term count (at most 256)";
      return 0;
    }
  }
  if (nTerm > VECTOR_MAX_TERMS || (hasLatent && n < VECTOR_HEADER + 4) ||
      layout_size((int)nTerm, (int)nLatent, isGrid) != n) {
    *pzProblem = "vector length does not match its term count";
    return 0;
  }
  pLayout->nTerm = (int)nTerm;
  pLayout->nLatent = (int)nLatent;
  pLayout->isGrid = isGrid;
  pLayout->aIds = a + VECTOR_HEADER + (nLatent ? 4 : 0);
  pLayout->aWeights = pLayout->aIds + 8 * (nTerm - nLatent);
  assert(pLayout->aWeights + (isGrid ? 2 : 4) * nTerm ==
         a + n); /* the length was checked */
  return 1;
}

/* The i-th term id of a BLOB form. */
static sqlite3_uint64 layout_id(const VectorLayout *pLayout, int i) {
  assert(i >= 0 && i < pLayout->nTerm);
  int nSparse = pLayout->nTerm - pLayout->nLatent;
  return i < nSparse ? get_u64(pLayout->aIds + 8 * (i64)i, 8)
                     : PAPERS_LATENT_ID + (sqlite3_uint64)(i - nSparse);
}

/* The i-th weight code of a grid form (not checked: from -32768 to 32767). */
static int layout_code(const VectorLayout *pLayout, int i) {
  return papers_i16_get(pLayout->aWeights + 2 * (i64)i);
}

/* The i-th weight of a BLOB form whose codes were checked (a grid form), or
** any float32 form (the caller checks the value). */
static float layout_weight(const VectorLayout *pLayout, int i) {
  assert(i >= 0 && i < pLayout->nTerm);
  if (pLayout->isGrid)
    return papers_weight_of_code(layout_code(pLayout, i));
  return papers_f32_get(pLayout->aWeights + 4 * (i64)i);
}

/* Checks the BLOB form; returns 0 and a description of the first problem
** found, or 1 when the BLOB is a well-formed vector (its layout in *pLayout). */
static int vector_blob_check(const unsigned char *a, i64 n, VectorLayout *pLayout,
                             const char **pzProblem) {
  if (!vector_layout(a, n, pLayout, pzProblem))
    return 0;
  for (int i = 0; i < pLayout->nTerm; i++) {
    if (i > 0 && layout_id(pLayout, i) <= layout_id(pLayout, i - 1)) {
      *pzProblem = "vector term ids are not strictly increasing";
      return 0;
    }
    if (pLayout->isGrid) {
      int code = layout_code(pLayout, i);
      if (code < -PAPERS_WEIGHT_STEPS) { /* the one code out of [-1, 1] */
        *pzProblem = "vector weight is not a number in [-1, 1]";
        return 0;
      }
      continue;
    }
    float w = layout_weight(pLayout, i);
    if (!(w >= -1.0f && w <= 1.0f)) { /* also catches NaN */
      *pzProblem = "vector weight is not a number in [-1, 1]";
      return 0;
    }
  }
  return 1;
}

int papers_vector_decode(const unsigned char *a, i64 n, PapersVector *pVec,
                         const char **pzProblem) {
  VectorLayout layout;
  memset(pVec, 0, sizeof(*pVec));
  if (!vector_blob_check(a, n, &layout, pzProblem))
    return SQLITE_ERROR;
  int rc = papers_vector_alloc(pVec, layout.nTerm);
  if (rc != SQLITE_OK)
    return rc;
  for (int i = 0; i < layout.nTerm; i++) {
    pVec->aId[i] = layout_id(&layout, i);
    pVec->aWeight[i] = layout_weight(&layout, i);
  }
  return SQLITE_OK;
}

int papers_vector_dot_blob(const PapersVector *pA, const unsigned char *a, i64 n,
                           double *pDot) {
  VectorLayout layout;
  const char *zProblem;
  *pDot = 0;
  if (!vector_layout(a, n, &layout, &zProblem))
    return SQLITE_ERROR;
  double dot = 0;
  int i = 0, j = 0;
  while (i < pA->nTerm && j < layout.nTerm) {
    sqlite3_uint64 id = layout_id(&layout, j);
    if (pA->aId[i] < id) {
      i++;
    } else if (pA->aId[i] > id) {
      j++;
    } else if (layout.isGrid && layout_code(&layout, j) < -PAPERS_WEIGHT_STEPS) {
      return SQLITE_ERROR; /* a code out of range: damage */
    } else {
      dot += (double)pA->aWeight[i++] * (double)layout_weight(&layout, j++);
    }
  }
  *pDot = dot;
  return SQLITE_OK;
}

int papers_vector_with_latent(const PapersVector *pSparse, const double *z, int nDim,
                              double w, PapersVector *pOut, double *pSparseScale) {
  int rc = papers_vector_alloc(pOut, pSparse->nTerm + nDim);
  if (rc != SQLITE_OK)
    return rc;
  double norm = 0;
  for (int k = 0; k < nDim; k++)
    norm += z[k] * z[k];
  norm = sqrt(norm);
  /* a text with no latent component keeps its sparse vector whole; both
  ** parts are then shortened to the text's length */
  double length = papers_text_length(pSparse->nTerm);
  double sparseScale = (norm > 0 ? sqrt(1 - w) : 1) * length;
  double latentScale = norm > 0 ? sqrt(w) * length / norm : 0;
  if (pSparseScale)
    *pSparseScale = sparseScale;
  for (int i = 0; i < pSparse->nTerm; i++) {
    pOut->aId[i] = pSparse->aId[i];
    pOut->aWeight[i] = papers_weight_scaled(pSparse->aWeight[i], sparseScale);
  }
  for (int k = 0; k < nDim; k++) {
    pOut->aId[pSparse->nTerm + k] = PAPERS_LATENT_ID + (sqlite3_uint64)k;
    pOut->aWeight[pSparse->nTerm + k] = papers_weight_grid(z[k] * latentScale);
  }
  return SQLITE_OK;
}
