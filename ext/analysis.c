/*
** analysis.c: how papers turns text into terms, through FTS5's tokenizers.
**
** Contract:
**   - Tokenizing is FTS5's: the fts5_api of the connection is fetched once
**     (SELECT fts5(?1) with sqlite3_bind_pointer) and any FTS5 tokenizer spec
**     is accepted ("porter unicode61 remove_diacritics 2" is the default), so a
**     user's FTS5 table and papers read text alike. Without FTS5 the topic
**     functions fail with a message saying so.
**   - Markup (markup.c: TeX, HTML, URLs) gives no token.
**   - A token is a stop word when its text as written, lower-cased, is in the
**     English list below, when it is a number (digits only), or when it is a
**     single character. Stop words make no terms.
**   - A number joined to the token before it by one hyphen stays with it:
**     "GPT-4" is one token "gpt-4" (FTS5 would give "gpt" and "4").
**   - Terms: every token that is not a stop word gives a unigram term (its
**     stem), and two such tokens next to each other (only spaces or a hyphen
**     between them, no stop word, punctuation or markup) give a phrase term
**     "stem1 stem2" ("information bottleneck", "kv cache"), unless one of
**     them is inside a hyphenated word that the tokenizer split: "Real-Time
**     Visual" gives "real time" but not "time visual". The stop words hold
**     every function word a phrase must not start or end with.
**   - A term's id is a 64-bit hash of its text (FNV-1a, then a SplitMix64
**     finaliser), the same on every machine; the 256 largest ids are kept for
**     latent dimensions (latent.c), so a hash there moves down by 256.
*/
#include "topic.h"

#include <string.h>

#define DEFAULT_TOKENIZE  "porter unicode61 remove_diacritics 2"
#define MAX_TOKENIZE_ARGS 16

/* English function words, sorted for binary search. */
static const char *const azStopWord[] = {
    "a",          "about",   "above",   "across",    "after",    "again",      "against",
    "al",         "all",     "also",    "am",        "among",    "an",         "and",
    "any",        "are",     "as",      "at",        "based",    "be",         "because",
    "been",       "before",  "being",   "below",     "between",  "both",       "but",
    "by",         "can",     "could",   "did",       "do",       "does",       "doing",
    "down",       "during",  "each",    "eg",        "either",   "et",         "etc",
    "few",        "for",     "from",    "further",   "had",      "has",        "have",
    "having",     "he",      "her",     "here",      "hers",     "herself",    "him",
    "himself",    "his",     "how",     "however",   "i",        "ie",         "if",
    "in",         "into",    "is",      "it",        "its",      "itself",     "just",
    "may",        "me",      "might",   "more",      "most",     "much",       "must",
    "my",         "myself",  "no",      "nor",       "not",      "now",        "of",
    "off",        "on",      "once",    "one",       "only",     "onto",       "or",
    "other",      "our",     "ours",    "ourselves", "out",      "over",       "own",
    "per",        "same",    "she",     "should",    "since",    "so",         "some",
    "such",       "than",    "that",    "the",       "their",    "theirs",     "them",
    "themselves", "then",    "there",   "therefore", "these",    "they",       "this",
    "those",      "through", "thus",    "to",        "too",      "toward",     "towards",
    "two",        "under",   "until",   "up",        "upon",     "us",         "using",
    "very",       "via",     "vs",      "was",       "we",       "were",       "what",
    "when",       "where",   "whether", "which",     "while",    "who",        "whom",
    "whose",      "why",     "will",    "with",      "within",   "without",    "would",
    "yet",        "you",     "your",    "yours",     "yourself", "yourselves",
};

#define N_STOP_WORD ((int)(sizeof(azStopWord) / sizeof(azStopWord[0])))

/* ---- the connection's FTS5 and analyzers ------------------------------ */

struct PapersAnalyzer {
  char *zSpec;              /* the tokenize spec, as given */
  fts5_tokenizer tokenizer; /* its methods */
  void *pUserData;          /* its module's, for more instances (papers_analyzer_copy) */
  Fts5Tokenizer *pTok;      /* its instance */
  PapersAnalyzer *pNext;    /* next analyzer cached on the connection */
};

