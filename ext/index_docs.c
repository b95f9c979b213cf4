/*
** index_docs.c: the documents' stored vectors (T_docs) and the term numbers
** they are written in (T_terms).
**
** Contract:
**   - A term of the vocabulary has a number, in its vocabulary row (column
**     num of T_vocab, or of T_pending when the term is there); T_terms gives
**     each number's term: 1, 2, 3, ... with no gap, in blocks of
**     DOCS_TERM_BLOCK ids, 8 bytes each, the row of number n keyed by the
**     first number of its block. Rebuild numbers the vocabulary in term id
**     order (index_store_terms_put); a write gives a term that enters the
**     vocabulary the next number (the largest plus one,
**     index_store_number_new). Numbers are never taken back before the next
**     rebuild, so they stay dense; a term that left the vocabulary and came
**     back has a new one (its old one names it in T_terms still, and no
**     stored vector holds it).
**   - T_docs.vector, the stored form (little-endian, not a papers vector
**     BLOB: the `vector` column of the table gives that form):
**       varint nWord, the word terms; varint nLatent (0 to 256), the latent
**       dimensions 0 .. nLatent-1 after them;
**       nWord + nLatent weight codes (i16, papers_weight_of_code), the word
**       terms' in increasing number order, then the latent dimensions';
**       nWord varints: the first term number, then each one's difference
**       from the one before (at least 1), ending exactly at the BLOB's end.
**     About 1.8 bytes a term number instead of an 8-byte id.
**   - A stored vector decodes to the papers vector it was written from
**     (ids in increasing order); papers_vector_dot() of a query and it is
**     what index_store_doc_dot() returns, bit for bit: the products are
**     added in the query's id order, not in number order.
**   - Anything wrong in a stored form (a varint running past the end, a
**     number not increasing or with no T_terms row, a code out of range,
**     a length that does not match) is SQLITE_CORRUPT_VTAB, never used.
*/
#include "index.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define DOCS_MAX_TERMS (1 << 24) /* terms of a stored vector at most */
/* Term ids a row of T_terms holds: 120 of 8 bytes, 4 rows a 4096-byte page. */
#define DOCS_TERM_BLOCK 120

/* The parts of a stored form. */
typedef struct DocForm {
  int nWord, nLatent;
  const unsigned char *aCode; /* nWord + nLatent codes */
  const unsigned char *aNum;  /* the number varints, to aEnd */
  const unsigned char *aEnd;
} DocForm;

/* Reads the header of a stored form; 0 and the problem when it is wrong
** (the numbers and codes are checked as they are read). */
static int docs_form(const unsigned char *a, int n, DocForm *pForm,
                     const char **pzProblem) {
  sqlite3_uint64 nWord = 0, nLatent = 0;
  int iPos = a ? index_varint_get(a, n, &nWord) : 0;
  int nByte = iPos ? index_varint_get(a + iPos, n - iPos, &nLatent) : 0;
  if (iPos == 0 || nByte == 0) {
    *pzProblem = "its header runs past its end";
    return 0;
  }
  iPos += nByte;
  if (nWord > DOCS_MAX_TERMS || nLatent > PAPERS_MAX_LATENT) {
    *pzProblem = "its term counts are out of range";
    return 0;
  }
  sqlite3_uint64 nCodeByte = 2 * (nWord + nLatent);
  if (nCodeByte + nWord > (sqlite3_uint64)(n - iPos)) {
    *pzProblem = "it is shorter than its term counts";
    return 0;
  }
  pForm->nWord = (int)nWord;
  pForm->nLatent = (int)nLatent;
  pForm->aCode = a + iPos;
  pForm->aNum = a + iPos + nCodeByte;
  pForm->aEnd = a + n;
  return 1;
}

