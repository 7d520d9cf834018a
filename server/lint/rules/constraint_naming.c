/* constraint_naming.c - constraint and index names must match `constraint_naming` (a POSIX
 * extended regex), so that they are predictable across environments. */
#include "server/lint/rule.h"

static void constraint_naming__name(LintCtx *ctx, const char *what, const char *name,
                                    SrcRange where) {
  if (!name || regexec(&ctx->cfg->naming_re, name, 0, NULL, 0) == 0) return;
  lint_report(ctx, where, NULL, "%s name '%s' does not match constraint_naming %s", what, name,
              ctx->cfg->naming);
}

/* One op call, or one op read from SQL. */
static void constraint_naming__op(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_CREATE_INDEX)
    constraint_naming__name(ctx, "index", op->name, lint_at(op, op->name_arg, op->name_range));
  for (size_t k = 0; k < op->ncons; k++) {
    const FoldConstraint *c = &op->cons[k];
    const PyValue *where = c->src && c->src->kind == PV_CALL
                               ? pyvalue_call_arg(c->src, (size_t)-1, "name")
                               : op->name_arg;
    constraint_naming__name(ctx, "constraint", c->name, lint_at(op, where, c->name_range));
  }
}

static void constraint_naming__check(LintCtx *ctx, const FoldOp *op) {
  if (!ctx->cfg->naming) return;
  lint_each_op(ctx, op, constraint_naming__op);
}

const LintRule rule_constraint_naming = {"constraint-naming", "rule_constraint_naming",
                                         SEV_WARNING, false,
                                         "constraint names against the naming pattern",
                                         constraint_naming__check, NULL};
