/*
** text.c: the text primitives every digest parser stands on.
**
** Contract:
**   - papers_utf8_check() validates a whole input once, up front, and notes
**     whether it holds a carriage return, so that the line splitter can use a
**     single memchr per line for the common LF-only text.
**   - papers_lines_next() yields lines ending in LF, CRLF or a lone CR, without
**     copying: each line is a pointer into the input.
**   - White space means ASCII space, tab, CR, LF, FF, VT and the Unicode spaces
**     U+00A0, U+2000..U+200A, U+202F, U+205F and U+3000, so that text pasted
**     from a browser (non-breaking spaces) reads like clean text.
**   - papers_fold() is how every text column is produced: runs of white space
**     (line breaks included) become one space, none is left at either end.
**   - JSON helpers build arrays as text with the JSON subtype (74), so that
**     SQLite's json_* functions embed them as JSON rather than as strings.
**   - Numbers are read here, not with strtod(), whose decimal point follows
**     the host's locale ("0,5" in a German one): the same text gives the
**     same value in every program, on every machine.
*/
#include "parse.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX2 for the ASCII check and folding, used when the CPU has it
** (PAPERS_NO_AVX2 builds without, to test the SSE2 path on such a CPU). */
#if defined(__SSE2__) && defined(__GNUC__) && defined(__x86_64__) &&                     \
    !defined(PAPERS_NO_AVX2)
#include <immintrin.h>
#define TEXT_HAS_AVX2 1
#endif

#define TEXT_JSON_SUBTYPE 74

/* Length of the run of whole 64-byte blocks of ASCII at z[0..n) (a multiple
** of 64); sets *pHasCR when one of their bytes is a carriage return. One pass
** finds both. SSE2 (part of every x86-64) looks at a block with four loads,
** one test for a byte >= 0x80 and four compares with CR folded into one
** register tested once, after the run (AVX2, when the CPU has it: two
** loads); elsewhere 64-bit words and the has-zero-byte test
** ((x - 0x01..) & ~x & 0x80..). */
#if defined(__SSE2__)
#if defined(TEXT_HAS_AVX2)
__attribute__((target("avx2"))) static i64 text_ascii_blocks_avx2(const unsigned char *z,
                                                                  i64 n, int *pHasCR) {
  const __m256i cr = _mm256_set1_epi8('\r');
  __m256i anyCR = _mm256_setzero_si256();
  i64 i = 0;
  for (; n - i >= 64; i += 64) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(z + i));
    __m256i b = _mm256_loadu_si256((const __m256i *)(z + i + 32));
    if (_mm256_movemask_epi8(_mm256_or_si256(a, b)))
      break;
    anyCR = _mm256_or_si256(
        anyCR, _mm256_or_si256(_mm256_cmpeq_epi8(a, cr), _mm256_cmpeq_epi8(b, cr)));
  }
  if (_mm256_movemask_epi8(anyCR))
    *pHasCR = 1;
  return i;
}
#endif

