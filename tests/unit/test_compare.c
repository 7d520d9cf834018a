/* test_compare.c - schemas and snapshots compared (pure: no database). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/schema/compare.h"

static char *text(const CompareList *l) {
  Buf b = BUF_INIT;
  for (size_t k = 0; k < l->len; k++)
    buf_printf(&b, "%s %s %s: %s\n", compare_kind_name(l->items[k].kind),
               compare_object_name(l->items[k].object), l->items[k].name, l->items[k].detail);
  char *s = buf_detach(&b);
  return s ? s : strdup("");
}

static char *cmp(const Schema *a, const Schema *b, bool lenient) {
  CompareList l = {0};
  CompareOptions o = {.lenient = lenient};
  compare_schemas(a, b, &o, &l);
  char *s = text(&l);
  compare_list_free(&l);
  return s;
}

Test(compare, norm_sql) {
  static const char *const cases[][3] = {
      // input, normalised, normalised without parentheses
      {"'x'::character varying", "'x'", "'x'"},
      {"now()", "now()", "now"},
      {"CURRENT_TIMESTAMP", "now()", "now"},
      {"'0'", "0", "0"},
      {"'-1'::integer", "-1", "-1"},
      {"'2024-01-01 00:00:00'::timestamp(3) with time zone", "'2024-01-01 00:00:00'",
       "'2024-01-01 00:00:00'"},
      {"'happy'::\"Mood\"", "'happy'", "'happy'"},
      {"'a'::audit.\"Mood\"[]", "'a'", "'a'"},
      {"((quantity > 0))", "quantity>0", "quantity>0"},
      {"length((nickname)::text) > 0", "length((nickname))>0", "lengthnickname>0"},
      {"'It''s  A'", "'It''s  A'", "'It''s  A'"},
      {"E'a\\\\b'", "'a\\\\b'", "'a\\\\b'"},
      {"\"order\" >= 0", "order>=0", "order>=0"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char *n = compare_norm_sql(cases[k][0], false), *p = compare_norm_sql(cases[k][0], true);
    cr_assert_str_eq(n, cases[k][1], "%s", cases[k][0]);
    cr_assert_str_eq(p, cases[k][2], "%s (no parentheses)", cases[k][0]);
    free(n);
    free(p);
  }
  cr_assert_null(compare_norm_sql(NULL, false));
}

Test(compare, types) {
  cr_assert(compare_types_equal("varchar(32)", "varchar(32)", false));
  cr_assert_not(compare_types_equal("varchar(32)", "text", true));
  cr_assert_not(compare_types_equal("numeric", "numeric(12,2)", false));
  cr_assert(compare_types_equal("numeric", "numeric(12,2)", true));
  cr_assert(compare_types_equal("varchar[]", "varchar(3)[]", true));
  cr_assert_not(compare_types_equal("varchar(3)", "varchar(4)", true));
  cr_assert_not(compare_types_equal("numeric", "numeric(1)[]", true));
  cr_assert(compare_types_equal(NULL, "integer", true));
  cr_assert_not(compare_types_equal(NULL, "integer", false));
}

static Schema *base(void) {
  Schema *s = schema_new();
  SchemaTable *t = schema_table_add(s, NULL, "customers");
  schema_column_add(s, t, "id", "integer", false, NULL)->identity = true;
  schema_column_add(s, t, "email", "varchar(255)", false, NULL);
  schema_column_add(s, t, "created_at", "timestamptz", false, "now()");
  const char *pk[] = {"id"};
  SchemaConstraint c = {.kind = CON_PRIMARY_KEY, .name = "pk_customers", .cols = pk, .ncols = 1};
  schema_constraint_add(s, t, &c);
  const char *em[] = {"email"};
  schema_index_add(s, t, "ix_customers_email", em, 1, true);
  const char *vals[] = {"a", "b"};
  schema_enum_add(s, NULL, "kind", vals, 2);
  return s;
}

Test(compare, equal_schemas_have_no_difference) {
  Schema *a = base(), *b = base();
  char *s = cmp(a, b, false);
  cr_assert_str_eq(s, "");
  free(s);
  schema_delete(a);
  schema_delete(b);
}

Test(compare, every_kind_of_difference_in_a_stable_order) {
  Schema *a = base(), *b = base();
  SchemaTable *tb = schema_table(b, NULL, "customers");
  schema_column_drop(tb, "email"); // drops the index too
  schema_column_add(b, tb, "phone", "text", true, NULL);
  SchemaColumn *c = schema_column(tb, "created_at");
  c->type = "timestamp";
  c->nullable = true;
  c->server_default = "CURRENT_TIMESTAMP";
  schema_table_add(b, "s2", "by_hand");
  schema_enum_add_value(b, schema_enum(b, NULL, "kind"), "c");
  schema_sequence_add(b, "free_seq");
  char *s = cmp(a, b, false);
  cr_assert_str_eq(s,
                   "changed column public.customers.created_at: type timestamptz vs timestamp\n"
                   "changed column public.customers.created_at: nullable: NOT NULL vs NULL\n"
                   "missing column public.customers.email: varchar(255) NOT NULL\n"
                   "missing index public.customers.ix_customers_email: UNIQUE INDEX (email)\n"
                   "extra column public.customers.phone: text NULL\n"
                   "extra sequence public.free_seq: SEQUENCE\n"
                   "extra enum value public.kind.c: 'c'\n"
                   "extra table s2.by_hand: 0 columns\n",
                   "got:\n%s", s);
  free(s);
  s = cmp(b, a, false);
  cr_assert(strstr(s, "missing table s2.by_hand: 0 columns\n"), "%s", s);
  cr_assert(strstr(s, "extra column public.customers.email: varchar(255) NOT NULL\n"), "%s", s);
  free(s);
  schema_delete(a);
  schema_delete(b);
}

Test(compare, lenient_matches_unnamed_constraints_and_bare_types) {
  Schema *fold = schema_new(), *db = schema_new();
  SchemaTable *f = schema_table_add(fold, NULL, "t"), *d = schema_table_add(db, NULL, "t");
  schema_column_add(fold, f, "id", "integer", false, NULL);
  schema_column_add(db, d, "id", "integer", false, NULL)->identity = true;
  schema_column_add(fold, f, "price", "numeric", true, "'0'");
  schema_column_add(db, d, "price", "numeric(12,2)", true, "0");
  const char *cols[] = {"id"};
  SchemaConstraint pk = {.kind = CON_PRIMARY_KEY, .cols = cols, .ncols = 1};
  schema_constraint_add(fold, f, &pk);
  pk.name = "t_pkey";
  schema_constraint_add(db, d, &pk);
  SchemaConstraint ck = {.kind = CON_CHECK, .name = "ck", .expr = "price >= 0"};
  schema_constraint_add(fold, f, &ck);
  ck.expr = "(price >= (0)::numeric)";
  schema_constraint_add(db, d, &ck);
  char *s = cmp(fold, db, true);
  cr_assert_str_eq(s, "", "got:\n%s", s);
  free(s);
  s = cmp(fold, db, false);
  cr_assert(strstr(s, "type numeric vs numeric(12,2)"), "%s", s);
  cr_assert(strstr(s, "identity/serial: no vs yes"), "%s", s);
  cr_assert(strstr(s, "missing constraint public.t.(unnamed): PRIMARY KEY (id)"), "%s", s);
  free(s);
  // a named constraint found under another name
  SchemaTable *d2 = schema_table(db, NULL, "t");
  schema_constraint_drop(d2, "ck");
  ck.name = "ck_other";
  schema_constraint_add(db, d2, &ck);
  s = cmp(fold, db, true);
  cr_assert_str_eq(s, "changed constraint public.t.ck: name ck vs ck_other\n", "%s", s);
  free(s);
  schema_delete(fold);
  schema_delete(db);
}

Test(compare, enum_value_order) {
  Schema *a = schema_new(), *b = schema_new();
  const char *v1[] = {"a", "b"}, *v2[] = {"b", "a"};
  schema_enum_add(a, "s", "e", v1, 2);
  schema_enum_add(b, "s", "e", v2, 2);
  char *s = cmp(a, b, true);
  cr_assert_str_eq(s, "changed enum s.e: order of values ('a', 'b') vs ('b', 'a')\n");
  free(s);
  schema_delete(a);
  schema_delete(b);
}

Test(compare, snapshots) {
  Snapshot a = {0}, b = {0};
  snapshot_add(&a, CMPO_TABLE, "public.t", "TABLE");
  snapshot_add(&a, CMPO_COLUMN, "public.t.a", "text DEFAULT 'x'::text");
  snapshot_add(&a, CMPO_COMMENT, "public.t", "COMMENT 'x'");
  snapshot_add(&b, CMPO_COLUMN, "public.t.a", "text");
  snapshot_add(&b, CMPO_TABLE, "public.t", "TABLE");
  snapshot_add(&b, CMPO_INDEX, "public.t.ix", "CREATE INDEX ix ON public.t USING btree (a)");
  CompareList l = {0};
  compare_snapshots(&a, &b, &l);
  char *s = text(&l);
  cr_assert_str_eq(s,
                   "missing comment public.t: COMMENT 'x'\n"
                   "changed column public.t.a: text DEFAULT 'x'::text vs text\n"
                   "extra index public.t.ix: CREATE INDEX ix ON public.t USING btree (a)\n");
  free(s);
  compare_list_free(&l);
  snapshot_free(&a);
  snapshot_free(&b);
}

/* A table the fold knows by name only (CREATE TABLE in raw SQL): its columns,
 * constraints and other indexes are unknown, not extra; an index it saw can be missing. */
