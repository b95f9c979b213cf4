/*
** parse_xml.c: the small XML reader of the arXiv feed formats (RSS 2.0,
** RSS 1.0 and Atom, format_arxiv_feed.c).
**
** Contract: it reads elements, attributes and text out of a span of the
** input without building a tree and without copying: xml_next_child() finds
** the next child element of a parent (or its end tag, stray end tags, text,
** an unclosed child), tolerating the damage digests carry; xml_decode() and
** the RSS 1.0 helpers turn element content into text, never writing more
** bytes than they read (a buffer of the content's length always suffices).
** Nothing reads past zEnd. It is not a validating parser: no DTD, no
** namespaces beyond names with a prefix, no entities but the five of XML and
** numeric references.
*/
#include "parse.h"

#include <string.h>

int xml_is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == ':' || c == '_' || c == '-' || c == '.' || (unsigned char)c >= 0x80;
}

int xml_is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* End of the markup "<!--...-->", "<![CDATA[...]]>", "<?...?>" or "<!...>" at
** z, or 0 when it is not closed before zEnd. */
const char *xml_skip_special(const char *z, const char *zEnd) {
  const char *zClose;
  const char *zTerm;
  if (papers_has_prefix(z, zEnd, "<!--")) {
    zTerm = "-->";
  } else if (papers_has_prefix(z, zEnd, "<![CDATA[")) {
    zTerm = "]]>";
  } else if (papers_has_prefix(z, zEnd, "<?")) {
    zTerm = "?>";
  } else {
    zTerm = ">";
  }
  zClose = papers_find(z + 2, zEnd, zTerm);
  return zClose ? zClose + strlen(zTerm) : 0;
}

/* End of the start tag at z (just past '>'), skipping quoted attribute
** values; 0 when the input ends first. */
static const char *xml_start_tag_end(const char *z, const char *zEnd) {
  char cQuote = 0;
  for (; z < zEnd; z++) {
    if (cQuote) {
      if (*z == cQuote)
        cQuote = 0;
    } else if (*z == '"' || *z == '\'') {
      cQuote = *z;
    } else if (*z == '>') {
      return z + 1;
    }
  }
  return 0;
}

/* True when z holds the end tag "</name>" (white space before '>' allowed). */
static int xml_is_end_tag(const char *z, const char *zEnd, PapersSpan name) {
  if (zEnd - z < name.n + 3 || z[1] != '/' ||
      memcmp(z + 2, name.z, (size_t)name.n) != 0) {
    return 0;
  }
  const char *zAfter = z + 2 + name.n;
  return zAfter < zEnd && (*zAfter == '>' || xml_is_space(*zAfter));
}

/* Finds the end tag of an element named name whose content starts at z.
** Returns the '<' of the end tag; *pIsParent is set (and the parent's end tag
** returned) when the parent's end tag comes first; 0 at the end of input. */
static const char *xml_find_end_tag(const char *z, const char *zEnd, PapersSpan name,
                                    PapersSpan parent, int *pIsParent) {
  *pIsParent = 0;
  while ((z = memchr(z, '<', (size_t)(zEnd - z))) != 0) {
    if (z + 1 < zEnd && z[1] == '!') {
      z = xml_skip_special(z, zEnd);
      if (z == 0)
        return 0;
      continue;
    }
    if (xml_is_end_tag(z, zEnd, name))
      return z;
    if (parent.n > 0 && xml_is_end_tag(z, zEnd, parent)) {
      *pIsParent = 1;
      return z;
    }
    z++;
  }
  return 0;
}

/* Reads the start tag at z ('<' then a name) into pElem: name, attributes,
** and where its content starts. Returns that, or 0 when the tag is cut off. */
const char *xml_read_start_tag(const char *z, const char *zEnd, XmlElem *pElem) {
  const char *zName = z + 1;
  const char *zAt = zName;
  while (zAt < zEnd && xml_is_name_char(*zAt))
    zAt++;
  const char *zTagEnd = xml_start_tag_end(zAt, zEnd);
  if (zTagEnd == 0)
    return 0;
  int isEmpty = zTagEnd - 2 >= zAt && zTagEnd[-2] == '/';
  pElem->zStart = z;
  pElem->name.z = zName;
  pElem->name.n = zAt - zName;
  pElem->attrs.z = zAt;
  pElem->attrs.n = (zTagEnd - (isEmpty ? 2 : 1)) - zAt;
  pElem->content.z = zTagEnd;
  pElem->content.n = 0;
  pElem->zEnd = isEmpty ? zTagEnd : 0;
  return zTagEnd;
}

