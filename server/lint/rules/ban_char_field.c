/* ban_char_field.c - char(n) pads with spaces and is no faster than text or varchar. */
#include <string.h>

#include "server/lint/rule.h"

static void ban_char_field__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->type || strncmp(c->type, "char(", 5) != 0) return;
  lint_report(ctx, lint_range(op, c->type_expr ? c->type_expr : c->expr),
              arena_printf(ctx->arena, "%sText()", lint_type_prefix(ctx, c->type_expr)),
              "column '%s' uses %s: it pads with spaces; use text (with a CHECK on length) or "
              "varchar",
              c->name ? c->name : "?", c->type);
}

static void ban_char_field__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_column(ctx, op, ban_char_field__column);
}

const LintRule rule_ban_char_field = {"ban-char-field", "rule_ban_char_field", SEV_WARNING, false,
                                      "char(n) columns", ban_char_field__check, NULL};
