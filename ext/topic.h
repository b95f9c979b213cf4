/*
** topic.h: what the files of the topic subsystem share (text to vectors).
**
**   analysis.c        text to tokens and terms through FTS5's tokenizers; the
**                     connection context (papers_internal.h)
**   markup.c          the TeX, HTML and URL bytes of a text, which make no terms
**   vector.c          term counts, weighted vectors and their BLOB form
**   latent.c          the latent semantic analysis fit
**   idmap.c           64-bit keys to dense indexes
**   clusters.c        papers_clusters (table-valued) and its labels
**   clusters_kmeans.c the documents of a clustering and spherical k-means
**   topic_args.c      reading arguments: an index name to its statistics, a
**                     TEXT or vector BLOB to a vector, a term id to a label;
**                     the xBestIndex of the table-valued functions
**   topic_funcs.c     papers_vector, papers_similarity (scalars) and the
**                     registration of everything (papers_register_topic)
**   topic_centroid.c  papers_centroid (aggregate)
**   topic_tokens.c    papers_tokens (table-valued)
**   topic_terms.c     papers_keywords, papers_explain (table-valued)
**   explain.c         the attribution of a similarity to terms (explain)
**
** Conventions of every topic function: a TEXT argument is analysed (with the
** named index's analyzer and idf, or the default analyzer and idf 1); a BLOB
** argument is a vector in vector.c's form and is never re-weighed; NULL gives
** NULL (scalars) or no rows (tables). Error messages start with the function's
** name.
*/
#ifndef PAPERS_TOPIC_H
#define PAPERS_TOPIC_H

#include "papers_internal.h"

/* ---- analysis.c: text to terms, through FTS5's tokenizers -------------- */

/* One FTS5 tokenizer instance, for one tokenize spec. */
typedef struct PapersAnalyzer PapersAnalyzer;

const char *papers_default_tokenize(void);

/* The analyzer for a tokenize spec (NULL: the default), created once per
** connection. On error *pzErr (sqlite3_malloc'd) says what went wrong. */
int papers_conn_analyzer(PapersConn *pConn, const char *zSpec, PapersAnalyzer **ppOut,
                         char **pzErr);

/* Whether an analyzer may be copied for another thread: its tokenizers are
** FTS5's own (porter, unicode61, ascii, trigram), which keep everything they
** change in their instance; another tokenizer may share state between its
** instances. */
int papers_analyzer_is_copyable(const PapersAnalyzer *p, int *pIsCopyable);

/* Another instance of an analyzer's tokenizer, of its own (not cached on the
** connection: papers_analyzer_free() frees it), so that two threads analyse
** at once, each with its own. */
int papers_analyzer_copy(const PapersAnalyzer *pFrom, PapersAnalyzer **ppOut);
void papers_analyzer_free(PapersAnalyzer *p);

/* A token as the analysis sees it. */
typedef struct PapersToken {
  const char *zTerm; /* the tokenizer's form (a stem, for porter) */
  int nTerm;
  int iStart, iEnd;   /* byte offsets in the text */
  int isStop;         /* stop word, number or single character: makes no term */
  int isJoined;       /* only spaces and hyphens (no markup) separate it
                      ** from the previous token: the two may make a phrase */
  int isHyphenBefore; /* one hyphen separates it from the previous token, */
  int isHyphenAfter;  /* ... from the next: parts of one hyphenated word */
} PapersToken;

/* A term: a unigram stem or a phrase "stem1 stem2". */
typedef struct PapersTerm {
  sqlite3_uint64 id; /* papers_term_id() of zTerm */
  const char *zTerm;
  int nTerm;
  int iStart, iEnd; /* byte offsets of its surface form in the text */
  int isPhrase;
} PapersTerm;

sqlite3_uint64 papers_term_id(const char *z, i64 n);
int papers_analyze_tokens(PapersAnalyzer *pAnalyzer, const char *z, int n,
                          int (*xToken)(void *, const PapersToken *), void *pCtx);
int papers_analyze_terms(PapersAnalyzer *pAnalyzer, const char *z, int n,
                         int (*xTerm)(void *, const PapersTerm *), void *pCtx);

/* ---- markup.c: the bytes of a text that make no terms -------------------- */

#define MARKUP_TEXT 0 /* text */
#define MARKUP      1 /* TeX, HTML or a URL: no token, and no phrase across */

/* One mark per byte of z[0..n) in *paMask (sqlite3_malloc'd), or *paMask = 0
** when the text holds no markup. */
int papers_markup_mask(const char *z, int n, unsigned char **paMask);

/* ---- vector.c: term counts and weighted vectors ------------------------- */

