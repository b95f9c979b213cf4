// The digest reader page (dist/wasm/) in headless Chromium: make test-browser.
//
//   node tests/browser/test.mjs [BIG_DIGEST]
//
// Serves dist/wasm/ (or PAGE_ROOT) on 127.0.0.1 (a port of the system's choosing), drives
// Chromium (CHROMIUM, default /usr/bin/chromium) with puppeteer-core from a
// fresh profile in build/browser/, and checks the page against the native
// library (./papers.so loaded into better-sqlite3): the seed digest pasted
// gives 67 rows and no unparsed line; a paper's similar papers (rowids and
// scores, bit for bit) equal native more-like-this; a topic filter shows
// exactly the topic's papers; the search; sorting; keyboard use; the library
// keeps the digest across a reload, without duplicates, and its similar
// papers equal native ones; a damaged saved library is kept aside; the CSV
// and SQLite exports; a malformed mail dropped as a file lists its unparsed
// lines; at phone width everything fits; nothing is requested from elsewhere.
// Screenshots go to build/. The page's own timings of parsing, indexing and
// topics are printed for the seed (its first read after the page loads, then
// three more) and, with BIG_DIGEST (a file; make test-browser makes a
// 600-paper one from DATA), for three reads of it; build/browser/timings.json
// keeps them.
// Prints one line per check; exits with status 1 at the first failure.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const puppeteer = require("puppeteer-core");
const Native = require("../bindings/node_modules/better-sqlite3");

const ROOT = process.env.PAGE_ROOT || "dist/wasm"; // the folder served
const OUT = "build/browser";
const SEED = "tests/fixtures/hf-daily-papers-2026-05-15.txt";
const MALFORMED = "tests/fixtures/arxiv-email-fixture-malformed.txt";
const TODAY = "2026-11-28";
const PAPER = 5; // the paper whose similar papers are compared
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
                ".css": "text/css", ".wasm": "application/wasm" };

let nChecks = 0;
function check(label, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    console.log(`FAIL ${label}\n  expected ${e}\n  got      ${a}`);
    process.exitCode = 1;
    throw new Error(`test-browser: ${label}`);
  }
  nChecks++;
  console.log(`ok ${label}`);
}

