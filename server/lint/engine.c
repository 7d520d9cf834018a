/* engine.c - runs the registry's rules over revisions: the schema before each one (folded
 * from its ancestors in apply order), op by op, with suppressions and configuration. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/base/buf.h"
#include "server/base/digest.h"
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

/* Revisions of the graph in a global apply order (parents first), known by their graph
 * index (graph_at); the parents of each are looked up once (graph_get hashes and compares
 * ids) and kept as graph indexes. Nothing in it points at a Revision, so it holds for as
 * long as the graph's structure does: through graph_replace too (graph_serial). */
typedef struct Order {
  const Graph *g;
  size_t *at;               /* apply order: graph indexes */
  size_t n;
  size_t *pos;              /* apply position of graph_at(i) */
  size_t *par_start;        /* parents of graph_at(i): par[par_start[i] .. par_start[i + 1]) */
  size_t *par;
} Order;

/* The graph index of r, or (size_t)-1 when it is not one of the graph's revisions. */
static size_t engine__index(const Order *o, const Revision *r) { return graph_index(o->g, r); }

static size_t engine__pos(const Order *o, const Revision *r) {
  size_t i = engine__index(o, r);
  return i == (size_t)-1 ? i : o->pos[i];
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
  o->at = xmalloc((n ? n : 1) * sizeof *o->at);
  o->pos = xmalloc((n ? n : 1) * sizeof *o->pos);
  o->par_start = xmalloc((n + 1) * sizeof *o->par_start);
  size_t npar = 0, parcap = n + 16;
  o->par = xmalloc(parcap * sizeof *o->par);
  Revision *par[64];
  for (size_t k = 0; k < n; k++) {
    o->par_start[k] = npar;
    size_t np = engine__parents(g, graph_at(g, k), par, 64);
    for (size_t j = 0; j < np; j++) {
      size_t pi = engine__index(o, par[j]);
      if (pi == (size_t)-1) continue;
      if (npar == parcap) o->par = xrealloc(o->par, (parcap *= 2) * sizeof *o->par);
      o->par[npar++] = pi;
    }
  }
  o->par_start[n] = npar;
  // state by graph index: 0 new, 1 on stack, 2 done
  unsigned char *state = xcalloc(n ? n : 1, 1);
  typedef struct { size_t i, next; } Frame;
  Frame *stack = xmalloc((n + 1) * sizeof *stack);
  // From each head in turn (map order), then anything left: one head's ancestry comes
  // out whole, so a range lint of a long line, or of independent lines, moves along one
  // line at a time instead of jumping between them in file-listing order.
  size_t nheads = 0;
  Revision *const *heads = graph_heads(g, &nheads);
  size_t *roots = xmalloc((nheads + n + 1) * sizeof *roots);
  size_t nroots = 0;
  for (size_t h = 0; h < nheads; h++) {
    size_t hi = graph_index(g, heads[h]);
    if (hi != (size_t)-1) roots[nroots++] = hi;
  }
  for (size_t k = 0; k < n; k++) roots[nroots++] = k;
  for (size_t r = 0; r < nroots; r++) {
    size_t k = roots[r];
    if (state[k]) continue;
    size_t top = 0;
    stack[top++] = (Frame){k, o->par_start[k]};
    state[k] = 1;
    while (top) {
      Frame *f = &stack[top - 1];
      if (f->next < o->par_start[f->i + 1]) {
        size_t pi = o->par[f->next++];
        if (!state[pi]) {
          state[pi] = 1;
          stack[top++] = (Frame){pi, o->par_start[pi]};
        }
        continue;
      }
      state[f->i] = 2;
      o->pos[f->i] = o->n;
      o->at[o->n++] = f->i;
      top--;
    }
  }
  free(roots);
  free(stack);
  free(state);
}

static void engine__order_free(Order *o) {
  free(o->at);
  free(o->pos);
  free(o->par_start);
  free(o->par);
  memset(o, 0, sizeof *o);
}