struct PapersConn {
  sqlite3 *db;
  int nRef;               /* registrations holding it, and its creator */
  fts5_api *pFts5;        /* 0 until first needed */
  PapersAnalyzer *pFirst; /* analyzers created so far, one per spec */
};

PapersConn *papers_conn_new(sqlite3 *db) {
  PapersConn *pConn = sqlite3_malloc64(sizeof(*pConn));
  if (pConn) {
    memset(pConn, 0, sizeof(*pConn));
    pConn->db = db;
    pConn->nRef = 1;
  }
  return pConn;
}

PapersConn *papers_conn_ref(PapersConn *pConn) {
  pConn->nRef++;
  return pConn;
}

void papers_conn_unref(void *pArg) {
  PapersConn *pConn = pArg;
  if (pConn == 0 || --pConn->nRef > 0)
    return;
  PapersAnalyzer *p = pConn->pFirst;
  while (p) {
    PapersAnalyzer *pNext = p->pNext;
    papers_analyzer_free(p);
    p = pNext;
  }
  sqlite3_free(pConn);
}

sqlite3 *papers_conn_db(const PapersConn *pConn) {
  return pConn->db;
}

/* Fetches the connection's fts5_api, the documented way. */
static int fetch_fts5(PapersConn *pConn, char **pzErr) {
  sqlite3_stmt *pStmt = 0;
  fts5_api *pApi = 0;
  if (pConn->pFts5)
    return SQLITE_OK;
  int rc = sqlite3_prepare_v2(pConn->db, "SELECT fts5(?1)", -1, &pStmt, 0);
  if (rc == SQLITE_OK) {
    sqlite3_bind_pointer(pStmt, 1, (void *)&pApi, "fts5_api_ptr", 0);
    sqlite3_step(pStmt);
    rc = sqlite3_finalize(pStmt);
  }
  if (rc == SQLITE_NOMEM)
    return rc;
  if (pApi == 0) {
    *pzErr = sqlite3_mprintf("this SQLite has no FTS5, which the topic functions need");
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  pConn->pFts5 = pApi;
  return SQLITE_OK;
}

/* Splits a spec into words in place (zCopy is modified); returns their count. */
static int split_spec(char *zCopy, const char **azWord, int nMax) {
  int nWord = 0;
  char *z = zCopy;
  while (*z && nWord < nMax) {
    while (*z == ' ' || *z == '\t')
      *z++ = 0;
    if (*z == 0)
      break;
    azWord[nWord++] = z;
    while (*z && *z != ' ' && *z != '\t')
      z++;
  }
  return nWord;
}

/* Creates p's tokenizer instance from p->zSpec, with p->tokenizer and
** p->pUserData set. */
static int analyzer_instance(PapersAnalyzer *p, char **pzErr) {
  const char *azWord[MAX_TOKENIZE_ARGS + 1];
  char *zCopy = sqlite3_mprintf("%s", p->zSpec);
  if (zCopy == 0)
    return SQLITE_NOMEM;
  int nWord = split_spec(zCopy, azWord, MAX_TOKENIZE_ARGS + 1);
  assert(nWord > 0);
  int rc = p->tokenizer.xCreate(p->pUserData, azWord + 1, nWord - 1, &p->pTok);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    *pzErr = sqlite3_mprintf("tokenizer '%s' refused its arguments", p->zSpec);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM; /* no room for the message */
  }
  sqlite3_free(zCopy);
  return rc;
}

