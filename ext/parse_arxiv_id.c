/*
** parse_arxiv_id.c: the one reader of arXiv identifiers, for every format.
**
** arXiv has written two forms since 1991 (arxiv.org/help/arxiv_identifier):
**   - new style, from April 2007: YYMM.NNNN, and from January 2015
**     YYMM.NNNNN ("0704.0001", "2507.22914");
**   - old style, before: archive[.SC]/YYMMNNN ("hep-th/9901001",
**     "math.AG/0601001"): an archive name of lower-case letters and hyphens,
**     an optional subject class of two upper-case letters, seven digits.
** Either may carry a version, "v" and 1 to 9 digits ("2507.22914v2").
**
** Case is decided here once: arXiv prints archive names in lower case and
** subject classes in upper case, and so must the text; "HEP-TH/9901001" or
** "math.ag/0601001" is no identifier (its format reports the line instead of
** inventing an id arXiv does not know). A version of ten or more digits is
** no version. Both functions read no byte at or past z[n], allocate nothing,
** write their outputs only when they find an identifier, and answer the
** same for the same bytes.
*/
#include "parse.h"

/* Length of a new-style identifier at z, or 0. */
static i64 arxiv_new_style(const char *z, i64 n) {
  if (papers_digits_len(z, n) != 4 || n < 5 || z[4] != '.')
    return 0;
  i64 nSerial = papers_digits_len(z + 5, n - 5);
  return nSerial == 4 || nSerial == 5 ? 5 + nSerial : 0;
}

/* Length of an old-style identifier at z, or 0. */
static i64 arxiv_old_style(const char *z, i64 n) {
  i64 i = 0;
  while (i < n && ((z[i] >= 'a' && z[i] <= 'z') || (i > 0 && z[i] == '-')))
    i++;
  if (i == 0)
    return 0;
  if (i + 3 <= n && z[i] == '.' && z[i + 1] >= 'A' && z[i + 1] <= 'Z' &&
      z[i + 2] >= 'A' && z[i + 2] <= 'Z')
    i += 3;
  if (i >= n || z[i] != '/' || papers_digits_len(z + i + 1, n - i - 1) != 7)
    return 0;
  return i + 8;
}

i64 papers_arxiv_id_read(const char *z, i64 n, PapersSpan *pId, i64 *pVersion) {
  i64 nId = arxiv_new_style(z, n);
  if (nId == 0)
    nId = arxiv_old_style(z, n);
  if (nId == 0)
    return 0;
  i64 nRead = nId, iVersion = -1;
  if (nId < n && z[nId] == 'v') {
    /* nine digits at most: papers_parse_count() cannot overflow */
    i64 nDigit = papers_digits_len(z + nId + 1, n - nId - 1);
    if (nDigit >= 1 && nDigit <= 9 && papers_parse_count(z + nId + 1, nDigit, &iVersion))
      nRead += 1 + nDigit;
  }
  pId->z = z;
  pId->n = nId;
  *pVersion = iVersion;
  return nRead;
}

void papers_arxiv_id_of_page(const char *z, i64 n, PapersSpan *pId) {
  i64 iVersion = -1;
  pId->z = 0;
  pId->n = 0;
  if (papers_arxiv_id_parse(z, n, pId, &iVersion) && iVersion >= 0) {
    pId->z = 0;
    pId->n = 0;
  }
}

int papers_hf_page_id(const char *z, i64 n, PapersSpan *pId) {
  static const char *const azPrefix[] = {"https://huggingface.co/papers/", "/papers/"};
  for (size_t k = 0; k < sizeof(azPrefix) / sizeof(azPrefix[0]); k++) {
    if (papers_has_prefix(z, z + n, azPrefix[k])) {
      i64 nPrefix = (i64)strlen(azPrefix[k]), i = nPrefix;
      while (i < n && z[i] != '#' && z[i] != '?' && z[i] != '/')
        i++;
      pId->z = z + nPrefix;
      pId->n = i - nPrefix;
      return pId->n > 0;
    }
  }
  return 0;
}

int papers_arxiv_id_parse(const char *z, i64 n, PapersSpan *pId, i64 *pVersion) {
  PapersSpan id;
  i64 iVersion;
  if (papers_arxiv_id_read(z, n, &id, &iVersion) != n || n == 0)
    return 0;
  *pId = id;
  *pVersion = iVersion;
  return 1;
}
