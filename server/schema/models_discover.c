/* models_discover.c - which files hold a project's models: the `models` setting of its
 * [retort] section (paths and glob patterns), else the modules env.py takes its
 * target_metadata from, else the Python files under the root that declare tables. */
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>
#include <unistd.h>

#include "server/alembic/pyvalue.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/schema/models.h"

/* Bounds on the walks (a project root may hold anything). */
static const int MDISC_MAX_DEPTH = 32;
static const size_t MDISC_MAX_FILES = 20000;       /* files looked at by one walk */
static const size_t MDISC_SCAN_BYTES = 1u << 20;   /* bytes of a file searched for a model */

typedef VEC(char *) PathVec;
typedef VEC(const char *) NameVec;

/* ---- paths ----------------------------------------------------------------------------- */

static bool mdisc__is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool mdisc__is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool mdisc__ends(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* Directories a walk never enters: hidden ones, caches, virtualenvs, dependencies, and the
 * project's version locations. */
static bool mdisc__skip_dir(const Project *p, const char *path, const char *name) {
  if (name[0] == '.' || !strcmp(name, "__pycache__") || !strcmp(name, "node_modules") ||
      !strcmp(name, "site-packages") || !strcmp(name, "venv") || !strcmp(name, "virtualenv"))
    return true;
  char *cfg = project_join(path, "pyvenv.cfg");
  bool venv = mdisc__is_file(cfg);
  free(cfg);
  if (venv) return true;
  for (size_t k = 0; p && k < p->nversion_locations; k++)
    if (!strcmp(p->version_locations[k], path)) return true;
  return false;
}

/* ---- glob ------------------------------------------------------------------------------ */

typedef struct MWalk {
  const Project *p;
  PathVec *out;
  size_t seen;
  bool (*want)(const char *path);
} MWalk;

static bool mdisc__want_py(const char *path) { return mdisc__ends(path, ".py"); }

/* Every file matching the pattern components comps[i..] below dir. */
static void mdisc__glob(MWalk *w, const char *dir, char **comps, size_t ncomps, size_t i, int depth) {
  if (depth > MDISC_MAX_DEPTH || w->seen > MDISC_MAX_FILES) return;
  if (i == ncomps) return;
  const char *c = comps[i];
  bool last = i + 1 == ncomps;
  if (!strcmp(c, "**")) {
    // zero directories...
    mdisc__glob(w, dir, comps, ncomps, i + 1, depth + 1);
    // ...or one more, then ** again
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    PathVec subs = {0};
    while ((de = readdir(d)) && w->seen <= MDISC_MAX_FILES) {
      w->seen++;
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
      char *sub = project_join(dir, de->d_name);
      if (mdisc__is_dir(sub) && !mdisc__skip_dir(w->p, sub, de->d_name)) vec_push(&subs, sub);
      else free(sub);
    }
    closedir(d);
    for (size_t k = 0; k < subs.len; k++) {
      mdisc__glob(w, subs.items[k], comps, ncomps, i, depth + 1);
      free(subs.items[k]);
    }
    vec_free(&subs);
    return;
  }
  if (!strpbrk(c, "*?[")) {
    char *next = project_join(dir, c);
    if (last) {
      if (mdisc__is_file(next)) vec_push(w->out, next);
      else free(next);
    } else {
      if (mdisc__is_dir(next)) mdisc__glob(w, next, comps, ncomps, i + 1, depth + 1);
      free(next);
    }
    return;
  }
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  PathVec hits = {0};
  while ((de = readdir(d)) && w->seen <= MDISC_MAX_FILES) {
    w->seen++;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    if (fnmatch(c, de->d_name, FNM_PERIOD) != 0) continue;
    vec_push(&hits, project_join(dir, de->d_name));
  }
  closedir(d);
  for (size_t k = 0; k < hits.len; k++) {
    if (last) {
      if (mdisc__is_file(hits.items[k])) {
        vec_push(w->out, hits.items[k]);
        continue;
      }
    } else if (mdisc__is_dir(hits.items[k])) {
      mdisc__glob(w, hits.items[k], comps, ncomps, i + 1, depth + 1);
    }
    free(hits.items[k]);
  }
  vec_free(&hits);
}

/* Every .py file below dir (a `models` entry naming a directory). */
static void mdisc__tree(MWalk *w, const char *dir, int depth) {
  if (depth > MDISC_MAX_DEPTH || w->seen > MDISC_MAX_FILES) return;
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  PathVec subs = {0};
  while ((de = readdir(d)) && w->seen <= MDISC_MAX_FILES) {
    w->seen++;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char *sub = project_join(dir, de->d_name);
    if (mdisc__is_dir(sub)) {
      if (!mdisc__skip_dir(w->p, sub, de->d_name)) {
        vec_push(&subs, sub);
        continue;
      }
    } else if (mdisc__is_file(sub) && w->want(sub)) {
      vec_push(w->out, sub);
      continue;
    }
    free(sub);
  }
  closedir(d);
  for (size_t k = 0; k < subs.len; k++) {
    mdisc__tree(w, subs.items[k], depth + 1);
    free(subs.items[k]);
  }
  vec_free(&subs);
}

/* ---- the models setting ------------------------------------------------------------------ */

static bool mdisc__configured(const Project *p, const char *setting, PathVec *out, RtError *err) {
  char *copy = xstrdup(setting);
  bool ok = true;
  for (char *save = NULL, *tok = strtok_r(copy, ", \t\r\n", &save); tok && ok;
       tok = strtok_r(NULL, ", \t\r\n", &save)) {
    char *abs = project_join(p->root, tok);
    size_t before = out->len;
    MWalk w = {p, out, 0, mdisc__want_py};
    if (mdisc__is_dir(abs)) {
      mdisc__tree(&w, abs, 0);
    } else if (!strpbrk(abs, "*?[")) {
      if (mdisc__is_file(abs)) vec_push(out, xstrdup(abs));
    } else {
      // split into components; the walk starts at "/"
      PathVec comps = {0};
      char *pc = xstrdup(abs);
      for (char *s2 = NULL, *c = strtok_r(pc, "/", &s2); c; c = strtok_r(NULL, "/", &s2))
        vec_push(&comps, c);
      mdisc__glob(&w, "/", comps.items, comps.len, 0, 0);
      vec_free(&comps);
      free(pc);
    }
    if (out->len == before)
      ok = error_set(err, ERR_CONFIG,
                     "%s models = %s: the pattern %s matches no file (relative to %s)",
                     project_setting_section(p, "models"), setting, tok, p->root);
    free(abs);
  }
  free(copy);
  return ok;
}

/* ---- env.py ------------------------------------------------------------------------------ */

typedef struct MImp {
  const char *bound;   /* the name the import binds */
  const char *module;  /* absolute dotted module, or NULL for a relative import */
  const char *attr;    /* from-import: the name imported, else NULL */
  bool star;
} MImp;

static void mdisc__names_used(const PySrc *s, TSNode n, NameVec *used, int depth) {
  if (depth > 200) return;
  if (pysrc_is(n, "import_statement") || pysrc_is(n, "import_from_statement")) return;
  if (pysrc_is(n, "identifier")) {
    vec_push(used, pysrc_text(s, n));
    return;
  }
  uint32_t c = ts_node_named_child_count(n);
  for (uint32_t k = 0; k < c; k++) mdisc__names_used(s, ts_node_named_child(n, k), used, depth + 1);
}

/* A module name resolved as env.py's process would: the root (Alembic's prepend_sys_path
 * default) and its src/. */
static char *mdisc__module_file(const Project *p, const char *dotted) {
  const char *bases[2] = {p->root, NULL};
  char *src = project_join(p->root, "src");
  bases[1] = src;
  char *found = NULL;
  char *rel = xstrdup(dotted);
  for (char *c = rel; *c; c++)
    if (*c == '.') *c = '/';
  for (int k = 0; k < 2 && !found; k++) {
    Buf b = BUF_INIT;
    buf_printf(&b, "%s/%s.py", bases[k], rel);
    if (mdisc__is_file(buf_cstr(&b))) found = project_normpath(buf_cstr(&b));
    buf_reset(&b);
    buf_printf(&b, "%s/%s/__init__.py", bases[k], rel);
    if (!found && mdisc__is_file(buf_cstr(&b))) found = project_normpath(buf_cstr(&b));
    buf_free(&b);
  }
  free(rel);
  free(src);
  return found;
}

static void mdisc__env(const Project *p, PathVec *out) {
  if (!p->script_location) return;
  char *env = project_join(p->script_location, "env.py");
  FILE *f = fopen(env, "rb");
  free(env);
  if (!f) return;
  Buf src = BUF_INIT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && src.len < (4u << 20)) buf_append(&src, chunk, n);
  fclose(f);
  Arena *a = arena_new();
  PySrc s = {src.data ? src.data : "", src.len, a, src.len >= 3 && !memcmp(src.data, "\xEF\xBB\xBF", 3)};
  RevParser *rp = revparser_new();
  TSTree *tree = revparser_parse_source(rp, &s, "env.py", NULL);
  VEC(MImp) imps = {0};
  NameVec used = {0};
  NameVec heads = {0};
  if (tree) {
    TSNode root = ts_tree_root_node(tree);
    size_t nc;
    TSNode *kids = pysrc_children(&s, root, &nc);
    for (size_t k = 0; k < nc; k++) {
      TSNode st = kids[k];
      if (pysrc_is(st, "import_statement") || pysrc_is(st, "import_from_statement")) {
        bool from = pysrc_is(st, "import_from_statement");
        const char *module = NULL;
        TSNode mod = {{0}, NULL, NULL};
        if (from) {
          mod = ts_node_child_by_field_name(st, "module_name", 11);
          if (ts_node_is_null(mod) || !pysrc_is(mod, "dotted_name")) continue;  // relative
          module = pysrc_text(&s, mod);
        }
        uint32_t cnt = ts_node_named_child_count(st);
        for (uint32_t j = 0; j < cnt; j++) {
          TSNode nm = ts_node_named_child(st, j);
          if (from && nm.id == mod.id) continue;
          MImp im = {0};
          if (pysrc_is(nm, "wildcard_import")) {
            im.module = module;
            im.star = true;
            vec_push(&imps, im);
            continue;
          }
          const char *name = NULL, *alias = NULL;
          if (pysrc_is(nm, "aliased_import")) {
            TSNode an = ts_node_child_by_field_name(nm, "alias", 5);
            TSNode bn = ts_node_child_by_field_name(nm, "name", 4);
            if (ts_node_is_null(an) || ts_node_is_null(bn)) continue;
            name = pysrc_text(&s, bn);
            alias = pysrc_text(&s, an);
          } else if (pysrc_is(nm, "dotted_name")) {
            name = pysrc_text(&s, nm);
          } else {
            continue;
          }
          if (from) {
            im.module = module;
            im.attr = name;
            im.bound = alias ? alias : name;
          } else {
            im.module = name;
            im.bound = alias ? alias : arena_strndup(a, name, strcspn(name, "."));
          }
          vec_push(&imps, im);
        }
        continue;
      }
      mdisc__names_used(&s, st, &used, 0);
      // target_metadata = <expr>: the names it starts from
      if (!pysrc_is(st, "expression_statement")) continue;
      TSNode asg = ts_node_named_child(st, 0);
      if (!pysrc_is(asg, "assignment")) continue;
      TSNode left = ts_node_child_by_field_name(asg, "left", 4);
      TSNode right = ts_node_child_by_field_name(asg, "right", 5);
      if (ts_node_is_null(left) || ts_node_is_null(right) ||
          strcmp(pysrc_text(&s, left), "target_metadata") != 0)
        continue;
      heads.len = 0;
      NameVec ids = {0};
      mdisc__names_used(&s, right, &ids, 0);
      for (size_t i = 0; i < ids.len; i++) vec_push(&heads, ids.items[i]);
      vec_free(&ids);
    }
    ts_tree_delete(tree);
  }
  // The modules that bind target_metadata's names, and the imports done for their side
  // effects (the bound name used nowhere else) or with *.
  for (size_t k = 0; k < imps.len; k++) {
    MImp *im = &imps.items[k];
    bool take = im->star;
    for (size_t h = 0; !take && h < heads.len; h++)
      if (im->bound && !strcmp(im->bound, heads.items[h])) take = true;
    if (!take && im->bound) {
      size_t uses = 0;
      for (size_t u = 0; u < used.len; u++)
        if (!strcmp(used.items[u], im->bound)) uses++;
      take = uses == 0;
    }
    if (!take || !im->module) continue;
    char *file = NULL;
    if (im->attr) {
      // `from app import models` may name a submodule
      Buf b = BUF_INIT;
      buf_printf(&b, "%s.%s", im->module, im->attr);
      file = mdisc__module_file(p, buf_cstr(&b));
      buf_free(&b);
    }
    if (!file) file = mdisc__module_file(p, im->module);
    if (file) vec_push(out, file);
  }
  vec_free(&imps);
  vec_free(&used);
  vec_free(&heads);
  revparser_delete(rp);
  arena_delete(a);
  buf_free(&src);
}

