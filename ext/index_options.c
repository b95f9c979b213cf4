/*
** index_options.c: the options of a papers_index table (content=,
** content_rowid=, columns=, tokenize=, weights=, latent=, latent_weight=,
** pending=), read from CREATE VIRTUAL TABLE and from T_config.
**
** Contract: every option is checked where it enters; a wrong one is an
** error naming the option and the value given; the options a table was made
** with are the ones it reads back.
*/
#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ------------------------------------------------------------ */

void index_config_clear(IndexConfig *pConfig) {
  for (int i = 0; i < pConfig->nColumn; i++)
    sqlite3_free(pConfig->azColumn[i]);
  sqlite3_free(pConfig->azColumn);
  sqlite3_free(pConfig->aWeight);
  sqlite3_free(pConfig->zDb);
  sqlite3_free(pConfig->zName);
  sqlite3_free(pConfig->zContent);
  sqlite3_free(pConfig->zContentRowid);
  sqlite3_free(pConfig->zTokenize);
  memset(pConfig, 0, sizeof(*pConfig));
}

/* A copy of z[0..n) without surrounding quotes ('', "" or [] and `` forms). */
static char *dequote(const char *z, int n) {
  while (n > 0 && (*z == ' ' || *z == '\t'))
    z++, n--;
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t'))
    n--;
  char cQuote = n >= 2 ? z[0] : 0;
  char cClose = cQuote == '[' ? ']' : cQuote;
  if ((cQuote == '\'' || cQuote == '"' || cQuote == '`' || cQuote == '[') &&
      z[n - 1] == cClose) {
    sqlite3_str *pStr = sqlite3_str_new(0);
    for (int i = 1; i < n - 1; i++) {
      sqlite3_str_appendchar(pStr, 1, z[i]);
      if (z[i] == cClose && cQuote != '[' && i + 1 < n - 1 && z[i + 1] == cClose)
        i++;
    }
    return sqlite3_str_finish(pStr);
  }
  return sqlite3_mprintf("%.*s", n, z);
}

/* Splits a list on commas and white space into names. */
static int split_list(const char *zList, char ***pazItem, int *pnItem) {
  char **azItem = 0;
  int nItem = 0;
  const char *z = zList;
  while (*z) {
    while (*z == ',' || *z == ' ' || *z == '\t')
      z++;
    if (*z == 0)
      break;
    const char *zStart = z;
    while (*z && *z != ',' && *z != ' ' && *z != '\t')
      z++;
    char **azNew =
        sqlite3_realloc64(azItem, sizeof(char *) * (sqlite3_uint64)(nItem + 1));
    char *zItem = sqlite3_mprintf("%.*s", (int)(z - zStart), zStart);
    if (azNew)
      azItem = azNew;
    if (azNew == 0 || zItem == 0) {
      sqlite3_free(zItem);
      for (int i = 0; i < nItem; i++)
        sqlite3_free(azItem[i]);
      sqlite3_free(azItem);
      return SQLITE_NOMEM;
    }
    azItem[nItem++] = zItem;
  }
  *pazItem = azItem;
  *pnItem = nItem;
  return SQLITE_OK;
}

static int parse_weights(IndexConfig *pConfig, const char *zWeights, char **pzErr) {
  char **azWeight = 0;
  int nWeight = 0;
  int rc = split_list(zWeights, &azWeight, &nWeight);
  if (rc == SQLITE_OK && nWeight != pConfig->nColumn) {
    *pzErr = sqlite3_mprintf(
        "papers_index: weights needs %d numbers, one per column, got '%s'",
        pConfig->nColumn, zWeights);
    rc = SQLITE_ERROR;
  }
  for (int i = 0; rc == SQLITE_OK && i < nWeight; i++) {
    double weight = 0;
    if (!papers_parse_decimal(azWeight[i], &weight) || !(weight > 0 && weight <= 100)) {
      *pzErr = sqlite3_mprintf("papers_index: each weight must be a number in (0, 100],"
                               " got '%s'",
                               azWeight[i]);
      rc = SQLITE_ERROR;
    } else {
      pConfig->aWeight[i] = weight;
    }
  }
  for (int i = 0; i < nWeight; i++)
    sqlite3_free(azWeight[i]);
  sqlite3_free(azWeight);
  return rc;
}

static int parse_latent_dims(IndexConfig *pConfig, const char *zValue, char **pzErr) {
  char *zEnd = 0;
  long nDim = strtol(zValue, &zEnd, 10);
  if (*zValue == 0 || *zEnd != 0 || nDim < 0 || nDim > PAPERS_MAX_LATENT) {
    *pzErr =
        sqlite3_mprintf("papers_index: latent must be a number of dimensions from 0 to"
                        " %d, got '%s'",
                        PAPERS_MAX_LATENT, zValue);
    return SQLITE_ERROR;
  }
  pConfig->nLatentDims = (int)nDim;
  return SQLITE_OK;
}

static int parse_latent_weight(IndexConfig *pConfig, const char *zValue, char **pzErr) {
  double weight = 0;
  if (!papers_parse_decimal(zValue, &weight) || !(weight >= 0 && weight <= 1)) {
    *pzErr = sqlite3_mprintf("papers_index: latent_weight must be a number from 0 to 1,"
                             " got '%s'",
                             zValue);
    return SQLITE_ERROR;
  }
  pConfig->latentWeight = weight;
  return SQLITE_OK;
}

