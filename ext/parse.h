/*
** parse.h: what the files of the parsing subsystem share (digests to rows).
**
**   text.c           UTF-8 check, lines, white space, folding, JSON strings
**   dates.c          calendar dates: ISO, month names, "Mar 17, 2024"
**   links.c          the distinct URLs of a text, as a JSON array
**   record.c         PapersRecord to the columns of papers_parse
**   parse_arxiv_id.c the one reader of arXiv identifiers
**   parse_id_set.c   the set of ids a parse has seen
**   parse_xml.c      the small XML reader of the feed formats
**   md_table.c       markdown tables: cells, header roles, references
**   formats.c        the table of formats, detection, papers_formats
**   format_*.c       one digest format each (PapersFormat)
**   parse_vtab.c     papers_parse and papers_unparsed (table-valued)
**
** A format's xStep reads the next entry of the text into the parser's
** PapersRecord (spans of the input, never copied) and rejects; parse_vtab.c
** drives the steps and record.c makes the values. No file here calls the
** topic or index subsystems.
*/
#ifndef PAPERS_PARSE_H
#define PAPERS_PARSE_H

#include "papers_internal.h"

/* ---- text.c ---------------------------------------------------------- */

/* Offset of the first byte that is not valid UTF-8, or -1 when all is valid.
** *pHasCR is set when the text holds a carriage return anywhere. */
i64 papers_utf8_check(const unsigned char *z, i64 n, int *pHasCR);

/* Splits text into lines ending in LF, CRLF or a lone CR. */
typedef struct PapersLines {
  const char *z; /* the whole text */
  i64 n;         /* its length in bytes */
  i64 iPos;      /* offset of the next line */
  i64 iLine;     /* 1-based number of the next line */
  int hasCR;     /* the text holds a CR: look for CR line ends too */
} PapersLines;

/* One line: its text without the line terminator. */
typedef struct PapersLine {
  const char *z;
  i64 n;
  i64 iLine;
} PapersLine;

void papers_lines_init(PapersLines *pLines, const char *z, i64 n, int hasCR);

/* Cuts the line at zStart (*pnLine bytes up to its LF, if any: hasLf) at its
** first CR: a CR before the LF ends the line there, and unless the LF follows
** it directly (CRLF) the next line starts after it (*pnStep). */
void papers_lines_cut_cr(const char *zStart, int hasLf, i64 *pnLine, i64 *pnStep);

/* Yields the next line; returns 0 when the text is used up. A text that ends
** with a line terminator has no empty line after it. Inline: a memchr() and
** a few stores, where a call cost as much as the search of a short line; a
** text that holds a CR anywhere also looks for one in each line. */
static inline int papers_lines_next(PapersLines *pLines, PapersLine *pLine) {
  if (pLines->iPos >= pLines->n)
    return 0;
  const char *zStart = pLines->z + pLines->iPos;
  i64 nLeft = pLines->n - pLines->iPos;
  const char *zLf = memchr(zStart, '\n', (size_t)nLeft);
  i64 nLine = zLf ? zLf - zStart : nLeft;
  i64 nStep = zLf ? nLine + 1 : nLine;
  if (pLines->hasCR)
    papers_lines_cut_cr(zStart, zLf != 0, &nLine, &nStep);
  assert(nLine >= 0 && nLine <= nStep && nStep <= nLeft);
  pLine->z = zStart;
  pLine->n = nLine;
  pLine->iLine = pLines->iLine++;
  pLines->iPos += nStep;
  return 1;
}

/* Skips the lines at the start of z[0..n), a text whose lines end at LFs
** alone and whose start starts a line: each line that does not start with
** one of the bytes zStop[0..nStop) (nStop <= PAPERS_LINES_MAX_STOP) and ends
** with an LF. Stops before the first line that starts with one, or before
** the last line when it has no LF. Returns the bytes skipped (0, or just
** past an LF); *pnLine is the lines skipped. One pass over the bytes (32 a
** step on a CPU with AVX2) instead of a memchr() per line. */
#define PAPERS_LINES_MAX_STOP 8
i64 papers_lines_skip(const char *z, i64 n, const char *zStop, int nStop, i64 *pnLine);

