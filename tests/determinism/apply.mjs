// apply.py for the WebAssembly build: applies an SQL script to a new
// in-memory database of dist/wasm/papers-sqlite.mjs, then prints one line per
// table, name|rows|SHA-256 of its values, hashed exactly as apply.py hashes
// them (type, then the exact bytes: an INTEGER as 8 bytes, a REAL as its 8
// IEEE bytes, TEXT as UTF-8, each TEXT and BLOB after its length).
//
//   node tests/determinism/apply.mjs MODULE SCRIPT
//
// The module has no readfile(): each readfile('path') of the script reads the
// file from a TEMP table the driver fills first, which the database file never
// holds.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const [modulePath, scriptPath] = process.argv.slice(2);
const init = (await import(path.resolve(modulePath))).default;

// The 8 little-endian bytes of a 64-bit integer or of a double.
function int64Bytes(v) {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(v));
  return b;
}
function doubleBytes(v) {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}

// The bytes apply.py hashes for a value whose SQL type is sqlType.
function valueBytes(sqlType, v) {
  switch (sqlType) {
    case "null":
      return Buffer.from("n");
    case "integer":
      return Buffer.concat([Buffer.from("i"), int64Bytes(v)]);
    case "real":
      return Buffer.concat([Buffer.from("f"), doubleBytes(v)]);
    case "text": {
      const t = Buffer.from(v, "utf8");
      return Buffer.concat([Buffer.from("t"), int64Bytes(t.length), t]);
    }
    default:
      return Buffer.concat([Buffer.from("b"), int64Bytes(v.length), Buffer.from(v)]);
  }
}

const quoteId = (name) => `"${name.replace(/"/g, '""')}"`;

function tableDigests(db) {
  const names = db.query(
    "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
  );
  return names.map(([name]) => {
    const columns = db.query("SELECT name FROM pragma_table_info(?)", [name]).map((r) => r[0]);
    const select = columns.map((c) => `typeof(${quoteId(c)}), ${quoteId(c)}`).join(", ");
    const hash = crypto.createHash("sha256");
    const rows = db.query(`SELECT ${select} FROM main.${quoteId(name)}`);
    for (const row of rows) {
      for (let i = 0; i < row.length; i += 2) hash.update(valueBytes(row[i], row[i + 1]));
    }
    return `${name}|${rows.length}|${hash.digest("hex")}`;
  });
}

const db = await init();
let script = fs.readFileSync(scriptPath, "utf8");
db.exec("CREATE TEMP TABLE determinism_files(path TEXT PRIMARY KEY, content BLOB)");
for (const [, file] of script.matchAll(/readfile\('([^']*)'\)/g)) {
  db.query("INSERT OR IGNORE INTO temp.determinism_files VALUES (?, ?)", [file, fs.readFileSync(file)]);
}
script = script.replace(
  /readfile\('([^']*)'\)/g,
  "(SELECT content FROM temp.determinism_files WHERE path = '$1')"
);
db.exec(script);
for (const line of tableDigests(db)) console.log(line);
db.close();