static int create_analyzer(PapersConn *pConn, const char *zSpec, PapersAnalyzer **ppOut,
                           char **pzErr) {
  const char *azWord[MAX_TOKENIZE_ARGS + 1];
  PapersAnalyzer *p = sqlite3_malloc64(sizeof(*p));
  char *zCopy = sqlite3_mprintf("%s", zSpec);
  if (p == 0 || zCopy == 0) {
    sqlite3_free(p);
    sqlite3_free(zCopy);
    return SQLITE_NOMEM;
  }
  memset(p, 0, sizeof(*p));
  p->zSpec = sqlite3_mprintf("%s", zSpec);
  int nWord = split_spec(zCopy, azWord, MAX_TOKENIZE_ARGS + 1);
  int rc = p->zSpec ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK && nWord == 0) {
    *pzErr = sqlite3_mprintf("tokenize is empty");
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK &&
      pConn->pFts5->xFindTokenizer(pConn->pFts5, azWord[0], &p->pUserData,
                                   &p->tokenizer) != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("no such tokenizer: '%s'", azWord[0]);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK)
    rc = analyzer_instance(p, pzErr);
  sqlite3_free(zCopy);
  if (rc != SQLITE_OK) {
    sqlite3_free(p->zSpec);
    sqlite3_free(p);
    return rc;
  }
  p->pNext = pConn->pFirst;
  pConn->pFirst = p;
  *ppOut = p;
  return SQLITE_OK;
}

int papers_conn_analyzer(PapersConn *pConn, const char *zSpec, PapersAnalyzer **ppOut,
                         char **pzErr) {
  if (zSpec == 0)
    zSpec = DEFAULT_TOKENIZE;
  int rc = fetch_fts5(pConn, pzErr);
  if (rc != SQLITE_OK)
    return rc;
  for (PapersAnalyzer *p = pConn->pFirst; p; p = p->pNext) {
    if (strcmp(p->zSpec, zSpec) == 0) {
      *ppOut = p;
      return SQLITE_OK;
    }
  }
  return create_analyzer(pConn, zSpec, ppOut, pzErr);
}

/* FTS5's own tokenizers, which keep all they change in their instance. */
static const char *const azAnalysisOwnTokenizer[] = {"porter", "unicode61", "ascii",
                                                     "trigram"};

static int is_own_tokenizer(const char *z) {
  for (size_t i = 0;
       i < sizeof(azAnalysisOwnTokenizer) / sizeof(azAnalysisOwnTokenizer[0]); i++) {
    if (strcmp(z, azAnalysisOwnTokenizer[i]) == 0)
      return 1;
  }
  return 0;
}

int papers_analyzer_is_copyable(const PapersAnalyzer *p, int *pIsCopyable) {
  const char *azWord[MAX_TOKENIZE_ARGS + 1];
  char *zCopy = sqlite3_mprintf("%s", p->zSpec);
  if (zCopy == 0)
    return SQLITE_NOMEM;
  int nWord = split_spec(zCopy, azWord, MAX_TOKENIZE_ARGS + 1);
  /* porter's arguments are its parent tokenizer's spec */
  *pIsCopyable =
      nWord > 0 && is_own_tokenizer(azWord[0]) &&
      (strcmp(azWord[0], "porter") != 0 || nWord == 1 || is_own_tokenizer(azWord[1]));
  sqlite3_free(zCopy);
  return SQLITE_OK;
}

int papers_analyzer_copy(const PapersAnalyzer *pFrom, PapersAnalyzer **ppOut) {
  char *zErr = 0;
  PapersAnalyzer *p = sqlite3_malloc64(sizeof(*p));
  if (p == 0)
    return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->tokenizer = pFrom->tokenizer;
  p->pUserData = pFrom->pUserData;
  p->zSpec = sqlite3_mprintf("%s", pFrom->zSpec);
  int rc = p->zSpec ? analyzer_instance(p, &zErr) : SQLITE_NOMEM;
  sqlite3_free(zErr); /* it took these arguments once: only memory fails */
  if (rc != SQLITE_OK) {
    papers_analyzer_free(p);
    return rc == SQLITE_ERROR ? SQLITE_NOMEM : rc;
  }
  *ppOut = p;
  return SQLITE_OK;
}

