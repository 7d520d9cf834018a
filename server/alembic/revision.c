/* revision.c - one Alembic revision file read with tree-sitter: identity, docstring, ops.
 *
 * The identity comes from a tree-sitter query, grammars/queries/revision.scm (module-level
 * assignments and the docstring; tsquery.c checks its predicates). The ops are the
 * top-level statements of two function bodies, visited directly: each statement's shape
 * (op call, with-block, loop, helper) decides how it is read, in source order. */
#include "server/alembic/revision.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "server/alembic/pyvalue.h"
#include "server/alembic/tsquery.h"
#include "server/base/buf.h"
#include "server/base/digest.h"
#include "server/base/mem.h"

const TSLanguage *tree_sitter_python(void);

// Alembic's own wording for a script without `revision` (alembic/script/base.py).
static const char REVISION_MISSING_MSG[] =
    "Could not determine revision id from filename %s. Be sure the 'revision' variable is "
    "declared inside the script (please see 'Upgrading from Alembic 0.1 to 0.2' in the "
    "documentation).";

enum { REV_MAX_ALIASES = 16, REV_MAX_WITH_DEPTH = 32 };

struct RevParser {
  TSParser *ts;
  TSQueryCursor *qc; /* runs grammars/queries/revision.scm */
};

RevParser *revparser_new(void) {
  RevParser *p = xcalloc(1, sizeof *p);
  p->ts = ts_parser_new();
  if (!ts_parser_set_language(p->ts, tree_sitter_python())) {
    // The grammar is built for the runtime's ABI range; a mismatch is a build bug.
    fprintf(stderr, "retort: tree-sitter-python ABI %u is not supported by this libtree-sitter\n",
            ts_language_version(tree_sitter_python()));
    abort();
  }
  p->qc = ts_query_cursor_new();
  return p;
}

void revparser_delete(RevParser *p) {
  if (!p) return;
  ts_query_cursor_delete(p->qc);
  ts_parser_delete(p->ts);
  free(p);
}

/* The names `op` is known by in one scope: "op", "alembic_op", "alembic.op", "batch_op". */
typedef struct Aliases {
  const char *names[REV_MAX_ALIASES];
  size_t n;
  const char *binds[REV_MAX_ALIASES]; /* locals assigned from op.get_bind() and friends */
  size_t nbinds;
  int depth; /* nesting of with-blocks read as ops (bounded: hostile input) */
} Aliases;

static void revision__alias_add(Aliases *a, const char *name) {
  for (size_t k = 0; k < a->n; k++)
    if (!strcmp(a->names[k], name)) return;
  if (a->n < REV_MAX_ALIASES) a->names[a->n++] = name;
}

static bool revision__alias_has(const Aliases *a, const char *name) {
  if (!name) return false;
  for (size_t k = 0; k < a->n; k++)
    if (!strcmp(a->names[k], name)) return true;
  return false;
}

/* ---- header ----------------------------------------------------------------------- */

/* Where the header region ends: the first line starting a top-level def, class or
 * decorator. Everything Alembic reads for `history` sits above it in every template. */
static size_t revision__header_end(const char *src, size_t len, size_t start) {
  size_t i = start;
  while (i < len) {
    const char *p = src + i;
    size_t left = len - i;
    if ((left > 4 && !memcmp(p, "def", 3) && (p[3] == ' ' || p[3] == '\t')) ||
        (left > 6 && !memcmp(p, "class", 5) && (p[5] == ' ' || p[5] == '\t')) ||
        (left > 6 && !memcmp(p, "async", 5) && (p[5] == ' ' || p[5] == '\t')) || p[0] == '@')
      return i;
    const char *nl = memchr(p, '\n', left);
    if (!nl) break;
    i = (size_t)(nl - src) + 1;
  }
  return len;
}

/* The first ERROR or MISSING node in document order (a loop: hostile nesting is deep). */
static TSNode revision__first_error(TSNode n) {
  TSNode none = {{0}, NULL, NULL};
  if (!ts_node_has_error(n)) return none;
  for (;;) {
    if (ts_node_is_missing(n) || pysrc_is(n, "ERROR")) return n;
    uint32_t count = ts_node_child_count(n);
    bool descended = false;
    for (uint32_t k = 0; k < count && !descended; k++) {
      TSNode c = ts_node_child(n, k);
      if (ts_node_is_missing(c) || ts_node_has_error(c)) {
        n = c;
        descended = true;
      }
    }
    if (!descended) return n;
  }
}

/* Python's str.strip() whitespace (Py_UNICODE_ISSPACE) in UTF-8: the byte length of the
 * whitespace character starting at p[0] (forward) or ending at p[n-1] (backward), or 0. */
static const char *const REV_UNICODE_WS[] = {
    "\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
    "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
    "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
    "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
};

static size_t revision__ws_len(const char *p, size_t n, bool backward) {
  if (!n) return 0;
  char c = backward ? p[n - 1] : p[0];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
      (c >= 0x1c && c <= 0x1f))
    return 1;
  for (size_t k = 0; k < sizeof REV_UNICODE_WS / sizeof REV_UNICODE_WS[0]; k++) {
    size_t wl = strlen(REV_UNICODE_WS[k]);
    if (wl <= n && !memcmp(backward ? p + n - wl : p, REV_UNICODE_WS[k], wl)) return wl;
  }
  return 0;
}

/* Alembic: longdoc = module.__doc__.strip(); doc = re.split("\n\n", longdoc)[0]. */
static void revision__set_doc(Revision *r, Arena *arena, const char *doc, size_t len) {
  size_t a = 0, b = len, w;
  while (a < b && (w = revision__ws_len(doc + a, b - a, false)) > 0) a += w;
  while (b > a && (w = revision__ws_len(doc + a, b - a, true)) > 0) b -= w;
  r->longdoc = arena_strndup(arena, doc + a, b - a);
  const char *para = strstr(r->longdoc, "\n\n");
  r->message = para ? arena_strndup(arena, r->longdoc, (size_t)(para - r->longdoc)) : r->longdoc;
}

/* Reads None / "x" / ("x", "y") / ["x"] into a list of ids with their ranges. */
static bool revision__ids(const PyValue *v, Arena *arena, const char ***out, SrcRange **ranges,
                          size_t *n) {
  *out = NULL;
  *n = 0;
  if (ranges) *ranges = NULL;
  if (v->kind == PV_NONE) return true;
  if (v->kind == PV_STR) {
    if (v->bytes) return false;
    *out = ARENA_ARRAY(arena, const char *, 1);
    (*out)[0] = v->text;
    if (ranges) {
      *ranges = ARENA_ARRAY(arena, SrcRange, 1);
      (*ranges)[0] = v->range;
    }
    *n = 1;
    return true;
  }
  if (v->kind != PV_TUPLE && v->kind != PV_LIST) return false;
  *out = ARENA_ARRAY(arena, const char *, v->nitems + 1);
  if (ranges) *ranges = ARENA_ARRAY(arena, SrcRange, v->nitems + 1);
  for (size_t k = 0; k < v->nitems; k++) {
    const char *s = pyvalue_str(v->items[k]);
    if (!s) {
      *n = 0;
      return false;
    }
    (*out)[k] = s;
    if (ranges) (*ranges)[k] = v->items[k]->range;
  }
  *n = v->nitems;
  return true;
}

static const char *revision__basename(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path ? path : "";
}

