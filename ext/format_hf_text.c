/*
** format_hf_text.c: a Hugging Face papers page (daily, search or trending)
** as a text browser or an HTML-to-text converter dumps it, links written as
** references "[text][N]" (format name "hf-text"). docs/formats.md describes
** it for users.
**
** A card is a run of lines (blank lines do not matter):
**
**   [                                  upvotes: "[" / N or "-" / "][K]"
**   65
**   ][35]
**   ### [Gemini 1.5: Unlocking ...][36]   title; a long one goes on over
**                                         lines "### ...", the last ending
**                                         in "][K]": K is the paper's page
**   [                                  abstract: "[", its lines, "][K]"
**   In this report, we present ...
**   ][37]
**   [                                  authors: "[" / "* N authors" / "][K]",
**   * 671 authors                        or an organisation on one line:
**   ][38]                                "[[handle] Name][K]"
**   ·
**   Mar 8, 2024 [ 6][39]               date, then the comment count
**
** What a card needs: its title heading, its abstract and a date after the
** "·" line. The upvote lines before the heading and the authors or
** organisation are optional. A card that lacks a part is reported whole.
**
** The link list at the end of the text ("[32]: /papers/2410.05434", or a
** text browser's "References" then "32. https://...") gives each reference
** its URL: the title's is the paper page, whose id is the arXiv id. Without
** the list (a dump cut short), url and arxiv_id are NULL.
**
** Page chrome (navigation items, "new", "Get trending papers in your email
** inbox", "[Subscribe][N]", "#" headings, the tabs) is skipped wherever it
** stands; a heading, "new", the logo link or "Get trending ..." after a card
** begins a page header again (a second page pasted after the first), where
** a bare date line is the page date. Every other line that fits no card is a
** reject: nothing else becomes a row. A card with the paper URL (or, without
** the link list, the title) of the card just before it is a repeat: its
** lines are one reject.
*/
#include "parse.h"

#include <string.h>

#define HFT_MIDDLE_DOT "\xC2\xB7"
#define HFT_SITE_ABS   "https://huggingface.co/"
#define HFT_SITE_ROOT  "https://huggingface.co"
#define HFT_HEADING    "### ["

/* A title goes on over at most this many heading lines. */
#define HFT_MAX_TITLE_LINES 8

/* At most this many references are kept from the link list (a page has a
** few hundred); the ones after are reported. */
#define HFT_MAX_REFS 100000

/* A link-list line this long may go on on the next line (a wrapped URL). */
#define HFT_WRAP_WIDTH 80

/* A step reports this many rejects at most: a card's metadata stops there,
** and its later lines are read (and reported) by the next steps. */
#define HFT_STEP_REJECTS (PAPERS_MAX_REJECTS - 2)

/* iState: at the start; in a page header (before the first card, or after a
** chrome line that follows a card); at the cards; in the link list; in a
** text without a title heading (every line is reported). */
enum {
  HFT_STATE_START = 0,
  HFT_STATE_HEADER,
  HFT_STATE_CARDS,
  HFT_STATE_REFS,
  HFT_STATE_NO_CARD
};

/* One reference of the link list. */
typedef struct HftRef {
  i64 iNum;
  PapersSpan url;
} HftRef;

/* What one parse keeps between steps. aRef is sorted by iNum (the list is
** read in order and a number not above the last is refused), so a lookup is
** a binary search. */
typedef struct HftState {
  const char *zRefs; /* first line of the link list, 0 when there is none */
  HftRef *aRef;
  i64 nRef;
  i64 nRefAlloc;
  i64 iLastRef;          /* the link list as the steps read it: last number read */
  i64 nLastRefLine;      /* and the length of its last line */
  int isBeforeFirstCard; /* no card read yet */
  int hasHeaderDate;     /* the current page header has its date */
  PapersSpan prevKey;    /* previous card: paper URL, or title without one */
  i64 iPrevLine;
  char zRepeat[64]; /* reason of a repeat reject */
} HftState;

