/*
** papers_internal.h: what the source files of the papers extension share.
**
** Every file under ext/ includes this header. It declares the pieces one
** file provides to another: text utilities (text.c), dates (dates.c), link
** extraction (links.c), the digest formats (formats.c and format_*.c) and the
** registration hooks each SQL-facing file exports to the entry point
** (papers.c). Nothing declared here is visible outside the loaded library:
** the build hides every symbol but sqlite3_papers_init.
*/
#ifndef PAPERS_INTERNAL_H
#define PAPERS_INTERNAL_H

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

/* Invariants: assert(X) states what must hold (an index inside its array, a
** length inside its buffer). Debug builds check them (-DPAPERS_DEBUG: make
** asan, oom, fuzz); release builds compile them out, as SQLite's do. */
#if !defined(NDEBUG) && !defined(PAPERS_DEBUG)
#define NDEBUG 1
#endif
#include <assert.h>

/* A branch believed unreachable that still guards memory: `if (NEVER(X))`
** keeps the guard in a release build and fails the assert in a debug build,
** so the tests prove it is never taken; ALWAYS(X) is the same for a
** condition believed always true. As SQLite's ALWAYS and NEVER. */
#ifndef NDEBUG
#define ALWAYS(X) ((X) ? 1 : (assert(0), 0))
#define NEVER(X)  ((X) ? (assert(0), 1) : 0)
#else
#define ALWAYS(X) (X)
#define NEVER(X)  (X)
#endif

#include <stddef.h>
#include <string.h>

#define PAPERS_VERSION "0.1.0"

/* The oldest SQLite papers runs on: 3.38.0 brought SQLITE_INDEX_CONSTRAINT_LIMIT. */
#define PAPERS_MIN_SQLITE_NUMBER 3038000
#define PAPERS_MIN_SQLITE_TEXT   "3.38.0"

typedef sqlite3_int64 i64;

/* A piece of the input text. Never owned, never NUL-terminated; z == 0 is "absent". */
typedef struct PapersSpan {
  const char *z;
  i64 n;
} PapersSpan;

/* ---- shared utilities: one copy of each, used by every subsystem ------- */

/* The flags of a function whose result depends on its arguments alone. */
#define PAPERS_PURE (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

/* A float32 as 4 bytes little-endian, its IEEE-754 bits unchanged: the one
** form of floats in BLOBs and shadow tables, the same on every machine. */
static inline void papers_f32_put(unsigned char *a, float f) {
  unsigned int bits;
  memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; i++)
    a[i] = (unsigned char)(bits >> (8 * i));
}

