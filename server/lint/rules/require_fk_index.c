/* require_fk_index.c - a foreign key whose columns have no index makes every DELETE or key
 * UPDATE on the referenced table scan the referencing one. */
#include "server/lint/rule.h"

static void require_fk_index__check(LintCtx *ctx) {
  for (size_t i = 0; i < ctx->up->len; i++) {
    const FoldOp *op = &ctx->up->items[i];
    if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN &&
        op->kind != FOP_CREATE_FOREIGN_KEY)
      continue;
    const SchemaTable *t = schema_table(ctx->schema, op->schema, op->table);
    if (!t) continue; // dropped again later in this revision
    for (size_t k = 0; k < op->ncons; k++) {
      const FoldConstraint *c = &op->cons[k];
      if (c->kind != CON_FOREIGN_KEY || !c->ncols) continue;
      if (schema_table_has_index_on(t, c->cols, c->ncols)) continue;
      lint_report(ctx, lint_range(op, c->src), NULL,
                  "foreign key%s%s on %s(%s%s) has no index: deletes on '%s' will scan '%s'",
                  c->name ? " " : "", c->name ? c->name : "", t->name, c->cols[0],
                  c->ncols > 1 ? ", ..." : "", c->ref_table ? c->ref_table : "?", t->name);
    }
  }
}

const LintRule rule_require_fk_index = {"require-fk-index", "rule_require_fk_index", SEV_WARNING,
                                        false, "foreign key columns without an index", NULL,
                                        require_fk_index__check};
