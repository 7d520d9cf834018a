/* ini.c - configparser-compatible INI reading (sections, continuation lines, strict
 * duplicates, BasicInterpolation), the way Alembic's Config reads alembic.ini. */
#include "server/alembic/ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

static const int INI_MAX_INTERPOLATION_DEPTH = 10; /* configparser's MAX_INTERPOLATION_DEPTH */
static const size_t INI_MAX_FILE_BYTES = 16u * 1024 * 1024;
/* Nested references can multiply a value's size at each of the 10 levels, and every key
 * is interpolated eagerly: a value that grows past this is refused. */
static const size_t INI_MAX_VALUE_BYTES = 1024 * 1024;
static const char INI_DEFAULT_SECTION[] = "DEFAULT";

typedef VEC(const char *) StrVec;

/* One key as written. During parsing `parts` collects the value's lines (configparser
 * keeps a list and joins it at the end); afterwards `raw` holds the joined value. */
typedef struct IniEntry {
  const char *key; /* lowercased */
  const char *raw;
  StrVec parts;
  bool from_file;  /* false only for the `here` default until the file sets it */
} IniEntry;

/* The result of interpolating one key as seen from one section. */
typedef struct IniValue {
  const char *value; /* NULL when error is set */
  const char *error;
} IniValue;

typedef struct IniSection {
  const char *name;
  VEC(IniEntry) entries;
  const char **keys;        /* entries' keys, for ini_section_keys */
  IniValue *own;            /* parallel to entries */
  IniValue *inherited;      /* parallel to the DEFAULT entries, in this section's context */
} IniSection;

struct Ini {
  Arena *arena;
  const char *source;       /* file path or "<string>", for messages */
  IniSection defaults;
  VEC(IniSection *) sections;
  const char **names;
};

/* ---- small string helpers ---------------------------------------------------------- */

static bool ini__is_space(unsigned char c) {
  // Python's str.isspace() over ASCII.
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void ini__lower(char *s) {
  for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

/* Appends Python's repr() of a str (UTF-8 passes through as printable). */
static void ini__repr(Buf *b, const char *s) {
  char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
  buf_putc(b, q);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\\' || *p == (unsigned char)q) {
      buf_putc(b, '\\');
      buf_putc(b, (char)*p);
    } else if (*p == '\n') buf_puts(b, "\\n");
    else if (*p == '\r') buf_puts(b, "\\r");
    else if (*p == '\t') buf_puts(b, "\\t");
    else if (*p < 0x20 || *p == 0x7f) buf_printf(b, "\\x%02x", *p);
    else buf_putc(b, (char)*p);
  }
  buf_putc(b, q);
}

static bool ini__is_sensitive(const char *key) {
  static const char *const words[] = {"url", "password", "passwd", "secret", "dsn"};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strstr(key, words[i])) return true;
  return false;
}

/* repr(s), or a placeholder when the value may hold a password. */
static void ini__quote(Buf *b, const char *s, bool sensitive) {
  if (sensitive) buf_puts(b, "<value hidden: it may contain a password>");
  else ini__repr(b, s);
}

/* ---- lookup ------------------------------------------------------------------------- */

static IniEntry *ini__entry(const IniSection *s, const char *key, size_t *index) {
  for (size_t i = 0; i < s->entries.len; i++)
    if (strcmp(s->entries.items[i].key, key) == 0) {
      if (index) *index = i;
      return &s->entries.items[i];
    }
  return NULL;
}

static IniSection *ini__section(const Ini *ini, const char *name) {
  for (size_t i = 0; i < ini->sections.len; i++)
    if (strcmp(ini->sections.items[i]->name, name) == 0) return ini->sections.items[i];
  return NULL;
}

/* configparser's ChainMap(section, DEFAULT) lookup of a raw value. `sect` is NULL for
 * DEFAULT itself. */
static const char *ini__lookup_raw(const Ini *ini, const IniSection *sect, const char *key) {
  const IniEntry *e = sect ? ini__entry(sect, key, NULL) : NULL;
  if (!e) e = ini__entry(&ini->defaults, key, NULL);
  return e ? e->raw : NULL;
}

/* ---- interpolation (BasicInterpolation._interpolate_some) --------------------------- */

