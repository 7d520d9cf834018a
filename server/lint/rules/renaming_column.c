/* renaming_column.c - a renamed column breaks every running client that uses the old name. */
#include "server/lint/rule.h"

static void renaming_column__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_ALTER_COLUMN && op->new_name) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), NULL,
                "renaming column '%s' of table '%s' to '%s' breaks running code that uses the "
                "old name",
                op->name ? op->name : "?", op->table ? op->table : "?", op->new_name);
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->rename_column && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "RENAME COLUMN on table '%s' breaks running code that uses the old name",
                  st->table);
  }
}

const LintRule rule_renaming_column = {"renaming-column", "rule_renaming_column", SEV_WARNING,
                                       false, "renaming a column", renaming_column__check, NULL};
