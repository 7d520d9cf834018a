/* skill.c - SKILL.md files as MCP prompts: a strict, bounded reader for the YAML
 * frontmatter subset they use, argument-hint → prompt arguments, and rendering. */
#include "server/tools/skill.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const size_t SKILL_MAX_BYTES = 64 * 1024;
static const int SKILL_MAX_FRONTMATTER_LINES = 32;
static const size_t SKILL_MAX_LINE = 2048;
static const size_t SKILL_MAX_NAME = 64;         /* the Agent Skills limits */
static const size_t SKILL_MAX_DESCRIPTION = 1024;
static const size_t SKILL_MAX_HINT = 200;
static const size_t SKILL_MAX_TITLE = 80;        /* a longer first heading is no title */
static const size_t SKILL_MAX_ARGUMENTS = 8;
static const size_t SKILL_MAX_ARGUMENT_NAME = 32;

/* The frontmatter keys a skill may have, in Skill order. */
enum { KEY_NAME, KEY_DESCRIPTION, KEY_ARGUMENT_HINT, NKEYS };
static const char *const SKILL_KEYS[NKEYS] = {"name", "description", "argument-hint"};

/* Where parsing is: for messages that say "path:line: ...". */
typedef struct SkillReader {
  const char *path;
  Arena *arena;
  RtError *err;
} SkillReader;

static bool skill__fail(const SkillReader *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool skill__fail(const SkillReader *r, int line, const char *fmt, ...) {
  char what[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (line > 0) return error_set(r->err, ERR_CONFIG, "%s:%d: %s", r->path, line, what);
  return error_set(r->err, ERR_CONFIG, "%s: %s", r->path, what);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 (overlong, surrogate, > U+10FFFF,
 * truncated). */
static size_t skill__utf8_seq(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || len > n) return 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c == 0xE0) lo = 0xA0;
  if (c == 0xED) hi = 0x9F;
  if (c == 0xF0) lo = 0x90;
  if (c == 0xF4) hi = 0x8F;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < len; k++)
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  return len;
}

/* The whole file: a size bound, no NUL, valid UTF-8 without a byte-order mark. */
static bool skill__check_bytes(const SkillReader *r, const char *text, size_t len) {
  if (len > SKILL_MAX_BYTES)
    return skill__fail(r, 0, "%zu bytes, more than the %zu a skill may have", len, SKILL_MAX_BYTES);
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    return skill__fail(r, 1, "starts with a byte-order mark: save it as UTF-8 without one");
  int line = 1;
  for (size_t i = 0; i < len;) {
    const unsigned char *p = (const unsigned char *)text + i;
    if (*p == '\0') return skill__fail(r, line, "a NUL byte");
    if (*p == '\n') line++;
    size_t n = skill__utf8_seq(p, len - i);
    if (n == 0) return skill__fail(r, line, "invalid UTF-8");
    i += n;
  }
  return true;
}

/* The line at *pos: [*start, *end) without its "\n" or "\r\n"; advances *pos past it.
 * Returns false at the end of the text. */
static bool skill__next_line(const char *text, size_t len, size_t *pos, const char **start, const char **end) {
  if (*pos >= len) return false;
  const char *s = text + *pos;
  const char *nl = memchr(s, '\n', len - *pos);
  const char *e = nl ? nl : text + len;
  *pos = nl ? (size_t)(nl - text) + 1 : len;
  if (e > s && e[-1] == '\r') e--;
  *start = s;
  *end = e;
  return true;
}

static bool skill__is_blank(const char *s, const char *e) {
  for (; s < e; s++)
    if (*s != ' ' && *s != '\t') return false;
  return true;
}

static bool skill__line_is(const char *s, const char *e, const char *what) {
  size_t n = strlen(what);
  return (size_t)(e - s) == n && memcmp(s, what, n) == 0;
}

/* Whether YAML would read this unquoted scalar as something other than a string
 * (YAML 1.1 as PyYAML resolves it, and 1.2): null, booleans, numbers, dates. */
