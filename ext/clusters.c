/*
** clusters.c: papers_clusters, the topics of a set of papers.
**
**   papers_clusters(index [, rowids [, k]])
**
** behaves as if declared
**
**   CREATE TABLE papers_clusters(rowid INTEGER, cluster INTEGER, label TEXT,
**                                size INTEGER, centrality REAL,
**                                index_name HIDDEN, rowids HIDDEN, k HIDDEN);
**
** Contract (docs/papers_clusters.md is the user's version):
**   - index names a papers_index table ("name" or "schema.name"); NULL gives
**     no rows. rowids is NULL (every document of the index) or a JSON array
**     of integers (rowids absent from the index are ignored, duplicates
**     count once). k is an integer from 1 to 1000, reduced to the number of
**     papers; NULL (or absent) chooses round(sqrt(n / 2)) clamped to
**     [2, 20]. An empty set gives no rows.
**   - One row per paper: its cluster (1..n, largest first; equal sizes: the
**     cluster holding the smallest rowid first), the cluster's label and
**     size, and its centrality: the cosine of the paper's vector and its
**     cluster's centre in the space clustered. Rows come by cluster,
**     centrality descending, rowid ascending.
**   - The clustering (clusters_kmeans.c) runs in one of three spaces: the
**     neighbour-smoothed space (clusters_smooth.c) when the index has a latent
**     part, the set is at most CLUSTERS_SMOOTH_MAX_DOCS papers and half of
**     them are full texts; else the documents' latent dimensions alone when
**     the index has a latent part (CLUSTERS_LATENT_SHARE), centred (the set's
**     mean taken away); else their word terms held by at least two papers of
**     the set; each renormalised. Euclidean k-means in the smoothed space,
**     spherical (cosine) elsewhere. Seeding by greedy k-means++
**     (CLUSTERS_SEED_TRIALS candidates a step) from a fixed-seed SplitMix64;
**     up to CLUSTERS_RESTARTS_SMOOTHED, CLUSTERS_RESTARTS_LATENT or
**     CLUSTERS_RESTARTS seedings by space, as many as about CLUSTERS_WORK
**     multiply-adds a round allow (so small sets get them all, 100,000
**     papers five at k = 20), keeping the best objective (least squared
**     distance, or largest total similarity); at most CLUSTERS_ITERATIONS
**     rounds each. Documents are visited in rowid order, sums run in a fixed
**     order, ties go to the lower index: the same clusters, bit for bit, on
**     every machine.
**   - The label: class-based TF-IDF. A word term t scores
**     tf_c(t) * ln(1 + A / df(t)) in cluster c, where tf_c sums the term's
**     stored weights over the cluster's papers, df counts the set's papers
**     holding it, and A = n / clusters is the mean cluster size; terms held
**     by one paper of the cluster only are left out (unless it is the only
**     one). The CLUSTERS_LABEL_TERMS best, in the index vocabulary's
**     readable form, joined by ", ", no word shown twice: a term that
**     shares a word with a chosen term is skipped, unless it holds all the
**     words of the chosen terms it overlaps, which it replaces ("information
**     bottleneck" rather than "bottleneck").
**   - Errors: the index argument missing, no such papers_index, rowids not
**     a JSON array of integers, k not an integer from 1 to 1000, k so large
**     that the centres (k * terms doubles) would pass 512 MiB; a stored vector
**     that does not decode is SQLITE_CORRUPT_VTAB. A cluster whose papers
**     share no word term has a NULL label.
*/
#include "topic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLUSTERS_MAX_K             1000
#define CLUSTERS_AUTO_MIN          2
#define CLUSTERS_AUTO_MAX          20
#define CLUSTERS_MAX_CENTRE_VALUES (1LL << 26) /* k * terms: 512 MiB of centres */
#define CLUSTERS_LABEL_TERMS       4
#define CLUSTERS_CANDIDATES        24 /* best-scoring terms looked at for a label */

enum { CL_ROWID, CL_CLUSTER, CL_LABEL, CL_SIZE, CL_CENTRALITY, CL_N_OUTPUT };
#define CL_N_ARG 3

static const char zClustersSchema[] =
    "CREATE TABLE x(rowid INTEGER, cluster INTEGER, label TEXT, size INTEGER,"
    " centrality REAL, index_name HIDDEN, rowids HIDDEN, k HIDDEN)";