typedef struct IniInterp {
  const Ini *ini;
  const IniSection *sect;   /* NULL for DEFAULT */
  const char *section_name;
  const char *option;
  const char *rawval;
  Buf *err;                 /* the configparser message, on failure */
} IniInterp;

static bool ini__interpolate(IniInterp *st, Buf *acc, const char *rest, int depth,
                             bool sensitive) {
  if (depth > INI_MAX_INTERPOLATION_DEPTH) {
    buf_puts(st->err, "Recursion limit exceeded in value substitution: option ");
    ini__repr(st->err, st->option);
    buf_puts(st->err, " in section ");
    ini__repr(st->err, st->section_name);
    buf_printf(st->err, " contains an interpolation key which cannot be substituted in %d "
               "steps. Raw value: ", INI_MAX_INTERPOLATION_DEPTH);
    ini__quote(st->err, st->rawval, sensitive);
    return false;
  }
  while (*rest) {
    const char *p = strchr(rest, '%');
    if (!p) {
      buf_puts(acc, rest);
      return true;
    }
    buf_append(acc, rest, (size_t)(p - rest));
    rest = p;
    if (rest[1] == '%') {
      buf_putc(acc, '%');
      rest += 2;
    } else if (rest[1] == '(') {
      // _KEYCRE = %\(([^)]+)\)s
      const char *close = strchr(rest + 2, ')');
      if (!close || close == rest + 2 || close[1] != 's') {
        buf_puts(st->err, "bad interpolation variable reference ");
        ini__quote(st->err, rest, sensitive);
        return false;
      }
      char *var = xstrndup(rest + 2, (size_t)(close - rest - 2));
      ini__lower(var);
      rest = close + 2;
      const char *v = ini__lookup_raw(st->ini, st->sect, var);
      if (!v) {
        buf_puts(st->err, "Bad value substitution: option ");
        ini__repr(st->err, st->option);
        buf_puts(st->err, " in section ");
        ini__repr(st->err, st->section_name);
        buf_puts(st->err, " contains an interpolation key ");
        ini__repr(st->err, var);
        buf_puts(st->err, " which is not a valid option name. Raw value: ");
        ini__quote(st->err, st->rawval, sensitive);
        free(var);
        return false;
      }
      bool ok = true;
      if (acc->len + strlen(v) > INI_MAX_VALUE_BYTES) {
        buf_printf(st->err, "the value expands to more than %zu bytes", INI_MAX_VALUE_BYTES);
        free(var);
        return false;
      }
      if (strchr(v, '%'))
        ok = ini__interpolate(st, acc, v, depth + 1, sensitive || ini__is_sensitive(var));
      else
        buf_puts(acc, v);
      free(var);
      if (!ok) return false;
    } else {
      buf_puts(st->err, "'%' must be followed by '%' or '(', found: ");
      ini__quote(st->err, rest, sensitive);
      return false;
    }
  }
  return true;
}

static IniValue ini__value(Ini *ini, const IniSection *sect, const char *section_name,
                           const char *key, const char *raw) {
  Buf acc = BUF_INIT, msg = BUF_INIT;
  IniInterp st = {ini, sect, section_name, key, raw, &msg};
  IniValue v = {NULL, NULL};
  if (ini__interpolate(&st, &acc, raw, 1, ini__is_sensitive(key))) {
    v.value = arena_strdup(ini->arena, buf_cstr(&acc));
  } else {
    v.error = arena_printf(ini->arena, "cannot read '%s' in section [%s] of %s: %s", key,
                           section_name, ini->source, buf_cstr(&msg));
  }
  buf_free(&acc);
  buf_free(&msg);
  return v;
}

/* ---- parsing (RawConfigParser._read) ------------------------------------------------ */

static IniEntry *ini__add_entry(Ini *ini, IniSection *s, const char *key, bool from_file) {
  IniEntry e = {0};
  e.key = arena_strdup(ini->arena, key);
  e.from_file = from_file;
  vec_push(&s->entries, e);
  return &s->entries.items[s->entries.len - 1];
}

