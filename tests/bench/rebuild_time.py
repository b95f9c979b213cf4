"""rebuild_time.py: one rebuild of FTS5 and of papers_index, timed.

    /usr/bin/python3 tests/bench/rebuild_time.py EXTENSION SOURCE.db WORK.db

Copies SOURCE.db (a database of make bench-index: tables papers, fts, topics)
to WORK.db, sets bench_index's settings (WAL, synchronous off, a 64 MB page
cache), rebuilds fts then topics, each in its own transaction, commit
included, and prints for each the wall time, the process's CPU time and the
CPU time of the connection's thread (getrusage RUSAGE_THREAD: what bounds
the wall time when the second core is free), and the load average. Python's
sqlite3 runs in serialized mode, so the rebuild uses its second thread. The
Python must load extensions (make's PYTHON: /usr/bin/python3 here).
"""
import os
import resource
import shutil
import sqlite3
import sys
import time


def rebuild(db, table):
    process0 = resource.getrusage(resource.RUSAGE_SELF)
    thread0 = resource.getrusage(resource.RUSAGE_THREAD)
    wall0 = time.perf_counter()
    db.execute("BEGIN")
    db.execute(f"INSERT INTO {table}({table}) VALUES('rebuild')")
    db.execute("COMMIT")
    wall = time.perf_counter() - wall0
    process1 = resource.getrusage(resource.RUSAGE_SELF)
    thread1 = resource.getrusage(resource.RUSAGE_THREAD)

    def cpu(a, b):
        return b.ru_utime - a.ru_utime + b.ru_stime - a.ru_stime

    return wall, cpu(process0, process1), cpu(thread0, thread1)


def main():
    extension, source, work = sys.argv[1:4]
    shutil.copy(source, work)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(work + suffix):
            os.remove(work + suffix)
    db = sqlite3.connect(work, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(extension)
    for pragma in ("journal_mode = WAL", "synchronous = OFF", "cache_size = -65536"):
        db.execute("PRAGMA " + pragma).fetchall()
    times = {table: rebuild(db, table) for table in ("fts", "topics")}
    db.close()
    for table, (wall, process, thread) in times.items():
        print(f"{table:7s} wall {wall:6.2f} s  cpu {process:6.2f} s  "
              f"connection's thread {thread:6.2f} s")
    print(f"ratio {times['topics'][0] / times['fts'][0]:.2f}  "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
