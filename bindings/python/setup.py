"""Builds the sqlite_papers package: the papers SQLite extension compiled from
its C source (src/, which `make package-src` in the repository fills) into
sqlite_papers/papers.so (.dylib on macOS, .dll on Windows), next to the Python
module that loads it. The version is the C source's PAPERS_VERSION."""
import glob
import os
import re
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
REPO_MAKEFILE = os.path.join(HERE, "..", "..", "Makefile")


def in_checkout():
    """Whether this folder is bindings/python of a papers checkout (and not a
    copy, such as an unpacked sdist)."""
    mine = os.path.join(os.path.dirname(REPO_MAKEFILE), "bindings", "python")
    return os.path.exists(REPO_MAKEFILE) and os.path.exists(mine) and os.path.samefile(mine, HERE)


def c_sources():
    """The C files of src/; in a checkout, `make package-src` brings them up
    to date with the library's source first."""
    if in_checkout():
        subprocess.check_call(["make", "-s", "-C", os.path.dirname(REPO_MAKEFILE), "package-src"])
    sources = sorted(glob.glob(os.path.join(SRC, "*.c")))
    if not sources:
        sys.exit("sqlite_papers: no C source in %s (run `make package-src` in the repository)" % SRC)
    return [os.path.relpath(p, HERE) for p in sources]


def papers_version():
    """PAPERS_VERSION, as the C source defines it."""
    for path in glob.glob(os.path.join(SRC, "*.[ch]")):
        with open(path, encoding="utf-8") as f:
            m = re.search(r'^#define PAPERS_VERSION "([^"]+)"$', f.read(), re.M)
        if m:
            return m.group(1)
    sys.exit("sqlite_papers: no PAPERS_VERSION in %s" % SRC)


def library_suffix():
    if sys.platform == "darwin":
        return ".dylib"
    if sys.platform == "win32":
        return ".dll"
    return ".so"


class BuildLoadable(build_ext):
    """Builds a SQLite loadable extension rather than a Python module: no
    Python ABI tag in its name (SQLite derives the entry point
    sqlite3_papers_init from "papers") and no PyInit_ export."""

    def get_ext_filename(self, fullname):
        return os.path.join(*fullname.split(".")) + library_suffix()

    def get_export_symbols(self, ext):
        return ["sqlite3_papers_init"] if self.compiler.compiler_type == "msvc" else []

    def build_extensions(self):
        if self.compiler.compiler_type in ("unix", "mingw32"):
            for ext in self.extensions:
                ext.extra_compile_args = ["-O2", "-ffp-contract=off", "-fvisibility=hidden"]
                if sys.platform == "darwin":
                    ext.extra_link_args = ["-undefined", "dynamic_lookup"]
        build_ext.build_extensions(self)


SOURCES = c_sources()  # first: it may update src/, where the version is read

setup(
    name="sqlite-papers",
    version=papers_version(),
    description="The papers SQLite extension: research-paper digests as rows, topics and an index",
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.8",
    packages=["sqlite_papers"],
    ext_modules=[
        Extension("sqlite_papers.papers", sources=SOURCES, include_dirs=["src"])
    ],
    cmdclass={"build_ext": BuildLoadable},
    zip_safe=False,
)
