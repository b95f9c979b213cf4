-- tests/parse_all_columns.test: every column of every row, and every line
-- papers_unparsed reports, of each fixture read as its own format, hashed
-- (sha3_query of the sqlite3 shell: values and their types, row by row).
-- hf-daily and arxiv-mail texts are also read with their white space and
-- line ends changed, which takes the folding paths that clean text does not.
.mode list
.nullvalue NULL
CREATE TEMP TABLE fixture(name, format, path);
INSERT INTO fixture VALUES
  ('atom', 'arxiv-atom', 'tests/fixtures/arxiv-atom-handmade-2024-02-01.xml'),
  ('mail-cs', 'arxiv-mail', 'tests/fixtures/arxiv-email-cs-2019-07-15-crlf.txt'),
  ('mail-2026', 'arxiv-mail', 'tests/fixtures/arxiv-email-fixture-2026-01-26.txt'),
  ('mail-malformed', 'arxiv-mail', 'tests/fixtures/arxiv-email-fixture-malformed.txt'),
  ('mail-mathAG', 'arxiv-mail', 'tests/fixtures/arxiv-listing-mathAG-new-testfake.txt'),
  ('mail-qfin', 'arxiv-mail', 'tests/fixtures/arxiv-listing-qfin-new-2023-03-17.txt'),
  ('mail-edge', 'arxiv-mail', 'tests/data/arxiv-mail-edge-cases.txt'),
  ('rdf', 'arxiv-rss', 'tests/fixtures/arxiv-rdf-handmade-2023-06-01.xml'),
  ('rss-zh', 'arxiv-rss', 'tests/fixtures/arxiv-rss2-derived-filter-feed-zh-2025-08-01.xml'),
  ('blocks-IR', 'markdown-blocks', 'tests/fixtures/awesome-arxiv-daily-reporter-IR-2026-04-01.md'),
  ('table-SLAM', 'daily-arxiv-table', 'tests/fixtures/cv-arxiv-daily-README-table-SLAM-excerpt.md'),
  ('list-SLAM', 'daily-arxiv-list', 'tests/fixtures/cv-arxiv-daily-wechat-list-SLAM-excerpt.md'),
  ('table-survey', 'daily-arxiv-table', 'tests/fixtures/md-table-title-links-llm-survey.excerpt.md'),
  ('table-zh', 'daily-arxiv-table', 'tests/fixtures/md-table-zh-visual-navigation.excerpt.md'),
  ('hf-daily', 'hf-daily', 'tests/fixtures/hf-daily-papers-2026-05-15.txt');
-- how each variant changes the text (X stands for it)
CREATE TEMP TABLE variant(name, expr);
INSERT INTO variant VALUES
  ('as-is', 'X'),
  ('crlf', 'replace(X, char(10), char(13, 10))'),
  ('cr', 'replace(X, char(10), char(13))'),
  ('tabs', 'replace(X, '' '', char(9))'),
  ('nbsp', 'replace(X, '' '', char(160))'),
  ('ideographic', 'replace(X, '' '', char(12288))'),
  ('trailing', 'replace(X, char(10), ''  '' || char(10))'),
  ('doubled', 'replace(X, '' '', ''  '')');
CREATE TEMP VIEW run AS
  SELECT fixture.name AS name, variant.name AS variant, fixture.format AS format,
         replace(variant.expr, 'X', printf('CAST(readfile(%Q) AS TEXT)', path)) AS input
  FROM fixture, variant
  WHERE variant.name = 'as-is' OR fixture.format IN ('hf-daily', 'arxiv-mail');
SELECT name, variant,
  lower(hex(sha3_query(printf('SELECT * FROM papers_parse(%s, %Q, ''2026-11-28'')', input, format)))) AS rows_hash,
  lower(hex(sha3_query(printf('SELECT * FROM papers_unparsed(%s, %Q)', input, format)))) AS unparsed_hash
FROM run ORDER BY rowid;
