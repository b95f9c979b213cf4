/*
** index.h: what the files of the papers_index virtual table share.
**
**   index_vtab.c     the virtual table: create, connect, commands, writes,
**                    queries, transactions;
**   index_options.c  its options (CREATE VIRTUAL TABLE arguments);
**   index_check.c    the 'integrity-check' command;
**   index_build.c    rebuild: the whole index from the content table at once;
**   index_build_rows.c  rebuild's counting: content rows analysed on two
**                    threads, handed over in rowid order;
**   index_query.c    exact top-k scoring of a query vector with pruning;
**   index_store.c    the shadow tables' statements and rows: creating and
**                    dropping, configuration, vocabulary, latent rows;
**   index_docs.c     the documents' stored vectors (T_docs) and the term
**                    numbers they are written in (T_terms);
**   index_blocks.c   postings blocks (T_postings) and reads across levels;
**   index_pending.c  the pending level (T_pending) and the write buffer;
**   index_merge.c    moving pending postings into the blocks;
**   index_dense.c    the dense latent blocks (T_dense);
**   index_stats.c    the statistics of `[, index]` arguments (papers_stats_*).
**
** The two sections at the end ("inside the table", "inside the store") are
** for the files of the table and of the store only: index_build.c and
** index_query.c use the store through the index_store_* functions.
**
** Shadow tables of a papers_index table T (all written through SQL on the
** user's connection, so inside the user's transaction):
**
**   T_config(k TEXT PRIMARY KEY, v) WITHOUT ROWID
**       'ndoc': number of documents indexed; 'version': layout version (5);
**       'pending': postings in the pending level (below); 'merge_at': the
**       term where the last spread merge stopped (index_store_merge_some).
**   T_vocab(term INTEGER PRIMARY KEY, df INTEGER, surface TEXT, votes INTEGER,
**           maxw REAL, num INTEGER)
**       per term id (64-bit, as a signed integer): document frequency, its
**       readable form chosen by a majority vote over the documents
**       (Boyer-Moore: the form used by more than half of them, when one is),
**       the largest weight it has in any document (a bound for pruning; as
**       its weight grid code, index_maxw_code(), since layout 5) and its
**       term number (T_terms).
**   T_docs(id INTEGER PRIMARY KEY, vector BLOB)
**       per document (the content table's rowid): its weighted vector as
**       weighed when it was indexed, in the stored form of index_docs.c:
**       16-bit weight codes and the word terms' numbers (T_terms), sorted,
**       as varint differences. The table's hidden column `vector` gives it
**       as a papers vector BLOB.
**   T_terms(first INTEGER PRIMARY KEY, ids BLOB)
**       the term numbers T_docs is written in: the ids of numbers first,
**       first + 1, ... (8 bytes each, 120 a row, first one more than a
**       multiple of 120); a term's number is in its vocabulary row (num), so
**       that a write or a query finds it in the row it reads anyway. 1, 2,
**       3, ... with no gap: rebuild numbers the vocabulary in term id order, a
**       write gives a term that enters the vocabulary the next number. A
**       number is not taken back (its term may have left the vocabulary, and
**       have a new number when it comes back) until the next rebuild.
**   T_postings(term INTEGER, first INTEGER, data BLOB, PRIMARY KEY(term, first))
**       WITHOUT ROWID: per term, blocks of postings in document order; `first`
**       is the block's smallest document id. A block holds at most
**       INDEX_BLOCK_MAX postings (see index_blocks.c for its bytes).
**   T_latent(term INTEGER PRIMARY KEY, projection BLOB)
**       the latent projection (latent.c): per feature term, its entries of the
**       latent dimensions, float32 little-endian. Config 'latent_dims' says how
**       many dimensions were fitted (0: no latent part), 'latent_weight' the
**       share of the score they carry.
**   T_dense(first INTEGER PRIMARY KEY, data BLOB)
**       the documents' latent parts, quantised to 8 bits with a scale and an
**       error bound per document (IndexDenseBlock), in blocks of documents in
**       id order; the latent dimensions are in no posting list: a query reads
**       these blocks once.
**   T_pending(term INTEGER PRIMARY KEY, df INTEGER, surface TEXT, votes INTEGER,
**             maxw REAL, num INTEGER, first INTEGER, postings BLOB)
**       the pending level: what documents added since the last merge changed,
**       so that an addition touches a few pages of this small table, not a
**       vocabulary page and a postings page per term in the large ones (a
**       merged document's removal writes those directly). Per term: its
**       vocabulary row as it is now (df 0: gone), read instead of T_vocab's,
**       and the postings added since (a block, `first` its first document),
**       read beside T_postings. Config 'pending' counts those postings; once
**       there are more than the table's option `pending` allows, each commit
**       moves about as many as the transaction wrote into T_vocab and
**       T_postings, row by row in term order from 'merge_at' (a spread
**       merge); more than twice as many, or 'merge', moves them all.
*/
#ifndef PAPERS_INDEX_H
#define PAPERS_INDEX_H

