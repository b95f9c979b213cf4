/*
** fuzz_input.h: reading a libFuzzer input as a program, byte by byte (the
** targets that decode operations from their input share it).
*/
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct Input {
  const uint8_t *a;
  size_t n, i;
} Input;

/* The next byte, or -1 at the end. */
static int next_byte(Input *p) {
  return p->i < p->n ? p->a[p->i++] : -1;
}

#endif /* FUZZ_INPUT_H */