/* Reads the next term number after prev (0 before the first) at *pa;
** returns it, or 0 with the problem when the varint runs past the end or
** the number is not larger than prev or not 32 bits. */
static inline sqlite3_uint64 docs_next_number(const unsigned char **pa,
                                              const unsigned char *aEnd,
                                              sqlite3_uint64 prev,
                                              const char **pzProblem) {
  const unsigned char *a = *pa;
  sqlite3_uint64 delta;
  if (a < aEnd && a[0] < 0x80) { /* most gaps: one byte */
    delta = a[0];
    *pa = a + 1;
  } else {
    int nByte = index_varint_get(a, (int)(aEnd - a), &delta);
    if (nByte == 0) {
      *pzProblem = "a term number runs past its end";
      return 0;
    }
    *pa = a + nByte;
  }
  if (delta == 0 || delta > INDEX_MAX_NUMBER - prev) {
    *pzProblem = "its term numbers are not increasing 32-bit numbers";
    return 0;
  }
  return prev + delta;
}

/* The i-th weight code, checked: 0 and the problem when out of range. */
static int docs_code(const DocForm *pForm, int i, int *pCode, const char **pzProblem) {
  *pCode = papers_i16_get(pForm->aCode + 2 * (i64)i);
  if (*pCode < -PAPERS_WEIGHT_STEPS) {
    *pzProblem = "a weight code is out of range";
    return 0;
  }
  return 1;
}

static int docs_corrupt(IndexStore *p, i64 iDoc, const char *zProblem) {
  return index_store_corrupt(p, "docs", "the vector of document %lld is not valid: %s",
                             iDoc, zProblem);
}

/* ---- term numbers ------------------------------------------------------- */

/* Writes the block of T_terms from number first: ids a[0..n). */
static int docs_block_put(IndexStore *p, sqlite3_uint64 first, const sqlite3_uint64 *a,
                          int n) {
  sqlite3_stmt *pStmt;
  assert(n > 0 && n <= DOCS_TERM_BLOCK && (first - 1) % DOCS_TERM_BLOCK == 0);
  int rc = index_statement(p, STMT_TERM_PUT, &pStmt);
  unsigned char *aBlob = rc == SQLITE_OK ? sqlite3_malloc64(8 * (sqlite3_uint64)n) : 0;
  if (rc != SQLITE_OK || aBlob == 0)
    return rc != SQLITE_OK ? rc : SQLITE_NOMEM;
  for (int i = 0; i < n; i++) {
    for (int b = 0; b < 8; b++)
      aBlob[8 * i + b] = (unsigned char)(a[i] >> (8 * b));
  }
  sqlite3_bind_int64(pStmt, 1, (i64)first);
  sqlite3_bind_blob(pStmt, 2, aBlob, 8 * n, sqlite3_free);
  return index_run(pStmt);
}

/* The i-th id of a block's bytes a. */
static sqlite3_uint64 docs_block_id(const unsigned char *a, int i) {
  sqlite3_uint64 id = 0;
  for (int b = 7; b >= 0; b--)
    id = (id << 8) | a[8 * i + b];
  return id;
}

/* Checks the block of T_terms in a statement's columns iCol (first) and
** iCol + 1 (the ids): 0 and the problem unless first is 1 more than a
** multiple of DOCS_TERM_BLOCK and the BLOB 1 to DOCS_TERM_BLOCK ids; *pa its
** bytes, *pnId its ids. */
static int docs_block_check(sqlite3_stmt *pStmt, int iCol, const unsigned char **pa,
                            int *pnId, i64 *piFirst, const char **pzProblem) {
  i64 iFirst = sqlite3_column_int64(pStmt, iCol);
  const unsigned char *a = sqlite3_column_blob(pStmt, iCol + 1);
  int nByte = sqlite3_column_bytes(pStmt, iCol + 1);
  *piFirst = iFirst;
  if (iFirst < 1 || (sqlite3_uint64)iFirst > INDEX_MAX_NUMBER ||
      (iFirst - 1) % DOCS_TERM_BLOCK != 0 ||
      sqlite3_column_type(pStmt, iCol + 1) != SQLITE_BLOB || nByte % 8 != 0 ||
      nByte == 0 || nByte > 8 * DOCS_TERM_BLOCK) {
    *pzProblem = "is not a block of term ids";
    return 0;
  }
  *pnId = nByte / 8;
  *pa = a;
  return 1;
}

