/* mako.c - script.py.mako rendered without Python: the subset of Mako (and of Python
 * expressions) that Alembic's templates and their common customisations use. */
#include "server/alembic/mako.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/alembic/pyrepr.h"
#include "server/base/mem.h"

/* Expression nesting beyond this is refused (templates nest two or three deep). */
static const int MAKO_MAX_DEPTH = 64;
/* `% if` blocks nested beyond this are refused. */
enum { MAKO_MAX_IF = 32 };

/* ---- values ---------------------------------------------------------------------- */

/* A value during evaluation: a MakoValue whose strings may be owned by `own`. */
typedef struct Val {
  MakoValue v;
  char *own;  /* malloc'd string backing v.s, or NULL */
} Val;

static Val mako__none(void) { return (Val){.v = {.kind = MV_NONE}}; }
static Val mako__bool(bool b) { return (Val){.v = {.kind = MV_BOOL, .b = b}}; }
static Val mako__str_own(char *s) { return (Val){.v = {.kind = MV_STR, .s = s}, .own = s}; }
static void mako__val_free(Val *v) {
  free(v->own);
  v->own = NULL;
}

static bool mako__truthy(const MakoValue *v) {
  switch (v->kind) {
  case MV_NONE: return false;
  case MV_STR: return v->s[0] != '\0';
  case MV_TUPLE:
  case MV_LIST: return v->n > 0;
  case MV_BOOL: return v->b;
  case MV_INT: return v->i != 0;
  }
  return false;
}

/* str(v) (print_repr false) or repr(v) (true), appended to b. */
static void mako__format(Buf *b, const MakoValue *v, bool print_repr) {
  switch (v->kind) {
  case MV_NONE: buf_puts(b, "None"); break;
  case MV_BOOL: py_repr_bool(b, v->b); break;
  case MV_INT: buf_printf(b, "%lld", v->i); break;
  case MV_STR:
    if (print_repr)
      py_repr_str(b, v->s);
    else
      buf_puts(b, v->s);
    break;
  case MV_TUPLE: py_repr_str_tuple(b, v->items, v->n); break;
  case MV_LIST: py_repr_str_list(b, v->items, v->n); break;
  }
}

static char *mako__to_str(const MakoValue *v, bool print_repr) {
  Buf b = BUF_INIT;
  mako__format(&b, v, print_repr);
  return buf_detach(&b);
}

static bool mako__equal(const MakoValue *a, const MakoValue *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case MV_NONE: return true;
  case MV_BOOL: return a->b == b->b;
  case MV_INT: return a->i == b->i;
  case MV_STR: return strcmp(a->s, b->s) == 0;
  case MV_TUPLE:
  case MV_LIST:
    if (a->n != b->n) return false;
    for (size_t k = 0; k < a->n; k++)
      if (strcmp(a->items[k], b->items[k])) return false;
    return true;
  }
  return false;
}

/* ---- expressions ------------------------------------------------------------------ */

typedef struct Expr {
  const char *s, *end;   /* the expression text */
  const MakoEnv *env;
  int line;
  int depth;
  RtError *err;
  bool failed;
} Expr;

static bool mako__fail(Expr *x, const char *what) {
  if (!x->failed)
    error_set(x->err, ERR_CONFIG, "script.py.mako line %d: %s (retort renders Alembic's "
              "template variables and simple expressions; rewrite this part of the "
              "template, or create the revision with alembic)", x->line, what);
  x->failed = true;
  return false;
}

static void mako__ws(Expr *x) {
  while (x->s < x->end && isspace((unsigned char)*x->s)) x->s++;
}

static bool mako__ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Consumes keyword or punctuation `w` when it comes next (keywords as whole words). */
static bool mako__eat(Expr *x, const char *w) {
  mako__ws(x);
  size_t n = strlen(w);
  if ((size_t)(x->end - x->s) < n || strncmp(x->s, w, n)) return false;
  if (mako__ident_char(w[0]) && x->s + n < x->end && mako__ident_char(x->s[n])) return false;
  x->s += n;
  return true;
}

/* A name at the cursor (not consumed), its length in *n; 0 when none. */
static size_t mako__peek_name(Expr *x) {
  mako__ws(x);
  const char *p = x->s;
  if (p >= x->end || !(isalpha((unsigned char)*p) || *p == '_')) return 0;
  while (p < x->end && mako__ident_char(*p)) p++;
  return (size_t)(p - x->s);
}

