/* models_load.c - Python modules of a project read with tree-sitter for the model reader:
 * their top-level bindings (imports resolved to project files or external names), classes
 * with their bodies, and the statements that configure metadata. Nothing is executed. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>

#include "server/base/mem.h"
#include "server/schema/models_internal.h"

/* Module names that are never project modules, whatever directories the project has
 * (a `migrations/alembic` directory must not shadow the alembic package). */
static const char *const MLOAD_EXTERNAL_TOPS[] = {
    "sqlalchemy", "sqlmodel", "alembic", "pydantic", "typing", "typing_extensions", "enum",
    "datetime", "decimal", "uuid", "json", "os", "sys", "re", "flask_sqlalchemy",
    "sqlalchemy_utils", "geoalchemy2", "__future__", "dataclasses", "ipaddress", "pathlib",
    NULL};

/* The state of one file being read. */
typedef struct MRead {
  MLoader *L;
  MModule *m;
  PySrc s;
  VEC(MBind) binds;
  VEC(MStmt) stmts;
  VEC(MClass *) classes;
  VEC(MBind *) stars;
  VEC(const char *) imports;
} MRead;

/* ---- paths ---------------------------------------------------------------------------- */

static bool mload__is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool mload__is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *mload__dirname(Arena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return ".";
  if (slash == path) return "/";
  return arena_strndup(a, path, (size_t)(slash - path));
}

static bool mload__external_top(const char *dotted) {
  size_t n = strcspn(dotted, ".");
  for (size_t k = 0; MLOAD_EXTERNAL_TOPS[k]; k++)
    if (strlen(MLOAD_EXTERNAL_TOPS[k]) == n && !strncmp(dotted, MLOAD_EXTERNAL_TOPS[k], n))
      return true;
  return false;
}

/* base/a/b.py, base/a/b/__init__.py, or base/a/b as a namespace package directory. */
static const char *mload__find_in(Arena *a, const char *base, const char *dotted) {
  char *rel = arena_strdup(a, dotted);
  for (char *p = rel; *p; p++)
    if (*p == '.') *p = '/';
  const char *stem = *rel ? arena_printf(a, "%s/%s", base, rel) : base;
  if (*rel) {
    const char *py = arena_printf(a, "%s.py", stem);
    if (mload__is_file(py)) return py;
  }
  const char *init = arena_printf(a, "%s/__init__.py", stem);
  if (mload__is_file(init)) return init;
  if (*rel && mload__is_dir(stem)) return stem;
  return NULL;
}

/* Whether `dir` is `root` or below it. */
static bool mload__under(const char *dir, const char *root) {
  size_t n = strlen(root);
  return !strncmp(dir, root, n) && (dir[n] == '\0' || dir[n] == '/' || !strcmp(root, "/"));
}

/* An absolute import: the directories Python would have on sys.path for this project —
 * each directory from the importing file's up to the root, then root/src. */
static const char *mload__find_abs(MLoader *L, const MModule *m, const char *dotted) {
  if (!*dotted || mload__external_top(dotted)) return NULL;
  const char *dir = m->dir;
  for (int guard = 0; guard < 64; guard++) {
    const char *hit = mload__find_in(L->a, dir, dotted);
    if (hit) return hit;
    if (!L->root || !mload__under(dir, L->root) || !strcmp(dir, L->root) || !strcmp(dir, "/"))
      break;
    dir = mload__dirname(L->a, dir);
  }
  if (L->root) {
    const char *hit = mload__find_in(L->a, arena_printf(L->a, "%s/src", L->root), dotted);
    if (hit) return hit;
    hit = mload__find_in(L->a, L->root, dotted);
    if (hit) return hit;
  }
  return NULL;
}

/* The package directory `level` dots up from module m (1: its own package). */
static const char *mload__relative_base(MLoader *L, const MModule *m, int level) {
  const char *dir = m->dir;
  for (int k = 1; k < level; k++) dir = mload__dirname(L->a, dir);
  return dir;
}

const char *mload_submodule(MLoader *L, const MModule *m, const char *name) {
  if (!m->is_pkg) return NULL;
  return mload__find_in(L->a, m->is_dir ? m->path : m->dir, name);
}

/* ---- files ----------------------------------------------------------------------------- */

static bool mload__read(const char *path, char **out, size_t *len, bool *too_big, RtError *err) {
  *out = NULL;
  *len = 0;
  *too_big = false;
  FILE *f = fopen(path, "rb");
  if (!f) return error_set(err, ERR_IO, "cannot read model file %s", path);
  Buf b = BUF_INIT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + n > (size_t)MODELS_MAX_FILE_BYTES) {
      *too_big = true;
      break;
    }
    buf_append(&b, chunk, n);
  }
  bool failed = ferror(f) != 0;
  fclose(f);
  if (failed) {
    buf_free(&b);
    return error_set(err, ERR_IO, "cannot read model file %s", path);
  }
  *len = b.len;
  *out = b.data ? b.data : xstrdup("");
  return true;
}

static MModule *mload__find_loaded(MLoader *L, const char *real) {
  for (size_t k = 0; k < L->nmods; k++)
    if (!strcmp(L->mods[k]->real, real)) return L->mods[k];
  return NULL;
}

static void mload__add_file(MLoader *L, const char *path) {
  if (L->nfiles == L->capfiles) {
    size_t cap = L->capfiles ? L->capfiles * 2 : 16;
    const char **n = ARENA_ARRAY(L->a, const char *, cap);
    if (L->nfiles) memcpy(n, L->files, L->nfiles * sizeof *n);
    L->files = n;
    L->capfiles = cap;
  }
  L->files[L->nfiles++] = path;
}

/* ---- annotations ----------------------------------------------------------------------- */

static MAnn *mload__ann(MRead *r, TSNode n, int depth);

