/*
** key.c: papers_key(title), a key that is the same for the same title as
** different digests print it. docs/papers_key.md is the reference.
**
**   papers_key(title) -> TEXT
**
** Contract:
**   - NULL gives NULL; an INTEGER or REAL is keyed as its text; a BLOB is an
**     error naming the function and the argument.
**   - The key is made of words of lowercase letters and digits joined by single
**     spaces, none at either end. Every character is either part of a word
**     (folded as below), a separator (ends a word), or dropped (glues the
**     letters around it, like the braces in Sch\"{u}tte).
**   - Folded: ASCII case; Latin letters with diacritics to their base letters
**     (U+00C0..U+024F and U+1E00..U+1EFF, from Unicode's decompositions, with
**     ß ss, æ ae, œ oe, ø o, ł l, đ/ð d, þ th, ı i); ligatures U+FB00..U+FB06;
**     fullwidth ASCII U+FF01..U+FF5E; mathematical alphanumeric letters and
**     digits (U+1D400..U+1D6A3, U+1D7CE..U+1D7FF); superscript and subscript
**     digits (as words of their own, like TeX's x^2); ª º; Cyrillic case; Greek
**     letters, with or without accents, to their English names as words, as
**     TeX's \alpha is.
**   - TeX: accent commands (\" \' \` \^ \~ \= \. and \u \v \H \c \k \r \d \b \t
**     before a brace or space) are dropped; \ss \o \ae \oe \aa \l \i \j are
**     their letters; font commands (\textbf, \mathcal, \emph ...) are dropped;
**     any other command is its name as a word (\log -> log, \alpha -> alpha).
**   - Dropped: { } $ ' ` and the typographic apostrophes U+2018..U+201B,
**     U+2032, U+02BC; combining marks; modifier letters U+02B0..U+02FF; soft
**     hyphen, zero-width spaces and joiners, variation selectors, BOM.
**   - Separators: all other ASCII, white space, dashes and every other
**     punctuation or symbol of Latin-1, General Punctuation, currency, arrows,
**     mathematical operators, technical symbols, box drawing, shapes,
**     dingbats, CJK punctuation, small forms and emoji; bytes that are not
**     UTF-8.
**   - Any other character (CJK, Arabic, ...) is kept as it is.
*/
#include "papers_internal.h"

#include <string.h>

/* U+00C0..U+024F, two bytes a code point */
static const char zLatin[] =
    "a a a a a a aec e e e e i i i i d n o o o o o   o u u u u y thss"
    "a a a a a a aec e e e e i i i i d n o o o o o   o u u u u y thy "
    "a a a a a a c c c c c c c c d d d d e e e e e e e e e e g g g g "
    "g g g g h h h h i i i i i i i i i i ijijj j k k k l l l l l l l "
    "l l l n n n n n n n n n o o o o o o oeoer r r r r r s s s s s s "
    "s s t t t t     u u u u u u u u u u u u w w y y y z z z z z z s "
    "b b           c c   d             f f g       i k k l     n n   "
    "o o     p p             t t t u u   v y y z z                   "
    "        dzdzdzljljljnjnjnja a i i o o u u u u u u u u u u   a a "
    "a a     g g g g k k o o o o     j dzdzdzg g     n n a a         "
    "a a a a e e e e i i i i o o o o r r r r u u u u s s t t     h h "
    "  d     z z a a e e o o o o o o o o y y l n t j     a c c l t s "
    "z     b u   e e j j     r r y y ";
/* U+1E00..U+1EFF, two bytes a code point */
static const char zLatinAdditional[] =
    "a a b b b b b b c c d d d d d d d d d d e e e e e e e e e e f f "
    "g g h h h h h h h h h h i i i i k k k k k k l l l l l l l l m m "
    "m m m m n n n n n n n n o o o o o o o o p p p p r r r r r r r r "
    "s s s s s s s s s s t t t t t t t t u u u u u u u u u u v v v v "
    "w w w w w w w w w w x x x x y y z z z z z z h t w y   s         "
    "a a a a a a a a a a a a a a a a a a a a a a a a e e e e e e e e "
    "e e e e e e e e i i i i o o o o o o o o o o o o o o o o o o o o "
    "o o o o u u u u u u u u u u u u u u y y y y y y y y             ";

