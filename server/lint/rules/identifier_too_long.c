/* identifier_too_long.c - PostgreSQL truncates identifiers to 63 bytes without an error, so
 * two long names can collide and Alembic's later ops miss the object. */
#include <string.h>

#include "server/lint/rule.h"

#define PG_MAX_IDENT 63

static void identifier_too_long__name(LintCtx *ctx, const FoldOp *op, const char *what,
                                      const char *name, SrcRange where) {
  if (!name || strlen(name) <= PG_MAX_IDENT) return;
  lint_report(ctx, where, NULL,
              "%s name '%s' is %zu bytes: PostgreSQL truncates identifiers to %d bytes", what, name,
              strlen(name), PG_MAX_IDENT);
}

static const PyValue *identifier_too_long__name_arg(const PyValue *src) {
  return src && src->kind == PV_CALL ? pyvalue_call_arg(src, (size_t)-1, "name") : NULL;
}

/* One op call, or one op read from SQL (then PyValues are NULL and the SQL ranges say where
 * the names are written). */
static void identifier_too_long__op(LintCtx *ctx, const FoldOp *op) {
  const PyValue *none = NULL;
  switch (op->kind) {
  case FOP_CREATE_TABLE:
    identifier_too_long__name(ctx, op, "table", op->table,
                              lint_at(op, op->from_sql ? none : op_arg(op->op, 0, "table_name"),
                                      op->name_range));
    break;
  case FOP_RENAME_TABLE:
    identifier_too_long__name(ctx, op, "table", op->new_name,
                              lint_at(op, op->name_arg, op->name_range));
    break;
  case FOP_ALTER_COLUMN:
    identifier_too_long__name(
        ctx, op, "column", op->new_name,
        lint_at(op, op->from_sql ? none : op_arg(op->op, (size_t)-1, "new_column_name"),
                op->name_range));
    break;
  case FOP_CREATE_INDEX:
    identifier_too_long__name(ctx, op, "index", op->name,
                              lint_at(op, op->name_arg, op->name_range));
    break;
  default:
    break;
  }
  if (op->kind == FOP_CREATE_TABLE || op->kind == FOP_ADD_COLUMN)
    for (size_t k = 0; k < op->ncols; k++) {
      const FoldColumn *c = &op->cols[k];
      identifier_too_long__name(ctx, op, "column", c->name,
                                lint_at(op, pyvalue_call_arg(c->expr, 0, "name"), c->name_range));
    }
  for (size_t k = 0; k < op->ncons; k++) {
    const FoldConstraint *c = &op->cons[k];
    const PyValue *where = c->src ? identifier_too_long__name_arg(c->src) : op->name_arg;
    identifier_too_long__name(ctx, op, "constraint", c->name, lint_at(op, where, c->name_range));
  }
}

static void identifier_too_long__check(LintCtx *ctx, const FoldOp *op) {
  lint_each_op(ctx, op, identifier_too_long__op);
}

const LintRule rule_identifier_too_long = {"identifier-too-long", "rule_identifier_too_long",
                                           SEV_ERROR, false, "identifiers over 63 bytes",
                                           identifier_too_long__check, NULL};