static bool skill__plain_not_string(const char *v) {
  static const char *const WORDS[] = {"~", "null", "true", "false", "yes", "no", "on", "off",
                                      "y", "n", ".inf", "-.inf", "+.inf", ".nan"};
  for (size_t k = 0; k < sizeof WORDS / sizeof WORDS[0]; k++)
    if (strcasecmp(v, WORDS[k]) == 0) return true;
  // Numbers (decimal, 0x, 0o, 1_000, 1e3, 1:30) and dates (2024-01-31) start with a digit,
  // a sign or a dot and hold nothing but these characters.
  if (!isdigit((unsigned char)v[0]) && !((v[0] == '-' || v[0] == '+' || v[0] == '.') && v[1])) return false;
  for (const char *p = v; *p; p++)
    if (!strchr("0123456789+-._:eExXoObBaAcCdDfF", *p)) return false;
  return true;
}

/* After a closing quote: nothing, or blanks and a # comment. */
static bool skill__after_quote(const SkillReader *r, int line, const char *p, const char *e) {
  const char *q = p;
  while (q < e && (*q == ' ' || *q == '\t')) q++;
  if (q == e || (*q == '#' && q > p)) return true;
  return skill__fail(r, line, "text after the closing quote: put all of the value inside the quotes");
}

/* One value, [p, e) trimmed of blanks at both ends, into *out (arena). */
static bool skill__value(const SkillReader *r, int line, const char *key, const char *p, const char *e, char **out) {
  Buf b = BUF_INIT;
  bool ok = false;
  if (*p == '"') {
    const char *q = p + 1;
    for (; q < e && *q != '"'; q++) {
      if (*q != '\\') {
        buf_putc(&b, *q);
        continue;
      }
      if (++q == e) break;
      const char *from = "\"\\/nt", *to = "\"\\/\n\t";
      const char *hit = strchr(from, *q);
      if (!hit || !*q) {
        skill__fail(r, line, "%s: the escape \\%c is not supported in a double-quoted value "
                             "(only \\\" \\\\ \\/ \\n \\t)", key, *q);
        goto done;
      }
      buf_putc(&b, to[hit - from]);
    }
    if (q >= e) {
      skill__fail(r, line, "%s: the double-quoted value is not closed on its line "
                           "(values are one line each)", key);
      goto done;
    }
    if (!skill__after_quote(r, line, q + 1, e)) goto done;
  } else if (*p == '\'') {
    const char *q = p + 1;
    for (; q < e; q++) {
      if (*q != '\'') {
        buf_putc(&b, *q);
      } else if (q + 1 < e && q[1] == '\'') {
        buf_putc(&b, '\'');
        q++;
      } else {
        break;
      }
    }
    if (q >= e) {
      skill__fail(r, line, "%s: the single-quoted value is not closed on its line "
                           "(values are one line each)", key);
      goto done;
    }
    if (!skill__after_quote(r, line, q + 1, e)) goto done;
  } else {
    // A plain scalar, accepted only where YAML reads exactly these characters as a string.
    bool lone = p + 1 == e || p[1] == ' ' || p[1] == '\t';
    if (strchr("[]{}#&*!|>%@`,", *p) || (strchr("-?:", *p) && lone)) {
      skill__fail(r, line, "%s: a value starting with '%c' means something else in YAML: quote it", key, *p);
      goto done;
    }
    for (const char *q = p; q < e; q++) {
      if (*q == ':' && (q + 1 == e || q[1] == ' ' || q[1] == '\t')) {
        skill__fail(r, line, "%s: ': ' inside an unquoted value starts a YAML mapping: quote the value", key);
        goto done;
      }
      if (*q == '#' && (q[-1] == ' ' || q[-1] == '\t')) {
        skill__fail(r, line, "%s: ' #' inside an unquoted value starts a YAML comment: quote the value", key);
        goto done;
      }
    }
    buf_append(&b, p, (size_t)(e - p));
    if (skill__plain_not_string(buf_cstr(&b))) {
      skill__fail(r, line, "%s: YAML reads %s as a number, boolean, date or null, not a string: quote it", key,
                  buf_cstr(&b));
      goto done;
    }
  }
  *out = arena_strndup(r->arena, buf_cstr(&b), b.len);
  ok = true;
done:
  buf_free(&b);
  return ok;
}

