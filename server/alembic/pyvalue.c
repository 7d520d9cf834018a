/* pyvalue.c - Python literals and expressions read from tree-sitter nodes, never run. */
#include "server/alembic/pyvalue.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"

// Deeper nesting than this is kept as source text (bounded recursion on hostile input).
static const int PYVALUE_MAX_DEPTH = 64;

SrcRange pysrc_range(const PySrc *s, TSNode n) {
  TSPoint a = ts_node_start_point(n), b = ts_node_end_point(n);
  SrcRange r = srcrange_make(s->src, ts_node_start_byte(n), a.row, a.column, ts_node_end_byte(n),
                             b.row, b.column);
  // The BOM is one code point on line 1 that editors and Python do not show.
  if (s->bom) {
    if (a.row == 0 && r.col > 1) r.col--;
    if (b.row == 0 && r.end_col > 1) r.end_col--;
  }
  return r;
}

char *pysrc_text(const PySrc *s, TSNode n) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (b > s->len) b = (uint32_t)s->len;
  if (a > b) a = b;
  return arena_strndup(s->arena, s->src + a, b - a);
}

bool pysrc_is(TSNode n, const char *type) {
  return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

TSNode *pysrc_children(const PySrc *s, TSNode n, size_t *count) {
  uint32_t total = ts_node_named_child_count(n);
  TSNode *out = ARENA_ARRAY(s->arena, TSNode, total ? total : 1);
  size_t k = 0;
  if (total) {
    // A cursor walks siblings in O(1) each; ts_node_named_child(i) restarts every time.
    TSTreeCursor cur = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&cur)) {
      do {
        TSNode c = ts_tree_cursor_current_node(&cur);
        if (ts_node_is_named(c) && !pysrc_is(c, "comment") && k < total) out[k++] = c;
      } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
  }
  *count = k;
  return out;
}

char *pyvalue_dotted_name(const PySrc *s, TSNode n) {
  if (pysrc_is(n, "identifier")) return pysrc_text(s, n);
  if (pysrc_is(n, "attribute")) {
    TSNode obj = ts_node_child_by_field_name(n, "object", 6);
    TSNode attr = ts_node_child_by_field_name(n, "attribute", 9);
    if (ts_node_is_null(obj) || ts_node_is_null(attr)) return NULL;
    char *left = pyvalue_dotted_name(s, obj);
    if (!left) return NULL;
    return arena_printf(s->arena, "%s.%s", left, pysrc_text(s, attr));
  }
  return NULL;
}

/* ---- strings ---------------------------------------------------------------------- */

static void pyvalue__utf8(Buf *b, unsigned long cp) {
  char o[4];
  if (cp < 0x80) {
    o[0] = (char)cp;
    buf_append(b, o, 1);
  } else if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    buf_append(b, o, 2);
  } else if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    buf_append(b, o, 3);
  } else {
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    buf_append(b, o, 4);
  }
}

static int pyvalue__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Appends the value of one literal body (between the quotes). Newlines in source are
 * normalised to "\n" as CPython's tokenizer does, raw or not. */
static void pyvalue__unescape(Buf *b, const char *p, size_t n, bool raw, bool bytes) {
  size_t i = 0;
  while (i < n) {
    char c = p[i];
    if (c == '\r') {
      buf_putc(b, '\n');
      i += (i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c != '\\' || i + 1 >= n) {
      buf_putc(b, c);
      i++;
      continue;
    }
    char e = p[i + 1];
    if (raw) {
      // A raw literal keeps the backslash; it only stops an escaped quote from ending it.
      buf_putc(b, '\\');
      i++;
      continue;
    }
    i += 2;
    switch (e) {
      case '\n': break;
      case '\r':
        if (i < n && p[i] == '\n') i++;
        break;
      case '\\': buf_putc(b, '\\'); break;
      case '\'': buf_putc(b, '\''); break;
      case '"': buf_putc(b, '"'); break;
      case 'a': buf_putc(b, '\a'); break;
      case 'b': buf_putc(b, '\b'); break;
      case 'f': buf_putc(b, '\f'); break;
      case 'n': buf_putc(b, '\n'); break;
      case 'r': buf_putc(b, '\r'); break;
      case 't': buf_putc(b, '\t'); break;
      case 'v': buf_putc(b, '\v'); break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        unsigned v = (unsigned)(e - '0');
        for (int k = 0; k < 2 && i < n && p[i] >= '0' && p[i] <= '7'; k++)
          v = v * 8 + (unsigned)(p[i++] - '0');
        if (bytes) {
          buf_putc(b, (char)(v & 0xFF));
        } else {
          pyvalue__utf8(b, v);
        }
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (bytes && e != 'x') {
          buf_putc(b, '\\');
          buf_putc(b, e);
          break;
        }
        unsigned long v = 0;
        int k = 0;
        for (; k < digits && i + (size_t)k < n && pyvalue__hex(p[i + k]) >= 0; k++)
          v = v * 16 + (unsigned long)pyvalue__hex(p[i + k]);
        if (k < digits) { // CPython refuses this literal; keep the text
          buf_putc(b, '\\');
          buf_putc(b, e);
          break;
        }
        i += (size_t)digits;
        if (bytes) {
          buf_putc(b, (char)(v & 0xFF));
        } else {
          pyvalue__utf8(b, v);
        }
        break;
      }
      default:
        // Unknown escapes (and \N{...}, which needs the Unicode name table) stay as written.
        buf_putc(b, '\\');
        buf_putc(b, e);
        break;
    }
  }
}