/* ln(x), the same bit for bit on every IEEE-754 machine. */
double papers_ln(double x);

/* A term of a text: its id, frequency and most frequent surface form. */
typedef struct PapersCount {
  sqlite3_uint64 id;
  double tf; /* occurrences, each counted with its text's weight */
  int isPhrase;
  const char *zSurface; /* kept by the PapersCounts it came from */
  int nSurface;
} PapersCount;

/* Gathers the terms of one or more texts. */
typedef struct PapersCounts PapersCounts;
PapersCounts *papers_counts_new(void);
void papers_counts_free(PapersCounts *p);
void papers_counts_reset(PapersCounts *p);
int papers_counts_add(PapersCounts *p, PapersAnalyzer *pAnalyzer, const char *z, int n,
                      double weight);
/* Sorts and merges what was added; papers_counts() then lists it by id. */
int papers_counts_finish(PapersCounts *p);
const PapersCount *papers_counts(const PapersCounts *p, int *pnCount);

/* A weighted term vector: ids strictly increasing, weights L2-normalised (an
** index's vector of a short text: shorter, papers_vector_with_latent). */
typedef struct PapersVector {
  int nTerm;
  sqlite3_uint64 *aId; /* owns the allocation that aWeight shares */
  float *aWeight;
} PapersVector;

/* Weighs counts ((1 + ln tf) * idf, normalised); aIdf may be 0 (idf 1).
** *pNorm (pNorm may be 0): the norm the raw weights were divided by. One
** weight of such a vector is papers_weight_normalised(papers_weight_raw(
** papers_tf_factor(tf), idf), norm), the same bits whether computed alone or
** with the others; papers_weight_scaled() is what a latent blend then does
** to it (papers_vector_with_latent). */
int papers_vector_weigh(const PapersCount *aCount, int nCount, const double *aIdf,
                        PapersVector *pVec, double *pNorm);
double papers_tf_factor(double tf); /* 1 + ln tf */
double papers_weight_raw(double tfFactor, double idf);
float papers_weight_normalised(double raw, double norm);
/* The weight an index stores: weight * scale on the grid (below). */
float papers_weight_scaled(float weight, double scale);
/* The weight grid of an index's stored weights (its vectors, postings, the
** vectors papers_similarity and papers_explain weigh with `[, index]`):
** multiples of 1 / PAPERS_WEIGHT_STEPS, written as 16-bit codes. A weight on
** the grid is a float that goes to its code and back unchanged. */
#define PAPERS_WEIGHT_STEPS 32767
int papers_weight_code(double w); /* the nearest code, clamped to the range */
float papers_weight_of_code(int code);
float papers_weight_grid(double w); /* the nearest weight on the grid */
/* Room for nTerm terms (ids, then weights, in one allocation); nTerm 0: none. */
int papers_vector_alloc(PapersVector *pVec, int nTerm);
void papers_vector_free(PapersVector *pVec);
double papers_vector_dot(const PapersVector *pA, const PapersVector *pB);
/* papers_vector_dot() of pA and a vector in BLOB form, without decoding it:
** the same sum bit for bit; SQLITE_ERROR when the header or the length is
** wrong (the ids and weights are not checked). */
int papers_vector_dot_blob(const PapersVector *pA, const unsigned char *a, i64 n,
                           double *pDot);
i64 papers_vector_blob_size(const PapersVector *pVec);
void papers_vector_encode(const PapersVector *pVec, unsigned char *aBlob);
/* The grid form (weights as 16-bit codes, rounded to the grid), for storage. */
i64 papers_vector_grid_blob_size(const PapersVector *pVec);
void papers_vector_grid_encode(const PapersVector *pVec, unsigned char *aBlob);
void papers_result_vector(sqlite3_context *pCtx, const PapersVector *pVec);
/* SQLITE_ERROR with *pzProblem (static text) for a malformed BLOB. */
int papers_vector_decode(const unsigned char *a, i64 n, PapersVector *pVec,
                         const char **pzProblem);

/* ---- latent.c: latent semantic analysis ----------------------------------- */

/* A sparse matrix in compressed rows: documents by features. With a mix
** (aMixStart not 0) the matrix fitted is M * A instead, M a sparse nRow x
** nRow matrix in compressed rows: row r of it is the sum, over e from
** aMixStart[r] to aMixStart[r + 1], of aMixWeight[e] times row aMixRow[e]
** of A (clusters_smooth.c: each document's row mixed with its neighbours',
** without writing the much denser mixed rows out). */
typedef struct PapersLatentMatrix {
  i64 nRow, nColumn;
  i64 *aRowStart; /* nRow + 1 offsets into aColumn and aValue */
  int *aColumn;
  float *aValue;
  i64 *aMixStart; /* nRow + 1 offsets into aMixRow and aMixWeight, or 0 */
  int *aMixRow;
  double *aMixWeight;
} PapersLatentMatrix;