/* English names of the Greek letters U+03B1..U+03C9 (final sigma included). */
static const char *const azGreek[] = {
    "alpha", "beta",   "gamma",   "delta", "epsilon", "zeta",    "eta",  "theta", "iota",
    "kappa", "lambda", "mu",      "nu",    "xi",      "omicron", "pi",   "rho",   "sigma",
    "sigma", "tau",    "upsilon", "phi",   "chi",     "psi",     "omega"};

/* The key being built: words, and whether a separator is pending. */
typedef struct KeyOut {
  sqlite3_str *pStr;
  int pendingSep; /* a separator came since the last letter */
  int hasText;    /* a word was written */
} KeyOut;

static void key_sep(KeyOut *p) {
  p->pendingSep = 1;
}

/* Appends letters to the current word (after a space when one is pending). */
static void key_letters(KeyOut *p, const char *z, int n) {
  if (p->pendingSep && p->hasText)
    sqlite3_str_appendchar(p->pStr, 1, ' ');
  p->pendingSep = 0;
  p->hasText = 1;
  sqlite3_str_append(p->pStr, z, n);
}

/* Appends a word of its own. */
static void key_word(KeyOut *p, const char *z) {
  key_sep(p);
  key_letters(p, z, (int)strlen(z));
  key_sep(p);
}

/* An ASCII character: letters lowercased, digits kept, a few glue, the rest
** separate. */
static void key_ascii(KeyOut *p, unsigned c) {
  char ch = (char)c;
  if (c >= 'A' && c <= 'Z')
    ch = (char)(c + 32);
  if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
    key_letters(p, &ch, 1);
  } else if (strchr("{}$'`", ch) == 0 || ch == 0) {
    key_sep(p);
  }
}

