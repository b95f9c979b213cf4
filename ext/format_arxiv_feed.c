/*
** format_arxiv_feed.c: arXiv's feeds, "arxiv-rss" and "arxiv-atom".
** docs/format-arxiv-feed.md describes them for users.
**
**   arxiv-rss   RSS 2.0 (<rss>, arXiv's form since 2024) and the older RSS 1.0
**               (<rdf:RDF>), whose titles read "Title. (arXiv:ID [cat] UPDATED)"
**               and whose descriptions and dc:creator hold escaped HTML.
**   arxiv-atom  Atom (<feed>): arXiv's Atom feed and its export API's answers.
**
** This is a digest reader, not an XML library: parse_xml.c finds elements
** and decodes their text, this file says what each element means. The
** contract:
**   - One <item> (or <entry>) per xStep, found by a forward scan for '<' that
**     skips comments and CDATA sections; everything outside items (the
**     channel's own title, dates ...) is feed furniture and skipped. No tree is
**     built and the input is not copied: the record holds spans of the input.
**   - Inside an item each child element is dispatched on its name (see
**     feed_take_element()); an element no column takes is reported as a reject, as
**     is an element whose end tag is missing. Rejects per step are bounded:
**     after PAPERS_MAX_REJECTS - 1 of them the last one grows to cover the rest.
**   - Text is decoded when a column is read, not when the item is scanned
**     (format_arxiv_feed_columns.c says how).
**   - arXiv's description prefix "arXiv:ID Announce Type: TYPE Abstract:" is not
**     part of the abstract: it gives arxiv_id, arxiv_version and announce. Text
**     before it (a re-publisher's own summary) lands in extra.summary.
**   - arxiv_id and arxiv_version come from the first of: the guid or Atom id
**     ("oai:arXiv.org:" prefixes, even doubled, or an /abs/ URL), the
**     description prefix, the link, the RSS 1.0 title.
**   - Input that is not XML, a root element that is not this format's, and a
**     feed cut short are reported through papers_unparsed; what came before the
**     cut is parsed.
**
** Memory: one state object per parse (FeedState) holding the scan and the
** current item's spans that record.c has no slot for. The columns are built
** in format_arxiv_feed_columns.c from that state and the record
** (format_arxiv_feed.h).
*/
#include "format_arxiv_feed.h"

#include <string.h>

/* xStep's progress (PapersParser.iState). */
enum { FEED_STATE_PROLOG = 0, FEED_STATE_ITEMS = 1, FEED_STATE_DONE = 2 };

/* How trustworthy a date element is: a later one replaces an earlier one of
** lower rank only. */
enum {
  FEED_DATE_NONE = 0,
  FEED_DATE_UPDATED = 1,
  FEED_DATE_DC = 2,
  FEED_DATE_PUBLISHED = 3
};

/* Counts the line ends in [z, zEnd): LF, CRLF, and a lone CR when hasCR. */
static i64 feed_count_lines(const char *z, const char *zEnd, int hasCR) {
  i64 nLine = 0;
  const char *zLf;
  for (const char *zAt = z; (zLf = memchr(zAt, '\n', (size_t)(zEnd - zAt))) != 0;) {
    nLine++;
    zAt = zLf + 1;
  }
  if (hasCR) {
    for (const char *zCr = z; (zCr = memchr(zCr, '\r', (size_t)(zEnd - zCr))) != 0;
         zCr++) {
      if (zCr + 1 >= zEnd || zCr[1] != '\n')
        nLine++;
    }
  }
  return nLine;
}

/* Moves the scan to zTo (never backwards), keeping its line number. */
static void feed_advance(FeedState *pS, const char *zTo) {
  if (zTo <= pS->zPos)
    return;
  pS->iLine += feed_count_lines(pS->zPos, zTo, pS->hasCR);
  pS->zPos = zTo;
}

/* ---- values found in text -------------------------------------------- */

