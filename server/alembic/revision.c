/* revision.c - one Alembic revision file read with tree-sitter: identity, docstring, ops.
 *
 * No tree-sitter query is used here, on purpose: the identity lives in the module's
 * top-level statements (a flat list of ~10 root children) and the ops in the top-level
 * statements of two function bodies. Visiting those children directly is simpler and
 * faster than a query, which would match nested assignments too, then need depth
 * filtering and hand-checked predicates (libtree-sitter 0.20 does not evaluate them). */
#include "server/alembic/revision.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "server/alembic/pyvalue.h"
#include "server/base/mem.h"

const TSLanguage *tree_sitter_python(void);

// Alembic's own wording for a script without `revision` (alembic/script/base.py).
static const char REVISION_MISSING_MSG[] =
    "Could not determine revision id from filename %s. Be sure the 'revision' variable is "
    "declared inside the script (please see 'Upgrading from Alembic 0.1 to 0.2' in the "
    "documentation).";

enum { REV_MAX_ALIASES = 16 };

struct RevParser {
  TSParser *ts;
};

RevParser *revparser_new(void) {
  RevParser *p = xcalloc(1, sizeof *p);
  p->ts = ts_parser_new();
  if (!ts_parser_set_language(p->ts, tree_sitter_python())) {
    // The grammar is built with the runtime's ABI range in mind; a mismatch is a build bug.
    ts_parser_delete(p->ts);
    free(p);
    return NULL;
  }
  return p;
}

void revparser_delete(RevParser *p) {
  if (!p) return;
  ts_parser_delete(p->ts);
  free(p);
}

/* The names `op` is known by in one scope: "op", "alembic_op", "alembic.op", "batch_op". */
typedef struct Aliases {
  const char *names[REV_MAX_ALIASES];
  size_t n;
  const char *binds[REV_MAX_ALIASES]; /* locals assigned from op.get_bind() and friends */
  size_t nbinds;
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

static TSNode revision__first_error(TSNode n) {
  TSNode none = {{0}, NULL, NULL};
  if (!ts_node_has_error(n)) return none;
  if (ts_node_is_missing(n) || pysrc_is(n, "ERROR")) return n;
  uint32_t count = ts_node_child_count(n);
  for (uint32_t k = 0; k < count; k++) {
    TSNode c = ts_node_child(n, k);
    if (ts_node_is_missing(c) || pysrc_is(c, "ERROR")) return c;
    if (ts_node_has_error(c)) return revision__first_error(c);
  }
  return n;
}

static bool revision__is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= 0x1c && c <= 0x1f);
}

/* Alembic: longdoc = module.__doc__.strip(); doc = re.split("\n\n", longdoc)[0]. */
static void revision__set_doc(Revision *r, Arena *arena, const char *doc, size_t len) {
  size_t a = 0, b = len;
  while (a < b && revision__is_ws(doc[a])) a++;
  while (b > a && revision__is_ws(doc[b - 1])) b--;
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
  TSNode assign[4]; /* the last value node assigned to each of the four names */
  bool has[4];
  TSNode doc;
  bool has_doc;
} Header;

static const char *const HEADER_NAMES[4] = {"revision", "down_revision", "branch_labels",
                                            "depends_on"};