static void mload__ann_push(Arena *a, MAnn *ann, MAnn *arg, size_t *cap) {
  if (ann->nargs == *cap) {
    *cap = *cap ? *cap * 2 : 4;
    MAnn **n = ARENA_ARRAY(a, MAnn *, *cap);
    if (ann->nargs) memcpy(n, ann->args, ann->nargs * sizeof *n);
    ann->args = n;
  }
  ann->args[ann->nargs++] = arg;
}

/* A union's sides flattened into `ann` (name "|"). */
static void mload__ann_union(MRead *r, MAnn *ann, TSNode n, size_t *cap, int depth) {
  if (depth > MODELS_MAX_DEPTH) return;
  if (pysrc_is(n, "type") && ts_node_named_child_count(n) == 1) {
    mload__ann_union(r, ann, ts_node_named_child(n, 0), cap, depth + 1);
    return;
  }
  if (pysrc_is(n, "union_type") ||
      (pysrc_is(n, "binary_operator") && ts_node_child_count(n) == 3 &&
       pysrc_is(ts_node_child(n, 1), "|"))) {
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, n, &nc);
    for (size_t k = 0; k < nc; k++) mload__ann_union(r, ann, kids[k], cap, depth + 1);
    return;
  }
  mload__ann_push(r->s.arena, ann, mload__ann(r, n, depth + 1), cap);
}

static MAnn *mload__ann(MRead *r, TSNode n, int depth) {
  Arena *a = r->s.arena;
  MAnn *ann = ARENA_NEW(a, MAnn);
  ann->range = pysrc_range(&r->s, n);
  if (depth > MODELS_MAX_DEPTH) return ann;
  size_t cap = 0;
  if (pysrc_is(n, "type") && ts_node_named_child_count(n) == 1)
    return mload__ann(r, ts_node_named_child(n, 0), depth + 1);
  if (pysrc_is(n, "parenthesized_expression") && ts_node_named_child_count(n) == 1)
    return mload__ann(r, ts_node_named_child(n, 0), depth + 1);
  if (pysrc_is(n, "identifier") || pysrc_is(n, "attribute")) {
    ann->name = pyvalue_dotted_name(&r->s, n);
    if (!ann->name) ann->value = pyvalue_read(&r->s, n);
    return ann;
  }
  if (pysrc_is(n, "none")) {
    ann->name = "None";
    return ann;
  }
  if (pysrc_is(n, "member_type")) {
    // `a.b` in a type position: a type then an identifier
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, n, &nc);
    Buf b = BUF_INIT;
    for (size_t k = 0; k < nc; k++) {
      MAnn *part = mload__ann(r, kids[k], depth + 1);
      buf_printf(&b, "%s%s", k ? "." : "", part->name ? part->name : "?");
    }
    ann->name = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return ann;
  }
  if (pysrc_is(n, "union_type") || pysrc_is(n, "binary_operator")) {
    if (pysrc_is(n, "binary_operator") &&
        !(ts_node_child_count(n) == 3 && pysrc_is(ts_node_child(n, 1), "|"))) {
      ann->value = pyvalue_read(&r->s, n);
      return ann;
    }
    ann->name = "|";
    mload__ann_union(r, ann, n, &cap, depth + 1);
    return ann;
  }
  if (pysrc_is(n, "generic_type")) {
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, n, &nc);
    for (size_t k = 0; k < nc; k++) {
      if (pysrc_is(kids[k], "type_parameter")) {
        size_t np;
        TSNode *ps = pysrc_children(&r->s, kids[k], &np);
        for (size_t j = 0; j < np; j++) mload__ann_push(a, ann, mload__ann(r, ps[j], depth + 1), &cap);
      } else if (!ann->name) {
        ann->name = pyvalue_dotted_name(&r->s, kids[k]);
      }
    }
    return ann;
  }
  if (pysrc_is(n, "subscript")) {
    TSNode val = ts_node_child_by_field_name(n, "value", 5);
    ann->name = ts_node_is_null(val) ? NULL : pyvalue_dotted_name(&r->s, val);
    // Every `subscript` field child, in order (Dict[str, int] has two).
    TSTreeCursor cur = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&cur)) {
      do {
        const char *field = ts_tree_cursor_current_field_name(&cur);
        if (field && !strcmp(field, "subscript")) {
          TSNode c = ts_tree_cursor_current_node(&cur);
          if (pysrc_is(c, "tuple")) {
            size_t nt;
            TSNode *ts = pysrc_children(&r->s, c, &nt);
            for (size_t j = 0; j < nt; j++)
              mload__ann_push(a, ann, mload__ann(r, ts[j], depth + 1), &cap);
          } else {
            mload__ann_push(a, ann, mload__ann(r, c, depth + 1), &cap);
          }
        }
      } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
    if (!ann->name) ann->value = pyvalue_read(&r->s, n);
    return ann;
  }
  if (pysrc_is(n, "string")) {
    PyValue *v = pyvalue_read(&r->s, n);
    const char *t = pyvalue_str(v);
    ann->quoted = true;
    // A quoted name ("User", "models.User") is kept as a name; anything more complex is
    // left as a value the reader reports when it needs it.
    if (t && *t && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") ==
                       strlen(t))
      ann->name = t;
    else
      ann->value = v;
    return ann;
  }
  ann->value = pyvalue_read(&r->s, n);
  return ann;
}

/* ---- functions ------------------------------------------------------------------------- */

static const PyValue **mload__decorators(MRead *r, TSNode decorated, size_t *n) {
  *n = 0;
  if (ts_node_is_null(decorated) || !pysrc_is(decorated, "decorated_definition")) return NULL;
  size_t nc;
  TSNode *kids = pysrc_children(&r->s, decorated, &nc);
  const PyValue **out = ARENA_ARRAY(r->s.arena, const PyValue *, nc + 1);
  for (size_t k = 0; k < nc; k++) {
    if (!pysrc_is(kids[k], "decorator")) continue;
    TSNode e = ts_node_named_child(kids[k], 0);
    if (!ts_node_is_null(e)) out[(*n)++] = pyvalue_read(&r->s, e);
  }
  return out;
}