/* Finds an identifier in a guid, an Atom id or a link: after any number of
** "oai:arXiv.org:" prefixes, after "arXiv:", or after "/abs/". */
static i64 feed_id_from_reference(PapersSpan ref, PapersSpan *pId, i64 *pVersion) {
  PapersSpan s = papers_trim(ref.z, ref.n);
  const char *z = s.z, *zEnd = s.z + s.n;
  const char *zAbs;
  while (papers_has_prefix(z, zEnd, "oai:arXiv.org:"))
    z += 14;
  if (papers_has_prefix(z, zEnd, "arXiv:"))
    z += 6;
  if ((zAbs = papers_find(z, zEnd, "/abs/")) != 0)
    z = zAbs + 5;
  return papers_arxiv_id_read(z, zEnd - z, pId, pVersion);
}

/* Takes an identifier from a source unless an earlier source gave one; a
** later source may still give the version of the same identifier. */
static void feed_offer_id(PapersRecord *pRec, PapersSpan id, i64 iVersion) {
  if (pRec->arxivId.z == 0) {
    pRec->arxivId = id;
    pRec->arxivVersion = iVersion;
  } else if (pRec->arxivVersion < 0 && id.n == pRec->arxivId.n &&
             memcmp(id.z, pRec->arxivId.z, (size_t)id.n) == 0) {
    pRec->arxivVersion = iVersion;
  }
}

static void feed_offer_reference(PapersRecord *pRec, PapersSpan ref) {
  PapersSpan id;
  i64 iVersion;
  if (feed_id_from_reference(ref, &id, &iVersion))
    feed_offer_id(pRec, id, iVersion);
}

/* Reads "Fri, 01 Aug 2025 00:00:00 -0400" (RFC 822, weekday optional) or an
** ISO date ("2024-02-01T00:00:00-05:00"); 0 when it is neither. The date is
** the one written, in the writer's own time zone. */
static PapersDate feed_parse_feed_date(PapersSpan text) {
  PapersSpan s = papers_trim(text.z, text.n);
  const char *z = s.z, *zEnd = s.z + s.n;
  PapersDate date = 0;
  if (s.n >= 10 && z[4] == '-') {
    papers_date_from_iso(z, 10, &date);
    return date;
  }
  const char *zComma = memchr(z, ',', (size_t)(s.n < 12 ? s.n : 12));
  if (zComma)
    z = zComma + 1;
  while (z < zEnd && *z == ' ')
    z++;
  i64 nDay = papers_digits_len(z, zEnd - z);
  if (nDay < 1 || nDay > 2 || z + nDay >= zEnd || z[nDay] != ' ')
    return 0;
  int iDay = nDay == 1 ? z[0] - '0' : (z[0] - '0') * 10 + z[1] - '0';
  const char *zMonth = z + nDay + 1;
  const char *zMonthEnd = zMonth;
  while (zMonthEnd < zEnd && *zMonthEnd != ' ')
    zMonthEnd++;
  int iMonth = papers_month_from_name(zMonth, zMonthEnd - zMonth);
  const char *zYear = zMonthEnd + 1;
  if (iMonth == 0 || zYear >= zEnd || papers_digits_len(zYear, zEnd - zYear) != 4)
    return 0;
  int iYear = (zYear[0] - '0') * 1000 + (zYear[1] - '0') * 100 + (zYear[2] - '0') * 10 +
              (zYear[3] - '0');
  papers_date_make(iYear, iMonth, iDay, &date);
  return date;
}

/* ---- one item ---------------------------------------------------------- */

/* Records a reject of [zStart, zEnd) starting at line iLine, folding it into
** the last one when the step has no room left. */
static void feed_reject_at(PapersParser *p, const char *zStart, const char *zEnd,
                           i64 iLine, const char *zReason) {
  if (p->nReject < PAPERS_MAX_REJECTS - 1) {
    papers_parser_reject(p, zStart, zEnd, iLine, zReason);
  } else if (p->nReject == PAPERS_MAX_REJECTS - 1) {
    papers_parser_reject(p, zStart, zEnd, iLine,
                         "this and what follows: no column takes it");
  } else {
    p->aReject[PAPERS_MAX_REJECTS - 1].zEnd = zEnd;
  }
}

/* Records a reject at zStart, which must lie at or after the scan. */
static void feed_reject(PapersParser *p, const char *zStart, const char *zEnd,
                        const char *zReason) {
  FeedState *pS = p->pState;
  feed_advance(pS, zStart);
  feed_reject_at(p, zStart, zEnd, pS->iLine, zReason);
}

