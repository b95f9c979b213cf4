/*
** format_hf_markdown.c: Hugging Face papers pages as other tools render them
** to markdown (format name "hf-markdown"). docs/format-hf-markdown.md
** describes the renderings for users.
**
** Three renderings are known, and one parser reads them all, because they
** share the card's fields and differ only in where tools put them:
**
**   crawler   (firecrawl and the like) a YAML front matter block, then
**             "[N](https://huggingface.co/login?next=%2Fpapers%2F<id>)" (the
**             upvotes, "-" for none) before "### [Title](<paper url>)", the
**             abstract as one link "[text](<paper url>)" whose older lines end
**             in "\\" hard breaks, an organisation link or a "- N authors"
**             list, a lone "·" line, and "May 29[6](<paper url>#community)"
**             (the date glued to the comment count).
**   extract   (structured HTML-to-markdown) "Submitted by" / avatar / user
**             name and a thumbnail link before "### [Title](<paper url>)",
**             a plain abstract, "[[图片：h] Org](https://huggingface.co/h) ·
**             Published on Oct 4, 2026" (or "- N authors" lines then "·
**             Published on ..."), "[Upvote" / "N](login link)", and "[GitHub
**             N](repo) [arXiv Page](abs url)".
**   link-less (another crawler) no link to the site at all: under the page's
**             "## by AK and the research community", plain "### Title"
**             headings (indented lines go on with the title), the abstract,
**             "- N authors" and "[LINK: GitHub N](repo)". Such a card needs
**             its abstract and one of the last two; its key is its title.
**
** A card is: its prefix (upvote link, "Submitted by" block, thumbnail; read
** in the same step as the heading that follows), the heading, then the body up
** to the line that starts the next card's prefix or heading. One step reads
** one card, looking at each line once (one line of lookahead is given back).
** `line` is the heading's line.
**
** Dates without a year take the year that puts them on or before the page
** date (a bare date line before the first card), else the front matter's
** "retrieved:" date, else `today`. comment_count is stated only by cards with
** the lone "·" line (0 when no count follows the date); otherwise NULL.
**
** A card whose paper URL is the previous card's (the extract prints every card
** twice) gives no row: its lines are one reject, "repeat of the card at line
** N". Page furniture before the first card (headings, tabs, "Subscribe", the
** extract's "- Source ...:" header, front matter) and "<a id>" anchors are
** skipped silently; every other line that fits no card is a reject. Title and
** abstract are markdown text: backslash escapes are undone and "\\" line
** breaks joined (format_hf_markdown_columns.c, with links and extra; the
** state both files read is in format_hf_markdown.h).
*/
#include "format_hf_markdown.h"

#include <string.h>

#define SHORT_LINE 256 /* lines matched as keywords are shorter than this */

#define MIDDLE_DOT   "\xC2\xB7" /* U+00B7 between metadata items */
#define HF_PAPERS    "https://huggingface.co/papers/"
#define HF_SITE      "https://huggingface.co/"
#define HF_LOGIN     "https://huggingface.co/login?next=%2Fpapers%2F"
#define PUBLISHED_ON "Published on "

enum { STATE_START = 0, STATE_FRONT_MATTER, STATE_PREAMBLE, STATE_CARDS };

/* A run of consecutive unplaced lines, reported as one reject. */
typedef struct RejectRun {
  const char *zStart;
  const char *zEnd;
  i64 iLine;
  const char *zReason;
} RejectRun;

/* ---- small text helpers ----------------------------------------------- */

static int starts_with(PapersSpan s, const char *zPrefix) {
  size_t n = strlen(zPrefix);
  return (size_t)s.n >= n && memcmp(s.z, zPrefix, n) == 0;
}

static int ends_with(PapersSpan s, const char *zSuffix) {
  size_t n = strlen(zSuffix);
  return (size_t)s.n >= n && memcmp(s.z + s.n - n, zSuffix, n) == 0;
}

static int span_is(PapersSpan s, const char *z) {
  return (size_t)s.n == strlen(z) && memcmp(s.z, z, (size_t)s.n) == 0;
}

static PapersSpan span_from(PapersSpan s, i64 iFrom) {
  PapersSpan out = {s.z + iFrom, s.n - iFrom};
  return out;
}

