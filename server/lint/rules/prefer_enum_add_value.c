/* prefer_enum_add_value.c - dropping (or renaming away) an enum type and creating it again
 * rewrites every column using it; ALTER TYPE ... ADD VALUE only touches the catalog. */
#include <string.h>

#include "server/lint/rule.h"

static bool prefer_enum_add_value__has(const char *const *v, size_t n, const char *x) {
  for (size_t k = 0; k < n; k++)
    if (!strcmp(v[k], x)) return true;
  return false;
}

static void prefer_enum_add_value__check(LintCtx *ctx) {
  const char *freed[32];
  size_t nfreed = 0;
  for (size_t i = 0; i < ctx->up->len; i++) {
    const FoldOp *op = &ctx->up->items[i];
    if (op->kind != FOP_EXECUTE) continue;
    for (size_t k = 0; k < op->nstmts; k++) {
      const FoldSql *st = &op->stmts[k];
      if ((st->kind == FSQL_DROP_TYPE || st->kind == FSQL_ALTER_TYPE_RENAME) && st->object &&
          nfreed < 32)
        freed[nfreed++] = st->object;
      if (st->kind != FSQL_CREATE_ENUM || !st->object) continue;
      bool recreated = false;
      for (size_t j = 0; j < nfreed; j++)
        if (!strcmp(freed[j], st->object)) recreated = true;
      if (!recreated) continue;
      // Removing values needs a new type; only a pure addition should use ADD VALUE.
      const SchemaEnum *old = schema_enum(ctx->before, NULL, st->object);
      bool superset = true;
      for (size_t j = 0; old && j < old->nvalues; j++)
        if (!prefer_enum_add_value__has(st->values, st->nvalues, old->values[j])) superset = false;
      if (!superset) continue;
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "enum type '%s' is recreated to add values: use ALTER TYPE %s ADD VALUE "
                  "(in autocommit_block()) instead of rewriting every column that uses it",
                  st->object, st->object);
    }
  }
}

const LintRule rule_prefer_enum_add_value = {
    "prefer-enum-add-value", "rule_prefer_enum_add_value", SEV_WARNING, false,
    "recreating an enum type instead of ALTER TYPE ... ADD VALUE", NULL,
    prefer_enum_add_value__check};
