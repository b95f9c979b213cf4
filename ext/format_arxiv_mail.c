/*
** format_arxiv_mail.c: arXiv's daily listing e-mails and arXiv's own listing
** files (format name "arxiv-mail"). docs/format-arxiv-mail.md describes it
** for users.
**
** The text reads, in order (every part may be missing):
**
**   RFC 822 header   "Name: value" lines (or an mbox "From " line) at the very
**                    start, up to the first blank line: skipped.
**   banner           "Send any comments ...", "Archives at ...", "To
**                    unsubscribe ...", "Submissions to:" with the subject
**                    names below it, "received from ...": skipped.
**   new              entries, up to a line starting "%-%-".
**   cross-lists      entries, up to a line starting "%%--".
**   replacements     entries, up to a line starting "%%%-".
**   footer           anything after that: skipped, except entries.
**
** Lines of dashes separate entries and are skipped everywhere. An entry is
**
**   \\
**   arXiv:2601.16280[vN] [(*cross-listing*)]     or  Paper[ (*cross-listing*)]:
*astro-ph/0001001
**   Date: Thu, 22 Jan 2026 19:24:21 GMT   (415kb)    or  replaced with revised version
*<date>   (37kb,D)
**   Title: ...            header fields; a line starting with white space
**   Authors: ...          continues the field above it
**   \\
**     Abstract, whose paragraphs start with indented lines ...
**   \\ ( https://arxiv.org/abs/2601.16280 ,  415kb)
**
** Replacements have no abstract: the header is followed by the closing line.
** While an abstract is open only the closing line, a bare "\\" line, a line of
** dashes or a section marker ends it, so abstract lines that start with
** "arXiv:" or "Title:" are abstract text.
**
** announce: "replace" for an entry with a "replaced with revised version"
** line, "replace-cross" when its id line also carries (*cross-listing*);
** "cross" for another entry carrying that mark; otherwise the section's
** kind ("new", "cross", or "replace" in the replacements section). arXiv's
** own mark is trusted rather than the categories: it says whether the
** paper's primary category lies outside the mailing's archive, which the
** categories alone cannot tell (cs.NA is an alias of math.NA, for one).
**
** Rejects (papers_unparsed): a block without an id line or with an id that is
** no arXiv identifier, a block whose id came earlier in the text (the first
** one is kept), the lines of an abstract that is not closed (the row keeps a
** NULL abstract), header lines that are neither fields nor continuations,
** repeated Title/Authors/... fields, and text outside entries that is not
** banner or footer. Each step reads one block, so the rejects of a step are
** bounded; a dedicated step reports runs of stray lines when they pile up.
**
** Memory: one state object per parse holding the current entry's fields that
** record.c has no slot for, and the set of the ids seen so far
** (parse_id_set.c; spans of the input: nothing of the input is copied).
** The columns are built in format_arxiv_mail_columns.c from that state and
** the record (format_arxiv_mail.h).
*/
#include "format_arxiv_mail.h"

#include <string.h>

/* The sections of a mailing, in order. */
enum { MAIL_SECTION_NEW, MAIL_SECTION_CROSS, MAIL_SECTION_REPLACE, MAIL_SECTION_FOOTER };

/* iState: 0 before the first step, then the banner, then SECTION_* + 2. */
enum { MAIL_STATE_START = 0, MAIL_STATE_BANNER = 1, MAIL_STATE_SECTION_BASE = 2 };

/* The values of the announce column. */
static const char *const azAnnounce[] = {"new", "cross", "replace", "replace-cross"};

/* ---- small line tests -------------------------------------------------- */

static int mail_has_prefix(const char *z, i64 n, const char *zPrefix, i64 nPrefix) {
  return n >= nPrefix && memcmp(z, zPrefix, (size_t)nPrefix) == 0;
}
#define MAIL_HAS_PREFIX(z, n, lit) mail_has_prefix(z, n, lit, (i64)sizeof(lit) - 1)