/* Offset of the first zNeedle in s at or after iFrom, or -1. */
static i64 find_from(PapersSpan s, i64 iFrom, const char *zNeedle) {
  i64 nNeedle = (i64)strlen(zNeedle);
  for (i64 i = iFrom; i + nNeedle <= s.n; i++) {
    const char *zHit = memchr(s.z + i, zNeedle[0], (size_t)(s.n - nNeedle - i + 1));
    if (zHit == 0)
      return -1;
    i = zHit - s.z;
    if (memcmp(zHit, zNeedle, (size_t)nNeedle) == 0)
      return i;
  }
  return -1;
}

/* Offset of the last zNeedle in s, or -1. */
static i64 find_last(PapersSpan s, const char *zNeedle) {
  i64 nNeedle = (i64)strlen(zNeedle);
  for (i64 i = s.n - nNeedle; i >= 0; i--) {
    if (memcmp(s.z + i, zNeedle, (size_t)nNeedle) == 0)
      return i;
  }
  return -1;
}

static i64 count_digits(PapersSpan s) {
  return papers_digits_len(s.z, s.n);
}

static PapersSpan line_span(const PapersLine *pLine) {
  return papers_trim(pLine->z, pLine->n);
}

/* Folds a short line for keyword matching; n is -1 when it is long. */
static PapersSpan fold_line(char *zBuf, const PapersLine *pLine) {
  PapersSpan s = {zBuf, papers_fold_short(zBuf, SHORT_LINE, pLine->z, pLine->n)};
  return s;
}

/* ---- recognisers: each looks at one trimmed line ------------------------ */

/* "### [Title](https://huggingface.co/papers/<id>)": fills title, url, id. */
static int parse_heading(PapersSpan s, PapersSpan *pTitle, PapersSpan *pUrl,
                         PapersSpan *pId) {
  if (!starts_with(s, "### [") || !ends_with(s, ")"))
    return 0;
  i64 iLink = find_last(s, "](" HF_PAPERS);
  if (iLink < 5)
    return 0;
  pTitle->z = s.z + 5;
  pTitle->n = iLink - 5;
  pUrl->z = s.z + iLink + 2;
  pUrl->n = s.n - iLink - 3;
  PapersSpan id = span_from(*pUrl, (i64)strlen(HF_PAPERS));
  i64 nId = 0;
  while (nId < id.n && strchr("#?/", id.z[nId]) == 0)
    nId++;
  id.n = nId;
  papers_arxiv_id_of_page(id.z, id.n, pId);
  return pTitle->n > 0;
}

/* A plain heading "### Title" (the link-less crawler rendering): *pTitle. */
static int parse_plain_heading(PapersSpan s, PapersSpan *pTitle) {
  if (!starts_with(s, "### ") || starts_with(s, "### ["))
    return 0;
  *pTitle = papers_trim(s.z + 4, s.n - 4);
  return pTitle->n > 0;
}

/* "N](https://huggingface.co/login?next=%2Fpapers%2F<id>)" with N digits or
** "-" (no count): *pCount is -1 for "-". */
static int parse_upvote_tail(PapersSpan s, i64 *pCount) {
  i64 nDigits = count_digits(s);
  i64 nCount = nDigits > 0 ? nDigits : (s.n > 0 && s.z[0] == '-');
  PapersSpan rest = span_from(s, nCount);
  if (nCount == 0 || !starts_with(rest, "](" HF_LOGIN) || !ends_with(rest, ")"))
    return 0;
  *pCount = -1;
  if (nDigits > 0 && !papers_parse_count(s.z, nDigits, pCount))
    *pCount = -1;
  return 1;
}

/* The crawler's upvote link, alone on its line before the heading. */
static int parse_upvote_link(PapersSpan s, i64 *pCount) {
  return starts_with(s, "[") && parse_upvote_tail(span_from(s, 1), pCount);
}

/* Length of a leading image: "![alt](url)" or a placeholder "[图片：alt]". */
static i64 image_len(PapersSpan s) {
  if (starts_with(s, "![")) {
    i64 iClose = find_from(s, 2, "](");
    i64 iEnd = iClose < 0 ? -1 : find_from(s, iClose, ")");
    return iEnd < 0 ? 0 : iEnd + 1;
  }
  if (starts_with(s, "[")) {
    i64 iEnd = find_from(s, 1, "]");
    return iEnd < 0 || find_from(s, 1, "[") == iEnd + 1 ? 0 : iEnd + 1;
  }
  return 0;
}

