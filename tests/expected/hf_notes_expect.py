"""Independent reading of tests/fixtures/hf-notes-export-search-intercode-2026-07-28.excerpt.md.

Prints the expected rows of tests/parse_hf_notes.test's every-field query
(ordinal, format, title, abstract, author_count, org, org_handle, published,
date_text, comment_count, upvotes, arxiv_id, url, links, line) with regular
expressions over the text, not with the extension. Every date in the
excerpt states its year.
"""
import datetime
import json
import re

FIXTURE = "tests/fixtures/hf-notes-export-search-intercode-2026-07-28.excerpt.md"
text = open(FIXTURE, encoding="utf-8").read()
lines = [(n, l.strip()) for n, l in enumerate(text.split("\n"), 1) if l.strip()]

starts = [i for i, (_, l) in enumerate(lines) if l.startswith("[-]")]
for ordinal, i in enumerate(starts, 1):
    end = starts[ordinal] if ordinal < len(starts) else len(lines)
    card = lines[i:end]
    number, vote = card[0]
    upvotes = vote[3:].strip()
    title = card[2][1]
    url = card[3][1]
    paper_id = url.rsplit("/", 1)[1]
    j = 4
    abstract = []
    while card[j][1] != url:
        abstract.append(card[j][1])
        j += 1
    rest = [l for _, l in card[j + 1:]]
    authors = next((re.match(r"(\d+) authors?\]", l).group(1) for l in rest
                    if re.match(r"\d+ authors?\]", l)), "NULL")
    dot = rest.index("\u00b7")
    org = handle = "NULL"
    if authors == "NULL":
        org = rest[dot - 2]
        handle = rest[dot - 1].rsplit("/", 1)[1]
    date_text = rest[dot + 1]
    published = datetime.datetime.strptime(date_text, "%b %d, %Y").date().isoformat()
    comments = rest[dot + 2] if len(rest) > dot + 2 else "0"
    abstract_text = " ".join(abstract)
    links = []
    for m in re.finditer(r"https?://[^\s]+", title + " " + abstract_text):
        link = m.group(0).rstrip(".,;:)")
        if link not in links:
            links.append(link)
    row = [ordinal, "hf-notes", title, abstract_text, authors, org, handle, published,
           date_text, comments, upvotes if upvotes != "-" else "NULL", paper_id, url,
           json.dumps(links, separators=(",", ":")), number]
    print("|".join(str(v) for v in row))
