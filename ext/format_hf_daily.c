/*
** format_hf_daily.c: the Hugging Face Daily Papers page, as text copied from a
** browser (format name "hf-daily"). docs/formats.md describes it for users.
**
** The page reads as paragraphs: runs of non-blank lines between blank lines.
**
**   chrome    The page's own lines ("new", "Subscribe", "Daily Papers", tab
**             labels ...) are skipped wherever they stand and end a
**             paragraph. The start of the text and each chrome line begin a
**             page header, where a bare date line ("May 15") is the page
**             date, anchored on `today`. So a second page pasted after the
**             first reads as the first does.
**   card      A title paragraph, then an abstract paragraph, then a metadata
**             paragraph:
**                 • 15 authors        or   ScaleAI Scale AI   (handle, name)
**                 ·
**                 Mar 17, 2024 1           (date, optional comment count)
**             A title paragraph of several lines holds its abstract from its
**             second line on; a title may be followed by metadata at once. A
**             metadata paragraph is recognised by its first line starting
**             with "•" or its second line starting with "·".
**   bare card A title line and an abstract line of prose without metadata:
**             a card only after a card with metadata (is_bare_card).
**
** Dates without a year take the year that puts them on or before the page
** date (or `today` when the page shows none). A dated card without a trailing
** number has 0 comments; a card without metadata has NULL ones.
**
** Lines that fit none of this are reported as rejects, never made rows: a
** paragraph that starts no card (the text after it is read again, so the
** next card is found), an orphan metadata paragraph, a title with no abstract
** at the end of the input, metadata lines that are not understood, dates that
** are not calendar days.
*/
#include "parse.h"

#include <string.h>

/* Furniture and metadata lines are short; longer lines are titles or text. */
#define HFD_SHORT_LINE 256

/* Page chrome: the page's own text around the cards. A line that is one of
** these, folded, is chrome wherever it stands; it also ends a paragraph. */
static const char *const azChrome[] = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
    "by AK and the research community",
    "Daily",
    "Weekly",
    "Monthly",
};

/* No chrome line is longer than this, white space folded; longer lines are
** not looked at. */
#define HFD_CHROME_MAX 48
/* The first bytes of the chrome lines, for a quick test. */
#define CHROME_FIRST_BYTES "nGSDbWM"

/* A title and abstract without the metadata block count as a card only
** inside a page of cards, and only when the abstract reads as prose: at
** least this many words, under a title of one line of at most TITLE_MAX. */
#define PROSE_MIN_WORDS 12
#define TITLE_MAX       HFD_SHORT_LINE

/* No paragraph of a card is this long: longer runs of lines are read in
** pieces, so that one step reads a bounded number of lines. */
#define PARAGRAPH_MAX 1024

#define BULLET         "\xE2\x80\xA2" /* U+2022 before the author count */
#define HFD_MIDDLE_DOT "\xC2\xB7"     /* U+00B7 between the org or count and the date */

/* Bits of the parser's iState. The text starts in a page header (chrome and
** the page date), and every chrome line starts another. */
enum {
  HF_PAST_HEADER = 1, /* a card has started since the last chrome line */
  HF_HEADER_DATE = 2, /* the current header has given the page date */
  HF_HAS_CARD = 4     /* a card with its metadata block has been read */
};

/* A run of non-blank lines. Only its first three lines are kept one by one:
** no part of a card needs more; the rest is known by where it starts. */
typedef struct Paragraph {
  PapersLine aLine[3];
  int nLine;         /* lines in the paragraph, counted to 4 at most */
  const char *zEnd;  /* end of its last line */
  const char *zRest; /* start of its fourth line, when nLine > 3 */
  i64 iLineRest;     /* number of that line */
} Paragraph;

static int is_chrome_line(const PapersLine *pLine);

