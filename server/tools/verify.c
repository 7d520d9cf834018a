/* verify.c - round-trip verification: upgrade, snapshot, downgrade, compare, upgrade
 * again, on a throwaway database of the scratch cluster, with the locks each statement
 * of the upgrade actually took. Each phase runs with the engine upgrade's engine=auto
 * would pick: retort's own for static revisions, the project's alembic for the others. */
#include "server/tools/verify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/alembic/ops.h"
#include "server/alembic/steps.h"
#include "server/base/mem.h"
#include "server/db/catalog.h"
#include "server/db/exec.h"
#include "server/schema/compare.h"
#include "server/sql/sql.h"
#include "server/tools/alembic_child.h"

/* Generous: the throwaway database has no other users; this only bounds a bug. */
static const int VERIFY_LOCK_TIMEOUT_MS = 10000;
static const int VERIFY_STATEMENT_TIMEOUT_MS = 300000;

typedef struct Verify {
  const ToolProject *tp;
  Db *admin;             /* the scratch cluster's own database */
  Db *db;                /* the throwaway database (NULL between revisions) */
  char dbname[64];
  const char *vt_schema, *vt_table;
  char *alembic;         /* the project's alembic (alembic_child_find), or NULL */
  Arena *a;              /* per revision */
} Verify;

/* The engines, as upgrade names them. */
static const char *const ENGINE_NATIVE = "native";
static const char *const ENGINE_ALEMBIC = "alembic";

/* One phase's outcome. */
typedef struct Phase {
  bool ran, ok;
  const char *engine;    /* ENGINE_NATIVE or ENGINE_ALEMBIC */
  char *error;           /* malloc'd */
} Phase;

typedef struct Observed {
  size_t stmt;           /* 1-based */
  const char *sql, *relation, *mode;
  bool existing;         /* the relation existed before the revision (else it made it:
                            a lock on it blocks nobody) */
} Observed;

typedef VEC(Observed) ObservedVec;
typedef VEC(char *) NoteVec;

/* "AccessExclusiveLock" → "ACCESS EXCLUSIVE", as review_migration names lock modes. */
static char *verify__mode(Arena *a, const char *pg) {
  Buf b = BUF_INIT;
  size_t n = strlen(pg);
  if (n > 4 && !strcmp(pg + n - 4, "Lock")) n -= 4;
  for (size_t k = 0; k < n; k++) {
    if (k && isupper((unsigned char)pg[k])) buf_putc(&b, ' ');
    buf_putc(&b, (char)toupper((unsigned char)pg[k]));
  }
  char *s = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return s;
}

/* Why `rev`'s upgrade or downgrade cannot run natively, or NULL when it can. */
static const char *verify__dynamic(Arena *a, const Revision *rev, bool upgrade) {
  const OpList *ops = upgrade ? &rev->upgrade : &rev->downgrade;
  if (rev->mode != REV_PARSE_FULL) return "its file was not read in full";
  if (ops->is_static) return NULL;
  MigOpList l;
  ops_interpret(a, ops, &l, NULL);
  const MigOp *d = ops_first_dynamic(&l);
  return arena_printf(a, "%s() of %s has code retort does not run natively (%s, %s:%u)",
                      upgrade ? "upgrade" : "downgrade", rev->id,
                      d && d->dynamic_reason ? d->dynamic_reason : "dynamic code", rev->path,
                      d ? d->range.line : ops->def_range.line);
}

static void verify__render(Arena *a, const Revision *rev, bool upgrade, SqlStmtList *out) {
  MigOpList *l = ARENA_NEW(a, MigOpList);
  ops_interpret(a, upgrade ? &rev->upgrade : &rev->downgrade, l, NULL);
  memset(out, 0, sizeof *out);
  sql_render_ops(a, l, out);
}

/* The version rows of the throwaway database now (sorted; one malloc). */
static bool verify__rows(Verify *v, char ***rows, size_t *n, RtError *err) {
  bool exists;
  return db_version_rows(v->db, v->vt_schema, v->vt_table, rows, n, &exists, err);
}

/* Plans `target` from the rows now in the database. */
static bool verify__plan(Verify *v, const char *target, bool upgrade, StepPlan *pl,
                         RtError *err) {
  char **rows = NULL;
  size_t n = 0;
  memset(pl, 0, sizeof *pl);
  if (!verify__rows(v, &rows, &n, err)) return false;
  bool ok = steps_plan(v->tp->graph, (const char *const *)rows, n, target, upgrade, pl, err);
  free(rows);
  return ok;
}