/* Marks the ancestors of r (not r itself) in `mark` (by apply position). */
static void engine__ancestors(const Order *o, const Revision *r, unsigned char *mark) {
  memset(mark, 0, o->n ? o->n : 1);
  VEC(size_t) work = {0};
  size_t ri = engine__index(o, r);
  if (ri != (size_t)-1) {
    vec_push(&work, ri);
  } else { // not in the graph: its parents, by id
    Revision *par[64];
    size_t np = engine__parents(o->g, r, par, 64);
    for (size_t k = 0; k < np; k++) {
      size_t pi = engine__index(o, par[k]);
      if (pi == (size_t)-1 || mark[o->pos[pi]]) continue;
      mark[o->pos[pi]] = 1;
      vec_push(&work, pi);
    }
  }
  while (work.len) {
    size_t x = work.items[--work.len];
    for (size_t k = o->par_start[x]; k < o->par_start[x + 1]; k++) {
      size_t pi = o->par[k];
      if (mark[o->pos[pi]]) continue;
      mark[o->pos[pi]] = 1;
      vec_push(&work, pi);
    }
  }
  vec_free(&work);
}

static Schema *engine__work_copy(const Schema *s, Arena *a);
static void engine__work_release(Schema *c);

/* A schema folded from nothing along the apply order: `in` (by apply position) says which
 * revisions it holds, `max` the last of them. Every one is canonical: it holds exactly
 * the first revisions of some ancestor set in apply order, folded in that order, so
 * folding the rest of that set after it gives the fold of the whole set in apply order:
 * what linting a revision on its own folds (lint_revisions_cached, lint_schema_before). */
typedef struct State {
  Schema *schema;
  unsigned char *in;
  size_t max;    /* ENGINE_NONE when empty */
  bool copy;     /* schema is a work copy (its arena is in Running.arenas) */
  bool frozen;   /* a snapshot at a branch point: copied before it is folded further */
  uint64_t used; /* Running.clock when last taken or kept */
} State;

/* Kept states at most: snapshots at branch points (each a copy of the schema's structs,
 * not of its strings), and running states set aside when the apply order went to another
 * branch (the apply order visits each head's ancestry in turn, and a merge's branches one
 * after the other). */
enum { ENGINE_MAX_SNAPSHOTS = 64, ENGINE_MAX_PARKED = 8 };

static const size_t ENGINE_NONE = (size_t)-1;

/* The running schema, what was kept, and what a range lint shares. */
typedef struct Running {
  State cur;            /* the running state (schema NULL: none yet) */
  VEC(State) kept;
  size_t nsnaps, nparked;
  uint64_t clock;
  VEC(Arena *) arenas;  /* of work copies: freed at the end, as copies share strings */
  VEC(Schema *) retired; /* schemas given up: copies may share their strings */
  /* Each revision's upgrade() read for folding (fold_ops_read: SQL parsed, arguments
   * typed), by apply position, read once: a revision folded again after a start-over,
   * and the lint of it, use the same reading. NULL items: not read yet. */
  FoldOpList **reads;
  Arena *reads_arena;
  size_t n;
} Running;

static void engine__running_init(Running *run, size_t n) {
  memset(run, 0, sizeof *run);
  run->n = n;
  run->cur.max = ENGINE_NONE; // no schema, no `in`: engine__before makes the first state
  run->reads = xcalloc(n ? n : 1, sizeof *run->reads);
  run->reads_arena = arena_new();
}

/* The upgrade() of the revision at apply position k, read for folding (once). */
static const FoldOpList *engine__read_ops(const Order *o, Running *run, size_t k) {
  if (!run->reads[k]) {
    const Revision *r = graph_at(o->g, o->at[k]);
    FoldOpList *l = ARENA_NEW(run->reads_arena, FoldOpList);
    memset(l, 0, sizeof *l);
    if (r->mode == REV_PARSE_FULL) *l = fold_ops_read(run->reads_arena, &r->upgrade);
    run->reads[k] = l;
  }
  return run->reads[k];
}

/* A state is given up: its schema released, its strings kept alive. */
static void engine__drop(Running *run, State *st) {
  if (st->schema) {
    if (st->copy) engine__work_release(st->schema);
    else vec_push(&run->retired, st->schema);
  }
  free(st->in);
  memset(st, 0, sizeof *st);
}

static void engine__running_free(Running *run) {
  engine__drop(run, &run->cur);
  for (size_t i = 0; i < run->kept.len; i++) engine__drop(run, &run->kept.items[i]);
  vec_free(&run->kept);
  for (size_t i = 0; i < run->retired.len; i++) schema_delete(run->retired.items[i]);
  vec_free(&run->retired);
  for (size_t i = 0; i < run->arenas.len; i++) arena_delete(run->arenas.items[i]);
  vec_free(&run->arenas);
  free(run->reads);
  arena_delete(run->reads_arena);
}

