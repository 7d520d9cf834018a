/* test_ops.c - ops_interpret: every op of Alembic's API read into MigOps (tables,
 * columns, types, defaults, constraints, indexes, batch and autocommit bodies), and every
 * form that cannot be read statically reported as dynamic with a reason and a range. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/alembic/ops.h"
#include "server/alembic/revision.h"
#include "server/base/buf.h"
#include "server/sql/sql.h"

static RevParser *parser;
static Arena *arena;

static void setup(void) {
  parser = revparser_new();
  arena = arena_new();
}

static void teardown(void) {
  arena_delete(arena);
  revparser_delete(parser);
}

TestSuite(ops, .init = setup, .fini = teardown);

/* The upgrade() of a revision whose body is `body` (indented by the caller). */
static MigOpList upgrade_of(const char *body) {
  Buf b = BUF_INIT;
  buf_printf(&b,
             "from alembic import op\nimport sqlalchemy as sa\n"
             "from sqlalchemy.dialects import postgresql\n\n"
             "revision = 'abc'\ndown_revision = None\n\n\ndef upgrade():\n%s\n",
             body);
  Revision *r =
      revision_parse(parser, arena, "/p/versions/abc.py", b.data, b.len, REV_PARSE_FULL, NULL);
  buf_free(&b);
  MigOpList l;
  ops_interpret(arena, &r->upgrade, &l, NULL);
  return l;
}

static const MigOp *single(const char *body) {
  MigOpList l = upgrade_of(body);
  cr_assert_eq(l.len, 1, "expected one op, got %zu", l.len);
  return &l.items[0];
}