static i64 text_ascii_blocks_len(const unsigned char *z, i64 n, int *pHasCR) {
  const __m128i cr = _mm_set1_epi8('\r');
  __m128i anyCR = _mm_setzero_si128();
  i64 i = 0;
#if defined(TEXT_HAS_AVX2)
  if (n >= 64 && __builtin_cpu_supports("avx2"))
    return text_ascii_blocks_avx2(z, n, pHasCR);
#endif
  for (; n - i >= 64; i += 64) {
    __m128i a = _mm_loadu_si128((const __m128i *)(z + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(z + i + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(z + i + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(z + i + 48));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
      break;
    __m128i crAB = _mm_or_si128(_mm_cmpeq_epi8(a, cr), _mm_cmpeq_epi8(b, cr));
    __m128i crCD = _mm_or_si128(_mm_cmpeq_epi8(c, cr), _mm_cmpeq_epi8(d, cr));
    anyCR = _mm_or_si128(anyCR, _mm_or_si128(crAB, crCD));
  }
  if (_mm_movemask_epi8(anyCR))
    *pHasCR = 1;
  return i;
}
#else
static i64 text_ascii_blocks_len(const unsigned char *z, i64 n, int *pHasCR) {
  const uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  uint64_t anyCR = 0;
  i64 i = 0;
  for (; n - i >= 64; i += 64) {
    uint64_t anyHigh = 0, blockCR = 0;
    for (int k = 0; k < 64; k += 8) {
      uint64_t word;
      memcpy(&word, z + i + k, 8);
      uint64_t crZero = word ^ (kOnes * '\r');
      anyHigh |= word;
      blockCR |= (crZero - kOnes) & ~crZero;
    }
    if (anyHigh & kHigh)
      break;
    anyCR |= blockCR;
  }
  if (anyCR & kHigh)
    *pHasCR = 1;
  return i;
}
#endif

/* Length of the valid UTF-8 sequence at z[0..nLeft) that starts with a byte
** >= 0x80, or 0 when it is not valid (overlong forms, UTF-16 surrogates and
** code points past U+10FFFF are not). */
static int text_utf8_sequence_len(const unsigned char *z, i64 nLeft) {
  unsigned c = z[0];
  int nSeq;
  if (c >= 0xC2 && c <= 0xDF)
    nSeq = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    nSeq = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    nSeq = 4;
  else
    return 0;
  if (nLeft < nSeq)
    return 0;
  unsigned c1 = z[1];
  if ((c1 & 0xC0) != 0x80)
    return 0;
  if (c == 0xE0 && c1 < 0xA0)
    return 0; /* overlong */
  if (c == 0xED && c1 > 0x9F)
    return 0; /* UTF-16 surrogate */
  if (c == 0xF0 && c1 < 0x90)
    return 0; /* overlong */
  if (c == 0xF4 && c1 > 0x8F)
    return 0; /* past U+10FFFF */
  for (int k = 2; k < nSeq; k++) {
    if ((z[k] & 0xC0) != 0x80)
      return 0;
  }
  return nSeq;
}

/* How many of the 16 bytes at z, from the first, are ASCII; sets *pHasCR
** when one of those is a carriage return. Near a character beyond ASCII the
** check jumps to it rather than going byte by byte. */
#if defined(__SSE2__) && defined(__GNUC__)
static int text_ascii_prefix_len(const unsigned char *z, int *pHasCR) {
  __m128i bytes = _mm_loadu_si128((const __m128i *)z);
  unsigned highMask = (unsigned)_mm_movemask_epi8(bytes);
  int nAscii = highMask ? __builtin_ctz(highMask) : 16;
  unsigned crMask =
      (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\r')));
  if (crMask & ((1u << nAscii) - 1))
    *pHasCR = 1;
  return nAscii;
}
#else
static int text_ascii_prefix_len(const unsigned char *z, int *pHasCR) {
  int nAscii = 0;
  while (nAscii < 16 && z[nAscii] < 0x80) {
    *pHasCR |= z[nAscii] == '\r';
    nAscii++;
  }
  return nAscii;
}
#endif

/* Validates z[0..n) as UTF-8 and looks for carriage returns: 64 ASCII bytes
** at a time, the ASCII bytes before another character 16 at a time, byte by
** byte only the last few bytes and the characters beyond ASCII. */
i64 papers_utf8_check(const unsigned char *z, i64 n, int *pHasCR) {
  assert(n >= 0);
  int hasCR = 0;
  i64 i = 0;
  while (i < n) {
    i64 nAscii = text_ascii_blocks_len(z + i, n - i, &hasCR);
    if (nAscii > 0) {
      i += nAscii;
      continue;
    }
    if (n - i >= 16) {
      nAscii = text_ascii_prefix_len(z + i, &hasCR);
    } else if (z[i] < 0x80) {
      hasCR |= z[i] == '\r';
      nAscii = 1;
    }
    if (nAscii > 0) {
      i += nAscii;
      continue;
    }
    int nSeq = text_utf8_sequence_len(z + i, n - i);
    if (nSeq == 0)
      return i;
    i += nSeq;
  }
  *pHasCR = hasCR;
  return -1;
}

void papers_lines_init(PapersLines *pLines, const char *z, i64 n, int hasCR) {
  pLines->z = z;
  pLines->n = n;
  pLines->iPos = 0;
  pLines->iLine = 1;
  pLines->hasCR = hasCR;
}

void papers_lines_cut_cr(const char *zStart, int hasLf, i64 *pnLine, i64 *pnStep) {
  const char *zCr = memchr(zStart, '\r', (size_t)*pnLine);
  if (zCr) {
    i64 iCr = zCr - zStart;
    int isCrLf = hasLf && iCr == *pnLine - 1;
    *pnLine = iCr;
    if (!isCrLf)
      *pnStep = iCr + 1;
  }
}

/* The bytes that stop papers_lines_skip(), one bit each. */
typedef struct TextByteSet {
  uint64_t aBit[4];
} TextByteSet;

static int text_byte_set_has(const TextByteSet *pSet, char c) {
  unsigned char u = (unsigned char)c;
  return (int)((pSet->aBit[u >> 6] >> (u & 63)) & 1);
}

#if defined(TEXT_HAS_AVX2)
/* The 64-byte steps of papers_lines_skip() from z[0], a line start whose
** first byte is no stop: the LFs of a step as the bits of a mask (two 32-byte
** compares), the byte after each looked up in pStop. Returns the offset of
** the next line start: past the LF a stop line follows (*pisDone set), else
** past the last LF of the steps taken (0 when none had one). *pnLine counts
** the LFs passed. Steps end 65 bytes before n, so the byte after each LF is
** inside the text. */
__attribute__((target("avx2"))) static i64 text_lines_skip_avx2(const char *z, i64 n,
                                                                const TextByteSet *pStop,
                                                                i64 *pnLine,
                                                                int *pisDone) {
  const __m256i lf = _mm256_set1_epi8('\n');
  i64 iNext = 0, nLine = 0;
  for (i64 i = 0; n - i >= 65; i += 64) {
    __m256i lo = _mm256_loadu_si256((const __m256i *)(z + i));
    __m256i hi = _mm256_loadu_si256((const __m256i *)(z + i + 32));
    uint64_t mLf = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, lf)) |
                   (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, lf))
                       << 32;
    if (mLf == 0)
      continue;
    for (uint64_t m = mLf; m != 0; m &= m - 1) {
      i64 iStart = i + __builtin_ctzll(m) + 1;
      nLine++;
      if (text_byte_set_has(pStop, z[iStart])) {
        *pnLine = nLine;
        *pisDone = 1;
        return iStart;
      }
    }
    iNext = i + (63 - __builtin_clzll(mLf)) + 1;
  }
  *pnLine = nLine;
  *pisDone = 0;
  return iNext;
}
#endif

i64 papers_lines_skip(const char *z, i64 n, const char *zStop, int nStop, i64 *pnLine) {
  TextByteSet stop = {{0, 0, 0, 0}};
  i64 i = 0, nLine = 0;
  assert(nStop >= 1 && nStop <= PAPERS_LINES_MAX_STOP);
  for (int k = 0; k < nStop; k++) {
    unsigned char u = (unsigned char)zStop[k];
    stop.aBit[u >> 6] |= (uint64_t)1 << (u & 63);
  }
  *pnLine = 0;
  if (n == 0 || text_byte_set_has(&stop, z[0]))
    return 0;
#if defined(TEXT_HAS_AVX2)
  if (n >= 128 && __builtin_cpu_supports("avx2")) {
    int isDone;
    i = text_lines_skip_avx2(z, n, &stop, &nLine, &isDone);
    if (isDone) {
      *pnLine = nLine;
      return i;
    }
  }
#endif
  /* a line at a time: z[i] starts a line that starts with no stop byte */
  while (i < n) {
    const char *zLf = memchr(z + i, '\n', (size_t)(n - i));
    if (zLf == 0)
      break; /* the last line, without its LF: left to the reader */
    nLine++;
    i = zLf - z + 1;
    if (i < n && text_byte_set_has(&stop, z[i]))
      break;
  }
  *pnLine = nLine;
  return i;
}

int papers_space_len(const char *z, const char *zEnd) {
  const unsigned char *u = (const unsigned char *)z;
  i64 nLeft = zEnd - z;
  if (nLeft <= 0)
    return 0;
  if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
    return 1;
  if (u[0] == 0xC2)
    return (nLeft >= 2 && u[1] == 0xA0) ? 2 : 0;
  if (nLeft < 3)
    return 0;
  if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xAF)) {
    return u[2] >= 0x80 ? 3 : 0;
  }
  if (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
    return 3;
  if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
    return 3;
  return 0;
}

