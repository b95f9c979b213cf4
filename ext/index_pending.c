/*
** index_pending.c: the pending level (T_pending, index.h) and the write
** buffer of a papers_index table: what added documents changed, kept in a
** small table until a merge, and what the additions of the current
** transaction changed, kept in memory until a flush.
**
** Contract: every read sees both levels (a term's row from T_pending when it
** is there, else from T_vocab; its postings from both, in document order);
** an addition prepares everything before it changes the buffer, so that a
** failure never leaves half an addition to commit (see the write buffer's
** comment below).
*/
#include "index.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the pending level -------------------------------------------------- */

static int term_read(IndexStore *p, sqlite3_uint64 id, PendingTerm *pTerm) {
  memset(pTerm, 0, sizeof(*pTerm));
  pTerm->id = id;
  return index_vocab_read(p, id, &pTerm->row, 1, &pTerm->aPosting, &pTerm->nPosting);
}

static int pending_write(IndexStore *p, sqlite3_uint64 id, const PendingTerm *pTerm) {
  unsigned char *aBlob = 0;
  int nBlob = 0;
  sqlite3_stmt *pStmt;
  int rc = pTerm->nPosting > 0
               ? index_block_encode(pTerm->aPosting, pTerm->nPosting, &aBlob, &nBlob)
               : SQLITE_OK;
  if (rc == SQLITE_OK)
    rc = index_statement(p, STMT_PENDING_PUT, &pStmt);
  if (rc != SQLITE_OK) {
    sqlite3_free(aBlob);
    return rc;
  }
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  sqlite3_bind_int64(pStmt, 2, pTerm->row.df);
  sqlite3_bind_text(pStmt, 3, pTerm->row.zSurface, pTerm->row.nSurface, SQLITE_STATIC);
  sqlite3_bind_int64(pStmt, 4, pTerm->row.nVote);
  sqlite3_bind_double(pStmt, 5, index_maxw_code(pTerm->row.maxWeight));
  sqlite3_bind_int64(pStmt, 6, (i64)pTerm->row.num);
  if (pTerm->nPosting > 0) {
    sqlite3_bind_int64(pStmt, 7, pTerm->aPosting[0].iDoc);
    sqlite3_bind_blob(pStmt, 8, aBlob, nBlob, sqlite3_free);
  }
  rc = index_run(pStmt);
  sqlite3_clear_bindings(pStmt);
  return rc;
}

void index_term_clear(PendingTerm *pTerm) {
  sqlite3_free(pTerm->row.zOwned);
  sqlite3_free(pTerm->aPosting);
}

static void pending_free(PendingTerm *aTerm, int nTerm) {
  for (int i = 0; aTerm && i < nTerm; i++)
    index_term_clear(&aTerm[i]);
  sqlite3_free(aTerm);
}

/* The pending postings the configuration counts (not those of the buffer). */
static int config_get_pending(IndexStore *p, i64 *pnPosting) {
  double value;
  int rc = index_config_get(p, "pending", 1, 0, INDEX_MAX_PENDING_COUNT, &value);
  *pnPosting = (i64)value;
  return rc;
}

int index_store_pending_count(IndexStore *p, i64 *pnPosting) {
  int rc = config_get_pending(p, pnPosting);
  *pnPosting += p->buffer.nAdded;
  return rc;
}

/* Adds nDelta to the configuration's count of pending postings. */
static int pending_count_add(IndexStore *p, i64 nDelta) {
  i64 nPosting = 0;
  if (nDelta == 0)
    return SQLITE_OK;
  int rc = config_get_pending(p, &nPosting);
  return rc == SQLITE_OK ? index_config_set(p, "pending", (double)(nPosting + nDelta), 1)
                         : rc;
}

/* Writes the terms bound for the pending level, and adds nDelta to the
** count of pending postings. */
static int pending_write_all(IndexStore *p, const PendingTerm *aTerm, int nTerm,
                             i64 nDelta) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nTerm; i++) {
    if (aTerm[i].toPending)
      rc = pending_write(p, aTerm[i].id, &aTerm[i]);
  }
  return rc == SQLITE_OK ? pending_count_add(p, nDelta) : rc;
}