/* Reads the next paragraph, a run of lines up to a blank or chrome line, of
** PARAGRAPH_MAX lines at most (the rest is the next paragraph: a step reads
** a bounded number of lines); returns 0 when the input has only blank lines
** left. It starts at a line that is not blank and not chrome (the caller
** skipped those). */
static int read_paragraph(PapersLines *pLines, Paragraph *pPar) {
  PapersLine line;
  int nRead = 0, isChrome = 0;
  i64 iPos, iLine;
  do {
    if (!papers_lines_next(pLines, &line))
      return 0;
  } while (papers_is_blank(line.z, line.n));
  pPar->nLine = 0;
  do {
    if (pPar->nLine < 3) {
      pPar->aLine[pPar->nLine++] = line;
    } else if (pPar->nLine == 3) {
      pPar->zRest = line.z;
      pPar->iLineRest = line.iLine;
      pPar->nLine = 4;
    }
    pPar->zEnd = line.z + line.n;
    iPos = pLines->iPos;
    iLine = pLines->iLine;
  } while (++nRead < PARAGRAPH_MAX && papers_lines_next(pLines, &line) &&
           !papers_is_blank(line.z, line.n) && !(isChrome = is_chrome_line(&line)));
  if (isChrome) {
    /* the chrome line that ended it is read again */
    pLines->iPos = iPos;
    pLines->iLine = iLine;
  }
  return 1;
}

/* Folds a line for matching, into zBuf[HFD_SHORT_LINE] unless folding only
** trims it; *pz is the folded line. -1 when it is not short. */
static i64 hfd_fold_line(char *zBuf, const PapersLine *pLine, const char **pz) {
  return papers_fold_short_view(zBuf, HFD_SHORT_LINE, pLine->z, pLine->n, pz);
}

static int hfd_starts_with(const char *z, i64 n, const char *zPrefix) {
  size_t nPrefix = strlen(zPrefix);
  return (size_t)n >= nPrefix && memcmp(z, zPrefix, nPrefix) == 0;
}

/* True when the line, leading white space skipped, starts with zPrefix. Cheap
** on long lines: only their first bytes are looked at. */
static int line_starts_with(const PapersLine *pLine, const char *zPrefix) {
  const char *z = pLine->z, *zEnd = pLine->z + pLine->n;
  int nSpace;
  while ((nSpace = papers_space_len(z, zEnd)) > 0)
    z += nSpace;
  return hfd_starts_with(z, zEnd - z, zPrefix);
}

static int is_metadata(const Paragraph *pPar) {
  if (line_starts_with(&pPar->aLine[0], BULLET))
    return 1;
  return pPar->nLine >= 2 && line_starts_with(&pPar->aLine[1], HFD_MIDDLE_DOT);
}

/* Reads "• N authors" (or "author"); returns 0 when the line is not that. */
static int parse_author_count(const char *z, i64 n, i64 *pCount) {
  i64 iPos = (i64)strlen(BULLET);
  if (iPos < n && z[iPos] == ' ')
    iPos++;
  i64 iDigits = iPos;
  while (iPos < n && z[iPos] >= '0' && z[iPos] <= '9')
    iPos++;
  if (!papers_parse_count(z + iDigits, iPos - iDigits, pCount))
    return 0;
  const char *zWord = z + iPos;
  i64 nWord = n - iPos;
  return (nWord == 8 && memcmp(zWord, " authors", 8) == 0) ||
         (nWord == 7 && memcmp(zWord, " author", 7) == 0);
}

/* Splits an organisation line "<handle> <display name>" into the record. */
static void parse_org_line(PapersRecord *pRec, const PapersLine *pLine) {
  PapersSpan line = papers_trim(pLine->z, pLine->n);
  const char *zEnd = line.z + line.n;
  const char *zSpace = line.z;
  while (zSpace < zEnd && papers_space_len(zSpace, zEnd) == 0)
    zSpace++;
  pRec->orgHandle.z = line.z;
  pRec->orgHandle.n = zSpace - line.z;
  pRec->org = zSpace < zEnd ? papers_trim(zSpace, zEnd - zSpace) : pRec->orgHandle;
}