/* True when s starts with the literal zLit. */
#define HFT_PREFIX(s, zLit) papers_has_prefix((s).z, (s).z + (s).n, zLit)

/* Reads the next line that is not blank, trimmed in *pText; 0 at the end or
** at the link list (zStop, 0 for none). */
static int hft_next_text(PapersLines *pLines, const char *zStop, PapersLine *pLine,
                         PapersSpan *pText) {
  PapersLines before = *pLines;
  while (papers_lines_next(pLines, pLine)) {
    if (zStop && pLine->z >= zStop) {
      *pLines = before;
      return 0;
    }
    *pText = papers_trim(pLine->z, pLine->n);
    if (pText->n > 0)
      return 1;
    before = *pLines;
  }
  return 0;
}

/* The number of a reference "][K]" that ends s, in *pNum and the offset of
** its "][" in *piAt; 0 when s does not end in one. */
static int hft_ref_end(PapersSpan s, i64 *pNum, i64 *piAt) {
  if (s.n < 4 || s.z[s.n - 1] != ']')
    return 0;
  i64 i = s.n - 1;
  while (i > 0 && s.z[i - 1] >= '0' && s.z[i - 1] <= '9')
    i--;
  if (i == s.n - 1 || i < 2 || s.z[i - 1] != '[' || s.z[i - 2] != ']')
    return 0;
  *piAt = i - 2;
  return papers_parse_count(s.z + i, s.n - 1 - i, pNum);
}

/* True when s is a closing line "][K]" alone. */
static int hft_is_close(PapersSpan s, i64 *pNum) {
  i64 iAt;
  return hft_ref_end(s, pNum, &iAt) && iAt == 0;
}

/* A link-list line "[N]: URL" or "N. URL": its number and URL; 0 when s
** is neither. */
static int hft_ref_line(PapersSpan s, i64 *pNum, PapersSpan *pUrl) {
  i64 i = s.n > 0 && s.z[0] == '[' ? 1 : 0;
  i64 nDigit = papers_digits_len(s.z + i, s.n - i);
  if (nDigit == 0 || !papers_parse_count(s.z + i, nDigit, pNum))
    return 0;
  i += nDigit;
  if (s.z[0] == '[') {
    if (i + 2 > s.n || s.z[i] != ']' || s.z[i + 1] != ':')
      return 0;
    i += 2;
  } else if (i >= s.n || s.z[i] != '.') {
    return 0;
  } else {
    i++;
  }
  if (i >= s.n || (s.z[i] != ' ' && s.z[i] != '\t'))
    return 0;
  *pUrl = papers_trim(s.z + i, s.n - i);
  return pUrl->n > 0;
}

/* True when s names the link list: a text browser's "References", "Visible
** links", "Hidden links:". */
static int hft_is_list_heading(PapersSpan s) {
  return papers_span_is(s, "References") || papers_span_is(s, "Visible links") ||
         papers_span_is(s, "Visible links:") || papers_span_is(s, "Hidden links:");
}

/* True when s is a card's title heading "### [..." */
static int hft_is_heading(PapersSpan s) {
  return HFT_PREFIX(s, HFT_HEADING);
}

/* The count of an author item "* N authors" in *pnAuthor; 0 when s is not
** one. */
static int hft_author_item(PapersSpan s, i64 *pnAuthor) {
  if (!HFT_PREFIX(s, "* "))
    return 0;
  PapersSpan rest = papers_trim(s.z + 2, s.n - 2);
  i64 nDigit = papers_digits_len(rest.z, rest.n);
  PapersSpan word = papers_trim(rest.z + nDigit, rest.n - nDigit);
  return nDigit > 0 &&
         (papers_span_is(word, "authors") || papers_span_is(word, "author")) &&
         papers_parse_count(rest.z, nDigit, pnAuthor);
}

/* ---- the link list ------------------------------------------------------ */