/* Whether `st` holds the first revisions of `anc` in apply order and nothing else. */
static bool engine__prefix(const Running *run, const State *st, const unsigned char *anc) {
  for (size_t k = 0; k < run->n; k++) {
    if (st->in[k] && !anc[k]) return false;
    if (st->max == ENGINE_NONE || k >= st->max) continue;
    if (anc[k] && !st->in[k]) return false;
  }
  return true;
}

/* Keeps `st` (taken over), evicting the least recently used of its kind past the cap. */
static void engine__keep(Running *run, State st) {
  size_t *count = st.frozen ? &run->nsnaps : &run->nparked;
  size_t cap = st.frozen ? ENGINE_MAX_SNAPSHOTS : ENGINE_MAX_PARKED;
  if (*count >= cap) {
    size_t victim = (size_t)-1;
    for (size_t i = 0; i < run->kept.len; i++)
      if (run->kept.items[i].frozen == st.frozen &&
          (victim == (size_t)-1 || run->kept.items[i].used < run->kept.items[victim].used))
        victim = i;
    engine__drop(run, &run->kept.items[victim]);
    run->kept.items[victim] = run->kept.items[--run->kept.len];
    (*count)--;
  }
  st.used = ++run->clock;
  vec_push(&run->kept, st);
  (*count)++;
}

/* A snapshot of the running state, at branch point `pos` (just folded). */
static void engine__snapshot(Running *run) {
  Arena *a = arena_new();
  vec_push(&run->arenas, a);
  State st = {engine__work_copy(run->cur.schema, a), xmalloc(run->n ? run->n : 1), run->cur.max,
              true, true, 0};
  memcpy(st.in, run->cur.in, run->n ? run->n : 1);
  engine__keep(run, st);
}

static Schema *engine__before(const Order *o, Running *run, const Revision *r) {
  unsigned char *anc = xmalloc(o->n ? o->n : 1);
  engine__ancestors(o, r, anc);
  if (!run->cur.schema || !engine__prefix(run, &run->cur, anc)) {
    // Set the running state aside, and go on from the kept state that holds the most of
    // r's ancestors as a prefix (or from nothing).
    if (run->cur.schema) engine__keep(run, run->cur);
    else free(run->cur.in);
    memset(&run->cur, 0, sizeof run->cur);
    size_t best = (size_t)-1;
    for (size_t i = 0; i < run->kept.len; i++) {
      const State *st = &run->kept.items[i];
      size_t have = best == (size_t)-1 ? ENGINE_NONE : run->kept.items[best].max;
      if (st->max == ENGINE_NONE || (have != ENGINE_NONE && st->max <= have)) continue;
      if (engine__prefix(run, st, anc)) best = i;
    }
    if (best == (size_t)-1) {
      run->cur = (State){schema_new(), xcalloc(o->n ? o->n : 1, 1), ENGINE_NONE, false, false, 0};
    } else if (run->kept.items[best].frozen) {
      State *st = &run->kept.items[best];
      st->used = ++run->clock;
      Arena *a = arena_new();
      vec_push(&run->arenas, a);
      run->cur = (State){engine__work_copy(st->schema, a), xmalloc(o->n ? o->n : 1), st->max,
                         true, false, 0};
      memcpy(run->cur.in, st->in, o->n ? o->n : 1);
    } else {
      run->cur = run->kept.items[best];
      run->kept.items[best] = run->kept.items[--run->kept.len];
      run->nparked--;
    }
  }
  // What is left of r's ancestors all comes after what the state holds.
  for (size_t k = 0; k < o->n; k++)
    if (anc[k] && !run->cur.in[k]) {
      fold_ops(run->cur.schema, engine__read_ops(o, run, k)); // fold_revision, read once
      run->cur.in[k] = 1;
      run->cur.max = k;
    }
  free(anc);
  schema_mark_existing(run->cur.schema);
  return run->cur.schema;
}

Schema *lint_schema_before(const Graph *g, const Revision *rev) {
  Order o;
  engine__order(&o, g);
  Running run;
  engine__running_init(&run, o.n);
  Schema *s = engine__before(&o, &run, rev); // from nothing: not a work copy
  run.cur.schema = NULL;
  engine__running_free(&run);
  engine__order_free(&o);
  return s;
}