static int is_image_line(PapersSpan s) {
  i64 n = image_len(s);
  return n > 0 && n == s.n;
}

/* A thumbnail: "[<image>](https://huggingface.co/papers/<id>)". */
static int is_thumbnail(PapersSpan s) {
  if (!starts_with(s, "[") || !ends_with(s, ")"))
    return 0;
  i64 nImage = image_len(span_from(s, 1));
  return nImage > 0 && starts_with(span_from(s, 1 + nImage), "](" HF_PAPERS);
}

static int is_anchor(PapersSpan s) {
  return starts_with(s, "<a id=") && ends_with(s, "</a>");
}

static int is_submitted_by(PapersSpan folded) {
  return span_is(folded, "Submitted by");
}

/* Lines that start the next card: the body ends before them. */
static int is_card_start(PapersSpan s, PapersSpan folded) {
  PapersSpan t, u, id;
  i64 n;
  return parse_heading(s, &t, &u, &id) || parse_plain_heading(s, &t) ||
         parse_upvote_link(s, &n) || is_thumbnail(s) || is_submitted_by(folded);
}

/* "[<image>Name](https://huggingface.co/<handle>)" then, in *pRest, what
** follows the link. */
static int parse_org_link(PapersSpan s, PapersSpan *pOrg, PapersSpan *pHandle,
                          PapersSpan *pRest) {
  if (!starts_with(s, "["))
    return 0;
  i64 nImage = image_len(span_from(s, 1));
  if (nImage == 0)
    return 0;
  i64 iLink = find_from(s, 1 + nImage, "](" HF_SITE);
  if (iLink < 0)
    return 0;
  PapersSpan handle = span_from(s, iLink + 2 + (i64)strlen(HF_SITE));
  i64 nHandle = 0;
  while (nHandle < handle.n && handle.z[nHandle] != ')' && handle.z[nHandle] != '/') {
    nHandle++;
  }
  if (nHandle == 0 || nHandle == handle.n || handle.z[nHandle] != ')')
    return 0;
  *pOrg = papers_trim(s.z + 1 + nImage, iLink - 1 - nImage);
  pHandle->z = handle.z;
  pHandle->n = nHandle;
  *pRest = papers_trim(handle.z + nHandle + 1, handle.n - nHandle - 1);
  return pOrg->n > 0;
}

/* An item of the authors list: "-", "- <image>", "[- <image>\\", "- N
** authors" or "- N authors](<paper url>)". *pCount is N for the last two, -1 for the
*others. */
static int parse_author_item(PapersSpan s, i64 *pCount) {
  *pCount = -1; /* an avatar item: no count */
  if (starts_with(s, "[-"))
    s = span_from(s, 1);
  if (!starts_with(s, "-"))
    return 0;
  s = papers_trim(s.z + 1, s.n - 1);
  while (ends_with(s, "\\"))
    s.n--;
  if (s.n == 0 || is_image_line(s))
    return 1;
  i64 nDigits = count_digits(s);
  PapersSpan rest = span_from(s, nDigits);
  if (nDigits == 0 || !papers_parse_count(s.z, nDigits, pCount))
    return 0;
  if (starts_with(rest, " authors")) {
    rest = span_from(rest, 8);
  } else if (starts_with(rest, " author")) {
    rest = span_from(rest, 7);
  } else {
    return 0;
  }
  return rest.n == 0 || (starts_with(rest, "](" HF_PAPERS) && ends_with(rest, ")"));
}

/* A line made only of links "[text](url)" to other sites, such as "[GitHub
** 131](repo) [arXiv Page](abs)". *pStars gets the GitHub link's count as
** written. */
static int parse_link_line(PapersSpan s, PapersSpan *pStars) {
  i64 i = 0;
  int nLink = 0;
  while (i < s.n) {
    if (s.z[i] == ' ') {
      i++;
      continue;
    }
    if (s.z[i] != '[')
      return 0;
    i64 iText = find_from(s, i, "](");
    i64 iEnd = iText < 0 ? -1 : find_from(s, iText, ")");
    if (iEnd < 0)
      return 0;
    PapersSpan text = {s.z + i + 1, iText - i - 1};
    PapersSpan url = {s.z + iText + 2, iEnd - iText - 2};
    if (starts_with(text, "LINK: "))
      text = span_from(text, 6); /* the link-less crawler's mark */
    if (!starts_with(url, "http://") && !starts_with(url, "https://"))
      return 0;
    if (starts_with(url, HF_SITE))
      return 0; /* the site's own: abstract, org, login */
    if (starts_with(text, "GitHub "))
      *pStars = papers_trim(text.z + 7, text.n - 7);
    i = iEnd + 1;
    nLink++;
  }
  return nLink > 0;
}