/* Counts one more document in a term, with its vote for the term's surface
** form (Boyer-Moore majority). */
static void count_in(VocabRow *pRow, const PapersCount *pCount) {
  int isSame = pRow->zSurface && pRow->nSurface == pCount->nSurface &&
               memcmp(pRow->zSurface, pCount->zSurface, (size_t)pRow->nSurface) == 0;
  pRow->df++;
  if (isSame) {
    pRow->nVote++;
  } else if (pRow->nVote > 0) {
    pRow->nVote--;
  } else {
    pRow->zSurface = pCount->zSurface;
    pRow->nSurface = pCount->nSurface;
    pRow->nVote = 1;
  }
}
/* ---- the write buffer ------------------------------------------------------
**
** Additions do not write the pending level at once: the terms they read stay
** in memory (their rows, pending postings and latent rows) until a flush
** writes those that changed, in id order. The virtual table flushes before
** anything reads the index (queries, commands, removals, the statistics of
** `[, index]` arguments), at each savepoint inside the lowest open one, and
** before commit; not at the lowest open savepoint (SQLite opens one for
** every statement of a transaction that writes the table), whose rollback
** puts the buffer back from the states saved since (index_undo.c).
**
** A flush keeps the terms, clean: each then holds what the tables hold, so
** the transaction's next additions (a digest's next papers, one INSERT
** statement each) read a term once, not once per paper. Only this table's
** writes change those rows, so the copies stay right until the transaction
** ends (commit and rollback drop them), except: a rollback to a savepoint
** (drops them: the tables go back to the flush at that savepoint; see
** index_store_rollback_to for a savepoint opened without one), and writes
** that change the rows behind them (removals, the whole merge, the spread
** merge at commit, and a buffer of INDEX_BUFFER_TERMS terms:
** index_store_flush_drop).
**
** An addition reads and prepares everything first (its terms, their latent
** rows, the new rows and postings: add_read, add_count, add_postings), and
** only then changes the buffer (add_apply), where nothing but a term's merge
** into its blocks can fail. If one does, the buffer is broken: flushes and
** additions fail until the transaction is rolled back, so that no half-made
** addition is ever committed.
**
** An SQL statement that fails for want of memory (or with an I/O error)
** inside a write may roll the whole transaction back at once, calling the
** table's xRollback, which drops the buffer: after an SQL error, nothing here
** touches the buffer again. */

void index_buffer_discard(WriteBuffer *pBuffer) {
  for (int i = 0; i < pBuffer->nTerm; i++) {
    index_term_clear(&pBuffer->aTerm[i].term);
    sqlite3_free(pBuffer->aTerm[i].aLatent);
  }
  sqlite3_free(pBuffer->aTerm);
  papers_idmap_free(pBuffer->pSlots);
  memset(pBuffer, 0, sizeof(*pBuffer));
}

/* What a rollback undid in the tables, forgotten: the savepoint opened
** without a flush, the dense blocks and term numbers read. */
static void rollback_forget(IndexStore *p) {
  p->iUnflushed = 0;
  index_dense_cache_drop(p); /* a rollback may have undone what it holds */
  p->hasDenseChanged = 0;
  index_store_numbers_forget(p);
}

/* What a transaction's end forgets, whether the buffer goes or stays. */
static void store_transaction_end(IndexStore *p) {
  index_undo_close(p);
  p->nFlushed = 0;
  p->hasSyncVersion = 0;
  rollback_forget(p);
}

void index_store_discard(IndexStore *p) {
  index_buffer_discard(&p->buffer);
  p->hasKeptBuffer = 0;
  store_transaction_end(p);
}

void index_store_sync_done(IndexStore *p) {
  p->hasSyncVersion = index_store_data_version(p, &p->syncVersion);
}

void index_store_commit(IndexStore *p) {
  unsigned int version = 0;
  /* the commit counts one more; more: another connection's too (it may have
  ** written between the commit and this call, with shared cache) */
  int hasTerms = p->buffer.nTerm > 0 && p->buffer.nTerm <= INDEX_KEPT_TERMS &&
                 !p->buffer.isBroken && p->hasSyncVersion &&
                 index_store_data_version(p, &version) && version == p->syncVersion + 1;
  if (!hasTerms) {
    index_store_discard(p);
    return;
  }
  assert(p->buffer.nAdded == 0);
  store_transaction_end(p);
  p->hasKeptBuffer = 1;
  p->keptVersion = version;
}

