/* test_lint.c - the lint engine: configuration, suppression, graph findings, the schema
 * before each revision along the graph, and a whole project (examples/shop). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/lint/lint.h"
#include "server/lint/rule.h"

#define SHOP RETORT_SOURCE_DIR "/examples/shop/migrations/versions"

static Arena *arena;
static RevParser *parser;
static void setup(void) {
  arena = arena_new();
  parser = revparser_new();
}
static void teardown(void) {
  revparser_delete(parser);
  arena_delete(arena);
}
TestSuite(lint, .init = setup, .fini = teardown);

static Revision *parse(const char *path, const char *src) {
  Revision *r = revision_parse(parser, arena, path, src, strlen(src), REV_PARSE_FULL, NULL);
  cr_assert(r->syntax_ok, "%s must parse", path);
  return r;
}

static const char BASE[] =
    "from alembic import op\nimport sqlalchemy as sa\n"
    "revision = 'base'\ndown_revision = None\n\n"
    "def upgrade():\n"
    "    op.create_table('users', sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),\n"
    "                    sa.Column('name', sa.Text()))\n\n"
    "def downgrade():\n    op.drop_table('users')\n";

/* Lints `src` (a child of BASE) with `cfg` and returns "line:rule" lines, sorted. */
static char *lint_text(LintConfig *cfg, const char *src) {
  Revision *revs[2] = {parse("base.py", BASE), parse("case.py", src)};
  Graph *g = graph_build(revs, 2, NULL);
  FindingList out;
  findings_init(&out);
  LintSource ls[1] = {{src, strlen(src)}};
  RtError err = {0};
  cr_assert(lint_revisions(cfg, g, &revs[1], 1, ls, &out, &err), "%s", err.msg);
  findings_sort(&out);
  Buf b = BUF_INIT;
  for (size_t k = 0; k < out.len; k++)
    buf_printf(&b, "%u:%s:%s\n", out.items[k].range.line, out.items[k].rule,
               severity_name(out.items[k].severity));
  findings_free(&out);
  graph_delete(g);
  char *s = arena_strdup(arena, b.data ? b.data : "");
  buf_free(&b);
  return s;
}

static const char DROPS[] =
    "from alembic import op\nimport sqlalchemy as sa\n"
    "revision = 'case'\ndown_revision = 'base'\n\n"
    "def upgrade():\n"
    "    op.drop_column('users', 'name')\n"                                       // 7
    "    op.drop_column('users', 'name')  # retort: ignore[ban-drop-column]\n"   // 8
    "    # retort: ignore[missing-downgrade, ban-drop-column]\n"                  // 9
    "    op.drop_column('users', 'name')\n"                                       // 10
    "    # retort: ignore[ban-drop-table]\n"                                      // 11
    "    op.drop_column('users', 'name')\n"                                       // 12
    "    # retort: ignore[ban-drop-column]\n"                                     // 13
    "\n"                                                                          // 14
    "    op.drop_column('users', 'name')\n"                                       // 15
    "\n\ndef downgrade():\n"
    "    op.add_column('users', sa.Column('name', sa.Text()))\n";

Test(lint, suppression_on_the_line_or_the_line_above) {
  LintConfig *cfg = lint_config_new();
  char *got = lint_text(cfg, DROPS);
  cr_assert_str_eq(got,
                   "7:ban-drop-column:warning\n"
                   "12:ban-drop-column:warning\n"
                   "15:ban-drop-column:warning\n",
                   "got:\n%s", got);
  lint_config_delete(cfg);
}

Test(lint, disable_enable_and_severity) {
  LintConfig *cfg = lint_config_new();
  RtError err = {0};
  cr_assert(lint_config_set(cfg, "severity.ban-drop-column", "error", &err), "%s", err.msg);
  char *got = lint_text(cfg, DROPS);
  cr_assert(strstr(got, "7:ban-drop-column:error"), "%s", got);
  cr_assert(lint_config_set(cfg, "disable", "ban-drop-column, incomplete-downgrade", &err));
  cr_assert_str_eq(lint_text(cfg, DROPS), "");
  cr_assert(lint_config_set(cfg, "enable", "ban-drop-column", &err));
  cr_assert(strstr(lint_text(cfg, DROPS), "ban-drop-column"));
  lint_config_delete(cfg);
}

