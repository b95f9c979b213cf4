/*
** index_build_rows.c: rebuild's counting, the content rows analysed on two
** threads.
**
** Contract:
**   - index_build_rows() reads every row of a content scan on the calling
**     (the connection's) thread, in batches whose texts are copied, and hands
**     each row's counts to xAdd on the calling thread, in scan order, with
**     the counts index_count_document() would give: the caller sees what one
**     thread would have seen, so that the rebuilt index is the same bytes.
**   - While the connection's thread reads the next batch, a second thread
**     (papers_side_start) analyses the current one; the connection's thread
**     then analyses beside it, the two taking BUILD_ROWS_CHUNK documents at a
**     time, and adds the counts once the batch is done. The second thread
**     has a tokenizer instance of its own (papers_analyzer_copy) and a
**     PapersCounts of its own; it never touches the connection, so
**     sqlite3_step(), and with it sqlite3_interrupt(), stay on the
**     connection's thread.
**   - The second thread runs only where the build has threads
**     (PAPERS_THREADS), SQLite's mutexes are on (serialized or multi-thread
**     mode, not single-thread: SQLite's allocator is then safe from two
**     threads), and the tokenizers are FTS5's own
**     (papers_analyzer_is_copyable). Otherwise, or when the thread cannot be
**     started, the calling thread analyses every batch itself: the same
**     batches, each document's counts the same, the same result.
**   - Memory: two batches of at most BUILD_ROWS_BATCH_DOCS rows or about
**     BUILD_ROWS_BATCH_BYTES of text, and their counts.
*/
#include "index.h"

#include <string.h>

#ifndef BUILD_ROWS_BATCH_DOCS /* the asan build makes it small, to test many batches */
#define BUILD_ROWS_BATCH_DOCS 512
#endif
#define BUILD_ROWS_BATCH_BYTES (2 << 20)
#define BUILD_ROWS_CHUNK       8 /* documents an analyser takes at a time */

/* A content row of a batch. */
typedef struct BuildRowsDoc {
  i64 iDoc;   /* its rowid */
  i64 iText;  /* its first column's text in BuildRowsBatch.aText */
  int rc;     /* its analysis' result */
  int iOut;   /* the analyser whose BuildRowsOut holds its counts */
  i64 iCount; /* its first count there */
  int nCount;
} BuildRowsDoc;

/* A count as an analyser keeps it: its surface form by offset, since the
** surface arena grows. */
typedef struct BuildRowsCount {
  sqlite3_uint64 id;
  double tf;
  i64 iSurface;
  int nSurface;
  int isPhrase;
} BuildRowsCount;

/* What one analyser wrote for one batch. */
typedef struct BuildRowsOut {
  BuildRowsCount *aCount;
  i64 nCount, nCountAlloc;
  char *aSurface;
  i64 nSurface, nSurfaceAlloc;
} BuildRowsOut;

/* A batch of content rows: texts, then their counts. */
typedef struct BuildRowsBatch {
  BuildRowsDoc *aDoc;
  int nDoc;
  i64 nDocAlloc;
  int *anText; /* per document and column: the text's bytes, -1 for NULL */
  i64 nLengthAlloc;
  char *aText; /* the texts, each followed by a 0 */
  i64 nText, nTextAlloc;
  BuildRowsOut aOut[2]; /* [0] the connection's thread's, [1] the worker's */
  int iNext;            /* the next document to analyse (under the lock) */
} BuildRowsBatch;

/* One analyser: a tokenizer instance and a PapersCounts of its own. */
typedef struct BuildRowsAnalyser {
  PapersAnalyzer *pAnalyzer;
  PapersCounts *pCounts;
} BuildRowsAnalyser;

typedef struct BuildRows {
  const IndexConfig *pConfig;
  BuildRowsBatch aBatch[2];
  BuildRowsAnalyser aAnalyser[2];
  PapersCount *aCount; /* the counts handed to xAdd */
  i64 nCountAlloc;
  int hasWorker;           /* a second thread may analyse, with aAnalyser[1] */
  sqlite3_mutex *pMutex;   /* with a worker: guards a batch's iNext */
  PapersSide side;         /* the second thread's analysis of a batch */
  BuildRowsBatch *pPosted; /* the batch it analyses, until joined, or 0 */
  int isScanDone;          /* the scan gave SQLITE_DONE: step it no more */
} BuildRows;

/* ---- analysing ---------------------------------------------------------- */

