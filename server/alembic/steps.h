/* steps.h - the migration steps `alembic upgrade` / `alembic downgrade` runs from the
 * rows of the version table to a target, each with the version-table change Alembic's
 * HeadMaintainer makes for it (alembic/runtime/migration.py, 1.8.1). Pure: no SQL text,
 * no database. */
#ifndef RETORT_ALEMBIC_STEPS_H
#define RETORT_ALEMBIC_STEPS_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/graph.h"
#include "server/base/arena.h"
#include "server/base/error.h"

/* One change to the version table. */
typedef enum VersionOpKind {
  VOP_INSERT, /* INSERT `to` (a new branch head) */
  VOP_DELETE, /* DELETE `from` (a branch head removed) */
  VOP_UPDATE, /* UPDATE `from` to `to` */
} VersionOpKind;

typedef struct VersionOp {
  VersionOpKind kind;
  const char *from; /* VOP_DELETE, VOP_UPDATE */
  const char *to;   /* VOP_INSERT, VOP_UPDATE */
} VersionOp;

/* One revision run in one direction, and what it does to the version table, in the
 * order Alembic issues the statements (merge: deletes then the update; unmerge: inserts
 * then the update). */
typedef struct MigStep {
  Revision *rev;              /* borrowed from the graph */
  bool upgrade;
  const char *short_log;      /* Alembic's "upgrade a, b -> c" / "downgrade c -> a, b"
                                 (the "-- Running ..." line of offline mode, without it) */
  VersionOp *vops;
  size_t nvops;
  const char **heads_after;   /* the version rows after this step, sorted */
  size_t nheads_after;
} MigStep;

/* Where a plan goes. Everything is owned by `arena` (steps_plan_free). */
typedef struct StepPlan {
  Arena *arena;
  bool upgrade;
  const char **current;       /* the version rows it starts from, sorted */
  size_t ncurrent;
  MigStep *steps;             /* in run order */
  size_t n;
  const char **final;         /* the version rows after the last step, sorted */
  size_t nfinal;
} StepPlan;

/**
 * The steps `alembic upgrade TARGET` (upgrade true) or `alembic downgrade TARGET` runs
 * when the version table holds `current` (ncurrent 0: empty or absent): the revisions
 * of graph_upgrade_plan / graph_downgrade_plan, each with HeadMaintainer.update_to_step's
 * change (should_delete_branch, should_create_branch, should_merge_branches,
 * should_unmerge_branches, else update_version_num), depends_on included as Alembic's
 * _normalized_down_revisions includes it. Where Alembic picks from a Python set (which
 * of several merged heads is updated, which unmerged parent the row is updated to), the
 * choice here follows the order of down_revision then depends_on; the rows after each
 * step are the same as Alembic's.
 *
 * On success *out holds the plan (free with steps_plan_free; an up-to-date database
 * gives n == 0). On failure returns false with err: ERR_TARGET and Alembic's wording
 * for targets, or ERR_TARGET when Alembic itself would stop half-way (a version row it
 * would update or delete is not there: "Can't do an UPDATE because downrevision is
 * ambiguous", ...); *out is then empty (steps_plan_free is still allowed).
 */
bool steps_plan(const Graph *g, const char *const *current, size_t ncurrent, const char *target,
                bool upgrade, StepPlan *out, RtError *err);

/** Frees the plan's arena. Safe on a zeroed or failed plan. */
void steps_plan_free(StepPlan *p);

/**
 * Alembic's _normalized_down_revisions of `rev`: down_revision in source order, then the
 * depends_on revisions that no versioned ancestor already depends on, without repeats;
 * names that do not resolve in `g` are left out. *out is owned by `arena`.
 */
void steps_normalized_down(Arena *arena, const Graph *g, const Revision *rev, const char ***out,
                           size_t *n);

#endif