Test(ops, create_table_columns_types_and_constraints) {
  const MigOp *m = single(
      "    op.create_table('orders',\n"
      "        sa.Column('id', sa.BigInteger(), sa.Identity(always=True, start=10), "
      "primary_key=True),\n"
      "        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('shop.customers.id', "
      "ondelete='CASCADE', name='fk_c'), nullable=False),\n"
      "        sa.Column('name', sa.String(length=32), nullable=True, index=True, unique=True, "
      "comment='n'),\n"
      "        sa.Column('price', sa.Numeric(10, 2), server_default='0'),\n"
      "        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()')),\n"
      "        sa.Column('at2', sa.TIMESTAMP(), server_default=sa.func.now()),\n"
      "        sa.Column('at3', sa.DateTime, server_default=sa.func.current_timestamp()),\n"
      "        sa.Column('doc', postgresql.JSONB(astext_type=sa.Text())),\n"
      "        sa.Column('tags', postgresql.ARRAY(sa.String(8), dimensions=2)),\n"
      "        sa.Column('kind', sa.Enum('a', 'b', name='kind', schema='s')),\n"
      "        sa.Column('k2', postgresql.ENUM('x', name='k2', create_type=False)),\n"
      "        sa.Column('code', sa.CHAR(2)),\n"
      "        sa.Column('twice', sa.Integer(), sa.Computed('id * 2')),\n"
      "        sa.Column('u', postgresql.UUID(as_uuid=True), autoincrement=False, default=None),\n"
      "        sa.PrimaryKeyConstraint('id', name='pk_orders'),\n"
      "        sa.UniqueConstraint('name', 'code', name='uq_x', deferrable=True),\n"
      "        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='fk2', "
      "onupdate='SET NULL', initially='DEFERRED'),\n"
      "        sa.CheckConstraint('price >= 0', name='ck_price'),\n"
      "        schema='shop', comment='orders table',\n"
      "    )");
  cr_assert_eq(m->kind, OPK_CREATE_TABLE);
  cr_assert(!m->dynamic, "%s", m->dynamic_reason);
  cr_assert_str_eq(m->table, "orders");
  cr_assert_str_eq(m->schema, "shop");
  cr_assert_str_eq(m->table_comment, "orders table");
  cr_assert_eq(m->ncolumns, 14);
  const MigColumn *c = m->columns;
  cr_assert_str_eq(c[0].name, "id");
  cr_assert_eq(c[0].type->kind, ST_BIGINT);
  cr_assert(c[0].primary_key && c[0].identity.present && c[0].identity.always);
  cr_assert_str_eq(c[0].identity.options, "START WITH 10");
  cr_assert_eq(c[1].nullable, TRI_FALSE);
  cr_assert_gt(c[1].nullable_range.line, 0);
  cr_assert_eq(c[1].nfks, 1);
  cr_assert_str_eq(c[1].fks[0].ref_schema, "shop");
  cr_assert_str_eq(c[1].fks[0].ref_table, "customers");
  cr_assert_str_eq(c[1].fks[0].ref_columns[0], "id");
  cr_assert_str_eq(c[1].fks[0].ondelete, "CASCADE");
  cr_assert_str_eq(c[1].fks[0].name, "fk_c");
  cr_assert_eq(c[2].type->kind, ST_STRING);
  cr_assert_eq(c[2].type->length, 32);
  cr_assert(c[2].index && c[2].unique);
  cr_assert_eq(c[2].nullable, TRI_TRUE);
  cr_assert_str_eq(c[2].comment, "n");
  cr_assert_eq(c[3].type->precision, 10);
  cr_assert_eq(c[3].type->scale, 2);
  cr_assert_eq(c[3].server_default.kind, DEF_STRING);
  cr_assert_str_eq(c[3].server_default.text, "0");
  cr_assert(c[4].type->timezone);
  cr_assert_eq(c[4].server_default.kind, DEF_SQL);
  cr_assert_str_eq(c[4].server_default.text, "now()");
  cr_assert_eq(c[5].type->kind, ST_DATETIME);
  cr_assert(!c[5].type->timezone);
  cr_assert_eq(c[5].server_default.kind, DEF_FUNC);
  cr_assert_str_eq(c[5].server_default.text, "now()");
  cr_assert_eq(c[6].type->kind, ST_DATETIME);  // the class itself, not called
  cr_assert_str_eq(c[6].server_default.text, "CURRENT_TIMESTAMP");
  cr_assert_eq(c[7].type->kind, ST_JSONB);
  cr_assert_eq(c[8].type->kind, ST_ARRAY);
  cr_assert_eq(c[8].type->item->kind, ST_STRING);
  cr_assert_eq(c[8].type->dimensions, 2);
  cr_assert_eq(c[9].type->kind, ST_ENUM);
  cr_assert_eq(c[9].type->nenum_values, 2);
  cr_assert_str_eq(c[9].type->enum_values[1], "b");
  cr_assert_str_eq(c[9].type->enum_name, "kind");
  cr_assert_str_eq(c[9].type->enum_schema, "s");
  cr_assert(c[9].type->create_type);
  cr_assert(!c[10].type->create_type);
  cr_assert_eq(c[11].type->kind, ST_CHAR);
  cr_assert_eq(c[11].type->length, 2);
  cr_assert(c[12].computed.present);
  cr_assert_str_eq(c[12].computed.sqltext, "id * 2");
  cr_assert_eq(c[13].type->kind, ST_UUID);
  cr_assert_eq(c[13].autoincrement, TRI_FALSE);
  cr_assert(!c[13].has_default);

  cr_assert_eq(m->nconstraints, 4);
  cr_assert_eq(m->constraints[0].kind, CON_PRIMARY_KEY);
  cr_assert_str_eq(m->constraints[0].name, "pk_orders");
  cr_assert_eq(m->constraints[1].kind, CON_UNIQUE);
  cr_assert_eq(m->constraints[1].ncolumns, 2);
  cr_assert_eq(m->constraints[1].deferrable, TRI_TRUE);
  cr_assert_eq(m->constraints[2].kind, CON_FOREIGN_KEY);
  cr_assert_str_eq(m->constraints[2].fk.ref_table, "customers");
  cr_assert_str_eq(m->constraints[2].fk.onupdate, "SET NULL");
  cr_assert_str_eq(m->constraints[2].initially, "DEFERRED");
  cr_assert_eq(m->constraints[3].kind, CON_CHECK);
  cr_assert_str_eq(m->constraints[3].condition, "price >= 0");
}