/* The date a card's metadata states: its year, or else the one that puts it
** on or before the page date (or today). 0 when it is no calendar day. */
static PapersDate card_date(const PapersParser *p, const PapersDateText *pDate) {
  PapersDate date = 0;
  if (pDate->iYear > 0) {
    papers_date_make(pDate->iYear, pDate->iMonth, pDate->iDay, &date);
  } else if (pDate->iYear == 0) {
    date = papers_date_anchor(pDate->iMonth, pDate->iDay,
                              p->pageDate ? p->pageDate : p->today);
  }
  return date;
}

/* The length of a "new" glued to the end of a date line: the first line of a
** page pasted right after another page's last card ("Jun 12, 2022new");
** 0 when there is none. */
static i64 glued_chrome_len(const char *z, i64 n) {
  if (n > 3 && memcmp(z + n - 3, "new", 3) == 0 && z[n - 4] >= '0' && z[n - 4] <= '9')
    return 3;
  return 0;
}

/* Reads the date line "Mar 17, 2024 1" into the record; returns 0 when the
** line is not a date line. zFolded is the folded line. */
static int parse_date_line(PapersParser *p, const PapersLine *pLine, const char *zFolded,
                           i64 nFolded) {
  PapersRecord *pRec = &p->rec;
  const char *zDate = zFolded;
  i64 nDate = nFolded - glued_chrome_len(zFolded, nFolded);
  if (hfd_starts_with(zDate, nDate, HFD_MIDDLE_DOT " ")) {
    zDate += strlen(HFD_MIDDLE_DOT " ");
    nDate -= (i64)strlen(HFD_MIDDLE_DOT " ");
  }
  PapersDateText date;
  if (!papers_date_text_parse(zDate, nDate, &date))
    return 0;
  i64 nComment = 0;
  int hasCount = date.nText < nDate;
  if (hasCount) {
    const char *zCount = zDate + date.nText + 1;
    i64 nCount = nDate - date.nText - 1;
    if (zDate[date.nText] != ' ' || nCount < 1)
      return 0;
    for (i64 i = 0; i < nCount; i++) {
      if (zCount[i] < '0' || zCount[i] > '9')
        return 0;
    }
    if (!papers_parse_count(zCount, nCount, &nComment)) {
      nComment = -1;
      papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                           "comment count too large: comment_count is NULL");
    }
  }
  /* date_text is the line as written without the dot and the comment count */
  PapersSpan text = papers_trim(pLine->z, pLine->n);
  text.n -= glued_chrome_len(text.z, text.n);
  if (hfd_starts_with(text.z, text.n, HFD_MIDDLE_DOT)) {
    text = papers_trim(text.z + strlen(HFD_MIDDLE_DOT),
                       text.n - (i64)strlen(HFD_MIDDLE_DOT));
  }
  if (hasCount) {
    while (text.n > 0 && text.z[text.n - 1] >= '0' && text.z[text.n - 1] <= '9')
      text.n--;
    text = papers_trim(text.z, text.n);
  }
  pRec->dateText = text;
  pRec->nComment = nComment;
  pRec->published = card_date(p, &date);
  if (pRec->published == 0) {
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         "not a calendar date: published is NULL");
  }
  return 1;
}