/* Drops the terms kept from the last commit unless the file is as that
** commit left it (index_store_commit): another connection may have changed
** the rows they hold. Once a transaction, at its first addition: no other
** connection writes the file while this one's transaction reads it. */
static void buffer_check_kept(IndexStore *p) {
  unsigned int version = 0;
  if (!p->hasKeptBuffer)
    return;
  p->hasKeptBuffer = 0;
  if (index_store_data_version(p, &version) && version == p->keptVersion)
    return;
  index_buffer_discard(&p->buffer);
  index_undo_dropped(p);
}

/* The place of a term in the buffer, read (pending level, else vocabulary)
** when it is not there yet. A term is only added once read: the buffer
** never holds a half-read one. */
static int buffer_term(IndexStore *p, sqlite3_uint64 id, int *piSlot) {
  WriteBuffer *pBuffer = &p->buffer;
  int iSlot = pBuffer->pSlots ? papers_idmap_find(pBuffer->pSlots, id) : -1;
  if (iSlot >= 0) {
    *piSlot = iSlot;
    return SQLITE_OK;
  }
  PendingTerm term;
  int isNew, rc = term_read(p, id, &term);
  if (rc == SQLITE_OK && pBuffer->pSlots == 0) {
    pBuffer->pSlots = papers_idmap_new();
    rc = pBuffer->pSlots ? SQLITE_OK : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    rc = papers_grow_array((void **)&pBuffer->aTerm, sizeof(BufferedTerm),
                           pBuffer->nTerm + 1, &pBuffer->nTermAlloc);
  }
  if (rc == SQLITE_OK)
    rc = papers_idmap_get(pBuffer->pSlots, id, piSlot, &isNew);
  if (rc != SQLITE_OK) {
    index_term_clear(&term);
    return rc;
  }
  memset(&pBuffer->aTerm[*piSlot], 0, sizeof(BufferedTerm));
  pBuffer->aTerm[*piSlot].term = term;
  pBuffer->nTerm++;
  return SQLITE_OK;
}

/* A buffered term's latent projection row (0: none), read on first use. */
static int buffer_latent(IndexStore *p, BufferedTerm *pTerm, int nDim) {
  if (pTerm->isLatentRead)
    return SQLITE_OK;
  int rc = index_latent_row_load(p, pTerm->term.id, nDim, &pTerm->aLatent);
  if (rc == SQLITE_OK) /* else the buffer may be gone */
    pTerm->isLatentRead = 1;
  return rc;
}

static int compare_slot_id(const void *pA, const void *pB) {
  const BufferedTerm *a = *(BufferedTerm *const *)pA, *b = *(BufferedTerm *const *)pB;
  return (a->term.id > b->term.id) - (a->term.id < b->term.id);
}

int index_store_flush(IndexStore *p) {
  WriteBuffer *pBuffer = &p->buffer;
  if (pBuffer->isBroken)
    return SQLITE_ERROR;
  int nDirty = 0;
  for (int i = 0; i < pBuffer->nTerm; i++)
    nDirty += pBuffer->aTerm[i].isDirty;
  if (nDirty == 0)
    return SQLITE_OK;
  int rc = index_undo_save_dirty(p); /* a flush clears their dirty marks */
  if (rc != SQLITE_OK)
    return rc;
  BufferedTerm **apOrder =
      sqlite3_malloc64(sizeof(BufferedTerm *) * (sqlite3_uint64)nDirty);
  if (apOrder == 0)
    return SQLITE_NOMEM;
  nDirty = 0;
  for (int i = 0; i < pBuffer->nTerm; i++) {
    if (pBuffer->aTerm[i].isDirty)
      apOrder[nDirty++] = &pBuffer->aTerm[i];
  }
  qsort(apOrder, (size_t)nDirty, sizeof(BufferedTerm *), compare_slot_id);
  assert(!p->isFlushing);
  p->isFlushing = 1;
  for (int i = 0; rc == SQLITE_OK && i < nDirty; i++)
    rc = pending_write(p, apOrder[i]->term.id, &apOrder[i]->term);
  if (rc == SQLITE_OK)
    rc = pending_count_add(p, pBuffer->nAdded);
  p->isFlushing = 0;
  if (rc == SQLITE_OK) { /* the terms now hold what the tables do */
    p->nFlushed += pBuffer->nAdded;
    pBuffer->nAdded = 0;
    for (int i = 0; i < nDirty; i++)
      apOrder[i]->isDirty = 0;
  }
  sqlite3_free(apOrder);
  return rc;
}

