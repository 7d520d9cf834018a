/* require_where_clause.c - DELETE or UPDATE without WHERE touches every row of the table. */
#include "server/lint/rule.h"

static void require_where_clause__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if ((st->kind == FSQL_DELETE || st->kind == FSQL_UPDATE) && !st->has_where)
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "%s on table '%s' without WHERE changes every row",
                  st->kind == FSQL_DELETE ? "DELETE" : "UPDATE", st->table ? st->table : "?");
  }
}

const LintRule rule_require_where_clause = {"require-where-clause", "rule_require_where_clause",
                                            SEV_ERROR, false, "DELETE / UPDATE without WHERE",
                                            require_where_clause__check, NULL};
