#!/usr/bin/env bash
# A three-node dqlite cluster on loopback holding a paper library with a
# papers_index, driven through the `dqlite` shell (make test-dqlite):
#
#   0. bad command lines are refused with their message; a cluster of one
#      node: a table, the papers of a digest, a count, a clean stop;
#   1. create the library and its index, insert the seed digest's papers
#      (INSERT ... SELECT FROM papers_parse(<the digest as a literal>)),
#      rebuild, ask "more like this";
#   2. SIGKILL the leader, wait for a new one (measured), ask again: same rows;
#   3. insert a second digest through the new leader and index it;
#   4. restart the killed node and wait until its database equals the
#      leader's (measured: catch-up);
#   5. compare the three nodes: the shell's .dump of each (the database file
#      and WAL) must hold the same content (sha3sum, SQL text) and, once
#      checkpointed, the same bytes; integrity-check on the cluster and on
#      each node's copy.
#
# Every answer is compared with the same statements run by the sqlite3 shell
# on a local file (the reference), and the first with its known rows.
# Every process started here is stopped at exit. Figures go to stdout.
#
#   tests/dqlite/cluster.sh NODE_PROGRAM EXTENSION   (EXTENSION: ./papers)
set -euo pipefail

NODE=${1:?usage: cluster.sh NODE_PROGRAM EXTENSION}
EXT=${2:?usage: cluster.sh NODE_PROGRAM EXTENSION}
DQLITE=${DQLITE:-dqlite}
SQLITE3=${SQLITE3:-sqlite3}
FIXTURES=tests/fixtures
WORK=build/dqlite-test
DB=library
LATENCY_MS=100   # dqlite's network latency: heartbeat 150 ms, election timeout 1.5 s
WAIT_SECONDS=30  # the longest any one wait may take
MAX_ARG=131071   # Linux passes at most 128 KiB (with its NUL) in one argument

PIDS=("" "" "" "") # the three nodes, and the node of the cluster of one
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Stops every node still running: SIGTERM, then SIGKILL after 10 s.
cleanup() {
  local i
  for i in "${!PIDS[@]}"; do
    [ -n "${PIDS[$i]}" ] && kill -TERM "${PIDS[$i]}" 2>/dev/null || true
  done
  for i in "${!PIDS[@]}"; do
    [ -n "${PIDS[$i]}" ] || continue
    for _ in $(seq 1 100); do
      kill -0 "${PIDS[$i]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${PIDS[$i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A port nothing listens on: connecting to it is refused.
free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  fail "no free port from $1"
}

BASE=$((20000 + $$ % 30000))
P1=$(free_port $BASE)
P2=$(free_port $((P1 + 1)))
P3=$(free_port $((P2 + 1)))
P4=$(free_port $((P3 + 1)))
ADDR=("127.0.0.1:$P1" "127.0.0.1:$P2" "127.0.0.1:$P3")
CLUSTER="${ADDR[0]},${ADDR[1]},${ADDR[2]}"

# Starts node $1 (1-based) in the background.
start_node() {
  local i=$1
  "$NODE" --id "$i" --address "${ADDR[$((i - 1))]}" --dir "$WORK/node$i" \
    --cluster "$CLUSTER" --latency-ms $LATENCY_MS >>"$WORK/node$i.log" 2>&1 &
  PIDS[$((i - 1))]=$!
}

