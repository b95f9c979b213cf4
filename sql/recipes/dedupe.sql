-- sql/recipes/dedupe.sql: one library of papers from many digests, without
-- duplicates. A paper is the same paper when its arXiv id is the same or,
-- where a digest states no id (the Hugging Face page), when papers_key() of
-- its title is the same.
--
-- Load the recipe once per database, then hand it digests:
--
--   .load ./papers
--   .read sql/recipes/dedupe.sql
--   INSERT INTO library_load(digest) VALUES (readfile('a.md'));
--   INSERT INTO library_load(digest, format, today)
--     VALUES (readfile('hf.txt'), 'hf-daily', '2026-05-15');
--
-- From another language, bind the digest's text to library_load(digest).
-- Each load, inside its own statement (one transaction):
--   1. a paper known so far only by its title gets the id a new digest states;
--   2. papers with an id are added unless that id is in the library already
--      (nor a paper without id with the same key: step 1 gave it the id);
--   3. papers without an id are added unless their key is in the library.
-- The first digest to bring a paper gives its row; later ones add nothing.

CREATE TABLE IF NOT EXISTS library(
  id INTEGER PRIMARY KEY,
  arxiv_id TEXT UNIQUE,    -- NULL when no digest stated one
  title_key TEXT NOT NULL, -- papers_key(title)
  title TEXT,
  authors TEXT,
  published TEXT,
  url TEXT,
  format TEXT,             -- the digest format it first came from
  topic TEXT               -- the markdown digests' topic heading
);
CREATE INDEX IF NOT EXISTS library_title_key ON library(title_key);
CREATE UNIQUE INDEX IF NOT EXISTS library_title_key_without_id
  ON library(title_key) WHERE arxiv_id IS NULL;

CREATE VIEW IF NOT EXISTS library_load(digest, format, today) AS
  SELECT NULL, NULL, NULL WHERE 0;

CREATE TRIGGER IF NOT EXISTS library_load_digest INSTEAD OF INSERT ON library_load
BEGIN
  UPDATE OR IGNORE library SET arxiv_id = p.arxiv_id, url = coalesce(library.url, p.url)
  FROM papers_parse(NEW.digest, NEW.format, NEW.today) AS p
  WHERE library.arxiv_id IS NULL AND p.arxiv_id IS NOT NULL
    AND library.title_key = papers_key(p.title);

  INSERT INTO library(arxiv_id, title_key, title, authors, published, url, format, topic)
  SELECT p.arxiv_id, coalesce(papers_key(p.title), ''), p.title, p.authors, p.published,
         p.url, p.format, p.extra ->> 'topic'
  FROM papers_parse(NEW.digest, NEW.format, NEW.today) AS p
  WHERE p.arxiv_id IS NOT NULL
  ORDER BY p.ordinal
  ON CONFLICT DO NOTHING;

  INSERT INTO library(arxiv_id, title_key, title, authors, published, url, format, topic)
  SELECT NULL, papers_key(p.title), p.title, p.authors, p.published, p.url, p.format,
         p.extra ->> 'topic'
  FROM papers_parse(NEW.digest, NEW.format, NEW.today) AS p
  WHERE p.arxiv_id IS NULL AND papers_key(p.title) <> ''
    AND NOT EXISTS (SELECT 1 FROM library AS l WHERE l.title_key = papers_key(p.title))
  ORDER BY p.ordinal
  ON CONFLICT DO NOTHING;
END;
