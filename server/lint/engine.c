/* engine.c - runs the registry's rules over revisions: the schema before each one (folded
 * from its ancestors in apply order), op by op, with suppressions and configuration. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/lint/rule.h"

/* ---- helpers for rules ---------------------------------------------------------- */

static bool engine__suppressed(const LintCtx *ctx, const char *id, uint32_t line) {
  size_t idlen = strlen(id);
  for (size_t k = 0; k < ctx->nsup; k++) {
    const Suppression *s = &ctx->sup[k];
    if (s->line != line && s->line + 1 != line) continue;
    const char *p = s->ids;
    while (*p) {
      while (*p == ' ' || *p == ',' || *p == '\t') p++;
      size_t len = strcspn(p, ", \t");
      if (len == idlen && !strncmp(p, id, len)) return true;
      if (len == 3 && !strncmp(p, "all", 3)) return true;
      p += len;
    }
  }
  return false;
}

void lint_report(LintCtx *ctx, SrcRange r, const char *fix, const char *fmt, ...) {
  const LintRule *rule = ctx->rule;
  if (r.line && engine__suppressed(ctx, rule->id, r.line)) return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(ctx->arena, fmt, ap);
  va_end(ap);
  Finding *f = findings_add(ctx->out, rule->id, lint_config_severity(ctx->cfg, rule),
                            ctx->rev->path, r, "%s", msg);
  f->help = lint_rule_doc(rule->id);
  if (fix) f->fix = arena_strdup(ctx->out->arena, fix);
}

SrcRange lint_range(const FoldOp *op, const PyValue *v) {
  if (v && v->range.line) return v->range;
  return op->op ? op->op->range : (SrcRange){0};
}

SrcRange lint_kwarg_range(const LintCtx *ctx, const FoldOp *op, const PyValue *v) {
  SrcRange r = lint_range(op, v);
  if (!v || !v->range.line || !ctx->src || r.start_byte > ctx->len) return r;
  // Back over spaces, '=', spaces and an identifier, staying on the value's line.
  const char *s = ctx->src;
  size_t i = r.start_byte;
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) i--;
  if (i == 0 || s[i - 1] != '=') return r;
  i--;
  if (i > 0 && strchr("=!<>", s[i - 1])) return r; // a comparison, not a keyword
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) i--;
  size_t end_name = i;
  while (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) i--;
  if (i == end_name || isdigit((unsigned char)s[i])) return r;
  // Same line, ASCII only between name and value: characters == bytes.
  size_t back = r.start_byte - i;
  if (back >= r.col) return r;
  r.start_byte = (uint32_t)i;
  r.col -= (uint32_t)back;
  return r;
}

static bool engine__existing(const Schema *s, const char *schema, const char *table) {
  if (!table) return true;
  const SchemaTable *t = schema_table(s, schema, table);
  return !t || !t->is_new;
}

bool lint_table_existing(const LintCtx *ctx, const char *schema, const char *table) {
  return engine__existing(ctx->schema, schema, table);
}

bool lint_sql_table_existing(const LintCtx *ctx, const char *table) {
  return engine__existing(ctx->schema, NULL, table);
}

const char *lint_fix_add_kwarg(const LintCtx *ctx, const FoldOp *op, const char *kwarg) {
  if (!op->op || !op->op->source) return NULL;
  const char *s = op->op->source;
  size_t len = strlen(s);
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (!len || s[len - 1] != ')') return NULL;
  size_t before = len - 1;
  while (before && isspace((unsigned char)s[before - 1])) before--;
  const char *sep = !before || s[before - 1] == '(' ? "" : s[before - 1] == ',' ? " " : ", ";
  return arena_printf(ctx->arena, "%.*s%s%s%.*s", (int)before, s, sep, kwarg,
                      (int)(len - before), s + before);
}

