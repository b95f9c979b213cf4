/*
** corpus.c: the benchmark corpus generator described in corpus.h.
*/
#include "corpus.h"
#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Word {
  const char *z;
  int n;
} Word;

typedef struct Source {
  int iTitle, nTitle; /* its words in aWord */
  int iAbstract, nAbstract;
} Source;

struct BenchCorpus {
  char **azText; /* the source texts, split in place */
  int nText;
  Word *aWord; /* every word of every source, in order */
  int nWord, nWordAlloc;
  Source *aSource;
  int nSource;
  char *zTitle, *zAbstract; /* the last paper made */
  size_t nTitleAlloc, nAbstractAlloc;
};

static void fail(const char *zWhat, const char *zDetail) {
  fprintf(stderr, "corpus: %s: %s\n", zWhat, zDetail);
  exit(1);
}

static sqlite3_uint64 splitmix64(sqlite3_uint64 *pState) {
  sqlite3_uint64 z = (*pState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Splits a copy of z on white space into words appended to aWord. */
static int add_words(BenchCorpus *p, const char *z) {
  char *zCopy = strdup(z ? z : "");
  int nBefore = p->nWord;
  p->azText = realloc(p->azText, sizeof(char *) * (size_t)(p->nText + 1));
  p->azText[p->nText++] = zCopy;
  char *zSave = 0;
  for (char *zTok = strtok_r(zCopy, " \t\r\n", &zSave); zTok;
       zTok = strtok_r(0, " \t\r\n", &zSave)) {
    if (p->nWord == p->nWordAlloc) {
      p->nWordAlloc = p->nWordAlloc ? 2 * p->nWordAlloc : 65536;
      p->aWord = realloc(p->aWord, sizeof(Word) * (size_t)p->nWordAlloc);
    }
    p->aWord[p->nWord].z = zTok;
    p->aWord[p->nWord++].n = (int)strlen(zTok);
  }
  return p->nWord - nBefore;
}

BenchCorpus *bench_corpus_load(sqlite3 *db, const char *zDir) {
  sqlite3_stmt *pStmt;
  bench_load_jsonl(db, zDir, "corpus_raw");
  const char *zSql =
      "WITH r AS (SELECT seq, json_extract(line, '$.id') AS id,"
      " json_extract(line, '$.title') AS title,"
      " json_extract(line, '$.summary') AS summary FROM corpus_raw)"
      " SELECT title, summary FROM r WHERE seq = (SELECT min(seq) FROM r AS s"
      " WHERE s.id = r.id) AND summary IS NOT NULL ORDER BY seq";
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0))
    fail("prepare", sqlite3_errmsg(db));
  BenchCorpus *p = calloc(1, sizeof(*p));
  int nSourceAlloc = 0;
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    if (p->nSource == nSourceAlloc) {
      nSourceAlloc = nSourceAlloc ? 2 * nSourceAlloc : 1024;
      p->aSource = realloc(p->aSource, sizeof(Source) * (size_t)nSourceAlloc);
    }
    Source *pSource = &p->aSource[p->nSource++];
    pSource->iTitle = p->nWord;
    pSource->nTitle = add_words(p, (const char *)sqlite3_column_text(pStmt, 0));
    pSource->iAbstract = p->nWord;
    pSource->nAbstract = add_words(p, (const char *)sqlite3_column_text(pStmt, 1));
  }
  sqlite3_finalize(pStmt);
  sqlite3_exec(db, "DROP TABLE corpus_raw", 0, 0, 0);
  if (p->nSource == 0)
    fail("no records with a summary in", zDir);
  return p;
}

int bench_corpus_sources(const BenchCorpus *p) {
  return p->nSource;
}

/* Writes the perturbed words aWord[iFirst, iFirst + n) into *pz. */
static void perturb(BenchCorpus *p, int iFirst, int n, unsigned int perMille,
                    sqlite3_uint64 *pState, char **pz, size_t *pnAlloc) {
  size_t nOut = 0;
  for (int i = 0; i < n; i++) {
    sqlite3_uint64 r = splitmix64(pState);
    unsigned int roll = (unsigned int)(r % 1000);
    const Word *pWord = &p->aWord[iFirst + i];
    if (roll < perMille)
      continue; /* dropped */
    if (roll < 2 * perMille)
      pWord = &p->aWord[(r >> 20) % (sqlite3_uint64)p->nWord];
    if (nOut + (size_t)pWord->n + 2 > *pnAlloc) {
      *pnAlloc = 2 * (nOut + (size_t)pWord->n + 2) + 256;
      *pz = realloc(*pz, *pnAlloc);
    }
    if (nOut)
      (*pz)[nOut++] = ' ';
    memcpy(*pz + nOut, pWord->z, (size_t)pWord->n);
    nOut += (size_t)pWord->n;
  }
  if (*pnAlloc == 0) {
    *pnAlloc = 256;
    *pz = realloc(*pz, *pnAlloc);
  }
  (*pz)[nOut] = 0;
}

void bench_corpus_paper(BenchCorpus *p, sqlite3_int64 i, const char **pzTitle,
                        const char **pzAbstract) {
  const Source *pSource = &p->aSource[i % p->nSource];
  sqlite3_uint64 state = 0x9e3779b97f4a7c15ULL * (sqlite3_uint64)(i + 1);
  perturb(p, pSource->iTitle, pSource->nTitle, 42, &state, &p->zTitle, &p->nTitleAlloc);
  perturb(p, pSource->iAbstract, pSource->nAbstract, 83, &state, &p->zAbstract,
          &p->nAbstractAlloc);
  *pzTitle = p->zTitle;
  *pzAbstract = p->zAbstract;
}

void bench_corpus_free(BenchCorpus *p) {
  if (p == 0)
    return;
  for (int i = 0; i < p->nText; i++)
    free(p->azText[i]);
  free(p->azText);
  free(p->aWord);
  free(p->aSource);
  free(p->zTitle);
  free(p->zAbstract);
  free(p);
}
