/*
** format_arxiv_feed_columns.c: the columns of an "arxiv-rss" or "arxiv-atom"
** item that the record does not hold as they are (format_arxiv_feed.h): the
** text columns decoded, the author and category arrays, links and extra.
**
**   - Text is decoded when a column is read: CDATA sections are taken
**     verbatim, the five XML entities and numeric character references (&#NN;
**     &#xHH;) are decoded, markup inside a text element is dropped, and then
**     white space is folded. In the RSS 1.0 form the decoded text is HTML: its
**     tags are dropped too (<p> and <br> read as a space) and its own character
**     references decoded.
**   - Categories that look like arXiv's (cs.CL, hep-th, cond-mat.mes-hall) go
**     to categories, the primary one first; other category texts to
**     extra.category. author_count is NULL: feeds do not state one.
*/
#include "format_arxiv_feed.h"

#include <string.h>

/* Categories deduplicated per item; more are kept as they come. */
#define FEED_MAX_CATEGORY 64

/* Decodes, un-HTMLs (RSS 1.0) and folds a span into a new buffer, which the
** caller frees. Returns 0 on OOM. */
static char *feedc_decode_text(const PapersParser *p, PapersSpan span, int isInCdata,
                               i64 *pn) {
  const FeedState *pS = p->pState;
  char *zOut = sqlite3_malloc64(span.n > 0 ? (sqlite3_uint64)span.n : 1);
  if (zOut == 0)
    return 0;
  i64 n = xml_decode(span.z, span.n, isInCdata, zOut);
  if (pS->kind == FEED_RDF)
    n = xml_decode_refs_in_place(zOut, xml_strip_html(zOut, n));
  *pn = papers_fold(zOut, zOut, n);
  return zOut;
}