/* One Python string literal (no prefixes but r), appended unescaped to b. */
static bool mako__string(Expr *x, Buf *b) {
  bool raw = false;
  if (x->s < x->end && (*x->s == 'r' || *x->s == 'R')) {
    raw = true;
    x->s++;
  }
  char q = *x->s++;
  bool triple = x->end - x->s >= 2 && x->s[0] == q && x->s[1] == q;
  if (triple) x->s += 2;
  for (;;) {
    if (x->s >= x->end) return mako__fail(x, "unterminated string literal");
    char c = *x->s;
    if (c == q && (!triple || (x->end - x->s >= 3 && x->s[1] == q && x->s[2] == q))) {
      x->s += triple ? 3 : 1;
      return true;
    }
    if (c == '\n' && !triple) return mako__fail(x, "unterminated string literal");
    if (c == '\\' && !raw && x->s + 1 < x->end) {
      char e = x->s[1];
      x->s += 2;
      switch (e) {
      case 'n': buf_putc(b, '\n'); break;
      case 't': buf_putc(b, '\t'); break;
      case 'r': buf_putc(b, '\r'); break;
      case '\\': buf_putc(b, '\\'); break;
      case '\'': buf_putc(b, '\''); break;
      case '"': buf_putc(b, '"'); break;
      case '\n': break;
      default: return mako__fail(x, "unsupported escape in a string literal");
      }
      continue;
    }
    buf_putc(b, c);
    x->s++;
  }
}

static bool mako__expr(Expr *x, Val *out);

static const MakoValue *mako__lookup(const MakoEnv *env, const char *name, size_t n) {
  for (size_t k = 0; k < env->nvars; k++)
    if (strlen(env->vars[k].name) == n && !strncmp(env->vars[k].name, name, n))
      return &env->vars[k].value;
  return NULL;
}

static void mako__args_free(Val *args, size_t n) {
  for (size_t k = 0; k < n; k++) mako__val_free(&args[k]);
}

/* Call arguments after '(' up to ')': at most `max` expressions into args. On failure the
 * arguments read so far are freed (*n is 0). */
static bool mako__args(Expr *x, Val *args, size_t max, size_t *n) {
  *n = 0;
  if (mako__eat(x, ")")) return true;
  bool ok;
  for (;;) {
    if (*n == max) {
      ok = mako__fail(x, "too many arguments in a call");
      break;
    }
    if (!mako__expr(x, &args[*n])) {
      ok = false;
      break;
    }
    (*n)++;
    if (mako__eat(x, ")")) return true;
    if (!mako__eat(x, ",")) {
      ok = mako__fail(x, "expected ',' or ')' in a call");
      break;
    }
  }
  mako__args_free(args, *n);
  *n = 0;
  return ok;
}

