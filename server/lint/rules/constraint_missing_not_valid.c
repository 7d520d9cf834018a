/* constraint_missing_not_valid.c - adding a FOREIGN KEY or CHECK constraint validates every
 * row while holding a lock that blocks writes; NOT VALID + VALIDATE CONSTRAINT does not. */
#include "server/lint/rule.h"

static void constraint_missing_not_valid__check(LintCtx *ctx, const FoldOp *op) {
  if ((op->kind == FOP_CREATE_FOREIGN_KEY || op->kind == FOP_CREATE_CHECK) && op->ncons == 1) {
    if (op->cons[0].not_valid || !lint_table_existing(ctx, op->schema, op->table)) return;
    lint_report(ctx, lint_range(op, NULL), lint_fix_add_kwarg(ctx, op, "postgresql_not_valid=True"),
                "adding %s constraint '%s' to existing table '%s' validates every row while "
                "blocking writes: add it NOT VALID, then VALIDATE CONSTRAINT",
                op->kind == FOP_CREATE_CHECK ? "check" : "foreign key", op->name ? op->name : "?",
                op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && (st->add_fk || st->add_check) && !st->not_valid &&
        lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "ADD CONSTRAINT ... %s on existing table '%s' without NOT VALID validates "
                  "every row while blocking writes",
                  st->add_fk ? "FOREIGN KEY" : "CHECK", st->table);
  }
}

const LintRule rule_constraint_missing_not_valid = {
    "constraint-missing-not-valid", "rule_constraint_missing_not_valid", SEV_ERROR, false,
    "adding a foreign key or check constraint without NOT VALID",
    constraint_missing_not_valid__check, NULL};
