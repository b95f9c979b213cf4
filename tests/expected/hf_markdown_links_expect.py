"""Independent reading of tests/fixtures/hf-trending-crawler-markdown-link-lines-2026.excerpt.md.

Prints the expected rows of tests/parse_hf_markdown.test's link-lines-every-field
query (SELECT *: every column of papers_parse) with one regular expression over
the whole text, not with the extension. The rendering has no links to
huggingface.co: no url, arxiv_id, date, upvotes or comment counts. Every card
is printed twice in a row; the second copy is no row.
"""
import json
import re

FIXTURE = "tests/fixtures/hf-trending-crawler-markdown-link-lines-2026.excerpt.md"
text = open(FIXTURE, encoding="utf-8").read()

CARD = re.compile(
    r"^### (?P<title>[^\[\n][^\n]*(?:\n  [^\n]+)*)\n\n"
    r"(?P<abstract>(?:(?!- \d+ authors|\[LINK: )[^\n]+\n)+)"
    r"(?:- (?P<authors>\d+) authors\n)?"
    r"\[LINK: GitHub (?P<stars>[0-9.]+k?)\]\((?P<repo>[^)]+)\)\n",
    re.M)


def star_value(text):
    if text.endswith("k"):
        return round(float(text[:-1]) * 1000)
    return int(text)


previous = None
ordinal = 0
for m in CARD.finditer(text):
    title = " ".join(m["title"].split())
    if title == previous:
        continue
    previous = title
    ordinal += 1
    abstract = " ".join(m["abstract"].split())
    links = []
    for u in re.finditer(r"https?://\S+", title + " " + abstract):
        link = u.group(0).rstrip(".,;:)")
        if link not in links:
            links.append(link)
    if m["repo"] not in links:
        links.append(m["repo"])
    extra = {"github_stars": star_value(m["stars"]), "github_stars_text": m["stars"]}
    line = text.count("\n", 0, m.start()) + 1
    row = [ordinal, "hf-markdown", title, abstract, "NULL", m["authors"] or "NULL",
           "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
           "NULL", "NULL", "NULL", "NULL", "NULL",
           json.dumps(links, separators=(",", ":")),
           json.dumps(extra, separators=(",", ":")), line]
    print("|".join(str(v) for v in row))
