/* test_review_cache.c - the cached "schema before a revision": an edit to an ancestor
 * changes a descendant's review (lint engine, review_migration, LSP diagnostics), an edit
 * to the reviewed file itself keeps the cached schema, and results equal uncached ones. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/lint/lint.h"
#include "server/tools/lsp_features.h"
#include "server/tools/tools.h"

/* base creates users.name with type `name_type`; mid adds a column; child widens name to
 * varchar(100). From varchar(50) that is safe; from text (or varchar(200)) it rewrites the
 * table: changing-column-type. */
static char *base_src(const char *name_type) {
  char *s = NULL;
  cr_assert(asprintf(&s,
                     "from alembic import op\nimport sqlalchemy as sa\n\n"
                     "revision = 'aaaa00000001'\ndown_revision = None\n\n"
                     "def upgrade():\n"
                     "    op.create_table('users',\n"
                     "        sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),\n"
                     "        sa.Column('name', %s, nullable=True))\n\n"
                     "def downgrade():\n    op.drop_table('users')\n",
                     name_type) > 0);
  return s;
}

static const char MID[] =
    "from alembic import op\nimport sqlalchemy as sa\n\n"
    "revision = 'bbbb00000002'\ndown_revision = 'aaaa00000001'\n\n"
    "def upgrade():\n"
    "    op.add_column('users', sa.Column('email', sa.Text(), nullable=True))\n\n"
    "def downgrade():\n    op.drop_column('users', 'email')\n";

static const char CHILD[] =
    "from alembic import op\nimport sqlalchemy as sa\n\n"
    "revision = 'cccc00000003'\ndown_revision = 'bbbb00000002'\n\n"
    "def upgrade():\n"
    "    op.alter_column('users', 'name', type_=sa.String(100))\n\n"
    "def downgrade():\n    op.alter_column('users', 'name', type_=sa.String(50))\n";

static const char *RULE = "changing-column-type";

static bool has_rule(const FindingList *fl, const char *rule) {
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp(fl->items[i].rule, rule) == 0) return true;
  return false;
}

/* "line:rule: message" for every finding, sorted. Caller frees. */
static char *findings_text(FindingList *fl) {
  findings_sort(fl);
  Buf b = BUF_INIT;
  for (size_t i = 0; i < fl->len; i++)
    buf_printf(&b, "%u:%s: %s\n", fl->items[i].range.line, fl->items[i].rule,
               fl->items[i].message);
  return b.data ? buf_detach(&b) : xstrdup("");
}

/* ---- the lint engine's cache ---------------------------------------------------- */

static Arena *arena;
static RevParser *parser;
static void engine_setup(void) {
  arena = arena_new();
  parser = revparser_new();
}
static void engine_teardown(void) {
  revparser_delete(parser);
  arena_delete(arena);
}
TestSuite(review_cache, .init = engine_setup, .fini = engine_teardown);

static Revision *parse(const char *path, const char *src) {
  Revision *r = revision_parse(parser, arena, path, src, strlen(src), REV_PARSE_FULL, NULL);
  cr_assert(r->syntax_ok, "%s must parse", path);
  return r;
}

/* Lints revs[2] (the child) with and without the cache; both must agree. Returns the
 * findings' text (caller frees). */
static char *lint_child(LintSchemaCache *cache, const LintConfig *cfg, Revision **revs) {
  Graph *g = graph_build(revs, 3, NULL);
  FindingList cached, plain;
  findings_init(&cached);
  findings_init(&plain);
  RtError err = {0};
  cr_assert(lint_revisions_cached(cache, cfg, g, &revs[2], 1, NULL, &cached, &err), "%s", err.msg);
  cr_assert(lint_revisions(cfg, g, &revs[2], 1, NULL, &plain, &err), "%s", err.msg);
  char *a = findings_text(&cached), *b = findings_text(&plain);
  cr_expect_str_eq(a, b, "cached and uncached lints differ");
  free(b);
  findings_free(&cached);
  findings_free(&plain);
  graph_delete(g);
  return a;
}

