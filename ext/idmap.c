/*
** idmap.c: an open-addressing hash map from 64-bit keys to dense indexes.
**
** Contract: papers_idmap_get() returns the index of a key, assigning the next
** free one (0, 1, 2, ... in order of first sight) when the key is new, so
** callers keep their values in plain arrays indexed by it. Iterating those
** arrays is in order of first sight, never in hash order: results do not
** depend on the hash function. Linear probing, a power-of-two table kept at
** most half full (the arrays grow with papers_grow_array(), papers.c).
*/
#include "topic.h"

#include <string.h>

struct PapersIdMap {
  sqlite3_uint64 *aKey;
  int *aIndex; /* -1: empty slot */
  i64 nSlot;   /* power of two */
  int nUsed;
};

static sqlite3_uint64 idmap_mix(sqlite3_uint64 h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ULL;
  h ^= h >> 27;
  h *= 0x81dadef4bc2dd44dULL;
  h ^= h >> 33;
  return h;
}

PapersIdMap *papers_idmap_new(void) {
  PapersIdMap *p = sqlite3_malloc64(sizeof(*p));
  if (p)
    memset(p, 0, sizeof(*p));
  return p;
}

void papers_idmap_free(PapersIdMap *p) {
  if (p == 0)
    return;
  sqlite3_free(p->aKey);
  sqlite3_free(p->aIndex);
  sqlite3_free(p);
}

int papers_idmap_count(const PapersIdMap *p) {
  return p->nUsed;
}

static i64 idmap_find_slot(const PapersIdMap *p, sqlite3_uint64 key) {
  /* a power of two, never full: the mask works and a probe ends */
  assert(p->nSlot > 0 && (p->nSlot & (p->nSlot - 1)) == 0 && p->nUsed < p->nSlot);
  i64 mask = p->nSlot - 1;
  i64 i = (i64)(idmap_mix(key) & (sqlite3_uint64)mask);
  while (p->aIndex[i] >= 0 && p->aKey[i] != key)
    i = (i + 1) & mask;
  return i;
}

void papers_idmap_prefetch(const PapersIdMap *p, sqlite3_uint64 key) {
  if (p->nSlot == 0)
    return;
  i64 i = (i64)(idmap_mix(key) & (sqlite3_uint64)(p->nSlot - 1));
  PAPERS_PREFETCH(p->aKey + i);
  PAPERS_PREFETCH(p->aIndex + i);
}

static int idmap_grow(PapersIdMap *p) {
  i64 nNew = p->nSlot ? p->nSlot * 2 : 64;
  PapersIdMap bigger = {0, 0, nNew, p->nUsed};
  bigger.aKey = sqlite3_malloc64(sizeof(sqlite3_uint64) * (sqlite3_uint64)nNew);
  bigger.aIndex = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)nNew);
  if (bigger.aKey == 0 || bigger.aIndex == 0) {
    sqlite3_free(bigger.aKey);
    sqlite3_free(bigger.aIndex);
    return SQLITE_NOMEM;
  }
  memset(bigger.aIndex, 0xff, sizeof(int) * (size_t)nNew);
  for (i64 i = 0; i < p->nSlot; i++) {
    if (p->aIndex[i] < 0)
      continue;
    i64 j = idmap_find_slot(&bigger, p->aKey[i]);
    bigger.aKey[j] = p->aKey[i];
    bigger.aIndex[j] = p->aIndex[i];
  }
  sqlite3_free(p->aKey);
  sqlite3_free(p->aIndex);
  *p = bigger;
  return SQLITE_OK;
}

int papers_idmap_get(PapersIdMap *p, sqlite3_uint64 key, int *piIndex, int *pIsNew) {
  if (2 * (i64)(p->nUsed + 1) > p->nSlot && idmap_grow(p) != SQLITE_OK)
    return SQLITE_NOMEM;
  assert(2 * (i64)p->nUsed < p->nSlot);
  i64 i = idmap_find_slot(p, key);
  *pIsNew = p->aIndex[i] < 0;
  if (*pIsNew) {
    p->aKey[i] = key;
    p->aIndex[i] = p->nUsed++;
  }
  *piIndex = p->aIndex[i];
  return SQLITE_OK;
}

int papers_idmap_find(const PapersIdMap *p, sqlite3_uint64 key) {
  if (p->nSlot == 0)
    return -1;
  i64 i = idmap_find_slot(p, key);
  return p->aIndex[i];
}
