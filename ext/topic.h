/*
** topic.h: what the files of the topic functions share.
**
**   topic_args.c      reading arguments: an index name to its statistics, a
**                     TEXT or vector BLOB to a vector, a term id to a label;
**                     the xBestIndex of the table-valued functions
**   topic_funcs.c     papers_vector, papers_similarity (scalars) and the
**                     registration of everything (papers_register_topic)
**   topic_centroid.c  papers_centroid (aggregate)
**   topic_tokens.c    papers_tokens (table-valued)
**   topic_terms.c     papers_keywords, papers_explain (table-valued)
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