int index_store_flush_drop(IndexStore *p) {
  int rc = index_store_flush(p);
  if (rc == SQLITE_OK) {
    index_buffer_discard(&p->buffer);
    index_undo_dropped(p);
  }
  return rc;
}

int index_buffer_merged(IndexStore *p, sqlite3_uint64 id) {
  WriteBuffer *pBuffer = &p->buffer;
  int iSlot = pBuffer->pSlots ? papers_idmap_find(pBuffer->pSlots, id) : -1;
  if (iSlot < 0)
    return SQLITE_OK;
  assert(!pBuffer->aTerm[iSlot].isDirty); /* flushed before the merge */
  int rc = index_undo_save(p, iSlot);
  if (rc != SQLITE_OK)
    return rc;
  PendingTerm *pTerm = &pBuffer->aTerm[iSlot].term;
  sqlite3_free(pTerm->aPosting);
  pTerm->aPosting = 0;
  pTerm->nPosting = 0;
  pTerm->row.isPending = 0;
  return SQLITE_OK;
}

int index_store_is_broken(IndexStore *p) {
  return p->buffer.isBroken;
}

/* The lowest open savepoint is opened without a flush: a rollback to it
** puts the buffer back as it was (index_undo.c). One opened inside it is
** opened with a flush, so that a rollback to it finds the tables holding all
** that came before it. A broken buffer is not flushed: the savepoint opens,
** and the statement's writes to the table fail, saying why (xSavepoint cannot
** give a message). */
int index_store_savepoint(IndexStore *p, int iSavepoint) {
  if (p->iUnflushed > iSavepoint)
    p->iUnflushed = 0; /* opening this one closed that one */
  if (p->undo.iLevel > iSavepoint)
    index_undo_close(p); /* likewise (its changes stay, as on release) */
  if (p->isFlushing) {
    /* The flush's own write opened it (a user's trigger on a shadow table
    ** gives that write a statement journal): flushing again here would
    ** recurse. It opens without a flush, so a rollback to it keeps the
    ** buffer, whose terms stay dirty until the flush completes. */
    if (p->iUnflushed == 0)
      p->iUnflushed = iSavepoint + 1;
    return SQLITE_OK;
  }
  if (p->undo.iLevel == 0 && p->iUnflushed == 0 && !p->buffer.isBroken) {
    index_undo_open(p, iSavepoint);
    return SQLITE_OK;
  }
  int rc = p->buffer.isBroken ? SQLITE_OK : index_store_flush(p);
  if ((rc != SQLITE_OK || p->buffer.isBroken) && p->iUnflushed == 0)
    p->iUnflushed = iSavepoint + 1;
  return rc;
}

void index_store_release(IndexStore *p, int iSavepoint) {
  if (p->iUnflushed > iSavepoint)
    p->iUnflushed = 0;
  if (p->undo.iLevel > iSavepoint)
    index_undo_close(p); /* the buffer keeps what came after it */
}

/* A rollback to the savepoint the buffer was not flushed at puts the buffer
** back (index_undo.c). A rollback to one opened with its flush drops the
** buffer: what it changed since came after the savepoint, and what it held
** clean is what the tables hold again (the states saved for the savepoint
** below it stay). A rollback to one opened without (its flush failed, and
** SQLite rolls back to it at once; or the buffer was broken) keeps the
** buffer: the tables only lose what came after, which the buffer does not
** hold (they may keep part of the failed flush, which the buffer, still
** dirty, writes again). */
void index_store_rollback_to(IndexStore *p, int iSavepoint) {
  int iUndo = p->undo.iLevel - 1; /* -1: none open */
  if (iUndo >= 0 && iSavepoint == iUndo) {
    index_undo_rollback(p);
    rollback_forget(p);
    return;
  }
  if (p->iUnflushed > 0 && p->iUnflushed <= iSavepoint + 1)
    return;
  if (iUndo >= 0 && iSavepoint > iUndo) {
    index_buffer_discard(&p->buffer);
    index_undo_dropped(p);
    p->nFlushed = 0;
    rollback_forget(p);
    return;
  }
  index_store_discard(p); /* below it (or none): all came after */
}

