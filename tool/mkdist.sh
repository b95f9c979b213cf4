#!/bin/sh
# mkdist.sh OUTDIR COMMIT FILE.c...: writes the single-file build of papers.
#
#   OUTDIR/papers.c  every FILE.c in the order given, each internal header of
#                    ext/ inlined where it is first included and dropped where
#                    it is included again; #line directives point compiler
#                    messages and asserts at the original files
#   OUTDIR/papers.h  the public header (ext/papers.h): sqlite3_papers_init
#
# COMMIT is baked in as PAPERS_GIT_COMMIT (papers_debug()) unless the
# compiler defines it. Headers outside ext/ (sqlite3ext.h, <stdio.h>, ...)
# stay #include lines.
set -eu
out=$1
commit=$2
shift 2
mkdir -p "$out"
tmp="$out/papers.c.tmp"
{
  cat <<HEAD
/*
** papers.c: the papers SQLite extension as one file (made by tool/mkdist.sh
** from ext/ at commit $commit; edit those files, not this one).
**
**   cc -O2 -fPIC -shared papers.c -o papers.so           loadable extension
**   cc -DSQLITE_CORE -c papers.c                         linked into a program
**                                                        that has SQLite; then
**   sqlite3_auto_extension((void (*)(void))sqlite3_papers_init);
**
** Build with -ffp-contract=off (GCC): the topic functions promise the same
** bits on every machine, which fused multiply-adds would break.
*/
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif
#ifndef PAPERS_GIT_COMMIT
#define PAPERS_GIT_COMMIT "$commit"
#endif
#ifndef PAPERS_BUILD_FLAGS
#define PAPERS_BUILD_FLAGS "dist"
#endif
HEAD
  awk -v headers="$(cd ext && ls *.h | tr '\n' ' ')" '
    BEGIN { n = split(headers, a, " "); for (i = 1; i <= n; i++) known[a[i]] = 1 }
    # Copies file f, inlining the internal headers it includes.
    function emit(f,    line, nLine, h) {
      print "#line 1 \"" f "\""
      nLine = 0
      while ((getline line < f) > 0) {
        nLine++
        if (match(line, /^#include "[^"]+"/)) {
          h = substr(line, 11, RLENGTH - 11)
          if (h in known) {
            if (!(h in seen)) { seen[h] = 1; emit("ext/" h) }
            print "#line " (nLine + 1) " \"" f "\""
            continue
          }
        }
        print line
      }
      close(f)
    }
    { emit($0) }
  ' <<LIST
$(for f in "$@"; do echo "$f"; done)
LIST
} > "$tmp"
mv "$tmp" "$out/papers.c"
cp ext/papers.h "$out/papers.h"
