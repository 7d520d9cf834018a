/* adding_primary_key_constraint.c - ADD PRIMARY KEY builds an index and may set NOT NULL,
 * all under an ACCESS EXCLUSIVE lock. */
#include "server/lint/rule.h"

static void adding_primary_key_constraint__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_CREATE_PRIMARY_KEY) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), NULL,
                "adding primary key '%s' to existing table '%s' builds its index under an "
                "ACCESS EXCLUSIVE lock",
                op->name ? op->name : "?", op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->add_pk && !st->using_index &&
        lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, st->range.line ? st->range : lint_range(op, op->sql_arg), NULL,
                  "ADD PRIMARY KEY on existing table '%s' builds its index under an ACCESS "
                  "EXCLUSIVE lock: build a unique index CONCURRENTLY and use USING INDEX",
                  st->table);
  }
}

const LintRule rule_adding_primary_key_constraint = {
    "adding-primary-key-constraint", "rule_adding_primary_key_constraint", SEV_ERROR, false,
    "adding a primary key to an existing table", adding_primary_key_constraint__check, NULL};
