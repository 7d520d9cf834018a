/* column_type_pattern.c - `column_types = id=uuid, *_id=uuid, search_vector=tsvector`:
 * columns whose name matches a pattern must have that type. */
#include <fnmatch.h>
#include <string.h>

#include "server/lint/rule.h"

static bool column_type_pattern__same(const char *want, const char *have) {
  if (!have) return false;
  if (!strcmp(want, have)) return true;
  size_t n = strlen(want); // "varchar" accepts "varchar(255)"
  return !strncmp(want, have, n) && have[n] == '(';
}

static void column_type_pattern__column(LintCtx *ctx, const FoldOp *op, const FoldColumn *c) {
  if (!c->name) return;
  for (size_t k = 0; k < ctx->cfg->ntypes; k++) {
    const TypePattern *p = &ctx->cfg->types[k];
    if (fnmatch(p->pattern, c->name, 0) != 0) continue;
    if (!column_type_pattern__same(p->type, c->type))
      lint_report(ctx, lint_column_type_range(op, c), NULL,
                  "column '%s' must be %s (column_types: %s=%s), not %s", c->name, p->type,
                  p->pattern, p->type, c->type ? c->type : "an unknown type");
    return; // the first matching pattern decides
  }
}

static void column_type_pattern__op(LintCtx *ctx, const FoldOp *op) {
  lint_each_column_of(ctx, op, column_type_pattern__column);
}

static void column_type_pattern__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, column_type_pattern__op);
}

const LintRule rule_column_type_pattern = {"column-type-pattern", "rule_column_type_pattern",
                                           SEV_ERROR, false,
                                           "column types configured by name pattern",
                                           column_type_pattern__check, NULL};