/* True when [z, zEnd) is inside a CDATA section, reading from zFrom (which
** is not). */
static int feed_in_cdata(const char *zFrom, const char *z) {
  int isIn = 0;
  while (zFrom < z) {
    const char *zHit = papers_find(zFrom, z, isIn ? "]]>" : "<![CDATA[");
    if (zHit == 0)
      break;
    zFrom = zHit + (isIn ? 3 : 9);
    isIn = !isIn;
  }
  return isIn;
}

/* Splits a description or summary: arXiv's "arXiv:ID Announce Type: TYPE
** Abstract:" prefix gives id, version and announce; text before it is a
** summary of the re-publisher's; the abstract is what follows "Abstract:". */
static void feed_take_description(PapersParser *p, PapersSpan content) {
  PapersRecord *pRec = &p->rec;
  FeedItem *pItem = &((FeedState *)p->pState)->item;
  const char *zEnd = content.z + content.n;
  const char *zType = papers_find(content.z, zEnd, " Announce Type:");
  const char *zMark = 0;
  for (const char *z = zType; z && z > content.z && zType - z < 48 && zMark == 0;) {
    z--;
    if (papers_has_prefix(z, zEnd, "arXiv:"))
      zMark = z;
  }
  pRec->abstract = content;
  if (zMark == 0)
    return;
  PapersSpan id;
  i64 iVersion;
  if (papers_arxiv_id_read(zMark + 6, zEnd - (zMark + 6), &id, &iVersion))
    feed_offer_id(pRec, id, iVersion);
  const char *zWord = zType + 15;
  while (zWord < zEnd && *zWord == ' ')
    zWord++;
  const char *zWordEnd = zWord;
  while (zWordEnd < zEnd &&
         ((*zWordEnd >= 'a' && *zWordEnd <= 'z') || *zWordEnd == '-')) {
    zWordEnd++;
  }
  if (zWordEnd > zWord) {
    pRec->announce.z = zWord;
    pRec->announce.n = zWordEnd - zWord;
  }
  pItem->summary.z = content.z;
  pItem->summary.n = zMark - content.z;
  PapersSpan rest = papers_trim(zWordEnd, zEnd - zWordEnd);
  const char *zAbstract = rest.z;
  if (papers_has_prefix(zAbstract, zEnd, "Abstract:"))
    zAbstract += 9;
  pRec->abstract.z = zAbstract;
  pRec->abstract.n = zEnd - zAbstract;
  pItem->abstractInCdata = feed_in_cdata(content.z, zAbstract);
}

/* Reads the RSS 1.0 title "Title. (arXiv:ID [cat] UPDATED)": the title is
** what comes before ". (arXiv:"; UPDATED is a replacement, CROSS LISTED a
** cross-list, nothing a new paper. */
static void feed_take_rdf_title(PapersParser *p, PapersSpan content) {
  static const char zMarker[] = ". (arXiv:";
  PapersRecord *pRec = &p->rec;
  const char *zEnd = content.z + content.n;
  const char *zMark = 0, *zHit;
  for (const char *z = content.z; (zHit = papers_find(z, zEnd, zMarker)) != 0;
       z = zHit + 1) {
    zMark = zHit;
  }
  pRec->title = content;
  if (zMark == 0)
    return;
  const char *z = zMark + sizeof(zMarker) - 1;
  PapersSpan id;
  i64 iVersion;
  i64 nId = papers_arxiv_id_read(z, zEnd - z, &id, &iVersion);
  if (nId == 0)
    return;
  pRec->title.n = zMark - content.z;
  feed_offer_id(pRec, id, iVersion);
  z += nId;
  const char *zOpen = z < zEnd && z[0] == ' ' && z + 1 < zEnd && z[1] == '[' ? z + 2 : 0;
  const char *zClose = zOpen ? memchr(zOpen, ']', (size_t)(zEnd - zOpen)) : 0;
  if (zClose) {
    ((FeedState *)p->pState)->item.primary.z = zOpen;
    ((FeedState *)p->pState)->item.primary.n = zClose - zOpen;
    z = zClose + 1;
  }
  if (papers_find(z, zEnd, "UPDATED")) {
    pRec->announce.z = "replace";
  } else if (papers_find(z, zEnd, "CROSS LISTED")) {
    pRec->announce.z = "cross";
  } else {
    pRec->announce.z = "new";
  }
  pRec->announce.n = (i64)strlen(pRec->announce.z);
}

