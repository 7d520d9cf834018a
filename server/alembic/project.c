/* project.c - finding alembic.ini, reading its main section as Alembic 1.8.1's
 * ScriptDirectory.from_config does, and listing the revision files Alembic would load. */
#include "server/alembic/project.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"

static const char PROJECT_INI_NAME[] = "alembic.ini";
static const char PROJECT_PYPROJECT_NAME[] = "pyproject.toml";
static const char PROJECT_DEFAULT_SECTION[] = "alembic";
static const char PROJECT_DEFAULT_FILE_TEMPLATE[] = "%(rev)s_%(slug)s";
static const int PROJECT_DEFAULT_SLUG_LENGTH = 40;
static const size_t PROJECT_MAX_PYPROJECT_BYTES = 16u * 1024 * 1024;

static const int PROJECT_MAX_WALK_DEPTH = 64; /* bounds recursive_version_locations */

typedef VEC(char *) PathVec;

/* ---- paths -------------------------------------------------------------------------- */

char *project_normpath(const char *path) {
  size_t n = strlen(path);
  char *out = xmalloc(n + 2);
  size_t o = 0;
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *seg = p;
    while (*p && *p != '/') p++;
    size_t sl = (size_t)(p - seg);
    if (sl == 1 && seg[0] == '.') continue;
    if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
      while (o > 0 && out[o - 1] != '/') o--;
      if (o > 0) o--;  // drop the separator too
      continue;
    }
    out[o++] = '/';
    memcpy(out + o, seg, sl);
    o += sl;
  }
  if (o == 0) out[o++] = '/';
  out[o] = '\0';
  return out;
}

char *project_join(const char *base, const char *rel) {
  if (rel[0] == '/') return project_normpath(rel);
  Buf b = BUF_INIT;
  buf_puts(&b, base);
  buf_putc(&b, '/');
  buf_puts(&b, rel);
  char *r = project_normpath(buf_cstr(&b));
  buf_free(&b);
  return r;
}

/* os.path.abspath. Caller frees. */
static char *project__abspath(const char *path) {
  if (path[0] == '/') return project_normpath(path);
  char *cwd = getcwd(NULL, 0);
  char *r = project_join(cwd ? cwd : "/", path);
  free(cwd);
  return r;
}

/* Parent directory of a normalised absolute path ("/" for "/"). Caller frees. */
static char *project__dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return xstrdup("/");
  return xstrndup(path, (size_t)(slash - path));
}

static bool project__is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool project__is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool project__ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Python's OSError text, which is what Alembic users see from os.listdir. */
static bool project__os_error(RtError *err, int e, const char *path) {
  return error_set(err, e == ENOENT ? ERR_NOT_FOUND : ERR_IO, "[Errno %d] %s: '%s'", e,
                   strerror(e), path);
}

/* ---- locations ---------------------------------------------------------------------- */

static const char *project__own(Project *p, char *s) {
  p->owned = xrealloc(p->owned, (p->nowned + 1) * sizeof *p->owned);
  p->owned[p->nowned++] = s;
  return s;
}

/* Whether the ini's main section sets `key` (configparser's has_option: [DEFAULT] too). */
static bool project__ini_sets(const Project *p, const char *key) {
  return p->ini && ini_has_section(p->ini, p->section) && ini_has_key(p->ini, p->section, key);
}

/* Where `key` is read from, for messages: "[alembic] of /x/alembic.ini" or
 * "[tool.alembic] of /x/pyproject.toml". */
static const char *project__where(Project *p, const char *key) {
  Buf b = BUF_INIT;
  if (project__ini_sets(p, key) || !p->alembic_toml.found)
    buf_printf(&b, "[%s] of %s", p->section, p->ini_path ? p->ini_path : "alembic.ini");
  else
    buf_printf(&b, "[tool.alembic] of %s", p->pyproject_path);
  return project__own(p, buf_detach(&b));
}

