/* test_catalog.c - the catalog of a real database (scratch cluster) migrated by Debian's
 * real alembic, compared with the static fold of the same migrations; snapshots; locks. */
#include "test_catalog_pg.h"
#include "pg_harness.h"

#include "server/alembic/graph.h"
#include "server/alembic/project.h"
#include "server/alembic/scripts.h"
#include "server/schema/compare.h"

TestSuite(catalog, .init = pgt_setup, .fini = pgt_teardown);

/* fold(rows) vs catalog, lenient, as text. */
static char *drift(Db *db, const Loaded *l, const char *const *rows, size_t n) {
  CompareExpected e;
  compare_expected_schema(l->g, rows, n, &e);
  Schema *cat = NULL;
  RtError err = {0};
  cr_assert(catalog_read(db, NULL, NULL, &cat, &err), "%s", err.msg);
  CompareList out = {0};
  CompareOptions o = {.lenient = true};
  compare_schemas(e.schema, cat, &o, &out);
  char *s = pgt_diff_text(&out);
  compare_list_free(&out);
  schema_delete(cat);
  compare_expected_free(&e);
  return s;
}

Test(catalog, canonical_types_and_defaults) {
  Db *db = pgt_connect(pgt_dir);
  pgt_exec(db,
           "CREATE SCHEMA s2; CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
           "CREATE TABLE t (id serial PRIMARY KEY, a varchar(32) NOT NULL DEFAULT 'x',"
           " b character(2), c timestamp(3) with time zone DEFAULT CURRENT_TIMESTAMP,"
           " d time, e timetz, f numeric(12,2) DEFAULT '0', g text[], h mood DEFAULT 'ok',"
           " i mood[], j bigint GENERATED ALWAYS AS IDENTITY, k double precision,"
           " l integer GENERATED ALWAYS AS (id * 2) STORED, m varchar);"
           "CREATE UNIQUE INDEX ix_t_lower ON t (lower(a));"
           "ALTER TABLE t ADD CONSTRAINT ck_t CHECK (f >= 0) NOT VALID;"
           "CREATE TABLE s2.u (t_id integer REFERENCES t (id), UNIQUE (t_id));"
           "CREATE SEQUENCE free_seq; CREATE TABLE alembic_version (version_num varchar(32));");
  Schema *s = NULL;
  RtError err = {0};
  cr_assert(catalog_read(db, NULL, NULL, &s, &err), "%s", err.msg);
  cr_assert_eq(s->ntables, 2, "the version table is not the user's");
  SchemaTable *t = schema_table(s, NULL, "t");
  cr_assert_not_null(t);
  cr_assert_null(t->schema, "public is the default schema (NULL)");
  static const char *const want[][2] = {
      {"id", "integer"}, {"a", "varchar(32)"}, {"b", "char(2)"}, {"c", "timestamptz(3)"},
      {"d", "time"}, {"e", "timetz"}, {"f", "numeric(12,2)"}, {"g", "text[]"}, {"h", "mood"},
      {"i", "mood[]"}, {"j", "bigint"}, {"k", "double precision"}, {"l", "integer"},
      {"m", "varchar"}};
  cr_assert_eq(t->ncols, sizeof want / sizeof want[0]);
  for (size_t k = 0; k < t->ncols; k++) {
    cr_assert_str_eq(t->cols[k]->name, want[k][0]);
    cr_assert_str_eq(t->cols[k]->type, want[k][1], "%s: %s", want[k][0], t->cols[k]->type);
  }
  SchemaColumn *id = schema_column(t, "id");
  cr_assert(id->identity, "serial is identity");
  cr_assert_null(id->server_default, "serial's nextval() is not a default");
  cr_assert(schema_column(t, "j")->identity);
  cr_assert_null(schema_column(t, "l")->server_default, "a generated column has no default");
  cr_assert_str_eq(schema_column(t, "a")->server_default, "'x'::character varying");
  cr_assert_not(schema_column(t, "a")->nullable);
  // normalised defaults compare equal to what a migration writes
  char *n1 = compare_norm_sql(schema_column(t, "a")->server_default, false);
  cr_assert_str_eq(n1, "'x'");
  free(n1);
  n1 = compare_norm_sql(schema_column(t, "c")->server_default, false);
  cr_assert_str_eq(n1, "now()");
  free(n1);
  n1 = compare_norm_sql(schema_column(t, "f")->server_default, false);
  cr_assert_str_eq(n1, "0");
  free(n1);
  cr_assert_eq(t->nindexes, 1, "the primary key's index is a constraint, not an index");
  cr_assert_str_eq(t->indexes[0]->name, "ix_t_lower");
  cr_assert(t->indexes[0]->unique);
  cr_assert_str_eq(t->indexes[0]->cols[0], "lower(a::text)");
  SchemaConstraint *ck = schema_constraint(t, "ck_t");
  cr_assert_not_null(ck);
  cr_assert(ck->not_valid);
  cr_assert_not_null(schema_constraint(t, "t_pkey"));
  SchemaTable *u = schema_table(s, "s2", "u");
  cr_assert_not_null(u);
  SchemaConstraint *fk = schema_constraint(u, "u_t_id_fkey");
  cr_assert_not_null(fk);
  cr_assert_str_eq(fk->ref_table, "t");
  cr_assert_str_eq(fk->ref_cols[0], "id");
  cr_assert_str_eq(fk->cols[0], "t_id");
  SchemaEnum *e = schema_enum(s, NULL, "mood");
  cr_assert_not_null(e);
  cr_assert_eq(e->nvalues, 3);
  cr_assert_str_eq(e->values[0], "sad");
  cr_assert_str_eq(e->values[2], "happy");
  cr_assert_eq(s->nsequences, 1, "serial and identity sequences are the columns'");
  cr_assert_str_eq(s->sequences[0], "free_seq");
  schema_delete(s);
  db_close(db);
}