/* Widens a range of elements (authors, categories) to cover pElem. */
static void feed_widen(PapersSpan *pRange, const XmlElem *pElem) {
  if (pRange->z == 0)
    pRange->z = pElem->zStart;
  pRange->n = pElem->zEnd - pRange->z;
}

static void feed_take_date(PapersParser *p, const XmlElem *pElem, int rank) {
  FeedItem *pItem = &((FeedState *)p->pState)->item;
  if (rank <= pItem->dateRank)
    return;
  pItem->dateRank = rank;
  p->rec.dateText = papers_trim(pElem->content.z, pElem->content.n);
  p->rec.published = feed_parse_feed_date(pElem->content);
  if (p->rec.published == 0) {
    feed_reject(p, pElem->zStart, pElem->zEnd, "date not understood: published is NULL");
  }
}

/* Atom's <link>: rel="alternate" (or none) is the paper's page; a link titled
** "doi" gives the DOI when arxiv:doi does not. Other links are not kept. */
static void feed_take_atom_link(PapersParser *p, const XmlElem *pElem) {
  PapersSpan rel = xml_attr_value(pElem->attrs, "rel");
  PapersSpan title = xml_attr_value(pElem->attrs, "title");
  PapersSpan href = xml_attr_value(pElem->attrs, "href");
  if (href.z == 0)
    return;
  if ((rel.z == 0 || papers_span_is(rel, "alternate")) && p->rec.url.z == 0) {
    p->rec.url = href;
  } else if (title.z && papers_span_is(title, "doi") && p->rec.doi.z == 0) {
    const char *zDoi = papers_find(href.z, href.z + href.n, "/10.");
    if (zDoi) {
      p->rec.doi.z = zDoi + 1;
      p->rec.doi.n = href.z + href.n - zDoi - 1;
    }
  }
}

/* Places one child element of an item; returns 0 when no column takes it. */
static int feed_take_element(PapersParser *p, const XmlElem *pElem) {
  PapersRecord *pRec = &p->rec;
  FeedState *pS = p->pState;
  FeedItem *pItem = &pS->item;
  PapersSpan name = pElem->name, content = pElem->content;
  if (papers_span_is(name, "title")) {
    if (pS->kind == FEED_RDF)
      feed_take_rdf_title(p, content);
    else
      pRec->title = content;
  } else if (papers_span_is(name, "link")) {
    if (pS->kind == FEED_ATOM) {
      feed_take_atom_link(p, pElem);
    } else {
      pRec->url = papers_trim(content.z, content.n);
    }
  } else if (papers_span_is(name, "description") || papers_span_is(name, "summary") ||
             papers_span_is(name, "content")) {
    if (pRec->abstract.z == 0)
      feed_take_description(p, content);
  } else if (papers_span_is(name, "guid") || papers_span_is(name, "id")) {
    feed_offer_reference(pRec, content);
  } else if (papers_span_is(name, "category")) {
    feed_widen(&pItem->categories, pElem);
  } else if (papers_span_is(name, "arxiv:primary_category")) {
    pItem->primary = xml_attr_value(pElem->attrs, "term");
  } else if (papers_span_is(name, "pubDate") || papers_span_is(name, "published")) {
    feed_take_date(p, pElem, FEED_DATE_PUBLISHED);
  } else if (papers_span_is(name, "dc:date")) {
    feed_take_date(p, pElem, FEED_DATE_DC);
  } else if (papers_span_is(name, "updated")) {
    feed_take_date(p, pElem, FEED_DATE_UPDATED);
  } else if (papers_span_is(name, "dc:creator") || papers_span_is(name, "author")) {
    feed_widen(&pItem->authors, pElem);
  } else if (papers_span_is(name, "arxiv:announce_type")) {
    pItem->announceType = papers_trim(content.z, content.n);
  } else if (papers_span_is(name, "dc:rights") || papers_span_is(name, "rights")) {
    pItem->rights = content;
  } else if (papers_span_is(name, "arxiv:DOI") || papers_span_is(name, "arxiv:doi")) {
    pRec->doi = content;
  } else if (papers_span_is(name, "arxiv:journal_reference") ||
             papers_span_is(name, "arxiv:journal_ref")) {
    pRec->journalRef = content;
  } else if (papers_span_is(name, "arxiv:comment")) {
    pRec->comments = content;
  } else {
    return 0;
  }
  return 1;
}

