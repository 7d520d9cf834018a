/* test_fold.c - the static schema and fold(): revisions' ops applied to a Schema. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/schema/fold.h"

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
TestSuite(fold, .init = setup, .fini = teardown);

/* A revision whose upgrade() is `body` (each line indented by the caller). */
static Revision *rev(const char *body) {
  char *src = arena_printf(arena,
                           "import sqlalchemy as sa\nfrom alembic import op\n"
                           "from sqlalchemy.dialects import postgresql\n"
                           "revision = 'r1'\ndown_revision = None\n\n"
                           "def upgrade():\n%s\n\ndef downgrade():\n    pass\n",
                           body);
  Revision *r = revision_parse(parser, arena, "r1.py", src, strlen(src), REV_PARSE_FULL, NULL);
  cr_assert(r->syntax_ok, "fixture must parse:\n%s", src);
  return r;
}

static Schema *folded(const char *body) {
  Schema *s = schema_new();
  fold_revision(s, rev(body));
  return s;
}

Test(fold, create_table_with_columns_and_constraints) {
  Schema *s = folded(
      "    op.create_table('orders',\n"
      "        sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),\n"
      "        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id', name='fk_c'),\n"
      "                  nullable=False, index=True),\n"
      "        sa.Column('status', sa.String(length=20), server_default='new'),\n"
      "        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now()),\n"
      "        sa.UniqueConstraint('status', 'id', name='uq_orders_status'),\n"
      "        sa.CheckConstraint(\"status <> ''\", name='ck_orders_status'),\n"
      "        schema='shop')");
  cr_assert_null(schema_table(s, NULL, "orders"), "schema='shop' is not the default schema");
  SchemaTable *t = schema_table(s, "shop", "orders");
  cr_assert_not_null(t);
  cr_assert(t->is_new);
  cr_assert_eq(t->ncols, 4);
  SchemaColumn *id = schema_column(t, "id");
  cr_assert_str_eq(id->type, "bigint");
  cr_assert(id->identity);
  cr_assert_not(id->nullable, "a primary key is NOT NULL");
  SchemaColumn *cid = schema_column(t, "customer_id");
  cr_assert_str_eq(cid->type, "integer");
  cr_assert_not(cid->nullable);
  cr_assert_str_eq(schema_column(t, "status")->type, "varchar(20)");
  cr_assert_str_eq(schema_column(t, "status")->server_default, "'new'");
  cr_assert(schema_column(t, "status")->nullable);
  cr_assert_str_eq(schema_column(t, "created_at")->type, "timestamptz");
  cr_assert_str_eq(schema_column(t, "created_at")->server_default, "now()");
  SchemaIndex *ix = schema_index(s, "shop", "ix_orders_customer_id", NULL);
  cr_assert_not_null(ix, "index=True makes ix_<table>_<column>");
  SchemaConstraint *fk = schema_constraint(t, "fk_c");
  cr_assert_not_null(fk);
  cr_assert_eq(fk->kind, CON_FOREIGN_KEY);
  cr_assert_str_eq(fk->ref_table, "customers");
  cr_assert_str_eq(fk->ref_cols[0], "id");
  cr_assert_eq(schema_constraint(t, "uq_orders_status")->ncols, 2);
  cr_assert_str_eq(schema_constraint(t, "ck_orders_status")->expr, "status <> ''");
  bool has_pk = false;
  for (size_t k = 0; k < t->ncons; k++)
    if (t->cons[k]->kind == CON_PRIMARY_KEY) has_pk = !strcmp(t->cons[k]->cols[0], "id");
  cr_assert(has_pk, "primary_key=True makes a primary key constraint");
  const char *cols[] = {"customer_id"};
  cr_assert(schema_table_has_index_on(t, cols, 1));
  schema_delete(s);
}