static bool mako__primary(Expr *x, Val *out) {
  mako__ws(x);
  if (x->s >= x->end) return mako__fail(x, "expression ends too early");
  char c = *x->s;
  if (c == '(') {
    x->s++;
    if (!mako__expr(x, out)) return false;
    if (!mako__eat(x, ")")) {
      mako__val_free(out);
      return mako__fail(x, "missing ')'");
    }
    return true;
  }
  bool rstr = (c == 'r' || c == 'R') && x->s + 1 < x->end && (x->s[1] == '\'' || x->s[1] == '"');
  if (c == '\'' || c == '"' || rstr) {
    Buf b = BUF_INIT;
    // Adjacent literals concatenate, as in Python.
    do {
      if (!mako__string(x, &b)) {
        buf_free(&b);
        return false;
      }
      mako__ws(x);
    } while (x->s < x->end && (*x->s == '\'' || *x->s == '"'));
    *out = mako__str_own(buf_detach(&b));
    if (!out->v.s) *out = mako__str_own(xstrdup(""));
    return true;
  }
  size_t n = mako__peek_name(x);
  if (!n) {
    char what[64];
    snprintf(what, sizeof what, "unexpected '%c' in an expression", c);
    return mako__fail(x, what);
  }
  const char *name = x->s;
  x->s += n;
  if (n == 4 && !strncmp(name, "None", 4)) return (*out = mako__none()), true;
  if (n == 4 && !strncmp(name, "True", 4)) return (*out = mako__bool(true)), true;
  if (n == 5 && !strncmp(name, "False", 5)) return (*out = mako__bool(false)), true;

  if (n == 6 && !strncmp(name, "config", 6) && mako__eat(x, ".")) {
    size_t m = mako__peek_name(x);
    if (m != 15 || strncmp(x->s, "get_main_option", 15))
      return mako__fail(x, "only config.get_main_option(...) is supported");
    x->s += m;
    if (!mako__eat(x, "(")) return mako__fail(x, "expected '(' after get_main_option");
    Val args[2];
    size_t na;
    if (!mako__args(x, args, 2, &na)) return false;
    if (na == 0 || args[0].v.kind != MV_STR) {
      mako__args_free(args, na);
      return mako__fail(x, "config.get_main_option takes a string key");
    }
    if (!x->env->config) {
      mako__args_free(args, na);
      return mako__fail(x, "`config` is not available here");
    }
    const char *v = x->env->config(x->env->config_ctx, args[0].v.s);
    if (v)
      *out = mako__str_own(xstrdup(v));
    else if (na == 2) {
      *out = args[1];
      args[1].own = NULL;
    } else
      *out = mako__none();
    mako__args_free(args, na);
    return true;
  }

  if (mako__eat(x, "(")) {
    bool is_repr = n == 4 && !strncmp(name, "repr", 4);
    bool is_str = n == 3 && !strncmp(name, "str", 3);
    bool is_len = n == 3 && !strncmp(name, "len", 3);
    if (!is_repr && !is_str && !is_len) {
      char what[128];
      snprintf(what, sizeof what, "function %.*s() is not supported", (int)(n > 40 ? 40 : n), name);
      return mako__fail(x, what);
    }
    Val arg;
    size_t na;
    if (!mako__args(x, &arg, 1, &na)) return false;
    if (na != 1) return mako__fail(x, "repr/str/len take one argument");
    if (is_len) {
      size_t len = arg.v.kind == MV_STR ? strlen(arg.v.s)
                   : (arg.v.kind == MV_TUPLE || arg.v.kind == MV_LIST) ? arg.v.n : (size_t)-1;
      mako__val_free(&arg);
      if (len == (size_t)-1) return mako__fail(x, "len() of a value that has no length");
      *out = (Val){.v = {.kind = MV_INT, .i = (long long)len}};
      return true;
    }
    char *s = mako__to_str(&arg.v, is_repr);
    mako__val_free(&arg);
    *out = mako__str_own(s);
    return true;
  }
  const MakoValue *v = mako__lookup(x->env, name, n);
  if (!v) {
    char what[160];
    snprintf(what, sizeof what, "`%.*s` is not a template variable retort provides",
             (int)(n > 60 ? 60 : n), name);
    return mako__fail(x, what);
  }
  mako__ws(x);
  if (x->s < x->end && (*x->s == '.' || *x->s == '[')) {
    char what[160];
    snprintf(what, sizeof what, "attribute or item access on `%.*s` is not supported",
             (int)(n > 60 ? 60 : n), name);
    return mako__fail(x, what);
  }
  *out = (Val){.v = *v};
  return true;
}

static bool mako__cmp(Expr *x, Val *out) {
  if (!mako__primary(x, out)) return false;
  int op = 0;  // 1 ==, 2 !=, 3 is, 4 is not
  if (mako__eat(x, "=="))
    op = 1;
  else if (mako__eat(x, "!="))
    op = 2;
  else if (mako__eat(x, "is"))
    op = mako__eat(x, "not") ? 4 : 3;
  if (!op) return true;
  Val rhs;
  if (!mako__primary(x, &rhs)) {
    mako__val_free(out);
    return false;
  }
  bool r;
  if (op >= 3) {
    // `is` is only meaningful here against None / True / False.
    if (rhs.v.kind != MV_NONE && rhs.v.kind != MV_BOOL) {
      mako__val_free(out);
      mako__val_free(&rhs);
      return mako__fail(x, "`is` is supported only with None, True or False");
    }
    r = mako__equal(&out->v, &rhs.v);
    if (op == 4) r = !r;
  } else {
    r = mako__equal(&out->v, &rhs.v);
    if (op == 2) r = !r;
  }
  mako__val_free(out);
  mako__val_free(&rhs);
  *out = mako__bool(r);
  return true;
}

