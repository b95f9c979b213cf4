/*
** index_merge.c: moving the pending level into the main tables of a
** papers_index table: a term's pending postings merged into its blocks.
**
** Contract: blocks stay in document order and at most INDEX_BLOCK_MAX
** postings each (a full block is split); a merge writes each block it
** changes once.
*/
#include "index.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The range of the spread merge's cursor: every term id, as a double whose
** conversion to an i64 is defined (2^63 rounded down). */
#define MERGE_CURSOR_MIN (-9223372036854775808.0)
#define MERGE_CURSOR_MAX 9223372036854774784.0

/* ---- merging a run of postings into a term's blocks ------------------------ */

/* One block of a term, loaded for a run of postings to add in document order,
** and the blocks it becomes: what adding them one at a time in that order
** would make of it (a posting joins the block with the largest first <= its
** document, else the term's first block; a block of more than
** INDEX_BLOCK_MAX postings is split in halves), with one read and one write
** per block. Papers that came in rowid order, as digests do, get the blocks
** that writing them straight into T_postings made. */
typedef struct BlockRun {
  i64 iOldFirst; /* the loaded block's key */
  int hadBlock;
  /* the key of the term's next block, if it has one: postings of documents
  ** from there on belong to another run */
  i64 iNextFirst;
  int hasNext;
  IndexPosting *a; /* the run's postings, in document order */
  int n;
  int *aStart; /* where each of its blocks starts in a (aStart[0] = 0) */
  int nBlock;
} BlockRun;

static void run_free(BlockRun *pRun) {
  sqlite3_free(pRun->a);
  sqlite3_free(pRun->aStart);
}

/* The key of the term's first block after iFirst, if it has one. */
static int block_next(IndexStore *p, sqlite3_uint64 id, i64 iFirst, i64 *piNext,
                      int *pHasNext) {
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_BLOCK_NEXT, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, iFirst);
  *pHasNext = sqlite3_step(pStmt) == SQLITE_ROW;
  if (*pHasNext)
    *piNext = sqlite3_column_int64(pStmt, 0);
  return sqlite3_reset(pStmt);
}

/* Loads the block that iDoc goes to, with room for nAdd more postings. */
static int run_open(IndexStore *p, sqlite3_uint64 id, i64 iDoc, int nAdd,
                    BlockRun *pRun) {
  IndexPosting *aOld;
  int nOld;
  memset(pRun, 0, sizeof(*pRun));
  int rc = index_block_load(p, id, iDoc, &pRun->iOldFirst, &aOld, &nOld);
  pRun->hadBlock = nOld > 0;
  if (rc == SQLITE_OK && pRun->hadBlock)
    rc = block_next(p, id, pRun->iOldFirst, &pRun->iNextFirst, &pRun->hasNext);
  sqlite3_uint64 nMost = (sqlite3_uint64)nOld + (sqlite3_uint64)nAdd;
  if (rc == SQLITE_OK) {
    pRun->a = sqlite3_malloc64(sizeof(IndexPosting) * (nMost + 1));
    pRun->aStart = sqlite3_malloc64(sizeof(int) * (nMost / (INDEX_BLOCK_MAX / 2) + 2));
    if (pRun->a == 0 || pRun->aStart == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    if (nOld > 0)
      memcpy(pRun->a, aOld, sizeof(IndexPosting) * (size_t)nOld);
    pRun->n = nOld;
    pRun->aStart[0] = 0;
    pRun->nBlock = 1;
  }
  sqlite3_free(aOld);
  return rc;
}

/* Adds one posting (its document not before the previous one's). */
static void run_add(BlockRun *pRun, i64 iDoc, float weight) {
  int j = pRun->nBlock - 1;
  while (j > 0 && pRun->a[pRun->aStart[j]].iDoc > iDoc)
    j--;
  int iStart = pRun->aStart[j];
  int iEnd = j + 1 < pRun->nBlock ? pRun->aStart[j + 1] : pRun->n;
  int iAt = iStart + index_posting_search(pRun->a + iStart, iEnd - iStart, iDoc);
  if (iAt < iEnd && pRun->a[iAt].iDoc == iDoc) {
    pRun->a[iAt].weight = weight;
    return;
  }
  memmove(pRun->a + iAt + 1, pRun->a + iAt,
          sizeof(IndexPosting) * (size_t)(pRun->n - iAt));
  pRun->a[iAt].iDoc = iDoc;
  pRun->a[iAt].weight = weight;
  pRun->n++;
  for (int k = j + 1; k < pRun->nBlock; k++)
    pRun->aStart[k]++;
  int nInBlock = iEnd + 1 - iStart;
  if (nInBlock > INDEX_BLOCK_MAX) { /* block j splits in halves */
    memmove(pRun->aStart + j + 2, pRun->aStart + j + 1,
            sizeof(int) * (size_t)(pRun->nBlock - j - 1));
    pRun->aStart[j + 1] = iStart + nInBlock / 2;
    pRun->nBlock++;
  }
}

/* Writes the run's blocks, deleting the loaded block's row if its key changed. */
static int run_flush(IndexStore *p, sqlite3_uint64 id, const BlockRun *pRun) {
  int rc = SQLITE_OK;
  if (pRun->hadBlock && pRun->a[0].iDoc != pRun->iOldFirst)
    rc = index_block_delete(p, id, pRun->iOldFirst);
  for (int k = 0; rc == SQLITE_OK && k < pRun->nBlock; k++) {
    int iEnd = k + 1 < pRun->nBlock ? pRun->aStart[k + 1] : pRun->n;
    rc = index_block_write(p, id, pRun->a + pRun->aStart[k], iEnd - pRun->aStart[k]);
  }
  return rc;
}

/* Adds a term's postings a[0..n) (document order) to its blocks. */
int index_postings_merge(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < n;) {
    BlockRun run;
    rc = run_open(p, id, a[i].iDoc, n - i, &run);
    /* the first posting always goes to this run: its block's next starts after it */
    for (; rc == SQLITE_OK && i < n && (!run.hasNext || a[i].iDoc < run.iNextFirst); i++)
      run_add(&run, a[i].iDoc, a[i].weight);
    if (rc == SQLITE_OK)
      rc = run_flush(p, id, &run);
    run_free(&run);
  }
  return rc;
}