#include "topic.h"

/* 5: T_docs holds term numbers (T_terms; each term's in its vocabulary row)
** as varint differences instead of 8-byte term ids, maxw is a grid code, and
** the vector of a text of fewer than 40 word terms is shorter than 1
** (papers_text_length: sqrt(terms / 40)); 4: a text's latent share grows with its word
*terms
** (papers_latent_share),
** and weights lie on a 16-bit grid (papers_weight_grid), written as codes in
** the vectors of T_docs and in postings blocks; 3: the analysis of papers
** 0.1.0 (markup makes no terms, phrases never end on a function word); 2: the
** pending level; 1: none. An index of another layout holds terms, weights or
** tables this papers does not read the same way. */
#define INDEX_LAYOUT_VERSION 5
/* Limits of what the shadow tables may hold: a value read back beyond them
** is damage (SQLITE_CORRUPT_VTAB), never used. */
#define INDEX_MAX_LAYOUT        1000000       /* a layout version at most */
#define INDEX_MAX_DOCS          2147483647    /* documents (ndoc, df) at most */
#define INDEX_MAX_PENDING_COUNT 4294967296.0  /* pending postings counted at most */
#define INDEX_MAX_NUMBER        0xFFFFFFFFULL /* a term number at most (32 bits) */
#define INDEX_MAX_WEIGHT                                                                 \
  1.000001 /* a weight, scale or error bound at most (1, and float rounding) */
#define INDEX_BLOCK_MAX   256    /* postings per block before it is split */
#define INDEX_PENDING_MAX 262144 /* pending postings at most, by default */
/* A term's pending postings at most (the fuzz and OOM builds make it small,
** to cross it often). */
#ifndef INDEX_PENDING_TERM
#define INDEX_PENDING_TERM 128
#endif
/* Terms the write buffer holds before it is flushed (small in the fuzz and
** OOM builds, to flush often). */
#ifndef INDEX_BUFFER_TERMS
#define INDEX_BUFFER_TERMS 32768
#endif
/* Terms the write buffer keeps past a commit at most (more are dropped
** there, when nothing waits to be written: the next transaction's additions
** should not fill the buffer, which would write out and drop it half way). */
#define INDEX_KEPT_TERMS (INDEX_BUFFER_TERMS / 2)
/* The most the option `pending` allows: the pending table grows with it, and
** so do the pages a write touches there. */
#define INDEX_PENDING_LIMIT   1048576
#define INDEX_BLOCK_BUILD     128   /* postings per block written by rebuild */
#define INDEX_DENSE_MAX       512   /* documents per dense block before it is split */
#define INDEX_DENSE_BUILD     256   /* documents per dense block written by rebuild */
#define INDEX_MAX_COLUMNS     32    /* indexed columns at most */
#define INDEX_LATENT_DIMS     48    /* latent dimensions by default (docs/quality.md) */
#define INDEX_LATENT_WEIGHT   0.5   /* their share of the score by default */
#define INDEX_LATENT_MIN_DOCS 200   /* fewer documents than this: no latent part */
#define INDEX_LATENT_FIT_DOCS 20000 /* documents the projection is fitted on, at most */
#define INDEX_LATENT_FEATURES 65536 /* feature terms (df >= 2, most frequent first) */

/* The options of a papers_index table, from its CREATE VIRTUAL TABLE. */
typedef struct IndexConfig {
  char *zDb;           /* schema of the table: "main", "temp", ... */
  char *zName;         /* the table's name */
  char *zContent;      /* content table */
  char *zContentRowid; /* its rowid column ("rowid" by default) */
  int nColumn;         /* indexed columns */
  char **azColumn;
  double *aWeight;     /* weight of each column's terms */
  char *zTokenize;     /* FTS5 tokenize spec */
  int nLatentDims;     /* latent dimensions to fit at rebuild; 0: none */
  double latentWeight; /* their share of the score */
  i64 nPendingMax;     /* postings the pending level holds before a merge */
} IndexConfig;

/* One posting: a document and the weight of the term in it. */
typedef struct IndexPosting {
  i64 iDoc;
  float weight;
} IndexPosting;

/* Prepared statements on one index's shadow tables. */
typedef struct IndexStore IndexStore;
typedef struct IndexDenseCache IndexDenseCache;

