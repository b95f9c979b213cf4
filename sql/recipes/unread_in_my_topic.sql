-- sql/recipes/unread_in_my_topic.sql: papers in my topic that I have not
-- read. The library is clustered (automatic k); "my topic" is the cluster
-- that holds most of the papers I have read (ties: the larger cluster); its
-- papers I have not read come most typical first.
--
-- Expects papers(id INTEGER PRIMARY KEY, title, abstract), a papers_index on
-- it named topics, and the papers read in reading(id); then
-- .read sql/recipes/unread_in_my_topic.sql and SELECT * FROM unread_in_my_topic.

CREATE TABLE IF NOT EXISTS reading(id INTEGER PRIMARY KEY);

CREATE VIEW IF NOT EXISTS unread_in_my_topic(id, title, centrality, topic, label) AS
WITH clusters AS (
  SELECT rowid AS id, cluster, label, centrality FROM papers_clusters('topics')
),
mine AS (
  SELECT c.cluster FROM clusters AS c JOIN reading AS r ON r.id = c.id
  GROUP BY c.cluster ORDER BY count(*) DESC, c.cluster LIMIT 1
)
SELECT c.id, p.title, round(c.centrality, 3), c.cluster, c.label
FROM clusters AS c JOIN mine USING (cluster) JOIN papers AS p ON p.id = c.id
WHERE c.id NOT IN (SELECT id FROM reading)
ORDER BY c.centrality DESC, c.id;
