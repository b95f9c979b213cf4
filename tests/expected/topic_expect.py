# topic_expect.py: recomputes, independently of the C code, the expected values of
# tests/topic.test: term ids (FNV-1a + SplitMix64), BLOB layout, weights, keyword
# ranking (from papers_tokens output only), cosines, more-like-this scores and the
# centroid (exact rational sums). Run: python3 tests/expected/topic_expect.py (from the
# repository root, after make), and compare its output with the test file.
# weights, cosines, centroids, recomputed here from first principles.
import struct, math
M = (1 << 64) - 1
def term_id(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b; h = (h * 0x100000001b3) & M
    h ^= h >> 30; h = (h * 0xbf58476d1ce4e5b9) & M
    h ^= h >> 27; h = (h * 0x94d049bb133111eb) & M
    h ^= h >> 31
    return h
def f32(x): return struct.unpack('<f', struct.pack('<f', x))[0]
def encode(terms_tf, idf=None):
    ids = sorted((term_id(t), tf, t) for t, tf in terms_tf.items())
    w = [(1 + math.log(tf)) * (idf[t] if idf else 1) for _, tf, t in ids]
    n = math.sqrt(sum(x * x for x in w))
    blob = b'pv\x01\x00' + struct.pack('<I', len(ids))
    blob += b''.join(struct.pack('<Q', i) for i, _, _ in ids)
    blob += b''.join(struct.pack('<f', x / n) for x in w)
    return blob.hex().upper()
def decode(h):
    # flags 0, or 1: the last L terms are latent dimensions 0..L-1 (ids
    # 0xFFFFFFFFFFFFFF00 + k), their ids not written, L after n
    b = bytes.fromhex(h)
    assert b[:3] == b'pv\x01' and b[3] in (0, 1)
    n = struct.unpack('<I', b[4:8])[0]
    L = struct.unpack('<I', b[8:12])[0] if b[3] == 1 else 0
    at = 12 if b[3] == 1 else 8
    ids = list(struct.unpack('<%dQ' % (n - L), b[at:at + 8 * (n - L)]))
    ids += [0xFFFFFFFFFFFFFF00 + k for k in range(L)]
    ws = struct.unpack('<%df' % n, b[at + 8 * (n - L):])
    assert len(b) == at + 8 * (n - L) + 4 * n
    return dict(zip(ids, ws))
def dot(a, b):
    return sum(a[k] * b[k] for k in sorted(a) if k in b)
if True:
    print(encode({'kv': 1, 'cach': 1, 'kv cach': 1}))
    print(encode({'cach': 3, 'evict': 1, 'cach cach': 2, 'cach evict': 1}))
import sqlite3, sys
db = sqlite3.connect(':memory:')
db.enable_load_extension(True); db.load_extension('./papers')
db.create_function('readfile', 1, lambda p: open(p, 'rb').read())
db.executescript("""
CREATE TABLE papers(id INTEGER PRIMARY KEY, title, abstract);
INSERT INTO papers SELECT ordinal, title, abstract FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily', '2026-11-28');
CREATE VIRTUAL TABLE topics USING papers_index(content='papers', content_rowid='id', columns='title, abstract');
INSERT INTO topics(topics) VALUES('rebuild');
""")
ab = db.execute("select abstract from papers where id=5").fetchone()[0]
# terms from the analysis only (papers_tokens), weighing and ranking done here
rows = db.execute("select token, term, start, end, is_stop, phrase from papers_tokens(?)", (ab,)).fetchall()
tf = {}; surf = {}
prev = None
for tok, term, s, e, stop, phrase in rows:
    if not stop:
        tf[term] = tf.get(term, 0) + 1; surf.setdefault(term, []).append(tok)
    if phrase:
        tf[phrase] = tf.get(phrase, 0) + 1
        surf.setdefault(phrase, []).append(ab.encode()[prev[2]:e].decode())
    prev = (tok, term, s, e)
def best(forms):
    c = {}
    for f in forms: c[f] = c.get(f, 0) + 1
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0].encode()))[0][0]
def keywords(idf):
    ids = sorted(tf, key=lambda t: term_id(t))
    w = {t: (1 + math.log(tf[t])) * idf(t) for t in ids}
    n = math.sqrt(sum(x * x for x in (w[t] for t in ids)))
    out = [(f32(w[t] / n), best(surf[t]), term_id(t)) for t in ids]
    out.sort(key=lambda r: (-r[0], r[1].encode(), r[2]))
    return [(i + 1, r[1], round(r[0], 6)) for i, r in enumerate(out[:8])]