int index_store_open(sqlite3 *db, const IndexConfig *pConfig, IndexStore **ppStore);
/* What was found wrong with a shadow table by the last call that returned
** SQLITE_CORRUPT_VTAB ("T: T_docs is damaged: ..."), or 0; sqlite3_malloc'd,
** the caller's from now on (the next call finds 0). */
char *index_store_take_error(IndexStore *pStore);
void index_store_close(IndexStore *pStore);
/* Creates or drops the shadow tables. */
int index_store_create(sqlite3 *db, const IndexConfig *pConfig);
int index_store_destroy(sqlite3 *db, const IndexConfig *pConfig);
/* Empties every shadow table and resets the configuration: ndoc, pending and
** latent_dims 0, version and tokenize as in pConfig. */
int index_store_clear(IndexStore *pStore, const IndexConfig *pConfig);
/* How many times index_store_clear() ran: term names loaded before a change
** of it are stale. */
i64 index_store_clear_count(IndexStore *pStore);

int index_store_version(IndexStore *pStore, i64 *pVersion);
int index_store_get_ndoc(IndexStore *pStore, i64 *pnDoc);
int index_store_set_ndoc(IndexStore *pStore, i64 nDoc);

/* idf of term counts, as vectors are weighed: ln((1 + N) / (1 + df)) + 1. */
double index_idf(i64 nDoc, i64 df);
int index_store_idf(IndexStore *pStore, const PapersCount *aCount, int nCount,
                    double *aIdf);

/* The latent part: how many dimensions were fitted (0: none), their weight,
** and the projection rows. */
int index_store_latent_get(IndexStore *pStore, int *pnDim, double *pWeight);
int index_store_latent_set(IndexStore *pStore, int nDim, double weight);
int index_store_latent_put(IndexStore *pStore, sqlite3_uint64 id, const float *aRow,
                           int nDim);
/* Weighs counts as a document indexed now: sparse, then the latent part. */
int index_store_weigh(IndexStore *pStore, const PapersCount *aCount, int nCount,
                      PapersVector *pVec);

/* Indexes a document's counts under iDoc: counts it into the vocabulary
** (df, the vote for each term's surface form), weighs it with statistics
** that include it (ndoc already counts it), files its postings and raises
** its terms' largest weights, all in the write buffer (for the pending
** level; a term whose pending postings reach INDEX_PENDING_TERM has them
** merged into T_postings at once); *pVec gets its weighed vector (for
** T_docs and the dense blocks). */
int index_store_add(IndexStore *pStore, i64 iDoc, const PapersCount *aCount, int nCount,
                    PapersVector *pVec);
/* Takes an indexed document's vector out of the vocabulary and the postings. */
int index_store_remove(IndexStore *pStore, i64 iDoc, const PapersVector *pVec);
int index_store_vocab_df(IndexStore *pStore, sqlite3_uint64 id, i64 *pDf);
int index_store_surface(IndexStore *pStore, sqlite3_uint64 id, const char **pz, int *pn);

/* Writes a vocabulary row as rebuild computed it (num: the term's number). */
int index_store_vocab_put(IndexStore *pStore, sqlite3_uint64 id, i64 df,
                          const char *zSurface, int nSurface, i64 nVote, double maxWeight,
                          sqlite3_uint64 num);
/* A term's df and largest weight (0, 0 when unknown). */
int index_store_vocab_maxw(IndexStore *pStore, sqlite3_uint64 id, i64 *pDf,
                           double *pMaxWeight);

/* Every term number's term, loaded at once (index_docs.c), for decoding many
** stored vectors: aId[num] for num from 1 to nId. */
typedef struct IndexTermNames {
  sqlite3_uint64 *aId;
  i64 nId;
} IndexTermNames;
int index_term_names_load(IndexStore *pStore, IndexTermNames *pNames);
void index_term_names_free(IndexTermNames *pNames);

/* A stored vector, decoded: its terms named by one T_terms lookup each, or
** from pNames (when not 0). */
int index_store_doc_get(IndexStore *pStore, i64 iDoc, PapersVector *pVec, int *pFound);
int index_store_doc_get_named(IndexStore *pStore, const IndexTermNames *pNames, i64 iDoc,
                              PapersVector *pVec, int *pFound);
/* papers_vector_dot() of the query and a stored vector, read in place, the
** same sum bit for bit. The query's term numbers are looked up once, by
** index_store_query_begin() (or the first dot product of a query), and
** forgotten by index_store_query_done(), which each query must call at its
** end (the numbers may change after it). */
int index_store_query_begin(IndexStore *pStore, const PapersVector *pQuery);
void index_store_query_done(IndexStore *pStore);
int index_store_doc_dot(IndexStore *pStore, i64 iDoc, const PapersVector *pQuery,
                        double *pDot, int *pFound);
/* Writes a document's vector just added (index_store_add()), its terms
** numbered as their vocabulary rows say. */
int index_store_doc_put(IndexStore *pStore, i64 iDoc, const PapersVector *pVec);
/* Writes a document's vector whose word terms have the numbers aNum (in the
** vector's order), as rebuild assigned them. */
int index_store_doc_put_numbered(IndexStore *pStore, i64 iDoc, const PapersVector *pVec,
                                 const sqlite3_uint64 *aNum);
