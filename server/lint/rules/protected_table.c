/* protected_table.c - tables listed in `protected_tables` (an audit log guarded by a
 * trigger, ...) must never lose rows or be dropped by a migration. */
#include <string.h>

#include "server/lint/rule.h"

static bool protected_table__is(const LintCtx *ctx, const char *table) {
  for (size_t k = 0; table && k < ctx->cfg->nprotected; k++)
    if (!strcmp(ctx->cfg->protected_tables[k], table)) return true;
  return false;
}

static void protected_table__check(LintCtx *ctx, const FoldOp *op) {
  if ((op->kind == FOP_DROP_TABLE || op->kind == FOP_DROP_COLUMN) &&
      protected_table__is(ctx, op->table)) {
    lint_report(ctx, lint_range(op, NULL), NULL, "table '%s' is protected: %s is not allowed",
                op->table, op->method);
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    const char *what = st->kind == FSQL_DELETE     ? "DELETE"
                       : st->kind == FSQL_TRUNCATE ? "TRUNCATE"
                       : st->kind == FSQL_DROP_TABLE ? "DROP TABLE"
                       : st->kind == FSQL_ALTER_TABLE && st->drop_column ? "DROP COLUMN"
                                                                           : NULL;
    if (what && protected_table__is(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "table '%s' is protected: %s is not allowed", st->table, what);
  }
}

const LintRule rule_protected_table = {"protected-table", "rule_protected_table", SEV_ERROR, false,
                                       "DELETE, TRUNCATE or DROP on a protected table",
                                       protected_table__check, NULL};
