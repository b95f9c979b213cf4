/*
** index_state.h: what the crash and OOM drivers (tests/crash.c, tests/oom.c)
** compare of a database holding papers(id, title, abstract) and a
** papers_index table `topics` over it.
*/
#ifndef PAPERS_INDEX_STATE_H
#define PAPERS_INDEX_STATE_H

/* Everything the index stores (every shadow table) and the content table,
** as one value. */
#define INDEX_STATE_SQL                                                                  \
  "SELECT (SELECT group_concat(k || '=' || v, ',') FROM (SELECT * FROM topics_config"    \
  " ORDER BY k)), (SELECT group_concat(term || ':' || df || ':' || surface || ':' ||"    \
  " votes || ':' || num, ',') FROM (SELECT * FROM topics_vocab ORDER BY term)),"         \
  " (SELECT group_concat(id || ':' || hex(vector), ',') FROM (SELECT * FROM topics_docs" \
  " ORDER BY id)), (SELECT group_concat(term || ':' || first || ':' || hex(data), ',')"  \
  " FROM (SELECT * FROM topics_postings ORDER BY term, first)),"                         \
  " (SELECT group_concat(term || ':' || hex(projection), ',') FROM (SELECT * FROM"       \
  " topics_latent ORDER BY term)), (SELECT group_concat(first || ':' || hex(data), ',')" \
  " FROM (SELECT * FROM topics_dense ORDER BY first)), (SELECT group_concat(term || ':'" \
  " || df || ':' || surface || ':' || votes || ':' || maxw || ':' || num || ':' ||"      \
  " first || ':' ||"                                                                     \
  " hex(postings), ',') FROM (SELECT * FROM topics_pending ORDER BY term)),"             \
  " (SELECT group_concat(first || ':' || hex(ids), ',') FROM (SELECT * FROM"             \
  " topics_terms ORDER BY first)),"                                                      \
  " (SELECT group_concat(id || ':' || title || ':' || abstract, ',') FROM (SELECT *"     \
  " FROM papers ORDER BY id))"

#endif /* PAPERS_INDEX_STATE_H */
