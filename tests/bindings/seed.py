import sqlite3

db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension("./papers")
db.enable_load_extension(False)

digest = open("tests/fixtures/hf-daily-papers-2026-05-15.txt", encoding="utf-8").read()
rows = db.execute(
    """SELECT ordinal, title, author_count, org, published, comment_count
       FROM papers_parse(?, 'hf-daily', '2026-11-28')
       WHERE ordinal <= 3 OR org IS NOT NULL""",
    (digest,),
)
for row in rows:
    print("|".join("NULL" if v is None else str(v) for v in row))