/* Puts back pLine, the line papers_lines_next() yielded last: the next call
** yields it again. Cheaper than a copy of the reader kept before each line. */
static inline void papers_lines_unread(PapersLines *pLines, const PapersLine *pLine) {
  assert(pLine->z >= pLines->z && pLine->iLine == pLines->iLine - 1);
  pLines->iPos = pLine->z - pLines->z;
  pLines->iLine = pLine->iLine;
}

/* True for printable ASCII other than a space: no white space starts or ends
** with such a byte, so papers_space_len() need not be asked. */
static inline int papers_is_word_byte(char c) {
  return c > ' ' && (unsigned char)c < 0x80;
}

/* Length of the white-space character at z (ASCII space, tab, CR, LF, FF,
** VT, or a Unicode space such as U+00A0), or 0 when z is not at one. */
int papers_space_len(const char *z, const char *zEnd);

/* The span without white space at either end. */
PapersSpan papers_trim(const char *z, i64 n);

/* papers_trim() inline for the common case of a header value: ASCII spaces
** (or none) before a printable byte, and a printable byte at the end, where
** no other white space can be at either end; other spans go to
** papers_trim(). For the hot loops where most spans are such (arxiv-mail's
** header fields); elsewhere the call is as cheap. */
static inline PapersSpan papers_trim_inline(const char *z, i64 n) {
  i64 i = 0;
  while (i < n && z[i] == ' ')
    i++;
  if (i < n && papers_is_word_byte(z[i]) && papers_is_word_byte(z[n - 1])) {
    PapersSpan span = {z + i, n - i};
    return span;
  }
  return papers_trim(z, n);
}

/* True when the line holds nothing but white space. Inline: most lines are
** empty or start with a printable byte, decided without a call. */
static inline int papers_is_blank(const char *z, i64 n) {
  if (n == 0)
    return 1;
  if (papers_is_word_byte(z[0]))
    return 0;
  return papers_trim(z, n).n == 0;
}

/* Writes z[0..n) into zOut with every run of white space folded into one
** ASCII space and none at either end; returns the length written (<= n).
** zOut holds n bytes, any of which may be written (16 at a time), or is z
** itself (folding in place). */
i64 papers_fold(char *zOut, const char *z, i64 n);

/* Folds a short line into zBuf (size nBuf) for matching; returns its length,
** or -1 when the folded line would not fit. */
i64 papers_fold_short(char *zBuf, i64 nBuf, const char *z, i64 n);
/* papers_fold_short() that does not copy a line folding would not change
** but for trimming it (most short lines): *pzFolded is then the trimmed line
** itself, else zBuf. */
i64 papers_fold_short_view(char *zBuf, i64 nBuf, const char *z, i64 n,
                           const char **pzFolded);

/* A text result of fewer bytes than this is built on the stack and copied by
** SQLite (SQLITE_TRANSIENT) into the memory its register kept from the row
** before: no allocation per value. Longer ones are built in memory from
** sqlite3_malloc64 that SQLite takes over. */
#define PAPERS_RESULT_STACK 4096

/* A buffer for a text result made from span: span.n + 1 bytes, for the
** caller to fill (span.n bytes at most) and hand to papers_result_text() or
** free (with papers_result_buffer_free()). aStack (PAPERS_RESULT_STACK bytes
** on the caller's stack, or 0) when the text fits in it, else memory from
** sqlite3_malloc64. 0 when the span is absent (the result then stays NULL: in
** xColumn and in a function a result never set is NULL) or memory ran out
** (the result is then that error): the caller has nothing more to do. */
char *papers_result_buffer(sqlite3_context *pCtx, PapersSpan span, char *aStack);
void papers_result_buffer_free(char *z, const char *aStack);