const char *lint_type_prefix(const LintCtx *ctx, const PyValue *type) {
  if (!type || !type->text || (type->kind != PV_CALL && type->kind != PV_NAME)) return "sa.";
  const char *dot = strrchr(type->text, '.');
  if (!dot) return "";
  return arena_strndup(ctx->arena, type->text, (size_t)(dot - type->text + 1));
}

bool lint_name_matches(const char *const *patterns, size_t n, const char *name) {
  for (size_t k = 0; name && k < n; k++)
    if (fnmatch(patterns[k], name, 0) == 0) return true;
  return false;
}

void lint_each_column(LintCtx *ctx, const FoldOp *op, LintColumnFn fn) {
  if (op->kind == FOP_CREATE_TABLE || op->kind == FOP_ADD_COLUMN) {
    for (size_t k = 0; k < op->ncols; k++) fn(ctx, op, &op->cols[k]);
  } else if (op->kind == FOP_ALTER_COLUMN && op->type) {
    FoldColumn c = {.name = op->name, .type = op->type, .type_expr = op->type_arg,
                    .nullable = op->nullable != 0};
    fn(ctx, op, &c);
  }
}

bool lint_column_in_fk(const FoldOp *op, const char *name) {
  for (size_t k = 0; name && k < op->ncons; k++) {
    const FoldConstraint *c = &op->cons[k];
    if (c->kind != CON_FOREIGN_KEY) continue;
    for (size_t j = 0; j < c->ncols; j++)
      if (c->cols[j] && !strcmp(c->cols[j], name)) return true;
  }
  return false;
}

bool lint_sql_is_ddl(const FoldSql *st) {
  switch (st->kind) {
  case FSQL_CREATE_TABLE: case FSQL_DROP_TABLE: case FSQL_ALTER_TABLE: case FSQL_CREATE_INDEX:
  case FSQL_DROP_INDEX: case FSQL_CREATE_ENUM: case FSQL_ALTER_TYPE_ADD_VALUE:
  case FSQL_ALTER_TYPE_RENAME: case FSQL_DROP_TYPE: case FSQL_CREATE_OTHER: case FSQL_DROP_OTHER:
    return true;
  default:
    return false;
  }
}

bool lint_sql_is_dml(const FoldSql *st) {
  return st->kind == FSQL_INSERT || st->kind == FSQL_UPDATE || st->kind == FSQL_DELETE ||
         st->kind == FSQL_TRUNCATE;
}

bool lint_has_word(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *p = text; p && *p; p++) {
    if (strncasecmp(p, word, n) != 0) continue;
    bool left = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
    if (left && right) return true;
  }
  return false;
}

/* ---- suppressions --------------------------------------------------------------- */

/* Every `# retort: ignore[...]` comment, with its 1-based line. */
static Suppression *engine__suppressions(Arena *a, const char *src, size_t len, size_t *n) {
  VEC(Suppression) v = {0};
  static const char TAG[] = "retort: ignore[";
  uint32_t line = 1;
  for (size_t i = 0; i < len; i++) {
    if (src[i] == '\n') {
      line++;
      continue;
    }
    if (src[i] != '#') continue;
    size_t j = i + 1;
    while (j < len && (src[j] == ' ' || src[j] == '\t')) j++;
    if (len - j < sizeof TAG - 1 || memcmp(src + j, TAG, sizeof TAG - 1) != 0) continue;
    j += sizeof TAG - 1;
    size_t e = j;
    while (e < len && src[e] != ']' && src[e] != '\n') e++;
    if (e < len && src[e] == ']') {
      Suppression s = {line, arena_strndup(a, src + j, e - j)};
      vec_push(&v, s);
    }
    i = e - 1;
  }
  Suppression *out = ARENA_ARRAY(a, Suppression, v.len + 1);
  if (v.len) memcpy(out, v.items, v.len * sizeof *out);
  *n = v.len;
  vec_free(&v);
  return out;
}

static char *engine__read(const char *path, size_t *len) {
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) return NULL;
  Buf b = BUF_INIT;
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, got);
  fclose(f);
  *len = b.len;
  if (!b.data) return xstrdup("");
  return buf_detach(&b);
}

