/*
** format_markdown.c: markdown digests of arXiv papers, in three forms.
** docs/format-markdown.md describes them for users.
**
**   daily-arxiv-table  Markdown tables of papers, each column read by its
**                      header's name (papers_md_table_role); a title may link to arXiv.
**                      Rows without a header have the layout of the tables of
**                      the "daily-arxiv" generators (cv-arxiv-daily and forks),
**                      under a `## Topic` heading, one row a paper:
**                        |**2026-05-13**|**Title**|First Author
*et.al.|[2605.13741](http://arxiv.org/abs/2605.13741)|null|
**                      The last cell is `null` or a bold `[link](url)` to code.
**   daily-arxiv-list   The same generator's bullet-list form, one line a paper:
**                        - 2022-11-30, **Title, with commas**, First Author et.al.,
**                          Paper: [url](url)[, Code: **[url](url)**]
**                      (on one line). Ids carry their version in the URL.
**   markdown-blocks    One block a paper: `# Title`, then `**Authors**: A, B`,
**                      `**Link**: [PDF](url)` and `**Abstract**: text` fields,
**                      each a paragraph (the abstract runs on to the block's
**                      end), blocks separated by a `---` rule or the next
**                      `# ` heading.
**
** Contract:
**   - Each xStep reads lines until it has one entry, or one line (or run of
**     lines) it cannot place, which becomes a reject; so every step is linear
**     in the lines it reads and produces at most a few rejects.
**   - Nothing is copied: every field is a span of the input.
**   - The table and list forms take the topic from the nearest `## ` heading
**     above the entry (a heading "Updated on ..." is the page's date stamp, not
**     a topic) and return it in `extra` as {"topic": "..."}; `links` is the
**     code link. "et.al." is dropped from the author cell: authors is then the
**     one name given, author_count stays NULL (no form states a count).
**   - arxiv_id and arxiv_version come from an arXiv abs/pdf URL, else from a
**     link text that is an id; `url` is the link as written.
**   - Page furniture is skipped: blank lines, other headings, HTML lines,
**     block quotes, badge and link-reference lines, table headers and rules,
**     thematic breaks (`---`) outside blocks.
**     Any other line that is not an entry is a reject, as is a field of an
**     entry that cannot be read (a date that is no calendar day, a link
**     without an arXiv id).
**   - Detection counts each form's own entry lines; text whose entries are
**     `### [` headings linking to huggingface.co/papers (crawler renderings of
**     Hugging Face pages) is never claimed.
*/
#include "parse.h"

#include <string.h>

/* Columns of a table beyond this are not looked at. */
#define TABLE_MAX_COLUMNS 32

/* What a table or list entry has beyond the record: spans of the input. */
typedef struct MarkdownState {
  PapersSpan topic; /* text of the `## ` heading above, z == 0 for none */
  PapersSpan code;  /* URL of the code link, z == 0 for none */
  /* The header of the table being read: nColumn cells, each one's role;
  ** nColumn is 0 outside a table with a header (rows then have the
  ** daily-arxiv layout |date|title|authors|link|code|). */
  int nColumn;
  int iTitle; /* the title column, -1 when the header names none */
  unsigned char aRole[TABLE_MAX_COLUMNS];
  PapersMdRefs refs; /* the link reference definitions after the table */
} MarkdownState;

/* markdown-blocks: iState is STATE_SKIP_REST after a block was cut short
** because its rejects filled the step's array. */
enum { STATE_NORMAL = 0, STATE_SKIP_REST = 1 };

/* ---- small span helpers ------------------------------------------------ */

static PapersSpan span_make(const char *z, i64 n) {
  PapersSpan span = {z, n};
  return span;
}

static int md_starts_with(const char *z, i64 n, const char *zPrefix) {
  size_t nPrefix = strlen(zPrefix);
  return (size_t)n >= nPrefix && memcmp(z, zPrefix, nPrefix) == 0;
}

static int md_ends_with(const char *z, i64 n, const char *zSuffix) {
  size_t nSuffix = strlen(zSuffix);
  return (size_t)n >= nSuffix && memcmp(z + n - nSuffix, zSuffix, nSuffix) == 0;
}

/* Offset of the first zNeedle in z[0..n), or -1. */
static i64 md_find(const char *z, i64 n, const char *zNeedle) {
  i64 nNeedle = (i64)strlen(zNeedle);
  for (i64 i = 0; i + nNeedle <= n; i++) {
    const char *zHit = memchr(z + i, zNeedle[0], (size_t)(n - nNeedle - i + 1));
    if (zHit == 0)
      return -1;
    i = zHit - z;
    if (memcmp(zHit, zNeedle, (size_t)nNeedle) == 0)
      return i;
  }
  return -1;
}

