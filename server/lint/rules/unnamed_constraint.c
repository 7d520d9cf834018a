/* unnamed_constraint.c - a constraint without a name gets one PostgreSQL chooses, so the
 * downgrade (drop_constraint needs a name) cannot be written reliably. */
#include "server/lint/rule.h"

static void unnamed_constraint__check(LintCtx *ctx, const FoldOp *op) {
  bool create_op = op->kind == FOP_CREATE_UNIQUE || op->kind == FOP_CREATE_FOREIGN_KEY ||
                   op->kind == FOP_CREATE_CHECK || op->kind == FOP_CREATE_PRIMARY_KEY;
  if (create_op) {
    if (op->name || op->dynamic) return;
    lint_report(ctx, lint_range(op, op->name_arg), NULL,
                "%s without a name: PostgreSQL picks one and the downgrade cannot drop it by name",
                op->method);
    return;
  }
  if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN) return;
  for (size_t k = 0; k < op->ncons; k++) {
    const FoldConstraint *c = &op->cons[k];
    // Primary keys are named <table>_pkey, predictably; a column's unique=True or
    // ForeignKey() and explicit constraint objects are not.
    if (c->name || c->kind == CON_PRIMARY_KEY || !c->src) continue;
    lint_report(ctx, lint_range(op, c->src), NULL,
                "unnamed %s constraint on table '%s': give it a name so the downgrade can drop it",
                constraint_kind_name(c->kind), op->table ? op->table : "?");
  }
}

const LintRule rule_unnamed_constraint = {"unnamed-constraint", "rule_unnamed_constraint",
                                          SEV_WARNING, false, "constraints without a name",
                                          unnamed_constraint__check, NULL};