Test(fold, column_and_table_changes) {
  Schema *s = folded(
      "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),\n"
      "                    sa.Column('name', sa.String(50)), sa.Column('tmp', sa.Text()))\n"
      "    op.create_index('ix_users_tmp', 'users', ['tmp'])\n"
      "    op.add_column('users', sa.Column('email', sa.Text(), nullable=False, server_default=''))\n"
      "    op.drop_column('users', 'tmp')\n"
      "    op.alter_column('users', 'name', type_=sa.Text(), nullable=False,\n"
      "                    server_default=sa.text(\"'x'\"), new_column_name='full_name')\n"
      "    op.rename_table('users', 'accounts')\n"
      "    with op.batch_alter_table('accounts') as batch_op:\n"
      "        batch_op.add_column(sa.Column('age', sa.SmallInteger()))\n"
      "        batch_op.create_unique_constraint('uq_accounts_email', ['email'])\n"
      "        batch_op.create_index('ix_accounts_age', ['age'], unique=True)\n"
      "        batch_op.alter_column('age', nullable=False)\n");
  cr_assert_null(schema_table(s, NULL, "users"));
  SchemaTable *t = schema_table(s, NULL, "accounts");
  cr_assert_not_null(t);
  cr_assert_null(schema_column(t, "tmp"));
  cr_assert_null(schema_index(s, NULL, "ix_users_tmp", NULL), "dropping a column drops its index");
  cr_assert_null(schema_column(t, "name"));
  SchemaColumn *fn = schema_column(t, "full_name");
  cr_assert_not_null(fn);
  cr_assert_str_eq(fn->type, "text");
  cr_assert_not(fn->nullable);
  cr_assert_str_eq(fn->server_default, "'x'");
  cr_assert_str_eq(schema_column(t, "email")->server_default, "''");
  SchemaColumn *age = schema_column(t, "age");
  cr_assert_str_eq(age->type, "smallint");
  cr_assert_not(age->nullable, "batch alter_column applies to the batch's table");
  cr_assert_not_null(schema_constraint(t, "uq_accounts_email"));
  SchemaTable *owner = NULL;
  SchemaIndex *ix = schema_index(s, NULL, "ix_accounts_age", &owner);
  cr_assert_not_null(ix);
  cr_assert(ix->unique);
  cr_assert_eq(owner, t);
  schema_delete(s);
}

Test(fold, drops_and_constraints) {
  Schema *s = folded(
      "    op.create_table('a', sa.Column('id', sa.BigInteger(), primary_key=True))\n"
      "    op.create_table('b', sa.Column('id', sa.BigInteger(), primary_key=True),\n"
      "                    sa.Column('a_id', sa.BigInteger()))\n"
      "    op.create_foreign_key('fk_b_a', 'b', 'a', ['a_id'], ['id'], postgresql_not_valid=True)\n"
      "    op.create_check_constraint(op.f('ck_b'), 'b', 'id > 0')\n"
      "    op.create_check_constraint(op.f('ck_b2'), 'b', 'id < 10')\n"
      "    op.drop_constraint('ck_b', 'b', type_='check')\n"
      "    op.create_index('ix_b_a_id', 'b', ['a_id'])\n"
      "    op.drop_index('ix_b_a_id', table_name='b')\n"
      "    op.drop_table('a')\n");
  cr_assert_null(schema_table(s, NULL, "a"));
  SchemaTable *b = schema_table(s, NULL, "b");
  SchemaConstraint *fk = schema_constraint(b, "fk_b_a");
  cr_assert_not_null(fk);
  cr_assert(fk->not_valid);
  cr_assert_null(schema_constraint(b, "ck_b"));
  cr_assert_not_null(schema_constraint(b, "ck_b2"), "op.f('name') is the name");
  cr_assert_null(schema_index(s, NULL, "ix_b_a_id", NULL));
  schema_delete(s);
}

Test(fold, enums_and_sequences_from_sql_and_columns) {
  Schema *s = folded(
      "    op.execute(\"CREATE TYPE mood AS ENUM ('happy', 'sad')\")\n"
      "    with op.get_context().autocommit_block():\n"
      "        op.execute(\"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'\")\n"
      "    op.create_table('pets', sa.Column('kind', sa.Enum('cat', 'dog', name='pet_kind')))\n"
      "    op.execute('ALTER TYPE mood RENAME TO feeling')\n"
      "    op.execute('CREATE SEQUENCE IF NOT EXISTS invoice_no START 1000; CREATE SEQUENCE gone')\n"
      "    op.execute('DROP SEQUENCE gone')\n");
  cr_assert(schema_sequence_has(s, "invoice_no"));
  cr_assert_not(schema_sequence_has(s, "gone"));
  cr_assert_null(schema_enum(s, NULL, "mood"));
  SchemaEnum *e = schema_enum(s, NULL, "feeling");
  cr_assert_not_null(e);
  cr_assert_eq(e->nvalues, 3);
  cr_assert_str_eq(e->values[2], "meh");
  SchemaEnum *k = schema_enum(s, "public", "pet_kind");
  cr_assert_not_null(k, "NULL and 'public' are the same schema");
  cr_assert_eq(k->nvalues, 2);
  cr_assert_str_eq(schema_column(schema_table(s, NULL, "pets"), "kind")->type, "pet_kind");
  schema_delete(s);
}