/* Gives a term that enters the vocabulary the next number, written to
** T_terms (index_docs.c). */
int index_store_number_new(IndexStore *pStore, sqlite3_uint64 id, sqlite3_uint64 *pNum);
/* Forgets what writes know of the numbers (the last block of T_terms): at the
** end of a transaction and at a rollback to a savepoint (which may take
** numbers back). */
void index_store_numbers_forget(IndexStore *pStore);
/* Numbers terms aId[0..nId) (increasing) 1 to nId, as rebuild does. */
int index_store_terms_put(IndexStore *pStore, const sqlite3_uint64 *aId, int nId);
int index_store_doc_delete(IndexStore *pStore, i64 iDoc);
/* Calls xDoc for every indexed document's vector, in document order. */
int index_store_docs_scan(IndexStore *pStore,
                          int (*xDoc)(void *, i64, const PapersVector *), void *pCtx);

/* Writes a term's whole posting list (document order) as rebuild made it. */
int index_store_postings_put(IndexStore *pStore, sqlite3_uint64 id, const IndexPosting *a,
                             int n);

/* Postings in the pending level (the write buffer's included), and the
** merge that moves them (and the pending vocabulary rows) into T_postings and
** T_vocab. */
int index_store_pending_count(IndexStore *pStore, i64 *pnPosting);
int index_store_merge(IndexStore *pStore);
/* The spread merge, before a commit (after the last flush): once the level
** holds more than the option `pending` allows, merges pending rows in term
** order from where the last spread merge stopped (config 'merge_at'; the
** order wraps), until at least as many postings have moved as the
** transaction's flushes wrote there: a bounded share of merge work per
** write, as FTS5's automerge does. At commit, so that a failure fails the
** commit, which rolls the whole transaction back. It flushes the write
** buffer first, and a buffered term whose row it moves follows it
** (index_buffer_merged). */
int index_store_merge_some(IndexStore *pStore);

/* The write buffer: what additions changed, kept in memory (index_pending.c).
** Flush writes what changed to the pending level and keeps every term, as the
** tables now hold it, for the transaction's next additions; discard drops it,
** with the dense blocks and term numbers read (on commit and rollback). An
** addition that fails half way leaves it broken: flushes and additions then
** fail with SQLITE_ERROR, until the transaction is rolled back. */
int index_store_flush(IndexStore *pStore);
/* Flushes, then drops the buffer: before a write that changes the pending or
** vocabulary rows of terms it may hold. */
int index_store_flush_drop(IndexStore *pStore);
/* A clean buffered term whose pending row the spread merge moved into T_vocab
** and its blocks: it now has no pending postings (its state saved first for
** a rollback to the savepoint of index_undo.c). */
int index_buffer_merged(IndexStore *pStore, sqlite3_uint64 id);
void index_store_discard(IndexStore *pStore);
/* At commit (after xSync's flush and spread merge, which notes the
** database's data version: index_store_sync_done): as discard, but the
** buffer's terms, all clean, stay for the next transaction's additions when
** the data version (SQLITE_FCNTL_DATA_VERSION, which counts this
** connection's commits and those of every other) counts just this commit
** more; the next addition drops them unless the version is still that, i.e.
** nothing but this commit changed the file since they were read. */
void index_store_sync_done(IndexStore *pStore);
void index_store_commit(IndexStore *pStore);
int index_store_is_broken(IndexStore *pStore);
/* The table's savepoints (xSavepoint, xRelease, xRollbackTo): none at the
** lowest open one, and a rollback to it puts the buffer back (index_undo.c);
** a flush at each inside it, and a rollback to one of those drops the
** buffer, unless the savepoint was opened without its flush (it failed, or
** the buffer is broken): then the buffer holds what came before it and stays
** (index_pending.c). */
int index_store_savepoint(IndexStore *pStore, int iSavepoint);
void index_store_release(IndexStore *pStore, int iSavepoint);
void index_store_rollback_to(IndexStore *pStore, int iSavepoint);

/* Calls xPosting for each posting of the term (both levels), in document order. */
int index_store_postings_scan(IndexStore *pStore, sqlite3_uint64 id,
                              int (*xPosting)(void *, i64 iDoc, float weight),
                              void *pCtx);

/* Statement over every block of postings of both levels: term, first, data,
** and 1 for a block of the pending level (else 0). */
int index_store_postings_all(IndexStore *pStore, sqlite3_stmt **ppStmt);
/* Decodes and checks one postings block; *paPosting is sqlite3_malloc'd. On
** SQLITE_CORRUPT_VTAB, *pzProblem says what is wrong. */
int index_block_decode(i64 iFirst, const unsigned char *a, int n,
                       IndexPosting **paPosting, int *pnPosting, const char **pzProblem);

