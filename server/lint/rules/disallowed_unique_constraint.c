/* disallowed_unique_constraint.c - ADD CONSTRAINT ... UNIQUE builds its index while blocking
 * writes; build a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX. */
#include "server/lint/rule.h"

static void disallowed_unique_constraint__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_CREATE_UNIQUE) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), NULL,
                "adding unique constraint '%s' to existing table '%s' builds its index while "
                "blocking writes: create a unique index CONCURRENTLY instead",
                op->name ? op->name : "?", op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->add_unique && !st->using_index &&
        lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, st->range.line ? st->range : lint_range(op, op->sql_arg), NULL,
                  "ADD CONSTRAINT ... UNIQUE on existing table '%s' builds its index while "
                  "blocking writes: use CREATE UNIQUE INDEX CONCURRENTLY and USING INDEX",
                  st->table);
  }
}

const LintRule rule_disallowed_unique_constraint = {
    "disallowed-unique-constraint", "rule_disallowed_unique_constraint", SEV_ERROR, false,
    "adding a unique constraint instead of a unique index built concurrently",
    disallowed_unique_constraint__check, NULL};