static void expect_stats(const LintSchemaCache *c, size_t hits, size_t misses) {
  size_t h, m;
  lint_schema_cache_stats(c, &h, &m);
  cr_expect_eq(h, hits, "hits: %zu, expected %zu", h, hits);
  cr_expect_eq(m, misses, "misses: %zu, expected %zu", m, misses);
}

Test(review_cache, an_ancestor_edit_changes_the_descendants_findings) {
  LintConfig *cfg = lint_config_new();
  LintSchemaCache *cache = lint_schema_cache_new();
  char *narrow = base_src("sa.String(50)"), *wide = base_src("sa.Text()");
  Revision *revs[3] = {parse("/p/a.py", narrow), parse("/p/b.py", MID), parse("/p/c.py", CHILD)};

  char *t = lint_child(cache, cfg, revs);
  cr_expect_null(strstr(t, RULE), "varchar(50) -> varchar(100) is safe:\n%s", t);
  free(t);
  expect_stats(cache, 0, 1);

  // The reviewed file itself edited (a new Revision object): its schema before holds.
  char *child2 = NULL;
  cr_assert(asprintf(&child2, "%s# an edit of the reviewed file\n", CHILD) > 0);
  revs[2] = parse("/p/c.py", child2);
  t = lint_child(cache, cfg, revs);
  cr_expect_null(strstr(t, RULE), "%s", t);
  free(t);
  expect_stats(cache, 1, 1);

  // The grandparent edited: the cached schema must not be used.
  revs[0] = parse("/p/a.py", wide);
  t = lint_child(cache, cfg, revs);
  cr_expect_not_null(strstr(t, RULE), "text -> varchar(100) rewrites the table:\n%s", t);
  free(t);
  expect_stats(cache, 1, 2);

  // Edited in place at the same address (what a freed and re-parsed file may get): the
  // key is the content, not the pointer.
  *revs[0] = *parse("/p/a.py", narrow);
  t = lint_child(cache, cfg, revs);
  cr_expect_null(strstr(t, RULE), "%s", t);
  free(t);
  *revs[0] = *parse("/p/a.py", wide);
  t = lint_child(cache, cfg, revs);
  cr_expect_not_null(strstr(t, RULE), "%s", t);
  free(t);

  // A comment or blank line in an ancestor moves ranges only: still a hit.
  char *wide2 = NULL;
  cr_assert(asprintf(&wide2, "# moved down a line\n\n%s", wide) > 0);
  size_t h0, m0;
  lint_schema_cache_stats(cache, &h0, &m0);
  revs[0] = parse("/p/a.py", wide2);
  t = lint_child(cache, cfg, revs);
  cr_expect_not_null(strstr(t, RULE), "%s", t);
  free(t);
  expect_stats(cache, h0 + 1, m0);

  // The parent's op changed (another column type): a miss, and the result follows.
  char *mid2 = xstrdup(MID);
  memcpy(strstr(mid2, "'email'"), "'name' ", 7); // mid now redefines name as text
  revs[0] = parse("/p/a.py", narrow);
  revs[1] = parse("/p/b.py", mid2);
  t = lint_child(cache, cfg, revs);
  cr_expect_not_null(strstr(t, RULE), "the parent made name text:\n%s", t);
  free(t);

  free(mid2);
  free(wide2);
  free(child2);
  free(narrow);
  free(wide);
  lint_schema_cache_delete(cache);
  lint_config_delete(cfg);
}