/* Reads a metadata paragraph into the current record. */
static void parse_metadata(PapersParser *p, const Paragraph *pPar) {
  char zBuf[HFD_SHORT_LINE];
  const char *zFolded = 0;
  const PapersLine *pFirst = &pPar->aLine[0];
  i64 n = hfd_fold_line(zBuf, pFirst, &zFolded);
  if (n >= 0 && hfd_starts_with(zFolded, n, BULLET)) {
    if (!parse_author_count(zFolded, n, &p->rec.nAuthor)) {
      papers_parser_reject(p, pFirst->z, pFirst->z + pFirst->n, pFirst->iLine,
                           "not an author count");
    }
  } else {
    parse_org_line(&p->rec, pFirst);
  }
  int hasDate = 0;
  int nKept = pPar->nLine < 3 ? pPar->nLine : 3;
  for (int i = 1; i < nKept; i++) {
    const PapersLine *pLine = &pPar->aLine[i];
    if (pLine->n == (i64)strlen(HFD_MIDDLE_DOT) &&
        memcmp(pLine->z, HFD_MIDDLE_DOT, strlen(HFD_MIDDLE_DOT)) == 0)
      continue; /* the dot alone, as most cards have it: nothing to fold */
    n = hfd_fold_line(zBuf, pLine, &zFolded);
    if (n >= 0 && n == (i64)strlen(HFD_MIDDLE_DOT) &&
        hfd_starts_with(zFolded, n, HFD_MIDDLE_DOT))
      continue;
    if (!hasDate && n >= 0 && parse_date_line(p, pLine, zFolded, n)) {
      hasDate = 1;
      continue;
    }
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         "not part of a card's metadata");
  }
  if (pPar->nLine > 3) {
    papers_parser_reject(p, pPar->zRest, pPar->zEnd, pPar->iLineRest,
                         "not part of a card's metadata");
  }
}

/* True when the folded line z[0..n) is page chrome. */
static int is_chrome(const char *z, i64 n) {
  for (size_t i = 0; i < sizeof(azChrome) / sizeof(azChrome[0]); i++) {
    if ((size_t)n == strlen(azChrome[i]) && memcmp(z, azChrome[i], (size_t)n) == 0)
      return 1;
  }
  return 0;
}

/* True when a line that starts with byte c is no chrome line: the quick
** test for the many lines that start with a printable ASCII byte. */
static int starts_no_chrome(unsigned char c) {
  return c > ' ' && c < 0x80 && strchr(CHROME_FIRST_BYTES, c) == 0;
}

/* True when z[0..n), white space skipped, starts as some chrome line does. */
static int starts_as_chrome(const char *z, i64 n) {
  const char *zEnd = z + n;
  if (n < 3 || starts_no_chrome((unsigned char)z[0]))
    return 0;
  int nSpace;
  while ((nSpace = papers_space_len(z, zEnd)) > 0)
    z += nSpace;
  if (zEnd - z < 3)
    return 0;
  for (size_t i = 0; i < sizeof(azChrome) / sizeof(azChrome[0]); i++) {
    if (memcmp(z, azChrome[i], 3) == 0)
      return 1;
  }
  return 0;
}

/* True when the line is page chrome. Cheap on the lines of cards: only a
** line that starts as some chrome starts, and is not longer than any chrome
** with room for white space, is folded and compared. */
static int is_chrome_line(const PapersLine *pLine) {
  char zBuf[2 * HFD_CHROME_MAX];
  if (!starts_as_chrome(pLine->z, pLine->n))
    return 0;
  i64 n = papers_fold_short(zBuf, (i64)sizeof(zBuf), pLine->z, pLine->n);
  return n > 0 && n <= HFD_CHROME_MAX && is_chrome(zBuf, n);
}

/* Handles a header line that is a bare date, the page's date; returns 0
** when it is not one. */
static int hfd_take_page_date(PapersParser *p, const PapersLine *pLine, const char *z,
                              i64 n) {
  PapersDateText date;
  if (!papers_date_text_parse(z, n, &date) || date.nText != n)
    return 0;
  PapersDate pageDate = 0;
  if (date.iYear > 0) {
    papers_date_make(date.iYear, date.iMonth, date.iDay, &pageDate);
  } else if (date.iYear == 0) {
    pageDate = papers_date_anchor(date.iMonth, date.iDay, p->today);
  }
  if (pageDate == 0 || (p->iState & HF_HEADER_DATE)) {
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         pageDate ? "a second page date"
                                  : "page date is not a calendar date");
  } else {
    p->pageDate = pageDate;
    p->iState |= HF_HEADER_DATE;
  }
  return 1;
}

