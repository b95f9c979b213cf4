/*
** topic_centroid.c: the aggregate papers_centroid(vector), the profile of a
** set of papers.
**
** Contract:
**   - Each row is a vector BLOB, or a TEXT vectorised as papers_vector(text)
**     does (default analyzer, idf 1); NULL rows are skipped; no other row
**     gives NULL. The result is the normalised mean of the vectors: per term
**     id the sum of its weights, then the whole scaled to unit length (the
**     mean's 1/n cancels). Terms whose sum is 0 are left out. Weights may be
**     negative (the latent dimensions of an index's vectors).
**   - The result does not depend on the order of the rows, bit for bit: each
**     float32 weight is an integer multiple of 2^-149, and per term the sum is
**     kept exactly, as an integer of 256 bits (four 64-bit limbs; room for
**     2^106 rows of weight 1). Only then is it turned into a double (limbs
**     from the highest, in a fixed order), and the doubles normalised in
**     ascending id order. Grouping the rows differently, or repeating the
**     query on another machine, gives the same BLOB.
*/
#include "topic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_LIMB 4

/* A sum of float32 magnitudes, times 2^149, as a 256-bit integer. */
typedef struct ExactMagnitude {
  sqlite3_uint64 aLimb[N_LIMB]; /* least significant first */
} ExactMagnitude;

/* An exact sum of float32 weights: positive and negative ones apart. */
typedef struct ExactSum {
  ExactMagnitude positive, negative;
} ExactSum;

/* The state of one aggregate: terms numbered in order of first sight
** (idmap.c), their ids and sums in arrays indexed by that number. */
typedef struct Centroid {
  PapersIdMap *pTerms;
  sqlite3_uint64 *aId;
  ExactSum *aSum;
  i64 nAlloc;
  i64 nRow; /* rows that were not NULL */
} Centroid;

/* Adds v << iShift (v < 2^24, iShift < 192) to the sum, carrying. */
static void exact_add(ExactMagnitude *p, sqlite3_uint64 v, int iShift) {
  int iLimb = iShift / 64, iBit = iShift % 64;
  sqlite3_uint64 aAdd[2];
  aAdd[0] = v << iBit;
  aAdd[1] = iBit ? v >> (64 - iBit) : 0;
  sqlite3_uint64 carry = 0;
  for (int i = iLimb; i < N_LIMB; i++) {
    sqlite3_uint64 add = (i - iLimb < 2 ? aAdd[i - iLimb] : 0);
    sqlite3_uint64 s = p->aLimb[i] + add;
    sqlite3_uint64 c = s < add;
    s += carry;
    c += s < carry;
    p->aLimb[i] = s;
    carry = c;
    if (carry == 0 && i - iLimb >= 1)
      break;
  }
}

/* Adds a float32 weight in [-1, 1] exactly. */
static void exact_add_weight(ExactSum *pSum, float w) {
  unsigned int bits;
  memcpy(&bits, &w, 4);
  ExactMagnitude *p = (bits >> 31) ? &pSum->negative : &pSum->positive;
  unsigned int iExp = (bits >> 23) & 0xff, mantissa = bits & 0x7fffff;
  if (iExp == 0) {
    exact_add(p, mantissa, 0); /* subnormal: mantissa * 2^-149 */
  } else {
    exact_add(p, mantissa | 0x800000, (int)iExp - 1); /* (1.m) * 2^(iExp-127) */
  }
}

/* A magnitude as a double, limbs added from the most significant. */
static double exact_magnitude(const ExactMagnitude *p) {
  double d = 0;
  for (int i = N_LIMB - 1; i >= 0; i--)
    d += ldexp((double)p->aLimb[i], 64 * i - 149);
  return d;
}

static double exact_value(const ExactSum *p) {
  return exact_magnitude(&p->positive) - exact_magnitude(&p->negative);
}

static int centroid_grow(Centroid *p, i64 nNeed) {
  if (nNeed <= p->nAlloc)
    return SQLITE_OK;
  i64 nNew = nNeed < 64 ? 64 : nNeed * 2;
  sqlite3_uint64 *aId = sqlite3_realloc64(p->aId, sizeof(*aId) * (sqlite3_uint64)nNew);
  if (aId)
    p->aId = aId;
  ExactSum *aSum = sqlite3_realloc64(p->aSum, sizeof(*aSum) * (sqlite3_uint64)nNew);
  if (aSum)
    p->aSum = aSum;
  if (aId == 0 || aSum == 0)
    return SQLITE_NOMEM;
  memset(p->aSum + p->nAlloc, 0, sizeof(*aSum) * (size_t)(nNew - p->nAlloc));
  p->nAlloc = nNew;
  return SQLITE_OK;
}