static bool mako__not(Expr *x, Val *out) {
  if (mako__eat(x, "not")) {
    if (++x->depth > MAKO_MAX_DEPTH) return mako__fail(x, "expression nested too deeply");
    bool ok = mako__not(x, out);
    x->depth--;
    if (!ok) return false;
    bool t = mako__truthy(&out->v);
    mako__val_free(out);
    *out = mako__bool(!t);
    return true;
  }
  return mako__cmp(x, out);
}

/* `a and b` / `a or b` return an operand, as Python does (both are evaluated here:
 * expressions have no side effects). */
static bool mako__and(Expr *x, Val *out) {
  if (!mako__not(x, out)) return false;
  while (mako__eat(x, "and")) {
    Val rhs;
    if (!mako__not(x, &rhs)) {
      mako__val_free(out);
      return false;
    }
    if (mako__truthy(&out->v)) {
      mako__val_free(out);
      *out = rhs;
    } else {
      mako__val_free(&rhs);
    }
  }
  return true;
}

static bool mako__or(Expr *x, Val *out) {
  if (!mako__and(x, out)) return false;
  while (mako__eat(x, "or")) {
    Val rhs;
    if (!mako__and(x, &rhs)) {
      mako__val_free(out);
      return false;
    }
    if (!mako__truthy(&out->v)) {
      mako__val_free(out);
      *out = rhs;
    } else {
      mako__val_free(&rhs);
    }
  }
  return true;
}

static bool mako__expr(Expr *x, Val *out) {
  if (++x->depth > MAKO_MAX_DEPTH) return mako__fail(x, "expression nested too deeply");
  bool ok = mako__or(x, out);
  if (ok && mako__eat(x, "if")) {
    Val cond, other;
    if (!mako__or(x, &cond)) {
      mako__val_free(out);
      ok = false;
    } else if (!mako__eat(x, "else")) {
      mako__val_free(out);
      mako__val_free(&cond);
      ok = mako__fail(x, "`if` without `else` in an expression");
    } else if (!mako__expr(x, &other)) {
      mako__val_free(out);
      mako__val_free(&cond);
      ok = false;
    } else {
      if (mako__truthy(&cond.v)) {
        mako__val_free(&other);
      } else {
        mako__val_free(out);
        *out = other;
      }
      mako__val_free(&cond);
    }
  }
  x->depth--;
  return ok;
}

/* Evaluates the whole of [s, end) as one expression. */
static bool mako__eval(const char *s, const char *end, const MakoEnv *env, int line, RtError *err,
                       Val *out) {
  Expr x = {.s = s, .end = end, .env = env, .line = line, .err = err};
  if (!mako__expr(&x, out)) return false;
  mako__ws(&x);
  if (x.s != x.end) {
    mako__val_free(out);
    return mako__fail(&x, "unexpected text after an expression");
  }
  return true;
}

/* ---- ${...} ------------------------------------------------------------------------ */

/* At a quote: the position of its closing quote (escapes skipped), or NULL when the
 * string does not end before `end`. */
static const char *mako__skip_string(const char *p, const char *end) {
  char q = *p++;
  while (p < end && *p != q) {
    if (*p == '\\' && p + 1 < end) p++;
    p++;
  }
  return p < end ? p : NULL;
}

/* The end of a ${...} starting after "${" at p: the matching '}' outside strings, or NULL. */
static const char *mako__subst_end(const char *p, const char *end) {
  int braces = 0;
  for (; p < end; p++) {
    if (*p == '\'' || *p == '"') {
      if (!(p = mako__skip_string(p, end))) return NULL;
    } else if (*p == '{') {
      braces++;
    } else if (*p == '}') {
      if (braces == 0) return p;
      braces--;
    }
  }
  return NULL;
}

/* The '|' that starts the filter list of an expression, outside strings and brackets. */
static const char *mako__filter_bar(const char *p, const char *end) {
  int depth = 0;
  for (; p < end; p++) {
    char c = *p;
    if (c == '\'' || c == '"') {
      if (!(p = mako__skip_string(p, end))) return NULL;
    } else if (c == '(' || c == '[' || c == '{') {
      depth++;
    } else if (c == ')' || c == ']' || c == '}') {
      depth--;
    } else if (c == '|' && depth == 0) {
      return p;
    }
  }
  return NULL;
}

