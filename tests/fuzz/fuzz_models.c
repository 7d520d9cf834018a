/* fuzz_models.c - model files from arbitrary bytes through the model reader: parse, import
 * following between files, resolution, interpretation, and the schema view. The input is
 * split on lines "#=== " into up to five modules (models.py, m1.py, m2.py, m3.py,
 * pkg/__init__.py) so that imports, cycles and cross-file constants are reached. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_input.h"
#include "server/base/arena.h"
#include "server/schema/models.h"
#include "server/schema/schema.h"

static char dir[64];
static const char *const NAMES[] = {"models.py", "m1.py", "m2.py", "m3.py", "pkg/__init__.py"};
enum { NFILES = sizeof NAMES / sizeof NAMES[0] };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  snprintf(dir, sizeof dir, "/tmp/retort-fuzz-models-XXXXXX");
  if (!mkdtemp(dir)) abort();
  char pkg[96];
  snprintf(pkg, sizeof pkg, "%s/pkg", dir);
  mkdir(pkg, 0700);
  return 0;
}

static void write_file(const char *name, const uint8_t *data, size_t size) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) LLVMFuzzerInitialize(NULL, NULL);
  static const char SEP[] = "\n#=== ";
  size_t start = 0, k = 0;
  for (; k < NFILES; k++) {
    const uint8_t *next = NULL;
    if (k + 1 < NFILES && start <= size)
      next = memmem(data + start, size - start, SEP, sizeof SEP - 1);
    size_t end = next ? (size_t)(next - data) : size;
    write_file(NAMES[k], data + start, end - start);
    if (!next) {
      k++;
      break;
    }
    start = end + sizeof SEP - 1;
  }
  for (; k < NFILES; k++) write_file(NAMES[k], (const uint8_t *)"", 0);
  Arena *a = arena_new();
  char path[128];
  snprintf(path, sizeof path, "%s/models.py", dir);
  const char *paths[1] = {path};
  ModelSet m;
  RtError err;
  if (!models_read(a, dir, paths, 1, &m, &err)) abort();  // the file exists: never fails
  Schema *s = models_schema(&m);
  schema_delete(s);
  models_free(&m);
  arena_delete(a);
  return 0;
}
