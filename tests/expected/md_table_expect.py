"""Independent reading of tests/fixtures/md-table-title-links-llm-survey.excerpt.md.

Prints the expected rows of tests/parse_md_table.test's title-links-every-field
(ordinal, title, abstract, authors, published, arxiv_id, arxiv_version, url,
links, extra, line), splitting the table rows on '|' with the standard library
only, not with the extension.
"""
import json
import re

FIXTURE = "tests/fixtures/md-table-title-links-llm-survey.excerpt.md"

lines = open(FIXTURE, encoding="utf-8").read().split("\n")
topic = None
ordinal = 0
for number, line in enumerate(lines, 1):
    if line.startswith("## "):
        topic = line[3:].strip()
    if not line.startswith("|") or set(line) <= set("|- ") or "Title" in line:
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    title_cell, authors, summary = cells[0], cells[1], cells[2]
    m = re.fullmatch(r"\[(.*)\]\((.*)\)", title_cell)
    title, url = m.group(1), m.group(2)
    id_match = re.fullmatch(r"https?://arxiv\.org/abs/(\d{4}\.\d{4,5})(?:v(\d+))?", url)
    arxiv_id = id_match.group(1) if id_match else "NULL"
    version = id_match.group(2) if id_match and id_match.group(2) else "NULL"
    author = re.sub(r"\s*et al\.?$", "", authors).strip()
    ordinal += 1
    extra = json.dumps({"topic": topic}, ensure_ascii=False, separators=(",", ":"))
    row = [ordinal, title, summary, json.dumps([author], ensure_ascii=False), "NULL",
           arxiv_id, version, url, "[]", extra, number]
    print("|".join(str(v) for v in row))
