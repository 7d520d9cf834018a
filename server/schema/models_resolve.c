/* models_resolve.c - names in model files resolved statically (imports followed, module
 * constants substituted, SQLAlchemy names spelled one way) so that a Column(...) reads the
 * same whatever aliases the project uses; Python enum classes read into their members. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/schema/models_internal.h"

static const char *const MRES_BUILTINS[] = {
    "int", "str", "float", "bool", "bytes", "dict", "list", "set", "tuple", "frozenset",
    "object", "type", "None", "True", "False", "len", "print", "range", "property",
    "classmethod", "staticmethod", "super", "isinstance", "getattr", "setattr", "bytearray",
    "complex", "memoryview", NULL};

/* SQLAlchemy callables whose result has an identity the reader tracks (a MetaData, a
 * declarative base): a name bound to one is never replaced by the call itself. */
static const char *const MRES_STATEFUL[] = {
    "MetaData", "Table", "declarative_base", "registry", "as_declarative", "SQLAlchemy",
    "generate_base", "sessionmaker", "create_engine", "Session", "scoped_session", NULL};

/* ---- PyValue construction ----------------------------------------------------------------- */

PyValue *mpv_new(Arena *a, PyValueKind kind, SrcRange r) {
  PyValue *v = ARENA_NEW(a, PyValue);
  v->kind = kind;
  v->range = r;
  return v;
}

PyValue *mpv_str(Arena *a, const char *s, SrcRange r) {
  PyValue *v = mpv_new(a, PV_STR, r);
  v->text = arena_strdup(a, s);
  v->len = strlen(s);
  return v;
}

PyValue *mpv_name(Arena *a, const char *dotted, SrcRange r) {
  PyValue *v = mpv_new(a, PV_NAME, r);
  v->text = arena_strdup(a, dotted);
  v->len = strlen(dotted);
  return v;
}

PyValue *mpv_bool(Arena *a, bool b, SrcRange r) {
  PyValue *v = mpv_new(a, PV_BOOL, r);
  v->b = b;
  return v;
}

PyValue *mpv_int(Arena *a, long long i, SrcRange r) {
  PyValue *v = mpv_new(a, PV_INT, r);
  v->i = i;
  v->text = arena_printf(a, "%lld", i);
  v->len = strlen(v->text);
  return v;
}

PyValue *mpv_call(Arena *a, const char *callee, size_t cap, SrcRange r) {
  PyValue *v = mpv_new(a, PV_CALL, r);
  v->text = arena_strdup(a, callee);
  v->len = strlen(callee);
  v->args = ARENA_ARRAY(a, PyArg, cap + 1);
  // The capacity is stashed in `i` (unused for calls) so that mpv_arg can check it.
  v->i = (long long)cap;
  return v;
}

void mpv_arg(PyValue *call, const char *name, const PyValue *value) {
  if ((long long)call->nargs >= call->i) return;  // beyond capacity: a bug, dropped safely
  call->args[call->nargs].name = name;
  call->args[call->nargs].value = (PyValue *)value;
  call->nargs++;
  if (value->dynamic || (name && (!strcmp(name, "*") || !strcmp(name, "**")))) call->dynamic = true;
}

const char *mpv_last(const char *dotted) {
  if (!dotted) return "";
  const char *d = strrchr(dotted, '.');
  return d ? d + 1 : dotted;
}

/* ---- names ------------------------------------------------------------------------------ */

static MRef mres__unknown(const char *why) {
  MRef r = {0};
  r.kind = MR_UNKNOWN;
  r.why = why;
  return r;
}

static const char *mres__join(Arena *a, const char *x, const char *y) {
  if (!y || !*y) return x;
  if (!x || !*x) return y;
  return arena_printf(a, "%s.%s", x, y);
}

static MRef mres__in_module(MLoader *L, MModule *m, const char *dotted, uint32_t at, int hops);

/* The rest of a dotted name looked up as attributes of module `m` (a submodule, or a name
 * bound in it). */