Test(lint, opt_in_rules_are_off_until_enabled) {
  const LintRule *r = lint_rule_find("raw-sql-without-guard");
  cr_assert_not_null(r);
  cr_assert(r->opt_in);
  LintConfig *cfg = lint_config_new();
  cr_assert_not(lint_config_enabled(cfg, r));
  cr_assert(lint_config_set(cfg, "enable", "raw-sql-without-guard", NULL));
  cr_assert(lint_config_enabled(cfg, r));
  cr_assert(lint_config_enabled(cfg, lint_rule_find("ban-drop-table")));
  lint_config_delete(cfg);
}

Test(lint, config_errors_name_the_key) {
  LintConfig *cfg = lint_config_new();
  RtError err = {0};
  cr_assert_not(lint_config_set(cfg, "disable", "ban-drop-column, no-such-rule", &err));
  cr_assert_eq(err.kind, ERR_CONFIG);
  cr_assert(strstr(err.msg, "no-such-rule"), "%s", err.msg);
  cr_assert(lint_config_enabled(cfg, lint_rule_find("ban-drop-column")),
            "a refused value changes nothing");
  cr_assert_not(lint_config_set(cfg, "severity.ban-drop-column", "fatal", &err));
  cr_assert(strstr(err.msg, "error, warning or info"), "%s", err.msg);
  cr_assert_not(lint_config_set(cfg, "postgresql_version", "fifteen", &err));
  cr_assert_not(lint_config_set(cfg, "constraint_naming", "^(pk", &err));
  cr_assert_not(lint_config_set(cfg, "column_types", "id", &err));
  cr_assert_not(lint_config_set(cfg, "column_types", " \t=uuid", &err));
  cr_assert_not(lint_config_set(cfg, "column_types. ", "uuid", &err), "a blank pattern");
  cr_assert(strstr(err.msg, "needs a name pattern and a type"), "%s", err.msg);
  cr_assert_not(lint_config_set(cfg, "column_types.id", " ", &err), "a blank type");
  cr_assert(lint_config_set(cfg, "postgresql_version", "9.6", &err));
  cr_assert_eq(lint_config_pg_version(cfg), 9);
  cr_assert(lint_config_set(cfg, "models", "app/models.py", &err), "other keys are ignored");
  lint_config_delete(cfg);
  lint_config_delete(NULL);
}

Test(lint, config_from_project_ini) {
  char dir[] = "/tmp/retort-test-lint-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char *mig = arena_printf(arena, "%s/migrations", dir);
  cr_assert_eq(mkdir(mig, 0755), 0);
  char *ini = arena_printf(arena, "%s/alembic.ini", dir);
  FILE *f = fopen(ini, "w");
  fputs("[alembic]\nscript_location = migrations\n\n[retort]\n"
        "postgresql_version = 10\ndisable = ban-drop-table\n"
        "severity.ban-drop-column = info\nprotected_tables = audit_log\n",
        f);
  fclose(f);
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_discover(dir, NULL, &p, &err), "%s", err.msg);
  LintConfig *cfg = NULL;
  cr_assert(lint_config_from_project(p, &cfg, &err), "%s", err.msg);
  cr_assert_eq(lint_config_pg_version(cfg), 10);
  cr_assert_not(lint_config_enabled(cfg, lint_rule_find("ban-drop-table")));
  cr_assert_eq(lint_config_severity(cfg, lint_rule_find("ban-drop-column")), SEV_INFO);
  lint_config_delete(cfg);
  project_delete(p);
  f = fopen(ini, "w");
  fputs("[alembic]\nscript_location = migrations\n\n[retort]\nenable = nope\n", f);
  fclose(f);
  cr_assert(project_discover(dir, NULL, &p, &err), "%s", err.msg);
  cr_assert_not(lint_config_from_project(p, &cfg, &err));
  cr_assert_null(cfg);
  cr_assert(strstr(err.msg, "alembic.ini") && strstr(err.msg, "nope"), "%s", err.msg);
  project_delete(p);
  unlink(ini);
  rmdir(mig);
  rmdir(dir);
}