/* ---- labels ------------------------------------------------------------------- */

/* A candidate label term of one cluster. */
typedef struct ClustersCandidate {
  int iFeature;
  double score;
} ClustersCandidate;

static int clusters_compare_candidates(const void *pA, const void *pB) {
  const ClustersCandidate *a = pA, *b = pB;
  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return a->iFeature - b->iFeature;
}

static char clusters_fold_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* True when the word z[0..n) is a word of zB (words split on spaces and
** hyphens, compared without ASCII case). */
static int clusters_word_in(const char *z, int n, const char *zB) {
  const char *w = zB;
  while (*w) {
    while (*w == ' ' || *w == '-')
      w++;
    int m = 0;
    while (w[m] && w[m] != ' ' && w[m] != '-')
      m++;
    if (m == n && m > 0) {
      int i = 0;
      while (i < n && clusters_fold_ascii(z[i]) == clusters_fold_ascii(w[i]))
        i++;
      if (i == n)
        return 1;
    }
    w += m;
  }
  return 0;
}

/* How many words zA has, and how many of them are words of zB. */
static void clusters_words_shared(const char *zA, const char *zB, int *pnWord,
                                  int *pnShared) {
  const char *z = zA;
  *pnWord = *pnShared = 0;
  while (*z) {
    while (*z == ' ' || *z == '-')
      z++;
    if (*z == 0)
      break;
    int n = 0;
    while (z[n] && z[n] != ' ' && z[n] != '-')
      n++;
    (*pnWord)++;
    *pnShared += clusters_word_in(z, n, zB);
    z += n;
  }
}

/* Adds a readable term to the chosen ones (azChosen, *pnChosen), taking
** ownership of zTerm, so that no word shows twice in the label: a term
** that shares a word with a chosen term is skipped, unless it holds all the
** words of every chosen term it overlaps, which it then replaces (the first
** of them in place: "information bottleneck" rather than "bottleneck"). */
static void clusters_label_choose(char **azChosen, int *pnChosen, char *zTerm) {
  for (int i = 0; i < *pnChosen; i++) {
    int nWord, nShared;
    clusters_words_shared(azChosen[i], zTerm, &nWord, &nShared);
    if (nShared > 0 && nShared < nWord) {
      sqlite3_free(zTerm);
      return;
    }
    if (nShared == nWord) {
      int nTermWord, nTermShared;
      clusters_words_shared(zTerm, azChosen[i], &nTermWord, &nTermShared);
      if (nTermShared == nTermWord) { /* the same words: the first form stays */
        sqlite3_free(zTerm);
        return;
      }
    }
  }
  int iSlot = -1, n = 0;
  for (int i = 0; i < *pnChosen; i++) {
    int nWord, nShared;
    clusters_words_shared(azChosen[i], zTerm, &nWord, &nShared);
    if (nShared > 0) { /* all its words are in zTerm (above) */
      if (iSlot < 0)
        iSlot = n;
      sqlite3_free(azChosen[i]);
      continue;
    }
    azChosen[n++] = azChosen[i];
  }
  if (iSlot < 0) {
    azChosen[n++] = zTerm;
  } else {
    memmove(azChosen + iSlot + 1, azChosen + iSlot, sizeof(char *) * (size_t)(n - iSlot));
    azChosen[iSlot] = zTerm;
    n++;
  }
  *pnChosen = n;
}