/* configparser's "While reading from '<source>' [line NN]: ..." errors. */
static bool ini__fail(Ini *ini, RtError *err, size_t lineno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool ini__fail(Ini *ini, RtError *err, size_t lineno, const char *fmt, ...) {
  Buf m = BUF_INIT;
  buf_puts(&m, "While reading from ");
  ini__repr(&m, ini->source);
  buf_printf(&m, " [line %2zu]: ", lineno);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&m, fmt, ap);
  va_end(ap);
  error_set(err, ERR_CONFIG, "%s", buf_cstr(&m));
  buf_free(&m);
  return false;
}

static bool ini__parse_text(Ini *ini, const char *text, size_t len, RtError *err) {
  // Universal newlines, as Python's text-mode files: \r\n and lone \r end lines.
  Buf norm = BUF_INIT;
  size_t i = 0;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) i = 3;
  size_t lineno = 1;
  for (; i < len; i++) {
    char c = text[i];
    if (c == '\0') {
      buf_free(&norm);
      return ini__fail(ini, err, lineno, "contains a NUL byte");
    }
    if (c == '\r') {
      if (i + 1 < len && text[i + 1] == '\n') i++;
      c = '\n';
    }
    if (c == '\n') lineno++;
    buf_putc(&norm, c);
  }

  IniSection *cursect = NULL;
  IniEntry *cur = NULL;        /* the key continuation lines extend (configparser's optname) */
  size_t indent_level = 0;
  bool ok = true;
  const char *p = buf_cstr(&norm);
  lineno = 0;
  while (*p && ok) {
    const char *eol = strchr(p, '\n');
    size_t ll = eol ? (size_t)(eol - p) : strlen(p);
    const char *line = p;
    p = eol ? eol + 1 : p + ll;
    lineno++;

    size_t a = 0, b = ll;
    while (a < b && ini__is_space((unsigned char)line[a])) a++;
    while (b > a && ini__is_space((unsigned char)line[b - 1])) b--;
    bool comment = a < b && (line[a] == '#' || line[a] == ';');
    if (comment || a == b) {
      // An empty line (not a comment) inside a value is kept: empty_lines_in_values.
      if (!comment && cursect && cur) vec_push(&cur->parts, "");
      continue;
    }
    char *value = arena_strndup(ini->arena, line + a, b - a);
    size_t indent = a;
    if (cursect && cur && indent > indent_level) {
      vec_push(&cur->parts, value);
      continue;
    }
    indent_level = indent;
    char *close = strrchr(value, ']');
    if (value[0] == '[' && close && close - value >= 2) {
      *close = '\0';
      const char *name = value + 1;
      cur = NULL;
      if (ini__section(ini, name)) {
        ok = ini__fail(ini, err, lineno, "section '%s' already exists", name);
      } else if (strcmp(name, INI_DEFAULT_SECTION) == 0) {
        cursect = &ini->defaults;
      } else {
        cursect = xcalloc(1, sizeof *cursect);
        cursect->name = name;
        vec_push(&ini->sections, cursect);
      }
      continue;
    }
    if (!cursect) {
      Buf m = BUF_INIT;
      buf_puts(&m, "File contains no section headers.\nfile: ");
      ini__repr(&m, ini->source);
      buf_printf(&m, ", line: %zu\n", lineno);
      ini__repr(&m, value);
      error_set(err, ERR_CONFIG, "%s", buf_cstr(&m));
      buf_free(&m);
      ok = false;
      break;
    }
    size_t d = strcspn(value, "=:");
    if (!value[d]) {
      ok = ini__fail(ini, err, lineno, "expected `key = value`, `key: value`, a [section] "
                     "header or a comment, found '%s'", value);
      break;
    }
    size_t kl = d;
    while (kl > 0 && ini__is_space((unsigned char)value[kl - 1])) kl--;
    if (kl == 0) {
      ok = ini__fail(ini, err, lineno, "a key is missing before '%s' in '%s'",
                     value[d] == '=' ? "=" : ":", value);
      break;
    }
    char *key = arena_strndup(ini->arena, value, kl);
    ini__lower(key);
    const char *val = value + d + 1;
    while (ini__is_space((unsigned char)*val)) val++;  // trailing space was stripped above
    IniEntry *e = ini__entry(cursect, key, NULL);
    if (e && e->from_file) {
      const char *sname = cursect == &ini->defaults ? INI_DEFAULT_SECTION : cursect->name;
      ok = ini__fail(ini, err, lineno, "option '%s' in section '%s' already exists", key,
                     sname);
      break;
    }
    if (!e) e = ini__add_entry(ini, cursect, key, true);
    e->from_file = true;
    e->parts.len = 0;  // a file value replaces the `here` default
    vec_push(&e->parts, val);
    cur = e;
  }
  buf_free(&norm);
  return ok;
}

