-- The writes the determinism test (tests/determinism/run.sh) makes with each
-- build: digests of several formats parsed (always with `today`), two
-- indexes kept by triggers through inserts, updates and deletes, merged,
-- rebuilt and optimized, and the results of every function stored in a
-- table. Every build must leave the same bytes in every table.
CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT, authors TEXT,
                    published TEXT, arxiv_id TEXT, format TEXT, key TEXT);
CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
  columns='title, abstract', weights='2 0.5', latent=16, latent_weight=0.25, pending=3000);
CREATE TRIGGER papers_topics_insert AFTER INSERT ON papers BEGIN
  INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END;
CREATE TRIGGER papers_topics_delete AFTER DELETE ON papers BEGIN
  INSERT INTO topics(topics, rowid, title, abstract) VALUES ('delete', old.id, old.title, old.abstract);
END;
CREATE TRIGGER papers_topics_update AFTER UPDATE ON papers BEGIN
  INSERT INTO topics(topics, rowid, title, abstract) VALUES ('delete', old.id, old.title, old.abstract);
  INSERT INTO topics(rowid, title, abstract) VALUES (new.id, new.title, new.abstract);
END;

-- The first digest, then a rebuild (fits the latent part).
INSERT INTO papers(title, abstract, authors, published, arxiv_id, format, key)
SELECT title, abstract, authors, published, arxiv_id, format, papers_key(title)
FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28');
INSERT INTO topics(topics) VALUES('rebuild');

-- More digests through the triggers (the pending level fills and merges).
INSERT INTO papers(title, abstract, authors, published, arxiv_id, format, key)
SELECT title, abstract, authors, published, arxiv_id, format, papers_key(title)
FROM papers_parse(readfile('tests/fixtures/arxiv-email-cs-2019-07-15-crlf.txt'), NULL, '2019-07-15');
INSERT INTO papers(title, abstract, authors, published, arxiv_id, format, key)
SELECT title, abstract, authors, published, arxiv_id, format, papers_key(title)
FROM papers_parse(readfile('tests/fixtures/arxiv-rss2-derived-filter-feed-zh-2025-08-01.xml'), NULL, '2025-08-01');
UPDATE papers SET abstract = abstract || ' Revised: the bounds are tighter.' WHERE id % 7 = 0;
DELETE FROM papers WHERE id % 11 = 0;
INSERT INTO topics(topics) VALUES('merge');
INSERT INTO papers(title, abstract, authors, published, arxiv_id, format, key)
SELECT title, abstract, authors, published, arxiv_id, format, papers_key(title)
FROM papers_parse(readfile('tests/fixtures/arxiv-listing-qfin-new-2023-03-17.txt'), NULL, '2023-03-17');
INSERT INTO topics(topics) VALUES('optimize');
-- A last digest after it stays in the pending level.
INSERT INTO papers(title, abstract, authors, published, arxiv_id, format, key)
SELECT title, abstract, authors, published, arxiv_id, format, papers_key(title)
FROM papers_parse(readfile('tests/fixtures/awesome-arxiv-daily-reporter-IR-2026-04-01.md'), NULL, '2026-04-01');

-- A second index: another tokenizer, no latent part, built once.
CREATE VIRTUAL TABLE titles USING papers_index(content='papers', content_rowid='id',
  columns='title', tokenize='unicode61', latent=0);
INSERT INTO titles(titles) VALUES('rebuild');
INSERT INTO topics(topics) VALUES('integrity-check');
INSERT INTO titles(titles) VALUES('integrity-check');

-- What every function returns, kept.
CREATE TABLE results(name TEXT, id INTEGER, label TEXT, value);
INSERT INTO results SELECT 'vector', id, NULL, papers_vector(title || ' ' || abstract) FROM papers;
INSERT INTO results SELECT 'vector-topics', id, NULL, papers_vector(abstract, 'topics') FROM papers;
INSERT INTO results SELECT 'similarity', a.id, b.id, papers_similarity(a.abstract, b.abstract)
FROM papers a JOIN papers b ON b.id = a.id + 1;
INSERT INTO results SELECT 'similarity-topics', a.id, b.id, papers_similarity(a.abstract, b.abstract, 'topics')
FROM papers a JOIN papers b ON b.id = a.id + 3;
INSERT INTO results SELECT 'keywords', p.id, k.term, k.weight
FROM papers p, papers_keywords(p.title || ' ' || p.abstract, 8, 'topics') k;
INSERT INTO results SELECT 'explain', p.id, e.term, e.contribution
FROM papers p, papers_explain(p.abstract, (SELECT abstract FROM papers WHERE id = p.id + 2), 'topics') e
WHERE p.id % 5 = 0;
INSERT INTO results SELECT 'tokens', p.id, t.term, t.start FROM papers p, papers_tokens(p.title) t
WHERE p.id % 3 = 0;
INSERT INTO results SELECT 'centroid', NULL, NULL, papers_centroid(vector) FROM topics;
INSERT INTO results SELECT 'more-like', m.id, t.rowid, t.score
FROM (SELECT id FROM papers WHERE id % 13 = 1) m, topics t
WHERE t.similar_to = m.id ORDER BY t.score DESC, m.id, t.rowid LIMIT 400;
INSERT INTO results SELECT 'query', NULL, rowid, score FROM topics
WHERE query = 'retrieval augmented generation with graph neural networks' ORDER BY score DESC LIMIT 20;
INSERT INTO results SELECT 'clusters', rowid, cluster || ' ' || label || ' ' || size, centrality
FROM papers_clusters('topics');
INSERT INTO results SELECT 'clusters-titles', rowid, cluster || ' ' || label || ' ' || size, centrality
FROM papers_clusters('titles', NULL, 6);
