/* steps.c - Alembic's HeadMaintainer, read statically: for each revision an upgrade or
 * downgrade runs, the INSERT / UPDATE / DELETE it makes on the version table. */
#include "server/alembic/steps.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"

/* A small set of revision ids in insertion order (Alembic's `heads` set). */
typedef struct IdSet {
  const char **v;
  size_t n, cap;
} IdSet;

static bool steps__has(const IdSet *s, const char *id) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], id) == 0) return true;
  return false;
}

static void steps__add(Arena *a, IdSet *s, const char *id) {
  if (steps__has(s, id)) return;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    const char **v = ARENA_ARRAY(a, const char *, cap);
    if (s->n) memcpy(v, s->v, s->n * sizeof *v);
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = id;
}

static bool steps__remove(IdSet *s, const char *id) {
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->v[i], id) != 0) continue;
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
    s->n--;
    return true;
  }
  return false;
}

static int steps__cmp(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char **steps__sorted(Arena *a, const IdSet *s) {
  const char **v = ARENA_ARRAY(a, const char *, s->n ? s->n : 1);
  if (s->n) memcpy(v, s->v, s->n * sizeof *v);
  if (s->n > 1) qsort(v, s->n, sizeof *v, steps__cmp);
  return v;
}

/* _resolved_dependencies: depends_on names (ids or labels) as revision ids. */
static void steps__resolved_deps(Arena *a, const Graph *g, const Revision *rev, IdSet *out) {
  for (size_t i = 0; i < rev->ndepends_on; i++) {
    const Revision *d = graph_get(g, rev->depends_on[i]);
    if (d && d->id) steps__add(a, out, d->id);
  }
}

void steps_normalized_down(Arena *a, const Graph *g, const Revision *rev, const char ***out,
                           size_t *n) {
  IdSet res = {0}, deps = {0};
  for (size_t i = 0; i < rev->ndown; i++)
    if (graph_get(g, rev->down[i])) steps__add(a, &res, rev->down[i]);
  steps__resolved_deps(a, g, rev, &deps);
  if (deps.n) {
    // _normalize_depends_on: drop what a versioned ancestor (down_revision walk, not
    // through dependencies) already depends on.
    IdSet seen = {0}, todo = {0}, drop = {0};
    for (size_t i = 0; i < rev->ndown; i++) steps__add(a, &todo, rev->down[i]);
    while (todo.n) {
      const char *id = todo.v[--todo.n];
      if (steps__has(&seen, id)) continue;
      steps__add(a, &seen, id);
      const Revision *r = graph_get(g, id);
      if (!r) continue;
      steps__resolved_deps(a, g, r, &drop);
      for (size_t i = 0; i < r->ndown; i++) steps__add(a, &todo, r->down[i]);
    }
    for (size_t i = 0; i < deps.n; i++)
      if (!steps__has(&drop, deps.v[i])) steps__add(a, &res, deps.v[i]);
  }
  *out = res.v;
  *n = res.n;
}

/* The ids of `heads` and all their ancestors through _normalized_down_revisions
 * (_get_ancestor_nodes(..., check=False): the heads themselves included). */
static void steps__ancestors(Arena *a, const Graph *g, const IdSet *heads, IdSet *out) {
  IdSet todo = {0};
  for (size_t i = 0; i < heads->n; i++) steps__add(a, &todo, heads->v[i]);
  while (todo.n) {
    const char *id = todo.v[--todo.n];
    if (steps__has(out, id)) continue;
    steps__add(a, out, id);
    const Revision *r = graph_get(g, id);
    if (!r) continue;
    const char **down;
    size_t nd;
    steps_normalized_down(a, g, r, &down, &nd);
    for (size_t i = 0; i < nd; i++) steps__add(a, &todo, down[i]);
  }
}

/* set(ids).difference(ancestors of (heads - exclude)), in the order of `ids`; when no
 * other head is left, `ids` unchanged (Alembic returns the tuple itself then). */
static void steps__minus_other_ancestors(Arena *a, const Graph *g, const IdSet *heads,
                                         const char *const *exclude, size_t nexclude,
                                         const char *const *ids, size_t nids, IdSet *out) {
  IdSet others = {0};
  for (size_t i = 0; i < heads->n; i++) {
    bool ex = false;
    for (size_t k = 0; k < nexclude && !ex; k++) ex = strcmp(heads->v[i], exclude[k]) == 0;
    if (!ex) steps__add(a, &others, heads->v[i]);
  }
  IdSet anc = {0};
  if (others.n) steps__ancestors(a, g, &others, &anc);
  for (size_t i = 0; i < nids; i++)
    if (!steps__has(&anc, ids[i])) steps__add(a, out, ids[i]);
}

typedef VEC(VersionOp) VopVec;

static bool steps__vop(Arena *a, IdSet *heads, VopVec *ops, VersionOpKind kind, const char *from,
                       const char *to, const Revision *rev, RtError *err) {
  // The asserts and KeyErrors of HeadMaintainer._insert/_delete/_update_version: where
  // Alembic itself would stop with a traceback, the plan is refused.
  if (from && !steps__remove(heads, from))
    return error_set(err, ERR_TARGET,
                     "revision %s: Alembic would %s version row '%s', which the version "
                     "table does not hold at that point (rows are inconsistent with the "
                     "revision graph); fix the version table (alembic stamp) first",
                     rev->id, kind == VOP_DELETE ? "delete" : "update", from);
  if (to && steps__has(heads, to))
    return error_set(err, ERR_TARGET,
                     "revision %s: Alembic would add version row '%s', which is already "
                     "present; fix the version table (alembic stamp) first",
                     rev->id, to);
  if (to) steps__add(a, heads, to);
  vec_push(ops, ((VersionOp){kind, from ? arena_strdup(a, from) : NULL,
                             to ? arena_strdup(a, to) : NULL}));
  return true;
}

/* HeadMaintainer.update_to_step for a RevisionStep. */
static bool steps__update(Arena *a, const Graph *g, IdSet *heads, const Revision *rev,
                          bool upgrade, VopVec *ops, RtError *err) {
  const char **down;
  size_t nd;
  steps_normalized_down(a, g, rev, &down, &nd);
  const char *self = rev->id;
  size_t in_heads = 0;
  for (size_t i = 0; i < nd; i++) in_heads += steps__has(heads, down[i]);

  if (!upgrade && steps__has(heads, self)) {
    // should_delete_branch: a base, or nothing left to unmerge to.
    IdSet to = {0};
    if (nd) steps__minus_other_ancestors(a, g, heads, &self, 1, down, nd, &to);
    if (nd == 0 || to.n == 0)
      return steps__vop(a, heads, ops, VOP_DELETE, self, NULL, rev, err);
  }
  if (upgrade && (nd == 0 || in_heads == 0))  // should_create_branch
    return steps__vop(a, heads, ops, VOP_INSERT, NULL, self, rev, err);
  if (upgrade && nd > 1 && in_heads > 1) {  // should_merge_branches
    IdSet from = {0};
    steps__minus_other_ancestors(a, g, heads, down, nd, down, nd, &from);
    if (from.n == 0)
      return error_set(err, ERR_TARGET, "revision %s: no parent to merge from", self);
    for (size_t i = 0; i + 1 < from.n; i++)
      if (!steps__vop(a, heads, ops, VOP_DELETE, from.v[i], NULL, rev, err)) return false;
    return steps__vop(a, heads, ops, VOP_UPDATE, from.v[from.n - 1], self, rev, err);
  }
  if (!upgrade && steps__has(heads, self) && nd > 1) {  // should_unmerge_branches
    IdSet to = {0};
    steps__minus_other_ancestors(a, g, heads, &self, 1, down, nd, &to);
    for (size_t i = 0; i + 1 < to.n; i++)
      if (!steps__vop(a, heads, ops, VOP_INSERT, NULL, to.v[i], rev, err)) return false;
    return steps__vop(a, heads, ops, VOP_UPDATE, self, to.v[to.n - 1], rev, err);
  }
  // update_version_num
  if (nd == 0)  // a base whose row is gone: Alembic fails the same way (KeyError)
    return error_set(err, ERR_TARGET,
                     "revision %s: its version row is not in the version table; fix the "
                     "version table (alembic stamp) first",
                     self);
  const char *downrev = NULL;
  if (nd == 1) {
    downrev = down[0];
  } else {
    for (size_t i = 0; i < nd; i++)
      if (steps__has(heads, down[i])) downrev = down[i];
    if (in_heads != 1)
      return error_set(err, ERR_TARGET,
                       "revision %s: Can't do an UPDATE because downrevision is ambiguous "
                       "(Alembic stops here too); the version table holds rows that do not "
                       "fit the revision graph",
                       self);
  }
  return upgrade ? steps__vop(a, heads, ops, VOP_UPDATE, downrev, self, rev, err)
                 : steps__vop(a, heads, ops, VOP_UPDATE, self, downrev, rev, err);
}

static const char *steps__short_log(Arena *a, const Revision *rev, bool upgrade) {
  Buf b = BUF_INIT;
  buf_puts(&b, upgrade ? "upgrade " : "downgrade ");
  if (!upgrade) buf_puts(&b, rev->id);
  else
    for (size_t i = 0; i < rev->ndown; i++) buf_printf(&b, "%s%s", i ? ", " : "", rev->down[i]);
  buf_puts(&b, " -> ");
  if (upgrade) buf_puts(&b, rev->id);
  else
    for (size_t i = 0; i < rev->ndown; i++) buf_printf(&b, "%s%s", i ? ", " : "", rev->down[i]);
  const char *s = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return s;
}

bool steps_plan(const Graph *g, const char *const *current, size_t ncurrent, const char *target,
                bool upgrade, StepPlan *out, RtError *err) {
  memset(out, 0, sizeof *out);
  Revision **revs = NULL;
  size_t n = 0;
  bool ok = upgrade ? graph_upgrade_plan(g, current, ncurrent, target, &revs, &n, err)
                    : graph_downgrade_plan(g, current, ncurrent, target, &revs, &n, err);
  if (!ok) return false;
  Arena *a = arena_new();
  IdSet heads = {0};
  for (size_t i = 0; i < ncurrent; i++) steps__add(a, &heads, arena_strdup(a, current[i]));
  out->arena = a;
  out->upgrade = upgrade;
  out->ncurrent = heads.n;
  out->current = steps__sorted(a, &heads);
  out->steps = ARENA_ARRAY(a, MigStep, n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    MigStep *st = &out->steps[i];
    st->rev = revs[i];
    st->upgrade = upgrade;
    st->short_log = steps__short_log(a, revs[i], upgrade);
    VopVec ops = {0};
    ok = steps__update(a, g, &heads, revs[i], upgrade, &ops, err);
    if (ok) {
      st->nvops = ops.len;
      st->vops = ARENA_ARRAY(a, VersionOp, ops.len ? ops.len : 1);
      if (ops.len) memcpy(st->vops, ops.items, ops.len * sizeof *ops.items);
    }
    vec_free(&ops);
    if (!ok) break;
    st->nheads_after = heads.n;
    st->heads_after = steps__sorted(a, &heads);
    out->n = i + 1;
  }
  free(revs);
  if (!ok) {
    steps_plan_free(out);
    return false;
  }
  out->nfinal = heads.n;
  out->final = steps__sorted(a, &heads);
  return true;
}

void steps_plan_free(StepPlan *p) {
  if (!p) return;
  arena_delete(p->arena);
  memset(p, 0, sizeof *p);
}
