/* fuzz_skill.c - SKILL.md reading (the YAML frontmatter subset, argument-hint) on
 * arbitrary bytes: parse, and render what parses with and without arguments. */
#include <string.h>

#include "fuzz_input.h"
#include "server/tools/skill.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Arena *a = arena_new();
  Skill s;
  RtError err = {0};
  // The name check needs a directory: the fuzzer's files are all "x".
  if (!skill_parse("x/SKILL.md", (const char *)data, size, a, &s, &err)) {
    if (!err.msg[0] || err.kind != ERR_CONFIG) abort();
    arena_delete(a);
    return 0;
  }
  if (!s.name || strcmp(s.name, "x") != 0 || !s.description || !s.body || strlen(s.body) != s.body_len) abort();
  static const char ARGS[] = "{\"a\":\"1 \\\"2\\\"\",\"message\":\"m\",\"x\":\"\\n\"}";
  const Json *args = json_parse(a, ARGS, sizeof ARGS - 1, NULL, &err, NULL);
  if (!args) abort();
  Buf out = BUF_INIT;
  skill_render(&s, args, &out);
  if (!strstr(s.body, "$ARGUMENTS") && out.len < s.body_len) abort(); // arguments only add
  buf_reset(&out);
  skill_render(&s, NULL, &out);
  buf_free(&out);
  arena_delete(a);
  return 0;
}
