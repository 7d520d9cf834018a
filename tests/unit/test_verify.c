/* test_verify.c - round-trip verification on the scratch cluster: a downgrade that
 * forgets an index or a column is caught, the locks each statement takes are observed,
 * a second upgrade that fails is said; dynamic revisions run through the project's own
 * alembic, as upgrade's engine=auto runs them (every revision of examples/shop, with
 * its get_bind() code, verified), and are skipped with the reason when there is none. */
#include "test_catalog_pg.h"

#include "protocol/json.h"
#include "server/tools/tools.h"
#include "server/tools/verify.h"

static Arena *arena;
static ToolSession *session;

static void setup(void) {
  pgt_setup();
  arena = arena_new();
  session = tool_session_new(NULL);
  // verification must never use these, even when set
  setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/never", 1);
}
static void teardown(void) {
  tool_session_delete(session);
  arena_delete(arena);
  pgt_teardown();
}
TestSuite(verify, .init = setup, .fini = teardown);

static const char *const PROJECT = RETORT_SOURCE_DIR "/tests/fixtures/catalog/verify";

/* Verifies `ids` (space-separated) of `project`; returns the parsed result. */
static const Json *verify_in(const char *project, const char *ids, char **text) {
  RtError err = {0};
  char args_text[600];
  snprintf(args_text, sizeof args_text, "{\"project\": \"%s\"}", project);
  const Json *args = json_parse(arena, args_text, strlen(args_text), NULL, &err, NULL);
  cr_assert_not_null(args);
  ToolProject tp;
  cr_assert(tool_project_load(session, args, REV_PARSE_FULL, &tp, &err), "%s", err.msg);
  Revision *revs[16];
  size_t n = 0;
  char *copy = xstrdup(ids);
  for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
    revs[n] = graph_get(tp.graph, tok);
    cr_assert_not_null(revs[n], "%s", tok);
    n++;
  }
  free(copy);
  Buf out = BUF_INIT, t = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &out);
  cr_assert(tool_verify_revisions(session, &tp, revs, n, &w, &t, &err), "%s", err.msg);
  const Json *j = json_parse(arena, buf_cstr(&out), out.len, NULL, &err, NULL);
  cr_assert_not_null(j, "%s\n%s", err.msg, buf_cstr(&out));
  *text = xstrdup(buf_cstr(&t));
  buf_free(&out);
  buf_free(&t);
  tool_project_free(&tp);
  return j;
}

/* The same on the fixture project, with no alembic to be found (PATH is a directory of
 * nothing): its dynamic revision cannot run. */
static const Json *verify(const char *ids, char **text) {
  char *path = xstrdup(getenv("PATH"));
  setenv("PATH", "/nonexistent-retort-test-path", 1);
  const Json *j = verify_in(PROJECT, ids, text);
  setenv("PATH", path, 1);
  free(path);
  return j;
}

static const Json *rev_result(const Json *v, const char *id) {
  const Json *revs = json_get(v, "revisions");
  for (size_t k = 0; k < revs->n; k++)
    if (!strcmp(json_get_string(revs->items[k], "revision"), id)) return revs->items[k];
  cr_assert_fail("no result for %s", id);
  return NULL;
}

static bool has_item(const Json *r, const char *kind, const char *object, const char *name) {
  const Json *items = json_get(r, "not_restored");
  for (size_t k = 0; k < items->n; k++)
    if (!strcmp(json_get_string(items->items[k], "kind"), kind) &&
        !strcmp(json_get_string(items->items[k], "object"), object) &&
        !strcmp(json_get_string(items->items[k], "name"), name))
      return true;
  return false;
}

static bool has_lock(const Json *r, const char *relation, const char *mode) {
  const Json *locks = json_get(r, "locks");
  for (size_t k = 0; k < locks->n; k++)
    if (!strcmp(json_get_string(locks->items[k], "relation"), relation) &&
        !strcmp(json_get_string(locks->items[k], "mode"), mode)) {
      cr_assert(json_get(locks->items[k], "existing")->b, "%s existed before", relation);
      return true;
    }
  return false;
}

