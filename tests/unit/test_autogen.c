/* test_autogen.c - autogen_run on small model / migration pairs, data-driven: each
 * tests/fixtures/autogen/<case>/ holds models.py (what should exist), migration.py (a
 * revision whose upgrade() the fold applies to an empty schema: what exists) and
 * expected.txt: the ops' upgrade statements in order, their downgrade statements in the
 * order downgrade() runs them, and the findings (rule, severity, model file line, message).
 * A file named `catalog` in the case makes the existing schema count as a database catalog
 * (current_is_catalog: constraint names are real). Leading `#` lines of expected.txt say
 * what the case is about. RETORT_UPDATE_FIXTURES=1 rewrites expected.txt (keeping those
 * lines) from what autogen_run does now: review the diff before committing it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/schema/autogen.h"
#include "server/schema/fold.h"
#include "server/schema/models.h"

#define FIXTURES RETORT_SOURCE_DIR "/tests/fixtures/autogen"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  return b.data ? buf_detach(&b) : xstrdup("");
}

/* What one run gives, in expected.txt's format. */
typedef struct Run {
  Arena *a;
  Schema *cur, *tgt;
  ModelSet models;
  AutogenResult res;
  FindingList findings;
  char *text;
} Run;

static void run_free(Run *r) {
  models_free(&r->models);
  findings_free(&r->findings);
  schema_delete(r->cur);
  schema_delete(r->tgt);
  free(r->text);
  arena_delete(r->a);
}

/* Runs the case in directory `dir`. */
static void run_case(const char *dir, Run *r) {
  memset(r, 0, sizeof *r);
  r->a = arena_new();
  const char *mig_path = arena_printf(r->a, "%s/migration.py", dir);
  char *src = slurp(mig_path);
  cr_assert_not_null(src, "%s is missing", mig_path);
  RevParser *p = revparser_new();
  Revision *rev = revision_parse(p, r->a, mig_path, src, strlen(src), REV_PARSE_FULL, NULL);
  cr_assert(rev->syntax_ok, "%s does not parse", mig_path);
  r->cur = schema_new();
  fold_revision(r->cur, rev);
  revparser_delete(p);
  free(src);

  const char *models_path = arena_printf(r->a, "%s/models.py", dir);
  RtError err = {0};
  cr_assert(models_read(r->a, dir, &models_path, 1, &r->models, &err), "models_read: %s",
            err.msg);
  r->tgt = models_schema(&r->models);
  bool catalog = access(arena_printf(r->a, "%s/catalog", dir), F_OK) == 0;
  findings_init(&r->findings);
  findings_extend(&r->findings, &r->models.findings);
  AutogenInput in = {r->cur, catalog, &r->models, r->tgt, 15};
  autogen_run(r->a, &in, &r->res, &r->findings);
  findings_sort(&r->findings);

  Buf b = BUF_INIT;
  buf_puts(&b, "== upgrade\n");
  for (size_t k = 0; k < r->res.ops.len; k++) buf_printf(&b, "%s\n", r->res.ops.items[k].up);
  buf_puts(&b, "== downgrade\n");
  for (size_t k = r->res.ops.len; k-- > 0;) buf_printf(&b, "%s\n", r->res.ops.items[k].down);
  buf_puts(&b, "== findings\n");
  for (size_t k = 0; k < r->findings.len; k++) {
    const Finding *f = &r->findings.items[k];
    const char *base = f->path ? strrchr(f->path, '/') : NULL;
    buf_printf(&b, "%s (%s) %s:%u: %s\n", f->rule, severity_name(f->severity),
               base ? base + 1 : f->path ? f->path : "-", f->range.line, f->message);
  }
  r->text = buf_detach(&b);
}

/* expected.txt without its leading comment lines; *comments gets them. */
static char *expected_of(const char *path, char **comments) {
  char *all = slurp(path);
  if (!all) all = xstrdup("");
  const char *p = all;
  while (*p == '#') {
    const char *eol = strchr(p, '\n');
    p = eol ? eol + 1 : p + strlen(p);
  }
  if (comments) *comments = xstrndup(all, (size_t)(p - all));
  char *body = xstrdup(p);
  free(all);
  return body;
}

static void check_case(const char *name) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/%s", FIXTURES, name);
  Run r;
  run_case(dir, &r);
  char path[600];
  snprintf(path, sizeof path, "%s/expected.txt", dir);
  char *comments = NULL;
  char *want = expected_of(path, &comments);
  if (getenv("RETORT_UPDATE_FIXTURES")) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(comments, f);
    fputs(r.text, f);
    fclose(f);
  } else {
    cr_expect_str_eq(r.text, want, "%s: autogen_run gives\n%s\nexpected\n%s", name, r.text, want);
  }
  free(comments);
  free(want);
  run_free(&r);
}

/* Every case directory has its Test (a new directory without one fails here). */
static const char *const CASES[] = {
    "columns",          "types_and_defaults", "comments",          "new_tables_order",
    "drop_tables_order", "indexes",           "unique_constraints", "foreign_keys",
    "checks",           "primary_key",        "unnamed_assumed",    "catalog_names",
    "enum_new",         "enum_add_values",    "enum_removed_label", "enum_dropped",
    "rename_column",    "rename_table",       "partial_column",     "incomplete_models",
    "raw_sql_table",    "schemas",            "no_change",          "naming_convention",
    "type_change_defaults", "serial_widened",     "late_column",        "catalog_other_schema",
};