/* Runs steps [from, to) of `pl` with the native engine. On failure *why says where. */
static bool verify__exec(Verify *v, const StepPlan *pl, size_t from, size_t to, char **why) {
  RtError err = {0};
  ExecStep *steps = xcalloc(to - from + 1, sizeof *steps);
  for (size_t k = from; k < to; k++) {
    const MigStep *ms = &pl->steps[k];
    SqlStmtList sql;
    verify__render(v->a, ms->rev, pl->upgrade, &sql);
    ExecStmt *stmts = ARENA_ARRAY(v->a, ExecStmt, sql.len + 1);
    for (size_t j = 0; j < sql.len; j++)
      stmts[j] = (ExecStmt){sql.items[j].sql, sql.items[j].transactional, NULL};
    steps[k - from] = (ExecStep){ms->rev->id, ms->short_log, stmts, sql.len, ms->vops, ms->nvops};
  }
  ExecOptions opt = {.version_schema = v->vt_schema, .version_table = v->vt_table,
                     .lock_timeout_ms = VERIFY_LOCK_TIMEOUT_MS,
                     .statement_timeout_ms = VERIFY_STATEMENT_TIMEOUT_MS};
  DbExec *x = NULL;
  char **rows = NULL;
  size_t nrows = 0;
  bool exists = false, ok = false;
  ExecResult res = {0};
  if (!db_exec_begin(v->db, &opt, &x, &rows, &nrows, &exists, &err)) {
    *why = xstrdup(err.msg);
    goto done;
  }
  if (!db_exec_steps(x, steps, to - from, exists, &res, &err)) {
    *why = xstrdup(err.msg);
  } else if (res.failed) {
    Buf b = BUF_INIT;
    const ExecStep *st = &steps[res.failed_step < to - from ? res.failed_step : 0];
    buf_printf(&b, "%s failed", st->short_log ? st->short_log : st->revision);
    if (res.failed_sql) buf_printf(&b, " at `%s`", res.failed_sql);
    buf_printf(&b, ": %s", res.error ? res.error : err.msg);
    if (res.detail) buf_printf(&b, " (%s)", res.detail);
    *why = buf_detach(&b);
  } else {
    ok = true;
  }
  db_exec_end(x);
done:
  db_exec_result_free(&res);
  free(rows);
  free(steps);
  return ok;
}

/* The engine for `rev`'s upgrade (or downgrade), as upgrade's engine=auto picks it:
 * native when it is static, else the project's alembic when there is one, else NULL
 * with *why saying what cannot run. */
static const char *verify__engine(Verify *v, const Revision *rev, bool upgrade,
                                  const char **why) {
  const char *dyn = verify__dynamic(v->a, rev, upgrade);
  if (!dyn) return ENGINE_NATIVE;
  if (v->alembic) return ENGINE_ALEMBIC;
  *why = arena_printf(v->a, "%s, and no alembic executable was found to run it (.venv/bin, "
                            "venv/bin or PATH)",
                      dyn);
  return NULL;
}

/* The engine for steps [from, to) of `pl`: native when all are static, else alembic. */
static const char *verify__plan_engine(Verify *v, const StepPlan *pl, size_t from, size_t to,
                                       const char **why) {
  const char *engine = ENGINE_NATIVE;
  for (size_t k = from; k < to && engine; k++) {
    const char *e = verify__engine(v, pl->steps[k].rev, pl->upgrade, why);
    if (e != ENGINE_NATIVE) engine = e;
  }
  return engine;
}

/* Runs `alembic VERB TARGET` of the project on the throwaway database (the URL in the
 * child's environment; the project's env.py must read DATABASE_URL or
 * RETORT_DATABASE_URL), then, when `want` is not NULL, checks that the version table
 * holds `want` (sorted). On failure *why says what alembic said, or what the table holds
 * instead. */
