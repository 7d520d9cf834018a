/* unnamed_constraint.c - a constraint without a name gets one PostgreSQL chooses, so the
 * downgrade (drop_constraint needs a name) cannot be written reliably. */
#include "server/lint/rule.h"

static const char *unnamed_constraint__sql_kind(const FoldOp *op) {
  switch (op->kind) {
  case FOP_CREATE_UNIQUE: return "UNIQUE";
  case FOP_CREATE_FOREIGN_KEY: return "FOREIGN KEY";
  default: return "CHECK";
  }
}

/* One op call, or one op read from SQL. */
static void unnamed_constraint__op(LintCtx *ctx, const FoldOp *op) {
  bool create_op = op->kind == FOP_CREATE_UNIQUE || op->kind == FOP_CREATE_FOREIGN_KEY ||
                   op->kind == FOP_CREATE_CHECK || op->kind == FOP_CREATE_PRIMARY_KEY;
  if (create_op) {
    if (op->name || op->dynamic) return;
    if (op->from_sql) {
      // ADD PRIMARY KEY is named <table>_pkey, predictably; the others are not.
      if (op->kind == FOP_CREATE_PRIMARY_KEY || !op->ncons) return;
      lint_report(ctx, lint_constraint_range(op, &op->cons[0]), NULL,
                  "ADD %s without a name on table '%s': PostgreSQL picks one and the downgrade "
                  "cannot drop it by name",
                  unnamed_constraint__sql_kind(op), op->table ? op->table : "?");
      return;
    }
    lint_report(ctx, lint_range(op, op->name_arg), NULL,
                "%s without a name: PostgreSQL picks one and the downgrade cannot drop it by name",
                op->method);
    return;
  }
  if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN) return;
  for (size_t k = 0; k < op->ncons; k++) {
    const FoldConstraint *c = &op->cons[k];
    // Primary keys are named <table>_pkey, predictably; a column's unique=True or
    // ForeignKey() and explicit constraint objects (or their SQL) are not.
    if (c->name || c->kind == CON_PRIMARY_KEY || (!c->src && !op->from_sql)) continue;
    lint_report(ctx, lint_constraint_range(op, c), NULL,
                "unnamed %s constraint on table '%s': give it a name so the downgrade can drop it",
                constraint_kind_name(c->kind), op->table ? op->table : "?");
  }
}

static void unnamed_constraint__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, unnamed_constraint__op);
}

const LintRule rule_unnamed_constraint = {"unnamed-constraint", "rule_unnamed_constraint",
                                          SEV_WARNING, false, "constraints without a name",
                                          unnamed_constraint__check, NULL};