/* Resolves a `package:path` value without importing anything (see project.h). */
static bool project__resolve_package(Project *p, const char *value, const char *what,
                                     char **out, RtError *err) {
  const char *colon = strchr(value, ':');
  char *pkg = xstrndup(value, (size_t)(colon - value));
  for (char *c = pkg; *c; c++)
    if (*c == '.') *c = '/';
  Buf rest = BUF_INIT;
  for (const char *c = colon + 1; *c; c++) buf_putc(&rest, *c == ':' ? '/' : *c);
  bool ok = false;
  if (pkg[0] && pkg[0] != '/') {
    char *dir = xstrdup(p->root);
    for (;;) {
      static const char *const prefixes[] = {"", "src/"};
      for (size_t i = 0; i < 2 && !ok; i++) {
        Buf cand = BUF_INIT;
        buf_printf(&cand, "%s/%s%s", dir, prefixes[i], pkg);
        char *pkgdir = project_normpath(buf_cstr(&cand));
        buf_free(&cand);
        if (project__is_dir(pkgdir)) {
          *out = rest.len ? project_join(pkgdir, buf_cstr(&rest)) : xstrdup(pkgdir);
          ok = true;
        }
        free(pkgdir);
      }
      if (ok || strcmp(dir, "/") == 0) break;
      char *up = project__dirname(dir);
      free(dir);
      dir = up;
    }
    free(dir);
  }
  if (!ok)
    error_set(err, ERR_CONFIG,
              "cannot find package '%.*s' named by %s '%s' in %s: looked for %s/%s "
              "and %s/src/%s and the same under each parent directory (retort does not "
              "import Python; use a path such as %%(here)s/migrations instead)",
              (int)(colon - value), value, what, value, project__where(p, what), p->root,
              pkg, p->root, pkg);
  free(pkg);
  buf_free(&rest);
  return ok;
}

/* util.coerce_resource_to_filename + os.path.abspath, with `root` standing for the
 * working directory Alembic would be run from. */
static bool project__resolve(Project *p, const char *value, const char *what, char **out,
                             RtError *err) {
  if (value[0] != '/' && strchr(value, ':'))
    return project__resolve_package(p, value, what, out, err);
  *out = project_join(p->root, value);
  return true;
}

/* Splits version_locations as ScriptDirectory.from_config does. */
static bool project__split_locations(Project *p, const char *value, const char *sep,
                                     bool strip, PathVec *parts, RtError *err) {
  if (!sep) {
    // Legacy: re.split(r", *|(?: +)", value) — empty pieces are kept.
    const char *s = value, *piece = value;
    while (*s) {
      if (*s == ',' || *s == ' ') {
        vec_push(parts, xstrndup(piece, (size_t)(s - piece)));
        if (*s == ',') {
          s++;
          while (*s == ' ') s++;
        } else {
          while (*s == ' ') s++;
        }
        piece = s;
      } else {
        s++;
      }
    }
    vec_push(parts, xstrndup(piece, (size_t)(s - piece)));
    return true;
  }
  char split;
  if (strcmp(sep, "space") == 0) split = ' ';
  else if (strcmp(sep, "newline") == 0) split = '\n';
  else if (strcmp(sep, "os") == 0) split = ':';  // os.pathsep on POSIX
  else if (strcmp(sep, ":") == 0) split = ':';
  else if (strcmp(sep, ";") == 0) split = ';';
  else
    return error_set(err, ERR_CONFIG,
                     "'%s' is not a valid value for %s; expected "
                     "'space', 'newline', 'os', ':', ';' (in %s)",
                     sep, strip ? "path_separator" : "version_path_separator",
                     project__where(p, strip ? "path_separator" : "version_path_separator"));
  // [x for x in value.split(split) if x]: 1.8.1 keeps the pieces as they are; Alembic
  // >= 1.16 (the one that knows path_separator) strips them.
  const char *s = value;
  for (;;) {
    const char *e = strchr(s, split);
    size_t n = e ? (size_t)(e - s) : strlen(s);
    const char *b = s;
    if (n && strip) {
      while (n && isspace((unsigned char)*b)) b++, n--;
      while (n && isspace((unsigned char)b[n - 1])) n--;
    }
    if (n) vec_push(parts, xstrndup(b, n));
    if (!e) break;
    s = e + 1;
  }
  return true;
}

/* ---- reading the main section ------------------------------------------------------- */

/* A [tool.alembic] string as Alembic reads it: `value % {"here": <dir>}` (Python's
 * %-formatting with a mapping: %(here)s and %% are all a string may hold). */
static bool project__toml_percent(Project *p, const char *key, const char *v, const char **out,
                                  RtError *err) {
  Buf b = BUF_INIT;
  for (const char *c = v; *c; c++) {
    if (*c != '%') {
      buf_putc(&b, *c);
    } else if (c[1] == '%') {
      buf_putc(&b, '%');
      c++;
    } else if (!strncmp(c, "%(here)s", 8)) {
      buf_puts(&b, p->root);
      c += 7;
    } else {
      buf_free(&b);
      return error_set(err, ERR_CONFIG,
                       "%s in %s: '%s' has a %% that is neither %%(here)s nor %%%% (Alembic "
                       "formats it with Python's %% operator: write %%%% for a %%)",
                       key, project__where(p, key), v);
    }
  }
  *out = project__own(p, b.data ? buf_detach(&b) : xstrdup(""));
  return true;
}

/* ini_get on the main section: NULL and true when absent, false when it does not
 * interpolate. */
static bool project__ini_get(const Project *p, const char *key, const char **val, RtError *err) {
  RtError e = {0};
  *val = p->ini ? ini_get(p->ini, p->section, key, &e) : NULL;
  if (!*val && e.kind != ERR_NONE) {
    if (err) *err = e;
    return false;
  }
  return true;
}