Test(fold, unknown_tables_appear_as_existing) {
  Schema *s = folded("    op.add_column('legacy', sa.Column('x', sa.Text()))\n");
  SchemaTable *t = schema_table(s, NULL, "legacy");
  cr_assert_not_null(t, "an op on a table made by dynamic code still folds");
  cr_assert_not(t->is_new);
  schema_delete(s);
}

Test(fold, clone_is_deep_and_mark_existing) {
  Schema *s = folded("    op.create_table('t', sa.Column('id', sa.BigInteger(), primary_key=True))\n");
  Schema *c = schema_clone(s);
  schema_mark_existing(c);
  cr_assert(schema_table(s, NULL, "t")->is_new);
  cr_assert_not(schema_table(c, NULL, "t")->is_new);
  schema_column_drop(schema_table(c, NULL, "t"), "id");
  cr_assert_not_null(schema_column(schema_table(s, NULL, "t"), "id"));
  schema_delete(s);
  schema_delete(c);
  schema_delete(NULL);
}

Test(fold, type_names) {
  static const struct {
    const char *expr, *want;
  } CASES[] = {
      {"sa.Integer()", "integer"},          {"sa.BigInteger", "bigint"},
      {"sa.String(length=32)", "varchar(32)"}, {"sa.VARCHAR(10)", "varchar(10)"},
      {"sa.String()", "varchar"},           {"sa.Text()", "text"},
      {"sa.CHAR(2)", "char(2)"},            {"sa.DateTime()", "timestamp"},
      {"sa.DateTime(timezone=True)", "timestamptz"}, {"postgresql.TIMESTAMP(True)", "timestamptz"},
      {"sa.JSON()", "json"},                {"postgresql.JSONB()", "jsonb"},
      {"postgresql.UUID(as_uuid=True)", "uuid"}, {"sa.Uuid()", "uuid"},
      {"postgresql.TSVECTOR()", "tsvector"}, {"sa.Boolean()", "boolean"},
      {"sa.Numeric(10, 2)", "numeric(10,2)"}, {"sa.Numeric()", "numeric"},
      {"sa.Float(24)", "real"},             {"sa.Float()", "double precision"},
      {"postgresql.TIMESTAMP(timezone=True, precision=3)", "timestamptz(3)"},
      {"postgresql.ARRAY(sa.Text())", "text[]"},
      {"sa.Enum('a', name='e')", "e"},      {"postgresql.INET()", "inet"},
  };
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    Revision *r = rev(arena_printf(arena, "    op.add_column('t', sa.Column('c', %s))\n", CASES[k].expr));
    FoldOpList ops = fold_ops_read(arena, &r->upgrade);
    cr_assert_eq(ops.len, 1);
    cr_assert_eq(ops.items[0].kind, FOP_ADD_COLUMN);
    cr_expect_str_eq(ops.items[0].cols[0].type, CASES[k].want, "%s", CASES[k].expr);
  }
}

Test(fold, op_reading_flags) {
  Revision *r = rev(
      "    with op.get_context().autocommit_block():\n"
      "        op.create_index('ix', 't', ['c'], postgresql_concurrently=True)\n"
      "    with op.batch_alter_table('t') as b:\n"
      "        b.drop_column('c')\n"
      "    for x in range(3):\n"
      "        op.drop_table(x)\n"
      "    op.execute(sa.text('DELETE FROM t'))\n");
  FoldOpList ops = fold_ops_read(arena, &r->upgrade);
  cr_assert_eq(ops.len, 4);
  cr_assert_eq(ops.items[0].kind, FOP_CREATE_INDEX);
  cr_assert(ops.items[0].in_autocommit);
  cr_assert(ops.items[0].concurrently);
  cr_assert_eq(ops.items[1].kind, FOP_DROP_COLUMN);
  cr_assert(ops.items[1].in_batch);
  cr_assert_str_eq(ops.items[1].table, "t");
  cr_assert_str_eq(ops.items[1].name, "c");
  cr_assert_eq(ops.items[2].kind, FOP_DYNAMIC);
  cr_assert_eq(ops.items[3].kind, FOP_EXECUTE);
  cr_assert_eq(ops.items[3].nstmts, 1);
  cr_assert_eq(ops.items[3].stmts[0].kind, FSQL_DELETE);
  cr_assert_not(ops.items[3].stmts[0].has_where);
}

