/* graph.h - the revision graph of a project (Alembic 1.8's RevisionMap, read statically):
 * heads, bases, branch/merge points, labels, dependencies, target resolution, walks. */
#ifndef RETORT_ALEMBIC_GRAPH_H
#define RETORT_ALEMBIC_GRAPH_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/revision.h"
#include "server/base/error.h"
#include "server/base/finding.h"

/* The order of the input array is Alembic's map insertion order (its os.listdir order):
 * it decides the order of heads and of branches in history output, so pass the files in
 * directory-listing order (readdir, unsorted) to match `alembic history` byte for byte.
 *
 * Problems never stop the build; they become findings and the graph keeps the valid part:
 *   duplicate-revision (warning)  "Revision %s is present more than once"; the last file
 *                                  wins, at the first one's position, as in Alembic
 *   missing-revision (error)      "Revision %s referenced from %s is not present" (the
 *                                  edge is ignored; Alembic itself stops with KeyError)
 *   missing-dependency (error)    depends_on names no revision or branch label
 *   revision-cycle (error)        "Cycle is detected in revisions (a, b)", "Self-loop ...",
 *                                  "Dependency cycle ...": those revisions (and what hangs
 *                                  off them) are left out of the graph
 *   invalid-revision-id (error)   "Character(s) '-' not allowed in revision identifier 'x'"
 *   duplicate-branch-label (error) "Branch name 'x' in revision a already used by revision b"
 *   multiple-heads (warning)      "Multiple heads are present: a, b" (versioned heads)
 *   file-name-mismatch (info)     the file name does not contain the revision id
 *                                  (default file_template "%(rev)s_%(slug)s")
 *   docstring-mismatch (info)     "Revision ID:" / "Revises:" in the docstring disagree
 *                                  with `revision` / `down_revision`
 * Findings carry the path and the range of the relevant assignment when known. */
typedef struct Graph Graph;

/** Per-revision facts, Alembic's Revision properties. Strings and arrays are owned by
 * the graph (valid until graph_delete). */
typedef struct GraphRevInfo {
  bool is_head;         /* no revision has it as down_revision (Revision.is_head) */
  bool is_real_head;    /* ... nor depends on it (_is_real_head) */
  bool is_base;         /* down_revision is None */
  bool is_real_base;    /* ... and no depends_on */
  bool is_branch_point; /* two or more revisions have it as down_revision */
  bool is_merge_point;  /* two or more down_revisions */
  const char **children;      /* nextrev: ids whose down_revision names it, map order */
  size_t nchildren;
  const char **branch_labels; /* its own labels first (source order), then inherited ones
                                 (Alembic's branch_labels set after _add_branches) */
  size_t nbranch_labels;
} GraphRevInfo;

/**
 * Builds the graph of `revs` (revisions whose id is NULL are skipped). The graph borrows
 * the Revisions (they must outlive it) and does not modify them. Problems go to
 * `problems` (may be NULL). Never fails. Free with graph_delete.
 */
Graph *graph_build(Revision *const *revs, size_t n, FindingList *problems);
/** Frees the graph. graph_delete(NULL) is a no-op. */
void graph_delete(Graph *g);

/**
 * Puts `rev`, a new reading of the file of one of the graph's revisions, in its place,
 * when the graph would be built the same with it: a revision of the graph has its id, and
 * everything graph_build reads of that one and of `rev` is equal (path, parents,
 * dependencies, branch labels, docstring, and the source ranges its problems point at).
 * The graph then borrows `rev` instead (and no longer reads the old revision, which may
 * be freed), its problems stay exactly what graph_build gave, and graph_serial stays.
 * Returns false and changes nothing otherwise (a new id, an edited down_revision, a
 * docstring or header line that moved, a revision that is a duplicate or in a cycle):
 * build a new graph then. This is what lets an edit of a revision's body, the usual edit,
 * skip graph_build.
 */
bool graph_replace(Graph *g, Revision *rev);

/** A number no other graph of this process has had, for keying what callers derive from
 * the graph's structure (an order of its revisions, say). graph_replace keeps it. */