/* The label of the cluster whose documents are aDoc[0..nDoc), out of nSet
** documents in nCluster clusters. aCount and aTf are scratch of nFeature
** values, zero on entry and on return. */
static int clusters_cluster_label(const ClustersCorpus *c, PapersStats *pStats,
                                  const int *aDoc, int nDoc, int nCluster, int *aCount,
                                  double *aTf, char **pzLabel) {
  int rc = SQLITE_OK;
  ClustersCandidate *aCand = 0;
  int nCand = 0, nChosen = 0;
  char *azChosen[CLUSTERS_LABEL_TERMS + 1];
  for (int d = 0; d < nDoc; d++) {
    for (i64 e = c->aStart[aDoc[d]]; e < c->aStart[aDoc[d] + 1]; e++) {
      aCount[c->aFeature[e]]++;
      aTf[c->aFeature[e]] += c->aWord[e];
    }
  }
  aCand = sqlite3_malloc64(sizeof(ClustersCandidate) * (sqlite3_uint64)(c->nFeature + 1));
  if (aCand == 0)
    rc = SQLITE_NOMEM;
  double meanSize = (double)c->nDoc / nCluster;
  int minCount = nDoc > 1 ? 2 : 1;
  for (int f = 0; f < c->nFeature; f++) {
    if (aCand && aCount[f] >= minCount && !papers_is_latent_id(c->aId[f])) {
      aCand[nCand].iFeature = f;
      aCand[nCand].score = aTf[f] * papers_ln(1 + meanSize / c->aDf[f]);
      nCand++;
    }
    aCount[f] = 0;
    aTf[f] = 0;
  }
  if (rc == SQLITE_OK)
    qsort(aCand, (size_t)nCand, sizeof(ClustersCandidate), clusters_compare_candidates);
  for (int i = 0; rc == SQLITE_OK && i < nCand && i < CLUSTERS_CANDIDATES; i++) {
    if (nChosen == CLUSTERS_LABEL_TERMS)
      break;
    const char *z = 0;
    int n = 0;
    rc = papers_stats_surface(pStats, c->aId[aCand[i].iFeature], &z, &n);
    if (rc != SQLITE_OK || z == 0)
      continue;
    char *zTerm = sqlite3_mprintf("%.*s", n, z);
    if (zTerm == 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    clusters_label_choose(azChosen, &nChosen, zTerm);
  }
  sqlite3_str *pStr = sqlite3_str_new(0);
  for (int i = 0; i < nChosen; i++) {
    sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", azChosen[i]);
    sqlite3_free(azChosen[i]);
  }
  sqlite3_free(aCand);
  char *zLabel = sqlite3_str_finish(pStr);
  if (rc == SQLITE_OK && zLabel == 0)
    rc = nChosen ? SQLITE_NOMEM : SQLITE_OK;
  if (rc != SQLITE_OK) {
    sqlite3_free(zLabel);
    return rc;
  }
  *pzLabel = zLabel;
  return SQLITE_OK;
}

/* ---- the table-valued function -------------------------------------------- */

/* One output row. */
typedef struct ClustersRow {
  i64 iRowid;
  int iCluster; /* 1-based, in output numbering */
  double centrality;
} ClustersRow;

typedef struct ClustersTable {
  sqlite3_vtab base;
  PapersConn *pConn;
} ClustersTable;

typedef struct ClustersCursor {
  sqlite3_vtab_cursor base;
  sqlite3_value *apArg[CL_N_ARG];
  ClustersRow *aRow;
  int nRow, iRow;
  char **azLabel; /* per cluster (0-based) */
  int *aSize;     /* per cluster */
  int nCluster;
} ClustersCursor;

static int clusters_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                            sqlite3_vtab **ppVtab, char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  int rc = sqlite3_declare_vtab(db, zClustersSchema);
  if (rc != SQLITE_OK)
    return rc;
  ClustersTable *pTab = sqlite3_malloc64(sizeof(*pTab));
  if (pTab == 0)
    return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->pConn = pAux;
  *ppVtab = &pTab->base;
  return SQLITE_OK;
}

static int clusters_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int clusters_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  return papers_tvf_best_index(pInfo, CL_N_OUTPUT, CL_N_ARG);
}

static int clusters_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  (void)pVtab;
  ClustersCursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if (pCur == 0)
    return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static void clusters_cursor_reset(ClustersCursor *pCur) {
  for (int j = 0; j < pCur->nCluster; j++)
    sqlite3_free(pCur->azLabel ? pCur->azLabel[j] : 0);
  sqlite3_free(pCur->azLabel);
  sqlite3_free(pCur->aSize);
  sqlite3_free(pCur->aRow);
  pCur->azLabel = 0;
  pCur->aSize = 0;
  pCur->aRow = 0;
  pCur->nRow = pCur->iRow = pCur->nCluster = 0;
}