Test(verify, round_trips) {
  char *text = NULL;
  const Json *v = verify("v1 v2 v3 v4 v5", &text);
  cr_assert(json_get(v, "available")->b, "%s", text);
  cr_assert(strstr(json_get_string(v, "database"), "scratch:"), "%s", text);
  cr_assert_null(strstr(text, "secret"), "%s", text);

  const Json *r1 = rev_result(v, "v1");
  cr_assert(json_get(r1, "verified")->b, "%s", text);
  cr_assert(json_get(r1, "restored")->b, "%s", text);
  cr_assert_eq(json_get(r1, "not_restored")->n, 0, "%s", text);

  const Json *r2 = rev_result(v, "v2");
  cr_assert_not(json_get(r2, "verified")->b, "%s", text);
  cr_assert_not(json_get(r2, "restored")->b, "%s", text);
  // the index left behind makes the second upgrade fail
  cr_assert(json_get(json_get(r2, "downgrade"), "ok")->b, "%s", text);
  cr_assert(strstr(json_get_string(json_get(r2, "reupgrade"), "error"), "already exists"), "%s",
            text);
  cr_assert(has_item(r2, "extra", "index", "public.t.ix_t_name"), "%s", text);
  cr_assert(has_lock(r2, "public.t", "SHARE"), "CREATE INDEX takes SHARE: %s", text);
  cr_assert_not(has_lock(r2, "public.t", "ACCESS EXCLUSIVE"), "%s", text);
  // the new index itself is locked too, but it is the revision's own
  const Json *l2 = json_get(r2, "locks");
  bool own = false;
  for (size_t k = 0; k < l2->n; k++)
    own |= !strcmp(json_get_string(l2->items[k], "relation"), "public.ix_t_name") &&
           !json_get(l2->items[k], "existing")->b;
  cr_assert(own, "%s", text);
  cr_assert(strstr(text, "lock: statement 1 takes SHARE on public.t\n"), "%s", text);
  cr_assert_null(strstr(text, "on public.ix_t_name"), "%s", text);

  const Json *r3 = rev_result(v, "v3");
  cr_assert(has_item(r3, "missing", "column", "public.t.name"), "%s", text);
  cr_assert(has_item(r3, "missing", "index", "public.t.ix_t_name"), "%s", text);
  cr_assert(has_item(r3, "missing", "comment", "public.t.name"), "%s", text);
  cr_assert(has_lock(r3, "public.t", "ACCESS EXCLUSIVE"), "ALTER TABLE: %s", text);
  cr_assert(strstr(text, "v3: upgrade ok, downgrade ok, upgrade again FAILED; the downgrade did "
                         "not restore 3 objects"),
            "%s", text);

  const Json *r4 = rev_result(v, "v4");
  cr_assert_not(json_get(r4, "verified")->b);
  cr_assert(strstr(json_get_string(r4, "skipped"), "v4_dynamic.py:16"), "%s",
            json_get_string(r4, "skipped"));
  cr_assert(strstr(json_get_string(r4, "skipped"), "no alembic executable was found"), "%s",
            json_get_string(r4, "skipped"));

  const Json *r5 = rev_result(v, "v5");
  cr_assert(json_get(json_get(r5, "downgrade"), "ok")->b, "%s", text);
  cr_assert_not(json_get(json_get(r5, "reupgrade"), "ok")->b, "%s", text);
  cr_assert(strstr(json_get_string(json_get(r5, "reupgrade"), "error"), "already exists"), "%s",
            text);
  cr_assert(has_item(r5, "extra", "table", "public.u"), "%s", text);
  cr_assert_not(json_get(r5, "verified")->b);

  // the throwaway database is gone; the cluster's own database was not touched
  unsetenv("DATABASE_URL");
  Db *db = pgt_connect(PROJECT);
  Schema *s = NULL;
  RtError err = {0};
  cr_assert(catalog_read(db, NULL, NULL, &s, &err), "%s", err.msg);
  cr_assert_eq(s->ntables, 0, "the scratch cluster's own database was not touched");
  schema_delete(s);
  Buf cmd = BUF_INIT, out = BUF_INIT;
  buf_printf(&cmd, "psql '%s' -Atc \"SELECT count(*) FROM pg_database WHERE datname LIKE "
                   "'retort\\_verify\\_%%'\"",
             db_target(db)->conninfo);
  cr_assert_eq(pgt_sh(buf_cstr(&cmd), &out), 0, "%s", buf_cstr(&out));
  cr_assert_str_eq(buf_cstr(&out), "0\n", "a throwaway database was left behind");
  buf_free(&cmd);
  buf_free(&out);
  db_close(db);
  free(text);
}

/* review_migration with verify: true carries the round trip under "verify", after the
 * review itself, and its text after the findings; without it there is no "verify". */
Test(verify, through_review_migration) {
  RtError err = {0};
  const char *with = "{\"project\": \"" RETORT_SOURCE_DIR
                     "/tests/fixtures/catalog/verify\", \"revision\": \"v5\", \"verify\": true}";
  const char *without = "{\"project\": \"" RETORT_SOURCE_DIR
                        "/tests/fixtures/catalog/verify\", \"revision\": \"v5\"}";
  McpToolResult res = {0};
  cr_assert(tools_call(session, "review_migration",
                       json_parse(arena, with, strlen(with), NULL, &err, NULL), arena, &res, &err),
            "%s", err.msg);
  const Json *j = json_parse(arena, buf_cstr(&res.structured), res.structured.len, NULL, &err, NULL);
  cr_assert_not_null(j, "%s", err.msg);
  cr_assert_not_null(json_get(j, "findings"));
  const Json *v = json_get(j, "verify");
  cr_assert_not_null(v, "%s", buf_cstr(&res.structured));
  cr_assert(json_get(v, "available")->b);
  const Json *r = rev_result(v, "v5");
  cr_assert(!json_get(r, "verified")->b, "v5 cannot be upgraded again");
  cr_assert(has_item(r, "extra", "table", "public.u"));
  const char *text = buf_cstr(&res.text);
  const char *found = strstr(text, "1 revision reviewed");
  const char *round = strstr(text, "Round trip");
  cr_assert(found && round && round > found, "%s", text);
  buf_free(&res.text);
  buf_free(&res.structured);

  McpToolResult plain = {0};
  cr_assert(tools_call(session, "review_migration",
                       json_parse(arena, without, strlen(without), NULL, &err, NULL), arena,
                       &plain, &err),
            "%s", err.msg);
  j = json_parse(arena, buf_cstr(&plain.structured), plain.structured.len, NULL, &err, NULL);
  cr_assert_null(json_get(j, "verify"));
  cr_assert_null(strstr(buf_cstr(&plain.text), "Round trip"));
  buf_free(&plain.text);
  buf_free(&plain.structured);
}

