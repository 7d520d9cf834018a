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
  const Json *out = call("status", "{}", &res, &err);
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