static int clusters_close(sqlite3_vtab_cursor *pCursor) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  clusters_cursor_reset(pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* Reads k: 0 for automatic (NULL or absent), else an integer 1..CLUSTERS_MAX_K. */
static int clusters_read_k(ClustersTable *pTab, sqlite3_value *pK, int *pk) {
  return papers_tvf_count_arg(&pTab->base, "papers_clusters", pK, 0, CLUSTERS_MAX_K, pk);
}

/* Skips JSON white space. */
static const char *clusters_skip_json_space(const char *z, const char *zEnd) {
  while (z < zEnd && (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r'))
    z++;
  return z;
}

/* True when z[0..n) is a JSON array of integers (each fits in 64 bits).
** Checked here rather than with json_valid(), which answers 0, not an
** error, when it runs out of memory. */
static int clusters_is_integer_array(const char *z, i64 n) {
  const char *zEnd = z + n;
  z = clusters_skip_json_space(z, zEnd);
  if (z == zEnd || *z++ != '[')
    return 0;
  z = clusters_skip_json_space(z, zEnd);
  if (z < zEnd && *z == ']')
    return clusters_skip_json_space(z + 1, zEnd) == zEnd;
  for (;;) {
    const char *zDigits = z < zEnd && *z == '-' ? z + 1 : z;
    const char *zNumEnd = zDigits;
    while (zNumEnd < zEnd && *zNumEnd >= '0' && *zNumEnd <= '9')
      zNumEnd++;
    i64 nDigits = zNumEnd - zDigits;
    const char *zMax = zDigits > z ? "9223372036854775808" : "9223372036854775807";
    if (nDigits == 0 || nDigits > 19 || (nDigits > 1 && *zDigits == '0'))
      return 0; /* no number, too many digits, or a leading 0 */
    if (nDigits == 19 && memcmp(zDigits, zMax, 19) > 0)
      return 0; /* beyond 64 bits */
    z = clusters_skip_json_space(zNumEnd, zEnd);
    if (z < zEnd && *z == ',') {
      z = clusters_skip_json_space(z + 1, zEnd);
      continue;
    }
    return z < zEnd && *z == ']' && clusters_skip_json_space(z + 1, zEnd) == zEnd;
  }
}

/* Checks that rowids is a JSON array of integers. */
static int clusters_check_rowids(ClustersTable *pTab, sqlite3_value *pRowids) {
  const char *zRowids = (const char *)sqlite3_value_text(pRowids);
  if (zRowids == 0)
    return SQLITE_NOMEM;
  if (sqlite3_value_type(pRowids) == SQLITE_TEXT &&
      clusters_is_integer_array(zRowids, sqlite3_value_bytes(pRowids)))
    return SQLITE_OK;
  return topic_vtab_error(
      &pTab->base, sqlite3_mprintf("papers_clusters: rowids must be a JSON array of"
                                   " integers, got '%.60s'",
                                   zRowids));
}

/* The statement over the documents of the index (all, or those of rowids):
** their stored vectors, from the index's hidden column `vector`. */
static int clusters_docs_statement(sqlite3 *db, const char *zIndex,
                                   sqlite3_value *pRowids, sqlite3_stmt **ppStmt) {
  const char *zDot = strchr(zIndex, '.');
  int nDb = zDot ? (int)(zDot - zIndex) : 4;
  char *zDb = sqlite3_mprintf("%.*s", nDb, zDot ? zIndex : "main");
  char *zSql = zDb == 0 ? 0
                        : sqlite3_mprintf("SELECT rowid, vector FROM \"%w\".\"%w\"%s"
                                          " ORDER BY rowid",
                                          zDb, zDot ? zDot + 1 : zIndex,
                                          pRowids ? " WHERE rowid IN (SELECT value FROM"
                                                    " json_each(?1))"
                                                  : "");
  sqlite3_free(zDb);
  if (zSql == 0)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK && pRowids)
    rc = sqlite3_bind_value(*ppStmt, 1, pRowids);
  return rc;
}

/* Reads the documents of the index (all, or those of pRowids) into pCorpus. */
static int clusters_load_corpus(ClustersTable *pTab, const char *zIndex,
                                sqlite3_value *pRowids, ClustersCorpus *pCorpus) {
  sqlite3_stmt *pStmt = 0;
  PapersIdMap *pMap = papers_idmap_new();
  int nDocAlloc = 0;
  int rc =
      pMap ? clusters_docs_statement(papers_conn_db(pTab->pConn), zIndex, pRowids, &pStmt)
           : SQLITE_NOMEM;
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    PapersVector vec;
    const char *zProblem = 0;
    rc = papers_vector_decode(sqlite3_column_blob(pStmt, 1),
                              sqlite3_column_bytes(pStmt, 1), &vec, &zProblem);
    if (rc == SQLITE_ERROR) {
      rc = topic_vtab_error(
          &pTab->base, sqlite3_mprintf("papers_clusters: the vector of document %lld"
                                       " in '%s' is corrupt: %s",
                                       sqlite3_column_int64(pStmt, 0), zIndex, zProblem));
      rc = rc == SQLITE_ERROR ? SQLITE_CORRUPT_VTAB : rc;
      break;
    }
    if (rc == SQLITE_OK)
      rc = clusters_corpus_add(pCorpus, pMap, sqlite3_column_int64(pStmt, 0), &vec,
                               &nDocAlloc);
    papers_vector_free(&vec);
  }
  if (pStmt) {
    int rc2 = sqlite3_finalize(pStmt);
    if (rc == SQLITE_OK && rc2 != SQLITE_OK && rc2 != SQLITE_NOMEM) {
      /* the index's own message: what it found damaged */
      rc2 = topic_vtab_error(
          &pTab->base, sqlite3_mprintf("papers_clusters: %s",
                                       sqlite3_errmsg(papers_conn_db(pTab->pConn))));
      rc2 = rc2 == SQLITE_ERROR ? SQLITE_CORRUPT_VTAB : rc2;
    }
    if (rc == SQLITE_OK)
      rc = rc2;
  }
  papers_idmap_free(pMap);
  if (rc == SQLITE_OK && pCorpus->nDoc > 0)
    rc = clusters_corpus_compact(pCorpus);
  return rc;
}

/* The automatic number of clusters: round(sqrt(n / 2)) within [2, 20]. */
static int clusters_auto_k(int nDoc) {
  int k = (int)(sqrt(nDoc / 2.0) + 0.5);
  if (k < CLUSTERS_AUTO_MIN)
    k = CLUSTERS_AUTO_MIN;
  if (k > CLUSTERS_AUTO_MAX)
    k = CLUSTERS_AUTO_MAX;
  return k;
}

/* Cluster order: size descending, then smallest document (aFirst). */
typedef struct ClusterOrder {
  int j, size, iFirst;
} ClusterOrder;

static int clusters_compare_cluster_order(const void *pA, const void *pB) {
  const ClusterOrder *a = pA, *b = pB;
  if (a->size != b->size)
    return a->size > b->size ? -1 : 1;
  return a->iFirst - b->iFirst;
}

static int clusters_compare_rows(const void *pA, const void *pB) {
  const ClustersRow *a = pA, *b = pB;
  if (a->iCluster != b->iCluster)
    return a->iCluster - b->iCluster;
  if (a->centrality != b->centrality)
    return a->centrality > b->centrality ? -1 : 1;
  return (a->iRowid > b->iRowid) - (a->iRowid < b->iRowid);
}

/* Numbers the non-empty clusters of aAssign (k of them at most) by size;
** aNumber[j] becomes cluster j's 0-based output number; returns how many. */
static int clusters_number_clusters(const int *aAssign, int nDoc, int k, int *aNumber,
                                    ClusterOrder *aOrder) {
  for (int j = 0; j < k; j++) {
    aOrder[j].j = j;
    aOrder[j].size = 0;
    aOrder[j].iFirst = nDoc;
  }
  for (int i = 0; i < nDoc; i++) {
    ClusterOrder *o = &aOrder[aAssign[i]];
    if (o->size++ == 0)
      o->iFirst = i;
  }
  qsort(aOrder, (size_t)k, sizeof(ClusterOrder), clusters_compare_cluster_order);
  int nCluster = 0;
  for (int j = 0; j < k; j++) {
    aNumber[aOrder[j].j] = aOrder[j].size ? nCluster++ : -1;
  }
  return nCluster;
}

/* Builds the cursor's rows and labels from a clustering of the corpus. */
static int clusters_build_rows(ClustersCursor *pCur, const ClustersCorpus *c,
                               PapersStats *pStats, const int *aAssign,
                               const double *aSim, int k) {
  int rc = SQLITE_OK;
  int *aNumber = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)k);
  ClusterOrder *aOrder = sqlite3_malloc64(sizeof(ClusterOrder) * (sqlite3_uint64)k);
  int *aDoc = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)c->nDoc);
  int *aCount = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(c->nFeature + 1));
  double *aTf = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)(c->nFeature + 1));
  pCur->aRow = sqlite3_malloc64(sizeof(ClustersRow) * (sqlite3_uint64)c->nDoc);
  if (!aNumber || !aOrder || !aDoc || !aCount || !aTf || !pCur->aRow)
    rc = SQLITE_NOMEM;
  int nCluster = 0;
  if (rc == SQLITE_OK) {
    nCluster = clusters_number_clusters(aAssign, c->nDoc, k, aNumber, aOrder);
    pCur->azLabel = sqlite3_malloc64(sizeof(char *) * (sqlite3_uint64)nCluster);
    pCur->aSize = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)nCluster);
    if (pCur->azLabel == 0 || pCur->aSize == 0)
      rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    memset(pCur->azLabel, 0, sizeof(char *) * (size_t)nCluster);
    memset(aCount, 0, sizeof(int) * (size_t)c->nFeature);
    memset(aTf, 0, sizeof(double) * (size_t)c->nFeature);
    pCur->nCluster = nCluster;
  }
  for (int o = 0; rc == SQLITE_OK && o < nCluster; o++) {
    int nDoc = 0;
    for (int i = 0; i < c->nDoc; i++) {
      if (aNumber[aAssign[i]] == o)
        aDoc[nDoc++] = i;
    }
    pCur->aSize[o] = nDoc;
    rc = clusters_cluster_label(c, pStats, aDoc, nDoc, nCluster, aCount, aTf,
                                &pCur->azLabel[o]);
  }
  for (int i = 0; rc == SQLITE_OK && i < c->nDoc; i++) {
    pCur->aRow[i].iRowid = c->aRowid[i];
    pCur->aRow[i].iCluster = aNumber[aAssign[i]] + 1;
    /* float32 weights may put a cosine a hair outside [-1, 1] */
    pCur->aRow[i].centrality = aSim[i] > 1 ? 1 : aSim[i] < -1 ? -1 : aSim[i];
  }
  if (rc == SQLITE_OK) {
    pCur->nRow = c->nDoc;
    qsort(pCur->aRow, (size_t)pCur->nRow, sizeof(ClustersRow), clusters_compare_rows);
  }
  sqlite3_free(aNumber);
  sqlite3_free(aOrder);
  sqlite3_free(aDoc);
  sqlite3_free(aCount);
  sqlite3_free(aTf);
  return rc;
}

