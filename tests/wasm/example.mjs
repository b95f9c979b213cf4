import fs from "node:fs";
import init from "../../dist/wasm/papers-sqlite.mjs";

const db = await init();
db.exec(`CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);
         CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
                                                        columns='title, abstract');`);
const digest = fs.readFileSync("tests/fixtures/hf-daily-papers-2026-05-15.txt", "utf8");
db.query(`INSERT INTO papers SELECT ordinal, title, abstract FROM papers_parse(?, 'hf-daily', '2026-11-28')`,
         [digest]);
db.exec("INSERT INTO topics(topics) VALUES('rebuild')");
const similar = db.query(`SELECT rowid, round(score, 4) FROM topics WHERE similar_to = :id
                          ORDER BY score DESC LIMIT 3`, { id: 5 });
console.log(similar);
const bytes = db.export(); // a SQLite database file
const copy = await init({ bytes });
console.log(copy.query("SELECT count(*) FROM papers"));
try {
  db.query("SELECT papers_similarity('a', 'b', 'no_such_index')");
} catch (err) {
  console.log(err.message);
}
copy.close();
db.close();