/* ---- dates -------------------------------------------------------------- */

static PapersDate anchor_of(const PapersParser *p, const HfmState *pS) {
  if (p->pageDate)
    return p->pageDate;
  return pS->retrieved ? pS->retrieved : p->today;
}

/* Reads "[· ][Published on ]Mar 17[, 2024][[N](<paper url>#community)]" from
** s (trimmed) into the record. Returns 0 when s is not such a date. */
static int parse_date(PapersParser *p, HfmState *pS, PapersSpan s,
                      const PapersLine *pLine) {
  char zBuf[SHORT_LINE];
  if (starts_with(s, MIDDLE_DOT))
    s = papers_trim(s.z + 2, s.n - 2);
  if (starts_with(s, PUBLISHED_ON))
    s = span_from(s, (i64)strlen(PUBLISHED_ON));
  i64 iCount = find_from(s, 0, "[");
  PapersSpan date = papers_trim(s.z, iCount < 0 ? s.n : iCount);
  i64 nFolded = papers_fold_short(zBuf, SHORT_LINE, date.z, date.n);
  PapersDateText text;
  if (nFolded <= 0 || !papers_date_text_parse(zBuf, nFolded, &text) ||
      text.nText != nFolded) {
    return 0;
  }
  i64 nComment = pS->hasLoneDot ? 0 : -1;
  if (iCount >= 0) {
    PapersSpan link = span_from(s, iCount + 1);
    i64 nDigits = count_digits(link);
    PapersSpan rest = span_from(link, nDigits);
    if (nDigits == 0 || !starts_with(rest, "](" HF_PAPERS) ||
        !ends_with(rest, "#community)")) {
      return 0;
    }
    if (!papers_parse_count(link.z, nDigits, &nComment)) {
      nComment = -1;
      papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                           "comment count too large: comment_count is NULL");
    }
  }
  p->rec.dateText = date;
  p->rec.nComment = nComment;
  p->rec.published = papers_date_text_value(&text, anchor_of(p, pS));
  if (p->rec.published == 0) {
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine,
                         "not a calendar date: published is NULL");
  }
  return 1;
}

/* ---- rejects ------------------------------------------------------------ */

static void reject_run_flush(PapersParser *p, RejectRun *pRun) {
  if (pRun->zStart) {
    papers_parser_reject(p, pRun->zStart, pRun->zEnd, pRun->iLine, pRun->zReason);
  }
  pRun->zStart = 0;
}

/* Adds a line to the run of unplaced lines (a new run when the reason differs). */
static void reject_run_add(PapersParser *p, RejectRun *pRun, const PapersLine *pLine,
                           const char *zReason) {
  if (pRun->zStart && pRun->zReason != zReason)
    reject_run_flush(p, pRun);
  if (pRun->zStart == 0) {
    pRun->zStart = pLine->z;
    pRun->iLine = pLine->iLine;
    pRun->zReason = zReason;
  }
  pRun->zEnd = pLine->z + pLine->n;
}

/* Room for one more run and a repeat reject in this step. */
static int rejects_full(const PapersParser *p) {
  return p->nReject >= PAPERS_MAX_REJECTS - 2;
}

/* ---- front matter and page furniture ------------------------------------ */

static const char *const azFurniture[] = {
    "new",
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
    "Daily Papers",
    "Trending Papers",
    "-",
    "- Daily",
    "- Weekly",
    "- Monthly",
};

/* Lines before the first card that are the page's or the extractor's own. */
static int is_furniture(PapersSpan s, PapersSpan folded) {
  static const char *const azPrefix[] = {
      "# ",
      "## ",
      "## by",
      "[Subscribe](",
      "[Trending Papers](",
      "- Source HTML:",
      "- Source SHA256:",
      "- Source URL:",
      "- Generated from:",
      "- Extraction:",
  };
  for (size_t i = 0; i < sizeof(azFurniture) / sizeof(azFurniture[0]); i++) {
    if (folded.n >= 0 && span_is(folded, azFurniture[i]))
      return 1;
  }
  for (size_t i = 0; i < sizeof(azPrefix) / sizeof(azPrefix[0]); i++) {
    if (starts_with(s, azPrefix[i]))
      return 1;
  }
  return 0;
}