/* Offset of the last zNeedle in z[0..n), or -1. */
static i64 md_find_last(const char *z, i64 n, const char *zNeedle) {
  i64 nNeedle = (i64)strlen(zNeedle);
  for (i64 i = n - nNeedle; i >= 0; i--) {
    if (z[i] == zNeedle[0] && memcmp(z + i, zNeedle, (size_t)nNeedle) == 0)
      return i;
  }
  return -1;
}

/* ---- markdown lines ---------------------------------------------------- */

/* The level (1..6) of an ATX heading "## Text", its text in *pText; 0 when
** the trimmed line is not a heading. */
static int heading_level(PapersSpan t, PapersSpan *pText) {
  int nHash = 0;
  while (nHash < t.n && nHash < 7 && t.z[nHash] == '#')
    nHash++;
  if (nHash == 0 || nHash > 6)
    return 0;
  if (nHash < t.n && t.z[nHash] != ' ' && t.z[nHash] != '\t')
    return 0;
  *pText = papers_trim(t.z + nHash, t.n - nHash);
  return nHash;
}

/* A thematic break: three or more '-' and nothing else. */
static int is_rule(PapersSpan t) {
  if (t.n < 3)
    return 0;
  for (i64 i = 0; i < t.n; i++) {
    if (t.z[i] != '-')
      return 0;
  }
  return 1;
}

/* A table delimiter row "|---|:--:|": only pipes, dashes, colons, spaces. */
static int is_table_rule(PapersSpan t) {
  int hasDash = 0;
  if (t.n < 3 || t.z[0] != '|')
    return 0;
  for (i64 i = 0; i < t.n; i++) {
    char c = t.z[i];
    if (c == '-')
      hasDash = 1;
    else if (c != '|' && c != ':' && c != ' ' && c != '\t')
      return 0;
  }
  return hasDash;
}

/* Page furniture of markdown digests, skipped silently: blank lines, HTML
** lines, block quotes, badge lines "[![..." and link references "[x]: url". */
static int md_is_furniture(PapersSpan t) {
  if (t.n == 0)
    return 1;
  if (t.z[0] == '<' || t.z[0] == '>')
    return 1;
  if (md_starts_with(t.z, t.n, "[!["))
    return 1;
  if (t.z[0] == '[') {
    i64 iClose = md_find(t.z, t.n, "]: ");
    return iClose > 1 && md_find(t.z, iClose, "](") < 0;
  }
  return 0;
}

/* Reads a markdown link "[text](url)" at the start of z[0..n). Returns the
** bytes it spans, 0 when z does not start with one. Parentheses inside the
** URL nest, as in CommonMark. */
static i64 parse_link(const char *z, i64 n, PapersSpan *pText, PapersSpan *pUrl) {
  if (n < 4 || z[0] != '[')
    return 0;
  i64 iMid = md_find(z, n, "](");
  if (iMid < 0)
    return 0;
  int nDepth = 0;
  for (i64 i = iMid + 2; i < n; i++) {
    if (z[i] == '(')
      nDepth++;
    if (z[i] != ')')
      continue;
    if (nDepth-- > 0)
      continue;
    *pText = papers_trim(z + 1, iMid - 1);
    *pUrl = papers_trim(z + iMid + 2, i - iMid - 2);
    return i + 1;
  }
  return 0;
}

/* ---- arXiv ids --------------------------------------------------------- */

/* Reads the id of an arXiv URL ".../abs/ID" or ".../pdf/ID[.pdf]". */
static int arxiv_id_from_url(PapersSpan url, PapersSpan *pId, i64 *pVersion) {
  i64 iHost = md_find(url.z, url.n, "arxiv.org/");
  if (iHost < 0)
    return 0;
  const char *z = url.z + iHost + 10;
  i64 n = url.n - iHost - 10;
  if (!md_starts_with(z, n, "abs/") && !md_starts_with(z, n, "pdf/"))
    return 0;
  z += 4;
  n -= 4;
  for (i64 i = 0; i < n; i++) {
    if (z[i] == '?' || z[i] == '#')
      n = i;
  }
  if (n > 0 && z[n - 1] == '/')
    n--;
  if (md_ends_with(z, n, ".pdf"))
    n -= 4;
  return papers_arxiv_id_parse(z, n, pId, pVersion);
}

/* Sets url, arxiv_id and arxiv_version from a link (text and URL, either may
** be absent); a reject when neither names an arXiv paper. */
static void take_paper_link(PapersParser *p, PapersSpan text, PapersSpan url,
                            const PapersLine *pLine) {
  PapersRecord *pRec = &p->rec;
  if (url.z)
    pRec->url = url;
  if (url.z && arxiv_id_from_url(url, &pRec->arxivId, &pRec->arxivVersion))
    return;
  if (text.z &&
      papers_arxiv_id_parse(text.z, text.n, &pRec->arxivId, &pRec->arxivVersion))
    return;
  papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                       "no arXiv id in the paper link: arxiv_id is NULL");
}