static bool mako__subst(const char *s, const char *end, const MakoEnv *env, int line, Buf *out,
                        RtError *err) {
  const char *bar = mako__filter_bar(s, end);
  Val v;
  if (!mako__eval(s, bar ? bar : end, env, line, err, &v)) return false;
  bool default_str = true, comma = false, trim = false;
  if (bar) {
    const char *p = bar + 1;
    while (p < end) {
      while (p < end && (isspace((unsigned char)*p) || *p == ',')) p++;
      const char *w = p;
      while (p < end && mako__ident_char(*p)) p++;
      size_t n = (size_t)(p - w);
      if (n == 0) {
        if (p < end) {
          mako__val_free(&v);
          return error_set(err, ERR_CONFIG, "script.py.mako line %d: unexpected text in a "
                           "filter list", line);
        }
        break;
      }
      if (n == 1 && *w == 'n')
        default_str = false;
      else if (n == 5 && !strncmp(w, "comma", 5))
        comma = true;
      else if (n == 3 && !strncmp(w, "str", 3))
        ;
      else if (n == 4 && !strncmp(w, "trim", 4))
        trim = true;
      else {
        mako__val_free(&v);
        return error_set(err, ERR_CONFIG, "script.py.mako line %d: filter '%.*s' is not "
                         "supported (supported: n, comma, str, trim)", line,
                         (int)(n > 40 ? 40 : n), w);
      }
    }
  }
  (void)default_str;  // str() is what writing a value means here either way
  Buf text = BUF_INIT;
  if (comma) {
    // alembic.util.format_as_comma
    if (v.v.kind == MV_TUPLE || v.v.kind == MV_LIST) {
      for (size_t k = 0; k < v.v.n; k++) buf_printf(&text, "%s%s", k ? ", " : "", v.v.items[k]);
    } else if (v.v.kind != MV_NONE) {
      mako__format(&text, &v.v, false);
    }
  } else {
    mako__format(&text, &v.v, false);
  }
  mako__val_free(&v);
  const char *t = buf_cstr(&text);
  size_t tl = text.len;
  if (trim) {
    while (tl && isspace((unsigned char)*t)) t++, tl--;
    while (tl && isspace((unsigned char)t[tl - 1])) tl--;
  }
  buf_append(out, t, tl);
  buf_free(&text);
  return true;
}

/* ---- lines ------------------------------------------------------------------------- */

typedef struct IfFrame {
  bool parent_on;  /* output was on when the block started */
  bool taken;      /* a branch of this block was chosen */
  bool on;         /* the current branch is on */
  bool seen_else;
} IfFrame;

static bool mako__starts(const char *p, const char *end, const char *w) {
  size_t n = strlen(w);
  return (size_t)(end - p) >= n && !strncmp(p, w, n);
}

/* A control line's keyword and its condition ("if x:" → "x"). */
static bool mako__control(const char *p, const char *end, const MakoEnv *env, int line,
                          IfFrame *stack, int *depth, RtError *err) {
  while (p < end && isspace((unsigned char)*p)) p++;
  while (end > p && isspace((unsigned char)end[-1])) end--;
  const char *kw = p;
  while (p < end && mako__ident_char(*p)) p++;
  size_t kn = (size_t)(p - kw);
  bool on = *depth == 0 || stack[*depth - 1].on;

  if ((kn == 2 && !strncmp(kw, "if", 2)) || (kn == 4 && !strncmp(kw, "elif", 4))) {
    if (end == p || end[-1] != ':')
      return error_set(err, ERR_CONFIG, "script.py.mako line %d: `%% %.*s` needs a ':' at its "
                       "end", line, (int)kn, kw);
    bool is_if = kn == 2;
    IfFrame *f;
    if (is_if) {
      if (*depth == MAKO_MAX_IF)
        return error_set(err, ERR_CONFIG, "script.py.mako line %d: %% if nested too deeply", line);
      f = &stack[(*depth)++];
      *f = (IfFrame){.parent_on = on};
    } else {
      if (*depth == 0 || stack[*depth - 1].seen_else)
        return error_set(err, ERR_CONFIG, "script.py.mako line %d: %% elif without %% if", line);
      f = &stack[*depth - 1];
    }
    f->on = false;
    if (f->parent_on && !f->taken) {
      Val v;
      if (!mako__eval(p, end - 1, env, line, err, &v)) return false;
      f->on = f->taken = mako__truthy(&v.v);
      mako__val_free(&v);
    }
    return true;
  }
  if (kn == 4 && !strncmp(kw, "else", 4)) {
    if (*depth == 0 || stack[*depth - 1].seen_else)
      return error_set(err, ERR_CONFIG, "script.py.mako line %d: %% else without %% if", line);
    IfFrame *f = &stack[*depth - 1];
    f->seen_else = true;
    f->on = f->parent_on && !f->taken;
    f->taken = true;
    return true;
  }
  if (kn == 5 && !strncmp(kw, "endif", 5)) {
    if (*depth == 0)
      return error_set(err, ERR_CONFIG, "script.py.mako line %d: %% endif without %% if", line);
    (*depth)--;
    return true;
  }
  return error_set(err, ERR_CONFIG, "script.py.mako line %d: `%% %.*s` control lines are not "
                   "supported (only if / elif / else / endif)", line, (int)(kn > 20 ? 20 : kn), kw);
}

