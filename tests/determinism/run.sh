#!/usr/bin/env bash
# Determinism across builds (make test-determinism, docs/distributed.md): the
# same writes (tests/determinism/writes.sql) made with every build given here
# must leave the same bytes in every table, shadow tables included, and the
# same database file. The last build runs a second time in a German locale
# (decimal comma), a UTC+14 time zone and on another date (faketime): place
# and time must change nothing either. And the one exception is shown to be
# one: papers_parse without `today` dates a paper by the clock.
#
#   tests/determinism/run.sh PYTHON NAME=LIBRARY...
#
# A LIBRARY ending in .mjs is the WebAssembly build (make wasm), run by node
# with tests/determinism/apply.mjs: it carries its own SQLite, so only its
# tables are compared, not its file. PYTHON must be able to load extensions. LOCPATH gets a de_DE.UTF-8 locale
# built with localedef (Debian: locales); faketime is Debian's faketime.
set -euo pipefail

PYTHON=${1:?usage: run.sh PYTHON NAME=LIBRARY...}
shift
[ $# -ge 2 ] || { echo "run.sh: give at least two builds" >&2; exit 1; }
WORK=build/determinism/run
SCRIPT=tests/determinism/writes.sql
rm -rf "$WORK"
mkdir -p "$WORK/locale"

localedef -i de_DE -f UTF-8 "$WORK/locale/de_DE.UTF-8" >/dev/null 2>&1 ||
  [ -d "$WORK/locale/de_DE.UTF-8" ] || { echo "FAIL: localedef de_DE.UTF-8 (Debian: locales)" >&2; exit 1; }

# Applies the writes with build $2 as run $1 under the environment given after.
apply() {
  local name=$1 lib=$2
  shift 2
  if [[ $lib == *.mjs ]]; then
    env "$@" node tests/determinism/apply.mjs "$lib" "$SCRIPT" >"$WORK/$name.tables"
    printf '%-28s (tables only: its own SQLite), %s tables\n' "$name" "$(wc -l <"$WORK/$name.tables")"
    return
  fi
  env "$@" "$PYTHON" tests/determinism/apply.py "$lib" "$WORK/$name.db" "$SCRIPT" >"$WORK/$name.tables"
  printf '%-28s %s  %s bytes, %s tables\n' "$name" "$(sha256sum <"$WORK/$name.db" | cut -c1-16)" \
    "$(wc -c <"$WORK/$name.db")" "$(wc -l <"$WORK/$name.tables")"
}

RUNS=()
for build in "$@"; do
  name=${build%%=*}
  lib=${build#*=}
  apply "$name" "$lib" LC_ALL=C TZ=UTC
  RUNS+=("$name")
  [[ $lib == *.mjs ]] || { NATIVE_NAME=$name; LAST_LIB=$lib; }
done
LATER="2031-03-01 12:00:00"
PLACE="$NATIVE_NAME-de_DE-UTC+14-2031"
apply "$PLACE" "$LAST_LIB" LOCPATH="$WORK/locale" LC_ALL=de_DE.UTF-8 TZ=Pacific/Kiritimati \
  faketime "$LATER"
RUNS+=("$PLACE")

# Without `today`, the clock anchors "Apr 7": another date, another year.
dated() {
  faketime "$1" "${SQLITE3:-sqlite3}" :memory: -cmd ".load ${LAST_LIB%.so}" \
    "SELECT published FROM papers_parse(readfile('tests/fixtures/hf-daily-papers-2026-05-15.txt'), 'hf-daily') WHERE ordinal = 1"
}
EARLY=$(dated "2027-01-10 12:00:00")
LATE=$(dated "$LATER")
[ "$EARLY" = 2026-04-07 ] && [ "$LATE" = 2030-04-07 ] ||
  { echo "FAIL: papers_parse without today: $EARLY on 2027-01-10, $LATE on 2031-03-01" >&2; exit 1; }
echo "papers_parse without today: 'Apr 7' is $EARLY on 2027-01-10, $LATE on 2031-03-01 (writes give today)"

FIRST=${RUNS[0]}
status=0
for run in "${RUNS[@]:1}"; do
  if ! diff "$WORK/$FIRST.tables" "$WORK/$run.tables" >"$WORK/$run.diff"; then
    echo "FAIL: $run: tables differ from $FIRST's:" >&2
    cat "$WORK/$run.diff" >&2
    status=1
  elif [ -f "$WORK/$run.db" ] && ! cmp -s "$WORK/$FIRST.db" "$WORK/$run.db"; then
    echo "FAIL: $run: database file differs from $FIRST's" >&2
    status=1
  fi
done
[ $status = 0 ] || exit 1
echo "identical: ${#RUNS[@]} runs, $(wc -l <"$WORK/$FIRST.tables") tables, every value (and every byte of each file):"
cat "$WORK/$FIRST.tables"
echo "PASS test-determinism"