// Static files of ROOT; anything else is a 404.
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    const name = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    const file = path.join(ROOT, path.normalize(name));
    if (!file.startsWith(ROOT + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// The native answers for the seed: the digest's similar papers and clusters.
function nativeSeed() {
  const db = new Native(":memory:");
  db.loadExtension("./papers");
  db.exec(`CREATE TABLE papers(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT);
           CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
                                                          columns='title, abstract');`);
  db.prepare(`INSERT INTO papers SELECT ordinal, title, abstract FROM papers_parse(?, NULL, ?)`)
    .run(fs.readFileSync(SEED, "utf8"), TODAY);
  db.exec("INSERT INTO topics(topics) VALUES('rebuild')");
  const similar = db.prepare("SELECT rowid, score FROM topics WHERE similar_to = ? ORDER BY score DESC LIMIT 8")
    .raw().all(BigInt(PAPER)).map(([rowid, score]) => [String(rowid), String(score)]);
  const cluster2 = db.prepare("SELECT rowid FROM papers_clusters('topics') WHERE cluster = 2 ORDER BY rowid")
    .raw().all().map(([rowid]) => String(rowid));
  const text = (id) => db.prepare("SELECT title || char(10) || abstract FROM papers WHERE id = ?").pluck().get(id);
  const why = db.prepare(`SELECT term, contribution FROM papers_explain(?, ?, 'topics')
                          ORDER BY contribution DESC LIMIT 5`)
    .raw().all(text(PAPER), text(Number(similar[0][0])))
    .map(([term, c]) => `${term} ${c.toFixed(3)}`).join(", ");
  const search = db.prepare(`SELECT count(*) FROM papers WHERE title LIKE '%bottleneck%' OR abstract LIKE '%bottleneck%'`)
    .pluck().get();
  db.close();
  return { similar, why, cluster2, search, librarySimilar: nativeLibrarySimilar() };
}

// Paper PAPER's similar papers in a library that the page's recipe and
// triggers filled with the seed (the page's library after "Add").
function nativeLibrarySimilar() {
  const db = new Native(":memory:");
  db.loadExtension("./papers");
  db.exec(fs.readFileSync("sql/recipes/dedupe.sql", "utf8"));
  db.exec(`CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id',
                                                          columns='title, abstract');`);
  db.exec(fs.readFileSync("sql/papers_index_triggers.sql", "utf8"));
  db.prepare("INSERT INTO library_load(digest, format, today) VALUES (?, NULL, ?)")
    .run(fs.readFileSync(SEED, "utf8"), TODAY);
  const rows = db.prepare("SELECT rowid, score FROM topics WHERE similar_to = ? ORDER BY score DESC LIMIT 8")
    .raw().all(BigInt(PAPER)).map(([rowid, score]) => [String(rowid), String(score)]);
  db.close();
  return rows;
}

// Pastes text into the page's text area as a browser paste does.
async function paste(page, text) {
  await page.evaluate((t) => {
    const area = document.getElementById("digest");
    document.getElementById("status").textContent = "";
    const data = new DataTransfer();
    data.setData("text/plain", t);
    area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
  await page.waitForFunction(() => /papers \(|could not/.test(document.getElementById("status").textContent));
}

const rowIds = (page) => page.$$eval("#table tbody tr", (trs) => trs.map((tr) => tr.dataset.id));
const statusOf = (page) => page.$eval("#status", (s) => ({ text: s.textContent, error: s.classList.contains("error"),
  parse: Number(s.dataset.parseMs), index: Number(s.dataset.indexMs), topics: Number(s.dataset.topicsMs) }));

const pick = (s) => ({ parse: s.parse, index: s.index, topics: s.topics });

async function waitForFile(file) {
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  return fs.existsSync(file) ? fs.readFileSync(file) : null;
}

async function run(browser, base, bigDigest) {
  const native = nativeSeed();
  const page = await browser.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  const downloads = path.resolve(OUT, "downloads");
  fs.mkdirSync(downloads, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(base, { waitUntil: "load" });
  await page.waitForSelector("body[data-ready='1']");
  check("page starts", await statusOf(page).then((s) => s.text), "Ready: paste a digest.");

  await page.$eval("#today", (el, d) => { el.value = d; }, TODAY);
  await paste(page, fs.readFileSync(SEED, "utf8"));
  const seedStatus = await statusOf(page);
  check("seed: 67 rows", (await rowIds(page)).length, 67);
  check("seed: status", seedStatus.text.replace(/Parsed in .*/, ""), "67 papers (hf-daily), 0 lines not parsed. ");
  check("seed: unparsed count", await page.$eval("#unparsed-summary", (p) => p.dataset.count), "0");
  await page.screenshot({ path: "build/browser-seed.png", fullPage: false });

  // keyboard: focus the paper's title, Enter opens it; its similar papers equal native
  await page.focus(`#table tr[data-id="${PAPER}"] button.paper`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#detail:not([hidden]) #similar li");
  check("keyboard: Enter opens the paper, focus on its title",
    await page.evaluate(() => document.activeElement.id), "detail-title");
  const similar = await page.$$eval("#similar li", (lis) => lis.map((li) => [li.dataset.rowid, li.dataset.score]));
  check(`seed: paper ${PAPER}'s similar papers equal native (rowid, score)`, similar, native.similar);
  check("seed: the words behind the first similarity equal native papers_explain",
    await page.$eval("#similar li .why", (s) => s.textContent), native.why);
  check("seed: keywords shown", await page.$$eval("#keywords li", (lis) => lis.length), 8);
  await page.screenshot({ path: "build/browser-detail.png", fullPage: false });
  await page.keyboard.press("Escape");
  check("keyboard: Escape closes the paper", await page.$eval("#detail", (d) => d.hidden), true);

  // topic filter
  await page.click('#topic-list button[data-cluster="2"]');
  check("topic 2: exactly its papers", await rowIds(page), native.cluster2);
  await page.click('#topic-list button[data-cluster=""]');
  check("all topics again", (await rowIds(page)).length, 67);

  // search
  await page.type("#search", "bottleneck");
  check("search 'bottleneck'", (await rowIds(page)).length, native.search);
  await page.$eval("#search", (el) => { el.value = ""; el.dispatchEvent(new Event("input")); });

  // sort by date descending (button twice)
  await page.click('th[data-key="published"] button');
  await page.click('th[data-key="published"] button');
  const dates = await page.$$eval("#table tbody tr td:nth-child(5)", (tds) => tds.map((td) => td.textContent));
  check("sort by published, descending", dates.filter(Boolean), [...dates.filter(Boolean)].sort().reverse());
  await page.click('th[data-key="id"] button');

  // CSV export of the table
  await page.click("#csv");
  const csv = await waitForFile(path.join(downloads, "papers-digest.csv"));
  const csvLines = csv ? csv.toString("utf8").trimEnd().split("\r\n") : [];
  check("CSV: header and 67 papers", [csvLines[0], csvLines.length],
    ["id,title,authors,author_count,org,published,arxiv_id,url,topic,topic_label", 68]);

  // library: add, reload, still there; adding again adds nothing
  await page.click("#save");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Library:"));
  check("library: add", (await statusOf(page)).text,
    "Library: 67 new papers from this digest's 67; 67 in all.");
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector("body[data-ready='1']");
  check("library after a reload: count", await page.$eval("#count-library", (s) => s.textContent), "67");
  await page.click("#view-library");
  check("library after a reload: rows", (await rowIds(page)).length, 67);
  await page.click(`#table tr[data-id="${PAPER}"] button.paper`);
  await page.waitForSelector("#detail:not([hidden]) #similar li");
  check(`library: paper ${PAPER}'s similar papers equal native (recipe and triggers)`,
    await page.$$eval("#similar li", (lis) => lis.map((li) => [li.dataset.rowid, li.dataset.score])),
    native.librarySimilar);
  await page.click("#view-digest");
  await page.$eval("#today", (el, d) => { el.value = d; }, TODAY);
  await paste(page, fs.readFileSync(SEED, "utf8"));
  await page.click("#save");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Library:"));
  check("library: the same digest again adds nothing", (await statusOf(page)).text,
    "Library: 0 new papers from this digest's 67; 67 in all.");
  await page.click("#export-db");
  const dbFile = await waitForFile(path.join(downloads, "papers-library.sqlite"));
  const exported = new Native(dbFile ?? Buffer.alloc(0));
  check("library export: a SQLite file with the 67 papers",
    exported.prepare("SELECT count(*), count(DISTINCT title_key) FROM papers").raw().get(), [67, 67]);
  exported.close();

  // a damaged saved library is kept aside, and a new one begins
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open("papers-reader", 1);
    open.onsuccess = () => {
      const tx = open.result.transaction("files", "readwrite");
      tx.objectStore("files").put(new Uint8Array(4096).fill(7), "library.sqlite");
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector("body[data-ready='1']");
  const damaged = await statusOf(page);
  check("damaged library: the message", [damaged.error, damaged.text.replace(/library-unreadable-\d+/, "library-unreadable-N")],
    [true, "The saved library could not be opened (file is not a database); it is kept in IndexedDB as " +
           "library-unreadable-N.sqlite, and a new library begins."]);
  check("damaged library: a new, empty one", await page.$eval("#count-library", (s) => s.textContent), "0");
  await page.$eval("#today", (el, d) => { el.value = d; }, TODAY);

  // a malformed mail, dropped as a file: its unparsed lines are listed
  await page.evaluate((t) => {
    document.getElementById("status").textContent = "";
    const data = new DataTransfer();
    data.items.add(new File([t], "mail.txt", { type: "text/plain" }));
    document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  }, fs.readFileSync(MALFORMED, "utf8"));
  await page.waitForFunction(() => /papers \(|could not/.test(document.getElementById("status").textContent));
  check("malformed mail: 3 rows", (await rowIds(page)).length, 3);
  check("malformed mail: 19 unparsed lines listed",
    await page.$$eval("#unparsed-list li", (lis) => lis.length), 19);

  // phone width
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2 });
  await paste(page, fs.readFileSync(SEED, "utf8"));
  await page.screenshot({ path: "build/browser-phone.png", fullPage: false });
  await page.$eval("#papers", (el) => el.scrollIntoView());
  await page.screenshot({ path: "build/browser-phone-table.png", fullPage: false });
  check("phone width: the page, the table and every element fit the width (390 px)",
    await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth,
      document.querySelector(".table-wrap").scrollWidth <= document.querySelector(".table-wrap").clientWidth,
      [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map((e) => e.tagName + "#" + e.id + "." + e.className)]), [390, 390, true, []]);
  await page.setViewport({ width: 1280, height: 900 });

  // timings: the seed's first read (above) and three reads of each digest more
  const timings = { seed: [pick(seedStatus)] };
  const digests = bigDigest ? [["seed", SEED], ["big", bigDigest]] : [["seed", SEED]];
  for (const [name, file] of digests) {
    timings[name] = timings[name] ?? [];
    for (let i = 0; i < 3; i++) {
      await paste(page, fs.readFileSync(file, "utf8"));
      const status = await statusOf(page);
      check(`${name}: read ${i + 1} without error`, status.error, false);
      timings[name].push(pick(status));
    }
  }
  if (bigDigest) check("big digest: 600 rows", (await rowIds(page)).length, 600);
  check("no errors in the page's console", errors, []);
  check("the page requests nothing but its own files",
    requests.filter((u) => /^(https?|wss?|ftp):/.test(u) && !u.startsWith(base)), []);
  fs.writeFileSync(path.join(OUT, "timings.json"), JSON.stringify(timings, null, 2) + "\n");
  for (const [name, runs] of Object.entries(timings)) {
    console.log(`timings ${name} (ms, parse/index/topics): ${runs.map((t) => `${t.parse}/${t.index}/${t.topics}`).join("  ")}`);
  }
}

async function main() {
  const bigDigest = process.argv[2];
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir: path.resolve(OUT, "profile"),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage"],
  });
  try {
    await run(browser, base, bigDigest);
    console.log(`${nChecks} checks passed`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((err) => {
  if (!err.message.startsWith("test-browser:")) console.log(`FAIL ${err.stack}`);
  process.exitCode = 1;
});
