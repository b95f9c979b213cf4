/*
** tvf.c: what the eponymous table-valued functions of papers share.
**
** Contract:
**   papers_tvf_count_arg() reads a count argument such as k: NULL or absent
**   gives the default, an integer in [1, nMax] itself, anything else an error
**   naming the function and the value ("papers_keywords: k must be between 1
**   and 1000, got 0"; text shown quoted).
**   papers_tvf_args() is its xFilter's side: it puts the arguments given back
**   in their slots (0 for those not given).
**   papers_tvf_best_index() plans a table-valued function whose arguments
**   are its hidden columns nOutput, nOutput + 1, ... (at most 8):
**     - each argument given arrives as an equality constraint; idxNum has
**       bit k set when argument k is given, and the given ones reach xFilter
**       in order;
**     - an argument that is not usable yet gives SQLITE_CONSTRAINT, so that
**       the planner tries a join order that supplies it;
**     - without the first argument the plan costs so much that SQLite takes
**       it only when there is no other, and the function's xFilter says what
**       is missing. Failing here instead would also fail the partial plans
**       SQLite tries for the OR terms of a WHERE clause, where the argument
**       is there.
*/
#include "papers_internal.h"

#define TVF_MAX_ARGS 8

int papers_tvf_best_index(sqlite3_index_info *pInfo, int nOutput, int nArg) {
  int aiConstraint[TVF_MAX_ARGS];
  int unusableMask = 0;
  if (NEVER(nArg < 0 || nArg > TVF_MAX_ARGS))
    return SQLITE_ERROR;
  for (int i = 0; i < nArg; i++)
    aiConstraint[i] = -1;
  for (int i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int iArg = pCons->iColumn - nOutput;
    if (iArg < 0 || iArg >= nArg || pCons->op != SQLITE_INDEX_CONSTRAINT_EQ)
      continue;
    if (!pCons->usable) {
      unusableMask |= 1 << iArg;
    } else {
      aiConstraint[iArg] = i;
    }
  }
  int idxNum = 0, nArgv = 0;
  for (int iArg = 0; iArg < nArg; iArg++) {
    if (aiConstraint[iArg] < 0)
      continue;
    idxNum |= 1 << iArg;
    pInfo->aConstraintUsage[aiConstraint[iArg]].argvIndex = ++nArgv;
    pInfo->aConstraintUsage[aiConstraint[iArg]].omit = 1;
  }
  if (unusableMask & ~idxNum)
    return SQLITE_CONSTRAINT;
  pInfo->idxNum = idxNum;
  if (idxNum & 1) {
    pInfo->estimatedCost = 1000;
    pInfo->estimatedRows = 100;
  } else {
    pInfo->estimatedCost = 1e300;
    pInfo->estimatedRows = 1;
  }
  return SQLITE_OK;
}

int papers_tvf_count_arg(sqlite3_vtab *pVtab, const char *zFunc, sqlite3_value *pValue,
                         int nDefault, int nMax, int *pnOut) {
  *pnOut = nDefault;
  if (pValue == 0 || sqlite3_value_type(pValue) == SQLITE_NULL)
    return SQLITE_OK;
  int isText = sqlite3_value_type(pValue) == SQLITE_TEXT ||
               sqlite3_value_type(pValue) == SQLITE_BLOB;
  if (sqlite3_value_numeric_type(pValue) == SQLITE_INTEGER) {
    i64 n = sqlite3_value_int64(pValue);
    if (n >= 1 && n <= nMax) {
      *pnOut = (int)n;
      return SQLITE_OK;
    }
  }
  const char *zValue = (const char *)sqlite3_value_text(pValue);
  if (zValue == 0)
    return SQLITE_NOMEM;
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = sqlite3_mprintf(isText ? "%s: k must be between 1 and %d, got '%s'"
                                          : "%s: k must be between 1 and %d, got %s",
                                   zFunc, nMax, zValue);
  return pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

void papers_tvf_args(int idxNum, sqlite3_value **argv, sqlite3_value **apArg, int nArg) {
  assert(nArg >= 0 && nArg <= TVF_MAX_ARGS);
  int iArgv = 0;
  for (int iArg = 0; iArg < nArg; iArg++) {
    apArg[iArg] = (idxNum & (1 << iArg)) ? argv[iArgv++] : 0;
  }
}