/* Clusters the corpus and fills the cursor. */
static int clusters_cluster_corpus(ClustersCursor *pCur, const ClustersCorpus *c,
                                   PapersStats *pStats, int k) {
  if (k == 0)
    k = clusters_auto_k(c->nDoc);
  if (k > c->nDoc)
    k = c->nDoc;
  ClustersCorpus view;
  int isSmoothed;
  int rc = clusters_smooth_view(c, &view, &isSmoothed);
  if (rc == SQLITE_OK && !isSmoothed)
    rc = clusters_corpus_view(c, &view);
  ClustersSpace space = isSmoothed                     ? CLUSTERS_SPACE_SMOOTHED
                        : clusters_corpus_is_latent(c) ? CLUSTERS_SPACE_LATENT
                                                       : CLUSTERS_SPACE_WORDS;
  if (rc != SQLITE_OK)
    return rc;
  if ((i64)k * view.nFeature > CLUSTERS_MAX_CENTRE_VALUES) {
    clusters_corpus_free(&view);
    return topic_vtab_error(
        pCur->base.pVtab,
        sqlite3_mprintf("papers_clusters: k = %d is too large for these"
                        " %d papers: at most %lld",
                        k, c->nDoc, CLUSTERS_MAX_CENTRE_VALUES / view.nFeature));
  }
  int *aAssign = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)c->nDoc);
  double *aSim = sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)c->nDoc);
  rc = aAssign && aSim ? clusters_kmeans_best(&view, k, space, aAssign, aSim)
                       : SQLITE_NOMEM;
  clusters_corpus_free(&view);
  if (rc == SQLITE_OK)
    rc = clusters_build_rows(pCur, c, pStats, aAssign, aSim, k);
  sqlite3_free(aAssign);
  sqlite3_free(aSim);
  return rc;
}