/* Moves one term's pending row (pRow: df, surface, votes, maxw, num,
** first, postings, term) into the vocabulary and the blocks; *pnMoved (may be 0)
** gets its count of postings. */
static int merge_term(IndexStore *p, sqlite3_stmt *pRow, int *pnMoved) {
  sqlite3_uint64 id = (sqlite3_uint64)sqlite3_column_int64(pRow, 7);
  VocabRow row;
  IndexPosting *a = 0;
  int n = 0;
  memset(&row, 0, sizeof(row));
  int rc = index_vocab_row_from(p, "pending", id, pRow, &row, 1);
  if (rc == SQLITE_OK)
    rc = index_vocab_write_main(p, id, &row);
  if (rc == SQLITE_OK)
    rc = index_pending_postings_from(p, id, pRow, 5, &a, &n);
  if (rc == SQLITE_OK && n > 0)
    rc = index_postings_merge(p, id, a, n);
  if (pnMoved)
    *pnMoved = n;
  sqlite3_free(row.zOwned);
  sqlite3_free(a);
  return rc;
}

int index_store_merge(IndexStore *p) {
  sqlite3_stmt *pAll, *pClear;
  int rc = index_store_flush_drop(p); /* it moves rows the buffer holds */
  if (rc == SQLITE_OK)
    rc = index_statement(p, STMT_PENDING_ALL, &pAll);
  if (rc != SQLITE_OK)
    return rc;
  while (rc == SQLITE_OK && sqlite3_step(pAll) == SQLITE_ROW)
    rc = merge_term(p, pAll, 0);
  int rcReset = sqlite3_reset(pAll);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc == SQLITE_OK)
    rc = index_statement(p, STMT_PENDING_CLEAR, &pClear);
  if (rc == SQLITE_OK)
    rc = index_run(pClear);
  return rc == SQLITE_OK ? index_config_set(p, "pending", 0, 1) : rc;
}

/* ---- the spread merge ------------------------------------------------------ */

/* The term the last spread merge stopped at. A double holds it: rounded, it
** is still a place to resume from (a term skipped waits for the next round). */
static int merge_cursor_get(IndexStore *p, i64 *piTerm) {
  double value;
  int rc = index_config_get(p, "merge_at", 1, MERGE_CURSOR_MIN, MERGE_CURSOR_MAX, &value);
  *piTerm = (i64)value;
  return rc;
}

/* Merges the first pending row after term iAfter, if there is one (*pHasRow):
** into the main tables, then out of the pending level; *piTerm is its term,
** *pnMoved its postings. */
static int merge_next(IndexStore *p, i64 iAfter, int *pHasRow, i64 *piTerm,
                      int *pnMoved) {
  sqlite3_stmt *pStmt, *pDelete;
  *pnMoved = 0;
  int rc = index_statement(p, STMT_PENDING_AFTER, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, iAfter);
  *pHasRow = sqlite3_step(pStmt) == SQLITE_ROW;
  if (*pHasRow) {
    *piTerm = sqlite3_column_int64(pStmt, 7);
    rc = merge_term(p, pStmt, pnMoved);
  }
  int rcReset = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc == SQLITE_OK && *pHasRow)
    rc = index_buffer_merged(p, (sqlite3_uint64)*piTerm);
  if (rc == SQLITE_OK && *pHasRow)
    rc = index_statement(p, STMT_PENDING_DELETE, &pDelete);
  if (rc == SQLITE_OK && *pHasRow) {
    sqlite3_bind_int64(pDelete, 1, *piTerm);
    rc = index_run(pDelete);
  }
  return rc;
}

int index_store_merge_some(IndexStore *p) {
  i64 nPending = 0, iCursor = 0, nMoved = 0, nAdded = p->nFlushed;
  p->nFlushed = 0;
  if (nAdded <= 0)
    return SQLITE_OK; /* nothing written: nothing read either */
  int rc = index_store_pending_count(p, &nPending);
  if (rc != SQLITE_OK || nPending <= p->nPendingMax)
    return rc;
  rc = index_store_flush(p); /* the buffer's terms follow their rows (merge_next) */
  if (rc == SQLITE_OK)
    rc = merge_cursor_get(p, &iCursor);
  int hasWrapped = 0;
  while (rc == SQLITE_OK && nMoved < nAdded) {
    int hasRow = 0, n = 0;
    rc = merge_next(p, iCursor, &hasRow, &iCursor, &n);
    nMoved += n;
    if (rc == SQLITE_OK && !hasRow) {
      if (hasWrapped || iCursor == INT64_MIN)
        break;             /* the level is empty */
      iCursor = INT64_MIN; /* wraps: on from the first term */
      hasWrapped = 1;
    }
  }
  if (rc == SQLITE_OK) {
    double cursor = (double)iCursor;
    rc = index_config_set(p, "merge_at",
                          cursor > MERGE_CURSOR_MAX ? MERGE_CURSOR_MAX : cursor, 1);
  }
  if (rc == SQLITE_OK) {
    i64 nLeft = 0;
    rc = index_store_pending_count(p, &nLeft);
    if (rc == SQLITE_OK)
      rc = index_config_set(p, "pending", (double)(nLeft - nMoved), 1);
  }
  return rc;
}