/* An option as Alembic >= 1.16's Config.get_alembic_option reads it: the ini's main
 * section (interpolated), else [tool.alembic] (a string or an integer); NULL when neither
 * sets it. */
static bool project__get(Project *p, const char *key, const char **val, RtError *err) {
  *val = NULL;
  if (project__ini_sets(p, key) || !p->alembic_toml.found)
    return project__ini_get(p, key, val, err);
  long i = toml_settings_find(&p->alembic_toml, key, false);
  if (i < 0) return true;
  switch (p->alembic_toml.kinds[i]) {
  case TOML_STRING:
    return project__toml_percent(p, key, p->alembic_toml.values[i], val, err);
  case TOML_INTEGER:
    *val = p->alembic_toml.values[i];
    return true;
  default:
    return error_set(err, ERR_CONFIG, "%s in %s: expected a string%s, found %s", key,
                     project__where(p, key),
                     strcmp(key, "truncate_slug_length") ? "" : " or an integer",
                     p->alembic_toml.values[i]);
  }
}

/* A boolean option (get_alembic_boolean_option): the ini's value compared with "true"
 * exactly, or a TOML boolean. */
static bool project__get_bool(Project *p, const char *key, bool *out, RtError *err) {
  *out = false;
  if (project__ini_sets(p, key) || !p->alembic_toml.found) {
    const char *v;
    if (!project__get(p, key, &v, err)) return false;
    *out = v && strcmp(v, "true") == 0;
    return true;
  }
  long i = toml_settings_find(&p->alembic_toml, key, false);
  if (i < 0) return true;
  if (p->alembic_toml.kinds[i] != TOML_BOOL)
    return error_set(err, ERR_CONFIG, "boolean value expected for TOML parameter '%s' (in %s)",
                     key, project__where(p, key));
  *out = strcmp(p->alembic_toml.values[i], "true") == 0;
  return true;
}

/* Python's int() on a str, base 10: surrounding whitespace, a sign, digits with single
 * underscores between them. */
static bool project__parse_int(const char *s, int *out) {
  while (isspace((unsigned char)*s)) s++;
  bool neg = false;
  if (*s == '+' || *s == '-') neg = *s++ == '-';
  if (!isdigit((unsigned char)*s)) return false;
  long long v = 0;
  while (isdigit((unsigned char)*s) || (*s == '_' && isdigit((unsigned char)s[1]))) {
    if (*s != '_') {
      v = v * 10 + (*s - '0');
      if (v > INT_MAX) v = INT_MAX;  // Alembic would accept it; nobody needs the rest
    }
    s++;
  }
  while (isspace((unsigned char)*s)) s++;
  if (*s) return false;
  *out = (int)(neg ? -v : v);
  return true;
}

