/*
** format_hf_daily.c: the Hugging Face Daily Papers page, as text copied from a
** browser (format name "hf-daily"). docs/formats.md describes it for users.
**
** The page reads as paragraphs: runs of non-blank lines between blank lines.
**
**   preamble  Before the first card: page furniture ("new", "Subscribe",
**             "Daily Papers", tab labels ...) is skipped; a bare date line
**             ("May 15") is the page date, anchored on `today`.
**   card      A title paragraph, then an abstract paragraph, then optionally a
**             metadata paragraph:
**                 • 15 authors        or   ScaleAI Scale AI   (handle, name)
**                 ·
**                 Mar 17, 2024 1           (date, optional comment count)
**             A title paragraph of several lines holds its abstract from its
**             second line on. A metadata paragraph is recognised by its first
**             line starting with "•" or its second line starting with "·".
**
** Dates without a year take the year that puts them on or before the page
** date (or `today` when the page shows none). A dated card without a trailing
** number has 0 comments; a card without metadata has NULL ones.
**
** Lines that fit none of this are reported as rejects: an orphan metadata
** paragraph, a title with no abstract at the end of the input, metadata lines
** that are not understood, dates that are not calendar days.
*/
#include "parse.h"

#include <string.h>

/* Furniture and metadata lines are short; longer lines are titles or text. */
#define HFD_SHORT_LINE 256

static const char *const hfd_azFurniture[] = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
    "Daily",
    "Weekly",
    "Monthly",
};

#define BULLET         "\xE2\x80\xA2" /* U+2022 before the author count */
#define HFD_MIDDLE_DOT "\xC2\xB7"     /* U+00B7 between the org or count and the date */

enum { HFD_STATE_PREAMBLE = 0, HFD_STATE_CARDS = 1 };

/* A run of non-blank lines. Only its first three lines are kept one by one:
** no part of a card needs more; the rest is known by where it starts. */
typedef struct Paragraph {
  PapersLine aLine[3];
  int nLine;         /* lines in the paragraph, counted to 4 at most */
  const char *zEnd;  /* end of its last line */
  const char *zRest; /* start of its fourth line, when nLine > 3 */
  i64 iLineRest;     /* number of that line */
} Paragraph;

/* Reads the next paragraph; returns 0 when only blank lines are left. */
static int read_paragraph(PapersLines *pLines, Paragraph *pPar) {
  PapersLine line;
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
  } while (papers_lines_next(pLines, &line) && !papers_is_blank(line.z, line.n));
  return 1;
}

/* Folds a line for matching into zBuf[HFD_SHORT_LINE]; -1 when it is not short. */
static i64 hfd_fold_line(char *zBuf, const PapersLine *pLine) {
  return papers_fold_short(zBuf, HFD_SHORT_LINE, pLine->z, pLine->n);
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

/* Reads the date line "Mar 17, 2024 1" into the record; returns 0 when the
** line is not a date line. zFolded is the folded line. */
static int parse_date_line(PapersParser *p, const PapersLine *pLine, const char *zFolded,
                           i64 nFolded) {
  PapersRecord *pRec = &p->rec;
  const char *zDate = zFolded;
  i64 nDate = nFolded;
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
  const PapersLine *pFirst = &pPar->aLine[0];
  i64 n = hfd_fold_line(zBuf, pFirst);
  if (n >= 0 && hfd_starts_with(zBuf, n, BULLET)) {
    if (!parse_author_count(zBuf, n, &p->rec.nAuthor)) {
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
    n = hfd_fold_line(zBuf, pLine);
    if (n >= 0 && n == (i64)strlen(HFD_MIDDLE_DOT) &&
        hfd_starts_with(zBuf, n, HFD_MIDDLE_DOT))
      continue;
    if (!hasDate && n >= 0 && parse_date_line(p, pLine, zBuf, n)) {
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

static int hfd_is_furniture(const char *z, i64 n) {
  for (size_t i = 0; i < sizeof(hfd_azFurniture) / sizeof(hfd_azFurniture[0]); i++) {
    if ((size_t)n == strlen(hfd_azFurniture[i]) &&
        memcmp(z, hfd_azFurniture[i], (size_t)n) == 0) {
      return 1;
    }
  }
  return 0;
}

/* Handles one preamble line that is a bare date; returns 0 when it is not. */
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
  if (pageDate == 0 || p->pageDate != 0) {
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         pageDate ? "a second page date"
                                  : "page date is not a calendar date");
  } else {
    p->pageDate = pageDate;
  }
  return 1;
}

/* Skips furniture and takes the page date up to the first card's title.
** Returns 1 when it stopped early at a line it rejected: the preamble is
** then not over, and the next step goes on with it. */
static int skip_preamble(PapersParser *p) {
  char zBuf[HFD_SHORT_LINE];
  for (;;) {
    PapersLines before = p->lines;
    PapersLine line;
    if (!papers_lines_next(&p->lines, &line))
      return 0;
    i64 n = hfd_fold_line(zBuf, &line);
    if (n == 0 || (n > 0 && hfd_is_furniture(zBuf, n)))
      continue;
    if (n > 0 && hfd_take_page_date(p, &line, zBuf, n)) {
      if (p->nReject > 0)
        return 1;
      continue;
    }
    p->lines = before;
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

static void start_record(PapersParser *p, const PapersLine *pTitle) {
  papers_record_start(p, pTitle->iLine);
  p->rec.title = papers_trim(pTitle->z, pTitle->n);
}

static int hf_step(PapersParser *p) {
  Paragraph title, next;
  if (p->iState == HFD_STATE_PREAMBLE) {
    if (skip_preamble(p))
      return 1;
    p->iState = HFD_STATE_CARDS;
  }
  if (!read_paragraph(&p->lines, &title))
    return 0;
  const PapersLine *pFirst = &title.aLine[0];
  if (is_metadata(&title)) {
    papers_parser_reject(p, pFirst->z, title.zEnd, pFirst->iLine,
                         "card metadata without a title and abstract");
    return 1;
  }
  start_record(p, pFirst);
  if (title.nLine > 1) {
    p->rec.abstract.z = title.aLine[1].z;
    p->rec.abstract.n = title.zEnd - title.aLine[1].z;
  } else if (read_metadata_paragraph(&p->lines, &next)) {
    parse_metadata(p, &next);
    p->hasRecord = 1;
    return 1;
  } else if (read_paragraph(&p->lines, &next)) {
    p->rec.abstract.z = next.aLine[0].z;
    p->rec.abstract.n = next.zEnd - next.aLine[0].z;
  } else {
    papers_parser_reject(p, pFirst->z, title.zEnd, pFirst->iLine,
                         "a title without an abstract at the end of the input");
    return 1;
  }
  if (read_metadata_paragraph(&p->lines, &next))
    parse_metadata(p, &next);
  p->hasRecord = 1;
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
    i64 nFolded = hfd_fold_line(zBuf, &line);
    i64 nCount;
    if (nFolded <= 0)
      continue;
    if (hfd_starts_with(zBuf, nFolded, BULLET) &&
        parse_author_count(zBuf, nFolded, &nCount)) {
      score += 10;
    } else if (nFolded == (i64)strlen(HFD_MIDDLE_DOT) &&
               hfd_starts_with(zBuf, nFolded, HFD_MIDDLE_DOT)) {
      score += 5;
    } else if (nFolded == 12 && memcmp(zBuf, "Daily Papers", 12) == 0) {
      score += 20;
    }
  }
  return score < 100 ? score : 100;
}

const PapersFormat papers_format_hf_daily = {
    "hf-daily",
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