/* Sets the result to the text z[0..n), z from papers_result_buffer() with
** the same aStack: SQLite copies aStack and takes over other memory. z is
** NUL-terminated here so that SQLite never copies it to add the terminator. */
void papers_result_text(sqlite3_context *pCtx, char *z, i64 n, const char *aStack);

/* Sets the result to a copy of z[0..n), a text the caller knows folds to
** itself (no white space but single ASCII spaces inside) and holds no U+0000:
** no fold, one copy. */
void papers_result_plain(sqlite3_context *pCtx, const char *z, i64 n);

/* Sets the result to the folded span; leaves it NULL for an absent span. */
void papers_result_folded(sqlite3_context *pCtx, PapersSpan span);

/* Appends z[0..n) to pStr as a JSON string literal, quotes included. */
void papers_json_append_string(sqlite3_str *pStr, const char *z, i64 n);

/* Sets the result to the JSON text built in pStr, with the JSON subtype. */
void papers_result_json(sqlite3_context *pCtx, sqlite3_str *pStr);

/* A JSON text written by xWrite (given pArg) into a buffer on the stack;
** when it does not fit there, the pass only counts its bytes and xWrite runs
** again into one buffer of that size: one allocation, no copy. xWrite calls
** papers_json_put() and papers_json_put_string(). */
typedef struct PapersJson {
  char *z;    /* 0 while only counting */
  i64 n;      /* bytes written or counted */
  i64 nAlloc; /* bytes z has room for (a NUL follows them) */
} PapersJson;

/* Length of z[0..n) escaped for a JSON string, quotes not counted. */
i64 papers_json_escaped_len(const char *z, i64 n);

/* True when nMore bytes still fit in the buffer being written; when they
** do not, the buffer is given up and the rest of the pass only counts. */
static inline int papers_json_fits(PapersJson *pJson, i64 nMore) {
  if (pJson->z && pJson->n + nMore > pJson->nAlloc)
    pJson->z = 0;
  return pJson->z != 0;
}

/* Appends z[0..n) as it is (never a U+0000: the result is taken to hold
** none). Inline, as the next one: the pieces of a JSON text are short, most
** of constant length, and a call would cost more than the copy. */
static inline void papers_json_put(PapersJson *pJson, const char *z, i64 n) {
  if (papers_json_fits(pJson, n))
    memcpy(pJson->z + pJson->n, z, (size_t)n);
  pJson->n += n;
}

/* papers_json_put_string() for a string the caller knows needs no escape:
** no '"', no '\\' and no byte below 0x20. */
static inline void papers_json_put_plain_string(PapersJson *pJson, const char *z, i64 n) {
  assert(papers_json_escaped_len(z, n) == n); /* nothing to escape */
  if (papers_json_fits(pJson, n + 2)) {
    char *zOut = pJson->z + pJson->n;
    zOut[0] = '"';
    memcpy(zOut + 1, z, (size_t)n);
    zOut[n + 1] = '"';
  }
  pJson->n += n + 2;
}

/* Appends z[0..n) as a JSON string literal, quotes included. */
void papers_json_put_string(PapersJson *pJson, const char *z, i64 n);
/* Sets the result to the JSON text xWrite writes, with the JSON subtype (NULL
** when it writes nothing); to an error when it would exceed
** SQLITE_LIMIT_LENGTH or memory runs out. xWrite must write the same bytes
** each time it is called with pArg. */
void papers_result_json_written(sqlite3_context *pCtx,
                                void (*xWrite)(PapersJson *, const void *),
                                const void *pArg);
/* Sets the result to a copy of zJson, a short NUL-terminated JSON text such as
** "[]", with the JSON subtype. */
void papers_result_json_static(sqlite3_context *pCtx, const char *zJson);

/* Length of the run of ASCII digits that starts z[0..n). */
static inline i64 papers_digits_len(const char *z, i64 n) {
  i64 i = 0;
  while (i < n && z[i] >= '0' && z[i] <= '9')
    i++;
  return i;
}

