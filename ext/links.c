/*
** links.c: the URLs an entry mentions, as the JSON array of the `links` column.
**
** Contract: every http:// or https:// URL in the given spans, in order of first
** appearance, each once. A URL ends at white space or at a character that
** RFC 3986 never allows unescaped (< > " { } | \ ^ `). Punctuation that ends a
** sentence is not part of it: trailing . , ; : ! ? ' and a closing ) or ]
** without its opening partner inside the URL are removed. An entry without
** URLs gives the empty array [].
*/
#include "parse.h"

#include <string.h>

static int link_ends_url(const char *z, const char *zEnd) {
  char c = *z;
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.')
    return 0; /* most bytes of a URL, decided at once */
  if (papers_space_len(z, zEnd) > 0)
    return 1;
  return strchr("<>\"{}|\\^`", c) != 0 && c != 0;
}

static i64 link_count_char(const char *z, i64 n, char c) {
  i64 nFound = 0;
  for (i64 i = 0; i < n; i++)
    nFound += z[i] == c;
  return nFound;
}

/* Length of the URL at z once trailing punctuation is removed. */
static i64 link_trim_url_tail(const char *z, i64 n) {
  while (n > 0) {
    char c = z[n - 1];
    if (strchr(".,;:!?'", c)) {
      n--;
    } else if (c == ')' && link_count_char(z, n, ')') > link_count_char(z, n, '(')) {
      n--;
    } else if (c == ']' && link_count_char(z, n, ']') > link_count_char(z, n, '[')) {
      n--;
    } else {
      break;
    }
  }
  return n;
}

/* Finds the next "http://" or "https://" in [z, zEnd); 0 when there is none.
** It looks for the "://" of one: a colon is much rarer in text than an 'h'. */
static const char *link_find_url_start(const char *z, const char *zEnd) {
  const char *zColon = z;
  while ((zColon = memchr(zColon, ':', (size_t)(zEnd - zColon))) != 0) {
    if (zEnd - zColon >= 3 && zColon[1] == '/' && zColon[2] == '/') {
      if (zColon - z >= 5 && memcmp(zColon - 5, "https", 5) == 0)
        return zColon - 5;
      if (zColon - z >= 4 && memcmp(zColon - 4, "http", 4) == 0)
        return zColon - 4;
    }
    zColon++;
  }
  return 0;
}

#define LINK_FIRST_URLS 16 /* an entry's URLs before any allocation */

typedef struct LinkSeenUrls {
  PapersSpan *aUrl; /* aFirst, or allocated once there are more */
  int nUrl;
  int nAlloc;
  PapersSpan aFirst[LINK_FIRST_URLS];
} LinkSeenUrls;

/* Adds the URL unless already seen; returns 1 when new, 0 when seen, -1 on OOM. */
static int link_seen_urls_add(LinkSeenUrls *pSeen, const char *z, i64 n) {
  for (int i = 0; i < pSeen->nUrl; i++) {
    if (pSeen->aUrl[i].n == n && memcmp(pSeen->aUrl[i].z, z, (size_t)n) == 0)
      return 0;
  }
  if (pSeen->nUrl == pSeen->nAlloc) {
    int nNew = pSeen->nAlloc * 2;
    PapersSpan *aNew = sqlite3_malloc64(sizeof(PapersSpan) * (sqlite3_uint64)nNew);
    if (aNew == 0)
      return -1;
    memcpy(aNew, pSeen->aUrl, sizeof(PapersSpan) * (size_t)pSeen->nUrl);
    if (pSeen->aUrl != pSeen->aFirst)
      sqlite3_free(pSeen->aUrl);
    pSeen->aUrl = aNew;
    pSeen->nAlloc = nNew;
  }
  assert(pSeen->nUrl < pSeen->nAlloc);
  pSeen->aUrl[pSeen->nUrl].z = z;
  pSeen->aUrl[pSeen->nUrl].n = n;
  pSeen->nUrl++;
  return 1;
}

/* Collects the distinct URLs of the spans, in order; 0 when memory ran out. */
static int link_collect(LinkSeenUrls *pSeen, const PapersSpan *aSpan, int nSpan) {
  for (int iSpan = 0; iSpan < nSpan; iSpan++) {
    const char *z = aSpan[iSpan].z;
    const char *zEnd = z ? z + aSpan[iSpan].n : 0;
    while (z && (z = link_find_url_start(z, zEnd)) != 0) {
      const char *zUrlEnd = z;
      while (zUrlEnd < zEnd && !link_ends_url(zUrlEnd, zEnd))
        zUrlEnd++;
      i64 nUrl = link_trim_url_tail(z, zUrlEnd - z);
      assert(nUrl > 0 && z + nUrl <= zEnd);
      if (link_seen_urls_add(pSeen, z, nUrl) < 0)
        return 0;
      z = zUrlEnd;
    }
  }
  return 1;
}

/* Writes the URLs seen (pArg, a LinkSeenUrls) as a JSON array. */
static void link_put_urls(PapersJson *pJson, const void *pArg) {
  const LinkSeenUrls *pSeen = pArg;
  papers_json_put(pJson, "[", 1);
  for (int i = 0; i < pSeen->nUrl; i++) {
    if (i > 0)
      papers_json_put(pJson, ",", 1);
    papers_json_put_string(pJson, pSeen->aUrl[i].z, pSeen->aUrl[i].n);
  }
  papers_json_put(pJson, "]", 1);
}

void papers_result_links(sqlite3_context *pCtx, const PapersSpan *aSpan, int nSpan) {
  LinkSeenUrls seen;
  seen.aUrl = seen.aFirst;
  seen.nUrl = 0;
  seen.nAlloc = LINK_FIRST_URLS;
  if (!link_collect(&seen, aSpan, nSpan))
    sqlite3_result_error_nomem(pCtx);
  else if (seen.nUrl == 0) /* most entries: the array is known, no buffer needed */
    papers_result_json_static(pCtx, "[]");
  else
    papers_result_json_written(pCtx, link_put_urls, &seen);
  if (seen.aUrl != seen.aFirst)
    sqlite3_free(seen.aUrl);
}
