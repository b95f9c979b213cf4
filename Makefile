# papers: a SQLite extension that reads research-paper digests.
#
#   make            build papers.so (papers.dylib on macOS)
#   make demo       run sql/demo.sql on the bundled sample digest
#   make test       every test; ends with "N passed, N failed"
#   make asan       the tests against an ASan+UBSan build (build/asan/)
#   make valgrind   the tests under valgrind's memcheck
#   make bench      parse throughput against a memchr line scan
#   make quality    topic-similarity quality (DATA=dir of arXiv JSONL)
#   make bench-index papers_index vs FTS5 and a scan (DATA=..., SIZES="10000 100000")
#   make quality-clusters  papers_clusters NMI/ARI/purity (DATA=, K=)
#   make lint       clang-format check of every C file
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (build/fuzz/; clang)
#   make oom        allocation-failure injection over named scenarios
#   make dist       the single-file build: dist/papers.c and dist/papers.h
#   make install    papers.so into $(DESTDIR)$(PREFIX)/lib, so that `.load papers` works
#   make windows    papers.dll cross-compiled with mingw-w64 (build/windows/)
#   make release-check  dist, packages, Windows, the tests against the installed copies
#   make wasm       dist/wasm/: papers with SQLite in WebAssembly, and the page
#   make test-wasm / test-browser   its Node test, the page in headless Chromium
#   make dqlite     build/papers-dqlite, a dqlite node with papers (docs/distributed.md)
#   make test-dqlite       a three-node dqlite cluster: failover, catch-up
#   make asan-dqlite       the same with the node built with ASan + UBSan
#   make test-determinism  gcc -O0/-O2 and clang -O2 builds write the same bytes
#
# Prerequisites: a C compiler, SQLite's headers and the sqlite3 shell
# (Debian: libsqlite3-dev sqlite3). Optional, their tests skipped when missing:
# a Python whose sqlite3 loads extensions (PYTHON=, default the first of python3
# and /usr/bin/python3 that can), its venv, setuptools and wheel; node and npm.

