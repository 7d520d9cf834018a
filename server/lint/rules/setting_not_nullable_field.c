/* setting_not_nullable_field.c - ALTER COLUMN ... SET NOT NULL scans the whole table under
 * an ACCESS EXCLUSIVE lock. */
#include "server/lint/rule.h"

static void setting_not_nullable_field__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_ALTER_COLUMN && op->nullable == 0) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    const SchemaTable *t = schema_table(ctx->schema, op->schema, op->table);
    const SchemaColumn *c = schema_column(t, op->name);
    if (c && !c->nullable) return; // already NOT NULL: nothing to check
    lint_report(ctx, lint_kwarg_range(ctx, op, op->nullable_arg), NULL,
                "setting column '%s' of existing table '%s' NOT NULL scans the table under an "
                "ACCESS EXCLUSIVE lock",
                op->name ? op->name : "?", op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->set_not_null && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "SET NOT NULL on existing table '%s' scans the table under an ACCESS "
                  "EXCLUSIVE lock",
                  st->table);
  }
}

const LintRule rule_setting_not_nullable_field = {
    "setting-not-nullable-field", "rule_setting_not_nullable_field", SEV_ERROR, false,
    "setting NOT NULL on a column of an existing table", setting_not_nullable_field__check, NULL};