static int mail_is_space_byte(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

/* Length of the line without trailing ASCII white space. */
static i64 mail_rtrim_len(const char *z, i64 n) {
  while (n > 0 && mail_is_space_byte(z[n - 1]))
    n--;
  return n;
}

/* "\\" alone: opens an entry, or its abstract. */
static int mail_is_bare_delimiter(const PapersLine *pLine) {
  return pLine->n >= 2 && pLine->z[0] == '\\' && pLine->z[1] == '\\' &&
         mail_rtrim_len(pLine->z, pLine->n) == 2;
}

/* "\\ ( https://arxiv.org/abs/ID ,  415kb)": closes an entry. */
static int mail_is_closing_line(const PapersLine *pLine) {
  return MAIL_HAS_PREFIX(pLine->z, pLine->n, "\\\\ (");
}

/* A line of at least 20 dashes and nothing else. The dashes are compared 8
** at a time (arXiv's lines of dashes are 78 long, one between entries). */
static int mail_is_dash_line(const PapersLine *pLine) {
  const sqlite3_uint64 kDashes = 0x2D2D2D2D2D2D2D2DULL; /* "--------" */
  i64 n = mail_rtrim_len(pLine->z, pLine->n), i = 0;
  if (n < 20 || pLine->z[0] != '-')
    return 0;
  for (; n - i >= 8; i += 8) {
    sqlite3_uint64 word;
    memcpy(&word, pLine->z + i, 8);
    if (word != kDashes)
      return 0;
  }
  for (; i < n; i++) {
    if (pLine->z[i] != '-')
      return 0;
  }
  return 1;
}

/* The section a marker line opens (MAIL_SECTION_CROSS for "%-%-", ...), or -1. */
static int mail_section_marker(const PapersLine *pLine) {
  if (pLine->n < 20 || pLine->z[0] != '%')
    return -1;
  if (MAIL_HAS_PREFIX(pLine->z, pLine->n, "%-%-"))
    return MAIL_SECTION_CROSS;
  if (MAIL_HAS_PREFIX(pLine->z, pLine->n, "%%--"))
    return MAIL_SECTION_REPLACE;
  if (MAIL_HAS_PREFIX(pLine->z, pLine->n, "%%%-"))
    return MAIL_SECTION_FOOTER;
  return -1;
}

/* A line that ends an open abstract or header without being part of it. */
static int mail_ends_block(const PapersLine *pLine) {
  char c = pLine->n > 0 ? pLine->z[0] : 0;
  if (c == '\\')
    return mail_is_bare_delimiter(pLine);
  if (c == '-')
    return mail_is_dash_line(pLine);
  if (c == '%')
    return mail_section_marker(pLine) >= 0;
  return 0;
}

/* Length of "Name:" at the start of the line (a letter, then letters, digits
** and dashes), or 0 when the line does not start with a field name. */
static i64 mail_field_name_len(const char *z, i64 n) {
  /* 1 for the bytes of a field name: ASCII letters, digits and '-' */
  /* clang-format off */
  static const unsigned char aNameByte[256] = {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, /* 0x20 */
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0x30 */
      0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* 0x50 */
      0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* 0x70 */
  };
  /* clang-format on */
  i64 i = 1, nMax = n < 40 ? n : 40;
  if (n == 0 || !((z[0] >= 'A' && z[0] <= 'Z') || (z[0] >= 'a' && z[0] <= 'z')))
    return 0;
  while (i < nMax && aNameByte[(unsigned char)z[i]])
    i++;
  return i < nMax && z[i] == ':' ? i + 1 : 0;
}

/* True when z[0..n) is zLit[0..n), the ASCII letters of z in either case
** (zLit is lower case). */
static int mail_equals_nocase(const char *z, const char *zLit, i64 n) {
  for (i64 i = 0; i < n; i++) {
    char c = z[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c != zLit[i])
      return 0;
  }
  return 1;
}

static int mail_span_equals_nocase(PapersSpan span, const char *zLit) {
  i64 n = (i64)strlen(zLit);
  if (span.n != n)
    return 0;
  return mail_equals_nocase(span.z, zLit, n);
}

/* ---- ids and dates ----------------------------------------------------- */

#define MAIL_CROSS_MARK "(*cross-listing*)"

/* Reads an id line into the record. Returns 1 for an id line with a valid
** id, -1 for an id line whose id is not valid, 0 for another line. */
static int mail_parse_id_line(PapersRecord *pRec, const PapersLine *pLine,
                              int *pIsCross) {
  const char *z = pLine->z;
  i64 n = mail_rtrim_len(pLine->z, pLine->n);
  i64 iPos;
  *pIsCross = 0;
  if (MAIL_HAS_PREFIX(z, n, "arXiv:")) {
    iPos = 6;
  } else if (MAIL_HAS_PREFIX(z, n, "Paper:")) {
    iPos = 6;
  } else if (MAIL_HAS_PREFIX(z, n, "Paper " MAIL_CROSS_MARK ":")) {
    iPos = (i64)sizeof("Paper " MAIL_CROSS_MARK ":") - 1;
    *pIsCross = 1;
  } else {
    return 0;
  }
  while (iPos < n && mail_is_space_byte(z[iPos]))
    iPos++;
  i64 iEnd = iPos;
  while (iEnd < n && !mail_is_space_byte(z[iEnd]))
    iEnd++;
  if (iEnd == iPos ||
      !papers_arxiv_id_parse(z + iPos, iEnd - iPos, &pRec->arxivId, &pRec->arxivVersion))
    return -1;
  PapersSpan rest = papers_trim(z + iEnd, n - iEnd);
  if (rest.n == 0)
    return 1;
  if (!*pIsCross && rest.n == (i64)sizeof(MAIL_CROSS_MARK) - 1 &&
      memcmp(rest.z, MAIL_CROSS_MARK, (size_t)rest.n) == 0) {
    *pIsCross = 1;
    return 1;
  }
  return -1;
}

/* Reads "Thu, 22 Jan 2026 19:24:21 GMT" (weekday optional; a two-digit year
** is 19YY from 91 on, else 20YY: arXiv began in 1991). 0 when not a date. */
static PapersDate mail_parse_mail_date(const char *z, i64 n) {
  i64 i = 0;
  while (i < n && mail_is_space_byte(z[i]))
    i++;
  if (i < n && !mail_is_digit(z[i])) { /* a weekday name and its comma */
    while (i < n && z[i] != ',' && !mail_is_space_byte(z[i]))
      i++;
    if (i < n && z[i] == ',')
      i++;
    while (i < n && mail_is_space_byte(z[i]))
      i++;
  }
  i64 nDay = papers_digits_len(z + i, n - i);
  if (nDay < 1 || nDay > 2)
    return 0;
  int iDay = nDay == 1 ? z[i] - '0' : (z[i] - '0') * 10 + (z[i + 1] - '0');
  i += nDay;
  while (i < n && mail_is_space_byte(z[i]))
    i++;
  i64 iMonth = i;
  while (i < n && !mail_is_space_byte(z[i]))
    i++;
  int month = papers_month_from_name(z + iMonth, i - iMonth);
  while (i < n && mail_is_space_byte(z[i]))
    i++;
  i64 nYear = papers_digits_len(z + i, n - i);
  if (month == 0 || (nYear != 2 && nYear != 4))
    return 0;
  int iYear = 0;
  for (i64 k = 0; k < nYear; k++)
    iYear = iYear * 10 + (z[i + k] - '0');
  if (nYear == 2)
    iYear += iYear >= 91 ? 1900 : 2000;
  PapersDate date = 0;
  papers_date_make(iYear, month, iDay, &date);
  return date;
}

/* Reads a date text written as arXiv writes it, "Mon, 15 Jul 2019 17:59:12
** GMT" (or a day of one digit): 1 with *pDate what mail_parse_mail_date()
** gives for it, 0 for another text (left to that function). Such a text is
** printable ASCII with single spaces: it folds to itself. */
static int mail_read_usual_date(PapersSpan text, PapersDate *pDate) {
  const char *z = text.z;
  i64 nDay = text.n - 27; /* the text is 27 bytes besides its day */
  if ((nDay != 1 && nDay != 2) || z[3] != ',' || z[4] != ' ')
    return 0;
  if (!papers_is_ascii_letter(z[0]) || !papers_is_ascii_letter(z[1]) ||
      !papers_is_ascii_letter(z[2]))
    return 0;
  const char *zMonth = z + 5 + nDay + 1, *zYear = zMonth + 4, *zTime = zYear + 5;
  if (papers_digits_len(z + 5, nDay) != nDay || zMonth[-1] != ' ' ||
      !papers_is_ascii_letter(zMonth[0]) || !papers_is_ascii_letter(zMonth[1]) ||
      !papers_is_ascii_letter(zMonth[2]) || zMonth[3] != ' ' ||
      papers_digits_len(zYear, 4) != 4 || zYear[4] != ' ')
    return 0;
  if (!mail_is_digit(zTime[0]) || !mail_is_digit(zTime[1]) || zTime[2] != ':' ||
      !mail_is_digit(zTime[3]) || !mail_is_digit(zTime[4]) || zTime[5] != ':' ||
      !mail_is_digit(zTime[6]) || !mail_is_digit(zTime[7]) ||
      memcmp(zTime + 8, " GMT", 4))
    return 0;
  int iDay = nDay == 1 ? z[5] - '0' : (z[5] - '0') * 10 + (z[6] - '0');
  int iYear = (zYear[0] - '0') * 1000 + (zYear[1] - '0') * 100 + (zYear[2] - '0') * 10 +
              (zYear[3] - '0');
  PapersDate date = 0;
  papers_date_make(iYear, papers_month_from_name(zMonth, 3), iDay, &date);
  *pDate = date;
  return 1;
}

/* Reads the rest of a "Date:" or "replaced with revised version" line: the
** date as written, then "(415kb)" or "(37kb,D)". */
static void mail_parse_date_rest(PapersRecord *pRec, MailState *pState, const char *z,
                                 i64 n) {
  PapersSpan text = papers_trim_inline(z, n);
  if (text.n > 0 && text.z[text.n - 1] == ')') {
    const char *zOpen = text.z + text.n - 1;
    while (zOpen > text.z && *zOpen != '(')
      zOpen--;
    i64 nInside = text.z + text.n - 1 - (zOpen + 1);
    i64 nDigit = papers_digits_len(zOpen + 1, nInside);
    if (*zOpen == '(' && nDigit > 0 &&
        MAIL_HAS_PREFIX(zOpen + 1 + nDigit, nInside - nDigit, "kb")) {
      pState->size.z = zOpen + 1;
      pState->size.n = nInside;
      text = papers_trim(text.z, zOpen - text.z);
    }
  }
  pRec->dateText = text;
  pState->isDatePlain = mail_read_usual_date(text, &pRec->published);
  if (!pState->isDatePlain)
    pRec->published = mail_parse_mail_date(text.z, text.n);
}

/* ---- entries ----------------------------------------------------------- */

/* What reading one block found, beyond the record. */
typedef struct MailBlock {
  const char *zStart; /* the "\\" line */
  i64 iLineStart;
  const char *zEnd;         /* end of its last line */
  int hasId;                /* 1 valid id line, -1 invalid, 0 none */
  int isCross;              /* the id line carries (*cross-listing*) */
  int isReplaced;           /* a "replaced with revised version" line */
  PapersSpan *pField;       /* the field the next continuation line extends */
  const char *zFieldReason; /* why the field above was not placed, or 0 */
  /* the open reject run of stray header lines, if any */
  int iRun; /* index into aReject, or -1 */
} MailBlock;

/* Extends a span to end at zEnd. */
static void mail_span_extend(PapersSpan *pSpan, const char *zEnd) {
  pSpan->n = zEnd - pSpan->z;
}

/* Reports a header line of the block that fits nowhere. Adjacent lines share
** one reject; when the step's rejects are used up the last one grows. */
static void mail_reject_header_line(PapersParser *p, MailBlock *pBlock,
                                    const PapersLine *pLine, const char *zReason) {
  const char *zEnd = pLine->z + pLine->n;
  if (pBlock->iRun >= 0 && p->aReject[pBlock->iRun].zReason == zReason) {
    p->aReject[pBlock->iRun].zEnd = zEnd;
    return;
  }
  if (p->nReject >= PAPERS_MAX_REJECTS - 1) { /* one slot stays for the abstract */
    p->aReject[p->nReject - 1].zEnd = zEnd;
    return;
  }
  pBlock->iRun = p->nReject;
  papers_parser_reject(p, pLine->z, zEnd, pLine->iLine, zReason);
}

/* Field names with a column of their own, and where they go: each name has
** a length of its own, so one comparison decides. */
static PapersSpan *mail_record_field(PapersRecord *pRec, PapersSpan name) {
#define MAIL_FIELD(zName, member)                                                        \
  { zName, (i64)sizeof(zName) - 1, offsetof(PapersRecord, member) }
  static const struct {
    const char *zName;
    i64 nName;
    size_t iSlot; /* offset of the span in PapersRecord */
  } aField[] = {
      MAIL_FIELD("title", title),
      MAIL_FIELD("authors", authors),
      MAIL_FIELD("categories", categories),
      MAIL_FIELD("comments", comments),
      MAIL_FIELD("journal-ref", journalRef),
      MAIL_FIELD("doi", doi),
  };
#undef MAIL_FIELD
  for (size_t i = 0; i < sizeof(aField) / sizeof(aField[0]); i++) {
    if (aField[i].nName == name.n) {
      if (!mail_equals_nocase(name.z, aField[i].zName, name.n))
        return 0;
      return (PapersSpan *)((char *)pRec + aField[i].iSlot);
    }
  }
  return 0;
}

static const char zNotField[] = "not a field of an entry's header";

/* The slot of a field written as arXiv writes it ("Title:", "Authors:",
** "Categories:", "Comments:": most header lines), with *pnName the length of
** the name and its colon; 0 for another line, left to mail_field_name_len()
** and mail_record_field(), which give the same slot for these. */
static PapersSpan *mail_usual_field(PapersRecord *pRec, const char *z, i64 n,
                                    i64 *pnName) {
#define MAIL_USUAL(zName, member)                                                        \
  if (n >= (i64)sizeof(zName) - 1 && memcmp(z, zName, sizeof(zName) - 1) == 0) {         \
    *pnName = (i64)sizeof(zName) - 1;                                                    \
    return &pRec->member;                                                                \
  }
  switch (z[0]) {
  case 'T':
    MAIL_USUAL("Title:", title);
    break;
  case 'A':
    MAIL_USUAL("Authors:", authors);
    break;
  case 'C':
    MAIL_USUAL("Categories:", categories);
    MAIL_USUAL("Comments:", comments);
    break;
  default:
    break;
  }
#undef MAIL_USUAL
  return 0;
}

/* Reads a "Name: value" header line. Returns 0 when it is placed, else why
** not. */
static const char *mail_take_field(PapersParser *p, MailState *pState, MailBlock *pBlock,
                                   const PapersLine *pLine) {
  i64 nName = 0;
  PapersSpan *pSlot = mail_usual_field(&p->rec, pLine->z, pLine->n, &nName);
  if (pSlot == 0)
    nName = mail_field_name_len(pLine->z, pLine->n);
  if (nName == 0)
    return zNotField;
  PapersSpan name = {pLine->z, nName - 1};
  PapersSpan value = papers_trim_inline(pLine->z + nName, pLine->n - nName);
  if (value.n == 0)
    value.z = pLine->z + pLine->n; /* an empty value, not an absent one */
  if (pSlot == 0)
    pSlot = mail_record_field(&p->rec, name);
  if (pSlot && pSlot->z)
    return "a repeated field in an entry: the first one is kept";
  if (pSlot == 0) {
    if (pState->nExtra >= MAIL_MAX_EXTRA_FIELD)
      return "too many fields in an entry";
    MailExtraField *pExtra = &pState->aExtra[pState->nExtra++];
    pExtra->name = name;
    pSlot = &pExtra->value;
  }
  *pSlot = value;
  pBlock->pField = pSlot;
  return 0;
}

/* Reads one header line (between the id line and the abstract). Returns 0
** when it is placed, else why not. The continuation lines of a field that
** was not placed are not placed either, for the same reason. */
static const char *mail_place_header_line(PapersParser *p, MailState *pState,
                                          MailBlock *pBlock, const PapersLine *pLine) {
  static const char zReplaced[] = "replaced with revised version";
  const char *z = pLine->z;
  i64 n = pLine->n;
  if (papers_is_blank(z, n)) {
    pBlock->pField = 0;
    pBlock->zFieldReason = 0;
    return 0;
  }
  if (mail_is_space_byte(z[0])) {
    if (pBlock->pField == 0)
      return pBlock->zFieldReason ? pBlock->zFieldReason : zNotField;
    mail_span_extend(pBlock->pField, z + mail_rtrim_len(z, n));
    return 0;
  }
  pBlock->pField = 0;
  pBlock->zFieldReason = 0;
  if (z[0] == 'D' && MAIL_HAS_PREFIX(z, n, "Date:") && p->rec.dateText.z == 0) {
    mail_parse_date_rest(&p->rec, pState, z + 5, n - 5);
    return 0;
  }
  if (z[0] == 'r' && MAIL_HAS_PREFIX(z, n, zReplaced) && p->rec.dateText.z == 0) {
    pBlock->isReplaced = 1;
    mail_parse_date_rest(&p->rec, pState, z + sizeof(zReplaced) - 1,
                         n - (i64)sizeof(zReplaced) + 1);
    return 0;
  }
  if (pBlock->hasId == 0 && (z[0] == 'a' || z[0] == 'P')) {
    pBlock->hasId = mail_parse_id_line(&p->rec, pLine, &pBlock->isCross);
    if (pBlock->hasId != 0) {
      p->rec.iLine = pLine->iLine;
      return 0;
    }
  }
  const char *zReason = mail_take_field(p, pState, pBlock, pLine);
  if (zReason && zReason != zNotField)
    pBlock->zFieldReason = zReason;
  return zReason;
}

static void mail_take_header_line(PapersParser *p, MailState *pState, MailBlock *pBlock,
                                  const PapersLine *pLine) {
  const char *zReason = mail_place_header_line(p, pState, pBlock, pLine);
  if (zReason) {
    mail_reject_header_line(p, pBlock, pLine, zReason);
  } else {
    pBlock->iRun = -1; /* a placed line ends a run of stray lines */
  }
}

/* Skips the next lines of an abstract that the loop of mail_read_abstract()
** would only add to it: lines that do not start with a byte that may end the
** abstract ('\\', '-', '%') or, until one is seen, a paragraph (' ', '\t').
** They are found in one pass over their bytes (papers_lines_skip()), without
** the line reader (most abstract lines: arXiv wraps abstracts at 80 bytes).
** Only in a text without CRs, whose lines end at LFs alone; the last line,
** without its LF, is left to the reader. Sets *pzEnd to the end of the last
** line skipped, if any. */
static void mail_skip_abstract_lines(PapersLines *pLines, int hasIndentedLine,
                                     const char **pzEnd) {
  static const char zEnds[] = "\\-% \t"; /* the first 3 once a line was indented */
  const char *zText = pLines->z + pLines->iPos;
  i64 nLine = 0;
  if (pLines->hasCR)
    return;
  i64 nSkipped = papers_lines_skip(zText, pLines->n - pLines->iPos, zEnds,
                                   hasIndentedLine ? 3 : 5, &nLine);
  if (nSkipped > 0)
    *pzEnd = zText + nSkipped - 1; /* the LF of the last line skipped */
  pLines->iPos += nSkipped;
  pLines->iLine += nLine;
}

/* Reads the abstract after the bare "\\" line, up to the closing line.
** Returns 1 when the closing line was found (and read). */
static int mail_read_abstract(PapersParser *p, MailBlock *pBlock) {
  MailState *pState = p->pState;
  PapersLine line;
  const char *zStart = 0, *zEnd = 0;
  i64 iLineStart = 0;
  for (;;) {
    if (zStart)
      mail_skip_abstract_lines(&p->lines, pState->hasIndentedLine, &zEnd);
    if (!papers_lines_next(&p->lines, &line))
      break;
    char c = line.n > 0 ? line.z[0] : 0;
    if (c == '\\' && mail_is_closing_line(&line)) {
      pBlock->zEnd = line.z + line.n;
      if (zStart) {
        p->rec.abstract.z = zStart;
        p->rec.abstract.n = zEnd - zStart;
      } else {
        p->rec.abstract.z = line.z; /* an empty abstract */
      }
      return 1;
    }
    if ((c == '\\' || c == '-' || c == '%') && mail_ends_block(&line)) {
      papers_lines_unread(&p->lines, &line);
      break;
    }
    if (zStart == 0) {
      zStart = line.z;
      iLineStart = line.iLine;
    } else if (c == ' ' || c == '\t') {
      pState->hasIndentedLine = 1;
    }
    zEnd = line.z + line.n;
  }
  if (zStart) {
    pBlock->zEnd = zEnd;
    papers_parser_reject(p, zStart, zEnd, iLineStart,
                         "an abstract without its closing \\\\ ( URL , size) line:"
                         " abstract is NULL");
  }
  return 0;
}

/* Reads the block opened by the "\\" line pOpen into the record. */
static void mail_read_block(PapersParser *p, MailState *pState, MailBlock *pBlock,
                            const PapersLine *pOpen) {
  PapersLine line;
  memset(pBlock, 0, sizeof(*pBlock));
  pBlock->zStart = pOpen->z;
  pBlock->iLineStart = pOpen->iLine;
  pBlock->zEnd = pOpen->z + pOpen->n;
  pBlock->iRun = -1;
  papers_record_start(p, pOpen->iLine);
  pState->size.z = 0;
  pState->isDatePlain = 0;
  pState->nExtra = 0;
  pState->hasIndentedLine = 0;
  for (;;) {
    if (!papers_lines_next(&p->lines, &line))
      return;
    char c = line.n > 0 ? line.z[0] : 0;
    if (c == '\\' && mail_is_closing_line(&line)) {
      pBlock->zEnd = line.z + line.n;
      return;
    }
    if (c == '\\' && mail_is_bare_delimiter(&line)) {
      mail_read_abstract(p, pBlock);
      return;
    }
    if ((c == '-' || c == '%') && mail_ends_block(&line)) {
      papers_lines_unread(&p->lines, &line);
      return;
    }
    pBlock->zEnd = line.z + line.n;
    mail_take_header_line(p, pState, pBlock, &line);
  }
}

/* The announce kind of an entry (an index of azAnnounce); see the header
** comment. */
static int mail_entry_announce(const MailBlock *pBlock, int iSection) {
  if (pBlock->isReplaced)
    return pBlock->isCross ? 3 : 2;
  if (pBlock->isCross || iSection == MAIL_SECTION_CROSS)
    return 1;
  if (iSection == MAIL_SECTION_REPLACE)
    return 2;
  return 0;
}

/* Turns a block into a record, or into one reject of the whole block. */
static void mail_finish_block(PapersParser *p, MailState *pState, MailBlock *pBlock,
                              int iSection, int nRejectBefore) {
  const char *zReason = 0;
  int iKind = mail_entry_announce(pBlock, iSection);
  int isNew =
      pBlock->hasId > 0 ? papers_id_set_add(&pState->ids, p->rec.arxivId, iKind) : 1;
  if (isNew < 0) {
    p->rc = SQLITE_NOMEM;
    return;
  }
  if (pBlock->hasId == 0) {
    zReason = "an entry without an arXiv: or Paper: line";
  } else if (pBlock->hasId < 0) {
    zReason = "an entry whose id line holds no arXiv identifier";
  } else if (!isNew) {
    zReason = "a second entry of the same id and announce: the first is kept";
  }
  if (zReason) {
    p->nReject = nRejectBefore;
    papers_parser_reject(p, pBlock->zStart, pBlock->zEnd, pBlock->iLineStart, zReason);
    return;
  }
  const char *zAnnounce = azAnnounce[iKind];
  p->rec.announce.z = zAnnounce;
  p->rec.announce.n = (i64)strlen(zAnnounce);
  p->hasRecord = 1;
}

/* ---- text outside entries ---------------------------------------------- */

/* True for a line that can open an RFC 822 header: an mbox "From " line or
** a field that mail headers have and arXiv entries do not (so that a text
** starting with "Title:" is not skipped as a header). */
static int mail_opens_mail_header(const PapersLine *pLine) {
  static const char *const azField[] = {
      "return-path", "received",   "delivered-to", "date",     "from",  "to",
      "subject",     "message-id", "mime-version", "reply-to", "sender"};
  i64 nName = mail_field_name_len(pLine->z, pLine->n);
  if (MAIL_HAS_PREFIX(pLine->z, pLine->n, "From "))
    return 1;
  if (nName == 0)
    return 0;
  PapersSpan name = {pLine->z, nName - 1};
  if (name.n > 2 && (name.z[0] == 'X' || name.z[0] == 'x') && name.z[1] == '-')
    return 1;
  for (size_t i = 0; i < sizeof(azField) / sizeof(azField[0]); i++) {
    if (mail_span_equals_nocase(name, azField[i]))
      return 1;
  }
  return 0;
}

/* Skips an RFC 822 header at the very start: field lines and their
** continuations, up to the first blank line. */
static void mail_skip_mail_header(PapersParser *p) {
  PapersLines start = p->lines;
  PapersLine line;
  if (!papers_lines_next(&p->lines, &line) || !mail_opens_mail_header(&line)) {
    p->lines = start;
    return;
  }
  for (;;) {
    if (!papers_lines_next(&p->lines, &line) || papers_is_blank(line.z, line.n))
      return;
    if (!mail_is_space_byte(line.z[0]) && mail_field_name_len(line.z, line.n) == 0) {
      p->lines = start; /* not a header after all: the text is read as usual */
      return;
    }
  }
}

/* True for a line of arXiv's banner above the first entry. */
static int mail_is_banner_line(MailState *pState, const PapersLine *pLine) {
  PapersSpan s = papers_trim(pLine->z, pLine->n);
  if (MAIL_HAS_PREFIX(s.z, s.n, "Submissions to:")) {
    pState->inSubjects = 1;
    return 1;
  }
  if (MAIL_HAS_PREFIX(s.z, s.n, "received from")) {
    pState->inSubjects = 0;
    return 1;
  }
  return pState->inSubjects || MAIL_HAS_PREFIX(s.z, s.n, "Send any comments regarding") ||
         MAIL_HAS_PREFIX(s.z, s.n, "Archives at") ||
         MAIL_HAS_PREFIX(s.z, s.n, "To unsubscribe");
}

/* Adds a stray line to the current run of stray lines (one reject). */
static void mail_reject_stray_line(PapersParser *p, int *piRun, const PapersLine *pLine,
                                   const char *zReason) {
  if (*piRun >= 0) {
    p->aReject[*piRun].zEnd = pLine->z + pLine->n;
    return;
  }
  *piRun = p->nReject;
  papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine, zReason);
}