Test(lint, config_from_pyproject_tool_retort) {
  char dir[] = "/tmp/retort-test-lint-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char *mig = arena_printf(arena, "%s/migrations", dir);
  cr_assert_eq(mkdir(mig, 0755), 0);
  char *ini = arena_printf(arena, "%s/alembic.ini", dir);
  char *py = arena_printf(arena, "%s/pyproject.toml", dir);
  FILE *f = fopen(ini, "w");
  fputs("[alembic]\nscript_location = migrations\n\n[retort]\npostgresql_version = 12\n", f);
  fclose(f);
  f = fopen(py, "w");
  fputs("[tool.retort]\npostgresql_version = 10\ndisable = [\"ban-drop-table\"]\n"
        "column_types = {search_vector = \"TSVECTOR\", \"*_id\" = \"uuid\"}\n\n"
        "[tool.retort.severity]\nban-drop-column = \"info\"\n",
        f);
  fclose(f);
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_discover(dir, NULL, &p, &err), "%s", err.msg);
  LintConfig *cfg = NULL;
  cr_assert(lint_config_from_project(p, &cfg, &err), "%s", err.msg);
  cr_expect_eq(lint_config_pg_version(cfg), 12, "alembic.ini's value wins");
  cr_expect_not(lint_config_enabled(cfg, lint_rule_find("ban-drop-table")));
  cr_expect_eq(lint_config_severity(cfg, lint_rule_find("ban-drop-column")), SEV_INFO);
  cr_assert_eq(cfg->ntypes, 2);
  cr_expect_str_eq(cfg->types[0].pattern, "search_vector");
  cr_expect_str_eq(cfg->types[0].type, "tsvector");
  cr_expect_str_eq(cfg->types[1].pattern, "*_id");
  cr_expect_str_eq(cfg->types[1].type, "uuid");
  lint_config_delete(cfg);
  project_delete(p);

  // column_types in alembic.ini replaces pyproject.toml's whole table
  f = fopen(ini, "w");
  fputs("[alembic]\nscript_location = migrations\n\n[retort]\ncolumn_types = id=bigint\n", f);
  fclose(f);
  cr_assert(project_discover(dir, NULL, &p, &err), "%s", err.msg);
  cr_assert(lint_config_from_project(p, &cfg, &err), "%s", err.msg);
  cr_assert_eq(cfg->ntypes, 1);
  cr_expect_str_eq(cfg->types[0].type, "bigint");
  cr_expect_eq(lint_config_severity(cfg, lint_rule_find("ban-drop-column")), SEV_INFO,
               "the other keys still come from pyproject.toml");
  lint_config_delete(cfg);
  project_delete(p);

  f = fopen(py, "w");
  fputs("[tool.retort]\nseverity = {ban-drop-colum = \"info\"}\n", f);
  fclose(f);
  cr_assert(project_discover(dir, NULL, &p, &err), "%s", err.msg);
  cr_assert_not(lint_config_from_project(p, &cfg, &err));
  char *want = arena_printf(arena, "%s: [tool.retort] severity.ban-drop-colum: unknown rule "
                            "'ban-drop-colum'", py);
  cr_expect_str_eq(err.msg, want);
  project_delete(p);
  unlink(py);
  unlink(ini);
  rmdir(mig);
  rmdir(dir);
}

Test(lint, graph_findings_follow_the_config) {
  FindingList problems, out;
  findings_init(&problems);
  findings_init(&out);
  findings_add(&problems, "multiple-heads", SEV_WARNING, NULL, (SrcRange){0}, "Multiple heads");
  findings_add(&problems, "missing-revision", SEV_ERROR, "x.py", (SrcRange){0}, "missing");
  findings_add(&problems, "syntax-error", SEV_ERROR, "y.py", (SrcRange){0}, "bad");
  LintConfig *cfg = lint_config_new();
  cr_assert(lint_config_set(cfg, "severity.multiple-heads", "error", NULL));
  cr_assert(lint_config_set(cfg, "disable", "missing-revision", NULL));
  lint_graph_findings(cfg, &problems, &out);
  cr_assert_eq(out.len, 2);
  cr_assert_str_eq(out.items[0].rule, "multiple-heads");
  cr_assert_eq(out.items[0].severity, SEV_ERROR);
  cr_assert_not_null(out.items[0].help, "graph rules have doc pages too");
  cr_assert_str_eq(out.items[1].rule, "syntax-error", "findings of no rule pass through");
  lint_config_delete(cfg);
  findings_free(&problems);
  findings_free(&out);
}