/* Reads a paper-link cell: "[text](url)", or a bare id or URL. */
static void take_paper_cell(PapersParser *p, PapersSpan cell, const PapersLine *pLine) {
  PapersSpan text = {0, 0}, url = {0, 0};
  cell = papers_md_strip_bold(cell);
  if (parse_link(cell.z, cell.n, &text, &url) != cell.n) {
    text = cell;
    url.z = 0;
    if (md_starts_with(cell.z, cell.n, "http") ||
        md_starts_with(cell.z, cell.n, "arxiv.org/"))
      url = cell;
  }
  take_paper_link(p, text, url, pLine);
}

/* Sets date_text and published from an ISO date as written. */
static void md_take_date(PapersParser *p, PapersSpan date, const PapersLine *pLine) {
  date = papers_md_strip_bold(date);
  p->rec.dateText = date;
  if (!papers_date_from_iso(date.z, date.n, &p->rec.published)) {
    p->rec.published = 0;
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         "not a YYYY-MM-DD calendar date: published is NULL");
  }
}

/* Sets authors from "First Author et.al." (the generator's form) or a list. */
static void take_authors(PapersParser *p, PapersSpan cell) {
  static const char *const azEtAl[] = {"et.al.", "et. al.", "et al.", "et al"};
  cell = papers_trim(cell.z, cell.n);
  for (size_t i = 0; i < sizeof(azEtAl) / sizeof(azEtAl[0]); i++) {
    if (md_ends_with(cell.z, cell.n, azEtAl[i])) {
      cell = papers_trim(cell.z, cell.n - (i64)strlen(azEtAl[i]));
      break;
    }
  }
  if (cell.n > 0)
    p->rec.authors = cell;
}

/* Reads a code cell: `null`, empty, a link, or a bare URL. */
static void take_code(PapersParser *p, MarkdownState *pState, PapersSpan cell,
                      const PapersLine *pLine) {
  PapersSpan text, url;
  cell = papers_md_strip_bold(cell);
  pState->code.z = 0;
  if (cell.n == 0 || (cell.n == 4 && memcmp(cell.z, "null", 4) == 0))
    return;
  if (parse_link(cell.z, cell.n, &text, &url) == cell.n) {
    pState->code = url;
  } else if (md_starts_with(cell.z, cell.n, "http")) {
    pState->code = cell;
  } else {
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         "the code cell is not a link: links is []");
  }
}

/* ---- state shared by the table and list forms -------------------------- */

/* The format's state, allocated on first use. On OOM the parse ends with
** SQLITE_NOMEM. */
static MarkdownState *markdown_state(PapersParser *p) {
  if (p->pState)
    return p->pState;
  MarkdownState *pState = sqlite3_malloc64(sizeof(*pState));
  if (pState == 0) {
    p->rc = SQLITE_NOMEM;
    return 0;
  }
  memset(pState, 0, sizeof(*pState));
  p->pState = pState;
  return pState;
}

static void markdown_free(PapersParser *p) {
  sqlite3_free(p->pState);
}

/* Takes a heading line: a `## ` heading sets the topic ("Updated on ..." is
** the page's stamp and clears it); other levels are furniture. Returns 0 when
** the line is no heading. */
static int take_heading(MarkdownState *pState, PapersSpan t) {
  PapersSpan text;
  int iLevel = heading_level(t, &text);
  if (iLevel != 2)
    return iLevel != 0;
  pState->topic = text;
  if (md_starts_with(text.z, text.n, "Updated on"))
    pState->topic.z = 0;
  return 1;
}

