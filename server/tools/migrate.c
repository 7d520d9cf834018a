/* migrate.c - the `upgrade` and `downgrade` tools: the plan (steps, SQL, findings,
 * plan_id), the confirm check, sql_only scripts as `alembic upgrade --sql` prints them,
 * and the two engines (native: server/db/exec.c; alembic: the project's own alembic). */
#include "server/tools/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "server/alembic/ops.h"
#include "server/alembic/steps.h"
#include "server/base/mem.h"
#include "server/db/db.h"
#include "server/db/exec.h"
#include "server/lint/lint.h"
#include "server/sql/analyze.h"
#include "server/sql/sql.h"
#include "server/tools/alembic_child.h"

/* Defaults when neither the call nor [retort] says: 5 s is long enough for a busy
 * table's brief locks and short enough that a blocked ALTER does not queue every
 * writer behind it for long; statements themselves are not limited (a backfill may
 * legitimately take minutes). */
static const int DEFAULT_LOCK_TIMEOUT_MS = 5000;
static const int DEFAULT_STATEMENT_TIMEOUT_MS = 0;

/* One step of the plan with its rendered SQL. */
typedef struct PStep {
  MigStep *ms;
  MigOpList ops;
  SqlStmtList sql;
  ExecStmt *stmts;
  const char **locks; /* per statement: "ACCESS EXCLUSIVE on t" or NULL */
  bool is_static;
} PStep;

typedef VEC(Revision *) RevVec;

typedef struct Plan {
  StepPlan sp;
  PStep *steps;
  size_t n;
  FindingList findings;     /* lint findings of the revisions upgraded */
  Buf dynamic;              /* "path:line: op (reason)" lines for non-static steps */
  size_t ndynamic;
  bool all_static;
  bool linted;              /* findings computed (mig__lint) */
  const char *engine;       /* "native", "alembic", or NULL when none can run it */
  char plan_id[17];
} Plan;

typedef struct Mig {
  ToolSession *s;
  const McpToolCall *call;
  Arena *a;
  bool upgrade;
  const char *verb;
  const char *target;       /* as given */
  const char *plan_target;  /* the part after ':' for a range */
  const char *from;         /* sql_only range start, or NULL */
  bool sql_only;
  const char *confirm;
  const char *engine_arg;   /* auto / native / alembic */
  int lock_ms, stmt_ms;
  ToolProject tp;
  LintConfig *cfg;
  const char *vschema, *vtable;
  Db *db;                   /* session-owned; NULL offline */
  char *sysid, *dbname;
  const char *alembic_bin;  /* found alembic executable, or NULL */
  bool scratch;
} Mig;

/* ---- small helpers ----------------------------------------------------------------- */

static double mig__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fnv(uint64_t *h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) *h = (*h ^ s[i]) * 1099511628211ULL;
}

static void fnv_str(uint64_t *h, const char *s) {
  fnv(h, s ? s : "", strlen(s ? s : "") + 1); // the NUL separates fields
}

static bool mig__rows_equal(const char *const *a, size_t na, const char *const *b, size_t nb) {
  if (na != nb) return false;
  for (size_t i = 0; i < na; i++)
    if (strcmp(a[i], b[i]) != 0) return false;
  return true;
}

static int mig__cmpstr(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* A setting: the call's argument, else [retort] key, else the default. */
static bool mig__int_setting(Mig *m, const char *arg, const char *key, int def, int *out,
                             RtError *err) {
  int64_t v;
  const Json *j = json_get(m->call->arguments, arg);
  if (j) {
    if (!json_is_integer(j, &v) || v < 0 || v > 86400000)
      return error_set(err, ERR_PARAMS, "%s must be an integer number of milliseconds "
                                        "between 0 and 86400000", arg);
    *out = (int)v;
    return true;
  }
  const char *s = project_setting(m->tp.project, key);
  if (s && *s) {
    char *end;
    long l = strtol(s, &end, 10);
    if (*end || l < 0 || l > 86400000)
      return error_set(err, ERR_CONFIG, "[retort] %s = %s is not a number of milliseconds", key,
                       s) ||
             project_setting_error(m->tp.project, key, err);
    *out = (int)l;
    return true;
  }
  *out = def;
  return true;
}

/* Alembic's executable for this project (alembic_child_find), in the call's arena. */
static const char *mig__find_alembic(Mig *m) {
  char *found = alembic_child_find(m->tp.project->root);
  const char *p = found ? arena_strdup(m->a, found) : NULL;
  free(found);
  return p;
}

/* ---- online SQL ----------------------------------------------------------------------- */

/* The rendered SQL is what `alembic upgrade --sql` prints, and SQLAlchemy's offline
 * dialect doubles backslashes in string literals (it assumes backslash escapes). Online,
 * against a server with standard_conforming_strings (the default since 9.1), Alembic
 * sends the value itself. So for execution, every literal retort quoted from a value
 * holding a backslash is turned into an E'...' literal, which reads the doubled form
 * back as the value. Raw SQL text (op.execute, sa.text defaults, CHECK conditions) is
 * not touched: it is sent as written, as Alembic sends it. */
typedef VEC(const char *) StrVec;

static void mig__lit_pv(StrVec *v, const PyValue *pv, int depth) {
  if (!pv || depth > 8) return;
  if (pv->kind == PV_STR && !pv->bytes && pv->text && strchr(pv->text, '\\'))
    vec_push(v, pv->text);
  for (size_t i = 0; i < pv->nitems; i++) mig__lit_pv(v, pv->items[i], depth + 1);
}

static void mig__lit_str(StrVec *v, const char *s) {
  if (s && strchr(s, '\\')) vec_push(v, s);
}

static void mig__lit_type(StrVec *v, const SqlType *t) {
  for (; t; t = t->item)
    for (size_t i = 0; i < t->nenum_values; i++) mig__lit_str(v, t->enum_values[i]);
}

static void mig__lit_default(StrVec *v, const MigDefault *d) {
  if (d->kind == DEF_STRING) mig__lit_str(v, d->text);
}

static void mig__lit_op(StrVec *v, const MigOp *o) {
  for (size_t i = 0; i < o->ncolumns; i++) {
    const MigColumn *c = &o->columns[i];
    mig__lit_default(v, &c->server_default);
    mig__lit_str(v, c->comment);
    mig__lit_type(v, c->type);
  }
  mig__lit_str(v, o->table_comment);
  mig__lit_default(v, &o->alter.server_default);
  mig__lit_str(v, o->alter.comment);
  mig__lit_type(v, o->alter.type);
  if (o->kind == OPK_BULK_INSERT) mig__lit_pv(v, o->bulk_rows, 0);
  for (size_t i = 0; i < o->nbody; i++) mig__lit_op(v, &o->body[i]);
}

/* The statement as it must be sent to a live server (see above). Owned by `a`. */
static const char *mig__online_sql(Arena *a, const SqlStmt *st) {
  if (!st->op || st->op->kind == OPK_EXECUTE || !strchr(st->sql, '\\')) return st->sql;
  StrVec lits = {0};
  mig__lit_op(&lits, st->op);
  const char *sql = st->sql;
  for (size_t i = 0; i < lits.len; i++) {
    const char *q = sql_quote_literal(a, lits.items[i]);
    size_t ql = strlen(q);
    Buf b = BUF_INIT;
    const char *p = sql;
    for (const char *hit; (hit = strstr(p, q));) {
      buf_append(&b, p, (size_t)(hit - p));
      if (!(hit > sql && (hit[-1] == 'E' || hit[-1] == 'e'))) buf_putc(&b, 'E');
      buf_append(&b, hit, ql);
      p = hit + ql;
    }
    buf_puts(&b, p);
    sql = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
  }
  vec_free(&lits);
  return sql;
}

/* ---- the plan ---------------------------------------------------------------------- */

static void mig__dynamic(Plan *pl, const Revision *r, const MigOp *ops, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const MigOp *o = &ops[i];
    if (o->dynamic && !o->nbody) {
      SrcRange rg = o->dynamic_range.line ? o->dynamic_range : o->range;
      buf_printf(&pl->dynamic, "%s:%u: %s (%s)\n", r->path, rg.line,
                 o->method && *o->method ? o->method : "statement",
                 o->dynamic_reason ? o->dynamic_reason : "not statically readable");
      pl->ndynamic++;
    }
    if (o->nbody) mig__dynamic(pl, r, o->body, o->nbody);
  }
}

