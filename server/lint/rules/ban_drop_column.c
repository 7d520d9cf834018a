/* ban_drop_column.c - dropping a column loses its data and breaks code still reading it. */
#include "server/lint/rule.h"

static void ban_drop_column__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_DROP_COLUMN) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), NULL,
                "dropping column '%s' of table '%s' loses its data and breaks code that still "
                "reads it",
                op->name ? op->name : "?", op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->drop_column && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "DROP COLUMN on table '%s' loses its data and breaks code that still reads it",
                  st->table);
  }
}

const LintRule rule_ban_drop_column = {"ban-drop-column", "rule_ban_drop_column", SEV_WARNING,
                                       false, "dropping a column", ban_drop_column__check, NULL};