static MFunc *mload__func(MRead *r, TSNode def, TSNode decorated) {
  Arena *a = r->s.arena;
  MFunc *f = ARENA_NEW(a, MFunc);
  TSNode outer = ts_node_is_null(decorated) ? def : decorated;
  f->range = pysrc_range(&r->s, outer);
  f->at = ts_node_start_byte(outer);
  TSNode name = ts_node_child_by_field_name(def, "name", 4);
  f->name = ts_node_is_null(name) ? "" : pysrc_text(&r->s, name);
  f->decorators = mload__decorators(r, decorated, &f->ndecorators);
  TSNode params = ts_node_child_by_field_name(def, "parameters", 10);
  if (!ts_node_is_null(params)) {
    size_t np;
    TSNode *ps = pysrc_children(&r->s, params, &np);
    f->params = ARENA_ARRAY(a, const char *, np + 1);
    for (size_t k = 0; k < np; k++) {
      TSNode p = ps[k];
      if (!pysrc_is(p, "identifier")) {
        TSNode nm = ts_node_child_by_field_name(p, "name", 4);
        p = ts_node_is_null(nm) ? ts_node_named_child(p, 0) : nm;
      }
      if (!ts_node_is_null(p) && pysrc_is(p, "identifier")) f->params[f->nparams++] = pysrc_text(&r->s, p);
    }
  }
  TSNode body = ts_node_child_by_field_name(def, "body", 4);
  if (ts_node_is_null(body)) return f;
  size_t nb;
  TSNode *stmts = pysrc_children(&r->s, body, &nb);
  size_t k = 0;
  // A docstring first does not count.
  if (nb > 1 && pysrc_is(stmts[0], "expression_statement") &&
      pysrc_is(ts_node_named_child(stmts[0], 0), "string"))
    k = 1;
  if (nb - k == 1 && pysrc_is(stmts[k], "return_statement") &&
      ts_node_named_child_count(stmts[k]) == 1)
    f->ret = pyvalue_read(&r->s, ts_node_named_child(stmts[k], 0));
  return f;
}

/* ---- classes --------------------------------------------------------------------------- */

static bool mload__is_declared_attr(const PyValue *d) {
  if (!d || !d->text || (d->kind != PV_NAME && d->kind != PV_CALL)) return false;
  const char *t = d->text;
  // declared_attr, declared_attr.directive, declared_attr.cascading, orm.declared_attr(...)
  return strstr(t, "declared_attr") != NULL;
}

/* The names bound by an assignment's left side that is not a plain name. */
static bool mload__has_assignment(TSNode n, int depth) {
  if (depth > MODELS_MAX_DEPTH) return true;
  if (pysrc_is(n, "assignment") || pysrc_is(n, "augmented_assignment") ||
      pysrc_is(n, "function_definition") || pysrc_is(n, "class_definition"))
    return true;
  uint32_t c = ts_node_named_child_count(n);
  for (uint32_t k = 0; k < c; k++)
    if (mload__has_assignment(ts_node_named_child(n, k), depth + 1)) return true;
  return false;
}

typedef VEC(MAttr) MAttrVec;

static void mload__class_assignment(MRead *r, TSNode asg, MAttrVec *attrs) {
  TSNode left = ts_node_child_by_field_name(asg, "left", 4);
  TSNode right = ts_node_child_by_field_name(asg, "right", 5);
  TSNode type = ts_node_child_by_field_name(asg, "type", 4);
  // `a = b = Column()`: every target gets the final value.
  TSNode value = right;
  while (!ts_node_is_null(value) && pysrc_is(value, "assignment")) {
    TSNode next = ts_node_child_by_field_name(value, "right", 5);
    if (ts_node_is_null(next)) break;
    value = next;
  }
  const PyValue *v = ts_node_is_null(value) ? NULL : pyvalue_read(&r->s, value);
  for (TSNode cur = asg; !ts_node_is_null(cur) && pysrc_is(cur, "assignment");
       cur = ts_node_child_by_field_name(cur, "right", 5)) {
    TSNode l = cur.id == asg.id ? left : ts_node_child_by_field_name(cur, "left", 4);
    if (ts_node_is_null(l) || !pysrc_is(l, "identifier")) continue;
    MAttr at = {0};
    at.name = pysrc_text(&r->s, l);
    at.value = v;
    TSNode t = cur.id == asg.id ? type : ts_node_child_by_field_name(cur, "type", 4);
    if (!ts_node_is_null(t)) at.ann = mload__ann(r, t, 0);
    at.range = pysrc_range(&r->s, asg);
    at.at = ts_node_start_byte(asg);
    vec_push(attrs, at);
  }
}