/* Length of the white-space character that ends just before zEnd, or 0.
** Every space is 1, 2 or 3 bytes long, so only those suffixes are tried, and
** only the first when the last byte is ASCII (a longer one ends with a byte
** >= 0x80). */
static int text_space_len_before(const char *zStart, const char *zEnd) {
  unsigned char cLast = (unsigned char)zEnd[-1];
  if (cLast < 0x80)
    return cLast == ' ' || (cLast >= '\t' && cLast <= '\r');
  for (int nTry = 2; nTry <= 3 && zEnd - nTry >= zStart; nTry++) {
    if (papers_space_len(zEnd - nTry, zEnd) == nTry)
      return nTry;
  }
  return 0;
}

PapersSpan papers_trim(const char *z, i64 n) {
  assert(n >= 0);
  const char *zEnd = z + n;
  int nSpace;
  /* an end at a printable ASCII byte other than a space is decided at once:
  ** no white space starts or ends there */
  if (n > 0 && !papers_is_word_byte(z[0])) {
    for (; z < zEnd; z += nSpace) {
      if (*z == ' ') { /* the common white space, without a call */
        nSpace = 1;
        continue;
      }
      if (papers_is_word_byte(*z) || (nSpace = papers_space_len(z, zEnd)) == 0)
        break;
    }
  }
  if (zEnd > z && !papers_is_word_byte(zEnd[-1])) {
    for (; zEnd > z; zEnd -= nSpace) {
      if (zEnd[-1] == ' ') {
        nSpace = 1;
        continue;
      }
      if (papers_is_word_byte(zEnd[-1]) || (nSpace = text_space_len_before(z, zEnd)) == 0)
        break;
    }
  }
  PapersSpan span = {z, zEnd - z};
  return span;
}

