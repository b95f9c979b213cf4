const fs = require("fs");
const Database = require("better-sqlite3");

const db = new Database(":memory:");
db.loadExtension("./papers");

const digest = fs.readFileSync("tests/fixtures/hf-daily-papers-2026-05-15.txt", "utf8");
const rows = db
  .prepare(
    `SELECT ordinal, title, author_count, org, published, comment_count
     FROM papers_parse(?, 'hf-daily', '2026-11-28')
     WHERE ordinal <= 3 OR org IS NOT NULL`
  )
  .raw()
  .all(digest);
for (const row of rows) {
  console.log(row.map((v) => (v === null ? "NULL" : String(v))).join("|"));
}