Test(ops, add_drop_alter_column) {
  MigOpList l = upgrade_of(
      "    op.add_column('t', sa.Column('c', sa.Boolean(), nullable=False, "
      "server_default=sa.false()), schema='s')\n"
      "    op.drop_column('t', 'c')\n"
      "    op.alter_column('t', 'c', nullable=False, type_=sa.Text(), existing_type=sa.String(5),\n"
      "                    server_default=None, new_column_name='d', comment='x', "
      "postgresql_using='c::text',\n"
      "                    existing_nullable=True)\n"
      "    op.alter_column('t', 'c', server_default='v')\n"
      "    op.alter_column('t', 'c', comment=None)\n");
  cr_assert_eq(l.len, 5);
  cr_assert(l.is_static);
  const MigOp *m = &l.items[0];
  cr_assert_eq(m->kind, OPK_ADD_COLUMN);
  cr_assert_str_eq(m->schema, "s");
  cr_assert_eq(m->ncolumns, 1);
  cr_assert_str_eq(m->columns[0].name, "c");
  cr_assert_eq(m->columns[0].server_default.kind, DEF_SQL);
  cr_assert_str_eq(m->columns[0].server_default.text, "false");
  cr_assert_eq(l.items[1].kind, OPK_DROP_COLUMN);
  cr_assert_str_eq(l.items[1].column, "c");
  m = &l.items[2];
  cr_assert_eq(m->kind, OPK_ALTER_COLUMN);
  cr_assert_eq(m->alter.nullable, TRI_FALSE);
  cr_assert_gt(m->alter.nullable_range.line, 0);
  cr_assert_eq(m->alter.type->kind, ST_TEXT);
  cr_assert_eq(m->alter.existing_type->length, 5);
  cr_assert_eq(m->alter.server_default.kind, DEF_NULL);
  cr_assert_str_eq(m->alter.new_name, "d");
  cr_assert(m->alter.comment_set);
  cr_assert_str_eq(m->alter.comment, "x");
  cr_assert_str_eq(m->alter.using, "c::text");
  cr_assert_eq(m->alter.existing_nullable, TRI_TRUE);
  cr_assert_eq(l.items[3].alter.server_default.kind, DEF_STRING);
  cr_assert_eq(l.items[3].alter.nullable, TRI_UNSET);
  cr_assert(!l.items[3].alter.comment_set);
  cr_assert(l.items[4].alter.comment_set);
  cr_assert_null(l.items[4].alter.comment);
}

Test(ops, indexes) {
  MigOpList l = upgrade_of(
      "    op.create_index(op.f('ix_a'), 'a', ['x', sa.text('lower(y)')], unique=True,\n"
      "                    postgresql_where=sa.text('x > 0'), postgresql_using='gin',\n"
      "                    postgresql_include=['z'], postgresql_concurrently=True)\n"
      "    op.drop_index('ix_a', table_name='a', postgresql_concurrently=True)\n"
      "    op.drop_index('ix_b')\n");
  cr_assert_eq(l.len, 3);
  const MigOp *m = &l.items[0];
  cr_assert_eq(m->kind, OPK_CREATE_INDEX);
  cr_assert_str_eq(m->index.name, "ix_a");
  cr_assert_str_eq(m->table, "a");
  cr_assert_eq(m->index.nelems, 2);
  cr_assert(!m->index.elems[0].is_expr);
  cr_assert(m->index.elems[1].is_expr);
  cr_assert_str_eq(m->index.elems[1].text, "lower(y)");
  cr_assert(m->index.unique && m->index.concurrently);
  cr_assert_gt(m->index.concurrently_range.line, 0);
  cr_assert_str_eq(m->index.where, "x > 0");
  cr_assert_str_eq(m->index.using, "gin");
  cr_assert_eq(m->index.ninclude, 1);
  cr_assert_eq(l.items[1].kind, OPK_DROP_INDEX);
  cr_assert(l.items[1].index.concurrently);
  cr_assert_str_eq(l.items[1].table, "a");
  cr_assert_null(l.items[2].table);
  cr_assert(!l.items[2].dynamic);
}

