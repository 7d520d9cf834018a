/* enum_like_column_without_check.c - a status-like string column (`enum_like_columns`)
 * with no CHECK constraint accepts any typo as a state. */
#include <string.h>

#include "server/lint/rule.h"

static bool enum_like_column_without_check__stringy(const char *type) {
  return type && (!strncmp(type, "varchar", 7) || !strcmp(type, "text") || !strncmp(type, "char(", 5));
}

static void enum_like_column_without_check__check(LintCtx *ctx) {
  for (size_t i = 0; i < ctx->up->len; i++) {
    const FoldOp *op = &ctx->up->items[i];
    if (op->kind != FOP_CREATE_TABLE && op->kind != FOP_ADD_COLUMN) continue;
    const SchemaTable *t = schema_table(ctx->schema, op->schema, op->table);
    if (!t) continue;
    for (size_t k = 0; k < op->ncols; k++) {
      const FoldColumn *c = &op->cols[k];
      if (!c->name || !enum_like_column_without_check__stringy(c->type)) continue;
      if (!lint_name_matches(ctx->cfg->enum_like, ctx->cfg->nenum_like, c->name)) continue;
      bool checked = false;
      for (size_t j = 0; j < t->ncons && !checked; j++)
        checked = t->cons[j]->kind == CON_CHECK && t->cons[j]->expr &&
                  lint_has_word(t->cons[j]->expr, c->name);
      if (checked) continue;
      lint_report(ctx, lint_range(op, c->expr), NULL,
                  "string column '%s' of table '%s' holds enum-like values but no CHECK "
                  "constraint limits them",
                  c->name, t->name);
    }
  }
}

const LintRule rule_enum_like_column_without_check = {
    "enum-like-column-without-check", "rule_enum_like_column_without_check", SEV_WARNING, false,
    "status-like string columns without a CHECK constraint", NULL,
    enum_like_column_without_check__check};