/* ---- the schema before a revision ----------------------------------------------- */

/* Revisions of the graph in a global apply order (parents first), with their index. */
typedef struct Order {
  const Graph *g;
  Revision **revs;          /* apply order */
  size_t n;
  Revision **sorted;        /* by pointer, for lookup */
  size_t *pos_of_sorted;    /* apply position of sorted[k] */
} Order;

static int engine__ptrcmp(const void *a, const void *b) {
  uintptr_t x = (uintptr_t) * (Revision *const *)a, y = (uintptr_t) * (Revision *const *)b;
  return x < y ? -1 : x > y;
}

static size_t engine__pos(const Order *o, const Revision *r) {
  size_t lo = 0, hi = o->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if ((uintptr_t)o->sorted[mid] < (uintptr_t)r) lo = mid + 1;
    else hi = mid;
  }
  return lo < o->n && o->sorted[lo] == r ? o->pos_of_sorted[lo] : (size_t)-1;
}

/* Parents of r in the graph: down revisions, then depends_on. */
static size_t engine__parents(const Graph *g, const Revision *r, Revision **out, size_t cap) {
  size_t n = 0;
  for (size_t k = 0; k < r->ndown && n < cap; k++) {
    Revision *p = graph_get(g, r->down[k]);
    if (p && p != r) out[n++] = p;
  }
  for (size_t k = 0; k < r->ndepends_on && n < cap; k++) {
    Revision *p = graph_get(g, r->depends_on[k]);
    if (p && p != r) out[n++] = p;
  }
  return n;
}

/* Post-order DFS over parents, iteratively (chains can be thousands long). Graph
 * problems (cycles) were dropped by graph_build; `state` guards anyway. */
static void engine__order(Order *o, const Graph *g) {
  size_t n = graph_count(g);
  o->g = g;
  o->n = 0;
  o->revs = xmalloc((n ? n : 1) * sizeof *o->revs);
  o->sorted = xmalloc((n ? n : 1) * sizeof *o->sorted);
  o->pos_of_sorted = xmalloc((n ? n : 1) * sizeof *o->pos_of_sorted);
  for (size_t k = 0; k < n; k++) o->sorted[k] = graph_at(g, k);
  qsort(o->sorted, n, sizeof *o->sorted, engine__ptrcmp);
  // state by sorted index: 0 new, 1 on stack, 2 done
  unsigned char *state = xcalloc(n ? n : 1, 1);
  for (size_t k = 0; k < n; k++) o->pos_of_sorted[k] = (size_t)-1;
  Order lookup = {g, NULL, n, o->sorted, NULL};
  size_t *idx = xmalloc((n ? n : 1) * sizeof *idx); // identity: sorted index of itself
  for (size_t k = 0; k < n; k++) idx[k] = k;
  lookup.pos_of_sorted = idx;
  typedef struct { Revision *r; size_t next; } Frame;
  Frame *stack = xmalloc((n + 1) * sizeof *stack);
  Revision *par[64];
  for (size_t k = 0; k < n; k++) {
    Revision *root = graph_at(g, k);
    size_t si = engine__pos(&lookup, root);
    if (state[si]) continue;
    size_t top = 0;
    stack[top++] = (Frame){root, 0};
    state[si] = 1;
    while (top) {
      Frame *f = &stack[top - 1];
      size_t np = engine__parents(g, f->r, par, 64);
      if (f->next < np) {
        Revision *p = par[f->next++];
        size_t pi = engine__pos(&lookup, p);
        if (pi != (size_t)-1 && !state[pi]) {
          state[pi] = 1;
          stack[top++] = (Frame){p, 0};
        }
        continue;
      }
      size_t fi = engine__pos(&lookup, f->r);
      state[fi] = 2;
      o->pos_of_sorted[fi] = o->n;
      o->revs[o->n++] = f->r;
      top--;
    }
  }
  free(stack);
  free(idx);
  free(state);
}

