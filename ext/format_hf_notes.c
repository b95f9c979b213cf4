/*
** format_hf_notes.c: a Hugging Face papers page (daily, search or trending)
** as a note-taking app or web clipper exports it: the page's text with the
** target of every link on a line of its own after the link's text (format
** name "hf-notes"). docs/formats.md describes it for users.
**
** Blank lines do not matter; a card is a run of lines:
**
**    [-] 19                                           upvotes ("-": none)
**   https://huggingface.co/login?next=%2Fpapers%2FID  the vote link
**   Arctic-SnowCoder: Demystifying ...                title
**   https://huggingface.co/papers/ID                  the paper: arxiv_id
**   Recent studies have been ...                      abstract, up to the
**   https://huggingface.co/papers/ID                  paper's link again
**   [
**   3 authors](https://huggingface.co/papers/ID)      or an organisation:
**   ·                                                   " Google" and then
**   Sep 3, 2024                                         https://huggingface.co/google
**   2                                                 comment count, with
**   https://huggingface.co/papers/ID#community        its link
**
** A card starts at its upvote line or its vote link. Before the first card,
** the page's navigation, header and search box are skipped (short lines and
** links); a bare date there is the page date. Every other line that fits no
** card is a reject (every line, in a text without a card): nothing else
** becomes a row.
*/
#include "parse.h"

#include <string.h>

#define HF_LOGIN_PAPER   "https://huggingface.co/login?next=%2Fpapers%2F"
#define HF_PAPER         "https://huggingface.co/papers/"
#define HF_SITE          "https://huggingface.co/"
#define VOTE_MARK        "[-]"
#define NOTES_MIDDLE_DOT "\xC2\xB7"

/* Lines longer than this before the first card are text, not page chrome. */
#define NOTES_CHROME_MAX 80

/* A step reports this many rejects at most; the rest of a card's odd lines
** are reported together with the last. */
#define STEP_REJECTS (PAPERS_MAX_REJECTS - 2)

/* iState: at the start; in the chrome before the first card; at the cards
** (from the start when the text holds no card: then every line is reported). */
enum { NOTES_STATE_START = 0, NOTES_STATE_PREAMBLE = 1, NOTES_STATE_CARDS = 2 };

static int notes_starts_with(PapersSpan s, const char *zPrefix) {
  size_t n = strlen(zPrefix);
  return (size_t)s.n >= n && memcmp(s.z, zPrefix, n) == 0;
}

static int notes_span_is(PapersSpan s, const char *z) {
  return (size_t)s.n == strlen(z) && memcmp(s.z, z, (size_t)s.n) == 0;
}

static int notes_ends_with(PapersSpan s, const char *zSuffix) {
  size_t n = strlen(zSuffix);
  return (size_t)s.n >= n && memcmp(s.z + s.n - n, zSuffix, n) == 0;
}

/* Reads the next line that is not blank, trimmed in *pText; 0 at the end. */
static int next_text(PapersLines *pLines, PapersLine *pLine, PapersSpan *pText) {
  while (papers_lines_next(pLines, pLine)) {
    *pText = papers_trim(pLine->z, pLine->n);
    if (pText->n > 0)
      return 1;
  }
  return 0;
}

/* True when a line starts a card: its upvote line or its vote link. */
static int notes_is_card_start(PapersSpan s) {
  return notes_starts_with(s, VOTE_MARK) || notes_starts_with(s, HF_LOGIN_PAPER);
}

/* Reads the next line that is not blank, as next_text(), unless it starts a
** card: then it is left unread and 0 returned, as at the end. */
static int next_in_card(PapersLines *pLines, PapersLine *pLine, PapersSpan *pText) {
  PapersLines before = *pLines;
  if (next_text(pLines, pLine, pText) && !notes_is_card_start(*pText))
    return 1;
  *pLines = before;
  return 0;
}

static int is_link(PapersSpan s) {
  return notes_starts_with(s, "https://") || notes_starts_with(s, "http://");
}

/* The paper id of a link "https://huggingface.co/papers/ID[#...]", in *pId;
** 0 when the line is no such link. */
static int paper_link_id(PapersSpan s, PapersSpan *pId) {
  return notes_starts_with(s, HF_PAPER) && papers_hf_page_id(s.z, s.n, pId);
}

/* Reads "[-] N" (N upvotes) or "[-] -" (none shown) into *pCount (-1). */
static void take_upvotes(PapersSpan s, i64 *pCount) {
  PapersSpan count = papers_trim(s.z + 3, s.n - 3);
  if (!papers_parse_count(count.z, count.n, pCount))
    *pCount = -1;
}

