/*
** fuzz_fold.c: a differential libFuzzer target for papers_fold(), the
** function every text column is made by.
**
** papers_fold() copies runs of bytes that fold to themselves 16 at a time
** (an LF among them made a space); fold_reference() below reads one
** character at a time, as the contract in parse.h says: every run of white
** space (papers_space_len()) becomes one space, none is left at either end.
** Both must give the same bytes for any input (valid UTF-8 or not), folding
** into another buffer and in place, from every offset of the first 16 bytes
** (so that blocks straddle every seam).
*/
#include "parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static i64 fold_reference(char *zOut, const char *z, i64 n) {
  const char *zEnd = z + n;
  i64 nOut = 0;
  int pendingSpace = 0;
  while (z < zEnd) {
    int nSpace = papers_space_len(z, zEnd);
    if (nSpace > 0) {
      pendingSpace = 1;
      z += nSpace;
      continue;
    }
    if (pendingSpace && nOut > 0)
      zOut[nOut++] = ' ';
    pendingSpace = 0;
    zOut[nOut++] = *z++;
  }
  return nOut;
}

static void fold_compare(const char *z, i64 n) {
  char *zWant = malloc((size_t)n + 1), *zGot = malloc((size_t)n + 1);
  char *zInPlace = malloc((size_t)n + 1);
  if (zWant == 0 || zGot == 0 || zInPlace == 0)
    abort();
  i64 nWant = fold_reference(zWant, z, n);
  i64 nGot = papers_fold(zGot, z, n);
  memcpy(zInPlace, z, (size_t)n);
  i64 nInPlace = papers_fold(zInPlace, zInPlace, n);
  if (nGot != nWant || memcmp(zGot, zWant, (size_t)nWant) != 0 || nInPlace != nWant ||
      memcmp(zInPlace, zWant, (size_t)nWant) != 0) {
    fprintf(stderr, "fuzz_fold: papers_fold differs from the reference on %lld bytes\n",
            (long long)n);
    abort();
  }
  free(zWant);
  free(zGot);
  free(zInPlace);
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  for (size_t iStart = 0; iStart < 16 && iStart <= nData; iStart++)
    fold_compare((const char *)aData + iStart, (i64)(nData - iStart));
  return 0;
}
