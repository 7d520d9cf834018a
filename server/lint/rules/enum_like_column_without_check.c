/* enum_like_column_without_check.c - a status-like string column (`enum_like_columns`)
 * with no CHECK constraint accepts any typo as a state. */
#include <string.h>

#include "server/lint/rule.h"

static bool enum_like_column_without_check__stringy(const char *type) {
  return type && (!strncmp(type, "varchar", 7) || !strcmp(type, "text") || !strncmp(type, "char(", 5));
}

/* One op call, or one op read from op.execute's SQL; the schema is the one after upgrade(),
 * so a CHECK added later in the revision (by op or SQL) counts. */
static void enum_like_column_without_check__op(LintCtx *ctx, const FoldOp *op) {
  if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN) return;
  const SchemaTable *t = schema_table(ctx->schema, op->schema, op->table);
  if (!t) return;
  for (size_t k = 0; k < op->ncols; k++) {
    const FoldColumn *c = &op->cols[k];
    if (!c->name || !enum_like_column_without_check__stringy(c->type)) continue;
    if (!lint_name_matches(ctx->cfg->enum_like, ctx->cfg->nenum_like, c->name)) continue;
    bool checked = false;
    for (size_t j = 0; j < t->ncons && !checked; j++)
      checked = t->cons[j]->kind == CON_CHECK && t->cons[j]->expr &&
                lint_has_word(t->cons[j]->expr, c->name);
    if (checked) continue;
    lint_report(ctx, lint_column_range(op, c), NULL,
                "string column '%s' of table '%s' holds enum-like values but no CHECK "
                "constraint limits them",
                c->name, t->name);
  }
}

static void enum_like_column_without_check__check(LintCtx *ctx) {
  lint_each_upgrade_op(ctx, enum_like_column_without_check__op);
}

const LintRule rule_enum_like_column_without_check = {
    "enum-like-column-without-check", "rule_enum_like_column_without_check", SEV_WARNING, false,
    "status-like string columns without a CHECK constraint", NULL,
    enum_like_column_without_check__check};