Test(review_cache, ranges_and_headers_are_not_cached_wrongly) {
  // A header-only ancestor contributes nothing; the same ops parsed in full do.
  LintConfig *cfg = lint_config_new();
  LintSchemaCache *cache = lint_schema_cache_new();
  char *wide = base_src("sa.Text()");
  Revision *revs[3] = {parse("/p/a.py", wide), parse("/p/b.py", MID), parse("/p/c.py", CHILD)};
  char *full = lint_child(cache, cfg, revs);
  revs[0] = revision_parse(parser, arena, "/p/a.py", wide, strlen(wide), REV_PARSE_HEADER, NULL);
  char *header = lint_child(cache, cfg, revs);
  cr_expect_str_neq(full, header);
  expect_stats(cache, 0, 2);
  free(full);
  free(header);
  free(wide);
  lint_schema_cache_delete(cache);
  lint_config_delete(cfg);
}

/* ---- on disk: review_migration and the LSP ---------------------------------------- */

static char dir[64];

static void write_file(const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/migrations/versions/%s", dir, name);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
  // A new mtime even within one clock tick: the script cache compares mtime and size.
  static time_t tick = 1700000000;
  struct timespec ts[2] = {{tick, 0}, {tick, 0}};
  tick += 10;
  cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void project_setup(void) {
  snprintf(dir, sizeof dir, "/tmp/retort-review-cache-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/migrations/versions", dir);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
  cr_assert_eq(system(cmd), 0);
  snprintf(path, sizeof path, "%s/alembic.ini", dir);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fputs("[alembic]\nscript_location = %(here)s/migrations\n", f);
  fclose(f);
  char *narrow = base_src("sa.String(50)");
  write_file("a.py", narrow);
  write_file("b.py", MID);
  write_file("c.py", CHILD);
  free(narrow);
}

static void project_teardown(void) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  (void)system(cmd);
}

TestSuite(review_cache_project, .init = project_setup, .fini = project_teardown);

/* review_migration {path: c.py}: the findings' rule ids, one a line. Caller frees. */
static char *review(ToolSession *s, Arena *a) {
  char args[256];
  snprintf(args, sizeof args, "{\"path\": \"%s/migrations/versions/c.py\"}", dir);
  RtError err = {0};
  const Json *j = json_parse(a, args, strlen(args), NULL, &err, NULL);
  cr_assert_not_null(j, "%s", err.msg);
  McpToolResult res;
  memset(&res, 0, sizeof res);
  cr_assert(tools_call(s, "review_migration", j, a, &res, &err), "%s", err.msg);
  const Json *out = json_parse(a, buf_cstr(&res.structured), res.structured.len, NULL, &err, NULL);
  cr_assert_not_null(out, "%s", err.msg);
  const Json *fs = json_get(out, "findings");
  Buf b = BUF_INIT;
  for (size_t i = 0; fs && i < fs->n; i++)
    buf_printf(&b, "%s\n", json_get_string(fs->items[i], "rule"));
  buf_free(&res.text);
  buf_free(&res.structured);
  return b.data ? buf_detach(&b) : xstrdup("");
}

Test(review_cache_project, review_migration_follows_an_edited_ancestor) {
  Arena *a = arena_new();
  ToolSession *s = tool_session_new(dir);
  char *t = review(s, a);
  cr_expect_null(strstr(t, RULE), "%s", t);
  free(t);

  char *wide = base_src("sa.Text()");
  write_file("a.py", wide);
  t = review(s, a);
  cr_expect_not_null(strstr(t, RULE), "after the ancestor's edit:\n%s", t);
  free(t);

  // The reviewed file edited: the ancestor's state still shows.
  char *child2 = NULL;
  cr_assert(asprintf(&child2, "%s# edited\n", CHILD) > 0);
  write_file("c.py", child2);
  t = review(s, a);
  cr_expect_not_null(strstr(t, RULE), "%s", t);
  free(t);

  // Back to varchar(50).
  char *narrow = base_src("sa.String(50)");
  write_file("a.py", narrow);
  t = review(s, a);
  cr_expect_null(strstr(t, RULE), "%s", t);
  free(t);

  // A second session over the same files agrees (the cache is shared by content).
  ToolSession *s2 = tool_session_new(dir);
  t = review(s2, a);
  cr_expect_null(strstr(t, RULE), "%s", t);
  free(t);
  tool_session_delete(s2);

  free(narrow);
  free(child2);
  free(wide);
  tool_session_delete(s);
  arena_delete(a);
}