/* Fits the projection: aProjection[f * nDim + k] is the k-th right singular
** vector's entry for feature f (nColumn * nDim floats, given). */
int papers_latent_fit(const PapersLatentMatrix *A, int nDim, float *aProjection);

/* Term ids at and above this value name latent dimensions, not words:
** dimension k of an index's latent space has id PAPERS_LATENT_ID + k. Hashed
** term ids never reach it (papers_term_id() moves the few that would). */
#define PAPERS_LATENT_ID        0xFFFFFFFFFFFFFF00ULL
#define PAPERS_MAX_LATENT       256 /* latent dimensions at most: the ids there are */
#define papers_is_latent_id(id) ((id) >= PAPERS_LATENT_ID)

/* A text of this many word terms (unigrams and phrases) or more is a full
** text: it carries the index's whole latent weight and its vector is unit
** length; a shorter one (a query, a title alone) carries a latent share in
** proportion and its index vector is shorter (papers_text_length; docs/quality.md:
** short queries and titles rank by their exact words, and a title that
** repeats one query word does not outrank an abstract that holds them all). */
#define PAPERS_FULL_TEXT_TERMS 40

/* The latent weight of a text of nTerm word terms in an index of latent
** weight w: w * min(1, nTerm / PAPERS_FULL_TEXT_TERMS). */
double papers_latent_share(int nTerm, double w);

/* The length of the index vector of a text of nTerm word terms:
** min(1, sqrt(nTerm / PAPERS_FULL_TEXT_TERMS)). Its score against any other
** text is its cosine with it times this length (times the other's). */
double papers_text_length(int nTerm);

/* The vector an index stores for a text (a document, a query): its unit
** sparse vector scaled by sqrt(1 - w), then the latent vector z (nDim values,
** normalised here; nDim may be 0, z then 0) scaled by sqrt(w) under the
** latent ids, both parts then scaled by the text's length,
** papers_text_length(its terms): the result has that length. A zero z leaves
** the sparse part whole (times the length). Every weight is put on the grid
** (papers_weight_grid), as an index stores it. *pSparseScale (pSparseScale may be
** 0): the factor the sparse weights were scaled by. */
int papers_vector_with_latent(const PapersVector *pSparse, const double *z, int nDim,
                              double w, PapersVector *pOut, double *pSparseScale);

/* ---- idmap.c: 64-bit keys to dense indexes ----------------------------- */

typedef struct PapersIdMap PapersIdMap;
PapersIdMap *papers_idmap_new(void);
void papers_idmap_free(PapersIdMap *p);
int papers_idmap_count(const PapersIdMap *p);
/* The key's index, assigned in order of first sight when new (*pIsNew). */
int papers_idmap_get(PapersIdMap *p, sqlite3_uint64 key, int *piIndex, int *pIsNew);
/* The key's index, or -1. */
int papers_idmap_find(const PapersIdMap *p, sqlite3_uint64 key);
/* Asks the processor to fetch the key's slot now, as it will be looked up
** soon: a hint, which changes no result. */
void papers_idmap_prefetch(const PapersIdMap *p, sqlite3_uint64 key);

/* A cache prefetch of what address a points to (nothing where the compiler
** has none): tables much larger than the cache are read at random. */
#if defined(__GNUC__) || defined(__clang__)
#define PAPERS_PREFETCH(a) __builtin_prefetch(a)
#else
#define PAPERS_PREFETCH(a) ((void)(a))
#endif

/* ---- index statistics (index_stats.c): what `[, index]` arguments use --- */

/* The corpus statistics of a papers_index table, for weighing vectors. */
typedef struct PapersStats PapersStats;

/* Opens the statistics of the papers_index table named zIndex ("name" or
** "schema.name"). Errors: no such table, or a table that is not a
** papers_index; *pzErr (sqlite3_malloc'd) then says which. */
int papers_stats_open(PapersConn *pConn, const char *zIndex, PapersStats **ppStats,
                      char **pzErr);
