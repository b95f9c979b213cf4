-- sql/recipes/dedupe.sql: one library of papers from many digests, without
-- duplicates, ready for a topic index. A paper is the same paper when its
-- arXiv id is the same or, where a digest states no id (the Hugging Face
-- page), when papers_key() of its title is the same.
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
-- `today` is the day of the digest (default: the current date): it anchors
-- dates printed without a year and is the `digest` of what the digest brings.
-- Each load, inside its own statement (one transaction):
--   1. a paper known so far only by its title gets the id a new digest states;
--   2. papers with an id are added unless that id is in the library already
--      (nor a paper without id with the same key: step 1 gave it the id);
--   3. papers without an id are added unless their key is in the library;
--   4. a paper without an abstract takes one the digest gives it (same id,
--      or same key for an entry without id): the daily-arxiv tables and lists
--      give none, and the index finds a paper by its title and abstract;
--   5. every entry of the digest is recorded in `sightings`, as the paper of
--      the library it is.
-- The first digest to bring a paper gives its row; later ones add only what
-- steps 1 and 4 fill in. Where one digest has two entries for a paper, the
-- first (in digest order) counts.
--
-- The table is named papers, with id, title and abstract, as the topic index
-- and its triggers (sql/papers_index_triggers.sql) and the other recipes
-- expect: docs/guide.md builds a whole library this way.

CREATE TABLE IF NOT EXISTS papers(
  id INTEGER PRIMARY KEY,
  arxiv_id TEXT UNIQUE,    -- NULL when no digest stated one
  title_key TEXT NOT NULL, -- papers_key(title)
  title TEXT,
  abstract TEXT,           -- NULL while no digest gave one
  authors TEXT,
  published TEXT,
  url TEXT,
  format TEXT,             -- the digest format it first came from
  topic TEXT,              -- the markdown digests' topic heading
  digest TEXT              -- the day of the digest it first came from
);
CREATE INDEX IF NOT EXISTS library_title_key ON papers(title_key);
CREATE UNIQUE INDEX IF NOT EXISTS library_title_key_without_id
  ON papers(title_key) WHERE arxiv_id IS NULL;

-- Each entry of each digest, as the paper it is: the same paper across digests.
CREATE TABLE IF NOT EXISTS sightings(
  paper INTEGER NOT NULL REFERENCES papers(id),
  digest TEXT NOT NULL,    -- the day of the digest
  format TEXT NOT NULL,
  line INTEGER NOT NULL,   -- where the entry starts in that digest
  PRIMARY KEY(paper, digest, format, line)
) WITHOUT ROWID;

CREATE VIEW IF NOT EXISTS library_load(digest, format, today) AS
  SELECT NULL, NULL, NULL WHERE 0;

CREATE TRIGGER IF NOT EXISTS library_load_digest INSTEAD OF INSERT ON library_load
BEGIN
  UPDATE OR IGNORE papers SET arxiv_id = p.arxiv_id, url = coalesce(papers.url, p.url)
  FROM (SELECT arxiv_id, url, papers_key(title) AS title_key, min(ordinal)
        FROM papers_parse(NEW.digest, NEW.format, NEW.today)
        WHERE arxiv_id IS NOT NULL GROUP BY 3) AS p
  WHERE papers.arxiv_id IS NULL AND papers.title_key = p.title_key;

  INSERT INTO papers(arxiv_id, title_key, title, abstract, authors, published, url, format,
                     topic, digest)
  SELECT p.arxiv_id, coalesce(papers_key(p.title), ''), p.title, p.abstract, p.authors,
         p.published, p.url, p.format, p.extra ->> 'topic', coalesce(NEW.today, date('now'))
  FROM papers_parse(NEW.digest, NEW.format, NEW.today) AS p
  WHERE p.arxiv_id IS NOT NULL
  ORDER BY p.ordinal
  ON CONFLICT DO NOTHING;

  INSERT INTO papers(arxiv_id, title_key, title, abstract, authors, published, url, format,
                     topic, digest)
  SELECT NULL, papers_key(p.title), p.title, p.abstract, p.authors, p.published, p.url,
         p.format, p.extra ->> 'topic', coalesce(NEW.today, date('now'))
  FROM papers_parse(NEW.digest, NEW.format, NEW.today) AS p
  WHERE p.arxiv_id IS NULL AND papers_key(p.title) <> ''
    AND NOT EXISTS (SELECT 1 FROM papers AS l WHERE l.title_key = papers_key(p.title))
  ORDER BY p.ordinal
  ON CONFLICT DO NOTHING;

  UPDATE papers SET abstract = p.abstract
  FROM (SELECT arxiv_id, abstract, min(ordinal)
        FROM papers_parse(NEW.digest, NEW.format, NEW.today)
        WHERE arxiv_id IS NOT NULL AND abstract IS NOT NULL GROUP BY 1) AS p
  WHERE papers.abstract IS NULL AND papers.arxiv_id = p.arxiv_id;

  UPDATE papers SET abstract = p.abstract
  FROM (SELECT papers_key(title) AS title_key, abstract, min(ordinal)
        FROM papers_parse(NEW.digest, NEW.format, NEW.today)
        WHERE arxiv_id IS NULL AND abstract IS NOT NULL GROUP BY 1) AS p
  WHERE papers.abstract IS NULL AND papers.title_key = p.title_key;

  INSERT OR IGNORE INTO sightings(paper, digest, format, line)
  SELECT s.paper, coalesce(NEW.today, date('now')), s.format, s.line
  FROM (SELECT coalesce((SELECT id FROM papers WHERE arxiv_id = p.arxiv_id),
                        (SELECT min(id) FROM papers
                         WHERE title_key = papers_key(p.title) AND title_key <> ''))
                 AS paper, p.format, p.line, p.ordinal
        FROM papers_parse(NEW.digest, NEW.format, NEW.today) AS p) AS s
  WHERE s.paper IS NOT NULL
  ORDER BY s.ordinal;
END;
