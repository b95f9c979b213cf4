/*
** runner.c: runs the SQL tests (tests/NAME.test) and the examples of docs/NAME.md
** against a build of the papers extension, and prints "N passed, N failed".
**
**   runner --ext ./papers [--no-exec] [-v] FILE...
**
** A .test file is a list of blocks; '#' lines between blocks are comments. A
** body runs to its ---- line (a statement's to the first blank line), and the
** expected text to the next empty line:
**
**   query NAME           the SQL's rows must equal the expected text
**   SELECT ...;
**   ----
**   expected|rows        (or one line "@path": the rows are that file's text)
**
**   error NAME           the SQL must fail with exactly this message
**   SELECT ...;
**   ----
**   papers_parse: ...
**
**   statement NAME       the SQL must succeed; its rows are not looked at
**   CREATE TABLE ...;
**
**   exec NAME            a shell command's output (stdout and stderr) must
**   python3 ...          equal the expected text; skipped with --no-exec
**   ----
**   expected output
**
** An exec block that needs an optional tool names it: "exec NAME needs VAR
** ...". Each VAR is an environment variable that the Makefile sets to the
** tool's path, or to nothing when the tool is missing; a block with a missing
** tool is skipped, not failed. The file says how to get each tool it names
** with a line "tool VAR HINT" before the blocks, and the run ends with one
** line per missing tool giving that hint, then "N passed, N failed, N skipped"
** (", N skipped" only when some were).
**
** Rows print as SQLite's shell prints them in list mode (columns joined by
** '|'), except that NULL prints as NULL, an empty string as (empty) and a BLOB
** as x'hex', so that every expected result is exact.
**
** In a .md file every ```sql block runs: followed by an ```output block it is
** a query, by an ```error block an error, and otherwise a statement. A line
** ".read FILE" in a ```sql block stands for that file's text, as in the
** sqlite3 shell, so that a page can run the project's .sql files as they are.
**
** Each file gets its own in-memory database with the extension loaded, and
** the function readfile(path) of the sqlite3 shell, so that tests and docs
** read fixtures exactly as a user's shell session would. Two more functions
** let tests stop statements the way applications do:
**
**   runner_progress(N, 'stop')       progress handler every N opcodes that
**                                    stops the statement (returns 1)
**   runner_progress(N, 'interrupt')  one that calls sqlite3_interrupt()
**   runner_progress(0)               removes the handler
**   runner_length_limit(N)           sqlite3_limit(db, SQLITE_LIMIT_LENGTH, N);
**                                    returns the previous limit
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_QUERY, KIND_ERROR, KIND_STATEMENT, KIND_EXEC } BlockKind;

typedef struct Block {
  BlockKind kind;
  char zName[256];
  char zNeeds[256]; /* exec: the tools' variables, space-separated */
  const char *zFile;
  int iLine;
  char *zBody;     /* SQL or shell command */
  char *zExpected; /* expected text, without a final newline */
} Block;

static const char *zExtension = 0;
static int skipExec = 0;
static int isVerbose = 0; /* -v: each block named, and a failure's whole output */
static int nPass = 0, nFail = 0, nSkip = 0;
static int nSkipNoExec = 0; /* of nSkip, those skipped by --no-exec */

/* ---- optional tools ---------------------------------------------------- */

#define RUNNER_MAX_TOOLS 16

typedef struct Tool {
  char zVar[64];   /* the environment variable holding the tool's path */
  char zHint[512]; /* how to get it, from the "tool VAR HINT" line */
  int nSkip;       /* blocks skipped for want of it */
} Tool;

static Tool aTool[RUNNER_MAX_TOOLS];
static int nTool = 0;

static Tool *tool_find(const char *zVar, size_t nVar) {
  for (int i = 0; i < nTool; i++) {
    if (strlen(aTool[i].zVar) == nVar && strncmp(aTool[i].zVar, zVar, nVar) == 0)
      return &aTool[i];
  }
  return 0;
}