/* Reads what comes next inside the element named parent, from z: a child
** element (XML_CHILD_ELEM, whole, into pElem), the parent's end tag (XML_CHILD_CLOSE,
** pElem->zEnd past it; any end tag when parent is empty), another end tag
** (XML_CHILD_STRAY), non-blank text (XML_CHILD_TEXT, pElem->zStart..zEnd), a
** child whose end tag is missing (XML_CHILD_UNCLOSED, pElem->zStart up to the
** parent's end tag), or the end of the input (XML_CHILD_EOF). Comments are skipped. */
int xml_next_child(const char *z, const char *zEnd, PapersSpan parent, XmlElem *pElem) {
  for (;;) {
    const char *zLt = memchr(z, '<', (size_t)(zEnd - z));
    PapersSpan text = papers_trim(z, (zLt ? zLt : zEnd) - z);
    if (text.n > 0) {
      pElem->zStart = text.z;
      pElem->zEnd = text.z + text.n;
      return XML_CHILD_TEXT;
    }
    if (zLt == 0 || zLt + 1 >= zEnd)
      return XML_CHILD_EOF;
    if (zLt[1] == '!' || zLt[1] == '?') {
      z = xml_skip_special(zLt, zEnd);
      if (z == 0)
        return XML_CHILD_EOF;
      continue;
    }
    if (zLt[1] == '/') {
      const char *zClose = xml_start_tag_end(zLt, zEnd);
      if (zClose == 0)
        return XML_CHILD_EOF;
      pElem->zStart = zLt;
      pElem->zEnd = zClose;
      return parent.n == 0 || xml_is_end_tag(zLt, zEnd, parent) ? XML_CHILD_CLOSE
                                                                : XML_CHILD_STRAY;
    }
    if (xml_read_start_tag(zLt, zEnd, pElem) == 0)
      return XML_CHILD_EOF;
    if (pElem->zEnd)
      return XML_CHILD_ELEM;
    int isParent;
    const char *zEndTag =
        xml_find_end_tag(pElem->content.z, zEnd, pElem->name, parent, &isParent);
    if (zEndTag == 0)
      return XML_CHILD_EOF;
    if (isParent) {
      pElem->zEnd = zEndTag;
      return XML_CHILD_UNCLOSED;
    }
    pElem->content.n = zEndTag - pElem->content.z;
    pElem->zEnd = xml_start_tag_end(zEndTag, zEnd);
    return pElem->zEnd ? XML_CHILD_ELEM : XML_CHILD_EOF;
  }
}

/* The value of attribute zName in attrs (quotes removed), or an absent span. */
PapersSpan xml_attr_value(PapersSpan attrs, const char *zName) {
  PapersSpan value = {0, 0};
  const char *z = attrs.z, *zEnd = attrs.z + attrs.n;
  size_t nName = strlen(zName);
  while (z < zEnd) {
    while (z < zEnd && !xml_is_name_char(*z))
      z++;
    const char *zAttr = z;
    while (z < zEnd && xml_is_name_char(*z))
      z++;
    const char *zAttrEnd = z;
    while (z < zEnd && xml_is_space(*z))
      z++;
    if (z >= zEnd || *z != '=')
      continue;
    z++;
    while (z < zEnd && xml_is_space(*z))
      z++;
    if (z >= zEnd || (*z != '"' && *z != '\''))
      continue;
    const char *zClose = memchr(z + 1, *z, (size_t)(zEnd - z - 1));
    if (zClose == 0)
      break;
    if ((size_t)(zAttrEnd - zAttr) == nName && memcmp(zAttr, zName, nName) == 0) {
      value.z = z + 1;
      value.n = zClose - z - 1;
      return value;
    }
    z = zClose + 1;
  }
  return value;
}

/* ---- decoding text ----------------------------------------------------- */