static int parse_pending(IndexConfig *pConfig, const char *zValue, char **pzErr) {
  char *zEnd = 0;
  long long nPending = strtoll(zValue, &zEnd, 10);
  if (*zValue == 0 || *zEnd != 0 || nPending < 0 || nPending > INDEX_PENDING_LIMIT) {
    *pzErr = sqlite3_mprintf("papers_index: pending must be a number of postings from 0"
                             " to %d, got '%s'",
                             INDEX_PENDING_LIMIT, zValue);
    return SQLITE_ERROR;
  }
  pConfig->nPendingMax = nPending;
  return SQLITE_OK;
}

/* Sets one option from "key=value". */
static int parse_option(IndexConfig *pConfig, const char *zArg, char **pzWeights,
                        char **pzErr) {
  const char *zEq = strchr(zArg, '=');
  if (zEq == 0) {
    *pzErr = sqlite3_mprintf("papers_index: expected key=value, got '%s'", zArg);
    return SQLITE_ERROR;
  }
  char *zKey = dequote(zArg, (int)(zEq - zArg));
  char *zValue = dequote(zEq + 1, (int)strlen(zEq + 1));
  char **pzSlot = 0;
  int rc = (zKey && zValue) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    if (strcmp(zKey, "content") == 0)
      pzSlot = &pConfig->zContent;
    else if (strcmp(zKey, "content_rowid") == 0)
      pzSlot = &pConfig->zContentRowid;
    else if (strcmp(zKey, "tokenize") == 0)
      pzSlot = &pConfig->zTokenize;
    else if (strcmp(zKey, "weights") == 0)
      pzSlot = pzWeights;
    else if (strcmp(zKey, "latent") == 0)
      rc = parse_latent_dims(pConfig, zValue, pzErr);
    else if (strcmp(zKey, "latent_weight") == 0)
      rc = parse_latent_weight(pConfig, zValue, pzErr);
    else if (strcmp(zKey, "pending") == 0)
      rc = parse_pending(pConfig, zValue, pzErr);
    else if (strcmp(zKey, "columns") == 0) {
      rc = split_list(zValue, &pConfig->azColumn, &pConfig->nColumn);
    } else {
      *pzErr = sqlite3_mprintf("papers_index: unknown option '%s' (known: content,"
                               " content_rowid, columns, tokenize, weights, latent,"
                               " latent_weight, pending)",
                               zKey);
      rc = SQLITE_ERROR;
    }
  }
  if (pzSlot) {
    sqlite3_free(*pzSlot);
    *pzSlot = zValue;
    zValue = 0;
  }
  sqlite3_free(zKey);
  sqlite3_free(zValue);
  return rc;
}

int index_parse_config(int argc, const char *const *argv, IndexConfig *pConfig,
                       char **pzErr) {
  char *zWeights = 0;
  int rc = SQLITE_OK;
  memset(pConfig, 0, sizeof(*pConfig));
  pConfig->nLatentDims = INDEX_LATENT_DIMS;
  pConfig->nPendingMax = INDEX_PENDING_MAX;
  pConfig->latentWeight = INDEX_LATENT_WEIGHT;
  pConfig->zDb = sqlite3_mprintf("%s", argv[1]);
  pConfig->zName = sqlite3_mprintf("%s", argv[2]);
  if (pConfig->zDb == 0 || pConfig->zName == 0)
    rc = SQLITE_NOMEM;
  for (int i = 3; rc == SQLITE_OK && i < argc; i++) {
    rc = parse_option(pConfig, argv[i], &zWeights, pzErr);
  }
  if (rc == SQLITE_OK && (pConfig->zContent == 0 || pConfig->zContent[0] == 0)) {
    *pzErr = sqlite3_mprintf("papers_index: the content option is required,"
                             " e.g. content='papers'");
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK &&
      (pConfig->nColumn == 0 || pConfig->nColumn > INDEX_MAX_COLUMNS)) {
    *pzErr =
        sqlite3_mprintf("papers_index: the columns option is required and names 1 to %d"
                        " columns, e.g. columns='title, abstract'",
                        INDEX_MAX_COLUMNS);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK && pConfig->zContentRowid == 0) {
    pConfig->zContentRowid = sqlite3_mprintf("rowid");
    if (pConfig->zContentRowid == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && pConfig->zTokenize == 0) {
    pConfig->zTokenize = sqlite3_mprintf("%s", papers_default_tokenize());
    if (pConfig->zTokenize == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    pConfig->aWeight =
        sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)pConfig->nColumn);
    if (pConfig->aWeight == 0)
      rc = SQLITE_NOMEM;
    for (int i = 0; rc == SQLITE_OK && i < pConfig->nColumn; i++)
      pConfig->aWeight[i] = 1;
  }
  if (rc == SQLITE_OK && zWeights)
    rc = parse_weights(pConfig, zWeights, pzErr);
  sqlite3_free(zWeights);
  return rc;
}

char *index_declare_sql(const IndexConfig *pConfig) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  sqlite3_str_appendall(pStr, "CREATE TABLE x(");
  for (int i = 0; i < pConfig->nColumn; i++) {
    sqlite3_str_appendf(pStr, "\"%w\", ", pConfig->azColumn[i]);
  }
  sqlite3_str_appendf(pStr,
                      "\"%w\" HIDDEN, similar_to HIDDEN, query HIDDEN, score REAL,"
                      " vector HIDDEN)",
                      pConfig->zName);
  return sqlite3_str_finish(pStr);
}