/* Reads "N authors](https://huggingface.co/papers/ID)"; 0 when s is not. */
static int take_author_count(PapersSpan s, i64 *pCount) {
  i64 nDigits = 0;
  while (nDigits < s.n && s.z[nDigits] >= '0' && s.z[nDigits] <= '9')
    nDigits++;
  PapersSpan rest = {s.z + nDigits, s.n - nDigits};
  if (!notes_starts_with(rest, " author"))
    return 0;
  const char *zClose = memchr(rest.z, ']', (size_t)rest.n);
  if (zClose == 0 || zClose[1] != '(')
    return 0;
  return papers_parse_count(s.z, nDigits, pCount);
}

/* Reads a bare date line "Sep 3, 2024" (trimmed in s) into *pDate; 0 when
** s is no date. A date without a year takes the year that puts it on or
** before the page date (or today). */
static int parse_bare_date(const PapersParser *p, PapersSpan s, PapersDate *pDate) {
  return papers_date_line(s.z, s.n, p->pageDate ? p->pageDate : p->today, pDate);
}

static void reject_line(PapersParser *p, const PapersLine *pLine, const char *zReason) {
  if (p->nReject < STEP_REJECTS)
    papers_parser_reject(p, pLine->z, pLine->z + pLine->n, pLine->iLine, zReason);
}

/* Skips the page's chrome before the first card; a bare date there is the
** page date, a long line is reported. Returns 1 when it stopped at a line it
** rejected (the next step goes on with the preamble). */
static int skip_preamble(PapersParser *p) {
  PapersLine line;
  PapersSpan s;
  while (next_in_card(&p->lines, &line, &s)) {
    PapersDate date;
    if (parse_bare_date(p, s, &date)) {
      if (date)
        p->pageDate = date;
    } else if (s.n > NOTES_CHROME_MAX && !is_link(s)) {
      reject_line(p, &line, "not part of a card");
      return 1;
    }
  }
  return 0;
}

/* Reads the abstract: the lines up to the paper's link again. Returns 0
** (leaving the lines at the card start it met) when a card or the input
** ends first. */
static int notes_read_abstract(PapersParser *p, PapersSpan paper) {
  PapersLine line;
  PapersSpan s;
  const char *zStart = 0, *zEnd = 0;
  for (;;) {
    if (!next_in_card(&p->lines, &line, &s))
      return 0;
    if (papers_span_equal(s, paper))
      break;
    if (zStart == 0)
      zStart = s.z;
    zEnd = s.z + s.n;
  }
  if (zStart) {
    p->rec.abstract.z = zStart;
    p->rec.abstract.n = zEnd - zStart;
  }
  return 1;
}

/* What the metadata lines of a card have given so far. */
typedef struct Metadata {
  int hasDot;   /* the "·" line */
  int hasDate;  /* the date line */
  i64 nPending; /* a number after the date, -1 until one */
} Metadata;

/* Reads one metadata line (trimmed in s) of the card of paper id; returns
** 0 when it is none. */
static int take_metadata(PapersParser *p, Metadata *pMeta, const PapersLine *pLine,
                         PapersSpan s, PapersSpan id) {
  PapersRecord *pRec = &p->rec;
  PapersSpan linkId;
  if (notes_span_is(s, "[")) /* the author count's link opens on a line of its own */
    return 1;
  if (notes_span_is(s, NOTES_MIDDLE_DOT)) {
    pMeta->hasDot = 1;
    return 1;
  }
  if (paper_link_id(s, &linkId)) {
    int isCommunity = notes_ends_with(s, "#community");
    if (linkId.n != id.n || memcmp(linkId.z, id.z, (size_t)id.n) != 0)
      return 0;
    if (isCommunity && pMeta->nPending >= 0)
      pRec->nComment = pMeta->nPending;
    return !isCommunity || pMeta->nPending >= 0;
  }
  if (!pMeta->hasDot && take_author_count(s, &pRec->nAuthor))
    return 1;
  if (!pMeta->hasDot && notes_starts_with(s, HF_SITE) && pRec->org.z) {
    pRec->orgHandle.z = s.z + strlen(HF_SITE);
    pRec->orgHandle.n = s.n - (i64)strlen(HF_SITE);
    return memchr(pRec->orgHandle.z, '/', (size_t)pRec->orgHandle.n) == 0;
  }
  if (!pMeta->hasDot && pRec->org.z == 0 && pRec->nAuthor < 0 && !is_link(s) &&
      s.n <= NOTES_CHROME_MAX) {
    pRec->org = s;
    return 1;
  }
  if (pMeta->hasDot && !pMeta->hasDate && parse_bare_date(p, s, &pRec->published)) {
    pMeta->hasDate = 1;
    pRec->dateText = s;
    pRec->nComment = 0;
    if (pRec->published == 0)
      reject_line(p, pLine, "not a calendar date: published is NULL");
    return 1;
  }
  if (pMeta->hasDate && pMeta->nPending < 0 &&
      papers_parse_count(s.z, s.n, &pMeta->nPending))
    return 1;
  return 0;
}

