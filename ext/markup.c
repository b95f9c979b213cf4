/*
** markup.c: which bytes of a text are markup, so that the analysis makes no
** terms of them (docs/topic.md, "Markup").
**
** Contract: papers_markup_mask() marks each byte of a text MARKUP_TEXT or
** MARKUP (no token comes from it, and no phrase spans it):
**   - TeX: a command \name is markup and its {argument} is kept (\emph{x},
**     \textbf{x}, {\em x}: braces are markup), except the commands of
**     azDropCommand, whose arguments ([...] and {...}) are markup with them
**     (\cite{...}, \ref{...}, \url{...}, \begin{env}, ...; \href drops its
**     first argument only). A control symbol (\&, \%, an accent \", \\)
**     is markup. Math is markup: $...$ (the opening $ not followed, the
**     closing not preceded, by a space, closed within MARKUP_MAX_MATH bytes),
**     $$...$$, \(...\), \[...\].
**   - HTML: a tag of a known element (<b>, </sub>, <a href=...>, closed by >
**     within MARKUP_MAX_TAG bytes), a comment <!-- ... --> and an entity
**     (&amp; &#233; &#x2014;) are markup.
**   - URLs: http://, https://, ftp:// and www. at the start of a word, to
**     the next white space or < or ", are markup.
** Anything else is MARKUP_TEXT. The scan is linear and reads only the text.
*/
#include "topic.h"

#include <string.h>

#define MARKUP_MAX_MATH     1000 /* bytes of inline math at most */
#define MARKUP_MAX_ARGUMENT 2000 /* bytes of a dropped command's argument */
#define MARKUP_MAX_TAG      256  /* bytes of an HTML tag */

/* TeX commands whose arguments are dropped with them, sorted. */
static const char *const azDropCommand[] = {
    "Cref",
    "autoref",
    "begin",
    "bibitem",
    "bibliography",
    "bibliographystyle",
    "cite",
    "citealp",
    "citealt",
    "citeauthor",
    "citep",
    "citet",
    "citeyear",
    "cref",
    "end",
    "eqref",
    "footnotemark",
    "href",
    "includegraphics",
    "input",
    "label",
    "nocite",
    "pageref",
    "ref",
    "url",
};

/* HTML elements whose tags are markup, sorted. */
static const char *const azHtmlTag[] = {
    "a",    "abbr",   "b",      "big",  "blockquote", "br",    "caption", "code",
    "dd",   "del",    "div",    "dl",   "dt",         "em",    "font",    "h1",
    "h2",   "h3",     "h4",     "h5",   "h6",         "hr",    "i",       "img",
    "ins",  "kbd",    "li",     "mark", "math",       "mi",    "mn",      "mo",
    "mrow", "ol",     "p",      "pre",  "q",          "s",     "samp",    "small",
    "span", "strike", "strong", "sub",  "sup",        "table", "tbody",   "td",
    "th",   "thead",  "tr",     "tt",   "u",          "ul",    "var",
};