/* One line of YAML front matter: "key: value", or the closing "---". */
static void front_matter_line(PapersParser *p, HfmState *pS, PapersSpan s,
                              const PapersLine *pLine, RejectRun *pRun) {
  i64 nKey = 0;
  if (span_is(s, "---")) {
    p->iState = STATE_PREAMBLE;
    return;
  }
  while (nKey < s.n && (s.z[nKey] == '_' || s.z[nKey] == '-' ||
                        ((s.z[nKey] | 32) >= 'a' && (s.z[nKey] | 32) <= 'z'))) {
    nKey++;
  }
  if (nKey == 0 || nKey == s.n || s.z[nKey] != ':') {
    reject_run_add(p, pRun, pLine, "not a front matter field");
    return;
  }
  if (nKey == 9 && memcmp(s.z, "retrieved", 9) == 0) {
    PapersSpan value = papers_trim(s.z + 10, s.n - 10);
    if (!papers_date_from_iso(value.z, value.n, &pS->retrieved)) {
      reject_run_add(p, pRun, pLine, "retrieved is not a date written YYYY-MM-DD");
    }
  }
}

/* A bare date line before the first card is the page date. */
static int take_page_date(PapersParser *p, HfmState *pS, PapersSpan folded,
                          const PapersLine *pLine, RejectRun *pRun) {
  PapersDateText text;
  if (folded.n <= 0 || !papers_date_text_parse(folded.z, folded.n, &text) ||
      text.nText != folded.n) {
    return 0;
  }
  PapersDate date =
      papers_date_text_value(&text, pS->retrieved ? pS->retrieved : p->today);
  if (date == 0 || p->pageDate != 0) {
    reject_run_add(p, pRun, pLine,
                   date ? "a second page date" : "page date is not a calendar date");
  } else {
    p->pageDate = date;
  }
  return 1;
}

/* ---- the card prefix ---------------------------------------------------- */

static void note_prefix(HfmState *pS, const PapersLine *pLine) {
  if (pS->zPendingStart == 0) {
    pS->zPendingStart = pLine->z;
    pS->iPendingStartLine = pLine->iLine;
  }
}

/* After "Submitted by": avatar lines, then the user name. */
static void read_submitter(PapersLines *pLines, HfmState *pS) {
  char zBuf[SHORT_LINE];
  PapersLine line;
  for (;;) {
    PapersLines before = *pLines;
    if (!papers_lines_next(pLines, &line))
      return;
    PapersSpan s = line_span(&line);
    if (s.n == 0 || is_image_line(s))
      continue;
    if (is_card_start(s, fold_line(zBuf, &line)) || is_anchor(s) ||
        find_from(s, 0, " ") >= 0) {
      *pLines = before; /* not a user name: the line is read again */
      return;
    }
    pS->pendingSubmitter = s;
    return;
  }
}

/* Reads the lines before the next heading. Returns 1 with *pHeading set at a
** heading, 0 at the end of the input, -1 when this step's rejects are full. */
static int read_prefix(PapersParser *p, HfmState *pS, PapersLine *pHeading,
                       RejectRun *pRun) {
  char zBuf[SHORT_LINE];
  PapersLine line;
  while (papers_lines_next(&p->lines, &line)) {
    PapersSpan s = line_span(&line), folded = fold_line(zBuf, &line);
    PapersSpan t, u, id;
    i64 nUpvote;
    if (p->iState == STATE_START) {
      p->iState = span_is(s, "---") ? STATE_FRONT_MATTER : STATE_PREAMBLE;
      if (p->iState == STATE_FRONT_MATTER)
        continue;
    }
    if (s.n == 0 || is_anchor(s))
      continue;
    if (p->iState == STATE_FRONT_MATTER) {
      front_matter_line(p, pS, s, &line, pRun);
    } else if (parse_heading(s, &t, &u, &id) ||
               (pS->hasPageHeader && parse_plain_heading(s, &t))) {
      reject_run_flush(p, pRun);
      *pHeading = line;
      return 1;
    } else if (parse_upvote_link(s, &nUpvote)) {
      note_prefix(pS, &line);
      pS->nPendingUpvote = nUpvote;
    } else if (is_submitted_by(folded)) {
      note_prefix(pS, &line);
      read_submitter(&p->lines, pS);
    } else if (is_thumbnail(s)) {
      note_prefix(pS, &line);
    } else if (p->iState == STATE_PREAMBLE && is_furniture(s, folded)) {
      pS->hasPageHeader |=
          starts_with(s, "## by") && ends_with(s, "the research community");
      continue;
    } else if (p->iState == STATE_PREAMBLE &&
               take_page_date(p, pS, folded, &line, pRun)) {
      continue;
    } else {
      reject_run_add(p, pRun, &line,
                     p->iState == STATE_PREAMBLE ? "page text before the first card"
                                                 : "not part of a card");
    }
    if (rejects_full(p)) {
      reject_run_flush(p, pRun);
      return -1;
    }
  }
  reject_run_flush(p, pRun);
  return 0;
}