static MClass *mload__class(MRead *r, TSNode def, TSNode decorated, bool conditional) {
  Arena *a = r->s.arena;
  MClass *c = ARENA_NEW(a, MClass);
  TSNode outer = ts_node_is_null(decorated) ? def : decorated;
  c->mod = r->m;
  c->range = pysrc_range(&r->s, outer);
  c->at = ts_node_start_byte(outer);
  c->end = ts_node_end_byte(outer);
  c->conditional = conditional;
  TSNode name = ts_node_child_by_field_name(def, "name", 4);
  c->name = ts_node_is_null(name) ? "" : pysrc_text(&r->s, name);
  c->decorators = mload__decorators(r, decorated, &c->ndecorators);
  TSNode sup = ts_node_child_by_field_name(def, "superclasses", 12);
  if (!ts_node_is_null(sup)) {
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, sup, &nc);
    c->args = ARENA_ARRAY(a, PyArg, nc + 1);
    for (size_t k = 0; k < nc; k++) {
      PyArg *arg = &c->args[c->nargs++];
      TSNode x = kids[k];
      if (pysrc_is(x, "keyword_argument")) {
        TSNode nm = ts_node_child_by_field_name(x, "name", 4);
        TSNode val = ts_node_child_by_field_name(x, "value", 5);
        arg->name = ts_node_is_null(nm) ? "" : pysrc_text(&r->s, nm);
        arg->value = pyvalue_read(&r->s, ts_node_is_null(val) ? x : val);
      } else if (pysrc_is(x, "list_splat") || pysrc_is(x, "dictionary_splat")) {
        arg->name = pysrc_is(x, "list_splat") ? "*" : "**";
        arg->value = pyvalue_read(&r->s, x);
      } else {
        arg->value = pyvalue_read(&r->s, x);
      }
    }
  }
  TSNode body = ts_node_child_by_field_name(def, "body", 4);
  MAttrVec attrs = {0};
  if (!ts_node_is_null(body)) {
    size_t nb;
    TSNode *stmts = pysrc_children(&r->s, body, &nb);
    for (size_t k = 0; k < nb; k++) {
      TSNode st = stmts[k];
      if (attrs.len >= (size_t)MODELS_MAX_ATTRS) {
        // Bounded work: the rest of a huge body is not read, and the class says so.
        c->body_dynamic = true;
        c->dynamic_range = pysrc_range(&r->s, st);
        break;
      }
      if (pysrc_is(st, "expression_statement")) {
        size_t ne;
        TSNode *es = pysrc_children(&r->s, st, &ne);
        for (size_t j = 0; j < ne; j++)
          if (pysrc_is(es[j], "assignment")) mload__class_assignment(r, es[j], &attrs);
      } else if (pysrc_is(st, "function_definition") || pysrc_is(st, "decorated_definition")) {
        TSNode fdef = st, dec = {{0}, NULL, NULL};
        if (pysrc_is(st, "decorated_definition")) {
          dec = st;
          fdef = ts_node_child_by_field_name(st, "definition", 10);
        }
        if (ts_node_is_null(fdef) || !pysrc_is(fdef, "function_definition")) continue;
        MAttr at = {0};
        at.fn = mload__func(r, fdef, dec);
        at.name = at.fn->name;
        at.range = at.fn->range;
        at.at = at.fn->at;
        for (size_t d = 0; d < at.fn->ndecorators; d++)
          if (mload__is_declared_attr(at.fn->decorators[d])) at.declared_attr = true;
        vec_push(&attrs, at);
      } else if (pysrc_is(st, "class_definition") || pysrc_is(st, "pass_statement")) {
        // nested classes (class Config:) and `pass` bind nothing the mapping uses
      } else if (!c->body_dynamic && mload__has_assignment(st, 0)) {
        c->body_dynamic = true;
        c->dynamic_range = pysrc_range(&r->s, st);
      }
    }
  }
  c->attrs = ARENA_ARRAY(a, MAttr, attrs.len + 1);
  if (attrs.len) memcpy(c->attrs, attrs.items, attrs.len * sizeof *c->attrs);
  c->nattrs = attrs.len;
  vec_free(&attrs);
  return c;
}

/* ---- module top level ------------------------------------------------------------------ */

static MBind *mload__bind(MRead *r, const char *name, MBindKind kind, TSNode st) {
  MBind b = {0};
  b.name = name;
  b.kind = kind;
  b.at = ts_node_start_byte(st);
  b.range = pysrc_range(&r->s, st);
  vec_push(&r->binds, b);
  return &r->binds.items[r->binds.len - 1];
}

/* The bind index of the last element pushed (pointers into the vector move on growth). */
static size_t mload__last_bind(MRead *r) { return r->binds.len - 1; }

static void mload__stmt(MRead *r, MStmtKind kind, TSNode st, size_t bind_index, MClass *cls,
                        const char *target, const PyValue *key, const PyValue *value) {
  MStmt s = {0};
  s.kind = kind;
  s.cls = cls;
  // Stored as an index + 1 until the binds vector stops moving (fixed in mload__finish).
  s.bind = kind == MS_ASSIGN ? (MBind *)(uintptr_t)(bind_index + 1) : NULL;
  s.target = target;
  s.key = key;
  s.value = value;
  s.at = ts_node_start_byte(st);
  s.range = pysrc_range(&r->s, st);
  vec_push(&r->stmts, s);
}

typedef struct MCtx {
  bool type_checking;   /* under `if TYPE_CHECKING:`: imports bind names but do not run */
  bool conditional;     /* under another if / for / while / with: bindings are not static */
  int depth;
} MCtx;

static void mload__block(MRead *r, TSNode block, MCtx ctx);

/* Records a runtime import of an absolute dotted module and of each package on the way
 * (`import a.b.c` runs a, a.b and a.b.c). */
static void mload__runtime_abs(MRead *r, const char *dotted) {
  const char *p = dotted;
  for (;;) {
    const char *dot = strchr(p, '.');
    const char *prefix = dot ? arena_strndup(r->s.arena, dotted, (size_t)(dot - dotted)) : dotted;
    const char *path = mload__find_abs(r->L, r->m, prefix);
    if (path) vec_push(&r->imports, path);
    if (!dot) break;
    p = dot + 1;
  }
}

static void mload__import(MRead *r, TSNode st, MCtx ctx) {
  size_t nn;
  TSNode *names = pysrc_children(&r->s, st, &nn);
  for (size_t j = 0; j < nn; j++) {
    TSNode nm = names[j];
    const char *dotted, *alias = NULL;
    if (pysrc_is(nm, "aliased_import")) {
      TSNode a = ts_node_child_by_field_name(nm, "alias", 5);
      TSNode b = ts_node_child_by_field_name(nm, "name", 4);
      if (ts_node_is_null(a) || ts_node_is_null(b)) continue;
      dotted = pysrc_text(&r->s, b);
      alias = pysrc_text(&r->s, a);
    } else if (pysrc_is(nm, "dotted_name")) {
      dotted = pysrc_text(&r->s, nm);
    } else {
      continue;
    }
    // `import a.b.c` binds `a` (the top package); `import a.b as x` binds x to a.b.
    const char *bound_mod = alias ? dotted : arena_strndup(r->s.arena, dotted, strcspn(dotted, "."));
    const char *name = alias ? alias : bound_mod;
    MBind *b = mload__bind(r, name, ctx.conditional ? MB_UNKNOWN : MB_MODULE, st);
    b->ext = bound_mod;
    b->path = mload__find_abs(r->L, r->m, bound_mod);
    if (ctx.conditional) b->why = "imported inside a conditional block";
    if (!ctx.type_checking && !ctx.conditional) mload__runtime_abs(r, dotted);
  }
}