/* A block of 16 bytes as papers_fold() reads it: each LF made a space (an
** LF is white space, and a single one between words, where a paragraph was
** wrapped, folds to one space), with a mask of the bytes that do not fold to
** themselves so: bytes outside printable ASCII (0x20..0x7F) and a space
** right after another space of the block (a pair that straddles the block's
** end is the caller's to see). Most of a clean text is blocks whose mask is
** 0, which papers_fold() copies with one load and one store. SSE2 looks at
** all 16 bytes at once (a signed compare with 0x20 catches control bytes and
** every byte >= 0x80); elsewhere two 64-bit words decide a whole block (the
** exact zero-byte test, one bit per byte) and a block with some such byte is
** looked at byte by byte. */
#if defined(__SSE2__) && defined(__GNUC__)
typedef __m128i TextBlock;

static unsigned text_fold_block(const char *z, TextBlock *pBlock) {
  const __m128i space = _mm_set1_epi8(' ');
  __m128i bytes = _mm_loadu_si128((const __m128i *)z);
  __m128i isLf = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n'));
  bytes = _mm_xor_si128(bytes, _mm_and_si128(isLf, _mm_set1_epi8('\n' ^ ' ')));
  __m128i notPrintable = _mm_cmplt_epi8(bytes, space);
  __m128i isSpace = _mm_cmpeq_epi8(bytes, space);
  __m128i spacePair = _mm_and_si128(isSpace, _mm_slli_si128(isSpace, 1));
  *pBlock = bytes;
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(notPrintable, spacePair));
}

static void text_block_store(char *zOut, const TextBlock *pBlock) {
  _mm_storeu_si128((__m128i *)zOut, *pBlock);
}
#else
typedef struct TextBlock {
  char a[16];
} TextBlock;

/* The high bit of each byte of word that is zero, exactly. */
static uint64_t text_zero_bytes(uint64_t word) {
  const uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  return ~(((word & kLow7) + kLow7) | word | kLow7);
}

static unsigned text_fold_block(const char *z, TextBlock *pBlock) {
  const uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  uint64_t aWord[2], bad = 0;
  memcpy(aWord, z, 16);
  for (int k = 0; k < 2; k++) {
    uint64_t lf = text_zero_bytes(aWord[k] ^ (kOnes * '\n'));
    aWord[k] ^= (lf >> 7) * (uint64_t)('\n' ^ ' ');
    uint64_t space = text_zero_bytes(aWord[k] ^ (kOnes * ' '));
    uint64_t below = (aWord[k] - kOnes * ' ') & ~aWord[k] & kHigh; /* some < 0x20 */
    bad |= (aWord[k] & kHigh) | below | (space & (space >> 8));
  }
  memcpy(pBlock->a, aWord, 16);
  if (bad == 0 && !(pBlock->a[7] == ' ' && pBlock->a[8] == ' '))
    return 0;
  unsigned mask = 0;
  for (int k = 0; k < 16; k++) {
    unsigned char c = (unsigned char)pBlock->a[k];
    if (c < ' ' || c >= 0x80 || (k > 0 && c == ' ' && pBlock->a[k - 1] == ' '))
      mask |= 1u << k;
  }
  return mask;
}

static void text_block_store(char *zOut, const TextBlock *pBlock) {
  memcpy(zOut, pBlock->a, 16);
}
#endif

/* Copies the whole 16-byte blocks at the start of z[0..n) that fold to
** themselves (text_fold_block() gives them mask 0, and no space pair
** straddles two of them) to zOut, the first block's byte before being no
** space; returns the bytes copied, a multiple of 16. zOut is z or behind it.
** SSE2 carries the previous block's spaces in a register (byte 15 shifted
** to byte 0 finds a pair across the seam), so a block is one branch. On a
** CPU with AVX2 (asked at run time: the library runs on every x86-64), 32
** bytes a step go first; the 16-byte loop goes on from where they stop, so
** the bytes copied and the count returned are the same either way. */
#if defined(__SSE2__) && defined(__GNUC__)
static i64 text_copy_clean_blocks_sse2(char *zOut, const char *z, i64 n, i64 i) {
  const __m128i space = _mm_set1_epi8(' ');
  __m128i prevIsSpace = _mm_set1_epi8((char)(i > 0 && zOut[i - 1] == ' ' ? -1 : 0));
  for (; n - i >= 16; i += 16) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)(z + i));
    __m128i isLf = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n'));
    bytes = _mm_xor_si128(bytes, _mm_and_si128(isLf, _mm_set1_epi8('\n' ^ ' ')));
    __m128i isSpace = _mm_cmpeq_epi8(bytes, space);
    __m128i before =
        _mm_or_si128(_mm_slli_si128(isSpace, 1), _mm_srli_si128(prevIsSpace, 15));
    __m128i bad =
        _mm_or_si128(_mm_cmplt_epi8(bytes, space), _mm_and_si128(isSpace, before));
    if (_mm_movemask_epi8(bad))
      break;
    _mm_storeu_si128((__m128i *)(zOut + i), bytes);
    prevIsSpace = isSpace;
  }
  return i;
}

#if defined(TEXT_HAS_AVX2)

