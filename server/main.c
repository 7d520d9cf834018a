/* main.c - the retort executable: placeholder entry until the CLI lands. */
#include <stdio.h>

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "retort: not yet\n");
  return 2;
}