static void mload__import_from(MRead *r, TSNode st, MCtx ctx) {
  TSNode mod = ts_node_child_by_field_name(st, "module_name", 11);
  if (ts_node_is_null(mod)) return;
  Arena *a = r->s.arena;
  const char *path = NULL, *ext = NULL;
  bool relative = pysrc_is(mod, "relative_import");
  if (relative) {
    int level = 0;
    const char *sub = "";
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, mod, &nc);
    for (size_t k = 0; k < nc; k++) {
      if (pysrc_is(kids[k], "import_prefix")) {
        level = (int)(ts_node_end_byte(kids[k]) - ts_node_start_byte(kids[k]));
      } else if (pysrc_is(kids[k], "dotted_name")) {
        sub = pysrc_text(&r->s, kids[k]);
      }
    }
    const char *base = mload__relative_base(r->L, r->m, level);
    path = mload__find_in(a, base, sub);
    if (!path && !*sub && mload__is_dir(base)) path = base;  // a namespace package
    ext = arena_printf(a, "%.*s%s", level, "..........................................", sub);
    if (!ctx.type_checking && !ctx.conditional && path) vec_push(&r->imports, path);
  } else {
    ext = pysrc_text(&r->s, mod);
    path = mload__find_abs(r->L, r->m, ext);
    if (!ctx.type_checking && !ctx.conditional) mload__runtime_abs(r, ext);
  }
  uint32_t count = ts_node_named_child_count(st);
  for (uint32_t j = 0; j < count; j++) {
    TSNode nm = ts_node_named_child(st, j);
    if (nm.id == mod.id || pysrc_is(nm, "comment")) continue;
    if (pysrc_is(nm, "wildcard_import")) {
      MBind *b = mload__bind(r, "*", MB_MODULE, st);
      b->ext = ext;
      b->path = path;
      continue;
    }
    const char *name, *alias;
    if (pysrc_is(nm, "aliased_import")) {
      TSNode an = ts_node_child_by_field_name(nm, "alias", 5);
      TSNode bn = ts_node_child_by_field_name(nm, "name", 4);
      if (ts_node_is_null(an) || ts_node_is_null(bn)) continue;
      name = pysrc_text(&r->s, bn);
      alias = pysrc_text(&r->s, an);
    } else if (pysrc_is(nm, "dotted_name")) {
      name = alias = pysrc_text(&r->s, nm);
    } else {
      continue;
    }
    MBind *b = mload__bind(r, alias, ctx.conditional ? MB_UNKNOWN : MB_IMPORT, st);
    b->ext = ext;
    b->path = path;
    b->attr = name;
    if (ctx.conditional) b->why = "imported inside a conditional block";
    // `from pkg import submodule` runs the submodule too.
    if (!ctx.type_checking && !ctx.conditional && path) {
      MModule tmp = {0};
      tmp.path = path;
      tmp.is_dir = mload__is_dir(path);
      tmp.is_pkg = tmp.is_dir || strstr(path, "__init__.py") != NULL;
      tmp.dir = tmp.is_dir ? path : mload__dirname(a, path);
      const char *subpath = mload_submodule(r->L, &tmp, name);
      if (subpath) vec_push(&r->imports, subpath);
    }
  }
}

/* Every name an assignment target binds, as MB_UNKNOWN (unpacking, conditional code). */
static void mload__unknown_targets(MRead *r, TSNode target, TSNode st, const char *why, int depth) {
  if (depth > MODELS_MAX_DEPTH || ts_node_is_null(target)) return;
  if (pysrc_is(target, "identifier")) {
    MBind *b = mload__bind(r, pysrc_text(&r->s, target), MB_UNKNOWN, st);
    b->why = why;
    return;
  }
  if (pysrc_is(target, "pattern_list") || pysrc_is(target, "tuple_pattern") ||
      pysrc_is(target, "list_pattern") || pysrc_is(target, "tuple") || pysrc_is(target, "list") ||
      pysrc_is(target, "list_splat_pattern") || pysrc_is(target, "parenthesized_expression")) {
    uint32_t c = ts_node_named_child_count(target);
    for (uint32_t k = 0; k < c; k++)
      mload__unknown_targets(r, ts_node_named_child(target, k), st, why, depth + 1);
  }
}