/* docs_block_check(), and the ids into aId, each checked to be a word term. */
static int docs_block_read(sqlite3_stmt *pStmt, int iCol, sqlite3_uint64 *aId, int *pnId,
                           i64 *piFirst, const char **pzProblem) {
  const unsigned char *a;
  if (!docs_block_check(pStmt, iCol, &a, pnId, piFirst, pzProblem))
    return 0;
  for (int i = 0; i < *pnId; i++) {
    sqlite3_uint64 id = docs_block_id(a, i);
    if (papers_is_latent_id(id)) {
      *pzProblem = "names a latent dimension";
      return 0;
    }
    aId[i] = id;
  }
  return 1;
}

/* The largest number, and the ids of its block (*pnId 0: no number yet). */
static int docs_last_block(IndexStore *p, sqlite3_uint64 *aId, int *pnId, i64 *piFirst) {
  sqlite3_stmt *pStmt;
  const char *zProblem = 0;
  *pnId = 0;
  *piFirst = 1;
  int rc = index_statement(p, STMT_TERM_LAST, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  if (sqlite3_step(pStmt) == SQLITE_ROW &&
      !docs_block_read(pStmt, 0, aId, pnId, piFirst, &zProblem)) {
    rc = index_store_corrupt(p, "terms", "the block from number %lld %s", *piFirst,
                             zProblem);
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* What a transaction's writes know of the term numbers: the last block of
** T_terms, so that it is not read again for each new term. */
struct IndexNumberCache {
  sqlite3_uint64 aLast[DOCS_TERM_BLOCK];
  int nLast;
  i64 iLastFirst;
};

void index_store_numbers_forget(IndexStore *p) {
  sqlite3_free(p->pNumbers);
  p->pNumbers = 0;
}

/* A failed write may roll a savepoint back, which forgets the cache: on
** failure it is forgotten here too, and not touched again. */
int index_store_number_new(IndexStore *p, sqlite3_uint64 id, sqlite3_uint64 *pNum) {
  int rc = SQLITE_OK;
  if (p->pNumbers == 0) {
    IndexNumberCache *pNew = sqlite3_malloc64(sizeof(IndexNumberCache));
    if (pNew == 0)
      return SQLITE_NOMEM;
    rc = docs_last_block(p, pNew->aLast, &pNew->nLast, &pNew->iLastFirst);
    if (rc != SQLITE_OK) {
      sqlite3_free(pNew);
      return rc;
    }
    p->pNumbers = pNew;
  }
  IndexNumberCache *c = p->pNumbers;
  if (c->nLast == DOCS_TERM_BLOCK) { /* full: the number opens a block */
    c->iLastFirst += DOCS_TERM_BLOCK;
    c->nLast = 0;
  }
  if ((sqlite3_uint64)c->iLastFirst + (sqlite3_uint64)c->nLast > INDEX_MAX_NUMBER) {
    index_store_numbers_forget(p);
    return index_store_corrupt(p, "terms", "there are 2^32 - 1 term numbers already");
  }
  c->aLast[c->nLast++] = id;
  *pNum = (sqlite3_uint64)c->iLastFirst + (sqlite3_uint64)c->nLast - 1;
  rc = docs_block_put(p, (sqlite3_uint64)c->iLastFirst, c->aLast, c->nLast);
  if (rc != SQLITE_OK)
    index_store_numbers_forget(p); /* read it again */
  return rc;
}

/* The number of a term of a document just added: from its row in the write
** buffer, else its vocabulary row (a term of a stored vector has one). */
static int docs_number_for(IndexStore *p, sqlite3_uint64 id, sqlite3_uint64 *pNum) {
  const WriteBuffer *pBuffer = &p->buffer;
  int iSlot = pBuffer->pSlots ? papers_idmap_find(pBuffer->pSlots, id) : -1;
  int rc = SQLITE_OK;
  if (iSlot >= 0) {
    *pNum = pBuffer->aTerm[iSlot].term.row.num;
  } else {
    VocabRow row;
    rc = index_vocab_read(p, id, &row, 0, 0, 0);
    *pNum = row.num;
  }
  if (rc == SQLITE_OK && *pNum == 0)
    rc = index_store_corrupt(p, "vocab", "term %lld of a document has no row", (i64)id);
  return rc;
}

/* The term of a number, checked to be a word term id. */
static int docs_term_of(IndexStore *p, sqlite3_uint64 num, sqlite3_uint64 *pId,
                        int *pFound) {
  sqlite3_stmt *pStmt;
  const unsigned char *a;
  int nId = 0;
  i64 iFirst;
  const char *zProblem = 0;
  *pFound = 0;
  int rc = index_statement(p, STMT_TERM_OF, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)((num - 1) / DOCS_TERM_BLOCK * DOCS_TERM_BLOCK + 1));
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    if (!docs_block_check(pStmt, 0, &a, &nId, &iFirst, &zProblem)) {
      rc = index_store_corrupt(p, "terms", "the block from number %lld %s", iFirst,
                               zProblem);
    } else if (num - (sqlite3_uint64)iFirst < (sqlite3_uint64)nId) {
      *pId = docs_block_id(a, (int)(num - (sqlite3_uint64)iFirst));
      *pFound = !papers_is_latent_id(*pId); /* else: no word term has it */
    }
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}

int index_store_terms_put(IndexStore *p, const sqlite3_uint64 *aId, int nId) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nId; i += DOCS_TERM_BLOCK) {
    int n = nId - i < DOCS_TERM_BLOCK ? nId - i : DOCS_TERM_BLOCK;
    rc = docs_block_put(p, (sqlite3_uint64)i + 1, aId + i, n);
  }
  for (int i = 1; i < nId; i++)
    assert(aId[i] > aId[i - 1]);
  return rc;
}

