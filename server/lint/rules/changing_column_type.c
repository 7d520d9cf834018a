/* changing_column_type.c - ALTER COLUMN ... TYPE rewrites the table (and its indexes)
 * under an ACCESS EXCLUSIVE lock, except for a few binary-compatible widenings. */
#include <stdlib.h>
#include <string.h>

#include "server/lint/rule.h"

/* varchar(n) → varchar(m >= n), varchar / varchar(n) → text or unbounded varchar. */
static bool changing_column_type__safe(const char *from, const char *to) {
  if (!from || !to) return false;
  if (strncmp(from, "varchar", 7) != 0) return false;
  if (!strcmp(to, "text") || !strcmp(to, "varchar")) return true;
  if (strncmp(to, "varchar(", 8) != 0 || strncmp(from, "varchar(", 8) != 0) return false;
  return atol(to + 8) >= atol(from + 8);
}

static void changing_column_type__check(LintCtx *ctx, const FoldOp *op) {
  if (op->kind == FOP_ALTER_COLUMN && op->type) {
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    const char *from = op->existing_type;
    if (!from) {
      const SchemaColumn *c = schema_column(schema_table(ctx->schema, op->schema, op->table), op->name);
      from = c ? c->type : NULL;
    }
    if (from && !strcmp(from, op->type)) return;
    if (changing_column_type__safe(from, op->type)) return;
    lint_report(ctx, lint_kwarg_range(ctx, op, op->type_arg), NULL,
                "changing the type of column '%s'%s%s to %s rewrites table '%s' under an "
                "ACCESS EXCLUSIVE lock",
                op->name ? op->name : "?", from ? " from " : "", from ? from : "", op->type,
                op->table ? op->table : "?");
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind == FSQL_ALTER_TABLE && st->alter_type && lint_sql_table_existing(ctx, st->table))
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "ALTER COLUMN ... TYPE on existing table '%s' rewrites it under an ACCESS "
                  "EXCLUSIVE lock",
                  st->table);
  }
}

const LintRule rule_changing_column_type = {
    "changing-column-type", "rule_changing_column_type", SEV_ERROR, false,
    "changing a column's type on an existing table", changing_column_type__check, NULL};