/* Skips blank lines and chrome up to the next card's first line; each chrome
** line starts a page header, where a bare date line is the page date.
** Returns 1 when it stopped early at a line it rejected: the step ends there
** and the next one goes on. */
static int skip_chrome(PapersParser *p) {
  char zBuf[HFD_SHORT_LINE];
  if ((p->iState & HF_PAST_HEADER) && p->lines.iPos < p->lines.n &&
      starts_no_chrome((unsigned char)p->lines.z[p->lines.iPos])) {
    return 0; /* the common case: a card's title follows a card */
  }
  for (;;) {
    PapersLines before = p->lines;
    PapersLine line;
    if (!papers_lines_next(&p->lines, &line))
      return 0;
    if (papers_is_blank(line.z, line.n))
      continue;
    if (is_chrome_line(&line)) {
      p->iState &= ~(HF_PAST_HEADER | HF_HEADER_DATE);
      continue;
    }
    const char *zFolded = 0;
    i64 n = (p->iState & HF_PAST_HEADER) ? -1 : hfd_fold_line(zBuf, &line, &zFolded);
    if (n > 0 && hfd_take_page_date(p, &line, zFolded, n)) {
      if (p->nReject > 0)
        return 1;
      continue;
    }
    p->lines = before;
    p->iState |= HF_PAST_HEADER;
    return 0;
  }
}

/* Reads the paragraph after the current one when it is metadata; otherwise
** leaves it for the next card. */
static int read_metadata_paragraph(PapersLines *pLines, Paragraph *pPar) {
  PapersLines before = *pLines;
  if (read_paragraph(pLines, pPar) && is_metadata(pPar))
    return 1;
  *pLines = before;
  return 0;
}

/* True when z[0..n) has at least PROSE_MIN_WORDS words. */
static int is_prose(const char *z, i64 n) {
  const char *zEnd = z + n;
  int nWord = 0, inWord = 0;
  while (z < zEnd && nWord < PROSE_MIN_WORDS) {
    int nSpace = papers_space_len(z, zEnd);
    if (nSpace > 0) {
      inWord = 0;
      z += nSpace;
    } else {
      nWord += !inWord;
      inWord = 1;
      z++;
    }
  }
  return nWord >= PROSE_MIN_WORDS;
}

