/* fuzz_sql.c - SQL as found inside op.execute(...) on arbitrary bytes: PostgreSQL's own
 * parser (libpg_query) and our statement classification and lock analysis. */
#include <string.h>

#include "fuzz_input.h"
#include "server/base/arena.h"
#include "server/sql/analyze.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *sql = malloc(size + 1);
  memcpy(sql, data, size);
  sql[size] = '\0'; // SQL from a Python string: NUL-terminated, may hold anything else
  Arena *a = arena_new();
  SqlStmtInfo *out = NULL;
  size_t n = 0;
  bool ok = sql_analyze(a, sql, &out, &n);
  if (!ok && (n != 1 || !out[0].error)) abort(); // a parse error is one entry that says why
  for (size_t i = 0; ok && i < n; i++) {
    if (out[i].offset + out[i].len > size) abort(); // statements lie inside the input
    for (size_t l = 0; l < out[i].nlocks; l++) (void)pglock_name(out[i].locks[l].mode);
  }
  arena_delete(a);
  free(sql);
  return 0;
}