/* Ends the item starting at zItem on line iLine at the end of the input:
** what it held is not a row. */
static int feed_item_truncated(PapersParser *p, const char *zItem, i64 iLine) {
  FeedState *pS = p->pState;
  p->hasRecord = 0;
  feed_reject_at(p, zItem, pS->zEnd, iLine,
                 "the feed ends inside this item: it is cut short");
  p->iState = FEED_STATE_DONE;
  return 1;
}

/* Reads the item whose start tag has been read into pItemElem. */
static int feed_read_item(PapersParser *p, const XmlElem *pItemElem) {
  FeedState *pS = p->pState;
  XmlElem elem;
  feed_advance(pS, pItemElem->zStart);
  papers_record_start(p, pS->iLine);
  memset(&pS->item, 0, sizeof(pS->item));
  if (pItemElem->zEnd) { /* <item/> */
    feed_reject(p, pItemElem->zStart, pItemElem->zEnd, "an empty item");
    feed_advance(pS, pItemElem->zEnd);
    return 1;
  }
  const char *z = pItemElem->content.z;
  for (;;) {
    switch (xml_next_child(z, pS->zEnd, pItemElem->name, &elem)) {
    case XML_CHILD_EOF:
      return feed_item_truncated(p, pItemElem->zStart, p->rec.iLine);
    case XML_CHILD_CLOSE:
      if (p->rec.arxivId.z == 0 && p->rec.url.z)
        feed_offer_reference(&p->rec, p->rec.url);
      p->hasRecord = 1;
      feed_advance(pS, elem.zEnd);
      return 1;
    case XML_CHILD_TEXT:
      feed_reject(p, elem.zStart, elem.zEnd, "text outside any element");
      break;
    case XML_CHILD_STRAY:
      feed_reject(p, elem.zStart, elem.zEnd, "an end tag without its start tag");
      break;
    case XML_CHILD_UNCLOSED:
      feed_reject(p, elem.zStart, elem.zEnd, "an element without its end tag");
      break;
    default:
      if (!feed_take_element(p, &elem)) {
        feed_reject(p, elem.zStart, elem.zEnd, "an element no column takes");
      }
      break;
    }
    z = elem.zEnd;
  }
}

/* ---- the feed ---------------------------------------------------------- */

/* The line around z, for a reject that names where the input goes wrong; it
** may start before the scan (the last line of a feed cut short). */
static void feed_reject_line_at(PapersParser *p, const char *z, const char *zReason) {
  FeedState *pS = p->pState;
  const char *zStart = z;
  while (zStart > p->lines.z && zStart[-1] != '\n' && zStart[-1] != '\r')
    zStart--;
  const char *zEnd = z;
  while (zEnd < pS->zEnd && *zEnd != '\n' && *zEnd != '\r')
    zEnd++;
  if (zStart >= pS->zPos) {
    feed_reject(p, zStart, zEnd, zReason);
  } else {
    i64 iLine = pS->iLine - feed_count_lines(zStart, pS->zPos, pS->hasCR);
    feed_reject_at(p, zStart, zEnd, iLine, zReason);
  }
}

/* The kind of feed whose root element is name, or 0. */
static int feed_root_kind(PapersSpan name) {
  if (papers_span_is(name, "rss"))
    return FEED_RSS;
  if (papers_span_is(name, "rdf:RDF"))
    return FEED_RDF;
  if (papers_span_is(name, "feed"))
    return FEED_ATOM;
  return 0;
}