static void mload__assignment(MRead *r, TSNode st, TSNode asg, MCtx ctx) {
  TSNode left = ts_node_child_by_field_name(asg, "left", 4);
  TSNode right = ts_node_child_by_field_name(asg, "right", 5);
  TSNode value = right;
  while (!ts_node_is_null(value) && pysrc_is(value, "assignment")) {
    TSNode next = ts_node_child_by_field_name(value, "right", 5);
    if (ts_node_is_null(next)) break;
    value = next;
  }
  if (ctx.type_checking) return;
  const PyValue *v = NULL;
  MAnn *ann = NULL;
  for (TSNode cur = asg; !ts_node_is_null(cur) && pysrc_is(cur, "assignment");
       cur = ts_node_child_by_field_name(cur, "right", 5)) {
    TSNode l = cur.id == asg.id ? left : ts_node_child_by_field_name(cur, "left", 4);
    if (ts_node_is_null(l)) continue;
    if (ctx.conditional) {
      mload__unknown_targets(r, l, st, "assigned inside a conditional block", 0);
      continue;
    }
    if (ts_node_is_null(value)) {
      // `x: int` alone binds nothing at module level
      continue;
    }
    if (!v) {
      v = pyvalue_read(&r->s, value);
      // A right side that may be a type alias is also read as a type.
      if (pysrc_is(value, "subscript") || pysrc_is(value, "generic_type") ||
          (pysrc_is(value, "binary_operator") && ts_node_child_count(value) == 3 &&
           pysrc_is(ts_node_child(value, 1), "|")))
        ann = mload__ann(r, value, 0);
    }
    if (pysrc_is(l, "identifier")) {
      MBind *b = mload__bind(r, pysrc_text(&r->s, l), MB_VALUE, st);
      b->value = v;
      b->ann_value = ann;
      mload__stmt(r, MS_ASSIGN, st, mload__last_bind(r), NULL, NULL, NULL, v);
    } else if (pysrc_is(l, "attribute")) {
      const char *target = pyvalue_dotted_name(&r->s, l);
      if (target) mload__stmt(r, MS_ATTR_ASSIGN, st, 0, NULL, target, NULL, v);
    } else if (pysrc_is(l, "subscript")) {
      TSNode obj = ts_node_child_by_field_name(l, "value", 5);
      TSNode key = ts_node_child_by_field_name(l, "subscript", 9);
      const char *target = ts_node_is_null(obj) ? NULL : pyvalue_dotted_name(&r->s, obj);
      if (target && !ts_node_is_null(key))
        mload__stmt(r, MS_ITEM_ASSIGN, st, 0, NULL, target, pyvalue_read(&r->s, key), v);
    } else {
      mload__unknown_targets(r, l, st, "bound by unpacking", 0);
    }
  }
}

static bool mload__is_type_checking(MRead *r, TSNode ifst) {
  TSNode cond = ts_node_child_by_field_name(ifst, "condition", 9);
  if (ts_node_is_null(cond)) return false;
  const char *t = pyvalue_dotted_name(&r->s, cond);
  return t && (!strcmp(t, "TYPE_CHECKING") || !strcmp(mpv_last(t), "TYPE_CHECKING"));
}

static void mload__class_stmt(MRead *r, TSNode st, TSNode def, TSNode dec, MCtx ctx) {
  if (ctx.type_checking) return;
  MClass *c = mload__class(r, def, dec, ctx.conditional);
  if (ctx.conditional) {
    // A class defined in conditional code is not read as a model: the statement is kept
    // so that the reader can say so when it looks like one.
    c->body_dynamic = true;
    c->dynamic_range = c->range;
    MBind *b = mload__bind(r, c->name, MB_UNKNOWN, st);
    b->why = "defined inside a conditional block";
    mload__stmt(r, MS_CLASS, st, 0, c, NULL, NULL, NULL);
    return;
  }
  MBind *b = mload__bind(r, c->name, MB_CLASS, st);
  b->cls = c;
  vec_push(&r->classes, c);
  mload__stmt(r, MS_CLASS, st, 0, c, NULL, NULL, NULL);
}

static void mload__statement(MRead *r, TSNode st, MCtx ctx) {
  if (ctx.depth > MODELS_MAX_DEPTH) return;
  const char *t = ts_node_type(st);
  if (!strcmp(t, "import_statement")) {
    mload__import(r, st, ctx);
  } else if (!strcmp(t, "import_from_statement")) {
    mload__import_from(r, st, ctx);
  } else if (!strcmp(t, "class_definition")) {
    TSNode none = {{0}, NULL, NULL};
    mload__class_stmt(r, st, st, none, ctx);
  } else if (!strcmp(t, "function_definition") || !strcmp(t, "decorated_definition")) {
    TSNode def = st, dec = {{0}, NULL, NULL};
    if (!strcmp(t, "decorated_definition")) {
      dec = st;
      def = ts_node_child_by_field_name(st, "definition", 10);
      if (ts_node_is_null(def)) return;
    }
    if (pysrc_is(def, "class_definition")) {
      mload__class_stmt(r, st, def, dec, ctx);
      return;
    }
    if (ctx.type_checking) return;
    MFunc *f = mload__func(r, def, dec);
    MBind *b = mload__bind(r, f->name, ctx.conditional ? MB_UNKNOWN : MB_FUNC, st);
    b->fn = f;
    if (ctx.conditional) b->why = "defined inside a conditional block";
  } else if (!strcmp(t, "expression_statement")) {
    size_t ne;
    TSNode *es = pysrc_children(&r->s, st, &ne);
    for (size_t j = 0; j < ne; j++) {
      if (pysrc_is(es[j], "assignment")) {
        mload__assignment(r, st, es[j], ctx);
      } else if (pysrc_is(es[j], "augmented_assignment")) {
        TSNode l = ts_node_child_by_field_name(es[j], "left", 4);
        mload__unknown_targets(r, l, st, "changed by an augmented assignment", 0);
      } else if (!ctx.type_checking && !ctx.conditional && pysrc_is(es[j], "call")) {
        mload__stmt(r, MS_EXPR, st, 0, NULL, NULL, NULL, pyvalue_read(&r->s, es[j]));
      }
    }
  } else if (!strcmp(t, "if_statement")) {
    MCtx inner = ctx;
    inner.depth++;
    bool tc = mload__is_type_checking(r, st);
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, st, &nc);
    for (size_t k = 0; k < nc; k++) {
      TSNode c = kids[k];
      MCtx cc = inner;
      if (pysrc_is(c, "block")) {
        cc.type_checking |= tc;
        cc.conditional |= !tc;
        mload__block(r, c, cc);
      } else if (pysrc_is(c, "elif_clause") || pysrc_is(c, "else_clause")) {
        // else of TYPE_CHECKING runs at run time, but not statically knowably either way
        cc.conditional = true;
        TSNode body = ts_node_child_by_field_name(c, "body", 4);
        if (!ts_node_is_null(body)) mload__block(r, body, cc);
      }
    }
  } else if (!strcmp(t, "try_statement")) {
    // The try body runs (that is what the module expects); the handlers' bindings are
    // alternatives that cannot be chosen statically.
    MCtx inner = ctx;
    inner.depth++;
    size_t nc;
    TSNode *kids = pysrc_children(&r->s, st, &nc);
    size_t try_from = r->binds.len, try_to = r->binds.len;
    for (size_t k = 0; k < nc; k++) {
      TSNode c = kids[k];
      if (pysrc_is(c, "block")) {
        try_from = r->binds.len;
        mload__block(r, c, inner);
        try_to = r->binds.len;
      } else if (pysrc_is(c, "except_clause") || pysrc_is(c, "except_group_clause")) {
        MCtx cc = inner;
        cc.conditional = true;
        size_t from = r->binds.len;
        size_t ne;
        TSNode *es = pysrc_children(&r->s, c, &ne);
        for (size_t j = 0; j < ne; j++)
          if (pysrc_is(es[j], "block")) mload__block(r, es[j], cc);
        // `try: from enum import StrEnum / except ImportError: StrEnum = ...`: the handler
        // is the fallback of an environment that is not the project's; a name the try
        // body bound keeps that binding.
        size_t w = from;
        for (size_t i = from; i < r->binds.len; i++) {
          bool shadow = false;
          for (size_t b = try_from; b < try_to && !shadow; b++)
            shadow = !strcmp(r->binds.items[b].name, r->binds.items[i].name);
          if (!shadow) r->binds.items[w++] = r->binds.items[i];
        }
        r->binds.len = w;
      } else if (pysrc_is(c, "else_clause") || pysrc_is(c, "finally_clause")) {
        TSNode body = ts_node_child_by_field_name(c, "body", 4);
        if (ts_node_is_null(body)) body = ts_node_named_child(c, 0);
        if (!ts_node_is_null(body) && pysrc_is(body, "block")) mload__block(r, body, inner);
      }
    }
  } else if (!strcmp(t, "for_statement") || !strcmp(t, "while_statement") ||
             !strcmp(t, "with_statement") || !strcmp(t, "match_statement")) {
    MCtx inner = ctx;
    inner.depth++;
    inner.conditional = true;
    if (!strcmp(t, "for_statement"))
      mload__unknown_targets(r, ts_node_child_by_field_name(st, "left", 4), st,
                             "bound by a for loop", 0);
    uint32_t c = ts_node_named_child_count(st);
    for (uint32_t k = 0; k < c; k++) {
      TSNode kid = ts_node_named_child(st, k);
      if (pysrc_is(kid, "block")) mload__block(r, kid, inner);
      else if (pysrc_is(kid, "else_clause")) {
        TSNode body = ts_node_child_by_field_name(kid, "body", 4);
        if (!ts_node_is_null(body)) mload__block(r, body, inner);
      }
    }
  }
}

