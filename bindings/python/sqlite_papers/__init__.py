"""The papers SQLite extension for Python's sqlite3 module.

    import sqlite3, sqlite_papers
    db = sqlite3.connect(":memory:")
    sqlite_papers.load(db)
    db.execute("SELECT papers_version()").fetchone()

load(conn) loads the extension into a connection; loadable_path() is the
library's path without its suffix, for any other driver's load_extension.
"""
import os
from importlib.metadata import version as _distribution_version

__all__ = ["load", "loadable_path", "LoadingUnsupported", "__version__"]

__version__ = _distribution_version("sqlite-papers")

_HOW_TO = (
    "this Python's sqlite3 module cannot load extensions "
    "(sqlite3.Connection has no enable_load_extension): it was built without "
    "them. Use a Python built with loadable extensions: with pyenv, "
    "PYTHON_CONFIGURE_OPTS=--enable-loadable-sqlite-extensions pyenv install VERSION; "
    "on macOS, the python.org installer or Homebrew's python (not Apple's /usr/bin/python3); "
    "on Debian and Ubuntu, /usr/bin/python3"
)


class LoadingUnsupported(RuntimeError):
    """The connection's sqlite3 module was built without extension loading."""


def loadable_path():
    """The compiled extension's path without its suffix (.so, .dylib or .dll),
    which SQLite's load_extension adds itself."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "papers")


def load(conn):
    """Loads papers into the sqlite3 connection conn, leaving extension
    loading disabled afterwards. Raises LoadingUnsupported, saying what to do,
    when this Python's sqlite3 cannot load extensions, and sqlite3's own error
    when the SQLite is too old (papers needs 3.38.0 or later)."""
    enable = getattr(conn, "enable_load_extension", None)
    if enable is None:
        raise LoadingUnsupported("sqlite_papers.load: " + _HOW_TO)
    enable(True)
    try:
        conn.load_extension(loadable_path())
    finally:
        enable(False)