/* The latent parts of a run of documents (document order), quantised: the
** value of dimension k of document i is about aCode[i * nDim + k] * aScale[i],
** and the Euclidean norm of the difference is at most aErr[i]. */
typedef struct IndexDenseBlock {
  int n, nDim;
  i64 *aDoc;
  float *aScale;
  float *aErr;
  signed char *aCode;
} IndexDenseBlock;

/* Quantises latent values: codes in [-127, 127], a scale, an error bound. */
void index_dense_quantize(const float *aValue, int nDim, signed char *aCode,
                          float *pScale, float *pErr);
int index_dense_decode(i64 iFirst, const unsigned char *a, int n, int nDim,
                       IndexDenseBlock *pBlock, const char **pzProblem);
void index_dense_free(IndexDenseBlock *pBlock);
/* Adds (or replaces) and removes one document's latent part; writes a block
** as rebuild made it; calls xBlock for every block in document order. */
int index_store_dense_add(IndexStore *pStore, i64 iDoc, const PapersVector *pVec,
                          int nDim);
int index_store_dense_remove(IndexStore *pStore, i64 iDoc, int nDim);
int index_store_dense_put(IndexStore *pStore, const IndexDenseBlock *pBlock);
int index_store_dense_scan(IndexStore *pStore, int nDim,
                           int (*xBlock)(void *, const IndexDenseBlock *), void *pCtx);
/* For queries: every document's latent part at once (*ppAll), from the
** table's copy of the blocks in memory (IndexDenseCache, index_dense.c), made
** by reading them now when there is none; valid until the store's next call.
** *ppAll is 0 when no copy may be kept (inside an explicit transaction, after
** a write to T_dense in this one, or past its memory limit): then read the
** blocks with index_store_dense_scan. */
int index_store_dense_cached(IndexStore *pStore, int nDim, const IndexDenseBlock **ppAll);
/* The store wrote T_dense (or emptied it): its copy is dropped and not made
** again before the transaction ends (index_store_discard). */
void index_dense_changed(IndexStore *pStore);
/* Frees the copy (0 when there is none). */
void index_dense_cache_drop(IndexStore *pStore);

/* The top-k of a query vector (index_query.c): exact, ranked by score
** descending then rowid; nKeep < 0 ranks every document. *paHit is
** sqlite3_malloc'd. */
typedef struct IndexHit {
  i64 iDoc;
  double score;
} IndexHit;
int index_query_top(IndexStore *pStore, const PapersVector *pQuery, int hasExclude,
                    i64 iExclude, i64 nKeep, IndexHit **paHit, int *pnHit);

/* Rebuilds the shadow tables (emptied by the caller) from a content scan:
** pScan's rows are the rowid then the indexed columns, in rowid order,
** analysed with pAnalyzer (the connection's, for the table's tokenize). */
int index_build(IndexStore *pStore, const IndexConfig *pConfig, sqlite3_stmt *pScan,
                PapersAnalyzer *pAnalyzer);

/* Analyses every row of a content scan (as index_build() takes it) with
** pAnalyzer, on two threads where allowed (index_build_rows.c), and hands each
** row's counts, sorted by id, to xAdd on the calling thread in scan order. */
int index_build_rows(sqlite3_stmt *pScan, const IndexConfig *pConfig,
                     PapersAnalyzer *pAnalyzer,
                     int (*xAdd)(void *, i64, const PapersCount *, int), void *pCtx);

/* Whether a rebuild may allocate on a second thread: the build has threads
** and SQLite's mutexes are on (index_build_rows.c). */
int index_build_may_thread(void);

/* Varints, 7 bits a byte, low bits first: put writes at most 10 bytes and
** returns how many; get reads one from a[0..n), returning its length, or 0
** when those bytes do not hold one. */
int index_varint_put(unsigned char *a, sqlite3_uint64 v);
int index_varint_get(const unsigned char *a, int n, sqlite3_uint64 *pv);

/* ---- inside the table: what index_vtab.c and its parts share ------------- */

/* A papers_index table: its options, its store and what it has checked. */
typedef struct IndexTable {
  sqlite3_vtab base;
  sqlite3 *db;
  PapersConn *pConn;
  IndexConfig config;
  IndexStore *pStore;
  i64 layout; /* of the shadow tables (0: not read yet); only INDEX_LAYOUT_VERSION
              ** can be used */
  int hasContentChecked; /* content_check() found the options' names */
} IndexTable;

/* Frees what the options hold (index_options.c). */
void index_config_clear(IndexConfig *pConfig);

/* Reads the arguments of CREATE VIRTUAL TABLE into the options; on error
** *pzErr (sqlite3_malloc'd) names the option and the value. */
int index_parse_config(int argc, const char *const *argv, IndexConfig *pConfig,
                       char **pzErr);