static int is_alnum(char c) {
  return papers_is_ascii_letter(c) || (c >= '0' && c <= '9');
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whether z[0..n) is one of the nList words of azList (case-insensitive when
** noCase). */
static int in_list(const char *const *azList, int nList, const char *z, int n,
                   int noCase) {
  for (int i = 0; i < nList; i++) {
    const char *zWord = azList[i];
    if ((int)strlen(zWord) != n)
      continue;
    int j = 0;
    while (j < n &&
           (noCase ? sqlite3_strnicmp(zWord + j, z + j, 1) == 0 : zWord[j] == z[j]))
      j++;
    if (j == n)
      return 1;
  }
  return 0;
}

/* Where the literal zLit next starts in z[i..n), within nMax bytes; -1. */
static int find_within(const char *z, int n, int i, const char *zLit, int nMax) {
  int nLit = (int)strlen(zLit);
  for (int j = i; j + nLit <= n && j - i <= nMax; j++) {
    if (memcmp(z + j, zLit, (size_t)nLit) == 0)
      return j;
  }
  return -1;
}

/* The end of the bracketed group opening at z[i] ('{' or '['), nested
** groups included, within MARKUP_MAX_ARGUMENT bytes; -1 when unclosed. */
static int group_end(const char *z, int n, int i) {
  char cOpen = z[i], cClose = cOpen == '{' ? '}' : ']';
  int depth = 0;
  for (int j = i; j < n && j - i <= MARKUP_MAX_ARGUMENT; j++) {
    if (z[j] == cOpen)
      depth++;
    else if (z[j] == cClose && --depth == 0)
      return j + 1;
  }
  return -1;
}

static void mark(unsigned char *aMask, int iStart, int iEnd) {
  memset(aMask + iStart, MARKUP, (size_t)(iEnd - iStart));
}

/* A TeX command or control symbol at z[i] == '\\'; returns where it ends. */
static int scan_command(const char *z, int n, int i, unsigned char *aMask) {
  int j = i + 1;
  if (j < n && (z[j] == '(' || z[j] == '[')) {
    int iEnd = find_within(z, n, j + 1, z[j] == '(' ? "\\)" : "\\]", MARKUP_MAX_MATH);
    if (iEnd >= 0) {
      mark(aMask, i, iEnd + 2);
      return iEnd + 2;
    }
  }
  if (j >= n || !papers_is_ascii_letter(z[j])) {
    int iEnd = j < n ? j + 1 : j;
    mark(aMask, i, iEnd);
    return iEnd;
  }
  while (j < n && papers_is_ascii_letter(z[j]))
    j++;
  int nDrop = (int)(sizeof(azDropCommand) / sizeof(azDropCommand[0]));
  if (!in_list(azDropCommand, nDrop, z + i + 1, j - i - 1, 0)) {
    mark(aMask, i, j);
    return j;
  }
  int isHref = j - i - 1 == 4 && memcmp(z + i + 1, "href", 4) == 0;
  int iEnd = j < n && z[j] == '*' ? j + 1 : j;
  while (iEnd < n && (z[iEnd] == '[' || z[iEnd] == '{')) {
    int iGroup = group_end(z, n, iEnd);
    if (iGroup < 0)
      break;
    int isBrace = z[iEnd] == '{';
    iEnd = iGroup;
    if (isBrace && (isHref || z[iEnd] != '{'))
      break; /* \href keeps its second argument */
  }
  mark(aMask, i, iEnd);
  return iEnd;
}

/* Inline or display math at z[i] == '$'; returns where it ends, or i + 1
** when this $ opens no math. */
static int scan_dollar(const char *z, int n, int i, unsigned char *aMask) {
  if (i + 1 < n && z[i + 1] == '$') {
    int iEnd = find_within(z, n, i + 2, "$$", MARKUP_MAX_MATH);
    if (iEnd < 0)
      return i + 2;
    mark(aMask, i, iEnd + 2);
    return iEnd + 2;
  }
  if (i + 1 >= n || is_space(z[i + 1]))
    return i + 1;
  for (int j = i + 1; j < n && j - i <= MARKUP_MAX_MATH; j++) {
    if (z[j] == '$' && z[j - 1] != '\\') {
      if (is_space(z[j - 1]))
        return i + 1;
      mark(aMask, i, j + 1);
      return j + 1;
    }
  }
  return i + 1;
}

/* An HTML tag or comment at z[i] == '<'; returns where it ends, or i + 1. */
static int scan_tag(const char *z, int n, int i, unsigned char *aMask) {
  if (n - i >= 4 && memcmp(z + i, "<!--", 4) == 0) {
    int iEnd = find_within(z, n, i + 4, "-->", MARKUP_MAX_ARGUMENT);
    if (iEnd < 0)
      return i + 1;
    mark(aMask, i, iEnd + 3);
    return iEnd + 3;
  }
  int j = i + 1;
  if (j < n && z[j] == '/')
    j++;
  int iName = j;
  while (j < n && is_alnum(z[j]))
    j++;
  int nTag = (int)(sizeof(azHtmlTag) / sizeof(azHtmlTag[0]));
  if (j == iName || j >= n || !(is_space(z[j]) || z[j] == '>' || z[j] == '/') ||
      !in_list(azHtmlTag, nTag, z + iName, j - iName, 1)) {
    return i + 1;
  }
  for (; j < n && j - i <= MARKUP_MAX_TAG && z[j] != '<'; j++) {
    if (z[j] == '>') {
      mark(aMask, i, j + 1);
      return j + 1;
    }
  }
  return i + 1;
}

/* An HTML entity at z[i] == '&'; returns where it ends, or i + 1. */
static int scan_entity(const char *z, int n, int i, unsigned char *aMask) {
  int j = i + 1;
  int isNumeric = j < n && z[j] == '#';
  int isHex = isNumeric && j + 1 < n && (z[j + 1] == 'x' || z[j + 1] == 'X');
  j += isNumeric + isHex;
  int iName = j;
  while (j < n && j - iName < 10 &&
         (isNumeric ? (z[j] >= '0' && z[j] <= '9') ||
                          (isHex &&
                           ((z[j] >= 'a' && z[j] <= 'f') || (z[j] >= 'A' && z[j] <= 'F')))
                    : papers_is_ascii_letter(z[j]))) {
    j++;
  }
  if (j >= n || z[j] != ';' || j - iName < (isNumeric ? 1 : 2))
    return i + 1;
  mark(aMask, i, j + 1);
  return j + 1;
}

/* A URL starting at z[i] (at the start of a word); returns where it ends,
** or i when none starts there. */
static int scan_url(const char *z, int n, int i, unsigned char *aMask) {
  static const char *const azScheme[] = {"http://", "https://", "ftp://", "www."};
  for (int k = 0; k < 4; k++) {
    int nScheme = (int)strlen(azScheme[k]);
    if (n - i > nScheme && sqlite3_strnicmp(z + i, azScheme[k], nScheme) == 0 &&
        !is_space(z[i + nScheme])) {
      int j = i + nScheme;
      while (j < n && !is_space(z[j]) && z[j] != '<' && z[j] != '"')
        j++;
      mark(aMask, i, j);
      return j;
    }
  }
  return i;
}

/* Whether the text holds a byte or a prefix that can start markup: a text
** without any needs no mask. */
static int may_hold_markup(const char *z, int n) {
  for (int i = 0; i < n; i++) {
    char c = z[i];
    if (c == '\\' || c == '{' || c == '}' || c == '$' || c == '<' || c == '&')
      return 1;
    if (c == ':' && n - i >= 3 && z[i + 1] == '/' && z[i + 2] == '/')
      return 1;
    if ((c == 'w' || c == 'W') && n - i >= 4 && sqlite3_strnicmp(z + i, "www.", 4) == 0)
      return 1;
  }
  return 0;
}

/* Fills aMask (n bytes, zeroed) for z[0..n). */
static void scan(const char *z, int n, unsigned char *aMask) {
  int i = 0;
  while (i < n) {
    char c = z[i];
    int iNext = i + 1;
    if (c == '\\') {
      iNext = scan_command(z, n, i, aMask);
    } else if (c == '{' || c == '}') {
      aMask[i] = MARKUP;
    } else if (c == '$') {
      iNext = scan_dollar(z, n, i, aMask);
    } else if (c == '<') {
      iNext = scan_tag(z, n, i, aMask);
    } else if (c == '&') {
      iNext = scan_entity(z, n, i, aMask);
    } else if (i == 0 || !is_alnum(z[i - 1])) {
      int iUrl = scan_url(z, n, i, aMask);
      iNext = iUrl > i ? iUrl : i + 1;
    }
    i = iNext;
  }
}

int papers_markup_mask(const char *z, int n, unsigned char **paMask) {
  *paMask = 0;
  if (!may_hold_markup(z, n))
    return SQLITE_OK;
  unsigned char *aMask = sqlite3_malloc64((sqlite3_uint64)n);
  if (aMask == 0)
    return SQLITE_NOMEM;
  memset(aMask, MARKUP_TEXT, (size_t)n);
  scan(z, n, aMask);
  *paMask = aMask;
  return SQLITE_OK;
}
