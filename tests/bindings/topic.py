import sqlite3

db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension("./papers")
db.enable_load_extension(False)

digest = open("tests/fixtures/hf-daily-papers-2026-05-15.txt", encoding="utf-8").read()
db.executescript(
    """CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);
       CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
                                                      columns='title, abstract');"""
)
db.execute(
    """INSERT INTO papers(id, title, abstract)
       SELECT ordinal, title, abstract FROM papers_parse(?, 'hf-daily', '2026-11-28')""",
    (digest,),
)
db.execute("INSERT INTO topics(topics) VALUES('rebuild')")
for row in db.execute(
    "SELECT rowid, round(score, 4) FROM topics WHERE similar_to = 5 ORDER BY score DESC LIMIT 3"
):
    print("|".join(str(v) for v in row))
for (term,) in db.execute(
    "SELECT term FROM papers_keywords((SELECT abstract FROM papers WHERE id = 5), 3, 'topics')"
):
    print(term)
print(round(db.execute("SELECT papers_similarity('kv cache compression', 'compressing the KV cache')").fetchone()[0], 4))
for row in db.execute(
    "SELECT cluster, size, label FROM papers_clusters('topics', NULL, 8)"
    " GROUP BY cluster ORDER BY cluster LIMIT 2"
):
    print("|".join(str(v) for v in row))