Test(compare, lenient_table_known_by_name_only) {
  Schema *fold = schema_new(), *db = schema_new();
  SchemaTable *f = schema_table_add(fold, NULL, "raw");
  schema_index_add(fold, f, "ix_raw_seen", NULL, 0, false);
  SchemaTable *d = schema_table_add(db, NULL, "raw");
  schema_column_add(db, d, "id", "integer", false, NULL);
  const char *cols[] = {"id"};
  SchemaConstraint pk = {.kind = CON_PRIMARY_KEY, .name = "raw_pkey", .cols = cols, .ncols = 1};
  schema_constraint_add(db, d, &pk);
  schema_index_add(db, d, "ix_raw_other", cols, 1, false);
  char *s = cmp(fold, db, true);
  cr_assert_str_eq(s, "missing index public.raw.ix_raw_seen: INDEX (columns unknown)\n", "%s", s);
  free(s);
  schema_index_add(db, d, "ix_raw_seen", cols, 1, false);
  s = cmp(fold, db, true);
  cr_assert_str_eq(s, "", "%s", s);
  free(s);
  schema_delete(fold);
  schema_delete(db);
}

static Revision *parse_rev(RevParser *p, Arena *a, const char *id, const char *down,
                           const char *body) {
  char *src = arena_printf(a,
                           "import sqlalchemy as sa\nfrom alembic import op\n"
                           "revision = '%s'\ndown_revision = %s\n\n"
                           "def upgrade():\n%s\n\ndef downgrade():\n    pass\n",
                           id, down, body);
  char *path = arena_printf(a, "%s.py", id);
  Revision *r = revision_parse(p, a, path, src, strlen(src), REV_PARSE_FULL, NULL);
  cr_assert(r->syntax_ok, "%s", src);
  return r;
}

