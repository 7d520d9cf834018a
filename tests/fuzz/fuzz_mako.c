/* fuzz_mako.c - script.py.mako rendering (the Mako subset of server/alembic/mako.c) on
 * arbitrary bytes, with the variables create_migration passes: a template either renders
 * or fails with a message naming a line, within bounded time and memory. */
#include <string.h>

#include "fuzz_input.h"
#include "server/alembic/mako.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

static const char *fuzz__config(void *ctx, const char *key) {
  (void)ctx;
  return strcmp(key, "databases") == 0 ? "engine1, engine2" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const DOWN[] = {"a1b2c3d4e5f6", "0f9e8d7c6b5a"};
  static const char *const LABELS[] = {"feature"};
  MakoVar vars[] = {
      {"up_revision", {.kind = MV_STR, .s = "3f1c2a9d8b01"}},
      {"down_revision", {.kind = MV_TUPLE, .items = DOWN, .n = 2}},
      {"branch_labels", {.kind = MV_TUPLE, .items = LABELS, .n = 1}},
      {"depends_on", {.kind = MV_LIST, .items = DOWN, .n = 1}},
      {"create_date", {.kind = MV_STR, .s = "2026-12-06 05:46:39.368236"}},
      {"message", {.kind = MV_STR, .s = "it's \"quoted\""}},
      {"upgrades", {.kind = MV_STR, .s = "op.drop_table('t')"}},
      {"downgrades", {.kind = MV_NONE}},
      {"imports", {.kind = MV_STR, .s = ""}},
  };
  MakoEnv env = {vars, sizeof vars / sizeof vars[0], fuzz__config, NULL};
  Buf out = BUF_INIT;
  RtError err = {0};
  bool ok = mako_render((const char *)data, size, &env, &out, &err);
  // A failure always says what and where.
  if (!ok && !strstr(err.msg, "script.py.mako")) abort();
  buf_free(&out);
  return 0;
}
