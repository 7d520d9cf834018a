/* test_skills.c - SKILL.md as MCP prompts: the frontmatter subset and its errors,
 * argument-hint → prompt arguments, rendering, and the skills embedded in retort. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"
#include "server/tools/skill.h"
#include "server/tools/tools.h"

extern const EmbeddedFile retort_skills[];

#define GOOD "---\n"                                  \
             "name: make-thing\n"                     \
             "description: Makes a thing. Use when a thing is needed.\n" \
             "argument-hint: \"<what> [where]\"\n"    \
             "---\n"                                  \
             "\n"                                     \
             "# Make a thing\n"                       \
             "\n"                                     \
             "Arguments: $ARGUMENTS.\n"

static Skill parse_ok(Arena *a, const char *path, const char *text) {
  Skill s;
  RtError err = {0};
  cr_assert(skill_parse(path, text, strlen(text), a, &s, &err), "%s", err.msg);
  return s;
}

/* The error message for `text` as skills/x/SKILL.md; asserts that it fails. */
static char *parse_err(const char *text, size_t len) {
  Arena *a = arena_new();
  Skill s;
  RtError err = {0};
  bool ok = skill_parse("x/SKILL.md", text, len, a, &s, &err);
  arena_delete(a);
  cr_assert(!ok, "accepted: %.200s", text);
  cr_assert_eq(err.kind, ERR_CONFIG);
  return xstrdup(err.msg);
}

Test(skills, parses_the_subset) {
  Arena *a = arena_new();
  Skill s = parse_ok(a, "make-thing/SKILL.md", GOOD);
  cr_assert_str_eq(s.name, "make-thing");
  cr_assert_str_eq(s.description, "Makes a thing. Use when a thing is needed.");
  cr_assert_str_eq(s.argument_hint, "<what> [where]");
  cr_assert_str_eq(s.title, "Make a thing");
  cr_assert_str_eq(s.body, "# Make a thing\n\nArguments: $ARGUMENTS.\n");
  cr_assert_eq(s.body_len, strlen(s.body));
  cr_assert_eq(s.narguments, 2);
  cr_assert_str_eq(s.arguments[0].name, "what");
  cr_assert(s.arguments[0].required);
  cr_assert_str_eq(s.arguments[0].description, "Required. Usage: <what> [where]");
  cr_assert_str_eq(s.arguments[1].name, "where");
  cr_assert(!s.arguments[1].required);
  cr_assert_str_eq(s.arguments[1].description, "Optional. Usage: <what> [where]");
  arena_delete(a);
}

Test(skills, quoting_comments_and_line_ends) {
  Arena *a = arena_new();
  Skill s = parse_ok(a, "q/SKILL.md",
                     "---\r\n"
                     "# a comment\r\n"
                     "\r\n"
                     "name: 'q'   # the name\r\n"
                     "description: \"say \\\"hi\\\": \\\\ \\/ \\ttab\" # why not\r\n"
                     "argument-hint: '[x]'  # one optional\r\n"
                     "---\r\n"
                     "Body without a heading.\r\n");
  cr_assert_str_eq(s.name, "q");
  cr_assert_str_eq(s.description, "say \"hi\": \\ / \ttab");
  cr_assert_null(s.title);
  cr_assert_str_eq(s.body, "Body without a heading.\r\n");
  arena_delete(a);
  // an argument-hint value with a quote is still a hint to check
  a = arena_new();
  Skill t;
  RtError err = {0};
  const char *text = "---\nname: q\ndescription: d\nargument-hint: 'it''s'\n---\nb\n";
  cr_assert(!skill_parse("q/SKILL.md", text, strlen(text), a, &t, &err));
  cr_assert_str_eq(err.msg, "q/SKILL.md:4: argument-hint: 'it's' is not <name> (required) or [name] "
                            "(optional), with a name of lowercase letters, digits, '_' and '-' (at most 32)");
  arena_delete(a);
  // plain values may hold ':' and '#' where YAML keeps them in the string
  a = arena_new();
  s = parse_ok(a, "p/SKILL.md", "---\nname: p\ndescription: a:b c#d -e ?f, 'g' \"h\" 10:30 am\n---\nb\n");
  cr_assert_str_eq(s.description, "a:b c#d -e ?f, 'g' \"h\" 10:30 am");
  cr_assert_eq(s.narguments, 0);
  cr_assert_null(s.argument_hint);
  arena_delete(a);
}