/* Where the link list starts: the first "[N]: URL" line after the last
** title heading, or the first list heading ("References") after it that a
** "N. URL" line follows; 0 when the text has none. *pnHeading counts the
** title headings. */
static const char *hft_find_refs(const char *z, i64 n, int hasCR, int *pnHeading) {
  PapersLines lines;
  PapersLine line;
  PapersSpan s, url;
  const char *zList = 0, *zHeading = 0;
  i64 iNum;
  papers_lines_init(&lines, z, n, hasCR);
  *pnHeading = 0;
  while (hft_next_text(&lines, 0, &line, &s)) {
    if (hft_is_heading(s)) {
      (*pnHeading)++;
      zList = zHeading = 0;
    } else if (zList) {
      continue;
    } else if (hft_is_list_heading(s)) {
      zHeading = zHeading ? zHeading : line.z;
    } else if (hft_ref_line(s, &iNum, &url) && (s.z[0] == '[' || zHeading)) {
      zList = zHeading ? zHeading : line.z;
    }
  }
  return zList;
}

/* Adds a reference; 0 when memory ran out. */
static int hft_ref_add(HftState *pS, i64 iNum, PapersSpan url) {
  if (pS->nRef == pS->nRefAlloc) {
    i64 nNew = pS->nRefAlloc ? 2 * pS->nRefAlloc : 64;
    HftRef *aNew = sqlite3_realloc64(pS->aRef, (sqlite3_uint64)nNew * sizeof(HftRef));
    if (aNew == 0)
      return 0;
    pS->aRef = aNew;
    pS->nRefAlloc = nNew;
  }
  pS->aRef[pS->nRef].iNum = iNum;
  pS->aRef[pS->nRef].url = url;
  pS->nRef++;
  return 1;
}

/* Reads the link list from zRefs to the end; 0 when memory ran out. */
static int hft_refs_read(HftState *pS, const char *zEnd, int hasCR) {
  PapersLines lines;
  PapersLine line;
  PapersSpan s, url;
  i64 iNum, iLast = 0;
  papers_lines_init(&lines, pS->zRefs, zEnd - pS->zRefs, hasCR);
  while (hft_next_text(&lines, 0, &line, &s)) {
    if (hft_ref_line(s, &iNum, &url) && iNum > iLast && pS->nRef < HFT_MAX_REFS) {
      if (!hft_ref_add(pS, iNum, url))
        return 0;
      iLast = iNum;
    }
  }
  return 1;
}

/* The URL of reference iNum in *pUrl; 0 when the list has none. */
static int hft_ref_find(const HftState *pS, i64 iNum, PapersSpan *pUrl) {
  i64 lo = 0, hi = pS->nRef;
  while (lo < hi) {
    i64 mid = lo + (hi - lo) / 2;
    if (pS->aRef[mid].iNum < iNum)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == pS->nRef || pS->aRef[lo].iNum != iNum)
    return 0;
  *pUrl = pS->aRef[lo].url;
  return 1;
}

/* The handle of an organisation URL "https://huggingface.co/h" or "/h", in
** *pHandle; 0 when url is no such URL. */
static int hft_org_handle(PapersSpan url, PapersSpan *pHandle) {
  i64 nPrefix;
  if (HFT_PREFIX(url, HFT_SITE_ABS))
    nPrefix = (i64)strlen(HFT_SITE_ABS);
  else if (url.n > 1 && url.z[0] == '/')
    nPrefix = 1;
  else
    return 0;
  pHandle->z = url.z + nPrefix;
  pHandle->n = url.n - nPrefix;
  return pHandle->n > 0 && memchr(pHandle->z, '/', (size_t)pHandle->n) == 0;
}

/* ---- page chrome ------------------------------------------------------- */