/* Joins each entry's lines ("\n".join(val).rstrip()). */
static void ini__join(Ini *ini, IniSection *s) {
  for (size_t i = 0; i < s->entries.len; i++) {
    IniEntry *e = &s->entries.items[i];
    if (!e->parts.len) continue;  // `here` given directly already has raw
    Buf b = BUF_INIT;
    for (size_t k = 0; k < e->parts.len; k++) {
      if (k) buf_putc(&b, '\n');
      buf_puts(&b, e->parts.items[k]);
    }
    size_t n = b.len;
    while (n > 0 && ini__is_space((unsigned char)b.data[n - 1])) n--;
    e->raw = arena_strndup(ini->arena, buf_cstr(&b), n);
    buf_free(&b);
    vec_free(&e->parts);
  }
  s->keys = ARENA_ARRAY(ini->arena, const char *, s->entries.len + 1);
  for (size_t i = 0; i < s->entries.len; i++) s->keys[i] = s->entries.items[i].key;
}

static void ini__interpolate_all(Ini *ini) {
  IniSection *d = &ini->defaults;
  d->own = ARENA_ARRAY(ini->arena, IniValue, d->entries.len + 1);
  for (size_t i = 0; i < d->entries.len; i++)
    d->own[i] = ini__value(ini, NULL, INI_DEFAULT_SECTION, d->entries.items[i].key,
                           d->entries.items[i].raw);
  for (size_t s = 0; s < ini->sections.len; s++) {
    IniSection *sect = ini->sections.items[s];
    sect->own = ARENA_ARRAY(ini->arena, IniValue, sect->entries.len + 1);
    for (size_t i = 0; i < sect->entries.len; i++)
      sect->own[i] = ini__value(ini, sect, sect->name, sect->entries.items[i].key,
                                sect->entries.items[i].raw);
    sect->inherited = ARENA_ARRAY(ini->arena, IniValue, d->entries.len + 1);
    for (size_t i = 0; i < d->entries.len; i++)
      sect->inherited[i] = ini__value(ini, sect, sect->name, d->entries.items[i].key,
                                      d->entries.items[i].raw);
  }
}

static Ini *ini__parse(const char *text, size_t len, const char *here, const char *source,
                       RtError *err) {
  Ini *ini = xcalloc(1, sizeof *ini);
  ini->arena = arena_new();
  ini->source = arena_strdup(ini->arena, source);
  ini->defaults.name = INI_DEFAULT_SECTION;
  if (here) {
    IniEntry *e = ini__add_entry(ini, &ini->defaults, "here", false);
    e->raw = arena_strdup(ini->arena, here);
  }
  if (!ini__parse_text(ini, text, len, err)) {
    ini_delete(ini);
    return NULL;
  }
  ini__join(ini, &ini->defaults);
  ini->names = ARENA_ARRAY(ini->arena, const char *, ini->sections.len + 1);
  for (size_t i = 0; i < ini->sections.len; i++) {
    ini__join(ini, ini->sections.items[i]);
    ini->names[i] = ini->sections.items[i]->name;
  }
  ini__interpolate_all(ini);
  return ini;
}

/* ---- public ------------------------------------------------------------------------- */

Ini *ini_parse(const char *text, size_t len, const char *here, RtError *err) {
  return ini__parse(text, len, here, "<string>", err);
}

