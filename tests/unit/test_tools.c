/* test_tools.c - the tool layer end to end over the core: argument checking, project
 * errors, and the history/status results on the bundled example project. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/tools/tools.h"

static Arena *arena;
static ToolSession *session;
static void setup(void) {
  arena = arena_new();
  session = tool_session_new(RETORT_SOURCE_DIR "/examples/shop");
}
static void teardown(void) {
  tool_session_delete(session);
  arena_delete(arena);
}
TestSuite(tools, .init = setup, .fini = teardown);

static const Json *parse(const char *text) {
  RtError err = {0};
  const Json *j = json_parse(arena, text, strlen(text), NULL, &err, NULL);
  cr_assert_not_null(j, "%s", err.msg);
  return j;
}

/* Calls a tool; on success returns the parsed structuredContent. */
static const Json *call(const char *tool, const char *args, McpToolResult *res, RtError *err) {
  memset(res, 0, sizeof *res);
  if (!tools_call(session, tool, parse(args), arena, res, err)) return NULL;
  return parse(buf_cstr(&res->structured));
}

static void result_free(McpToolResult *res) {
  buf_free(&res->text);
  buf_free(&res->structured);
}

Test(tools, unknown_tool_and_bad_arguments_are_param_errors) {
  McpToolResult res;
  RtError err = {0};
  cr_assert_null(call("histroy", "{}", &res, &err));
  cr_assert_eq(err.kind, ERR_PARAMS);
  cr_assert(strstr(err.msg, "Unknown tool: histroy"), "%s", err.msg);
  cr_assert_null(call("history", "{\"range\": 3}", &res, &err));
  cr_assert_eq(err.kind, ERR_PARAMS);
  cr_assert(strstr(err.msg, "'range'"), "%s", err.msg);
  cr_assert_null(call("status", "{\"bogus\": true}", &res, &err));
  cr_assert(strstr(err.msg, "unknown argument 'bogus'"), "%s", err.msg);
  result_free(&res);
}

Test(tools, missing_project_says_where_it_looked) {
  McpToolResult res;
  RtError err = {0};
  cr_assert_null(call("history", "{\"project\": \"/nonexistent/retort-test\"}", &res, &err));
  cr_assert_neq(err.kind, ERR_PARAMS);
  cr_assert(strstr(err.msg, "/nonexistent/retort-test"), "%s", err.msg);
  result_free(&res);
}

Test(tools, history_of_the_example_project) {
  McpToolResult res;
  RtError err = {0};
  const Json *out = call("history", "{}", &res, &err);
  cr_assert_not_null(out, "%s", err.msg);
  const Json *revs = json_get(out, "revisions");
  cr_assert_eq(revs->type, JSON_ARRAY);
  cr_assert_geq(revs->n, 8);
  const Json *heads = json_get(out, "heads");
  cr_assert_eq(heads->n, 1, "the example project has one head");
  // Newest first: the first revision printed is the head.
  cr_assert_str_eq(json_get_string(revs->items[0], "revision"), heads->items[0]->str);
  size_t merges = 0, branch_points = 0;
  for (size_t i = 0; i < revs->n; i++) {
    merges += json_get(revs->items[i], "is_merge_point")->b;
    branch_points += json_get(revs->items[i], "is_branch_point")->b;
  }
  cr_assert_geq(merges, 1);
  cr_assert_geq(branch_points, 1);
  cr_assert(strstr(buf_cstr(&res.text), "(head)"), "%s", buf_cstr(&res.text));
  cr_assert(strstr(buf_cstr(&res.text), "(mergepoint)"), "%s", buf_cstr(&res.text));
  result_free(&res);
}

Test(tools, history_range_errors_use_alembic_wording) {
  McpToolResult res;
  RtError err = {0};
  cr_assert_null(call("history", "{\"range\": \"zzzz:head\"}", &res, &err));
  cr_assert_eq(err.kind, ERR_TARGET);
  cr_assert(strstr(err.msg, "zzzz"), "%s", err.msg);
  result_free(&res);
}

Test(tools, status_reports_the_file_side_only) {
  McpToolResult res;
  RtError err = {0};
  const Json *out = call("status", "{\"offline\": true}", &res, &err);
  cr_assert_not_null(out, "%s", err.msg);
  cr_assert_eq(json_get(out, "heads")->n, 1);
  cr_assert_eq(json_get(out, "current")->type, JSON_NULL);
  cr_assert_eq(json_get(out, "pending")->type, JSON_NULL);
  cr_assert_eq(json_get(json_get(out, "database"), "consulted")->b, false);
  cr_assert(strstr(buf_cstr(&res.text), "no database was consulted"), "%s", buf_cstr(&res.text));
  result_free(&res);
}

/* The session keeps the graph and the last history result while nothing changes; an
 * edited revision file must show up in the very next call. */
