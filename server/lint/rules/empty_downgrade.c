/* empty_downgrade.c - downgrade() that does nothing after an upgrade() that does something:
 * `alembic downgrade` reports success and leaves the schema as it was. */
#include "server/lint/rule.h"

static void empty_downgrade__check(LintCtx *ctx) {
  const Revision *r = ctx->rev;
  if (!r->downgrade.present || r->downgrade.len != 0 || ctx->up->len == 0) return;
  lint_report(ctx, r->downgrade.def_range, NULL,
              "downgrade() of revision %s is empty: rolling back leaves the upgrade's changes "
              "in place",
              r->id ? r->id : "?");
}

const LintRule rule_empty_downgrade = {"empty-downgrade", "rule_empty_downgrade", SEV_WARNING,
                                       false, "a downgrade() that does nothing", NULL,
                                       empty_downgrade__check};