/* ---- the card body ------------------------------------------------------ */

/* Reads the abstract paragraph that starts at pFirst; a crawler's abstract
** link "[text](<paper url>)" gives the text inside it. */
static void read_abstract(PapersParser *p, const PapersLine *pFirst) {
  char zBuf[SHORT_LINE];
  PapersLine line;
  const char *zEnd = pFirst->z + pFirst->n;
  for (;;) {
    PapersLines before = p->lines;
    if (!papers_lines_next(&p->lines, &line))
      break;
    PapersSpan s = line_span(&line), stars;
    i64 nAuthor;
    if (s.n == 0 || is_card_start(s, fold_line(zBuf, &line)) ||
        (parse_author_item(s, &nAuthor) && nAuthor >= 0) || parse_link_line(s, &stars)) {
      p->lines = before; /* the metadata may follow without a blank line */
      break;
    }
    zEnd = line.z + line.n;
  }
  PapersSpan par = papers_trim(pFirst->z, zEnd - pFirst->z);
  if (p->rec.abstract.z == 0) {
    i64 iLink = find_last(par, "](" HF_PAPERS);
    if (starts_with(par, "[") && iLink > 0 && ends_with(par, ")")) {
      par.z++;
      par.n = iLink - 1;
    }
    p->rec.abstract = par;
  } else {
    p->rec.abstract.n = par.z + par.n - p->rec.abstract.z; /* a further paragraph */
  }
}

/* Reads one metadata line; returns 0 when it is none. */
static int read_metadata(PapersParser *p, HfmState *pS, const PapersLine *pLine,
                         int *pUpvote) {
  PapersSpan s = line_span(pLine), org, handle, rest;
  i64 nCount;
  if (span_is(s, MIDDLE_DOT)) {
    pS->hasLoneDot = 1;
  } else if (parse_org_link(s, &org, &handle, &rest)) {
    p->rec.org = org;
    p->rec.orgHandle = handle;
    if (rest.n > 0 && !parse_date(p, pS, rest, pLine))
      return 0;
  } else if (parse_author_item(s, &nCount)) {
    if (nCount >= 0)
      p->rec.nAuthor = nCount;
  } else if (starts_with(s, "[Upvote")) {
    PapersSpan tail = papers_trim(s.z + 7, s.n - 7);
    if (tail.n == 0) {
      *pUpvote = 1; /* the count is on a later line */
    } else if (parse_upvote_tail(tail, &nCount)) {
      p->rec.nUpvote = nCount;
    } else {
      return 0;
    }
  } else if (parse_date(p, pS, s, pLine)) {
    /* the date, read into the record */
  } else if (pS->nLinkLine < HFM_MAX_LINK_LINE && parse_link_line(s, &pS->githubStars)) {
    pS->aLinkLine[pS->nLinkLine++] = s;
  } else {
    return 0;
  }
  return 1;
}