/* The 32-byte steps: the same tests as text_copy_clean_blocks_sse2(), the
** byte before each found across the two 16-byte lanes (alignr of this step's
** spaces after the previous step's). */
__attribute__((target("avx2"))) static i64 text_copy_clean_avx2(char *zOut, const char *z,
                                                                i64 n) {
  const __m256i space = _mm256_set1_epi8(' ');
  const __m256i lf = _mm256_set1_epi8('\n');
  const __m256i lfToSpace = _mm256_set1_epi8('\n' ^ ' ');
  __m256i prevIsSpace = _mm256_setzero_si256();
  i64 i = 0;
  for (; n - i >= 32; i += 32) {
    __m256i bytes = _mm256_loadu_si256((const __m256i *)(z + i));
    bytes = _mm256_xor_si256(bytes,
                             _mm256_and_si256(_mm256_cmpeq_epi8(bytes, lf), lfToSpace));
    __m256i isSpace = _mm256_cmpeq_epi8(bytes, space);
    __m256i before = _mm256_alignr_epi8(
        isSpace, _mm256_permute2x128_si256(prevIsSpace, isSpace, 0x21), 15);
    __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi8(space, bytes),
                                  _mm256_and_si256(isSpace, before));
    if (_mm256_movemask_epi8(bad))
      break;
    _mm256_storeu_si256((__m256i *)(zOut + i), bytes);
    prevIsSpace = isSpace;
  }
  return i;
}
#endif

static i64 text_copy_clean_blocks(char *zOut, const char *z, i64 n) {
  i64 i = 0;
#if defined(TEXT_HAS_AVX2)
  if (n >= 64 && __builtin_cpu_supports("avx2"))
    i = text_copy_clean_avx2(zOut, z, n);
#endif
  return text_copy_clean_blocks_sse2(zOut, z, n, i);
}
#else
static i64 text_copy_clean_blocks(char *zOut, const char *z, i64 n) {
  TextBlock block;
  i64 i = 0;
  for (; n - i >= 16; i += 16) {
    if (text_fold_block(z + i, &block) != 0)
      break;
    if (i > 0 && zOut[i - 1] == ' ' && (z[i] == ' ' || z[i] == '\n'))
      break; /* a pair across the blocks' seam */
    text_block_store(zOut + i, &block);
  }
  return i;
}
#endif

/* The index of the lowest bit set in mask (not 0). */
static int text_lowest_bit(unsigned mask) {
#if defined(__GNUC__)
  return __builtin_ctz(mask);
#else
  int k = 0;
  while (!(mask & 1u)) {
    mask >>= 1;
    k++;
  }
  return k;
#endif
}

/* papers_fold(), which also sets *pHasNul when the text holds a U+0000 (a
** control byte: never in a block copied whole, always in the byte path). */
static i64 text_fold(char *zOut, const char *z, i64 n, int *pHasNul) {
  const char *zStart = z, *zEnd = z + n;
  const int isInPlace = zOut == z;
  i64 nOut = 0;
  int pendingSpace = 0, hasNul = 0;
  while (z < zEnd) {
    unsigned char c = (unsigned char)*z;
    /* A tail shorter than a block, of a text not shorter than one, each of
    ** whose bytes so far gave one byte of output: the last 16 bytes of the
    ** text are one block, and when they all fold to themselves (printable
    ** ASCII, LFs made spaces, no space pair) and the last is no white space,
    ** the bytes before z among them gave themselves too (a tab, say, gave a
    ** space: the block would not be clean), so storing the block at the same
    ** offset in the output ends the text. Most short values (dates, titles)
    ** and the last line of most abstracts end so. */
    if (zEnd - z < 16 && n >= 16 && nOut == z - zStart && !pendingSpace && !isInPlace) {
      TextBlock block;
      if (text_fold_block(zEnd - 16, &block) == 0 && zEnd[-1] != ' ' &&
          zEnd[-1] != '\n') {
        text_block_store(zOut + n - 16, &block);
        nOut = n;
        break;
      }
    }
    /* Bytes that fold to themselves (an LF to a space) are copied as a run.
    ** A run may start with white space only right after a byte that is not
    ** white space; white space that ends it waits for what follows, as when
    ** bytes are read one at a time. A run is copied as 16 bytes, a load and
    ** a store, even when shorter: the output never runs ahead of the input,
    ** so the bytes past the run stay inside zOut[0..n) and are overwritten
    ** next. Not so when folding in place, where they would overwrite input
    ** not read yet. */
    if (zEnd - z >= 16 && ((c != ' ' && c != '\n') || (nOut > 0 && !pendingSpace))) {
      TextBlock block;
      unsigned mask = text_fold_block(z, &block);
      if (!(mask & 1u)) { /* the run is not empty */
        if (pendingSpace && nOut > 0)
          zOut[nOut++] = ' ';
        if (mask == 0) { /* whole blocks, the common case */
          i64 nWhole = text_copy_clean_blocks(zOut + nOut, z, zEnd - z);
          assert(nWhole >= 16);
          nOut += nWhole;
          z += nWhole;
          if (zEnd - z >= 16) {
            mask = text_fold_block(z, &block);
            if (zOut[nOut - 1] == ' ' && (*z == ' ' || *z == '\n'))
              mask |= 1u; /* a pair across the blocks' seam */
          }
        }
        if (mask != 0) { /* a run shorter than a block; it may be empty */
          int nRun = text_lowest_bit(mask);
          if (!isInPlace) {
            text_block_store(zOut + nOut, &block);
            nOut += nRun;
            z += nRun;
          } else {
            for (int k = 0; k < nRun; k++, z++)
              zOut[nOut++] = *z == '\n' ? ' ' : *z;
          }
        }
        pendingSpace = nOut > 0 && zOut[nOut - 1] == ' ';
        nOut -= pendingSpace;
        continue;
      }
    }
    int nSpace = (c > ' ' && c < 0x80) ? 0 : c == ' ' ? 1 : papers_space_len(z, zEnd);
    if (nSpace > 0) {
      pendingSpace = 1;
      z += nSpace;
      continue;
    }
    if (pendingSpace && nOut > 0)
      zOut[nOut++] = ' ';
    pendingSpace = 0;
    hasNul |= c == 0;
    zOut[nOut++] = (char)c;
    z++;
    while (zEnd - z > 0 && zEnd - z < 16 && papers_is_word_byte(*z))
      zOut[nOut++] = *z++; /* a short value or a tail: its word bytes at once */
  }
  assert(nOut <= n); /* callers size zOut by n */
  *pHasNul = hasNul;
  return nOut;
}

