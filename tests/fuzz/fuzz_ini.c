/* fuzz_ini.c - alembic.ini reading (configparser rules, interpolation) on arbitrary
 * bytes: parse, then read every key of every section with interpolation. */
#include "fuzz_input.h"
#include "server/alembic/ini.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  RtError err = {0};
  Ini *ini = ini_parse((const char *)data, size, "/fuzz/here", &err);
  if (!ini) {
    if (!err.msg[0]) abort();
    return 0;
  }
  const char *const *sections;
  size_t ns = ini_sections(ini, &sections);
  for (size_t i = 0; i < ns; i++) {
    const char *const *keys;
    size_t nk = ini_section_keys(ini, sections[i], &keys);
    for (size_t k = 0; k < nk; k++) {
      RtError e = {0};
      const char *v = ini_get(ini, sections[i], keys[k], &e);
      if (!v && !e.msg[0]) abort();
      bool b;
      if (v) ini_parse_bool(v, &b, &e);
    }
  }
  ini_delete(ini);
  return 0;
}