static bool verify__alembic(Verify *v, const char *verb, const char *target,
                            const char *const *want, size_t nwant, char **why) {
  RtError err = {0};
  char *url = db_conninfo_to_url(db_target(v->db)->conninfo);
  if (!url) {
    *why = xstrdup("cannot give the throwaway database's address to alembic");
    return false;
  }
  AlembicChild c = {.bin = v->alembic, .ini = project_config_file(v->tp->project),
                    .cwd = v->tp->project->root, .url = url,
                    .lock_ms = VERIFY_LOCK_TIMEOUT_MS, .stmt_ms = VERIFY_STATEMENT_TIMEOUT_MS,
                    .cancel_fd = -1};
  int status = 0;
  bool cancelled = false, ok = false;
  Buf out = BUF_INIT;
  char **rows = NULL;
  size_t n = 0;
  if (!alembic_child_run(&c, verb, target, &status, &out, NULL, &cancelled, &err)) {
    *why = xstrdup(err.msg);
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char *e = NULL, *sql = NULL;
    alembic_child_error(buf_cstr(&out), &e, &sql);
    Buf b = BUF_INIT;
    buf_printf(&b, "alembic %s %s failed", verb, target);
    if (*sql) buf_printf(&b, " at `%s`", sql);
    buf_printf(&b, ": %s", e);
    *why = buf_detach(&b);
    free(e);
    free(sql);
  } else if (!want) {
    ok = true;
  } else if (!verify__rows(v, &rows, &n, &err)) {
    *why = xstrdup(err.msg);
  } else {
    ok = n == nwant;
    for (size_t k = 0; k < n && ok; k++) ok = !strcmp(rows[k], want[k]);
    if (!ok) {
      Buf b = BUF_INIT;
      buf_printf(&b, "alembic %s %s finished, but the version table holds [", verb, target);
      for (size_t k = 0; k < n; k++) buf_printf(&b, "%s%s", k ? ", " : "", rows[k]);
      buf_puts(&b, "] instead of [");
      for (size_t k = 0; k < nwant; k++) buf_printf(&b, "%s%s", k ? ", " : "", want[k]);
      buf_puts(&b, "]: does the project's env.py read DATABASE_URL?");
      *why = buf_detach(&b);
    }
  }
  memset(url, 0, strlen(url));
  free(url);
  free(rows);
  buf_free(&out);
  return ok;
}

/* Runs steps [from, to) of `pl` with `engine`: natively, or with the project's alembic
 * to the version rows the last step leaves: one `alembic upgrade ROW` per row (a merge's
 * parents are several), or `alembic downgrade TARGET` (the plan for the same target
 * unapplies exactly one revision); the rows are checked afterwards. */
static bool verify__run(Verify *v, const char *engine, const StepPlan *pl, size_t from,
                        size_t to, const char *target, char **why) {
  if (engine == ENGINE_NATIVE) return verify__exec(v, pl, from, to, why);
  const MigStep *last = &pl->steps[to - 1];
  if (!pl->upgrade)
    return verify__alembic(v, "downgrade", target, last->heads_after, last->nheads_after, why);
  for (size_t k = 0; k < last->nheads_after; k++) {
    bool final = k + 1 == last->nheads_after;
    if (!verify__alembic(v, "upgrade", last->heads_after[k], final ? last->heads_after : NULL,
                         last->nheads_after, why))
      return false;
  }
  return true;
}

/* Runs R's upgrade statements in a transaction that is rolled back, reading this
 * session's locks after each one: what each statement newly took. */