Test(ops, constraint_ops) {
  MigOpList l = upgrade_of(
      "    op.create_unique_constraint('uq', 't', ['a', 'b'])\n"
      "    op.create_foreign_key('fk', 't', 'p', ['pid'], ['id'], ondelete='CASCADE',\n"
      "                          source_schema='s', referent_schema='r', "
      "postgresql_not_valid=True)\n"
      "    op.create_check_constraint('ck', 't', sa.text('a > 0'), postgresql_not_valid=True)\n"
      "    op.create_primary_key('pk', 't', ['id'])\n"
      "    op.drop_constraint('fk', 't', type_='foreignkey')\n"
      "    op.create_foreign_key(None, 't', 'p', ['pid'], ['id'])\n");
  cr_assert_eq(l.len, 6);
  cr_assert(l.is_static);
  cr_assert_eq(l.items[0].kind, OPK_CREATE_UNIQUE_CONSTRAINT);
  cr_assert_eq(l.items[0].constraints[0].ncolumns, 2);
  const MigConstraint *fk = &l.items[1].constraints[0];
  cr_assert_eq(l.items[1].kind, OPK_CREATE_FOREIGN_KEY);
  cr_assert_str_eq(l.items[1].table, "t");
  cr_assert_str_eq(l.items[1].schema, "s");
  cr_assert_str_eq(fk->fk.ref_table, "p");
  cr_assert_str_eq(fk->fk.ref_schema, "r");
  cr_assert_str_eq(fk->fk.ondelete, "CASCADE");
  cr_assert(fk->not_valid);
  cr_assert_eq(l.items[2].kind, OPK_CREATE_CHECK_CONSTRAINT);
  cr_assert_str_eq(l.items[2].constraints[0].condition, "a > 0");
  cr_assert(l.items[2].constraints[0].not_valid);
  cr_assert_eq(l.items[3].kind, OPK_CREATE_PRIMARY_KEY);
  cr_assert_eq(l.items[4].kind, OPK_DROP_CONSTRAINT);
  cr_assert_str_eq(l.items[4].constraint_name, "fk");
  cr_assert_str_eq(l.items[4].constraint_type, "foreignkey");
  cr_assert_null(l.items[5].constraints[0].name);  // unnamed: a finding for lint, not dynamic
}

Test(ops, tables_comments_execute_bulk_insert) {
  MigOpList l = upgrade_of(
      "    op.drop_table('t', schema='s')\n"
      "    op.rename_table('a', 'b')\n"
      "    op.create_table_comment('t', 'c', existing_comment='old')\n"
      "    op.drop_table_comment('t')\n"
      "    op.execute('UPDATE t SET a = 1')\n"
      "    op.execute(sa.text(\"DELETE FROM t\"))\n"
      "    op.execute(\"\"\"\n        SELECT 1\n    \"\"\")\n"
      "    op.bulk_insert(sa.table('t', sa.column('id', sa.Integer), sa.column('n', sa.String)),\n"
      "                   [{'id': 1, 'n': 'x'}, {'id': 2, 'n': None}])\n");
  cr_assert_eq(l.len, 8);
  cr_assert(l.is_static);
  cr_assert_eq(l.items[0].kind, OPK_DROP_TABLE);
  cr_assert_str_eq(l.items[0].schema, "s");
  cr_assert_eq(l.items[1].kind, OPK_RENAME_TABLE);
  cr_assert_str_eq(l.items[1].new_table, "b");
  cr_assert_str_eq(l.items[2].table_comment, "c");
  cr_assert_str_eq(l.items[2].existing_comment, "old");
  cr_assert_eq(l.items[3].kind, OPK_DROP_TABLE_COMMENT);
  cr_assert_eq(l.items[4].kind, OPK_EXECUTE);
  cr_assert_str_eq(l.items[4].sql, "UPDATE t SET a = 1");
  cr_assert_gt(l.items[4].sql_range.line, 0);
  cr_assert_str_eq(l.items[5].sql, "DELETE FROM t");
  cr_assert_not_null(strstr(l.items[6].sql, "SELECT 1"));
  cr_assert_eq(l.items[7].kind, OPK_BULK_INSERT);
  cr_assert_str_eq(l.items[7].table, "t");
  cr_assert_eq(l.items[7].nbulk_columns, 2);
  cr_assert_eq(l.items[7].bulk_rows->nitems, 2);
  SqlStmtList sl = {0};
  sql_render_op(arena, &l.items[7], &sl);
  cr_assert_eq(sl.len, 2);
  cr_assert_str_eq(sl.items[1].sql, "INSERT INTO t (id, n) VALUES (2, NULL)");
}