static void engine__order_free(Order *o) {
  free(o->revs);
  free(o->sorted);
  free(o->pos_of_sorted);
}

/* Marks the ancestors of r (not r itself) in `mark` (by apply position). */
static void engine__ancestors(const Order *o, const Revision *r, unsigned char *mark) {
  memset(mark, 0, o->n ? o->n : 1);
  VEC(const Revision *) work = {0};
  vec_push(&work, r);
  Revision *par[64];
  while (work.len) {
    const Revision *x = work.items[--work.len];
    size_t np = engine__parents(o->g, x, par, 64);
    for (size_t k = 0; k < np; k++) {
      size_t p = engine__pos(o, par[k]);
      if (p == (size_t)-1 || mark[p]) continue;
      mark[p] = 1;
      vec_push(&work, par[k]);
    }
  }
  vec_free(&work);
}

/* A schema folded incrementally along the apply order: `in` says which revisions it
 * holds. Reused while the next revision's ancestors are a superset. */
typedef struct Running {
  Schema *schema;
  unsigned char *in;
} Running;

static Schema *engine__before(const Order *o, Running *run, const Revision *r) {
  unsigned char *anc = xmalloc(o->n ? o->n : 1);
  engine__ancestors(o, r, anc);
  bool reuse = run->schema != NULL;
  for (size_t k = 0; reuse && k < o->n; k++)
    if (run->in[k] && !anc[k]) reuse = false;
  if (!reuse) {
    schema_delete(run->schema);
    run->schema = schema_new();
    memset(run->in, 0, o->n ? o->n : 1);
  }
  for (size_t k = 0; k < o->n; k++)
    if (anc[k] && !run->in[k]) {
      fold_revision(run->schema, o->revs[k]);
      run->in[k] = 1;
    }
  free(anc);
  schema_mark_existing(run->schema);
  return run->schema;
}

Schema *lint_schema_before(const Graph *g, const Revision *rev) {
  Order o;
  engine__order(&o, g);
  Running run = {NULL, xcalloc(o.n ? o.n : 1, 1)};
  Schema *s = engine__before(&o, &run, rev);
  free(run.in);
  engine__order_free(&o);
  return s;
}

/* ---- linting -------------------------------------------------------------------- */

/* Lints one revision, folding its upgrade into `work` (the schema before it) as it goes. */
static void engine__lint_one(const LintConfig *cfg, const Graph *g, const Revision *rev,
                             const char *src, size_t len, Schema *work, FindingList *out) {
  size_t nrules;
  const LintRule *const *rules = lint_rules(&nrules);
  Arena *a = arena_new();
  FoldOpList up = fold_ops_read(a, &rev->upgrade);
  FoldOpList down = fold_ops_read(a, &rev->downgrade);
  Schema *before_enums = schema_clone_enums(work);
  LintCtx ctx = {.cfg = cfg, .graph = g, .rev = rev, .src = src, .len = len, .up = &up, .down = &down,
                 .schema = work, .before_enums = before_enums, .arena = a, .out = out};
  if (src) ctx.sup = engine__suppressions(a, src, len, &ctx.nsup);
  bool *on = ARENA_ARRAY(a, bool, nrules);
  for (size_t k = 0; k < nrules; k++) on[k] = lint_config_enabled(cfg, rules[k]);
  for (size_t i = 0; i < up.len; i++) {
    // An op with computed arguments is not judged: its table or values are not known,
    // and guessing gives false findings ("Dynamic ops are shown as such, not guessed").
    for (size_t k = 0; k < nrules && !up.items[i].dynamic; k++) {
      if (!rules[k]->check_op || !on[k]) continue;
      ctx.rule = rules[k];
      rules[k]->check_op(&ctx, &up.items[i]);
    }
    fold_op(work, &up.items[i]);
  }
  for (size_t k = 0; k < nrules; k++) {
    if (!rules[k]->check_revision || !on[k]) continue;
    ctx.rule = rules[k];
    rules[k]->check_revision(&ctx);
  }
  schema_delete(before_enums);
  arena_delete(a);
}