void index_term_names_free(IndexTermNames *pNames) {
  sqlite3_free(pNames->aId);
  memset(pNames, 0, sizeof(*pNames));
}

int index_term_names_load(IndexStore *p, IndexTermNames *pNames) {
  sqlite3_stmt *pStmt = 0;
  i64 nAlloc = 0, iFirst = 0;
  int nId = DOCS_TERM_BLOCK; /* of the block before */
  memset(pNames, 0, sizeof(*pNames));
  int rc = index_statement(p, STMT_TERMS_ALL, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zProblem = 0;
    int isFull = nId == DOCS_TERM_BLOCK;
    if (papers_grow_array((void **)&pNames->aId, sizeof(sqlite3_uint64),
                          pNames->nId + DOCS_TERM_BLOCK + 1, &nAlloc)) {
      rc = SQLITE_NOMEM;
    } else if (!docs_block_read(pStmt, 0, pNames->aId + pNames->nId + 1, &nId, &iFirst,
                                &zProblem)) {
      rc = index_store_corrupt(p, "terms", "the block from number %lld %s", iFirst,
                               zProblem);
    } else if (!isFull || iFirst != pNames->nId + 1) {
      rc = index_store_corrupt(p, "terms", "the block from number %lld follows a gap",
                               iFirst);
    } else {
      pNames->nId += nId; /* numbers from 1 */
    }
  }
  int rcReset = pStmt ? sqlite3_reset(pStmt) : SQLITE_OK;
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc != SQLITE_OK)
    index_term_names_free(pNames);
  return rc;
}

/* ---- writing ------------------------------------------------------------- */