Test(lint, findings_carry_help_and_fix) {
  LintConfig *cfg = lint_config_new();
  const char *src =
      "from alembic import op\nimport sqlalchemy as sa\n"
      "revision = 'case'\ndown_revision = 'base'\n\n"
      "def upgrade():\n"
      "    op.create_index('ix_users_name', 'users', ['name'],)\n"
      "\n\ndef downgrade():\n    op.drop_index('ix_users_name', table_name='users')\n";
  Revision *revs[2] = {parse("base.py", BASE), parse("case.py", src)};
  Graph *g = graph_build(revs, 2, NULL);
  FindingList out;
  findings_init(&out);
  LintSource ls = {src, strlen(src)};
  cr_assert(lint_revisions(cfg, g, &revs[1], 1, &ls, &out, NULL));
  const Finding *f = NULL;
  for (size_t k = 0; k < out.len; k++)
    if (!strcmp(out.items[k].rule, "require-concurrent-index-creation")) f = &out.items[k];
  cr_assert_not_null(f);
  cr_assert_str_eq(f->path, "case.py");
  cr_assert_eq(f->range.line, 7);
  cr_assert_eq(f->range.col, 5);
  cr_assert_str_eq(f->fix,
                   "op.create_index('ix_users_name', 'users', ['name'], "
                   "postgresql_concurrently=True)");
  cr_assert(f->help && !strncmp(f->help, "# require-concurrent-index-creation", 35), "%s", f->help);
  cr_assert_str_eq(lint_rule_doc("require-concurrent-index-creation"), f->help);
  cr_assert_null(lint_rule_doc("no-such-rule"));
  findings_free(&out);
  graph_delete(g);
  lint_config_delete(cfg);
}

/* ---- examples/shop: a project with a branch and a merge ---------------------------- */

static size_t shop(Revision **revs, size_t cap) {
  DIR *d = opendir(SHOP);
  cr_assert_not_null(d);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < cap) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".py") != 0) continue;
    char *path = arena_printf(arena, "%s/%s", SHOP, e->d_name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    Buf b = BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, got);
    fclose(f);
    revs[n++] = revision_parse(parser, arena, path, b.data, b.len, REV_PARSE_FULL, NULL);
    buf_free(&b);
  }
  closedir(d);
  return n;
}

static Revision *by_id(Revision **revs, size_t n, const char *id) {
  for (size_t k = 0; k < n; k++)
    if (revs[k]->id && !strcmp(revs[k]->id, id)) return revs[k];
  cr_assert_fail("no revision %s", id);
  return NULL;
}

Test(lint, schema_before_follows_the_graph) {
  Revision *revs[16];
  size_t n = shop(revs, 16);
  cr_assert_eq(n, 8);
  Graph *g = graph_build(revs, n, NULL);
  // d5a07b9c3e28 is on the main branch: the reporting branch's total_cents is not there.
  Schema *s = lint_schema_before(g, by_id(revs, n, "d5a07b9c3e28"));
  SchemaTable *orders = schema_table(s, NULL, "orders");
  cr_assert_not_null(orders);
  cr_assert_null(schema_column(orders, "total_cents"));
  cr_assert_not_null(schema_column(schema_table(s, NULL, "customers"), "phone"));
  cr_assert_str_eq(schema_column(schema_table(s, NULL, "products"), "name")->type, "varchar(200)");
  cr_assert_not(orders->is_new);
  schema_delete(s);
  // The merge sees both branches.
  s = lint_schema_before(g, by_id(revs, n, "a6e1f5b9c372"));
  SchemaColumn *tc = schema_column(schema_table(s, NULL, "orders"), "total_cents");
  cr_assert_not_null(tc);
  cr_assert_not(tc->nullable);
  cr_assert_str_eq(tc->server_default, "0");
  cr_assert_not_null(schema_index(s, NULL, "ix_orders_customer_id_created_at", NULL));
  schema_delete(s);
  s = lint_schema_before(g, by_id(revs, n, "3f1c2a9d8b01"));
  cr_assert_eq(s->ntables, 0, "a base revision starts from an empty schema");
  schema_delete(s);
  graph_delete(g);
}

static bool has(const FindingList *fl, const char *id, const char *rule) {
  for (size_t k = 0; k < fl->len; k++)
    if (!strcmp(fl->items[k].rule, rule) && strstr(fl->items[k].path, id)) return true;
  return false;
}

