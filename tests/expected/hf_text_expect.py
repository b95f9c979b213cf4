"""Independent reading of tests/fixtures/hf-text-dump-search-long-context-asr-2026-06-29.excerpt.md.

Prints the expected rows of tests/parse_hf_text.test's every-field query
(ordinal, format, title, abstract, author_count, org, org_handle, published,
date_text, comment_count, upvotes, arxiv_id, url, links, line) with one
regular expression over the whole text, not with the extension. The dump was
cut before its link list, so url and arxiv_id are NULL. Dates without a year
are in 2026, the year of the page (captured 2026-06-29, page date Jun 29).
"""
import datetime
import json
import re

FIXTURE = "tests/fixtures/hf-text-dump-search-long-context-asr-2026-06-29.excerpt.md"
text = open(FIXTURE, encoding="utf-8").read()

CARD = re.compile(
    r"(?:\[\n(?P<up>-|\d+)\n\]\[\d+\]\n\n)?"
    r"### \[(?P<title>.*?)\]\[\d+\]\n\n"
    r"\[\n\n(?P<abstract>.*?)\n\n\]\[\d+\]\n"
    r"(?:\[\n\* (?P<authors>\d+) authors\n\]\[\d+\]\n"
    r"|\[\[(?P<handle>[^\]]*)\] (?P<org>[^\]]*)\]\[\d+\]\n)"
    "\u00b7\n"
    r"(?P<date>[A-Z][a-z]{2} \d{1,2}(?:, \d{4})?)(?: \[ (?P<comments>\d+)\]\[\d+\])?\n",
    re.S)

for ordinal, m in enumerate(CARD.finditer(text), 1):
    title = " ".join(m["title"].replace("\n### ", "\n").split())
    abstract = " ".join(m["abstract"].split())
    date_text = m["date"]
    if "," not in date_text:
        date_text_full = date_text + ", 2026"
    else:
        date_text_full = date_text
    published = datetime.datetime.strptime(date_text_full, "%b %d, %Y").date().isoformat()
    links = []
    for u in re.finditer(r"https?://\S+", title + " " + abstract):
        link = u.group(0).rstrip(".,;:)")
        if link not in links:
            links.append(link)
    line = text.count("\n", 0, m.start("title")) + 1
    row = [ordinal, "hf-text", title, abstract, m["authors"] or "NULL",
           m["org"] or "NULL", m["handle"] or "NULL", published, date_text,
           m["comments"] or "0", m["up"] if m["up"] not in (None, "-") else "NULL",
           "NULL", "NULL", json.dumps(links, separators=(",", ":")), line]
    print("|".join(str(v) for v in row))