/* The `key: value` lines up to the closing `---`; *pos is just past the opening one. */
static bool skill__frontmatter(const SkillReader *r, const char *text, size_t len, size_t *pos,
                               char *values[NKEYS], int lines[NKEYS], int *body_line) {
  int line = 1;
  const char *s, *e;
  for (;;) {
    if (!skill__next_line(text, len, pos, &s, &e))
      return skill__fail(r, 0, "the frontmatter has no closing '---' line");
    line++;
    if (line > SKILL_MAX_FRONTMATTER_LINES + 1)
      return skill__fail(r, line, "no closing '---' within %d lines of frontmatter", SKILL_MAX_FRONTMATTER_LINES);
    if ((size_t)(e - s) > SKILL_MAX_LINE)
      return skill__fail(r, line, "a line of %zu bytes, more than %zu", (size_t)(e - s), SKILL_MAX_LINE);
    if (skill__line_is(s, e, "---")) break;
    if (skill__is_blank(s, e) || *s == '#') continue;
    if (*s == ' ' || *s == '\t')
      return skill__fail(r, line, "an indented line: nested YAML is not supported (one 'key: value' a line)");
    const char *k = s;
    while (k < e && (islower((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '-')) k++;
    if (k == s || !islower((unsigned char)*s) || k == e || *k != ':')
      return skill__fail(r, line, "expected 'key: value' (keys are lowercase, such as description)");
    char *key = arena_strndup(r->arena, s, (size_t)(k - s));
    int which = -1;
    for (int i = 0; i < NKEYS; i++)
      if (strcmp(key, SKILL_KEYS[i]) == 0) which = i;
    if (which < 0)
      return skill__fail(r, line, "unknown key '%s' (a skill has name, description and argument-hint)", key);
    if (values[which])
      return skill__fail(r, line, "'%s' given twice (first on line %d)", key, lines[which]);
    const char *v = k + 1;
    if (v < e && *v != ' ' && *v != '\t') return skill__fail(r, line, "'%s:' must be followed by a space", key);
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    const char *ve = e;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    if (v == ve)
      return skill__fail(r, line, "'%s' has no value on its line (nested YAML and block scalars are not "
                                  "supported)", key);
    if (!skill__value(r, line, key, v, ve, &values[which])) return false;
    lines[which] = line;
  }
  *body_line = line + 1;
  return true;
}

/* The Agent Skills rule for names: lowercase letters, digits and single hyphens inside. */
static bool skill__name_ok(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len > SKILL_MAX_NAME || n[0] == '-' || n[len - 1] == '-' || strstr(n, "--")) return false;
  for (const char *p = n; *p; p++)
    if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-') return false;
  return true;
}

bool skill_hint_parse(const char *hint, Arena *arena, McpPromptArgument **args, size_t *nargs, RtError *err) {
  *args = NULL;
  *nargs = 0;
  if (strlen(hint) > SKILL_MAX_HINT)
    return error_set(err, ERR_CONFIG, "argument-hint: longer than %zu bytes", SKILL_MAX_HINT);
  McpPromptArgument *out = ARENA_ARRAY(arena, McpPromptArgument, SKILL_MAX_ARGUMENTS);
  size_t n = 0;
  bool optional_seen = false;
  const char *p = hint;
  for (;;) {
    while (*p == ' ') p++;
    if (!*p) break;
    const char *t = p;
    while (*p && *p != ' ') p++;
    size_t tlen = (size_t)(p - t);
    char close = t[0] == '<' ? '>' : t[0] == '[' ? ']' : 0;
    size_t nlen = tlen >= 2 ? tlen - 2 : 0;
    bool shape = close && tlen >= 3 && t[tlen - 1] == close && nlen <= SKILL_MAX_ARGUMENT_NAME &&
                 islower((unsigned char)t[1]);
    for (size_t k = 1; shape && k + 1 < tlen; k++)
      shape = islower((unsigned char)t[k]) || isdigit((unsigned char)t[k]) || t[k] == '_' || t[k] == '-';
    if (!shape)
      return error_set(err, ERR_CONFIG,
                       "argument-hint: '%.*s' is not <name> (required) or [name] (optional), with a name "
                       "of lowercase letters, digits, '_' and '-' (at most %zu)",
                       (int)tlen, t, SKILL_MAX_ARGUMENT_NAME);
    char *name = arena_strndup(arena, t + 1, nlen);
    bool required = close == '>';
    for (size_t k = 0; k < n; k++)
      if (strcmp(out[k].name, name) == 0)
        return error_set(err, ERR_CONFIG, "argument-hint: '%s' named twice", name);
    if (required && optional_seen)
      return error_set(err, ERR_CONFIG,
                       "argument-hint: required <%s> after an optional one (arguments are positional "
                       "where a person types them: required ones first)", name);
    if (n == SKILL_MAX_ARGUMENTS)
      return error_set(err, ERR_CONFIG, "argument-hint: more than %zu arguments", SKILL_MAX_ARGUMENTS);
    optional_seen = optional_seen || !required;
    out[n].name = name;
    out[n].required = required;
    out[n].description = arena_printf(arena, "%s. Usage: %s", required ? "Required" : "Optional", hint);
    n++;
  }
  *args = n ? out : NULL;
  *nargs = n;
  return true;
}

bool skill_parse(const char *path, const char *text, size_t len, Arena *arena, Skill *out, RtError *err) {
  memset(out, 0, sizeof *out);
  SkillReader r = {path, arena, err};
  if (!skill__check_bytes(&r, text, len)) return false;
  size_t pos = 0;
  const char *s, *e;
  if (!skill__next_line(text, len, &pos, &s, &e) || !skill__line_is(s, e, "---"))
    return skill__fail(&r, 1, "a skill starts with a '---' line, then its YAML frontmatter");
  char *values[NKEYS] = {0};
  int lines[NKEYS] = {0};
  int body_line = 0;
  if (!skill__frontmatter(&r, text, len, &pos, values, lines, &body_line)) return false;
  for (int i = 0; i < KEY_ARGUMENT_HINT; i++)
    if (!values[i]) return skill__fail(&r, 0, "no '%s' in the frontmatter", SKILL_KEYS[i]);

  const char *name = values[KEY_NAME];
  if (!skill__name_ok(name))
    return skill__fail(&r, lines[KEY_NAME], "name '%s': 1 to %zu lowercase letters, digits and single "
                                             "hyphens, not at either end", name, SKILL_MAX_NAME);
  const char *slash = strrchr(path, '/');
  if (slash) {
    const char *dir = slash;
    while (dir > path && dir[-1] != '/') dir--;
    if ((size_t)(slash - dir) != strlen(name) || strncmp(dir, name, strlen(name)) != 0)
      return skill__fail(&r, lines[KEY_NAME], "name '%s' differs from its directory '%.*s'", name,
                         (int)(slash - dir), dir);
  }
  size_t dlen = strlen(values[KEY_DESCRIPTION]);
  if (dlen == 0 || dlen > SKILL_MAX_DESCRIPTION)
    return skill__fail(&r, lines[KEY_DESCRIPTION], "description: 1 to %zu bytes, not %zu", SKILL_MAX_DESCRIPTION,
                       dlen);
  if (values[KEY_ARGUMENT_HINT] &&
      !skill_hint_parse(values[KEY_ARGUMENT_HINT], arena, &out->arguments, &out->narguments, err))
    return error_prefix(err, "%s:%d", path, lines[KEY_ARGUMENT_HINT]);

  // The body: what follows, from its first non-blank line.
  size_t body = pos;
  int line = body_line;
  while (skill__next_line(text, len, &pos, &s, &e) && skill__is_blank(s, e)) {
    body = pos;
    line++;
  }
  if (body >= len) return skill__fail(&r, 0, "nothing after the frontmatter: the body is the prompt");
  // Forms Claude Code expands in a skill body (it reads these files too) but prompts/get
  // would pass on as they are: refused, so that both read the same text.
  for (const char *q = text + body; q < text + len; q++) {
    size_t left = (size_t)(text + len - q);
    const char *why = NULL;
    if (left >= 11 && memcmp(q, "$ARGUMENTS[", 11) == 0)
      why = "$ARGUMENTS[N] is not supported: use $ARGUMENTS (see skills/README.md)";
    else if (left >= 2 && q[0] == '$' && isdigit((unsigned char)q[1]))
      why = "$N is not supported: use $ARGUMENTS (see skills/README.md)";
    else if (left >= 2 && q[0] == '!' && q[1] == '`')
      why = "!` runs a shell command in Claude Code: skills use retort's tools instead";
    if (why) {
      int at = line;
      for (const char *c = text + body; c < q; c++) at += *c == '\n';
      return skill__fail(&r, at, "%s", why);
    }
  }
  const char *first_end = memchr(text + body, '\n', len - body);
  size_t first = first_end ? (size_t)(first_end - (text + body)) : len - body;
  if (first > 2 && first <= SKILL_MAX_TITLE + 2 && text[body] == '#' && text[body + 1] == ' ')
    out->title = arena_strndup(arena, text + body + 2, first - 2 - (text[body + first - 1] == '\r'));
  out->name = name;
  out->description = values[KEY_DESCRIPTION];
  out->argument_hint = values[KEY_ARGUMENT_HINT];
  out->body = arena_strndup(arena, text + body, len - body);
  out->body_len = len - body;
  return true;
}

static bool skill__blank_string(const char *v) {
  for (; *v; v++)
    if (!isspace((unsigned char)*v)) return false;
  return true;
}

void skill_render(const Skill *s, const Json *arguments, Buf *out) {
  Buf named = BUF_INIT;
  for (size_t k = 0; k < s->narguments; k++) {
    const char *v = json_get_string(arguments, s->arguments[k].name);
    if (!v || skill__blank_string(v)) continue;
    buf_printf(&named, "%s%s=\"", named.len ? " " : "", s->arguments[k].name);
    for (const char *c = v; *c; c++) {
      if (*c == '"' || *c == '\\') buf_putc(&named, '\\'), buf_putc(&named, *c);
      else if (*c == '\n') buf_puts(&named, "\\n");
      else if (*c == '\r') buf_puts(&named, "\\r");
      else buf_putc(&named, *c);
    }
    buf_putc(&named, '"');
  }
  static const char TOKEN[] = "$ARGUMENTS";
  const size_t tlen = sizeof TOKEN - 1;
  const char *p = s->body, *end = s->body + s->body_len;
  bool used = false;
  for (;;) {
    const char *hit = NULL;
    for (const char *q = p; q + tlen <= end; q++)
      if (*q == '$' && memcmp(q, TOKEN, tlen) == 0) {
        hit = q;
        break;
      }
    if (!hit) break;
    buf_append(out, p, (size_t)(hit - p));
    buf_puts(out, named.len ? buf_cstr(&named) : "(none)");
    p = hit + tlen;
    used = true;
  }
  buf_append(out, p, (size_t)(end - p));
  if (!used && named.len) {
    if (out->len && out->data[out->len - 1] != '\n') buf_putc(out, '\n');
    buf_printf(out, "\nARGUMENTS: %s\n", buf_cstr(&named));
  }
  buf_free(&named);
}

static bool skill__get(void *ctx, const McpPromptCall *call, Buf *text, RtError *err) {
  (void)ctx;
  (void)err;
  skill_render(call->prompt->data, call->arguments, text);
  return true;
}

size_t skills_prompts(const EmbeddedFile *table, Arena *arena, McpPrompt **prompts, Buf *errors) {
  size_t cap = 0;
  for (const EmbeddedFile *f = table; f->name; f++) cap++;
  McpPrompt *out = ARENA_ARRAY(arena, McpPrompt, cap ? cap : 1);
  size_t n = 0;
  for (const EmbeddedFile *f = table; f->name; f++) {
    size_t nlen = strlen(f->name);
    if (nlen < 9 || strcmp(f->name + nlen - 9, "/SKILL.md") != 0) continue;
    Skill *sk = ARENA_NEW(arena, Skill);
    RtError err = {0};
    if (!skill_parse(f->name, f->data, f->len, arena, sk, &err)) {
      if (errors) buf_printf(errors, "%s\n", err.msg);
      continue;
    }
    out[n++] = (McpPrompt){.name = sk->name,
                           .title = sk->title,
                           .description = sk->description,
                           .arguments = sk->arguments,
                           .narguments = sk->narguments,
                           .get = skill__get,
                           .data = sk};
  }
  *prompts = out;
  return n;
}
