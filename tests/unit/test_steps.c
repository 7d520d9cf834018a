/* test_steps.c - steps_plan against Debian's alembic itself: for each range, the
 * "-- Running ..." lines and the alembic_version INSERT/UPDATE/DELETE statements that
 * `alembic upgrade|downgrade FROM:TO --sql` prints are compared with the plan's steps
 * and version changes (tests/fixtures/steps/tree: two bases, a branch point, 2- and
 * 3-parent merges, depends_on, labels, two heads). Where Alembic chooses from a Python
 * set (which merged head is updated), the rows after each step are compared instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/alembic/graph.h"
#include "server/alembic/project.h"
#include "server/alembic/scripts.h"
#include "server/alembic/steps.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/sql/sql.h"
#include "pg_harness.h"

#define TREE RETORT_SOURCE_DIR "/tests/fixtures/steps/tree"

/* One step as printed: its Running line and its version statements. */
typedef struct PStep {
  char *running;
  VEC(char *) stmts;
} PStep;
typedef VEC(PStep) PSteps;

static bool run_alembic(const char *cmd, const char *range, PSteps *out, Buf *failure) {
  char line[8192];
  snprintf(line, sizeof line, "cd %s && /usr/bin/alembic %s '%s' --sql 2>&1", TREE, cmd, range);
  FILE *f = popen(line, "r");
  cr_assert(f);
  Buf all = BUF_INIT;
  while (fgets(line, sizeof line, f)) {
    buf_puts(&all, line);
    line[strcspn(line, "\n")] = 0;
    size_t len = strlen(line);
    if (len && line[len - 1] == ';') line[len - 1] = 0;
    if (strncmp(line, "-- Running ", 11) == 0) {
      PStep s = {xstrdup(line + 11), {0}};
      vec_push(out, s);
    } else if (strstr(line, "alembic_version") &&
               (strncmp(line, "INSERT", 6) == 0 || strncmp(line, "UPDATE", 6) == 0 ||
                strncmp(line, "DELETE", 6) == 0)) {
      cr_assert(out->len, "version statement before any step: %s", line);
      vec_push(&out->items[out->len - 1].stmts, xstrdup(line));
    }
  }
  int rc = pclose(f);
  if (rc != 0) buf_puts(failure, buf_cstr(&all));
  buf_free(&all);
  return rc == 0;
}

static void free_psteps(PSteps *s) {
  for (size_t i = 0; i < s->len; i++) {
    free(s->items[i].running);
    for (size_t k = 0; k < s->items[i].stmts.len; k++) free(s->items[i].stmts.items[k]);
    vec_free(&s->items[i].stmts);
  }
  vec_free(s);
}

typedef VEC(char *) Rows;

/* Applies one printed version statement to `rows`. */
static void apply_stmt(Rows *rows, const char *stmt) {
  char a[64] = "", b[64] = "";
  if (sscanf(stmt, "INSERT INTO alembic_version (version_num) VALUES ('%63[^']'", a) == 1) {
    vec_push(rows, xstrdup(a));
    return;
  }
  bool del = sscanf(stmt, "DELETE FROM alembic_version WHERE alembic_version.version_num = '%63[^']'",
                    a) == 1;
  bool upd = !del && sscanf(stmt,
                            "UPDATE alembic_version SET version_num='%63[^']' WHERE "
                            "alembic_version.version_num = '%63[^']'",
                            b, a) == 2;
  cr_assert(del || upd, "unexpected statement %s", stmt);
  for (size_t i = 0; i < rows->len; i++) {
    if (strcmp(rows->items[i], a) != 0) continue;
    free(rows->items[i]);
    if (del) rows->items[i] = rows->items[--rows->len];
    else rows->items[i] = xstrdup(b);
    return;
  }
  cr_assert_fail("statement %s changes a row that is not there", stmt);
}