typedef struct BadCase {
  const char *text;
  const char *message; /* the whole error */
} BadCase;

#define FM(lines) "---\nname: x\ndescription: d\n" lines "---\nbody\n"

Test(skills, every_bad_input_is_a_clear_error) {
  static const BadCase cases[] = {
      {"", "x/SKILL.md:1: a skill starts with a '---' line, then its YAML frontmatter"},
      {"name: x\n", "x/SKILL.md:1: a skill starts with a '---' line, then its YAML frontmatter"},
      {"--- \nname: x\n", "x/SKILL.md:1: a skill starts with a '---' line, then its YAML frontmatter"},
      {"\xEF\xBB\xBF---\n", "x/SKILL.md:1: starts with a byte-order mark: save it as UTF-8 without one"},
      {"---\nname: x\xC3\n", "x/SKILL.md:2: invalid UTF-8"},
      {"---\nname: \xED\xA0\x80\n", "x/SKILL.md:2: invalid UTF-8"},
      {"---\nname: x\ndescription: d\n", "x/SKILL.md: the frontmatter has no closing '---' line"},
      {"---\n", "x/SKILL.md: the frontmatter has no closing '---' line"},
      {"---\n  name: x\n---\nb\n",
       "x/SKILL.md:2: an indented line: nested YAML is not supported (one 'key: value' a line)"},
      {"---\n- name\n---\nb\n", "x/SKILL.md:2: expected 'key: value' (keys are lowercase, such as description)"},
      {"---\nName: x\n---\nb\n", "x/SKILL.md:2: expected 'key: value' (keys are lowercase, such as description)"},
      {"---\nname x\n---\nb\n", "x/SKILL.md:2: expected 'key: value' (keys are lowercase, such as description)"},
      {"---\nname:x\n---\nb\n", "x/SKILL.md:2: 'name:' must be followed by a space"},
      {"---\nlicense: MIT\n---\nb\n",
       "x/SKILL.md:2: unknown key 'license' (a skill has name, description and argument-hint)"},
      {"---\nname: x\nname: y\n---\nb\n", "x/SKILL.md:3: 'name' given twice (first on line 2)"},
      {"---\nname:\n---\nb\n",
       "x/SKILL.md:2: 'name' has no value on its line (nested YAML and block scalars are not supported)"},
      {"---\ndescription: |\n  text\n---\nb\n",
       "x/SKILL.md:2: description: a value starting with '|' means something else in YAML: quote it"},
      {"---\ndescription: [a, b]\n---\nb\n",
       "x/SKILL.md:2: description: a value starting with '[' means something else in YAML: quote it"},
      {"---\ndescription: - a\n---\nb\n",
       "x/SKILL.md:2: description: a value starting with '-' means something else in YAML: quote it"},
      {"---\ndescription: *anchor\n---\nb\n",
       "x/SKILL.md:2: description: a value starting with '*' means something else in YAML: quote it"},
      {"---\ndescription: Use when: x\n---\nb\n",
       "x/SKILL.md:2: description: ': ' inside an unquoted value starts a YAML mapping: quote the value"},
      {"---\ndescription: ends with:\n---\nb\n",
       "x/SKILL.md:2: description: ': ' inside an unquoted value starts a YAML mapping: quote the value"},
      {"---\ndescription: a #b\n---\nb\n",
       "x/SKILL.md:2: description: ' #' inside an unquoted value starts a YAML comment: quote the value"},
      {"---\ndescription: yes\n---\nb\n",
       "x/SKILL.md:2: description: YAML reads yes as a number, boolean, date or null, not a string: quote it"},
      {"---\ndescription: ~\n---\nb\n",
       "x/SKILL.md:2: description: YAML reads ~ as a number, boolean, date or null, not a string: quote it"},
      {"---\ndescription: 1e3\n---\nb\n",
       "x/SKILL.md:2: description: YAML reads 1e3 as a number, boolean, date or null, not a string: quote it"},
      {"---\ndescription: 2024-01-31\n---\nb\n",
       "x/SKILL.md:2: description: YAML reads 2024-01-31 as a number, boolean, date or null, not a string: "
       "quote it"},
      {"---\ndescription: \"open\n---\nb\n",
       "x/SKILL.md:2: description: the double-quoted value is not closed on its line (values are one line "
       "each)"},
      {"---\ndescription: \"ends in \\\n---\nb\n",
       "x/SKILL.md:2: description: the double-quoted value is not closed on its line (values are one line "
       "each)"},
      {"---\ndescription: 'open\n---\nb\n",
       "x/SKILL.md:2: description: the single-quoted value is not closed on its line (values are one line "
       "each)"},
      {"---\ndescription: \"\\x41\"\n---\nb\n",
       "x/SKILL.md:2: description: the escape \\x is not supported in a double-quoted value (only \\\" \\\\ \\/ "
       "\\n \\t)"},
      {"---\ndescription: \"a\" b\n---\nb\n",
       "x/SKILL.md:2: text after the closing quote: put all of the value inside the quotes"},
      {"---\ndescription: 'a'#b\n---\nb\n",
       "x/SKILL.md:2: text after the closing quote: put all of the value inside the quotes"},
      {"---\ndescription: d\n---\nb\n", "x/SKILL.md: no 'name' in the frontmatter"},
      {"---\nname: x\n---\nb\n", "x/SKILL.md: no 'description' in the frontmatter"},
      {"---\nname: z\ndescription: d\n---\nb\n", "x/SKILL.md:2: name 'z' differs from its directory 'x'"},
      {"---\nname: X\ndescription: d\n---\nb\n",
       "x/SKILL.md:2: name 'X': 1 to 64 lowercase letters, digits and single hyphens, not at either end"},
      {"---\nname: a--b\ndescription: d\n---\nb\n",
       "x/SKILL.md:2: name 'a--b': 1 to 64 lowercase letters, digits and single hyphens, not at either end"},
      {"---\nname: \"\"\ndescription: d\n---\nb\n",
       "x/SKILL.md:2: name '': 1 to 64 lowercase letters, digits and single hyphens, not at either end"},
      {"---\nname: x\ndescription: ''\n---\nb\n", "x/SKILL.md:3: description: 1 to 1024 bytes, not 0"},
      {"---\nname: x\ndescription: d\n---\n\n \n", "x/SKILL.md: nothing after the frontmatter: the body is the prompt"},
      {"---\nname: x\ndescription: d\n---", "x/SKILL.md: nothing after the frontmatter: the body is the prompt"},
      {FM("") "\nuse $ARGUMENTS[0]\n",
       "x/SKILL.md:7: $ARGUMENTS[N] is not supported: use $ARGUMENTS (see skills/README.md)"},
      {FM("") "$1\n", "x/SKILL.md:6: $N is not supported: use $ARGUMENTS (see skills/README.md)"},
      {FM("") "now\n!`ls`\n", "x/SKILL.md:7: !` runs a shell command in Claude Code: skills use retort's tools instead"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *want = cases[i].message;
    char *got = parse_err(cases[i].text, strlen(cases[i].text));
    cr_expect_str_eq(got, want, "case %zu:\n got: %s\nwant: %s", i, got, want);
    free(got);
  }
  // a NUL byte, a file over 64 KiB, a frontmatter line over 2 KiB, and one too many lines
  char *got = parse_err("---\nna\0me: x\n", 13);
  cr_expect_str_eq(got, "x/SKILL.md:2: a NUL byte");
  free(got);
  size_t big = 64 * 1024 + 1;
  char *text = xmalloc(big + 1);
  memset(text, 'a', big);
  text[big] = '\0';
  got = parse_err(text, big);
  cr_expect_str_eq(got, "x/SKILL.md: 65537 bytes, more than the 65536 a skill may have");
  free(got);
  snprintf(text, big, "---\ndescription: %02100d\n---\nb\n", 0);
  got = parse_err(text, strlen(text));
  cr_expect_str_eq(got, "x/SKILL.md:2: a line of 2113 bytes, more than 2048");
  free(got);
  strcpy(text, "---\n");
  for (int i = 0; i < 33; i++) strcat(text, "# comment\n");
  got = parse_err(text, strlen(text));
  cr_expect_str_eq(got, "x/SKILL.md:34: no closing '---' within 32 lines of frontmatter");
  free(got);
  memset(text, 'x', 1100);
  text[1100] = '\0';
  char *doc = xmalloc(1200);
  snprintf(doc, 1200, "---\nname: x\ndescription: %s\n---\nb\n", text);
  got = parse_err(doc, strlen(doc));
  cr_expect_str_eq(got, "x/SKILL.md:3: description: 1 to 1024 bytes, not 1100");
  free(got);
  free(doc);
  free(text);
}

Test(skills, argument_hints) {
  static const struct {
    const char *hint;
    const char *error; /* NULL: accepted */
    size_t n;
  } cases[] = {
      {"", NULL, 0},
      {"  <a>   [b_c] [d-2]  ", NULL, 3},
      {"<a> <b> <c> <d> <e> <f> <g> <h>", NULL, 8},
      {"<a> <b> <c> <d> <e> <f> <g> <h> [i]", "argument-hint: more than 8 arguments", 0},
      {"message", "argument-hint: 'message' is not <name> (required) or [name] (optional), with a name of "
                  "lowercase letters, digits, '_' and '-' (at most 32)", 0},
      {"<>", "argument-hint: '<>' is not <name> (required) or [name] (optional), with a name of lowercase "
             "letters, digits, '_' and '-' (at most 32)", 0},
      {"<Message>", "argument-hint: '<Message>' is not <name> (required) or [name] (optional), with a name of "
                    "lowercase letters, digits, '_' and '-' (at most 32)", 0},
      {"[a>", "argument-hint: '[a>' is not <name> (required) or [name] (optional), with a name of lowercase "
              "letters, digits, '_' and '-' (at most 32)", 0},
      {"[revision|range]", "argument-hint: '[revision|range]' is not <name> (required) or [name] (optional), "
                           "with a name of lowercase letters, digits, '_' and '-' (at most 32)", 0},
      {"<a23456789012345678901234567890123>",
       "argument-hint: '<a23456789012345678901234567890123>' is not <name> (required) or [name] (optional), "
       "with a name of lowercase letters, digits, '_' and '-' (at most 32)", 0},
      {"<a2345678901234567890123456789012>", NULL, 1},
      {"<a> [a]", "argument-hint: 'a' named twice", 0},
      {"[a] <b>", "argument-hint: required <b> after an optional one (arguments are positional where a person "
                  "types them: required ones first)", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    Arena *a = arena_new();
    McpPromptArgument *args;
    size_t n = 99;
    RtError err = {0};
    bool ok = skill_hint_parse(cases[i].hint, a, &args, &n, &err);
    if (cases[i].error) {
      cr_expect(!ok, "accepted %s", cases[i].hint);
      cr_expect_str_eq(err.msg, cases[i].error);
    } else {
      cr_expect(ok, "%s: %s", cases[i].hint, err.msg);
      cr_expect_eq(n, cases[i].n, "%s", cases[i].hint);
    }
    arena_delete(a);
  }
  // in a file, the error carries the file and line
  char *got = parse_err(FM("argument-hint: \"[a] <b>\"\n"), strlen(FM("argument-hint: \"[a] <b>\"\n")));
  cr_expect_str_eq(got, "x/SKILL.md:4: argument-hint: required <b> after an optional one (arguments are "
                        "positional where a person types them: required ones first)");
  free(got);
}

/* Every prefix of a valid file, and every one-byte change of it, is parsed or refused
 * without reading past its end (the sanitizer build checks that part). */
Test(skills, truncated_and_mutated_input_never_crashes) {
  const char *good = GOOD;
  size_t len = strlen(good);
  for (size_t n = 0; n <= len; n++) {
    char *copy = xmalloc(n ? n : 1); // exactly n bytes: no terminator to lean on
    memcpy(copy, good, n);
    Arena *a = arena_new();
    Skill s;
    RtError err = {0};
    bool ok = skill_parse("make-thing/SKILL.md", copy, n, a, &s, &err);
    cr_assert(ok || err.msg[0], "prefix %zu refused without a message", n);
    arena_delete(a);
    free(copy);
  }
  static const char bytes[] = {'-', ':', ' ', '"', '\'', '\\', '#', '\n', '\r', '<', '[', '$', '\0', '\xFF'};
  for (size_t i = 0; i < len; i++)
    for (size_t k = 0; k < sizeof bytes; k++) {
      char *copy = xmalloc(len);
      memcpy(copy, good, len);
      copy[i] = bytes[k];
      Arena *a = arena_new();
      Skill s;
      RtError err = {0};
      bool ok = skill_parse("make-thing/SKILL.md", copy, len, a, &s, &err);
      cr_assert(ok || err.msg[0], "mutation %zu/%zu refused without a message", i, k);
      if (ok) cr_assert(s.name && s.description && s.body);
      arena_delete(a);
      free(copy);
    }
}

static char *render(const Skill *s, const char *json_args) {
  Arena *a = arena_new();
  RtError err = {0};
  const Json *args = json_args ? json_parse(a, json_args, strlen(json_args), NULL, &err, NULL) : NULL;
  cr_assert(!json_args || args, "%s", err.msg);
  Buf out = BUF_INIT;
  skill_render(s, args, &out);
  arena_delete(a);
  return buf_detach(&out);
}

Test(skills, rendering) {
  Arena *a = arena_new();
  Skill s = parse_ok(a, "make-thing/SKILL.md", GOOD);
  char *got = render(&s, "{\"where\":\"here\",\"what\":\"a \\\"big\\\" one\\\\\\nnow\"}");
  cr_expect_str_eq(got, "# Make a thing\n\nArguments: what=\"a \\\"big\\\" one\\\\\\nnow\" where=\"here\".\n");
  free(got);
  got = render(&s, "{\"what\":\"x\",\"where\":\" \"}");
  cr_expect_str_eq(got, "# Make a thing\n\nArguments: what=\"x\".\n");
  free(got);
  got = render(&s, "{}");
  cr_expect_str_eq(got, "# Make a thing\n\nArguments: (none).\n");
  free(got);
  got = render(&s, NULL);
  cr_expect_str_eq(got, "# Make a thing\n\nArguments: (none).\n");
  free(got);
  // without $ARGUMENTS the arguments come last, as Claude Code appends them
  Skill t = parse_ok(a, "t/SKILL.md", "---\nname: t\ndescription: d\nargument-hint: '[x]'\n---\nDo it.");
  got = render(&t, "{\"x\":\"1\"}");
  cr_expect_str_eq(got, "Do it.\n\nARGUMENTS: x=\"1\"\n");
  free(got);
  got = render(&t, "{}");
  cr_expect_str_eq(got, "Do it.");
  free(got);
  // twice, and at the very end
  Skill u = parse_ok(a, "u/SKILL.md", "---\nname: u\ndescription: d\nargument-hint: '<x>'\n---\n$ARGUMENTS and $ARGUMENTS");
  got = render(&u, "{\"x\":\"1\"}");
  cr_expect_str_eq(got, "x=\"1\" and x=\"1\"");
  free(got);
  arena_delete(a);
}

/* ---- the skills retort ships ---- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The body with every run of white space (line breaks included) as one space. */
static char *one_line(const char *body) {
  char *out = xstrdup(body), *o = out;
  for (const char *p = body; *p; p++) {
    bool space = *p == ' ' || *p == '\n' || *p == '\t';
    if (space && o > out && o[-1] == ' ') continue;
    *o++ = space ? ' ' : *p;
  }
  *o = '\0';
  return out;
}

static const char *const PRACTICES[] = {"plan", "NOT NULL", "backfill", "concurrently", "NOT VALID",
                                        "VALIDATE", "expand and contract", "downgrade"};

Test(skills, every_shipped_skill_loads_and_carries_the_practices) {
  Arena *a = arena_new();
  Buf errors = BUF_INIT;
  McpPrompt *prompts;
  size_t n = skills_prompts(retort_skills, a, &prompts, &errors);
  cr_assert_eq(errors.len, 0, "%s", buf_cstr(&errors));

  // one prompt per folder of skills/, in the same (sorted) order
  DIR *d = opendir(RETORT_SOURCE_DIR "/skills");
  cr_assert(d);
  char *dirs[64];
  size_t ndirs = 0;
  for (struct dirent *e; (e = readdir(d));) {
    char path[1024];
    snprintf(path, sizeof path, "%s/skills/%s/SKILL.md", RETORT_SOURCE_DIR, e->d_name);
    FILE *f = e->d_name[0] != '.' ? fopen(path, "r") : NULL;
    if (!f) continue;
    fclose(f);
    cr_assert(ndirs < 64);
    dirs[ndirs++] = xstrdup(e->d_name);
  }
  closedir(d);
  qsort(dirs, ndirs, sizeof dirs[0], by_name);
  cr_assert_geq(n, 8);
  cr_assert_eq(n, ndirs);
  for (size_t i = 0; i < n; i++) {
    const McpPrompt *p = &prompts[i];
    const Skill *s = p->data;
    cr_expect_str_eq(p->name, dirs[i]);
    cr_expect(p->title && p->description && strlen(p->description) > 80, "%s", p->name);
    cr_expect(s->argument_hint, "%s has no argument-hint", p->name);
    cr_expect(strstr(s->body, "$ARGUMENTS"), "%s does not show its arguments", p->name);
    char *flat = one_line(s->body);
    for (size_t k = 0; k < sizeof PRACTICES / sizeof PRACTICES[0]; k++)
      cr_expect(strcasestr(flat, PRACTICES[k]), "%s does not mention '%s'", p->name, PRACTICES[k]);
    free(flat);
    cr_expect(!strstr(s->body, "alembic upgrade head") && !strstr(s->body, "```sh"),
              "%s tells the agent to use the shell", p->name);
  }
  for (size_t i = 0; i < ndirs; i++) free(dirs[i]);

  // the workflows the issue names, and create-migration's arguments
  static const char *const NAMES[] = {"create-migration", "review-migration", "apply-migrations",
                                      "roll-back-migration", "migration-status", "migration-history",
                                      "merge-heads", "verify-migration"};
  for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++) {
    const McpPrompt *hit = NULL;
    for (size_t i = 0; i < n; i++)
      if (strcmp(prompts[i].name, NAMES[k]) == 0) hit = &prompts[i];
    cr_expect(hit, "no %s skill", NAMES[k]);
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(prompts[i].name, "create-migration") != 0) continue;
    cr_assert_eq(prompts[i].narguments, 2);
    cr_expect_str_eq(prompts[i].arguments[0].name, "message");
    cr_expect(prompts[i].arguments[0].required);
    cr_expect_str_eq(prompts[i].arguments[1].name, "head");
    cr_expect(!prompts[i].arguments[1].required);
  }
  buf_free(&errors);
  arena_delete(a);
}

Test(skills, the_tool_session_serves_them) {
  ToolSession *s = tool_session_new(NULL);
  const McpServerInfo *info = tool_session_mcp_info(s);
  cr_assert_geq(info->nprompts, 8);
  cr_assert(info->prompts[0].get);
  tool_session_delete(s);
}
