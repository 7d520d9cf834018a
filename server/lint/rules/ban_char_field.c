/* ban_char_field.c - char(n) pads with spaces and is no faster than text or varchar. */
#include <string.h>

#include "server/lint/rule.h"

static void ban_char_field__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->type || strncmp(c->type, "char(", 5) != 0) return;
  // SQL: the type's text inside the string is replaced, when it is known exactly.
  size_t n = strlen(c->type);
  const char *fix =
      !op->from_sql ? arena_printf(ctx->arena, "%sText()", lint_type_prefix(ctx, c->type_expr))
      : lint_exact(c->type_range) ? (n > 2 && !strcmp(c->type + n - 2, "[]") ? "text[]" : "text")
                                  : NULL;
  lint_report(ctx, lint_column_type_range(op, c), fix,
              "column '%s' uses %s: it pads with spaces; use text (with a CHECK on length) or "
              "varchar",
              c->name ? c->name : "?", c->type);
}

static void ban_char_field__op(LintCtx *ctx, const FoldOp *op) {
  lint_each_column_of(ctx, op, ban_char_field__column);
}

static void ban_char_field__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, ban_char_field__op);
}

const LintRule rule_ban_char_field = {"ban-char-field", "rule_ban_char_field", SEV_WARNING, false,
                                      "char(n) columns", ban_char_field__check, NULL};