static int clusters_filter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr,
                           int argc, sqlite3_value **argv) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  ClustersTable *pTab = (ClustersTable *)pCursor->pVtab;
  (void)idxStr;
  (void)argc;
  clusters_cursor_reset(pCur);
  papers_tvf_args(idxNum, argv, pCur->apArg, CL_N_ARG);
  if (pCur->apArg[0] == 0) {
    return topic_vtab_error(&pTab->base,
                            sqlite3_mprintf("papers_clusters: the first argument, index,"
                                            " is missing"));
  }
  sqlite3_value *pRowids = pCur->apArg[1];
  if (pRowids && sqlite3_value_type(pRowids) == SQLITE_NULL)
    pRowids = 0;
  int k;
  int rc = clusters_read_k(pTab, pCur->apArg[2], &k);
  if (rc != SQLITE_OK || sqlite3_value_type(pCur->apArg[0]) == SQLITE_NULL)
    return rc;
  PapersStats *pStats = 0;
  char *zErr = 0;
  rc = topic_stats_open(pTab->pConn, pCur->apArg[0], "papers_clusters", &pStats, &zErr);
  if (rc != SQLITE_OK) {
    if (zErr)
      topic_vtab_error(&pTab->base, zErr);
    return rc;
  }
  if (pRowids)
    rc = clusters_check_rowids(pTab, pRowids);
  ClustersCorpus corpus;
  memset(&corpus, 0, sizeof(corpus));
  if (rc == SQLITE_OK) {
    rc = clusters_load_corpus(pTab, (const char *)sqlite3_value_text(pCur->apArg[0]),
                              pRowids, &corpus);
  }
  if (rc == SQLITE_OK && corpus.nDoc > 0)
    rc = clusters_cluster_corpus(pCur, &corpus, pStats, k);
  clusters_corpus_free(&corpus);
  papers_stats_close(pStats);
  if (rc != SQLITE_OK)
    clusters_cursor_reset(pCur);
  return rc;
}