static bool project__load(Project *p, RtError *err) {
  const char *v;
  if (!project__get(p, "script_location", &v, err)) return false;
  if (!v)
    return error_set(err, ERR_CONFIG,
                     "No 'script_location' key found in configuration. (%s)",
                     project__where(p, "script_location"));
  if (!project__resolve(p, v, "script_location", &p->script_location, err)) return false;
  if (access(p->script_location, F_OK) != 0)
    return error_set(err, ERR_CONFIG,
                     "Path doesn't exist: '%s'.  Please use the 'init' command to create a "
                     "new scripts folder. (script_location in %s)",
                     p->script_location, project__where(p, "script_location"));

  if (!project__get(p, "truncate_slug_length", &v, err)) return false;
  p->truncate_slug_length = PROJECT_DEFAULT_SLUG_LENGTH;
  if (v) {
    int n;
    if (!project__parse_int(v, &n))
      return error_set(err, ERR_CONFIG,
                       "invalid literal for int() with base 10: '%s' (truncate_slug_length "
                       "in %s)",
                       v, project__where(p, "truncate_slug_length"));
    p->truncate_slug_length = n ? n : PROJECT_DEFAULT_SLUG_LENGTH;  // `or 40`
  }

  PathVec locs = {0};
  PathVec parts = {0};
  // the ini's value when it is not empty (get_version_locations_list tests it for truth)
  if (!project__ini_get(p, "version_locations", &v, err)) return false;
  bool from_toml = !(v && *v) &&
                   toml_settings_find(&p->alembic_toml, "version_locations", false) >= 0;
  if (from_toml) { // an array of paths, each with %(here)s
    long i = toml_settings_find(&p->alembic_toml, "version_locations", false);
    char **list = p->alembic_toml.lists[i];
    if (p->alembic_toml.kinds[i] != TOML_ARRAY || !list)
      return error_set(err, ERR_CONFIG, "version_locations in %s: expected an array of paths",
                       project__where(p, "version_locations"));
    for (size_t k = 0; list[k]; k++) {
      const char *piece;
      if (!project__toml_percent(p, "version_locations", list[k], &piece, err)) {
        for (size_t j = 0; j < parts.len; j++) free(parts.items[j]);
        vec_free(&parts);
        return false;
      }
      vec_push(&parts, xstrdup(piece));
    }
  }
  if ((v && *v) || parts.len) {
    bool ok = true;
    if (!from_toml) {
      // path_separator (Alembic >= 1.16) before version_path_separator; its pieces stripped
      // (get_main_option: the ini only)
      const char *sep, *newsep;
      if (!project__ini_get(p, "version_path_separator", &sep, err) ||
          !project__ini_get(p, "path_separator", &newsep, err))
        return false;
      ok = project__split_locations(p, v, newsep ? newsep : sep, newsep != NULL, &parts, err);
    }
    for (size_t i = 0; ok && i < parts.len; i++) {
      char *loc;
      ok = project__resolve(p, parts.items[i], "version_locations", &loc, err);
      if (ok) vec_push(&locs, loc);
    }
    for (size_t i = 0; i < parts.len; i++) free(parts.items[i]);
    vec_free(&parts);
    if (!ok) {
      for (size_t i = 0; i < locs.len; i++) free(locs.items[i]);
      vec_free(&locs);
      return false;
    }
    p->version_locations_configured = true;
  } else {
    vec_push(&locs, project_join(p->script_location, "versions"));
  }
  p->version_locations = locs.items;
  p->nversion_locations = locs.len;

  // Alembic (1.10 up to 1.16 at least) compares with "true" exactly, as for sourceless;
  // "yes" or "True" silently mean false there, so they do here.
  if (!project__get_bool(p, "recursive_version_locations", &p->recursive_version_locations,
                         err))
    return false;

  if (!project__get(p, "file_template", &v, err)) return false;
  p->file_template = xstrdup(v ? v : PROJECT_DEFAULT_FILE_TEMPLATE);
  if (!project__get(p, "timezone", &v, err)) return false;
  p->timezone = v ? xstrdup(v) : NULL;
  // A URL that does not interpolate (a bare '%' in a password) only breaks the commands
  // that connect, as in Alembic where env.py reads it: keep the error for them.
  // (env.py reads it with get_main_option: the ini only)
  RtError url_err = {0};
  v = p->ini && ini_has_section(p->ini, p->section)
          ? ini_get(p->ini, p->section, "sqlalchemy.url", &url_err)
          : NULL;
  p->sqlalchemy_url = v ? xstrdup(v) : NULL;
  if (!v && url_err.kind != ERR_NONE) p->sqlalchemy_url_error = xstrdup(url_err.msg);
  if (!project__get_bool(p, "sourceless", &p->sourceless, err)) return false;
  if (!project__get(p, "output_encoding", &v, err)) return false;
  p->output_encoding = xstrdup(v ? v : "utf-8");
  return true;
}

/* ---- public: opening ---------------------------------------------------------------- */

/* Reads <dir>/pyproject.toml into p (its [tool.retort] and [tool.alembic]), when there. */
static bool project__pyproject_at(Project *p, const char *dir, bool searching, RtError *err) {
  char *path = project_join(dir, PROJECT_PYPROJECT_NAME);
  if (!project__is_file(path)) {
    free(path);
    return true;
  }
  Buf b = BUF_INIT;
  bool read = buf_read_file(&b, path, PROJECT_MAX_PYPROJECT_BYTES, err);
  bool ok = read && toml_read_table(buf_cstr(&b), b.len, "tool.retort", 0, &p->tool, err) &&
            toml_read_table(buf_cstr(&b), b.len, "tool.alembic", TOML_SKIP_TABLE_ARRAYS,
                            &p->alembic_toml, err);
  if (!ok) {
    if (read) error_prefix(err, "%s", path);
    // Searching upward, a pyproject.toml that is not ours (unreadable, or no tool.alembic
    // or tool.retort in its text) does not stop the search for the alembic.ini above it.
    bool ours = read && b.len && (memmem(b.data, b.len, "tool.alembic", 12) ||
                                  memmem(b.data, b.len, "tool.retort", 11));
    if (searching && !ours) {
      ok = true;
      if (err) *err = (RtError){0};
    }
    toml_settings_free(&p->tool);
    toml_settings_free(&p->alembic_toml);
  }
  buf_free(&b);
  if (ok && (p->tool.found || p->alembic_toml.found)) p->pyproject_path = path;
  else free(path);
  return ok;
}

static bool project__is_named(const char *path, const char *name) {
  const char *slash = strrchr(path, '/');
  return strcmp(slash ? slash + 1 : path, name) == 0;
}

