/*
** corpus.h: a deterministic benchmark corpus of arXiv-like papers (corpus.c).
**
**   BenchCorpus *p = bench_corpus_load(db, "../shared/eval/arxiv-2025-07");
**   bench_corpus_paper(p, i, &zTitle, &zAbstract);   any i >= 0
**   bench_corpus_free(p);
**
** Reads the title and summary of every record of every *.jsonl file of a
** directory (file-name order; first record of each id), then makes paper i
** from source paper i % nSource: each word dropped with probability 1/12,
** otherwise replaced by a word drawn from the whole corpus with probability
** 1/12 (title: 1/24 each), from a SplitMix64 seeded with i. The same i gives
** the same paper on every machine; two papers are the same text only by a
** vanishingly unlikely coincidence (the benchmark counts them).
*/
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include <sqlite3.h>

typedef struct BenchCorpus BenchCorpus;

/* Loads the source papers with the help of db (JSON functions); exits with a
** message on failure. */
BenchCorpus *bench_corpus_load(sqlite3 *db, const char *zDir);
int bench_corpus_sources(const BenchCorpus *p);
/* Paper i; the strings stay valid until the next call. */
void bench_corpus_paper(BenchCorpus *p, sqlite3_int64 i, const char **pzTitle,
                        const char **pzAbstract);
void bench_corpus_free(BenchCorpus *p);

#endif