/* examples/shop, migrated by alembic to each point: the catalog equals the fold, except
 * what the fold cannot know (the enum created by get_bind() code). */
Test(catalog, shop_catalog_equals_fold) {
  char *dir = pgt_copy_project("examples/shop", "shop", NULL);
  Db *db = pgt_connect(dir);
  Loaded l;
  load(&l, dir, REV_PARSE_FULL);
  const char *points[] = {"3f1c2a9d8b01", "7a4e5b6c2d13", "c81f3e2a6d94", "a6e1f5b9c372"};
  for (size_t k = 0; k < 4; k++) {
    char args[64];
    snprintf(args, sizeof args, "upgrade %s", points[k]);
    pgt_alembic(db, dir, args);
    char *d = drift(db, &l, &points[k], 1);
    const char *want = k < 2 ? "" : "extra enum public.order_status: ENUM ('pending', 'paid', "
                                    "'shipped', 'cancelled'";
    cr_assert(k < 2 ? !strcmp(d, "") : !strncmp(d, want, strlen(want)),
              "at %s:\n%s", points[k], d);
    if (k == 3) cr_assert_str_eq(d, "extra enum public.order_status: ENUM ('pending', 'paid', "
                                     "'shipped', 'cancelled', 'refunded')\n");
    free(d);
  }
  // drift made by hand is found
  pgt_exec(db, "CREATE TABLE by_hand (x int); ALTER TABLE customers DROP COLUMN phone");
  const char *head = "a6e1f5b9c372";
  char *d = drift(db, &l, &head, 1);
  cr_assert(strstr(d, "extra table public.by_hand: 1 column\n"), "%s", d);
  cr_assert(strstr(d, "missing column public.customers.phone: varchar(32) NULL\n"), "%s", d);
  free(d);
  unload(&l);
  db_close(db);
  free(dir);
}

