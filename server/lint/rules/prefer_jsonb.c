/* prefer_jsonb.c - json stores text and re-parses it on every access; jsonb is indexable. */
#include <string.h>

#include "server/lint/rule.h"

static void prefer_jsonb__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->type || strcmp(c->type, "json") != 0) return;
  // The fix needs the postgresql dialect module under that name.
  bool has_pg = ctx->src && strstr(ctx->src, "import postgresql");
  const char *fix = op->from_sql ? (lint_exact(c->type_range) ? "jsonb" : NULL)
                    : has_pg     ? "postgresql.JSONB()"
                                 : NULL;
  lint_report(ctx, lint_column_type_range(op, c), fix,
              "column '%s' uses json: use jsonb (binary, indexable, no re-parsing)",
              c->name ? c->name : "?");
}

static void prefer_jsonb__op(LintCtx *ctx, const FoldOp *op) {
  lint_each_column_of(ctx, op, prefer_jsonb__column);
}

static void prefer_jsonb__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, prefer_jsonb__op);
}

const LintRule rule_prefer_jsonb = {"prefer-jsonb", "rule_prefer_jsonb", SEV_WARNING, false,
                                    "json instead of jsonb", prefer_jsonb__check, NULL};