/* Records a "tool VAR HINT" line; exits on a malformed one. */
static void tool_declare(const char *zPath, int iLine, const char *zLine) {
  const char *zVar = zLine + strlen("tool ");
  size_t nVar = strcspn(zVar, " ");
  const char *zHint = zVar + nVar + strspn(zVar + nVar, " ");
  if (nVar == 0 || nVar >= sizeof(aTool[0].zVar) || *zHint == 0) {
    fprintf(stderr, "runner: %s:%d: expected \"tool VAR how to get it\"\n", zPath, iLine);
    exit(2);
  }
  Tool *pTool = tool_find(zVar, nVar);
  if (pTool == 0) {
    if (nTool == RUNNER_MAX_TOOLS) {
      fprintf(stderr, "runner: %s:%d: more than %d tools\n", zPath, iLine,
              RUNNER_MAX_TOOLS);
      exit(2);
    }
    pTool = &aTool[nTool++];
    memcpy(pTool->zVar, zVar, nVar);
    pTool->zVar[nVar] = 0;
  }
  snprintf(pTool->zHint, sizeof(pTool->zHint), "%s", zHint);
}

/* The first tool of zNeeds whose variable is unset or empty, or 0 when all
** are there. Exits when a block names a tool no "tool" line declared. */
static Tool *tool_missing(const char *zFile, int iLine, const char *zNeeds) {
  const char *z = zNeeds;
  while (*(z += strspn(z, " "))) {
    size_t n = strcspn(z, " ");
    Tool *pTool = tool_find(z, n);
    if (pTool == 0) {
      fprintf(
          stderr,
          "runner: %s:%d: needs %.*s, but no \"tool %.*s ...\" line says how to get it\n",
          zFile, iLine, (int)n, z, (int)n, z);
      exit(2);
    }
    const char *zValue = getenv(pTool->zVar);
    if (zValue == 0 || zValue[0] == 0)
      return pTool;
    z += n;
  }
  return 0;
}

/* One line per reason blocks were skipped. */
static void report_skipped(void) {
  if (nSkipNoExec > 0)
    printf("skipped %d exec blocks (--no-exec)\n", nSkipNoExec);
  for (int i = 0; i < nTool; i++) {
    if (aTool[i].nSkip > 0) {
      printf("skipped %d block%s needing %s, which is not set: %s\n", aTool[i].nSkip,
             aTool[i].nSkip == 1 ? "" : "s", aTool[i].zVar, aTool[i].zHint);
    }
  }
}

/* ---- growable strings ------------------------------------------------ */

typedef struct Buf {
  char *z;
  size_t n, nAlloc;
} Buf;

static void buf_append(Buf *p, const char *z, size_t n) {
  if (p->n + n + 1 > p->nAlloc) {
    p->nAlloc = (p->n + n + 1) * 2;
    p->z = realloc(p->z, p->nAlloc);
    if (p->z == 0) {
      fprintf(stderr, "runner: out of memory\n");
      exit(2);
    }
  }
  memcpy(p->z + p->n, z, n);
  p->n += n;
  p->z[p->n] = 0;
}

static void buf_puts(Buf *p, const char *z) {
  buf_append(p, z, strlen(z));
}

static char *buf_take(Buf *p) {
  if (p->z == 0)
    buf_append(p, "", 0);
  while (p->n > 0 && p->z[p->n - 1] == '\n')
    p->z[--p->n] = 0;
  char *z = p->z;
  memset(p, 0, sizeof(*p));
  return z;
}

static char *read_file(const char *zPath, size_t *pn) {
  FILE *f = fopen(zPath, "rb");
  if (f == 0)
    return 0;
  Buf buf = {0, 0, 0};
  char aChunk[65536];
  size_t n;
  while ((n = fread(aChunk, 1, sizeof(aChunk), f)) > 0)
    buf_append(&buf, aChunk, n);
  fclose(f);
  if (buf.z == 0)
    buf_append(&buf, "", 0);
  if (pn)
    *pn = buf.n;
  return buf.z;
}

/* ---- the database ----------------------------------------------------- */

