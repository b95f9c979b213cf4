-- The demo of `make demo`: today's Hugging Face Daily Papers page as rows.
-- Run from the repository root: sqlite3 :memory: -cmd '.load ./papers' < sql/demo.sql
.headers on
.mode box

-- Every card of the page, with who wrote it and when.
SELECT ordinal AS "#",
       substr(title, 1, 58) || iif(length(title) > 58, '…', '') AS title,
       coalesce(author_count || iif(author_count = 1, ' author', ' authors'), org, '') AS "by",
       coalesce(published, '') AS published,
       coalesce(comment_count, '') AS comments
FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28');

-- How old are the papers on the page?
SELECT strftime('%Y', published) AS year, count(*) AS papers
FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28')
GROUP BY year ORDER BY year;

-- The most discussed, and the code they link to.
SELECT comment_count AS comments, substr(title, 1, 50) AS title, links
FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28')
WHERE comment_count >= 3 ORDER BY comment_count DESC, ordinal;

-- Lines the parser could not place (none on this page).
SELECT count(*) AS unparsed_lines
FROM papers_unparsed(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily');

-- Topics: index the page, then ask what is like what.
CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);
INSERT INTO papers(id, title, abstract)
SELECT ordinal, title, abstract
FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28');
CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id', columns='title, abstract');
INSERT INTO topics(topics) VALUES('rebuild');

-- More like "How Does Information Bottleneck Help Deep Learning?" (paper 5).
SELECT t.rowid AS "#", round(t.score, 3) AS score, substr(t.title, 1, 58) AS title
FROM topics t WHERE t.similar_to = 5 ORDER BY t.score DESC LIMIT 3;

-- What is it about?
SELECT rank, term, round(weight, 3) AS weight
FROM papers_keywords((SELECT title || ' ' || abstract FROM papers WHERE id = 5), 6, 'topics');

-- The papers nearest to a question of yours.
SELECT t.rowid AS "#", round(t.score, 3) AS score, substr(t.title, 1, 58) AS title
FROM topics t WHERE t.query = 'cache compression for long-context inference' ORDER BY t.score DESC LIMIT 3;

-- What is in the page: its papers grouped into labelled topics.
SELECT cluster AS topic, size AS papers, label FROM papers_clusters('topics')
GROUP BY cluster ORDER BY cluster;