Test(autogen, every_fixture_has_a_case) {
  FILE *ls = popen("ls " FIXTURES, "r");
  cr_assert_not_null(ls);
  char line[256];
  while (fgets(line, sizeof line, ls)) {
    line[strcspn(line, "\n")] = '\0';
    bool known = false;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) known |= !strcmp(CASES[k], line);
    cr_expect(known, "tests/fixtures/autogen/%s has no Test in test_autogen.c", line);
  }
  pclose(ls);
}

#define CASE(n) \
  Test(autogen, n) { check_case(#n); }
CASE(columns)
CASE(types_and_defaults)
CASE(comments)
CASE(new_tables_order)
CASE(drop_tables_order)
CASE(indexes)
CASE(unique_constraints)
CASE(foreign_keys)
CASE(checks)
CASE(primary_key)
CASE(unnamed_assumed)
CASE(catalog_names)
CASE(enum_new)
CASE(enum_add_values)
CASE(enum_removed_label)
CASE(enum_dropped)
CASE(rename_column)
CASE(rename_table)
CASE(partial_column)
CASE(incomplete_models)
CASE(raw_sql_table)
CASE(schemas)
CASE(no_change)
CASE(naming_convention)
CASE(type_change_defaults)
CASE(serial_widened)
CASE(late_column)
CASE(catalog_other_schema)

/* ---- the safety behaviours, stated directly (the fixtures show them in full) ---------- */

static bool has_op(const Run *r, AgKind kind, const char *table, const char *name) {
  for (size_t k = 0; k < r->res.ops.len; k++) {
    const AgOp *o = &r->res.ops.items[k];
    if (o->kind == kind && (!table || (o->table && !strcmp(o->table, table))) &&
        (!name || (o->name && !strcmp(o->name, name))))
      return true;
  }
  return false;
}

static bool has_finding(const Run *r, const char *rule, const char *substr) {
  for (size_t k = 0; k < r->findings.len; k++)
    if (!strcmp(r->findings.items[k].rule, rule) && strstr(r->findings.items[k].message, substr))
      return true;
  return false;
}

Test(autogen, partial_model_table_never_drops_what_it_cannot_see) {
  Run r;
  run_case(FIXTURES "/partial_column", &r);
  cr_assert(r.models.tables[0].partial, "the fixture's table must be partial");
  cr_expect_not(has_op(&r, AG_DROP_COLUMN, "accounts", NULL), "%s", r.text);
  cr_expect(has_op(&r, AG_ADD_COLUMN, "accounts", "note"), "readable changes still happen:\n%s",
            r.text);
  cr_expect(has_finding(&r, "autogenerate-skipped", "accounts.legacy_code"), "%s", r.text);
  run_free(&r);
}

Test(autogen, incomplete_models_drop_no_table) {
  Run r;
  run_case(FIXTURES "/incomplete_models", &r);
  cr_assert_not(r.models.complete, "the fixture's model set must be incomplete");
  cr_expect_not(has_op(&r, AG_DROP_TABLE, NULL, NULL), "%s", r.text);
  cr_expect(has_finding(&r, "autogenerate-skipped", "drops no table"), "%s", r.text);
  run_free(&r);
}

Test(autogen, raw_sql_table_is_skipped_with_a_finding) {
  Run r;
  run_case(FIXTURES "/raw_sql_table", &r);
  cr_expect_not(has_op(&r, AG_ADD_COLUMN, "legacy", NULL), "%s", r.text);
  cr_expect_not(has_op(&r, AG_CREATE_TABLE, "legacy", NULL), "%s", r.text);
  cr_expect(has_finding(&r, "autogenerate-skipped", "legacy"), "%s", r.text);
  run_free(&r);
}

Test(autogen, new_enum_labels_are_added_outside_the_transaction) {
  Run r;
  run_case(FIXTURES "/enum_add_values", &r);
  cr_assert(has_op(&r, AG_ADD_ENUM_VALUES, NULL, "status"), "%s", r.text);
  for (size_t k = 0; k < r.res.ops.len; k++) {
    const AgOp *o = &r.res.ops.items[k];
    if (o->kind != AG_ADD_ENUM_VALUES) continue;
    cr_expect(!strncmp(o->up, "with op.get_context().autocommit_block():\n", 42), "%s", o->up);
    cr_expect_not_null(strstr(o->up, "ALTER TYPE status ADD VALUE IF NOT EXISTS 'refunded'"), "%s",
                       o->up);
    cr_expect_not_null(strstr(o->down, "RENAME TO status_old"), "the downgrade rebuilds: %s",
                       o->down);
  }
  run_free(&r);
}

Test(autogen, removed_labels_rebuild_the_type) {
  Run r;
  run_case(FIXTURES "/enum_removed_label", &r);
  cr_assert(has_op(&r, AG_RECREATE_ENUM, NULL, "status"), "%s", r.text);
  cr_expect_not(strstr(r.text, "ADD VALUE") && strstr(r.text, "== downgrade") > strstr(r.text, "ADD VALUE"),
                "no ADD VALUE in the upgrade:\n%s", r.text);
  cr_expect(has_finding(&r, "autogenerate-enum-rebuilt", "'shipped'"), "%s", r.text);
  run_free(&r);
}

Test(autogen, possible_renames_are_findings_not_renames) {
  Run r;
  run_case(FIXTURES "/rename_column", &r);
  cr_expect(has_op(&r, AG_DROP_COLUMN, "users", "nickname"), "%s", r.text);
  cr_expect(has_op(&r, AG_ADD_COLUMN, "users", "handle"), "%s", r.text);
  cr_expect(has_finding(&r, "autogenerate-possible-rename", "new_column_name=handle"), "%s", r.text);
  run_free(&r);
}
