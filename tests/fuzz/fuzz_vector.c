/*
** fuzz_vector.c: a libFuzzer target for the vector BLOB decoder,
** papers_vector_decode() (ext/vector.c), called directly. A BLOB that
** decodes has ids strictly increasing and weights finite in [-1, 1] (latent
** dimensions may be negative), and encodes to its shortest form: the same
** bytes when it was written so, fewer bytes (a latent tail written with its
** ids) otherwise, and that form decodes to the same vector. A BLOB that does
** not decode must name its problem.
*/
#include "topic.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  PapersVector vec;
  const char *zProblem = 0;
  int rc = papers_vector_decode(aData, (i64)nData, &vec, &zProblem);
  if (rc == SQLITE_ERROR) {
    if (zProblem == 0 || zProblem[0] == 0)
      abort();
    return 0;
  }
  if (rc != SQLITE_OK)
    return 0; /* SQLITE_NOMEM */
  for (int i = 0; i < vec.nTerm; i++) {
    if (i > 0 && vec.aId[i] <= vec.aId[i - 1])
      abort();
    if (!isfinite(vec.aWeight[i]) || vec.aWeight[i] < -1 || vec.aWeight[i] > 1)
      abort();
  }
  i64 nBlob = papers_vector_blob_size(&vec);
  if (nBlob > (i64)nData)
    abort();
  unsigned char *aBlob = malloc((size_t)nBlob);
  papers_vector_encode(&vec, aBlob);
  if (nBlob == (i64)nData && memcmp(aBlob, aData, nData) != 0)
    abort();
  PapersVector again;
  if (papers_vector_decode(aBlob, nBlob, &again, &zProblem) != SQLITE_OK)
    abort();
  if (again.nTerm != vec.nTerm)
    abort();
  for (int i = 0; i < vec.nTerm; i++) {
    if (again.aId[i] != vec.aId[i] ||
        memcmp(&again.aWeight[i], &vec.aWeight[i], sizeof(float)) != 0)
      abort();
  }
  papers_vector_free(&again);
  free(aBlob);
  papers_vector_free(&vec);
  return 0;
}