static void mload__block(MRead *r, TSNode block, MCtx ctx) {
  if (ctx.depth > MODELS_MAX_DEPTH) return;
  size_t nc;
  TSNode *kids = pysrc_children(&r->s, block, &nc);
  for (size_t k = 0; k < nc; k++) mload__statement(r, kids[k], ctx);
}

/* Moves the vectors into the module (arena arrays) and fixes the statement → bind links. */
static void mload__finish(MRead *r) {
  Arena *a = r->s.arena;
  MModule *m = r->m;
  m->binds = ARENA_ARRAY(a, MBind, r->binds.len + 1);
  if (r->binds.len) memcpy(m->binds, r->binds.items, r->binds.len * sizeof *m->binds);
  m->nbinds = r->binds.len;
  m->stmts = ARENA_ARRAY(a, MStmt, r->stmts.len + 1);
  if (r->stmts.len) memcpy(m->stmts, r->stmts.items, r->stmts.len * sizeof *m->stmts);
  m->nstmts = r->stmts.len;
  for (size_t k = 0; k < m->nstmts; k++)
    if (m->stmts[k].kind == MS_ASSIGN)
      m->stmts[k].bind = &m->binds[(uintptr_t)m->stmts[k].bind - 1];
  size_t nstars = 0;
  for (size_t k = 0; k < m->nbinds; k++)
    if (!strcmp(m->binds[k].name, "*")) nstars++;
  m->stars = ARENA_ARRAY(a, MBind *, nstars + 1);
  for (size_t k = 0; k < m->nbinds; k++)
    if (!strcmp(m->binds[k].name, "*")) m->stars[m->nstars++] = &m->binds[k];
  m->classes = ARENA_ARRAY(a, MClass *, r->classes.len + 1);
  if (r->classes.len) memcpy(m->classes, r->classes.items, r->classes.len * sizeof *m->classes);
  m->nclasses = r->classes.len;
  m->runtime_imports = ARENA_ARRAY(a, const char *, r->imports.len + 1);
  if (r->imports.len)
    memcpy(m->runtime_imports, r->imports.items, r->imports.len * sizeof *m->runtime_imports);
  m->nruntime_imports = r->imports.len;
  vec_free(&r->binds);
  vec_free(&r->stmts);
  vec_free(&r->classes);
  vec_free(&r->stars);
  vec_free(&r->imports);
}

static void mload__parse(MLoader *L, MModule *m, const char *src, size_t len) {
  MRead r = {0};
  r.L = L;
  r.m = m;
  r.s.src = src;
  r.s.len = len;
  r.s.arena = L->a;
  r.s.bom = len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3);
  FindingList tmp;
  findings_init(&tmp);
  TSTree *tree = revparser_parse_source(L->parser, &r.s, m->path, &tmp);
  // The parser's wording, under the model reader's rule.
  for (size_t k = 0; k < tmp.len; k++)
    findings_add(L->findings, "model-syntax-error", SEV_ERROR, m->path, tmp.items[k].range,
                 "%s; the models of this file may be incomplete, so autogenerate drops no table",
                 tmp.items[k].message);
  findings_free(&tmp);
  if (!tree) {
    SrcRange top = {0, 0, 1, 1, 1, 1};
    findings_add(L->findings, "model-syntax-error", SEV_ERROR, m->path, top,
                 "a logical line of this file is too deeply nested or too long to parse; its "
                 "models are not read, so autogenerate drops no table");
    m->syntax_ok = false;
    mload__finish(&r);
    return;
  }
  TSNode root = ts_tree_root_node(tree);
  m->syntax_ok = !ts_node_has_error(root);
  MCtx ctx = {0};
  mload__block(&r, root, ctx);
  ts_tree_delete(tree);
  mload__finish(&r);
}