Test(fold, sql_reading) {
  size_t n;
  FoldSql *st = fold_sql_read(arena,
                              "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON s.t (a);\n"
                              "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0, "
                              "ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES u (id) NOT VALID;\n"
                              "UPDATE t SET c = 1 WHERE c IS NULL;\n"
                              "CREATE TYPE e AS ENUM ('a', 'b');\n"
                              "ALTER TABLE t RENAME COLUMN c TO d",
                              &n);
  cr_assert_eq(n, 5);
  cr_assert_eq(st[0].kind, FSQL_CREATE_INDEX);
  cr_assert(st[0].concurrently && st[0].unique && st[0].if_not_exists);
  cr_assert_str_eq(st[0].table, "t");
  cr_assert_eq(st[1].kind, FSQL_ALTER_TABLE);
  cr_assert(st[1].add_column && st[1].add_column_not_null && st[1].add_column_default);
  cr_assert(st[1].add_fk && st[1].not_valid);
  cr_assert_eq(st[2].kind, FSQL_UPDATE);
  cr_assert(st[2].has_where);
  cr_assert_eq(st[3].kind, FSQL_CREATE_ENUM);
  cr_assert_eq(st[3].nvalues, 2);
  cr_assert(st[4].rename_column);
  FoldSql *bad = fold_sql_read(arena, "DELETE FROM t WHERE", &n);
  cr_assert_eq(n, 1);
  cr_assert_not(bad[0].parse_ok);
  cr_assert_eq(bad[0].kind, FSQL_DELETE, "text that does not parse is still read lexically");
}

/* op.execute's SQL, read by PostgreSQL's parser as the op calls that do the same: the fold
 * learns tables, columns (types, nullability, defaults), constraints and indexes. */
Test(fold, sql_statements_fold_like_op_calls) {
  Schema *s = folded(
      "    op.execute('''\n"
      "        CREATE TABLE accounts (\n"
      "            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
      "            code char(3) NOT NULL DEFAULT 'abc',\n"
      "            owner_id integer CONSTRAINT fk_acc_owner REFERENCES users (id) ON DELETE CASCADE,\n"
      "            at timestamp(3) with time zone,\n"
      "            tags text[],\n"
      "            CONSTRAINT ck_acc_code CHECK (code <> '')\n"
      "        );\n"
      "        CREATE INDEX ix_acc_owner ON accounts (owner_id, lower(code));\n"
      "    ''')\n"
      "    op.execute(sa.text('ALTER TABLE accounts ADD COLUMN note varchar(20), "
      "ALTER COLUMN code TYPE text, ALTER COLUMN at SET NOT NULL, "
      "ADD CONSTRAINT uq_acc_note UNIQUE (note)'))\n"
      "    op.execute('ALTER TABLE accounts RENAME COLUMN note TO remark')\n"
      "    op.execute('CREATE TABLE IF NOT EXISTS accounts (other int)')\n"
      "    op.execute('ALTER TABLE legacy DROP COLUMN gone')\n"
      "    op.execute('ALTER TABLE accounts RENAME TO ledgers')");
  cr_assert_null(schema_table(s, NULL, "accounts"), "renamed");
  SchemaTable *t = schema_table(s, NULL, "ledgers");
  cr_assert_not_null(t);
  cr_assert_eq(t->ncols, 6, "IF NOT EXISTS on an existing table changes nothing");
  SchemaColumn *id = schema_column(t, "id");
  cr_assert_str_eq(id->type, "bigint");
  cr_assert(id->identity);
  cr_assert_not(id->nullable);
  SchemaColumn *code = schema_column(t, "code");
  cr_assert_str_eq(code->type, "text", "ALTER COLUMN ... TYPE");
  cr_assert_not(code->nullable);
  cr_assert_str_eq(code->server_default, "'abc'");
  cr_assert_str_eq(schema_column(t, "owner_id")->type, "integer");
  cr_assert_str_eq(schema_column(t, "at")->type, "timestamptz(3)");
  cr_assert_not(schema_column(t, "at")->nullable, "SET NOT NULL");
  cr_assert_str_eq(schema_column(t, "tags")->type, "text[]");
  cr_assert_null(schema_column(t, "note"));
  cr_assert_str_eq(schema_column(t, "remark")->type, "varchar(20)");
  SchemaConstraint *fk = schema_constraint(t, "fk_acc_owner");
  cr_assert_not_null(fk);
  cr_assert_eq(fk->kind, CON_FOREIGN_KEY);
  cr_assert_str_eq(fk->ref_table, "users");
  cr_assert_str_eq(fk->ref_cols[0], "id");
  cr_assert_str_eq(fk->ondelete, "CASCADE");
  cr_assert_str_eq(schema_constraint(t, "ck_acc_code")->expr, "code <> ''");
  cr_assert_eq(schema_constraint(t, "uq_acc_note")->kind, CON_UNIQUE);
  bool pk = false;
  for (size_t k = 0; k < t->ncons; k++)
    pk |= t->cons[k]->kind == CON_PRIMARY_KEY && t->cons[k]->ncols == 1 &&
          !strcmp(t->cons[k]->cols[0], "id");
  cr_assert(pk, "a column's PRIMARY KEY");
  const char *owner = "owner_id";
  cr_assert(schema_table_has_index_on(t, &owner, 1), "the index's columns are known");
  SchemaTable *legacy = schema_table(s, NULL, "legacy");
  cr_assert_not_null(legacy, "a table retort never saw appears, as with op calls");
  cr_assert_not(legacy->is_new);
  schema_delete(s);
}

