// papers-sqlite: SQLite with the papers extension, compiled to WebAssembly.
//
// `make wasm` appends this file to emscripten's output (createPapersModule),
// giving dist/wasm/papers-sqlite.mjs, an ES module beside papers-sqlite.wasm.
// The API (docs/browser.md):
//
//   const init = (await import("./papers-sqlite.mjs")).default;
//   const db = await init();                 // an empty in-memory database
//   const db2 = await init({ bytes });       // one opened from a database file's bytes
//   db.query(sql, params)  -> array of rows, each an array of values
//   db.exec(sql)           runs a script of statements, without parameters
//   db.export()            -> Uint8Array: the database as a SQLite file
//   db.close()
//
// Every connection has the papers functions and tables. Values: NULL is null,
// INTEGER a number (a BigInt beyond 2^53), REAL a number, TEXT a string, BLOB
// a Uint8Array. Parameters: an array (for ? and ?NNN) or an object (for :name,
// @name, $name, keyed without the prefix); numbers that are integers bind as
// INTEGER, other numbers as REAL, booleans as 1 and 0, BigInts as INTEGER,
// strings as TEXT, Uint8Array and ArrayBuffer as BLOB, null and undefined as
// NULL. A SQLite error throws an Error with SQLite's message and its result
// code in `code`; a misuse of the API throws one starting "papers-sqlite:".

const SQLITE_OK = 0;
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const SQLITE_INTEGER = 1;
const SQLITE_FLOAT = 2;
const SQLITE_TEXT = 3;
const SQLITE_BLOB = 4;
const SQLITE_OPEN_READWRITE = 0x2;
const SQLITE_OPEN_CREATE = 0x4;
const SQLITE_TRANSIENT = -1;
const MAX_SAFE = 9007199254740992;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

let modulePromise = null;

const isNode = typeof process === "object" && process.versions != null && process.versions.node != null;