/* Lint findings of the revisions a plan upgrades, computed only when a plan is shown
 * (a confirmed run does not need them: plan_id does not cover them). */
static void mig__lint(Mig *m, Plan *pl) {
  if (pl->linted || !m->upgrade || !m->cfg || !pl->n) return;
  pl->linted = true;
  RevVec ups = {0};
  for (size_t i = 0; i < pl->n; i++) vec_push(&ups, pl->steps[i].ms->rev);
  RtError lerr = {0};
  lint_revisions(m->cfg, m->tp.graph, ups.items, ups.len, NULL, &pl->findings, &lerr);
  findings_sort(&pl->findings);
  vec_free(&ups);
}

static void mig__plan_free(Plan *pl) {
  steps_plan_free(&pl->sp);
  findings_free(&pl->findings);
  buf_free(&pl->dynamic);
  free(pl->steps);
  memset(pl, 0, sizeof *pl);
}

/* The plan from `rows` (the version table now): steps, SQL, findings, engine, plan_id. */
static bool mig__plan(Mig *m, const char *const *rows, size_t nrows, Plan *pl, RtError *err) {
  memset(pl, 0, sizeof *pl);
  findings_init(&pl->findings);
  // Alembic walks `-N` down from the first row the version table happens to return
  // (heap order) and only warns that this is ambiguous; retort refuses to guess.
  const char *rel = m->plan_target;
  if (!m->upgrade && nrows > 1 && rel[0] == '-' && rel[1] &&
      strspn(rel + 1, "0123456789") == strlen(rel + 1))
    return error_set(err, ERR_TARGET,
                     "downgrade %s from multiple heads is ambiguous (the version table holds "
                     "%zu rows; Alembic would pick whichever row the table returns first); name "
                     "the branch: <label>@%s, <revision>%s, or a revision id; nothing was changed",
                     rel, nrows, rel, rel);
  if (!steps_plan(m->tp.graph, rows, nrows, m->plan_target, m->upgrade, &pl->sp, err)) {
    error_prefix(err, "%s %s", m->verb, m->target);
    return false;
  }
  pl->n = pl->sp.n;
  pl->steps = xcalloc(pl->n ? pl->n : 1, sizeof *pl->steps);
  pl->all_static = true;
  for (size_t i = 0; i < pl->n; i++) {
    PStep *ps = &pl->steps[i];
    ps->ms = &pl->sp.steps[i];
    const Revision *r = ps->ms->rev;
    ops_interpret(m->a, m->upgrade ? &r->upgrade : &r->downgrade, &ps->ops, NULL);
    sql_render_ops(m->a, &ps->ops, &ps->sql);
    ps->is_static = ps->ops.is_static && r->syntax_ok;
    if (!r->syntax_ok) {
      buf_printf(&pl->dynamic, "%s: the file does not parse (see review_migration)\n", r->path);
      pl->ndynamic++;
    }
    mig__dynamic(pl, r, ps->ops.items, ps->ops.len);
    if (!ps->is_static) pl->all_static = false;
    ps->stmts = ARENA_ARRAY(m->a, ExecStmt, ps->sql.len ? ps->sql.len : 1);
    ps->locks = ARENA_ARRAY(m->a, const char *, ps->sql.len ? ps->sql.len : 1);
    for (size_t k = 0; k < ps->sql.len; k++) {
      const SqlStmt *st = &ps->sql.items[k];
      ps->stmts[k] = (ExecStmt){mig__online_sql(m->a, st), st->transactional, NULL};
      SqlStmtInfo info;
      if (!st->dynamic && sql_lock_for(m->a, st, &info) && info.nlocks) {
        const SqlLock *l = &info.locks[0];
        const char *t = l->table ? (l->schema ? arena_printf(m->a, "%s.%s", l->schema, l->table)
                                              : l->table)
                                 : NULL;
        ps->stmts[k].lock_table = t;
        ps->locks[k] = arena_printf(m->a, "%s on %s", pglock_name(l->mode), t ? t : "?");
      }
    }
  }

  // The engine.
  const char *want = m->engine_arg ? m->engine_arg : "auto";
  if (strcmp(want, "native") == 0) pl->engine = pl->all_static ? "native" : NULL;
  else if (strcmp(want, "alembic") == 0) pl->engine = m->alembic_bin ? "alembic" : NULL;
  else pl->engine = pl->all_static ? "native" : m->alembic_bin ? "alembic" : NULL;

  // plan_id: what the plan was computed from and what it will do.
  uint64_t h = 1469598103934665603ULL;
  fnv_str(&h, "retort-plan-1");
  fnv_str(&h, m->db ? db_target(m->db)->masked : "offline");
  fnv_str(&h, m->sysid);
  fnv_str(&h, m->dbname);
  fnv_str(&h, m->vschema);
  fnv_str(&h, m->vtable);
  fnv_str(&h, "rows");
  for (size_t i = 0; i < pl->sp.ncurrent; i++) fnv_str(&h, pl->sp.current[i]);
  fnv_str(&h, m->verb);
  fnv_str(&h, "final");
  for (size_t i = 0; i < pl->sp.nfinal; i++) fnv_str(&h, pl->sp.final[i]);
  fnv_str(&h, pl->engine ? pl->engine : "none");
  for (size_t i = 0; i < pl->n; i++) {
    const Revision *r = pl->steps[i].ms->rev;
    fnv_str(&h, r->id);
    fnv_str(&h, r->path);
    FILE *f = fopen(r->path, "rb");
    if (f) {
      char buf[65536];
      size_t got;
      while ((got = fread(buf, 1, sizeof buf, f)) > 0) fnv(&h, buf, got);
      fclose(f);
    }
    fnv_str(&h, "");
  }
  snprintf(pl->plan_id, sizeof pl->plan_id, "%016llx", (unsigned long long)h);
  return true;
}