/* Decodes the UTF-8 character at z; an invalid byte is U+FFFD of length 1.
** Overlong forms, UTF-16 surrogates and code points past U+10FFFF are
** invalid too (they would otherwise be copied into the key as they are). */
static int key_utf8_decode(const unsigned char *z, i64 n, unsigned *pCp) {
  static const unsigned aMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  unsigned c = z[0];
  int nSeq = c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  *pCp = 0xFFFD;
  if (nSeq == 0 || n < nSeq)
    return 1;
  unsigned cp = c & (0x3F >> (nSeq - 1));
  for (int i = 1; i < nSeq; i++) {
    if ((z[i] & 0xC0) != 0x80)
      return 1;
    cp = (cp << 6) | (z[i] & 0x3F);
  }
  if (cp < aMin[nSeq] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 1;
  *pCp = cp;
  return nSeq;
}

/* Appends code point cp as UTF-8 to the current word. */
static void key_utf8(KeyOut *p, unsigned cp) {
  char a[4];
  int n;
  if (cp < 0x800) {
    a[0] = (char)(0xC0 | (cp >> 6));
    a[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else {
    a[0] = (char)(0xE0 | (cp >> 12));
    a[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    a[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  }
  key_letters(p, a, n);
}

/* A two-byte entry of a fold table: 1 or 2 letters, 0 when the code point
** has no ASCII base letter. */
static int key_table(KeyOut *p, const char *zTable, unsigned iEntry) {
  const char *z = zTable + 2 * iEntry;
  assert(2 * (size_t)iEntry + 1 < strlen(zTable));
  if (z[0] == ' ')
    return 0;
  key_letters(p, z, z[1] == ' ' ? 1 : 2);
  return 1;
}

/* Greek letters, any case, with or without tonos or dialytika: their names. */
static int key_greek(KeyOut *p, unsigned cp) {
  static const struct {
    unsigned short cp, base;
  } aVariant[] = {{0x386, 0x3B1}, {0x388, 0x3B5}, {0x389, 0x3B7}, {0x38A, 0x3B9},
                  {0x38C, 0x3BF}, {0x38E, 0x3C5}, {0x38F, 0x3C9}, {0x390, 0x3B9},
                  {0x3AA, 0x3B9}, {0x3AB, 0x3C5}, {0x3AC, 0x3B1}, {0x3AD, 0x3B5},
                  {0x3AE, 0x3B7}, {0x3AF, 0x3B9}, {0x3B0, 0x3C5}, {0x3CA, 0x3B9},
                  {0x3CB, 0x3C5}, {0x3CC, 0x3BF}, {0x3CD, 0x3C5}, {0x3CE, 0x3C9},
                  {0x3D1, 0x3B8}, {0x3D5, 0x3C6}, {0x3D6, 0x3C0}, {0x3F0, 0x3BA},
                  {0x3F1, 0x3C1}, {0x3F5, 0x3B5}};
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
    cp += 0x20;
  for (size_t i = 0; i < sizeof(aVariant) / sizeof(aVariant[0]); i++) {
    if (aVariant[i].cp == cp)
      cp = aVariant[i].base;
  }
  if (cp < 0x3B1 || cp > 0x3C9)
    return 0;
  assert(cp - 0x3B1 < sizeof(azGreek) / sizeof(azGreek[0]));
  key_word(p, azGreek[cp - 0x3B1]);
  return 1;
}

/* Latin-1 punctuation and symbols U+00A0..U+00BF. */
static void key_latin1_symbol(KeyOut *p, unsigned cp) {
  static const char *const azFraction[] = {"1 4", "1 2", "3 4"};
  switch (cp) {
  case 0xAA:
    key_letters(p, "a", 1);
    break;
  case 0xBA:
    key_letters(p, "o", 1);
    break;
  case 0xAD:
    break; /* soft hyphen */
  case 0xB5:
    key_word(p, "mu");
    break;
  case 0xB2:
    key_word(p, "2");
    break;
  case 0xB3:
    key_word(p, "3");
    break;
  case 0xB9:
    key_word(p, "1");
    break;
  case 0xBC:
  case 0xBD:
  case 0xBE:
    key_word(p, azFraction[cp - 0xBC]);
    break;
  default:
    key_sep(p);
    break;
  }
}

/* Superscripts and subscripts U+2070..U+209F: digits as words. */
static void key_script(KeyOut *p, unsigned cp) {
  char zDigit[2] = {0, 0};
  if (cp == 0x2070)
    zDigit[0] = '0';
  if (cp >= 0x2074 && cp <= 0x2079)
    zDigit[0] = (char)('4' + cp - 0x2074);
  if (cp >= 0x2080 && cp <= 0x2089)
    zDigit[0] = (char)('0' + cp - 0x2080);
  if (cp == 0x2071)
    zDigit[0] = 'i';
  if (cp == 0x207F)
    zDigit[0] = 'n';
  if (zDigit[0]) {
    key_word(p, zDigit);
  } else {
    key_sep(p);
  }
}

/* Code points that are dropped without separating the letters around them. */
static int key_is_glue(unsigned cp) {
  return (cp >= 0x2B0 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 ||
         (cp >= 0x2018 && cp <= 0x201B) || cp == 0x2032 ||
         (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF ||
         (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Punctuation and symbol blocks: separators. */
static int key_is_separator(unsigned cp) {
  return (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x20CF) ||
         (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE10 && cp <= 0xFE1F) ||
         (cp >= 0xFE30 && cp <= 0xFE6F) || (cp >= 0xFF5F && cp <= 0xFF65) || cp == 0xD7 ||
         cp == 0xF7 || cp == 0xFFFD || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

/* Compatibility forms: ligatures, fullwidth ASCII, mathematical letters. */
static int key_compat(KeyOut *p, unsigned cp) {
  static const char *const azLigature[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
  if (cp >= 0xFB00 && cp <= 0xFB06) {
    key_letters(p, azLigature[cp - 0xFB00], (int)strlen(azLigature[cp - 0xFB00]));
  } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
    key_ascii(p, cp - 0xFEE0);
  } else if (cp >= 0x1D400 && cp <= 0x1D6A3) {
    unsigned i = (cp - 0x1D400) % 52;
    char c = (char)(i < 26 ? 'a' + i : 'a' + i - 26);
    key_letters(p, &c, 1);
  } else if (cp >= 0x1D7CE && cp <= 0x1D7FF) {
    char c = (char)('0' + (cp - 0x1D7CE) % 10);
    key_letters(p, &c, 1);
  } else {
    return 0;
  }
  return 1;
}

/* A non-ASCII character z[0..n) decoded as cp. */
static void key_codepoint(KeyOut *p, unsigned cp, const char *z, int n) {
  if (cp >= 0xA0 && cp <= 0xBF) {
    key_latin1_symbol(p, cp);
  } else if (cp >= 0xC0 && cp <= 0x24F && key_table(p, zLatin, cp - 0xC0)) {
    return;
  } else if (cp >= 0x1E00 && cp <= 0x1EFF &&
             key_table(p, zLatinAdditional, cp - 0x1E00)) {
    return;
  } else if (cp >= 0x370 && cp <= 0x3FF && key_greek(p, cp)) {
    return;
  } else if (cp >= 0x400 && cp <= 0x42F) {
    key_utf8(p, cp + (cp < 0x410 ? 0x50 : 0x20));
  } else if (cp >= 0x2070 && cp <= 0x209F) {
    key_script(p, cp);
  } else if (key_is_glue(cp)) {
    return;
  } else if (key_is_separator(cp)) {
    key_sep(p);
  } else if (!key_compat(p, cp)) {
    key_letters(p, z, n);
  }
}

/* TeX control words and what becomes of them. */
static const char *const azTexFont[] = {
    "text",   "textrm",       "textit", "textbf",   "textsf",  "texttt",
    "textsc", "emph",         "mathrm", "mathit",   "mathbf",  "mathcal",
    "mathbb", "mathsf",       "mathtt", "mathfrak", "mathscr", "boldsymbol",
    "bm",     "operatorname", "mbox",   "hbox",     "rm",      "bf",
    "it",     "em",           "sc",     "tt",       "cal",     "left",
    "right",  "big",          "Big",    "bigl",     "bigr",    "Bigl",
    "Bigr",   "displaystyle"};

static const struct {
  const char *zName, *zLetters;
} aTexLetter[] = {{"ss", "ss"}, {"o", "o"},   {"O", "o"},  {"ae", "ae"}, {"AE", "ae"},
                  {"oe", "oe"}, {"OE", "oe"}, {"aa", "a"}, {"AA", "a"},  {"l", "l"},
                  {"L", "l"},   {"i", "i"},   {"j", "j"}};

static const struct {
  const char *zName, *zWord;
} aTexVariant[] = {{"varepsilon", "epsilon"}, {"vartheta", "theta"}, {"varphi", "phi"},
                   {"varrho", "rho"},         {"varsigma", "sigma"}, {"varpi", "pi"},
                   {"varkappa", "kappa"}};

static int key_name_is(const char *z, i64 n, const char *zName) {
  return (size_t)n == strlen(zName) && memcmp(z, zName, (size_t)n) == 0;
}

/* A control word \NAME (z[0..n) is NAME; zNext/nNext what follows it).
** Returns how many bytes after the name it also takes. */
static int key_control_word(KeyOut *p, const char *z, i64 n, const char *zNext,
                            i64 nNext) {
  int nSpace = nNext > 0 && zNext[0] == ' ';
  if (n == 1 && strchr("uvHckrdbt", z[0]) && nNext > 0 && (zNext[0] == '{' || nSpace)) {
    return nSpace;
  }
  for (size_t i = 0; i < sizeof(aTexLetter) / sizeof(aTexLetter[0]); i++) {
    if (key_name_is(z, n, aTexLetter[i].zName)) {
      key_letters(p, aTexLetter[i].zLetters, (int)strlen(aTexLetter[i].zLetters));
      return nSpace;
    }
  }
  for (size_t i = 0; i < sizeof(azTexFont) / sizeof(azTexFont[0]); i++) {
    if (key_name_is(z, n, azTexFont[i]))
      return nSpace;
  }
  for (size_t i = 0; i < sizeof(aTexVariant) / sizeof(aTexVariant[0]); i++) {
    if (key_name_is(z, n, aTexVariant[i].zName)) {
      key_word(p, aTexVariant[i].zWord);
      return nSpace;
    }
  }
  key_sep(p);
  for (i64 i = 0; i < n; i++)
    key_ascii(p, (unsigned char)z[i]);
  key_sep(p);
  return nSpace;
}

/* A TeX command at z[0] == '\\'; returns the bytes it takes. */
static i64 key_tex(KeyOut *p, const char *z, i64 n) {
  if (n >= 2 && strchr("\"'`^~=.", z[1]) && z[1] != 0)
    return 2; /* accent */
  if (n < 2 || !papers_is_ascii_letter(z[1])) {
    key_sep(p);
    return n >= 2 && (unsigned char)z[1] < 0x80 ? 2 : 1;
  }
  i64 nName = 1;
  while (1 + nName < n && papers_is_ascii_letter(z[1 + nName]))
    nName++;
  return 1 + nName + key_control_word(p, z + 1, nName, z + 1 + nName, n - 1 - nName);
}

/* Writes the key of z[0..n) into p. */
static void key_build(KeyOut *p, const char *z, i64 n) {
  i64 i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)z[i];
    if (c == '\\') {
      i += key_tex(p, z + i, n - i);
    } else if (c < 0x80) {
      key_ascii(p, c);
      i++;
    } else {
      unsigned cp;
      int nChar = key_utf8_decode((const unsigned char *)z + i, n - i, &cp);
      key_codepoint(p, cp, z + i, nChar);
      i += nChar;
    }
  }
}

static void key_func(sqlite3_context *pCtx, int argc, sqlite3_value **argv) {
  (void)argc;
  int eType = sqlite3_value_type(argv[0]);
  if (eType == SQLITE_NULL)
    return;
  if (eType == SQLITE_BLOB) {
    sqlite3_result_error(pCtx, "papers_key: title must be text, got a BLOB", -1);
    return;
  }
  const char *z = (const char *)sqlite3_value_text(argv[0]);
  if (z == 0) {
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  KeyOut out = {sqlite3_str_new(sqlite3_context_db_handle(pCtx)), 0, 0};
  key_build(&out, z, sqlite3_value_bytes(argv[0]));
  int rc = sqlite3_str_errcode(out.pStr);
  int nKey = sqlite3_str_length(out.pStr);
  char *zKey = sqlite3_str_finish(out.pStr);
  if (rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(pCtx);
  } else if (rc != SQLITE_OK) {
    sqlite3_result_error_toobig(pCtx);
  } else {
    sqlite3_result_text(pCtx, zKey ? zKey : "", nKey,
                        zKey ? sqlite3_free : SQLITE_STATIC);
    return;
  }
  sqlite3_free(zKey);
}

int papers_register_key(sqlite3 *db) {
  return sqlite3_create_function(db, "papers_key", 1, PAPERS_PURE, 0, key_func, 0, 0);
}