static int clusters_next(sqlite3_vtab_cursor *pCursor) {
  ((ClustersCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

static int clusters_eof(sqlite3_vtab_cursor *pCursor) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  return pCur->iRow >= pCur->nRow;
}

static int clusters_rowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  *pRowid = pCur->aRow[pCur->iRow].iRowid;
  return SQLITE_OK;
}

static int clusters_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *pCtx,
                           int iCol) {
  ClustersCursor *pCur = (ClustersCursor *)pCursor;
  const ClustersRow *pRow = &pCur->aRow[pCur->iRow];
  switch (iCol) {
  case CL_ROWID:
    sqlite3_result_int64(pCtx, pRow->iRowid);
    break;
  case CL_CLUSTER:
    sqlite3_result_int(pCtx, pRow->iCluster);
    break;
  case CL_LABEL:
    sqlite3_result_text(pCtx, pCur->azLabel[pRow->iCluster - 1], -1, SQLITE_TRANSIENT);
    break;
  case CL_SIZE:
    sqlite3_result_int(pCtx, pCur->aSize[pRow->iCluster - 1]);
    break;
  case CL_CENTRALITY:
    sqlite3_result_double(pCtx, pRow->centrality);
    break;
  default:
    if (pCur->apArg[iCol - CL_N_OUTPUT])
      sqlite3_result_value(pCtx, pCur->apArg[iCol - CL_N_OUTPUT]);
    break;
  }
  return SQLITE_OK;
}

/* No xCreate: eponymous only, like table-valued functions. */
static sqlite3_module clustersModule = {
    .xConnect = clusters_connect,
    .xBestIndex = clusters_best_index,
    .xDisconnect = clusters_disconnect,
    .xOpen = clusters_open,
    .xClose = clusters_close,
    .xFilter = clusters_filter,
    .xNext = clusters_next,
    .xEof = clusters_eof,
    .xColumn = clusters_column,
    .xRowid = clusters_rowid,
};

int papers_register_clusters(sqlite3 *db, PapersConn *pConn) {
  return sqlite3_create_module_v2(db, "papers_clusters", &clustersModule,
                                  papers_conn_ref(pConn), papers_conn_unref);
}