/* The CREATE TABLE statement for sqlite3_declare_vtab(), sqlite3_malloc'd. */
char *index_declare_sql(const IndexConfig *pConfig);

/* Makes zErr (sqlite3_malloc'd; 0: out of memory) the table's error message
** and returns SQLITE_ERROR, or SQLITE_NOMEM for 0. */
int index_set_table_error(IndexTable *pTab, char *zErr);

/* Counts the terms of a document's column values (argv[0..nColumn)). */
int index_count_document(IndexTable *pTab, sqlite3_value **apValue,
                         PapersCounts *pCounts);

/* A statement over the content table: rowid, then the indexed columns. */
int index_content_scan(IndexTable *pTab, const char *zWhere, sqlite3_stmt **ppStmt);

/* The indexed column values of the content row the statement is on. */
void index_row_values(IndexTable *pTab, sqlite3_stmt *pStmt, sqlite3_value **apValue);

/* The 'integrity-check' command (index_check.c): SQLITE_OK for a sound
** index, else SQLITE_CORRUPT_VTAB with the problems in the table's message. */
int index_integrity_check(IndexTable *pTab);

/* ---- inside the store: what index_store.c and its parts share ------------ */

enum StoreStatement {
  STMT_CONFIG_GET,
  STMT_CONFIG_SET,
  STMT_VOCAB_GET,
  STMT_VOCAB_PUT,
  STMT_VOCAB_DELETE,
  STMT_DOC_GET,
  STMT_DOC_PUT,
  STMT_DOC_DELETE,
  STMT_BLOCK_AT,    /* the block that holds (or would hold) a document */
  STMT_BLOCK_FIRST, /* a term's first block */
  STMT_BLOCK_NEXT,  /* the key of the block after a given one */
  STMT_BLOCK_PUT,
  STMT_BLOCK_DELETE,
  STMT_BLOCKS_OF_TERM,
  STMT_LATENT_GET,
  STMT_LATENT_PUT,
  STMT_DENSE_AT,    /* the dense block that holds (or would hold) a document */
  STMT_DENSE_FIRST, /* the first dense block */
  STMT_DENSE_PUT,
  STMT_DENSE_DELETE,
  STMT_DENSE_ALL,
  STMT_DOCS_ALL,
  STMT_PENDING_GET, /* a term's row in the pending level */
  STMT_PENDING_PUT, /* a term's row as a write leaves it */
  STMT_PENDING_ALL, /* every pending row, for the merge */
  STMT_PENDING_CLEAR,
  STMT_PENDING_AFTER,  /* the first pending row after a term, for spread merges */
  STMT_PENDING_DELETE, /* a term's pending row, once merged */
  STMT_TERM_OF,        /* the block of T_terms from a number */
  STMT_TERM_LAST,      /* the last block of T_terms */
  STMT_TERM_PUT,       /* a block of T_terms */
  STMT_TERMS_ALL,      /* every block of T_terms, in number order */
  N_STATEMENT
};

/* A query's term numbers, for dot products with stored vectors. */
typedef struct IndexDocQuery IndexDocQuery;
/* The last block of T_terms, as a transaction's writes left it (index_docs.c). */
typedef struct IndexNumberCache IndexNumberCache;

/* A term as additions left it in the write buffer (below). */
typedef struct BufferedTerm BufferedTerm;

/* What the additions of a transaction changed, kept in memory until a flush
** writes it to the pending level, and the terms flushed before, clean, as the
** tables hold them: each term read once a transaction (index_pending.c). */
/* The write buffer's state at the savepoint it did not flush at (the lowest
** open one), kept so that a rollback to it can put the buffer back
** (index_undo.c): each buffered term's state there, saved before it first
** changes (an addition, or a flush clearing its dirty mark). */
typedef struct BufferUndo {
  int iLevel;                 /* 1 + that savepoint; 0: none open */
  int iGeneration;            /* BufferedTerm.iSaved of the terms saved since it opened */
  int nTermAt;                /* the buffer's terms then that are still its first slots */
  int isDropped;              /* the buffer was dropped since (nTermAt is then 0) */
  i64 nAddedAt;               /* the buffer's nAdded then */
  struct PendingTerm *aSaved; /* the saved states, each with its dirty mark */
  int *aIsDirty;
  int *aiSlot; /* each one's slot (while !isDropped) */
  int nSaved;
  i64 nSavedAlloc, nDirtyAlloc, nSlotAlloc;
} BufferUndo;

typedef struct WriteBuffer {
  PapersIdMap *pSlots; /* term id to its place in aTerm */
  BufferedTerm *aTerm; /* in order of first sight */
  int nTerm;
  i64 nTermAlloc;
  i64 nAdded;   /* pending postings added: what the config count lacks */
  int isBroken; /* an addition failed half way: the transaction must not commit */
} WriteBuffer;