/* The stored form of a vector whose word terms have numbers aNum (in the
** vector's order); *paBlob is sqlite3_malloc'd. */
static int docs_encode(const PapersVector *pVec, int nWord, const sqlite3_uint64 *aNum,
                       unsigned char **paBlob, int *pnBlob) {
  int nLatent = pVec->nTerm - nWord;
  int *aOrder = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nWord + 1));
  unsigned char *a =
      sqlite3_malloc64(20 + 2 * (sqlite3_uint64)pVec->nTerm + 5 * (sqlite3_uint64)nWord);
  if (aOrder == 0 || a == 0) {
    sqlite3_free(aOrder);
    sqlite3_free(a);
    return SQLITE_NOMEM;
  }
  for (int i = 0; i < nWord; i++) { /* number order: insertion, mostly short */
    int j = i;
    for (; j > 0 && aNum[aOrder[j - 1]] > aNum[i]; j--)
      aOrder[j] = aOrder[j - 1];
    aOrder[j] = i;
  }
  int n = index_varint_put(a, (sqlite3_uint64)nWord);
  n += index_varint_put(a + n, (sqlite3_uint64)nLatent);
  for (int i = 0; i < pVec->nTerm; i++) {
    int iTerm = i < nWord ? aOrder[i] : i;
    papers_i16_put(a + n + 2 * i, papers_weight_code(pVec->aWeight[iTerm]));
  }
  n += 2 * pVec->nTerm;
  sqlite3_uint64 prev = 0;
  for (int i = 0; i < nWord; i++) {
    assert(aNum[aOrder[i]] > prev);
    n += index_varint_put(a + n, aNum[aOrder[i]] - prev);
    prev = aNum[aOrder[i]];
  }
  sqlite3_free(aOrder);
  *paBlob = a;
  *pnBlob = n;
  return SQLITE_OK;
}

/* How many of a vector's terms are word terms; the rest must be latent
** dimensions 0 .. L-1 in order (as an index's vectors end). */
static int docs_word_count(const PapersVector *pVec) {
  int nWord = pVec->nTerm;
  while (nWord > 0 && papers_is_latent_id(pVec->aId[nWord - 1]))
    nWord--;
  for (int i = nWord; i < pVec->nTerm; i++)
    assert(pVec->aId[i] == PAPERS_LATENT_ID + (sqlite3_uint64)(i - nWord));
  return nWord;
}

static int docs_write(IndexStore *p, i64 iDoc, const PapersVector *pVec, int nWord,
                      const sqlite3_uint64 *aNum) {
  unsigned char *aBlob = 0;
  int nBlob = 0;
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_DOC_PUT, &pStmt);
  if (rc == SQLITE_OK)
    rc = docs_encode(pVec, nWord, aNum, &aBlob, &nBlob);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  sqlite3_bind_blob(pStmt, 2, aBlob, nBlob, sqlite3_free);
  return index_run(pStmt);
}

int index_store_doc_put(IndexStore *p, i64 iDoc, const PapersVector *pVec) {
  int nWord = docs_word_count(pVec);
  sqlite3_uint64 *aNum =
      sqlite3_malloc64(sizeof(sqlite3_uint64) * (sqlite3_uint64)(nWord + 1));
  if (aNum == 0)
    return SQLITE_NOMEM;
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nWord; i++)
    rc = docs_number_for(p, pVec->aId[i], &aNum[i]);
  if (rc == SQLITE_OK)
    rc = docs_write(p, iDoc, pVec, nWord, aNum);
  sqlite3_free(aNum);
  return rc;
}

int index_store_doc_put_numbered(IndexStore *p, i64 iDoc, const PapersVector *pVec,
                                 const sqlite3_uint64 *aNum) {
  return docs_write(p, iDoc, pVec, docs_word_count(pVec), aNum);
}

int index_store_doc_delete(IndexStore *p, i64 iDoc) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_DOC_DELETE, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  return index_run(pStmt);
}

/* ---- reading -------------------------------------------------------------- */

/* A decoded term: its id and its weight. */
typedef struct DocTerm {
  sqlite3_uint64 id;
  float weight;
} DocTerm;