#define MAIL_STEP_LINES 4096

static MailState *mail_state(PapersParser *p) {
  if (p->pState == 0) {
    MailState *pState = sqlite3_malloc64(sizeof(MailState));
    if (pState)
      memset(pState, 0, sizeof(*pState));
    p->pState = pState;
  }
  return p->pState;
}

/* Reads up to and including the next entry. Between entries it skips blank
** lines, lines of dashes, the banner and the footer, and follows section
** markers; other lines become rejects. A step ends after one block, or early
** when half the step's rejects hold stray lines. */
static int mail_step(PapersParser *p) {
  MailState *pState = mail_state(p);
  PapersLine line;
  int iRun = -1; /* the reject holding the current run of stray lines */
  int nLine = 0; /* lines read between entries in this step */
  if (pState == 0) {
    p->rc = SQLITE_NOMEM;
    return 0;
  }
  if (p->iState == MAIL_STATE_START) {
    mail_skip_mail_header(p);
    p->iState = MAIL_STATE_BANNER;
  }
  for (;;) {
    /* a step ends every MAIL_STEP_LINES lines, so that the caller can check
    ** for an interrupt in a long stretch of lines that are not entries */
    if (++nLine > MAIL_STEP_LINES)
      return 1;
    if (!papers_lines_next(&p->lines, &line))
      return p->nReject > 0;
    int iSection = p->iState == MAIL_STATE_BANNER ? MAIL_SECTION_NEW
                                                  : p->iState - MAIL_STATE_SECTION_BASE;
    char c = line.n > 0 ? line.z[0] : 0;
    int iMarker = c == '%' ? mail_section_marker(&line) : -1;
    if (iMarker >= 0) {
      p->iState = MAIL_STATE_SECTION_BASE + iMarker;
      iRun = -1;
    } else if (c == '\\' && mail_is_bare_delimiter(&line)) {
      MailBlock block;
      int nRejectBefore = p->nReject;
      if (p->iState == MAIL_STATE_BANNER)
        p->iState = MAIL_STATE_SECTION_BASE + MAIL_SECTION_NEW;
      mail_read_block(p, pState, &block, &line);
      mail_finish_block(p, pState, &block, iSection, nRejectBefore);
      return p->rc == SQLITE_OK;
    } else if (papers_is_blank(line.z, line.n) ||
               (c == '-' && mail_is_dash_line(&line))) {
      iRun = -1;
    } else if (p->iState == MAIL_STATE_BANNER && mail_is_banner_line(pState, &line)) {
      iRun = -1;
    } else if (iSection != MAIL_SECTION_FOOTER) {
      mail_reject_stray_line(
          p, &iRun, &line,
          p->iState == MAIL_STATE_BANNER
              ? "not part of an arXiv mailing's banner"
              : "not part of an entry: entries start with a \\\\ line");
      if (p->nReject >= PAPERS_MAX_REJECTS / 2)
        return 1;
    }
  }
}