/* Keeps a document's finished counts in an analyser's output. */
static int build_rows_keep(BuildRowsOut *pOut, const PapersCount *aCount, int nCount,
                           BuildRowsDoc *pDoc) {
  int rc = papers_grow_array((void **)&pOut->aCount, sizeof(BuildRowsCount),
                             pOut->nCount + nCount, &pOut->nCountAlloc);
  pDoc->iCount = pOut->nCount;
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    rc = papers_grow_array((void **)&pOut->aSurface, 1,
                           pOut->nSurface + aCount[i].nSurface, &pOut->nSurfaceAlloc);
    if (rc != SQLITE_OK)
      break;
    BuildRowsCount *pKept = &pOut->aCount[pOut->nCount++];
    pKept->id = aCount[i].id;
    pKept->tf = aCount[i].tf;
    pKept->isPhrase = aCount[i].isPhrase;
    pKept->iSurface = pOut->nSurface;
    pKept->nSurface = aCount[i].nSurface;
    memcpy(pOut->aSurface + pOut->nSurface, aCount[i].zSurface,
           (size_t)aCount[i].nSurface);
    pOut->nSurface += aCount[i].nSurface;
  }
  pDoc->nCount = (int)(pOut->nCount - pDoc->iCount);
  return rc;
}

/* Analyses the iDoc-th document of a batch, as index_count_document() does. */
static void build_rows_analyse(BuildRows *p, BuildRowsBatch *pBatch, int iDoc,
                               int iAnalyser) {
  const IndexConfig *pConfig = p->pConfig;
  BuildRowsAnalyser *pA = &p->aAnalyser[iAnalyser];
  BuildRowsDoc *pDoc = &pBatch->aDoc[iDoc];
  /* An offset, not a pointer: a batch whose texts are all NULL has no aText. */
  i64 iText = pDoc->iText;
  int rc = SQLITE_OK;
  papers_counts_reset(pA->pCounts);
  for (int c = 0; rc == SQLITE_OK && c < pConfig->nColumn; c++) {
    int n = pBatch->anText[(i64)iDoc * pConfig->nColumn + c];
    if (n < 0)
      continue;
    assert(pBatch->aText != 0);
    rc = papers_counts_add(pA->pCounts, pA->pAnalyzer, pBatch->aText + iText, n,
                           pConfig->aWeight[c]);
    iText += n + 1;
  }
  if (rc == SQLITE_OK)
    rc = papers_counts_finish(pA->pCounts);
  pDoc->iOut = iAnalyser;
  pDoc->nCount = 0;
  if (rc == SQLITE_OK) {
    int nCount;
    const PapersCount *aCount = papers_counts(pA->pCounts, &nCount);
    rc = build_rows_keep(&pBatch->aOut[iAnalyser], aCount, nCount, pDoc);
  }
  pDoc->rc = rc;
}

/* Analyses documents of a batch, BUILD_ROWS_CHUNK at a time, until none is
** left (papers_side_lock(0), without a worker, does nothing). */
static void build_rows_analyse_batch(BuildRows *p, BuildRowsBatch *pBatch,
                                     int iAnalyser) {
  for (;;) {
    papers_side_lock(p->pMutex);
    int iFirst = pBatch->iNext;
    int n = pBatch->nDoc - iFirst < BUILD_ROWS_CHUNK ? pBatch->nDoc - iFirst
                                                     : BUILD_ROWS_CHUNK;
    pBatch->iNext += n;
    papers_side_unlock(p->pMutex);
    if (n == 0)
      return;
    for (int i = iFirst; i < iFirst + n; i++)
      build_rows_analyse(p, pBatch, i, iAnalyser);
  }
}

/* Whether SQLite's mutexes are on (serialized or multi-thread mode), so that
** its allocator is safe from two threads, and the build has threads. In
** single-thread mode every mutex is the same no-op one; two static mutexes
** are two only with real ones. */
int index_build_may_thread(void) {
  return PAPERS_THREADS && sqlite3_threadsafe() &&
         sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1) !=
             sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP2);
}

