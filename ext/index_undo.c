/*
** index_undo.c: the savepoint the write buffer of a papers_index table is not
** flushed at. SQLite opens a savepoint for every statement of a transaction
** that writes the table; flushing the buffer there wrote each term once per
** statement (a digest of one INSERT per paper: once per term and paper). The
** lowest open savepoint is now opened without a flush: before a buffered term
** first changes after it (an addition changes it, a flush clears its dirty
** mark, a drop frees it while dirty), its state is saved here, and a rollback
** to the savepoint puts those states back. Savepoints opened inside it are
** flushed at, as before (index_pending.c).
**
** Contract: after a rollback to that savepoint the buffer is what it was when
** the savepoint opened, up to clean terms it no longer holds (a clean term
** holds what the tables hold, and the tables are back as they were): its
** dirty terms, each with the same row and pending postings, the same count of
** added postings. Only this table's writes change the rows behind its terms
** (index_pending.c), so a term not saved is still as it was. A failure to save
** fails the write before the buffer changes; a failure to put the buffer back
** breaks it (the transaction must then roll back).
*/
#include "index.h"

#include <assert.h>
#include <string.h>

void index_undo_open(IndexStore *p, int iSavepoint) {
  BufferUndo *pUndo = &p->undo;
  assert(pUndo->iLevel == 0 && pUndo->nSaved == 0);
  pUndo->iLevel = iSavepoint + 1;
  pUndo->iGeneration++;
  if (pUndo->iGeneration <= 0) { /* wrapped: no term may look saved */
    for (int i = 0; i < p->buffer.nTerm; i++)
      p->buffer.aTerm[i].iSaved = 0;
    pUndo->iGeneration = 1;
  }
  pUndo->nTermAt = p->buffer.nTerm;
  pUndo->isDropped = 0;
  pUndo->nAddedAt = p->buffer.nAdded;
}

/* Frees the saved states (their arrays stay). */
static void undo_saved_free(BufferUndo *pUndo) {
  for (int i = 0; i < pUndo->nSaved; i++)
    index_term_clear(&pUndo->aSaved[i]);
  pUndo->nSaved = 0;
}

void index_undo_close(IndexStore *p) {
  BufferUndo *pUndo = &p->undo;
  undo_saved_free(pUndo);
  sqlite3_free(pUndo->aSaved);
  sqlite3_free(pUndo->aIsDirty);
  sqlite3_free(pUndo->aiSlot);
  int iGeneration = pUndo->iGeneration;
  memset(pUndo, 0, sizeof(*pUndo));
  pUndo->iGeneration = iGeneration;
}

/* A copy of a term's row and pending postings, owning its allocations. */
static int undo_copy(const PendingTerm *pFrom, PendingTerm *pTo) {
  *pTo = *pFrom;
  pTo->row.zOwned = 0;
  pTo->row.zSurface = 0;
  pTo->aPosting = 0;
  if (pFrom->row.zSurface) {
    pTo->row.zOwned = papers_text_copy(pFrom->row.zSurface, pFrom->row.nSurface);
    if (pTo->row.zOwned == 0)
      return SQLITE_NOMEM;
    pTo->row.zSurface = pTo->row.zOwned;
  }
  if (pFrom->nPosting > 0) {
    size_t nByte = sizeof(IndexPosting) * (size_t)pFrom->nPosting;
    pTo->aPosting = sqlite3_malloc64(nByte);
    if (pTo->aPosting == 0) {
      sqlite3_free(pTo->row.zOwned);
      return SQLITE_NOMEM;
    }
    memcpy(pTo->aPosting, pFrom->aPosting, nByte);
  }
  return SQLITE_OK;
}

int index_undo_save(IndexStore *p, int iSlot) {
  BufferUndo *pUndo = &p->undo;
  if (pUndo->iLevel == 0 || iSlot >= pUndo->nTermAt)
    return SQLITE_OK; /* none open, or a term read since: not restored */
  BufferedTerm *pTerm = &p->buffer.aTerm[iSlot];
  if (pTerm->iSaved == pUndo->iGeneration)
    return SQLITE_OK; /* saved before its first change */
  i64 nNeed = pUndo->nSaved + 1;
  int rc = papers_grow_array((void **)&pUndo->aSaved, sizeof(PendingTerm), nNeed,
                             &pUndo->nSavedAlloc);
  if (rc == SQLITE_OK)
    rc = papers_grow_array((void **)&pUndo->aIsDirty, sizeof(int), nNeed,
                           &pUndo->nDirtyAlloc);
  if (rc == SQLITE_OK)
    rc = papers_grow_array((void **)&pUndo->aiSlot, sizeof(int), nNeed,
                           &pUndo->nSlotAlloc);
  if (rc == SQLITE_OK)
    rc = undo_copy(&pTerm->term, &pUndo->aSaved[pUndo->nSaved]);
  if (rc != SQLITE_OK)
    return rc;
  pUndo->aIsDirty[pUndo->nSaved] = pTerm->isDirty;
  pUndo->aiSlot[pUndo->nSaved] = iSlot;
  pUndo->nSaved++;
  pTerm->iSaved = pUndo->iGeneration;
  return SQLITE_OK;
}