/* Reads the metadata lines up to the next card or the end. */
static void notes_read_metadata(PapersParser *p, PapersSpan id) {
  Metadata meta = {0, 0, -1};
  PapersLine line;
  PapersSpan s;
  while (next_in_card(&p->lines, &line, &s)) {
    if (!take_metadata(p, &meta, &line, s, id))
      reject_line(p, &line, "not part of a card's metadata");
  }
}

/* Reads one card from its first line (trimmed in s). */
static void notes_read_card(PapersParser *p, const PapersLine *pFirst, PapersSpan s) {
  PapersLine line, start = *pFirst;
  PapersSpan title, link, id;
  papers_record_start(p, pFirst->iLine);
  if (notes_starts_with(s, VOTE_MARK)) {
    take_upvotes(s, &p->rec.nUpvote);
    PapersLines before = p->lines;
    if (!next_text(&p->lines, &start, &s) || !notes_starts_with(s, HF_LOGIN_PAPER)) {
      p->lines = before;
      reject_line(p, pFirst, "an upvote count without a card");
      return;
    }
  }
  PapersLines afterStart = p->lines;
  if (!next_text(&p->lines, &line, &title) || is_link(title) ||
      notes_is_card_start(title) || !next_text(&p->lines, &line, &link) ||
      !paper_link_id(link, &id) || !notes_read_abstract(p, link)) {
    /* the card's first lines, up to its vote link, are reported */
    p->lines = afterStart;
    papers_parser_reject(p, pFirst->z, start.z + start.n, pFirst->iLine,
                         "a card without its title, paper link and abstract");
    return;
  }
  p->rec.title = title;
  p->rec.url = link;
  papers_arxiv_id_of_page(id.z, id.n, &p->rec.arxivId);
  notes_read_metadata(p, id);
  p->hasRecord = 1;
}

/* True when a card starts somewhere after the current line. */
static int has_card_ahead(const PapersParser *p) {
  PapersLines lines = p->lines;
  PapersLine line;
  PapersSpan s;
  while (next_text(&lines, &line, &s)) {
    if (notes_is_card_start(s))
      return 1;
  }
  return 0;
}

static int hfn_step(PapersParser *p) {
  PapersLine line;
  PapersSpan s;
  if (p->iState == NOTES_STATE_START)
    p->iState = has_card_ahead(p) ? NOTES_STATE_PREAMBLE : NOTES_STATE_CARDS;
  if (p->iState == NOTES_STATE_PREAMBLE) {
    if (skip_preamble(p))
      return 1;
    p->iState = NOTES_STATE_CARDS;
  }
  if (!next_text(&p->lines, &line, &s))
    return 0;
  if (notes_is_card_start(s)) {
    notes_read_card(p, &line, s);
  } else {
    reject_line(p, &line, "not part of a card");
  }
  return 1;
}

/* Counts the rendering's own marks in the first bytes: vote links to a
** paper and author counts that link to it. */
static int hfn_detect(const char *z, i64 n) {
  PapersLines lines;
  PapersLine line;
  PapersSpan s;
  int score = 0;
  i64 nCount;
  papers_lines_init(&lines, z, n, memchr(z, '\r', (size_t)n) != 0);
  while (score < 100 && next_text(&lines, &line, &s)) {
    if (notes_starts_with(s, HF_LOGIN_PAPER) || take_author_count(s, &nCount))
      score += 10;
  }
  return score < 100 ? score : 100;
}

const PapersFormat papers_format_hf_notes = {
    "hf-notes",
    "card",
    "Hugging Face papers page exported by a note app or web clipper: each link target on "
    "a line of its own",
    " [-] 19\n"
    "\n"
    "https://huggingface.co/login?next=%2Fpapers%2F2409.02326\n"
    "\n"
    "Arctic-SnowCoder: Demystifying High-Quality Data in Code Pretraining\n"
    "\n"
    "https://huggingface.co/papers/2409.02326\n"
    "\n"
    "Recent studies have been increasingly demonstrating that high-quality data is "
    "crucial.\n"
    "\n"
    "https://huggingface.co/papers/2409.02326\n"
    "\n"
    "[\n"
    "\n"
    "3 authors](https://huggingface.co/papers/2409.02326)\n"
    "\n"
    "\xC2\xB7\n"
    "\n"
    "Sep 3, 2024\n",
    hfn_detect,
    hfn_step,
    0, /* xColumn: the record as it is */
    0, /* xFree: no state of its own */
};
