-- sql/recipes/digest_topics.sql: what is in today's digest. The papers of the
-- newest digest of the library, grouped into topics by papers_clusters, each
-- topic with its label and its three most typical papers.
--
-- Expects a library table papers(id INTEGER PRIMARY KEY, title, abstract,
-- digest) where digest names the digest a paper came in (its date, say), and
-- a papers_index on it named topics:
--
--   CREATE VIRTUAL TABLE topics USING papers_index(content='papers',
--     content_rowid='id', columns='title, abstract');
--
-- then: .read sql/recipes/digest_topics.sql, and SELECT * FROM digest_topics.

CREATE VIEW IF NOT EXISTS digest_topics(topic, papers, label, rank, id, title) AS
WITH today AS (
  SELECT json_group_array(id) AS ids FROM papers
  WHERE digest = (SELECT max(digest) FROM papers)
),
ranked AS (
  SELECT c.cluster, c.size, c.label, c.rowid AS id,
         row_number() OVER (PARTITION BY c.cluster ORDER BY c.centrality DESC, c.rowid) AS rank
  FROM today, papers_clusters('topics', today.ids) AS c
)
SELECT r.cluster, r.size, r.label, r.rank, r.id, p.title
FROM ranked AS r JOIN papers AS p ON p.id = r.id
WHERE r.rank <= 3
ORDER BY r.cluster, r.rank;