/* Alembic's legacy rule: "<hex>.py" names its own revision when `revision` is absent. */
static const char *revision__legacy_id(Arena *arena, const char *path) {
  const char *base = revision__basename(path);
  size_t len = strlen(base);
  if (len <= 3 || strcmp(base + len - 3, ".py") != 0) return NULL;
  for (size_t k = 0; k < len - 3; k++)
    if (!((base[k] >= '0' && base[k] <= '9') || (base[k] >= 'a' && base[k] <= 'f'))) return NULL;
  return arena_strndup(arena, base, len - 3);
}

typedef struct Header {
  PyValue *value[4]; /* the last value assigned to each of the four names, or NULL */
  PyValue *doc;      /* the first statement when it is a string expression, or NULL */
} Header;

static const char *const HEADER_NAMES[4] = {"revision", "down_revision", "branch_labels",
                                            "depends_on"};

static int revision__header_name(const char *p, size_t n) {
  for (int w = 0; w < 4; w++)
    if (strlen(HEADER_NAMES[w]) == n && !memcmp(p, HEADER_NAMES[w], n)) return w;
  return -1;
}

/* What revision.scm's matches are gathered into: the last assignment to each name wins,
 * and tree-sitter finds matches in its own order, so each keeps its statement's start. */
typedef struct HeaderScan {
  const PySrc *s;
  Header *h;
  TSNode first;             /* the module's first statement (comments do not count) */
  uint32_t at[4];           /* start byte of the statement that set h->value[w], + 1 */
  uint32_t c_target, c_assignment, c_chain, c_statement, c_doc, c_doc_statement;
} HeaderScan;

/* The value a chain `a = b = value` gives each of its targets. */
static TSNode revision__chain_value(TSNode a) {
  TSNode value = a;
  while (pysrc_is(value, "assignment")) {
    TSNode next = ts_node_child_by_field_name(value, "right", 5);
    if (ts_node_is_null(next)) break;
    value = next;
  }
  return value;
}

static void revision__header_set(HeaderScan *hs, int w, TSNode stmt, TSNode value) {
  uint32_t at = ts_node_start_byte(stmt) + 1;
  if (at < hs->at[w]) return; // a later statement set it already
  hs->at[w] = at;
  hs->h->value[w] = pyvalue_read(hs->s, value);
}

static bool revision__header_match(void *ctx, const TSQueryMatch *m) {
  HeaderScan *hs = ctx;
  const PySrc *s = hs->s;
  TSNode doc = tsquery_node(m, hs->c_doc);
  if (!ts_node_is_null(doc)) {
    // The first statement, alone in it: ("docstring") is a docstring too (Python's AST
    // has no parentheses).
    TSNode stmt = tsquery_node(m, hs->c_doc_statement);
    if (!ts_node_eq(stmt, hs->first) || ts_node_named_child_count(stmt) != 1) return true;
    while (pysrc_is(doc, "parenthesized_expression") && ts_node_named_child_count(doc) == 1)
      doc = ts_node_named_child(doc, 0);
    if (pysrc_is(doc, "string") || pysrc_is(doc, "concatenated_string"))
      hs->h->doc = pyvalue_read(s, doc);
    return true;
  }
  TSNode target = tsquery_node(m, hs->c_target);
  if (!ts_node_is_null(target)) {
    // revision = ... (the predicate checked the name): its value, through a chain
    TSNode a = tsquery_node(m, hs->c_assignment);
    uint32_t lb = ts_node_start_byte(target), le = ts_node_end_byte(target);
    int w = revision__header_name(s->src + lb, le - lb);
    if (w >= 0)
      revision__header_set(hs, w, tsquery_node(m, hs->c_statement), revision__chain_value(a));
    return true;
  }
  // x = revision = ...: each later target of the chain gets the final value
  TSNode chain = tsquery_node(m, hs->c_chain);
  if (ts_node_is_null(chain)) return true;
  TSNode stmt = tsquery_node(m, hs->c_statement);
  TSNode value = revision__chain_value(chain);
  for (TSNode a = chain; pysrc_is(a, "assignment"); a = ts_node_child_by_field_name(a, "right", 5)) {
    TSNode left = ts_node_child_by_field_name(a, "left", 4);
    TSNode right = ts_node_child_by_field_name(a, "right", 5);
    if (ts_node_is_null(left) || ts_node_is_null(right) || !pysrc_is(left, "identifier")) continue;
    uint32_t lb = ts_node_start_byte(left), le = ts_node_end_byte(left);
    int w = revision__header_name(s->src + lb, le - lb);
    if (w >= 0) revision__header_set(hs, w, stmt, value);
  }
  return true;
}

/* Collects the module's docstring and the last assignment to each identity name, with
 * grammars/queries/revision.scm. */
static void revision__scan_header(RevParser *p, const PySrc *s, TSNode root, Header *h) {
  memset(h, 0, sizeof *h);
  const TsQuery *q = tsquery_get("revision.scm");
  HeaderScan hs = {.s = s, .h = h};
  hs.c_target = tsquery_capture(q, "target");
  hs.c_assignment = tsquery_capture(q, "assignment");
  hs.c_chain = tsquery_capture(q, "chain");
  hs.c_statement = tsquery_capture(q, "statement");
  hs.c_doc = tsquery_capture(q, "doc");
  hs.c_doc_statement = tsquery_capture(q, "doc_statement");
  // The query runs on each module-level statement (see revision.scm); the first one that
  // is not a comment may be the docstring.
  size_t nc;
  TSNode *kids = pysrc_children(s, root, &nc);
  if (nc) hs.first = kids[0];
  for (size_t k = 0; k < nc; k++)
    if (pysrc_is(kids[k], "expression_statement"))
      tsquery_run(q, p->qc, kids[k], s->src, (uint32_t)s->len, revision__header_match, &hs);
}

/* ---- the quick header scanner ------------------------------------------------------- */

/* Most revision files are the template's output: a docstring, imports, comments and four
 * assignments of literals. This scanner reads exactly those forms straight from the bytes
 * (some 20x faster than building a tree, which matters for a cold `history` over 1,000 files)
 * and gives up on anything else; the caller then parses with tree-sitter. It is checked
 * against the tree-sitter path in tests/unit/test_revision.c. */
typedef struct Quick {
  const PySrc *s;
  size_t i, end; /* cursor, end of the header region */
  uint32_t row;  /* row of line_start */
  size_t line_start;
} Quick;

static bool revision__quick_ident_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

/* Advances over one byte, keeping row/line_start. */
static void revision__quick_step(Quick *q) {
  if (q->s->src[q->i] == '\n') {
    q->row++;
    q->line_start = q->i + 1;
  }
  q->i++;
}

typedef struct QPos {
  size_t byte, line_start;
  uint32_t row;
} QPos;

static QPos revision__quick_pos(const Quick *q) {
  return (QPos){q->i, q->line_start, q->row};
}

static SrcRange revision__quick_range(const Quick *q, QPos a, QPos b) {
  const PySrc *s = q->s;
  SrcRange r = srcrange_make(s->src, (uint32_t)a.byte, a.row, (uint32_t)(a.byte - a.line_start),
                             (uint32_t)b.byte, b.row, (uint32_t)(b.byte - b.line_start));
  if (s->bom) {
    if (a.row == 0 && r.col > 1) r.col--;
    if (b.row == 0 && r.end_col > 1) r.end_col--;
  }
  return r;
}

