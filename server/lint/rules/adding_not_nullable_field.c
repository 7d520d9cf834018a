/* adding_not_nullable_field.c - ADD COLUMN ... NOT NULL without a server default fails as
 * soon as the table has a row. */
#include "server/lint/rule.h"

static void adding_not_nullable_field__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_ADD_COLUMN && op->ncols == 1) {
    const FoldColumn *c = &op->cols[0];
    if (c->nullable || c->server_default || c->identity) return;
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, (c->nullable_arg ? lint_kwarg_range(ctx, op, c->nullable_arg) : lint_range(op, c->expr)), NULL,
                "adding NOT NULL column '%s' to existing table '%s' without a server_default "
                "fails when the table has rows",
                c->name ? c->name : "?", op->table);
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->add_column_not_null && !st->add_column_default &&
        lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "ADD COLUMN ... NOT NULL without DEFAULT on existing table '%s' fails when "
                  "the table has rows",
                  st->table);
  }
}

const LintRule rule_adding_not_nullable_field = {
    "adding-not-nullable-field", "rule_adding_not_nullable_field", SEV_ERROR, false,
    "adding a NOT NULL column without a server default to an existing table",
    adding_not_nullable_field__check, NULL};