/* extra: {"topic": "..."} with the JSON subtype, NULL without a topic. */
static void result_topic(sqlite3_context *pCtx, PapersSpan topic) {
  if (topic.z == 0) {
    sqlite3_result_null(pCtx);
    return;
  }
  char *zFolded = sqlite3_malloc64(topic.n > 0 ? (sqlite3_uint64)topic.n : 1);
  if (zFolded == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  i64 nFolded = papers_fold(zFolded, topic.z, topic.n);
  sqlite3_str *pStr = sqlite3_str_new(sqlite3_context_db_handle(pCtx));
  sqlite3_str_appendall(pStr, "{\"topic\":");
  papers_json_append_string(pStr, zFolded, nFolded);
  sqlite3_str_appendchar(pStr, 1, '}');
  sqlite3_free(zFolded);
  papers_result_json(pCtx, pStr);
}

/* The table and list forms: extra is the topic, links the code link. */
static void daily_arxiv_column(const PapersParser *p, sqlite3_context *pCtx, int iCol) {
  const MarkdownState *pState = p->pState;
  if (iCol == PAPERS_COL_EXTRA) {
    result_topic(pCtx, pState->topic);
  } else if (iCol == PAPERS_COL_LINKS) {
    papers_result_links(pCtx, &pState->code, pState->code.z ? 1 : 0);
  } else {
    papers_record_result(p, pCtx, iCol);
  }
}

/* True when a line starts with "### [" and links to huggingface.co/papers:
** a crawler's rendering of a Hugging Face page, which no form here claims. */
static int is_hf_card_heading(PapersSpan t) {
  return md_starts_with(t.z, t.n, "### [") &&
         md_find(t.z, t.n, "huggingface.co/papers") > 0;
}

/* Runs xLineScore over the lines of the first bytes; 0 when a Hugging Face
** card heading shows up, else the sum capped at 100. */
static int detect_lines(const char *z, i64 n, int (*xLineScore)(PapersSpan, int *)) {
  PapersLines lines;
  PapersLine line;
  int score = 0, seen = 0;
  papers_lines_init(&lines, z, n, memchr(z, '\r', (size_t)n) != 0);
  while (papers_lines_next(&lines, &line)) {
    PapersSpan t = papers_trim(line.z, line.n);
    if (is_hf_card_heading(t))
      return 0;
    if (score < 100)
      score += xLineScore(t, &seen);
  }
  return score < 100 ? score : 100;
}

/* ---- daily-arxiv-table ------------------------------------------------- */

/* A table header: a row that the next line's delimiter row follows. */
static int is_table_header(const PapersLines *pLines) {
  PapersLines next = *pLines;
  PapersLine line;
  return papers_lines_next(&next, &line) && is_table_rule(papers_trim(line.z, line.n));
}

/* ---- tables named by their headers ------------------------------------ */

/* Takes a header row: the role of each of its cells. A table of papers
** names a title column and another column of papers (authors, summary,
** date, link or code); iTitle is -1 for any other table. */
static void take_table_header(MarkdownState *pState, PapersSpan t) {
  PapersSpan aCell[TABLE_MAX_COLUMNS];
  int nCell = papers_md_split_cells(t, aCell, TABLE_MAX_COLUMNS), hasOther = 0;
  pState->nColumn = nCell < TABLE_MAX_COLUMNS ? nCell : TABLE_MAX_COLUMNS;
  pState->iTitle = -1;
  pState->refs.isRead = 0;
  for (int i = 0; i < pState->nColumn; i++) {
    int role = papers_md_table_role(aCell[i]);
    pState->aRole[i] = (unsigned char)role;
    if (role == PAPERS_MD_TITLE && pState->iTitle < 0)
      pState->iTitle = i;
    hasOther |= role != PAPERS_MD_TITLE && role != PAPERS_MD_OTHER;
  }
  if (!hasOther)
    pState->iTitle = -1;
}

/* True when a title has a letter (of any script): not a number or a mark. */
static int has_letter(PapersSpan t) {
  for (i64 i = 0; i < t.n; i++) {
    unsigned char c = (unsigned char)t.z[i];
    if (c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
      return 1;
  }
  return 0;
}

/* A reference link "[text][label]" or "[label]" whose label a definition
** after the table gives (md_refs.c): its text and the definition's URL. */
static int parse_ref_link(const PapersParser *p, MarkdownState *pState, PapersSpan cell,
                          PapersSpan *pText, PapersSpan *pUrl) {
  if (cell.n < 3 || cell.z[0] != '[' || cell.z[cell.n - 1] != ']')
    return 0;
  const char *zMid = memchr(cell.z, ']', (size_t)cell.n);
  PapersSpan label = span_make(cell.z + 1, cell.n - 2);
  *pText = label;
  if (zMid < cell.z + cell.n - 1) {
    if (zMid[1] != '[')
      return 0;
    *pText = span_make(cell.z + 1, zMid - cell.z - 1);
    label = span_make(zMid + 2, cell.z + cell.n - zMid - 3);
  }
  if (!pState->refs.isRead) {
    const PapersLines *pLines = &p->lines;
    papers_md_refs_read(&pState->refs, pLines->z + pLines->iPos, pLines->n - pLines->iPos,
                        pLines->hasCR);
  }
  return papers_md_refs_find(&pState->refs, label, pUrl);
}

/* A title cell: "[Title](url)" or "[Title][ref]" (the link text is the
** title; an arXiv URL gives the id) or the title as written. */
static void take_title_cell(PapersParser *p, MarkdownState *pState, PapersSpan cell) {
  PapersSpan text, url;
  cell = papers_md_strip_bold(cell);
  if ((cell.n > 0 && parse_link(cell.z, cell.n, &text, &url) == cell.n && text.n > 0) ||
      parse_ref_link(p, pState, cell, &text, &url)) {
    p->rec.title = papers_md_strip_bold(text);
    p->rec.url = url;
    arxiv_id_from_url(url, &p->rec.arxivId, &p->rec.arxivVersion);
  } else {
    p->rec.title = cell;
  }
}

/* A link cell of a table with a header: an arXiv link (or a footnote "[1]"
** to one) sets the id unless the title's link did, any link the url; a
** cell naming no arXiv paper is left alone when the title gave an id,
** reported otherwise. */
static void take_link_cell(PapersParser *p, MarkdownState *pState, PapersSpan cell,
                           const PapersLine *pLine) {
  PapersSpan text, url;
  if (cell.n == 0 || p->rec.arxivId.z)
    return;
  PapersSpan saveUrl = p->rec.url;
  if (parse_ref_link(p, pState, papers_md_strip_bold(cell), &text, &url))
    take_paper_link(p, text, url, pLine);
  else
    take_paper_cell(p, cell, pLine);
  if (p->rec.url.z == 0)
    p->rec.url = saveUrl;
}

/* Reads a row of a table whose header named its columns. The cells a row
** has beyond the header's belong to the title (a '|' in a title). */
static void take_named_row(PapersParser *p, MarkdownState *pState,
                           const PapersLine *pLine, PapersSpan t) {
  PapersSpan aCell[TABLE_MAX_COLUMNS];
  int nCell = papers_md_split_cells(t, aCell, TABLE_MAX_COLUMNS);
  int nExtra = nCell > pState->nColumn ? nCell - pState->nColumn : 0;
  if (nCell > TABLE_MAX_COLUMNS)
    nExtra = 0;
  papers_record_start(p, pLine->iLine);
  pState->code.z = 0;
  for (int i = 0, iCell = 0; i < pState->nColumn && iCell < nCell; i++, iCell++) {
    PapersSpan cell = aCell[iCell];
    if (i == pState->iTitle && nExtra > 0) {
      iCell += nExtra;
      cell.n = aCell[iCell].z + aCell[iCell].n - cell.z;
    }
    switch (pState->aRole[i]) {
    case PAPERS_MD_TITLE:
      if (i == pState->iTitle)
        take_title_cell(p, pState, cell);
      break;
    case PAPERS_MD_ABSTRACT:
      if (cell.n > 0 && p->rec.abstract.z == 0)
        p->rec.abstract = cell;
      break;
    case PAPERS_MD_AUTHORS:
      take_authors(p, cell);
      break;
    case PAPERS_MD_DATE:
      if (cell.n > 0)
        md_take_date(p, cell, pLine);
      break;
    case PAPERS_MD_LINK:
      take_link_cell(p, pState, cell, pLine);
      break;
    case PAPERS_MD_CODE:
      take_code(p, pState, cell, pLine);
      break;
    }
  }
  if (!has_letter(p->rec.title)) {
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         "a table row without a title");
    return;
  }
  p->hasRecord = 1;
}

/* Reads one row of a table: by its header's names, or, in a table without
** a header, as a row of daily-arxiv's |date|title|authors|link|code| (the
** layout is taken for that row alone). */
static void take_any_row(PapersParser *p, MarkdownState *pState, const PapersLine *pLine,
                         PapersSpan t) {
  static const unsigned char aDailyArxiv[] = {
      PAPERS_MD_DATE, PAPERS_MD_TITLE, PAPERS_MD_AUTHORS, PAPERS_MD_LINK, PAPERS_MD_CODE};
  PapersSpan aCell[5];
  const char *zReason = 0;
  if (pState->nColumn > 0) {
    if (pState->iTitle < 0)
      zReason = "a row of a table whose header names no title column";
    else
      take_named_row(p, pState, pLine, t);
  } else if (papers_md_split_cells(t, aCell, 5) < 5 || t.z[t.n - 1] != '|') {
    zReason = "not a row |date|title|authors|link|code| of a daily-arxiv table";
  } else {
    pState->nColumn = 5;
    pState->iTitle = 1;
    memcpy(pState->aRole, aDailyArxiv, sizeof(aDailyArxiv));
    take_named_row(p, pState, pLine, t);
    pState->nColumn = 0;
  }
  if (zReason)
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine, zReason);
}