/* Reads the card's body: the abstract, then metadata, up to the next card. */
static void read_body(PapersParser *p, HfmState *pS, RejectRun *pRun) {
  char zBuf[SHORT_LINE];
  PapersLine line, upvoteLine;
  int inMetadata = 0, wantUpvote = 0;
  for (;;) {
    PapersLines before = p->lines;
    if (!papers_lines_next(&p->lines, &line))
      break;
    PapersSpan s = line_span(&line), folded = fold_line(zBuf, &line);
    i64 nCount;
    if (s.n == 0 || is_anchor(s))
      continue;
    if (wantUpvote) {
      wantUpvote = 0;
      if (parse_upvote_tail(s, &nCount)) {
        p->rec.nUpvote = nCount;
        continue;
      }
      reject_run_add(p, pRun, &upvoteLine, "an upvote link without its count");
    }
    if (is_card_start(s, folded) || rejects_full(p)) {
      p->lines = before;
      break;
    }
    if (read_metadata(p, pS, &line, &wantUpvote)) {
      reject_run_flush(p, pRun);
      inMetadata = 1;
      upvoteLine = line;
    } else if (!inMetadata) {
      read_abstract(p, &line);
    } else {
      reject_run_add(p, pRun, &line, "not part of a card's metadata");
    }
  }
  if (wantUpvote)
    reject_run_add(p, pRun, &upvoteLine, "an upvote link without its count");
  reject_run_flush(p, pRun);
}

/* ---- the step ----------------------------------------------------------- */

static HfmState *hfm_state(PapersParser *p) {
  if (p->pState == 0) {
    HfmState *pS = sqlite3_malloc64(sizeof(HfmState));
    if (pS == 0)
      return 0;
    memset(pS, 0, sizeof(*pS));
    pS->nPendingUpvote = -1;
    p->pState = pS;
  }
  return (HfmState *)p->pState;
}

/* A plain heading goes on over the lines indented under it. */
static void read_title_lines(PapersParser *p) {
  PapersLine line;
  for (;;) {
    PapersLines before = p->lines;
    if (!papers_lines_next(&p->lines, &line) || line.n < 3 ||
        memcmp(line.z, "  ", 2) != 0 || papers_is_blank(line.z, line.n)) {
      p->lines = before;
      return;
    }
    PapersSpan s = line_span(&line);
    p->rec.title.n = s.z + s.n - p->rec.title.z;
  }
}

/* Starts the record at the heading, taking over the prefix read before it. */
static void start_card(PapersParser *p, HfmState *pS, const PapersLine *pHeading) {
  PapersSpan id = {0, 0};
  papers_record_start(p, pHeading->iLine);
  if (!parse_heading(line_span(pHeading), &p->rec.title, &p->rec.url, &id)) {
    parse_plain_heading(line_span(pHeading), &p->rec.title);
    read_title_lines(p);
  }
  p->rec.arxivId = id;
  p->rec.nUpvote = pS->nPendingUpvote;
  pS->submitter = pS->pendingSubmitter;
  pS->githubStars.z = 0;
  pS->githubStars.n = 0;
  pS->nLinkLine = 0;
  pS->hasLoneDot = 0;
  pS->nPendingUpvote = -1;
  pS->pendingSubmitter.z = 0;
  pS->pendingSubmitter.n = 0;
}

/* The card's lines [zStart, end of the card) become one reject, which
** replaces the rejects inside it. */
static void reject_card(PapersParser *p, const char *zStart, i64 iStartLine,
                        const char *zReason) {
  const char *zEnd = p->lines.z + p->lines.iPos;
  while (zEnd > zStart && (zEnd[-1] == '\n' || zEnd[-1] == '\r'))
    zEnd--;
  int nKept = 0;
  for (int i = 0; i < p->nReject; i++) {
    if (p->aReject[i].zStart < zStart)
      p->aReject[nKept++] = p->aReject[i];
  }
  p->nReject = nKept;
  papers_parser_reject(p, zStart, zEnd, iStartLine, zReason);
}

/* The card's key: its paper URL, or its title when it has none. */
static PapersSpan card_key(const PapersParser *p) {
  return p->rec.url.z ? p->rec.url : p->rec.title;
}

/* A card with the previous card's key is reported as a repeat. */
static int take_repeat(PapersParser *p, HfmState *pS, const char *zStart,
                       i64 iStartLine) {
  PapersSpan key = card_key(p);
  if (pS->prevKey.z == 0 || pS->prevKey.n != key.n ||
      memcmp(pS->prevKey.z, key.z, (size_t)key.n) != 0) {
    return 0;
  }
  sqlite3_snprintf(sizeof(pS->zRepeat), pS->zRepeat, "repeat of the card at line %lld",
                   pS->iPrevLine);
  reject_card(p, zStart, iStartLine, pS->zRepeat);
  return 1;
}

