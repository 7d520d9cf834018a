/* prefer_enum_add_value.c - dropping (or renaming away) an enum type and creating it again
 * rewrites every column using it; ALTER TYPE ... ADD VALUE only touches the catalog. */
#include <string.h>

#include "server/lint/rule.h"

static bool prefer_enum_add_value__has(const char *const *v, size_t n, const char *x) {
  for (size_t k = 0; k < n; k++)
    if (!strcmp(v[k], x)) return true;
  return false;
}

/* The type `name` as it was before this revision freed the name (dropped it, or renamed it
 * away), looking at the statements before `upto` (op index, statement index). Sets *freed
 * when the name was freed; returns the old type when the schema still knows it. */
static const SchemaEnum *prefer_enum_add_value__old(const LintCtx *ctx, size_t upto_op,
                                                    size_t upto_stmt, const char *name,
                                                    bool *freed) {
  const SchemaEnum *old = NULL;
  *freed = false;
  for (size_t i = 0; i <= upto_op; i++) {
    const FoldOp *op = &ctx->up->items[i];
    if (op->kind != FOP_EXECUTE) continue;
    size_t end = i == upto_op ? upto_stmt : op->nstmts;
    for (size_t k = 0; k < end; k++) {
      const FoldSql *st = &op->stmts[k];
      if (!st->object || strcmp(st->object, name) != 0) continue;
      if (st->kind == FSQL_DROP_TYPE) {
        *freed = true;
        old = NULL;
      } else if (st->kind == FSQL_ALTER_TYPE_RENAME) {
        *freed = true;
        // Renamed in an earlier op: the schema (folded up to this op) has the new name.
        old = st->new_name ? schema_enum(ctx->schema, NULL, st->new_name) : NULL;
      }
    }
  }
  // Freed within the current op: the schema has not seen that statement yet; freed by
  // an earlier drop: the type as the revision found it.
  if (*freed && !old) old = schema_enum(ctx->schema, NULL, name);
  if (*freed && !old) old = schema_enum(ctx->before_enums, NULL, name);
  return old;
}

static void prefer_enum_add_value__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind != FOP_EXECUTE) return;
  size_t idx = (size_t)(op - ctx->up->items);
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind != FSQL_CREATE_ENUM || !st->object) continue;
    bool freed;
    const SchemaEnum *old = prefer_enum_add_value__old(ctx, idx, k, st->object, &freed);
    if (!freed) continue;
    // Removing values needs a new type; only a pure addition should use ADD VALUE.
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

const LintRule rule_prefer_enum_add_value = {
    "prefer-enum-add-value", "rule_prefer_enum_add_value", SEV_WARNING, false,
    "recreating an enum type instead of ALTER TYPE ... ADD VALUE", prefer_enum_add_value__check,
    NULL};
