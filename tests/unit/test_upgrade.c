/* test_upgrade.c - the upgrade and downgrade tools on a real PostgreSQL (a throwaway
 * cluster per test, tests/e2e/pg.sh) and against Debian's alembic: every target form on
 * a tree with branches and merges (version rows compared with what alembic leaves in a
 * second database), sql_only scripts byte for byte, autocommit_block outside the
 * transaction, a failure in the 3rd of 5 revisions, a stale confirm, lock_timeout,
 * statement_timeout (argument, [retort] setting, the alembic engine), two
 * concurrent upgrades. Fixtures: tests/fixtures/steps/tree, tests/fixtures/migrate/.
 * No per-test .timeout: with --jobs 2, criterion's timeout bookkeeping leaks 48 bytes in
 * its runner on this suite (LeakSanitizer fails the sanitizer build); ctest's timeout
 * bounds the run instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/tools/tools.h"
#include "pg_harness.h"

#define SRC RETORT_SOURCE_DIR
#define TREE SRC "/tests/fixtures/steps/tree"
#define MIGRATE SRC "/tests/fixtures/migrate"

/* ---- helpers ---------------------------------------------------------------------- */

/* psql against database `db`; the first column of the output. */
static char *q(const char *db, const char *sql) {
  return sh("psql -qAtX -h %s -U postgres -d %s -c \"%s\" 2>&1", pgdir, db, sql);
}

static char *url(const char *db) {
  char *u = xmalloc(700);
  snprintf(u, 700, "postgresql://postgres@/%s?host=%s", db, pgdir);
  return u;
}

static void createdb(const char *db) {
  char sql[128];
  snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
  free(q("postgres", sql));
}

/* The version rows of `db`, comma-separated ("" when none or no table). */
static char *rows(const char *db) {
  char *r = q(db, "SELECT string_agg(version_num, ',' ORDER BY version_num COLLATE \\\"C\\\") FROM alembic_version");
  if (strstr(r, "does not exist")) {
    free(r);
    return xstrdup("");
  }
  return r;
}

/* A copy of a fixture project in a fresh directory (tests may add files). */
static char *copy_project(const char *from) {
  char *dir = sh("d=$(mktemp -d /tmp/retort-up.XXXXXX) && cp -r %s/. $d && chmod -R a+rX $d && echo $d",
                 from);
  return dir;
}

typedef struct Call {
  Arena *arena;
  const Json *out; /* structuredContent, or NULL */
  bool ok;         /* tools_call returned true */
  bool is_error;
  char text[8192];
  RtError err;
} Call;

