/*
** topic_funcs.c: the scalar topic functions, and the registration of all of
** them (papers_register_topic).
**
**   papers_vector(text [, index])          the text's vector, as a BLOB
**   papers_similarity(a, b [, index])      cosine of two texts or vectors
**
** Contract:
**   - papers_vector: NULL gives NULL; a TEXT is analysed and weighed ((1 +
**     ln tf) * idf, L2-normalised; idf 1 without an index); a BLOB must be a
**     valid vector and is returned as it is (weights are never re-weighed).
**   - papers_similarity: NULL in a or b gives NULL; each of a, b is a TEXT
**     (vectorised as papers_vector does) or a vector BLOB; the result is the
**     dot product of the two unit vectors, summed in ascending term id order
**     (papers_vector_dot, the order the index's scores use), clamped into
**     [0, 1] (float32 weights may make a vector's length differ from 1 in the
**     7th decimal).
**   - Registration: the forms without an index read only their arguments and
**     are SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS. The forms with an index
**     read that index's statistics, which change as the index does: they are
**     SQLITE_INNOCUOUS (no side effects, like random()) but not
**     SQLITE_DETERMINISTIC, so SQLite never stores their results in an index
**     or a generated column that would go stale.
*/
#include "topic.h"

#define READER (SQLITE_UTF8 | SQLITE_INNOCUOUS)

/* Reports an error of topic_operand() on the context. */
static void result_error(sqlite3_context *pCtx, int rc, char *zErr) {
  if (rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(pCtx);
  } else if (zErr) {
    sqlite3_result_error(pCtx, zErr, -1);
    if (rc != SQLITE_ERROR)
      sqlite3_result_error_code(pCtx, rc);
  } else {
    sqlite3_result_error_code(pCtx, rc);
  }
  sqlite3_free(zErr);
}

/* papers_vector(text [, index]) */
static void vector_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  PapersConn *pConn = sqlite3_user_data(pCtx);
  PapersStats *pStats = 0;
  int isNew = 0;
  if (argc > 1 &&
      topic_stats_get(pCtx, pConn, argv, 1, "papers_vector", &pStats, &isNew)) {
    return;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    TopicOperand op;
    char *zErr = 0;
    int rc = topic_operand(pConn, pStats, argv[0], "papers_vector", 1, &op, &zErr);
    if (rc == SQLITE_OK) {
      papers_result_vector(pCtx, &op.vec);
      topic_operand_free(&op);
    } else {
      result_error(pCtx, rc, zErr);
    }
  }
  topic_stats_keep(pCtx, 1, pStats, isNew);
}

/* The cosine of two vectors, clamped into [0, 1]. */
static double cosine(const PapersVector *pA, const PapersVector *pB) {
  double dot = papers_vector_dot(pA, pB);
  if (dot < 0)
    return 0;
  return dot > 1 ? 1 : dot;
}

/* papers_similarity(a, b [, index]) */
static void similarity_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  PapersConn *pConn = sqlite3_user_data(pCtx);
  PapersStats *pStats = 0;
  int isNew = 0;
  if (argc > 2 &&
      topic_stats_get(pCtx, pConn, argv, 2, "papers_similarity", &pStats, &isNew)) {
    return;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_NULL &&
      sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    TopicOperand a, b;
    char *zErr = 0;
    int rc = topic_operand(pConn, pStats, argv[0], "papers_similarity", 1, &a, &zErr);
    if (rc == SQLITE_OK) {
      rc = topic_operand(pConn, pStats, argv[1], "papers_similarity", 2, &b, &zErr);
      if (rc == SQLITE_OK) {
        sqlite3_result_double(pCtx, cosine(&a.vec, &b.vec));
        topic_operand_free(&b);
      }
      topic_operand_free(&a);
    }
    if (rc != SQLITE_OK)
      result_error(pCtx, rc, zErr);
  }
  topic_stats_keep(pCtx, 2, pStats, isNew);
}

/* Registers a scalar function keeping a reference to pConn. */
static int create_scalar(sqlite3 *db, PapersConn *pConn, const char *zName, int nArg,
                         int flags,
                         void (*xFunc)(sqlite3_context *, int, sqlite3_value **)) {
  return sqlite3_create_function_v2(db, zName, nArg, flags, papers_conn_ref(pConn), xFunc,
                                    0, 0, papers_conn_unref);
}

int papers_register_topic(sqlite3 *db, PapersConn *pConn) {
  int rc = create_scalar(db, pConn, "papers_vector", 1, PAPERS_PURE, vector_func);
  if (rc == SQLITE_OK)
    rc = create_scalar(db, pConn, "papers_vector", 2, READER, vector_func);
  if (rc == SQLITE_OK) {
    rc = create_scalar(db, pConn, "papers_similarity", 2, PAPERS_PURE, similarity_func);
  }
  if (rc == SQLITE_OK) {
    rc = create_scalar(db, pConn, "papers_similarity", 3, READER, similarity_func);
  }
  if (rc == SQLITE_OK)
    rc = topic_register_centroid(db, pConn);
  if (rc == SQLITE_OK)
    rc = topic_register_tokens(db, pConn);
  if (rc == SQLITE_OK)
    rc = topic_register_terms(db, pConn);
  return rc;
}