/* The SQL conformance project (every op retort renders), r01..r03 online (r04 adds a
 * second primary key to a table that has one: it is an offline-only fixture past r03).
 * The expected differences are what the static fold does not model; see
 * tests/fixtures/catalog/sqlconf_r03.txt. */
Test(catalog, sqlconf_catalog_vs_fold) {
  char *dir = pgt_copy_project("tests/sqlconf/project", "sqlconf", NULL);
  Db *db = pgt_connect(dir);
  pgt_exec(db, "CREATE SCHEMA audit; CREATE TYPE event_kind AS ENUM ('a', 'b')");
  pgt_alembic(db, dir, "upgrade r03");
  Loaded l;
  load(&l, dir, REV_PARSE_FULL);
  const char *row = "r03";
  char *d = drift(db, &l, &row, 1);
  FILE *f = fopen(RETORT_SOURCE_DIR "/tests/fixtures/catalog/sqlconf_r03.txt", "r");
  Buf want = BUF_INIT;
  if (f) {
    char line[1024];
    while (fgets(line, sizeof line, f))
      if (line[0] != '#') buf_puts(&want, line);
    fclose(f);
  }
  cr_assert_str_eq(d, buf_cstr(&want), "differences changed; got:\n%s", d);
  buf_free(&want);
  free(d);
  unload(&l);
  db_close(db);
  free(dir);
}

Test(catalog, snapshot_sees_comments_defaults_and_index_definitions) {
  Db *db = pgt_connect(pgt_dir);
  pgt_exec(db, "CREATE TABLE t (id int PRIMARY KEY, a text DEFAULT 'x');"
               "COMMENT ON COLUMN t.a IS 'about a'; CREATE INDEX ix_a ON t (a) WHERE a <> '';");
  Snapshot before = {0}, after = {0};
  RtError err = {0};
  cr_assert(catalog_snapshot(db, NULL, NULL, &before, &err), "%s", err.msg);
  pgt_exec(db, "COMMENT ON COLUMN t.a IS NULL; ALTER TABLE t ALTER COLUMN a DROP DEFAULT;"
               "DROP INDEX ix_a; CREATE INDEX ix_a ON t (a)");
  cr_assert(catalog_snapshot(db, NULL, NULL, &after, &err), "%s", err.msg);
  CompareList out = {0};
  compare_snapshots(&before, &after, &out);
  char *s = pgt_diff_text(&out);
  cr_assert_str_eq(s,
                   "changed column public.t.a: text DEFAULT 'x'::text vs text\n"
                   "missing comment public.t.a: COMMENT 'about a'\n"
                   "changed index public.t.ix_a: CREATE INDEX ix_a ON public.t USING btree (a) "
                   "WHERE (a <> ''::text) vs CREATE INDEX ix_a ON public.t USING btree (a)\n");
  free(s);
  compare_list_free(&out);
  snapshot_free(&before);
  snapshot_free(&after);
  db_close(db);
}

Test(catalog, locks_of_ddl_inside_a_transaction) {
  Db *db = pgt_connect(pgt_dir);
  pgt_exec(db, "CREATE TABLE t (id int)");
  pgt_exec(db, "BEGIN");
  pgt_exec(db, "CREATE INDEX ix_t ON t (id)");
  CatalogLockList l;
  RtError err = {0};
  cr_assert(catalog_locks(db, &l, &err), "%s", err.msg);
  bool share = false;
  for (size_t k = 0; k < l.len; k++)
    if (l.items[k].relation && !strcmp(l.items[k].relation, "public.t") &&
        !strcmp(l.items[k].mode, "ShareLock"))
      share = true;
  cr_assert(share, "CREATE INDEX holds SHARE on the table");
  catalog_locks_free(&l);
  pgt_exec(db, "ALTER TABLE t ADD COLUMN x int");
  cr_assert(catalog_locks(db, &l, &err), "%s", err.msg);
  bool excl = false;
  for (size_t k = 0; k < l.len; k++)
    if (l.items[k].relation && !strcmp(l.items[k].relation, "public.t") &&
        !strcmp(l.items[k].mode, "AccessExclusiveLock"))
      excl = true;
  cr_assert(excl);
  catalog_locks_free(&l);
  pgt_exec(db, "ROLLBACK");
  db_close(db);
}