static int docs_compare_terms(const void *pA, const void *pB) {
  const DocTerm *a = pA, *b = pB;
  return (a->id > b->id) - (a->id < b->id);
}

/* Decodes a stored form into *pVec (ids in increasing order), naming terms
** from pNames when it is given (else one T_terms lookup each). */
static int docs_decode(IndexStore *p, i64 iDoc, const unsigned char *a, int n,
                       const IndexTermNames *pNames, PapersVector *pVec) {
  DocForm form;
  const char *zProblem = 0;
  memset(pVec, 0, sizeof(*pVec));
  if (!docs_form(a, n, &form, &zProblem))
    return docs_corrupt(p, iDoc, zProblem);
  int nTerm = form.nWord + form.nLatent;
  DocTerm *aTerm = sqlite3_malloc64(sizeof(DocTerm) * (sqlite3_uint64)(form.nWord + 1));
  int rc = aTerm ? papers_vector_alloc(pVec, nTerm) : SQLITE_NOMEM;
  const unsigned char *aNum = form.aNum;
  sqlite3_uint64 num = 0;
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    int code, isFound = 0;
    if (!docs_code(&form, i, &code, &zProblem))
      break;
    if (i >= form.nWord) {
      pVec->aId[i] = PAPERS_LATENT_ID + (sqlite3_uint64)(i - form.nWord);
      pVec->aWeight[i] = papers_weight_of_code(code);
      continue;
    }
    num = docs_next_number(&aNum, form.aEnd, num, &zProblem);
    if (num == 0)
      break;
    if (pNames && num <= (sqlite3_uint64)pNames->nId) {
      aTerm[i].id = pNames->aId[num];
      isFound = 1;
    } else { /* a term numbered since the names were loaded, or no names */
      rc = docs_term_of(p, num, &aTerm[i].id, &isFound);
    }
    if (rc == SQLITE_OK && !isFound) {
      rc = index_store_corrupt(p, "docs",
                               "the vector of document %lld names term number"
                               " %lld, which no word term has",
                               iDoc, (i64)num);
    }
    aTerm[i].weight = papers_weight_of_code(code);
  }
  if (rc == SQLITE_OK && zProblem == 0 && aNum != form.aEnd)
    zProblem = "its term numbers do not end where it ends";
  if (rc == SQLITE_OK && zProblem == 0) {
    qsort(aTerm, (size_t)form.nWord, sizeof(DocTerm), docs_compare_terms);
    for (int i = 0; i < form.nWord; i++) {
      if (i > 0 && aTerm[i].id == aTerm[i - 1].id)
        zProblem = "two of its term numbers name the same term";
      pVec->aId[i] = aTerm[i].id;
      pVec->aWeight[i] = aTerm[i].weight;
    }
  }
  if (rc == SQLITE_OK && zProblem)
    rc = docs_corrupt(p, iDoc, zProblem);
  sqlite3_free(aTerm);
  if (rc != SQLITE_OK)
    papers_vector_free(pVec);
  return rc;
}

/* Decodes the vector in a statement's column iCol. */
static int docs_column(IndexStore *p, i64 iDoc, sqlite3_stmt *pStmt, int iCol,
                       const IndexTermNames *pNames, PapersVector *pVec) {
  if (sqlite3_column_type(pStmt, iCol) != SQLITE_BLOB) {
    memset(pVec, 0, sizeof(*pVec));
    return docs_corrupt(p, iDoc, "it is not a BLOB");
  }
  return docs_decode(p, iDoc, sqlite3_column_blob(pStmt, iCol),
                     sqlite3_column_bytes(pStmt, iCol), pNames, pVec);
}

int index_store_doc_get_named(IndexStore *p, const IndexTermNames *pNames, i64 iDoc,
                              PapersVector *pVec, int *pFound) {
  sqlite3_stmt *pStmt;
  *pFound = 0;
  memset(pVec, 0, sizeof(*pVec)); /* callers may free it whatever happens */
  int rc = index_statement(p, STMT_DOC_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    rc = docs_column(p, iDoc, pStmt, 0, pNames, pVec);
    *pFound = rc == SQLITE_OK;
  }
  int rcReset = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc != SQLITE_OK) {
    papers_vector_free(pVec);
    *pFound = 0;
  }
  return rc;
}

