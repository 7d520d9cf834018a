/* ban_drop_table.c - dropping a table loses its data and breaks code still using it. */
#include "server/lint/rule.h"

static void ban_drop_table__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_DROP_TABLE) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), NULL,
                "dropping table '%s' loses its data and breaks code that still uses it",
                op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_DROP_TABLE && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "DROP TABLE %s loses its data and breaks code that still uses it",
                  st->table ? st->table : "");
  }
}

const LintRule rule_ban_drop_table = {"ban-drop-table", "rule_ban_drop_table", SEV_WARNING, false,
                                      "dropping a table", ban_drop_table__check, NULL};
