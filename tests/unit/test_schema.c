/* test_schema.c - tool argument checking against inputSchema. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/tools/schema.h"

static Arena *arena;
static void setup(void) { arena = arena_new(); }
static void teardown(void) { arena_delete(arena); }
TestSuite(schema, .init = setup, .fini = teardown);

static const Json *parse(const char *text) {
  RtError err = {0};
  const Json *j = json_parse(arena, text, strlen(text), NULL, &err, NULL);
  cr_assert_not_null(j, "fixture JSON must parse: %s (%s)", text, err.msg);
  return j;
}

static const char SCHEMA[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"range\":{\"type\":\"string\"},"
    "\"verbose\":{\"type\":\"boolean\"},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1},"
    "\"format\":{\"type\":\"string\",\"enum\":[\"text\",\"json\"]},"
    "\"ids\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"target\":{\"type\":[\"string\",\"null\"]}},"
    "\"required\":[\"range\"],\"additionalProperties\":false}";

static void expect_error(const char *args, const char *fragment) {
  RtError err = {0};
  cr_assert_not(schema_validate(parse(SCHEMA), parse(args), &err), "%s should be refused", args);
  cr_assert_eq(err.kind, ERR_PARAMS);
  cr_assert(strstr(err.msg, fragment), "message '%s' should mention '%s'", err.msg, fragment);
}

Test(schema, accepts_valid_arguments) {
  RtError err = {0};
  cr_assert(schema_validate(parse(SCHEMA),
                            parse("{\"range\":\"a:b\",\"verbose\":true,\"limit\":3,"
                                  "\"format\":\"json\",\"ids\":[\"x\"],\"target\":null}"),
                            &err),
            "%s", err.msg);
}

Test(schema, names_the_wrong_argument) {
  expect_error("{\"range\":7}", "argument 'range' must be a string, got a number");
  expect_error("{\"range\":\"x\",\"verbose\":\"yes\"}", "'verbose' must be a boolean");
  expect_error("{\"range\":\"x\",\"limit\":1.5}", "'limit' must be an integer");
  expect_error("{\"range\":\"x\",\"limit\":0}", "'limit' must be at least 1");
  expect_error("{\"range\":\"x\",\"format\":\"xml\"}", "one of 'text', 'json'");
  expect_error("{\"range\":\"x\",\"ids\":[\"a\",3]}", "ids[1]");
  expect_error("{\"range\":\"x\",\"target\":3}", "string or null");
}

Test(schema, refuses_unknown_and_missing_arguments) {
  expect_error("{\"range\":\"x\",\"rnage\":1}", "unknown argument 'rnage'");
  expect_error("{}", "missing required argument 'range'");
  expect_error("[]", "must be an object, got an array");
}