int index_store_doc_get(IndexStore *p, i64 iDoc, PapersVector *pVec, int *pFound) {
  return index_store_doc_get_named(p, 0, iDoc, pVec, pFound);
}

int index_store_docs_scan(IndexStore *p, int (*xDoc)(void *, i64, const PapersVector *),
                          void *pCtx) {
  IndexTermNames names;
  sqlite3_stmt *pStmt = 0; /* stays 0 when index_statement() fails */
  int rc = index_term_names_load(p, &names);
  if (rc == SQLITE_OK)
    rc = index_statement(p, STMT_DOCS_ALL, &pStmt);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    PapersVector vec;
    rc = docs_column(p, sqlite3_column_int64(pStmt, 0), pStmt, 1, &names, &vec);
    if (rc == SQLITE_OK)
      rc = xDoc(pCtx, sqlite3_column_int64(pStmt, 0), &vec);
    papers_vector_free(&vec);
  }
  int rcReset = pStmt ? sqlite3_reset(pStmt) : SQLITE_OK;
  index_term_names_free(&names);
  return rc == SQLITE_OK ? rcReset : rc;
}

/* ---- the dot product with a query ------------------------------------------ */

/* A query's word term that has a number: the number and where the term is in
** the query (id order). */
typedef struct QueryNumber {
  sqlite3_uint64 num;
  int iPos;
} QueryNumber;

struct IndexDocQuery {
  const PapersVector *pQuery;
  QueryNumber *aNumber; /* in number order */
  int nNumber;
  int aLatentPos[PAPERS_MAX_LATENT]; /* query position of latent dimension k, or -1 */
  int *aMatch;                       /* scratch: matched query positions */
  double *aProduct;                  /* scratch: their products, by position */
};

static int docs_compare_query_numbers(const void *pA, const void *pB) {
  const QueryNumber *a = pA, *b = pB;
  return (a->num > b->num) - (a->num < b->num);
}

void index_store_query_done(IndexStore *p) {
  IndexDocQuery *q = p->pDocQuery;
  if (q == 0)
    return;
  sqlite3_free(q->aNumber);
  sqlite3_free(q->aMatch);
  sqlite3_free(q->aProduct);
  sqlite3_free(q);
  p->pDocQuery = 0;
}

/* Looks up the numbers of the query's word terms (once per query). */
static int docs_query_prepare(IndexStore *p, const PapersVector *pQuery) {
  index_store_query_done(p);
  IndexDocQuery *q = sqlite3_malloc64(sizeof(*q));
  if (q == 0)
    return SQLITE_NOMEM;
  memset(q, 0, sizeof(*q));
  p->pDocQuery = q;
  q->pQuery = pQuery;
  sqlite3_uint64 n = (sqlite3_uint64)pQuery->nTerm + 1;
  q->aNumber = sqlite3_malloc64(sizeof(QueryNumber) * n);
  q->aMatch = sqlite3_malloc64(sizeof(int) * n);
  q->aProduct = sqlite3_malloc64(sizeof(double) * n);
  if (q->aNumber == 0 || q->aMatch == 0 || q->aProduct == 0)
    return SQLITE_NOMEM;
  for (int k = 0; k < PAPERS_MAX_LATENT; k++)
    q->aLatentPos[k] = -1;
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < pQuery->nTerm; i++) {
    sqlite3_uint64 id = pQuery->aId[i], num = 0;
    if (papers_is_latent_id(id)) {
      if (id - PAPERS_LATENT_ID < PAPERS_MAX_LATENT)
        q->aLatentPos[id - PAPERS_LATENT_ID] = i;
      continue;
    }
    VocabRow row;
    rc = index_vocab_read(p, id, &row, 0, 0, 0);
    num = row.num;
    if (rc == SQLITE_OK && num != 0) {
      q->aNumber[q->nNumber].num = num;
      q->aNumber[q->nNumber++].iPos = i;
    }
  }
  qsort(q->aNumber, (size_t)q->nNumber, sizeof(QueryNumber), docs_compare_query_numbers);
  return rc;
}