static void verify__observe(Verify *v, const Revision *r, ObservedVec *out, NoteVec *notes) {
  SqlStmtList sql;
  verify__render(v->a, r, true, &sql);
  RtError err = {0};
  char buf[64];
  snprintf(buf, sizeof buf, "SET LOCAL lock_timeout = %d", VERIFY_LOCK_TIMEOUT_MS);
  if (!catalog_exec(v->db, "BEGIN", &err) || !catalog_exec(v->db, buf, &err)) {
    vec_push(notes, arena_printf(v->a, "locks were not observed: %s", err.msg));
    catalog_exec(v->db, "ROLLBACK", NULL);
    return;
  }
  CatalogLockList before = {0}, after = {0};
  char **existing = NULL;
  size_t nexisting = 0;
  if (!catalog_relations(v->db, &existing, &nexisting, &err)) goto fail;
  if (!catalog_locks(v->db, &before, &err)) goto fail;
  for (size_t k = 0; k < sql.len; k++) {
    const SqlStmt *st = &sql.items[k];
    if (!st->transactional) {
      vec_push(notes, arena_printf(v->a,
                                   "statement %zu runs outside the transaction "
                                   "(autocommit_block): its locks were not observed",
                                   k + 1));
      continue;
    }
    if (!catalog_exec(v->db, st->sql, &err)) {
      vec_push(notes, arena_printf(v->a,
                                   "statement %zu failed while observing locks (later "
                                   "statements not observed): %s",
                                   k + 1, err.msg));
      break;
    }
    if (!catalog_locks(v->db, &after, &err)) goto fail;
    for (size_t j = 0; j < after.len; j++) {
      bool had = false;
      for (size_t i = 0; i < before.len && !had; i++)
        had = !strcmp(after.items[j].mode, before.items[i].mode) &&
              ((!after.items[j].relation && !before.items[i].relation) ||
               (after.items[j].relation && before.items[i].relation &&
                !strcmp(after.items[j].relation, before.items[i].relation)));
      if (had) continue;
      const char *rel = after.items[j].relation ? after.items[j].relation : "?";
      bool was = false;
      for (size_t i = 0; i < nexisting && !was; i++) was = !strcmp(existing[i], rel);
      Observed o = {k + 1, st->sql, arena_strdup(v->a, rel), verify__mode(v->a, after.items[j].mode),
                    was};
      vec_push(out, o);
    }
    catalog_locks_free(&before);
    before = after;
    after = (CatalogLockList){0};
  }
  catalog_locks_free(&before);
  free(existing);
  catalog_exec(v->db, "ROLLBACK", NULL);
  return;
fail:
  free(existing);
  vec_push(notes, arena_printf(v->a, "locks were not observed: %s", err.msg));
  catalog_locks_free(&before);
  catalog_locks_free(&after);
  catalog_exec(v->db, "ROLLBACK", NULL);
}

static void verify__write_phase(JsonWriter *w, const char *key, const Phase *p) {
  jw_key(w, key);
  if (!p->ran) {
    jw_null(w);
    return;
  }
  jw_object_begin(w);
  jw_kv_bool(w, "ok", p->ok);
  jw_key(w, "error");
  jw_string(w, p->error);
  jw_kv_string(w, "engine", p->engine);
  jw_object_end(w);
}

static const char *verify__phase_text(const Phase *p) {
  return !p->ran ? "not run" : p->ok ? "ok" : "FAILED";
}