bool project_discover(const char *start, const char *section, Project **out, RtError *err) {
  *out = NULL;
  char *abs = project__abspath(start && *start ? start : ".");
  Project *p = xcalloc(1, sizeof *p);
  p->section = xstrdup(section && *section ? section : PROJECT_DEFAULT_SECTION);
  struct stat st;
  if (stat(abs, &st) != 0) {
    int e = errno;
    error_set(err, e == ENOENT ? ERR_NOT_FOUND : ERR_IO, "project path %s: %s", abs,
              strerror(e));
    goto fail;
  }
  if (S_ISDIR(st.st_mode)) {
    // the nearest directory with an alembic.ini, or a pyproject.toml with [tool.alembic]
    char *dir = xstrdup(abs);
    for (;;) {
      char *cand = project_join(dir, PROJECT_INI_NAME);
      if (project__is_file(cand)) {
        p->ini_path = cand;
        break;
      }
      free(cand);
      if (!project__pyproject_at(p, dir, true, err)) {
        free(dir);
        goto fail;
      }
      if (p->alembic_toml.found) {
        p->root = xstrdup(dir);
        break;
      }
      toml_settings_free(&p->tool);
      toml_settings_free(&p->alembic_toml);
      free(p->pyproject_path);
      p->pyproject_path = NULL;
      if (strcmp(dir, "/") == 0) break;
      char *up = project__dirname(dir);
      free(dir);
      dir = up;
    }
    free(dir);
    if (!p->ini_path && !p->root) {
      error_set(err, ERR_NOT_FOUND,
                "no alembic.ini found in %s or any parent directory (nor a pyproject.toml "
                "with [tool.alembic]); pass project=<dir> or create one with `alembic init`",
                abs);
      goto fail;
    }
  } else if (project__is_named(abs, PROJECT_PYPROJECT_NAME)) {
    // a pyproject.toml named: its directory's alembic.ini too, as Alembic's defaults
    p->root = project__dirname(abs);
    char *cand = project_join(p->root, PROJECT_INI_NAME);
    if (project__is_file(cand)) p->ini_path = cand;
    else free(cand);
  } else {
    p->ini_path = xstrdup(abs);
  }

  if (!p->root) {
    p->root = project__dirname(p->ini_path);
    if (!project__pyproject_at(p, p->root, false, err)) goto fail;
  } else if (!p->pyproject_path && !project__pyproject_at(p, p->root, false, err)) {
    goto fail;
  }
  if (p->ini_path) {
    p->ini = ini_read_file(p->ini_path, err);
    if (!p->ini) goto fail;
  }
  if (!(p->ini && ini_has_section(p->ini, p->section)) && !p->alembic_toml.found) {
    if (p->ini_path)
      error_set(err, ERR_CONFIG, "No config file '%s' found, or file has no '[%s]' section",
                p->ini_path, p->section);
    else
      error_set(err, ERR_CONFIG, "%s/%s has no [tool.alembic] table, and there is no %s "
                "beside it", p->root, PROJECT_PYPROJECT_NAME, PROJECT_INI_NAME);
    goto fail;
  }
  if (!project__load(p, err)) goto fail;
  free(abs);
  *out = p;
  return true;
fail:
  free(abs);
  project_delete(p);
  return false;
}

bool project_open_versions_dir(const char *dir, Project **out, RtError *err) {
  *out = NULL;
  char *abs = project__abspath(dir);
  struct stat st;
  bool exists = stat(abs, &st) == 0;
  if (!exists || !S_ISDIR(st.st_mode)) {
    error_set(err, ERR_NOT_FOUND, "versions directory %s %s", abs,
              exists ? "is not a directory" : "does not exist");
    free(abs);
    return false;
  }
  Project *p = xcalloc(1, sizeof *p);
  p->root = project__dirname(abs);
  p->script_location = xstrdup(p->root);
  p->section = xstrdup(PROJECT_DEFAULT_SECTION);
  p->version_locations = xmalloc(sizeof *p->version_locations);
  p->version_locations[0] = abs;
  p->nversion_locations = 1;
  p->file_template = xstrdup(PROJECT_DEFAULT_FILE_TEMPLATE);
  p->truncate_slug_length = PROJECT_DEFAULT_SLUG_LENGTH;
  p->output_encoding = xstrdup("utf-8");
  *out = p;
  return true;
}

const char *project_config_file(const Project *p) {
  return p->ini_path ? p->ini_path : p->alembic_toml.found ? p->pyproject_path : NULL;
}