static MRef mres__module_attr(MLoader *L, MModule *m, const char *rest, int hops) {
  if (!rest || !*rest) {
    MRef r = {0};
    r.kind = MR_MODULE;
    r.mod = m;
    return r;
  }
  size_t n = strcspn(rest, ".");
  const char *head = arena_strndup(L->a, rest, n);
  const char *tail = rest[n] ? rest + n + 1 : NULL;
  if (mload_lookup(m, head, UINT32_MAX)) return mres__in_module(L, m, rest, UINT32_MAX, hops + 1);
  const char *sub = mload_submodule(L, m, head);
  MModule *sm = sub ? mload_module(L, sub) : NULL;
  if (sm) return mres__module_attr(L, sm, tail, hops + 1);
  // A star import of the module may provide it.
  if (m->nstars) return mres__in_module(L, m, rest, UINT32_MAX, hops + 1);
  return mres__unknown(arena_printf(L->a, "%s is not defined in %s", head, m->path));
}

static bool mres__builtin(const char *name) {
  for (size_t k = 0; MRES_BUILTINS[k]; k++)
    if (!strcmp(MRES_BUILTINS[k], name)) return true;
  return false;
}

/* The external module a star import brings names from, when it surely has `name`. */
static bool mres__star_has(MLoader *L, MBind *star, const char *name, int hops, MRef *out) {
  if (star->path) {
    MModule *sm = mload_module(L, star->path);
    if (!sm || name[0] == '_') return false;
    if (!mload_lookup(sm, name, UINT32_MAX)) return false;
    *out = mres__in_module(L, sm, name, UINT32_MAX, hops + 1);
    return out->kind != MR_UNKNOWN;
  }
  // `from sqlalchemy import *`: SQLAlchemy's public names; anything else stays unknown.
  if (star->ext && (!strncmp(star->ext, "sqlalchemy", 10) || !strncmp(star->ext, "sqlmodel", 8)) &&
      !mres__builtin(name) && isupper((unsigned char)name[0])) {
    out->kind = MR_EXTERNAL;
    out->ext = mres__join(L->a, star->ext, name);
    return true;
  }
  return false;
}

static MRef mres__in_module(MLoader *L, MModule *m, const char *dotted, uint32_t at, int hops) {
  if (hops > MODELS_MAX_HOPS)
    return mres__unknown("the name goes through too many indirections to follow");
  // Star imports branch at every step (a package importing * from itself...): the work for
  // one name is bounded as a whole, not only in depth.
  if (++L->steps > MODELS_MAX_STEPS)
    return mres__unknown("the name goes through too many imports to follow");
  size_t n = strcspn(dotted, ".");
  const char *head = arena_strndup(L->a, dotted, n);
  const char *rest = dotted[n] ? dotted + n + 1 : NULL;
  MBind *b = mload_lookup(m, head, at);
  // A star import after the last binding provides the name when its module has it.
  for (size_t k = m->nstars; k-- > 0;) {
    MBind *s = m->stars[k];
    if ((at != UINT32_MAX && s->at >= at) || (b && b->at > s->at)) continue;
    MRef viastar = {0};
    if (mres__star_has(L, s, head, hops, &viastar)) {
      if (rest) {
        if (viastar.kind == MR_EXTERNAL) viastar.ext = mres__join(L->a, viastar.ext, rest);
        else viastar.rest = mres__join(L->a, viastar.rest, rest);
      }
      return viastar;
    }
  }
  if (!b) {
    if (mres__builtin(head)) {
      MRef r = {0};
      r.kind = MR_EXTERNAL;
      r.ext = mres__join(L->a, arena_printf(L->a, "builtins.%s", head), rest);
      return r;
    }
    return mres__unknown(arena_printf(L->a, "%s is not defined", head));
  }
  MRef r = {0};
  r.mod = m;
  switch (b->kind) {
  case MB_VALUE:
    // An alias of another name (`Column = sa.Column`, `Model = db.Model`) is followed.
    if (b->value && b->value->kind == PV_NAME) {
      MRef t = mres__in_module(L, m, b->value->text, b->at, hops + 1);
      if (rest) {
        if (t.kind == MR_EXTERNAL) t.ext = mres__join(L->a, t.ext, rest);
        else if (t.kind == MR_MODULE) return mres__module_attr(L, t.mod, rest, hops + 1);
        else if (t.kind != MR_UNKNOWN) t.rest = mres__join(L->a, t.rest, rest);
      }
      return t;
    }
    r.kind = MR_VALUE;
    r.bind = b;
    r.rest = rest;
    return r;
  case MB_CLASS:
    r.kind = MR_CLASS;
    r.cls = b->cls;
    r.rest = rest;
    return r;
  case MB_FUNC:
    r.kind = MR_FUNC;
    r.bind = b;
    r.rest = rest;
    return r;
  case MB_UNKNOWN:
    return mres__unknown(arena_printf(L->a, "%s is %s", head, b->why ? b->why : "not static"));
  case MB_MODULE: {
    if (!b->path) {
      r.kind = MR_EXTERNAL;
      r.ext = mres__join(L->a, b->ext, rest);
      return r;
    }
    MModule *tm = mload_module(L, b->path);
    if (!tm) return mres__unknown(arena_printf(L->a, "module %s cannot be read", b->ext));
    // `import a.b` binds `a`; `a.b.X` walks submodules.
    return mres__module_attr(L, tm, rest, hops + 1);
  }
  case MB_IMPORT: {
    if (!b->path) {
      r.kind = MR_EXTERNAL;
      r.ext = mres__join(L->a, mres__join(L->a, b->ext, b->attr), rest);
      return r;
    }
    MModule *tm = mload_module(L, b->path);
    if (!tm) return mres__unknown(arena_printf(L->a, "module %s cannot be read", b->ext));
    return mres__module_attr(L, tm, mres__join(L->a, b->attr, rest), hops + 1);
  }
  }
  return mres__unknown(NULL);
}