Test(ops, batch_and_autocommit_bodies) {
  MigOpList l = upgrade_of(
      "    with op.batch_alter_table('t', schema='s') as b:\n"
      "        b.add_column(sa.Column('x', sa.Integer()))\n"
      "        b.alter_column('x', nullable=False)\n"
      "        b.create_index('ix', ['x'])\n"
      "        b.create_foreign_key('fk', 'p', ['x'], ['id'])\n"
      "        b.drop_constraint('fk', type_='foreignkey')\n"
      "        b.drop_column('x')\n"
      "    with op.get_context().autocommit_block():\n"
      "        op.create_index('ix2', 't', ['y'], postgresql_concurrently=True)\n");
  cr_assert_eq(l.len, 2);
  cr_assert(l.is_static);
  const MigOp *b = &l.items[0];
  cr_assert_eq(b->kind, OPK_BATCH_ALTER_TABLE);
  cr_assert_str_eq(b->table, "t");
  cr_assert_eq(b->nbody, 6);
  for (size_t k = 0; k < b->nbody; k++) {
    cr_assert(b->body[k].in_batch);
    cr_assert_str_eq(b->body[k].table, "t");
    cr_assert_str_eq(b->body[k].schema, "s");
    cr_assert(!b->body[k].dynamic, "%zu: %s", k, b->body[k].dynamic_reason);
  }
  cr_assert_eq(b->body[0].kind, OPK_ADD_COLUMN);
  cr_assert_str_eq(b->body[1].column, "x");
  cr_assert_eq(b->body[2].index.nelems, 1);
  cr_assert_str_eq(b->body[3].constraints[0].fk.ref_table, "p");
  cr_assert_str_eq(b->body[4].constraint_type, "foreignkey");
  cr_assert_str_eq(b->body[5].column, "x");
  const MigOp *ac = &l.items[1];
  cr_assert_eq(ac->kind, OPK_AUTOCOMMIT_BLOCK);
  cr_assert_eq(ac->nbody, 1);
  cr_assert(ac->body[0].index.concurrently);
  cr_assert(!ac->body[0].in_batch);
  SqlStmtList sl = {0};
  sql_render_ops(arena, &l, &sl);
  cr_assert_eq(sl.len, 7);
  cr_assert(sl.items[0].transactional);
  cr_assert(!sl.items[6].transactional);
  cr_assert_str_eq(sl.items[0].sql, "ALTER TABLE s.t ADD COLUMN x INTEGER");
}

/* ---- dynamic: reported with a reason and a range, never guessed ------------------- */

static void expect_dynamic(const char *body, const char *reason_part) {
  MigOpList l = upgrade_of(body);
  cr_assert_geq(l.len, 1);
  cr_assert(!l.is_static, "%s: not dynamic", body);
  const MigOp *d = ops_first_dynamic(&l);
  cr_assert_not_null(d);
  cr_assert(d->dynamic);
  cr_assert_not_null(d->dynamic_reason);
  cr_assert_not_null(strstr(d->dynamic_reason, reason_part), "%s: reason \"%s\" lacks \"%s\"", body,
                     d->dynamic_reason, reason_part);
  cr_assert_gt(d->dynamic_range.line, 0);
  SqlStmtList sl = {0};
  sql_render_ops(arena, &l, &sl);
  bool placeholder = false;
  for (size_t k = 0; k < sl.len; k++)
    if (sl.items[k].dynamic) {
      placeholder = true;
      cr_assert(!strncmp(sl.items[k].sql, "-- dynamic: ", 12), "%s", sl.items[k].sql);
    }
  cr_assert(placeholder, "%s: rendered without a placeholder", body);
}

