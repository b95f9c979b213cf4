/*
** topic_args.c: how the topic functions read their arguments.
**
** Contract:
**   - An index argument names a papers_index table ("name" or "schema.name");
**     NULL means no index. Its statistics give the analyzer and the idf of
**     the texts; errors of papers_stats_open() come back prefixed with the
**     function's name.
**   - A BLOB argument is a vector (vector.c's form, validated); anything else
**     is read as text and analysed: a vector weighed with the index's idf, or
**     idf 1 without an index, and its terms' surface forms kept for labels.
**   - A term's label is readable whenever one is known: a surface form from a
**     text argument, else the index vocabulary's, else the id in hex; a
**     latent dimension k of an index is "latent k".
**   - The table-valued functions share one xBestIndex: arguments are equality
**     constraints on hidden columns, the first one required.
*/
#include "topic.h"

#include <string.h>

/* ---- index statistics ------------------------------------------------- */

int topic_stats_open(PapersConn *pConn, sqlite3_value *pIndex, const char *zFunc,
                     PapersStats **ppStats, char **pzErr) {
  *ppStats = 0;
  if (pIndex == 0 || sqlite3_value_type(pIndex) == SQLITE_NULL)
    return SQLITE_OK;
  const char *zIndex = (const char *)sqlite3_value_text(pIndex);
  if (zIndex == 0)
    return SQLITE_NOMEM;
  char *zErr = 0;
  int rc = papers_stats_open(pConn, zIndex, ppStats, &zErr);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    *pzErr =
        zErr ? sqlite3_mprintf("%s: %s", zFunc, zErr)
             : sqlite3_mprintf("%s: cannot read papers_index table '%s'", zFunc, zIndex);
    if (rc != SQLITE_CORRUPT_VTAB)
      rc = SQLITE_ERROR;
    if (*pzErr == 0)
      rc = SQLITE_NOMEM;
  }
  sqlite3_free(zErr);
  return rc;
}

int topic_stats_error(PapersStats *pStats, const char *zFunc, int rc, char **pzErr) {
  char *zCorrupt = papers_stats_take_error(pStats);
  if (rc == SQLITE_CORRUPT_VTAB && zCorrupt) {
    *pzErr = sqlite3_mprintf("%s: %s", zFunc, zCorrupt);
    if (*pzErr == 0)
      rc = SQLITE_NOMEM;
  }
  sqlite3_free(zCorrupt);
  return rc;
}

/* The destructor sqlite3_set_auxdata needs. */
static void stats_close(void *pStats) {
  papers_stats_close(pStats);
}

int topic_stats_get(sqlite3_context *pCtx, PapersConn *pConn, sqlite3_value **argv,
                    int iArg, const char *zFunc, PapersStats **ppStats, int *pIsNew) {
  *pIsNew = 0;
  *ppStats = 0;
  if (sqlite3_value_type(argv[iArg]) == SQLITE_NULL)
    return SQLITE_OK;
  *ppStats = sqlite3_get_auxdata(pCtx, iArg);
  if (*ppStats) { /* kept from an earlier row: the index may have had additions */
    int rc = papers_stats_sync(*ppStats);
    if (rc == SQLITE_NOMEM) {
      sqlite3_result_error_nomem(pCtx);
    } else if (rc != SQLITE_OK) {
      sqlite3_result_error(pCtx, sqlite3_errmsg(papers_conn_db(pConn)), -1);
      sqlite3_result_error_code(pCtx, rc);
    }
    return rc;
  }
  char *zErr = 0;
  int rc = topic_stats_open(pConn, argv[iArg], zFunc, ppStats, &zErr);
  if (rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(pCtx);
  } else if (rc != SQLITE_OK) {
    sqlite3_result_error(pCtx, zErr ? zErr : zFunc, -1);
    sqlite3_result_error_code(pCtx, rc);
  }
  sqlite3_free(zErr);
  *pIsNew = rc == SQLITE_OK;
  return rc;
}

void topic_stats_keep(sqlite3_context *pCtx, int iArg, PapersStats *pStats, int isNew) {
  if (isNew && pStats)
    sqlite3_set_auxdata(pCtx, iArg, pStats, stats_close);
}

/* ---- operands ----------------------------------------------------------- */

void topic_operand_free(TopicOperand *pOp) {
  papers_vector_free(&pOp->vec);
  papers_counts_free(pOp->pCounts);
  pOp->pCounts = 0;
}