/* Collects the module's docstring and the last assignment to each identity name. */
static void revision__scan_header(const PySrc *s, TSNode root, Header *h) {
  memset(h, 0, sizeof *h);
  size_t nc;
  TSNode *kids = pysrc_children(s, root, &nc);
  for (size_t k = 0; k < nc; k++) {
    if (!pysrc_is(kids[k], "expression_statement")) continue;
    TSNode e = ts_node_named_child(kids[k], 0);
    if (ts_node_is_null(e)) continue;
    if (k == 0 && (pysrc_is(e, "string") || pysrc_is(e, "concatenated_string")) &&
        ts_node_named_child_count(kids[k]) == 1) {
      h->doc = e;
      h->has_doc = true;
      continue;
    }
    // `a = b = "x"` nests assignments in `right`: each target gets the final value.
    TSNode value = e;
    while (pysrc_is(value, "assignment")) {
      TSNode next = ts_node_child_by_field_name(value, "right", 5);
      if (ts_node_is_null(next)) break;
      value = next;
    }
    for (TSNode a = e; pysrc_is(a, "assignment"); a = ts_node_child_by_field_name(a, "right", 5)) {
      TSNode left = ts_node_child_by_field_name(a, "left", 4);
      TSNode right = ts_node_child_by_field_name(a, "right", 5);
      if (ts_node_is_null(left) || ts_node_is_null(right) || !pysrc_is(left, "identifier")) continue;
      uint32_t lb = ts_node_start_byte(left), le = ts_node_end_byte(left);
      for (int w = 0; w < 4; w++) {
        if (strlen(HEADER_NAMES[w]) == le - lb && !memcmp(s->src + lb, HEADER_NAMES[w], le - lb)) {
          h->assign[w] = value;
          h->has[w] = true;
        }
      }
    }
  }
}

