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
  lint_report(ctx, lint_range(op, t ? t : c->expr), fix,
              "column '%s' is timestamp without time zone: use timestamptz "
              "(DateTime(timezone=True))",
              c->name ? c->name : "?");
}

static void prefer_timestamptz__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_column(ctx, op, prefer_timestamptz__column);
}

const LintRule rule_prefer_timestamptz = {"prefer-timestamptz", "rule_prefer_timestamptz",
                                          SEV_WARNING, false, "timestamp without time zone",
                                          prefer_timestamptz__check, NULL};
