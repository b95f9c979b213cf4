// The digest reader page (index.html): a digest pasted, dropped or chosen
// becomes a table of papers with topics, keywords and similar papers, and a
// library kept in the browser's IndexedDB across days. All of it is SQL on
// SQLite with papers (papers-sqlite.mjs, docs/browser.md); nothing leaves the
// page.
//
// Two databases: "digest" (the digest read last, made anew each time, its
// papers in digest order) and "library" (every digest added, each paper once:
// sql/recipes/dedupe.sql, by arXiv id or papers_key; saved as a database file
// in IndexedDB after each change). Each has a topic index named topics over
// papers(title, abstract). The table shows one of them ("view").
import init from "./papers-sqlite.mjs";

const INDEX = `CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
                                                          columns='title, abstract');`;

const DIGEST_SCHEMA = `
CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT, authors TEXT,
                    author_count INTEGER, org TEXT, published TEXT, arxiv_id TEXT, url TEXT,
                    format TEXT);
${INDEX}`;

const INSERT_DIGEST = `
INSERT INTO papers(id, title, abstract, authors, author_count, org, published, arxiv_id, url, format)
SELECT ordinal, title, abstract, authors, author_count, org, published, arxiv_id,
       url, format
FROM papers_parse(:text, :format, :today)`;

// The rows of the table, the same columns from either database.
const SELECT_ROWS = {
  digest: `SELECT id, title, abstract, authors, author_count, org, published, arxiv_id, url, format,
                  NULL FROM papers ORDER BY id`,
  library: `SELECT id, title, abstract, authors, json_array_length(authors), NULL, published, arxiv_id,
                   url, format, (SELECT min(digest) FROM sightings WHERE paper = id)
            FROM papers ORDER BY id`,
};

// The library's schema is the recipe's, its index kept current by triggers;
// both SQL files come with the page (make wasm copies them).
async function librarySchema() {
  const [recipe, triggers] = await Promise.all(["dedupe.sql", "papers_index_triggers.sql"].map(async (name) => {
    const response = await fetch(name);
    if (!response.ok) throw new Error(`cannot load ${name}: HTTP ${response.status}`);
    return response.text();
  }));
  return `${recipe}\n${INDEX}\n${triggers}`;
}

const IDB_NAME = "papers-reader";
const IDB_STORE = "files";
const IDB_LIBRARY = "library.sqlite";

const $ = (id) => document.getElementById(id);

const state = {
  view: "digest",
  db: { digest: null, library: null },
  rows: { digest: [], library: [] },
  topics: { digest: [], library: [] }, // [{ cluster, label, size }]
  clusterOf: { digest: new Map(), library: new Map() }, // paper id -> cluster
  topic: null, // the cluster the table is filtered by, or null
  sort: { key: "id", dir: 1 },
  search: "",
  input: null, // { text, format, today } of the digest read last
  shown: [], // the rows of the table, in order
  indexed: Promise.resolve(), // settles when the digest read last is indexed
  keepLibrary: true, // false where the browser refuses IndexedDB
};

// ---- IndexedDB: the library's database file --------------------------------

