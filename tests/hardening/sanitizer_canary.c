/* sanitizer_canary.c - a program that makes the sanitizers report what it is told to
 * (`leak`, `ubsan`, `asan`; anything else: nothing) while printing a correct-looking
 * answer first, for sanreports_test.sh: a report must fail a suite wherever the
 * program's stderr went. Built only with RETORT_SANITIZE. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocates and drops the only pointer: a leak LeakSanitizer finds at exit. */
__attribute__((noinline)) static void canary__leak(void) {
  char *volatile p = malloc(64);
  p[0] = 1;
  p = NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  puts("ok");
  fflush(stdout);
  if (!strcmp(mode, "leak")) {
    canary__leak();
    return 0;
  }
  if (!strcmp(mode, "ubsan")) {
    volatile int x = INT_MAX;
    x = x + argc; // signed overflow
    return x == 0;
  }
  if (!strcmp(mode, "asan")) {
    char *volatile p = malloc(4);
    free(p);
    return p[0]; // use after free
  }
  return 0;
}