// The WebAssembly instance, made once and shared by every database. The .wasm
// lies beside this module. In a browser emscripten's loader fetches it
// (compiling while it downloads, and letting the browser cache the compiled
// code); in Node its fetch of a file path fails (emscripten 3.1.6), so the
// bytes are read here and handed over.
async function loadModule() {
  const url = new URL("papers-sqlite.wasm", import.meta.url);
  const options = isNode
    ? { wasmBinary: await (await import("node:fs/promises")).readFile(url) }
    : { locateFile: () => url.href };
  const M = await createPapersModule(options);
  const rc = M._papers_wasm_init();
  if (rc !== SQLITE_OK) throw new Error(`papers-sqlite: init: sqlite3_auto_extension failed (${rc})`);
  return M;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Fails when sql holds a NUL character, where SQLite would stop reading.
function checkSql(method, sql) {
  if (typeof sql !== "string") throw new Error(`papers-sqlite: ${method}: sql must be a string, got ${typeof sql}`);
  if (sql.includes("\0")) throw new Error(`papers-sqlite: ${method}: sql holds a NUL character`);
}

// text as NUL-terminated UTF-8 in memory from malloc: [pointer, length in
// bytes without the NUL]; the caller frees it.
function cText(M, text) {
  const bytes = encoder.encode(text);
  const p = M._malloc(bytes.length + 1);
  if (p === 0) throw new Error("papers-sqlite: out of memory");
  M.HEAPU8.set(bytes, p);
  M.HEAPU8[p + bytes.length] = 0;
  return [p, bytes.length];
}

// The NUL-terminated UTF-8 string at p.
function readCString(M, p) {
  const heap = M.HEAPU8;
  let end = p;
  while (heap[end] !== 0) end++;
  return decoder.decode(heap.subarray(p, end));
}

class Database {
  constructor(M, pDb) {
    this.M = M;
    this.pDb = pDb;
    this.pOut = M._malloc(8); // out-parameters: a statement, a tail, a size
  }

  // An Error carrying the connection's last message and result code.
  sqliteError(rc) {
    const err = new Error(readCString(this.M, this.M._sqlite3_errmsg(this.pDb)));
    err.code = rc;
    return err;
  }

  checkOpen(method) {
    if (this.pDb === 0) throw new Error(`papers-sqlite: ${method}: the database is closed`);
  }

  // Runs one statement and returns its rows (an empty array for statements
  // without rows). More than one statement in sql is an error: use exec().
  query(sql, params = []) {
    this.checkOpen("query");
    checkSql("query", sql);
    const M = this.M;
    const [zSql] = cText(M, sql);
    let pStmt = 0;
    try {
      const rc = M._sqlite3_prepare_v2(this.pDb, zSql, -1, this.pOut, this.pOut + 4);
      pStmt = M.HEAP32[this.pOut >> 2];
      if (rc !== SQLITE_OK) throw this.sqliteError(rc);
      if (pStmt === 0) throw new Error("papers-sqlite: query: sql holds no statement");
      this.checkTail(M.HEAP32[(this.pOut + 4) >> 2]);
      this.bindAll(pStmt, params);
      return this.stepAll(pStmt);
    } finally {
      if (pStmt !== 0) M._sqlite3_finalize(pStmt);
      M._free(zSql);
    }
  }

  // Fails when the text after the first statement holds another one.
  checkTail(zTail) {
    const M = this.M;
    const rc = M._sqlite3_prepare_v2(this.pDb, zTail, -1, this.pOut, 0);
    const pNext = M.HEAP32[this.pOut >> 2];
    if (pNext !== 0) M._sqlite3_finalize(pNext);
    if (rc !== SQLITE_OK || pNext !== 0) {
      throw new Error("papers-sqlite: query: sql holds more than one statement; use exec()");
    }
  }

  bindAll(pStmt, params) {
    const M = this.M;
    const n = M._sqlite3_bind_parameter_count(pStmt);
    if (Array.isArray(params)) {
      if (params.length !== n) {
        throw new Error(`papers-sqlite: query: the statement has ${n} parameters, got ${params.length} values`);
      }
      for (let i = 1; i <= n; i++) this.bind(pStmt, i, params[i - 1], String(i));
      return;
    }
    if (params === null || typeof params !== "object") {
      throw new Error(`papers-sqlite: query: params must be an array or an object, got ${params === null ? "null" : typeof params}`);
    }
    for (let i = 1; i <= n; i++) {
      const pName = M._sqlite3_bind_parameter_name(pStmt, i);
      const name = pName === 0 ? "" : readCString(M, pName).slice(1);
      if (!Object.prototype.hasOwnProperty.call(params, name)) {
        throw new Error(`papers-sqlite: query: no value for parameter ${pName === 0 ? i : readCString(M, pName)}`);
      }
      this.bind(pStmt, i, params[name], name);
    }
  }

  bind(pStmt, i, value, name) {
    const M = this.M;
    let rc;
    if (value === null || value === undefined) {
      rc = M._sqlite3_bind_null(pStmt, i);
    } else if (typeof value === "number") {
      rc = Number.isInteger(value) && Math.abs(value) <= MAX_SAFE && !Object.is(value, -0)
        ? M._papers_wasm_bind_int64(pStmt, i, value)
        : M._sqlite3_bind_double(pStmt, i, value);
    } else if (typeof value === "boolean") {
      rc = M._papers_wasm_bind_int64(pStmt, i, value ? 1 : 0);
    } else if (typeof value === "bigint") {
      if (value < INT64_MIN || value > INT64_MAX) {
        throw new Error(`papers-sqlite: query: parameter ${name} is out of the 64-bit range: ${value}`);
      }
      const [z] = cText(M, value.toString());
      rc = M._papers_wasm_bind_int64_text(pStmt, i, z);
      M._free(z);
    } else if (typeof value === "string") {
      const [z, n] = cText(M, value); // its length is given: a NUL in the text is kept
      rc = M._sqlite3_bind_text(pStmt, i, z, n, SQLITE_TRANSIENT);
      M._free(z);
    } else if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
      const p = M._malloc(bytes.length || 1);
      M.HEAPU8.set(bytes, p);
      rc = M._sqlite3_bind_blob(pStmt, i, p, bytes.length, SQLITE_TRANSIENT);
      M._free(p);
    } else {
      throw new Error(`papers-sqlite: query: parameter ${name} has an unsupported type: ${typeof value}`);
    }
    if (rc !== SQLITE_OK) throw this.sqliteError(rc);
  }

  stepAll(pStmt) {
    const M = this.M;
    const nCol = M._sqlite3_column_count(pStmt);
    const rows = [];
    for (;;) {
      const rc = M._sqlite3_step(pStmt);
      if (rc === SQLITE_DONE) return rows;
      if (rc !== SQLITE_ROW) throw this.sqliteError(rc);
      const row = new Array(nCol);
      for (let i = 0; i < nCol; i++) row[i] = this.column(pStmt, i);
      rows.push(row);
    }
  }

  column(pStmt, i) {
    const M = this.M;
    switch (M._sqlite3_column_type(pStmt, i)) {
      case SQLITE_INTEGER:
        if (M._papers_wasm_column_int64_fits(pStmt, i)) return M._sqlite3_column_double(pStmt, i);
        return BigInt(readCString(M, M._sqlite3_column_text(pStmt, i)));
      case SQLITE_FLOAT:
        return M._sqlite3_column_double(pStmt, i);
      case SQLITE_TEXT: {
        const p = M._sqlite3_column_text(pStmt, i);
        const n = M._sqlite3_column_bytes(pStmt, i);
        return decoder.decode(M.HEAPU8.subarray(p, p + n));
      }
      case SQLITE_BLOB: {
        const p = M._sqlite3_column_blob(pStmt, i);
        const n = M._sqlite3_column_bytes(pStmt, i);
        return M.HEAPU8.slice(p, p + n);
      }
      default:
        return null;
    }
  }

  // Runs every statement of sql (no parameters, rows discarded).
  exec(sql) {
    this.checkOpen("exec");
    checkSql("exec", sql);
    const M = this.M;
    const [zSql] = cText(M, sql);
    try {
      const rc = M._sqlite3_exec(this.pDb, zSql, 0, 0, 0);
      if (rc !== SQLITE_OK) throw this.sqliteError(rc);
    } finally {
      M._free(zSql);
    }
  }

  // The database as the bytes of a SQLite database file.
  export() {
    this.checkOpen("export");
    const M = this.M;
    const p = M._papers_wasm_serialize(this.pDb, this.pOut);
    if (p === 0) throw new Error("papers-sqlite: export: out of memory");
    const bytes = M.HEAPU8.slice(p, p + M.HEAP32[this.pOut >> 2]);
    M._sqlite3_free(p);
    return bytes;
  }

  close() {
    if (this.pDb === 0) return;
    this.M._sqlite3_close_v2(this.pDb);
    this.M._free(this.pOut);
    this.pDb = 0;
  }
}