static MRef mres__name(MLoader *L, const MScope *sc, const char *dotted);

MRef mres_name(MLoader *L, const MScope *sc, const char *dotted) {
  // one budget for a name resolved alone, or for all the names of a value being rewritten
  if (L->name_depth++ == 0 && L->value_depth == 0) L->steps = 0;
  MRef r = mres__name(L, sc, dotted);
  L->name_depth--;
  return r;
}

static MRef mres__name(MLoader *L, const MScope *sc, const char *dotted) {
  if (!dotted || !*dotted || !sc->mod) return mres__unknown(NULL);
  if (sc->cls) {
    // A class body sees its own earlier assignments first.
    size_t n = strcspn(dotted, ".");
    for (size_t k = sc->cls->nattrs; k-- > 0;) {
      MAttr *at = &sc->cls->attrs[k];
      if (at->at >= sc->at || strlen(at->name) != n || strncmp(at->name, dotted, n)) continue;
      if (!at->value || at->fn) break;
      MBind *b = ARENA_NEW(L->a, MBind);
      b->name = at->name;
      b->kind = MB_VALUE;
      b->value = at->value;
      b->at = at->at;
      b->range = at->range;
      if (at->value->kind == PV_NAME) {
        MScope outer = {sc->mod, at->at, sc->cls};
        MRef t = mres_name(L, &outer, at->value->text);
        if (dotted[n] && t.kind == MR_EXTERNAL) t.ext = mres__join(L->a, t.ext, dotted + n + 1);
        else if (dotted[n] && t.kind != MR_UNKNOWN) t.rest = mres__join(L->a, t.rest, dotted + n + 1);
        return t;
      }
      MRef r = {0};
      r.kind = MR_VALUE;
      r.bind = b;
      r.mod = sc->mod;
      r.rest = dotted[n] ? dotted + n + 1 : NULL;
      return r;
    }
  }
  return mres__in_module(L, sc->mod, dotted, sc->at, 0);
}