void project_delete(Project *p) {
  if (!p) return;
  free(p->root);
  free(p->ini_path);
  free(p->section);
  free(p->script_location);
  for (size_t i = 0; i < p->nversion_locations; i++) free(p->version_locations[i]);
  free(p->version_locations);
  free(p->file_template);
  free(p->timezone);
  free(p->sqlalchemy_url);
  free(p->sqlalchemy_url_error);
  free(p->output_encoding);
  ini_delete(p->ini);
  free(p->pyproject_path);
  toml_settings_free(&p->tool);
  toml_settings_free(&p->alembic_toml);
  for (size_t i = 0; i < p->nowned; i++) free(p->owned[i]);
  free(p->owned);
  free(p);
}

/* Index of `key` among pyproject.toml's settings, or -1. */
static long project__tool_key(const Project *p, const char *key) {
  return p ? toml_settings_find(&p->tool, key, true) : -1;
}

static bool project__ini_has(const Project *p, const char *key) {
  return p && p->ini && ini_has_section(p->ini, "retort") && ini_has_key(p->ini, "retort", key);
}

const char *project_setting(const Project *p, const char *key) {
  if (!p) return NULL;
  if (project__ini_has(p, key)) return ini_get(p->ini, "retort", key, NULL);
  long i = project__tool_key(p, key);
  return i >= 0 ? p->tool.values[i] : NULL;
}

const char *project_setting_section(const Project *p, const char *key) {
  return !project__ini_has(p, key) && project__tool_key(p, key) >= 0 ? "[tool.retort]"
                                                                      : "[retort]";
}

const char *project_setting_file(const Project *p, const char *key) {
  if (project__ini_has(p, key)) return p->ini_path;
  return project__tool_key(p, key) >= 0 ? p->pyproject_path : NULL;
}

/* A pyproject.toml key that alembic.ini overrides: the same key, or for "A.B" (a table
 * form such as column_types.NAME) the key A itself. */
static bool project__tool_shadowed(const Project *p, const char *key) {
  if (project__ini_has(p, key)) return true;
  const char *dot = strchr(key, '.');
  if (!dot) return false;
  char *head = xstrndup(key, (size_t)(dot - key));
  bool shadowed = project__ini_has(p, head);
  free(head);
  return shadowed;
}

bool project_setting_error(const Project *p, const char *key, RtError *err) {
  if (!err) return false;
  const char *section = project_setting_section(p, key);
  if (strcmp(section, "[retort]") && !strncmp(err->msg, "[retort] ", 9)) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s %s", section, err->msg + 9);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
  }
  const char *file = project_setting_file(p, key);
  return error_prefix(err, "%s", file ? file : "alembic.ini");
}

bool project_settings_each(const Project *p, ProjectSettingFn fn, void *ctx) {
  if (!p) return true;
  if (p->ini && ini_has_section(p->ini, "retort")) {
    const char *const *keys;
    size_t n = ini_section_keys(p->ini, "retort", &keys);
    for (size_t k = 0; k < n; k++)
      if (!fn(keys[k], project_setting(p, keys[k]), ctx)) return false;
  }
  for (size_t i = 0; i < p->tool.n; i++)
    if (!project__tool_shadowed(p, p->tool.keys[i]) &&
        !fn(p->tool.keys[i], p->tool.values[i], ctx))
      return false;
  return true;
}


/* ---- masking ------------------------------------------------------------------------ */

/* Masks `password=value` parameters of a URI query (case-insensitive name). */
static void project__mask_query(Buf *b) {
  for (size_t i = 0; i < b->len; i++) {
    if (b->data[i] != '?' && b->data[i] != '&') continue;
    if (strncasecmp(b->data + i + 1, "password=", 9) != 0) continue;
    size_t vs = i + 10, ve = vs;
    while (ve < b->len && b->data[ve] != '&' && b->data[ve] != '#') ve++;
    Buf n = BUF_INIT;
    buf_append(&n, b->data, vs);
    buf_puts(&n, "***");
    buf_append(&n, b->data + ve, b->len - ve);
    buf_free(b);
    *b = n;
    i = vs + 2;
  }
}

static char *project__mask_uri(const char *url, const char *auth) {
  Buf b = BUF_INIT;
  // The userinfo ends at the last '@' (an unencoded '@' or '/' in a password must not
  // leak, whichever parser — SQLAlchemy's or libpq's — reads the URL).
  const char *at = strrchr(auth, '@');
  const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
  if (colon) {
    buf_append(&b, url, (size_t)(colon + 1 - url));
    buf_puts(&b, "***");
    buf_puts(&b, at);
  } else {
    buf_puts(&b, url);
  }
  project__mask_query(&b);
  return buf_detach(&b);
}

