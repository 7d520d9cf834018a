/* ban_concurrent_index_creation_in_transaction.c - CREATE/DROP INDEX CONCURRENTLY cannot run
 * inside a transaction block: Alembic must run it in autocommit_block(). */
#include "server/lint/rule.h"

static void ban_concurrent_index_creation_in_transaction__check(LintCtx *ctx, const FoldOp *op) {
  if (op->in_autocommit) return;
  if ((op->kind == FOP_CREATE_INDEX || op->kind == FOP_DROP_INDEX) && op->concurrently) {
    lint_report(ctx, lint_kwarg_range(ctx, op, op->concurrently_arg), NULL,
                "%s index '%s' CONCURRENTLY inside the migration's transaction fails: wrap it "
                "in `with op.get_context().autocommit_block():`",
                op->kind == FOP_CREATE_INDEX ? "creating" : "dropping", op->name ? op->name : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if ((st->kind == FSQL_CREATE_INDEX || st->kind == FSQL_DROP_INDEX) && st->concurrently)
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "%s INDEX CONCURRENTLY inside the migration's transaction fails: wrap it in "
                  "`with op.get_context().autocommit_block():`",
                  st->kind == FSQL_CREATE_INDEX ? "CREATE" : "DROP");
  }
}

const LintRule rule_ban_concurrent_index_creation_in_transaction = {
    "ban-concurrent-index-creation-in-transaction",
    "rule_ban_concurrent_index_creation_in_transaction", SEV_ERROR, false,
    "CONCURRENTLY outside autocommit_block()", ban_concurrent_index_creation_in_transaction__check,
    NULL};