/* True when s begins a page header: "new", "Get trending papers ...", a
** "#" heading that is no title heading, the logo link. */
static int hft_is_header_mark(PapersSpan s) {
  return papers_span_is(s, "new") ||
         HFT_PREFIX(s, "Get trending papers in your email inbox") ||
         (s.z[0] == '#' && !hft_is_heading(s)) || HFT_PREFIX(s, "[[Hugging Face's logo]");
}

/* True when s is page chrome inside a header: a list item (navigation, the
** Daily / Weekly / Monthly tabs) or a lone link "[text][N]". */
static int hft_is_header_chrome(PapersSpan s) {
  i64 iNum, iAt;
  if (hft_is_header_mark(s) || HFT_PREFIX(s, "* ") || papers_span_is(s, "*"))
    return 1;
  return s.z[0] == '[' && hft_ref_end(s, &iNum, &iAt);
}

/* Reads a bare date "Sep 3, 2024" into *pDate; 0 when s is no date. A date
** without a year takes the year that puts it on or before the page date (or
** today). */
static int hft_parse_date(const PapersParser *p, PapersSpan s, PapersDate *pDate) {
  return papers_date_line(s.z, s.n, p->pageDate ? p->pageDate : p->today, pDate);
}

static void hft_reject_line(PapersParser *p, const PapersLine *pLine,
                            const char *zReason) {
  if (p->nReject < HFT_STEP_REJECTS)
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine, zReason);
}

/* ---- cards --------------------------------------------------------------- */

/* True when the lines at s (the one just read) are an upvote block "[" / N
** or "-" / "][K]"; then *pLines is past it and *pnUpvote holds N (-1 for
** "-"). Otherwise *pLines is left as it was. */
static int hft_take_upvotes(const HftState *pS, PapersLines *pLines, PapersSpan s,
                            i64 *pnUpvote) {
  PapersLines before = *pLines;
  PapersLine line;
  PapersSpan count, close;
  i64 iNum;
  if (papers_span_is(s, "[") && hft_next_text(pLines, pS->zRefs, &line, &count) &&
      (papers_span_is(count, "-") || papers_parse_count(count.z, count.n, pnUpvote)) &&
      hft_next_text(pLines, pS->zRefs, &line, &close) && hft_is_close(close, &iNum)) {
    if (papers_span_is(count, "-"))
      *pnUpvote = -1;
    return 1;
  }
  *pLines = before;
  return 0;
}

/* True when the line s, just read, starts a card; *pLines is left as it
** was. */
static int hft_is_card_start(const HftState *pS, const PapersLines *pLines,
                             PapersSpan s) {
  PapersLines lines = *pLines;
  i64 nUpvote;
  return hft_is_heading(s) || hft_take_upvotes(pS, &lines, s, &nUpvote);
}

/* Reads the next line that is not blank, unless it starts a card or a page
** header or is the link list: then it is left unread and 0 returned. */
static int hft_next_in_card(const HftState *pS, PapersLines *pLines, PapersLine *pLine,
                            PapersSpan *pText) {
  PapersLines before = *pLines;
  if (hft_next_text(pLines, pS->zRefs, pLine, pText) &&
      !hft_is_card_start(pS, pLines, *pText) && !hft_is_header_mark(*pText))
    return 1;
  *pLines = before;
  return 0;
}

/* Reads the title heading at s (its first line, just read): rec.title from
** after "### [" to before "][K]", *pnRef = K. 0 when it does not close. */
static int hft_read_title(PapersParser *p, PapersSpan s, i64 *pnRef) {
  HftState *pS = (HftState *)p->pState;
  PapersLine line;
  i64 iAt;
  const char *zStart = s.z + strlen(HFT_HEADING);
  for (int i = 0; i < HFT_MAX_TITLE_LINES; i++) {
    if (hft_ref_end(s, pnRef, &iAt)) {
      p->rec.title.z = zStart;
      p->rec.title.n = s.z + iAt - zStart;
      return p->rec.title.n > 0;
    }
    if (!hft_next_text(&p->lines, pS->zRefs, &line, &s) || !HFT_PREFIX(s, "### "))
      return 0;
  }
  return 0;
}