/* libpq keyword/value strings: `host=x password=secret`, `password = 'a b\'c'`. */
static char *project__mask_keywords(const char *s) {
  Buf b = BUF_INIT;
  const char *p = s;
  while (*p) {
    while (isspace((unsigned char)*p)) buf_putc(&b, *p++);
    if (!*p) break;
    const char *k = p;
    while (*p && *p != '=' && !isspace((unsigned char)*p)) p++;
    bool is_password = (size_t)(p - k) == 8 && strncasecmp(k, "password", 8) == 0;
    buf_append(&b, k, (size_t)(p - k));
    while (isspace((unsigned char)*p)) buf_putc(&b, *p++);
    if (*p != '=') continue;  // not keyword/value: copied as is
    buf_putc(&b, *p++);
    while (isspace((unsigned char)*p)) buf_putc(&b, *p++);
    const char *v = p;
    if (*p == '\'') {
      p++;
      while (*p && *p != '\'') p += (*p == '\\' && p[1]) ? 2 : 1;
      if (*p) p++;
    } else {
      while (*p && !isspace((unsigned char)*p)) p += (*p == '\\' && p[1]) ? 2 : 1;
    }
    if (is_password) buf_puts(&b, "***");
    else buf_append(&b, v, (size_t)(p - v));
  }
  return buf_detach(&b);
}

char *project_masked_url(const char *url) {
  if (!url) return NULL;
  const char *sep = strstr(url, "://");
  if (sep && sep > url) {
    bool scheme = true;
    for (const char *c = url; c < sep; c++)
      if (!isalnum((unsigned char)*c) && *c != '+' && *c != '.' && *c != '-') scheme = false;
    if (scheme) return project__mask_uri(url, sep + 3);
  }
  if (strchr(url, '=')) return project__mask_keywords(url);
  return xstrdup(url);
}

bool project_url_is_postgres(const char *url) {
  if (!url) return false;
  while (isspace((unsigned char)*url)) url++;
  const char *sep = strstr(url, "://");
  if (sep) {
    size_t n = (size_t)(sep - url);
    const char *plus = memchr(url, '+', n);
    size_t scheme = plus ? (size_t)(plus - url) : n;
    return (scheme == 10 && strncasecmp(url, "postgresql", 10) == 0) ||
           (scheme == 8 && strncasecmp(url, "postgres", 8) == 0);
  }
  // libpq keyword/value: the first word is `keyword=`.
  const char *eq = strchr(url, '=');
  if (!eq || eq == url) return false;
  for (const char *c = url; c < eq; c++)
    if (!isalnum((unsigned char)*c) && *c != '_' && !isspace((unsigned char)*c)) return false;
  return true;
}

/* ---- listing revision files --------------------------------------------------------- */

/* Script._from_filename's `(?!\.\#|__init__)(.*\.py)$` (re.match, so anchored at the
 * start; `.` does not match a newline). */
static bool project__is_revision_name(const char *name) {
  if (strncmp(name, ".#", 2) == 0 || strncmp(name, "__init__", 8) == 0) return false;
  if (strchr(name, '\n')) return false;
  return project__ends_with(name, ".py");
}

static int project__cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One os.walk step (and, when recursive, the steps below it). Alembic 1.8.1 loads a
 * version directory in os.listdir order (readdir order, unsorted), and that order decides
 * the order of heads and branches in `alembic history`; Alembic >= 1.10, the versions
 * that walk subdirectories, sort each directory. So: readdir order unless recursive.
 * `*linked` is set when an entry is a symlink (only then can two paths reach one file). */
static bool project__walk(const char *dir, bool recursive, int depth, PathVec *out,
                          bool *linked, bool *statted, RtError *err) {
  DIR *d = opendir(dir);
  // os.walk ignores directories below the top that it cannot list.
  if (!d) return depth > 0 ? true : project__os_error(err, errno, dir);
  PathVec names = {0};
  VEC(unsigned char) types = {0};
  struct dirent *de;
  errno = 0;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    vec_push(&names, xstrdup(de->d_name));
    vec_push(&types, de->d_type);
  }
  int e = errno;
  closedir(d);
  bool ok = true;
  if (e) ok = project__os_error(err, e, dir);
  if (ok && recursive && names.len) {
    // Sorting names reorders types: re-read them below (DT_UNKNOWN forces a stat).
    qsort(names.items, names.len, sizeof *names.items, project__cmp_str);
    memset(types.items, DT_UNKNOWN, types.len);
  }
  // Alembic >= 1.10 skips the files of a directory whose path ends in __pycache__ (but
  // os.walk still descends below it).
  bool skip_files = project__ends_with(dir, "__pycache__");
  for (size_t i = 0; ok && i < names.len; i++) {
    bool is_reg = types.items[i] == DT_REG, is_dir = types.items[i] == DT_DIR;
    bool is_link = types.items[i] == DT_LNK;
    if (!is_reg && !is_dir) {
      // A symlink or a file system without d_type: ask stat, as os.path.isfile does.
      *statted = true;
      char *path = project_join(dir, names.items[i]);
      struct stat st, lst;
      if (stat(path, &st) == 0) {
        is_reg = S_ISREG(st.st_mode);
        is_dir = S_ISDIR(st.st_mode);
        is_link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
      }
      free(path);
    }
    if (!skip_files && is_reg && project__is_revision_name(names.items[i])) {
      vec_push(out, project_join(dir, names.items[i]));
      if (is_link) *linked = true;
      continue;
    }
    // os.walk(followlinks=False): symlinked directories are listed, not entered.
    if (recursive && is_dir && !is_link) {
      char *path = project_join(dir, names.items[i]);
      if (depth >= PROJECT_MAX_WALK_DEPTH)
        ok = error_set(err, ERR_IO, "version location nested deeper than %d directories: %s",
                       PROJECT_MAX_WALK_DEPTH, path);
      else
        ok = project__walk(path, recursive, depth + 1, out, linked, statted, err);
      free(path);
    }
  }
  for (size_t i = 0; i < names.len; i++) free(names.items[i]);
  vec_free(&names);
  vec_free(&types);
  return ok;
}