/* The script `alembic upgrade --sql` prints for this plan (one BEGIN ... COMMIT, as
 * Alembic's default env.py; the version table created before a step from base and
 * dropped after the last step that leaves it empty). */
static char *mig__script(Mig *m, const Plan *pl) {
  Buf b = BUF_INIT;
  buf_puts(&b, "BEGIN;\n\n");
  size_t heads = pl->sp.ncurrent;
  for (size_t i = 0; i < pl->n; i++) {
    const PStep *ps = &pl->steps[i];
    if (heads == 0)
      buf_printf(&b, "%s;\n\n", sql_version_create_table(m->a, m->vschema, m->vtable));
    buf_printf(&b, "-- Running %s\n\n", ps->ms->short_log);
    buf_puts(&b, sql_stmts_join(m->a, &ps->sql));
    for (size_t k = 0; k < ps->ms->nvops; k++) {
      const VersionOp *v = &ps->ms->vops[k];
      const char *s = v->kind == VOP_INSERT   ? sql_version_insert(m->a, m->vschema, m->vtable, v->to)
                      : v->kind == VOP_DELETE ? sql_version_delete(m->a, m->vschema, m->vtable, v->from)
                                              : sql_version_update(m->a, m->vschema, m->vtable,
                                                                   v->from, v->to);
      buf_printf(&b, "%s;\n\n", s);
    }
    heads = ps->ms->nheads_after;
  }
  if (heads == 0 && pl->n)
    buf_printf(&b, "%s;\n\n", sql_version_drop_table(m->a, m->vschema, m->vtable));
  buf_puts(&b, "COMMIT;\n\n");
  char *s = arena_strdup(m->a, buf_cstr(&b));
  buf_free(&b);
  return s;
}

/* ---- JSON and text ------------------------------------------------------------------ */

static void mig__write_database(Mig *m, JsonWriter *w) {
  jw_key(w, "database");
  if (!m->db) {
    jw_null(w);
    return;
  }
  const DbTarget *t = db_target(m->db);
  jw_object_begin(w);
  jw_kv_string(w, "kind", t->kind == DB_KIND_SCRATCH ? "scratch" : "url");
  jw_kv_string(w, "url", t->masked);
  jw_kv_string(w, "source", t->source);
  jw_kv_string(w, "server_version", db_server_version(m->db));
  jw_kv_string(w, "name", m->dbname);
  jw_object_end(w);
}

static void mig__write_vop(JsonWriter *w, const VersionOp *v) {
  jw_object_begin(w);
  jw_kv_string(w, "op", v->kind == VOP_INSERT ? "insert" : v->kind == VOP_DELETE ? "delete"
                                                                              : "update");
  if (v->from) jw_kv_string(w, "from", v->from);
  if (v->to) jw_kv_string(w, "to", v->to);
  jw_object_end(w);
}

static void mig__write_rows(JsonWriter *w, const char *key, const char *const *rows, size_t n) {
  jw_key(w, key);
  tool_write_strings(w, rows, n);
}