static void call(ToolSession *s, Call *c, const char *tool, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void call(ToolSession *s, Call *c, const char *tool, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  if (!c->arena) c->arena = arena_new();
  RtError err = {0};
  const Json *j = json_parse(c->arena, args, strlen(args), NULL, &err, NULL);
  cr_assert(j, "bad test JSON %s: %s", args, err.msg);
  McpToolResult res = {BUF_INIT, BUF_INIT, false};
  memset(&c->err, 0, sizeof c->err);
  c->ok = tools_call(s, tool, j, c->arena, &res, &c->err);
  c->is_error = res.is_error;
  snprintf(c->text, sizeof c->text, "%s", buf_cstr(&res.text));
  c->out = res.structured.len
               ? json_parse(c->arena, res.structured.data, res.structured.len, NULL, &err, NULL)
               : NULL;
  buf_free(&res.text);
  buf_free(&res.structured);
}

static const char *jstr(const Json *o, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  const Json *v = o;
  for (char *k = strtok(buf, "."); k && v; k = strtok(NULL, ".")) v = json_get(v, k);
  return v && v->type == JSON_STRING ? v->str : NULL;
}

/* A JSON array of strings as "a,b" (sorted as given). */
static char *jlist(const Json *a) {
  Buf b = BUF_INIT;
  for (size_t i = 0; a && a->type == JSON_ARRAY && i < a->n; i++)
    buf_printf(&b, "%s%s", i ? "," : "", a->items[i]->str);
  return buf_detach(&b) ?: xstrdup("");
}

/* Plans `verb target` on `db`, then confirms that plan. */
static void apply(ToolSession *s, Call *c, const char *verb, const char *db, const char *target,
                  const char *extra) {
  char *u = url(db);
  call(s, c, verb, "{\"database_url\": \"%s\", \"target\": \"%s\"%s%s}", u, target,
       extra ? ", " : "", extra ? extra : "");
  if (!c->ok) {
    free(u);
    return;
  }
  cr_assert(c->out, "%s %s: no structured result", verb, target);
  cr_assert(!c->is_error, "%s %s: plan is an error: %s", verb, target, c->text);
  const char *id = jstr(c->out, "plan_id");
  cr_assert(id, "%s %s: no plan_id", verb, target);
  const Json *ex = json_get(c->out, "executed");
  cr_assert(ex && !ex->b, "%s %s: a call without confirm executed on a non-scratch database", verb,
            target);
  char idc[64];
  snprintf(idc, sizeof idc, "%s", id);
  call(s, c, verb, "{\"database_url\": \"%s\", \"target\": \"%s\", \"confirm\": \"%s\"%s%s}", u,
       target, idc, extra ? ", " : "", extra ? extra : "");
  free(u);
}

/* ---- offline ---------------------------------------------------------------------- */

/* sql_only FROM:TO is alembic's --sql, byte for byte (no database involved). */
static void same_script(const char *project, const char *verb, const char *range) {
  char *theirs = sh("cd %s && /usr/bin/alembic %s '%s' --sql 2>/dev/null", project, verb, range);
  ToolSession *s = tool_session_new(project);
  Call c = {0};
  call(s, &c, verb, "{\"target\": \"%s\", \"sql_only\": true}", range);
  cr_assert(c.ok, "%s %s: %s", verb, range, c.err.msg);
  const char *ours = jstr(c.out, "sql");
  cr_assert(ours);
  char *trimmed = xstrdup(ours);
  size_t n = strlen(trimmed);
  while (n && trimmed[n - 1] == '\n') trimmed[--n] = 0;
  cr_assert_str_eq(trimmed, theirs, "%s %s --sql differs:\n--- retort\n%s\n--- alembic\n%s", verb,
                   range, trimmed, theirs);
  free(trimmed);
  free(theirs);
  arena_delete(c.arena);
  tool_session_delete(s);
}

Test(upgrade, sql_only_matches_alembic) {
  same_script(MIGRATE "/ac", "upgrade", "base:a2");
  same_script(MIGRATE "/ac", "downgrade", "a2:base");
  same_script(MIGRATE "/ac", "downgrade", "a2:a1");
  same_script(MIGRATE "/five", "upgrade", "f2:f5");
  same_script(TREE, "upgrade", "base:e0006");
  same_script(TREE, "downgrade", "e0006:base");
  same_script(TREE, "upgrade", "e0006:h0014");
  same_script(SRC "/tests/sqlconf/project", "upgrade", "r02:r03");
  // Not statically readable: rendered by the project's alembic, the same bytes.
  same_script(MIGRATE "/dyn", "upgrade", "base:d3");
}

/* ---- against a database ----------------------------------------------------------- */

/* Every target form on the tree, run by alembic into database a and by retort (plan,
 * then confirm) into database b: the version rows must agree after every command,
 * and where alembic refuses, retort refuses too and changes nothing. */
Test(upgrade, target_forms_match_alembic) {
  pg_up();
  createdb("a");
  createdb("b");
  char *ua = url("a");
  static const char *const CMDS[][2] = {
      {"upgrade", "a0001"},   {"upgrade", "c2004"},      {"upgrade", "+1"},
      {"upgrade", "heads"},   {"downgrade", "feat@-1"},  {"downgrade", "d0005"},
      {"downgrade", "c1003"}, {"upgrade", "side@head"},  {"downgrade", "x0007"},
      {"upgrade", "h0014"},   {"downgrade", "-1"},       {"upgrade", "head"},
      {"upgrade", "heads"},   {"downgrade", "b0002"},    {"upgrade", "e0006"},
      {"upgrade", "f0012"},   {"downgrade", "m0010"},    {"downgrade", "side@-2"},
      {"upgrade", "heads"},   {"downgrade", "base"},     {"upgrade", "feat@head"},
      {"downgrade", "base"},
  };
  ToolSession *s = tool_session_new(TREE);
  for (size_t i = 0; i < sizeof CMDS / sizeof *CMDS; i++) {
    const char *verb = CMDS[i][0], *target = CMDS[i][1];
    char *before_b = rows("b");
    char *out = sh("cd " TREE " && DATABASE_URL='%s' /usr/bin/alembic %s '%s' >/dev/null 2>&1 && echo ok",
                   ua, verb, target);
    bool alembic_ok = strcmp(out, "ok") == 0;
    free(out);
    Call c = {0};
    apply(s, &c, verb, "b", target, NULL);
    bool retort_ok = c.ok && !c.is_error;
    char *ra = rows("a"), *rb = rows("b");
    // The one deliberate difference: `downgrade -1` from several rows, which Alembic
    // resolves from whichever row the table returns first (with a warning), is refused.
    if (target[0] == '-' && strcmp(verb, "downgrade") == 0 && strchr(before_b, ',')) {
      cr_assert_not(retort_ok, "downgrade -1 from several rows was not refused");
      cr_assert(strstr(c.err.msg, "ambiguous"), "%s", c.err.msg);
      free(before_b);
      free(ra);
      free(rb);
      free(sh("cd " TREE " && DATABASE_URL='%s' /usr/bin/alembic downgrade base >/dev/null 2>&1", ua));
      Call c2 = {0};
      apply(s, &c2, "downgrade", "b", "base", NULL);
      arena_delete(c2.arena);
      arena_delete(c.arena);
      continue;
    }
    cr_assert_eq(retort_ok, alembic_ok, "%s %s: alembic %s, retort %s (%s %s)", verb, target,
                 alembic_ok ? "succeeded" : "failed", retort_ok ? "succeeded" : "failed",
                 c.err.msg, c.text);
    if (!retort_ok) {
      cr_assert_str_eq(rb, before_b, "%s %s was refused but changed the version table", verb,
                       target);
    } else {
      cr_assert_str_eq(rb, ra, "%s %s: version rows retort [%s], alembic [%s]", verb, target, rb,
                       ra);
      char *reported = jlist(json_get(c.out, "current"));
      cr_assert_str_eq(reported, rb, "%s %s: the result says current=[%s], the table holds [%s]",
                       verb, target, reported, rb);
      free(reported);
    }
    free(ra);
    free(rb);
    free(before_b);
    arena_delete(c.arena);
  }
  tool_session_delete(s);
  free(ua);
  pg_down();
}

/* autocommit_block: CREATE INDEX CONCURRENTLY runs outside the transaction (inside one
 * PostgreSQL refuses it), and the plan says so beforehand. */
Test(upgrade, autocommit_outside_transaction) {
  pg_up();
  createdb("b");
  ToolSession *s = tool_session_new(MIGRATE "/ac");
  Call c = {0};
  char *u = url("b");
  call(s, &c, "upgrade", "{\"database_url\": \"%s\"}", u);
  cr_assert(c.ok && !c.is_error, "%s", c.err.msg);
  const Json *steps = json_get(c.out, "steps");
  cr_assert(steps && steps->n == 2);
  const Json *st = json_get(steps->items[1], "statements");
  cr_assert_eq(st->n, 3);
  cr_assert(json_get(st->items[0], "transactional")->b);
  cr_assert_not(json_get(st->items[1], "transactional")->b);
  cr_assert(strstr(json_get(st->items[1], "sql")->str, "CONCURRENTLY"));
  cr_assert(json_get(st->items[2], "transactional")->b);
  cr_assert(strstr(c.text, "outside the transaction"), "%s", c.text);
  apply(s, &c, "upgrade", "b", "head", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);
  char *r = rows("b");
  cr_assert_str_eq(r, "a2");
  free(r);
  r = q("b", "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_items_name'::regclass");
  cr_assert_str_eq(r, "t");
  free(r);
  apply(s, &c, "downgrade", "b", "base", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);
  r = q("b", "SELECT count(*) FROM pg_class WHERE relname IN ('items', 'ix_items_name')");
  cr_assert_str_eq(r, "0");
  free(r);
  free(u);
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}

/* f3 of f1..f5 fails on its third statement: f1 and f2 stay applied, f3 leaves nothing,
 * and the result says which revision and statement failed, PostgreSQL's message and
 * SQLSTATE, and what the version table holds now. */
Test(upgrade, third_of_five_fails) {
  pg_up();
  createdb("b");
  ToolSession *s = tool_session_new(MIGRATE "/five");
  Call c = {0};
  apply(s, &c, "upgrade", "b", "head", "\"engine\": \"native\"");
  cr_assert(c.ok, "%s", c.err.msg);
  cr_assert(c.is_error, "the failing upgrade is not an isError result: %s", c.text);
  cr_assert(c.out, "a failure still carries structuredContent");
  cr_assert_str_eq(jstr(c.out, "failed.revision"), "f3");
  cr_assert_str_eq(jstr(c.out, "failed.sqlstate"), "23505");
  cr_assert(strstr(jstr(c.out, "failed.error"), "duplicate key"), "%s", jstr(c.out, "failed.error"));
  cr_assert(strstr(jstr(c.out, "failed.sql"), "INSERT INTO t3"));
  int64_t idx = 0;
  cr_assert(json_is_integer(json_get(json_get(c.out, "failed"), "statement_index"), &idx));
  cr_assert_eq(idx, 3);
  char *cur = jlist(json_get(c.out, "current"));
  cr_assert_str_eq(cur, "f2");
  free(cur);
  const Json *applied = json_get(c.out, "applied");
  cr_assert_eq(applied->n, 2);
  cr_assert(strstr(c.text, "f3") && strstr(c.text, "duplicate key") && strstr(c.text, "f2"),
            "%s", c.text);
  char *r = rows("b");
  cr_assert_str_eq(r, "f2");
  free(r);
  r = q("b", "SELECT (to_regclass('t3') IS NULL)::text || ',' || (SELECT count(*) FROM "
             "information_schema.columns WHERE table_name = 't1' AND column_name = 'x')");
  cr_assert_str_eq(r, "true,0", "f3 was not rolled back: %s", r);
  free(r);
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}

/* A confirm from before the database moved is refused with the new plan; so is one from
 * before a revision file changed. Nothing is changed; the new plan applies. */
Test(upgrade, stale_confirm_refused_with_new_plan) {
  pg_up();
  createdb("b");
  char *dir = copy_project(MIGRATE "/five");
  ToolSession *s = tool_session_new(dir);
  char *u = url("b");
  Call c = {0};
  call(s, &c, "upgrade", "{\"database_url\": \"%s\", \"target\": \"f2\"}", u);
  char *id = xstrdup(jstr(c.out, "plan_id"));
  // The database moves on (alembic applies f1) between plan and confirm.
  free(sh("cd %s && DATABASE_URL='%s' /usr/bin/alembic upgrade f1 >/dev/null 2>&1", dir, u));
  call(s, &c, "upgrade", "{\"database_url\": \"%s\", \"target\": \"f2\", \"confirm\": \"%s\"}", u,
       id);
  cr_assert(c.ok && c.is_error, "a stale confirm was not refused: %s", c.text);
  cr_assert(jstr(c.out, "refused"));
  const char *id2 = jstr(c.out, "plan_id");
  cr_assert(id2 && strcmp(id2, id) != 0, "the refusal carries no new plan_id");
  char *r = rows("b");
  cr_assert_str_eq(r, "f1", "the refused confirm changed the database");
  free(r);
  char *id2c = xstrdup(id2);
  // A revision file in the plan changes: the confirm is stale again.
  free(sh("echo '# edited' >> %s/migrations/versions/f2_m.py", dir));
  call(s, &c, "upgrade", "{\"database_url\": \"%s\", \"target\": \"f2\", \"confirm\": \"%s\"}", u,
       id2c);
  cr_assert(c.ok && c.is_error, "a confirm from before the file changed was accepted");
  r = rows("b");
  cr_assert_str_eq(r, "f1");
  free(r);
  char *id3 = xstrdup(jstr(c.out, "plan_id"));
  call(s, &c, "upgrade", "{\"database_url\": \"%s\", \"target\": \"f2\", \"confirm\": \"%s\"}", u,
       id3);
  cr_assert(c.ok && !c.is_error, "the new plan did not apply: %s %s", c.err.msg, c.text);
  r = rows("b");
  cr_assert_str_eq(r, "f2");
  free(r);
  free(id);
  free(id2c);
  free(id3);
  free(u);
  free(sh("rm -rf %s", dir));
  free(dir);
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}

/* Another session holds ACCESS EXCLUSIVE on ledger: s3's ALTER trips lock_timeout with a
 * message that says so and names the table; s2 stays applied. */
Test(upgrade, lock_timeout_names_the_table) {
  pg_up();
  createdb("b");
  ToolSession *s = tool_session_new(MIGRATE "/slow");
  Call c = {0};
  apply(s, &c, "upgrade", "b", "s2", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);
  free(sh("psql -qX -h %s -U postgres -d b -c 'BEGIN' -c 'LOCK TABLE ledger IN ACCESS EXCLUSIVE "
          "MODE' -c 'SELECT pg_sleep(60)' >/dev/null 2>&1 & "
          "for i in $(seq 100); do [ \"$(psql -qAtX -h %s -U postgres -d b -c \"SELECT count(*) "
          "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'ledger' AND "
          "l.granted\")\" = 1 ] && break; sleep 0.05; done",
          pgdir, pgdir));
  apply(s, &c, "upgrade", "b", "head", "\"lock_timeout_ms\": 300");
  cr_assert(c.ok && c.is_error, "%s", c.text);
  cr_assert_str_eq(jstr(c.out, "failed.sqlstate"), "55P03");
  cr_assert_str_eq(jstr(c.out, "failed.revision"), "s3");
  cr_assert(strstr(jstr(c.out, "failed.error"), "lock timeout"), "%s", jstr(c.out, "failed.error"));
  const char *hint = jstr(c.out, "failed.hint");
  cr_assert(hint && strstr(hint, "ledger") && strstr(hint, "lock_timeout_ms"), "hint: %s", hint);
  char *r = rows("b");
  cr_assert_str_eq(r, "s2");
  free(r);
  free(q("b", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE "
              "'%pg_sleep(60)%' AND pid <> pg_backend_pid()"));
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}

/* s2's SELECT pg_sleep(1) outlives statement_timeout (given as an argument, then from
 * [retort] statement_timeout_ms, then through the alembic engine's PGOPTIONS): the
 * statement is cancelled with SQLSTATE 57014, the result names s2 and the statement,
 * s2 is rolled back (its INSERT into applied_log too), s1 stays applied. Without the
 * timeout the same plan then applies. */
static void expect_s2_timed_out(const Call *c, const char *how, bool native) {
  cr_assert(c->ok && c->is_error, "%s: not a failed run: %s %s", how, c->err.msg, c->text);
  cr_assert_str_eq(jstr(c->out, "failed.revision"), "s2", "%s: %s", how, c->text);
  const char *e = jstr(c->out, "failed.error");
  cr_assert(e && strstr(e, "statement timeout"), "%s: error %s", how, e);
  cr_assert(strstr(c->text, "s2") && strstr(c->text, "statement timeout"), "%s: %s", how, c->text);
  if (native) {
    // alembic's output carries no SQLSTATE; the native engine's result does.
    cr_assert_str_eq(jstr(c->out, "failed.sqlstate"), "57014", "%s", how);
    cr_assert(strstr(jstr(c->out, "failed.sql"), "pg_sleep(1)"), "%s: sql %s", how,
              jstr(c->out, "failed.sql"));
    int64_t idx = 0;
    cr_assert(json_is_integer(json_get(json_get(c->out, "failed"), "statement_index"), &idx));
    cr_assert_eq(idx, 2, "%s: statement %lld", how, (long long)idx);
    cr_assert(strstr(c->text, "SQLSTATE 57014") && strstr(c->text, "pg_sleep(1)"), "%s: %s", how,
              c->text);
  }
  char *cur = jlist(json_get(c->out, "current"));
  cr_assert_str_eq(cur, "s1", "%s: current %s", how, cur);
  free(cur);
  char *r = rows("b");
  cr_assert_str_eq(r, "s1", "%s: the version table holds %s", how, r);
  free(r);
  r = q("b", "SELECT string_agg(rev, ',' ORDER BY rev) || ',' || (to_regclass('ledger') IS NULL)::text "
             "FROM applied_log");
  cr_assert_str_eq(r, "s1,true", "%s: s2 was not rolled back: %s", how, r);
  free(r);
}

Test(upgrade, statement_timeout_rolls_back_the_revision) {
  pg_up();
  createdb("b");
  char *dir = copy_project(MIGRATE "/slow");
  ToolSession *s = tool_session_new(dir);
  Call c = {0};
  apply(s, &c, "upgrade", "b", "s1", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);

  apply(s, &c, "upgrade", "b", "head", "\"engine\": \"native\", \"statement_timeout_ms\": 200");
  expect_s2_timed_out(&c, "statement_timeout_ms 200", true);

  // The same from the project's configuration.
  free(sh("printf '\\n[retort]\\nstatement_timeout_ms = 200\\n' >> %s/alembic.ini", dir));
  tool_session_delete(s);
  s = tool_session_new(dir);
  apply(s, &c, "upgrade", "b", "head", "\"engine\": \"native\"");
  expect_s2_timed_out(&c, "[retort] statement_timeout_ms = 200", true);

  // The alembic engine gets it through PGOPTIONS.
  apply(s, &c, "upgrade", "b", "head", "\"engine\": \"alembic\"");
  expect_s2_timed_out(&c, "engine alembic", false);

  // The argument wins over the configuration: 0 is no timeout, and the plan applies.
  apply(s, &c, "upgrade", "b", "head", "\"engine\": \"native\", \"statement_timeout_ms\": 0");
  cr_assert(c.ok && !c.is_error, "without the timeout: %s %s", c.err.msg, c.text);
  char *r = rows("b");
  cr_assert_str_eq(r, "s3");
  free(r);
  free(sh("rm -rf %s", dir));
  free(dir);
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}

/* Two processes confirm the same plan at once: each revision runs exactly once. */
Test(upgrade, concurrent_upgrades_apply_once) {
  pg_up();
  createdb("b");
  char *u = url("b");
  ToolSession *s = tool_session_new(MIGRATE "/slow");
  Call c = {0};
  call(s, &c, "upgrade", "{\"database_url\": \"%s\"}", u);
  char *id = xstrdup(jstr(c.out, "plan_id"));
  tool_session_delete(s);
  pid_t kids[2];
  for (int k = 0; k < 2; k++) {
    kids[k] = fork();
    cr_assert(kids[k] >= 0);
    if (kids[k] == 0) {
      ToolSession *s2 = tool_session_new(MIGRATE "/slow");
      Call c2 = {0};
      call(s2, &c2, "upgrade", "{\"database_url\": \"%s\", \"confirm\": \"%s\"}", u, id);
      _exit(c2.ok ? (c2.is_error ? 1 : 0) : 2);
    }
  }
  int st[2];
  for (int k = 0; k < 2; k++) waitpid(kids[k], &st[k], 0);
  cr_assert(WIFEXITED(st[0]) && WIFEXITED(st[1]));
  int r0 = WEXITSTATUS(st[0]), r1 = WEXITSTATUS(st[1]);
  cr_assert(r0 == 0 || r1 == 0, "neither upgrade succeeded (%d, %d)", r0, r1);
  cr_assert(r0 != 2 && r1 != 2, "an upgrade failed outright (%d, %d)", r0, r1);
  char *r = rows("b");
  cr_assert_str_eq(r, "s3");
  free(r);
  r = q("b", "SELECT string_agg(rev || ':' || n, ',' ORDER BY rev) FROM (SELECT rev, count(*) n "
             "FROM applied_log GROUP BY rev) c");
  cr_assert_str_eq(r, "s1:1,s2:1,s3:1", "revisions applied (rev:times): %s", r);
  free(r);
  free(id);
  free(u);
  arena_delete(c.arena);
  pg_down();
}

/* Dynamic revisions: the native engine refuses them naming file and line; auto hands
 * them to the project's alembic (the URL in its environment only); a failure under
 * alembic is reported with the version table as it is, and the password never shows. */
Test(upgrade, dynamic_revisions_and_the_alembic_engine) {
  pg_up();
  createdb("b");
  ToolSession *s = tool_session_new(MIGRATE "/dyn");
  Call c = {0};
  apply(s, &c, "upgrade", "b", "d2", "\"engine\": \"native\"");
  cr_assert_not(c.ok, "the native engine ran a dynamic revision");
  cr_assert(strstr(c.err.msg, "d2_m.py:16") && strstr(c.err.msg, "for loop"), "%s", c.err.msg);
  char *r = rows("b");
  cr_assert_str_eq(r, "");
  free(r);

  apply(s, &c, "upgrade", "b", "d2", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);
  cr_assert_str_eq(jstr(c.out, "engine"), "alembic");
  r = rows("b");
  cr_assert_str_eq(r, "d2");
  free(r);
  r = q("b", "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM "
             "information_schema.columns WHERE table_name = 'dt'");
  cr_assert_str_eq(r, "a,b,id");
  free(r);

  // A password in the URL (trust auth ignores it): it must not appear anywhere.
  char u[700];
  snprintf(u, sizeof u, "postgresql://postgres:s3cr%%40t@/b?host=%s", pgdir);
  call(s, &c, "upgrade", "{\"database_url\": \"%s\"}", u);
  cr_assert(c.ok, "%s", c.err.msg);
  char id[64];
  snprintf(id, sizeof id, "%s", jstr(c.out, "plan_id"));
  call(s, &c, "upgrade", "{\"database_url\": \"%s\", \"confirm\": \"%s\"}", u, id);
  cr_assert(c.ok && c.is_error, "d3 did not fail: %s", c.text);
  cr_assert_str_eq(jstr(c.out, "failed.revision"), "d3");
  cr_assert(strstr(jstr(c.out, "failed.error"), "no_such_table"), "%s", jstr(c.out, "failed.error"));
  char *cur = jlist(json_get(c.out, "current"));
  cr_assert_str_eq(cur, "d2");
  free(cur);
  Buf all = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &all);
  jw_value(&w, c.out);
  buf_puts(&all, c.text);
  cr_assert_null(strstr(buf_cstr(&all), "s3cr"), "the password shows: %s", buf_cstr(&all));
  buf_free(&all);
  r = q("b", "SELECT count(*) FROM information_schema.columns WHERE table_name = 'dt' AND "
             "column_name = 'c'");
  cr_assert_str_eq(r, "0", "d3's first statement was not rolled back");
  free(r);
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}

