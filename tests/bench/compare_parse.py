#!/usr/bin/env python3
"""compare_parse.py: the full output of two builds of papers, byte for byte, over the
parse fixtures and variants of them (docs/performance.md, eighth round).

    python3 tests/bench/compare_parse.py OLD/papers NEW/papers [MUTATIONS]

Run from the repository root, with the sqlite3 shell. Inputs: every file of
tests/fixtures, /work/shared/fixtures (when present) and tests/data/*.txt, each as it
is and with LF, CRLF and CR line ends; MUTATIONS (default 200) random edits of the
arxiv-mail and hf-daily ones (fixed seed); the mailings with their sizes replaced by
edge cases. Each is read by papers_parse and papers_unparsed as arxiv-mail, as
hf-daily and detected; the output of both builds (rows in quote mode, errors) is
written to /tmp/compare_parse/ and compared. Exit status 0 when it is the same."""
import glob, os, random, subprocess, sys
base, new = sys.argv[1], sys.argv[2]
nmut = int(sys.argv[3]) if len(sys.argv) > 3 else 200
out = "/tmp/compare_parse"
os.makedirs(out, exist_ok=True)
files = sorted(set(glob.glob("tests/fixtures/*") + glob.glob("/work/shared/fixtures/*")
                   + glob.glob("tests/data/*.txt")))
files = [f for f in files if os.path.isfile(f) and not f.endswith("SOURCES.md")]
inputs = []
def add(name, data):
    p = os.path.join(out, "in%04d" % len(inputs))
    open(p, "wb").write(data)
    inputs.append((name, p))
seeds = []
for f in files:
    d = open(f, "rb").read()
    add(f, d)
    lf = d.replace(b"\r\n", b"\n")
    add(f + " LF", lf)
    add(f + " CRLF", lf.replace(b"\n", b"\r\n"))
    add(f + " CR", lf.replace(b"\n", b"\r"))
    if b"arXiv:" in d or b"upvote" in d.lower() or f.startswith("tests/data"):
        seeds.append((f, lf))
rng = random.Random(20261205)
import re
sizes = [b"(007kb)", b"(0kb)", b"(000kb,D)", b"(123456789012345678901kb)", b"(1234567890123456789kb,I)",
         b"(9223372036854775807kb)", b"(9223372036854775808kb,D)", b'(5kb,"\\)', b"(5kb, D I )",
         b"(5kb,\x01)", b"(12kb,\xc2\xa0D)", b"(3kb)", b"(  4kb  )", b"(kb)", b"(4 kb)"]
for name, lf in list(seeds):
    for k in range(3):
        add(name + " sizes%d" % k, re.sub(rb"\((\d+)kb(,[^)]*)?\)", lambda m: rng.choice(sizes), lf))
pieces = [b'"', b"\\", b"\x01", b"(", b")", b" and ", b"\r", b"\r\n", b"\t", b"\xc2\xa0",
          b"\xe2\x80\x83", b"\xe3\x80\x80", b"\xe2\x80\xa2", b"https://x.org/a", b"  ", b"\n",
          b"\n  ", b"\\\\\n", b"-----------------------------\n", b",", b":", b"kb)", b"\x00",
          b"Comments:", b"Authors: ", b" (", b"et al. (3 additional authors not shown)",
          b"\n\n", b" \n", b"%", b"-", b"arXiv:", b"MSC-class: ", b"Date:", b"\xc3\xa9"]
for i in range(nmut):
    name, d = rng.choice(seeds)
    d = bytearray(d)
    for _ in range(rng.randint(1, 12)):
        pos = rng.randrange(len(d) + 1)
        # bias towards the start so small fixtures see edits everywhere
        if rng.random() < 0.5 and len(d) > 6000:
            pos = rng.randrange(6000)
        if rng.random() < 0.7:
            d[pos:pos] = rng.choice(pieces)
        else:
            d[pos:pos + rng.randint(1, 40)] = b""
    add("%s mut%d" % (name, i), bytes(d))
def run(so):
    lines = [".load " + so, ".mode quote", ".headers off"]
    for name, p in inputs:
        for fmt in ("arxiv-mail", "hf-daily", None):
            fa = "'%s'" % fmt if fmt else "NULL"
            lines.append(".print '== %s %s'" % (name.replace("'", ""), fmt))
            lines.append("SELECT * FROM papers_parse(readfile('%s'), %s, '2026-11-28');" % (p, fa))
            lines.append("SELECT * FROM papers_unparsed(readfile('%s'), %s);" % (p, fa))
            if fmt is None:
                break
    script = "\n".join(lines) + "\n"
    r = subprocess.run(["sqlite3", ":memory:"], input=script.encode(), capture_output=True)
    return r.stdout + b"\n--stderr--\n" + r.stderr
a = run(base)
b = run(new)
open(out + "/base.out", "wb").write(a)
open(out + "/new.out", "wb").write(b)
print("inputs %d (fixtures %d, mutations %d), output %d bytes, rows %d: %s" % (
    len(inputs), len(files), nmut, len(a), a.count(b"\n"), "IDENTICAL" if a == b else "DIFFERENT"))
sys.exit(0 if a == b else 1)