/* Appends code point c to zOut as UTF-8; returns the bytes written. */
static int xml_put_utf8(char *zOut, unsigned c) {
  assert(c > 0 && c <= 0x10FFFF);
  if (c < 0x80) {
    zOut[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    zOut[0] = (char)(0xC0 | (c >> 6));
    zOut[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    zOut[0] = (char)(0xE0 | (c >> 12));
    zOut[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    zOut[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  zOut[0] = (char)(0xF0 | (c >> 18));
  zOut[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  zOut[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  zOut[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* The code point of "&#NN;" or "&#xHH;" whose digits are z[0..n) (after the
** '#'), or 0 when it names no character XML allows. */
static unsigned xml_numeric_ref(const char *z, i64 n) {
  int isHex = n > 0 && (z[0] == 'x' || z[0] == 'X');
  unsigned c = 0;
  if (n - isHex < 1 || n - isHex > 8)
    return 0;
  for (i64 i = isHex; i < n; i++) {
    int d;
    if (z[i] >= '0' && z[i] <= '9')
      d = z[i] - '0';
    else if (isHex && z[i] >= 'a' && z[i] <= 'f')
      d = z[i] - 'a' + 10;
    else if (isHex && z[i] >= 'A' && z[i] <= 'F')
      d = z[i] - 'A' + 10;
    else
      return 0;
    c = c * (isHex ? 16 : 10) + (unsigned)d;
    if (c > 0x10FFFF)
      return 0;
  }
  if (c == 0 || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  return c;
}

/* Decodes the reference at z ('&'): writes its character to zOut and returns
** the bytes of input it used, or 0 when it is no reference XML defines (the
** '&' is then text). Never writes more bytes than it reads. */
static i64 xml_decode_ref(const char *z, const char *zEnd, char *zOut, int *pnOut) {
  static const struct {
    const char *zName;
    char c;
  } aNamed[] = {
      {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  for (size_t i = 0; i < sizeof(aNamed) / sizeof(aNamed[0]); i++) {
    if (papers_has_prefix(z + 1, zEnd, aNamed[i].zName)) {
      zOut[0] = aNamed[i].c;
      *pnOut = 1;
      return 1 + (i64)strlen(aNamed[i].zName);
    }
  }
  if (zEnd - z < 4 || z[1] != '#')
    return 0;
  i64 nLook = zEnd - z < 12 ? zEnd - z : 12;
  const char *zSemi = memchr(z, ';', (size_t)nLook);
  unsigned c = zSemi ? xml_numeric_ref(z + 2, zSemi - z - 2) : 0;
  if (c == 0)
    return 0;
  assert(*pnOut <= zSemi + 1 - z); /* "&#NN;" is longer than its UTF-8 */
  *pnOut = xml_put_utf8(zOut, c);
  return zSemi + 1 - z;
}

/* Decodes the XML text z[0..n) into zOut (at least n bytes); returns the
** length written. CDATA is copied verbatim (isInCdata: z starts inside one),
** references are decoded, other markup is dropped. */
i64 xml_decode(const char *z, i64 n, int isInCdata, char *zOut) {
  const char *zEnd = z + n;
  i64 nOut = 0;
  while (z < zEnd) {
    assert(nOut <= n - (zEnd - z)); /* written never passes read: zOut holds n */
    if (isInCdata) {
      const char *zClose = papers_find(z, zEnd, "]]>");
      const char *zStop = zClose ? zClose : zEnd;
      memcpy(zOut + nOut, z, (size_t)(zStop - z));
      nOut += zStop - z;
      z = zClose ? zClose + 3 : zEnd;
      isInCdata = 0;
    } else if (*z == '&') {
      int nChar = 0;
      i64 nUsed = xml_decode_ref(z, zEnd, zOut + nOut, &nChar);
      nOut += nUsed ? nChar : 1;
      if (nUsed == 0)
        zOut[nOut - 1] = '&';
      z += nUsed ? nUsed : 1;
    } else if (*z == '<' && papers_has_prefix(z, zEnd, "<![CDATA[")) {
      z += 9;
      isInCdata = 1;
    } else if (*z == '<') {
      const char *zClose = (z + 1 < zEnd && z[1] == '!') ? xml_skip_special(z, zEnd)
                                                         : xml_start_tag_end(z, zEnd);
      z = zClose ? zClose : zEnd;
    } else {
      zOut[nOut++] = *z++;
    }
  }
  return nOut;
}

/* True when the tag at z ('<') of [z, zEnd) is an HTML tag: '<', an optional
** '/', a letter, and a '>' before any other '<'. Sets *pzClose past it. */
static int xml_is_html_tag(const char *z, const char *zEnd, const char **pzClose) {
  const char *zName = z + 1 < zEnd && z[1] == '/' ? z + 2 : z + 1;
  if (zName >= zEnd ||
      !((*zName >= 'a' && *zName <= 'z') || (*zName >= 'A' && *zName <= 'Z'))) {
    return 0;
  }
  for (const char *zAt = zName; zAt < zEnd; zAt++) {
    if (*zAt == '<')
      return 0;
    if (*zAt == '>') {
      *pzClose = zAt + 1;
      return 1;
    }
  }
  return 0;
}

/* Drops the HTML tags of decoded text in place; <p>, </p> and <br> become a
** space. Returns the new length. */
i64 xml_strip_html(char *z, i64 n) {
  const char *zIn = z, *zEnd = z + n;
  i64 nOut = 0;
  while (zIn < zEnd) {
    const char *zClose;
    assert(nOut <= zIn - z); /* in place: writing never passes reading */
    if (*zIn == '<' && xml_is_html_tag(zIn, zEnd, &zClose)) {
      const char *zName = zIn[1] == '/' ? zIn + 2 : zIn + 1;
      char c = (char)(*zName | 0x20);
      int isBreak = (c == 'p' && !xml_is_name_char(zName[1])) ||
                    (c == 'b' && (zName[1] | 0x20) == 'r' && !xml_is_name_char(zName[2]));
      if (isBreak)
        z[nOut++] = ' ';
      zIn = zClose;
    } else {
      z[nOut++] = *zIn++;
    }
  }
  return nOut;
}

/* Decodes the character references of HTML text in place (the RSS 1.0 form,
** once its tags are dropped); '<' is text here. Returns the new length. */
i64 xml_decode_refs_in_place(char *z, i64 n) {
  const char *zIn = z, *zEnd = z + n;
  i64 nOut = 0;
  while (zIn < zEnd) {
    int nChar = 0;
    i64 nUsed = *zIn == '&' ? xml_decode_ref(zIn, zEnd, z + nOut, &nChar) : 0;
    if (nUsed > 0) {
      nOut += nChar;
      zIn += nUsed;
    } else {
      z[nOut++] = *zIn++;
    }
  }
  return nOut;
}