static inline float papers_f32_get(const unsigned char *a) {
  unsigned int bits = (unsigned int)a[0] | (unsigned int)a[1] << 8 |
                      (unsigned int)a[2] << 16 | (unsigned int)a[3] << 24;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* SplitMix64 (Steele, Lea, Flood 2014): the one pseudo-random generator.
** Advances *pState and returns the next 64 bits; the same sequence for the
** same seed on every machine. */
static inline sqlite3_uint64 papers_splitmix64(sqlite3_uint64 *pState) {
  sqlite3_uint64 z = (*pState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* ---- text.c ---------------------------------------------------------- */

/* Offset of the first byte that is not valid UTF-8, or -1 when all is valid.
** *pHasCR is set when the text holds a carriage return anywhere. */
i64 papers_utf8_check(const unsigned char *z, i64 n, int *pHasCR);

/* Splits text into lines ending in LF, CRLF or a lone CR. */
typedef struct PapersLines {
  const char *z; /* the whole text */
  i64 n;         /* its length in bytes */
  i64 iPos;      /* offset of the next line */
  i64 iLine;     /* 1-based number of the next line */
  int hasCR;     /* the text holds a CR: look for CR line ends too */
} PapersLines;

/* One line: its text without the line terminator. */
typedef struct PapersLine {
  const char *z;
  i64 n;
  i64 iLine;
} PapersLine;

void papers_lines_init(PapersLines *pLines, const char *z, i64 n, int hasCR);
int papers_lines_next(PapersLines *pLines, PapersLine *pLine);

/* Length of the white-space character at z (ASCII space, tab, CR, LF, FF,
** VT, or a Unicode space such as U+00A0), or 0 when z is not at one. */
int papers_space_len(const char *z, const char *zEnd);

/* The span without white space at either end. */
PapersSpan papers_trim(const char *z, i64 n);

/* True when the line holds nothing but white space. */
int papers_is_blank(const char *z, i64 n);

/* Writes z[0..n) into zOut with every run of white space folded into one
** ASCII space and none at either end; returns the length written (<= n). */
i64 papers_fold(char *zOut, const char *z, i64 n);

/* Folds a short line into zBuf (size nBuf) for matching; returns its length,
** or -1 when the folded line would not fit. */
i64 papers_fold_short(char *zBuf, i64 nBuf, const char *z, i64 n);

/* Sets the result to the folded span, or NULL for an absent span. */
void papers_result_folded(sqlite3_context *pCtx, PapersSpan span);

/* Appends z[0..n) to pStr as a JSON string literal, quotes included. */
void papers_json_append_string(sqlite3_str *pStr, const char *z, i64 n);

/* Sets the result to the JSON text built in pStr, with the JSON subtype. */
void papers_result_json(sqlite3_context *pCtx, sqlite3_str *pStr);

/* Parses an unsigned decimal integer of z[0..n); 0 on overflow or non-digits. */
int papers_parse_count(const char *z, i64 n, i64 *pValue);

/* ---- dates.c --------------------------------------------------------- */

/* A calendar date packed as yyyymmdd; 0 is "no date". */
typedef int PapersDate;

int papers_date_make(int iYear, int iMonth, int iDay, PapersDate *pDate);
int papers_date_from_iso(const char *z, i64 n, PapersDate *pDate);
void papers_date_to_iso(PapersDate date, char *zOut11);
PapersDate papers_date_today(void);
int papers_month_from_name(const char *z, i64 n);
PapersDate papers_date_anchor(int iMonth, int iDay, PapersDate anchor);

/* A date as digests print it: "Mar 17", "Mar 17, 2024", "March 17 2024". */
typedef struct PapersDateText {
  int iMonth; /* 1..12 */
  int iDay;   /* 1..31 as written */
  int iYear;  /* as written; 0 when absent, -1 when not a year (0, or > 9999) */
  i64 nText;  /* bytes of the date itself, from the month to the day or year */
} PapersDateText;

int papers_date_text_parse(const char *z, i64 n, PapersDateText *pOut);

/* ---- links.c --------------------------------------------------------- */

/* Sets the result to a JSON array of the distinct http(s) URLs in the
** spans, in order of appearance, trailing punctuation removed. */
void papers_result_links(sqlite3_context *pCtx, const PapersSpan *aSpan, int nSpan);

/* ---- formats ---------------------------------------------------------- */

/* The columns of papers_parse, in order; its argument columns follow. */
enum PapersColumn {
  PAPERS_COL_ORDINAL,
  PAPERS_COL_FORMAT,
  PAPERS_COL_TITLE,
  PAPERS_COL_ABSTRACT,
  PAPERS_COL_AUTHORS,
  PAPERS_COL_AUTHOR_COUNT,
  PAPERS_COL_ORG,
  PAPERS_COL_ORG_HANDLE,
  PAPERS_COL_PUBLISHED,
  PAPERS_COL_DATE_TEXT,
  PAPERS_COL_COMMENT_COUNT,
  PAPERS_COL_UPVOTES,
  PAPERS_COL_ARXIV_ID,
  PAPERS_COL_ARXIV_VERSION,
  PAPERS_COL_CATEGORIES,
  PAPERS_COL_ANNOUNCE,
  PAPERS_COL_COMMENTS,
  PAPERS_COL_DOI,
  PAPERS_COL_JOURNAL_REF,
  PAPERS_COL_URL,
  PAPERS_COL_LINKS,
  PAPERS_COL_EXTRA,
  PAPERS_COL_LINE,
  PAPERS_N_COLUMN
};

/* One paper as a format parser found it. Text fields are spans of the input
** (or of static text), folded when read; integers are -1 when the digest
** does not state them. record.c says how each becomes a column value. */
typedef struct PapersRecord {
  i64 iLine; /* 1-based line where the entry starts */
  PapersSpan title;
  PapersSpan abstract;
  PapersSpan authors; /* names as written: "A, B and C" (JSON array out) */
  PapersSpan org;
  PapersSpan orgHandle;
  PapersSpan dateText;
  PapersDate published; /* 0 when absent or not a calendar date */
  i64 nAuthor;          /* author_count */
  i64 nComment;         /* comment_count */
  i64 nUpvote;          /* upvotes */
  PapersSpan arxivId;
  i64 arxivVersion;
  PapersSpan categories; /* "cs.CL cs.AI", primary first (JSON array out) */
  PapersSpan announce;
  PapersSpan comments;
  PapersSpan doi;
  PapersSpan journalRef;
  PapersSpan url;
} PapersRecord;

/* Empties the parser's record for an entry starting at line iLine: every
** span absent, every count -1. */
struct PapersParser;
void papers_record_start(struct PapersParser *p, i64 iLine);

/* Sets a column of papers_parse from the record, the way record.c defines
** for every format; a format's xColumn hook may call it for what it does not
** produce itself. */
void papers_record_result(const struct PapersParser *p, sqlite3_context *pCtx, int iCol);

/* A JSON array of the names in "A, B and C" (commas inside parentheses do
** not split); NULL for an absent span. */
void papers_result_name_list(sqlite3_context *pCtx, PapersSpan span);

/* A JSON array of the words of a span split on white space and commas. */
void papers_result_word_list(sqlite3_context *pCtx, PapersSpan span);

/* Lines [zStart, zEnd) that a parser could not place, and why. */
typedef struct PapersReject {
  const char *zStart;
  const char *zEnd;
  i64 iLine; /* number of the line at zStart */
  const char *zReason;
} PapersReject;

#define PAPERS_MAX_REJECTS 8

typedef struct PapersFormat PapersFormat;

/* The state of one parse: the input's lines and what the last step found. */
typedef struct PapersParser {
  const PapersFormat *pFormat;
  PapersLines lines;
  PapersDate today;    /* anchor for dates printed without a year */
  PapersDate pageDate; /* the digest's own date, 0 until seen */
  i64 nRecord;         /* records produced so far */
  int iState;          /* the format's own progress marker, 0 at the start */
  int hasRecord;       /* the last step produced rec */
  PapersRecord rec;
  int nReject; /* rejects the last step produced */
  PapersReject aReject[PAPERS_MAX_REJECTS];
  void *pState; /* the format's own state, freed by its xFree */
  int rc;       /* SQLITE_OK, or the error (SQLITE_NOMEM) that ended the parse */
} PapersParser;

struct PapersFormat {
  const char *zName;        /* as given to papers_parse's format argument */
  const char *zDescription; /* one line, for papers_formats */
  const char *zExample;     /* a short digest of this format, for papers_formats */
  /* Confidence (0 = not this format) that the first bytes are this format. */
  int (*xDetect)(const char *z, i64 n);
  /* Reads the next entry: fills rec/hasRecord and aReject/nReject.
  ** Returns 0 at the end of the input, 1 otherwise. When it cannot go on
  ** (an allocation failed) it sets rc (SQLITE_NOMEM) and returns 0. */
  int (*xStep)(PapersParser *p);
  /* Optional: sets column iCol of the current record (formats whose text
  ** needs decoding); 0 means papers_record_result() for every column. */
  void (*xColumn)(const PapersParser *p, sqlite3_context *pCtx, int iCol);
  /* Optional: frees pState. */
  void (*xFree)(PapersParser *p);
};

/* Records a reject of lines [zStart, zEnd) starting at line iLine. */
void papers_parser_reject(PapersParser *p, const char *zStart, const char *zEnd,
                          i64 iLine, const char *zReason);

/* parse_arxiv_id.c: an arXiv identifier, new style ("2507.22914") or old
** ("hep-th/9901001", "math.AG/0601001"), with an optional version "vN".
** papers_arxiv_id_read() reads one at the start of z[0..n): *pId is the
** identifier without its version, *pVersion the version or -1; returns the
** bytes read, 0 when z does not start with one. papers_arxiv_id_parse()
** wants all of z[0..n) to be one and returns 1 when it is. Outputs are
** written only on success. */
i64 papers_arxiv_id_read(const char *z, i64 n, PapersSpan *pId, i64 *pVersion);
int papers_arxiv_id_parse(const char *z, i64 n, PapersSpan *pId, i64 *pVersion);

const PapersFormat *papers_format_find(const char *zName);
const PapersFormat *papers_format_detect(const char *z, i64 n);
/* Appends the known format names as "a, b, c", for error messages. */
void papers_format_append_names(sqlite3_str *pStr);

extern const PapersFormat papers_format_hf_daily;
extern const PapersFormat papers_format_hf_markdown;
extern const PapersFormat papers_format_arxiv_mail;
extern const PapersFormat papers_format_arxiv_rss;
extern const PapersFormat papers_format_arxiv_atom;

/* ---- analysis.c: text to terms, through FTS5's tokenizers -------------- */

/* What the topic functions keep per connection: its fts5_api and analyzers. */
typedef struct PapersConn PapersConn;
/* One FTS5 tokenizer instance, for one tokenize spec. */
typedef struct PapersAnalyzer PapersAnalyzer;

/* Reference counted: the creator holds one reference, and so does every
** registration that keeps the pointer (pass papers_conn_ref(pConn) as its
** user data and papers_conn_unref as its destructor). */
PapersConn *papers_conn_new(sqlite3 *db);
PapersConn *papers_conn_ref(PapersConn *pConn);
void papers_conn_unref(void *pConn);
sqlite3 *papers_conn_db(const PapersConn *pConn);
const char *papers_default_tokenize(void);

/* The analyzer for a tokenize spec (NULL: the default), created once per
** connection. On error *pzErr (sqlite3_malloc'd) says what went wrong. */
int papers_conn_analyzer(PapersConn *pConn, const char *zSpec, PapersAnalyzer **ppOut,
                         char **pzErr);

/* A token as the analysis sees it. */
typedef struct PapersToken {
  const char *zTerm; /* the tokenizer's form (a stem, for porter) */
  int nTerm;
  int iStart, iEnd; /* byte offsets in the text */
  int isStop;       /* stop word, number or single character: makes no term */
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

/* A weighted term vector: ids strictly increasing, weights L2-normalised. */
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
float papers_weight_scaled(float weight, double scale);
void papers_vector_free(PapersVector *pVec);
double papers_vector_dot(const PapersVector *pA, const PapersVector *pB);
/* papers_vector_dot() of pA and a vector in BLOB form, without decoding it:
** the same sum bit for bit; SQLITE_ERROR when the header or the length is
** wrong (the ids and weights are not checked). */
int papers_vector_dot_blob(const PapersVector *pA, const unsigned char *a, i64 n,
                           double *pDot);
i64 papers_vector_blob_size(const PapersVector *pVec);
void papers_vector_encode(const PapersVector *pVec, unsigned char *aBlob);
void papers_result_vector(sqlite3_context *pCtx, const PapersVector *pVec);
/* SQLITE_ERROR with *pzProblem (static text) for a malformed BLOB. */
int papers_vector_decode(const unsigned char *a, i64 n, PapersVector *pVec,
                         const char **pzProblem);
extern const PapersFormat papers_format_daily_arxiv_table;
extern const PapersFormat papers_format_daily_arxiv_list;
extern const PapersFormat papers_format_markdown_blocks;

/* ---- latent.c: latent semantic analysis ----------------------------------- */

/* A sparse matrix in compressed rows: documents by features. */
typedef struct PapersLatentMatrix {
  i64 nRow, nColumn;
  i64 *aRowStart; /* nRow + 1 offsets into aColumn and aValue */
  int *aColumn;
  float *aValue;
} PapersLatentMatrix;

/* Fits the projection: aProjection[f * nDim + k] is the k-th right singular
** vector's entry for feature f (nColumn * nDim floats, given). */
int papers_latent_fit(const PapersLatentMatrix *A, int nDim, float *aProjection);

/* Term ids at and above this value name latent dimensions, not words:
** dimension k of an index's latent space has id PAPERS_LATENT_ID + k. Hashed
** term ids never reach it (papers_term_id() moves the few that would). */
#define PAPERS_LATENT_ID        0xFFFFFFFFFFFFFF00ULL
#define papers_is_latent_id(id) ((id) >= PAPERS_LATENT_ID)

/* The vector of a document with a latent part: the sparse vector scaled by
** sqrt(1 - w), then the latent vector z (nDim values, normalised here) scaled
** by sqrt(w) under the latent ids. Both parts unit length: the result is.
** A zero z leaves the sparse vector whole. *pSparseScale (pSparseScale may be
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
/* Grows *pa (items of szItem bytes, *pnAlloc of them) to hold nNeed items,
** by half again; new items are zeroed. SQLITE_NOMEM leaves it as it was. */
int papers_grow_array(void **pa, size_t szItem, i64 nNeed, i64 *pnAlloc);

/* ---- index statistics (index_*.c): what `[, index]` arguments use ------- */

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

/* ---- tvf.c: table-valued functions ------------------------------------- */

/* Plans a table-valued function whose nArg arguments are the hidden columns
** after its nOutput output columns (idxNum: bit k = argument k given). */
int papers_tvf_best_index(sqlite3_index_info *pInfo, int nOutput, int nArg);

/* In xFilter: apArg[k] = argument k as planned above, or 0 when not given. */
void papers_tvf_args(int idxNum, sqlite3_value **argv, sqlite3_value **apArg, int nArg);

/* Reads a count argument k of zFunc: nDefault when NULL or absent, else an
** integer in [1, nMax]; otherwise an error on pVtab naming zFunc and the value. */
int papers_tvf_count_arg(sqlite3_vtab *pVtab, const char *zFunc, sqlite3_value *pValue,
                         int nDefault, int nMax, int *pnOut);

/* ---- registration: one per SQL-facing file ---------------------------- */
int papers_register_parse(sqlite3 *db);
int papers_register_formats(sqlite3 *db);
int papers_register_index(sqlite3 *db, PapersConn *pConn);
int papers_register_key(sqlite3 *db);
/* papers_tokens, papers_vector, papers_similarity, papers_keywords,
** papers_explain, papers_centroid (topic_*.c). */
int papers_register_topic(sqlite3 *db, PapersConn *pConn);
/* papers_clusters (clusters.c) */
int papers_register_clusters(sqlite3 *db, PapersConn *pConn);

#endif /* PAPERS_INTERNAL_H */