/* readfile(path) as the sqlite3 shell has it: the file's bytes as a BLOB. */
static void readfile_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *zPath = (const char *)sqlite3_value_text(argv[0]);
  size_t n = 0;
  char *z = zPath ? read_file(zPath, &n) : 0;
  if (z == 0)
    return;
  sqlite3_result_blob64(pCtx, z, n, free);
}

/* The progress handler runner_progress() installs. */
static int progress_callback(void *pArg) {
  (void)pArg;
  return 1;
}

static int progress_interrupt(void *pArg) {
  sqlite3_interrupt((sqlite3 *)pArg);
  return 0;
}

static void progress_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(pCtx);
  int nOps = sqlite3_value_int(argv[0]);
  const char *zMode = argc > 1 ? (const char *)sqlite3_value_text(argv[1]) : "stop";
  int isInterrupt = zMode && strcmp(zMode, "interrupt") == 0;
  sqlite3_progress_handler(
      db, nOps, nOps > 0 ? (isInterrupt ? progress_interrupt : progress_callback) : 0,
      db);
  sqlite3_result_int(pCtx, nOps);
}

static void length_limit_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3 *db = sqlite3_context_db_handle(pCtx);
  sqlite3_result_int(pCtx,
                     sqlite3_limit(db, SQLITE_LIMIT_LENGTH, sqlite3_value_int(argv[0])));
}

static sqlite3 *open_database(void) {
  sqlite3 *db = 0;
  char *zErr = 0;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    fprintf(stderr, "runner: cannot open a database\n");
    exit(2);
  }
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, zExtension, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "runner: cannot load %s: %s\n", zExtension, zErr ? zErr : "?");
    exit(2);
  }
  sqlite3_create_function(db, "readfile", 1, SQLITE_UTF8, 0, readfile_func, 0, 0);
  sqlite3_create_function(db, "runner_progress", 1, SQLITE_UTF8, 0, progress_func, 0, 0);
  sqlite3_create_function(db, "runner_progress", 2, SQLITE_UTF8, 0, progress_func, 0, 0);
  sqlite3_create_function(db, "runner_length_limit", 1, SQLITE_UTF8, 0, length_limit_func,
                          0, 0);
  return db;
}

static void append_value(Buf *pOut, sqlite3_stmt *pStmt, int iCol) {
  switch (sqlite3_column_type(pStmt, iCol)) {
  case SQLITE_NULL:
    buf_puts(pOut, "NULL");
    break;
  case SQLITE_BLOB: {
    const unsigned char *a = sqlite3_column_blob(pStmt, iCol);
    int n = sqlite3_column_bytes(pStmt, iCol);
    buf_puts(pOut, "x'");
    for (int i = 0; i < n; i++) {
      char aHex[3];
      snprintf(aHex, sizeof(aHex), "%02x", a[i]);
      buf_append(pOut, aHex, 2);
    }
    buf_puts(pOut, "'");
    break;
  }
  default: {
    const char *z = (const char *)sqlite3_column_text(pStmt, iCol);
    int n = sqlite3_column_bytes(pStmt, iCol);
    if (n == 0) {
      buf_puts(pOut, "(empty)");
    } else {
      buf_append(pOut, z, (size_t)n);
    }
  }
  }
}

/* Runs every statement of zSql, appending rows to pOut. Returns 0 on success,
** else 1 with the error message in *pzErr (caller frees). */
static int run_sql(sqlite3 *db, const char *zSql, Buf *pOut, char **pzErr) {
  while (zSql && *zSql) {
    sqlite3_stmt *pStmt = 0;
    const char *zTail = 0;
    if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, &zTail) != SQLITE_OK) {
      *pzErr = strdup(sqlite3_errmsg(db));
      return 1;
    }
    if (pStmt == 0)
      break; /* only white space or comments left */
    int rc;
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
      int nCol = sqlite3_column_count(pStmt);
      for (int i = 0; i < nCol; i++) {
        if (i > 0)
          buf_puts(pOut, "|");
        append_value(pOut, pStmt, i);
      }
      buf_puts(pOut, "\n");
    }
    if (rc != SQLITE_DONE) {
      *pzErr = strdup(sqlite3_errmsg(db));
      sqlite3_finalize(pStmt);
      return 1;
    }
    sqlite3_finalize(pStmt);
    zSql = zTail;
  }
  return 0;
}