uint64_t graph_serial(const Graph *g);

/** The index of `rev` in graph_at order, or (size_t)-1 when it is not one of the
 * graph's revisions. */
size_t graph_index(const Graph *g, const Revision *rev);

/** Number of revisions in the graph (after dropping duplicates and cycles). */
size_t graph_count(const Graph *g);
/** The i-th revision in map order (0 <= i < graph_count). Borrowed. */
Revision *graph_at(const Graph *g, size_t i);
/** The revision with exactly this id or branch label (a label gives the revision that
 * declares it), or NULL. Borrowed. */
Revision *graph_get(const Graph *g, const char *id_or_label);
/** Alembic's `heads` (versioned heads), in map order. Owned by the graph. */
Revision *const *graph_heads(const Graph *g, size_t *n);
/** Alembic's `_real_heads` (heads counting depends_on too), in map order. */
Revision *const *graph_real_heads(const Graph *g, size_t *n);
/** Alembic's `bases` (down_revision is None), in map order. */
Revision *const *graph_bases(const Graph *g, size_t *n);
/** Facts about `rev` (a revision of this graph). Returns false if it is not in the graph. */
bool graph_info(const Graph *g, const Revision *rev, GraphRevInfo *out);

/**
 * Resolves one target as Alembic's RevisionMap.get_revisions does: `head`, `heads`,
 * `base` (zero revisions), full ids, branch labels, unique id prefixes (>= 4 chars),
 * `label@head`, `label@heads`, `label@base`, `label@rev`, `head-2`, `rev+1`, `label@-1`,
 * `-1` (relative to the heads). `*out` is a malloc'd array (free() it; NULL when *n is 0)
 * of borrowed Revisions. On failure returns false with err->kind ERR_TARGET and Alembic's
 * RevisionError text, e.g. "No such revision or branch 'zz'; please ensure at least four
 * characters are present for partial revision identifier matches", "Multiple revisions
 * start with 'abcd': 'abcd1', 'abcd2'...", "Multiple heads are present for given argument
 * 'head'; a, b", "Revision a is not a member of branch 'x'", "Ambiguous walk".
 */
bool graph_resolve(const Graph *g, const char *target, Revision ***out, size_t *n,
                   RtError *err);

/**
 * The revisions `alembic history [-r range]` prints, in its order (heads first, Alembic's
 * topological walk). `range` is NULL for everything, or "a:b", ":b", "a:" ("current" is
 * the caller's business: pass the resolved id). `*out` as for graph_resolve. On failure
 * returns false with ERR_TARGET and the text `alembic history` prints after "FAILED: "
 * (its CommandError wording, e.g. "Can't locate revision identified by 'zz'",
 * "History range requires [start]:[end], [start]:, or :[end]").
 */
bool graph_history(const Graph *g, const char *range, Revision ***out, size_t *n,
                   RtError *err);

/**
 * The revisions `alembic upgrade TARGET` runs when the database holds `current` (the
 * version table rows; ncurrent == 0 for an empty table), in apply order (Alembic's
 * _upgrade_revs: reversed iterate_revisions(target, current, implicit_base=True)).
 * `*out` as for graph_resolve; an up-to-date database gives *n == 0. On failure returns
 * false with ERR_TARGET and Alembic's CommandError text (e.g. "Destination x is not a
 * valid upgrade target from current head(s)", "Relative revision +3 didn't produce 3
 * migrations").
 */
bool graph_upgrade_plan(const Graph *g, const char *const *current, size_t ncurrent,
                        const char *target, Revision ***out, size_t *n, RtError *err);

/**
 * The revisions `alembic downgrade TARGET` unapplies from `current`, in unapply order
 * (Alembic's _downgrade_revs: iterate_revisions(current, target,
 * select_for_downgrade=True)). `*out` and failures as for graph_upgrade_plan.
 */
bool graph_downgrade_plan(const Graph *g, const char *const *current, size_t ncurrent,
                          const char *target, Revision ***out, size_t *n, RtError *err);

#endif
