/* require_fk_index.c - a foreign key whose columns have no index makes every DELETE or key
 * UPDATE on the referenced table scan the referencing one. */
#include "server/lint/rule.h"

/* One op call, or one op read from op.execute's SQL; the schema is the one after upgrade(). */
static void require_fk_index__op(LintCtx *ctx, const FoldOp *op) {
  if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN &&
      op->kind != FOP_CREATE_FOREIGN_KEY)
    return;
  const SchemaTable *t = schema_table(ctx->schema, op->schema, op->table);
  if (!t) return; // dropped again later in this revision
  for (size_t k = 0; k < op->ncons; k++) {
    const FoldConstraint *c = &op->cons[k];
    if (c->kind != CON_FOREIGN_KEY || !c->ncols) continue;
    if (schema_table_has_index_on(t, c->cols, c->ncols)) continue;
    lint_report(ctx, lint_constraint_range(op, c), NULL,
                "foreign key%s%s on %s(%s%s) has no index: deletes on '%s' will scan '%s'",
                c->name ? " " : "", c->name ? c->name : "", t->name, c->cols[0],
                c->ncols > 1 ? ", ..." : "", c->ref_table ? c->ref_table : "?", t->name);
  }
}

static void require_fk_index__check(LintCtx *ctx) {
  lint_each_upgrade_op(ctx, require_fk_index__op);
}

const LintRule rule_require_fk_index = {"require-fk-index", "rule_require_fk_index", SEV_WARNING,
                                        false, "foreign key columns without an index", NULL,
                                        require_fk_index__check};