/* ---- the fallback scan --------------------------------------------------------------------- */

static bool mdisc__declares_models(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char *buf = xmalloc(MDISC_SCAN_BYTES + 1);
  size_t n = fread(buf, 1, MDISC_SCAN_BYTES, f);
  fclose(f);
  buf[n] = '\0';
  bool hit = memmem(buf, n, "__tablename__", 13) || memmem(buf, n, "Table(", 6) ||
             memmem(buf, n, "table=True", 10);
  free(buf);
  return hit;
}

static bool mdisc__want_model(const char *path) {
  return mdisc__ends(path, ".py") && mdisc__declares_models(path);
}

/* ---- public ------------------------------------------------------------------------------ */

static int mdisc__cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

bool models_paths(const Project *p, char ***paths, size_t *n, RtError *err) {
  *paths = NULL;
  *n = 0;
  PathVec out = {0};
  const char *setting = project_setting(p, "models");
  if (setting && strspn(setting, ", \t\r\n") < strlen(setting)) {
    if (!mdisc__configured(p, setting, &out, err)) {
      project_free_paths(out.items, out.len);
      return false;
    }
  } else {
    mdisc__env(p, &out);
    if (!out.len) {
      MWalk w = {p, &out, 0, mdisc__want_model};
      mdisc__tree(&w, p->root, 0);
      // env.py and the revisions are never models
      size_t k = 0;
      for (size_t i = 0; i < out.len; i++) {
        bool env = p->script_location && mdisc__ends(out.items[i], "/env.py") &&
                   !strncmp(out.items[i], p->script_location, strlen(p->script_location));
        if (env) free(out.items[i]);
        else out.items[k++] = out.items[i];
      }
      out.len = k;
    }
  }
  // absolute, sorted, each once (two spellings of one file count once)
  for (size_t i = 0; i < out.len; i++) {
    char *norm = project_normpath(out.items[i]);
    free(out.items[i]);
    out.items[i] = norm;
  }
  if (out.len) qsort(out.items, out.len, sizeof *out.items, mdisc__cmp);
  size_t k = 0;
  for (size_t i = 0; i < out.len; i++) {
    bool dup = false;
    char *ri = realpath(out.items[i], NULL);
    for (size_t j = 0; j < k && !dup; j++) {
      char *rj = realpath(out.items[j], NULL);
      dup = ri && rj && !strcmp(ri, rj);
      free(rj);
    }
    free(ri);
    if (dup) free(out.items[i]);
    else out.items[k++] = out.items[i];
  }
  out.len = k;
  *paths = out.items;
  *n = out.len;
  return true;
}
