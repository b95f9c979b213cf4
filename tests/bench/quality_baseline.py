#!/usr/bin/python3
"""quality_baseline.py: the scikit-learn TF-IDF baseline of the measures that
`make quality` prints beside papers_index's (docs/quality.md), measured once.

    /usr/bin/python3 tests/bench/quality_baseline.py ../shared/eval/arxiv-2025-07

Needs scikit-learn (Debian: apt-get install python3-sklearn). The papers, the
mixed library and the skewed library are chosen as tests/bench/quality.c
chooses them; the vectoriser is scikit-learn's best sparse configuration of
shared/eval/README.md (uni+bigrams, sublinear tf, min_df 2, max_df 0.5),
fitted on each library's own texts (title + abstract), cosine similarity.
Ties are broken by the paper's order, as the index breaks them by rowid.
"""
import glob
import json
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


def load(directory):
    seen, records = set(), []
    for path in sorted(glob.glob(directory + "/*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if len(line) < 2:
                    continue
                r = json.loads(line)
                if r["id"] in seen:
                    continue
                seen.add(r["id"])
                records.append(r)
    count = {}
    for r in records:
        count[r["categories"][0]] = count.get(r["categories"][0], 0) + 1
    return [r for r in records if count[r["categories"][0]] >= 50]


def vectoriser():
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5)


def ranked(S):
    return np.argsort(-S, axis=1, kind="stable")


def nearest_precision(texts, cats, k, rows):
    X = vectoriser().fit_transform(texts)
    S = (X[rows] @ X.T).toarray()
    S[np.arange(len(rows)), rows] = -np.inf  # never the paper itself
    top = ranked(S)[:, :k]
    return (cats[top] == cats[rows][:, None]).mean(1)


def main():
    papers = load(sys.argv[1])
    n = len(papers)
    cats = np.array([p["categories"][0] for p in papers])
    titles = [p["title"] for p in papers]
    texts = [p["title"] + "\n" + p["summary"] for p in papers]
    # (a) a paper's title as the query
    v = vectoriser()
    X = v.fit_transform(texts)
    order = ranked((v.transform(titles) @ X.T).toarray())
    print("papers %d" % n)
    print("title as query: success@1 %.4f  P@10 %.4f"
          % ((order[:, 0] == np.arange(n)).mean(),
             (cats[order[:, :10]] == cats[:, None]).mean()))
    # (b) the mixed library: papers of even id (1-based, in load order) keep only a title
    has_abstract = np.array([(i + 1) % 2 == 1 for i in range(n)])
    mixed = [texts[i] if has_abstract[i] else titles[i] for i in range(n)]
    prec = nearest_precision(mixed, cats, 10, np.arange(n))
    print("mixed library: P@10 with abstract %.4f  title only %.4f"
          % (prec[has_abstract].mean(), prec[~has_abstract].mean()))
    # (c) the skewed library: cs.CV whole, the first 25 papers of every other category
    keep, seen = [], {}
    for i in range(n):
        seen[cats[i]] = seen.get(cats[i], 0) + 1
        if cats[i] == "cs.CV" or seen[cats[i]] <= 25:
            keep.append(i)
    keep = np.array(keep)
    minority = np.where(cats[keep] != "cs.CV")[0]
    prec = nearest_precision([texts[i] for i in keep], cats[keep], 5, minority)
    print("skewed library: P@5 of the %d minority papers %.4f" % (len(minority), prec.mean()))


if __name__ == "__main__":
    main()
