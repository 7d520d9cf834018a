/* incomplete_downgrade.c - an upgrade() op whose inverse is missing from downgrade(): after a
 * round trip the schema is not what it was. */
#include <string.h>

#include "server/lint/rule.h"

static bool incomplete_downgrade__eq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

static bool incomplete_downgrade__is_constraint_create(FoldOpKind k) {
  return k == FOP_CREATE_PRIMARY_KEY || k == FOP_CREATE_UNIQUE || k == FOP_CREATE_FOREIGN_KEY ||
         k == FOP_CREATE_CHECK;
}

/* Whether `d` (a downgrade op) undoes `u` (an upgrade op). */
static bool incomplete_downgrade__undoes(const FoldOp *u, const FoldOp *d) {
  bool same_table = incomplete_downgrade__eq(u->table, d->table);
  switch (u->kind) {
  case FOP_CREATE_TABLE:
    return d->kind == FOP_DROP_TABLE && same_table;
  case FOP_DROP_TABLE:
    return d->kind == FOP_CREATE_TABLE && same_table;
  case FOP_RENAME_TABLE:
    return d->kind == FOP_RENAME_TABLE && incomplete_downgrade__eq(d->table, u->new_name) &&
           incomplete_downgrade__eq(d->new_name, u->table);
  case FOP_ADD_COLUMN:
    return (d->kind == FOP_DROP_COLUMN && same_table && incomplete_downgrade__eq(d->name, u->name)) ||
           (d->kind == FOP_DROP_TABLE && same_table);
  case FOP_DROP_COLUMN:
    return d->kind == FOP_ADD_COLUMN && same_table && incomplete_downgrade__eq(d->name, u->name);
  case FOP_ALTER_COLUMN: {
    // Undone by altering it back, or by dropping the column (or table) altogether.
    const char *col = u->new_name ? u->new_name : u->name;
    return ((d->kind == FOP_ALTER_COLUMN || d->kind == FOP_DROP_COLUMN) && same_table &&
            incomplete_downgrade__eq(d->name, col)) ||
           (d->kind == FOP_DROP_TABLE && same_table);
  }
  case FOP_CREATE_INDEX:
    return (d->kind == FOP_DROP_INDEX && incomplete_downgrade__eq(d->name, u->name)) ||
           (d->kind == FOP_DROP_TABLE && same_table);
  case FOP_DROP_INDEX:
    return d->kind == FOP_CREATE_INDEX && incomplete_downgrade__eq(d->name, u->name);
  case FOP_CREATE_PRIMARY_KEY: case FOP_CREATE_UNIQUE: case FOP_CREATE_FOREIGN_KEY:
  case FOP_CREATE_CHECK:
    return (d->kind == FOP_DROP_CONSTRAINT && incomplete_downgrade__eq(d->name, u->name)) ||
           (d->kind == FOP_DROP_TABLE && same_table);
  case FOP_DROP_CONSTRAINT:
    return incomplete_downgrade__is_constraint_create(d->kind) &&
           incomplete_downgrade__eq(d->name, u->name);
  default:
    return true; // SQL, data, dynamic code: not judged here
  }
}

static const char *incomplete_downgrade__what(const FoldOp *u) {
  switch (u->kind) {
  case FOP_CREATE_TABLE: return "drop_table";
  case FOP_DROP_TABLE: return "create_table";
  case FOP_RENAME_TABLE: return "rename_table back";
  case FOP_ADD_COLUMN: return "drop_column";
  case FOP_DROP_COLUMN: return "add_column";
  case FOP_ALTER_COLUMN: return "alter_column back";
  case FOP_CREATE_INDEX: return "drop_index";
  case FOP_DROP_INDEX: return "create_index";
  case FOP_DROP_CONSTRAINT: return "the constraint's re-creation";
  default: return "drop_constraint";
  }
}

static void incomplete_downgrade__check(LintCtx *ctx) {
  const FoldOpList *down = ctx->down;
  if (!ctx->rev->downgrade.present || down->len == 0) return;
  // SQL or dynamic code in downgrade() may undo anything: do not guess.
  for (size_t k = 0; k < down->len; k++)
    if (down->items[k].kind == FOP_EXECUTE || down->items[k].kind == FOP_DYNAMIC ||
        down->items[k].dynamic)
      return;
  for (size_t i = 0; i < ctx->up->len; i++) {
    const FoldOp *u = &ctx->up->items[i];
    if (u->dynamic) continue;
    bool undone = false;
    for (size_t k = 0; k < down->len && !undone; k++)
      undone = incomplete_downgrade__undoes(u, &down->items[k]);
    if (undone) continue;
    const char *obj = u->name ? u->name : u->table;
    lint_report(ctx, lint_range(u, NULL), NULL,
                "downgrade() does not undo %s%s%s%s: expected %s",
                u->method ? u->method : "this op", obj ? " of '" : "", obj ? obj : "",
                obj ? "'" : "", incomplete_downgrade__what(u));
  }
}

const LintRule rule_incomplete_downgrade = {
    "incomplete-downgrade", "rule_incomplete_downgrade", SEV_WARNING, false,
    "a downgrade that does not undo the upgrade's ops", NULL, incomplete_downgrade__check};
