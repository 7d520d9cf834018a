/* require_concurrent_index_deletion.c - DROP INDEX without CONCURRENTLY takes an ACCESS
 * EXCLUSIVE lock on the index's table. */
#include "server/lint/rule.h"

static void require_concurrent_index_deletion__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_DROP_INDEX && !op->concurrently) {
    SchemaTable *t = NULL;
    schema_index(ctx->schema, op->schema, op->name, &t);
    const char *table = t ? t->name : op->table;
    if (t ? t->is_new : !lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL),
                lint_fix_add_kwarg(ctx, op, "postgresql_concurrently=True"),
                "dropping index '%s'%s%s without CONCURRENTLY locks the table against reads "
                "and writes",
                op->name ? op->name : "?", table ? " of table " : "", table ? table : "");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind != FSQL_DROP_INDEX || st->concurrently) continue;
    SchemaTable *t = NULL;
    schema_index(ctx->schema, NULL, st->object, &t);
    if (t && t->is_new) continue;
    lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                "DROP INDEX %s without CONCURRENTLY locks the table against reads and writes",
                st->object ? st->object : "");
  }
}

const LintRule rule_require_concurrent_index_deletion = {
    "require-concurrent-index-deletion", "rule_require_concurrent_index_deletion", SEV_WARNING,
    false, "dropping an index without CONCURRENTLY", require_concurrent_index_deletion__check,
    NULL};