static int table_step(PapersParser *p) {
  MarkdownState *pState = markdown_state(p);
  PapersLine line;
  if (pState == 0)
    return 0;
  while (papers_lines_next(&p->lines, &line)) {
    PapersSpan t = papers_trim(line.z, line.n);
    if (t.n == 0 || t.z[0] != '|')
      pState->nColumn = 0; /* a table ends at a line that is no row */
    if (take_heading(pState, t) || md_is_furniture(t) || is_table_rule(t) || is_rule(t))
      continue;
    if (t.z[0] == '|' && is_table_header(&p->lines)) {
      take_table_header(pState, t);
      continue;
    }
    if (t.z[0] == '|') {
      take_any_row(p, pState, &line, t);
    } else {
      papers_parser_reject(p, line.z, line.z + line.n, line.iLine,
                           "not part of a daily-arxiv table");
    }
    return 1;
  }
  return 0;
}

/* True when a row is the header of a table of papers (take_table_header). */
static int is_paper_header(PapersSpan t) {
  MarkdownState state;
  take_table_header(&state, t);
  return state.iTitle >= 0;
}

/* A table row whose first cell is a bold ISO date, or a header of papers. */
static int table_line_score(PapersSpan t, int *pSeen) {
  (void)pSeen;
  if (t.n > 2 && t.z[0] == '|' && !is_table_rule(t) && is_paper_header(t))
    return 30;
  if (!md_starts_with(t.z, t.n, "|**") || t.n < 16 || t.z[t.n - 1] != '|')
    return 0;
  PapersDate date;
  return memcmp(t.z + 13, "**|", 3) == 0 && papers_date_from_iso(t.z + 3, 10, &date) ? 10
                                                                                     : 0;
}