print(keywords(lambda t: 1))
print(db.execute("select rank, term, round(weight,6) from papers_keywords(?, 8)", (ab,)).fetchall())
N = db.execute("select v from topics_config where k='ndoc'").fetchone()[0]
def idf(t):
    r = db.execute("select df from topics_vocab where term=?", (struct.unpack('<q', struct.pack('<Q', term_id(t)))[0],)).fetchone()
    df = r[0] if r else 0
    return math.log((1 + N) / (1 + df)) + 1
print(keywords(idf))
print(db.execute("select rank, term, round(weight,6) from papers_keywords(?, 8, 'topics')", (ab,)).fetchall())
# similarity with and without index from BLOBs
for q in ["select papers_vector(a.title), papers_vector(b.title), papers_vector(a.title,'topics'), papers_vector(b.title,'topics') from papers a, papers b where a.id=5 and b.id=35"]:
    va, vb, ia, ib = db.execute(q).fetchone()
    print('%.6f %.6f' % (dot(decode(va.hex()), decode(vb.hex())), dot(decode(ia.hex()), decode(ib.hex()))))
# MLT scores recomputed from stored vectors
docs = {i: decode(v.hex()) for i, v in db.execute("select rowid, vector from topics")}
sc = sorted(((dot(docs[5], docs[i]), i) for i in docs if i != 5), key=lambda x: (-x[0], x[1]))[:5]
print([(i, round(s, 9)) for s, i in sc])
# centroid of the IB papers (vectors of title || ' ' || abstract with the index), exact sums
vs = [decode(v.hex()) for (v,) in db.execute("select papers_vector(title || ' ' || abstract, 'topics') from papers where title like '%information bottleneck%'")]
from fractions import Fraction
S = {}
for v in vs:
    for k, w in v.items(): S[k] = S.get(k, Fraction(0)) + Fraction(w)
ids = sorted(k for k in S if S[k] > 0)
d = [float(S[k]) for k in ids]
n = math.sqrt(sum(x * x for x in d))
cent = {k: f32(x / n) for k, x in zip(ids, d)}
got = decode(db.execute("select hex(papers_centroid(papers_vector(title || ' ' || abstract, 'topics'))) from papers where title like '%information bottleneck%'").fetchone()[0])
print('centroid equal:', cent == got, len(cent))
sc = sorted(((dot(cent, docs[i]), i) for i in docs), key=lambda x: (-x[0], x[1]))[:5]
print([(i, round(s, 6)) for s, i in sc])
# centroid of two small vectors
a = decode(db.execute("select hex(papers_vector('kv cache'))").fetchone()[0]); b = decode(db.execute("select hex(papers_vector('cache eviction'))").fetchone()[0])
S = {k: Fraction(a.get(k, 0)) + Fraction(b.get(k, 0)) for k in set(a) | set(b)}
ids = sorted(S); d = [float(S[k]) for k in ids]; n = math.sqrt(sum(x*x for x in d))
blob = b'pv\x01\x00' + struct.pack('<I', len(ids)) + b''.join(struct.pack('<Q', k) for k in ids) + b''.join(struct.pack('<f', x / n) for x in d)
print(blob.hex().upper())
print('%.9f %.9f' % (dot(decode(db.execute("select hex(papers_vector('kv cache compression'))").fetchone()[0]), decode(db.execute("select hex(papers_vector('cache eviction policies'))").fetchone()[0])),
                     dot(a, decode(db.execute("select hex(papers_vector('cache cache cache eviction'))").fetchone()[0]))))
t, a = db.execute("select title, abstract from papers where id=5").fetchone()
va = decode(db.execute("select hex(papers_vector(?))", (t,)).fetchone()[0]); vb = decode(db.execute("select hex(papers_vector(?))", (a,)).fetchone()[0])
print('shared', len(set(va) & set(vb)))
va = decode(db.execute("select hex(papers_vector(?, 'topics'))", (t,)).fetchone()[0]); vb = decode(db.execute("select hex(papers_vector(?, 'topics'))", (a,)).fetchone()[0])
print('sim', round(dot(va, vb), 6))