/* Flask-SQLAlchemy: `db = SQLAlchemy()`; db.Column, db.String, ... are SQLAlchemy's. */
static bool mres__is_flask_db(MLoader *L, const MRef *r) {
  if (r->kind != MR_VALUE || !r->bind->value || r->bind->value->kind != PV_CALL) return false;
  MScope sc = {r->mod, r->bind->at, NULL};
  MRef c = mres_name(L, &sc, r->bind->value->text);
  return c.kind == MR_EXTERNAL && !strncmp(c.ext, "flask_sqlalchemy", 16) &&
         !strcmp(mpv_last(c.ext), "SQLAlchemy");
}

const char *mres_canon(MLoader *L, const MRef *r) {
  if (r->kind == MR_VALUE && r->rest && !strchr(r->rest, '.') && mres__is_flask_db(L, r))
    return !strcmp(r->rest, "Model") ? "flask_sqlalchemy.Model"
                                      : arena_printf(L->a, "sa.%s", r->rest);
  if (r->kind != MR_EXTERNAL || !r->ext) return NULL;
  const char *e = r->ext;
  // sqlalchemy.func.now / sqlalchemy.sql.functions.func.now: SQL functions keep `func.`
  const char *fn = strstr(e, ".func.");
  if (fn && !strncmp(e, "sqlalchemy", 10)) return arena_printf(L->a, "sa.func.%s", fn + 6);
  if (!strncmp(e, "sqlalchemy.dialects.postgresql", 30))
    return arena_printf(L->a, "postgresql.%s", mpv_last(e));
  if (!strcmp(e, "sqlalchemy") || !strncmp(e, "sqlalchemy.", 11))
    return arena_printf(L->a, "sa.%s", mpv_last(e));
  if (!strcmp(e, "sqlmodel") || !strncmp(e, "sqlmodel.", 9))
    return arena_printf(L->a, "sqlmodel.%s", mpv_last(e));
  return e;
}

const char *mres_canon_name(MLoader *L, const MScope *sc, const char *dotted) {
  MRef r = mres_name(L, sc, dotted);
  return mres_canon(L, &r);
}

MAttr *mres_attr(const MClass *cls, const char *name) {
  // the last binding wins, as in the class's namespace
  for (size_t k = cls ? cls->nattrs : 0; k-- > 0;)
    if (!strcmp(cls->attrs[k].name, name) && (cls->attrs[k].value || cls->attrs[k].fn))
      return &cls->attrs[k];
  return NULL;
}

MRef mres_base(MLoader *L, MClass *cls, const PyValue *base) {
  if (!base || (base->kind != PV_NAME && base->kind != PV_CALL))
    return mres__unknown("the base class is not a name");
  MScope sc = {cls->mod, cls->at, NULL};
  return mres_name(L, &sc, base->text);
}

/* ---- enums ------------------------------------------------------------------------------ */

static bool mres__enum_ext(const char *ext) {
  static const char *const E[] = {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag",
                                  "enum.IntFlag", "enum.ReprEnum", "strenum.StrEnum",
                                  "backports.strenum.StrEnum", NULL};
  for (size_t k = 0; E[k]; k++)
    if (!strcmp(ext, E[k])) return true;
  return false;
}

static bool mres__is_enum(MLoader *L, MClass *cls, int depth, bool *str_enum) {
  if (depth > MODELS_MAX_MRO) return false;
  for (size_t k = 0; k < cls->nargs; k++) {
    if (cls->args[k].name) continue;
    MRef r = mres_base(L, cls, cls->args[k].value);
    if (r.kind == MR_EXTERNAL && mres__enum_ext(r.ext)) {
      if (str_enum && !strcmp(mpv_last(r.ext), "StrEnum")) *str_enum = true;
      return true;
    }
    if (r.kind == MR_CLASS && !r.rest && r.cls != cls && mres__is_enum(L, r.cls, depth + 1, str_enum))
      return true;
  }
  return false;
}

bool mres_is_enum(MLoader *L, MClass *cls) { return cls && mres__is_enum(L, cls, 0, NULL); }

static bool mres__member_name(const char *n) {
  size_t len = strlen(n);
  if (len >= 2 && n[0] == '_' && n[len - 1] == '_') return false;  // _sunder_ and __dunder__
  if (len >= 2 && n[0] == '_' && n[1] == '_') return false;        // private: not a member
  return true;
}