/* The plan's members of the result object. */
static void mig__write_plan(Mig *m, JsonWriter *w, Plan *pl, bool requires_confirm) {
  mig__lint(m, pl);
  jw_kv_string(w, "direction", m->verb);
  jw_kv_string(w, "target", m->target);
  mig__write_database(m, w);
  mig__write_rows(w, "current", pl->sp.current, pl->sp.ncurrent);
  mig__write_rows(w, "after", pl->sp.final, pl->sp.nfinal);
  jw_kv_string(w, "engine", pl->engine);
  jw_kv_bool(w, "all_static", pl->all_static);
  jw_key(w, "steps");
  jw_array_begin(w);
  for (size_t i = 0; i < pl->n; i++) {
    const PStep *ps = &pl->steps[i];
    const Revision *r = ps->ms->rev;
    jw_object_begin(w);
    jw_kv_string(w, "revision", r->id);
    jw_kv_string(w, "direction", m->verb);
    jw_kv_string(w, "message", r->message ? r->message : "");
    jw_kv_string(w, "path", r->path);
    jw_kv_string(w, "log", ps->ms->short_log);
    jw_kv_bool(w, "static", ps->is_static);
    jw_key(w, "statements");
    jw_array_begin(w);
    for (size_t k = 0; k < ps->sql.len; k++) {
      jw_object_begin(w);
      jw_kv_string(w, "sql", ps->sql.items[k].sql);
      jw_kv_bool(w, "transactional", ps->sql.items[k].transactional);
      jw_kv_bool(w, "dynamic", ps->sql.items[k].dynamic);
      jw_kv_string(w, "lock", ps->locks[k]);
      jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "version_change");
    jw_array_begin(w);
    for (size_t k = 0; k < ps->ms->nvops; k++) mig__write_vop(w, &ps->ms->vops[k]);
    jw_array_end(w);
    mig__write_rows(w, "version_rows_after", ps->ms->heads_after, ps->ms->nheads_after);
    FindingList mine = {pl->findings.arena, NULL, 0, 0};
    // The revision's own findings: a contiguous run after sorting by path.
    for (size_t k = 0; k < pl->findings.len; k++) {
      const Finding *f = &pl->findings.items[k];
      if (f->path && strcmp(f->path, r->path) == 0) {
        if (!mine.items) mine.items = (Finding *)f;
        mine.len++;
      } else if (mine.items) {
        break;
      }
    }
    jw_key(w, "findings");
    tool_write_findings(w, &mine);
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_key(w, "findings");
  tool_write_findings(w, &pl->findings);
  jw_key(w, "dynamic");
  jw_array_begin(w);
  const char *d = buf_cstr(&pl->dynamic);
  while (*d) {
    size_t n = strcspn(d, "\n");
    jw_stringn(w, d, n);
    d += n + (d[n] == '\n');
  }
  jw_array_end(w);
  jw_kv_bool(w, "requires_confirm", requires_confirm);
  jw_kv_string(w, "plan_id", pl->plan_id);
}

static void mig__text_rows(Buf *t, const char *const *rows, size_t n) {
  if (!n) buf_puts(t, "(empty)");
  for (size_t i = 0; i < n; i++) buf_printf(t, "%s%s", i ? ", " : "", rows[i]);
}

static void mig__text_plan(Mig *m, Buf *t, const Plan *pl) {
  if (m->db) buf_printf(t, "Database: %s (%s, PostgreSQL %s)\n", db_target(m->db)->masked,
                        db_target(m->db)->kind == DB_KIND_SCRATCH ? "scratch cluster" : "url",
                        db_server_version(m->db));
  buf_puts(t, "Version table now: ");
  mig__text_rows(t, pl->sp.current, pl->sp.ncurrent);
  buf_printf(t, "\n%s %s: %zu step%s", m->verb, m->target, pl->n, pl->n == 1 ? "" : "s");
  if (pl->n) {
    buf_puts(t, ", then the version table holds ");
    mig__text_rows(t, pl->sp.final, pl->sp.nfinal);
  }
  buf_puts(t, "\n");
  for (size_t i = 0; i < pl->n; i++) {
    const PStep *ps = &pl->steps[i];
    const Revision *r = ps->ms->rev;
    buf_printf(t, "\n%zu. %s  %s\n   %s\n", i + 1, ps->ms->short_log,
               r->message ? r->message : "", r->path);
    for (size_t k = 0; k < ps->sql.len; k++) {
      const SqlStmt *s = &ps->sql.items[k];
      buf_puts(t, "   ");
      for (const char *c = s->sql; *c; c++) {
        buf_putc(t, *c);
        if (*c == '\n') buf_puts(t, "   "); // continuation lines stay indented
      }
      buf_printf(t, "%s%s\n", s->dynamic ? "" : ";",
                 s->transactional ? "" : "   -- outside the transaction");
      if (ps->locks[k]) buf_printf(t, "      -- takes %s\n", ps->locks[k]);
    }
    for (size_t k = 0; k < ps->ms->nvops; k++) {
      const VersionOp *v = &ps->ms->vops[k];
      if (v->kind == VOP_INSERT) buf_printf(t, "   version table: insert %s\n", v->to);
      else if (v->kind == VOP_DELETE) buf_printf(t, "   version table: delete %s\n", v->from);
      else buf_printf(t, "   version table: %s -> %s\n", v->from, v->to);
    }
  }
  if (pl->findings.len) {
    buf_printf(t, "\nFindings (%zu):\n", pl->findings.len);
    tool_text_findings(t, &pl->findings);
  }
  if (pl->ndynamic) {
    buf_puts(t, "\nNot statically readable (the native engine cannot run these):\n");
    buf_puts(t, buf_cstr(&pl->dynamic));
  }
}

/* The text that says how to go on from a plan. */
static void mig__text_next(Mig *m, Buf *t, const Plan *pl) {
  if (!pl->n) return;
  if (!pl->engine) {
    buf_printf(t, "\nNo engine can run this plan: %s. Install alembic in the project's "
                  "virtualenv (.venv/bin/alembic) or on PATH, or make the revisions static.\n",
               m->engine_arg && strcmp(m->engine_arg, "alembic") == 0
                   ? "engine=alembic was asked for but no alembic executable was found"
                   : "some revisions are not statically readable (listed above)");
    return;
  }
  buf_printf(t, "\nNothing was changed. Engine: %s. To run exactly this plan, call %s again "
                "with confirm=\"%s\" (CLI: retort %s %s --confirm %s). The confirm is refused "
                "if the version table or a revision file changes first.\n",
             pl->engine, m->verb, pl->plan_id, m->verb, m->target, pl->plan_id);
}

/* ---- running ------------------------------------------------------------------------ */

typedef struct Progress {
  Mig *m;
  size_t total;
} Progress;

static void mig__progress(void *ctx, size_t index, size_t total, const ExecStep *st, bool done) {
  Progress *p = ctx;
  if (done && index + 1 < total) return; // the next step's start says the same
  char msg[512];
  if (done) snprintf(msg, sizeof msg, "done: %s", st->short_log);
  else snprintf(msg, sizeof msg, "%s (%zu of %zu)", st->short_log, index + 1, total);
  if (p->m->call->peer) mcp_tool_progress(p->m->call, (double)(done ? total : index),
                                          (double)total, msg);
}

static bool mig__cancel_check(void *ctx) {
  const McpToolCall *call = ctx;
  return call->peer && mcp_call_cancelled(call);
}

/* Which prefix of the plan the version table `rows` corresponds to (-1: none). */
static long mig__steps_done(const Plan *pl, char **rows, size_t n) {
  if (mig__rows_equal((const char *const *)rows, n, pl->sp.current, pl->sp.ncurrent)) return 0;
  for (size_t i = pl->n; i-- > 0;)
    if (mig__rows_equal((const char *const *)rows, n, pl->steps[i].ms->heads_after,
                        pl->steps[i].ms->nheads_after))
      return (long)i + 1;
  return -1;
}

/* The URL the alembic child gets: the user's own URL when there is one and it is a URL
 * (SQLAlchemy cannot read a libpq keyword string), else a libpq URI for the connection
 * (a keyword string's, or the scratch cluster's). */
static char *mig__child_url(Mig *m) {
  const DbTarget *t = db_target(m->db);
  const char *src = t->source ? t->source : "", *own = NULL;
  if (strcmp(src, "database_url") == 0)
    own = json_get_string(m->call->arguments, "database_url");
  else if (strcmp(src, "RETORT_DATABASE_URL") == 0 || strcmp(src, "DATABASE_URL") == 0)
    own = getenv(src);
  else if (strcmp(src, "sqlalchemy.url") == 0)
    own = m->tp.project->sqlalchemy_url;
  if (own && strstr(own, "://")) return xstrdup(own);
  return db_conninfo_to_url(t->conninfo);
}

/* Runs the project's alembic (alembic_child_run: argv, no shell, stdin /dev/null, stdout
 * and stderr to a pipe, the URL in the environment only, the call's timeouts in
 * PGOPTIONS, cancellable by notifications/cancelled). *output gets what it printed
 * (capped, the password scrubbed). */
static bool mig__run_alembic(Mig *m, const char *target, bool sql, int *status, Buf *output,
                             Buf *errout, bool *cancelled, RtError *err) {
  char *url = m->db ? mig__child_url(m) : NULL;
  AlembicChild c = {.bin = m->alembic_bin,
                    .ini = project_config_file(m->tp.project),
                    .cwd = m->tp.project->root,
                    .url = url,
                    .sql = sql,
                    .lock_ms = m->lock_ms,
                    .stmt_ms = m->stmt_ms,
                    .cancel_fd = m->call->peer ? mcp_call_cancel_fd(m->call) : -1,
                    .cancelled = mig__cancel_check,
                    .cancel_ctx = (void *)m->call};
  bool ok = alembic_child_run(&c, m->verb, target, status, output, errout, cancelled, err);
  if (url) memset(url, 0, strlen(url));
  free(url);
  return ok;
}

static void mig__write_failed(JsonWriter *w, const ExecResult *r, const Plan *pl) {
  jw_key(w, "failed");
  jw_object_begin(w);
  jw_kv_string(w, "revision", pl->steps[r->failed_step].ms->rev->id);
  jw_kv_string(w, "log", pl->steps[r->failed_step].ms->short_log);
  jw_key(w, "statement_index");
  if (r->failed_stmt >= 0) jw_int(w, r->failed_stmt + 1);
  else jw_null(w);
  jw_kv_string(w, "sql", r->failed_sql);
  jw_kv_string(w, "error", r->error);
  jw_kv_string(w, "sqlstate", r->sqlstate);
  jw_kv_string(w, "detail", r->detail);
  jw_kv_string(w, "hint", r->hint);
  jw_kv_bool(w, "cancelled", r->cancelled);
  jw_kv_int(w, "committed_statements", (int64_t)r->committed_stmts);
  jw_object_end(w);
}

/* Writes the result of a run (native or alembic) and its text. */
static void mig__report_run(Mig *m, McpToolResult *res, const Plan *pl, const ExecResult *r,
                            const char *engine, const char *child_output, const char *note) {
  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  jw_kv_string(&w, "direction", m->verb);
  jw_kv_string(&w, "target", m->target);
  mig__write_database(m, &w);
  jw_kv_bool(&w, "executed", true);
  jw_kv_string(&w, "engine", engine);
  jw_kv_string(&w, "plan_id", pl->plan_id);
  jw_kv_bool(&w, "requires_confirm", false);
  jw_key(&w, "applied");
  jw_array_begin(&w);
  for (size_t i = 0; i < r->napplied; i++) {
    jw_object_begin(&w);
    jw_kv_string(&w, "revision", pl->steps[i].ms->rev->id);
    jw_kv_string(&w, "log", pl->steps[i].ms->short_log);
    if (r->step_ms) { // the alembic engine runs all steps in one process: no per-step time
      jw_key(&w, "ms");
      jw_double(&w, r->step_ms[i]);
    }
    jw_object_end(&w);
  }
  jw_array_end(&w);
  mig__write_rows(&w, "before", pl->sp.current, pl->sp.ncurrent);
  if (r->rows_known) {
    mig__write_rows(&w, "current", (const char *const *)r->rows, r->nrows);
  } else {
    jw_key(&w, "current");
    jw_null(&w);
  }
  if (r->failed) mig__write_failed(&w, r, pl);
  if (child_output) jw_kv_string(&w, "alembic_output", child_output);
  if (note) jw_kv_string(&w, "note", note);
  jw_key(&w, "timings");
  jw_object_begin(&w);
  jw_key(&w, "total_ms");
  jw_double(&w, r->total_ms);
  jw_object_end(&w);
  jw_object_end(&w);

  Buf *t = &res->text;
  if (m->db) buf_printf(t, "Database: %s\n", db_target(m->db)->masked);
  if (note) buf_printf(t, "%s\n", note);
  for (size_t i = 0; i < r->napplied; i++) {
    buf_printf(t, "applied %s", pl->steps[i].ms->short_log);
    if (r->step_ms) buf_printf(t, " (%.1f ms)", r->step_ms[i]);
    buf_puts(t, "\n");
  }
  if (r->failed) {
    const PStep *ps = &pl->steps[r->failed_step];
    buf_printf(t, "FAILED: %s (revision %s, %s)%s\n", ps->ms->short_log, ps->ms->rev->id,
               ps->ms->rev->path, r->cancelled ? " — cancelled" : "");
    if (r->failed_stmt >= 0)
      buf_printf(t, "  statement %ld: %s\n", r->failed_stmt + 1, r->failed_sql);
    else if (r->failed_sql && *r->failed_sql)
      buf_printf(t, "  while running: %s\n", r->failed_sql);
    buf_printf(t, "  error: %s%s%s%s\n", r->error ? r->error : "?",
               r->sqlstate ? " (SQLSTATE " : "", r->sqlstate ? r->sqlstate : "",
               r->sqlstate ? ")" : "");
    if (r->detail) buf_printf(t, "  detail: %s\n", r->detail);
    if (r->hint) buf_printf(t, "  hint: %s\n", r->hint);
    if (r->committed_stmts)
      buf_printf(t, "  note: statements 1-%zu of %s ran outside the transaction "
                    "(autocommit_block) and stay committed; the rest of it was rolled back\n",
                 r->committed_stmts, ps->ms->rev->id);
    else
      buf_printf(t, "  %s was rolled back: nothing of it is left\n", ps->ms->rev->id);
    if (child_output && *child_output) buf_printf(t, "alembic said:\n%s\n", child_output);
  } else if (!r->napplied && !note) {
    buf_puts(t, "Nothing to do: the database is already at the target.\n");
  }
  buf_puts(t, "Version table now: ");
  if (r->rows_known) mig__text_rows(t, (const char *const *)r->rows, r->nrows);
  else buf_puts(t, "unknown (the connection was lost; check with status)");
  buf_printf(t, "\n(%.1f ms)\n", r->total_ms);
  res->is_error = r->failed;
}

/* Reports a refused confirm: an isError result carrying the new plan. */
static void mig__report_stale(Mig *m, McpToolResult *res, Plan *pl, const char *why) {
  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  mig__write_plan(m, &w, pl, !m->scratch);
  jw_kv_bool(&w, "executed", false);
  jw_kv_string(&w, "refused", why);
  jw_object_end(&w);
  buf_printf(&res->text, "REFUSED (stale plan): %s. Nothing was changed.\n\nThe plan now:\n",
             why);
  mig__text_plan(m, &res->text, pl);
  mig__text_next(m, &res->text, pl);
  res->is_error = true;
}

static void mig__exec_steps(Mig *m, const Plan *pl, ExecStep *out) {
  for (size_t i = 0; i < pl->n; i++) {
    const PStep *ps = &pl->steps[i];
    out[i] = (ExecStep){ps->ms->rev->id, ps->ms->short_log, ps->stmts, ps->sql.len,
                        ps->ms->vops, ps->ms->nvops};
  }
}

/* What alembic's output says went wrong (alembic_child_error), into the result. */
static void mig__child_error(const char *o, ExecResult *r) {
  alembic_child_error(o, &r->error, &r->failed_sql);
}

/* Reports a run with nothing to do: the version table holds `rows` (taken). */
static void mig__report_nothing(Mig *m, McpToolResult *res, Plan *pl, char **rows,
                                size_t nrows, const char *engine, const char *note) {
  ExecResult r = {0};
  r.rows_known = true;
  r.rows = rows;
  r.nrows = nrows;
  mig__report_run(m, res, pl, &r, engine, NULL, note);
  db_exec_result_free(&r);
}

/* Runs `pl` (computed from the rows read before the lock). */
static bool mig__execute(Mig *m, Plan *pl, McpToolResult *res, RtError *err) {
  DbCancel cancel = {m->call->peer ? mcp_call_cancel_fd(m->call) : -1, mig__cancel_check,
                     (void *)m->call};
  Progress prog = {m, pl->n};
  ExecOptions opt = {m->vschema, m->vtable, m->lock_ms, m->stmt_ms, &cancel, mig__progress,
                     &prog};
  DbExec *x = NULL;
  char **rows = NULL;
  size_t nrows = 0;
  bool exists = false;
  if (!db_exec_begin(m->db, &opt, &x, &rows, &nrows, &exists, err)) return false;
  Plan fresh = {0};
  Plan *run = pl;
  bool ok = true;
  // Under the lock: the version table may have moved since the plan (another retort
  // run that held the lock before us, or anything else).
  if (!mig__rows_equal((const char *const *)rows, nrows, pl->sp.current, pl->sp.ncurrent)) {
    if (!mig__plan(m, (const char *const *)rows, nrows, &fresh, err)) {
      ok = false;
      goto done;
    }
    if (fresh.n == 0) {
      mig__report_nothing(m, res, pl, rows, nrows, pl->engine,
                          "Nothing to do: while this call waited for the migration lock, "
                          "another session brought the database to the target.");
      rows = NULL;
      goto done;
    }
    if (!m->scratch) {
      mig__report_stale(m, res, &fresh,
                        "the version table changed between the plan and this confirm "
                        "(another session migrated the database); the new plan is below");
      goto done;
    }
    run = &fresh;
    prog.total = run->n;
    if (!run->engine) {
      ok = error_set(err, ERR_PARAMS,
                     "%s %s: the version table changed while waiting for the migration lock "
                     "and the new plan has revisions no engine can run; nothing was run:\n%s",
                     m->verb, m->target, buf_cstr(&run->dynamic));
      goto done;
    }
  }
  if (strcmp(run->engine, "native") == 0) {
    ExecStep *steps = xcalloc(run->n ? run->n : 1, sizeof *steps);
    mig__exec_steps(m, run, steps);
    ExecResult r;
    RtError e2 = {0};
    db_exec_steps(x, steps, run->n, exists, &r, &e2);
    mig__report_run(m, res, run, &r, "native", NULL, NULL);
    db_exec_result_free(&r);
    free(steps);
  } else {
    // engine=alembic: the project's alembic runs the same target while we hold the lock.
    const char *target = m->plan_target;
    int status = 0;
    Buf out = BUF_INIT;
    bool cancelled = false;
    double t0 = mig__now_ms();
    if (m->call->peer) mcp_tool_progress(m->call, 0, (double)run->n, "running alembic");
    if (!mig__run_alembic(m, target, false, &status, &out, NULL, &cancelled, err)) {
      buf_free(&out);
      ok = false;
      goto done;
    }
    ExecResult r = {0};
    r.total_ms = mig__now_ms() - t0;
    RtError e2 = {0};
    bool ex2;
    r.rows_known = db_version_rows(m->db, m->vschema, m->vtable, &r.rows, &r.nrows, &ex2, &e2);
    long done_steps = r.rows_known ? mig__steps_done(run, r.rows, r.nrows) : -1;
    bool success = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !cancelled;
    r.napplied = done_steps > 0 ? (size_t)done_steps : 0;
    if (!success || done_steps != (long)run->n) {
      r.failed = true;
      r.cancelled = cancelled;
      r.failed_step = r.napplied < run->n ? r.napplied : run->n - 1;
      r.failed_stmt = -1;
      mig__child_error(buf_cstr(&out), &r);
      // The revision alembic was running: its last "Running <log>" line.
      const char *o = buf_cstr(&out), *lastpos = NULL;
      for (size_t i = r.napplied; i < run->n; i++) {
        char *needle = arena_printf(m->a, "Running %s", run->steps[i].ms->short_log);
        for (const char *h = strstr(o, needle); h; h = strstr(h + 1, needle)) {
          if (!lastpos || h > lastpos) {
            lastpos = h;
            r.failed_step = i;
          }
        }
      }
      if (success) {
        free(r.error);
        r.error = xstrdup("alembic finished, but the version table does not hold what the "
                          "plan ends with: does the project's env.py read DATABASE_URL? "
                          "(otherwise it migrated the database of its sqlalchemy.url)");
      }
    }
    if (m->call->peer) mcp_tool_progress(m->call, (double)run->n, (double)run->n, "alembic done");
    mig__report_run(m, res, run, &r, "alembic", r.failed ? buf_cstr(&out) : NULL, NULL);
    db_exec_result_free(&r);
    buf_free(&out);
  }
done:
  free(rows);
  db_exec_end(x);
  mig__plan_free(&fresh);
  return ok;
}

/* ---- the tool ----------------------------------------------------------------------- */

static bool mig__run(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err,
                     bool upgrade) {
  Mig mm = {0}, *m = &mm;
  m->s = s;
  m->call = call;
  m->a = call->arena;
  m->upgrade = upgrade;
  m->verb = upgrade ? "upgrade" : "downgrade";
  const Json *args = call->arguments;
  m->target = json_get_string(args, "target");
  if (!m->target || !*m->target) m->target = upgrade ? "head" : "-1";
  m->sql_only = json_get_true(args, "sql_only");
  m->confirm = json_get_string(args, "confirm");
  m->engine_arg = json_get_string(args, "engine");
  Plan pl = {0};
  char **rows = NULL;
  size_t nrows = 0;
  bool ok = false;

  m->plan_target = m->target;
  const char *colon = strchr(m->target, ':');
  if (colon) {
    if (!m->sql_only) {
      error_set(err, ERR_PARAMS, "%s %s: a range FROM:TO is for sql_only (the offline script, "
                                 "as alembic's --sql); to run, give the target alone",
                m->verb, m->target);
      goto done;
    }
    m->from = arena_strndup(m->a, m->target, (size_t)(colon - m->target));
    m->plan_target = colon + 1;
    if (strchr(m->plan_target, ':')) {
      error_set(err, ERR_PARAMS, "%s %s: give at most one FROM:TO range", m->verb, m->target);
      goto done;
    }
  }
  if (!tool_project_load(s, args, REV_PARSE_FULL, &m->tp, err)) goto done;
  if (!lint_config_from_project(m->tp.project, &m->cfg, err)) goto done;
  if (!mig__int_setting(m, "lock_timeout_ms", "lock_timeout_ms", DEFAULT_LOCK_TIMEOUT_MS,
                        &m->lock_ms, err) ||
      !mig__int_setting(m, "statement_timeout_ms", "statement_timeout_ms",
                        DEFAULT_STATEMENT_TIMEOUT_MS, &m->stmt_ms, err))
    goto done;
  if (m->tp.project->ini) {
    RtError e2 = {0};
    m->vtable = ini_get(m->tp.project->ini, m->tp.project->section, "version_table", &e2);
    m->vschema = ini_get(m->tp.project->ini, m->tp.project->section, "version_table_schema", &e2);
    if (m->vtable && !*m->vtable) m->vtable = NULL;
    if (m->vschema && !*m->vschema) m->vschema = NULL;
  }
  m->alembic_bin = project_config_file(m->tp.project) ? mig__find_alembic(m) : NULL;

  if (m->sql_only && m->from) {
    // Offline, like alembic's --sql FROM:TO: the start is named, no database.
    if (strcmp(m->from, "base") != 0 && *m->from) {
      Revision **r = NULL;
      size_t nr = 0;
      if (!graph_resolve(m->tp.graph, m->from, &r, &nr, err)) goto done;
      if (nr != 1) {
        free(r);
        error_set(err, ERR_TARGET, "%s %s: the start of a range must name one revision",
                  m->verb, m->target);
        goto done;
      }
      rows = xmalloc(2 * sizeof *rows);
      rows[0] = (char *)arena_strdup(m->a, r[0]->id);
      rows[1] = NULL;
      nrows = 1;
      free(r);
    }
  } else {
    if (!tool_db_connect(s, args, m->tp.project, &m->db, err)) goto done;
    m->scratch = db_target(m->db)->kind == DB_KIND_SCRATCH;
    if (!db_identity(m->db, &m->sysid, &m->dbname, err)) goto done;
    bool exists;
    if (!db_version_rows(m->db, m->vschema, m->vtable, &rows, &nrows, &exists, err)) goto done;
  }
  if (nrows > 1) qsort(rows, nrows, sizeof *rows, mig__cmpstr);
  if (!mig__plan(m, (const char *const *)rows, nrows, &pl, err)) goto done;

  if (m->sql_only) {
    JsonWriter w;
    jw_init(&w, &res->structured);
    jw_object_begin(&w);
    mig__write_plan(m, &w, &pl, false);
    jw_kv_bool(&w, "executed", false);
    char *script = NULL;
    if (!pl.all_static && nrows <= 1 && m->alembic_bin &&
        !(m->engine_arg && strcmp(m->engine_arg, "native") == 0)) {
      // What retort cannot read statically, the project's alembic renders: its own
      // `--sql` output for the same start and target.
      const char *range = m->from ? m->target
                                  : arena_printf(m->a, "%s:%s", nrows ? rows[0] : "base",
                                                 m->plan_target);
      int status = 0;
      bool cancelled = false;
      Buf out = BUF_INIT, eout = BUF_INIT;
      if (!mig__run_alembic(m, range, true, &status, &out, &eout, &cancelled, err)) {
        buf_free(&out);
        buf_free(&eout);
        goto done;
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ExecResult r = {0};
        mig__child_error(buf_cstr(&eout), &r);
        error_set(err, ERR_IO, "%s --sql %s: alembic failed: %s", m->verb, range, r.error);
        db_exec_result_free(&r);
        buf_free(&out);
        buf_free(&eout);
        goto done;
      }
      script = arena_strdup(m->a, buf_cstr(&out));
      jw_kv_string(&w, "rendered_by", "alembic");
      buf_free(&out);
      buf_free(&eout);
    } else {
      script = mig__script(m, &pl);
      jw_kv_string(&w, "rendered_by", "retort");
    }
    jw_kv_string(&w, "sql", script);
    jw_object_end(&w);
    buf_puts(&res->text, script);
    ok = true;
    goto done;
  }
  bool confirmed = m->confirm && strcmp(m->confirm, pl.plan_id) == 0;
  if (m->confirm && !confirmed) {
    mig__report_stale(m, res, &pl,
                      "confirm does not match the plan computed now: the version table, a "
                      "revision file, the target or the engine changed since that plan was "
                      "made (or it is for another database)");
    ok = true;
    goto done;
  }
  if (!confirmed && !m->scratch) {
    JsonWriter w;
    jw_init(&w, &res->structured);
    jw_object_begin(&w);
    mig__write_plan(m, &w, &pl, pl.n > 0);
    jw_kv_bool(&w, "executed", false);
    jw_object_end(&w);
    mig__text_plan(m, &res->text, &pl);
    mig__text_next(m, &res->text, &pl);
    ok = true;
    goto done;
  }
  if (pl.n && !pl.engine) {
    error_set(err, ERR_PARAMS,
              "%s %s: %s; nothing was run. Not statically readable:\n%s", m->verb, m->target,
              m->engine_arg && strcmp(m->engine_arg, "alembic") == 0
                  ? "engine=alembic, but no alembic executable was found (.venv/bin, venv/bin, "
                    "PATH)"
              : m->engine_arg && strcmp(m->engine_arg, "native") == 0
                  ? "engine=native runs only static revisions; use engine=auto or alembic to "
                    "have the project's alembic run them"
                  : "the native engine runs only static revisions and no alembic executable "
                    "was found to run the others",
              buf_cstr(&pl.dynamic));
    goto done;
  }
  if (pl.n == 0) {
    mig__report_nothing(m, res, &pl, rows, nrows, pl.engine ? pl.engine : "native",
                        "Nothing to do: the database is already at the target.");
    rows = NULL;
    ok = true;
    goto done;
  }
  ok = mig__execute(m, &pl, res, err);

done:
  free(rows);
  free(m->sysid);
  free(m->dbname);
  mig__plan_free(&pl);
  lint_config_delete(m->cfg);
  tool_project_free(&m->tp);
  return ok;
}

bool tool_upgrade(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err) {
  return mig__run(s, call, res, err, true);
}

bool tool_downgrade(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err) {
  return mig__run(s, call, res, err, false);
}
