/*
** tvf.c: what the eponymous table-valued functions of papers share.
**
** Contract: papers_tvf_best_index() plans a table-valued function whose
** arguments are its hidden columns nOutput, nOutput + 1, ... (at most 8):
**   - each argument given arrives as an equality constraint; idxNum has bit k
**     set when argument k is given, and the given ones reach xFilter in order;
**   - an argument that is not usable yet gives SQLITE_CONSTRAINT, so that the
**     planner tries a join order that supplies it;
**   - without the first argument the plan costs so much that SQLite takes it
**     only when there is no other, and the function's xFilter says what is
**     missing. Failing here instead would also fail the partial plans SQLite
**     tries for the OR terms of a WHERE clause, where the argument is there.
*/
#include "papers_internal.h"

#include <assert.h>

#define MAX_TVF_ARGS 8

int papers_tvf_best_index(sqlite3_index_info *pInfo, int nOutput, int nArg) {
  int aiConstraint[MAX_TVF_ARGS];
  int unusableMask = 0;
  assert(nArg <= MAX_TVF_ARGS);
  for (int i = 0; i < nArg; i++) aiConstraint[i] = -1;
  for (int i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int iArg = pCons->iColumn - nOutput;
    if (iArg < 0 || iArg >= nArg || pCons->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!pCons->usable) {
      unusableMask |= 1 << iArg;
    } else {
      aiConstraint[iArg] = i;
    }
  }
  int idxNum = 0, nArgv = 0;
  for (int iArg = 0; iArg < nArg; iArg++) {
    if (aiConstraint[iArg] < 0) continue;
    idxNum |= 1 << iArg;
    pInfo->aConstraintUsage[aiConstraint[iArg]].argvIndex = ++nArgv;
    pInfo->aConstraintUsage[aiConstraint[iArg]].omit = 1;
  }
  if (unusableMask & ~idxNum) return SQLITE_CONSTRAINT;
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