static char *uri_of(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "%s/migrations/versions/%s", dir, name);
  return lsp_path_to_uri(path);
}

static bool lsp_has_rule(LspFeatures *f, const char *uri, const char *rule) {
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(f, uri, &fl));
  bool has = has_rule(&fl, rule);
  findings_free(&fl);
  return has;
}

Test(review_cache_project, lsp_diagnostics_follow_an_edited_ancestor) {
  LspFeatures *f = lsp_features_new(NULL);
  char *child = uri_of("c.py"), *base = uri_of("a.py");
  lsp_features_open(f, child, 1, CHILD, strlen(CHILD));
  cr_expect_not(lsp_has_rule(f, child, RULE));

  // Typing in the child: the cached schema serves.
  LspTextChange add = {.has_range = false, .text = NULL, .len = 0};
  char *child2 = NULL;
  cr_assert(asprintf(&child2, "%s# typing\n", CHILD) > 0);
  add.text = child2;
  add.len = strlen(child2);
  RtError err = {0};
  cr_assert(lsp_features_change(f, child, 2, &add, 1, LSP_ENCODING_UTF16, &err), "%s", err.msg);
  cr_expect_not(lsp_has_rule(f, child, RULE));
  size_t h, m;
  lsp_features_schema_cache_stats(f, &h, &m);
  cr_expect_eq(m, 1, "one fold of the ancestors, got %zu", m);
  cr_expect_eq(h, 1, "the second lint is a hit, got %zu", h);

  // The ancestor opened and edited, unsaved: the child's diagnostics follow.
  char *narrow = base_src("sa.String(50)"), *wide = base_src("sa.Text()");
  lsp_features_open(f, base, 1, narrow, strlen(narrow));
  cr_expect_not(lsp_has_rule(f, child, RULE));
  LspTextChange whole = {.text = wide, .len = strlen(wide)};
  cr_assert(lsp_features_change(f, base, 2, &whole, 1, LSP_ENCODING_UTF16, &err), "%s", err.msg);
  cr_expect(lsp_has_rule(f, child, RULE), "text -> varchar(100) after the ancestor's edit");

  // Typing in the child again: the schema before it (with the edited ancestor) is cached.
  lsp_features_schema_cache_stats(f, &h, &m);
  cr_assert(lsp_features_change(f, child, 3, &add, 1, LSP_ENCODING_UTF16, &err), "%s", err.msg);
  cr_expect(lsp_has_rule(f, child, RULE));
  size_t h2, m2;
  lsp_features_schema_cache_stats(f, &h2, &m2);
  cr_expect_eq(h2, h + 1);
  cr_expect_eq(m2, m);

  // Closed unsaved: the file on disk (varchar(50)) counts again.
  lsp_features_close(f, base);
  cr_expect_not(lsp_has_rule(f, child, RULE));

  free(narrow);
  free(wide);
  free(child2);
  free(child);
  free(base);
  lsp_features_delete(f);
}

/* ---- a range: one running schema, snapshots at branch points ----------------------- */

/* The benchmark's generated project (feature branches that merge back, two independent
 * lines, depends_on): linting all revisions at once (one running schema, started over
 * from snapshots when the apply order changes branch, each upgrade read once) finds
 * exactly what linting each revision on its own finds (its ancestors folded from
 * nothing). */