/* Decodes a vector BLOB argument. */
static int operand_from_blob(sqlite3_value *pValue, const char *zFunc, int iArg,
                             TopicOperand *pOp, char **pzErr) {
  const char *zProblem = 0;
  int rc = papers_vector_decode(sqlite3_value_blob(pValue), sqlite3_value_bytes(pValue),
                                &pOp->vec, &zProblem);
  if (rc == SQLITE_ERROR) {
    *pzErr = sqlite3_mprintf("%s: argument %d is not a valid vector: %s", zFunc, iArg,
                             zProblem);
  }
  return rc;
}

/* Analyses a text argument and weighs its terms. */
static int operand_from_text(PapersConn *pConn, PapersStats *pStats,
                             sqlite3_value *pValue, const char *zFunc, TopicOperand *pOp,
                             char **pzErr) {
  PapersAnalyzer *pAnalyzer = 0;
  char *zErr = 0;
  int rc = SQLITE_OK;
  if (pStats) {
    pAnalyzer = papers_stats_analyzer(pStats);
  } else {
    rc = papers_conn_analyzer(pConn, 0, &pAnalyzer, &zErr);
  }
  if (rc == SQLITE_ERROR)
    *pzErr = sqlite3_mprintf("%s: %s", zFunc, zErr);
  sqlite3_free(zErr);
  if (rc != SQLITE_OK)
    return rc;
  const char *z = (const char *)sqlite3_value_text(pValue);
  int n = sqlite3_value_bytes(pValue);
  pOp->pCounts = papers_counts_new();
  if (z == 0 || pOp->pCounts == 0)
    return SQLITE_NOMEM;
  rc = papers_counts_add(pOp->pCounts, pAnalyzer, z, n, 1.0);
  if (rc == SQLITE_OK)
    rc = papers_counts_finish(pOp->pCounts);
  int nCount = 0;
  const PapersCount *aCount = papers_counts(pOp->pCounts, &nCount);
  if (rc == SQLITE_OK && pStats) {
    rc = papers_stats_vector(pStats, aCount, nCount, &pOp->vec);
    rc = topic_stats_error(pStats, zFunc, rc, pzErr);
  } else if (rc == SQLITE_OK)
    rc = papers_vector_weigh(aCount, nCount, 0, &pOp->vec, 0);
  return rc;
}

int topic_operand(PapersConn *pConn, PapersStats *pStats, sqlite3_value *pValue,
                  const char *zFunc, int iArg, TopicOperand *pOp, char **pzErr) {
  int rc;
  memset(pOp, 0, sizeof(*pOp));
  if (sqlite3_value_type(pValue) == SQLITE_BLOB) {
    rc = operand_from_blob(pValue, zFunc, iArg, pOp, pzErr);
  } else {
    rc = operand_from_text(pConn, pStats, pValue, zFunc, pOp, pzErr);
  }
  if (rc != SQLITE_OK)
    topic_operand_free(pOp);
  return rc;
}

/* ---- labels ------------------------------------------------------------- */

/* The surface form of id among a text operand's terms (sorted by id). */
static const PapersCount *find_count(const TopicOperand *pOp, sqlite3_uint64 id) {
  if (pOp == 0 || pOp->pCounts == 0)
    return 0;
  int nCount = 0;
  const PapersCount *aCount = papers_counts(pOp->pCounts, &nCount);
  int iLo = 0, iHi = nCount - 1;
  while (iLo <= iHi) {
    int iMid = iLo + (iHi - iLo) / 2;
    if (aCount[iMid].id == id)
      return &aCount[iMid];
    if (aCount[iMid].id < id)
      iLo = iMid + 1;
    else
      iHi = iMid - 1;
  }
  return 0;
}

char *topic_label(const TopicOperand *pA, const TopicOperand *pB, PapersStats *pStats,
                  sqlite3_uint64 id, int *pRc) {
  const PapersCount *pCount = find_count(pA, id);
  if (pCount == 0)
    pCount = find_count(pB, id);
  if (pCount)
    return sqlite3_mprintf("%.*s", pCount->nSurface, pCount->zSurface);
  if (pStats) {
    const char *z = 0;
    int n = 0;
    *pRc = papers_stats_surface(pStats, id, &z, &n);
    if (*pRc != SQLITE_OK)
      return 0;
    if (z)
      return sqlite3_mprintf("%.*s", n, z);
  }
  return sqlite3_mprintf("%016llx", (unsigned long long)id);
}

/* ---- table-valued functions ---------------------------------------------- */

int topic_vtab_error(sqlite3_vtab *pVtab, char *zErr) {
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  return zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}