function idbOpen() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(IDB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(IDB_STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function idbRun(mode, action) {
  const idb = await idbOpen();
  try {
    return await new Promise((resolve, reject) => {
      const tx = idb.transaction(IDB_STORE, mode);
      const request = action(tx.objectStore(IDB_STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    idb.close();
  }
}

const idbGet = (key) => idbRun("readonly", (store) => store.get(key));
const idbPut = (key, value) => idbRun("readwrite", (store) => store.put(value, key));

async function saveLibrary() {
  if (state.keepLibrary) await idbPut(IDB_LIBRARY, state.db.library.export());
}

// ---- reading ---------------------------------------------------------------

async function newLibrary() {
  const db = await init();
  db.exec(await librarySchema());
  return db;
}

// The library saved in IndexedDB, or a new one: [database, a warning or null].
async function openLibrary() {
  let bytes;
  try {
    bytes = await idbGet(IDB_LIBRARY);
  } catch (err) {
    state.keepLibrary = false;
    return [await newLibrary(), `This browser keeps no data for this page (${err.message}): ` +
                                "the library lasts until the page is closed."];
  }
  if (bytes) {
    try {
      return [await init({ bytes }), null];
    } catch (err) {
      const kept = `library-unreadable-${Date.now()}.sqlite`;
      await idbPut(kept, bytes);
      return [await newLibrary(), `The saved library could not be opened (${err.message}); it is ` +
                                  `kept in IndexedDB as ${kept}, and a new library begins.`];
    }
  }
  return [await newLibrary(), null];
}

function inputParams() {
  return {
    text: $("digest").value,
    format: $("format").value || null,
    today: $("today").value || null,
  };
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

// Parses the digest in the text area and shows its table at once, then
// indexes it and adds its topics; reports how long each step took.
async function readDigest() {
  const input = inputParams();
  if (input.text.trim() === "") {
    say("Paste, drop or choose a digest first.", true);
    return;
  }
  if (state.db.digest) state.db.digest.close();
  const db = await init();
  state.db.digest = db;
  state.input = input;
  db.exec(DIGEST_SCHEMA);
  const t0 = performance.now();
  db.query(INSERT_DIGEST, input);
  const unparsed = db.query("SELECT line, text, reason FROM papers_unparsed(:text, :format)",
                            { text: input.text, format: input.format });
  const t1 = performance.now();
  loadRows("digest");
  state.topics.digest = [];
  state.clusterOf.digest = new Map();
  showUnparsed(unparsed);
  setView("digest");
  say(`${state.rows.digest.length} papers read; indexing them...`);
  let indexed;
  state.indexed = new Promise((resolve) => {
    indexed = resolve;
  });
  await nextFrame(); // the table shows while the index is built
  if (state.db.digest !== db) return; // another digest came meanwhile
  const t2 = performance.now();
  db.exec("INSERT INTO topics(topics) VALUES('rebuild')");
  const t3 = performance.now();
  loadTopics("digest");
  const t4 = performance.now();
  indexed();
  if (state.view === "digest") {
    renderTopics();
    renderTable();
  }
  reportTimes(unparsed.length, { parse: t1 - t0, index: t3 - t2, topics: t4 - t3 });
}

function reportTimes(nUnparsed, ms) {
  const status = $("status");
  status.dataset.parseMs = ms.parse.toFixed(1);
  status.dataset.indexMs = ms.index.toFixed(1);
  status.dataset.topicsMs = ms.topics.toFixed(1);
  const formats = [...new Set(state.rows.digest.map((r) => r.format))].join(", ") || "no format";
  say(`${state.rows.digest.length} papers (${formats}), ${nUnparsed} lines not parsed. ` +
      `Parsed in ${ms.parse.toFixed(0)} ms, indexed in ${ms.index.toFixed(0)} ms, ` +
      `topics in ${ms.topics.toFixed(0)} ms.`);
}

// Reads a view's papers from its database into state.
function loadRows(view) {
  const db = state.db[view];
  state.rows[view] = db ? db.query(SELECT_ROWS[view]).map(rowObject) : [];
  $(`count-${view}`).textContent = state.rows[view].length;
}

// Reads a view's topics (papers_clusters) from its database into state.
function loadTopics(view) {
  const db = state.db[view];
  const clusters = db ? db.query("SELECT rowid, cluster, label, size FROM papers_clusters('topics')") : [];
  const topics = new Map();
  const clusterOf = new Map();
  for (const [rowid, cluster, label, size] of clusters) {
    clusterOf.set(rowid, cluster);
    if (!topics.has(cluster)) topics.set(cluster, { cluster, label: label ?? "(no shared words)", size });
  }
  state.topics[view] = [...topics.values()];
  state.clusterOf[view] = clusterOf;
}

function loadView(view) {
  loadRows(view);
  loadTopics(view);
}

function rowObject([id, title, abstract, authors, authorCount, org, published, arxivId, url, format, firstSeen]) {
  const names = authors ? JSON.parse(authors) : []; // papers_parse's JSON array
  return { id, title, abstract, authors: names, authorCount, org, published, arxivId, url, format, firstSeen };
}

// ---- rendering -------------------------------------------------------------

function say(message, isError = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

function setView(view) {
  state.view = view;
  state.topic = null;
  $("view-digest").setAttribute("aria-pressed", String(view === "digest"));
  $("view-library").setAttribute("aria-pressed", String(view === "library"));
  document.body.dataset.view = view;
  closeDetail();
  renderTopics();
  renderTable();
}

function renderTopics() {
  const list = $("topic-list");
  list.replaceChildren();
  const topics = state.topics[state.view];
  if (topics.length === 0) {
    list.textContent = state.rows[state.view].length === 0 ? "No papers yet." : "Finding the topics...";
    return;
  }
  const all = topicButton(null, "All topics", state.rows[state.view].length);
  list.append(all, ...topics.map((t) => topicButton(t.cluster, t.label, t.size)));
}

function topicButton(cluster, label, size) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "topic";
  button.dataset.cluster = cluster ?? "";
  button.setAttribute("aria-pressed", String(state.topic === cluster));
  if (cluster !== null) {
    const number = document.createElement("span");
    number.className = "n";
    number.textContent = cluster;
    button.append(number, " ");
  }
  button.append(label, " ");
  const count = document.createElement("span");
  count.className = "size";
  count.textContent = `(${size})`;
  button.append(count);
  button.addEventListener("click", () => {
    state.topic = cluster;
    renderTopics();
    renderTable();
    focusTopic(cluster);
  });
  return button;
}

function focusTopic(cluster) {
  const button = $("topic-list").querySelector(`button[data-cluster="${cluster ?? ""}"]`);
  if (button) button.focus();
}

function visibleRows() {
  const view = state.view;
  const clusterOf = state.clusterOf[view];
  const needle = state.search.toLowerCase();
  const rows = state.rows[view].filter((r) => {
    if (state.topic !== null && clusterOf.get(r.id) !== state.topic) return false;
    if (needle === "") return true;
    return [r.title, r.org, r.abstract, r.authors.join(" ")].some((v) => v && v.toLowerCase().includes(needle));
  });
  const { key, dir } = state.sort;
  const value = (r) => (key === "cluster" ? clusterOf.get(r.id) : key === "authors" ? r.authors[0] : r[key]);
  return rows.sort((a, b) => dir * compareValues(value(a), value(b)) || a.id - b.id);
}

// Orders numbers and strings; empty values last.
function compareValues(a, b) {
  const emptyA = a === null || a === undefined || a === "";
  const emptyB = b === null || b === undefined || b === "";
  if (emptyA || emptyB) return emptyA - emptyB;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

function authorsText(names, count) {
  if (names.length === 0) return count ? `${count} author${count === 1 ? "" : "s"}` : "";
  return names.length <= 3 ? names.join(", ") : `${names.slice(0, 3).join(", ")} +${names.length - 3}`;
}

function renderTable() {
  const rows = visibleRows();
  state.shown = rows;
  const clusterOf = state.clusterOf[state.view];
  const body = document.createDocumentFragment();
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.dataset.id = r.id;
    tr.dataset.cluster = clusterOf.get(r.id) ?? "";
    const title = document.createElement("button");
    title.type = "button";
    title.className = "paper";
    title.textContent = r.title ?? "(no title)";
    title.addEventListener("click", guarded(() => showDetail(r.id)));
    tr.append(cell(r.id), cell(title), cell(authorsText(r.authors, r.authorCount), "wide"), cell(r.org ?? "", "wide"),
              cell(r.published ?? ""), cell(clusterOf.get(r.id) ?? ""));
    body.append(tr);
  }
  $("table").tBodies[0].replaceChildren(body);
  for (const th of $("table").tHead.rows[0].cells) {
    th.setAttribute("aria-sort", th.dataset.key === state.sort.key ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
  const total = state.rows[state.view].length;
  $("shown").textContent = rows.length === total ? `${total} papers` : `${rows.length} of ${total} papers`;
  $("shown").dataset.count = rows.length;
}

function cell(content, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.append(content);
  return td;
}

function showUnparsed(lines) {
  $("unparsed-summary").textContent = lines.length === 0 ? "Every line was placed." : `${lines.length} lines:`;
  $("unparsed-summary").dataset.count = lines.length;
  $("unparsed-list").replaceChildren(...lines.map(([line, text, reason]) => {
    const li = document.createElement("li");
    const where = document.createElement("span");
    where.className = "line";
    where.textContent = `line ${line}`;
    const code = document.createElement("code");
    code.textContent = text;
    li.append(where, " ", code, ` (${reason})`);
    return li;
  }));
}

// ---- one paper -------------------------------------------------------------

function paperText(r) {
  return `${r.title ?? ""}\n${r.abstract ?? ""}`;
}

// Shows one paper of the current view, once its index is built.
async function showDetail(id) {
  await state.indexed;
  const view = state.view;
  const db = state.db[view];
  const byId = new Map(state.rows[view].map((r) => [r.id, r]));
  const r = byId.get(id);
  if (r === undefined) return; // another digest came while this one was indexed
  $("detail").hidden = false;
  $("detail").dataset.id = id;
  $("detail-title").textContent = r.title ?? "(no title)";
  const meta = [authorsText(r.authors, r.authorCount), r.org, r.published && `published ${r.published}`,
                r.firstSeen && view === "library" && `first seen ${r.firstSeen}`].filter(Boolean);
  $("detail-meta").textContent = meta.join(" · ");
  const links = $("detail-links");
  links.replaceChildren();
  if (r.url) {
    const a = document.createElement("a");
    a.href = r.url;
    a.rel = "noopener noreferrer";
    a.textContent = r.arxivId ? `arXiv:${r.arxivId}` : r.url;
    links.append(a);
  }
  const keywords = db.query("SELECT term, weight FROM papers_keywords(:text, 8, 'topics')", { text: paperText(r) });
  $("keywords").replaceChildren(...keywords.map(([term, weight]) => {
    const li = document.createElement("li");
    li.textContent = term;
    li.title = `weight ${weight.toFixed(3)}`;
    return li;
  }));
  const similar = db.query("SELECT rowid, score FROM topics WHERE similar_to = :id ORDER BY score DESC LIMIT 8", { id });
  $("similar").replaceChildren(...similar.map(([rowid, score]) => similarItem(db, r, byId.get(rowid), score)));
  if (similar.length === 0) $("similar").textContent = "No paper shares a word with this one.";
  $("detail-title").focus();
}

// A similar paper with its score and the shared words that weigh most in it.
function similarItem(db, a, b, score) {
  const li = document.createElement("li");
  li.dataset.rowid = b.id;
  li.dataset.score = String(score);
  const open = document.createElement("button");
  open.type = "button";
  open.className = "paper";
  open.textContent = b.title ?? "(no title)";
  open.addEventListener("click", guarded(() => showDetail(b.id)));
  const why = db.query(`SELECT term, contribution FROM papers_explain(:a, :b, 'topics')
                        ORDER BY contribution DESC LIMIT 5`, { a: paperText(a), b: paperText(b) });
  const words = document.createElement("span");
  words.className = "why";
  words.textContent = why.map(([term, c]) => `${term} ${c.toFixed(3)}`).join(", ");
  li.append(open, ` ${score.toFixed(3)} `, document.createElement("br"), "because of: ", words);
  return li;
}

function closeDetail() {
  $("detail").hidden = true;
}

// ---- library, export -------------------------------------------------------

async function addToLibrary() {
  if (state.input === null) {
    say("Read a digest first.", true);
    return;
  }
  const lib = state.db.library;
  const count = () => lib.query("SELECT count(*) FROM papers")[0][0];
  const before = count();
  lib.query("INSERT INTO library_load(digest, format, today) VALUES (:text, :format, :today)", state.input);
  const added = count() - before;
  await saveLibrary();
  loadView("library");
  say(`Library: ${added} new papers from this digest's ${state.rows.digest.length}; ${count()} in all.`);
  if (state.view === "library") setView("library");
}

async function emptyLibrary() {
  if (!confirm("Remove every paper from the library kept in this browser?")) return;
  state.db.library.exec("DELETE FROM sightings; DELETE FROM papers;");
  await saveLibrary();
  loadView("library");
  setView(state.view);
  say("The library is empty.");
}

function csvField(v) {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function tableCsv() {
  const topics = new Map(state.topics[state.view].map((t) => [t.cluster, t.label]));
  const clusterOf = state.clusterOf[state.view];
  const lines = [["id", "title", "authors", "author_count", "org", "published", "arxiv_id", "url", "topic", "topic_label"]];
  for (const r of state.shown) {
    const c = clusterOf.get(r.id);
    lines.push([r.id, r.title, r.authors.join("; "), r.authorCount, r.org, r.published, r.arxivId, r.url,
                c, topics.get(c)]);
  }
  return lines.map((l) => l.map(csvField).join(",")).join("\r\n") + "\r\n";
}

function download(name, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- wiring ----------------------------------------------------------------

function guarded(action) {
  return async (event) => {
    try {
      await action(event);
    } catch (err) {
      say(err.message, true);
    }
  };
}

function wire() {
  const area = $("digest");
  area.addEventListener("paste", guarded(async (event) => {
    const text = event.clipboardData && event.clipboardData.getData("text/plain");
    if (!text) return;
    event.preventDefault();
    area.value = text;
    await readDigest();
  }));
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", guarded(async (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer.files[0];
    area.value = file ? await file.text() : event.dataTransfer.getData("text/plain");
    await readDigest();
  }));
  $("file").addEventListener("change", guarded(async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    area.value = await file.text();
    await readDigest();
  }));
  $("read").addEventListener("click", guarded(readDigest));
  $("view-digest").addEventListener("click", () => setView("digest"));
  $("view-library").addEventListener("click", () => setView("library"));
  $("search").addEventListener("input", (event) => {
    state.search = event.target.value;
    renderTable();
  });
  for (const th of $("table").tHead.rows[0].cells) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderTable();
    });
  }
  $("save").addEventListener("click", guarded(addToLibrary));
  $("clear-library").addEventListener("click", guarded(emptyLibrary));
  $("csv").addEventListener("click", () => download(`papers-${state.view}.csv`, "text/csv", tableCsv()));
  $("export-db").addEventListener("click", () =>
    download("papers-library.sqlite", "application/vnd.sqlite3", state.db.library.export()));
  $("close-detail").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("detail").hidden) {
      const id = $("detail").dataset.id;
      closeDetail();
      const row = $("table").querySelector(`tr[data-id="${id}"] button`);
      if (row) row.focus();
    }
  });
}

function localToday() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Runs every step of the page once on papers made from the formats' examples
// (240 of them, so that the index fits its latent part), so that the browser
// has compiled the code before a digest arrives.
const WARM_UP = `
${DIGEST_SCHEMA}
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
INSERT INTO papers(title, abstract)
  SELECT p.title || ' ' || n.i, p.abstract
  FROM n, papers_formats f, papers_parse(f.example, f.name) p;
INSERT INTO topics(topics) VALUES('rebuild');
SELECT count(*) FROM papers_clusters('topics');
SELECT count(*) FROM topics WHERE similar_to = 1 ORDER BY score DESC LIMIT 8;
SELECT count(*) FROM papers_keywords((SELECT title || abstract FROM papers WHERE id = 1), 8, 'topics');
SELECT count(*) FROM papers_explain((SELECT abstract FROM papers WHERE id = 1),
                                    (SELECT abstract FROM papers WHERE id = 2), 'topics');`;

async function start() {
  wire();
  $("today").value = localToday();
  const probe = await init();
  for (const [name, description] of probe.query("SELECT name, description FROM papers_formats")) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    option.title = description;
    $("format").append(option);
  }
  probe.exec(WARM_UP);
  probe.close();
  const [library, warning] = await openLibrary();
  state.db.library = library;
  loadView("library");
  setView("digest");
  say(warning ?? "Ready: paste a digest.", warning !== null);
  document.body.dataset.ready = "1";
}

start().catch((err) => say(`The page could not start: ${err.message}`, true));