/* Parses an unsigned decimal integer of z[0..n); 0 on overflow or non-digits. */
int papers_parse_count(const char *z, i64 n, i64 *pValue);

/* True when the span is exactly zLit; when [z, zEnd) starts with zLit. */
int papers_span_is(PapersSpan s, const char *zLit);
int papers_has_prefix(const char *z, const char *zEnd, const char *zLit);

/* First occurrence of zLit in [z, zEnd), or 0. */
const char *papers_find(const char *z, const char *zEnd, const char *zLit);

/* ---- dates.c --------------------------------------------------------- */

/* A calendar date packed as yyyymmdd; 0 is "no date". */
typedef int PapersDate;

int papers_date_make(int iYear, int iMonth, int iDay, PapersDate *pDate);
int papers_date_from_iso(const char *z, i64 n, PapersDate *pDate);
void papers_date_to_iso(PapersDate date, char *zOut11);
PapersDate papers_date_today(void);
int papers_month_from_name(const char *z, i64 n);
PapersDate papers_date_anchor(int iMonth, int iDay, PapersDate anchor);

/* A date as digests print it: "Mar 17", "Mar 17, 2024", "March 17 2024". */
typedef struct PapersDateText {
  int iMonth; /* 1..12 */
  int iDay;   /* 1..31 as written */
  int iYear;  /* as written; 0 when absent, -1 when not a year (0, or > 9999) */
  i64 nText;  /* bytes of the date itself, from the month to the day or year */
} PapersDateText;

int papers_date_text_parse(const char *z, i64 n, PapersDateText *pOut);

/* The date pDate names: its own year, or without one the year that puts it
** on or before anchor; 0 when it is no calendar date. */
PapersDate papers_date_text_value(const PapersDateText *pDate, PapersDate anchor);

/* A line that is nothing but a date, "Sep 3, 2024" or "Sep 3" (white space
** folded; shorter than PAPERS_DATE_LINE_MAX bytes): returns 1 with *pDate its
** value as papers_date_text_value() gives it, 0 when the line is no date. */
#define PAPERS_DATE_LINE_MAX 64
int papers_date_line(const char *z, i64 n, PapersDate anchor, PapersDate *pDate);

/* ---- links.c --------------------------------------------------------- */

/* Sets the result to a JSON array of the distinct http(s) URLs in the
** spans, in order of appearance, trailing punctuation removed. */
void papers_result_links(sqlite3_context *pCtx, const PapersSpan *aSpan, int nSpan);

/* ---- formats ---------------------------------------------------------- */

/* The columns of papers_parse, in order; its argument columns follow. */
enum PapersColumn {
  PAPERS_COL_ORDINAL,
  PAPERS_COL_FORMAT,
  PAPERS_COL_TITLE,
  PAPERS_COL_ABSTRACT,
  PAPERS_COL_AUTHORS,
  PAPERS_COL_AUTHOR_COUNT,
  PAPERS_COL_ORG,
  PAPERS_COL_ORG_HANDLE,
  PAPERS_COL_PUBLISHED,
  PAPERS_COL_DATE_TEXT,
  PAPERS_COL_COMMENT_COUNT,
  PAPERS_COL_UPVOTES,
  PAPERS_COL_ARXIV_ID,
  PAPERS_COL_ARXIV_VERSION,
  PAPERS_COL_CATEGORIES,
  PAPERS_COL_ANNOUNCE,
  PAPERS_COL_COMMENTS,
  PAPERS_COL_DOI,
  PAPERS_COL_JOURNAL_REF,
  PAPERS_COL_URL,
  PAPERS_COL_LINKS,
  PAPERS_COL_EXTRA,
  PAPERS_COL_LINE,
  PAPERS_N_COLUMN
};