static bool mres__same_literal(const PyValue *a, const PyValue *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case PV_STR: return a->len == b->len && !memcmp(a->text, b->text, a->len);
  case PV_INT: case PV_FLOAT: return a->text && b->text && !strcmp(a->text, b->text);
  case PV_BOOL: return a->b == b->b;
  case PV_NONE: return true;
  default: return false;
  }
}

bool mres_enum_members(MLoader *L, MClass *cls, bool values, bool aliases, const char ***out,
                       size_t *n, const char **why) {
  *out = NULL;
  *n = 0;
  bool str_enum = false;
  mres__is_enum(L, cls, 0, &str_enum);
  if (cls->body_dynamic) {
    *why = arena_printf(L->a, "enum %s binds members in conditional code", cls->name);
    return false;
  }
  const char **names = ARENA_ARRAY(L->a, const char *, cls->nattrs + 1);
  const PyValue **vals = ARENA_ARRAY(L->a, const PyValue *, cls->nattrs + 1);
  size_t k = 0;
  for (size_t j = 0; j < cls->nattrs; j++) {
    MAttr *at = &cls->attrs[j];
    if (at->fn || !at->value || !mres__member_name(at->name)) continue;
    MScope sc = {cls->mod, at->at, cls};
    const PyValue *v = mres_value(L, &sc, at->value);
    bool is_auto = v->kind == PV_CALL && !strcmp(mpv_last(v->text), "auto");
    if (v->kind == PV_CALL && !is_auto && (!strcmp(mpv_last(v->text), "nonmember") ||
                                           !strcmp(mpv_last(v->text), "property")))
      continue;
    // A member whose value equals an earlier member's is an alias, not a member.
    bool alias = false;
    for (size_t i = 0; i < k && !is_auto; i++)
      if (vals[i] && mres__same_literal(vals[i], v)) alias = true;
    if (alias && (values || !aliases)) continue;
    names[k] = at->name;
    vals[k] = is_auto ? NULL : v;
    if (values) {
      if (is_auto && str_enum) {
        // StrEnum's auto() is the lower-cased member name.
        char *low = arena_strdup(L->a, at->name);
        for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
        names[k] = low;
      } else if (!pyvalue_str(v)) {
        *why = arena_printf(L->a, "the value of %s.%s is not a literal string", cls->name,
                            at->name);
        return false;
      } else {
        names[k] = pyvalue_str(v);
      }
    }
    k++;
  }
  if (!k) {
    *why = arena_printf(L->a, "enum %s has no members the reader can see", cls->name);
    return false;
  }
  *out = names;
  *n = k;
  return true;
}

/* `lambda x: [e.value for e in x]`, as a lambda or as a function of the project. */
static bool mres__values_callable(MLoader *L, const MScope *sc, const PyValue *v) {
  const char *text = NULL;
  const char *param = NULL;
  if (v->kind == PV_EXPR && v->text) {
    text = v->text;
  } else if (v->kind == PV_NAME) {
    MRef r = mres_name(L, sc, v->text);
    if (r.kind != MR_FUNC || r.rest || !r.bind->fn->ret || r.bind->fn->nparams != 1) return false;
    param = r.bind->fn->params[0];
    text = r.bind->fn->ret->text;
    if (!text) return false;
  } else {
    return false;
  }
  // Tokens: identifiers and single punctuation characters.
  const char *tok[16];
  size_t ntok = 0;
  for (const char *p = text; *p && ntok < 16;) {
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    const char *s = p;
    if (isalnum((unsigned char)*p) || *p == '_')
      while (isalnum((unsigned char)*p) || *p == '_') p++;
    else
      p++;
    tok[ntok++] = arena_strndup(L->a, s, (size_t)(p - s));
  }
  size_t i = 0;
  if (!param) {
    // lambda P : [ ... ]
    if (ntok != 12 || strcmp(tok[0], "lambda") || strcmp(tok[2], ":")) return false;
    param = tok[1];
    i = 3;
  } else if (ntok != 9) {
    return false;
  }
  // [ E . value for E in P ]
  const char **t = tok + i;
  return !strcmp(t[0], "[") && !strcmp(t[2], ".") && !strcmp(t[3], "value") &&
         !strcmp(t[4], "for") && !strcmp(t[5], t[1]) && !strcmp(t[6], "in") &&
         !strcmp(t[7], param) && !strcmp(t[8], "]");
}

