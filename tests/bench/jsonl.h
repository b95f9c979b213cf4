/*
** jsonl.h: loads a directory of JSON Lines files into a table (jsonl.c), for
** the benchmarks that read shared/eval.
**
**   bench_load_jsonl(db, "../shared/eval/arxiv-2025-07", "raw");
**
** creates raw(seq INTEGER PRIMARY KEY, line TEXT) holding every non-empty line
** of every *.jsonl file of the directory, files in name order, lines in file
** order (seq counts from 1). Exits with a message on failure.
*/
#ifndef BENCH_JSONL_H
#define BENCH_JSONL_H

#include <sqlite3.h>

void bench_load_jsonl(sqlite3 *db, const char *zDir, const char *zTable);

/* The papers of the evaluation protocol (shared/eval/README.md) from the JSONL
** records of zDir: papers(id INTEGER PRIMARY KEY, arxiv, category, title,
** abstract), the first record of each arXiv id, of primary categories with at
** least 50 papers, in record order. */
void bench_load_eval_papers(sqlite3 *db, const char *zDir);

#endif
