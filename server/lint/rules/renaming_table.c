/* renaming_table.c - a renamed table breaks every running client that uses the old name. */
#include "server/lint/rule.h"

static void renaming_table__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_RENAME_TABLE) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), NULL,
                "renaming table '%s' to '%s' breaks running code that uses the old name",
                op->table ? op->table : "?", op->new_name ? op->new_name : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->rename && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "ALTER TABLE %s RENAME TO breaks running code that uses the old name", st->table);
  }
}

const LintRule rule_renaming_table = {"renaming-table", "rule_renaming_table", SEV_WARNING, false,
                                      "renaming a table", renaming_table__check, NULL};
