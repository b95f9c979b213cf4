SELECT ordinal, title, author_count, org, published, comment_count
FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28')
WHERE ordinal <= 3 OR org IS NOT NULL;