void papers_analyzer_free(PapersAnalyzer *p) {
  if (p == 0)
    return;
  if (p->pTok)
    p->tokenizer.xDelete(p->pTok);
  sqlite3_free(p->zSpec);
  sqlite3_free(p);
}

const char *papers_default_tokenize(void) {
  return DEFAULT_TOKENIZE;
}

/* ---- term ids ------------------------------------------------------------ */

sqlite3_uint64 papers_term_id(const char *z, i64 n) {
  sqlite3_uint64 h = 0xcbf29ce484222325ULL;
  for (i64 i = 0; i < n; i++) {
    h ^= (unsigned char)z[i];
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return papers_is_latent_id(h) ? h - 256
                                : h; /* the top 256 ids name latent dimensions */
}

/* ---- tokens ------------------------------------------------------------ */

/* Where the stop words of each first letter start in azStopWord ('a' to
** 'z', then the end): a word is searched among those of its first letter
** only. tests/analysis.test checks that every stop word is found. */
static const unsigned char aAnalysisStopFirst[27] = {
    0,  18, 29, 31, 37, 42,  46,  46,  60,  69,  70,  70,  70,  79,
    83, 98, 99, 99, 99, 106, 127, 133, 136, 154, 154, 160, 160,
};
#define ANALYSIS_STOP_WORD_MAX 10 /* bytes of the longest stop word */

static int is_stop_word(const char *z, int n) {
  char zLower[ANALYSIS_STOP_WORD_MAX + 1];
  if (n > ANALYSIS_STOP_WORD_MAX || n < 1)
    return 0;
  for (int i = 0; i < n; i++) {
    char c = z[i];
    zLower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
  }
  zLower[n] = 0;
  assert(aAnalysisStopFirst[26] == N_STOP_WORD);
  if (zLower[0] < 'a' || zLower[0] > 'z')
    return 0;
  int iLo = aAnalysisStopFirst[zLower[0] - 'a'],
      iHi = aAnalysisStopFirst[zLower[0] - 'a' + 1] - 1;
  while (iLo <= iHi) {
    int iMid = (iLo + iHi) / 2;
    const char *zWord = azStopWord[iMid];
    assert(zWord[0] == zLower[0]);
    int cmp = strcmp(zLower + 1, zWord + 1);
    if (cmp == 0)
      return 1;
    if (cmp < 0)
      iHi = iMid - 1;
    else
      iLo = iMid + 1;
  }
  return 0;
}

static int is_all_digits(const char *z, int n) {
  for (int i = 0; i < n; i++) {
    if (z[i] < '0' || z[i] > '9')
      return 0;
  }
  return n > 0;
}

/* Number of characters (not bytes) of UTF-8 text. */
static int utf8_length(const char *z, int n) {
  int nChar = 0;
  for (int i = 0; i < n; i++)
    nChar += ((unsigned char)z[i] & 0xC0) != 0x80;
  return nChar;
}

/* The token being assembled: held back one step, since the next token may
** join it ("gpt" + "-4"). Its term text is copied: FTS5's buffer is only valid
** during the callback. */
typedef struct TokenState {
  const char *zText; /* the analysed text */
  int nText;
  unsigned char *aMask; /* markup.c's marks of zText, or 0: no markup */
  char *zTerm;          /* the held token's term text */
  int nTerm, nAlloc;
  int iStart, iEnd;             /* its offsets */
  int hasToken;                 /* a token is held */
  int isJoined, isHyphenBefore; /* the held token's PapersToken flags */
  int rc;
  int (*xToken)(void *, const PapersToken *);
  void *pCtx;
} TokenState;

static int hold_term(TokenState *p, const char *z, int n, int iAt) {
  assert(iAt >= 0 && n >= 0);
  if (iAt + n + 1 > p->nAlloc) {
    int nNew = (iAt + n + 1) * 2;
    char *zNew = sqlite3_realloc64(p->zTerm, (sqlite3_uint64)nNew);
    if (zNew == 0)
      return SQLITE_NOMEM;
    p->zTerm = zNew;
    p->nAlloc = nNew;
  }
  memcpy(p->zTerm + iAt, z, (size_t)n);
  p->nTerm = iAt + n;
  return SQLITE_OK;
}

/* What separates two tokens, the bytes z[0..n) between them (aMask their
** marks, or 0): GAP_HYPHEN (one hyphen), GAP_JOINED (spaces and hyphens
** only, no markup) or GAP_BREAK. */
#define GAP_BREAK  0
#define GAP_JOINED 1
#define GAP_HYPHEN 2
static int gap_kind(const char *z, const unsigned char *aMask, int n) {
  for (int i = 0; i < n; i++) {
    if ((aMask && aMask[i] != MARKUP_TEXT) || (z[i] != ' ' && z[i] != '-'))
      return GAP_BREAK;
  }
  return n == 1 && z[0] == '-' ? GAP_HYPHEN : GAP_JOINED;
}

/* The gap between the held token and a token starting at iStart. */
static int gap_after_held(const TokenState *p, int iStart) {
  if (!p->hasToken)
    return GAP_BREAK;
  return gap_kind(p->zText + p->iEnd, p->aMask ? p->aMask + p->iEnd : 0,
                  iStart - p->iEnd);
}

/* Hands the held token on; iNext is where the next token starts (-1: none). */
static int emit_held(TokenState *p, int iNext) {
  if (!p->hasToken)
    return SQLITE_OK;
  PapersToken token;
  const char *zSurface = p->zText + p->iStart;
  int nSurface = p->iEnd - p->iStart;
  assert(nSurface >= 0);
  token.zTerm = p->zTerm;
  token.nTerm = p->nTerm;
  token.iStart = p->iStart;
  token.iEnd = p->iEnd;
  token.isStop = is_all_digits(p->zTerm, p->nTerm) ||
                 utf8_length(p->zTerm, p->nTerm) < 2 || is_stop_word(zSurface, nSurface);
  token.isJoined = p->isJoined;
  token.isHyphenBefore = p->isHyphenBefore;
  token.isHyphenAfter = iNext >= 0 && gap_after_held(p, iNext) == GAP_HYPHEN;
  p->hasToken = 0;
  return p->xToken(p->pCtx, &token);
}

static int token_callback(void *pCtx, int tflags, const char *zToken, int nToken,
                          int iStart, int iEnd) {
  TokenState *p = pCtx;
  if (tflags & FTS5_TOKEN_COLOCATED)
    return SQLITE_OK; /* a synonym: the first form serves */
  if (p->aMask && iStart >= 0 && iStart < p->nText && p->aMask[iStart] != MARKUP_TEXT)
    return SQLITE_OK; /* markup makes no token */
  int gap = gap_after_held(p, iStart);
  int joinsHeld = gap == GAP_HYPHEN && is_all_digits(zToken, nToken) &&
                  !is_all_digits(p->zTerm, p->nTerm);
  int rc;
  if (joinsHeld) {
    rc = hold_term(p, "-", 1, p->nTerm);
    if (rc == SQLITE_OK)
      rc = hold_term(p, zToken, nToken, p->nTerm);
    p->iEnd = iEnd;
    return rc;
  }
  rc = emit_held(p, iStart);
  if (rc == SQLITE_OK)
    rc = hold_term(p, zToken, nToken, 0);
  p->iStart = iStart;
  p->iEnd = iEnd;
  p->hasToken = 1;
  p->isJoined = gap != GAP_BREAK;
  p->isHyphenBefore = gap == GAP_HYPHEN;
  return rc;
}

int papers_analyze_tokens(PapersAnalyzer *pAnalyzer, const char *z, int n,
                          int (*xToken)(void *, const PapersToken *), void *pCtx) {
  TokenState state;
  memset(&state, 0, sizeof(state));
  state.zText = z;
  state.nText = n;
  state.xToken = xToken;
  state.pCtx = pCtx;
  int rc = papers_markup_mask(z, n, &state.aMask);
  if (rc == SQLITE_OK)
    rc = pAnalyzer->tokenizer.xTokenize(pAnalyzer->pTok, &state, FTS5_TOKENIZE_DOCUMENT,
                                        z, n, token_callback);
  if (rc == SQLITE_OK)
    rc = emit_held(&state, -1);
  sqlite3_free(state.zTerm);
  sqlite3_free(state.aMask);
  return rc;
}

/* ---- terms ------------------------------------------------------------ */

/* The previous non-stop token, for phrases. */
typedef struct TermState {
  char *zPrev; /* previous token's term text, when it was not a stop word */
  int nPrev, nAlloc;
  int iPrevStart;
  int hasPrev;
  int isPrevHyphenBefore; /* the previous token ends a hyphenated word's part */
  char *zPhrase;          /* buffer for "prev term" */
  int nPhraseAlloc;
  int (*xTerm)(void *, const PapersTerm *);
  void *pCtx;
} TermState;

static int grow(char **pz, int *pnAlloc, int nNeed) {
  if (nNeed <= *pnAlloc)
    return SQLITE_OK;
  char *zNew = sqlite3_realloc64(*pz, (sqlite3_uint64)nNeed * 2);
  if (zNew == 0)
    return SQLITE_NOMEM;
  *pz = zNew;
  *pnAlloc = nNeed * 2;
  return SQLITE_OK;
}

static int emit_term(TermState *p, const char *z, int n, int iStart, int iEnd,
                     int isPhrase) {
  PapersTerm term;
  term.id = papers_term_id(z, n);
  term.zTerm = z;
  term.nTerm = n;
  term.iStart = iStart;
  term.iEnd = iEnd;
  term.isPhrase = isPhrase;
  return p->xTerm(p->pCtx, &term);
}

static int term_from_token(void *pCtx, const PapersToken *pToken) {
  TermState *p = pCtx;
  if (pToken->isStop) {
    p->hasPrev = 0;
    return SQLITE_OK;
  }
  int rc = emit_term(p, pToken->zTerm, pToken->nTerm, pToken->iStart, pToken->iEnd, 0);
  /* a phrase: two joined tokens, neither inside a hyphenated word that the
  ** tokenizer split (not "time visual" of "Real-Time Visual") */
  if (rc == SQLITE_OK && p->hasPrev && pToken->isJoined && !p->isPrevHyphenBefore &&
      !pToken->isHyphenAfter) {
    int nPhrase = p->nPrev + 1 + pToken->nTerm;
    rc = grow(&p->zPhrase, &p->nPhraseAlloc, nPhrase);
    if (rc == SQLITE_OK) {
      memcpy(p->zPhrase, p->zPrev, (size_t)p->nPrev);
      p->zPhrase[p->nPrev] = ' ';
      memcpy(p->zPhrase + p->nPrev + 1, pToken->zTerm, (size_t)pToken->nTerm);
      rc = emit_term(p, p->zPhrase, nPhrase, p->iPrevStart, pToken->iEnd, 1);
    }
  }
  if (rc == SQLITE_OK)
    rc = grow(&p->zPrev, &p->nAlloc, pToken->nTerm);
  if (rc != SQLITE_OK)
    return rc;
  memcpy(p->zPrev, pToken->zTerm, (size_t)pToken->nTerm);
  p->nPrev = pToken->nTerm;
  p->iPrevStart = pToken->iStart;
  p->hasPrev = 1;
  p->isPrevHyphenBefore = pToken->isHyphenBefore;
  return SQLITE_OK;
}

int papers_analyze_terms(PapersAnalyzer *pAnalyzer, const char *z, int n,
                         int (*xTerm)(void *, const PapersTerm *), void *pCtx) {
  TermState state;
  memset(&state, 0, sizeof(state));
  state.xTerm = xTerm;
  state.pCtx = pCtx;
  int rc = papers_analyze_tokens(pAnalyzer, z, n, term_from_token, &state);
  sqlite3_free(state.zPrev);
  sqlite3_free(state.zPhrase);
  return rc;
}