/* Prepares the worker (a tokenizer instance and counts of its own, the
** lock), when the build, the connection and the tokenizer allow; without it
** the calling thread analyses everything. */
static int build_rows_start_worker(BuildRows *p) {
  int isCopyable = 0;
  int rc = papers_analyzer_is_copyable(p->aAnalyser[0].pAnalyzer, &isCopyable);
  if (rc != SQLITE_OK || !isCopyable || !index_build_may_thread())
    return rc;
  rc = papers_analyzer_copy(p->aAnalyser[0].pAnalyzer, &p->aAnalyser[1].pAnalyzer);
  if (rc == SQLITE_OK) {
    p->aAnalyser[1].pCounts = papers_counts_new();
    rc = p->aAnalyser[1].pCounts ? SQLITE_OK : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK)
    p->pMutex = papers_side_mutex_new();
  p->hasWorker = rc == SQLITE_OK && p->pMutex != 0; /* no lock: no worker */
  return rc;
}

/* The second thread's work: the batch posted, with the worker's analyser
** (the calling thread's where there is no worker: papers_side_start then
** runs it there). */
static void build_rows_side(void *pArg) {
  BuildRows *p = pArg;
  build_rows_analyse_batch(p, p->pPosted, p->hasWorker ? 1 : 0);
}

/* Starts the analysis of a batch on the second thread. */
static void build_rows_post(BuildRows *p, BuildRowsBatch *pBatch) {
  assert(p->pPosted == 0);
  p->pPosted = pBatch;
  papers_side_start(&p->side, build_rows_side, p, p->hasWorker);
}

/* Analyses what is left of the batch posted beside the second thread, then
** waits for it. */
static void build_rows_finish_batch(BuildRows *p) {
  assert(p->pPosted != 0);
  build_rows_analyse_batch(p, p->pPosted, 0);
  papers_side_join(&p->side);
  p->pPosted = 0;
}

/* ---- reading and adding ------------------------------------------------- */

/* Copies the content row the scan is on into a batch. */
static int build_rows_copy(BuildRows *p, BuildRowsBatch *pBatch, sqlite3_stmt *pScan) {
  int nColumn = p->pConfig->nColumn;
  int rc = papers_grow_array((void **)&pBatch->aDoc, sizeof(BuildRowsDoc),
                             pBatch->nDoc + 1, &pBatch->nDocAlloc);
  if (rc == SQLITE_OK) {
    rc = papers_grow_array((void **)&pBatch->anText, sizeof(int),
                           (i64)(pBatch->nDoc + 1) * nColumn, &pBatch->nLengthAlloc);
  }
  if (rc != SQLITE_OK)
    return rc;
  BuildRowsDoc *pDoc = &pBatch->aDoc[pBatch->nDoc];
  int *anText = pBatch->anText + (i64)pBatch->nDoc * nColumn;
  pDoc->iDoc = sqlite3_column_int64(pScan, 0);
  pDoc->iText = pBatch->nText;
  for (int c = 0; c < nColumn; c++) {
    const char *z = (const char *)sqlite3_column_text(pScan, c + 1);
    int n = sqlite3_column_bytes(pScan, c + 1);
    anText[c] = -1;
    if (z == 0) {
      if (sqlite3_column_type(pScan, c + 1) != SQLITE_NULL)
        return SQLITE_NOMEM; /* the text could not be made */
      continue;
    }
    rc = papers_grow_array((void **)&pBatch->aText, 1, pBatch->nText + n + 1,
                           &pBatch->nTextAlloc);
    if (rc != SQLITE_OK)
      return rc;
    memcpy(pBatch->aText + pBatch->nText, z, (size_t)n);
    pBatch->aText[pBatch->nText + n] = 0;
    pBatch->nText += n + 1;
    anText[c] = n;
  }
  pBatch->nDoc++;
  return SQLITE_OK;
}

/* Reads the next batch of content rows (none at the end of the scan). */
static int build_rows_read(BuildRows *p, BuildRowsBatch *pBatch, sqlite3_stmt *pScan) {
  pBatch->nDoc = 0;
  pBatch->nText = 0;
  pBatch->iNext = 0;
  for (int i = 0; i < 2; i++) {
    pBatch->aOut[i].nCount = 0;
    pBatch->aOut[i].nSurface = 0;
  }
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && !p->isScanDone && pBatch->nDoc < BUILD_ROWS_BATCH_DOCS &&
         pBatch->nText < BUILD_ROWS_BATCH_BYTES) {
    int rcStep = sqlite3_step(pScan);
    p->isScanDone = rcStep != SQLITE_ROW;
    if (rcStep != SQLITE_ROW)
      return rcStep == SQLITE_DONE ? SQLITE_OK : sqlite3_reset(pScan);
    rc = build_rows_copy(p, pBatch, pScan);
  }
  return rc;
}

