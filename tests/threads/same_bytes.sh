#!/bin/sh
# A rebuild on two threads writes the same bytes as one without threads
# (tests/index_threads.test, docs/papers_index.md#rebuild-on-two-cores):
#
#   tests/threads/same_bytes.sh THREADED NOTHREADS
#
# THREADED is papers built as usual, NOTHREADS with -DPAPERS_OMIT_THREADS
# (make's build/nothreads/papers). The content: 2,009 rows made from the
# arXiv mail fixture (four batches of index_build_rows.c, and a
# latent part), a NULL title and a number for an abstract among them. Each
# build rebuilds its own copy; every shadow table is dumped (.dump) and the
# dumps compared byte for byte, and the first dump is checked to hold rows.
set -eu
SQLITE3=${SQLITE3:-sqlite3}
WORK=build/threads
rm -rf "$WORK"
mkdir -p "$WORK"
"$SQLITE3" "$WORK/content.db" -cmd ".load $1" >/dev/null <<'SQL'
CREATE TABLE papers(id INTEGER PRIMARY KEY, title, abstract);
CREATE TEMP TABLE mail AS
  SELECT ordinal AS n, title, abstract
  FROM papers_parse(readfile('tests/fixtures/arxiv-email-cs-2019-07-15-crlf.txt'), 'arxiv-mail');
WITH copies(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM copies WHERE k < 8)
INSERT INTO papers(id, title, abstract)
  SELECT k * 1000 + a.n, a.title, a.abstract || ' ' || b.title
  FROM copies, mail a, mail b
  WHERE b.n = (a.n + k) % (SELECT count(*) FROM mail) + 1 AND k * 223 + a.n <= 2028;
INSERT INTO papers(id, title, abstract) VALUES (90001, NULL, 'Sparse attention for long documents');
INSERT INTO papers(id, title, abstract) VALUES (90002, 'Numbers as abstracts', 20260704);
CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
  columns='title, abstract');
SQL
for build in threaded:$1 nothreads:$2; do
  name=${build%%:*}
  cp "$WORK/content.db" "$WORK/$name.db"
  "$SQLITE3" "$WORK/$name.db" -cmd ".load ${build#*:}" \
    "INSERT INTO topics(topics) VALUES('rebuild')"
  for t in config vocab postings docs terms latent dense pending; do
    "$SQLITE3" "$WORK/$name.db" ".dump topics_$t" > "$WORK/$name-$t.sql"
  done
done
"$SQLITE3" "$WORK/threaded.db" "SELECT count(*) || ' papers' FROM papers" \
  "SELECT 'projection rows: ' || count(*) FROM topics_latent LIMIT 1" \
  "SELECT 'dense blocks: ' || count(*) FROM topics_dense"
for t in config vocab postings docs terms latent dense pending; do
  rows=$(grep -c '^INSERT' "$WORK/threaded-$t.sql" || true)
  if cmp -s "$WORK/threaded-$t.sql" "$WORK/nothreads-$t.sql"; then
    echo "topics_$t: the same bytes ($rows rows)"
  else
    echo "topics_$t: DIFFERENT"
  fi
done
