/* skills_check.c - a build step: parses every embedded skills/<name>/SKILL.md as the
 * server will, and fails the build with each file's error (path:line: what) if any. */
#include <stdio.h>
#include <string.h>

#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/tools/skill.h"

extern const EmbeddedFile retort_skills[];

int main(void) {
  Arena *arena = arena_new();
  Buf errors = BUF_INIT;
  McpPrompt *prompts;
  size_t n = skills_prompts(retort_skills, arena, &prompts, &errors);
  size_t files = 0;
  for (const EmbeddedFile *f = retort_skills; f->name; f++) files++;
  int rc = 0;
  if (errors.len) {
    // One error a line, each "<dir>/SKILL.md:line: what": shown from the source tree.
    for (const char *line = errors.data; *line;) {
      const char *nl = strchr(line, '\n');
      fprintf(stderr, "skills/%.*s\n", (int)(nl - line), line);
      line = nl + 1;
    }
    fprintf(stderr, "retort: %zu of %zu skills/*/SKILL.md files are not valid (skills/README.md says what is); retort is not built until they are fixed\n",
            files - n, files);
    rc = 1;
  } else if (files == 0) {
    fprintf(stderr, "retort: no skills/*/SKILL.md was embedded\n");
    rc = 1;
  }
  buf_free(&errors);
  arena_delete(arena);
  return rc;
}