struct IndexStore {
  sqlite3 *db;
  char *zDb;
  char *zName;
  sqlite3_stmt *apStmt[N_STATEMENT]; /* prepared when first used */
  char *zSurface;                    /* the last surface form returned */
  char *zCorrupt;  /* what index_store_corrupt() found wrong last, until taken */
  i64 nPendingMax; /* the table's option `pending` */
  i64 nFlushed;    /* postings the write buffer wrote to the pending level in this
                   ** transaction (the spread merge's budget) */
  WriteBuffer buffer;
  int iUnflushed;    /* 1 + the lowest open savepoint opened without a flush; 0: none */
  int isFlushing;    /* index_store_flush() is writing: a savepoint now is its own */
  BufferUndo undo;   /* the savepoint the buffer was not flushed at (index_undo.c) */
  int hasKeptBuffer; /* the buffer's terms outlived a commit (unchecked) */
  unsigned int keptVersion;     /* the data version they were kept at */
  int hasSyncVersion;           /* xSync noted the data version before the commit */
  unsigned int syncVersion;     /* that version */
  IndexDenseCache *pDenseCache; /* the dense blocks in memory, for queries (or 0) */
  int hasDenseChanged;          /* T_dense written in this transaction: no copy made */
  IndexDocQuery *pDocQuery;     /* the current query's term numbers (index_docs.c) */
  IndexNumberCache *pNumbers;   /* the next term number, for this transaction's writes */
  i64 nClear;                   /* index_store_clear() calls: each renumbers the terms */
};

/* A term's vocabulary row as it is now: its copy in the pending level when
** it has one, else its row of T_vocab. df 0: the term is unknown. */
typedef struct VocabRow {
  i64 df, nVote;
  double maxWeight;
  sqlite3_uint64 num;   /* its term number (index_docs.c); 0 when unknown */
  const char *zSurface; /* when asked for; 0 when unknown */
  int nSurface;
  char *zOwned;  /* the allocation behind zSurface, for sqlite3_free() */
  int isPending; /* read from the pending level (else from T_vocab, or unknown) */
} VocabRow;

/* What was indexed since the last merge: per term, its vocabulary row as it
** is now (a copy of T_vocab's, changed) and the postings added since (a block
** in its own row, with its first document). A write reads and writes one row
** of this small table per term, where it would touch a vocabulary page and a
** postings page of the large ones; reads see both levels. */

/* A term as a write finds it, and leaves it to the pending level. */
typedef struct PendingTerm {
  sqlite3_uint64 id;
  VocabRow row;
  IndexPosting *aPosting; /* its pending postings, sqlite3_malloc'd */
  int nPosting;
  int toPending; /* to be written to the pending level */
} PendingTerm;

struct BufferedTerm {
  PendingTerm term; /* its row and pending postings as the additions left them */
  float *aLatent;   /* its latent projection row; 0: none, or not read yet */
  int isLatentRead;
  int isDirty; /* changed since the last flush (else it holds what the tables do) */
  int iSaved;  /* BufferUndo.iGeneration when its state was saved there */
};

/* The statement, prepared on first use and reset for the caller. */
int index_statement(IndexStore *p, int iStmt, sqlite3_stmt **ppStmt);

/* Records what is wrong with shadow table T_zPart ("config", "docs", ...) and
** returns SQLITE_CORRUPT_VTAB: "T: T_part is damaged: <what>". */
int index_store_corrupt(IndexStore *p, const char *zPart, const char *zFormat, ...);
/* The data version of the store's database file (SQLITE_FCNTL_DATA_VERSION:
** it changes at every commit, of this connection or another) in *pVersion;
** 0 when it is not known. */
int index_store_data_version(IndexStore *p, unsigned int *pVersion);

/* Steps a statement that returns no row, and resets it. */
int index_run(sqlite3_stmt *pStmt);

/* Reads a numeric configuration value, which must be there, of the type
** asked (an integer, or any number when !isInteger) and in [min, max]. */
int index_config_get(IndexStore *p, const char *zKey, int isInteger, double min,
                     double max, double *pValue);

/* Writes a numeric configuration value. */
int index_config_set(IndexStore *p, const char *zKey, double value, int isInteger);

/* A term's latent projection row (nDim floats, sqlite3_malloc'd), or 0 in
** *paRow when the term is no feature. */
int index_latent_row_load(IndexStore *p, sqlite3_uint64 id, int nDim, float **paRow);

/* Weighs counts with their idf: the sparse part, then the latent part from
** the terms' projection rows (apRow[i], the i-th count's; 0: none), each
** times the term's weight, added in the counts' (id) order. */
int index_weigh(const PapersCount *aCount, int nCount, const double *aIdf, int nDim,
                double weight, float *const *apRow, PapersVector *pVec);

