/* column_group.c - columns configured as a group (`column_groups = is_deleted, deleted_at`)
 * must be added together: a table with only part of the group breaks shared code. */
#include <string.h>

#include "server/lint/rule.h"

/* The first op (an op call, or one read from op.execute's SQL) and column of this revision
 * that adds `name` to `table`, or NULL. */
static const FoldColumn *column_group__in(const FoldOp *op, const char *table, const char *name,
                                          const FoldOp **op_out) {
  if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN) return NULL;
  if (!op->table || strcmp(op->table, table) != 0) return NULL;
  for (size_t k = 0; k < op->ncols; k++)
    if (op->cols[k].name && !strcmp(op->cols[k].name, name)) {
      *op_out = op;
      return &op->cols[k];
    }
  return NULL;
}

static const FoldColumn *column_group__added(const LintCtx *ctx, const char *table,
                                             const char *name, const FoldOp **op_out) {
  for (size_t i = 0; i < ctx->up->len; i++) {
    const FoldOp *op = &ctx->up->items[i];
    const FoldColumn *c = column_group__in(op, table, name, op_out);
    for (size_t k = 0; !c && op->kind == FOP_EXECUTE && k < op->nstmts; k++)
      for (size_t j = 0; !c && j < op->stmts[k].nops; j++)
        c = column_group__in(&op->stmts[k].ops[j], table, name, op_out);
    if (c) return c;
  }
  return NULL;
}

static void column_group__check(LintCtx *ctx) {
  for (size_t g = 0; g < ctx->cfg->ngroups; g++) {
    const ColumnGroup *grp = &ctx->cfg->groups[g];
    for (size_t t = 0; t < ctx->schema->ntables; t++) {
      const SchemaTable *tab = ctx->schema->tables[t];
      const FoldOp *op = NULL;
      const FoldColumn *first = NULL;
      for (size_t k = 0; k < grp->ncols && !first; k++)
        first = column_group__added(ctx, tab->name, grp->cols[k], &op);
      if (!first) continue;
      for (size_t k = 0; k < grp->ncols; k++) {
        if (schema_column(tab, grp->cols[k])) continue;
        lint_report(ctx, lint_column_range(op, first), NULL,
                    "column '%s' of table '%s' belongs to a group: '%s' must be added with it",
                    first->name, tab->name, grp->cols[k]);
      }
    }
  }
}

const LintRule rule_column_group = {"column-group", "rule_column_group", SEV_ERROR, false,
                                    "columns of a configured group added without the others",
                                    NULL, column_group__check};