/* Skips spaces, tabs, "\r", comments, and — inside brackets or after a backslash — newlines. */
static void revision__quick_skip_ws(Quick *q, bool newlines) {
  const char *p = q->s->src;
  while (q->i < q->end) {
    char c = p[q->i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || (newlines && c == '\n')) {
      revision__quick_step(q);
    } else if (c == '#') {
      while (q->i < q->end && p[q->i] != '\n') q->i++;
    } else if (c == '\\' && q->i + 1 < q->end && (p[q->i + 1] == '\n' || p[q->i + 1] == '\r')) {
      q->i++;
      if (p[q->i] == '\r') q->i++;
      if (q->i < q->end && p[q->i] == '\n') revision__quick_step(q);
    } else {
      break;
    }
  }
}

/* At a string prefix or quote: skips one string literal. Returns false when this is not a
 * string, or it is unterminated. Sets *plain when it has no f/t prefix. */
static bool revision__quick_skip_string(Quick *q, bool *plain) {
  const char *p = q->s->src;
  size_t j = q->i;
  *plain = true;
  while (j < q->end && j - q->i < 3 && strchr("rRbBuUfFtT", p[j]) && p[j]) {
    if (strchr("fFtT", p[j])) *plain = false;
    j++;
  }
  if (j >= q->end || (p[j] != '\'' && p[j] != '"')) return false;
  char quote = p[j];
  bool triple = j + 2 < q->end && p[j + 1] == quote && p[j + 2] == quote;
  while (q->i < j) revision__quick_step(q);
  size_t qn = triple ? 3 : 1;
  for (size_t k = 0; k < qn; k++) revision__quick_step(q);
  while (q->i < q->end) {
    char c = p[q->i];
    if (c == '\\' && q->i + 1 < q->end) {
      revision__quick_step(q);
      revision__quick_step(q);
      continue;
    }
    if (!triple && c == '\n') return false;
    if (c == quote &&
        (!triple || (q->i + 2 < q->end && p[q->i + 1] == quote && p[q->i + 2] == quote))) {
      for (size_t k = 0; k < qn; k++) revision__quick_step(q);
      return true;
    }
    revision__quick_step(q);
  }
  return false;
}

static bool revision__quick_at_string(const Quick *q) {
  const char *p = q->s->src;
  size_t j = q->i;
  while (j < q->end && j - q->i < 3 && p[j] && strchr("rRbBuUfFtT", p[j])) j++;
  return j < q->end && (p[j] == '\'' || p[j] == '"');
}

/* One or more adjacent string literals as a PV_STR (evaluated like pyvalue does). */
static PyValue *revision__quick_string(Quick *q, bool in_brackets) {
  QPos a = revision__quick_pos(q), b = a;
  Buf text = BUF_INIT;
  bool first = true, bytes = false, ok = true;
  while (ok && q->i < q->end && revision__quick_at_string(q)) {
    size_t from = q->i;
    bool plain;
    if (!revision__quick_skip_string(q, &plain) || !plain) {
      ok = false;
      break;
    }
    b = revision__quick_pos(q);
    bool is_b = false;
    if (!pyvalue_unescape_literal(&text, q->s->src + from, q->i - from, &is_b) ||
        (!first && is_b != bytes))
      ok = false;
    bytes = is_b;
    first = false;
    revision__quick_skip_ws(q, in_brackets);
  }
  PyValue *v = NULL;
  if (ok && !first) {
    v = ARENA_NEW(q->s->arena, PyValue);
    v->kind = PV_STR;
    v->range = revision__quick_range(q, a, b);
    v->text = arena_strndup(q->s->arena, text.data ? text.data : "", text.len);
    v->len = text.len;
    v->bytes = bytes;
  }
  buf_free(&text);
  return v;
}

static bool revision__quick_word(Quick *q, const char *w) {
  size_t n = strlen(w);
  return q->i + n <= q->end && !memcmp(q->s->src + q->i, w, n) &&
         (q->i + n == q->end || !revision__quick_ident_char((unsigned char)q->s->src[q->i + n]));
}

/* None, a string, a tuple/list of strings, or a bare tuple `"a", "b"`. NULL: give up. */
static PyValue *revision__quick_value(Quick *q) {
  Arena *arena = q->s->arena;
  const char *p = q->s->src;
  if (revision__quick_word(q, "None")) {
    QPos a = revision__quick_pos(q);
    q->i += 4;
    PyValue *v = ARENA_NEW(arena, PyValue);
    v->kind = PV_NONE;
    v->range = revision__quick_range(q, a, revision__quick_pos(q));
    revision__quick_skip_ws(q, false);
    return v;
  }
  bool bracket = q->i < q->end && (p[q->i] == '(' || p[q->i] == '[');
  QPos a = revision__quick_pos(q);
  char close = 0;
  if (bracket) {
    close = p[q->i] == '(' ? ')' : ']';
    revision__quick_step(q);
    revision__quick_skip_ws(q, true);
  }
  PyValue *items[64];
  size_t n = 0;
  bool comma = false;
  QPos b = a;
  while (q->i < q->end && revision__quick_at_string(q)) {
    PyValue *item = revision__quick_string(q, bracket);
    if (!item || n == 64) return NULL;
    items[n++] = item;
    comma = false;
    if (q->i < q->end && p[q->i] == ',') {
      comma = true;
      revision__quick_step(q);
      revision__quick_skip_ws(q, bracket);
    } else {
      break;
    }
  }
  if (bracket) {
    if (q->i >= q->end || p[q->i] != close) return NULL;
    revision__quick_step(q);
    b = revision__quick_pos(q);
  } else if (n == 0) {
    return NULL;
  } else if (n == 1 && !comma) {
    return items[0];
  } else if (comma) {
    return NULL; // `"a", "b",`: rare enough to leave to tree-sitter
  }
  if (bracket && close == ')' && n == 1 && !comma) {
    revision__quick_skip_ws(q, false);
    return items[0]; // ("x") is just "x"
  }
  PyValue *v = ARENA_NEW(arena, PyValue);
  v->kind = close == ']' ? PV_LIST : PV_TUPLE;
  if (!bracket) {
    // A bare tuple spans its first to its last item.
    SrcRange last = items[n - 1]->range;
    v->range = items[0]->range;
    v->range.end_byte = last.end_byte;
    v->range.end_line = last.end_line;
    v->range.end_col = last.end_col;
  } else {
    v->range = revision__quick_range(q, a, b);
  }
  v->items = ARENA_ARRAY(arena, PyValue *, n + 1);
  memcpy(v->items, items, n * sizeof *items);
  v->nitems = n;
  revision__quick_skip_ws(q, false);
  return v;
}

/* Reads the header region without a tree. False: an unusual form (the caller parses with
 * tree-sitter); `h` then holds only what was read before the scanner gave up. */