/* ---- values ------------------------------------------------------------------------------ */

static bool mres__literal(const PyValue *v, int depth) {
  if (depth > MODELS_MAX_DEPTH) return false;
  switch (v->kind) {
  case PV_STR: case PV_INT: case PV_FLOAT: case PV_BOOL: case PV_NONE: return true;
  case PV_TUPLE: case PV_LIST: case PV_SET: case PV_DICT:
    for (size_t k = 0; k < v->nitems; k++)
      if (!mres__literal(v->items[k], depth + 1)) return false;
    return true;
  default: return false;
  }
}

static const PyValue *mres__value(MLoader *L, const MScope *sc, const PyValue *v, int depth,
                                  int hops);

static bool mres__stateful(const char *canon) {
  if (!canon) return false;
  if (!strcmp(canon, "flask_sqlalchemy.Model")) return true;
  for (size_t k = 0; MRES_STATEFUL[k]; k++)
    if (!strcmp(mpv_last(canon), MRES_STATEFUL[k])) return true;
  return false;
}

/* A module-level value substituted for the name that refers to it. */
static const PyValue *mres__substitute(MLoader *L, const PyValue *name, const MRef *r, int depth,
                                       int hops) {
  const PyValue *val = r->bind->value;
  if (!val || hops >= MODELS_MAX_HOPS) return name;
  MScope there = {r->mod, r->bind->at, NULL};
  if (val->kind == PV_CALL) {
    const char *canon = mres_canon_name(L, &there, val->text);
    if (mres__stateful(canon) || !canon) return name;
  } else if (!mres__literal(val, 0)) {
    return name;
  }
  const PyValue *out = mres__value(L, &there, val, depth + 1, hops + 1);
  if (out->kind == PV_STR || out->kind == PV_INT || out->kind == PV_FLOAT || out->kind == PV_BOOL ||
      out->kind == PV_NONE) {
    // The use site is where a reader should be pointed.
    PyValue *c = mpv_new(L->a, out->kind, name->range);
    *c = *out;
    c->range = name->range;
    return c;
  }
  return out;
}

/* Enum(PythonEnum, ...) → Enum("A", "B", ..., name="pythonenum", ...). */
static const PyValue *mres__enum_call(MLoader *L, const MScope *sc, const PyValue *call,
                                      const PyValue *orig) {
  const PyValue *first = pyvalue_call_arg(orig, 0, NULL);
  if (!first || first->kind != PV_NAME) return call;
  MRef r = mres_name(L, sc, first->text);
  if (r.kind != MR_CLASS || r.rest || !mres_is_enum(L, r.cls)) return call;
  const PyValue *vc = pyvalue_call_arg(orig, (size_t)-1, "values_callable");
  bool use_values = false;
  const char *why = NULL;
  if (vc && vc->kind != PV_NONE) {
    if (!mres__values_callable(L, sc, vc)) {
      // Kept as a call the type reader cannot read: the column becomes dynamic.
      PyValue *c = mpv_call(L->a, call->text, call->nargs + 1, call->range);
      for (size_t k = 0; k < call->nargs; k++) mpv_arg(c, call->args[k].name, call->args[k].value);
      PyValue *e = mpv_new(L->a, PV_EXPR, vc->range);
      e->text = "values_callable";
      e->dynamic = true;
      c->args[0].value = e;
      c->dynamic = true;
      return c;
    }
    use_values = true;
  }
  // SQLAlchemy 1.4 keeps aliases unless omit_aliases=True; 2.0 drops them unless False.
  const PyValue *oa = pyvalue_call_arg(orig, (size_t)-1, "omit_aliases");
  bool aliases = oa && oa->kind == PV_BOOL ? !oa->b : !L->sa2;
  const char **members;
  size_t n;
  if (!mres_enum_members(L, r.cls, use_values, aliases, &members, &n, &why)) {
    PyValue *c = mpv_call(L->a, call->text, call->nargs + 1, call->range);
    PyValue *e = mpv_new(L->a, PV_EXPR, first->range);
    e->text = why;
    e->dynamic = true;
    mpv_arg(c, NULL, e);
    return c;
  }
  PyValue *c = mpv_call(L->a, call->text, n + call->nargs + 1, call->range);
  for (size_t k = 0; k < n; k++) mpv_arg(c, NULL, mpv_str(L->a, members[k], first->range));
  bool named = false;
  for (size_t k = 0; k < call->nargs; k++) {
    const PyArg *a = &call->args[k];
    if (!a->name) continue;  // the enum class itself
    if (!strcmp(a->name, "values_callable") || !strcmp(a->name, "omit_aliases")) continue;
    if (!strcmp(a->name, "name")) named = true;
    mpv_arg(c, a->name, a->value);
  }
  if (!named) {
    // SQLAlchemy names the type after the class, lower-cased.
    char *low = arena_strdup(L->a, r.cls->name);
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    mpv_arg(c, "name", mpv_str(L->a, low, first->range));
  }
  return c;
}

