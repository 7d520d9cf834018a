/* fuzz_toml.c - pyproject.toml reading (TOML 1.0 syntax; [tool.retort] settings, and
 * [tool.alembic] with arrays of tables passed over) on arbitrary bytes: every setting must
 * be a C string, every array of scalars a NULL-terminated list, and a failure must say why. */
#include "fuzz_input.h"
#include <string.h>

#include "server/alembic/toml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

static void read_table(const uint8_t *data, size_t size, const char *table, int flags) {
  TomlSettings s;
  RtError err = {0};
  if (!toml_read_table((const char *)data, size, table, flags, &s, &err)) {
    if (!err.msg[0]) abort();
  } else {
    for (size_t i = 0; i < s.n; i++) {
      if (!s.keys[i] || !s.values[i] || s.lines[i] < 1 || s.kinds[i] > TOML_ARRAY) abort();
      if (s.lists[i] && s.kinds[i] != TOML_ARRAY) abort();
      for (char **l = s.lists[i]; l && *l; l++) (void)strlen(*l);
      if (toml_settings_find(&s, s.keys[i], false) < 0) abort();
    }
  }
  toml_settings_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_table(data, size, "tool.retort", 0);
  read_table(data, size, "tool.alembic", TOML_SKIP_TABLE_ARRAYS);
  return 0;
}