static bool revision__quick_header(const PySrc *s, size_t start, size_t end, Header *h) {
  memset(h, 0, sizeof *h);
  Quick q = {s, start, end, 0, 0};
  const char *p = s->src;
  bool first = true;
  while (q.i < q.end) {
    // At the start of a line: blank and comment lines do not count as statements.
    size_t j = q.i;
    while (j < q.end && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\f')) j++;
    if (j >= q.end) break;
    if (p[j] == '\n' || p[j] == '#') {
      while (q.i < q.end && p[q.i] != '\n') q.i++;
      if (q.i < q.end) revision__quick_step(&q);
      continue;
    }
    if (j != q.i) return false; // indented code at top level: a compound statement
    if (revision__quick_at_string(&q)) {
      PyValue *v = revision__quick_string(&q, false);
      if (!v || q.i >= q.end || p[q.i] != '\n') return false;
      if (first) h->doc = v;
      first = false;
      continue;
    }
    first = false;
    if (!revision__quick_ident_char((unsigned char)p[q.i]) || (p[q.i] >= '0' && p[q.i] <= '9'))
      return false;
    size_t id0 = q.i;
    while (q.i < q.end && revision__quick_ident_char((unsigned char)p[q.i])) q.i++;
    int w = revision__header_name(p + id0, q.i - id0);
    if (w >= 0) {
      revision__quick_skip_ws(&q, false);
      if (q.i < q.end && p[q.i] == ':') {
        // An annotation: any tokens up to `=` outside brackets (strings may hold one).
        int depth = 0;
        revision__quick_step(&q);
        while (q.i < q.end && !(depth == 0 && (p[q.i] == '=' || p[q.i] == '\n'))) {
          char c = p[q.i];
          if (c == '(' || c == '[' || c == '{') depth++;
          if (c == ')' || c == ']' || c == '}') depth--;
          if (c == '\'' || c == '"') {
            bool plain;
            if (!revision__quick_skip_string(&q, &plain)) return false;
            continue;
          }
          if (c == '#') return false;
          revision__quick_step(&q);
        }
        if (q.i >= q.end || p[q.i] != '=') return false; // annotation only: leave it to tree-sitter
      }
      if (q.i + 1 >= q.end || p[q.i] != '=' || p[q.i + 1] == '=') return false;
      revision__quick_step(&q);
      revision__quick_skip_ws(&q, false);
      PyValue *v = revision__quick_value(&q);
      if (!v || q.i >= q.end || p[q.i] != '\n') return false;
      h->value[w] = v;
      revision__quick_step(&q);
      continue;
    }
    // Any other statement (imports, other assignments): skip to its end, honouring
    // brackets, strings and continuation lines.
    int depth = 0;
    while (q.i < q.end) {
      char c = p[q.i];
      if (c == '\'' || c == '"') {
        bool plain;
        if (!revision__quick_skip_string(&q, &plain)) return false;
        continue;
      }
      if (c == '#') {
        while (q.i < q.end && p[q.i] != '\n') q.i++;
        continue;
      }
      if (c == '\\' && q.i + 1 < q.end && (p[q.i + 1] == '\n' || p[q.i + 1] == '\r')) {
        revision__quick_step(&q);
        continue;
      }
      if (c == '(' || c == '[' || c == '{') depth++;
      if (c == ')' || c == ']' || c == '}') depth--;
      if (depth < 0 || (depth == 0 && c == ';')) return false;
      if (c == '\n' && depth == 0) break;
      // A string prefix glued to an identifier (rb"x") is handled as a string above only
      // at a token start; inside an identifier the quote check catches it next round.
      revision__quick_step(&q);
    }
    if (depth != 0) return false;
    if (q.i < q.end) revision__quick_step(&q);
  }
  return h->value[0] != NULL && h->value[1] != NULL;
}

/* The source range of the value of the first docstring line that starts with `key`
 * ("Revises:"): from just after the colon to the end of the line. Left zero (no range)
 * when the line is not plain text in the source (an escape or a quote on it would make
 * the source differ from the docstring's value), so a fix is only offered where the
 * replacement is exact. */
static SrcRange revision__doc_line(const PySrc *s, SrcRange doc, const char *key) {
  SrcRange none;
  memset(&none, 0, sizeof none);
  size_t klen = strlen(key);
  const char *src = s->src;
  size_t i = doc.start_byte, end = doc.end_byte;
  while (i < end) {
    size_t eol = i;
    while (eol < end && src[eol] != '\n') eol++;
    size_t a = i, b = eol;
    if (b > a && src[b - 1] == '\r') b--;
    while (a < b && (src[a] == ' ' || src[a] == '\t')) a++;
    if (b - a >= klen && memcmp(src + a, key, klen) == 0) {
      for (size_t k = a; k < b; k++)
        if (src[k] == '\\' || src[k] == '"' || src[k] == '\'') return none;
      return srcrange_from_bytes(src, s->len, a + klen, b);
    }
    i = eol + 1;
  }
  return none;
}

static void revision__apply_header(const PySrc *s, const Header *h, Revision *r, const char *path,
                                   FindingList *findings) {
  Arena *arena = s->arena;
  r->longdoc = r->message = "";
  // A bytes or f-string first statement is not a docstring for Python.
  if (h->doc && pyvalue_str(h->doc)) {
    revision__set_doc(r, arena, h->doc->text, h->doc->len);
    r->doc_range = h->doc->range;
    r->doc_revision_id_range = revision__doc_line(s, r->doc_range, "Revision ID:");
    r->doc_revises_range = revision__doc_line(s, r->doc_range, "Revises:");
  }
  if (h->value[0]) {
    PyValue *v = h->value[0];
    r->id_range = v->range;
    if (pyvalue_str(v)) {
      r->id = v->text;
    } else if (findings) {
      findings_add(findings, "revision-id", SEV_ERROR, path, v->range,
                   "`revision` must be a string literal, not `%.*s`",
                   (int)(v->range.end_byte - v->range.start_byte > 80
                             ? 80
                             : v->range.end_byte - v->range.start_byte),
                   s->src + v->range.start_byte);
    }
  } else {
    r->id = revision__legacy_id(arena, path);
    if (!r->id && findings) {
      SrcRange top = {0, 0, 1, 1, 1, 1};
      findings_add(findings, "revision-id", SEV_ERROR, path, top, REVISION_MISSING_MSG,
                   revision__basename(path));
    }
  }
  for (int w = 1; w < 4; w++) {
    PyValue *v = h->value[w];
    if (!v) continue;
    const char **ids;
    size_t n;
    SrcRange *ranges;
    bool ok = revision__ids(v, arena, &ids, &ranges, &n);
    if (!ok && findings)
      findings_add(findings, "revision-id", SEV_ERROR, path, v->range,
                   "`%s` must be None, a string literal, or a tuple or list of string literals, "
                   "not `%.*s`",
                   HEADER_NAMES[w],
                   (int)(v->range.end_byte - v->range.start_byte > 80
                             ? 80
                             : v->range.end_byte - v->range.start_byte),
                   s->src + v->range.start_byte);
    switch (w) {
      case 1: r->down = ids, r->ndown = n, r->down_ranges = ranges, r->down_range = v->range; break;
      case 2:
        r->branch_labels = ids, r->nbranch_labels = n, r->branch_labels_range = v->range;
        break;
      default:
        r->depends_on = ids, r->ndepends_on = n, r->depends_on_ranges = ranges;
        r->depends_on_range = v->range;
        break;
    }
  }
}

/* ---- ops -------------------------------------------------------------------------- */

static void revision__ops(const PySrc *s, TSNode block, const Aliases *al, Op **items, size_t *n);

/* The leftmost identifier of `a.b.c(...)` / `a[0].b()`: "a". */
static char *revision__root_name(const PySrc *s, TSNode n) {
  while (!ts_node_is_null(n)) {
    if (pysrc_is(n, "identifier")) return pysrc_text(s, n);
    if (pysrc_is(n, "call"))
      n = ts_node_child_by_field_name(n, "function", 8);
    else if (pysrc_is(n, "attribute") || pysrc_is(n, "subscript"))
      n = ts_node_named_child(n, 0);
    else
      return NULL;
  }
  return NULL;
}

static bool revision__is_bind(const Aliases *al, const char *name) {
  if (!name) return false;
  for (size_t k = 0; k < al->nbinds; k++)
    if (!strcmp(al->binds[k], name)) return true;
  return false;
}

static const PyValue *revision__first_expr(const PyValue *v) {
  if (!v || !v->dynamic) return NULL;
  if (v->kind == PV_EXPR) return v;
  for (size_t k = 0; k < v->nitems; k++) {
    const PyValue *e = revision__first_expr(v->items[k]);
    if (e) return e;
  }
  for (size_t k = 0; k < v->nargs; k++) {
    const PyValue *e = revision__first_expr(v->args[k].value);
    if (e) return e;
  }
  return v; // dynamic without an expression inside: a splat
}

/* Why an op call with these arguments cannot be read statically, or NULL. */
static const char *revision__args_reason(const PySrc *s, const PyArg *args, size_t nargs) {
  for (size_t k = 0; k < nargs; k++) {
    if (args[k].name && (!strcmp(args[k].name, "*") || !strcmp(args[k].name, "**")))
      return "*args/**kwargs argument";
    const PyValue *e = revision__first_expr(args[k].value);
    if (!e) continue;
    if (e->kind == PV_EXPR && e->text) {
      const char *t = e->text;
      while (*t && *t != '\'' && *t != '"' && strchr("rRbBuUfF", *t)) {
        if (*t == 'f' || *t == 'F') return "f-string";
        t++;
      }
      return arena_printf(s->arena, "computed argument `%.60s`", e->text);
    }
    return "computed argument";
  }
  return NULL;
}

/* `recv.method(...)` where recv is an op alias: fills name/receiver/args. */
static bool revision__op_call(const PySrc *s, TSNode call, const Aliases *al, Op *op) {
  if (!pysrc_is(call, "call")) return false;
  TSNode fn = ts_node_child_by_field_name(call, "function", 8);
  if (ts_node_is_null(fn) || !pysrc_is(fn, "attribute")) return false;
  TSNode obj = ts_node_child_by_field_name(fn, "object", 6);
  TSNode attr = ts_node_child_by_field_name(fn, "attribute", 9);
  if (ts_node_is_null(obj) || ts_node_is_null(attr)) return false;
  char *recv = pyvalue_dotted_name(s, obj);
  if (!revision__alias_has(al, recv)) return false;
  PyValue *v = pyvalue_read(s, call);
  if (v->kind != PV_CALL) return false;
  op->name = pysrc_text(s, attr);
  op->receiver = recv;
  op->args = v->args;
  op->nargs = v->nargs;
  const char *why = revision__args_reason(s, v->args, v->nargs);
  if (why) {
    op->dynamic = true;
    op->dynamic_reason = why;
  }
  return true;
}

/* `op.get_context().autocommit_block()` */
static bool revision__is_autocommit(const PySrc *s, TSNode call, const Aliases *al, char **recv) {
  if (!pysrc_is(call, "call")) return false;
  TSNode fn = ts_node_child_by_field_name(call, "function", 8);
  if (ts_node_is_null(fn) || !pysrc_is(fn, "attribute")) return false;
  TSNode attr = ts_node_child_by_field_name(fn, "attribute", 9);
  TSNode inner = ts_node_child_by_field_name(fn, "object", 6);
  if (ts_node_is_null(attr) || ts_node_is_null(inner) || !pysrc_is(inner, "call")) return false;
  if (strcmp(pysrc_text(s, attr), "autocommit_block") != 0) return false;
  TSNode ifn = ts_node_child_by_field_name(inner, "function", 8);
  if (ts_node_is_null(ifn) || !pysrc_is(ifn, "attribute")) return false;
  TSNode iobj = ts_node_child_by_field_name(ifn, "object", 6);
  TSNode iattr = ts_node_child_by_field_name(ifn, "attribute", 9);
  if (ts_node_is_null(iobj) || ts_node_is_null(iattr)) return false;
  if (strcmp(pysrc_text(s, iattr), "get_context") != 0) return false;
  *recv = pyvalue_dotted_name(s, iobj);
  return revision__alias_has(al, *recv);
}

static bool revision__body_dynamic(const Op *items, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (items[k].dynamic) return true;
  return false;
}

/* `with op.batch_alter_table(...) as b:` / `with op.get_context().autocommit_block():` */
static bool revision__with_op(const PySrc *s, TSNode stmt, const Aliases *al, Op *op) {
  TSNode clause = ts_node_named_child(stmt, 0);
  TSNode body = ts_node_child_by_field_name(stmt, "body", 4);
  if (ts_node_is_null(clause) || ts_node_is_null(body) || !pysrc_is(clause, "with_clause"))
    return false;
  size_t ni;
  TSNode *items = pysrc_children(s, clause, &ni);
  if (ni != 1 || !pysrc_is(items[0], "with_item")) return false;
  TSNode value = ts_node_child_by_field_name(items[0], "value", 5);
  if (ts_node_is_null(value)) return false;
  const char *target = NULL;
  if (pysrc_is(value, "as_pattern")) {
    TSNode alias = ts_node_child_by_field_name(value, "alias", 5);
    if (!ts_node_is_null(alias)) {
      TSNode id = ts_node_named_child(alias, 0);
      if (!ts_node_is_null(id) && pysrc_is(id, "identifier")) target = pysrc_text(s, id);
    }
    value = ts_node_named_child(value, 0);
    if (ts_node_is_null(value) || !target) return false;
  }
  char *recv = NULL;
  Aliases inner = *al;
  if (++inner.depth > REV_MAX_WITH_DEPTH) return false;
  if (revision__is_autocommit(s, value, al, &recv)) {
    op->name = "autocommit_block";
    op->receiver = recv;
    if (target) revision__alias_add(&inner, target);
  } else if (revision__op_call(s, value, al, op) && !strcmp(op->name, "batch_alter_table")) {
    if (target) revision__alias_add(&inner, target);
  } else {
    return false;
  }
  revision__ops(s, body, &inner, &op->body, &op->nbody);
  if (!op->dynamic && revision__body_dynamic(op->body, op->nbody)) {
    op->dynamic = true;
    op->dynamic_reason = arena_printf(s->arena, "dynamic code inside %s", op->name);
  }
  return true;
}

static const char *revision__stmt_reason(TSNode stmt) {
  static const struct {
    const char *type, *reason;
  } REASONS[] = {
      {"for_statement", "for loop"},
      {"while_statement", "while loop"},
      {"if_statement", "if statement"},
      {"try_statement", "try statement"},
      {"with_statement", "with statement"},
      {"match_statement", "match statement"},
      {"function_definition", "nested function"},
      {"decorated_definition", "nested function"},
      {"class_definition", "class definition"},
      {"return_statement", "return statement"},
      {"import_statement", "import statement"},
      {"import_from_statement", "import statement"},
      {"raise_statement", "raise statement"},
      {"assert_statement", "assert statement"},
      {"delete_statement", "del statement"},
      {"global_statement", "global statement"},
      {"nonlocal_statement", "nonlocal statement"},
      {"ERROR", "syntax error"},
  };
  const char *t = ts_node_type(stmt);
  for (size_t k = 0; k < sizeof REASONS / sizeof REASONS[0]; k++)
    if (!strcmp(t, REASONS[k].type)) return REASONS[k].reason;
  return NULL;
}

/* One statement of a function body. Returns false for statements that do nothing. */
static bool revision__stmt(const PySrc *s, TSNode stmt, Aliases *al, Op *op) {
  memset(op, 0, sizeof *op);
  op->range = pysrc_range(s, stmt);
  op->source = pysrc_text(s, stmt);
  if (pysrc_is(stmt, "pass_statement")) return false;
  const char *reason = NULL;
  if (pysrc_is(stmt, "expression_statement")) {
    size_t ne;
    TSNode *e = pysrc_children(s, stmt, &ne);
    char *str;
    size_t slen;
    bool bytes;
    if (ne == 1 && pyvalue_eval_string(s, e[0], &str, &slen, &bytes))
      return false; // a docstring or a bare string: no effect (an f-string may have some)
    if (ne == 1 && pysrc_is(e[0], "ellipsis")) return false;
    if (ne == 1 && pysrc_is(e[0], "call")) {
      if (revision__op_call(s, e[0], al, op)) {
        if (!strcmp(op->name, "get_bind") || !strcmp(op->name, "get_context")) {
          op->dynamic = true;
          op->dynamic_reason = "get_bind() code";
        }
        return true;
      }
      reason =
          revision__is_bind(al, revision__root_name(s, e[0])) ? "get_bind() code" : "helper call";
    } else if (ne == 1 &&
               (pysrc_is(e[0], "assignment") || pysrc_is(e[0], "augmented_assignment"))) {
      reason = "assignment";
      // `conn = op.get_bind()`: later `conn.execute(...)` is get_bind() code too.
      TSNode left = ts_node_child_by_field_name(e[0], "left", 4);
      if (!ts_node_is_null(left) && pysrc_is(left, "identifier") &&
          (strstr(op->source, "get_bind(") || strstr(op->source, "get_context(")) &&
          al->nbinds < REV_MAX_ALIASES)
        al->binds[al->nbinds++] = pysrc_text(s, left);
    } else {
      reason = "expression";
    }
  } else if (pysrc_is(stmt, "with_statement") && revision__with_op(s, stmt, al, op)) {
    return true;
  } else {
    memset(op, 0, sizeof *op);
    op->range = pysrc_range(s, stmt);
    op->source = pysrc_text(s, stmt);
    reason = revision__stmt_reason(stmt);
    if (!reason) reason = arena_printf(s->arena, "statement (%s)", ts_node_type(stmt));
  }
  // A with-statement that was not ours may have half-filled op: start clean.
  op->name = NULL;
  op->receiver = NULL;
  op->args = NULL;
  op->nargs = 0;
  op->body = NULL;
  op->nbody = 0;
  op->dynamic = true;
  op->dynamic_reason = strstr(op->source, "get_bind(") ? "get_bind() code" : reason;
  if (!strcmp(reason, "get_bind() code")) op->dynamic_reason = reason;
  return true;
}

static void revision__ops(const PySrc *s, TSNode block, const Aliases *al, Op **items, size_t *n) {
  size_t nc;
  TSNode *kids = pysrc_children(s, block, &nc);
  Op *ops = ARENA_ARRAY(s->arena, Op, nc + 1);
  Aliases scope = *al; // assignments in this block are visible to the rest of it
  size_t k = 0;
  for (size_t j = 0; j < nc; j++)
    if (revision__stmt(s, kids[j], &scope, &ops[k])) k++;
  *items = ops;
  *n = k;
}

static bool revision__ops_static(const Op *items, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (items[k].dynamic || !revision__ops_static(items[k].body, items[k].nbody)) return false;
  return true;
}

/* Op aliases from module-level imports: `from alembic import op [as x]`, `import alembic.op [as
 * x]`. */
static void revision__imports(const PySrc *s, TSNode root, Aliases *al) {
  size_t nc;
  bool found = false;
  TSNode *kids = pysrc_children(s, root, &nc);
  for (size_t k = 0; k < nc; k++) {
    TSNode st = kids[k];
    bool from = pysrc_is(st, "import_from_statement");
    if (!from && !pysrc_is(st, "import_statement")) continue;
    if (from) {
      TSNode mod = ts_node_child_by_field_name(st, "module_name", 11);
      if (ts_node_is_null(mod) || strcmp(pysrc_text(s, mod), "alembic") != 0) continue;
    }
    size_t nn;
    TSNode *names = pysrc_children(s, st, &nn);
    for (size_t j = 0; j < nn; j++) {
      TSNode nm = names[j];
      if (from && j == 0) continue; // the module name itself
      const char *name, *alias;
      if (pysrc_is(nm, "aliased_import")) {
        TSNode a = ts_node_child_by_field_name(nm, "alias", 5);
        TSNode b = ts_node_child_by_field_name(nm, "name", 4);
        if (ts_node_is_null(a) || ts_node_is_null(b)) continue;
        name = pysrc_text(s, b);
        alias = pysrc_text(s, a);
      } else if (pysrc_is(nm, "dotted_name")) {
        name = alias = pysrc_text(s, nm);
      } else {
        continue;
      }
      if (from ? !strcmp(name, "op") : !strcmp(name, "alembic.op")) {
        revision__alias_add(al, alias);
        found = true;
      } else if (!from && !strcmp(name, "alembic") && !strcmp(alias, "alembic")) {
        revision__alias_add(al, "alembic.op");
        found = true;
      }
    }
  }
  if (!found) revision__alias_add(al, "op"); // a fragment or an unusual layout: assume `op`
}

/* Parameters that receive op: named `op`, or annotated as Operations. */
static void revision__params(const PySrc *s, TSNode params, Aliases *al) {
  size_t np;
  TSNode *ps = pysrc_children(s, params, &np);
  for (size_t k = 0; k < np; k++) {
    TSNode p = ps[k], name = p, type = {{0}, NULL, NULL};
    if (pysrc_is(p, "typed_parameter")) {
      name = ts_node_named_child(p, 0);
      type = ts_node_child_by_field_name(p, "type", 4);
    } else if (pysrc_is(p, "default_parameter") || pysrc_is(p, "typed_default_parameter")) {
      name = ts_node_child_by_field_name(p, "name", 4);
      type = ts_node_child_by_field_name(p, "type", 4);
    }
    if (ts_node_is_null(name) || !pysrc_is(name, "identifier")) continue;
    char *n = pysrc_text(s, name);
    bool is_op = !strcmp(n, "op");
    if (!ts_node_is_null(type)) {
      char *t = pysrc_text(s, type);
      size_t tl = strlen(t);
      if (tl >= 10 && !strcmp(t + tl - 10, "Operations")) is_op = true;
    }
    if (is_op) revision__alias_add(al, n);
  }
}

static void revision__function(const PySrc *s, TSNode fn, const Aliases *module, OpList *out) {
  memset(out, 0, sizeof *out);
  out->present = true;
  // The `def name(...) -> T:` header: from `def` to the colon before the body.
  TSNode body = ts_node_child_by_field_name(fn, "body", 4);
  uint32_t count = ts_node_child_count(fn);
  TSNode colon = fn;
  for (uint32_t k = 0; k < count; k++) {
    TSNode c = ts_node_child(fn, k);
    if (!ts_node_is_named(c) && pysrc_is(c, ":")) colon = c;
  }
  SrcRange a = pysrc_range(s, fn), b = pysrc_range(s, colon);
  out->def_range = a;
  out->def_range.end_byte = b.end_byte;
  out->def_range.end_line = b.end_line;
  out->def_range.end_col = b.end_col;
  Aliases al = *module;
  TSNode params = ts_node_child_by_field_name(fn, "parameters", 10);
  if (!ts_node_is_null(params)) revision__params(s, params, &al);
  if (!ts_node_is_null(body)) revision__ops(s, body, &al, &out->items, &out->len);
  out->is_static = revision__ops_static(out->items, out->len);
}

static void revision__functions(const PySrc *s, TSNode root, Revision *r) {
  Aliases al;
  memset(&al, 0, sizeof al);
  revision__imports(s, root, &al);
  r->upgrade.is_static = r->downgrade.is_static = true;
  size_t nc;
  TSNode *kids = pysrc_children(s, root, &nc);
  for (size_t k = 0; k < nc; k++) {
    TSNode fn = kids[k];
    if (pysrc_is(fn, "decorated_definition"))
      fn = ts_node_child_by_field_name(fn, "definition", 10);
    if (ts_node_is_null(fn) || !pysrc_is(fn, "function_definition")) continue;
    TSNode name = ts_node_child_by_field_name(fn, "name", 4);
    if (ts_node_is_null(name)) continue;
    char *n = pysrc_text(s, name);
    if (!strcmp(n, "upgrade"))
      revision__function(s, fn, &al, &r->upgrade);
    else if (!strcmp(n, "downgrade"))
      revision__function(s, fn, &al, &r->downgrade);
  }
}

/* ---- parse ------------------------------------------------------------------------ */

/* libtree-sitter 0.20.7 frees twice when its error recovery meets a parse stack deeper
 * than 65,535 entries (any right-nested construct: "(((", "- - -", "not not", "a if b else
 * a if ..."). The stack holds at most the tokens of the current logical line plus a few
 * entries per enclosing block, so a file whose logical lines all have fewer tokens than
 * this is safe. (CPython refuses far shallower nesting: 200 brackets, 100 indent levels.) */
static const size_t REV_MAX_LINE_TOKENS = 30000;

/* The token count of the longest logical line in [start, end), by a plain lexer. */
static size_t revision__max_line_tokens(const PySrc *s, size_t start, size_t end) {
  Quick q = {s, start, end, 0, 0};
  const char *p = s->src;
  size_t best = 0, cur = 0;
  long depth = 0;
  while (q.i < q.end) {
    char c = p[q.i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
      q.i++;
    } else if (c == '#') {
      while (q.i < q.end && p[q.i] != '\n') q.i++;
    } else if (c == '\\' && q.i + 1 < q.end && (p[q.i + 1] == '\n' || p[q.i + 1] == '\r')) {
      q.i += 2;  // a continuation: the logical line goes on
      if (q.i < q.end && p[q.i - 1] == '\r' && p[q.i] == '\n') q.i++;
    } else if (c == '\n') {
      q.i++;
      if (depth <= 0) {
        if (cur > best) best = cur;
        cur = 0;
      }
    } else if (revision__quick_at_string(&q)) {
      size_t at = q.i;
      bool plain;
      if (!revision__quick_skip_string(&q, &plain)) q.i = at + 1;
      cur++;
    } else if (revision__quick_ident_char((unsigned char)c)) {
      while (q.i < q.end && revision__quick_ident_char((unsigned char)p[q.i])) q.i++;
      cur++;
    } else {
      if (c == '(' || c == '[' || c == '{') depth++;
      if (c == ')' || c == ']' || c == '}') depth--;
      q.i++;
      cur++;
    }
  }
  return cur > best ? cur : best;
}

/* Parses src[0, upto) or returns NULL when that is not safe for the runtime (see above). */
static TSTree *revision__ts_parse(RevParser *p, const PySrc *s, size_t upto, const TSTree *old) {
  if (upto > REV_MAX_LINE_TOKENS &&
      revision__max_line_tokens(s, s->bom ? 3 : 0, upto) >= REV_MAX_LINE_TOKENS)
    return NULL;
  // Exclude the BOM with an included range so byte offsets stay file offsets.
  TSRange whole = {{0, s->bom ? 3 : 0}, {UINT32_MAX, UINT32_MAX}, s->bom ? 3 : 0, UINT32_MAX};
  ts_parser_set_included_ranges(p->ts, &whole, 1);
  return ts_parser_parse_string(p->ts, old, s->src, (uint32_t)upto);
}

/* Python's own bracket diagnostics ("'(' was never closed", "unmatched ')'"): tree-sitter's
 * error recovery often starts its ERROR node at the statement, far from the culprit. */
static bool revision__bracket_error(const PySrc *s, size_t start, const char *path,
                                    FindingList *findings) {
  Quick q = {s, start, s->len, 0, 0};
  QPos stack[200];
  char open[200];
  size_t depth = 0;
  const char *p = s->src;
  while (q.i < q.end) {
    char c = p[q.i];
    if (c == '#') {
      while (q.i < q.end && p[q.i] != '\n') q.i++;
      continue;
    }
    if (c == '\'' || c == '"') {
      bool plain;
      QPos at = revision__quick_pos(&q);
      if (!revision__quick_skip_string(&q, &plain)) {
        q.i = at.byte, q.row = at.row, q.line_start = at.line_start;
        revision__quick_step(&q); // leave unterminated strings to tree-sitter
      }
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      if (depth == sizeof open) {  // CPython's tokenizer limit (MAXLEVEL) is the same
        QPos at = revision__quick_pos(&q);
        revision__quick_step(&q);
        findings_add(findings, "syntax-error", SEV_ERROR, path,
                     revision__quick_range(&q, at, revision__quick_pos(&q)),
                     "too many nested parentheses");
        return true;
      }
      open[depth] = c;
      stack[depth++] = revision__quick_pos(&q);
    } else if (c == ')' || c == ']' || c == '}') {
      QPos at = revision__quick_pos(&q);
      revision__quick_step(&q);
      SrcRange r = revision__quick_range(&q, at, revision__quick_pos(&q));
      char want = depth ? (open[depth - 1] == '(' ? ')' : open[depth - 1] == '[' ? ']' : '}') : 0;
      if (!depth) {
        findings_add(findings, "syntax-error", SEV_ERROR, path, r, "unmatched '%c'", c);
        return true;
      }
      if (c != want) {
        findings_add(findings, "syntax-error", SEV_ERROR, path, r,
                     "closing parenthesis '%c' does not match opening parenthesis '%c'", c,
                     open[depth - 1]);
        return true;
      }
      depth--;
      continue;
    }
    revision__quick_step(&q);
  }
  if (!depth) return false;
  QPos at = stack[depth - 1];
  Quick one = q;
  one.i = at.byte, one.row = at.row, one.line_start = at.line_start;
  revision__quick_step(&one);
  findings_add(findings, "syntax-error", SEV_ERROR, path,
               revision__quick_range(&q, at, revision__quick_pos(&one)), "'%c' was never closed",
               open[depth - 1]);
  return true;
}

static void revision__syntax_finding(const PySrc *s, TSNode root, const char *path,
                                     FindingList *findings) {
  TSNode e = revision__first_error(root);
  if (ts_node_is_null(e) || !findings) return;
  if (revision__bracket_error(s, s->bom ? 3 : 0, path, findings)) return;
  SrcRange r = pysrc_range(s, e);
  if (ts_node_is_missing(e)) {
    findings_add(findings, "syntax-error", SEV_ERROR, path, r, "invalid syntax: missing '%s'",
                 ts_node_type(e));
    return;
  }
  // Name the first offending token, the way Python's "invalid syntax" points at it.
  TSNode tok = e;
  while (ts_node_child_count(tok) > 0) tok = ts_node_child(tok, 0);
  char *text = pysrc_text(s, tok);
  char *nl = strpbrk(text, "\r\n");
  if (nl) *nl = '\0';
  if (*text)
    findings_add(findings, "syntax-error", SEV_ERROR, path, r, "invalid syntax near '%.40s'", text);
  else
    findings_add(findings, "syntax-error", SEV_ERROR, path, r, "invalid syntax");
}

/* A file tree-sitter must not see: identity from the plain scanner if it can, and each
 * function as one dynamic statement, so nothing runs natively that was not read. */
static void revision__too_complex(const PySrc *s, Revision *r, size_t start, size_t cut,
                                  FindingList *findings) {
  SrcRange top = {0, 0, 1, 1, 1, 1};
  if (findings)
    findings_add(findings, "syntax-error", SEV_ERROR, r->path, top,
                 "a logical line of this file has more than %zu tokens; it is too deeply "
                 "nested or too long to parse",
                 REV_MAX_LINE_TOKENS);
  // Whatever the scanner read before it gave up is kept: it fills `h` as it goes.
  Header h;
  (void)revision__quick_header(s, start, cut, &h);
  revision__apply_header(s, &h, r, r->path, findings);
  r->syntax_ok = false;
  if (r->mode != REV_PARSE_FULL) return;
  OpList *lists[2] = {&r->upgrade, &r->downgrade};
  for (int k = 0; k < 2; k++) {
    Op *op = ARENA_NEW(s->arena, Op);
    op->dynamic = true;
    op->dynamic_reason = "file too complex to read statically";
    op->source = "";
    op->range = top;
    lists[k]->items = op;
    lists[k]->len = 1;
    lists[k]->present = true;
    lists[k]->is_static = false;
  }
}

/* revision_upgrade_digest's walk: the statements in order, their bodies after them. */
static void revision__digest_ops(Digest *d, const Op *ops, size_t n, bool top) {
  digest_u64(d, n);
  for (size_t k = 0; k < n; k++) {
    const Op *op = &ops[k];
    // The next statement's text is elsewhere in the arena: ask for it while this one is
    // read.
    if (top && k + 1 < n) __builtin_prefetch(ops[k + 1].source);
    // A with-block's source holds its body's: read it once, at the top. The rest is what
    // the parser made of that text in the file's context (whether the call is an op at all
    // depends on the file's imports), one word per op; the arguments and the method name
    // are read from the text alone, and a fold reads neither reasons nor ranges.
    if (top) digest_str(d, op->source);
    digest_u64(d, (uint64_t)op->dynamic << 63 | (uint64_t)(op->name != NULL) << 62 |
                      (uint64_t)(op->receiver != NULL) << 61 |
                      (uint64_t)(op->nbody & 0xFFFFFFF) << 32 | (op->nargs & 0xFFFFFFFF));
    revision__digest_ops(d, op->body, op->nbody, false);
  }
}

static void revision__upgrade_digest(const Revision *r, uint64_t out[2]) {
  Digest d;
  digest_init(&d);
  revision__digest_ops(&d, r->upgrade.items, r->upgrade.len, true);
  digest_final(&d, out);
  if (!out[0] && !out[1]) out[0] = 1; // {0, 0} means "not computed"
}

void revision_upgrade_digest(const Revision *r, uint64_t out[2]) {
  if (r->upgrade_digest[0] || r->upgrade_digest[1]) {
    out[0] = r->upgrade_digest[0];
    out[1] = r->upgrade_digest[1];
    return;
  }
  revision__upgrade_digest(r, out);
}

/* revision_parse, and revision_parse_incremental when `keep` is not NULL: then *keep is
 * the edited old tree (or NULL; taken over and deleted) and receives the new tree (or
 * NULL) for the caller. */
static Revision *revision__parse(RevParser *p, Arena *arena, const char *path, const char *src,
                                 size_t len, RevParseMode mode, TSTree **keep,
                                 FindingList *findings) {
  assert(p && arena && (src || len == 0));
  if (!src) src = "";
  if (len > UINT32_MAX) len = UINT32_MAX; // tree-sitter offsets are 32-bit
  Revision *r = ARENA_NEW(arena, Revision);
  r->path = path ? arena_strdup(arena, path) : NULL;
  r->mode = mode;
  r->longdoc = r->message = "";
  r->upgrade.is_static = r->downgrade.is_static = true;
  PySrc s = {src, len, arena, len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3)};
  Header h;
  TSTree *tree = NULL;
  size_t start = s.bom ? 3 : 0, cut = revision__header_end(src, len, start);
  TSTree *old = keep ? *keep : NULL;
  if (keep) *keep = NULL;
  if (mode == REV_PARSE_HEADER && !keep) {
    if (revision__quick_header(&s, start, cut, &h)) {
      // Only the header was read, and it read cleanly.
      r->syntax_ok = true;
      revision__apply_header(&s, &h, r, r->path, findings);
      return r;
    }
    if (cut < len && (tree = revision__ts_parse(p, &s, cut, NULL)) != NULL) {
      TSNode root = ts_tree_root_node(tree);
      revision__scan_header(p, &s, root, &h);
      if (ts_node_has_error(root) || !h.value[0] || !h.value[1]) {
        ts_tree_delete(tree);
        tree = NULL;
      }
    }
  }
  if (!tree) {
    tree = revision__ts_parse(p, &s, len, old);
    if (old) ts_tree_delete(old);
    if (!tree) {
      revision__too_complex(&s, r, start, cut, findings);
      return r;
    }
    revision__scan_header(p, &s, ts_tree_root_node(tree), &h);
  }
  TSNode root = ts_tree_root_node(tree);
  r->syntax_ok = !ts_node_has_error(root);
  revision__syntax_finding(&s, root, r->path, findings);
  revision__apply_header(&s, &h, r, r->path, findings);
  if (mode == REV_PARSE_FULL) {
    revision__functions(&s, root, r);
    revision__upgrade_digest(r, r->upgrade_digest);
  }
  if (keep)
    *keep = tree;
  else
    ts_tree_delete(tree);
  return r;
}

TSTree *revparser_parse_source(RevParser *p, const PySrc *s, const char *path,
                               FindingList *findings) {
  assert(p && s && (s->src || s->len == 0));
  TSTree *tree = revision__ts_parse(p, s, s->len > UINT32_MAX ? UINT32_MAX : s->len, NULL);
  if (tree) revision__syntax_finding(s, ts_tree_root_node(tree), path, findings);
  return tree;
}

Revision *revision_parse(RevParser *p, Arena *arena, const char *path, const char *src, size_t len,
                         RevParseMode mode, FindingList *findings) {
  return revision__parse(p, arena, path, src, len, mode, NULL, findings);
}

Revision *revision_parse_incremental(RevParser *p, Arena *arena, const char *path, const char *src,
                                     size_t len, RevParseMode mode, TSTree **tree,
                                     FindingList *findings) {
  assert(tree);
  return revision__parse(p, arena, path, src, len, mode, tree, findings);
}