Ini *ini_read_file(const char *path, RtError *err) {
  Buf b = BUF_INIT;
  if (!buf_read_file(&b, path, INI_MAX_FILE_BYTES, err)) {
    buf_free(&b);
    return NULL;
  }
  // here = os.path.abspath(os.path.dirname(path))
  char *dir;
  const char *slash = strrchr(path, '/');
  if (!slash) dir = xstrdup("");
  else if (slash == path) dir = xstrdup("/");
  else dir = xstrndup(path, (size_t)(slash - path));
  char *here;
  if (dir[0] == '/') {
    here = dir;
  } else {
    char *cwd = getcwd(NULL, 0);
    Buf h = BUF_INIT;
    buf_puts(&h, cwd ? cwd : ".");
    if (dir[0]) {
      buf_putc(&h, '/');
      buf_puts(&h, dir);
    }
    free(cwd);
    free(dir);
    here = buf_detach(&h);
  }
  Ini *ini = ini__parse(b.data ? b.data : "", b.len, here, path, err);
  free(here);
  buf_free(&b);
  return ini;
}

void ini_delete(Ini *ini) {
  if (!ini) return;
  for (size_t i = 0; i < ini->defaults.entries.len; i++)
    vec_free(&ini->defaults.entries.items[i].parts);
  vec_free(&ini->defaults.entries);
  for (size_t s = 0; s < ini->sections.len; s++) {
    IniSection *sect = ini->sections.items[s];
    for (size_t i = 0; i < sect->entries.len; i++) vec_free(&sect->entries.items[i].parts);
    vec_free(&sect->entries);
    free(sect);
  }
  vec_free(&ini->sections);
  arena_delete(ini->arena);
  free(ini);
}

bool ini_has_section(const Ini *ini, const char *section) {
  return section && ini__section(ini, section) != NULL;
}

static bool ini__is_default(const char *section) {
  return !section || strcmp(section, INI_DEFAULT_SECTION) == 0;
}

bool ini_has_key(const Ini *ini, const char *section, const char *key) {
  char *k = xstrdup(key);
  ini__lower(k);
  bool found;
  if (ini__is_default(section)) {
    found = ini__entry(&ini->defaults, k, NULL) != NULL;
  } else {
    const IniSection *s = ini__section(ini, section);
    found = s && (ini__entry(s, k, NULL) || ini__entry(&ini->defaults, k, NULL));
  }
  free(k);
  return found;
}

const char *ini_get(const Ini *ini, const char *section, const char *key, RtError *err) {
  char *k = xstrdup(key);
  ini__lower(k);
  const IniValue *v = NULL;
  size_t i;
  if (ini__is_default(section)) {
    if (ini__entry(&ini->defaults, k, &i)) v = &ini->defaults.own[i];
  } else {
    const IniSection *s = ini__section(ini, section);
    if (s && ini__entry(s, k, &i)) v = &s->own[i];
    else if (s && ini__entry(&ini->defaults, k, &i)) v = &s->inherited[i];
  }
  free(k);
  if (!v) return NULL;
  if (v->error) {
    error_set(err, ERR_CONFIG, "%s", v->error);
    return NULL;
  }
  return v->value;
}

const char *ini_get_raw(const Ini *ini, const char *section, const char *key) {
  char *k = xstrdup(key);
  ini__lower(k);
  const char *raw = NULL;
  if (ini__is_default(section)) {
    raw = ini__lookup_raw(ini, NULL, k);
  } else {
    const IniSection *s = ini__section(ini, section);
    if (s) raw = ini__lookup_raw(ini, s, k);
  }
  free(k);
  return raw;
}

bool ini_parse_bool(const char *value, bool *out, RtError *err) {
  static const char *const yes[] = {"1", "yes", "true", "on"};
  static const char *const no[] = {"0", "no", "false", "off"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(value, yes[i]) == 0) {
      *out = true;
      return true;
    }
    if (strcasecmp(value, no[i]) == 0) {
      *out = false;
      return true;
    }
  }
  return error_set(err, ERR_CONFIG, "Not a boolean: %s", value);
}

size_t ini_sections(const Ini *ini, const char *const **names) {
  *names = ini->sections.len ? ini->names : NULL;
  return ini->sections.len;
}

size_t ini_section_keys(const Ini *ini, const char *section, const char *const **keys) {
  const IniSection *s = ini__is_default(section) ? &ini->defaults : ini__section(ini, section);
  if (!s || !s->entries.len) {
    *keys = NULL;
    return 0;
  }
  *keys = s->keys;
  return s->entries.len;
}