static const char *engine_of(const Json *r, const char *phase) {
  const Json *p = json_get(r, phase);
  cr_assert(p && p->type == JSON_OBJECT, "%s did not run", phase);
  return json_get_string(p, "engine");
}

/* examples/shop: b2d9e0f41a57 has get_bind() code, which retort does not run; upgrade's
 * engine=auto hands such revisions to the project's alembic, and so does verification:
 * every revision is verified and restored. b2d9e0f41a57 itself goes up and down through
 * alembic (its locks cannot be watched statement by statement: a note says so); the
 * static revisions after it get their parents from alembic and are then run, and their
 * locks observed, natively; the merge point goes down to its first parent (-1 is
 * ambiguous there). DATABASE_URL (set by setup) is not what the alembic child gets. */
Test(verify, shop_dynamic_revisions_through_the_projects_alembic) {
  char *text = NULL;
  const Json *v = verify_in(RETORT_SOURCE_DIR "/examples/shop",
                            "3f1c2a9d8b01 7a4e5b6c2d13 b2d9e0f41a57 e9b3c6d1f470 c81f3e2a6d94 "
                            "d5a07b9c3e28 f0c4d8e2a615 a6e1f5b9c372",
                            &text);
  cr_assert(json_get(v, "available")->b, "%s", text);
  const Json *revs = json_get(v, "revisions");
  cr_assert_eq(revs->n, 8);
  for (size_t k = 0; k < revs->n; k++) {
    const Json *r = revs->items[k];
    cr_assert(json_get(r, "verified")->b, "%s not verified:\n%s", json_get_string(r, "revision"),
              text);
    cr_assert(json_get(r, "restored")->b, "%s", text);
    cr_assert_eq(json_get(r, "skipped")->type, JSON_NULL, "%s", text);
  }

  const Json *dyn = rev_result(v, "b2d9e0f41a57");
  cr_assert_str_eq(engine_of(dyn, "upgrade"), "alembic");
  cr_assert_str_eq(engine_of(dyn, "downgrade"), "alembic");
  cr_assert_str_eq(engine_of(dyn, "reupgrade"), "alembic");
  cr_assert_str_eq(json_get_string(dyn, "parents_engine"), "native", "%s", text);
  cr_assert_eq(json_get(dyn, "locks")->n, 0);
  const Json *notes = json_get(dyn, "notes");
  cr_assert(notes->n >= 1 && strstr(notes->items[0]->str, "locks were not observed") &&
                strstr(notes->items[0]->str, "get_bind()") &&
                strstr(notes->items[0]->str, "b2d9e0f41a57_create_orders_and_order_items.py:"),
            "%s", text);

  const Json *first = rev_result(v, "3f1c2a9d8b01");
  cr_assert_str_eq(engine_of(first, "upgrade"), "native");
  cr_assert_eq(json_get(first, "parents_engine")->type, JSON_NULL);

  // After it: the way there through alembic, the revision itself natively, locks seen.
  const Json *after = rev_result(v, "e9b3c6d1f470");
  cr_assert_str_eq(json_get_string(after, "parents_engine"), "alembic", "%s", text);
  cr_assert_str_eq(engine_of(after, "upgrade"), "native");
  cr_assert_str_eq(engine_of(after, "downgrade"), "native");
  cr_assert(has_lock(after, "public.orders", "ACCESS EXCLUSIVE"), "%s", text);
  const Json *idx = rev_result(v, "d5a07b9c3e28");
  cr_assert(has_lock(idx, "public.orders", "SHARE"), "CREATE INDEX takes SHARE: %s", text);

  const Json *merge = rev_result(v, "f0c4d8e2a615");
  cr_assert(json_get(json_get(merge, "downgrade"), "ok")->b, "%s", text);

  cr_assert(strstr(text, "b2d9e0f41a57: upgrade ok, downgrade ok, upgrade again ok; the "
                         "downgrade restored every object\n"
                         "    run by the project's alembic (dynamic code): its upgrade, its "
                         "downgrade\n"),
            "%s", text);
  cr_assert(strstr(text, "e9b3c6d1f470: upgrade ok") &&
                strstr(text, "run by the project's alembic (dynamic code): the revisions before it"),
            "%s", text);
  cr_assert_null(strstr(text, "not verified"), "%s", text);
  cr_assert_null(strstr(text, "secret"), "%s", text);
  free(text);
}
