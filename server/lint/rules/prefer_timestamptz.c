/* prefer_timestamptz.c - timestamp without time zone stores wall-clock values whose meaning
 * depends on the writer's time zone. */
#include <string.h>

#include "server/lint/rule.h"

static void prefer_timestamptz__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->type || (strcmp(c->type, "timestamp") != 0 && strncmp(c->type, "timestamp(", 10) != 0))
    return;
  const PyValue *t = c->type_expr;
  const char *fix = NULL;
  if (t && t->text && (t->kind == PV_NAME || (t->kind == PV_CALL && t->nargs == 0)))
    fix = arena_printf(ctx->arena, "%s(timezone=True)", t->text);
  // SQL: timestamp(3) → timestamptz(3), where the type's text is known exactly
  if (op->from_sql && lint_exact(c->type_range))
    fix = arena_printf(ctx->arena, "timestamptz%s", c->type + strlen("timestamp"));
  lint_report(ctx, lint_column_type_range(op, c), fix,
              "column '%s' is timestamp without time zone: use timestamptz "
              "(DateTime(timezone=True))",
              c->name ? c->name : "?");
}

static void prefer_timestamptz__op(LintCtx *ctx, const FoldOp *op) {
  lint_each_column_of(ctx, op, prefer_timestamptz__column);
}

static void prefer_timestamptz__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, prefer_timestamptz__op);
}

const LintRule rule_prefer_timestamptz = {"prefer-timestamptz", "rule_prefer_timestamptz",
                                          SEV_WARNING, false, "timestamp without time zone",
                                          prefer_timestamptz__check, NULL};