i64 papers_fold(char *zOut, const char *z, i64 n) {
  int hasNul;
  return text_fold(zOut, z, n, &hasNul);
}

i64 papers_fold_short(char *zBuf, i64 nBuf, const char *z, i64 n) {
  if (n > nBuf)
    return -1;
  return papers_fold(zBuf, z, n);
}

/* True when papers_fold() leaves the span (trimmed: no white space at either
** end) as it is: its only white space is single ASCII spaces. */
static int text_folds_to_itself(PapersSpan span) {
  const char *z = span.z, *zEnd = span.z + span.n;
  for (; z < zEnd; z++) {
    unsigned char c = (unsigned char)*z;
    if (c > ' ' && c < 0x80)
      continue; /* most bytes */
    if (c == ' ') {
      assert(z + 1 < zEnd); /* a trimmed span ends with another byte */
      if (z[1] == ' ')
        return 0;
    } else if (c >= 0x80) {
      /* only U+00A0 (C2), U+2000.. (E2) and U+3000 (E3) start white space */
      if ((c == 0xC2 || c == 0xE2 || c == 0xE3) && papers_space_len(z, zEnd) > 0)
        return 0;
    } else if (c >= '\t' && c <= '\r') {
      return 0;
    }
  }
  return 1;
}

i64 papers_fold_short_view(char *zBuf, i64 nBuf, const char *z, i64 n,
                           const char **pzFolded) {
  if (n > nBuf)
    return -1;
  PapersSpan trimmed = papers_trim(z, n);
  if (text_folds_to_itself(trimmed)) {
    *pzFolded = trimmed.z;
    return trimmed.n;
  }
  *pzFolded = zBuf;
  return papers_fold(zBuf, z, n);
}

char *papers_result_buffer(sqlite3_context *pCtx, PapersSpan span, char *aStack) {
  if (span.z == 0)
    return 0; /* the result stays NULL */
  if (aStack && span.n < PAPERS_RESULT_STACK)
    return aStack;
  char *z = sqlite3_malloc64((sqlite3_uint64)span.n + 1);
  if (z == 0)
    sqlite3_result_error_nomem(pCtx);
  return z;
}

void papers_result_buffer_free(char *z, const char *aStack) {
  if (z != aStack)
    sqlite3_free(z);
}

/* papers_result_text() for a text the caller knows holds no U+0000 when
** hasNul is 0 (then not looked at again). */
static void text_result(sqlite3_context *pCtx, char *z, i64 n, const char *aStack,
                        int hasNul) {
  void (*xDel)(void *) = z == aStack ? SQLITE_TRANSIENT : sqlite3_free;
  z[n] = 0;
  assert(hasNul || memchr(z, 0, (size_t)n) == 0);
  /* Length -1: SQLite measures the text and marks it NUL-terminated. Given a
  ** length, it would copy the text again the first time a function such as
  ** length() or a program asks for it with its terminator. A text holding a
  ** NUL (U+0000 is valid UTF-8) must be given its length. */
  if (!hasNul || memchr(z, 0, (size_t)n) == 0) {
    sqlite3_result_text(pCtx, z, -1, xDel);
  } else {
    sqlite3_result_text64(pCtx, z, (sqlite3_uint64)n, xDel, SQLITE_UTF8);
  }
}

void papers_result_text(sqlite3_context *pCtx, char *z, i64 n, const char *aStack) {
  text_result(pCtx, z, n, aStack, 1);
}

