/* prefer_bigint_over_int.c - integer keys run out at 2^31; widening a key later rewrites the
 * table and every table that references it. */
#include <string.h>

#include "server/lint/rule.h"

static void prefer_bigint_over_int__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->type || (strcmp(c->type, "integer") != 0 && strcmp(c->type, "smallint") != 0)) return;
  bool pk = c->primary_key;
  for (size_t k = 0; !pk && k < op->ncons; k++)
    if (op->cons[k].kind == CON_PRIMARY_KEY)
      for (size_t j = 0; j < op->cons[k].ncols; j++)
        if (c->name && op->cons[k].cols[j] && !strcmp(op->cons[k].cols[j], c->name)) pk = true;
  bool fk = lint_column_in_fk(op, c->name);
  if (!pk && !fk) return;
  const char *fix = c->type_expr ? arena_printf(ctx->arena, "%sBigInteger()",
                                                lint_type_prefix(ctx, c->type_expr))
                                 : NULL;
  if (op->from_sql && lint_exact(c->type_range)) // serial keeps its sequence: bigserial
    fix = c->type_sql && strcasestr(c->type_sql, "serial") ? "bigserial" : "bigint";
  lint_report(ctx, lint_column_type_range(op, c), fix,
              "%s column '%s' is %s: use bigint before the table grows past 2^31 rows",
              pk ? "key" : "foreign key", c->name ? c->name : "?", c->type);
}

static void prefer_bigint_over_int__op(LintCtx *ctx, const FoldOp *op) {
  lint_each_column_of(ctx, op, prefer_bigint_over_int__column);
}

static void prefer_bigint_over_int__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, prefer_bigint_over_int__op);
}

const LintRule rule_prefer_bigint_over_int = {
    "prefer-bigint-over-int", "rule_prefer_bigint_over_int", SEV_WARNING, false,
    "integer primary and foreign keys", prefer_bigint_over_int__check, NULL};
