// The WebAssembly build gives exactly the rows of the native library.
//
//   node tests/wasm/equal.mjs
//
// Runs the same statements on dist/wasm/papers-sqlite.mjs, on the native
// ./papers.so loaded into better-sqlite3 (tests/bindings/node_modules, the same
// SQLite version as the module), and on ./papers.so in the sqlite3 shell (the
// system's SQLite, another version, which prints REALs its own way), over
// three fixtures: the seed Hugging Face digest (67 papers), the arXiv mail of
// 2019-07-15 (223 papers, enough for the index's latent part) and a malformed
// mail (3 papers, 19 unparsed lines). Compared:
// papers_parse, papers_unparsed, papers_key, the index's shadow tables (the
// stored vectors and the latent projection, byte for byte), papers_keywords
// of every paper, more like this (every ranked row for every paper),
// papers_explain, papers_clusters. REALs are compared as printf('%!.17g')
// text, and with the shell by their bits. Prints one line per check and
// "N checks, N rows, all equal ...", or the first difference and exits with
// status 1.
import fs from "node:fs";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";

const require = createRequire(import.meta.url);
const Native = require("../bindings/node_modules/better-sqlite3");
const init = (await import("../../dist/wasm/papers-sqlite.mjs")).default;

// empty: the checks that must give no rows for that digest (every line placed;
// under 200 papers, no latent part; the malformed mail's second paper has no
// abstract, so each pair holds a NULL text)
const DIGESTS = [
  { file: "tests/fixtures/hf-daily-papers-2026-05-15.txt", format: "hf-daily", today: "2026-11-28",
    empty: ["unparsed", "latent"] },
  { file: "tests/fixtures/arxiv-email-cs-2019-07-15-crlf.txt", format: "arxiv-mail", today: "2019-07-16",
    empty: ["unparsed"] },
  { file: "tests/fixtures/arxiv-email-fixture-malformed.txt", format: "arxiv-mail", today: "2026-01-27",
    empty: ["latent", "explain"] },
];

const SETUP = [
  "CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT)",
  "CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id', columns='title, abstract')",
  "INSERT INTO papers(id, title, abstract) SELECT ordinal, title, abstract FROM papers_parse(:text, :format, :today)",
  "INSERT INTO topics(topics) VALUES('rebuild')",
];

const TEXT = (p) => `${p}.title || char(10) || ${p}.abstract`;
// The checks, each REAL shown by R: printf('%!.17g', x) between the module and
// better-sqlite3; in the shell ieee754(x), its exact bits, against the
// module's x: SQLite 3.40 and 3.53 print some doubles differently in the 17th
// digit.
const checks = (R) => ({
  parse: "SELECT * FROM papers_parse(:text, :format, :today)",
  unparsed: "SELECT * FROM papers_unparsed(:text, :format)",
  key: "SELECT id, papers_key(title) FROM papers ORDER BY id",
  vectors: "SELECT id, hex(vector) FROM topics_docs ORDER BY id",
  // maxw is a weight's grid code (layout 5), a whole number stored as a REAL:
  // printed the same by every SQLite
  vocab: "SELECT term, df, surface, votes, printf('%.3f', maxw), num FROM topics_vocab ORDER BY term",
  terms: "SELECT first, hex(ids) FROM topics_terms ORDER BY first",
  latent: "SELECT term, hex(projection) FROM topics_latent ORDER BY term",
  keywords: `SELECT p.id, k.rank, k.term, ${R("k.weight")}
             FROM papers p, papers_keywords(${TEXT("p")}, 8, 'topics') k ORDER BY p.id, k.rank`,
  similar: `SELECT p.id, t.rowid, ${R("t.score")}
            FROM papers p JOIN topics t ON t.similar_to = p.id ORDER BY p.id, t.score DESC, t.rowid`,
  explain: `SELECT p.id, q.id, e.term, ${R("e.weight_a")}, ${R("e.weight_b")}, ${R("e.contribution")}
            FROM papers p JOIN papers q ON q.id = (SELECT min(id) FROM papers WHERE id > p.id),
                 papers_explain(${TEXT("p")}, ${TEXT("q")}, 'topics') e`,
  clusters: `SELECT rowid, cluster, label, size, ${R("centrality")} FROM papers_clusters('topics')`,
  "clusters-k3": `SELECT rowid, cluster, label, size, ${R("centrality")} FROM papers_clusters('topics', NULL, 3)`,
});
const CHECKS = checks((x) => `printf('%!.17g', ${x})`);
const SHELL_CHECKS = checks((x) => `ieee754(${x})`);
const RAW_CHECKS = checks((x) => x);