int index_undo_save_dirty(IndexStore *p) {
  int rc = SQLITE_OK;
  for (int i = 0; rc == SQLITE_OK && i < p->undo.nTermAt; i++) {
    if (p->buffer.aTerm[i].isDirty)
      rc = index_undo_save(p, i);
  }
  return rc;
}

void index_undo_dropped(IndexStore *p) {
  if (p->undo.iLevel == 0)
    return;
  p->undo.isDropped = 1;
  p->undo.nTermAt = 0; /* the buffer's slots are no longer the saved terms' */
}

/* The map of term ids to slots of a[0..n) (0 when n is 0). */
static int undo_map(const BufferedTerm *a, int n, PapersIdMap **ppSlots) {
  *ppSlots = 0;
  if (n == 0)
    return SQLITE_OK;
  PapersIdMap *pSlots = papers_idmap_new();
  int rc = pSlots ? SQLITE_OK : SQLITE_NOMEM;
  for (int i = 0; rc == SQLITE_OK && i < n; i++) {
    int iSlot, isNew;
    rc = papers_idmap_get(pSlots, a[i].term.id, &iSlot, &isNew);
    assert(rc != SQLITE_OK || (iSlot == i && isNew));
  }
  if (rc != SQLITE_OK) {
    papers_idmap_free(pSlots);
    return rc;
  }
  *ppSlots = pSlots;
  return SQLITE_OK;
}

/* The buffer was not dropped: its first nTermAt terms are the savepoint's,
** the saved ones changed since; the terms read since go. */
static int undo_restore_slots(IndexStore *p) {
  BufferUndo *pUndo = &p->undo;
  WriteBuffer *pBuffer = &p->buffer;
  PapersIdMap *pSlots = pBuffer->pSlots;
  if (pBuffer->nTerm > pUndo->nTermAt) {
    int rc = undo_map(pBuffer->aTerm, pUndo->nTermAt, &pSlots);
    if (rc != SQLITE_OK)
      return rc;
    papers_idmap_free(pBuffer->pSlots);
  }
  pBuffer->pSlots = pSlots;
  for (int i = 0; i < pUndo->nSaved; i++) {
    BufferedTerm *pTerm = &pBuffer->aTerm[pUndo->aiSlot[i]];
    index_term_clear(&pTerm->term);
    pTerm->term = pUndo->aSaved[i];
    pTerm->isDirty = pUndo->aIsDirty[i];
  }
  pUndo->nSaved = 0; /* the buffer owns them again */
  for (int i = pUndo->nTermAt; i < pBuffer->nTerm; i++) {
    index_term_clear(&pBuffer->aTerm[i].term);
    sqlite3_free(pBuffer->aTerm[i].aLatent);
  }
  pBuffer->nTerm = pUndo->nTermAt;
  return SQLITE_OK;
}

/* The buffer was dropped since: the savepoint's dirty terms are all saved
** (a flush or a drop saves them first); the buffer becomes those. */
static int undo_refill(IndexStore *p) {
  BufferUndo *pUndo = &p->undo;
  int nTerm = pUndo->nSaved;
  BufferedTerm *aTerm =
      sqlite3_malloc64(sizeof(BufferedTerm) * (sqlite3_uint64)(nTerm + 1));
  if (aTerm == 0)
    return SQLITE_NOMEM;
  memset(aTerm, 0, sizeof(BufferedTerm) * (size_t)(nTerm + 1));
  for (int i = 0; i < nTerm; i++) {
    aTerm[i].term = pUndo->aSaved[i];
    aTerm[i].isDirty = pUndo->aIsDirty[i];
  }
  PapersIdMap *pSlots;
  int rc = undo_map(aTerm, nTerm, &pSlots);
  if (rc != SQLITE_OK) {
    sqlite3_free(aTerm); /* the states are still the saved ones */
    return rc;
  }
  index_buffer_discard(&p->buffer);
  p->buffer.aTerm = aTerm;
  p->buffer.nTerm = nTerm;
  p->buffer.nTermAlloc = nTerm + 1;
  p->buffer.pSlots = pSlots;
  pUndo->nSaved = 0; /* the buffer owns them now */
  return SQLITE_OK;
}

void index_undo_rollback(IndexStore *p) {
  BufferUndo *pUndo = &p->undo;
  assert(pUndo->iLevel > 0);
  int rc = pUndo->isDropped ? undo_refill(p) : undo_restore_slots(p);
  if (rc != SQLITE_OK) { /* the saved states stay, for another try */
    p->buffer.isBroken = 1;
    return;
  }
  p->buffer.isBroken = 0; /* it was not when the savepoint opened */
  p->buffer.nAdded = pUndo->nAddedAt;
  /* as a flush at the savepoint, then the rollback, would have left the
  ** spread merge's budget: nothing written before the savepoint counted */
  p->nFlushed = -pUndo->nAddedAt;
  int iSavepoint = pUndo->iLevel - 1;
  pUndo->iLevel = 0; /* the savepoint stays open, as it now is */
  index_undo_open(p, iSavepoint);
}