/* Where the parts of the SQL are in the file: exact inside a plain literal, the string's
 * range otherwise; names are the ones written, even past PostgreSQL's 63 bytes. */
Test(fold, sql_ops_carry_ranges_inside_plain_literals) {
  char *long_col = arena_printf(arena, "%070d", 0);
  long_col[0] = 'c';
  Revision *r = rev(arena_printf(arena,
                                 "    op.execute(\"ALTER TABLE t ADD COLUMN %s char(2)\")\n"
                                 "    op.execute(\"ALTER TABLE t ADD COLUMN \\x62 char(2)\")\n"
                                 "    op.execute(r'''CREATE TABLE \"Ü\" (\n"
                                 "        x json CHECK (x IS NOT NULL))''')",
                                 long_col));
  FoldOpList ops = fold_ops_read(arena, &r->upgrade);
  cr_assert_eq(ops.len, 3);
  const FoldOp *add = &ops.items[0].stmts[0].ops[0];
  cr_assert_eq(add->kind, FOP_ADD_COLUMN);
  cr_assert_eq(add->from_sql, &ops.items[0].stmts[0]);
  cr_assert_str_eq(add->cols[0].name, long_col, "not truncated at 63 bytes");
  cr_assert_str_eq(add->cols[0].type, "char(2)");
  SrcRange tr = add->cols[0].type_range;
  cr_assert_eq(tr.line, 8);
  cr_assert_eq(tr.col, (uint32_t)(5 + 12 + strlen("ALTER TABLE t ADD COLUMN ") + 70 + 1));
  cr_assert_eq(tr.end_col - tr.col, 7);
  cr_assert_eq(ops.items[0].stmts[0].range.col, 17, "the statement, inside the quotes");
  const FoldOp *esc = &ops.items[1].stmts[0].ops[0];
  cr_assert_eq(esc->cols[0].type_range.line, 0, "an escape: no exact range");
  cr_assert_eq(ops.items[1].stmts[0].range.col, 16, "the string's range");
  const FoldOp *ct = &ops.items[2].stmts[0].ops[0];
  cr_assert_eq(ct->kind, FOP_CREATE_TABLE);
  cr_assert_str_eq(ct->table, "Ü");
  cr_assert_eq(ct->name_range.line, 10);
  cr_assert_eq(ct->name_range.col, 33, "columns count characters");
  cr_assert_eq(ct->cols[0].type_range.line, 11);
  cr_assert_eq(ct->cols[0].type_range.col, 11);
  cr_assert_eq(ct->ncons, 1);
  cr_assert_str_eq(ct->cons[0].expr, "x IS NOT NULL");
  cr_assert_eq(ct->cons[0].range.col, 16);
}