/* A largest weight as T_vocab and T_pending store it (column maxw): the code
** of the weight grid at or above it, an integer SQLite writes in 1 or 2 bytes
** where a REAL takes 8 (index_vocab_row_from() reads it back). */
double index_maxw_code(double maxWeight);

/* Fills a row from a statement's columns df, surface, votes, maxw (of shadow
** table T_zPart), checking them; a df of 0 leaves it unknown. */
int index_vocab_row_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                         sqlite3_stmt *pStmt, VocabRow *pRow, int wantSurface);

/* Decodes the pending postings of term id in a statement's columns iCol
** (first) and iCol + 1 (the block, or NULL: none). */
int index_pending_postings_from(IndexStore *p, sqlite3_uint64 id, sqlite3_stmt *pStmt,
                                int iCol, IndexPosting **paPending, int *pnPending);

/* Reads a term's row: from the pending level when it is there, else from
** T_vocab; its surface form when wantSurface, its pending postings
** (document order) when paPending is not 0. */
int index_vocab_read(IndexStore *p, sqlite3_uint64 id, VocabRow *pRow, int wantSurface,
                     IndexPosting **paPending, int *pnPending);

/* Writes a term's row to T_vocab, or deletes it when its df is 0. */
int index_vocab_write_main(IndexStore *p, sqlite3_uint64 id, const VocabRow *pRow);

/* Whether iDoc + delta, a document id decoded from a block, is an i64. */
int index_doc_id_fits(i64 iDoc, sqlite3_uint64 delta);

/* Decodes the postings block of term id in a statement's columns iCol (its
** first document) and iCol + 1 (its bytes), read from shadow table T_zPart. */
int index_block_from(IndexStore *p, const char *zPart, sqlite3_uint64 id,
                     sqlite3_stmt *pStmt, int iCol, IndexPosting **paPosting,
                     int *pnPosting);

/* Encodes postings a[0..n) (document order, n > 0) as a block; *paBlob is
** sqlite3_malloc'd. */
int index_block_encode(const IndexPosting *a, int n, unsigned char **paBlob, int *pnBlob);

/* Writes postings a[0..n) (document order) as the block keyed by a[0].iDoc. */
int index_block_write(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n);

/* Deletes the term's block keyed by iFirst. */
int index_block_delete(IndexStore *p, sqlite3_uint64 id, i64 iFirst);

/* Loads the block of the term that holds iDoc, or would: the one with the
** largest first <= iDoc, else the term's first block. *pnPosting = 0 when
** the term has no block. The caller frees *paPosting. */
int index_block_load(IndexStore *p, sqlite3_uint64 id, i64 iDoc, i64 *piFirst,
                     IndexPosting **paPosting, int *pnPosting);

/* Index in a (document order) where iDoc is or would go. */
int index_posting_search(const IndexPosting *a, int n, i64 iDoc);

/* Postings a[0..n) with (iDoc, weight) put in its place (replacing iDoc's
** posting if there is one): a new sqlite3_malloc'd array of *pnNew. */
IndexPosting *index_postings_with(const IndexPosting *a, int n, i64 iDoc, float weight,
                                  int *pnNew);

/* Removes iDoc's posting from a[0..*pn), if it is there; *pIsFound says. */
void index_postings_without(IndexPosting *a, int *pn, i64 iDoc, int *pIsFound);

/* Removes iDoc's posting from the term's blocks, if it is there. */
int index_posting_remove(IndexStore *p, sqlite3_uint64 id, i64 iDoc);

/* Calls xPosting for each posting of the term's blocks, in document order. */
int index_blocks_scan(IndexStore *p, sqlite3_uint64 id,
                      int (*xPosting)(void *, i64, float), void *pCtx);

/* Frees what the write buffer holds and empties it (index_pending.c). */
void index_buffer_discard(WriteBuffer *pBuffer);

/* The savepoint the write buffer is not flushed at (index_undo.c): opened
** at the lowest open savepoint, closed by its release or by commit and
** rollback. Before a buffered term first changes after it (an addition, a
** flush), save keeps its state there; save_dirty keeps every dirty one (before
** a flush or a drop); dropped says the buffer was dropped. rollback puts the
** buffer back as it was at the savepoint (on failure it breaks the buffer). */
void index_undo_open(IndexStore *p, int iSavepoint);
void index_undo_close(IndexStore *p);
int index_undo_save(IndexStore *p, int iSlot);
int index_undo_save_dirty(IndexStore *p);
void index_undo_dropped(IndexStore *p);
void index_undo_rollback(IndexStore *p);

/* Frees what a term read or prepared owns (its surface form, its postings). */
void index_term_clear(PendingTerm *pTerm);

/* Adds a term's postings a[0..n) (document order) to its blocks. */
int index_postings_merge(IndexStore *p, sqlite3_uint64 id, const IndexPosting *a, int n);

#endif /* PAPERS_INDEX_H */
