/*
** format_hf_markdown_columns.c: the columns of an "hf-markdown" card that the
** record does not hold as they are (format_hf_markdown.h): title and abstract
** with their markdown escapes undone and folded, links (the URLs of the title,
** the abstract and the card's link-only lines) and extra (the submitter and
** the GitHub star count). Every other column is the record's
** (papers_record_result).
*/
#include "format_hf_markdown.h"

#include <string.h>

/* Writes span's markdown text to zOut (at least span.n bytes) with escapes
** undone: "\\" or "\" before a line break or space is a break (dropped, the
** white space stays), "\" before ASCII punctuation is that character. */
static i64 hfmc_unescape_markdown(char *zOut, PapersSpan span) {
  const char *z = span.z, *zEnd = span.z + span.n;
  i64 nOut = 0;
  while (z < zEnd) {
    if (*z != '\\') {
      zOut[nOut++] = *z++;
      continue;
    }
    const char *zNext = z + 1;
    if (zNext < zEnd && *zNext == '\\')
      zNext++;
    if (zNext == zEnd || papers_space_len(zNext, zEnd) > 0) {
      z = zNext; /* a hard line break */
    } else if (z[1] != '\\' && strchr("!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~", z[1])) {
      zOut[nOut++] = z[1];
      z += 2;
    } else {
      zOut[nOut++] = *z++;
      if (z < zEnd && *z == '\\')
        zOut[nOut++] = *z++;
    }
  }
  return nOut;
}

/* Sets the result to the span's text unescaped and folded. */
static void hfmc_result_markdown(sqlite3_context *pCtx, PapersSpan span) {
  char *zText = papers_result_buffer(pCtx, span, 0);
  if (zText == 0)
    return;
  PapersSpan text = {zText, hfmc_unescape_markdown(zText, span)};
  papers_result_folded(pCtx, text);
  sqlite3_free(zText);
}

/* links: the URLs of the title, the abstract and the card's link lines. */
static void hfmc_result_links(const PapersParser *p, sqlite3_context *pCtx) {
  const HfmState *pS = (const HfmState *)p->pState;
  PapersSpan aSpan[2 + HFM_MAX_LINK_LINE];
  char *zAbstract = 0;
  int nSpan = 0;
  aSpan[nSpan++] = p->rec.title;
  if (p->rec.abstract.z) {
    zAbstract =
        sqlite3_malloc64(p->rec.abstract.n > 0 ? (sqlite3_uint64)p->rec.abstract.n : 1);
    if (zAbstract == 0) {
      sqlite3_result_error_nomem(pCtx);
      return;
    }
    aSpan[nSpan].z = zAbstract;
    aSpan[nSpan++].n = hfmc_unescape_markdown(zAbstract, p->rec.abstract);
  }
  for (int i = 0; i < pS->nLinkLine; i++)
    aSpan[nSpan++] = pS->aLinkLine[i];
  papers_result_links(pCtx, aSpan, nSpan);
  sqlite3_free(zAbstract);
}

/* The value of a star count as written: "131", "3.29k" (3290), "1.2m". */
static i64 hfmc_star_value(PapersSpan s) {
  i64 nInt = papers_digits_len(s.z, s.n), v = 0, nScale = 1, nFrac = 0;
  if (nInt == 0 || !papers_parse_count(s.z, nInt, &v))
    return -1;
  PapersSpan rest = {s.z + nInt, s.n - nInt};
  PapersSpan frac = {0, 0};
  if (rest.n > 0 && rest.z[0] == '.') {
    frac.z = rest.z + 1;
    frac.n = papers_digits_len(frac.z, rest.n - 1);
    rest.z += 1 + frac.n;
    rest.n -= 1 + frac.n;
  }
  if (papers_span_is(rest, "k"))
    nScale = 1000;
  else if (papers_span_is(rest, "m"))
    nScale = 1000000;
  else if (rest.n != 0)
    return -1;
  if (frac.n > 6 || v > 1000000000)
    return -1;
  for (i64 i = 0, nDiv = 10; i < frac.n; i++, nDiv *= 10) {
    nFrac += (frac.z[i] - '0') * nScale / nDiv;
  }
  return v * nScale + nFrac;
}

/* extra: {"submitted_by": user, "github_stars": N, "github_stars_text": "N"}
** with the keys the card states; NULL when it states none. */
static void hfmc_result_extra(const PapersParser *p, sqlite3_context *pCtx) {
  const HfmState *pS = (const HfmState *)p->pState;
  if (pS->submitter.z == 0 && pS->githubStars.z == 0) {
    sqlite3_result_null(pCtx);
    return;
  }
  sqlite3_str *pStr = sqlite3_str_new(sqlite3_context_db_handle(pCtx));
  const char *zSep = "{";
  if (pS->submitter.z) {
    sqlite3_str_appendf(pStr, "%s\"submitted_by\":", zSep);
    papers_json_append_string(pStr, pS->submitter.z, pS->submitter.n);
    zSep = ",";
  }
  if (pS->githubStars.z) {
    i64 nStar = hfmc_star_value(pS->githubStars);
    if (nStar >= 0)
      sqlite3_str_appendf(pStr, "%s\"github_stars\":%lld", zSep, nStar);
    sqlite3_str_appendf(pStr, "%s\"github_stars_text\":", nStar >= 0 ? "," : zSep);
    papers_json_append_string(pStr, pS->githubStars.z, pS->githubStars.n);
  }
  sqlite3_str_appendchar(pStr, 1, '}');
  papers_result_json(pCtx, pStr);
}

void papers_hfm_column(const PapersParser *p, sqlite3_context *pCtx, int iCol) {
  switch (iCol) {
  case PAPERS_COL_TITLE:
    hfmc_result_markdown(pCtx, p->rec.title);
    break;
  case PAPERS_COL_ABSTRACT:
    hfmc_result_markdown(pCtx, p->rec.abstract);
    break;
  case PAPERS_COL_LINKS:
    hfmc_result_links(p, pCtx);
    break;
  case PAPERS_COL_EXTRA:
    hfmc_result_extra(p, pCtx);
    break;
  default:
    papers_record_result(p, pCtx, iCol);
    break;
  }
}