/* Reads the abstract "[" / lines / "][K]" into rec.abstract; 0 when the
** next line is not "[" or a card, a page header or the end comes first. */
static int hft_read_abstract(PapersParser *p) {
  HftState *pS = (HftState *)p->pState;
  PapersLine line;
  PapersSpan s;
  const char *zStart = 0, *zEnd = 0;
  i64 iNum;
  if (!hft_next_in_card(pS, &p->lines, &line, &s) || !papers_span_is(s, "["))
    return 0;
  for (;;) {
    if (!hft_next_text(&p->lines, pS->zRefs, &line, &s) || hft_is_heading(s))
      return 0;
    if (hft_is_close(s, &iNum))
      break;
    if (zStart == 0)
      zStart = s.z;
    zEnd = s.z + s.n;
  }
  if (zStart == 0)
    return 0;
  p->rec.abstract.z = zStart;
  p->rec.abstract.n = zEnd - zStart;
  return 1;
}

/* Reads "[" / "* N authors" / "][K]" at s (just read) into rec.nAuthor; 0
** (lines left as they were) when they are not that. */
static int hft_take_authors(PapersParser *p, PapersSpan s) {
  HftState *pS = (HftState *)p->pState;
  PapersLines before = p->lines;
  PapersLine line;
  PapersSpan count, close;
  i64 iNum, nAuthor;
  if (papers_span_is(s, "[") && hft_next_text(&p->lines, pS->zRefs, &line, &count) &&
      hft_author_item(count, &nAuthor) &&
      hft_next_text(&p->lines, pS->zRefs, &line, &close) && hft_is_close(close, &iNum)) {
    p->rec.nAuthor = nAuthor;
    return 1;
  }
  p->lines = before;
  return 0;
}

/* Reads an organisation "[[handle] Name][K]"; 0 when s is not one. */
static int hft_take_org(PapersParser *p, PapersSpan s) {
  HftState *pS = (HftState *)p->pState;
  i64 iNum, iAt;
  PapersSpan url;
  if (!HFT_PREFIX(s, "[[") || !hft_ref_end(s, &iNum, &iAt))
    return 0;
  const char *zAltEnd = memchr(s.z + 2, ']', (size_t)(iAt - 2));
  if (zAltEnd == 0)
    return 0;
  PapersSpan name = papers_trim(zAltEnd + 1, s.z + iAt - zAltEnd - 1);
  if (name.n == 0)
    return 0;
  p->rec.org = name;
  if (!hft_ref_find(pS, iNum, &url) || !hft_org_handle(url, &p->rec.orgHandle)) {
    p->rec.orgHandle.z = s.z + 2;
    p->rec.orgHandle.n = zAltEnd - s.z - 2;
  }
  return 1;
}

/* Reads the date line "Mar 8, 2024" or "Mar 8, 2024 [ 6][39]" (6 comments);
** 0 when s is not one. */
static int hft_take_date(PapersParser *p, const PapersLine *pLine, PapersSpan s) {
  PapersSpan date = s;
  i64 nComment = 0, iNum, iAt;
  if (hft_ref_end(s, &iNum, &iAt)) {
    const char *zOpen = memchr(s.z, '[', (size_t)iAt);
    if (zOpen == 0)
      return 0;
    PapersSpan count = papers_trim(zOpen + 1, s.z + iAt - zOpen - 1);
    if (!papers_parse_count(count.z, count.n, &nComment))
      return 0;
    date = papers_trim(s.z, zOpen - s.z);
  }
  if (!hft_parse_date(p, date, &p->rec.published))
    return 0;
  p->rec.dateText = date;
  p->rec.nComment = nComment;
  if (p->rec.published == 0)
    hft_reject_line(p, pLine, "not a calendar date: published is NULL");
  return 1;
}