static int table_detect(const char *z, i64 n) {
  return detect_lines(z, n, table_line_score);
}

/* ---- daily-arxiv-list -------------------------------------------------- */

/* Reads "- DATE, **TITLE**, AUTHORS, Paper: LINK[, Code: LINK]" (the bullet
** already removed). Returns 0 when the line is no such entry. */
static int take_list_entry(PapersParser *p, MarkdownState *pState,
                           const PapersLine *pLine, PapersSpan t) {
  i64 iDate = md_find(t.z, t.n, ", ");
  i64 iPaper = md_find_last(t.z, t.n, ", Paper: ");
  if (iDate < 0 || iPaper <= iDate)
    return 0;
  papers_record_start(p, pLine->iLine);
  md_take_date(p, span_make(t.z, iDate), pLine);
  /* between the date and the paper link: **TITLE**, AUTHORS */
  PapersSpan head = span_make(t.z + iDate + 2, iPaper - iDate - 2);
  i64 iSplit =
      md_starts_with(head.z, head.n, "**") ? md_find_last(head.z, head.n, "**, ") : -1;
  i64 nSep = 4;
  if (iSplit < 0) {
    iSplit = md_find_last(head.z, head.n, ", ");
    nSep = 2;
  }
  if (iSplit >= 0) {
    p->rec.title = papers_md_strip_bold(span_make(head.z, iSplit + (nSep == 4 ? 2 : 0)));
    take_authors(p, span_make(head.z + iSplit + nSep, head.n - iSplit - nSep));
  } else {
    p->rec.title = papers_md_strip_bold(head);
  }
  /* the paper link, then optionally ", Code: LINK" */
  const char *zTail = t.z + iPaper + 9;
  i64 nTail = t.n - iPaper - 9;
  i64 iCode = md_find(zTail, nTail, ", Code: ");
  take_paper_cell(p, span_make(zTail, iCode < 0 ? nTail : iCode), pLine);
  pState->code.z = 0;
  if (iCode >= 0)
    take_code(p, pState, span_make(zTail + iCode + 8, nTail - iCode - 8), pLine);
  p->hasRecord = 1;
  return 1;
}

/* Length of a bullet "- " or "* " at the start of t, or 0. */
static int bullet_len(PapersSpan t) {
  return t.n >= 2 && (t.z[0] == '-' || t.z[0] == '*') && t.z[1] == ' ' ? 2 : 0;
}

static int list_step(PapersParser *p) {
  MarkdownState *pState = markdown_state(p);
  PapersLine line;
  if (pState == 0)
    return 0;
  while (papers_lines_next(&p->lines, &line)) {
    PapersSpan t = papers_trim(line.z, line.n);
    if (take_heading(pState, t) || md_is_furniture(t))
      continue;
    int nBullet = bullet_len(t);
    PapersSpan item = papers_trim(t.z + nBullet, t.n - nBullet);
    if (nBullet == 0 || !take_list_entry(p, pState, &line, item)) {
      papers_parser_reject(
          p, line.z, line.z + line.n, line.iLine,
          "not a daily-arxiv list entry: - date, **title**, authors, Paper: link");
    }
    return 1;
  }
  return 0;
}

/* A bullet "- YYYY-MM-DD, **" line with a ", Paper: " link. */
static int list_line_score(PapersSpan t, int *pSeen) {
  PapersDate date;
  (void)pSeen;
  if (t.n < 18 || bullet_len(t) == 0 || memcmp(t.z + 12, ", **", 4) != 0)
    return 0;
  if (!papers_date_from_iso(t.z + 2, 10, &date))
    return 0;
  return md_find(t.z, t.n, ", Paper: ") > 0 ? 10 : 0;
}

static int list_detect(const char *z, i64 n) {
  return detect_lines(z, n, list_line_score);
}

/* ---- markdown-blocks --------------------------------------------------- */

enum BlockField { FIELD_NONE, FIELD_AUTHORS, FIELD_LINK, FIELD_ABSTRACT, FIELD_UNKNOWN };

