/* skill.h - agent skills (skills/<name>/SKILL.md, embedded at build time): the YAML
 * frontmatter subset they are written in, their argument-hint as MCP prompt arguments,
 * and their rendering as the text of an MCP prompt. */
#ifndef RETORT_TOOLS_SKILL_H
#define RETORT_TOOLS_SKILL_H
#include <stdbool.h>
#include <stddef.h>

#include "protocol/json.h"
#include "protocol/mcp.h"
#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/embed.h"
#include "server/base/error.h"

/* One parsed SKILL.md. Every pointer is owned by the arena it was parsed into. */
typedef struct Skill {
  const char *name;                 /* frontmatter `name`: the skill's directory name */
  const char *description;          /* frontmatter `description` */
  const char *argument_hint;        /* frontmatter `argument-hint`, or NULL */
  const char *title;                /* the body's first line when it is a "# " heading, or NULL */
  McpPromptArgument *arguments;     /* argument_hint's <required> and [optional] names */
  size_t narguments;
  const char *body;                 /* the Markdown after the frontmatter */
  size_t body_len;
} Skill;

/**
 * Parses one SKILL.md: a `---` line, `key: value` lines (keys name, description,
 * argument-hint; values plain, "double-quoted" or 'single-quoted' on one line, and only
 * where YAML reads them as the same string), a `---` line, then a non-empty body.
 * `path` is "<dir>/SKILL.md" as embedded (the name must equal <dir>) and prefixes every
 * message. Returns false with `err` (ERR_CONFIG, "path:line: what to change") for any
 * input outside that subset or over a bound (64 KiB, 32 frontmatter lines, 2 KiB a
 * line); never reads past text[len). The Skill's strings are owned by `arena`.
 */
bool skill_parse(const char *path, const char *text, size_t len, Arena *arena, Skill *out, RtError *err);

/**
 * Turns an argument-hint into prompt arguments: space-separated `<name>` (required) and
 * `[name]` (optional) tokens, names of [a-z][a-z0-9_-]* (at most 32 bytes), no name
 * twice, no required one after an optional one (they are positional where a person
 * types them), at most 8. An empty hint has no arguments. Returns false with `err`
 * (ERR_CONFIG) naming the token at fault. The array is owned by `arena`.
 */
bool skill_hint_parse(const char *hint, Arena *arena, McpPromptArgument **args, size_t *nargs, RtError *err);

/**
 * Appends the prompt text of `s` to `out`: its body with each `$ARGUMENTS` replaced by
 * the arguments given (`name="value"` in argument-hint order, blank ones left out;
 * "(none)" when there are none); when the body has no `$ARGUMENTS`, the given arguments
 * follow it on a last line `ARGUMENTS: ...`. `arguments` is a JSON object of strings or
 * NULL.
 */
void skill_render(const Skill *s, const Json *arguments, Buf *out);

/**
 * The MCP prompts for every "<dir>/SKILL.md" in the NULL-terminated `table`, in table
 * order (name, title, description and arguments from the Skill); other names are
 * skipped. A file that does not parse is left out and its error
 * appended to `errors` as one line (so a server still starts; the build and the tests
 * check that there are none). Returns the number of prompts; `*prompts` (and each
 * prompt's Skill, its `data`) is owned by `arena`.
 */
size_t skills_prompts(const EmbeddedFile *table, Arena *arena, McpPrompt **prompts, Buf *errors);

#endif
