/* config.c - the linter's configuration, read from [retort] of alembic.ini or [tool.retort]
 * of pyproject.toml. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/alembic/ini.h"
#include "server/base/mem.h"
#include "server/lint/rule.h"

static size_t config__index(const LintRule *rule) {
  size_t n;
  const LintRule *const *all = lint_rules(&n);
  for (size_t k = 0; k < n; k++)
    if (all[k] == rule) return k;
  return (size_t)-1;
}

LintConfig *lint_config_new(void) {
  size_t n;
  lint_rules(&n);
  LintConfig *c = xcalloc(1, sizeof *c);
  c->arena = arena_new();
  c->pg_version = 15;
  c->enabled = xmalloc(n ? n : 1);
  c->severity = xmalloc(n ? n : 1);
  memset(c->enabled, -1, n);
  memset(c->severity, -1, n);
  static const char *const ENUM_LIKE[] = {"status", "state", "*_status", "*_state"};
  c->nenum_like = sizeof ENUM_LIKE / sizeof ENUM_LIKE[0];
  c->enum_like = ARENA_ARRAY(c->arena, const char *, c->nenum_like);
  for (size_t k = 0; k < c->nenum_like; k++) c->enum_like[k] = ENUM_LIKE[k];
  return c;
}

void lint_config_delete(LintConfig *c) {
  if (!c) return;
  if (c->naming) regfree(&c->naming_re);
  free(c->enabled);
  free(c->severity);
  arena_delete(c->arena);
  free(c);
}

int lint_config_pg_version(const LintConfig *c) { return c->pg_version; }

bool lint_config_enabled(const LintConfig *c, const LintRule *rule) {
  size_t k = config__index(rule);
  if (k != (size_t)-1 && c->enabled[k] >= 0) return c->enabled[k] == 1;
  return !rule->opt_in;
}

Severity lint_config_severity(const LintConfig *c, const LintRule *rule) {
  size_t k = config__index(rule);
  if (k != (size_t)-1 && c->severity[k] >= 0) return (Severity)c->severity[k];
  return rule->severity;
}

/* Splits on `seps`, trimming spaces; empty items dropped. Owned by the arena. */
static const char **config__split(Arena *a, const char *v, const char *seps, size_t *n) {
  size_t cap = 1;
  for (const char *p = v; *p; p++)
    if (strchr(seps, *p)) cap++;
  const char **out = ARENA_ARRAY(a, const char *, cap);
  *n = 0;
  const char *p = v;
  while (*p) {
    size_t len = strcspn(p, seps);
    const char *s = p, *e = p + len;
    while (s < e && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    if (e > s) out[(*n)++] = arena_strndup(a, s, (size_t)(e - s));
    p += len;
    if (*p) p++;
  }
  return out;
}

static bool config__severity(const char *v, Severity *out) {
  static const struct { const char *name; Severity sev; } S[] = {
      {"error", SEV_ERROR}, {"warning", SEV_WARNING}, {"warn", SEV_WARNING}, {"info", SEV_INFO}};
  for (size_t k = 0; k < sizeof S / sizeof S[0]; k++)
    if (!strcasecmp(v, S[k].name)) {
      *out = S[k].sev;
      return true;
    }
  return false;
}

/* Appends one name pattern = type rule (each side trimmed; the type lowercased); either
 * side blank is an error. */
static bool config__add_type(LintConfig *c, const char *key, const char *pattern,
                             const char *type, RtError *err) {
  size_t np, nt;
  const char **pt = config__split(c->arena, pattern, " \t", &np);
  const char **ty = config__split(c->arena, type, " \t", &nt);
  if (!np || !nt)
    return error_set(err, ERR_CONFIG, "[retort] %s: '%s=%s' needs a name pattern and a type",
                     key, pattern, type);
  TypePattern *t = ARENA_ARRAY(c->arena, TypePattern, c->ntypes + 1);
  if (c->ntypes) memcpy(t, c->types, c->ntypes * sizeof *t);
  t[c->ntypes].pattern = pt[0];
  char *lower = arena_strdup(c->arena, ty[0]);
  for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
  t[c->ntypes++].type = lower;
  c->types = t;
  return true;
}

static bool config__rules(LintConfig *c, const char *key, const char *value, signed char on,
                          RtError *err) {
  size_t n;
  const char **ids = config__split(c->arena, value, ", \t\n", &n);
  for (size_t k = 0; k < n; k++)
    if (!lint_rule_find(ids[k]))
      return error_set(err, ERR_CONFIG, "[retort] %s: unknown rule '%s' (nothing was changed)",
                       key, ids[k]);
  for (size_t k = 0; k < n; k++) c->enabled[config__index(lint_rule_find(ids[k]))] = on;
  return true;
}

bool lint_config_set(LintConfig *c, const char *key, const char *value, RtError *err) {
  if (!value) value = "";
  if (!strcasecmp(key, "postgresql_version")) {
    char *end;
    long v = strtol(value, &end, 10);
    if (end == value || v < 9 || v > 99 || (*end && *end != '.'))
      return error_set(err, ERR_CONFIG,
                       "[retort] postgresql_version = %s: expected a major version such as 15",
                       value);
    c->pg_version = (int)v;
  } else if (!strcasecmp(key, "disable")) {
    return config__rules(c, key, value, 0, err);
  } else if (!strcasecmp(key, "enable")) {
    return config__rules(c, key, value, 1, err);
  } else if (!strncasecmp(key, "severity.", 9)) {
    const LintRule *r = lint_rule_find(key + 9);
    Severity sev;
    if (!r) return error_set(err, ERR_CONFIG, "[retort] %s: unknown rule '%s'", key, key + 9);
    if (!config__severity(value, &sev))
      return error_set(err, ERR_CONFIG, "[retort] %s = %s: expected error, warning or info",
                       key, value);
    c->severity[config__index(r)] = (signed char)sev;
  } else if (!strcasecmp(key, "protected_tables")) {
    c->protected_tables = config__split(c->arena, value, ", \t\n", &c->nprotected);
  } else if (!strcasecmp(key, "enum_like_columns")) {
    c->enum_like = config__split(c->arena, value, ", \t\n", &c->nenum_like);
  } else if (!strcasecmp(key, "column_groups")) {
    size_t n;
    const char **groups = config__split(c->arena, value, ";\n", &n);
    c->groups = ARENA_ARRAY(c->arena, ColumnGroup, n ? n : 1);
    c->ngroups = 0;
    for (size_t k = 0; k < n; k++) {
      ColumnGroup *g = &c->groups[c->ngroups];
      g->cols = config__split(c->arena, groups[k], ", \t", &g->ncols);
      if (g->ncols >= 2) c->ngroups++;
    }
  } else if (!strcasecmp(key, "column_types")) {
    size_t n;
    const char **items = config__split(c->arena, value, ",\n", &n);
    for (size_t k = 0; k < n; k++) {
      const char *eq = strchr(items[k], '=');
      if (!eq || eq == items[k] || !eq[1])
        return error_set(err, ERR_CONFIG,
                         "[retort] column_types: '%s' is not name_pattern=type", items[k]);
      if (!config__add_type(c, key, arena_strndup(c->arena, items[k], (size_t)(eq - items[k])),
                            eq + 1, err))
        return false;
    }
  } else if (!strncasecmp(key, "column_types.", 13)) {
    // pyproject.toml's table form: column_types = {search_vector = "tsvector", "*_id" = "uuid"}
    return config__add_type(c, "column_types", key + 13, value, err);
  } else if (!strcasecmp(key, "constraint_naming")) {
    regex_t re;
    int rc = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char buf[256];
      regerror(rc, &re, buf, sizeof buf);
      return error_set(err, ERR_CONFIG, "[retort] constraint_naming = %s: %s", value, buf);
    }
    if (c->naming) regfree(&c->naming_re);
    c->naming_re = re;
    c->naming = arena_strdup(c->arena, value);
  }
  return true;
}

typedef struct ConfigApply {
  LintConfig *c;
  const Project *p;
  RtError *err;
} ConfigApply;

static bool config__apply(const char *key, const char *value, void *ctx) {
  ConfigApply *a = ctx;
  return lint_config_set(a->c, key, value, a->err) || project_setting_error(a->p, key, a->err);
}

bool lint_config_from_project(const Project *p, LintConfig **out, RtError *err) {
  *out = NULL;
  LintConfig *c = lint_config_new();
  ConfigApply a = {c, p, err};
  if (!project_settings_each(p, config__apply, &a)) {
    lint_config_delete(c);
    return false;
  }
  *out = c;
  return true;
}