/* Reads the card's metadata up to the next card, page header or the end;
** returns 1 when it had a date after the "·" line. */
static int hft_read_metadata(PapersParser *p) {
  HftState *pS = (HftState *)p->pState;
  PapersLine line;
  PapersSpan s;
  int hasDot = 0, hasDate = 0;
  while (p->nReject < HFT_STEP_REJECTS && hft_next_in_card(pS, &p->lines, &line, &s)) {
    if (!hasDot && p->rec.nAuthor < 0 && p->rec.org.z == 0 &&
        (hft_take_authors(p, s) || hft_take_org(p, s)))
      continue;
    if (!hasDot && papers_span_is(s, HFT_MIDDLE_DOT)) {
      hasDot = 1;
    } else if (hasDot && !hasDate && hft_take_date(p, &line, s)) {
      hasDate = 1;
    } else {
      hft_reject_line(p, &line, "not part of a card's metadata");
    }
  }
  return hasDate;
}

/* Reports the card from zStart (line iLine) to the current line as one
** reject. */
static void hft_reject_card(PapersParser *p, const char *zStart, i64 iLine,
                            const char *zReason) {
  const char *zEnd = p->lines.z + p->lines.iPos;
  while (zEnd > zStart && (zEnd[-1] == '\n' || zEnd[-1] == '\r'))
    zEnd--;
  p->nReject = 0;
  papers_parser_reject(p, zStart, zEnd, iLine, zReason);
}

/* Makes the current card a row unless it repeats the card before it. */
static void hft_finish_card(PapersParser *p, const char *zStart, i64 iStartLine) {
  HftState *pS = (HftState *)p->pState;
  PapersSpan key = p->rec.url.z ? p->rec.url : p->rec.title;
  if (pS->prevKey.z && papers_span_equal(key, pS->prevKey)) {
    sqlite3_snprintf((int)sizeof(pS->zRepeat), pS->zRepeat,
                     "repeat of the card at line %lld", pS->iPrevLine);
    hft_reject_card(p, zStart, iStartLine, pS->zRepeat);
    return;
  }
  pS->prevKey = key;
  pS->iPrevLine = p->rec.iLine;
  p->hasRecord = 1;
}

/* Reads one card from its first line (s, just read). */
static void hft_read_card(PapersParser *p, const PapersLine *pFirst, PapersSpan s) {
  HftState *pS = (HftState *)p->pState;
  PapersLine line = *pFirst;
  PapersSpan url, id;
  i64 nUpvote = -1, nRef;
  pS->isBeforeFirstCard = 0;
  papers_record_start(p, pFirst->iLine);
  if (!hft_is_heading(s)) {
    hft_take_upvotes(pS, &p->lines, s, &nUpvote);
    PapersLines afterUpvotes = p->lines;
    if (!hft_next_text(&p->lines, pS->zRefs, &line, &s) || !hft_is_heading(s)) {
      p->lines = afterUpvotes;
      hft_reject_card(p, pFirst->z, pFirst->iLine, "an upvote count without its card");
      return;
    }
  }
  p->rec.iLine = line.iLine;
  p->rec.nUpvote = nUpvote;
  if (!hft_read_title(p, s, &nRef) || !hft_read_abstract(p)) {
    hft_reject_card(p, pFirst->z, pFirst->iLine, "a card without its title and abstract");
    return;
  }
  if (hft_ref_find(pS, nRef, &url)) {
    p->rec.url = url;
    if (papers_hf_page_id(url.z, url.n, &id))
      papers_arxiv_id_of_page(id.z, id.n, &p->rec.arxivId);
  }
  if (!hft_read_metadata(p)) {
    hft_reject_card(p, pFirst->z, pFirst->iLine, "a card without its date");
    return;
  }
  hft_finish_card(p, pFirst->z, pFirst->iLine);
}

/* ---- steps -------------------------------------------------------------- */

