#!/bin/sh
# run.sh TARGET...: runs each libFuzzer target of build/fuzz/ for
# $FUZZ_SECONDS seconds, one after the other, and prints one line per target:
#   NAME  execs N  corpus N  seconds S  (ok | CRASH: file)
# Exits non-zero when a target found a crash, a leak or a timeout.
set -u
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
maxlen=${FUZZ_MAX_LEN:-65536}
status=0
mkdir -p build/fuzz/crash build/fuzz/log
for name in "$@"; do
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=build/fuzz/seeds
  len=$maxlen
  case $name in
    vector) seeds= ;;       # BLOBs, not digests: starts from nothing
    key) len=4096 ;;        # titles are short
    fold) len=8192 ;;       # column texts, not whole digests
    keywords) len=8192 ;;   # abstracts, not whole digests
    index) seeds= ; len=2048 ;; # programs of operations, not digests
    corrupt) seeds= ; len=512 ;; # damages of a built index, not digests
  esac
  log=build/fuzz/log/$name.txt
  ./build/fuzz/$name -max_total_time="$seconds" -max_len="$len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=build/fuzz/crash/"$name"- "$corpus" $seeds >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  units=$(ls "$corpus" | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FAILED (see $log)"
    status=1
  fi
  printf '%-24s execs %-10s corpus %-6s seconds %-5s %s\n' "$name" "${execs:-?}" "$units" \
    "$seconds" "$result"
done
exit $status