typedef struct RealEntry {
  char *real;
  size_t index;
} RealEntry;

static int project__cmp_real(const void *a, const void *b) {
  const RealEntry *x = a, *y = b;
  int c = strcmp(x->real, y->real);
  if (c) return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

bool project_list_revision_files(const Project *p, char ***paths, size_t *n, RtError *err) {
  return project_list_revision_files_ex(p, paths, n, NULL, err);
}

bool project_list_revision_files_ex(const Project *p, char ***paths, size_t *n,
                                    bool *only_entries, RtError *err) {
  *paths = NULL;
  *n = 0;
  PathVec all = {0};
  bool ok = true, linked = false, statted = false, skipped = false;
  for (size_t i = 0; ok && i < p->nversion_locations; i++) {
    const char *loc = p->version_locations[i];
    // Alembic filters configured locations with os.path.exists; the default one is
    // listed unconditionally (and os.listdir fails when it is missing).
    if (p->version_locations_configured && access(loc, F_OK) != 0) {
      skipped = true;
      continue;
    }
    ok = project__walk(loc, p->recursive_version_locations, 0, &all, &linked, &statted, err);
    if (!ok && !p->version_locations_configured && err && err->kind == ERR_NOT_FOUND)
      error_prefix(err, "no versions directory in script_location %s (%s sets no "
                   "version_locations)", p->script_location,
                   p->ini_path ? p->ini_path : "the project");
  }
  if (!ok) goto fail;

  // "File %s loaded twice! ignoring": the first path that reaches a real file wins. Two
  // paths can only meet through a symlink or overlapping locations; realpath() is a
  // syscall per path component, so a single plain directory skips it.
  if (all.len > 1 && (linked || p->nversion_locations > 1)) {
    RealEntry *re = xmalloc(all.len * sizeof *re);
    for (size_t i = 0; i < all.len; i++) {
      char *r = realpath(all.items[i], NULL);
      re[i].real = r ? r : xstrdup(all.items[i]);
      re[i].index = i;
    }
    qsort(re, all.len, sizeof *re, project__cmp_real);
    for (size_t i = 1; i < all.len; i++) {
      if (strcmp(re[i].real, re[i - 1].real) == 0) {
        free(all.items[re[i].index]);
        all.items[re[i].index] = NULL;
      }
    }
    for (size_t i = 0; i < all.len; i++) free(re[i].real);
    free(re);
    size_t k = 0;
    for (size_t i = 0; i < all.len; i++)
      if (all.items[i]) all.items[k++] = all.items[i];
    all.len = k;
  }
  *paths = all.items;
  *n = all.len;
  if (only_entries) *only_entries = !skipped && !statted && !p->recursive_version_locations;
  return true;
fail:
  project_free_paths(all.items, all.len);
  return false;
}

void project_free_paths(char **paths, size_t n) {
  if (!paths) return;
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

/* ---- where new revisions go --------------------------------------------------------- */

bool project_new_revision_dir(const Project *p, const char *version_path, const char *head_path,
                              char **out, RtError *err) {
  *out = NULL;
  char *dir;
  if (version_path) {
    dir = project_join(p->root, version_path);
  } else if (p->nversion_locations > 1) {
    if (!head_path)
      return error_set(err, ERR_PARAMS,
                       "Multiple version locations present, please specify --version-path");
    char *abs = project_join(p->root, head_path);
    dir = project__dirname(abs);
    free(abs);
  } else {
    dir = xstrdup(p->version_locations[0]);
  }
  for (size_t i = 0; i < p->nversion_locations; i++) {
    if (strcmp(p->version_locations[i], dir) == 0) {
      *out = dir;
      return true;
    }
  }
  error_set(err, ERR_PARAMS, "Path %s is not represented in current version locations",
            version_path ? version_path : dir);
  free(dir);
  return false;
}