void papers_result_plain(sqlite3_context *pCtx, const char *z, i64 n) {
  char aStack[PAPERS_RESULT_STACK];
  PapersSpan span = {z, n};
  char *zOut = papers_result_buffer(pCtx, span, aStack);
  if (zOut == 0)
    return;
  assert(papers_trim(z, n).n == n && memchr(z, 0, (size_t)n) == 0);
  memcpy(zOut, z, (size_t)n);
  text_result(pCtx, zOut, n, aStack, 0);
}

void papers_result_folded(sqlite3_context *pCtx, PapersSpan span) {
  char aStack[PAPERS_RESULT_STACK];
  char *zOut = papers_result_buffer(pCtx, span, aStack);
  if (zOut == 0)
    return;
  int hasNul;
  i64 nOut = text_fold(zOut, span.z, span.n, &hasNul);
  text_result(pCtx, zOut, nOut, aStack, hasNul);
}

/* Writes z[0..n) escaped for a JSON string (no quotes) into zOut, which holds
** at least 6n bytes, or only counts when zOut is 0; returns the length. */
static i64 text_json_escape(const char *z, i64 n, char *zOut) {
  static const char aHex[] = "0123456789abcdef";
  i64 nOut = 0, iRun = 0; /* start of the run of bytes that need no escape */
  for (i64 i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    int nEsc = (c == '"' || c == '\\') ? 2 : 6;
    if (zOut) {
      memcpy(zOut + nOut, z + iRun, (size_t)(i - iRun));
      char *zEsc = zOut + nOut + (i - iRun);
      zEsc[0] = '\\';
      if (nEsc == 2) {
        zEsc[1] = (char)c;
      } else {
        memcpy(zEsc + 1, "u00", 3);
        zEsc[4] = aHex[c >> 4];
        zEsc[5] = aHex[c & 15];
      }
    }
    nOut += (i - iRun) + nEsc;
    iRun = i + 1;
  }
  if (zOut)
    memcpy(zOut + nOut, z + iRun, (size_t)(n - iRun));
  return nOut + (n - iRun);
}

i64 papers_json_escaped_len(const char *z, i64 n) {
  return text_json_escape(z, n, 0);
}

void papers_json_append_string(sqlite3_str *pStr, const char *z, i64 n) {
  enum { CHUNK = 64 };
  char zEscaped[6 * CHUNK];
  sqlite3_str_appendchar(pStr, 1, '"');
  for (i64 i = 0; i < n; i += CHUNK) {
    i64 nChunk = n - i < CHUNK ? n - i : CHUNK;
    sqlite3_str_append(pStr, zEscaped, (int)text_json_escape(z + i, nChunk, zEscaped));
  }
  sqlite3_str_appendchar(pStr, 1, '"');
}

void papers_json_put_string(PapersJson *pJson, const char *z, i64 n) {
  papers_json_put(pJson, "\"", 1);
  char *zOut = 0;
  if (pJson->z) { /* an escape is at most 6 bytes; else measure first */
    i64 nEscaped = pJson->n + 6 * n <= pJson->nAlloc ? 0 : text_json_escape(z, n, 0);
    if (papers_json_fits(pJson, nEscaped))
      zOut = pJson->z + pJson->n;
  }
  pJson->n += text_json_escape(z, n, zOut);
  papers_json_put(pJson, "\"", 1);
}

/* After a first pass that did not fit in the stack: the buffer for the
** second. Returns 0, with the result set to the error, when the text would
** exceed SQLITE_LIMIT_LENGTH or memory runs out. */
static int text_json_alloc(sqlite3_context *pCtx, PapersJson *pJson) {
  sqlite3 *db = sqlite3_context_db_handle(pCtx);
  assert(pJson->z == 0); /* after the counting pass */
  if (pJson->n > sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1)) {
    sqlite3_result_error_toobig(pCtx);
    return 0;
  }
  pJson->z = sqlite3_malloc64((sqlite3_uint64)pJson->n + 1);
  if (pJson->z == 0) {
    sqlite3_result_error_nomem(pCtx);
    return 0;
  }
  pJson->nAlloc = pJson->n;
  pJson->n = 0;
  return 1;
}

void papers_result_json_written(sqlite3_context *pCtx,
                                void (*xWrite)(PapersJson *, const void *),
                                const void *pArg) {
  char aStack[PAPERS_RESULT_STACK];
  PapersJson json = {aStack, 0, PAPERS_RESULT_STACK - 1};
  xWrite(&json, pArg); /* writes into aStack, or only counts */
  if (json.z == 0) {
    if (!text_json_alloc(pCtx, &json))
      return;
    xWrite(&json, pArg); /* writes */
    assert(json.z != 0 && json.n == json.nAlloc);
  }
  if (json.n > 0) {
    text_result(pCtx, json.z, json.n, aStack, 0); /* JSON escapes every U+0000 */
    sqlite3_result_subtype(pCtx, TEXT_JSON_SUBTYPE);
  } else {
    papers_result_buffer_free(json.z, aStack); /* the result stays NULL */
  }
}