/* Sets the result to the decoded, folded text of a span; NULL when absent. */
static void feedc_result_decoded(const PapersParser *p, sqlite3_context *pCtx,
                                 PapersSpan span, int isInCdata) {
  i64 n;
  if (span.z == 0) {
    sqlite3_result_null(pCtx);
    return;
  }
  char *z = feedc_decode_text(p, span, isInCdata, &n);
  if (z == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  sqlite3_result_text64(pCtx, z, (sqlite3_uint64)n, sqlite3_free, SQLITE_UTF8);
}

/* Appends the decoded text of span to pStr; returns its length. */
static i64 feedc_append_decoded(const PapersParser *p, sqlite3_str *pStr,
                                PapersSpan span) {
  i64 n;
  char *z = feedc_decode_text(p, span, 0, &n);
  if (z == 0)
    return -1;
  sqlite3_str_append(pStr, z, (int)n);
  sqlite3_free(z);
  return n;
}

/* Appends the decoded text of span as a JSON string, unless it is empty.
** Returns 0 when memory ran out, else 1. */
static int feedc_append_json_decoded(const PapersParser *p, sqlite3_str *pStr,
                                     int *pnItem, PapersSpan span) {
  i64 n;
  char *z = feedc_decode_text(p, span, 0, &n);
  if (z == 0)
    return 0;
  if (n > 0) {
    if ((*pnItem)++ > 0)
      sqlite3_str_appendchar(pStr, 1, ',');
    papers_json_append_string(pStr, z, n);
  }
  sqlite3_free(z);
  return 1;
}

/* Calls xEach for each element named zName (or zName2) in the range. */
static void feedc_each_element(PapersSpan range, const char *zName, const char *zName2,
                               void (*xEach)(const XmlElem *, void *), void *pArg) {
  const char *z = range.z, *zEnd = range.z + range.n;
  PapersSpan none = {0, 0};
  XmlElem elem;
  while (z < zEnd) {
    int rc = xml_next_child(z, zEnd, none, &elem);
    if (rc == XML_CHILD_EOF || rc == XML_CHILD_UNCLOSED)
      break;
    if (rc == XML_CHILD_ELEM && (papers_span_is(elem.name, zName) ||
                                 (zName2 && papers_span_is(elem.name, zName2)))) {
      xEach(&elem, pArg);
    }
    z = elem.zEnd;
  }
}

/* What the element callbacks of the columns share. */
typedef struct FeedListBuilder {
  const PapersParser *p;
  sqlite3_str *pStr;
  int nItem;
  int isOther; /* categories: collect those that do not look like arXiv's */
  int nSeen;
  PapersSpan aSeen[FEED_MAX_CATEGORY];
  int isNomem; /* a decoded text could not be allocated */
} FeedListBuilder;

static void feedc_each_creator(const XmlElem *pElem, void *pArg) {
  FeedListBuilder *pB = pArg;
  if (pB->nItem > 0)
    sqlite3_str_append(pB->pStr, ", ", 2);
  i64 n = feedc_append_decoded(pB->p, pB->pStr, pElem->content);
  if (n > 0)
    pB->nItem++;
  if (n < 0)
    pB->isNomem = 1;
}

static void feedc_each_atom_author(const XmlElem *pElem, void *pArg) {
  FeedListBuilder *pB = pArg;
  PapersSpan name = {0, 0};
  const char *z = pElem->content.z, *zEnd = z + pElem->content.n;
  PapersSpan none = {0, 0};
  XmlElem child;
  while (z < zEnd && xml_next_child(z, zEnd, none, &child) == XML_CHILD_ELEM) {
    if (papers_span_is(child.name, "name") && name.z == 0)
      name = child.content;
    z = child.zEnd;
  }
  if (name.z)
    pB->isNomem |= !feedc_append_json_decoded(pB->p, pB->pStr, &pB->nItem, name);
}

/* RSS: dc:creator texts joined and split into names as "A, B and C" is;
** Atom: one name per <author>. */
static void feedc_result_authors(const PapersParser *p, sqlite3_context *pCtx) {
  const FeedState *pS = p->pState;
  FeedListBuilder b;
  memset(&b, 0, sizeof(b));
  b.p = p;
  if (pS->item.authors.z == 0) {
    sqlite3_result_null(pCtx);
    return;
  }
  b.pStr = sqlite3_str_new(sqlite3_context_db_handle(pCtx));
  if (pS->kind == FEED_ATOM) {
    sqlite3_str_appendchar(b.pStr, 1, '[');
    feedc_each_element(pS->item.authors, "author", 0, feedc_each_atom_author, &b);
    sqlite3_str_appendchar(b.pStr, 1, ']');
    if (b.isNomem) {
      sqlite3_free(sqlite3_str_finish(b.pStr));
      sqlite3_result_error_nomem(pCtx);
      return;
    }
    papers_result_json(pCtx, b.pStr);
    return;
  }
  feedc_each_element(pS->item.authors, "dc:creator", 0, feedc_each_creator, &b);
  int rc = b.isNomem ? SQLITE_NOMEM : sqlite3_str_errcode(b.pStr);
  int nNames = sqlite3_str_length(b.pStr);
  char *zNames = sqlite3_str_finish(b.pStr);
  if (rc != SQLITE_OK || (zNames == 0 && nNames > 0)) {
    sqlite3_free(zNames);
    sqlite3_result_error_code(pCtx, rc != SQLITE_OK ? rc : SQLITE_NOMEM);
    return;
  }
  PapersSpan names = {zNames ? zNames : "", nNames};
  papers_result_name_list(pCtx, names);
  sqlite3_free(zNames);
}
/* True when z[0..n) reads like an arXiv category: "cs.CL", "hep-th",
** "cond-mat.mes-hall", "q-fin.ST". */
static int feedc_is_arxiv_category(const char *z, i64 n) {
  int nDot = 0;
  if (n < 2 || n > 32 || z[0] < 'a' || z[0] > 'z')
    return 0;
  for (i64 i = 0; i < n; i++) {
    char c = z[i];
    if (c == '.')
      nDot++;
    else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
      return 0;
  }
  return nDot <= 1 && z[n - 1] != '.';
}

/* Adds one category word to the list unless it is there already. */
static void feedc_add_category(FeedListBuilder *pB, const char *z, i64 n) {
  if (n == 0 || feedc_is_arxiv_category(z, n) == pB->isOther)
    return;
  for (int i = 0; i < pB->nSeen; i++) {
    if (pB->aSeen[i].n == n && memcmp(pB->aSeen[i].z, z, (size_t)n) == 0)
      return;
  }
  if (pB->nSeen < FEED_MAX_CATEGORY) {
    pB->aSeen[pB->nSeen].z = z;
    pB->aSeen[pB->nSeen++].n = n;
  }
  if (pB->nItem++ > 0)
    sqlite3_str_appendchar(pB->pStr, 1, ',');
  papers_json_append_string(pB->pStr, z, n);
}

/* Adds the words of a span of category names ("cs.CL cs.AI"). */
static void feedc_add_category_words(FeedListBuilder *pB, PapersSpan span) {
  const char *z = span.z, *zEnd = span.z + span.n;
  while (z < zEnd) {
    while (z < zEnd && (xml_is_space(*z) || *z == ','))
      z++;
    const char *zWord = z;
    while (z < zEnd && !xml_is_space(*z) && *z != ',')
      z++;
    feedc_add_category(pB, zWord, z - zWord);
  }
}

static void feedc_each_category(const XmlElem *pElem, void *pArg) {
  FeedListBuilder *pB = pArg;
  PapersSpan term = xml_attr_value(pElem->attrs, "term");
  PapersSpan text = term.z ? term : papers_trim(pElem->content.z, pElem->content.n);
  if (pB->isOther) {
    if (!feedc_is_arxiv_category(text.z, text.n)) {
      pB->isNomem |= !feedc_append_json_decoded(pB->p, pB->pStr, &pB->nItem, text);
    }
  } else {
    feedc_add_category(pB, text.z, text.n);
  }
}

/* Starts the JSON array of categories (isOther: those not like arXiv's) in
** pB; returns the number of entries. */
static int feedc_build_categories(const PapersParser *p, FeedListBuilder *pB, sqlite3 *db,
                                  int isOther) {
  const FeedState *pS = p->pState;
  memset(pB, 0, sizeof(*pB));
  pB->p = p;
  pB->isOther = isOther;
  pB->pStr = sqlite3_str_new(db);
  sqlite3_str_appendchar(pB->pStr, 1, '[');
  if (!isOther && pS->item.primary.z)
    feedc_add_category_words(pB, pS->item.primary);
  if (pS->item.categories.z) {
    feedc_each_element(pS->item.categories, "category", 0, feedc_each_category, pB);
  }
  sqlite3_str_appendchar(pB->pStr, 1, ']');
  return pB->nItem;
}

static void feedc_result_categories(const PapersParser *p, sqlite3_context *pCtx) {
  FeedListBuilder b;
  if (feedc_build_categories(p, &b, sqlite3_context_db_handle(pCtx), 0) == 0 ||
      b.isNomem) {
    int isNomem = b.isNomem;
    sqlite3_free(sqlite3_str_finish(b.pStr));
    if (isNomem) {
      sqlite3_result_error_nomem(pCtx);
      return;
    }
    sqlite3_result_null(pCtx);
    return;
  }
  papers_result_json(pCtx, b.pStr);
}

/* The announce column: the description's "Announce Type:" or the RSS 1.0
** title's mark, else the arxiv:announce_type element. */
static PapersSpan feedc_announce_span(const PapersParser *p) {
  const FeedState *pS = p->pState;
  return p->rec.announce.z ? p->rec.announce : pS->item.announceType;
}

/* Appends "key":"decoded text" to the extra object when the text is not
** empty; sets *pIsNomem when the text could not be decoded for lack of memory. */
static void feedc_extra_text(const PapersParser *p, sqlite3_str *pStr, int *pnKey,
                             int *pIsNomem, const char *zKey, PapersSpan span,
                             int isInCdata) {
  i64 n;
  if (span.z == 0)
    return;
  char *z = feedc_decode_text(p, span, isInCdata, &n);
  if (z == 0)
    *pIsNomem = 1;
  if (z && n > 0) {
    sqlite3_str_appendf(pStr, "%s\"%s\":", (*pnKey)++ ? "," : "", zKey);
    papers_json_append_string(pStr, z, n);
  }
  sqlite3_free(z);
}

/* extra: what an item states that no column holds: a summary before arXiv's
** prefix, the licence, category texts unlike arXiv's, and an
** arxiv:announce_type element that disagrees with the announce column. */
static void feedc_result_extra(const PapersParser *p, sqlite3_context *pCtx) {
  const FeedState *pS = p->pState;
  const FeedItem *pItem = &pS->item;
  sqlite3 *db = sqlite3_context_db_handle(pCtx);
  sqlite3_str *pStr = sqlite3_str_new(db);
  int nKey = 0, isNomem = 0;
  FeedListBuilder b;
  sqlite3_str_appendchar(pStr, 1, '{');
  feedc_extra_text(p, pStr, &nKey, &isNomem, "summary", pItem->summary, 0);
  feedc_extra_text(p, pStr, &nKey, &isNomem, "rights", pItem->rights, 0);
  if (feedc_build_categories(p, &b, db, 1) > 0) {
    char *zList = sqlite3_str_finish(b.pStr);
    if (zList == 0)
      isNomem = 1;
    sqlite3_str_appendf(pStr, "%s\"category\":%s", nKey++ ? "," : "",
                        zList ? zList : "[]");
    sqlite3_free(zList);
  } else {
    sqlite3_free(sqlite3_str_finish(b.pStr));
  }
  isNomem |= b.isNomem;
  PapersSpan announce = feedc_announce_span(p), element = pItem->announceType;
  if (element.z && announce.z != element.z &&
      (announce.n != element.n ||
       memcmp(announce.z, element.z, (size_t)element.n) != 0)) {
    feedc_extra_text(p, pStr, &nKey, &isNomem, "announce_type", element, 0);
  }
  sqlite3_str_appendchar(pStr, 1, '}');
  if (isNomem) {
    sqlite3_free(sqlite3_str_finish(pStr));
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  if (nKey == 0) {
    sqlite3_free(sqlite3_str_finish(pStr));
    sqlite3_result_null(pCtx);
    return;
  }
  papers_result_json(pCtx, pStr);
}

/* links: the URLs of the decoded title and abstract. */
static void feedc_result_links(const PapersParser *p, sqlite3_context *pCtx) {
  const FeedState *pS = p->pState;
  PapersSpan aSpan[2] = {{0, 0}, {0, 0}};
  char *zTitle = p->rec.title.z ? feedc_decode_text(p, p->rec.title, 0, &aSpan[0].n) : 0;
  char *zAbstract =
      p->rec.abstract.z
          ? feedc_decode_text(p, p->rec.abstract, pS->item.abstractInCdata, &aSpan[1].n)
          : 0;
  if ((p->rec.title.z && zTitle == 0) || (p->rec.abstract.z && zAbstract == 0)) {
    sqlite3_result_error_nomem(pCtx);
  } else {
    aSpan[0].z = zTitle ? zTitle : "";
    aSpan[1].z = zAbstract ? zAbstract : "";
    papers_result_links(pCtx, aSpan, 2);
  }
  sqlite3_free(zTitle);
  sqlite3_free(zAbstract);
}

void papers_feed_column(const PapersParser *p, sqlite3_context *pCtx, int iCol) {
  const PapersRecord *pRec = &p->rec;
  const FeedState *pS = p->pState;
  switch (iCol) {
  case PAPERS_COL_TITLE:
    feedc_result_decoded(p, pCtx, pRec->title, 0);
    break;
  case PAPERS_COL_ABSTRACT:
    feedc_result_decoded(p, pCtx, pRec->abstract, pS->item.abstractInCdata);
    break;
  case PAPERS_COL_AUTHORS:
    feedc_result_authors(p, pCtx);
    break;
  case PAPERS_COL_CATEGORIES:
    feedc_result_categories(p, pCtx);
    break;
  case PAPERS_COL_ANNOUNCE:
    feedc_result_decoded(p, pCtx, feedc_announce_span(p), 0);
    break;
  case PAPERS_COL_DATE_TEXT:
    feedc_result_decoded(p, pCtx, pRec->dateText, 0);
    break;
  case PAPERS_COL_ARXIV_ID:
    feedc_result_decoded(p, pCtx, pRec->arxivId, 0);
    break;
  case PAPERS_COL_COMMENTS:
    feedc_result_decoded(p, pCtx, pRec->comments, 0);
    break;
  case PAPERS_COL_DOI:
    feedc_result_decoded(p, pCtx, pRec->doi, 0);
    break;
  case PAPERS_COL_JOURNAL_REF:
    feedc_result_decoded(p, pCtx, pRec->journalRef, 0);
    break;
  case PAPERS_COL_URL:
    feedc_result_decoded(p, pCtx, pRec->url, 0);
    break;
  case PAPERS_COL_LINKS:
    feedc_result_links(p, pCtx);
    break;
  case PAPERS_COL_EXTRA:
    feedc_result_extra(p, pCtx);
    break;
  default:
    papers_record_result(p, pCtx, iCol);
    break;
  }
}