Test(review_cache, a_range_lint_equals_each_revision_alone) {
  const char *gen = RETORT_SOURCE_DIR "/tests/bench/gen_history.py";
  if (access("/usr/bin/python3", X_OK) != 0 || access(gen, R_OK) != 0)
    cr_skip_test("no generator");
  char root[64] = "/tmp/retort-range-lint-XXXXXX";
  cr_assert_not_null(mkdtemp(root));
  char cmd[512];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s 160 > /dev/null", gen, root);
  cr_assert_eq(system(cmd), 0);
  ToolSession *s = tool_session_new(root);
  ToolProject tp;
  RtError err = {0};
  Json empty = {.type = JSON_OBJECT};
  cr_assert(tool_project_load(s, &empty, REV_PARSE_FULL, &tp, &err), "%s", err.msg);
  size_t n = graph_count(tp.graph);
  cr_assert_eq(n, 160);
  Revision **all = xmalloc(n * sizeof *all);
  for (size_t i = 0; i < n; i++) all[i] = graph_at(tp.graph, i);
  LintConfig *cfg = lint_config_new();
  FindingList range, alone;
  findings_init(&range);
  findings_init(&alone);
  cr_assert(lint_revisions(cfg, tp.graph, all, n, NULL, &range, &err));
  for (size_t i = 0; i < n; i++)
    cr_assert(lint_revisions(cfg, tp.graph, &all[i], 1, NULL, &alone, &err));
  cr_expect_gt(range.len, 100, "the project has findings to compare");
  char *a = findings_text(&range), *b = findings_text(&alone);
  cr_expect_str_eq(a, b, "a range lint differs from linting each revision alone");
  free(a);
  free(b);
  findings_free(&range);
  findings_free(&alone);
  lint_config_delete(cfg);
  free(all);
  tool_project_free(&tp);
  tool_session_delete(s);
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  cr_expect_eq(system(cmd), 0);
}

static char *alter_src(const char *id, const char *down, const char *type) {
  char *s = NULL;
  cr_assert(asprintf(&s,
                     "from alembic import op\nimport sqlalchemy as sa\n\n"
                     "revision = '%s'\ndown_revision = %s\n\n"
                     "def upgrade():\n%s%s%s\n\n"
                     "def downgrade():\n    pass\n",
                     id, down, type ? "    op.alter_column('users', 'name', type_=" : "    pass",
                     type ? type : "", type ? ")" : "") > 0);
  return s;
}

/* The order of the fold decides a column's type when two merged branches both change it
 * (c makes name varchar(30), x1 varchar(50); r, after their merge m, makes it varchar(40):
 * a narrowing after x1, a widening after c). A range lint must fold each revision's
 * ancestors in the apply order, as linting it alone does, whichever state it goes on from:
 * the range reaches m with c folded and x1 not, and must not fold x1 after c there. */
Test(review_cache, a_range_lint_folds_merged_branches_in_apply_order) {
  char *srcs[7] = {base_src("sa.Text()"),
                   alter_src("cccc00000001", "'aaaa00000001'", "sa.String(30)"),
                   alter_src("dddd00000001", "'aaaa00000001'", "sa.String(50)"),
                   alter_src("dddd00000002", "'dddd00000001'", NULL),
                   alter_src("eeee00000001", "'dddd00000002'", NULL),
                   alter_src("ffff00000001", "('cccc00000001', 'dddd00000002')", NULL),
                   alter_src("ffff00000002", "'ffff00000001'", "sa.String(40)")};
  Revision *revs[7];
  for (int k = 0; k < 7; k++) {
    char path[32];
    snprintf(path, sizeof path, "/p/%d.py", k);
    revs[k] = parse(path, srcs[k]);
  }
  Graph *g = graph_build(revs, 7, NULL);
  LintConfig *cfg = lint_config_new();
  FindingList range, alone;
  findings_init(&range);
  findings_init(&alone);
  RtError err = {0};
  cr_assert(lint_revisions(cfg, g, revs, 7, NULL, &range, &err));
  for (int k = 0; k < 7; k++) cr_assert(lint_revisions(cfg, g, &revs[k], 1, NULL, &alone, &err));
  char *a = findings_text(&range), *b = findings_text(&alone);
  cr_expect_str_eq(a, b);
  free(a);
  free(b);
  findings_free(&range);
  findings_free(&alone);
  lint_config_delete(cfg);
  graph_delete(g);
  for (int k = 0; k < 7; k++) free(srcs[k]);
}
