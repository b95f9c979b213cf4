-- The demo of `make demo`: today's Hugging Face Daily Papers page as rows.
-- Run from the repository root: sqlite3 :memory: -cmd '.load ./papers' < sql/demo.sql
.headers on
.mode box

-- Every card of the page, with who wrote it and when.
SELECT ordinal AS "#",
       substr(title, 1, 58) || iif(length(title) > 58, '…', '') AS title,
       coalesce(author_count || ' authors', org, '') AS "by",
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