Test(tools, warm_results_follow_file_changes) {
  char dir[] = "/tmp/retort-test-tools-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char cmd[512];
  snprintf(cmd, sizeof cmd, "cp -r '%s/examples/shop/.' '%s/'", RETORT_SOURCE_DIR, dir);
  cr_assert_eq(system(cmd), 0);
  char args[256];
  snprintf(args, sizeof args, "{\"project\": \"%s\"}", dir);

  McpToolResult res;
  RtError err = {0};
  const Json *first = call("history", args, &res, &err);
  cr_assert_not_null(first, "%s", err.msg);
  char *before = strdup(buf_cstr(&res.text));
  result_free(&res);
  const Json *again = call("history", args, &res, &err);
  cr_assert_not_null(again, "%s", err.msg);
  cr_assert_str_eq(buf_cstr(&res.text), before);
  result_free(&res);

  // Retitle the base revision: its message is the first paragraph of the docstring.
  snprintf(cmd, sizeof cmd,
           "f=$(grep -l \"^down_revision.*= None\" '%s'/migrations/versions/*.py) && "
           "sed -i '1s/^\"\"\"[^\"]*/\"\"\"renamed in place/' \"$f\" && touch -d '+1 second' \"$f\"",
           dir);
  cr_assert_eq(system(cmd), 0);
  const Json *after = call("history", args, &res, &err);
  cr_assert_not_null(after, "%s", err.msg);
  cr_assert(strstr(buf_cstr(&res.text), "renamed in place"), "%s", buf_cstr(&res.text));
  cr_assert_str_neq(buf_cstr(&res.text), before);
  result_free(&res);
  free(before);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

/* Finds the first finding of `rule` in a review result, or NULL. */
static const Json *finding_of(const Json *review, const char *rule) {
  const Json *fs = json_get(review, "findings");
  for (size_t i = 0; fs && i < fs->n; i++)
    if (strcmp(json_get_string(fs->items[i], "rule"), rule) == 0) return fs->items[i];
  return NULL;
}

Test(tools, review_an_index_built_without_concurrently) {
  McpToolResult res;
  RtError err = {0};
  const Json *out = call("review_migration", "{\"revision\": \"d5a07b9c3e28\"}", &res, &err);
  cr_assert_not_null(out, "%s", err.msg);
  const Json *revs = json_get(out, "revisions");
  cr_assert_eq(revs->n, 1);
  const Json *r = revs->items[0];
  const Json *up = json_get(json_get(r, "sql"), "upgrade");
  cr_assert_eq(up->n, 1);
  cr_assert_str_eq(up->items[0]->str,
                   "CREATE INDEX ix_orders_customer_id_created_at ON orders (customer_id, created_at)");
  const Json *locks = json_get(r, "locks");
  cr_assert_geq(locks->n, 1);
  cr_assert_str_eq(json_get_string(locks->items[0], "mode"), "SHARE");
  cr_assert_str_eq(json_get_string(locks->items[0], "table"), "orders");
  cr_assert_str_eq(json_get_string(locks->items[0], "direction"), "upgrade");
  const Json *f = finding_of(out, "require-concurrent-index-creation");
  cr_assert_not_null(f, "%s", buf_cstr(&res.structured));
  cr_assert_str_eq(json_get_string(f, "severity"), "error");
  int64_t line;
  cr_assert(json_is_integer(json_get(f, "line"), &line));
  cr_assert_eq(line, 22);
  cr_assert_not_null(json_get_string(f, "help"));
  cr_assert_geq(json_get(json_get(out, "summary"), "errors")->num, 1);
  result_free(&res);
}

Test(tools, review_by_path_and_by_range) {
  McpToolResult res;
  RtError err = {0};
  char args[512];
  snprintf(args, sizeof args,
           "{\"path\": \"%s/examples/shop/migrations/versions/"
           "2024_03_25_a6e1f5b9c372_add_refunded_order_status.py\"}",
           RETORT_SOURCE_DIR);
  const Json *out = call("review_migration", args, &res, &err);
  cr_assert_not_null(out, "%s", err.msg);
  cr_assert_eq(json_get(out, "revisions")->n, 1);
  cr_assert_str_eq(json_get_string(json_get(out, "revisions")->items[0], "revision"),
                   "a6e1f5b9c372");
  result_free(&res);
  out = call("review_migration", "{\"revision\": \"base:head\"}", &res, &err);
  cr_assert_not_null(out, "%s", err.msg);
  const Json *revs = json_get(out, "revisions");
  cr_assert_eq(revs->n, 8);
  // Apply order: the base first, the head last.
  cr_assert_str_eq(json_get_string(revs->items[0], "revision"), "3f1c2a9d8b01");
  cr_assert_str_eq(json_get_string(revs->items[7], "revision"), "a6e1f5b9c372");
  result_free(&res);
}

Test(tools, review_of_an_unknown_revision_fails_with_alembic_wording) {
  McpToolResult res;
  RtError err = {0};
  cr_assert_null(call("review_migration", "{\"revision\": \"zzzz\"}", &res, &err));
  cr_assert_eq(err.kind, ERR_TARGET);
  cr_assert(strstr(err.msg, "No such revision or branch 'zzzz'"), "%s", err.msg);
  cr_assert_null(call("review_migration", "{\"path\": \"/nonexistent.py\"}", &res, &err));
  cr_assert_eq(err.kind, ERR_NOT_FOUND);
  result_free(&res);
}

/* A directory of revision files with no alembic.ini anywhere above it is read as the
 * project's versions directory; an empty one keeps the discovery error. */
Test(tools, a_bare_versions_directory_is_a_project) {
  char dir[] = "/tmp/retort-test-bare-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char cmd[512], args[256];
  snprintf(args, sizeof args, "{\"project\": \"%s\"}", dir);
  McpToolResult res;
  RtError err = {0};
  cr_assert_null(call("history", args, &res, &err));
  cr_assert(strstr(err.msg, "no alembic.ini found"), "%s", err.msg);
  snprintf(cmd, sizeof cmd, "cp '%s'/examples/shop/migrations/versions/*.py '%s/'",
           RETORT_SOURCE_DIR, dir);
  cr_assert_eq(system(cmd), 0);
  const Json *out = call("history", args, &res, &err);
  cr_assert_not_null(out, "%s", err.msg);
  cr_assert_eq(json_get(out, "revisions")->n, 8);
  result_free(&res);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}