void papers_result_json_static(sqlite3_context *pCtx, const char *zJson) {
  /* Copied: SQLITE_STATIC would make SQLite free the buffer its register keeps
  ** for the next copied value (measured: more instructions, not fewer). */
  sqlite3_result_text(pCtx, zJson, -1, SQLITE_TRANSIENT);
  sqlite3_result_subtype(pCtx, TEXT_JSON_SUBTYPE);
}

void papers_result_json(sqlite3_context *pCtx, sqlite3_str *pStr) {
  int rc = sqlite3_str_errcode(pStr);
  int nText = sqlite3_str_length(pStr);
  char *zText = sqlite3_str_finish(pStr);
  if (rc == SQLITE_NOMEM || (rc == SQLITE_OK && zText == 0)) {
    sqlite3_result_error_nomem(pCtx);
  } else if (rc != SQLITE_OK) {
    sqlite3_result_error_toobig(pCtx);
  } else {
    papers_result_text(pCtx, zText, nText, 0); /* sqlite3_str_finish() left room */
    sqlite3_result_subtype(pCtx, TEXT_JSON_SUBTYPE);
    return;
  }
  sqlite3_free(zText);
}

int papers_parse_count(const char *z, i64 n, i64 *pValue) {
  i64 v = 0;
  if (n <= 0)
    return 0;
  for (i64 i = 0; i < n; i++) {
    if (z[i] < '0' || z[i] > '9')
      return 0;
    int d = z[i] - '0';
    if (v > (INT64_MAX - d) / 10)
      return 0;
    v = v * 10 + d;
  }
  *pValue = v;
  return 1;
}

int papers_span_is(PapersSpan s, const char *zLit) {
  size_t n = strlen(zLit);
  return (size_t)s.n == n && memcmp(s.z, zLit, n) == 0;
}

int papers_has_prefix(const char *z, const char *zEnd, const char *zLit) {
  size_t n = strlen(zLit);
  return (size_t)(zEnd - z) >= n && memcmp(z, zLit, n) == 0;
}

const char *papers_find(const char *z, const char *zEnd, const char *zLit) {
  size_t n = strlen(zLit);
  while (zEnd - z >= (i64)n) {
    const char *zHit = memchr(z, zLit[0], (size_t)(zEnd - z) - n + 1);
    if (zHit == 0)
      return 0;
    if (memcmp(zHit, zLit, n) == 0)
      return zHit;
    z = zHit + 1;
  }
  return 0;
}

/* Powers of ten a double holds exactly. */
static const double aPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define DECIMAL_MAX_EXP 400 /* beyond it every double is 0 or infinite */

/* m * 10^iExp10 by IEEE multiplications and divisions by exact powers of ten:
** correctly rounded when m < 2^53 and |iExp10| <= 22, deterministic always. */
static double scale_pow10(sqlite3_uint64 m, int iExp10) {
  double v = (double)m;
  for (; iExp10 > 22; iExp10 -= 22)
    v *= 1e22;
  for (; iExp10 < -22; iExp10 += 22)
    v /= 1e22;
  return iExp10 >= 0 ? v * aPow10[iExp10] : v / aPow10[-iExp10];
}

/* Reads the digits at *pz into *pm (digits past the 19th are dropped, each
** one before the decimal point counted in *piExp10); returns how many. */
static int read_digits(const char **pz, sqlite3_uint64 *pm, int *piExp10,
                       int isFraction) {
  const char *z = *pz;
  int n = 0;
  for (; *z >= '0' && *z <= '9'; z++, n++) {
    if (*pm < 1000000000000000000ULL) {
      *pm = *pm * 10 + (sqlite3_uint64)(*z - '0');
      *piExp10 -= isFraction;
    } else if (!isFraction) {
      *piExp10 += 1;
    }
  }
  *pz = z;
  return n;
}

int papers_parse_decimal(const char *z, double *pValue) {
  sqlite3_uint64 m = 0;
  int iExp10 = 0, isNeg = *z == '-';
  if (*z == '+' || *z == '-')
    z++;
  int nDigit = read_digits(&z, &m, &iExp10, 0);
  if (*z == '.') {
    z++;
    nDigit += read_digits(&z, &m, &iExp10, 1);
  }
  if (nDigit == 0)
    return 0;
  if (*z == 'e' || *z == 'E') {
    int isNegExp = z[1] == '-', iExp = 0;
    z += 1 + (z[1] == '+' || z[1] == '-');
    if (*z < '0' || *z > '9')
      return 0;
    for (; *z >= '0' && *z <= '9'; z++)
      iExp = iExp < DECIMAL_MAX_EXP ? iExp * 10 + (*z - '0') : iExp;
    iExp10 += isNegExp ? -iExp : iExp;
  }
  if (*z != 0)
    return 0;
  double v = scale_pow10(m, iExp10);
  *pValue = isNeg ? -v : v;
  return 1;
}
