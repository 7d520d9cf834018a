/* separate_data_migration.c - a data migration (UPDATE, INSERT, DELETE, bulk_insert) in the
 * same revision as schema changes holds the DDL's locks for as long as the data takes. */
#include <string.h>

#include "server/lint/rule.h"

static bool separate_data_migration__ddl(const FoldOp *op) {
  switch (op->kind) {
  case FOP_CREATE_TABLE: case FOP_DROP_TABLE: case FOP_RENAME_TABLE: case FOP_ADD_COLUMN:
  case FOP_DROP_COLUMN: case FOP_ALTER_COLUMN: case FOP_CREATE_INDEX: case FOP_DROP_INDEX:
  case FOP_CREATE_PRIMARY_KEY: case FOP_CREATE_UNIQUE: case FOP_CREATE_FOREIGN_KEY:
  case FOP_CREATE_CHECK: case FOP_DROP_CONSTRAINT:
    return true;
  case FOP_EXECUTE:
    for (size_t k = 0; k < op->nstmts; k++)
      if (lint_sql_is_ddl(&op->stmts[k])) return true;
    return false;
  default:
    return false;
  }
}

/* Rows written into a table created by this same revision (seed data) hold no lock
 * anyone waits for: only data changes on existing tables count. */
static bool separate_data_migration__dml(const LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_BULK_INSERT) return true;
  // `conn = op.get_bind(); conn.execute(...)`: statements run through the connection are
  // how data migrations are written in Python (`my_enum.create(op.get_bind())` is DDL).
  if (op->kind == FOP_DYNAMIC && op->dynamic_reason && strstr(op->dynamic_reason, "get_bind") &&
      op->op && op->op->source && strstr(op->op->source, ".execute("))
    return true;
  if (op->kind != FOP_EXECUTE) return false;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (!lint_sql_is_dml(st)) continue;
    const SchemaTable *t = st->table ? schema_table(ctx->schema, NULL, st->table) : NULL;
    if (!t || !t->is_new) return true;
  }
  return false;
}

static void separate_data_migration__check(LintCtx *ctx) {
  const FoldOp *dml = NULL;
  bool ddl = false;
  for (size_t i = 0; i < ctx->up->len; i++) {
    const FoldOp *op = &ctx->up->items[i];
    if (!dml && separate_data_migration__dml(ctx, op)) dml = op;
    if (separate_data_migration__ddl(op)) ddl = true;
  }
  if (!dml || !ddl) return;
  lint_report(ctx, lint_range(dml, NULL), NULL,
              "data migration mixed with schema changes in one revision: the schema locks are "
              "held while the data changes; move it to its own revision");
}

const LintRule rule_separate_data_migration = {
    "separate-data-migration", "rule_separate_data_migration", SEV_WARNING, false,
    "a data migration mixed into a schema migration", NULL, separate_data_migration__check};