/* Sets up the state: finds and reads the link list. The text has a card when
** it has a title heading; without one every line is reported. */
static int hft_start(PapersParser *p) {
  HftState *pS = sqlite3_malloc64(sizeof(HftState));
  int nHeading;
  if (pS == 0)
    return 0;
  memset(pS, 0, sizeof(*pS));
  p->pState = pS;
  pS->isBeforeFirstCard = 1;
  pS->zRefs = hft_find_refs(p->lines.z, p->lines.n, p->lines.hasCR, &nHeading);
  if (nHeading == 0)
    pS->zRefs = 0; /* no card: the list's lines are reported with the rest */
  if (pS->zRefs && !hft_refs_read(pS, p->lines.z + p->lines.n, p->lines.hasCR))
    return 0;
  p->iState = nHeading ? HFT_STATE_HEADER : HFT_STATE_NO_CARD;
  return 1;
}

/* Reads one line of the link list: a reference in order, a list heading, or
** the continuation of a long line; anything else is reported. */
static int hft_step_refs(PapersParser *p) {
  HftState *pS = (HftState *)p->pState;
  PapersLine line;
  PapersSpan s, url;
  i64 iNum;
  if (!hft_next_text(&p->lines, 0, &line, &s))
    return 0;
  if (hft_ref_line(s, &iNum, &url)) {
    if (iNum <= pS->iLastRef)
      hft_reject_line(p, &line, "a reference out of order: it is not read");
    else if (pS->nRef == HFT_MAX_REFS && iNum > pS->aRef[pS->nRef - 1].iNum)
      hft_reject_line(p, &line, "too many references: it is not read");
    else
      pS->iLastRef = iNum;
  } else if (!hft_is_list_heading(s) && pS->nLastRefLine < HFT_WRAP_WIDTH) {
    hft_reject_line(p, &line, "not a reference of the link list");
  }
  pS->nLastRefLine = line.n;
  return 1;
}

/* Reads one line of a page header: chrome is skipped, a bare date is the
** page date; stops (0) at a card start, leaving it unread. */
static int hft_step_header(PapersParser *p, const PapersLine *pLine, PapersSpan s) {
  HftState *pS = (HftState *)p->pState;
  PapersDate date;
  if (hft_is_card_start(pS, &p->lines, s))
    return 0;
  if (hft_parse_date(p, s, &date)) {
    if (pS->hasHeaderDate)
      hft_reject_line(p, pLine, "a second page date");
    else if (date)
      p->pageDate = date;
    pS->hasHeaderDate = 1;
  } else if (!hft_is_header_chrome(s)) {
    hft_reject_line(p, pLine,
                    pS->isBeforeFirstCard ? "page text before the first card"
                                          : "not part of a card");
  }
  return 1;
}

static int hft_step(PapersParser *p) {
  HftState *pS = (HftState *)p->pState;
  PapersLine line;
  PapersSpan s;
  if (p->iState == HFT_STATE_START) {
    if (!hft_start(p)) {
      p->rc = SQLITE_NOMEM;
      return 0;
    }
    pS = (HftState *)p->pState;
  }
  if (p->iState == HFT_STATE_REFS)
    return hft_step_refs(p);
  if (!hft_next_text(&p->lines, pS->zRefs, &line, &s)) {
    if (pS->zRefs == 0)
      return 0;
    p->iState = HFT_STATE_REFS;
    return hft_step_refs(p);
  }
  if (p->iState == HFT_STATE_NO_CARD) {
    hft_reject_line(p, &line, "not part of a card (the text has no card heading)");
    return 1;
  }
  if (p->iState == HFT_STATE_CARDS && hft_is_header_mark(s)) {
    p->iState = HFT_STATE_HEADER;
    pS->hasHeaderDate = 0;
  }
  if (p->iState == HFT_STATE_HEADER) {
    if (hft_step_header(p, &line, s))
      return 1;
    p->iState = HFT_STATE_CARDS;
  }
  if (hft_is_card_start(pS, &p->lines, s))
    hft_read_card(p, &line, s);
  else
    hft_reject_line(p, &line, "not part of a card");
  return 1;
}

