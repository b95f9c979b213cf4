-- sql/recipes/topics_by_week.sql: the topics of a month and how their share
-- of the papers changed week by week. The month is the one of the newest
-- paper (published); its papers are clustered (automatic k), and each topic
-- gets one row per week (weeks start on Monday, '%Y-W%W') with its papers and
-- its share of that week's papers.
--
-- Expects papers(id INTEGER PRIMARY KEY, title, abstract, published) and a
-- papers_index on it named topics; then .read sql/recipes/topics_by_week.sql
-- and SELECT * FROM topics_by_week.

CREATE VIEW IF NOT EXISTS topics_by_week(topic, label, week, papers, share) AS
WITH month AS (
  SELECT json_group_array(id) AS ids FROM papers
  WHERE substr(published, 1, 7) = (SELECT substr(max(published), 1, 7) FROM papers)
),
assigned AS (
  SELECT c.cluster, c.label, strftime('%Y-W%W', p.published) AS week
  FROM month, papers_clusters('topics', month.ids) AS c JOIN papers AS p ON p.id = c.rowid
)
SELECT cluster, label, week, count(*),
       round(count(*) * 1.0 / (SELECT count(*) FROM assigned AS a WHERE a.week = assigned.week), 3)
FROM assigned
GROUP BY cluster, week
ORDER BY cluster, week;
