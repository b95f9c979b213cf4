// sqlite-papers: the papers SQLite extension for Node.
//
//   const Database = require("better-sqlite3");
//   const papers = require("sqlite-papers");
//   const db = new Database(":memory:");
//   papers.load(db);
//
// load(db) loads it into a connection that has loadExtension(path)
// (better-sqlite3; node:sqlite's DatabaseSync opened with allowExtension: true).
// getLoadablePath() is the compiled library's full path, for any other driver.
"use strict";
const fs = require("fs");
const path = require("path");

const suffix = { darwin: "dylib", win32: "dll" }[process.platform] || "so";

/** The compiled library's path (build/papers.so, .dylib or .dll); throws if the
 *  install step did not build it. */
function getLoadablePath() {
  const file = path.join(__dirname, "build", "papers." + suffix);
  if (!fs.existsSync(file)) {
    throw new Error(
      "sqlite-papers: " + file + " is missing: the install step compiles it " +
        "(run `npm rebuild sqlite-papers` and read its output)"
    );
  }
  return file;
}

/** Loads papers into db, a connection with loadExtension(path). */
function load(db) {
  if (!db || typeof db.loadExtension !== "function") {
    throw new TypeError(
      "sqlite-papers: load(db) needs a connection with loadExtension(path), such as " +
        "better-sqlite3's; for another driver, load getLoadablePath() yourself"
    );
  }
  db.loadExtension(getLoadablePath());
}

module.exports = { load, getLoadablePath, version: require("./package.json").version };
