/* walk.c - what rules iterate: op calls and the ops their SQL reads as (FoldSql.ops), and
 * the ranges of the parts of either, so that a rule written for op calls judges the same
 * change made with op.execute("...") / sa.text("...") too. */
#include "server/lint/rule.h"

void lint_each_op(LintCtx *ctx, const FoldOp *op, LintOpFn fn) {
  fn(ctx, op);
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++)
    for (size_t j = 0; j < op->stmts[k].nops; j++) fn(ctx, &op->stmts[k].ops[j]);
}

void lint_each_upgrade_op(LintCtx *ctx, LintOpFn fn) {
  for (size_t i = 0; i < ctx->up->len; i++) lint_each_op(ctx, &ctx->up->items[i], fn);
}

void lint_each_column_of(LintCtx *ctx, const FoldOp *op, LintColumnFn fn) {
  // ALTER COLUMN ... TYPE read from SQL carries its column, with where the type is written.
  if (op->from_sql && op->kind == FOP_ALTER_COLUMN) {
    if (op->ncols == 1 && op->cols[0].type) fn(ctx, op, &op->cols[0]);
    return;
  }
  lint_each_column(ctx, op, fn);
}

SrcRange lint_at(const FoldOp *op, const PyValue *v, SrcRange sql) {
  if (v && v->range.line) return v->range;
  if (sql.line) return sql;
  if (op->from_sql && op->sql_range.line) return op->sql_range;
  return lint_range(op, NULL);
}

SrcRange lint_column_range(const FoldOp *op, const FoldColumn *c) {
  return lint_at(op, c->expr, c->range);
}

SrcRange lint_column_type_range(const FoldOp *op, const FoldColumn *c) {
  if (c->type_expr && c->type_expr->range.line) return c->type_expr->range;
  if (c->type_range.line) return c->type_range;
  return lint_column_range(op, c);
}

SrcRange lint_constraint_range(const FoldOp *op, const FoldConstraint *c) {
  return lint_at(op, c->src, c->range);
}

bool lint_exact(SrcRange r) { return r.line != 0; }
