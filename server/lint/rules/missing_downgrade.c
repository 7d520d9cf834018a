/* missing_downgrade.c - a revision that changes the schema but has no downgrade() cannot be
 * rolled back. */
#include "server/lint/rule.h"

static void missing_downgrade__check(LintCtx *ctx) {
  const Revision *r = ctx->rev;
  if (r->downgrade.present || ctx->up->len == 0) return;
  lint_report(ctx, r->upgrade.def_range, NULL,
              "revision %s has an upgrade() but no downgrade(): it cannot be rolled back",
              r->id ? r->id : "?");
}

const LintRule rule_missing_downgrade = {"missing-downgrade", "rule_missing_downgrade",
                                         SEV_WARNING, false, "upgrade with no downgrade", NULL,
                                         missing_downgrade__check};