// A value as text that tells every type and every bit apart (integers come as
// BigInt from better-sqlite3 here, as numbers up to 2^53 from the module).
function show(v) {
  if (v === null) return "NULL";
  if (typeof v === "number") return `n:${Object.is(v, -0) ? "-0" : String(v)}`;
  if (typeof v === "bigint") return `n:${v}`;
  if (typeof v === "string") return `t:${JSON.stringify(v)}`;
  return `b:${Buffer.from(v).toString("hex")}`;
}

// The shell's ieee754(x) of a double: its mantissa, odd, and exponent.
function ieee754(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  let e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  if (e === 0 && m === 0n) return bits >> 63n ? "ieee754(1,-3071)" : "ieee754(0,-1075)";
  if (e === 0) e = 1;
  else m |= 1n << 52n;
  e -= 1075;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    e++;
  }
  return `ieee754(${bits >> 63n ? -m : m},${e})`;
}

// The module's row as the shell prints it in list mode (.nullvalue NULL),
// each REAL (where the shell printed ieee754(...)) as ieee754 does.
function shellRow(row, shellRow) {
  return row.map((v, i) => {
    if (v === null) return "NULL";
    if (typeof v === "number" && shellRow && String(shellRow[i]).startsWith("ieee754(")) return ieee754(v);
    return String(v);
  });
}

function nativeRun(db, sql, params) {
  const stmt = db.prepare(sql);
  return stmt.reader ? stmt.safeIntegers(true).raw().all(params) : (stmt.run(params), []);
}

// The rows of every check run by the sqlite3 shell on the system's SQLite,
// the digest read by readfile(): { name: [[text, ...], ...] }. Fields and
// rows are separated by the ASCII unit and record separators, so that texts
// with line breaks come through whole.
function shellRun(d) {
  const literal = (sql) => sql.replaceAll(":text", `readfile('${d.file}')`)
    .replaceAll(":format", `'${d.format}'`).replaceAll(":today", `'${d.today}'`);
  const script = [...SETUP.map((sql) => `${literal(sql)};`),
    ...Object.entries(SHELL_CHECKS).map(([name, sql]) => `SELECT '==${name}';\n${literal(sql)};`)].join("\n");
  const out = execFileSync(process.env.SQLITE3 || "sqlite3",
    ["-batch", ":memory:", "-cmd", ".load ./papers", "-cmd", ".nullvalue NULL", "-cmd", '.separator "\\037" "\\036"'],
    { input: script, encoding: "utf8", maxBuffer: 1 << 28 });
  const sections = {};
  let rows = null;
  for (const record of out.split("\x1e").slice(0, -1)) {
    if (record.startsWith("==")) sections[record.slice(2)] = rows = [];
    else rows.push(record.split("\x1f"));
  }
  return sections;
}

// The number of rows, equal on both sides (each value shown by showA and
// showB); exits at the first difference, or when the rows are not as many as
// expected (none, or some).
function compare(label, a, b, wantEmpty, nameA = "native", showA = show, showB = show) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ? a[i].map(showA).join("|") : "(none)";
    const y = b[i] ? b[i].map(showB).join("|") : "(none)";
    if (x !== y) {
      console.log(`${label}: row ${i + 1} differs\n  ${nameA}: ${x}\n  wasm:   ${y}`);
      process.exit(1);
    }
  }
  if ((a.length === 0) !== wantEmpty) {
    console.log(`${label}: ${a.length} rows, expected ${wantEmpty ? "none" : "some"}`);
    process.exit(1);
  }
  return a.length;
}

let nChecks = 0;
let nRows = 0;
for (const d of DIGESTS) {
  const params = { text: fs.readFileSync(d.file, "utf8"), format: d.format, today: d.today };
  const native = new Native(":memory:");
  native.loadExtension("./papers");
  const wasm = await init();
  const paramsOf = (sql) => Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`:${k}`)));
  for (const sql of SETUP) {
    nativeRun(native, sql, paramsOf(sql));
    wasm.query(sql, paramsOf(sql));
  }
  const shell = shellRun(d);
  for (const [name, sql] of Object.entries(CHECKS)) {
    const p = paramsOf(sql);
    const label = `${d.file} ${name}`;
    const rows = wasm.query(sql, p);
    const wantEmpty = d.empty.includes(name);
    compare(label, nativeRun(native, sql, p), rows, wantEmpty);
    const raw = wasm.query(RAW_CHECKS[name], p).map((row, i) => shellRow(row, shell[name][i]));
    compare(`${label} (sqlite3 shell)`, shell[name], raw, wantEmpty, "shell", String, String);
    console.log(`${label}: ${rows.length} rows equal`);
    nChecks++;
    nRows += rows.length;
  }
  native.close();
  wasm.close();
}
console.log(`${nChecks} checks, ${nRows} rows, all equal in the module, better-sqlite3 and the sqlite3 shell`);
