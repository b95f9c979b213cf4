/*
** format_hf_markdown.h: what the two files of the "hf-markdown" format share.
**
**   format_hf_markdown.c          the parse: detection, one card per step
**   format_hf_markdown_columns.c  the columns the record does not hold as it
**                                 is: title and abstract unescaped, links,
**                                 extra
**
** The parse keeps its state (HfmState) in PapersParser.pState; the columns
** read the current card's part of it.
*/
#ifndef PAPERS_FORMAT_HF_MARKDOWN_H
#define PAPERS_FORMAT_HF_MARKDOWN_H

#include "parse.h"

#define HFM_MAX_LINK_LINE 4 /* link-only lines kept for a card */

/* What one parse keeps between steps: the prefix read for the next card, the
** current card's extra spans, and the previous card for repeat detection. */
typedef struct HfmState {
  PapersDate retrieved;                    /* front matter date, 0 when absent */
  i64 nPendingUpvote;                      /* prefix of the next card: upvotes or -1 */
  PapersSpan pendingSubmitter;             /* and its "Submitted by" user */
  const char *zPendingStart;               /* first prefix line placed, 0 when none */
  i64 iPendingStartLine;                   /* its line number */
  PapersSpan submitter;                    /* current card: "Submitted by" user */
  PapersSpan githubStars;                  /* "131", "3.29k" as written */
  PapersSpan aLinkLine[HFM_MAX_LINK_LINE]; /* link-only lines: GitHub, arXiv */
  int nLinkLine;
  int hasLoneDot;     /* the card has the list layout's lone "·" line */
  int hasPageHeader;  /* "## by AK and the research community" was read */
  PapersSpan prevKey; /* previous card's paper URL, or title without one */
  i64 iPrevLine;
  char zRepeat[64]; /* reason of a repeat reject */
} HfmState;

/* xColumn of the format: a card's column iCol from p->rec and HfmState. */
void papers_hfm_column(const PapersParser *p, sqlite3_context *pCtx, int iCol);

#endif /* PAPERS_FORMAT_HF_MARKDOWN_H */