static const PyValue *mres__value(MLoader *L, const MScope *sc, const PyValue *v, int depth,
                                  int hops) {
  if (!v || depth > MODELS_MAX_DEPTH) return v;
  Arena *a = L->a;
  // Substitution can multiply (X2 = (X1, X1), X3 = (X2, X2), ...): one expression's rewrite
  // is bounded as a whole; past the bound the value is left as it is written.
  if (++L->nodes > MODELS_MAX_NODES) {
    PyValue *e = mpv_new(a, PV_EXPR, v->range);
    e->text = "(a value too large to expand)";
    e->len = strlen(e->text);
    e->dynamic = true;
    return e;
  }
  switch (v->kind) {
  case PV_NAME: {
    MRef r = mres_name(L, sc, v->text);
    if (r.kind == MR_EXTERNAL || (r.kind == MR_VALUE && r.rest)) {
      const char *canon = mres_canon(L, &r);
      if (canon && strcmp(canon, v->text)) return mpv_name(a, canon, v->range);
      return v;
    }
    if (r.kind == MR_VALUE && !r.rest) return mres__substitute(L, v, &r, depth, hops);
    if (r.kind == MR_CLASS && r.rest && mres_is_enum(L, r.cls)) {
      // Status.ACTIVE.value / Status.ACTIVE.name
      size_t n = strcspn(r.rest, ".");
      const char *member = arena_strndup(a, r.rest, n);
      const char *what = r.rest[n] ? r.rest + n + 1 : NULL;
      MAttr *at = mres_attr(r.cls, member);
      if (!at || !at->value || !what) return v;
      if (!strcmp(what, "name")) return mpv_str(a, member, v->range);
      if (!strcmp(what, "value")) {
        MScope there = {r.cls->mod, at->at, r.cls};
        const PyValue *val = mres__value(L, &there, at->value, depth + 1, hops + 1);
        if (mres__literal(val, 0)) {
          PyValue *c = mpv_new(a, val->kind, v->range);
          *c = *val;
          c->range = v->range;
          return c;
        }
      }
    }
    return v;
  }
  case PV_CALL: {
    MRef r = mres_name(L, sc, v->text);
    const char *callee = v->text;
    if (r.kind == MR_FUNC && !r.rest && v->nargs == 0 && r.bind->fn->ret &&
        r.bind->fn->nparams == 0 && hops < MODELS_MAX_HOPS) {
      // A helper `def created_at(): return Column(...)` called without arguments.
      MScope there = {r.mod, r.bind->fn->at, NULL};
      return mres__value(L, &there, r.bind->fn->ret, depth + 1, hops + 1);
    }
    const char *canon = mres_canon(L, &r);
    if (canon) callee = canon;
    // sqlalchemy conv("name") is a final name, which ops.h reads in its op.f("name") form
    if (canon && !strcmp(canon, "sa.conv")) callee = "op.f";
    size_t cap = v->nargs + 1;
    // Splats of literal sequences and dicts are expanded in place.
    const PyValue **resolved = ARENA_ARRAY(a, const PyValue *, v->nargs + 1);
    for (size_t k = 0; k < v->nargs; k++) {
      const PyValue *x = v->args[k].value;
      const char *nm = v->args[k].name;
      if (nm && (!strcmp(nm, "*") || !strcmp(nm, "**"))) {
        // the splat's operand without its dynamic mark
        PyValue *inner = mpv_new(a, x->kind, x->range);
        *inner = *x;
        inner->dynamic = false;
        for (size_t j = 0; j < inner->nitems; j++) inner->dynamic |= inner->items[j]->dynamic;
        for (size_t j = 0; j < inner->nargs; j++) inner->dynamic |= inner->args[j].value->dynamic;
        if (inner->kind == PV_EXPR) inner->dynamic = true;
        resolved[k] = mres__value(L, sc, inner, depth + 1, hops);
        if (resolved[k]->kind == PV_TUPLE || resolved[k]->kind == PV_LIST ||
            resolved[k]->kind == PV_DICT)
          cap += resolved[k]->nitems;
      } else {
        resolved[k] = mres__value(L, sc, x, depth + 1, hops);
      }
    }
    PyValue *c = mpv_call(a, callee, cap, v->range);
    for (size_t k = 0; k < v->nargs; k++) {
      const char *nm = v->args[k].name;
      const PyValue *x = resolved[k];
      if (nm && !strcmp(nm, "*") && (x->kind == PV_TUPLE || x->kind == PV_LIST) && !x->dynamic) {
        for (size_t j = 0; j < x->nitems; j++) mpv_arg(c, NULL, x->items[j]);
      } else if (nm && !strcmp(nm, "**") && x->kind == PV_DICT && !x->dynamic) {
        bool ok = true;
        for (size_t j = 0; j + 1 < x->nitems; j += 2)
          if (!pyvalue_str(x->items[j])) ok = false;
        if (!ok) {
          PyValue *d = mpv_new(a, x->kind, x->range);
          *d = *x;
          d->dynamic = true;
          mpv_arg(c, nm, d);
          continue;
        }
        for (size_t j = 0; j + 1 < x->nitems; j += 2) mpv_arg(c, x->items[j]->text, x->items[j + 1]);
      } else if (nm && (!strcmp(nm, "*") || !strcmp(nm, "**"))) {
        PyValue *d = mpv_new(a, x->kind, x->range);
        *d = *x;
        d->dynamic = true;
        mpv_arg(c, nm, d);
      } else {
        mpv_arg(c, nm, x);
      }
    }
    const char *last = mpv_last(callee);
    if ((!strcmp(last, "Enum") || !strcmp(last, "ENUM")) &&
        (!strncmp(callee, "sa.", 3) || !strncmp(callee, "postgresql.", 11)))
      return mres__enum_call(L, sc, c, v);
    return c;
  }
  case PV_TUPLE: case PV_LIST: case PV_SET: case PV_DICT: {
    PyValue *c = mpv_new(a, v->kind, v->range);
    *c = *v;
    c->items = ARENA_ARRAY(a, PyValue *, v->nitems + 1);
    c->dynamic = false;
    for (size_t k = 0; k < v->nitems; k++) {
      c->items[k] = (PyValue *)mres__value(L, sc, v->items[k], depth + 1, hops);
      c->dynamic |= c->items[k]->dynamic;
    }
    return c;
  }
  default:
    return v;
  }
}

const PyValue *mres_value(MLoader *L, const MScope *sc, const PyValue *v) {
  if (L->value_depth++ == 0) L->nodes = L->steps = 0;
  const PyValue *r = mres__value(L, sc, v, 0, 0);
  L->value_depth--;
  return r;
}