/* Reads up to and including the root's start tag. Returns 0 (after a reject)
** when the text is not XML or not a feed of this format. */
static int feed_read_prolog(PapersParser *p) {
  FeedState *pS = p->pState;
  const char *z = pS->zPos;
  for (;;) {
    PapersSpan rest = papers_trim(z, pS->zEnd - z);
    z = rest.z;
    if (rest.n == 0)
      return 0;
    if (*z != '<') {
      feed_reject_line_at(p, z, "not XML: an arXiv feed starts with '<'");
      return 0;
    }
    if (z + 1 < pS->zEnd && (z[1] == '?' || z[1] == '!')) {
      const char *zNext = xml_skip_special(z, pS->zEnd);
      if (zNext == 0) {
        feed_reject_line_at(p, z, "not XML: markup that is never closed");
        return 0;
      }
      z = zNext;
      continue;
    }
    XmlElem root;
    if (xml_read_start_tag(z, pS->zEnd, &root) == 0 || root.name.n == 0) {
      feed_reject_line_at(p, z, "not XML: a start tag that is never closed");
      return 0;
    }
    pS->kind = feed_root_kind(root.name);
    int isAtom = p->pFormat == &papers_format_arxiv_atom;
    if (pS->kind == 0 || (pS->kind == FEED_ATOM) != isAtom) {
      feed_reject_line_at(p, z,
                          pS->kind == 0
                              ? "not an arXiv feed: the root element is not <rss>, "
                                "<rdf:RDF> or <feed>"
                          : isAtom ? "an RSS feed: read it with format 'arxiv-rss'"
                                   : "an Atom feed: read it with format 'arxiv-atom'");
      return 0;
    }
    feed_advance(pS, root.content.z);
    return 1;
  }
}

/* Scans from the current position to the next item's start tag, skipping
** feed furniture. Returns 1 with the item in pElem, 0 at the root's end tag
** (or after a reject when the feed ends without one). */
static int feed_find_item(PapersParser *p, XmlElem *pElem) {
  FeedState *pS = p->pState;
  const char *zItem = pS->kind == FEED_ATOM ? "entry" : "item";
  size_t nItem = strlen(zItem);
  const char *z = pS->zPos;
  const char *zLt;
  while ((zLt = memchr(z, '<', (size_t)(pS->zEnd - z))) != 0) {
    const char *zName = zLt + 1;
    if (zName < pS->zEnd && (*zName == '!' || *zName == '?')) {
      z = xml_skip_special(zLt, pS->zEnd);
      if (z == 0)
        break;
      continue;
    }
    if (zName < pS->zEnd && *zName == '/') {
      PapersSpan name = {zName + 1, 0};
      while (zName + 1 + name.n < pS->zEnd && xml_is_name_char(name.z[name.n]))
        name.n++;
      if (feed_root_kind(name) == pS->kind)
        return 0;
    } else if (papers_has_prefix(zName, pS->zEnd, zItem) && zName + nItem < pS->zEnd &&
               !xml_is_name_char(zName[nItem])) {
      if (xml_read_start_tag(zLt, pS->zEnd, pElem))
        return 1;
      feed_advance(pS, zLt);
      feed_item_truncated(p, zLt, pS->iLine);
      return 0;
    }
    z = zLt + 1;
  }
  PapersSpan all = papers_trim(p->lines.z, pS->zEnd - p->lines.z);
  feed_reject_line_at(p, all.n > 0 ? all.z + all.n - 1 : pS->zEnd,
                      "the feed ends without its closing tag: it may be cut short");
  return 0;
}

static int feed_step(PapersParser *p) {
  FeedState *pS = p->pState;
  if (pS == 0) {
    pS = p->pState = sqlite3_malloc64(sizeof(FeedState));
    if (pS == 0) {
      p->rc = SQLITE_NOMEM;
      return 0;
    }
    memset(pS, 0, sizeof(*pS));
    pS->zPos = p->lines.z;
    pS->zEnd = p->lines.z + p->lines.n;
    pS->iLine = 1;
    pS->hasCR = p->lines.hasCR;
  }
  if (p->iState == FEED_STATE_DONE)
    return 0;
  if (p->iState == FEED_STATE_PROLOG) {
    if (!feed_read_prolog(p)) {
      p->iState = FEED_STATE_DONE;
      return 1;
    }
    p->iState = FEED_STATE_ITEMS;
  }
  XmlElem item;
  if (!feed_find_item(p, &item)) {
    p->iState = FEED_STATE_DONE;
    return 1;
  }
  return feed_read_item(p, &item);
}