static void mail_free(PapersParser *p) {
  MailState *pState = p->pState;
  if (pState == 0)
    return;
  papers_id_set_clear(&pState->ids);
  sqlite3_free(pState);
  p->pState = 0;
}

/* ---- detection --------------------------------------------------------- */

/* Scores arXiv's own marks in the first bytes: an id line right after a "\\"
** line (30), a section marker (30), and, once one of those is seen, up to
** three Title:/Authors:/Categories: lines (5 each). Field lines alone score 0:
** many texts have a "Title:" line. */
static int mail_detect(const char *z, i64 n) {
  PapersLines lines;
  PapersLine line;
  int score = 0, nMark = 0, afterDelimiter = 0, nField = 0;
  papers_lines_init(&lines, z, n, memchr(z, '\r', (size_t)n) != 0);
  while (score < 100 && papers_lines_next(&lines, &line)) {
    PapersRecord rec;
    int isCross;
    if ((afterDelimiter && mail_parse_id_line(&rec, &line, &isCross) == 1) ||
        mail_section_marker(&line) >= 0) {
      score += 30;
      nMark++;
    } else if (nField < 3 && (MAIL_HAS_PREFIX(line.z, line.n, "Title: ") ||
                              MAIL_HAS_PREFIX(line.z, line.n, "Authors: ") ||
                              MAIL_HAS_PREFIX(line.z, line.n, "Categories: "))) {
      score += 5;
      nField++;
    }
    afterDelimiter = mail_is_bare_delimiter(&line);
  }
  if (nMark == 0)
    return 0;
  return score < 100 ? score : 100;
}

const PapersFormat papers_format_arxiv_mail = {
    "arxiv-mail",
    "entry",
    "arXiv daily listing e-mail or listing file (new, cross-lists, replacements)",
    "\\\\\n"
    "arXiv:2306.77777\n"
    "Date: Wed, 7 Jun 2023 18:23:40 GMT   (14kb)\n"
    "\n"
    "Title: Sofic Approximations of Groups\n"
    "Authors: Ben Hayes and Srivatsav Kunnawalkam Elayavalli\n"
    "Categories: math.GR math.DS\n"
    "Comments: 7 pages\n"
    "\\\\\n"
    "  We exhibit two sofic approximations that are not conjugate.\n"
    "\\\\ ( https://arxiv.org/abs/2306.77777 ,  14kb)\n",
    mail_detect,
    mail_step,
    papers_mail_column,
    mail_free,
};
