/*
** parse_id_set.c: a set of identifiers, each with a kind, for a parser that
** must tell an entry it has seen from a new one (arxiv-mail: the same id
** and announce kind twice in one mailing is a repeated entry).
**
** Open addressing with linear probing, a power-of-two number of slots at
** most half full, FNV-1a hashes of 8 bytes a step. A full table grows four
** times (an eighth full after): half the ids moved of doubling, for at most
** 8 slots (192 bytes) an id. The ids are spans of the parser's input:
** nothing is copied, so the set lives no longer than that input.
*/
#include "parse.h"

#include <string.h>

static sqlite3_uint64 id_set_hash(PapersSpan id) {
  const sqlite3_uint64 kPrime = 1099511628211ULL;
  sqlite3_uint64 h = 14695981039346656037ULL; /* FNV-1a, 8 bytes a step */
  i64 i = 0;
  for (; id.n - i >= 8; i += 8) {
    sqlite3_uint64 word;
    memcpy(&word, id.z + i, 8);
    h = (h ^ word) * kPrime;
    h ^= h >> 32;
  }
  for (; i < id.n; i++)
    h = (h ^ (unsigned char)id.z[i]) * kPrime;
  return h ^ (h >> 29);
}

static int id_set_key_equals(const PapersIdKey *pA, const PapersIdKey *pB) {
  return pA->iKind == pB->iKind && pA->id.n == pB->id.n &&
         memcmp(pA->id.z, pB->id.z, (size_t)pA->id.n) == 0;
}

static PapersIdKey *id_set_slot(PapersIdKey *aSlot, i64 nSlot, const PapersIdKey *pKey) {
  assert(nSlot > 0 && (nSlot & (nSlot - 1)) == 0); /* the mask works */
  sqlite3_uint64 h = id_set_hash(pKey->id) + (sqlite3_uint64)pKey->iKind;
  i64 i = (i64)(h & (sqlite3_uint64)(nSlot - 1));
  while (aSlot[i].id.z && !id_set_key_equals(&aSlot[i], pKey))
    i = (i + 1) & (nSlot - 1);
  return &aSlot[i];
}

static int id_set_grow(PapersIdSet *pSet) {
  i64 nNew = pSet->nSlot ? pSet->nSlot * 4 : 1024;
  PapersIdKey *aNew = sqlite3_malloc64(sizeof(PapersIdKey) * (sqlite3_uint64)nNew);
  if (aNew == 0)
    return 0;
  memset(aNew, 0, sizeof(PapersIdKey) * (size_t)nNew);
  for (i64 i = 0; i < pSet->nSlot; i++) {
    if (pSet->aSlot[i].id.z)
      *id_set_slot(aNew, nNew, &pSet->aSlot[i]) = pSet->aSlot[i];
  }
  sqlite3_free(pSet->aSlot);
  pSet->aSlot = aNew;
  pSet->nSlot = nNew;
  return 1;
}

int papers_id_set_add(PapersIdSet *pSet, PapersSpan id, int iKind) {
  PapersIdKey key = {id, iKind};
  if ((pSet->nUsed + 1) * 2 > pSet->nSlot && !id_set_grow(pSet))
    return -1;
  assert(2 * pSet->nUsed < pSet->nSlot); /* a free slot ends every probe */
  PapersIdKey *pSlot = id_set_slot(pSet->aSlot, pSet->nSlot, &key);
  if (pSlot->id.z)
    return 0;
  *pSlot = key;
  pSet->nUsed++;
  return 1;
}

void papers_id_set_clear(PapersIdSet *pSet) {
  sqlite3_free(pSet->aSlot);
  memset(pSet, 0, sizeof(*pSet));
}