/* What one addition does to a buffered term, prepared before the buffer is
** changed: then only a merge (SQL) can fail once changing has begun. */
typedef struct TermChange {
  VocabRow row;           /* the term's row, the document counted in */
  char *zSurface;         /* a copy of its new surface form, when the vote changed it */
  IndexPosting *aPosting; /* its pending postings with the document's */
  int nPosting;
} TermChange;

static void changes_free(TermChange *aChange, int nChange) {
  for (int i = 0; aChange && i < nChange; i++) {
    sqlite3_free(aChange[i].zSurface);
    sqlite3_free(aChange[i].aPosting);
  }
  sqlite3_free(aChange);
}

/* Reads every term of a document into the buffer, with its latent row. The
** buffer only gains terms as they are stored: a failure leaves it whole. */
static int add_read(IndexStore *p, const PapersCount *aCount, int nCount, int nDim,
                    int *aiSlot) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++)
    rc = buffer_term(p, aCount[i].id, &aiSlot[i]);
  for (int i = 0; rc == SQLITE_OK && nDim > 0 && i < nCount; i++)
    rc = buffer_latent(p, &p->buffer.aTerm[aiSlot[i]], nDim);
  return rc;
}

/* Counts the document into a copy of each term's row, with its idf; a term
** new to the vocabulary gets the next number (a number given to an addition
** that then fails is not taken back: no stored vector holds it). */
static int add_count(IndexStore *p, const PapersCount *aCount, int nCount, i64 nDoc,
                     const int *aiSlot, TermChange *aChange, double *aIdf) {
  for (int i = 0; i < nCount; i++) {
    const VocabRow *pRow = &p->buffer.aTerm[aiSlot[i]].term.row;
    TermChange *pChange = &aChange[i];
    pChange->row = *pRow;
    if (pRow->df == 0 && !papers_is_latent_id(aCount[i].id)) {
      int rc = index_store_number_new(p, aCount[i].id, &pChange->row.num);
      if (rc != SQLITE_OK)
        return rc;
    }
    count_in(&pChange->row, &aCount[i]);
    aIdf[i] = index_idf(nDoc, pChange->row.df);
    if (pChange->row.zSurface == pRow->zSurface)
      continue;
    pChange->zSurface = papers_text_copy(pChange->row.zSurface, pChange->row.nSurface);
    if (pChange->zSurface == 0)
      return SQLITE_NOMEM;
    pChange->row.zSurface = pChange->zSurface;
  }
  return SQLITE_OK;
}

/* Files the document's postings into copies of its terms' pending postings,
** raising their largest weights. */
static int add_postings(IndexStore *p, i64 iDoc, const PapersVector *pVec, int nCount,
                        const int *aiSlot, TermChange *aChange) {
  for (int i = 0; i < nCount; i++) {
    const PendingTerm *pTerm = &p->buffer.aTerm[aiSlot[i]].term;
    float weight = pVec->aWeight[i];
    aChange[i].aPosting = index_postings_with(pTerm->aPosting, pTerm->nPosting, iDoc,
                                              weight, &aChange[i].nPosting);
    if (aChange[i].aPosting == 0)
      return SQLITE_NOMEM;
    if ((double)weight > aChange[i].row.maxWeight)
      aChange[i].row.maxWeight = (double)weight;
  }
  return SQLITE_OK;
}

/* Puts a prepared change into a buffered term (taking its allocations). A
** term whose pending postings reach INDEX_PENDING_TERM has them merged into
** its blocks at once (its row stays pending): so no write rewrites more than
** that many of a term's postings, and frequent terms do not wait for the
** merge of the whole level. */
static int add_apply(IndexStore *p, PendingTerm *pTerm, TermChange *pChange) {
  if (pChange->zSurface) {
    sqlite3_free(pTerm->row.zOwned);
    pChange->row.zOwned = pChange->zSurface;
    pChange->zSurface = 0;
  }
  pTerm->row = pChange->row;
  p->buffer.nAdded += pChange->nPosting - pTerm->nPosting;
  sqlite3_free(pTerm->aPosting);
  pTerm->aPosting = pChange->aPosting;
  pTerm->nPosting = pChange->nPosting;
  pChange->aPosting = 0;
  if (pTerm->nPosting < INDEX_PENDING_TERM)
    return SQLITE_OK;
  int rc = index_postings_merge(p, pTerm->id, pTerm->aPosting, pTerm->nPosting);
  if (rc == SQLITE_OK) { /* else the buffer may be gone (see above) */
    p->buffer.nAdded -= pTerm->nPosting;
    pTerm->nPosting = 0;
  }
  return rc;
}