static int cmpstr(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *rows_text(char **rows, size_t n) {
  char **copy = xmalloc((n ? n : 1) * sizeof *copy);
  if (n) memcpy(copy, rows, n * sizeof *copy);
  qsort(copy, n, sizeof *copy, cmpstr);
  Buf b = BUF_INIT;
  for (size_t i = 0; i < n; i++) buf_printf(&b, "%s%s", i ? "," : "", copy[i]);
  free(copy);
  return buf_detach(&b) ?: xstrdup("");
}

static const char *vop_sql(Arena *a, const VersionOp *v) {
  switch (v->kind) {
  case VOP_INSERT: return sql_version_insert(a, NULL, NULL, v->to);
  case VOP_DELETE: return sql_version_delete(a, NULL, NULL, v->from);
  case VOP_UPDATE: return sql_version_update(a, NULL, NULL, v->from, v->to);
  }
  return NULL;
}

/* Compares `alembic CMD RANGE --sql` with steps_plan for the same start and target. */
static void check(Loaded *l, const char *cmd, const char *range) {
  bool upgrade = strcmp(cmd, "upgrade") == 0;
  const char *colon = strchr(range, ':');
  cr_assert(colon);
  char from[64];
  snprintf(from, sizeof from, "%.*s", (int)(colon - range), range);
  const char *target = colon + 1;

  PSteps want = {0};
  Buf failure = BUF_INIT;
  bool alembic_ok = run_alembic(cmd, range, &want, &failure);

  const char *current[1];
  size_t ncurrent = 0;
  RtError err = {0};
  if (from[0] && strcmp(from, "base") != 0) {
    Revision **r = NULL;
    size_t nr = 0;
    cr_assert(graph_resolve(l->g, from, &r, &nr, &err) && nr == 1, "%s: %s", range, err.msg);
    current[ncurrent++] = r[0]->id;
    free(r);
  }
  StepPlan plan;
  bool ok = steps_plan(l->g, current, ncurrent, target, upgrade, &plan, &err);
  cr_assert_eq(ok, alembic_ok, "%s %s: retort %s (%s), alembic %s:\n%s", cmd, range,
               ok ? "succeeded" : "failed", err.msg, alembic_ok ? "succeeded" : "failed",
               buf_cstr(&failure));
  if (!ok) {
    // Same failure text as Alembic's "FAILED: ..." line.
    cr_assert(strstr(buf_cstr(&failure), err.msg), "%s %s: retort says '%s', alembic:\n%s",
              cmd, range, err.msg, buf_cstr(&failure));
  } else {
    cr_assert_eq(plan.n, want.len, "%s %s: %zu steps, alembic ran %zu", cmd, range, plan.n,
                 want.len);
    Rows rows = {0};
    for (size_t i = 0; i < ncurrent; i++) vec_push(&rows, xstrdup(current[i]));
    Arena *a = arena_new();
    for (size_t i = 0; i < plan.n; i++) {
      MigStep *st = &plan.steps[i];
      PStep *w = &want.items[i];
      cr_assert_str_eq(st->short_log, w->running, "%s %s step %zu: [%s] vs alembic [%s]", cmd, range, i, st->short_log, w->running);
      cr_assert_eq(st->nvops, w->stmts.len, "%s %s step %s: %zu version statements, alembic %zu",
                   cmd, range, st->short_log, st->nvops, w->stmts.len);
      if (st->nvops == 1)
        cr_assert_str_eq(vop_sql(a, &st->vops[0]), w->stmts.items[0], "%s %s step %s: %s vs alembic %s",
                         cmd, range, st->short_log, vop_sql(a, &st->vops[0]), w->stmts.items[0]);
      for (size_t k = 0; k < w->stmts.len; k++) apply_stmt(&rows, w->stmts.items[k]);
      char *have = rows_text((char **)st->heads_after, st->nheads_after);
      char *theirs = rows_text(rows.items, rows.len);
      cr_assert_str_eq(have, theirs, "%s %s: rows after %s", cmd, range, st->short_log);
      free(have);
      free(theirs);
    }
    for (size_t i = 0; i < rows.len; i++) free(rows.items[i]);
    vec_free(&rows);
    arena_delete(a);
  }
  steps_plan_free(&plan);
  free_psteps(&want);
  buf_free(&failure);
}

static const char *const UPGRADES[] = {
    "base:heads",      "base:f0012",       "base:h0014",       "base:feat@head",
    "base:side@head",  "base:+1",          "base:+2",          "a0001:+1",
    "a0001:+3",        "c1003:e0006",      "c2004:d0005",      "e0006:h0014",
    "x0007:m0010",     "w0009:heads",      "d0005:side@head",  "b0002:c1003",
    "base:head",       "base:d0005",       "base:m0010",       "y0008:f0012",
    "g0013:h0014",     "base:feat@+1",     "base:zz99",        "e0006:c1003",
    "base:x0007",      "a0001:feat@head",  "b0002:heads",      "base:side@+2",
};

static const char *const DOWNGRADES[] = {
    "f0012:base",   "f0012:e0006",  "h0014:base",   "h0014:a0001",  "h0014:-1",
    "m0010:-1",     "f0012:-2",     "f0012:x0007",  "d0005:b0002",  "m0010:d0005",
    "f0012:w0009",  "h0014:e0006",  "e0006:c2004",  "e0006:c1003",  "d0005:a0001",
    "m0010:z0011",  "f0012:side@base", "h0014:feat@-1", "h0014:g0013", "e0006:-3",
    "f0012:y0008",  "z0011:base",   "h0014:zz99",   "a0001:b0002",
};

Test(steps, upgrade_matches_alembic) {
  Loaded l;
  load(&l, TREE, REV_PARSE_HEADER);
  for (size_t i = 0; i < sizeof UPGRADES / sizeof *UPGRADES; i++)
    check(&l, "upgrade", UPGRADES[i]);
  unload(&l);
}

Test(steps, downgrade_matches_alembic) {
  Loaded l;
  load(&l, TREE, REV_PARSE_HEADER);
  for (size_t i = 0; i < sizeof DOWNGRADES / sizeof *DOWNGRADES; i++)
    check(&l, "downgrade", DOWNGRADES[i]);
  unload(&l);
}

/* Several rows at once (a state offline mode cannot start from): the rows Alembic's
 * HeadMaintainer would leave, worked out by hand from migration.py. */
Test(steps, multiple_current_rows) {
  Loaded l;
  load(&l, TREE, REV_PARSE_HEADER);
  RtError err = {0};
  StepPlan p;
  const char *cur[] = {"c1003", "c2004"};
  cr_assert(steps_plan(l.g, cur, 2, "d0005", true, &p, &err), "%s", err.msg);
  cr_assert_eq(p.n, 1);
  cr_assert_eq(p.steps[0].nvops, 2);
  cr_assert_eq(p.steps[0].vops[0].kind, VOP_DELETE);
  cr_assert_str_eq(p.steps[0].vops[0].from, "c1003");
  cr_assert_eq(p.steps[0].vops[1].kind, VOP_UPDATE);
  cr_assert_str_eq(p.steps[0].vops[1].from, "c2004");
  cr_assert_eq(p.nfinal, 1);
  cr_assert_str_eq(p.final[0], "d0005");
  steps_plan_free(&p);

  // Downgrading the merge from {d0005, x0007} to c1003: only d0005 is unapplied (an
  // unmerge: insert one parent, update to the other); c2004 stays a head.
  const char *cur2[] = {"d0005", "x0007"};
  cr_assert(steps_plan(l.g, cur2, 2, "c1003", false, &p, &err), "%s", err.msg);
  cr_assert_eq(p.n, 1);
  cr_assert_eq(p.steps[0].nvops, 2);
  cr_assert_eq(p.steps[0].vops[0].kind, VOP_INSERT);
  cr_assert_eq(p.steps[0].vops[1].kind, VOP_UPDATE);
  cr_assert_eq(p.nfinal, 3);
  cr_assert_str_eq(p.final[0], "c1003");
  cr_assert_str_eq(p.final[1], "c2004");
  cr_assert_str_eq(p.final[2], "x0007");
  steps_plan_free(&p);

  // Rows that do not fit the graph: refused, nothing planned.
  const char *bad[] = {"c1003", "d0005"};
  cr_assert_not(steps_plan(l.g, bad, 2, "e0006", true, &p, &err));
  cr_assert_eq(p.n, 0);
  steps_plan_free(&p);
  unload(&l);
}
