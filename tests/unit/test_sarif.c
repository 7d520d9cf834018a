/* test_sarif.c - review results as SARIF 2.1.0. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/tools/sarif.h"

static Arena *arena;
static void setup(void) { arena = arena_new(); }
static void teardown(void) { arena_delete(arena); }
TestSuite(sarif, .init = setup, .fini = teardown);

static const Json *parse(const char *text) {
  RtError err = {0};
  const Json *j = json_parse(arena, text, strlen(text), NULL, &err, NULL);
  cr_assert_not_null(j, "%s: %s", err.msg, text);
  return j;
}

Test(sarif, findings_become_results_with_regions_rules_and_fixes) {
  const Json *review = parse(
      "{\"revisions\":[],\"summary\":{\"revisions\":1,\"errors\":1,\"warnings\":1,\"infos\":0},"
      "\"findings\":["
      "{\"rule\":\"require-concurrent-index-creation\",\"severity\":\"error\",\"message\":\"m1\","
      "\"path\":\"/elsewhere/v/a b.py\",\"line\":3,\"column\":5,\"end_line\":3,\"end_column\":9},"
      "{\"rule\":\"docstring-mismatch\",\"severity\":\"info\",\"message\":\"m2\","
      "\"path\":\"/elsewhere/v/x.py\",\"line\":1,\"column\":2,\"end_line\":1,\"end_column\":4,"
      "\"fix\":\"abc\"},"
      "{\"rule\":\"multiple-heads\",\"severity\":\"warning\",\"message\":\"m3\",\"path\":null}]}");
  Buf b = BUF_INIT;
  sarif_write_review(&b, review, "9.9");
  const Json *log = parse(buf_cstr(&b));
  cr_assert_str_eq(json_get_string(log, "version"), "2.1.0");
  const Json *run = json_get(log, "runs")->items[0];
  cr_assert_str_eq(json_get_string(run, "columnKind"), "unicodeCodePoints");
  const Json *driver = json_get(json_get(run, "tool"), "driver");
  cr_assert_str_eq(json_get_string(driver, "name"), "retort");
  cr_assert_str_eq(json_get_string(driver, "version"), "9.9");
  const Json *rules = json_get(driver, "rules");
  cr_assert_eq(rules->n, 3);
  const Json *results = json_get(run, "results");
  cr_assert_eq(results->n, 3);
  const Json *r0 = results->items[0];
  cr_assert_str_eq(json_get_string(r0, "level"), "error");
  const Json *loc = json_get(json_get(r0, "locations")->items[0], "physicalLocation");
  cr_assert_str_eq(json_get_string(json_get(loc, "artifactLocation"), "uri"),
                   "file:///elsewhere/v/a%20b.py");
  cr_assert_eq(json_get(json_get(loc, "region"), "startColumn")->num, 5);
  cr_assert_str_eq(json_get_string(results->items[1], "level"), "note");
  cr_assert_not_null(json_get(results->items[1], "fixes"));
  cr_assert_null(json_get(results->items[2], "locations"), "a finding without a file has no location");
  // Rules the registry knows carry their doc page as help.
  cr_assert_not_null(json_get(rules->items[0], "help"));
  buf_free(&b);
}

Test(sarif, an_empty_review_is_a_valid_log) {
  Buf b = BUF_INIT;
  sarif_write_review(&b, NULL, "1");
  const Json *log = parse(buf_cstr(&b));
  cr_assert_eq(json_get(json_get(log, "runs")->items[0], "results")->n, 0);
  buf_free(&b);
}