bool pyvalue_unescape_literal(Buf *b, const char *p, size_t len, bool *is_bytes) {
  size_t i = 0;
  bool raw = false, bytes = false;
  for (; i < len && p[i] != '\'' && p[i] != '"'; i++) {
    char c = p[i] | 0x20;
    if (c == 'f' || c == 't') return false;
    if (c == 'r') raw = true;
    if (c == 'b') bytes = true;
  }
  if (i >= len) return false;
  char q = p[i];
  size_t qn = (i + 2 < len && p[i + 1] == q && p[i + 2] == q) ? 3 : 1;
  size_t body = i + qn;
  size_t end = len >= body + qn ? len - qn : body; // a MISSING end quote leaves len short
  if (end < body) end = body;
  *is_bytes = bytes;
  pyvalue__unescape(b, p + body, end - body, raw, bytes);
  return true;
}

/* One `string` node: prefix, quotes, body. Returns false for an f-string. */
static bool pyvalue__string_one(const PySrc *s, TSNode n, Buf *b, bool *is_bytes) {
  uint32_t a = ts_node_start_byte(n), z = ts_node_end_byte(n);
  if (z > s->len) z = (uint32_t)s->len;
  return pyvalue_unescape_literal(b, s->src + a, z - a, is_bytes);
}

bool pyvalue_eval_string(const PySrc *s, TSNode n, char **out, size_t *out_len, bool *is_bytes) {
  Buf b = BUF_INIT;
  bool ok = true, first = true, bytes = false;
  if (pysrc_is(n, "string")) {
    ok = pyvalue__string_one(s, n, &b, &bytes);
  } else if (pysrc_is(n, "concatenated_string")) {
    size_t nc;
    TSNode *kids = pysrc_children(s, n, &nc);
    for (size_t k = 0; ok && k < nc; k++) {
      bool kb = false;
      if (!pysrc_is(kids[k], "string") || !pyvalue__string_one(s, kids[k], &b, &kb)) ok = false;
      if (!first && kb != bytes) ok = false; // "a" b"b" is a SyntaxError in Python
      bytes = kb;
      first = false;
    }
  } else {
    ok = false;
  }
  if (ok) {
    *out = arena_strndup(s->arena, b.data ? b.data : "", b.len);
    *out_len = b.len;
    *is_bytes = bytes;
  }
  buf_free(&b);
  return ok;
}

/* ---- expressions ------------------------------------------------------------------ */

static PyValue *pyvalue__new(const PySrc *s, TSNode n, PyValueKind kind) {
  PyValue *v = ARENA_NEW(s->arena, PyValue);
  v->kind = kind;
  v->range = pysrc_range(s, n);
  return v;
}

static PyValue *pyvalue__expr(const PySrc *s, TSNode n) {
  PyValue *v = pyvalue__new(s, n, PV_EXPR);
  v->text = pysrc_text(s, n);
  v->len = strlen(v->text);
  v->dynamic = true;
  return v;
}

static PyValue *pyvalue__read(const PySrc *s, TSNode n, int depth);

