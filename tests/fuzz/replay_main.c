/* replay_main.c - runs a fuzz target over files and directories of inputs without
 * libFuzzer: how the ordinary test command replays each committed corpus (and any
 * crash file) with gcc, sanitizers or not. Usage: TARGET PATH... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_input.h"

static size_t replayed;

static void replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    exit(2);
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  replayed++;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: %s does not exist\n", path);
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    replay_file(path);
    return;
  }
  struct dirent **list;
  int n = scandir(path, &list, NULL, by_name);
  for (int i = 0; i < n; i++) {
    if (list[i]->d_name[0] != '.') {
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%s", path, list[i]->d_name);
      replay_path(sub);
    }
    free(list[i]);
  }
  free(list);
}

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) replay_path(argv[i]);
  if (replayed == 0) {
    fprintf(stderr, "replay: no inputs found\n");
    return 2;
  }
  printf("replayed %zu inputs: no crash\n", replayed);
  return 0;
}