/* One paper as a format parser found it. Text fields are spans of the input
** (or of static text), folded when read; integers are -1 when the digest
** does not state them. record.c says how each becomes a column value. */
typedef struct PapersRecord {
  i64 iLine; /* 1-based line where the entry starts */
  PapersSpan title;
  PapersSpan abstract;
  PapersSpan authors; /* names as written: "A, B and C" (JSON array out) */
  PapersSpan org;
  PapersSpan orgHandle;
  PapersSpan dateText;
  PapersDate published; /* 0 when absent or not a calendar date */
  i64 nAuthor;          /* author_count */
  i64 nComment;         /* comment_count */
  i64 nUpvote;          /* upvotes */
  PapersSpan arxivId;
  i64 arxivVersion;
  PapersSpan categories; /* "cs.CL cs.AI", primary first (JSON array out) */
  PapersSpan announce;
  PapersSpan comments;
  PapersSpan doi;
  PapersSpan journalRef;
  PapersSpan url;
} PapersRecord;

/* Empties the parser's record for an entry starting at line iLine: every
** span absent, every count -1. */
struct PapersParser;
void papers_record_start(struct PapersParser *p, i64 iLine);

/* Sets a column of papers_parse from the record, the way record.c defines
** for every format; a format's xColumn hook may call it for what it does not
** produce itself. */
void papers_record_result(const struct PapersParser *p, sqlite3_context *pCtx, int iCol);

/* A JSON array of the names in "A, B and C" (commas inside parentheses do
** not split); NULL for an absent span. */
void papers_result_name_list(sqlite3_context *pCtx, PapersSpan span);
/* The same for a list already folded, z[0..n); z[n] is the caller's too
** (written: a stop for the splitter, which then needs no bound check). */
void papers_result_folded_name_list(sqlite3_context *pCtx, char *z, i64 n);
/* 1 for the bytes the name splitters stop at (record.c, and arxiv-mail's
** one pass over raw lists): ',' and ' ', the parentheses, those JSON escapes
** ('"', '\\', below 0x20), and 0xC2, 0xE2, 0xE3, which may start other white
** space; 0 for the other bytes of a name. */
extern const unsigned char papers_name_stop[256];

/* A JSON array of the words of a span split on white space and commas. */
void papers_result_word_list(sqlite3_context *pCtx, PapersSpan span);

/* Lines [zStart, zEnd) that a parser could not place, and why. */
typedef struct PapersReject {
  const char *zStart;
  const char *zEnd;
  i64 iLine; /* number of the line at zStart */
  const char *zReason;
} PapersReject;

#define PAPERS_MAX_REJECTS 8

typedef struct PapersFormat PapersFormat;

/* The state of one parse: the input's lines and what the last step found. */
typedef struct PapersParser {
  const PapersFormat *pFormat;
  PapersLines lines;
  PapersDate today;    /* anchor for dates printed without a year */
  PapersDate pageDate; /* the digest's own date, 0 until seen */
  i64 nRecord;         /* records produced so far */
  int iState;          /* the format's own progress marker, 0 at the start */
  int hasRecord;       /* the last step produced rec */
  PapersRecord rec;
  int nReject; /* rejects the last step produced */
  PapersReject aReject[PAPERS_MAX_REJECTS];
  void *pState; /* the format's own state, freed by its xFree */
  int rc;       /* SQLITE_OK, or the error (SQLITE_NOMEM) that ended the parse */
} PapersParser;

struct PapersFormat {
  const char *zName;        /* as given to papers_parse's format argument */
  const char *zEntry;       /* what one paper is called in it ("card"), for errors */
  const char *zDescription; /* one line, for papers_formats */
  const char *zExample;     /* a short digest of this format, for papers_formats */
  /* Confidence (0 = not this format) that the first bytes are this format. */
  int (*xDetect)(const char *z, i64 n);
  /* Reads the next entry: fills rec/hasRecord and aReject/nReject.
  ** Returns 0 at the end of the input, 1 otherwise. When it cannot go on
  ** (an allocation failed) it sets rc (SQLITE_NOMEM) and returns 0. */
  int (*xStep)(PapersParser *p);
  /* Optional: sets column iCol of the current record (formats whose text
  ** needs decoding); 0 means papers_record_result() for every column. */
  void (*xColumn)(const PapersParser *p, sqlite3_context *pCtx, int iCol);
  /* Optional: frees pState. */
  void (*xFree)(PapersParser *p);
};