/* Makes the table write out the additions its transaction holds in memory,
** so that the statistics read next include them. papers_stats_open() does
** it; a caller that keeps the statistics across calls does it at each call. */
int papers_stats_sync(PapersStats *pStats);
/* What the last call that returned SQLITE_CORRUPT_VTAB found wrong with the
** index's shadow tables, or 0; sqlite3_malloc'd, the caller's from now on. */
char *papers_stats_take_error(PapersStats *pStats);
void papers_stats_close(PapersStats *pStats);
/* The analyzer of the index's tokenize option. */
PapersAnalyzer *papers_stats_analyzer(PapersStats *pStats);
/* The vector of counts as the index weighs a document now: (1 + ln tf) * idf
** normalised, with the index's latent part when it has one. */
int papers_stats_vector(PapersStats *pStats, const PapersCount *aCount, int nCount,
                        PapersVector *pVec);
/* The readable form of a term the index has seen; *pz = 0 when unknown.
** The text stays valid until the next call or papers_stats_close(). */
int papers_stats_surface(PapersStats *pStats, sqlite3_uint64 id, const char **pz,
                         int *pn);
/* The number of latent dimensions of the index (0: it has no latent part). */
int papers_stats_latent_dims(PapersStats *pStats, int *pnDim);
/* A term's latent projection row (nDim floats, sqlite3_malloc'd, the
** caller frees it), or 0 in *paRow when the term has none. */
int papers_stats_projection(PapersStats *pStats, sqlite3_uint64 id, int nDim,
                            float **paRow);

/* ---- explain.c: a similarity attributed to terms ------------------------ */

/* A term's part of a similarity. */
typedef struct ExplainTerm {
  sqlite3_uint64 id; /* a word or phrase term; PAPERS_LATENT_ID: the latent
                     ** part when it is not attributed (see *peWhole) */
  double wA, wB;     /* its weights in a and b (0: absent) */
  double sparse;     /* wA * wB */
  double latent;     /* its share of the latent part (may be negative) */
} ExplainTerm;

/* Why the latent part is one row: no index was named; the index has no
** projection that made these vectors. */
#define EXPLAIN_NO_INDEX         1
#define EXPLAIN_NOT_ATTRIBUTABLE 2

/* Attributes papers_vector_dot(pA, pB) to terms (explain.c's header says
** how): *paTerm (sqlite3_malloc'd, *pnTerm rows in id order) holds every
** term that both vectors hold or that has a latent share; *peWhole is 0, or
** why one row of id PAPERS_LATENT_ID carries the latent part. pStats may
** be 0. The rows add up to the dot product. */
int papers_explain(const PapersVector *pA, const PapersVector *pB, PapersStats *pStats,
                   ExplainTerm **paTerm, int *pnTerm, int *peWhole);

/* ---- clusters_kmeans.c: the clustering of papers_clusters --------------- */

/* The documents in compressed rows, in rowid order. Entry e of document i
** (aStart[i] <= e < aStart[i + 1]) is feature aFeature[e]; aWord[e] is its
** weight as stored, aSpace[e] its weight in the clustering space (0 for a
** feature the space leaves out), each document's aSpace of unit length.
** Features are dense indexes of term ids (aId), in order of first sight. */
typedef struct ClustersCorpus {
  int nDoc;
  i64 *aRowid;
  i64 *aStart;
  int *aFeature;
  float *aWord;
  float *aSpace;
  i64 nEntry, nEntryAlloc;
  int nFeature, nFeatureAlloc;
  sqlite3_uint64 *aId; /* per feature */
  int *aDf;            /* per feature: documents of the set holding it */
} ClustersCorpus;

/* Frees what the corpus holds and empties it. */
void clusters_corpus_free(ClustersCorpus *p);

/* Appends one document's vector; its terms become features through pMap. */
int clusters_corpus_add(ClustersCorpus *p, PapersIdMap *pMap, i64 iRowid,
                        const PapersVector *pVec, int *pnDocAlloc);

/* Drops the word features that only one document holds (they cannot bring
** two documents together, nor label a cluster), renumbers the rest in order
** of first sight and computes every document's weights in the clustering
** space. */
int clusters_corpus_compact(ClustersCorpus *p);

/* True when c is clustered in the latent space alone (the index has a
** latent part). */
int clusters_corpus_is_latent(const ClustersCorpus *c);

/* Makes pView the clustering space of c alone: per document, its entries of
** non-zero weight in the space (aSpace), features renumbered densely in
** order of first sight, centred (the mean of the documents taken away,
** then renormalised) when the space is the latent one; aRowid, aWord, aId
** and aDf are left out. */
int clusters_corpus_view(const ClustersCorpus *c, ClustersCorpus *pView);

/* Centres the view pView: the mean of the documents that have entries is
** taken from each of them, which is then renormalised (every document with
** entries holds all nFeature of them afterwards). */
int clusters_corpus_centre(ClustersCorpus *pView);