bool mako_render(const char *tmpl, size_t len, const MakoEnv *env, Buf *out, RtError *err) {
  const char *p = tmpl, *end = tmpl + len;
  int line = 1;
  IfFrame stack[MAKO_MAX_IF];
  int depth = 0;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *next = eol ? eol + 1 : end;
    const char *q = p;
    while (q < next && (*q == ' ' || *q == '\t')) q++;
    bool on = depth == 0 || stack[depth - 1].on;
    // Control and comment lines are consumed whole, newline included.
    if (q < end && *q == '%' && !(q + 1 < end && q[1] == '%')) {
      if (!mako__control(q + 1, eol ? eol : end, env, line, stack, &depth, err)) return false;
      p = next;
      line++;
      continue;
    }
    if (mako__starts(q, end, "##")) {
      p = next;
      line++;
      continue;
    }
    // Text, ${...} and tags, up to the end of the line (a ${...} may span lines).
    const char *s = p;
    if (q < end && *q == '%') {  // "%%" at line start: a literal '%'
      if (on) buf_append(out, p, (size_t)(q - p));
      if (on) buf_putc(out, '%');
      s = q + 2;
    }
    for (;;) {
      if (s >= end) {
        p = end;
        break;
      }
      char c = *s;
      if (c == '\n') {
        if (on) buf_putc(out, '\n');
        p = s + 1;
        line++;
        break;
      }
      if (c == '\\' && s + 1 < end && s[1] == '\n') {  // line continuation
        s += 2;
        line++;
        continue;
      }
      if (c == '$' && s + 1 < end && s[1] == '{') {
        const char *close = mako__subst_end(s + 2, end);
        if (!close)
          return error_set(err, ERR_CONFIG, "script.py.mako line %d: unterminated ${", line);
        if (on && !mako__subst(s + 2, close, env, line, out, err)) return false;
        for (const char *k = s; k < close; k++)
          if (*k == '\n') line++;
        s = close + 1;
        continue;
      }
      if (c == '<' && mako__starts(s, end, "<%text>")) {
        const char *body = s + 7;
        const char *stop = NULL;
        for (const char *k = body; k + 8 <= end; k++)
          if (!strncmp(k, "</%text>", 8)) {
            stop = k;
            break;
          }
        if (!stop) return error_set(err, ERR_CONFIG, "script.py.mako line %d: <%%text> without "
                                    "</%%text>", line);
        if (on) buf_append(out, body, (size_t)(stop - body));
        for (const char *k = s; k < stop; k++)
          if (*k == '\n') line++;
        s = stop + 8;
        continue;
      }
      if (c == '<' && mako__starts(s, end, "<%doc>")) {
        const char *stop = NULL;
        for (const char *k = s + 6; k + 7 <= end; k++)
          if (!strncmp(k, "</%doc>", 7)) {
            stop = k;
            break;
          }
        if (!stop) return error_set(err, ERR_CONFIG, "script.py.mako line %d: <%%doc> without "
                                    "</%%doc>", line);
        for (const char *k = s; k < stop; k++)
          if (*k == '\n') line++;
        s = stop + 7;
        continue;
      }
      if (c == '<' && (mako__starts(s, end, "<%") || mako__starts(s, end, "</%")))
        return error_set(err, ERR_CONFIG, "script.py.mako line %d: Mako tags and Python blocks "
                         "(<%% ... %%>) are not supported", line);
      if (on) buf_putc(out, c);
      s++;
    }
  }
  if (depth)
    return error_set(err, ERR_CONFIG, "script.py.mako: %% if without %% endif at the end of the "
                     "template");
  return true;
}