/* The field a line "**Name**: value" opens, its value in *pValue; FIELD_NONE
** when the line opens none. */
static int field_of(PapersSpan t, PapersSpan *pValue) {
  static const struct {
    const char *zPrefix;
    int eField;
  } aField[] = {{"**Authors**:", FIELD_AUTHORS},
                {"**Link**:", FIELD_LINK},
                {"**Abstract**:", FIELD_ABSTRACT}};
  for (size_t i = 0; i < sizeof(aField) / sizeof(aField[0]); i++) {
    i64 nPrefix = (i64)strlen(aField[i].zPrefix);
    if (md_starts_with(t.z, t.n, aField[i].zPrefix)) {
      *pValue = papers_trim(t.z + nPrefix, t.n - nPrefix);
      return aField[i].eField;
    }
  }
  if (!md_starts_with(t.z, t.n, "**"))
    return FIELD_NONE;
  i64 iEnd = md_find(t.z + 2, t.n - 2, "**:");
  return iEnd > 0 ? FIELD_UNKNOWN : FIELD_NONE;
}

/* A block being read: its fields grow line by line. */
typedef struct MdBlock {
  int eField;           /* the field the last line belongs to */
  int nField;           /* known fields seen */
  PapersSpan aValue[4]; /* by enum BlockField; z == 0 until seen */
  int isRejecting;      /* the last line was a reject: extend it */
} MdBlock;

/* Rejects a line, merging it with a reject of the line just before. */
static void block_reject(PapersParser *p, MdBlock *pBlock, const PapersLine *pLine,
                         const char *zReason) {
  PapersReject *pLast = p->nReject ? &p->aReject[p->nReject - 1] : 0;
  if (pBlock->isRejecting && pLast && pLast->zReason == zReason) {
    pLast->zEnd = pLine->z + pLine->n;
    return;
  }
  papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine, zReason);
  pBlock->isRejecting = 1;
}

/* Places one line of a block's body. */
static void block_line(PapersParser *p, MdBlock *pBlock, const PapersLine *pLine,
                       PapersSpan t) {
  PapersSpan value;
  int eField = field_of(t, &value);
  if (eField == FIELD_UNKNOWN) {
    pBlock->eField = FIELD_UNKNOWN;
    pBlock->isRejecting = 0;
    block_reject(p, pBlock, pLine, "a field this format does not know");
  } else if (eField != FIELD_NONE) {
    pBlock->eField = eField;
    pBlock->nField += pBlock->aValue[eField].z == 0;
    pBlock->aValue[eField] = value;
    pBlock->isRejecting = 0;
  } else if (pBlock->eField == FIELD_UNKNOWN) {
    block_reject(p, pBlock, pLine, "a field this format does not know");
  } else if (pBlock->eField != FIELD_NONE) {
    PapersSpan *pValue = &pBlock->aValue[pBlock->eField];
    if (pValue->n == 0)
      pValue->z = t.z;
    pValue->n = t.z + t.n - pValue->z;
  } else {
    block_reject(p, pBlock, pLine, "text outside the fields of a paper block");
  }
}

/* Moves the block's fields into the record. */
static void block_finish(PapersParser *p, MdBlock *pBlock, const PapersLine *pLink) {
  PapersSpan link = pBlock->aValue[FIELD_LINK];
  if (pBlock->aValue[FIELD_AUTHORS].n > 0)
    p->rec.authors = pBlock->aValue[FIELD_AUTHORS];
  if (pBlock->aValue[FIELD_ABSTRACT].z)
    p->rec.abstract = pBlock->aValue[FIELD_ABSTRACT];
  if (link.n > 0) {
    PapersLine line = {link.z, link.n, pLink->iLine};
    take_paper_cell(p, link, &line);
  }
}

/* Reads the block whose heading is pHead, up to a `---` rule (taken) or the
** next `# ` heading (left). A heading without any known field is no paper:
** it and its lines become one reject. */
static void md_read_block(PapersParser *p, const PapersLine *pHead, PapersSpan title) {
  MdBlock block;
  PapersLine line, linkLine = *pHead;
  const char *zEnd = pHead->z + pHead->n;
  memset(&block, 0, sizeof(block));
  papers_record_start(p, pHead->iLine);
  p->rec.title = title;
  for (;;) {
    PapersLines before = p->lines;
    if (!papers_lines_next(&p->lines, &line))
      break;
    PapersSpan t = papers_trim(line.z, line.n), text;
    if (is_rule(t))
      break;
    /* one reject is kept free for the link, which is read at the end */
    if (heading_level(t, &text) == 1 || p->nReject >= PAPERS_MAX_REJECTS - 1) {
      if (heading_level(t, &text) != 1)
        p->iState = STATE_SKIP_REST;
      p->lines = before;
      break;
    }
    zEnd = line.z + line.n;
    if (t.n == 0) {
      /* a blank line ends a field's paragraph; the abstract runs on */
      if (block.eField != FIELD_ABSTRACT)
        block.eField = FIELD_NONE;
      block.isRejecting = 0;
      continue;
    }
    if (field_of(t, &text) == FIELD_LINK)
      linkLine = line;
    block_line(p, &block, &line, t);
  }
  if (block.nField == 0) {
    p->nReject = 0;
    papers_parser_reject(
        p, pHead->z, zEnd, pHead->iLine,
        "a heading without **Authors**, **Link** or **Abstract**: no paper");
    p->iState = STATE_NORMAL;
    return;
  }
  block_finish(p, &block, &linkLine);
  p->hasRecord = 1;
}