/* ---- columns, detection ------------------------------------------------- */

/* title: the heading's text with the "### " of its later lines dropped,
** folded. */
static void hft_result_title(sqlite3_context *pCtx, PapersSpan title) {
  char *zText = papers_result_buffer(pCtx, title, 0);
  if (zText == 0)
    return;
  i64 n = 0;
  for (i64 i = 0; i < title.n; i++) {
    zText[n++] = title.z[i];
    if ((title.z[i] == '\n' || title.z[i] == '\r') && i + 4 <= title.n &&
        memcmp(title.z + i + 1, "### ", 4) == 0)
      i += 4;
  }
  PapersSpan text = {zText, n};
  papers_result_folded(pCtx, text);
  sqlite3_free(zText);
}

/* url: the paper page as the link list gives it, made absolute when the
** list gives it from the site's root ("/papers/ID"). */
static void hft_result_url(const PapersParser *p, sqlite3_context *pCtx) {
  PapersSpan url = p->rec.url;
  if (url.z == 0 || url.z[0] != '/') {
    papers_record_result(p, pCtx, PAPERS_COL_URL);
    return;
  }
  i64 nRoot = (i64)strlen(HFT_SITE_ROOT);
  char *zUrl = sqlite3_malloc64((sqlite3_uint64)(nRoot + url.n));
  if (zUrl == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  memcpy(zUrl, HFT_SITE_ROOT, (size_t)nRoot);
  memcpy(zUrl + nRoot, url.z, (size_t)url.n);
  sqlite3_result_text64(pCtx, zUrl, (sqlite3_uint64)(nRoot + url.n), sqlite3_free,
                        SQLITE_UTF8);
}

static void hft_column(const PapersParser *p, sqlite3_context *pCtx, int iCol) {
  if (iCol == PAPERS_COL_TITLE)
    hft_result_title(pCtx, p->rec.title);
  else if (iCol == PAPERS_COL_URL)
    hft_result_url(p, pCtx);
  else
    papers_record_result(p, pCtx, iCol);
}

static void hft_free(PapersParser *p) {
  HftState *pS = (HftState *)p->pState;
  if (pS)
    sqlite3_free(pS->aRef);
  sqlite3_free(pS);
  p->pState = 0;
}

/* Counts the rendering's own marks in the first bytes: title headings that
** end in a reference, author counts between brackets. */
static int hft_detect(const char *z, i64 n) {
  PapersLines lines;
  PapersLine line;
  PapersSpan s;
  int score = 0;
  i64 iNum, iAt;
  papers_lines_init(&lines, z, n, memchr(z, '\r', (size_t)n) != 0);
  while (score < 100 && hft_next_text(&lines, 0, &line, &s)) {
    if (hft_is_heading(s) && hft_ref_end(s, &iNum, &iAt))
      score += 20;
    else if (hft_author_item(s, &iNum))
      score += 5;
  }
  return score < 100 ? score : 100;
}

const PapersFormat papers_format_hf_text = {
    "hf-text",
    "card",
    "Hugging Face papers page dumped by a text browser or HTML-to-text converter: links "
    "as references [text][N], listed at the end",
    "[\n"
    "65\n"
    "][35]\n"
    "\n"
    "### [Gemini 1.5: Unlocking multimodal understanding across millions of tokens of "
    "context][36]\n"
    "\n"
    "[\n"
    "\n"
    "In this report, we present the latest model of the Gemini family, Gemini 1.5 Pro.\n"
    "\n"
    "][37]\n"
    "[\n"
    "* 671 authors\n"
    "][38]\n"
    "\xC2\xB7\n"
    "Mar 8, 2024 [ 6][39]\n"
    "\n"
    "[36]: https://huggingface.co/papers/2403.05530\n",
    hft_detect,
    hft_step,
    hft_column,
    hft_free,
};