/* Records a reject of lines [zStart, zEnd) starting at line iLine. */
void papers_parser_reject(PapersParser *p, const char *zStart, const char *zEnd,
                          i64 iLine, const char *zReason);

/* parse_id_set.c: a set of ids (spans of the input) with a kind each. */
typedef struct PapersIdKey {
  PapersSpan id;
  int iKind; /* what the caller tells apart: arxiv-mail's announce kind */
} PapersIdKey;

typedef struct PapersIdSet {
  PapersIdKey *aSlot; /* open addressing; a slot with id.z 0 is free */
  i64 nSlot;          /* a power of two, 0 before the first id */
  i64 nUsed;
} PapersIdSet;

/* Adds the id with its kind; returns 1 when it is new, 0 when it was there
** already, -1 when memory ran out. papers_id_set_clear() frees the set. */
int papers_id_set_add(PapersIdSet *pSet, PapersSpan id, int iKind);
void papers_id_set_clear(PapersIdSet *pSet);

/* parse_arxiv_id.c: an arXiv identifier, new style ("2507.22914") or old
** ("hep-th/9901001", "math.AG/0601001"), with an optional version "vN".
** papers_arxiv_id_read() reads one at the start of z[0..n): *pId is the
** identifier without its version, *pVersion the version or -1; returns the
** bytes read, 0 when z does not start with one. papers_arxiv_id_parse()
** wants all of z[0..n) to be one and returns 1 when it is. Outputs are
** written only on success. */
i64 papers_arxiv_id_read(const char *z, i64 n, PapersSpan *pId, i64 *pVersion);
int papers_arxiv_id_parse(const char *z, i64 n, PapersSpan *pId, i64 *pVersion);
/* The arXiv id a Hugging Face paper page's id (".../papers/ID") is: an
** identifier without a version; *pId is empty (z 0, n 0) when it is none. */
void papers_arxiv_id_of_page(const char *z, i64 n, PapersSpan *pId);
/* The id of a Hugging Face paper page URL z[0..n), "https://huggingface.co/
** papers/ID" or "/papers/ID" (up to a "#", "?" or "/"), in *pId; 0 when the
** URL is no paper page. */
int papers_hf_page_id(const char *z, i64 n, PapersSpan *pId);

const PapersFormat *papers_format_find(const char *zName);
const PapersFormat *papers_format_detect(const char *z, i64 n);
/* Appends the known format names as "a, b, c", for error messages. */
void papers_format_append_names(sqlite3_str *pStr);

extern const PapersFormat papers_format_hf_daily;
extern const PapersFormat papers_format_hf_markdown;
extern const PapersFormat papers_format_hf_notes;
extern const PapersFormat papers_format_hf_text;
extern const PapersFormat papers_format_arxiv_mail;
extern const PapersFormat papers_format_arxiv_rss;
extern const PapersFormat papers_format_arxiv_atom;
extern const PapersFormat papers_format_daily_arxiv_table;
extern const PapersFormat papers_format_daily_arxiv_list;
extern const PapersFormat papers_format_markdown_blocks;

/* ---- md_table.c: markdown tables: cells, header roles, references ------- */

/* The span without a `**` on both ends (markdown bold), trimmed. */
PapersSpan papers_md_strip_bold(PapersSpan span);

/* Splits a trimmed row "| a | b |" (the outer pipes optional but the first)
** into up to nMax cells; returns how many it has (only nMax are stored). */
int papers_md_split_cells(PapersSpan t, PapersSpan *aCell, int nMax);

