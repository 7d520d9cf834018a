/* test_status.c - `status` and `history indicate_current` against a real database (a
 * scratch cluster per test) migrated by Debian's real alembic. */
#include "test_catalog_pg.h"

#include "protocol/json.h"
#include "server/tools/tools.h"

static Arena *arena;
static ToolSession *session;

static void setup(void) {
  pgt_setup();
  arena = arena_new();
  session = tool_session_new(NULL);
}
static void teardown(void) {
  tool_session_delete(session);
  arena_delete(arena);
  pgt_teardown();
}
TestSuite(status, .init = setup, .fini = teardown);

static const Json *parse(const char *text) {
  RtError err = {0};
  const Json *j = json_parse(arena, text, strlen(text), NULL, &err, NULL);
  cr_assert_not_null(j, "%s", err.msg);
  return j;
}

/* Calls a tool with `args` (a JSON object text, "%s" replaced by the project); returns the
 * structuredContent; the text goes to *text (caller frees) when text is not NULL. */
static const Json *call(const char *tool, const char *project, const char *args, char **text) {
  McpToolResult res = {0};
  RtError err = {0};
  Buf a = BUF_INIT;
  buf_printf(&a, args, project);
  bool ok = tools_call(session, tool, parse(buf_cstr(&a)), arena, &res, &err);
  cr_assert(ok, "%s %s: %s", tool, buf_cstr(&a), err.msg);
  const Json *out = parse(buf_cstr(&res.structured));
  if (text) *text = xstrdup(buf_cstr(&res.text));
  buf_free(&a);
  buf_free(&res.text);
  buf_free(&res.structured);
  return out;
}

static char *ids(const Json *arr) {
  Buf b = BUF_INIT;
  if (!arr || arr->type != JSON_ARRAY) return xstrdup("null");
  for (size_t k = 0; k < arr->n; k++) buf_printf(&b, "%s%s", k ? " " : "", arr->items[k]->str);
  char *s = buf_detach(&b);
  return s ? s : xstrdup("");
}

static void expect_ids(const Json *arr, const char *want) {
  char *got = ids(arr);
  cr_assert_str_eq(got, want);
  free(got);
}

static const char *const SHOP_ORDER =
    "3f1c2a9d8b01 7a4e5b6c2d13 b2d9e0f41a57 e9b3c6d1f470 c81f3e2a6d94 d5a07b9c3e28 "
    "f0c4d8e2a615 a6e1f5b9c372";

Test(status, current_pending_and_up_to_date_at_several_points) {
  // The version table moved, as env.py's version_table / version_table_schema would.
  char *dir = pgt_copy_project("examples/shop", "shop",
                               "version_table = shop_version\\nversion_table_schema = meta");
  Db *db = pgt_connect(dir);
  pgt_exec(db, "CREATE SCHEMA meta");

  char *text = NULL;
  const Json *s = call("status", dir, "{\"project\": \"%s\"}", &text);
  const Json *d = json_get(s, "database");
  cr_assert_str_eq(json_get_string(d, "kind"), "scratch");
  cr_assert(json_get(d, "reachable")->b);
  cr_assert_str_eq(json_get_string(d, "version_table"), "meta.shop_version");
  cr_assert_not(json_get(d, "version_table_exists")->b);
  expect_ids(json_get(s, "current"), "");
  expect_ids(json_get(s, "pending"), SHOP_ORDER);
  cr_assert_not(json_get(s, "up_to_date")->b);
  cr_assert(strstr(text, "Current: (none: no version table yet)"), "%s", text);
  free(text);

  pgt_alembic(db, dir, "upgrade c81f3e2a6d94");
  s = call("status", dir, "{\"project\": \"%s\"}", &text);
  expect_ids(json_get(s, "current"), "c81f3e2a6d94");
  expect_ids(json_get(s, "pending"), "e9b3c6d1f470 d5a07b9c3e28 f0c4d8e2a615 a6e1f5b9c372");
  cr_assert_not(json_get(s, "up_to_date")->b);
  // b2d9e0f41a57 creates its enum with get_bind() code: the fold is incomplete there
  const Json *drift = json_get(s, "drift");
  cr_assert(json_get(drift, "checked")->b);
  cr_assert_not(json_get(drift, "complete")->b);
  expect_ids(json_get(drift, "dynamic_revisions"), "b2d9e0f41a57");
  cr_assert(strstr(json_get_string(drift, "note"), "b2d9e0f41a57"), "%s",
            json_get_string(drift, "note"));
  cr_assert_eq(json_get(drift, "items")->n, 1, "%s", text);
  cr_assert_str_eq(json_get_string(json_get(drift, "items")->items[0], "name"),
                   "public.order_status");
  free(text);

  // two heads in the table (the branch point applied on both sides)
  pgt_alembic(db, dir, "upgrade e9b3c6d1f470");
  s = call("status", dir, "{\"project\": \"%s\"}", NULL);
  expect_ids(json_get(s, "current"), "c81f3e2a6d94 e9b3c6d1f470");
  expect_ids(json_get(s, "pending"), "d5a07b9c3e28 f0c4d8e2a615 a6e1f5b9c372");

  pgt_alembic(db, dir, "upgrade head");
  s = call("status", dir, "{\"project\": \"%s\"}", &text);
  expect_ids(json_get(s, "current"), "a6e1f5b9c372");
  expect_ids(json_get(s, "pending"), "");
  cr_assert(json_get(s, "up_to_date")->b);
  cr_assert(strstr(text, "Current: a6e1f5b9c372 (head)\n"), "%s", text);
  cr_assert(strstr(text, "Up to date: yes\n"), "%s", text);
  free(text);

  // drift made by hand
  pgt_exec(db, "CREATE TABLE by_hand (x int); ALTER TABLE customers DROP COLUMN phone");
  s = call("status", dir, "{\"project\": \"%s\"}", &text);
  drift = json_get(s, "drift");
  const Json *items = json_get(drift, "items");
  bool table = false, column = false;
  for (size_t k = 0; k < items->n; k++) {
    const char *kind = json_get_string(items->items[k], "kind");
    const char *name = json_get_string(items->items[k], "name");
    table |= !strcmp(kind, "extra") && !strcmp(name, "public.by_hand");
    column |= !strcmp(kind, "missing") && !strcmp(name, "public.customers.phone");
  }
  cr_assert(table && column, "%s", text);
  cr_assert(strstr(text, "extra table public.by_hand: 1 column\n"), "%s", text);
  cr_assert(strstr(text, "missing column public.customers.phone: varchar(32) NULL\n"), "%s", text);
  free(text);

  // a version row that names no revision file
  pgt_exec(db, "UPDATE meta.shop_version SET version_num = 'deadbeef0000'");
  s = call("status", dir, "{\"project\": \"%s\"}", NULL);
  expect_ids(json_get(s, "current"), "deadbeef0000");
  cr_assert_eq(json_get(s, "pending")->type, JSON_NULL);
  const Json *problems = json_get(s, "problems");
  cr_assert_eq(problems->n, 1);
  cr_assert_str_eq(json_get_string(problems->items[0], "rule"), "unknown-current-revision");
  cr_assert(strstr(json_get_string(problems->items[0], "message"), "deadbeef0000"));

  // offline: nothing consulted
  s = call("status", dir, "{\"project\": \"%s\", \"offline\": true}", NULL);
  cr_assert_not(json_get(json_get(s, "database"), "consulted")->b);
  cr_assert_eq(json_get(s, "drift")->type, JSON_NULL);
  db_close(db);
  free(dir);
}