static int hfm_step(PapersParser *p) {
  HfmState *pS = hfm_state(p);
  RejectRun run = {0, 0, 0, 0};
  PapersLine heading;
  if (pS == 0) {
    p->rc = SQLITE_NOMEM;
    return 0;
  }
  int rc = read_prefix(p, pS, &heading, &run);
  if (rc < 0)
    return 1;
  if (rc == 0) {
    if (pS->zPendingStart) {
      PapersSpan rest =
          papers_trim(pS->zPendingStart, p->lines.z + p->lines.n - pS->zPendingStart);
      papers_parser_reject(p, rest.z, rest.z + rest.n, pS->iPendingStartLine,
                           "a card's upvotes or submitter without its card");
      pS->zPendingStart = 0;
    }
    return p->nReject > 0;
  }
  p->iState = STATE_CARDS;
  const char *zStart = pS->zPendingStart ? pS->zPendingStart : heading.z;
  i64 iStartLine = pS->zPendingStart ? pS->iPendingStartLine : heading.iLine;
  pS->zPendingStart = 0;
  start_card(p, pS, &heading);
  read_body(p, pS, &run);
  if (take_repeat(p, pS, zStart, iStartLine))
    return 1;
  if (p->rec.url.z == 0 &&
      (p->rec.abstract.z == 0 || (p->rec.nAuthor < 0 && pS->nLinkLine == 0))) {
    reject_card(p, zStart, iStartLine, "a card without its abstract and metadata");
    return 1;
  }
  pS->prevKey = card_key(p);
  pS->iPrevLine = heading.iLine;
  p->hasRecord = 1;
  return 1;
}

static void hfm_free(PapersParser *p) {
  sqlite3_free(p->pState);
  p->pState = 0;
}

/* ---- detection ---------------------------------------------------------- */

/* Scores one line by the renderings' own marks: headings linking to a paper
** page, "#community" comment links, upvote links, "Published on" and
** "Submitted by". Text without a link to huggingface.co scores nothing. */
static int detect_line(const PapersLine *pLine) {
  PapersSpan s = line_span(pLine), t, u, id;
  i64 n;
  if (parse_heading(s, &t, &u, &id))
    return 20;
  if (parse_upvote_link(s, &n))
    return 10;
  if (starts_with(s, "[Upvote"))
    return 5;
  if (starts_with(s, MIDDLE_DOT " " PUBLISHED_ON))
    return 10;
  if (s.n < SHORT_LINE && find_from(s, 0, "](" HF_PAPERS) >= 0 &&
      ends_with(s, "#community)")) {
    return 10;
  }
  if (s.n < SHORT_LINE && find_from(s, 0, MIDDLE_DOT " " PUBLISHED_ON) > 0 &&
      find_from(s, 0, "](" HF_SITE) > 0) {
    return 10;
  }
  return 0;
}

static int hfm_detect(const char *z, i64 n) {
  PapersLines lines;
  PapersLine line;
  int score = 0, nHeading = 0, hasPageHeader = 0;
  papers_lines_init(&lines, z, n, memchr(z, '\r', (size_t)n) != 0);
  while (score < 100 && papers_lines_next(&lines, &line)) {
    PapersSpan s = line_span(&line), title;
    int lineScore = detect_line(&line);
    if (starts_with(s, "## by") && ends_with(s, "the research community"))
      hasPageHeader = 1;
    else if (hasPageHeader && parse_plain_heading(s, &title))
      lineScore = 20; /* the link-less crawler's card, under the page's header */
    nHeading += lineScore == 20;
    score += lineScore;
  }
  if (nHeading == 0)
    return 0; /* no card: not this format */
  return score < 100 ? score : 100;
}

const PapersFormat papers_format_hf_markdown = {
    "hf-markdown",
    "card",
    "Hugging Face papers pages rendered to markdown by crawlers and HTML extractors",
    "### [KV Cache Compression](https://huggingface.co/papers/2606.00683)\n"
    "\n"
    "We compress the key-value cache of long-context models.\n"
    "\n"
    "\xC2\xB7\n"
    "\n"
    "May 29[6](https://huggingface.co/papers/2606.00683#community)\n",
    hfm_detect,
    hfm_step,
    papers_hfm_column,
    hfm_free,
};