/* What a table column holds, as its header names it. */
enum PapersMdRole {
  PAPERS_MD_OTHER,
  PAPERS_MD_DATE,
  PAPERS_MD_TITLE,
  PAPERS_MD_AUTHORS,
  PAPERS_MD_ABSTRACT,
  PAPERS_MD_LINK,
  PAPERS_MD_CODE
};
int papers_md_table_role(PapersSpan cell);

#define PAPERS_MD_MAX_REFS 128

/* The link reference definitions after a table: spans of the text. */
typedef struct PapersMdRefs {
  int isRead; /* the definitions have been looked for */
  int nRef;
  PapersSpan aLabel[PAPERS_MD_MAX_REFS];
  PapersSpan aUrl[PAPERS_MD_MAX_REFS];
} PapersMdRefs;

/* Reads the definitions that follow the table rows at the start of z[0..n). */
void papers_md_refs_read(PapersMdRefs *pRefs, const char *z, i64 n, int hasCR);
/* The URL of label (ASCII case ignored) in *pUrl; 0 when it has none. */
int papers_md_refs_find(const PapersMdRefs *pRefs, PapersSpan label, PapersSpan *pUrl);

/* ---- parse_xml.c: the small XML reader of the feed formats ------------- */

/* One element, as xml_next_child() finds it. */
typedef struct XmlElem {
  const char *zStart; /* its '<' */
  PapersSpan name;
  PapersSpan attrs;   /* between the name and '>' or "/>" */
  PapersSpan content; /* between its tags; empty for <x/> */
  const char *zEnd;   /* just past its end tag */
} XmlElem;

/* What xml_next_child() met. */
enum {
  XML_CHILD_ELEM,
  XML_CHILD_CLOSE,
  XML_CHILD_STRAY,
  XML_CHILD_TEXT,
  XML_CHILD_UNCLOSED,
  XML_CHILD_EOF
};

/* True for a byte of an XML name (ASCII letters, digits, ":_-.", and every
** byte of a multi-byte UTF-8 character); for XML white space. */
int xml_is_name_char(char c);
int xml_is_space(char c);

/* End of the markup "<!--...-->", "<![CDATA[...]]>", "<?...?>" or "<!...>" at
** z, or 0 when it is not closed before zEnd. */
const char *xml_skip_special(const char *z, const char *zEnd);

/* Reads the start tag at z ('<' then a name) into pElem: name, attributes,
** and where its content starts. Returns that, or 0 when the tag is cut off. */
const char *xml_read_start_tag(const char *z, const char *zEnd, XmlElem *pElem);

/* Reads what comes next inside the element named parent, from z: a child
** element (XML_CHILD_ELEM, whole, into pElem), the parent's end tag (XML_CHILD_CLOSE,
** pElem->zEnd past it; any end tag when parent is empty), another end tag
** (XML_CHILD_STRAY), non-blank text (XML_CHILD_TEXT, pElem->zStart..zEnd), a
** child whose end tag is missing (XML_CHILD_UNCLOSED, pElem->zStart up to the
** parent's end tag), or the end of the input (XML_CHILD_EOF). Comments are skipped. */
int xml_next_child(const char *z, const char *zEnd, PapersSpan parent, XmlElem *pElem);

/* The value of attribute zName in attrs (quotes removed), or an absent span. */
PapersSpan xml_attr_value(PapersSpan attrs, const char *zName);

/* Decodes the XML text z[0..n) into zOut (at least n bytes); returns the
** length written. CDATA is copied verbatim (isInCdata: z starts inside one),
** references are decoded, other markup is dropped. */
i64 xml_decode(const char *z, i64 n, int isInCdata, char *zOut);

/* Drops the HTML tags of decoded text in place; <p>, </p> and <br> become a
** space. Returns the new length. */
i64 xml_strip_html(char *z, i64 n);

/* Decodes the character references of HTML text in place (the RSS 1.0 form,
** once its tags are dropped); '<' is text here. Returns the new length. */
i64 xml_decode_refs_in_place(char *z, i64 n);

#endif /* PAPERS_PARSE_H */
