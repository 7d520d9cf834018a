/* raw_sql_without_guard.c - raw DDL in op.execute without IF NOT EXISTS / IF EXISTS fails
 * when a previous, partly applied attempt already made (or removed) the object. */
#include "server/lint/rule.h"

static void raw_sql_without_guard__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    const char *need = NULL;
    switch (st->kind) {
    case FSQL_CREATE_TABLE: case FSQL_CREATE_INDEX: case FSQL_ALTER_TYPE_ADD_VALUE:
      if (!st->if_not_exists) need = "IF NOT EXISTS";
      break;
    case FSQL_CREATE_OTHER:
      if (!st->if_not_exists && !lint_has_word(st->text, "replace")) need = "IF NOT EXISTS or OR REPLACE";
      break;
    case FSQL_DROP_TABLE: case FSQL_DROP_INDEX: case FSQL_DROP_TYPE: case FSQL_DROP_OTHER:
      if (!st->if_exists) need = "IF EXISTS";
      break;
    default:
      break;
    }
    if (need)
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "raw SQL without %s fails when it is run again after a partial attempt", need);
  }
}

const LintRule rule_raw_sql_without_guard = {
    "raw-sql-without-guard", "rule_raw_sql_without_guard", SEV_WARNING, true,
    "raw DDL without IF NOT EXISTS / IF EXISTS guards", raw_sql_without_guard__check, NULL};