int index_store_add(IndexStore *p, i64 iDoc, const PapersCount *aCount, int nCount,
                    PapersVector *pVec) {
  int *aiSlot = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(nCount + 1));
  double *aIdf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(nCount + 1));
  float **apRow = sqlite3_malloc64(sizeof(float *) * (sqlite3_uint64)(nCount + 1));
  TermChange *aChange =
      sqlite3_malloc64(sizeof(TermChange) * (sqlite3_uint64)(nCount + 1));
  i64 nDoc = 0;
  int nDim = 0;
  double weight = 0;
  memset(pVec, 0, sizeof(*pVec));
  int rc = aiSlot && aIdf && apRow && aChange ? SQLITE_OK : SQLITE_NOMEM;
  if (aChange)
    memset(aChange, 0, sizeof(TermChange) * (size_t)(nCount + 1));
  if (rc == SQLITE_OK)
    buffer_check_kept(p);
  if (rc == SQLITE_OK && p->buffer.isBroken)
    rc = SQLITE_ERROR;
  if (rc == SQLITE_OK && p->buffer.nTerm >= INDEX_BUFFER_TERMS)
    rc = index_store_flush_drop(p);
  if (rc == SQLITE_OK)
    rc = index_store_get_ndoc(p, &nDoc);
  if (rc == SQLITE_OK)
    rc = index_store_latent_get(p, &nDim, &weight);
  if (rc == SQLITE_OK)
    rc = add_read(p, aCount, nCount, nDim, aiSlot);
  if (rc == SQLITE_OK)
    rc = add_count(p, aCount, nCount, nDoc, aiSlot, aChange, aIdf);
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++)
    apRow[i] = p->buffer.aTerm[aiSlot[i]].aLatent;
  if (rc == SQLITE_OK)
    rc = index_weigh(aCount, nCount, aIdf, nDim, weight, apRow, pVec);
  if (rc == SQLITE_OK)
    rc = add_postings(p, iDoc, pVec, nCount, aiSlot, aChange);
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++)
    rc = index_undo_save(p, aiSlot[i]);
  /* from here on the buffer changes: a failure breaks it */
  for (int i = 0; rc == SQLITE_OK && i < nCount; i++) {
    p->buffer.aTerm[aiSlot[i]].isDirty = 1;
    rc = add_apply(p, &p->buffer.aTerm[aiSlot[i]].term, &aChange[i]);
    if (rc != SQLITE_OK && p->buffer.aTerm)
      p->buffer.isBroken = 1;
  }
  changes_free(aChange, nCount);
  sqlite3_free(aiSlot);
  sqlite3_free(aIdf);
  sqlite3_free(apRow);
  return rc;
}

/* One document fewer in a term's row (df 0: the term is gone, and its
** largest weight starts again from 0 when it comes back). */
static void count_out(VocabRow *pRow) {
  pRow->df--;
  if (pRow->nVote > pRow->df)
    pRow->nVote = pRow->df;
  if (pRow->df == 0)
    pRow->maxWeight = 0;
}

/* Takes one document out of a term: its posting from the pending level when
** it is there, else from the blocks; and one document out of its row, which
** is rewritten where it was read from (the pending level, or T_vocab). */
static int take_out(IndexStore *p, i64 iDoc, PendingTerm *pTerm, i64 *pnRemoved) {
  int isPending;
  index_postings_without(pTerm->aPosting, &pTerm->nPosting, iDoc, &isPending);
  *pnRemoved += isPending;
  int rc = isPending ? SQLITE_OK : index_posting_remove(p, pTerm->id, iDoc);
  int isKnown = pTerm->row.df > 0; /* else already gone: integrity-check says */
  if (isKnown)
    count_out(&pTerm->row);
  pTerm->toPending = pTerm->row.isPending;
  if (rc == SQLITE_OK && isKnown && !pTerm->row.isPending)
    rc = index_vocab_write_main(p, pTerm->id, &pTerm->row);
  return rc;
}

