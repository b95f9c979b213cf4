# Run by python.sh inside a virtual environment where sqlite_papers is
# installed: loads it the way a user would and runs one query.
import os
import sqlite3

import sqlite_papers

db = sqlite3.connect(":memory:")
sqlite_papers.load(db)
print("version", sqlite_papers.__version__, db.execute("SELECT papers_version()").fetchone()[0])
path = sqlite_papers.loadable_path()
print("loadable_path", os.path.relpath(path, os.path.dirname(sqlite_papers.__file__)))
digest = open(os.environ["DIGEST"], encoding="utf-8").read()
row = db.execute("SELECT count(*), max(comment_count) FROM papers_parse(?)", (digest,)).fetchone()
print("papers", *row)


class NoLoading:
    """A connection of a Python whose sqlite3 was built without extension loading."""


try:
    sqlite_papers.load(NoLoading())
except sqlite_papers.LoadingUnsupported as err:
    print(err)