static MModule *mload__new(MLoader *L, const char *path, const char *real) {
  if (L->nmods == L->capmods) {
    size_t cap = L->capmods ? L->capmods * 2 : 16;
    MModule **n = ARENA_ARRAY(L->a, MModule *, cap);
    if (L->nmods) memcpy(n, L->mods, L->nmods * sizeof *n);
    L->mods = n;
    L->capmods = cap;
  }
  MModule *m = ARENA_NEW(L->a, MModule);
  m->path = arena_strdup(L->a, path);
  m->real = arena_strdup(L->a, real);
  m->order = -1;
  m->syntax_ok = true;
  L->mods[L->nmods++] = m;
  return m;
}

static bool mload__refused(const MLoader *L, const char *path) {
  for (size_t k = 0; k < L->nrefused; k++)
    if (!strcmp(L->refused[k], path)) return true;
  return false;
}

static void mload__refuse(MLoader *L, const char *path) {
  if (L->nrefused == L->caprefused) {
    size_t cap = L->caprefused ? L->caprefused * 2 : 8;
    const char **n = ARENA_ARRAY(L->a, const char *, cap);
    if (L->nrefused) memcpy(n, L->refused, L->nrefused * sizeof *n);
    L->refused = n;
    L->caprefused = cap;
  }
  L->refused[L->nrefused++] = arena_strdup(L->a, path);
}

static MModule *mload__load(MLoader *L, const char *path, bool given, RtError *err) {
  // Lookups come back to the same paths often: no system call for a path already seen.
  for (size_t k = 0; k < L->nmods; k++)
    if (!strcmp(L->mods[k]->path, path)) return L->mods[k];
  if (!given && mload__refused(L, path)) return NULL;
  char *rp = realpath(path, NULL);
  const char *real = rp ? arena_strdup(L->a, rp) : arena_strdup(L->a, path);
  free(rp);
  MModule *m = mload__find_loaded(L, real);
  if (m) return m;
  // Imports are followed inside the project only (never through `from .... import` or a
  // symlink out of it); the files the caller gives are read wherever they are.
  if (!given && L->root && !mload__under(real, L->root)) {
    mload__refuse(L, path);
    return NULL;
  }
  bool is_dir = mload__is_dir(path);
  if (!given && L->nmods >= (size_t)MODELS_MAX_FILES) {
    if (!L->limit_reported) {
      SrcRange none = {0};
      findings_add(L->findings, "model-unreadable", SEV_WARNING, path, none,
                   "more than %d Python modules are imported by the models; the rest are not "
                   "read, so autogenerate drops no table",
                   MODELS_MAX_FILES);
      L->limit_reported = true;
    }
    return NULL;
  }
  if (is_dir) {
    m = mload__new(L, path, real);
    m->is_dir = m->is_pkg = true;
    m->dir = m->path;
    m->loaded = true;
    m->binds = ARENA_ARRAY(L->a, MBind, 1);
    m->stmts = ARENA_ARRAY(L->a, MStmt, 1);
    m->classes = ARENA_ARRAY(L->a, MClass *, 1);
    m->stars = ARENA_ARRAY(L->a, MBind *, 1);
    m->runtime_imports = ARENA_ARRAY(L->a, const char *, 1);
    return m;
  }
  char *src;
  size_t len;
  bool too_big;
  if (!mload__read(path, &src, &len, &too_big, err)) {
    if (!given) mload__refuse(L, path);
    return NULL;
  }
  m = mload__new(L, path, real);
  m->dir = mload__dirname(L->a, m->path);
  const char *base = strrchr(m->path, '/');
  m->is_pkg = base && !strcmp(base + 1, "__init__.py");
  m->loaded = true;
  m->in_files = true;
  mload__add_file(L, m->path);
  if (too_big) {
    SrcRange top = {0, 0, 1, 1, 1, 1};
    findings_add(L->findings, "model-unreadable", SEV_WARNING, m->path, top,
                 "this file is larger than %d MB and is not read; autogenerate drops no table",
                 MODELS_MAX_FILE_BYTES >> 20);
    m->too_big = true;
    m->syntax_ok = false;
    len = 0;
  }
  mload__parse(L, m, src, len);
  free(src);
  return m;
}

MModule *mload_file(MLoader *L, const char *path, RtError *err) {
  return mload__load(L, path, true, err);
}

MModule *mload_module(MLoader *L, const char *path) {
  if (!path) return NULL;
  RtError ignore;
  return mload__load(L, path, false, &ignore);
}

void mload_execute(MLoader *L, MModule *m) {
  if (!m || m->executed) return;
  m->executed = true;  // set first: an import cycle stops here, as Python's partial module
  for (size_t k = 0; k < m->nruntime_imports; k++) {
    RtError err = {0};
    MModule *im = mload__load(L, m->runtime_imports[k], false, &err);
    if (!im && err.kind == ERR_IO) {
      // The models run it, so its tables would be missing without a word.
      SrcRange none = {0};
      findings_add(L->findings, "model-unreadable", SEV_WARNING, m->path, none,
                   "%s imports %s, which cannot be read; its models are not seen, so "
                   "autogenerate drops no table",
                   m->path, m->runtime_imports[k]);
      L->missing = true;
    }
    mload_execute(L, im);
  }
  m->order = L->next_order++;
}

MBind *mload_lookup(const MModule *m, const char *name, uint32_t at) {
  MBind *best = NULL;
  for (size_t k = 0; k < m->nbinds; k++) {
    MBind *b = &m->binds[k];
    if (b->at >= at && at != UINT32_MAX) break;
    if (!strcmp(b->name, name)) best = b;
  }
  return best;
}
