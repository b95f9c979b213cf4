/*
** format_arxiv_feed.h: what the two files of the "arxiv-rss" and "arxiv-atom"
** formats share.
**
**   format_arxiv_feed.c          the parse: detection, one item per step
**   format_arxiv_feed_columns.c  the columns the record does not hold as
**                                they are: the text columns decoded,
**                                authors, categories, links, extra
**
** The parse keeps its state (FeedState) in PapersParser.pState; the columns
** read the current item's part of it.
*/
#ifndef PAPERS_FORMAT_ARXIV_FEED_H
#define PAPERS_FORMAT_ARXIV_FEED_H

#include "parse.h"

/* The three shapes of feed, told apart by the root element. */
enum { FEED_RSS = 1, FEED_RDF = 2, FEED_ATOM = 3 };

/* What an item states beyond PapersRecord. Spans of the input, like it. */
typedef struct FeedItem {
  PapersSpan authors;      /* first author element up to the end of the last */
  PapersSpan categories;   /* first category element up to the end of the last */
  PapersSpan primary;      /* arxiv:primary_category, or the RDF title's [cats] */
  PapersSpan summary;      /* description text before arXiv's prefix */
  PapersSpan rights;       /* dc:rights or rights */
  PapersSpan announceType; /* the arxiv:announce_type element */
  int abstractInCdata;     /* the abstract span starts inside a CDATA section */
  int dateRank; /* FEED_DATE_* (format_arxiv_feed.c) of the date taken so far */
} FeedItem;

/* The scan: the position reached, the line it is on, and the item. */
typedef struct FeedState {
  const char *zPos;
  const char *zEnd;
  i64 iLine;
  int hasCR;
  int kind; /* FEED_* once the root element is read */
  FeedItem item;
} FeedState;

/* xColumn of the formats: an item's column iCol from p->rec and FeedState. */
void papers_feed_column(const PapersParser *p, sqlite3_context *pCtx, int iCol);

#endif /* PAPERS_FORMAT_ARXIV_FEED_H */