Test(ops, dynamic_forms) {
  expect_dynamic("    op.add_column(TABLE, sa.Column('a', sa.Integer()))", "table_name");
  expect_dynamic("    op.execute(f\"UPDATE {t} SET a = 1\")", "f-string");
  expect_dynamic("    op.execute(sql)", "SQL is not a literal");
  expect_dynamic("    op.create_table('t', sa.Column('s', status_enum))", "status_enum");
  expect_dynamic("    op.add_column('t', make_column())", "sa.Column");
  expect_dynamic("    op.create_index('ix', 't', cols)", "columns");
  expect_dynamic("    for t in ('a', 'b'):\n        op.drop_table(t)", "for loop");
  expect_dynamic("    helper()", "helper call");
  expect_dynamic("    op.get_bind().execute('SELECT 1')", "get_bind");
  expect_dynamic("    op.create_table('t', *cols)", "");
  expect_dynamic("    op.create_exclude_constraint('ex', 't', ('a', '='))", "not modelled");
  expect_dynamic("    op.add_column('t', sa.Column('a', sa.Enum(Mood, name='mood')))",
                 "enum values");
  expect_dynamic("    op.add_column('t', sa.Column('a', sa.String(N)))", "type arguments");
  expect_dynamic("    op.alter_column('t', 'a', server_default=compute())", "server_default");
  expect_dynamic("    op.bulk_insert(my_table, [{'a': 1}])", "sa.table");
  expect_dynamic("    with op.batch_alter_table('t') as b:\n        b.add_column(col)",
                 "sa.Column");
  expect_dynamic("    op.create_check_constraint('ck', 't', sa.column('a') > 5)", "");
  expect_dynamic(
      "    op.create_table('t', sa.Column('a', sa.Integer()), postgresql_partition_by='RANGE (a)')",
      "postgresql_partition_by");
  expect_dynamic("    op.create_table('t', sa.Column('a', sa.Integer()), prefixes=['TEMPORARY'])",
                 "prefixes");
  expect_dynamic("    op.create_index('ix', 't', ['a'], postgresql_ops={'a': 'text_pattern_ops'})",
                 "postgresql_ops");
  expect_dynamic(
      "    op.create_table('t', sa.Column('a', sa.Integer()), sa.Index('ix', 'a', "
      "postgresql_ops={}))",
      "not modelled");
  expect_dynamic("    op.execute(\"UPDATE t SET a = :v WHERE b = 1\")", "bind parameter :v");
  expect_dynamic("    op.add_column('t', sa.Column('a', sa.Enum('x', 'y')))", "needs a name");
  // Casts and escaped colons are not parameters.
  MigOpList casts = upgrade_of("    op.execute(\"SELECT '1'::int, 'a:b', '\\\\:x'\")");
  cr_assert(casts.is_static, "%s", casts.len ? casts.items[0].dynamic_reason : "");
  MigOpList ti = upgrade_of(
      "    op.create_table('t', sa.Column('a', sa.Integer()), sa.Index('ix', 'a', sa.text('a + "
      "1'), unique=True))");
  cr_assert(ti.is_static);
  cr_assert_eq(ti.items[0].ntable_indexes, 1);
  cr_assert_str_eq(ti.items[0].table_indexes[0].name, "ix");
  cr_assert_eq(ti.items[0].table_indexes[0].nelems, 2);
  cr_assert(ti.items[0].table_indexes[0].elems[1].is_expr);
  cr_assert(ti.items[0].table_indexes[0].unique);
  // Other dialects' options are no reason to refuse.
  MigOpList l =
      upgrade_of("    op.create_table('t', sa.Column('a', sa.Integer()), mysql_engine='InnoDB')");
  cr_assert(l.is_static);
}

Test(ops, kinds_and_names) {
  cr_assert_str_eq(opkind_name(OPK_CREATE_INDEX), "create_index");
  cr_assert_str_eq(opkind_name(OPK_AUTOCOMMIT_BLOCK), "autocommit_block");
  cr_assert_str_eq(opkind_name(OPK_OTHER), "other");
  MigOpList l = upgrade_of("    pass");
  cr_assert_eq(l.len, 0);
  cr_assert(l.is_static);
  cr_assert_null(ops_first_dynamic(&l));
}

Test(ops, types_read_alone) {
  MigOpList l = upgrade_of(
      "    op.add_column('t', sa.Column('a', sa.Float(precision=53)))\n"
      "    op.add_column('t', sa.Column('b', postgresql.TIMESTAMP(timezone=True, precision=3)))\n"
      "    op.add_column('t', sa.Column('c', postgresql.INTERVAL(precision=2)))\n"
      "    op.add_column('t', sa.Column('d', sa.Enum('x', 'yy', name='e', native_enum=False)))\n"
      "    op.add_column('t', sa.Column('e', postgresql.TSVECTOR))\n"
      "    op.add_column('t', sa.Column('f', sa.LargeBinary()))\n");
  cr_assert(l.is_static);
  const char *want[] = {"FLOAT(53)",    "TIMESTAMP(3) WITH TIME ZONE",
                        "INTERVAL (2)", "VARCHAR(2)",
                        "TSVECTOR",     "BYTEA"};
  for (size_t k = 0; k < 6; k++)
    cr_assert_str_eq(sql_render_type(arena, l.items[k].columns[0].type), want[k]);
}
