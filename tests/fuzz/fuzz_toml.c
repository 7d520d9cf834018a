/* fuzz_toml.c - pyproject.toml reading (TOML 1.0 syntax, [tool.retort] settings) on
 * arbitrary bytes: every setting must be a C string, and a failure must say why. */
#include "fuzz_input.h"
#include "server/alembic/toml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  TomlSettings s;
  RtError err = {0};
  if (!toml_read_table((const char *)data, size, "tool.retort", &s, &err)) {
    if (!err.msg[0]) abort();
  } else {
    for (size_t i = 0; i < s.n; i++)
      if (!s.keys[i] || !s.values[i] || s.lines[i] < 1) abort();
  }
  toml_settings_free(&s);
  return 0;
}