/* One revision, start to end; writes its JSON object and text. */
static void verify__one(Verify *v, const Revision *r, JsonWriter *w, Buf *text) {
  Phase up = {0}, down = {0}, again = {0};
  ObservedVec locks = {0};
  NoteVec notes = {0};
  CompareList lost = {0};
  Snapshot before = {0}, after = {0};
  const char *skipped = NULL;
  bool compared = false;
  StepPlan pl = {0};
  RtError err = {0};
  char *why = NULL;
  const char *parents = NULL, *why_not = NULL;
  bool parents_ran = false;

  // Each phase runs with the engine upgrade's engine=auto picks for it: native when its
  // revisions are static, else the project's alembic; none (dynamic code and no
  // alembic) skips the revision, saying why.
  up.engine = again.engine = verify__engine(v, r, true, &why_not);
  down.engine = up.engine ? verify__engine(v, r, false, &why_not) : NULL;
  if (!up.engine || !down.engine) {
    skipped = why_not;
  } else if (!catalog_scratch_db_create(v->admin, v->dbname, &v->db, &err)) {
    skipped = arena_printf(v->a, "cannot create the throwaway database: %s", err.msg);
  } else if (!verify__plan(v, r->id, true, &pl, &err)) {
    skipped = arena_printf(v->a, "cannot plan the upgrade to %s: %s", r->id, err.msg);
  } else if (pl.n == 0 || pl.steps[pl.n - 1].rev != r) {
    skipped = arena_printf(v->a, "the upgrade to %s does not end with it", r->id);
  } else if (!(parents = verify__plan_engine(v, &pl, 0, pl.n - 1, &why_not))) {
    skipped = why_not;
  }
  if (skipped) goto report;

  // 1. the parents
  parents_ran = pl.n > 1;
  if (parents_ran && !verify__run(v, parents, &pl, 0, pl.n - 1, NULL, &why)) {
    skipped = arena_printf(v->a, "cannot build the schema before %s: %s", r->id, why);
    goto report;
  }
  if (!catalog_snapshot(v->db, v->vt_schema, v->vt_table, &before, &err)) {
    skipped = arena_printf(v->a, "cannot read the catalog: %s", err.msg);
    goto report;
  }
  // 2. the locks R's statements take (a rolled-back dry run; only retort's own statements
  // can be run one by one), then R for real
  if (up.engine == ENGINE_NATIVE)
    verify__observe(v, r, &locks, &notes);
  else
    vec_push(&notes, arena_printf(v->a, "locks were not observed: %s, so the project's "
                                        "alembic ran it, and its statements cannot be run "
                                        "one at a time to read pg_locks after each",
                                  verify__dynamic(v->a, r, true)));
  up.ran = true;
  up.ok = verify__run(v, up.engine, &pl, pl.n - 1, pl.n, NULL, &up.error);
  if (!up.ok) goto report;
  // 3. downgrade R, and compare with before
  steps_plan_free(&pl);
  down.ran = true;
  // To its first parent: only R is above it here (-1 is ambiguous at a merge point, for
  // Alembic too); a root goes back to base.
  const char *down_to = r->ndown ? r->down[0] : "base";
  if (!verify__plan(v, down_to, false, &pl, &err)) {
    down.error = xstrdup(err.msg);
  } else if (pl.n != 1 || pl.steps[0].rev != r) {
    Buf b = BUF_INIT;
    buf_printf(&b, "downgrade %s from this revision does not unapply exactly it", down_to);
    down.error = buf_detach(&b);
  } else {
    down.ok = verify__run(v, down.engine, &pl, 0, 1, down_to, &down.error);
  }
  if (!down.ok) goto report;
  if (!catalog_snapshot(v->db, v->vt_schema, v->vt_table, &after, &err)) {
    vec_push(&notes, arena_printf(v->a, "cannot read the catalog after the downgrade: %s", err.msg));
  } else {
    compare_snapshots(&before, &after, &lost);
    compared = true;
  }
  // 4. upgrade again
  steps_plan_free(&pl);
  again.ran = true;
  if (!verify__plan(v, r->id, true, &pl, &err)) again.error = xstrdup(err.msg);
  else again.ok = verify__run(v, again.engine, &pl, 0, pl.n, NULL, &again.error);

report:
  jw_object_begin(w);
  jw_kv_string(w, "revision", r->id);
  bool verified = up.ok && down.ok && again.ok && compared;
  jw_kv_bool(w, "verified", verified);
  jw_key(w, "skipped");
  jw_string(w, skipped);
  verify__write_phase(w, "upgrade", &up);
  verify__write_phase(w, "downgrade", &down);
  verify__write_phase(w, "reupgrade", &again);
  // the engine that built the schema before R (null when nothing ran)
  jw_kv_string(w, "parents_engine", parents_ran ? parents : NULL);
  jw_key(w, "restored");
  if (compared) jw_bool(w, lost.len == 0);
  else jw_null(w);
  // each item: missing = the downgrade dropped it and did not bring it back; extra = it
  // left it behind; changed = it restored it differently (before vs after)
  jw_key(w, "not_restored");
  jw_array_begin(w);
  for (size_t k = 0; k < lost.len; k++) {
    jw_object_begin(w);
    jw_kv_string(w, "kind", compare_kind_name(lost.items[k].kind));
    jw_kv_string(w, "object", compare_object_name(lost.items[k].object));
    jw_kv_string(w, "name", lost.items[k].name);
    jw_kv_string(w, "detail", lost.items[k].detail);
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_key(w, "locks");
  jw_array_begin(w);
  for (size_t k = 0; k < locks.len; k++) {
    jw_object_begin(w);
    jw_kv_int(w, "statement", (int64_t)locks.items[k].stmt);
    jw_kv_string(w, "sql", locks.items[k].sql);
    jw_kv_string(w, "relation", locks.items[k].relation);
    jw_kv_string(w, "mode", locks.items[k].mode);
    jw_kv_bool(w, "existing", locks.items[k].existing);
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_key(w, "notes");
  tool_write_strings(w, (const char *const *)notes.items, notes.len);
  jw_object_end(w);

  if (skipped) {
    buf_printf(text, "  %s: not verified: %s\n", r->id, skipped);
  } else {
    buf_printf(text, "  %s: upgrade %s, downgrade %s, upgrade again %s", r->id,
               verify__phase_text(&up), verify__phase_text(&down), verify__phase_text(&again));
    if (compared && lost.len == 0) buf_puts(text, "; the downgrade restored every object\n");
    else if (compared)
      buf_printf(text, "; the downgrade did not restore %zu object%s (missing: dropped and not "
                       "recreated; extra: left behind; changed: before vs after):\n",
                 lost.len, lost.len == 1 ? "" : "s");
    else buf_puts(text, "\n");
    for (size_t k = 0; k < lost.len; k++)
      buf_printf(text, "    %s %s %s: %s\n", compare_kind_name(lost.items[k].kind),
                 compare_object_name(lost.items[k].object), lost.items[k].name,
                 lost.items[k].detail);
    bool by_alembic[] = {parents_ran && parents == ENGINE_ALEMBIC, up.engine == ENGINE_ALEMBIC,
                         down.engine == ENGINE_ALEMBIC};
    if (by_alembic[0] || by_alembic[1] || by_alembic[2]) {
      const char *what[] = {"the revisions before it", "its upgrade", "its downgrade"};
      buf_puts(text, "    run by the project's alembic (dynamic code):");
      for (size_t k = 0, n = 0; k < 3; k++)
        if (by_alembic[k]) buf_printf(text, "%s %s", n++ ? "," : "", what[k]);
      buf_puts(text, "\n");
    }
    const Phase *ph[] = {&up, &down, &again};
    const char *names[] = {"upgrade", "downgrade", "upgrade again"};
    for (size_t k = 0; k < 3; k++)
      if (ph[k]->ran && !ph[k]->ok)
        buf_printf(text, "    %s failed: %s\n", names[k], ph[k]->error ? ph[k]->error : "?");
    // Locks on relations the revision creates block nobody: not worth a line each.
    for (size_t k = 0; k < locks.len; k++)
      if (locks.items[k].existing)
        buf_printf(text, "    lock: statement %zu takes %s on %s\n", locks.items[k].stmt,
                   locks.items[k].mode, locks.items[k].relation);
  }
  for (size_t k = 0; k < notes.len; k++) buf_printf(text, "    note: %s\n", notes.items[k]);

  steps_plan_free(&pl);
  free(why);
  free(up.error);
  free(down.error);
  free(again.error);
  vec_free(&locks);
  vec_free(&notes);
  compare_list_free(&lost);
  snapshot_free(&before);
  snapshot_free(&after);
  if (v->db) {
    db_close(v->db);
    v->db = NULL;
    RtError e2 = {0};
    catalog_scratch_db_drop(v->admin, v->dbname, &e2);
  }
}

bool tool_verify_revisions(ToolSession *s, const ToolProject *tp, Revision *const *revs,
                           size_t n, JsonWriter *w, Buf *text, RtError *err) {
  (void)s;
  (void)err;
  Verify v = {.tp = tp};
  snprintf(v.dbname, sizeof v.dbname, "retort_verify_%ld", (long)getpid());
  const Project *p = tp->project;
  if (p->ini) {
    RtError e2 = {0};
    v.vt_table = ini_get(p->ini, p->section, "version_table", &e2);
    v.vt_schema = ini_get(p->ini, p->section, "version_table_schema", &e2);
    if (v.vt_table && !*v.vt_table) v.vt_table = NULL;
    if (v.vt_schema && !*v.vt_schema) v.vt_schema = NULL;
  }
  // Always the scratch cluster, whatever database the call would otherwise use.
  // The engine for revisions retort cannot run natively, as upgrade finds it.
  v.alembic = project_config_file(p) ? alembic_child_find(p->root) : NULL;
  DbTarget t = {.kind = DB_KIND_SCRATCH, .source = "scratch"};
  t.scratch_dir = scratch_dir_for(p->root);
  Buf m = BUF_INIT;
  buf_printf(&m, "scratch:%s/data", t.scratch_dir);
  t.masked = buf_detach(&m);
  RtError e = {0};
  bool available = db_connect(&t, &v.admin, &e);

  jw_object_begin(w);
  jw_kv_string(w, "database", t.masked);
  jw_kv_string(w, "throwaway_database", v.dbname);
  jw_kv_bool(w, "available", available);
  jw_key(w, "error");
  jw_string(w, available ? NULL : e.msg);
  jw_key(w, "revisions");
  jw_array_begin(w);
  buf_printf(text, "Round trip (upgrade, downgrade, compare the catalog, upgrade again) on a "
                   "throwaway database of the scratch cluster %s:\n",
             t.masked);
  if (!available) buf_printf(text, "  not run: %s\n", e.msg);
  for (size_t k = 0; available && k < n; k++) {
    v.a = arena_new();
    verify__one(&v, revs[k], w, text);
    arena_delete(v.a);
    v.a = NULL;
  }
  jw_array_end(w);
  jw_object_end(w);
  db_close(v.admin);
  db_target_free(&t);
  free(v.alembic);
  return true;
}