# Runs SQL through the dqlite shell against SERVERS; prints its output.
dq() {
  local servers=$1 sql=$2
  [ ${#sql} -le $MAX_ARG ] || fail "statement of ${#sql} bytes exceeds one argument"
  timeout $WAIT_SECONDS "$DQLITE" -s "$servers" "$DB" "$sql"
}

# Runs SQL on the reference database with the sqlite3 shell.
ref() {
  printf '%s;\n' "$1" | "$SQLITE3" -bail -cmd ".load $EXT" "$WORK/reference.db"
}

# Runs SQL on the cluster and on the reference; their outputs must agree.
# Sets CLUSTER_MS and REFERENCE_MS to the time each took (shell start included).
both() {
  local got want t0
  t0=$(now_ms)
  got=$(dq "$CLUSTER" "$1") || fail "cluster: $1"
  CLUSTER_MS=$(($(now_ms) - t0))
  t0=$(now_ms)
  want=$(ref "$1") || fail "reference: $1"
  REFERENCE_MS=$(($(now_ms) - t0))
  [ "$got" = "$want" ] || fail "cluster and reference differ on: ${1:0:120}
cluster:
$got
reference:
$want"
  printf '%s\n' "$got"
}

# A file's text as an SQL string literal the dqlite shell passes whole: it
# splits its input on semicolons, so they are written char(59).
literal() {
  printf "'%s'" "$(sed "s/'/''/g; s/;/'||char(59)||'/g" "$1")"
}

# Prints the leader's address once one of SERVERS names a leader other than
# $2 (empty: any), or fails after WAIT_SECONDS.
wait_leader() {
  local servers=$1 old=${2:-} leader deadline=$(($(now_ms) + WAIT_SECONDS * 1000))
  while [ "$(now_ms)" -lt $deadline ]; do
    leader=$(timeout 5 "$DQLITE" -s "$servers" "$DB" .leader 2>/dev/null || true)
    if [ -n "$leader" ] && [ "$leader" != "$old" ]; then
      echo "$leader"
      return
    fi
    sleep 0.05
  done
  fail "no leader after ${WAIT_SECONDS}s"
}

# Copies node $1's database (file and WAL) into directory $2 with the shell's
# .dump, and checkpoints the copy into one file.
dump_node() {
  local address=$1 dir=$2
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && timeout 5 "$DQLITE" -s "$CLUSTER" "$DB" ".dump $address $DB") >/dev/null 2>&1 ||
    return 1
  [ -s "$dir/$DB" ] || return 1
  "$SQLITE3" "$dir/$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null 2>&1
}

# The content of a copied database: SHA3 of every table (shadow tables too).
content_hash() { "$SQLITE3" "$1" .sha3sum; }

rm -rf "$WORK"
mkdir -p "$WORK"

# Bad arguments: exit status 1 and a message naming the argument and value.
# (Under LeakSanitizer, make asan-dqlite: libdqlite 1.11 does not free what a
# node created but never started holds, so leaks are not looked for here.)
expect_refusal() {
  local want=$1 got status=0
  shift
  got=$(ASAN_OPTIONS=detect_leaks=0 "$NODE" "$@" 2>&1 >/dev/null | head -1) || true
  ASAN_OPTIONS=detect_leaks=0 "$NODE" "$@" >/dev/null 2>&1 || status=$?
  [ "$status" = 1 ] && [ "$got" = "$want" ] || fail "papers-dqlite $*: exit $status, '$got'"
}
expect_refusal "papers-dqlite: --id must be between 1 and the number of --cluster addresses: 3" \
  --id 3 --address 127.0.0.1:$P1 --dir "$WORK/bad" --cluster 127.0.0.1:$P1,127.0.0.1:$P2
expect_refusal "papers-dqlite: --address must be the --id-th address of --cluster: 127.0.0.1:$P2" \
  --id 1 --address 127.0.0.1:$P2 --dir "$WORK/bad" --cluster 127.0.0.1:$P1,127.0.0.1:$P2
expect_refusal "papers-dqlite: --latency-ms must be between 1 and 10000: 0" \
  --id 1 --address 127.0.0.1:$P1 --dir "$WORK/bad" --cluster 127.0.0.1:$P1 --latency-ms 0
expect_refusal "papers-dqlite: unknown option: --port" --port 1
expect_refusal "papers-dqlite: node 1 (localhost:$P1): dqlite_node_set_bind_address (a free port? an IPv4 address?) failed (2)" \
  --id 1 --address localhost:$P1 --dir "$WORK/bad" --cluster localhost:$P1
echo "arguments: 5 bad command lines refused with their message"

# 0. A cluster of one node bootstraps itself and commits.
SINGLE=127.0.0.1:$P4
"$NODE" --id 1 --address $SINGLE --dir "$WORK/single" --cluster $SINGLE >>"$WORK/single.log" 2>&1 &
PIDS[3]=$!
wait_leader $SINGLE >/dev/null
dq $SINGLE "CREATE TABLE library(id INTEGER PRIMARY KEY, title TEXT)" || fail "one node: create"
dq $SINGLE "INSERT INTO library(title) SELECT title FROM papers_parse((SELECT example FROM papers_formats WHERE name = 'hf-daily'), 'hf-daily', '2026-11-28')" ||
  fail "one node: insert"
ONE=$(dq $SINGLE "SELECT count(*), min(title) FROM library") || fail "one node: select"
[ "$ONE" = "1|GIRL: Generative Imagination Reinforcement Learning" ] || fail "one node: $ONE"
kill -TERM "${PIDS[3]}"
wait "${PIDS[3]}" || fail "one node: exit status $? on SIGTERM"
PIDS[3]=""
echo "one node: committed and answered; stopped cleanly"

T0=$(now_ms)
start_node 1
start_node 2
start_node 3
LEADER=$(wait_leader "$CLUSTER")
echo "cluster $CLUSTER: first leader $LEADER elected $(($(now_ms) - T0)) ms after start"

# 1. The library, its index, the seed digest, a rebuild and "more like this".
both "CREATE TABLE library(id INTEGER PRIMARY KEY, title TEXT, abstract TEXT, published TEXT)" >/dev/null
both "CREATE VIRTUAL TABLE topics USING papers_index(content='library', content_rowid='id', columns='title, abstract')" >/dev/null
both "INSERT INTO library(id, title, abstract, published)
SELECT ordinal, title, abstract, published
FROM papers_parse($(literal $FIXTURES/hf-daily-papers-2026-05-15.txt), 'hf-daily', '2026-11-28')" >/dev/null
TIMES="insert $CLUSTER_MS ms (local file: $REFERENCE_MS ms)"
both "INSERT INTO topics(topics) VALUES('rebuild')" >/dev/null
TIMES="$TIMES, rebuild $CLUSTER_MS ms (local file: $REFERENCE_MS ms)"
SEED=$(both "SELECT count(*), min(published), max(published) FROM library")
[ "$SEED" = "67|2020-05-19|2026-04-29" ] || fail "seed digest: $SEED"
LIKE5="SELECT rowid, printf('%.4f', score) FROM topics WHERE similar_to = 5 ORDER BY score DESC LIMIT 3"
BEFORE=$(both "$LIKE5")
[ "$BEFORE" = "23|0.1190
35|0.1131
56|0.0780" ] || fail "more like 5: $BEFORE"
echo "seed digest: 67 papers indexed; more like 5: $(echo $BEFORE); $TIMES"

# 2. Failover.
for i in 0 1 2; do [ "${ADDR[$i]}" = "$LEADER" ] && KILLED=$((i + 1)); done
T0=$(now_ms)
kill -KILL "${PIDS[$((KILLED - 1))]}"
wait "${PIDS[$((KILLED - 1))]}" 2>/dev/null || true
PIDS[$((KILLED - 1))]=""
NEW_LEADER=$(wait_leader "$CLUSTER" "$LEADER")
T1=$(now_ms)
AFTER=$(dq "$CLUSTER" "$LIKE5") || fail "no answer after failover"
T2=$(now_ms)
[ "$AFTER" = "$BEFORE" ] || fail "more like 5 after failover: $AFTER"
echo "failover: killed leader $LEADER (node $KILLED); new leader $NEW_LEADER elected after $((T1 - T0)) ms, first answer after $((T2 - T0)) ms, same rows"

# 3. A second digest through the new leader; the shell cannot create a
# trigger (its body has semicolons), so the new papers are indexed here.
dq "$NEW_LEADER" "INSERT INTO library(title, abstract, published)
SELECT title, abstract, published
FROM papers_parse($(literal $FIXTURES/arxiv-listing-qfin-new-2023-03-17.txt), 'arxiv-mail', '2023-03-17')" ||
  fail "second digest"
ref "INSERT INTO library(title, abstract, published)
SELECT title, abstract, published
FROM papers_parse(readfile('$FIXTURES/arxiv-listing-qfin-new-2023-03-17.txt'), 'arxiv-mail', '2023-03-17')"
both "INSERT INTO topics(rowid, title, abstract) SELECT id, title, abstract FROM library WHERE id > 67" >/dev/null
SECOND=$(both "SELECT count(*), max(id) FROM library")
[ "$SECOND" = "83|83" ] || fail "second digest: $SECOND"
LIKE70=$(both "SELECT rowid, printf('%.4f', score) FROM topics WHERE similar_to = 70 ORDER BY score DESC LIMIT 3")
[ "$(echo "$LIKE70" | wc -l)" = 3 ] || fail "more like 70: $LIKE70"
both "INSERT INTO topics(topics) VALUES('integrity-check')" >/dev/null
echo "second digest: 16 papers through $NEW_LEADER; more like 70: $(echo $LIKE70)"

# 4. The killed node comes back and catches up.
dump_node "$NEW_LEADER" "$WORK/dump-leader" || fail "cannot dump the leader"
WANT=$(content_hash "$WORK/dump-leader/$DB")
T0=$(now_ms)
start_node $KILLED
DEADLINE=$((T0 + WAIT_SECONDS * 1000))
until dump_node "${ADDR[$((KILLED - 1))]}" "$WORK/dump-back" &&
  [ "$(content_hash "$WORK/dump-back/$DB")" = "$WANT" ]; do
  [ "$(now_ms)" -lt $DEADLINE ] || fail "node $KILLED did not catch up in ${WAIT_SECONDS}s"
  sleep 0.05
done
T1=$(now_ms)
echo "catch-up: node $KILLED restarted and identical to the leader after $((T1 - T0)) ms"

# 5. Every node holds the same database, byte for byte, and a sound index.
for i in 1 2 3; do
  dump_node "${ADDR[$((i - 1))]}" "$WORK/dump$i" || fail "cannot dump node $i"
  copy="$WORK/dump$i/$DB"
  [ "$(content_hash "$copy")" = "$WANT" ] || fail "node $i: content differs from the leader's"
  cmp -s "$copy" "$WORK/dump1/$DB" || fail "node $i: database bytes differ from node 1's"
  [ "$("$SQLITE3" "$copy" "PRAGMA integrity_check")" = ok ] || fail "node $i: integrity_check"
  "$SQLITE3" -bail -cmd ".load $EXT" "$copy" "INSERT INTO topics(topics) VALUES('integrity-check')" ||
    fail "node $i: papers_index integrity-check"
  [ "$("$SQLITE3" -cmd ".load $EXT" "$copy" "SELECT count(*) FROM library")" = 83 ] ||
    fail "node $i: wrong row count"
done
"$SQLITE3" "$WORK/dump1/$DB" .dump >"$WORK/dump1.sql"
for i in 2 3; do
  "$SQLITE3" "$WORK/dump$i/$DB" .dump | cmp -s - "$WORK/dump1.sql" || fail "node $i: .dump text differs"
done
echo "nodes: 3 identical databases ($(wc -c <"$WORK/dump1/$DB") bytes, sha3 $(echo "$WANT" | cut -c1-16)...), integrity-check ok on each"

# Stop: every node must exit 0 on SIGTERM.
for i in 0 1 2; do kill -TERM "${PIDS[$i]}"; done
for i in 0 1 2; do
  for _ in $(seq 1 100); do
    kill -0 "${PIDS[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "${PIDS[$i]}" 2>/dev/null && fail "node $((i + 1)) still runs 10 s after SIGTERM"
  status=0
  wait "${PIDS[$i]}" || status=$?
  PIDS[$i]=""
  [ $status = 0 ] || fail "node $((i + 1)) exited $status on SIGTERM"
done
echo "stop: 3 nodes stopped cleanly on SIGTERM"
echo "PASS test-dqlite"