static void feed_free(PapersParser *p) {
  sqlite3_free(p->pState);
}

/* ---- detection ---------------------------------------------------------- */

/* The root element's name in the first bytes, after the XML declaration,
** comments and a DOCTYPE; an absent span when the text does not start so. */
static PapersSpan feed_detect_root(const char *z, i64 n) {
  PapersSpan none = {0, 0};
  const char *zEnd = z + n;
  for (;;) {
    PapersSpan rest = papers_trim(z, zEnd - z);
    z = rest.z;
    if (rest.n < 2 || *z != '<')
      return none;
    if (z[1] != '?' && z[1] != '!')
      break;
    z = xml_skip_special(z, zEnd);
    if (z == 0)
      return none;
  }
  PapersSpan name = {z + 1, 0};
  while (name.z + name.n < zEnd && xml_is_name_char(name.z[name.n]))
    name.n++;
  return name;
}

/* 80 for a feed that mentions arXiv near its start, 60 for another feed. */
static int feed_detect_score(const char *z, i64 n, int isAtom) {
  int kind = feed_root_kind(feed_detect_root(z, n));
  if (kind == 0 || (kind == FEED_ATOM) != isAtom)
    return 0;
  i64 nLook = n < 4096 ? n : 4096;
  return papers_find(z, z + nLook, "arxiv") || papers_find(z, z + nLook, "arXiv") ? 80
                                                                                  : 60;
}

static int feed_rss_detect(const char *z, i64 n) {
  return feed_detect_score(z, n, 0);
}

static int feed_atom_detect(const char *z, i64 n) {
  return feed_detect_score(z, n, 1);
}

const PapersFormat papers_format_arxiv_rss = {
    "arxiv-rss",
    "item",
    "arXiv RSS feed: RSS 2.0, or the older RSS 1.0 (RDF) form",
    "<?xml version=\"1.0\"?>\n"
    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
    "<channel><title>cs.CL updates on arXiv.org</title>\n"
    "<item>\n"
    "<title>Streaming Feed Readers</title>\n"
    "<link>https://arxiv.org/abs/2402.00101</link>\n"
    "<description>arXiv:2402.00101v1 Announce Type: new \n"
    "Abstract: We study streaming readers of feeds.</description>\n"
    "<guid>oai:arXiv.org:2402.00101v1</guid>\n"
    "<category>cs.CL</category>\n"
    "<pubDate>Thu, 01 Feb 2024 00:00:00 -0500</pubDate>\n"
    "<dc:creator>Ana Garcia, Bo Li</dc:creator>\n"
    "</item>\n"
    "</channel>\n"
    "</rss>\n",
    feed_rss_detect,
    feed_step,
    papers_feed_column,
    feed_free,
};

const PapersFormat papers_format_arxiv_atom = {
    "arxiv-atom",
    "entry",
    "arXiv Atom feed (and arXiv API answers)",
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
    "xmlns:arxiv=\"http://arxiv.org/schemas/atom\">\n"
    "<title>cs.CL updates on arXiv.org</title>\n"
    "<entry>\n"
    "<id>oai:arXiv.org:2402.00101v1</id>\n"
    "<title>Streaming Feed Readers</title>\n"
    "<link href=\"https://arxiv.org/abs/2402.00101\" rel=\"alternate\" "
    "type=\"text/html\"/>\n"
    "<summary>arXiv:2402.00101v1 Announce Type: new \n"
    "Abstract: We study streaming readers of feeds.</summary>\n"
    "<category term=\"cs.CL\"/>\n"
    "<published>2024-02-01T00:00:00-05:00</published>\n"
    "<author><name>Ana Garcia</name></author>\n"
    "</entry>\n"
    "</feed>\n",
    feed_atom_detect,
    feed_step,
    papers_feed_column,
    feed_free,
};
