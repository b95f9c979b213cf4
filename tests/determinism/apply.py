"""Applies an SQL script to a new database with one build of papers, in the
locale and time zone of the environment, then prints one line per table:
name, rows and the SHA-256 of its values (type and exact bytes: a REAL as its
8 IEEE bytes), so that two builds' tables can be compared byte for byte.

    python3 apply.py EXTENSION DATABASE SCRIPT

The script may read files with readfile(path), as in the sqlite3 shell.
"""
import hashlib
import locale
import os
import sqlite3
import struct
import sys


def readfile(path):
    with open(path, "rb") as f:
        return f.read()


def value_bytes(v):
    if v is None:
        return b"n"
    if isinstance(v, int):
        return b"i" + struct.pack("<q", v)
    if isinstance(v, float):
        return b"f" + struct.pack("<d", v)
    if isinstance(v, str):
        v = v.encode("utf-8")
        return b"t" + struct.pack("<q", len(v)) + v
    return b"b" + struct.pack("<q", len(v)) + bytes(v)


def table_digests(db):
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        " ORDER BY name")]
    for name in names:
        h = hashlib.sha256()
        n = 0
        for row in db.execute('SELECT * FROM "%s"' % name.replace('"', '""')):
            n += 1
            for v in row:
                h.update(value_bytes(v))
        yield "%s|%d|%s" % (name, n, h.hexdigest())


def main():
    ext, path, script = sys.argv[1:4]
    locale.setlocale(locale.LC_ALL, "")  # the environment's, as an application may do
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(ext)
    db.create_function("readfile", 1, readfile)
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(readfile(script).decode("utf-8"))
    for line in table_digests(db):
        print(line)
    db.close()


main()
