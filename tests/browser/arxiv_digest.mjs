// Writes an arXiv listing mail of the first N papers of an evaluation set
// (docs/quality.md: a folder of JSON Lines, one arXiv record a line), for
// timing the page on a digest of realistic size:
//
//   node tests/browser/arxiv_digest.mjs DIR N > digest.txt
import fs from "node:fs";
import path from "node:path";

const [dir, countText] = process.argv.slice(2);
const count = Number(countText);
if (!dir || !Number.isInteger(count) || count < 1) {
  console.error("usage: node tests/browser/arxiv_digest.mjs DIR N");
  process.exit(2);
}

const RULE = "-".repeat(78);
const seen = new Set();
const papers = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()) {
  for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n")) {
    if (line.trim() === "" || papers.length === count) continue;
    const p = JSON.parse(line);
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    papers.push(p);
  }
}
if (papers.length < count) {
  console.error(`arxiv_digest: ${dir} holds ${papers.length} papers, fewer than ${count}`);
  process.exit(1);
}

const folded = (s) => s.trim().replace(/\s*\n\s*/g, "\n  ");
const out = [RULE, " Submissions to:", "Computer Science", RULE];
for (const p of papers) {
  out.push(RULE, "\\\\", `arXiv:${p.id}`, "Date: Tue, 1 Jul 2025 18:00:00 GMT   (100kb)", "");
  out.push(`Title: ${folded(p.title)}`, `Authors: ${folded(p.authors.join(", "))}`);
  out.push(`Categories: ${p.categories.join(" ")}`);
  if (p.comment) out.push(`Comments: ${folded(p.comment)}`);
  out.push("\\\\", `  ${p.summary.trim()}`, `\\\\ ( https://arxiv.org/abs/${p.id} ,  100kb)`);
}
out.push(RULE, "");
process.stdout.write(out.join("\n"));