// Opens a new in-memory database; with options.bytes (a Uint8Array or
// ArrayBuffer holding a SQLite database file) the database is a copy of it.
async function init(options = {}) {
  if (modulePromise === null) {
    modulePromise = loadModule();
    modulePromise.catch(() => {
      modulePromise = null; // a later init() tries again
    });
  }
  const M = await modulePromise;
  const [zName] = cText(M, ":memory:");
  const pOut = M._malloc(4);
  const rc = M._sqlite3_open_v2(zName, pOut, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
  const pDb = M.HEAP32[pOut >> 2];
  M._free(pOut);
  M._free(zName);
  const db = new Database(M, pDb);
  if (rc !== SQLITE_OK) {
    const err = pDb === 0 ? new Error("papers-sqlite: init: out of memory") : db.sqliteError(rc);
    db.close();
    throw err;
  }
  if (options.bytes !== undefined) openBytes(db, options.bytes);
  return db;
}

// Makes db's main database a copy of a database file's bytes.
function openBytes(db, value) {
  if (!(value instanceof Uint8Array || value instanceof ArrayBuffer)) {
    db.close();
    throw new Error(`papers-sqlite: init: bytes must be a Uint8Array or an ArrayBuffer, got ${typeof value}`);
  }
  const M = db.M;
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  const p = M._sqlite3_malloc(bytes.length || 1);
  if (p === 0) {
    db.close();
    throw new Error("papers-sqlite: init: out of memory");
  }
  M.HEAPU8.set(bytes, p);
  const rc = M._papers_wasm_deserialize(db.pDb, p, bytes.length);
  try {
    if (rc !== SQLITE_OK) throw db.sqliteError(rc);
    db.query("SELECT count(*) FROM sqlite_schema"); // "file is not a database" now, not later
  } catch (err) {
    db.close();
    throw err;
  }
}

export default init;