static PyValue *pyvalue__seq(const PySrc *s, TSNode n, PyValueKind kind, int depth) {
  PyValue *v = pyvalue__new(s, n, kind);
  size_t nc;
  TSNode *kids = pysrc_children(s, n, &nc);
  if (kind == PV_DICT) {
    v->items = ARENA_ARRAY(s->arena, PyValue *, 2 * nc + 1);
    for (size_t k = 0; k < nc; k++) {
      if (!pysrc_is(kids[k], "pair")) return pyvalue__expr(s, n); // **splat in a dict
      TSNode key = ts_node_child_by_field_name(kids[k], "key", 3);
      TSNode val = ts_node_child_by_field_name(kids[k], "value", 5);
      if (ts_node_is_null(key) || ts_node_is_null(val)) return pyvalue__expr(s, n);
      PyValue *kv = pyvalue__read(s, key, depth + 1), *vv = pyvalue__read(s, val, depth + 1);
      v->items[v->nitems++] = kv;
      v->items[v->nitems++] = vv;
      v->dynamic |= kv->dynamic || vv->dynamic;
    }
    return v;
  }
  v->items = ARENA_ARRAY(s->arena, PyValue *, nc + 1);
  for (size_t k = 0; k < nc; k++) {
    if (pysrc_is(kids[k], "list_splat") || pysrc_is(kids[k], "for_in_clause"))
      return pyvalue__expr(s, n);
    PyValue *iv = pyvalue__read(s, kids[k], depth + 1);
    v->items[v->nitems++] = iv;
    v->dynamic |= iv->dynamic;
  }
  return v;
}

static PyValue *pyvalue__call(const PySrc *s, TSNode n, int depth) {
  TSNode fn = ts_node_child_by_field_name(n, "function", 8);
  TSNode argl = ts_node_child_by_field_name(n, "arguments", 9);
  char *callee = ts_node_is_null(fn) ? NULL : pyvalue_dotted_name(s, fn);
  if (!callee || ts_node_is_null(argl) || !pysrc_is(argl, "argument_list"))
    return pyvalue__expr(s, n);
  PyValue *v = pyvalue__new(s, n, PV_CALL);
  v->text = callee;
  v->len = strlen(callee);
  size_t nc;
  TSNode *kids = pysrc_children(s, argl, &nc);
  v->args = ARENA_ARRAY(s->arena, PyArg, nc + 1);
  for (size_t k = 0; k < nc; k++) {
    TSNode a = kids[k];
    PyArg *arg = &v->args[v->nargs++];
    if (pysrc_is(a, "keyword_argument")) {
      TSNode name = ts_node_child_by_field_name(a, "name", 4);
      TSNode val = ts_node_child_by_field_name(a, "value", 5);
      arg->name = ts_node_is_null(name) ? "" : pysrc_text(s, name);
      arg->value = ts_node_is_null(val) ? pyvalue__expr(s, a) : pyvalue__read(s, val, depth + 1);
    } else if (pysrc_is(a, "list_splat") || pysrc_is(a, "dictionary_splat")) {
      arg->name = pysrc_is(a, "list_splat") ? "*" : "**";
      TSNode inner = ts_node_named_child(a, 0);
      arg->value =
          ts_node_is_null(inner) ? pyvalue__expr(s, a) : pyvalue__read(s, inner, depth + 1);
      arg->value->dynamic = true; // what a splat expands to is not known statically
    } else {
      arg->value = pyvalue__read(s, a, depth + 1);
    }
    v->dynamic |= arg->value->dynamic;
  }
  return v;
}

static PyValue *pyvalue__number(const PySrc *s, TSNode n, bool negate) {
  bool is_float = pysrc_is(n, "float");
  PyValue *v = pyvalue__new(s, n, is_float ? PV_FLOAT : PV_INT);
  char *text = pysrc_text(s, n);
  // Drop digit separators; complex literals (1j) are kept as expressions.
  char *clean = arena_strdup(s->arena, text), *w = clean;
  for (char *r = text; *r; r++)
    if (*r != '_') *w++ = *r;
  *w = '\0';
  if (strpbrk(clean, "jJ")) return pyvalue__expr(s, n);
  v->text = negate ? arena_printf(s->arena, "-%s", text) : text;
  v->len = strlen(v->text);
  if (is_float) {
    v->f = strtod(clean, NULL);
    if (negate) v->f = -v->f;
  } else {
    int base = 10;
    const char *digits = clean;
    if (clean[0] == '0' && clean[1]) {
      char x = clean[1] | 0x20;
      base = x == 'x' ? 16 : x == 'o' ? 8 : x == 'b' ? 2 : 10;
      if (base != 10) digits = clean + 2;
    }
    errno = 0;
    unsigned long long u = strtoull(digits, NULL, base);
    // A literal too big for long long keeps i == 0; its text is exact.
    if (errno != ERANGE && u <= (unsigned long long)LLONG_MAX)
      v->i = negate ? -(long long)u : (long long)u;
  }
  return v;
}