/* ---- a cache of schemas before a revision --------------------------------------- */

/* The fold of a revision's ancestors depends only on their upgrade() ops, in the order
 * they are folded. So the key of a cached schema is a digest of that ordered sequence: for
 * each ancestor, the digest of its upgrade() as parsed (revision_upgrade_digest: each
 * statement's source text with what the parser made of it in the file's context), which
 * the parser computed once. Whatever changes what fold_revision sees changes the key, and
 * an edit elsewhere (the reviewed file itself, a descendant, a comment or blank line
 * between statements) does not.
 * Revision pointers alone would not do: the script cache frees an edited file's Revision,
 * and the new one may land at the same address, down to its arena's inner pointers. The
 * digest (digest.h) has 128 bits: an accidental collision is negligible. */
/* What fold_revision reads of a revision. */
static void engine__digest_revision(Digest *d, const Revision *r) {
  digest_u64(d, 0x7265760aull + r->mode);
  if (r->mode != REV_PARSE_FULL) return;
  uint64_t ops[2];
  revision_upgrade_digest(r, ops);
  digest_u64(d, ops[0]);
  digest_u64(d, ops[1]);
}

/* The working copy a lint folds the linted revision into, made from a cached schema: the
 * structs and every pointer array are copied (folding replaces entries of arrays such as
 * an index's columns in place), the strings are shared. That is sound because schema.c
 * never writes into a string (a rename stores a new one), and the copy lives only while
 * the lint runs, inside one lookup of the cache that owns the original (a cache entry is
 * only replaced by a later lookup). New strings go to `a`, the cache's scratch arena,
 * reset between lints so that its pages stay mapped. Release with engine__work_release,
 * never schema_delete (the arena is not the copy's).
 * schema_clone would also do, but it re-adds each table through schema_table_add, which
 * looks the name up among the tables copied so far: quadratic, milliseconds per warm lint
 * on a thousand-revision project. */
static const char **engine__ptrs(Arena *a, const char *const *v, size_t n) {
  const char **out = ARENA_ARRAY(a, const char *, n ? n : 1);
  if (n) memcpy(out, v, n * sizeof *out);
  return out;
}

/* A malloc'd copy of a pointer array (capacity == length), as schema_delete frees them. */
static void *engine__array(const void *v, size_t n, size_t *cap) {
  *cap = n;
  if (!n) return NULL;
  void *out = xmalloc(n * sizeof(void *));
  memcpy(out, v, n * sizeof(void *));
  return out;
}

static Schema *engine__work_copy(const Schema *s, Arena *a) {
  Schema *c = xcalloc(1, sizeof *c);
  c->arena = a;
  SchemaTable *tables = ARENA_ARRAY(a, SchemaTable, s->ntables + 1);
  c->tables = engine__array(s->tables, s->ntables, &c->captables);
  c->ntables = s->ntables;
  for (size_t k = 0; k < s->ntables; k++) {
    const SchemaTable *t = s->tables[k];
    SchemaTable *n = &tables[k];
    *n = *t;
    n->cols = engine__array(t->cols, t->ncols, &n->capcols);
    SchemaColumn *cols = ARENA_ARRAY(a, SchemaColumn, t->ncols + 1);
    for (size_t j = 0; j < t->ncols; j++) {
      cols[j] = *t->cols[j];
      n->cols[j] = &cols[j];
    }
    n->indexes = engine__array(t->indexes, t->nindexes, &n->capindexes);
    SchemaIndex *ixs = ARENA_ARRAY(a, SchemaIndex, t->nindexes + 1);
    for (size_t j = 0; j < t->nindexes; j++) {
      ixs[j] = *t->indexes[j];
      ixs[j].cols = engine__ptrs(a, ixs[j].cols, ixs[j].ncols);
      n->indexes[j] = &ixs[j];
    }
    n->cons = engine__array(t->cons, t->ncons, &n->capcons);
    SchemaConstraint *cons = ARENA_ARRAY(a, SchemaConstraint, t->ncons + 1);
    for (size_t j = 0; j < t->ncons; j++) {
      cons[j] = *t->cons[j];
      cons[j].cols = engine__ptrs(a, cons[j].cols, cons[j].ncols);
      cons[j].ref_cols = engine__ptrs(a, cons[j].ref_cols, cons[j].nref_cols);
      n->cons[j] = &cons[j];
    }
    c->tables[k] = n;
  }
  c->enums = engine__array(s->enums, s->nenums, &c->capenums);
  c->nenums = s->nenums;
  SchemaEnum *enums = ARENA_ARRAY(a, SchemaEnum, s->nenums + 1);
  for (size_t k = 0; k < s->nenums; k++) {
    enums[k] = *s->enums[k];
    enums[k].values = engine__ptrs(a, enums[k].values, enums[k].nvalues);
    c->enums[k] = &enums[k];
  }
  c->sequences = engine__array(s->sequences, s->nsequences, &c->capsequences);
  c->nsequences = s->nsequences;
  return c;
}