Test(compare, expected_schema_folds_ancestors_and_says_what_it_cannot_know) {
  Arena *a = arena_new();
  RevParser *p = revparser_new();
  Revision *revs[4];
  revs[0] = parse_rev(p, a, "r1", "None",
                      "    op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))");
  revs[1] = parse_rev(p, a, "r2", "'r1'", "    op.execute('ALTER TABLE t ADD COLUMN x int')");
  revs[2] = parse_rev(p, a, "r3", "'r1'",
                      "    for c in ('a', 'b'):\n        op.add_column('t', sa.Column(c, sa.Text()))");
  revs[3] = parse_rev(p, a, "r4", "'r2'", "    op.add_column('t', sa.Column('y', sa.Text()))");
  Graph *g = graph_build(revs, 4, NULL);
  const char *rows[] = {"r3", "r4", "zz9"};
  CompareExpected e;
  compare_expected_schema(g, rows, 3, &e);
  cr_assert_eq(e.nrevisions, 4);
  cr_assert_eq(e.ndynamic, 1);
  cr_assert_str_eq(e.dynamic[0]->id, "r3");
  cr_assert_eq(e.npartial, 1);
  cr_assert_str_eq(e.partial[0]->id, "r2");
  cr_assert_eq(e.nunknown, 1);
  cr_assert_str_eq(e.unknown[0], "zz9");
  SchemaTable *t = schema_table(e.schema, NULL, "t");
  cr_assert_not_null(schema_column(t, "y"), "r4 folded after its parent r2");
  compare_expected_free(&e);
  // only what the rows imply
  const char *one[] = {"r1"};
  compare_expected_schema(g, one, 1, &e);
  cr_assert_eq(e.nrevisions, 1);
  cr_assert_eq(e.npartial + e.ndynamic + e.nunknown, 0);
  compare_expected_free(&e);
  graph_delete(g);
  revparser_delete(p);
  arena_delete(a);
}
