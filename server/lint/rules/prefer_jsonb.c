/* prefer_jsonb.c - json stores text and re-parses it on every access; jsonb is indexable. */
#include <string.h>

#include "server/lint/rule.h"

static void prefer_jsonb__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->type || strcmp(c->type, "json") != 0) return;
  // The fix needs the postgresql dialect module under that name.
  bool has_pg = ctx->src && strstr(ctx->src, "import postgresql");
  lint_report(ctx, lint_range(op, c->type_expr ? c->type_expr : c->expr),
              has_pg ? "postgresql.JSONB()" : NULL,
              "column '%s' uses json: use jsonb (binary, indexable, no re-parsing)",
              c->name ? c->name : "?");
}

static void prefer_jsonb__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_column(ctx, op, prefer_jsonb__column);
}

const LintRule rule_prefer_jsonb = {"prefer-jsonb", "rule_prefer_jsonb", SEV_WARNING, false,
                                    "json instead of jsonb", prefer_jsonb__check, NULL};