static char *run_command(const char *zCommand) {
  Buf out = {0, 0, 0};
  Buf cmd = {0, 0, 0};
  buf_puts(&cmd, zCommand);
  buf_puts(&cmd, " 2>&1");
  FILE *f = popen(cmd.z, "r");
  free(cmd.z);
  if (f == 0)
    return strdup("runner: popen failed");
  char aChunk[65536];
  size_t n;
  while ((n = fread(aChunk, 1, sizeof(aChunk), f)) > 0)
    buf_append(&out, aChunk, n);
  pclose(f);
  return buf_take(&out);
}

/* ---- checking ---------------------------------------------------------- */

static void report_difference(const Block *pBlock, const char *zExpected,
                              const char *zGot) {
  int iLine = 1;
  const char *zE = zExpected, *zG = zGot;
  while (*zE && *zE == *zG) {
    if (*zE == '\n')
      iLine++;
    zE++;
    zG++;
  }
  fprintf(stderr, "FAIL %s (%s:%d): output differs at line %d\n", pBlock->zName,
          pBlock->zFile, pBlock->iLine, iLine);
  const char *zELine = zE, *zGLine = zG;
  while (zELine > zExpected && zELine[-1] != '\n')
    zELine--;
  while (zGLine > zGot && zGLine[-1] != '\n')
    zGLine--;
  fprintf(stderr, "  expected: %.*s\n", (int)strcspn(zELine, "\n"), zELine);
  fprintf(stderr, "  got:      %.*s\n", (int)strcspn(zGLine, "\n"), zGLine);
  if (isVerbose)
    fprintf(stderr, "  all it got:\n%s\n  (end)\n", zGot);
}

/* The expected text, or the contents of the file it names as "@path". */
static char *expected_text(const Block *pBlock) {
  if (pBlock->zExpected[0] != '@')
    return strdup(pBlock->zExpected);
  char *z = read_file(pBlock->zExpected + 1, 0);
  if (z == 0) {
    fprintf(stderr, "runner: cannot read %s\n", pBlock->zExpected + 1);
    exit(2);
  }
  Buf buf = {0, 0, 0};
  buf_puts(&buf, z);
  free(z);
  return buf_take(&buf);
}

static void check_block(sqlite3 *db, const Block *pBlock) {
  if (pBlock->kind == KIND_EXEC && skipExec) {
    nSkip++;
    nSkipNoExec++;
    return;
  }
  if (pBlock->kind == KIND_EXEC) {
    Tool *pMissing = tool_missing(pBlock->zFile, pBlock->iLine, pBlock->zNeeds);
    if (pMissing) {
      nSkip++;
      pMissing->nSkip++;
      return;
    }
  }
  Buf out = {0, 0, 0};
  char *zErr = 0;
  char *zGot = 0;
  int failed = 0;
  if (pBlock->kind == KIND_EXEC) {
    zGot = run_command(pBlock->zBody);
  } else {
    int isError = run_sql(db, pBlock->zBody, &out, &zErr);
    zGot = buf_take(&out);
    if (pBlock->kind == KIND_ERROR) {
      free(zGot);
      zGot = isError ? zErr : strdup("(no error)");
      zErr = 0;
    } else if (isError) {
      fprintf(stderr, "FAIL %s (%s:%d): unexpected error: %s\n", pBlock->zName,
              pBlock->zFile, pBlock->iLine, zErr);
      failed = 1;
    }
  }
  if (!failed && pBlock->kind != KIND_STATEMENT) {
    char *zExpected = expected_text(pBlock);
    if (strcmp(zExpected, zGot) != 0) {
      report_difference(pBlock, zExpected, zGot);
      failed = 1;
    }
    free(zExpected);
  }
  if (failed) {
    nFail++;
  } else {
    nPass++;
    if (isVerbose)
      printf("ok %s\n", pBlock->zName);
  }
  free(zGot);
  free(zErr);
}