/* After a block cut short: the rest of it, up to its end, is one reject. */
static void skip_block_rest(PapersParser *p) {
  PapersLine line, first = {0, 0, 0};
  const char *zEnd = 0;
  p->iState = STATE_NORMAL;
  for (;;) {
    PapersLines before = p->lines;
    PapersSpan text;
    if (!papers_lines_next(&p->lines, &line))
      break;
    PapersSpan t = papers_trim(line.z, line.n);
    if (is_rule(t) || heading_level(t, &text) == 1) {
      p->lines = before;
      break;
    }
    if (first.z == 0)
      first = line;
    zEnd = line.z + line.n;
  }
  if (first.z) {
    papers_parser_reject(p, first.z, zEnd, first.iLine,
                         "the rest of a paper block with too many lines not understood");
  }
}

static int blocks_step(PapersParser *p) {
  PapersLine line;
  if (p->iState == STATE_SKIP_REST) {
    skip_block_rest(p);
    return 1;
  }
  while (papers_lines_next(&p->lines, &line)) {
    PapersSpan t = papers_trim(line.z, line.n), title;
    if (t.n == 0 || is_rule(t))
      continue;
    if (heading_level(t, &title) == 1) {
      md_read_block(p, &line, title);
    } else {
      papers_parser_reject(
          p, line.z, line.z + line.n, line.iLine,
          "not part of a paper block: a block starts with a `# Title` line");
    }
    return 1;
  }
  return 0;
}

/* `**Authors**:` and `**Abstract**:` lines after a `# ` heading. */
static int blocks_line_score(PapersSpan t, int *pSeenHeading) {
  PapersSpan text;
  if (heading_level(t, &text) == 1)
    *pSeenHeading = 1;
  if (!*pSeenHeading)
    return 0;
  if (md_starts_with(t.z, t.n, "**Authors**:") ||
      md_starts_with(t.z, t.n, "**Abstract**:")) {
    return 15;
  }
  return 0;
}

static int blocks_detect(const char *z, i64 n) {
  return detect_lines(z, n, blocks_line_score);
}

const PapersFormat papers_format_daily_arxiv_table = {
    "daily-arxiv-table",
    "table row",
    "markdown table of papers read by its header (Title, Summary, Authors, Date, Link, "
    "Code ...), daily-arxiv's |**date**|**title**|authors|[id](url)|code| among them",
    "## SLAM\n"
    "\n"
    "|Publish Date|Title|Authors|PDF|Code|\n"
    "|---|---|---|---|---|\n"
    "|**2026-05-13**|**LEXI-SG: Monocular 3D Scene Graph Mapping**|Christina Kassab "
    "et.al.|[2605.13741](http://arxiv.org/abs/2605.13741)|null|\n",
    table_detect,
    table_step,
    daily_arxiv_column,
    markdown_free,
};

const PapersFormat papers_format_daily_arxiv_list = {
    "daily-arxiv-list",
    "list item",
    "daily-arxiv markdown list: - date, **title**, First Author et.al., Paper: "
    "[url](url)",
    "## SLAM\n"
    "\n"
    "- 2022-11-30, **MVRackLay: Monocular Multi-View Layout Estimation, for "
    "Warehouses**, Pranjali Pathre et.al., Paper: "
    "[http://arxiv.org/abs/2211.16882v1](http://arxiv.org/abs/2211.16882v1)\n",
    list_detect,
    list_step,
    daily_arxiv_column,
    markdown_free,
};

const PapersFormat papers_format_markdown_blocks = {
    "markdown-blocks",
    "paper block",
    "markdown blocks: # Title, **Authors**:, **Link**:, **Abstract**:, then ---",
    "# UniRank: End-to-End Domain-Specific Reranking\n"
    "\n"
    "**Authors**: Yupei Yang, Lin Yang\n"
    "\n"
    "**Link**: [PDF](https://arxiv.org/pdf/2603.29897)\n"
    "\n"
    "**Abstract**: Reranking is a critical component of retrieval pipelines.\n"
    "\n"
    "---\n",
    blocks_detect,
    blocks_step,
    0, /* xColumn: the record as it is */
    0, /* xFree: no state of its own */
};