/* ---- clusters_smooth.c: the neighbour-smoothed space of papers_clusters ---- */

/* Makes pView the neighbour-smoothed latent space of c (clusters_smooth.c),
** centred; *pIsMade is 0, and pView empty, when c does not qualify (no
** latent part, too many documents or no word terms): the caller then uses
** clusters_corpus_view(). */
int clusters_smooth_view(const ClustersCorpus *c, ClustersCorpus *pView, int *pIsMade);

/* The space a corpus is clustered in, which sets the k-means run on it. */
typedef enum ClustersSpace {
  CLUSTERS_SPACE_WORDS,   /* word terms: spherical, CLUSTERS_RESTARTS seedings */
  CLUSTERS_SPACE_LATENT,  /* the index's latent part: spherical, more seedings */
  CLUSTERS_SPACE_SMOOTHED /* clusters_smooth_view(): Euclidean, the most seedings */
} ClustersSpace;

/* Clusters the corpus into k; aBest (nDoc) receives the best assignment of
** the seedings tried, aBestSim the cosines that go with it. */
int clusters_kmeans_best(const ClustersCorpus *pCorpus, int k, ClustersSpace space,
                         int *aBest, double *aBestSim);

/* ---- the topic functions (topic_*.c) ----------------------------------- */

/* A TEXT or BLOB argument made a vector. For a TEXT, pCounts keeps its terms
** (sorted by id) with their surface forms, for labels; 0 for a BLOB. */
typedef struct TopicOperand {
  PapersVector vec;
  PapersCounts *pCounts;
} TopicOperand;

/* Makes pValue (not NULL) a vector: a BLOB is decoded, anything else is
** analysed as text with pStats's analyzer and idf (pStats 0: the default
** analyzer, idf 1). On SQLITE_ERROR *pzErr (sqlite3_malloc'd) is the whole
** message: "<zFunc>: argument <iArg> is not a valid vector: ...", or the
** analyzer's problem prefixed with zFunc. The operand is freed on error. */
int topic_operand(PapersConn *pConn, PapersStats *pStats, sqlite3_value *pValue,
                  const char *zFunc, int iArg, TopicOperand *pOp, char **pzErr);
void topic_operand_free(TopicOperand *pOp);

/* Opens the statistics of the index named by pIndex; *ppStats = 0 when pIndex
** is NULL. On SQLITE_ERROR *pzErr is papers_stats_open's message prefixed with
** zFunc. */
int topic_stats_open(PapersConn *pConn, sqlite3_value *pIndex, const char *zFunc,
                     PapersStats **ppStats, char **pzErr);

/* The statistics of the index argument argv[iArg] of a scalar function:
** those kept on the statement (sqlite3_get_auxdata) or, when there are none
** (*pIsNew), newly opened. *ppStats = 0 when the argument is NULL. On error
** the context's error is set and the code returned. Once the call is done
** with them, topic_stats_keep() hands new statistics to the statement
** (sqlite3_set_auxdata), which keeps them while the index name is a constant
** and closes them otherwise: a query calling the function per row opens the
** index once. */
int topic_stats_get(sqlite3_context *pCtx, PapersConn *pConn, sqlite3_value **argv,
                    int iArg, const char *zFunc, PapersStats **ppStats, int *pIsNew);
void topic_stats_keep(sqlite3_context *pCtx, int iArg, PapersStats *pStats, int isNew);

/* rc of a call on the statistics; when it is SQLITE_CORRUPT_VTAB, *pzErr
** says what is damaged, prefixed with zFunc. */
int topic_stats_error(PapersStats *pStats, const char *zFunc, int rc, char **pzErr);

/* A readable label of term id: its most frequent surface form in the first
** text operand that holds it, else the index vocabulary's form, else the id
** as 16 lower-case hex digits. Returned sqlite3_malloc'd (0: out of memory). */
char *topic_label(const TopicOperand *pA, const TopicOperand *pB, PapersStats *pStats,
                  sqlite3_uint64 id, int *pRc);

/* Sets pVtab's error message (taking ownership of zErr) and returns
** SQLITE_ERROR, or SQLITE_NOMEM when zErr is 0. */
int topic_vtab_error(sqlite3_vtab *pVtab, char *zErr);

/* Registration hooks of the files above, called by papers_register_topic. */
int topic_register_centroid(sqlite3 *db, PapersConn *pConn);
int topic_register_tokens(sqlite3 *db, PapersConn *pConn);
int topic_register_terms(sqlite3 *db, PapersConn *pConn);

#endif /* PAPERS_TOPIC_H */
