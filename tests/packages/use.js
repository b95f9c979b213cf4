// Run by node.sh in a folder where the sqlite-papers tarball is installed
// (better-sqlite3 from NODE_PATH): loads it the way a user would and runs one query.
"use strict";
const fs = require("fs");
const path = require("path");
const Database = require("better-sqlite3");
const papers = require("sqlite-papers");

const db = new Database(":memory:");
papers.load(db);
console.log("version", papers.version, db.prepare("SELECT papers_version()").pluck().get());
const dir = path.dirname(require.resolve("sqlite-papers"));
console.log("getLoadablePath", path.relative(dir, papers.getLoadablePath()));
const digest = fs.readFileSync(process.env.DIGEST, "utf8");
const row = db.prepare("SELECT count(*), max(comment_count) FROM papers_parse(?)").raw().get(digest);
console.log("papers", row.join(" "));
try {
  papers.load({});
} catch (err) {
  console.log(err.message);
}