/* schema_delete's frees, less the arena. */
static void engine__work_release(Schema *c) {
  for (size_t k = 0; k < c->ntables; k++) {
    free(c->tables[k]->cols);
    free(c->tables[k]->indexes);
    free(c->tables[k]->cons);
  }
  free(c->tables);
  free(c->enums);
  free(c->sequences);
  free(c);
}

typedef struct CachedSchema {
  uint64_t key[2];
  size_t nanc;       /* ancestors folded into it */
  Schema *schema;    /* marked existing */
  uint64_t used;     /* LintSchemaCache.clock at the last hit */
} CachedSchema;

/* Few entries: a session reviews one file, or an editor shows a few open ones. */
enum { LINT_CACHE_SLOTS = 8 };

struct LintSchemaCache {
  CachedSchema slot[LINT_CACHE_SLOTS];
  Arena *scratch; /* the working copies' structs and new strings; reset after each lint */
  uint64_t clock;
  size_t hits, misses;
  Order order;           /* of the graph whose graph_serial is order_serial (0: none) */
  uint64_t order_serial;
};

LintSchemaCache *lint_schema_cache_new(void) {
  LintSchemaCache *c = xcalloc(1, sizeof *c);
  c->scratch = arena_new();
  return c;
}

void lint_schema_cache_delete(LintSchemaCache *c) {
  if (!c) return;
  for (size_t i = 0; i < LINT_CACHE_SLOTS; i++) schema_delete(c->slot[i].schema);
  arena_delete(c->scratch);
  engine__order_free(&c->order);
  free(c);
}

void lint_schema_cache_stats(const LintSchemaCache *c, size_t *hits, size_t *misses) {
  *hits = c ? c->hits : 0;
  *misses = c ? c->misses : 0;
}

/* The schema before `r` from the cache, folded and stored on a miss. Borrowed from the
 * cache: valid until its next lookup. */
static const Schema *engine__before_cached(LintSchemaCache *c, const Order *o, const Revision *r) {
  unsigned char *anc = xmalloc(o->n ? o->n : 1);
  engine__ancestors(o, r, anc);
  Digest d;
  digest_init(&d);
  size_t nanc = 0;
  for (size_t k = 0; k < o->n; k++) {
    if (!anc[k]) continue;
    engine__digest_revision(&d, graph_at(o->g, o->at[k]));
    nanc++;
  }
  uint64_t key[2];
  digest_final(&d, key);
  c->clock++;
  CachedSchema *hit = NULL, *victim = &c->slot[0];
  for (size_t i = 0; i < LINT_CACHE_SLOTS && !hit; i++) {
    CachedSchema *e = &c->slot[i];
    if (e->schema && e->nanc == nanc && e->key[0] == key[0] && e->key[1] == key[1]) hit = e;
    if (!e->schema || (victim->schema && e->used < victim->used)) victim = e;
  }
  if (hit) {
    c->hits++;
  } else {
    c->misses++;
    Schema *s = schema_new();
    for (size_t k = 0; k < o->n; k++)
      if (anc[k]) fold_revision(s, graph_at(o->g, o->at[k]));
    schema_mark_existing(s);
    schema_delete(victim->schema);
    *victim = (CachedSchema){{key[0], key[1]}, nanc, s, 0};
    hit = victim;
  }
  hit->used = c->clock;
  free(anc);
  return hit->schema;
}

/* ---- linting -------------------------------------------------------------------- */