/* ---- reading test files ------------------------------------------------ */

typedef struct Lines {
  char **az;
  int n;
} Lines;

static Lines split_lines(char *z) {
  Lines lines = {0, 0};
  int nAlloc = 0;
  while (*z) {
    char *zEol = strchr(z, '\n');
    if (lines.n == nAlloc) {
      nAlloc = nAlloc ? nAlloc * 2 : 256;
      lines.az = realloc(lines.az, sizeof(char *) * (size_t)nAlloc);
      if (lines.az == 0)
        exit(2);
    }
    lines.az[lines.n++] = z;
    if (zEol == 0)
      break;
    *zEol = 0;
    z = zEol + 1;
  }
  return lines;
}

static int is_blank(const char *z) {
  return z[strspn(z, " \t\r")] == 0;
}

/* Appends lines [iFrom, iTo) joined with newlines. */
static char *join_lines(const Lines *pLines, int iFrom, int iTo) {
  Buf buf = {0, 0, 0};
  for (int i = iFrom; i < iTo; i++) {
    buf_puts(&buf, pLines->az[i]);
    buf_puts(&buf, "\n");
  }
  return buf_take(&buf);
}

/* Lines [iFrom, iTo) of a ```sql block joined with newlines, each line
** ".read FILE" replaced by the text of FILE (exits when it cannot be read). */
static char *join_sql_lines(const Lines *pLines, int iFrom, int iTo) {
  Buf buf = {0, 0, 0};
  for (int i = iFrom; i < iTo; i++) {
    const char *zLine = pLines->az[i];
    if (strncmp(zLine, ".read ", 6) != 0) {
      buf_puts(&buf, zLine);
      buf_puts(&buf, "\n");
      continue;
    }
    char *zText = read_file(zLine + 6, 0);
    if (zText == 0) {
      fprintf(stderr, "runner: cannot read %s\n", zLine + 6);
      exit(2);
    }
    buf_puts(&buf, zText);
    buf_puts(&buf, "\n");
    free(zText);
  }
  return buf_take(&buf);
}

static int parse_kind(const char *zWord, BlockKind *pKind) {
  static const struct {
    const char *zWord;
    BlockKind kind;
  } aKind[] = {{"query", KIND_QUERY},
               {"error", KIND_ERROR},
               {"statement", KIND_STATEMENT},
               {"exec", KIND_EXEC}};
  for (size_t i = 0; i < sizeof(aKind) / sizeof(aKind[0]); i++) {
    size_t n = strlen(aKind[i].zWord);
    if (strncmp(zWord, aKind[i].zWord, n) == 0 && (zWord[n] == ' ' || zWord[n] == 0)) {
      *pKind = aKind[i].kind;
      return 1;
    }
  }
  return 0;
}

static void run_test_file(const char *zPath, char *zText) {
  Lines lines = split_lines(zText);
  sqlite3 *db = open_database();
  int i = 0;
  while (i < lines.n) {
    if (is_blank(lines.az[i]) || lines.az[i][0] == '#') {
      i++;
      continue;
    }
    if (strncmp(lines.az[i], "tool ", 5) == 0) {
      tool_declare(zPath, i + 1, lines.az[i]);
      i++;
      continue;
    }
    Block block;
    memset(&block, 0, sizeof(block));
    block.zFile = zPath;
    block.iLine = i + 1;
    if (!parse_kind(lines.az[i], &block.kind)) {
      fprintf(stderr, "runner: %s:%d: expected query, error, statement or exec\n", zPath,
              i + 1);
      exit(2);
    }
    const char *zName = strchr(lines.az[i], ' ');
    snprintf(block.zName, sizeof(block.zName), "%s", zName ? zName + 1 : lines.az[i]);
    char *zNeeds = strstr(block.zName, " needs ");
    if (block.kind == KIND_EXEC && zNeeds) {
      snprintf(block.zNeeds, sizeof(block.zNeeds), "%s", zNeeds + strlen(" needs "));
      *zNeeds = 0;
    }
    int iBody = ++i;
    /* a statement ends at a blank line; other bodies at ----, so that SQL
    ** text literals may hold blank lines */
    while (i < lines.n && strcmp(lines.az[i], "----") != 0 &&
           !(block.kind == KIND_STATEMENT && is_blank(lines.az[i]))) {
      i++;
    }
    block.zBody = join_lines(&lines, iBody, i);
    if (i < lines.n && strcmp(lines.az[i], "----") == 0) {
      int iExpected = ++i;
      while (i < lines.n && lines.az[i][0] != 0)
        i++;
      block.zExpected = join_lines(&lines, iExpected, i);
    } else if (block.kind != KIND_STATEMENT) {
      fprintf(stderr, "runner: %s:%d: '%s' has no ---- line\n", zPath, block.iLine,
              block.zName);
      exit(2);
    }
    check_block(db, &block);
    free(block.zBody);
    free(block.zExpected);
  }
  sqlite3_close(db);
  free(lines.az);
}

