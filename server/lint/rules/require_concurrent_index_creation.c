/* require_concurrent_index_creation.c - CREATE INDEX without CONCURRENTLY blocks writes to
 * the table until the index is built. */
#include "server/lint/rule.h"

static void require_concurrent_index_creation__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_CREATE_INDEX && !op->concurrently) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL),
                lint_fix_add_kwarg(ctx, op, "postgresql_concurrently=True"),
                "creating index '%s' on existing table '%s' without CONCURRENTLY blocks writes "
                "while it builds",
                op->name ? op->name : "?", op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_CREATE_INDEX && !st->concurrently && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "CREATE INDEX on existing table '%s' without CONCURRENTLY blocks writes while "
                  "it builds",
                  st->table ? st->table : "?");
  }
}

const LintRule rule_require_concurrent_index_creation = {
    "require-concurrent-index-creation", "rule_require_concurrent_index_creation", SEV_ERROR,
    false, "creating an index on an existing table without CONCURRENTLY",
    require_concurrent_index_creation__check, NULL};
