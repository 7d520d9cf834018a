/* adding_field_with_default.c - ADD COLUMN with a volatile default rewrites the whole
 * table under ACCESS EXCLUSIVE (before PostgreSQL 11, any default does). */
#include <string.h>

#include "server/lint/rule.h"

/* Volatile functions seen in defaults. now() / CURRENT_TIMESTAMP are STABLE: PostgreSQL
 * 11+ evaluates them once and stores the value without a rewrite. */
static const char *const VOLATILE[] = {"random", "gen_random_uuid", "uuid_generate_v1",
                                       "uuid_generate_v4", "clock_timestamp", "timeofday",
                                       "nextval", "txid_current", NULL};

static const char *adding_field_with_default__volatile(const char *sql) {
  for (const char *const *f = VOLATILE; *f; f++)
    if (lint_has_word(sql, *f)) return *f;
  return NULL;
}

static void adding_field_with_default__check(LintCtx *ctx, const FoldOp *op) {
  bool old_pg = lint_config_pg_version(ctx->cfg) < 11;
  if (op->kind == FOP_ADD_COLUMN && op->ncols == 1 && op->cols[0].server_default) {
    const FoldColumn *c = &op->cols[0];
    if (!lint_table_existing(ctx, op->schema, op->table)) return;
    const char *fn = adding_field_with_default__volatile(c->server_default);
    if (fn)
      lint_report(ctx, lint_kwarg_range(ctx, op, c->default_arg), NULL,
                  "adding column '%s' with volatile default %s() rewrites table '%s' under an "
                  "ACCESS EXCLUSIVE lock",
                  c->name ? c->name : "?", fn, op->table);
    else if (old_pg)
      lint_report(ctx, lint_kwarg_range(ctx, op, c->default_arg), NULL,
                  "adding column '%s' with a default rewrites table '%s' before PostgreSQL 11 "
                  "(target: %d)",
                  c->name ? c->name : "?", op->table, lint_config_pg_version(ctx->cfg));
    return;
  }
  if (op->kind != FOP_EXECUTE) return;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    if (st->kind != FSQL_ALTER_TABLE || !st->add_column_default ||
        !lint_sql_table_existing(ctx, st->table))
      continue;
    const char *fn = adding_field_with_default__volatile(st->text);
    if (fn || old_pg)
      lint_report(ctx, lint_range(op, op->sql_arg), NULL,
                  "ADD COLUMN with %s%s%s default rewrites table '%s' under an ACCESS "
                  "EXCLUSIVE lock",
                  fn ? "volatile " : "a", fn ? fn : "", fn ? "()" : "", st->table);
  }
}

const LintRule rule_adding_field_with_default = {
    "adding-field-with-default", "rule_adding_field_with_default", SEV_WARNING, false,
    "adding a column with a volatile default (any default before PostgreSQL 11)",
    adding_field_with_default__check, NULL};