/* version_table / version_table_schema from the [alembic] section: the table is created
 * there (as Alembic's VARCHAR(32) primary key alembic_version_pkc-style constraint) and
 * maintained there; the default alembic_version is never touched. */
Test(upgrade, version_table_from_the_ini) {
  pg_up();
  createdb("b");
  char *dir = copy_project(TREE);
  free(sh("sed -i 's|^script_location.*|&\\nversion_table = my_versions\\nversion_table_schema = vs|' "
          "%s/alembic.ini",
          dir));
  free(q("b", "CREATE SCHEMA vs"));
  ToolSession *s = tool_session_new(dir);
  Call c = {0};
  apply(s, &c, "upgrade", "b", "heads", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);
  char *r = q("b", "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM vs.my_versions");
  cr_assert_str_eq(r, "f0012,h0014");
  free(r);
  r = q("b", "SELECT conname || ':' || (to_regclass('public.alembic_version') IS NULL)::text FROM "
             "pg_constraint WHERE conrelid = 'vs.my_versions'::regclass");
  cr_assert_str_eq(r, "my_versions_pkc:true");
  free(r);
  char *cur = jlist(json_get(c.out, "current"));
  cr_assert_str_eq(cur, "f0012,h0014");
  free(cur);
  apply(s, &c, "downgrade", "b", "base", NULL);
  cr_assert(c.ok && !c.is_error, "%s %s", c.err.msg, c.text);
  r = q("b", "SELECT count(*) FROM vs.my_versions");
  cr_assert_str_eq(r, "0");
  free(r);
  free(sh("rm -rf %s", dir));
  free(dir);
  arena_delete(c.arena);
  tool_session_delete(s);
  pg_down();
}