int index_store_query_begin(IndexStore *p, const PapersVector *pQuery) {
  int rc = docs_query_prepare(p, pQuery);
  if (rc != SQLITE_OK)
    index_store_query_done(p);
  return rc;
}

/* The dot product of the prepared query and a stored form: the matched
** products, added in the query's (id) order as papers_vector_dot() adds them. */
static int docs_dot(const IndexDocQuery *q, const unsigned char *a, int n, double *pDot,
                    const char **pzProblem) {
  DocForm form;
  const PapersVector *pQuery = q->pQuery;
  if (!docs_form(a, n, &form, pzProblem))
    return SQLITE_ERROR;
  int nMatch = 0, iNumber = 0, code;
  const unsigned char *aNum = form.aNum;
  sqlite3_uint64 num = 0;
  for (int i = 0; i < form.nWord; i++) {
    num = docs_next_number(&aNum, form.aEnd, num, pzProblem);
    if (num == 0)
      return SQLITE_ERROR;
    while (iNumber < q->nNumber && q->aNumber[iNumber].num < num)
      iNumber++;
    if (iNumber < q->nNumber && q->aNumber[iNumber].num == num) {
      if (!docs_code(&form, i, &code, pzProblem))
        return SQLITE_ERROR;
      int iPos = q->aNumber[iNumber++].iPos, j = nMatch++;
      for (; j > 0 && q->aMatch[j - 1] > iPos; j--) /* keep positions in order */
        q->aMatch[j] = q->aMatch[j - 1];
      q->aMatch[j] = iPos;
      q->aProduct[iPos] =
          (double)pQuery->aWeight[iPos] * (double)papers_weight_of_code(code);
    }
  }
  if (aNum != form.aEnd) {
    *pzProblem = "its term numbers do not end where it ends";
    return SQLITE_ERROR;
  }
  double dot = 0;
  for (int j = 0; j < nMatch; j++)
    dot += q->aProduct[q->aMatch[j]];
  for (int k = 0; k < form.nLatent; k++) { /* latent ids come after every word id */
    int iPos = q->aLatentPos[k];
    if (iPos < 0)
      continue;
    if (!docs_code(&form, form.nWord + k, &code, pzProblem))
      return SQLITE_ERROR;
    dot += (double)pQuery->aWeight[iPos] * (double)papers_weight_of_code(code);
  }
  *pDot = dot;
  return SQLITE_OK;
}

int index_store_doc_dot(IndexStore *p, i64 iDoc, const PapersVector *pQuery, double *pDot,
                        int *pFound) {
  sqlite3_stmt *pStmt;
  *pFound = 0;
  *pDot = 0;
  int rc = SQLITE_OK;
  if (p->pDocQuery == 0 || p->pDocQuery->pQuery != pQuery)
    rc = index_store_query_begin(p, pQuery);
  if (rc == SQLITE_OK)
    rc = index_statement(p, STMT_DOC_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iDoc);
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zProblem = "it is not a BLOB";
    rc = sqlite3_column_type(pStmt, 0) == SQLITE_BLOB
             ? docs_dot(p->pDocQuery, sqlite3_column_blob(pStmt, 0),
                        sqlite3_column_bytes(pStmt, 0), pDot, &zProblem)
             : SQLITE_ERROR;
    if (rc == SQLITE_ERROR)
      rc = docs_corrupt(p, iDoc, zProblem);
    *pFound = rc == SQLITE_OK;
  }
  int rcReset = sqlite3_reset(pStmt);
  return rc == SQLITE_OK ? rcReset : rc;
}