/* Hands a batch's counts to xAdd, document by document; the first document
** whose analysis failed stops it with its error. */
static int build_rows_add(BuildRows *p, const BuildRowsBatch *pBatch,
                          int (*xAdd)(void *, i64, const PapersCount *, int),
                          void *pCtx) {
  int rc = SQLITE_OK;
  for (int d = 0; rc == SQLITE_OK && d < pBatch->nDoc; d++) {
    const BuildRowsDoc *pDoc = &pBatch->aDoc[d];
    const BuildRowsOut *pOut = &pBatch->aOut[pDoc->iOut];
    rc = pDoc->rc;
    if (rc == SQLITE_OK) {
      rc = papers_grow_array((void **)&p->aCount, sizeof(PapersCount), pDoc->nCount + 1,
                             &p->nCountAlloc);
    }
    for (int i = 0; rc == SQLITE_OK && i < pDoc->nCount; i++) {
      const BuildRowsCount *pKept = &pOut->aCount[pDoc->iCount + i];
      p->aCount[i].id = pKept->id;
      p->aCount[i].tf = pKept->tf;
      p->aCount[i].isPhrase = pKept->isPhrase;
      p->aCount[i].zSurface = pOut->aSurface + pKept->iSurface;
      p->aCount[i].nSurface = pKept->nSurface;
    }
    if (rc == SQLITE_OK)
      rc = xAdd(pCtx, pDoc->iDoc, p->aCount, pDoc->nCount);
  }
  return rc;
}

/* Reads, analyses and adds every batch: batch i is analysed (by the second
** thread, then both) while batch i + 1 is read, and added once done. */
static int build_rows_run(BuildRows *p, sqlite3_stmt *pScan,
                          int (*xAdd)(void *, i64, const PapersCount *, int),
                          void *pCtx) {
  int iCur = 0;
  int rc = build_rows_read(p, &p->aBatch[0], pScan);
  if (rc == SQLITE_OK && p->aBatch[0].nDoc > 0)
    build_rows_post(p, &p->aBatch[0]);
  while (rc == SQLITE_OK && p->aBatch[iCur].nDoc > 0) {
    BuildRowsBatch *pCur = &p->aBatch[iCur], *pNext = &p->aBatch[1 - iCur];
    int rcRead = build_rows_read(p, pNext, pScan);
    build_rows_finish_batch(p);
    if (rcRead == SQLITE_OK && pNext->nDoc > 0)
      build_rows_post(p, pNext);
    rc = build_rows_add(p, pCur, xAdd, pCtx); /* a row's error before a later read's */
    if (rc == SQLITE_OK)
      rc = rcRead;
    iCur = 1 - iCur;
  }
  /* the second thread may be in the batch posted last: wait until it is done */
  if (p->pPosted)
    build_rows_finish_batch(p);
  return rc;
}

static void build_rows_free(BuildRows *p) {
  for (int b = 0; b < 2; b++) {
    BuildRowsBatch *pBatch = &p->aBatch[b];
    sqlite3_free(pBatch->aDoc);
    sqlite3_free(pBatch->anText);
    sqlite3_free(pBatch->aText);
    for (int i = 0; i < 2; i++) {
      sqlite3_free(pBatch->aOut[i].aCount);
      sqlite3_free(pBatch->aOut[i].aSurface);
    }
  }
  papers_counts_free(p->aAnalyser[0].pCounts);
  papers_counts_free(p->aAnalyser[1].pCounts);
  papers_analyzer_free(p->aAnalyser[1].pAnalyzer); /* [0] is the connection's */
  sqlite3_free(p->aCount);
  papers_side_mutex_free(p->pMutex);
}

int index_build_rows(sqlite3_stmt *pScan, const IndexConfig *pConfig,
                     PapersAnalyzer *pAnalyzer,
                     int (*xAdd)(void *, i64, const PapersCount *, int), void *pCtx) {
  BuildRows rows;
  memset(&rows, 0, sizeof(rows));
  rows.pConfig = pConfig;
  rows.aAnalyser[0].pAnalyzer = pAnalyzer;
  rows.aAnalyser[0].pCounts = papers_counts_new();
  int rc = rows.aAnalyser[0].pCounts ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = build_rows_start_worker(&rows);
  if (rc == SQLITE_OK)
    rc = build_rows_run(&rows, pScan, xAdd, pCtx);
  build_rows_free(&rows);
  return rc;
}