static void revision__apply_header(const PySrc *s, const Header *h, Revision *r, const char *path,
                                   FindingList *findings) {
  Arena *arena = s->arena;
  r->longdoc = r->message = "";
  if (h->has_doc) {
    char *doc;
    size_t dlen;
    bool bytes;
    // A bytes or f-string first statement is not a docstring for Python.
    if (pyvalue_eval_string(s, h->doc, &doc, &dlen, &bytes) && !bytes) {
      revision__set_doc(r, arena, doc, dlen);
      r->doc_range = pysrc_range(s, h->doc);
    }
  }
  if (h->has[0]) {
    PyValue *v = pyvalue_read(s, h->assign[0]);
    r->id_range = v->range;
    if (pyvalue_str(v)) {
      r->id = v->text;
    } else if (findings) {
      findings_add(findings, "revision-id", SEV_ERROR, path, v->range,
                   "`revision` must be a string literal, not `%.80s`", pysrc_text(s, h->assign[0]));
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
    if (!h->has[w]) continue;
    PyValue *v = pyvalue_read(s, h->assign[w]);
    const char **ids;
    size_t n;
    SrcRange *ranges;
    bool ok = revision__ids(v, arena, &ids, &ranges, &n);
    if (!ok && findings)
      findings_add(findings, "revision-id", SEV_ERROR, path, v->range,
                   "`%s` must be None, a string literal, or a tuple or list of string literals, "
                   "not `%.80s`", HEADER_NAMES[w], pysrc_text(s, h->assign[w]));
    switch (w) {
    case 1:
      r->down = ids, r->ndown = n, r->down_ranges = ranges, r->down_range = v->range;
      break;
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
    if (pysrc_is(n, "call")) n = ts_node_child_by_field_name(n, "function", 8);
    else if (pysrc_is(n, "attribute") || pysrc_is(n, "subscript")) n = ts_node_named_child(n, 0);
    else return NULL;
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
  return v;  // dynamic without an expression inside: a splat
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
  static const struct { const char *type, *reason; } REASONS[] = {
      {"for_statement", "for loop"},           {"while_statement", "while loop"},
      {"if_statement", "if statement"},         {"try_statement", "try statement"},
      {"with_statement", "with statement"},     {"match_statement", "match statement"},
      {"function_definition", "nested function"}, {"decorated_definition", "nested function"},
      {"class_definition", "class definition"}, {"return_statement", "return statement"},
      {"import_statement", "import statement"}, {"import_from_statement", "import statement"},
      {"raise_statement", "raise statement"},   {"assert_statement", "assert statement"},
      {"delete_statement", "del statement"},    {"global_statement", "global statement"},
      {"nonlocal_statement", "nonlocal statement"}, {"ERROR", "syntax error"},
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
      return false;  // a docstring or a bare string: no effect (an f-string may have some)
    if (ne == 1 && pysrc_is(e[0], "ellipsis")) return false;
    if (ne == 1 && pysrc_is(e[0], "call")) {
      if (revision__op_call(s, e[0], al, op)) {
        if (!strcmp(op->name, "get_bind") || !strcmp(op->name, "get_context")) {
          op->dynamic = true;
          op->dynamic_reason = "get_bind() code";
        }
        return true;
      }
      reason = revision__is_bind(al, revision__root_name(s, e[0])) ? "get_bind() code" : "helper call";
    } else if (ne == 1 && (pysrc_is(e[0], "assignment") || pysrc_is(e[0], "augmented_assignment"))) {
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
  Aliases scope = *al;  // assignments in this block are visible to the rest of it
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

/* Op aliases from module-level imports: `from alembic import op [as x]`, `import alembic.op [as x]`. */
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
      if (from && j == 0) continue;  // the module name itself
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
  if (!found) revision__alias_add(al, "op");  // a fragment or an unusual layout: assume `op`
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
    if (pysrc_is(fn, "decorated_definition")) fn = ts_node_child_by_field_name(fn, "definition", 10);
    if (ts_node_is_null(fn) || !pysrc_is(fn, "function_definition")) continue;
    TSNode name = ts_node_child_by_field_name(fn, "name", 4);
    if (ts_node_is_null(name)) continue;
    char *n = pysrc_text(s, name);
    if (!strcmp(n, "upgrade")) revision__function(s, fn, &al, &r->upgrade);
    else if (!strcmp(n, "downgrade")) revision__function(s, fn, &al, &r->downgrade);
  }
}

/* ---- parse ------------------------------------------------------------------------ */

static TSTree *revision__ts_parse(RevParser *p, const PySrc *s, size_t upto) {
  // Exclude the BOM with an included range so byte offsets stay file offsets.
  TSRange whole = {{0, s->bom ? 3 : 0}, {UINT32_MAX, UINT32_MAX}, s->bom ? 3 : 0, UINT32_MAX};
  ts_parser_set_included_ranges(p->ts, &whole, 1);
  return ts_parser_parse_string(p->ts, NULL, s->src, (uint32_t)upto);
}

static void revision__syntax_finding(const PySrc *s, TSNode root, const char *path,
                                     FindingList *findings) {
  TSNode e = revision__first_error(root);
  if (ts_node_is_null(e) || !findings) return;
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

Revision *revision_parse(RevParser *p, Arena *arena, const char *path, const char *src,
                         size_t len, RevParseMode mode, FindingList *findings) {
  assert(p && arena && (src || len == 0));
  if (!src) src = "";
  if (len > UINT32_MAX) len = UINT32_MAX;  // tree-sitter offsets are 32-bit
  Revision *r = ARENA_NEW(arena, Revision);
  r->path = path ? arena_strdup(arena, path) : NULL;
  r->mode = mode;
  r->longdoc = r->message = "";
  r->upgrade.is_static = r->downgrade.is_static = true;
  PySrc s = {src, len, arena, len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3)};
  Header h;
  TSTree *tree = NULL;
  if (mode == REV_PARSE_HEADER) {
    size_t cut = revision__header_end(src, len, s.bom ? 3 : 0);
    if (cut < len) {
      tree = revision__ts_parse(p, &s, cut);
      TSNode root = ts_tree_root_node(tree);
      revision__scan_header(&s, root, &h);
      if (ts_node_has_error(root) || !h.has[0] || !h.has[1]) {
        ts_tree_delete(tree);
        tree = NULL;
      }
    }
  }
  if (!tree) {
    tree = revision__ts_parse(p, &s, len);
    revision__scan_header(&s, ts_tree_root_node(tree), &h);
  }
  TSNode root = ts_tree_root_node(tree);
  r->syntax_ok = !ts_node_has_error(root);
  revision__syntax_finding(&s, root, r->path, findings);
  revision__apply_header(&s, &h, r, r->path, findings);
  if (mode == REV_PARSE_FULL) revision__functions(&s, root, r);
  ts_tree_delete(tree);
  return r;
}
