// The JavaScript API of dist/wasm/papers-sqlite.mjs (docs/browser.md): values
// both ways, parameters by position and by name, and every misuse's error.
// Prints one line per case; make test-wasm compares them with api.expected.
import init from "../../dist/wasm/papers-sqlite.mjs";

const show = (v) => (v instanceof Uint8Array ? `Uint8Array[${v}]` : typeof v === "bigint" ? `${v}n` : JSON.stringify(v));
const db = await init();

function run(label, action) {
  try {
    const rows = action();
    console.log(`${label}: ${rows === undefined ? "ok" : rows.map((r) => r.map(show).join(" ")).join(" / ")}`);
  } catch (err) {
    console.log(`${label}: error ${err.code ?? "-"} ${err.message}`);
  }
}

run("values", () => db.query("SELECT NULL, 1, -2.5, 'é', x'00ff', 9007199254740993, -9223372036854775808"));
run("types of parameters", () =>
  db.query("SELECT typeof(?), typeof(?), typeof(?), typeof(?), typeof(?), typeof(?), typeof(?), typeof(?)",
           [null, undefined, 3, 3.5, -0, true, 9007199254740993n, new Uint8Array([1, 2])]));
run("parameters come back", () =>
  db.query("SELECT ?, ?, ?, ?, ?", ["a\u0000b", 2 ** 60, 123456789012345678n, new Uint8Array([7]).buffer, false]));
run("length of a text with a NUL", () => db.query("SELECT length(CAST(? AS BLOB))", ["a\u0000b"]));
run("named", () => db.query("SELECT :a, @b, $c", { a: 1, b: "two", c: null }));
run("numbered", () => db.query("SELECT ?2, ?1", ["one", "two"]));
run("no rows", () => db.query("SELECT 1 WHERE 0"));
run("statement", () => db.query("CREATE TABLE t(x)"));
run("exec", () => db.exec("INSERT INTO t VALUES(1); INSERT INTO t VALUES(2);"));
run("after exec", () => db.query("SELECT group_concat(x) FROM t"));
run("trailing semicolon and comment", () => db.query("SELECT 1; -- done"));
run("papers", () => db.query("SELECT papers_key('The  TITLE.'), papers_version() IS NOT NULL"));
run("papers error", () => db.query("SELECT * FROM papers_keywords('text', 0)"));
run("syntax error", () => db.query("SELEC 1"));
run("two statements", () => db.query("SELECT 1; SELECT 2"));
run("empty", () => db.query("  -- nothing"));
run("too few values", () => db.query("SELECT ?, ?", [1]));
run("missing name", () => db.query("SELECT :a, :b", { a: 1 }));
run("params not a list", () => db.query("SELECT ?", 5));
run("unsupported value", () => db.query("SELECT ?", [{}]));
run("bigint out of range", () => db.query("SELECT ?", [2n ** 63n]));
run("sql not a string", () => db.query(42));
run("sql with a NUL", () => db.query("SELECT 1\u0000; DROP TABLE t"));
run("exec error", () => db.exec("INSERT INTO nowhere VALUES(1)"));
const bytes = db.export();
run("export", () => [[bytes.length > 0, new TextDecoder().decode(bytes.subarray(0, 15))]]);
const copy = await init({ bytes });
run("copy", () => copy.query("SELECT group_concat(x) FROM t"));
copy.close();
copy.close();
run("closed", () => copy.query("SELECT 1"));
for (const bad of [new Uint8Array(512), "file"]) {
  try {
    await init({ bytes: bad });
    console.log("init with bad bytes: ok");
  } catch (err) {
    console.log(`init with bad bytes: error ${err.code ?? "-"} ${err.message}`);
  }
}
db.close();