int index_store_remove(IndexStore *p, i64 iDoc, const PapersVector *pVec) {
  int rc = index_store_flush_drop(p); /* it changes rows the buffer holds */
  if (rc != SQLITE_OK)
    return rc;
  int nWord = 0;
  while (nWord < pVec->nTerm && !papers_is_latent_id(pVec->aId[nWord]))
    nWord++;
  PendingTerm *aTerm =
      sqlite3_malloc64(sizeof(PendingTerm) * (sqlite3_uint64)(nWord + 1));
  i64 nRemoved = 0;
  int nRead = 0;
  rc = aTerm ? SQLITE_OK : SQLITE_NOMEM;
  for (; rc == SQLITE_OK && nRead < nWord; nRead++) {
    rc = term_read(p, pVec->aId[nRead], &aTerm[nRead]);
    if (rc == SQLITE_OK)
      rc = take_out(p, iDoc, &aTerm[nRead], &nRemoved);
  }
  if (rc == SQLITE_OK)
    rc = pending_write_all(p, aTerm, nWord, -nRemoved);
  pending_free(aTerm, nRead);
  return rc;
}

/* Interleaves a term's pending postings with those of its blocks (no
** document is in both), in document order. */
typedef struct MergedScan {
  const IndexPosting *aPending;
  int nPending, iNext;
  int (*xPosting)(void *, i64, float);
  void *pCtx;
} MergedScan;

/* Passes on the pending postings of documents before iDoc. */
static int merged_pending_before(MergedScan *p, i64 iDoc) {
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && p->iNext < p->nPending && p->aPending[p->iNext].iDoc < iDoc) {
    rc = p->xPosting(p->pCtx, p->aPending[p->iNext].iDoc, p->aPending[p->iNext].weight);
    p->iNext++;
  }
  return rc;
}

/* Passes on the pending postings left once the blocks are read. */
static int merged_pending_rest(MergedScan *p) {
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && p->iNext < p->nPending) {
    rc = p->xPosting(p->pCtx, p->aPending[p->iNext].iDoc, p->aPending[p->iNext].weight);
    p->iNext++;
  }
  return rc;
}

static int merged_posting(void *pCtx, i64 iDoc, float weight) {
  MergedScan *p = pCtx;
  int rc = merged_pending_before(p, iDoc);
  return rc == SQLITE_OK ? p->xPosting(p->pCtx, iDoc, weight) : rc;
}

int index_store_postings_scan(IndexStore *p, sqlite3_uint64 id,
                              int (*xPosting)(void *, i64, float), void *pCtx) {
  IndexPosting *aPending = 0;
  int nPending = 0;
  sqlite3_stmt *pStmt;
  int rc = index_statement(p, STMT_PENDING_GET, &pStmt);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int64(pStmt, 1, (i64)id);
  if (sqlite3_step(pStmt) == SQLITE_ROW)
    rc = index_pending_postings_from(p, id, pStmt, 5, &aPending, &nPending);
  int rcReset = sqlite3_reset(pStmt);
  if (rc == SQLITE_OK)
    rc = rcReset;
  if (rc == SQLITE_OK && nPending == 0)
    return index_blocks_scan(p, id, xPosting, pCtx);
  MergedScan scan = {aPending, nPending, 0, xPosting, pCtx};
  if (rc == SQLITE_OK)
    rc = index_blocks_scan(p, id, merged_posting, &scan);
  if (rc == SQLITE_OK)
    rc = merged_pending_rest(&scan);
  sqlite3_free(aPending);
  return rc;
}

int index_store_postings_all(IndexStore *p, sqlite3_stmt **ppStmt) {
  char *zSql = sqlite3_mprintf("SELECT term, first, data, 0 FROM \"%w\".\"%w_postings\""
                               " UNION ALL SELECT term, first, postings, 1"
                               " FROM \"%w\".\"%w_pending\" WHERE postings IS NOT NULL",
                               p->zDb, p->zName, p->zDb, p->zName);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(p->db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  return rc;
}