/* Adds a vector's weights to the per-term sums. */
static int centroid_add(Centroid *p, const PapersVector *pVec) {
  if (p->pTerms == 0 && (p->pTerms = papers_idmap_new()) == 0)
    return SQLITE_NOMEM;
  for (int i = 0; i < pVec->nTerm; i++) {
    int iTerm, isNew;
    /* room first: a term the map numbers must always have its sum */
    int rc = centroid_grow(p, (i64)papers_idmap_count(p->pTerms) + 1);
    if (rc == SQLITE_OK)
      rc = papers_idmap_get(p->pTerms, pVec->aId[i], &iTerm, &isNew);
    if (rc != SQLITE_OK)
      return rc;
    p->aId[iTerm] = pVec->aId[i];
    exact_add_weight(&p->aSum[iTerm], pVec->aWeight[i]);
  }
  return SQLITE_OK;
}

static void centroid_step(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
    return;
  Centroid *p = sqlite3_aggregate_context(pCtx, sizeof(Centroid));
  if (p == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  TopicOperand op;
  char *zErr = 0;
  int rc = topic_operand(sqlite3_user_data(pCtx), 0, argv[0], "papers_centroid", 1, &op,
                         &zErr);
  if (rc == SQLITE_OK) {
    rc = centroid_add(p, &op.vec);
    topic_operand_free(&op);
  }
  p->nRow++;
  if (rc == SQLITE_NOMEM)
    sqlite3_result_error_nomem(pCtx);
  else if (rc != SQLITE_OK)
    sqlite3_result_error(pCtx, zErr ? zErr : "papers_centroid", -1);
  sqlite3_free(zErr);
}

/* A term of the result: its id and the double value of its sum. */
typedef struct CentroidTerm {
  sqlite3_uint64 id;
  double sum;
} CentroidTerm;

static int centroid_compare_terms(const void *pA, const void *pB) {
  const CentroidTerm *a = pA, *b = pB;
  return (a->id > b->id) - (a->id < b->id);
}

/* The normalised sums as a vector, terms in id order. */
static int centroid_vector(const Centroid *p, PapersVector *pVec) {
  int nTerm = p->pTerms ? papers_idmap_count(p->pTerms) : 0;
  CentroidTerm *aTerm =
      sqlite3_malloc64(sizeof(CentroidTerm) * (sqlite3_uint64)(nTerm + 1));
  if (aTerm == 0)
    return SQLITE_NOMEM;
  int nKept = 0;
  for (int i = 0; i < nTerm; i++) {
    double sum = exact_value(&p->aSum[i]);
    if (sum != 0) {
      aTerm[nKept].id = p->aId[i];
      aTerm[nKept++].sum = sum;
    }
  }
  qsort(aTerm, (size_t)nKept, sizeof(CentroidTerm), centroid_compare_terms);
  double sumSquares = 0;
  for (int i = 0; i < nKept; i++)
    sumSquares += aTerm[i].sum * aTerm[i].sum;
  double norm = sqrt(sumSquares);
  memset(pVec, 0, sizeof(*pVec));
  int rc = SQLITE_OK;
  if (nKept > 0) {
    pVec->aId = sqlite3_malloc64((sizeof(sqlite3_uint64) + sizeof(float)) *
                                 (sqlite3_uint64)nKept);
    if (pVec->aId == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && nKept > 0) {
    pVec->aWeight = (float *)(pVec->aId + nKept);
    pVec->nTerm = nKept;
    for (int i = 0; i < nKept; i++) {
      float w = (float)(aTerm[i].sum / norm);
      pVec->aId[i] = aTerm[i].id;
      pVec->aWeight[i] = w > 1.0f ? 1.0f : (w < -1.0f ? -1.0f : w);
    }
  }
  sqlite3_free(aTerm);
  return rc;
}

static void centroid_final(sqlite3_context *pCtx) {
  Centroid *p = sqlite3_aggregate_context(pCtx, 0);
  if (p == 0)
    return; /* no rows: NULL */
  if (p->nRow > 0) {
    PapersVector vec;
    if (centroid_vector(p, &vec) == SQLITE_OK) {
      papers_result_vector(pCtx, &vec);
      papers_vector_free(&vec);
    } else {
      sqlite3_result_error_nomem(pCtx);
    }
  }
  papers_idmap_free(p->pTerms);
  sqlite3_free(p->aId);
  sqlite3_free(p->aSum);
}

int topic_register_centroid(sqlite3 *db, PapersConn *pConn) {
  return sqlite3_create_function_v2(
      db, "papers_centroid", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
      papers_conn_ref(pConn), 0, centroid_step, centroid_final, papers_conn_unref);
}