static PyValue *pyvalue__read(const PySrc *s, TSNode n, int depth) {
  if (depth > PYVALUE_MAX_DEPTH) return pyvalue__expr(s, n);
  const char *t = ts_node_type(n);
  if (!strcmp(t, "string") || !strcmp(t, "concatenated_string")) {
    char *str;
    size_t len;
    bool bytes;
    if (!pyvalue_eval_string(s, n, &str, &len, &bytes)) return pyvalue__expr(s, n);
    PyValue *v = pyvalue__new(s, n, PV_STR);
    v->text = str;
    v->len = len;
    v->bytes = bytes;
    return v;
  }
  if (!strcmp(t, "none")) return pyvalue__new(s, n, PV_NONE);
  if (!strcmp(t, "true") || !strcmp(t, "false")) {
    PyValue *v = pyvalue__new(s, n, PV_BOOL);
    v->b = t[0] == 't';
    return v;
  }
  if (!strcmp(t, "integer") || !strcmp(t, "float")) return pyvalue__number(s, n, false);
  if (!strcmp(t, "unary_operator")) {
    TSNode arg = ts_node_child_by_field_name(n, "argument", 8);
    TSNode opn = ts_node_child(n, 0);
    if (!ts_node_is_null(arg) && (pysrc_is(arg, "integer") || pysrc_is(arg, "float")) &&
        !ts_node_is_null(opn) && pysrc_is(opn, "-")) {
      PyValue *v = pyvalue__number(s, arg, true);
      v->range = pysrc_range(s, n);
      return v;
    }
    return pyvalue__expr(s, n);
  }
  if (!strcmp(t, "identifier") || !strcmp(t, "attribute")) {
    char *name = pyvalue_dotted_name(s, n);
    if (!name) return pyvalue__expr(s, n);
    PyValue *v = pyvalue__new(s, n, PV_NAME);
    v->text = name;
    v->len = strlen(name);
    return v;
  }
  if (!strcmp(t, "call")) return pyvalue__call(s, n, depth);
  if (!strcmp(t, "tuple") || !strcmp(t, "expression_list"))
    return pyvalue__seq(s, n, PV_TUPLE, depth);
  if (!strcmp(t, "list")) return pyvalue__seq(s, n, PV_LIST, depth);
  if (!strcmp(t, "set")) return pyvalue__seq(s, n, PV_SET, depth);
  if (!strcmp(t, "dictionary")) return pyvalue__seq(s, n, PV_DICT, depth);
  if (!strcmp(t, "parenthesized_expression")) {
    size_t nc;
    TSNode *kids = pysrc_children(s, n, &nc);
    if (nc == 1) return pyvalue__read(s, kids[0], depth + 1);
  }
  return pyvalue__expr(s, n);
}

PyValue *pyvalue_read(const PySrc *s, TSNode n) {
  return pyvalue__read(s, n, 0);
}

/* ---- accessors (declared in revision.h) ---------------------------------------------- */

const PyValue *pyargs_get(const PyArg *args, size_t nargs, size_t pos, const char *kw) {
  size_t seen = 0;
  for (size_t k = 0; k < nargs; k++) {
    if (args[k].name) continue;
    if (seen++ == pos) return args[k].value;
  }
  if (kw)
    for (size_t k = 0; k < nargs; k++)
      if (args[k].name && !strcmp(args[k].name, kw)) return args[k].value;
  return NULL;
}

const PyValue *pyvalue_call_arg(const PyValue *call, size_t pos, const char *kw) {
  if (!call || call->kind != PV_CALL) return NULL;
  return pyargs_get(call->args, call->nargs, pos, kw);
}

const char *pyvalue_str(const PyValue *v) {
  return v && v->kind == PV_STR && !v->bytes ? v->text : NULL;
}

const PyValue *op_arg(const Op *op, size_t pos, const char *kw) {
  return op ? pyargs_get(op->args, op->nargs, pos, kw) : NULL;
}
