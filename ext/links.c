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
  if (papers_space_len(z, zEnd) > 0)
    return 1;
  return strchr("<>\"{}|\\^`", *z) != 0 && *z != 0;
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

/* Finds the next "http://" or "https://" in [z, zEnd); 0 when there is none. */
static const char *link_find_url_start(const char *z, const char *zEnd) {
  while (z < zEnd) {
    const char *zH = memchr(z, 'h', (size_t)(zEnd - z));
    if (zH == 0)
      return 0;
    i64 nLeft = zEnd - zH;
    if (nLeft >= 8 && memcmp(zH, "https://", 8) == 0)
      return zH;
    if (nLeft >= 7 && memcmp(zH, "http://", 7) == 0)
      return zH;
    z = zH + 1;
  }
  return 0;
}

typedef struct LinkSeenUrls {
  PapersSpan *aUrl;
  int nUrl;
  int nAlloc;
} LinkSeenUrls;

/* Adds the URL unless already seen; returns 1 when new, 0 when seen, -1 on OOM. */
static int link_seen_urls_add(LinkSeenUrls *pSeen, const char *z, i64 n) {
  for (int i = 0; i < pSeen->nUrl; i++) {
    if (pSeen->aUrl[i].n == n && memcmp(pSeen->aUrl[i].z, z, (size_t)n) == 0)
      return 0;
  }
  if (pSeen->nUrl == pSeen->nAlloc) {
    int nNew = pSeen->nAlloc ? pSeen->nAlloc * 2 : 8;
    PapersSpan *aNew =
        sqlite3_realloc64(pSeen->aUrl, sizeof(PapersSpan) * (sqlite3_uint64)nNew);
    if (aNew == 0)
      return -1;
    pSeen->aUrl = aNew;
    pSeen->nAlloc = nNew;
  }
  assert(pSeen->nUrl < pSeen->nAlloc);
  pSeen->aUrl[pSeen->nUrl].z = z;
  pSeen->aUrl[pSeen->nUrl].n = n;
  pSeen->nUrl++;
  return 1;
}

void papers_result_links(sqlite3_context *pCtx, const PapersSpan *aSpan, int nSpan) {
  sqlite3_str *pStr = sqlite3_str_new(sqlite3_context_db_handle(pCtx));
  LinkSeenUrls seen = {0, 0, 0};
  int isOom = 0;
  sqlite3_str_appendchar(pStr, 1, '[');
  for (int iSpan = 0; iSpan < nSpan && !isOom; iSpan++) {
    const char *z = aSpan[iSpan].z;
    const char *zEnd = z ? z + aSpan[iSpan].n : 0;
    while (z && (z = link_find_url_start(z, zEnd)) != 0) {
      const char *zUrlEnd = z;
      while (zUrlEnd < zEnd && !link_ends_url(zUrlEnd, zEnd))
        zUrlEnd++;
      i64 nUrl = link_trim_url_tail(z, zUrlEnd - z);
      assert(nUrl > 0 && z + nUrl <= zEnd);
      int rc = link_seen_urls_add(&seen, z, nUrl);
      if (rc < 0) {
        isOom = 1;
        break;
      }
      if (rc > 0) {
        if (seen.nUrl > 1)
          sqlite3_str_appendchar(pStr, 1, ',');
        papers_json_append_string(pStr, z, nUrl);
      }
      z = zUrlEnd;
    }
  }
  sqlite3_str_appendchar(pStr, 1, ']');
  sqlite3_free(seen.aUrl);
  if (isOom) {
    sqlite3_free(sqlite3_str_finish(pStr));
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  papers_result_json(pCtx, pStr);
}