Test(lint, shop_project) {
  Revision *revs[16];
  size_t n = shop(revs, 16);
  Graph *g = graph_build(revs, n, NULL);
  LintConfig *cfg = lint_config_new();
  FindingList out;
  findings_init(&out);
  cr_assert(lint_revisions(cfg, g, revs, n, NULL, &out, NULL));
  // An index on an existing table, built inside the transaction.
  cr_assert(has(&out, "d5a07b9c3e28", "require-concurrent-index-creation"));
  // Indexes on tables created in the same revision are fine.
  cr_assert_not(has(&out, "7a4e5b6c2d13", "require-concurrent-index-creation"));
  cr_assert_not(has(&out, "b2d9e0f41a57", "require-concurrent-index-creation"));
  // Backfill then SET NOT NULL on the reporting branch.
  cr_assert(has(&out, "e9b3c6d1f470", "separate-data-migration"));
  cr_assert(has(&out, "e9b3c6d1f470", "setting-not-nullable-field"));
  // Dropping the column in downgrade() undoes the alter_column too.
  cr_assert_not(has(&out, "e9b3c6d1f470", "incomplete-downgrade"));
  // order_status.create(op.get_bind()) is DDL, not a data migration.
  cr_assert_not(has(&out, "b2d9e0f41a57", "separate-data-migration"));
  // ADD VALUE in an autocommit block is the right way; the downgrade recreates the type,
  // which is the only way to remove a value, and downgrades are not linted as upgrades.
  cr_assert_not(has(&out, "a6e1f5b9c372", "prefer-enum-add-value"));
  cr_assert_not(has(&out, "a6e1f5b9c372", "ban-concurrent-index-creation-in-transaction"));
  // The merge revision has nothing to undo.
  cr_assert_not(has(&out, "f0c4d8e2a615", "empty-downgrade"));
  // varchar(120) -> varchar(200) does not rewrite the table.
  cr_assert_not(has(&out, "c81f3e2a6d94", "changing-column-type"));
  for (size_t k = 0; k < out.len; k++) {
    cr_assert_not_null(out.items[k].help, "%s without help", out.items[k].rule);
    cr_assert_gt(out.items[k].range.line, 0, "%s without a line", out.items[k].rule);
  }
  findings_free(&out);
  lint_config_delete(cfg);
  graph_delete(g);
}

Test(lint, cached_schema_gives_the_same_findings) {
  Revision *revs[16];
  size_t n = shop(revs, 16);
  Graph *g = graph_build(revs, n, NULL);
  LintConfig *cfg = lint_config_new();
  Revision *r = by_id(revs, n, "e9b3c6d1f470");
  FindingList a, b;
  findings_init(&a);
  findings_init(&b);
  cr_assert(lint_revisions(cfg, g, &r, 1, NULL, &a, NULL));
  Schema *before = lint_schema_before(g, r);
  cr_assert(lint_revision_with_schema(cfg, g, r, NULL, before, &b, NULL));
  cr_assert(lint_revision_with_schema(cfg, g, r, NULL, before, &b, NULL), "before is reusable");
  cr_assert_gt(a.len, 0);
  cr_assert_eq(b.len, 2 * a.len);
  for (size_t k = 0; k < a.len; k++) {
    cr_assert_str_eq(a.items[k].rule, b.items[k].rule);
    cr_assert_str_eq(a.items[k].rule, b.items[a.len + k].rule);
    cr_assert_eq(a.items[k].range.start_byte, b.items[k].range.start_byte);
  }
  schema_delete(before);
  findings_free(&a);
  findings_free(&b);
  lint_config_delete(cfg);
  graph_delete(g);
}

Test(lint, dynamic_code_is_not_guessed) {
  LintConfig *cfg = lint_config_new();
  const char *src =
      "from alembic import op\nimport sqlalchemy as sa\n"
      "revision = 'case'\ndown_revision = 'base'\n\n"
      "def upgrade():\n"
      "    for t in ['users']:\n"
      "        op.drop_table(t)\n"
      "    op.execute(f\"DELETE FROM {name}\")\n"
      "    helper(op)\n"
      "    op.drop_column(table_name(), 'name')\n"
      "\n\ndef downgrade():\n    helper_down(op)\n";
  char *got = lint_text(cfg, src);
  cr_assert_str_eq(got, "", "dynamic statements are not judged:\n%s", got);
  lint_config_delete(cfg);
}

Test(lint, header_only_revisions_are_skipped) {
  Revision *base = parse("base.py", BASE);
  Revision *hdr = revision_parse(parser, arena, "h.py", DROPS, strlen(DROPS), REV_PARSE_HEADER, NULL);
  Revision *revs[2] = {base, hdr};
  Graph *g = graph_build(revs, 2, NULL);
  LintConfig *cfg = lint_config_new();
  FindingList out;
  findings_init(&out);
  cr_assert(lint_revisions(cfg, g, &hdr, 1, NULL, &out, NULL));
  cr_assert_eq(out.len, 0);
  RtError err = {0};
  cr_assert_not(lint_revisions(NULL, g, &hdr, 1, NULL, &out, &err));
  cr_assert_eq(err.kind, ERR_PARAMS);
  findings_free(&out);
  lint_config_delete(cfg);
  graph_delete(g);
}