/* Lints one revision, folding its upgrade into `work` (the schema before it) as it goes. */
static void engine__lint_one(const LintConfig *cfg, const Graph *g, const Revision *rev,
                             const char *src, size_t len, Schema *work, FindingList *out,
                             const FoldOpList *read_up) {
  size_t nrules;
  const LintRule *const *rules = lint_rules(&nrules);
  Arena *a = arena_new();
  // The upgrade as fold reads it: given (already read for folding) or read here.
  FoldOpList up = read_up ? *read_up : fold_ops_read(a, &rev->upgrade);
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

/* (apply position, index in the caller's array) of a revision to lint. */
typedef struct ByApply {
  size_t pos, i;
} ByApply;

static int engine__by_apply(const void *a, const void *b) {
  const ByApply *x = a, *y = b;
  if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

bool lint_revisions(const LintConfig *cfg, const Graph *g, Revision *const *revs, size_t n,
                    const LintSource *srcs, FindingList *out, RtError *err) {
  if (!cfg) return error_set(err, ERR_PARAMS, "lint_revisions: no configuration");
  Order o;
  engine__order(&o, g);
  Running run;
  engine__running_init(&run, o.n);
  // Branch points (two or more children, by down revision or dependency), by graph index.
  unsigned char *fork = xcalloc(o.n ? o.n : 1, 1);
  for (size_t k = 0; k < (o.n ? o.par_start[o.n] : 0); k++)
    if (fork[o.par[k]] < 2) fork[o.par[k]]++;
  // Lint in apply order, so the running schema only ever grows along a chain.
  ByApply *order = xmalloc((n ? n : 1) * sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = (ByApply){revs[i] ? engine__pos(&o, revs[i]) : 0, i};
  qsort(order, n, sizeof *order, engine__by_apply);
  for (size_t j = 0; j < n; j++) {
    size_t i = order[j].i;
    const Revision *rev = revs[i];
    if (!rev || rev->mode != REV_PARSE_FULL) continue;
    // Folded in place: the running schema then holds this revision too, which is what
    // its children need (a sibling branch makes engine__before start over).
    Schema *work = engine__before(&o, &run, rev);
    size_t p = order[j].pos;
    // Folded in place unless it is not in the graph (then a copy leaves the state alone).
    if (p == (size_t)-1) work = schema_clone(work); // not in the graph: leave run alone
    const char *src = srcs ? srcs[i].src : NULL;
    size_t len = srcs ? srcs[i].len : 0;
    char *owned = NULL;
    if (!src) src = owned = engine__read(rev->path, &len);
    engine__lint_one(cfg, g, rev, src, len, work, out,
                     p == (size_t)-1 ? NULL : engine__read_ops(&o, &run, p));
    free(owned);
    if (p == (size_t)-1) {
      schema_delete(work);
      continue;
    }
    run.cur.in[p] = 1; // its ancestors were all it held: p comes after each
    run.cur.max = p;
    if (fork[o.at[p]] >= 2) engine__snapshot(&run);
  }
  free(fork);
  free(order);
  engine__running_free(&run);
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
  engine__lint_one(cfg, g, rev, text, len, work, out, NULL);
  free(owned);
  schema_delete(work);
  return true;
}

bool lint_revisions_cached(LintSchemaCache *cache, const LintConfig *cfg, const Graph *g,
                           Revision *const *revs, size_t n, const LintSource *srcs,
                           FindingList *out, RtError *err) {
  // A range folds its revisions one after another in lint_revisions, which is cheaper
  // than one cached schema per revision.
  if (!cache || n != 1) return lint_revisions(cfg, g, revs, n, srcs, out, err);
  if (!cfg) return error_set(err, ERR_PARAMS, "lint_revisions: no configuration");
  const Revision *rev = revs[0];
  if (!rev || rev->mode != REV_PARSE_FULL) return true;
  // The apply order is the graph's structure: kept while the graph is the same one.
  if (cache->order_serial != graph_serial(g)) {
    engine__order_free(&cache->order);
    engine__order(&cache->order, g);
    cache->order_serial = graph_serial(g);
  }
  cache->order.g = g;
  Schema *work = engine__work_copy(engine__before_cached(cache, &cache->order, rev), cache->scratch);
  const char *src = srcs ? srcs[0].src : NULL;
  size_t len = srcs ? srcs[0].len : 0;
  char *owned = NULL;
  if (!src) src = owned = engine__read(rev->path, &len);
  engine__lint_one(cfg, g, rev, src, len, work, out, NULL);
  free(owned);
  engine__work_release(work);
  arena_reset(cache->scratch);
  return true;
}
