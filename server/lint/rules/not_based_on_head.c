/* not_based_on_head.c - a revision that is a head while another head exists was written on
 * top of an older revision (a branch merged after someone else's migration): Alembic then
 * refuses `upgrade head`. Reported at the revision's down_revision, where the fix goes. */
#include <string.h>

#include "server/lint/rule.h"

static void not_based_on_head__check(LintCtx *ctx) {
  if (!ctx->graph || !ctx->rev->id) return;
  size_t nheads;
  Revision *const *heads = graph_heads(ctx->graph, &nheads);
  if (nheads < 2) return;
  bool is_head = false;
  const Revision *other = NULL;
  for (size_t k = 0; k < nheads; k++) {
    if (heads[k] == ctx->rev) is_head = true;
    else if (!other) other = heads[k];
  }
  if (!is_head || !other || !other->id) return;
  // Heads on labelled branches (independent branches, `label@head`) are intentional.
  GraphRevInfo mine, theirs;
  if (graph_info(ctx->graph, ctx->rev, &mine) && mine.nbranch_labels) return;
  if (graph_info(ctx->graph, other, &theirs) && theirs.nbranch_labels) return;
  const char *fix = arena_printf(ctx->arena, "'%s'", other->id);
  SrcRange r = ctx->rev->ndown == 1 && ctx->rev->down_ranges ? ctx->rev->down_ranges[0]
                                                             : ctx->rev->down_range;
  lint_report(ctx, r, ctx->rev->ndown == 1 ? fix : NULL,
              "revision %s is not based on the current head %s: set down_revision = '%s' "
              "(or merge the heads)",
              ctx->rev->id, other->id, other->id);
}

const LintRule rule_not_based_on_head = {"not-based-on-head", "rule_not_based_on_head",
                                         SEV_WARNING, false,
                                         "a new revision not based on the current head", NULL,
                                         not_based_on_head__check};