/* True when the line starts (white space skipped) with a letter, a digit or
** a character beyond ASCII: as titles and abstracts do, and as markup,
** rules and field lines ("---", "# ", "| ", "<", "\\") do not. */
static int starts_as_text(const char *z, i64 n) {
  PapersSpan span = papers_trim(z, n);
  if (span.n == 0)
    return 0;
  unsigned char c = (unsigned char)span.z[0];
  return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Whether a title paragraph and the abstract paragraph after it, without
** metadata, make a card: only inside a page of cards, and only in the shape
** of the page's cards, a title of one short line and an abstract of one
** line of prose. */
static int is_bare_card(const PapersParser *p, const Paragraph *pTitle,
                        const Paragraph *pAbstract) {
  const PapersLine *pT = &pTitle->aLine[0], *pA = &pAbstract->aLine[0];
  return (p->iState & HF_HAS_CARD) && pTitle->nLine == 1 && pAbstract->nLine == 1 &&
         pT->n <= TITLE_MAX && pA->n > pT->n && starts_as_text(pT->z, pT->n) &&
         starts_as_text(pA->z, pA->n) && is_prose(pA->z, pA->n);
}

static void start_record(PapersParser *p, const PapersLine *pTitle) {
  papers_record_start(p, pTitle->iLine);
  p->rec.title = papers_trim(pTitle->z, pTitle->n);
}

static const char zNotACard[] =
    "not a card: a title and abstract need the metadata that follows a card "
    "(\xE2\x80\xA2 N authors \xC2\xB7 date)";

/* Reads the card whose title paragraph is pTitle, or rejects that paragraph
** when no card starts there (the lines after it are then read again). */
static void hfd_read_card(PapersParser *p, const Paragraph *pTitle) {
  const PapersLine *pFirst = &pTitle->aLine[0];
  PapersLines afterTitle = p->lines;
  Paragraph next, abstract;
  const char *zAbstract, *zEnd;
  if (pTitle->nLine > 1) {
    zAbstract = pTitle->aLine[1].z;
    zEnd = pTitle->zEnd;
  } else if (read_metadata_paragraph(&p->lines, &next)) {
    start_record(p, pFirst);
    parse_metadata(p, &next);
    p->iState |= HF_HAS_CARD;
    p->hasRecord = 1;
    return;
  } else if (read_paragraph(&p->lines, &abstract)) {
    zAbstract = abstract.aLine[0].z;
    zEnd = abstract.zEnd;
  } else {
    papers_parser_reject(p, pFirst->z, pTitle->zEnd, pFirst->iLine,
                         (p->iState & HF_HAS_CARD)
                             ? "a title without an abstract at the end of the input"
                             : zNotACard);
    return;
  }
  if (read_metadata_paragraph(&p->lines, &next)) {
    start_record(p, pFirst);
    parse_metadata(p, &next);
    p->iState |= HF_HAS_CARD;
  } else if (pTitle->nLine == 1 && is_bare_card(p, pTitle, &abstract)) {
    start_record(p, pFirst);
  } else {
    papers_parser_reject(p, pFirst->z, pTitle->zEnd, pFirst->iLine, zNotACard);
    p->lines = afterTitle;
    return;
  }
  p->rec.abstract.z = zAbstract;
  p->rec.abstract.n = zEnd - zAbstract;
  p->hasRecord = 1;
}

static int hf_step(PapersParser *p) {
  Paragraph title;
  if (skip_chrome(p))
    return 1;
  if (!read_paragraph(&p->lines, &title))
    return 0;
  if (is_metadata(&title)) {
    papers_parser_reject(p, title.aLine[0].z, title.zEnd, title.aLine[0].iLine,
                         "card metadata without a title and abstract");
    return 1;
  }
  hfd_read_card(p, &title);
  return 1;
}

/* Counts the page's own marks in the first bytes: "• N authors" lines, lone
** "·" lines and the "Daily Papers" heading. */
static int hf_detect(const char *z, i64 n) {
  PapersLines lines;
  PapersLine line;
  char zBuf[HFD_SHORT_LINE];
  int score = 0;
  papers_lines_init(&lines, z, n, memchr(z, '\r', (size_t)n) != 0);
  while (score < 100 && papers_lines_next(&lines, &line)) {
    const char *zFolded = 0;
    i64 nFolded = hfd_fold_line(zBuf, &line, &zFolded);
    i64 nCount;
    if (nFolded <= 0)
      continue;
    if (hfd_starts_with(zFolded, nFolded, BULLET) &&
        parse_author_count(zFolded, nFolded, &nCount)) {
      score += 10;
    } else if (nFolded == (i64)strlen(HFD_MIDDLE_DOT) &&
               hfd_starts_with(zFolded, nFolded, HFD_MIDDLE_DOT)) {
      score += 5;
    } else if (nFolded == 12 && memcmp(zFolded, "Daily Papers", 12) == 0) {
      score += 20;
    }
  }
  return score < 100 ? score : 100;
}

const PapersFormat papers_format_hf_daily = {
    "hf-daily",
    "card",
    "Hugging Face Daily Papers page, as text copied from a browser",
    "Daily Papers\n"
    "\n"
    "May 15\n"
    "\n"
    "GIRL: Generative Imagination Reinforcement Learning\n"
    "\n"
    "Model-based reinforcement learning improves sample efficiency.\n"
    "\n"
    "  \xE2\x80\xA2 1 authors\n"
    "\xC2\xB7\n"
    "Apr 7\n",
    hf_detect,
    hf_step,
    0, /* xColumn: the record as it is */
    0, /* xFree: no state of its own */
};