Test(status, unreachable_database_is_reported_not_a_failure) {
  char *dir = pgt_copy_project("examples/shop", "shop", NULL);
  char *text = NULL;
  const Json *s = call("status", dir,
                       "{\"project\": \"%s\", \"database_url\": "
                       "\"postgresql://bob:s3cr3t@127.0.0.1:1/nowhere\"}",
                       &text);
  const Json *d = json_get(s, "database");
  cr_assert_str_eq(json_get_string(d, "kind"), "url");
  cr_assert_not(json_get(d, "reachable")->b);
  cr_assert_str_eq(json_get_string(d, "url"), "postgresql://bob:***@127.0.0.1:1/nowhere");
  cr_assert(strstr(json_get_string(d, "error"), "cannot connect"), "%s", json_get_string(d, "error"));
  cr_assert_eq(json_get(s, "current")->type, JSON_NULL);
  cr_assert_eq(json_get(s, "up_to_date")->type, JSON_NULL);
  expect_ids(json_get(s, "heads"), "a6e1f5b9c372");
  cr_assert_null(strstr(text, "s3cr3t"), "the password leaked: %s", text);
  cr_assert(strstr(text, "not reachable"), "%s", text);
  free(text);
  free(dir);
}

/* `history indicate_current` prints what `alembic history --indicate-current` prints. */
Test(status, history_indicate_current_matches_alembic) {
  char *dir = pgt_copy_project("examples/shop", "shop", NULL);
  Db *db = pgt_connect(dir);
  const char *points[] = {"b2d9e0f41a57", "reporting@head", "heads"};
  for (size_t k = 0; k < 3; k++) {
    char args[64];
    snprintf(args, sizeof args, "upgrade %s", points[k]);
    pgt_alembic(db, dir, args);
    char *url = pgt_sqlalchemy_url(db);
    Buf cmd = BUF_INIT, want = BUF_INIT;
    buf_printf(&cmd, "cd '%s' && RETORT_TEST_URL='%s' /usr/bin/alembic history --indicate-current",
               dir, url);
    cr_assert_eq(pgt_sh(buf_cstr(&cmd), &want), 0, "%s", buf_cstr(&want));
    char *text = NULL;
    const Json *h = call("history", dir, "{\"project\": \"%s\", \"indicate_current\": true}", &text);
    cr_assert_str_eq(text, buf_cstr(&want), "at %s", points[k]);
    size_t ncur = 0;
    const Json *revs = json_get(h, "revisions");
    for (size_t i = 0; i < revs->n; i++) ncur += json_get(revs->items[i], "is_current")->b;
    cr_assert_eq(ncur, json_get(h, "current")->n);
    free(text);
    free(url);
    buf_free(&cmd);
    buf_free(&want);
  }
  // without indicate_current nothing is asked of the database
  const Json *h = call("history", dir, "{\"project\": \"%s\"}", NULL);
  cr_assert_eq(json_get(h, "current")->type, JSON_NULL);
  cr_assert_eq(json_get(json_get(h, "revisions")->items[0], "is_current")->type, JSON_NULL);
  db_close(db);
  free(dir);
}