CC      ?= cc
CFLAGS  ?= -O2
SQLITE3 ?= sqlite3
PYTHON  ?= $(shell for p in python3 /usr/bin/python3; do \
             $$p -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension' \
             >/dev/null 2>&1 && { echo $$p; break; }; done)
NODE    ?= $(shell command -v node 2>/dev/null)
NPM     ?= $(shell command -v npm 2>/dev/null)

UNAME := $(shell uname -s)
ifeq ($(UNAME),Darwin)
  SO := dylib
  LIB_LDFLAGS := -dynamiclib -undefined dynamic_lookup
else ifneq ($(filter MINGW% MSYS% CYGWIN%,$(UNAME)),)
  SO := dll
  LIB_LDFLAGS := -shared -static-libgcc
else
  SO := so
  LIB_LDFLAGS := -shared -Wl,-soname,papers.$(SO)
endif

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
WARNINGS   := -Wall -Wextra
LIB_CFLAGS := $(CFLAGS) -fPIC -fvisibility=hidden -ffp-contract=off $(WARNINGS)
DEFINES     = -DPAPERS_GIT_COMMIT='"$(GIT_COMMIT)"' -DPAPERS_BUILD_FLAGS='"$(strip $(1))"'

SOURCES := $(wildcard ext/*.c)
HEADERS := $(wildcard ext/*.h)
TESTS   := $(sort $(wildcard tests/*.test))
DOCS    := README.md $(sort $(wildcard docs/*.md))

ASAN_FLAGS := -O1 -g -ffp-contract=off -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: all demo test asan valgrind bench bench-index quality quality-clusters bench-clusters \
        lint format clean node-deps fuzz fuzz-build oom

all: papers.$(SO)

papers.$(SO): $(SOURCES) $(HEADERS) Makefile
	$(CC) $(LIB_CFLAGS) $(call DEFINES,$(LIB_CFLAGS)) $(LIB_LDFLAGS) -o $@ $(SOURCES)

build/runner: tests/runner.c Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) $(WARNINGS) -o $@ tests/runner.c -lsqlite3

demo: papers.$(SO)
	$(SQLITE3) :memory: -cmd '.load ./papers' < sql/demo.sql

# The Node binding test needs better-sqlite3 in a folder the tests own.
NODE_DEPS := tests/bindings/node_modules/better-sqlite3/package.json
$(NODE_DEPS): tests/bindings/package.json tests/bindings/package-lock.json
	cd tests/bindings && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: $(NODE_DEPS)

build/old_sqlite: tests/old_sqlite.c Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) $(WARNINGS) -o $@ tests/old_sqlite.c -lsqlite3 -ldl

# Crash consistency (tests/crash.c, run by tests/crash.test): the extension's
# sources compiled in, as in build/oom/oom.
build/crash: tests/crash.c tests/index_state.h $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) -ffp-contract=off $(WARNINGS) -DSQLITE_CORE -Iext $(call DEFINES,crash) -o $@ \
	  tests/crash.c $(SOURCES) -lsqlite3 -lm

# Damaged shadow tables (tests/corrupt.c, run by tests/corrupt.test; make asan
# runs its ASan+UBSan build): the extension's sources compiled in.
build/corrupt: tests/corrupt.c tests/damaged_index.h $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) -ffp-contract=off $(WARNINGS) -DSQLITE_CORE -Iext $(call DEFINES,corrupt) -o $@ \
	  tests/corrupt.c $(SOURCES) -lsqlite3 -lm

build/asan/corrupt: tests/corrupt.c tests/damaged_index.h $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build/asan
	$(CC) $(ASAN_FLAGS) $(WARNINGS) -DSQLITE_CORE -Iext $(call DEFINES,corrupt) -o $@ \
	  tests/corrupt.c $(SOURCES) -lsqlite3 -lm

# The library without threads (its rebuild analyses on the connection's
# thread only), for tests/index_threads.test: the same bytes as papers.$(SO).
build/nothreads/papers.$(SO): $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build/nothreads
	$(CC) $(LIB_CFLAGS) -DPAPERS_OMIT_THREADS $(call DEFINES,$(LIB_CFLAGS) nothreads) \
	  $(LIB_LDFLAGS) -o $@ $(SOURCES)

test: papers.$(SO) build/runner build/old_sqlite build/crash build/corrupt build/nothreads/papers.$(SO) \
      $(if $(NPM),node-deps) \
      package-src python-note
	$(TEST_ENV) ./build/runner --ext ./papers $(TESTS) $(DOCS)

# Its rebuild gathers postings 64 at a time, so the tests cross many ranges,
# and reads content rows 16 at a time, so that they cross many batches.
build/asan/papers.so: $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build/asan
	$(CC) $(ASAN_FLAGS) -DINDEX_BUILD_POSTINGS=64 -DBUILD_ROWS_BATCH_DOCS=16 -fPIC $(WARNINGS) $(call DEFINES,$(ASAN_FLAGS)) -shared -o $@ $(SOURCES)

build/asan/runner: tests/runner.c Makefile
	@mkdir -p build/asan
	$(CC) $(ASAN_FLAGS) $(WARNINGS) -o $@ tests/runner.c -lsqlite3

# Leak checking is on; any sanitizer report fails the run. The binding tests
# (exec blocks) load the release build into other programs, so they are skipped;
# the corruption suite (an exec block of make test) runs here first, sanitized.
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan: build/asan/papers.so build/asan/runner build/asan/corrupt
	$(ASAN_ENV) ./build/asan/corrupt
	$(ASAN_ENV) ./build/asan/runner --no-exec --ext ./build/asan/papers $(TESTS) $(DOCS)

valgrind: papers.$(SO) build/runner
	valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  ./build/runner --no-exec --ext ./papers $(TESTS) $(DOCS)

build/bench_parse: tests/bench/bench_parse.c Makefile
	@mkdir -p build
	$(CC) -O2 $(WARNINGS) -o $@ tests/bench/bench_parse.c -lsqlite3

bench: papers.$(SO) build/bench_parse
	./build/bench_parse ./papers hf-daily tests/fixtures/hf-daily-papers-2026-05-15.txt
	./build/bench_parse ./papers arxiv-mail tests/fixtures/arxiv-email-cs-2019-07-15-crlf.txt

build/quality: tests/bench/quality.c tests/bench/jsonl.c tests/bench/jsonl.h Makefile
	@mkdir -p build
	$(CC) -O2 $(WARNINGS) -o $@ tests/bench/quality.c tests/bench/jsonl.c -lsqlite3

DATA ?= ../shared/eval/arxiv-2025-07
quality: papers.$(SO) build/quality
	./build/quality ./papers $(DATA) $(INDEX_OPTIONS)

# Not a test: builds databases of SIZES papers in build/bench/ (1M: ~1.5 GB).
build/bench_index: tests/bench/bench_index.c tests/bench/corpus.c tests/bench/corpus.h \
                   tests/bench/jsonl.c tests/bench/jsonl.h Makefile
	@mkdir -p build
	$(CC) -O2 $(WARNINGS) -o $@ tests/bench/bench_index.c tests/bench/corpus.c tests/bench/jsonl.c \
	  -lsqlite3 -lm

SIZES ?= 10000 100000
BENCH_SVG ?= build/bench/index.svg
bench-index: papers.$(SO) build/bench_index
	./build/bench_index ./papers $(DATA) --svg $(BENCH_SVG) $(SIZES)
# papers_clusters: NMI, ARI, purity at K (default: the number of categories);
# bench-clusters: time and peak memory on SCALE papers (docs/quality.md).
build/quality_clusters: tests/bench/quality_clusters.c tests/bench/jsonl.c tests/bench/jsonl.h Makefile
	@mkdir -p build
	$(CC) -O2 $(WARNINGS) -o $@ tests/bench/quality_clusters.c tests/bench/jsonl.c -lsqlite3 -lm

# The same sources built with other seeds of papers_clusters' generator
# (CLUSTERS_SEED; seeding r of a clustering starts from CLUSTERS_SEED + r, so
# the seeds lie far apart): quality-clusters also prints the NMI with each,
# and their spread.
CLUSTER_SEEDS ?= 1000000000000 2000000000000 3000000000000 4000000000000
comma         := ,
empty         :=
space         := $(empty) $(empty)
SEED_BUILDS   := $(foreach s,$(CLUSTER_SEEDS),build/seed-$(s)/papers.$(SO))
EXTENSIONS    := $(subst $(space),$(comma),$(strip ./papers $(basename $(SEED_BUILDS))))
build/seed-%/papers.$(SO): $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build/seed-$*
	$(CC) $(LIB_CFLAGS) -DCLUSTERS_SEED=$*ULL $(call DEFINES,$(LIB_CFLAGS) seed $*) $(LIB_LDFLAGS) \
	  -o $@ $(SOURCES)

quality-clusters: papers.$(SO) build/quality_clusters $(SEED_BUILDS)
	./build/quality_clusters $(EXTENSIONS) $(DATA) $(K) $(INDEX_OPTIONS)

SCALE ?= 100000
# run twice: the first run builds the database, the second measures clustering alone
bench-clusters: papers.$(SO) build/quality_clusters
	./build/quality_clusters ./papers $(DATA) --scale $(SCALE) build/clusters-$(SCALE).db
	./build/quality_clusters ./papers $(DATA) --scale $(SCALE) build/clusters-$(SCALE).db

# ---- fuzzing: libFuzzer targets in build/fuzz/ (docs/testing.md) ----------
# The extension's sources are compiled into each target (-DSQLITE_CORE), once,
# as objects with fuzzer coverage, ASan and UBSan. A target is a name in
# FUZZ_TARGETS plus how it is built: parse-FORMAT targets share
# tests/fuzz/fuzz_parse.c (parse-auto detects the format); any other NAME is
# tests/fuzz/fuzz_NAME.c. Seeds: the fixtures and the papers_formats examples.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_FORMATS := hf-daily hf-markdown hf-notes arxiv-mail arxiv-rss arxiv-atom \
                daily-arxiv-table daily-arxiv-list markdown-blocks
FUZZ_TARGETS := $(addprefix parse-,$(FUZZ_FORMATS)) parse-auto key fold vector keywords index corrupt
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all -DSQLITE_CORE -DINDEX_PENDING_TERM=4 \
                -DINDEX_BUFFER_TERMS=64 $(WARNINGS)
FUZZ_OBJS    := $(patsubst ext/%.c,build/fuzz/obj/%.o,$(SOURCES))

build/fuzz/obj/%.o: ext/%.c $(HEADERS) Makefile
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(call DEFINES,fuzz) -c -o $@ $<

build/fuzz/parse-auto: tests/fuzz/fuzz_parse.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iext -fsanitize=fuzzer -o $@ $^ -lsqlite3 -lm
build/fuzz/parse-%: tests/fuzz/fuzz_parse.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iext -fsanitize=fuzzer -DFUZZ_FORMAT='"$*"' -o $@ $^ -lsqlite3 -lm
build/fuzz/%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iext -fsanitize=fuzzer -o $@ $^ -lsqlite3 -lm

# Seed corpus: every fixture and every papers_formats example (read back
# from the release build with the shell's writefile()).
build/fuzz/seeds/.done: $(wildcard tests/fixtures/*) papers.$(SO)
	@mkdir -p build/fuzz/seeds
	cp tests/fixtures/*.txt tests/fixtures/*.md tests/fixtures/*.xml build/fuzz/seeds/
	$(SQLITE3) :memory: -cmd '.load ./papers' \
	  "SELECT writefile('build/fuzz/seeds/example-' || name, example) FROM papers_formats" >/dev/null
	@touch $@

fuzz-build: $(addprefix build/fuzz/,$(FUZZ_TARGETS)) build/fuzz/seeds/.done

# One target at a time (the machine is shared); each keeps its corpus in
# build/fuzz/corpus/NAME and writes crashes to build/fuzz/crash/NAME-*.
# tests/fuzz/run.sh prints the executions each reached.
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) tests/fuzz/run.sh $(FUZZ_TARGETS)

# ---- allocation-failure injection (tests/oom.c, docs/testing.md) ----------
# The driver links the extension's sources (-DSQLITE_CORE) and runs under
# ASan + UBSan, so that an error path that crashes or leaks is caught too;
# without threads, so that the n-th allocation is the same one in every run.
build/oom/oom: tests/oom.c tests/index_state.h $(SOURCES) $(HEADERS) Makefile
	@mkdir -p build/oom
	$(CC) $(ASAN_FLAGS) $(WARNINGS) -DSQLITE_CORE -DPAPERS_OMIT_THREADS -DINDEX_PENDING_TERM=4 \
	  -DINDEX_BUFFER_TERMS=256 -Iext $(call DEFINES,oom) -o $@ \
	  tests/oom.c $(SOURCES) -lsqlite3 -lm

oom: build/oom/oom
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./build/oom/oom

# ---- single-file build (docs/architecture.md) -----------------------------
# tool/mkdist.sh concatenates ext/*.c into dist/papers.c, inlining each
# internal header once, and copies the public header ext/papers.h. make test
# compiles it once as a loadable library (build/dist/papers) and runs a smoke
# test of it, and links it with -DSQLITE_CORE into a program on a static
# SQLite (SQLITE_STATIC_LIB) that registers it with sqlite3_auto_extension.
# Both compile with -Werror: the single file must build without warnings.
SQLITE_STATIC_LIB ?= -l:libsqlite3.a -lm -lpthread -ldl
DIST_CFLAGS := $(CFLAGS) -ffp-contract=off $(WARNINGS) -Werror

.PHONY: dist dist-test
dist: dist/papers.c

dist/papers.c: $(SOURCES) $(HEADERS) tool/mkdist.sh Makefile
	tool/mkdist.sh dist $(GIT_COMMIT) $(SOURCES)

build/dist/papers.$(SO): dist/papers.c
	@mkdir -p build/dist
	$(CC) $(DIST_CFLAGS) -fPIC $(LIB_LDFLAGS) -o $@ dist/papers.c

build/dist/static: tests/dist/static.c dist/papers.c
	@mkdir -p build/dist
	$(CC) $(DIST_CFLAGS) -DSQLITE_CORE -Idist -o $@ tests/dist/static.c dist/papers.c \
	  $(SQLITE_STATIC_LIB)

# The asserts are compiled too (-DPAPERS_DEBUG), though release builds drop them.
dist-test: build/dist/papers.$(SO) build/dist/static build/runner
	$(CC) $(DIST_CFLAGS) -DPAPERS_DEBUG -fsyntax-only dist/papers.c
	./build/runner --ext ./build/dist/papers tests/dist/smoke.test
	./build/dist/static

test: dist-test

# Debug builds check the asserts of ext/ (papers_internal.h); release builds
# compile them out.
ASAN_FLAGS += -DPAPERS_DEBUG
FUZZ_FLAGS += -DPAPERS_DEBUG

C_FILES := $(SOURCES) $(HEADERS) tests/runner.c tests/dist/static.c tests/oom.c tests/crash.c tests/corrupt.c tests/damaged_index.h tests/index_state.h $(wildcard tests/bench/*.c) \
           $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

lint:
	clang-format --dry-run --Werror $(C_FILES)

format:
	clang-format -i $(C_FILES)

clean: clean-packages
	rm -rf build dist papers.so papers.dylib papers.dll

# ---- WebAssembly: dist/wasm/ (docs/browser.md) -----------------------------
# make wasm          dist/wasm/papers-sqlite.mjs + .wasm (SQLite + papers, by
#                    emscripten's emcc) and the digest reader page beside them
# make test-wasm     the Node test: the module gives the native library's rows
# make test-browser  the page in headless Chromium (screenshots in build/)
# SQLite is the amalgamation the better-sqlite3 npm package carries, pinned by
# tests/bindings/package-lock.json. WASM_PAPERS is what of papers is compiled
# in: the single-file build (make dist) where the tree has one, else ext/*.c.
EMCC        ?= emcc
wasm_comma  := ,
wasm_space  := $(subst ,, )
EMCC_ENV    := NODE_PATH=/usr/share/nodejs
WASM_SQLITE := tests/bindings/node_modules/better-sqlite3/deps/sqlite3
WASM_PAPERS := $(if $(wildcard tool/mkdist.sh),dist/papers.c,$(SOURCES))
WASM_PAGE   := $(addprefix bindings/wasm/,index.html app.js style.css) sql/recipes/dedupe.sql \
               sql/papers_index_triggers.sql
WASM_CFLAGS := -O2 -ffp-contract=off -I$(WASM_SQLITE) -Iext -DSQLITE_CORE -DSQLITE_ENABLE_FTS5 \
               -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION \
               -DSQLITE_TEMP_STORE=3 -DSQLITE_DEFAULT_MEMSTATUS=0
WASM_EXPORTS := papers_wasm_init papers_wasm_bind_int64 papers_wasm_bind_int64_text \
  papers_wasm_column_int64_fits papers_wasm_serialize papers_wasm_deserialize malloc free \
  sqlite3_open_v2 sqlite3_close_v2 sqlite3_errmsg sqlite3_exec sqlite3_prepare_v2 \
  sqlite3_finalize sqlite3_step sqlite3_bind_parameter_count sqlite3_bind_parameter_name \
  sqlite3_bind_null sqlite3_bind_double sqlite3_bind_text sqlite3_bind_blob \
  sqlite3_column_count sqlite3_column_type sqlite3_column_double sqlite3_column_text \
  sqlite3_column_blob sqlite3_column_bytes sqlite3_malloc sqlite3_free
WASM_LDFLAGS := -O2 -sMODULARIZE=1 -sEXPORT_NAME=createPapersModule -sENVIRONMENT=web,worker \
  -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=5242880 \
  -sEXPORTED_FUNCTIONS=$(subst $(wasm_space),$(wasm_comma),$(addprefix _,$(WASM_EXPORTS)))

.PHONY: wasm test-wasm test-browser
C_FILES += bindings/wasm/papers_wasm.c

build/wasm/sqlite3.o: $(WASM_SQLITE)/sqlite3.c | $(NODE_DEPS)
	@mkdir -p build/wasm
	$(EMCC_ENV) $(EMCC) $(WASM_CFLAGS) -c -o $@ $<

build/wasm/papers-sqlite.js: build/wasm/sqlite3.o $(WASM_PAPERS) $(HEADERS) bindings/wasm/papers_wasm.c \
                      bindings/wasm/api.js Makefile
	$(EMCC_ENV) $(EMCC) $(WASM_CFLAGS) $(call DEFINES,wasm) $(WASM_LDFLAGS) \
	  --extern-post-js bindings/wasm/api.js -o $@ build/wasm/sqlite3.o $(WASM_PAPERS) \
	  bindings/wasm/papers_wasm.c

dist/wasm/papers-sqlite.mjs: build/wasm/papers-sqlite.js $(WASM_PAGE)
	@mkdir -p dist/wasm
	cp build/wasm/papers-sqlite.wasm dist/wasm/
	cp build/wasm/papers-sqlite.js $@
	cp $(WASM_PAGE) dist/wasm/

wasm: dist/wasm/papers-sqlite.mjs

BROWSER_DEPS := tests/browser/node_modules/puppeteer-core/package.json
$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# tests/wasm/api.mjs prints tests/wasm/api.expected; docs/browser.md's example
# is tests/wasm/example.mjs, word for word, and prints tests/wasm/example.expected.
test-wasm: wasm papers.$(SO) $(NODE_DEPS)
	SQLITE3=$(SQLITE3) node tests/wasm/equal.mjs
	node tests/wasm/api.mjs | diff - tests/wasm/api.expected && echo "the JavaScript API: as expected"
	sed -n '/^```js$$/,/^```$$/p' docs/browser.md | sed '1d;$$d' | diff - tests/wasm/example.mjs
	node tests/wasm/example.mjs | diff - tests/wasm/example.expected
	@echo "docs/browser.md example: same code, same output"

# With DATA (the evaluation set of make quality) at hand, the page also reads a
# 600-paper digest made from it, and its timings are printed.
BIG_DIGEST := $(if $(wildcard $(DATA)/*.jsonl),build/wasm/digest-600.txt)
build/wasm/digest-600.txt: tests/browser/arxiv_digest.mjs
	@mkdir -p build/wasm
	node tests/browser/arxiv_digest.mjs $(DATA) 600 > $@

test-browser: wasm papers.$(SO) $(NODE_DEPS) $(BROWSER_DEPS) $(BIG_DIGEST)
	node tests/browser/test.mjs $(BIG_DIGEST)

# ---- dqlite: a replicated library (docs/distributed.md) --------------------
# build/papers-dqlite runs one node of a dqlite cluster with the extension
# compiled in and registered in the process (sqlite3_auto_extension); it
# links Debian's libdqlite and libsqlite3 (libdqlite-dev). test-dqlite runs
# three nodes on loopback through the `dqlite` shell (go-dqlite). The
# extension compiled in is the single-file build (make dist) where the tree
# has one, else ext/*.c.
ifneq ($(wildcard tool/mkdist.sh),)
DQLITE_EXT_SOURCES := dist/papers.c
else
DQLITE_EXT_SOURCES := $(SOURCES)
endif
C_FILES += dqlite/papers_dqlite.c

build/papers-dqlite: dqlite/papers_dqlite.c $(DQLITE_EXT_SOURCES) $(HEADERS) Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) -ffp-contract=off $(WARNINGS) -DSQLITE_CORE $(call DEFINES,dqlite) -o $@ \
	  dqlite/papers_dqlite.c $(DQLITE_EXT_SOURCES) -ldqlite -lsqlite3 -lm -lpthread

.PHONY: dqlite test-dqlite asan-dqlite test-determinism
dqlite: build/papers-dqlite

test-dqlite: build/papers-dqlite papers.$(SO)
	SQLITE3=$(SQLITE3) timeout 300 tests/dqlite/cluster.sh ./build/papers-dqlite ./papers

# The same test with the node program built with ASan + UBSan, leak checks on.
build/asan/papers-dqlite: dqlite/papers_dqlite.c $(DQLITE_EXT_SOURCES) $(HEADERS) Makefile
	@mkdir -p build/asan
	$(CC) $(ASAN_FLAGS) $(WARNINGS) -DSQLITE_CORE $(call DEFINES,asan dqlite) -o $@ \
	  dqlite/papers_dqlite.c $(DQLITE_EXT_SOURCES) -ldqlite -lsqlite3 -lm -lpthread

asan-dqlite: build/asan/papers-dqlite papers.$(SO)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  SQLITE3=$(SQLITE3) timeout 300 tests/dqlite/cluster.sh ./build/asan/papers-dqlite ./papers

# ---- determinism across builds (docs/distributed.md) -----------------------
# The library built by gcc -O0, gcc -O2 and clang -O2 (the release flags
# otherwise) must write the same bytes; tests/determinism/run.sh compares
# them, and the last one again in another locale, time zone and date.
DETERMINISM_FLAGS := -fPIC -fvisibility=hidden -ffp-contract=off $(WARNINGS) -shared
# build/determinism/COMPILER-OPT/papers.so: built by COMPILER with -OPT
build/determinism/%/papers.so: $(SOURCES) $(HEADERS) Makefile
	@mkdir -p $(@D)
	$(firstword $(subst -, ,$*)) -$(lastword $(subst -, ,$*)) $(DETERMINISM_FLAGS) \
	  $(call DEFINES,$*) -o $@ $(SOURCES)

# Where the tree has the WebAssembly build (make wasm), it is compared too.
DETERMINISM_BUILDS := gcc-O0 gcc-O2 clang-O2
ifneq ($(wildcard bindings/wasm/api.js),)
DETERMINISM_WASM := wasm=dist/wasm/papers-sqlite.mjs
test-determinism: dist/wasm/papers-sqlite.mjs
endif
test-determinism: $(foreach b,$(DETERMINISM_BUILDS),build/determinism/$(b)/papers.so)
	tests/determinism/run.sh $(PYTHON) \
	  $(foreach b,$(DETERMINISM_BUILDS),$(b)=build/determinism/$(b)/papers) $(DETERMINISM_WASM)

# ---- install, packages, Windows, release (docs/install.md) ------------------
.PHONY: install uninstall package-src python-note windows version-check release-check \
        clean-packages
# The version is PAPERS_VERSION in the C source, and only there: papers_version()
# returns it, the Python package reads it at build time, and version-check holds
# bindings/node/package.json and CHANGELOG.md to it.
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/$(if $(filter dll,$(SO)),bin,lib)
VERSION  = $(shell sed -n 's/^\#define PAPERS_VERSION "\(.*\)"$$/\1/p' $(HEADERS))

# papers.so goes where the dynamic loader looks, so that `.load papers` (no
# path) works from any folder: SQLite asks dlopen() for "papers.so" (Windows
# looks for papers.dll on PATH, hence bin/). On Linux the loader's cache lists
# only lib*.so files, by their soname: the link libpapers.so makes ldconfig
# list papers.so (its soname) too.
install: papers.$(SO)
	install -d $(DESTDIR)$(LIBDIR)
	install -m 644 papers.$(SO) $(DESTDIR)$(LIBDIR)/papers.$(SO)
ifeq ($(SO),so)
	ln -sf papers.so $(DESTDIR)$(LIBDIR)/libpapers.so
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
endif

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/papers.$(SO) $(DESTDIR)$(LIBDIR)/libpapers.so
ifeq ($(SO),so)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
endif

# The packages' C source, made by this one step: the single-file build (make
# dist; the C files of ext/ in a tree without it) and SQLite's two headers (so that a package builds without SQLite's development
# files), copied into build/package-src/ and into each package's src/ (with
# the LICENSE beside it).
PACKAGE_C      := $(if $(wildcard tool/mkdist.sh),dist/papers.c dist/papers.h,$(SOURCES) $(HEADERS))
SQLITE_INCLUDE ?= /usr/include
PACKAGE_SRC    := build/package-src
PACKAGE_DIRS   := bindings/python/src bindings/node/src

$(PACKAGE_SRC)/.done: $(PACKAGE_C) $(SQLITE_INCLUDE)/sqlite3.h $(SQLITE_INCLUDE)/sqlite3ext.h LICENSE Makefile
	rm -rf $(PACKAGE_SRC) $(PACKAGE_DIRS)
	mkdir -p $(PACKAGE_SRC)
	cp $(PACKAGE_C) $(SQLITE_INCLUDE)/sqlite3.h $(SQLITE_INCLUDE)/sqlite3ext.h $(PACKAGE_SRC)/
	for d in $(PACKAGE_DIRS); do cp -R $(PACKAGE_SRC) $$d && cp LICENSE $$d/..; done
	@touch $@

package-src: $(PACKAGE_SRC)/.done

# What the tests of the optional tools see (tests/bindings.test and
# tests/packages.test say how to get each): PYTHON_VENV is PYTHON when it can
# make a virtual environment that sees its setuptools and wheel.
MINGW_CC      ?= x86_64-w64-mingw32-gcc
MINGW_OBJDUMP ?= x86_64-w64-mingw32-objdump
PYTHON_VENV   ?= $(if $(PYTHON),$(shell $(PYTHON) -c 'import ensurepip, venv, setuptools, wheel' \
                   >/dev/null 2>&1 && echo $(PYTHON)))
TEST_ENV = PYTHON=$(PYTHON) PYTHON_VENV=$(PYTHON_VENV) NODE=$(NODE) NPM=$(NPM) SQLITE3=$(SQLITE3)

# make test picks the first Python that can load extensions; say so when the
# python3 on PATH cannot, so that "passed" is not read as "my Python works".
python-note:
	@if command -v python3 >/dev/null && ! python3 -c \
	  'import sqlite3; sqlite3.connect(":memory:").enable_load_extension' 2>/dev/null; then \
	  echo "note: $$(command -v python3) cannot load SQLite extensions; the Python tests use" \
	       "$(or $(PYTHON),none, so they are skipped) (docs/install.md#python)"; fi

# papers.dll for 64-bit Windows, cross-compiled with Debian's mingw-w64
# (gcc-mingw-w64-x86-64); it must export the entry point and need no DLL but
# Windows' own (no libgcc DLL).
build/windows/papers.dll: $(PACKAGE_SRC)/.done
	@command -v $(MINGW_CC) >/dev/null || \
	  { echo "make windows needs $(MINGW_CC) (Debian: apt-get install gcc-mingw-w64-x86-64)"; exit 1; }
	@mkdir -p build/windows
	$(MINGW_CC) $(CFLAGS) -ffp-contract=off $(WARNINGS) $(call DEFINES,windows $(CFLAGS)) \
	  -shared -static-libgcc -I$(PACKAGE_SRC) -o $@ $(PACKAGE_SRC)/*.c
	$(MINGW_OBJDUMP) -p $@ | grep -q '^	\[ *[0-9]*\] sqlite3_papers_init$$' \
	  || { echo "$@ does not export sqlite3_papers_init"; rm -f $@; exit 1; }
	$(MINGW_OBJDUMP) -p $@ | sed -n 's/^	DLL Name: //p' | grep -viqx 'kernel32.dll\|msvcrt.dll' \
	  && { echo "$@ needs a DLL Windows lacks"; rm -f $@; exit 1; } || true

windows: build/windows/papers.dll
	@echo "$<: exports sqlite3_papers_init ($$(wc -c < $<) bytes)"

# The one version, everywhere it is written.
version-check: papers.$(SO)
	@v="$(VERSION)"; \
	 lib=$$($(SQLITE3) :memory: '.load ./papers' 'SELECT papers_version()'); \
	 node=$$(sed -n 's/^  "version": "\(.*\)",$$/\1/p' bindings/node/package.json); \
	 log=$$(sed -n 's/^## \([0-9][^ ]*\) .*/\1/p' CHANGELOG.md | head -1); \
	 if [ "$$lib" = "$$v" ] && [ "$$node" = "$$v" ] && [ "$$log" = "$$v" ]; then \
	   echo "version $$v: papers_version(), bindings/node/package.json and CHANGELOG.md agree"; \
	 else \
	   echo "version $$v, but papers_version() $$lib, bindings/node/package.json $$node," \
	        "CHANGELOG.md $$log"; exit 1; fi

# Before a release: every tool present (nothing skipped), the Windows library,
# the library installed into build/release/root and every test run against
# that copy (tests/packages.test installs the Python and Node packages and
# runs them too); the npm tarball is left in build/release/.
RELEASE_ROOT := $(CURDIR)/build/release/root
release-check: papers.$(SO) build/runner build/old_sqlite build/crash build/corrupt node-deps \
               package-src version-check windows
	@for t in PYTHON="$(PYTHON)" PYTHON_VENV="$(PYTHON_VENV)" NODE="$(NODE)" NPM="$(NPM)"; do \
	   case "$$t" in *=) echo "release-check: $${t%=} is missing (docs/install.md)"; exit 1;; esac; done
	rm -rf build/release
	$(MAKE) --no-print-directory install DESTDIR=$(RELEASE_ROOT) PREFIX=/usr
	cd /tmp && v=$$(LD_LIBRARY_PATH=$(RELEASE_ROOT)/usr/lib $(SQLITE3) :memory: '.load papers' \
	  'SELECT papers_version()') && echo ".load papers: $$v" && test "$$v" = "$(VERSION)"
	$(TEST_ENV) ./build/runner --ext $(RELEASE_ROOT)/usr/lib/papers $(TESTS) $(DOCS)
	cd bindings/node && $(NPM) pack --silent --pack-destination $(CURDIR)/build/release >/dev/null
	@ls -l build/release/*.tgz build/windows/papers.dll

clean-packages:
	rm -rf $(PACKAGE_DIRS) bindings/*/LICENSE bindings/python/build bindings/python/*.egg-info \
	  bindings/node/build