Test(catalog, throwaway_database_needs_the_scratch_cluster) {
  Db *db = pgt_connect(pgt_dir);
  Db *tmp = NULL;
  RtError err = {0};
  cr_assert(catalog_scratch_db_create(db, "retort_verify_test", &tmp, &err), "%s", err.msg);
  pgt_exec(tmp, "CREATE TABLE only_here (x int)");
  Schema *s = NULL;
  cr_assert(catalog_read(db, NULL, NULL, &s, &err));
  cr_assert_eq(s->ntables, 0, "a separate database");
  schema_delete(s);
  db_close(tmp);
  cr_assert(catalog_scratch_db_drop(db, "retort_verify_test", &err), "%s", err.msg);
  cr_assert_not(catalog_scratch_db_create(db, "Bad-Name", &tmp, &err));
  db_close(db);
}

/* tests/db/projects/ops: the SQL conformance revisions made runnable online (r00 prelude
 * creates what r01 expects). At every revision the catalog of the database Debian's
 * alembic built is compared with the fold; the differences must be exactly those listed
 * (each a known limitation of the static fold) in tests/fixtures/catalog/ops_drift.txt. */
Test(catalog, ops_catalog_vs_fold_at_every_revision) {
  char *dir = pgt_copy_project("tests/db/projects/ops", "ops", NULL);
  Db *db = pgt_connect(dir);
  Loaded l;
  load(&l, dir, REV_PARSE_FULL);
  static const char *const revs[] = {"r00", "r01", "r02", "r03", "r04", "r05",
                                     "r06", "r07", "r08", "r09", "r10"};
  Buf got = BUF_INIT;
  for (size_t k = 0; k < sizeof revs / sizeof revs[0]; k++) {
    char args[64];
    snprintf(args, sizeof args, "upgrade %s", revs[k]);
    pgt_alembic(db, dir, args);
    char *d = drift(db, &l, &revs[k], 1);
    buf_printf(&got, "== %s\n%s", revs[k], d);
    free(d);
  }
  FILE *f = fopen(RETORT_SOURCE_DIR "/tests/fixtures/catalog/ops_drift.txt", "r");
  Buf want = BUF_INIT;
  if (f) {
    char line[2048];
    while (fgets(line, sizeof line, f))
      if (line[0] != '#') buf_puts(&want, line);
    fclose(f);
  }
  cr_assert_str_eq(buf_cstr(&got), buf_cstr(&want), "differences changed; got:\n%s",
                   buf_cstr(&got));
  buf_free(&got);
  buf_free(&want);
  unload(&l);
  db_close(db);
  free(dir);
}

/* The fold's default schema is where unqualified names go: the search path's first. */
Test(catalog, default_schema_is_the_search_path_s_first) {
  Db *db = pgt_connect(pgt_dir);
  pgt_exec(db, "CREATE TABLE in_public (id int); CREATE SCHEMA app; SET search_path = app, public;"
               "CREATE TABLE x (id int); CREATE SEQUENCE s1; CREATE TYPE e AS ENUM ('a')");
  Schema *s = NULL;
  RtError err = {0};
  cr_assert(catalog_read(db, NULL, NULL, &s, &err), "%s", err.msg);
  SchemaTable *x = schema_table(s, NULL, "x");
  cr_assert_not_null(x);
  cr_assert_null(x->schema);
  SchemaTable *p = schema_table(s, "public", "in_public");
  cr_assert_not_null(p);
  cr_assert_str_eq(p->schema, "public");
  cr_assert_null(schema_enum(s, NULL, "e")->schema);
  cr_assert(schema_sequence_has(s, "s1"));
  schema_delete(s);
  db_close(db);
}