/* qsort has no context argument in C11: the comparison reads these (set around the call;
 * thread-local, so threads may lint concurrently). */
static _Thread_local const Order *engine__sort_order;
static _Thread_local Revision *const *engine__sort_revs;

static int engine__by_apply(const void *a, const void *b) {
  size_t x = engine__pos(engine__sort_order, engine__sort_revs[*(const size_t *)a]);
  size_t y = engine__pos(engine__sort_order, engine__sort_revs[*(const size_t *)b]);
  if (x != y) return x < y ? -1 : 1;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  return i < j ? -1 : i > j;
}

bool lint_revisions(const LintConfig *cfg, const Graph *g, Revision *const *revs, size_t n,
                    const LintSource *srcs, FindingList *out, RtError *err) {
  if (!cfg) return error_set(err, ERR_PARAMS, "lint_revisions: no configuration");
  Order o;
  engine__order(&o, g);
  Running run = {NULL, xcalloc(o.n ? o.n : 1, 1)};
  // Lint in apply order, so the running schema only ever grows along a chain.
  size_t *order = xmalloc((n ? n : 1) * sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  engine__sort_order = &o;
  engine__sort_revs = revs;
  qsort(order, n, sizeof *order, engine__by_apply);
  engine__sort_order = NULL;
  for (size_t j = 0; j < n; j++) {
    size_t i = order[j];
    const Revision *rev = revs[i];
    if (!rev || rev->mode != REV_PARSE_FULL) continue;
    // Folded in place: the running schema then holds this revision too, which is what
    // its children need (a sibling branch makes engine__before start over).
    Schema *work = engine__before(&o, &run, rev);
    size_t p = engine__pos(&o, rev);
    if (p == (size_t)-1) work = schema_clone(work); // not in the graph: leave run alone
    const char *src = srcs ? srcs[i].src : NULL;
    size_t len = srcs ? srcs[i].len : 0;
    char *owned = NULL;
    if (!src) src = owned = engine__read(rev->path, &len);
    engine__lint_one(cfg, g, rev, src, len, work, out);
    free(owned);
    if (p != (size_t)-1) run.in[p] = 1;
    else schema_delete(work);
  }
  free(order);
  schema_delete(run.schema);
  free(run.in);
  engine__order_free(&o);
  return true;
}

void lint_graph_findings(const LintConfig *cfg, const FindingList *problems, FindingList *out) {
  for (size_t k = 0; problems && k < problems->len; k++) {
    const Finding *f = &problems->items[k];
    const LintRule *r = lint_rule_find(f->rule);
    if (r && !lint_config_enabled(cfg, r)) continue;
    Finding *c = findings_add(out, f->rule, r ? lint_config_severity(cfg, r) : f->severity,
                              f->path, f->range, "%s", f->message);
    c->rule = r ? r->id : arena_strdup(out->arena, f->rule);
    c->help = f->help ? arena_strdup(out->arena, f->help) : (r ? lint_rule_doc(r->id) : NULL);
    c->fix = f->fix ? arena_strdup(out->arena, f->fix) : NULL;
  }
}

bool lint_revision_with_schema(const LintConfig *cfg, const Graph *g, const Revision *rev,
                               const LintSource *src, const Schema *before, FindingList *out,
                               RtError *err) {
  if (!cfg || !rev || !before)
    return error_set(err, ERR_PARAMS, "lint_revision_with_schema: missing argument");
  if (rev->mode != REV_PARSE_FULL) return true;
  Schema *work = schema_clone(before);
  schema_mark_existing(work);
  size_t len = src && src->src ? src->len : 0;
  char *owned = NULL;
  const char *text = src && src->src ? src->src : (owned = engine__read(rev->path, &len));
  engine__lint_one(cfg, g, rev, text, len, work, out);
  free(owned);
  schema_delete(work);
  return true;
}