/* Index of the line that closes the fence opened at line i, or lines.n. */
static int fence_end(const Lines *pLines, int i) {
  for (int j = i + 1; j < pLines->n; j++) {
    if (strncmp(pLines->az[j], "```", 3) == 0)
      return j;
  }
  return pLines->n;
}

static void run_doc_file(const char *zPath, char *zText) {
  Lines lines = split_lines(zText);
  sqlite3 *db = open_database();
  for (int i = 0; i < lines.n; i++) {
    if (strncmp(lines.az[i], "```", 3) != 0)
      continue;
    int iEnd = fence_end(&lines, i);
    if (strcmp(lines.az[i], "```sql") != 0) {
      i = iEnd;
      continue;
    }
    Block block;
    memset(&block, 0, sizeof(block));
    block.zFile = zPath;
    block.iLine = i + 1;
    block.kind = KIND_STATEMENT;
    snprintf(block.zName, sizeof(block.zName), "%s:%d", zPath, i + 1);
    block.zBody = join_sql_lines(&lines, i + 1, iEnd);
    int j = iEnd + 1;
    while (j < lines.n && is_blank(lines.az[j]))
      j++;
    if (j < lines.n &&
        (strcmp(lines.az[j], "```output") == 0 || strcmp(lines.az[j], "```error") == 0)) {
      block.kind = lines.az[j][3] == 'o' ? KIND_QUERY : KIND_ERROR;
      int jEnd = fence_end(&lines, j);
      block.zExpected = join_lines(&lines, j + 1, jEnd);
      iEnd = jEnd;
    }
    check_block(db, &block);
    free(block.zBody);
    free(block.zExpected);
    i = iEnd;
  }
  sqlite3_close(db);
  free(lines.az);
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--ext") == 0 && i + 1 < argc) {
      zExtension = argv[++i];
    } else if (strcmp(argv[i], "--no-exec") == 0) {
      skipExec = 1;
    } else if (strcmp(argv[i], "-v") == 0) {
      isVerbose = 1;
    } else {
      fprintf(stderr, "usage: runner --ext PATH [--no-exec] [-v] FILE...\n");
      return 2;
    }
  }
  if (zExtension == 0) {
    fprintf(stderr, "usage: runner --ext PATH [--no-exec] [-v] FILE...\n");
    return 2;
  }
  for (; i < argc; i++) {
    char *zText = read_file(argv[i], 0);
    if (zText == 0) {
      fprintf(stderr, "runner: cannot read %s\n", argv[i]);
      return 2;
    }
    size_t n = strlen(argv[i]);
    if (n > 3 && strcmp(argv[i] + n - 3, ".md") == 0) {
      run_doc_file(argv[i], zText);
    } else {
      run_test_file(argv[i], zText);
    }
    free(zText);
  }
  report_skipped();
  if (nSkip > 0)
    printf("%d passed, %d failed, %d skipped\n", nPass, nFail, nSkip);
  else
    printf("%d passed, %d failed\n", nPass, nFail);
  sqlite3_shutdown();
  return nFail > 0 ? 1 : 0;
}
