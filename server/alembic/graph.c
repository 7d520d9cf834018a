/* graph.c - the revision graph: Alembic 1.8's RevisionMap (script/revision.py) rebuilt
 * over statically read Revisions, with its resolution rules, walks and error wording. */
#include "server/alembic/graph.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/digest.h"
#include "server/base/mem.h"

/* Values Alembic passes around where a Revision may also be None or the string "base". */
enum { TV_NONE = -1, TV_BASE = -2 };

/* An int list and a string list whose memory belongs to an arena. */
typedef struct IL {
  int *v;
  uint32_t n, cap;
} IL;
typedef struct SL {
  const char **v;
  uint32_t n, cap;
} SL;

static void graph__il_push(Arena *a, IL *l, int x) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 2;
    int *v = ARENA_ARRAY(a, int, cap);
    if (l->n) memcpy(v, l->v, l->n * sizeof(int));
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
}

static void graph__sl_push(Arena *a, SL *l, const char *x) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 2;
    const char **v = ARENA_ARRAY(a, const char *, cap);
    if (l->n) memcpy(v, l->v, l->n * sizeof(char *));
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
}

static bool graph__il_has(const IL *l, int x) {
  for (size_t i = 0; i < l->n; i++)
    if (l->v[i] == x) return true;
  return false;
}

static bool graph__sl_has(const SL *l, const char *x) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i], x) == 0) return true;
  return false;
}

/* One revision of the map. Edge lists hold node indices of live nodes only; Alembic's
 * property names are kept so the code below reads like revision.py. */
typedef struct GNode {
  Revision *rev;
  const char *id;
  bool alive;
  IL raw_down;            /* down_revision resolved to nodes; -1 for a missing or dropped parent */
  IL raw_deps;            /* _resolved_dependencies (nodes), before dropping dead ones */
  IL down;                /* _versioned_down_revisions (present, live parents) */
  IL deps;                /* _resolved_dependencies */
  IL norm_deps;           /* _normalized_resolved_dependencies */
  IL all_down;            /* _all_down_revisions */
  IL norm_down;           /* _normalized_down_revisions */
  IL next;                /* nextrev */
  IL all_next;            /* _all_nextrev */
  SL labels;              /* branch_labels after _add_branches */
  const char **child_ids; /* ids of `next`, for GraphRevInfo */
  int alive_idx;          /* index in Graph.alive (graph_at), -1 when not alive */
  uint64_t seen[2];       /* graph__seen(rev): all the build read of it */
} GNode;

typedef struct GKey {
  const char *s;
  int node;
} GKey;

struct Graph {
  Arena *arena;
  GNode *nodes;
  size_t nnodes;
  GKey *keys; /* revision ids in map order, then branch labels: Alembic's _revision_map keys */
  size_t nkeys;
  int *table; /* open addressing over keys: key index + 1, 0 = empty */
  size_t tmask;
  Revision **alive;
  size_t nalive;
  Revision **heads, **real_heads, **bases;
  size_t nheads, nreal_heads, nbases;
  int *head_idx, *real_head_idx, *base_idx;
  uint64_t serial;
};

/* Graph serials: never reused within the process. */
static atomic_uint_fast64_t graph__serials = 1;

/* A digest of everything graph_build reads of a revision: its identity and edges (which
 * decide the graph), and the path, ranges and docstring (which decide its problems). A
 * revision with the same digest builds the same graph with the same problems. Strings
 * are length-prefixed, so that the fields cannot run into each other. */
static void graph__seen(const Revision *r, uint64_t out[2]) {
  Digest d;
  digest_init(&d);
  digest_str(&d, r->path);
  digest_str(&d, r->id);
  digest_str(&d, r->longdoc);
  const char *const *lists[3] = {r->down, r->depends_on, r->branch_labels};
  size_t lens[3] = {r->ndown, r->ndepends_on, r->nbranch_labels};
  for (int k = 0; k < 3; k++) {
    digest_u64(&d, lens[k]);
    for (size_t i = 0; i < lens[k]; i++) digest_str(&d, lists[k][i]);
  }
  const SrcRange *ranges[7] = {&r->id_range, &r->down_range, &r->branch_labels_range,
                               &r->depends_on_range, &r->doc_range, &r->doc_revision_id_range,
                               &r->doc_revises_range};
  for (int k = 0; k < 7; k++) {
    const SrcRange *g = ranges[k];
    digest_u64(&d, (uint64_t)g->start_byte << 32 | g->end_byte);
    digest_u64(&d, (uint64_t)g->line << 32 | g->col);
    digest_u64(&d, (uint64_t)g->end_line << 32 | g->end_col);
  }
  const SrcRange *arrays[2] = {r->down_ranges, r->depends_on_ranges};
  for (int k = 0; k < 2; k++) {
    digest_u64(&d, arrays[k] != NULL);
    for (size_t i = 0; arrays[k] && i < lens[k]; i++) {
      const SrcRange *g = &arrays[k][i];
      digest_u64(&d, (uint64_t)g->start_byte << 32 | g->end_byte);
      digest_u64(&d, (uint64_t)g->line << 32 | g->col);
      digest_u64(&d, (uint64_t)g->end_line << 32 | g->end_col);
    }
  }
  digest_final(&d, out);
}

/* ---- the id / label table ------------------------------------------------------ */

static uint64_t graph__hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int graph__key_find(const Graph *g, const char *s) {
  if (!g->table || !s) return -1;
  for (size_t i = graph__hash(s) & g->tmask;; i = (i + 1) & g->tmask) {
    int k = g->table[i];
    if (!k) return -1;
    if (strcmp(g->keys[k - 1].s, s) == 0) return k - 1;
  }
}

static void graph__key_add(Graph *g, const char *s, int node) {
  size_t k = g->nkeys++;
  g->keys[k].s = s;
  g->keys[k].node = node;
  size_t i = graph__hash(s) & g->tmask;
  while (g->table[i]) i = (i + 1) & g->tmask;
  g->table[i] = (int)k + 1;
}

/* The live node named by an id or label, or -1: Alembic's `_revision_map[x]`. */
static int graph__lookup(const Graph *g, const char *s) {
  int k = graph__key_find(g, s);
  if (k < 0) return -1;
  int node = g->keys[k].node;
  return g->nodes[node].alive ? node : -1;
}

/* ---- walking related revisions (_iterate_related_revisions) ------------------- */

typedef enum Rel { REL_DOWN, REL_NORM_DOWN, REL_ALL_DOWN, REL_NEXT, REL_ALL_NEXT } Rel;

static const IL *graph__rel(const GNode *n, Rel rel) {
  switch (rel) {
  case REL_DOWN: return &n->down;
  case REL_NORM_DOWN: return &n->norm_down;
  case REL_ALL_DOWN: return &n->all_down;
  case REL_NEXT: return &n->next;
  case REL_ALL_NEXT: return &n->all_next;
  }
  return &n->down;
}

typedef enum GErrKind { GE_REVISION = 1, GE_RESOLUTION, GE_MULTIPLE_HEADS, GE_RANGE } GErrKind;

/* Alembic's exception classes: the message, and what _catch_revision_errors needs. */
typedef struct GErr {
  GErrKind kind;
  char msg[1536];
  char arg[256]; /* ResolutionError.argument, MultipleHeads.argument */
} GErr;

static bool graph__fail(GErr *e, GErrKind kind, const char *arg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool graph__fail(GErr *e, GErrKind kind, const char *arg, const char *fmt, ...) {
  e->kind = kind;
  snprintf(e->arg, sizeof e->arg, "%s", arg ? arg : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return false;
}

/* Marks in `mark` (one byte per node, not cleared here) every node reachable from
 * `starts` through `rel`, starts included. With `check`, fails as Alembic does when one
 * start is reached from another ("Requested revision %s overlaps with ..."). */
static bool graph__closure(const Graph *g, Arena *a, const int *starts, size_t ns, Rel rel,
                           uint8_t *mark, bool check, GErr *e) {
  IL todo = {0};
  uint32_t *per = check ? ARENA_ARRAY(a, uint32_t, g->nnodes + 1) : NULL;
  for (size_t t = 0; t < ns; t++) {
    if (starts[t] < 0) continue;
    todo.n = 0;
    graph__il_push(a, &todo, starts[t]);
    while (todo.n) {
      int r = todo.v[--todo.n];
      if (per) per[r] = (uint32_t)t + 1;
      if (mark[r]) continue;
      mark[r] = 1;
      const IL *l = graph__rel(&g->nodes[r], rel);
      for (size_t i = 0; i < l->n; i++) graph__il_push(a, &todo, l->v[i]);
    }
    if (per) {
      char buf[1024];
      size_t len = 0;
      buf[0] = '\0';
      for (size_t u = 0; u < ns; u++) {
        int o = starts[u];
        if (o < 0 || o == starts[t] || per[o] != (uint32_t)t + 1) continue;
        len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, "%s%s",
                                len ? ", " : "", g->nodes[o].id);
        if (len >= sizeof buf) len = sizeof buf - 1;
      }
      if (buf[0])
        return graph__fail(e, GE_REVISION, NULL,
                           "Requested revision %s overlaps with other requested revisions %s",
                           g->nodes[starts[t]].id, buf);
    }
  }
  return true;
}

static uint8_t *graph__marks(const Graph *g, Arena *a) {
  return ARENA_ARRAY(a, uint8_t, g->nnodes + 1);
}

/* ---- building ------------------------------------------------------------------ */

static const char *graph__basename(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static SrcRange graph__no_range(void) {
  SrcRange r;
  memset(&r, 0, sizeof r);
  return r;
}

/* Python's str.strip() for the ASCII whitespace a header line can carry. */
static void graph__trim(const char **s, size_t *n) {
  while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
  while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Informational: the docstring's "Revision ID:" / "Revises:" lines (script.py.mako's
 * header) must agree with the variables. */
static void graph__check_docstring(const GNode *nd, FindingList *fl) {
  const Revision *r = nd->rev;
  const char *doc = r->longdoc;
  if (!doc || !fl) return;
  const char *p = doc;
  // Only the first line of each kind has its source range (Revision.doc_*_range).
  bool first_id = true, first_revises = true;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    const char *line = p;
    size_t n = len;
    graph__trim(&line, &n);
    if (n >= 12 && strncmp(line, "Revision ID:", 12) == 0) {
      const char *v = line + 12;
      size_t vn = n - 12;
      graph__trim(&v, &vn);
      if (vn != strlen(r->id) || strncmp(v, r->id, vn) != 0) {
        bool exact = first_id && r->doc_revision_id_range.line;
        Finding *f = findings_add(fl, "docstring-mismatch", SEV_INFO, r->path,
                                  exact ? r->doc_revision_id_range : r->doc_range,
                                  "Docstring says \"Revision ID: %.*s\" but revision is '%s'",
                                  (int)vn, v, r->id);
        if (exact) f->fix = arena_printf(fl->arena, " %s", r->id);
      }
      first_id = false;
    } else if (n >= 8 && strncmp(line, "Revises:", 8) == 0) {
      const char *v = line + 8;
      size_t vn = n - 8;
      graph__trim(&v, &vn);
      // script.py.mako writes down_revision with the `comma` filter: "a, b" or "".
      bool same = true;
      size_t i = 0;
      const char *q = v, *end = v + vn;
      while (q < end) {
        const char *c = memchr(q, ',', (size_t)(end - q));
        const char *item = q;
        size_t in = (size_t)((c ? c : end) - q);
        graph__trim(&item, &in);
        if (in) {
          if (i >= r->ndown || strlen(r->down[i]) != in || strncmp(item, r->down[i], in) != 0)
            same = false;
          i++;
        }
        q = c ? c + 1 : end;
      }
      if (i != r->ndown) same = false;
      if (!same) {
        char want[512];
        size_t wl = 0;
        want[0] = '\0';
        for (size_t k = 0; k < r->ndown && wl < sizeof want; k++)
          wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s%s", k ? ", " : "", r->down[k]);
        // The fix rewrites the line's value as script.py.mako writes it ("Revises: a, b").
        bool exact = first_revises && r->doc_revises_range.line;
        Finding *f = findings_add(fl, "docstring-mismatch", SEV_INFO, r->path,
                                  exact ? r->doc_revises_range : r->doc_range,
                                  "Docstring says \"Revises: %.*s\" but down_revision is %s%s%s",
                                  (int)vn, v, r->ndown ? "'" : "None", want, r->ndown ? "'" : "");
        if (exact) f->fix = arena_printf(fl->arena, " %s", want);
      }
      first_revises = false;
    }
    if (!eol) break;
    p = eol + 1;
  }
}

static int graph__strcmp_p(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Alembic's _detect_cycles over one kind of edge: revisions that are not both below a
 * head and above a base are in (or hang off) a cycle. Marks them dead. */
static bool graph__detect_cycles(Graph *g, Arena *a, bool deps, FindingList *fl) {
  Rel down = deps ? REL_ALL_DOWN : REL_DOWN, up = deps ? REL_ALL_NEXT : REL_NEXT;
  IL heads = {0}, bases = {0};
  size_t live = 0;
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    if (!nd->alive) continue;
    live++;
    if (graph__rel(nd, up)->n == 0) graph__il_push(a, &heads, (int)i);
    if (graph__rel(nd, down)->n == 0) graph__il_push(a, &bases, (int)i);
  }
  if (!live) return false;
  uint8_t *dead = graph__marks(g, a);
  if (!heads.n || !bases.n) {
    for (size_t i = 0; i < g->nnodes; i++) dead[i] = g->nodes[i].alive;
  } else {
    uint8_t *below = graph__marks(g, a), *above = graph__marks(g, a);
    GErr e;
    graph__closure(g, a, heads.v, heads.n, down, below, false, &e);
    graph__closure(g, a, bases.v, bases.n, up, above, false, &e);
    for (size_t i = 0; i < g->nnodes; i++) dead[i] = g->nodes[i].alive && !(below[i] && above[i]);
  }
  SL ids = {0};
  for (size_t i = 0; i < g->nnodes; i++)
    if (dead[i]) graph__sl_push(a, &ids, g->nodes[i].id);
  if (!ids.n) return false;
  // Alembic lists all of rev_map when no head or base is left, else sorted(deleted).
  if (heads.n && bases.n) qsort(ids.v, ids.n, sizeof(char *), graph__strcmp_p);
  Buf list = BUF_INIT;
  for (size_t i = 0; i < ids.n; i++) buf_printf(&list, "%s%s", i ? ", " : "", ids.v[i]);
  // Alembic's set also names sound ancestors that no head reaches; only what Kahn's
  // peeling from the roots cannot reach (the cycles and what hangs off them) is dropped.
  uint32_t *indeg = ARENA_ARRAY(a, uint32_t, g->nnodes + 1);
  for (size_t i = 0; i < g->nnodes; i++) {
    if (!g->nodes[i].alive) continue;
    const IL *up_l = graph__rel(&g->nodes[i], up);
    for (size_t k = 0; k < up_l->n; k++) indeg[up_l->v[k]]++;
  }
  IL queue = {0};
  for (size_t i = 0; i < g->nnodes; i++)
    if (g->nodes[i].alive && !indeg[i]) graph__il_push(a, &queue, (int)i);
  uint8_t *done = graph__marks(g, a);
  for (size_t q = 0; q < queue.n; q++) {
    int r = queue.v[q];
    done[r] = 1;
    const IL *up_l = graph__rel(&g->nodes[r], up);
    for (size_t k = 0; k < up_l->n; k++)
      if (--indeg[up_l->v[k]] == 0) graph__il_push(a, &queue, up_l->v[k]);
  }
  for (size_t i = 0; i < g->nnodes; i++) {
    if (!g->nodes[i].alive || done[i]) continue;
    g->nodes[i].alive = false;
    if (fl)
      findings_add(fl, "revision-cycle", SEV_ERROR, g->nodes[i].rev->path,
                   deps ? g->nodes[i].rev->depends_on_range : g->nodes[i].rev->down_range,
                   "%s is detected in revisions (%s)", deps ? "Dependency cycle" : "Cycle",
                   buf_cstr(&list));
  }
  buf_free(&list);
  return true;
}

/* Recomputes every edge list from raw_down / raw_deps, over live nodes only. */
static void graph__link(Graph *g) {
  Arena *a = g->arena;
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    IL empty = {0};
    nd->down = nd->deps = nd->norm_deps = nd->all_down = nd->norm_down = empty;
    nd->next = nd->all_next = empty;
  }
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    if (!nd->alive) continue;
    for (size_t k = 0; k < nd->raw_down.n; k++) {
      int p = nd->raw_down.v[k];
      if (p >= 0 && g->nodes[p].alive) graph__il_push(a, &nd->down, p);
    }
    for (size_t k = 0; k < nd->raw_deps.n; k++) {
      int p = nd->raw_deps.v[k];
      if (p >= 0 && g->nodes[p].alive) graph__il_push(a, &nd->deps, p);
    }
    for (size_t k = 0; k < nd->down.n; k++)
      if (!graph__il_has(&nd->all_down, nd->down.v[k]))
        graph__il_push(a, &nd->all_down, nd->down.v[k]);
    for (size_t k = 0; k < nd->deps.n; k++)
      if (!graph__il_has(&nd->all_down, nd->deps.v[k]))
        graph__il_push(a, &nd->all_down, nd->deps.v[k]);
  }
  // add_nextrev: children in map order (Alembic's frozensets have no stable order).
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    if (!nd->alive) continue;
    for (size_t k = 0; k < nd->all_down.n; k++) {
      GNode *p = &g->nodes[nd->all_down.v[k]];
      if (!graph__il_has(&p->all_next, (int)i)) graph__il_push(a, &p->all_next, (int)i);
      if (graph__il_has(&nd->down, nd->all_down.v[k]) && !graph__il_has(&p->next, (int)i))
        graph__il_push(a, &p->next, (int)i);
    }
  }
}

/* _normalize_depends_on: drop dependencies an ancestor already depends on. */
static void graph__normalize(Graph *g, Arena *tmp) {
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    if (!nd->alive) continue;
    if (nd->deps.n) {
      uint8_t *anc = graph__marks(g, tmp);
      GErr e;
      int start = (int)i;
      graph__closure(g, tmp, &start, 1, REL_DOWN, anc, false, &e);
      uint8_t *drop = graph__marks(g, tmp);
      for (size_t k = 0; k < g->nnodes; k++) {
        if (!anc[k] || k == i) continue;
        const IL *d = &g->nodes[k].deps;
        for (size_t j = 0; j < d->n; j++) drop[d->v[j]] = 1;
      }
      for (size_t k = 0; k < nd->deps.n; k++)
        if (!drop[nd->deps.v[k]] && !graph__il_has(&nd->norm_deps, nd->deps.v[k]))
          graph__il_push(g->arena, &nd->norm_deps, nd->deps.v[k]);
    }
    for (size_t k = 0; k < nd->down.n; k++)
      if (!graph__il_has(&nd->norm_down, nd->down.v[k]))
        graph__il_push(g->arena, &nd->norm_down, nd->down.v[k]);
    for (size_t k = 0; k < nd->norm_deps.n; k++)
      if (!graph__il_has(&nd->norm_down, nd->norm_deps.v[k]))
        graph__il_push(g->arena, &nd->norm_down, nd->norm_deps.v[k]);
  }
}

static void graph__label_add(Graph *g, GNode *nd, const SL *labels) {
  for (size_t i = 0; i < labels->n; i++)
    if (!graph__sl_has(&nd->labels, labels->v[i]))
      graph__sl_push(g->arena, &nd->labels, labels->v[i]);
}

/* _add_branches: a label spreads to the revision's descendants, and from the last
 * descendant walked back down its line until a real branch point or a merge point. */
static void graph__add_branches(Graph *g, Arena *tmp) {
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    if (!nd->alive || !nd->rev->nbranch_labels) continue;
    SL labels = {0};
    for (size_t k = 0; k < nd->labels.n; k++) graph__sl_push(tmp, &labels, nd->labels.v[k]);
    // The descendant walk of _iterate_related_revisions (a stack), remembering the last.
    uint8_t *seen = graph__marks(g, tmp);
    IL todo = {0};
    graph__il_push(tmp, &todo, (int)i);
    int last = (int)i;
    while (todo.n) {
      int r = todo.v[--todo.n];
      if (seen[r]) continue;
      seen[r] = 1;
      for (size_t k = 0; k < g->nodes[r].next.n; k++)
        graph__il_push(tmp, &todo, g->nodes[r].next.v[k]);
      graph__label_add(g, &g->nodes[r], &labels);
      last = r;
    }
    int parent = last;
    while (parent >= 0) {
      GNode *p = &g->nodes[parent];
      if (p->all_next.n > 1 || p->rev->ndown > 1) break;
      graph__label_add(g, p, &labels);
      if (p->rev->ndown == 1 && p->down.n == 1)
        parent = p->down.v[0];
      else
        break;
    }
  }
}

static bool graph__bad_id_chars(const char *id, char *out, size_t outsz) {
  // verify_rev_id: ", ".join(sorted(set(revision) & {"@", "-", "+"}))
  const char order[] = "+-@";
  size_t len = 0;
  out[0] = '\0';
  for (int k = 0; k < 3; k++)
    if (strchr(id, order[k]))
      len += (size_t)snprintf(out + len, outsz - len, "%s%c", len ? ", " : "", order[k]);
  return len > 0;
}

Graph *graph_build(Revision *const *revs, size_t n, FindingList *problems) {
  Graph *g = xcalloc(1, sizeof(Graph));
  g->arena = arena_new();
  Arena *a = g->arena;
  Arena *tmp = arena_new();
  g->nodes = ARENA_ARRAY(a, GNode, n + 1);

  size_t nlabels = 0;
  for (size_t i = 0; i < n; i++)
    if (revs[i] && revs[i]->id) nlabels += revs[i]->nbranch_labels;
  size_t cap = 16;
  while (cap < 2 * (n + nlabels) + 2) cap *= 2;
  g->table = ARENA_ARRAY(a, int, cap);
  g->tmask = cap - 1;
  g->keys = ARENA_ARRAY(a, GKey, n + nlabels + 1);

  // The map: one node per id, the last file winning at the first one's position.
  for (size_t i = 0; i < n; i++) {
    Revision *r = revs[i];
    if (!r || !r->id) continue;
    int k = graph__key_find(g, r->id);
    if (k >= 0) {
      if (problems)
        findings_add(problems, "duplicate-revision", SEV_WARNING, r->path, r->id_range,
                     "Revision %s is present more than once", r->id);
      g->nodes[g->keys[k].node].rev = r;
      continue;
    }
    GNode *nd = &g->nodes[g->nnodes];
    nd->rev = r;
    // The graph's strings are its own: graph_replace swaps a Revision for another, and
    // the old one's memory may be gone by then.
    nd->id = arena_strdup(a, r->id);
    nd->alive = true;
    graph__key_add(g, nd->id, (int)g->nnodes);
    g->nnodes++;
  }
  size_t nids = g->nkeys;

  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    Revision *r = nd->rev;
    char bad[16];
    if (problems && graph__bad_id_chars(r->id, bad, sizeof bad))
      findings_add(problems, "invalid-revision-id", SEV_ERROR, r->path, r->id_range,
                   "Character(s) '%s' not allowed in revision identifier '%s'", bad, r->id);
    for (size_t k = 0; k < r->nbranch_labels; k++) {
      const char *label = arena_strdup(a, r->branch_labels[k]);
      graph__sl_push(a, &nd->labels, label);
      int other = graph__key_find(g, label);
      if (other >= 0) {
        if (problems)
          findings_add(problems, "duplicate-branch-label", SEV_ERROR, r->path,
                       r->branch_labels_range,
                       "Branch name '%s' in revision %s already used by revision %s", label, r->id,
                       g->nodes[g->keys[other].node].id);
        continue;
      }
      graph__key_add(g, label, (int)i);
    }
  }

  // Parents and dependencies, by id (dependencies may also name a branch label).
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    Revision *r = nd->rev;
    bool self_loop = false, dep_loop = false;
    for (size_t k = 0; k < r->ndown; k++) {
      int k2 = graph__key_find(g, r->down[k]);
      int p = (k2 >= 0 && (size_t)k2 < nids) ? g->keys[k2].node : -1;
      if (p == (int)i) {
        self_loop = true;
        p = -1;
      } else if (p < 0 && problems) {
        SrcRange rg = r->down_ranges ? r->down_ranges[k] : r->down_range;
        findings_add(problems, "missing-revision", SEV_ERROR, r->path, rg,
                     "Revision %s referenced from %s is not present", r->down[k], r->id);
      }
      graph__il_push(a, &nd->raw_down, p);
    }
    for (size_t k = 0; k < r->ndepends_on; k++) {
      int k2 = graph__key_find(g, r->depends_on[k]);
      int p = k2 >= 0 ? g->keys[k2].node : -1;
      if (strcmp(r->depends_on[k], r->id) == 0) {
        dep_loop = true;
        continue;
      }
      if (p < 0) {
        if (problems) {
          SrcRange rg = r->depends_on_ranges ? r->depends_on_ranges[k] : r->depends_on_range;
          findings_add(problems, "missing-dependency", SEV_ERROR, r->path, rg,
                       "Revision %s referenced from %s is not present", r->depends_on[k], r->id);
        }
        continue;
      }
      graph__il_push(a, &nd->raw_deps, p);
    }
    if (self_loop && problems)
      findings_add(problems, "revision-cycle", SEV_ERROR, r->path, r->down_range,
                   "Self-loop is detected in revisions (%s)", r->id);
    if (dep_loop && problems)
      findings_add(problems, "revision-cycle", SEV_ERROR, r->path, r->depends_on_range,
                   "Dependency self-loop is detected in revisions (%s)", r->id);
  }

  graph__link(g);
  if (graph__detect_cycles(g, tmp, false, problems)) graph__link(g);
  if (graph__detect_cycles(g, tmp, true, problems)) graph__link(g);
  graph__normalize(g, tmp);
  graph__add_branches(g, tmp);

  g->alive = ARENA_ARRAY(a, Revision *, g->nnodes + 1);
  g->heads = ARENA_ARRAY(a, Revision *, g->nnodes + 1);
  g->real_heads = ARENA_ARRAY(a, Revision *, g->nnodes + 1);
  g->bases = ARENA_ARRAY(a, Revision *, g->nnodes + 1);
  g->head_idx = ARENA_ARRAY(a, int, g->nnodes + 1);
  g->real_head_idx = ARENA_ARRAY(a, int, g->nnodes + 1);
  g->base_idx = ARENA_ARRAY(a, int, g->nnodes + 1);
  for (size_t i = 0; i < g->nnodes; i++) {
    GNode *nd = &g->nodes[i];
    nd->alive_idx = -1;
    graph__seen(nd->rev, nd->seen);
    if (!nd->alive) continue;
    nd->alive_idx = (int)g->nalive;
    g->alive[g->nalive++] = nd->rev;
    if (nd->next.n) {
      nd->child_ids = ARENA_ARRAY(a, const char *, nd->next.n);
      for (size_t k = 0; k < nd->next.n; k++) nd->child_ids[k] = g->nodes[nd->next.v[k]].id;
    }
    if (!nd->next.n) {
      g->head_idx[g->nheads] = (int)i;
      g->heads[g->nheads++] = nd->rev;
    }
    if (!nd->all_next.n) {
      g->real_head_idx[g->nreal_heads] = (int)i;
      g->real_heads[g->nreal_heads++] = nd->rev;
    }
    if (!nd->rev->ndown) {
      g->base_idx[g->nbases] = (int)i;
      g->bases[g->nbases++] = nd->rev;
    }
  }

  if (problems) {
    if (g->nheads > 1) {
      Buf list = BUF_INIT;
      for (size_t i = 0; i < g->nheads; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", g->heads[i]->id);
      findings_add(problems, "multiple-heads", SEV_WARNING, NULL, graph__no_range(),
                   "Multiple heads are present: %s", buf_cstr(&list));
      buf_free(&list);
    }
    for (size_t i = 0; i < g->nnodes; i++) {
      GNode *nd = &g->nodes[i];
      const Revision *r = nd->rev;
      if (r->path && !strstr(graph__basename(r->path), r->id))
        findings_add(problems, "file-name-mismatch", SEV_INFO, r->path, r->id_range,
                     "File name '%s' does not contain the revision id '%s' (file_template "
                     "%%(rev)s_%%(slug)s)",
                     graph__basename(r->path), r->id);
      graph__check_docstring(nd, problems);
    }
  }
  arena_delete(tmp);
  g->serial = atomic_fetch_add(&graph__serials, 1);
  return g;
}

uint64_t graph_serial(const Graph *g) { return g->serial; }

static void graph__swap(Revision **v, size_t n, const Revision *old, Revision *rev) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == old) v[i] = rev;
}

bool graph_replace(Graph *g, Revision *rev) {
  if (!g || !rev || !rev->id) return false;
  int k = graph__key_find(g, rev->id);
  if (k < 0 || (size_t)k >= g->nnodes) return false; // not an id of the graph
  GNode *nd = &g->nodes[g->keys[k].node];
  if (!nd->alive || strcmp(nd->id, rev->id) != 0) return false;
  uint64_t seen[2];
  graph__seen(rev, seen);
  if (seen[0] != nd->seen[0] || seen[1] != nd->seen[1]) return false;
  // The old pointer is only compared, never read: its memory may be gone.
  const Revision *old = nd->rev;
  nd->rev = rev;
  g->alive[nd->alive_idx] = rev;
  graph__swap(g->heads, g->nheads, old, rev);
  graph__swap(g->real_heads, g->nreal_heads, old, rev);
  graph__swap(g->bases, g->nbases, old, rev);
  return true;
}

size_t graph_index(const Graph *g, const Revision *rev) {
  if (!g || !rev || !rev->id) return (size_t)-1;
  int node = graph__lookup(g, rev->id);
  if (node < 0 || g->nodes[node].rev != rev) return (size_t)-1;
  return (size_t)g->nodes[node].alive_idx;
}

void graph_delete(Graph *g) {
  if (!g) return;
  arena_delete(g->arena);
  free(g);
}

size_t graph_count(const Graph *g) { return g->nalive; }

Revision *graph_at(const Graph *g, size_t i) { return i < g->nalive ? g->alive[i] : NULL; }

Revision *graph_get(const Graph *g, const char *id_or_label) {
  int node = graph__lookup(g, id_or_label);
  return node >= 0 ? g->nodes[node].rev : NULL;
}

Revision *const *graph_heads(const Graph *g, size_t *n) {
  *n = g->nheads;
  return g->heads;
}

Revision *const *graph_real_heads(const Graph *g, size_t *n) {
  *n = g->nreal_heads;
  return g->real_heads;
}

Revision *const *graph_bases(const Graph *g, size_t *n) {
  *n = g->nbases;
  return g->bases;
}

static int graph__node_of(const Graph *g, const Revision *rev) {
  if (!rev || !rev->id) return -1;
  int node = graph__lookup(g, rev->id);
  return (node >= 0 && g->nodes[node].rev == rev) ? node : -1;
}

bool graph_info(const Graph *g, const Revision *rev, GraphRevInfo *out) {
  memset(out, 0, sizeof *out);
  int i = graph__node_of(g, rev);
  if (i < 0) return false;
  const GNode *nd = &g->nodes[i];
  out->is_head = nd->next.n == 0;
  out->is_real_head = nd->all_next.n == 0;
  out->is_base = rev->ndown == 0;
  out->is_real_base = rev->ndown == 0 && rev->ndepends_on == 0;
  out->is_branch_point = nd->next.n > 1;
  out->is_merge_point = rev->ndown > 1;
  out->nchildren = nd->next.n;
  out->children = nd->child_ids;
  out->branch_labels = nd->labels.v;
  out->nbranch_labels = nd->labels.n;
  return true;
}

/* ---- resolution (RevisionMap methods, one C function each) --------------------- */

typedef struct Ctx {
  const Graph *g;
  Arena *a;
  GErr *e;
} Ctx;

static bool rs_get_revisions(Ctx *c, const char *id_, IL *out);
static bool rs_for_ident(Ctx *c, const char *resolved, const char *check_branch, int *out);

/* descendants ∪ ancestors of `target` (versioned edges, or with dependencies). */
static uint8_t *rs_lineage(Ctx *c, int target, bool deps) {
  uint8_t *m = graph__marks(c->g, c->a);
  GErr e;
  graph__closure(c->g, c->a, &target, 1, deps ? REL_ALL_NEXT : REL_NEXT, m, false, &e);
  // a closure stops at marked nodes, so the ancestors get their own marks
  uint8_t *d = graph__marks(c->g, c->a);
  graph__closure(c->g, c->a, &target, 1, deps ? REL_NORM_DOWN : REL_DOWN, d, false, &e);
  for (size_t i = 0; i < c->g->nnodes; i++) m[i] |= d[i];
  return m;
}

/* _shares_lineage(target, test_against_revs) with the tests given as names. */
static bool rs_shares_lineage(Ctx *c, int target, const SL *tests, bool deps, bool *out) {
  if (!tests->n) {
    *out = true;
    return true;
  }
  IL resolved = {0};
  for (size_t i = 0; i < tests->n; i++) {
    int r;
    if (!rs_for_ident(c, tests->v[i], NULL, &r)) return false;
    graph__il_push(c->a, &resolved, r);
  }
  uint8_t *m = rs_lineage(c, target, deps);
  *out = false;
  for (size_t i = 0; i < resolved.n; i++)
    if (resolved.v[i] >= 0 && m[resolved.v[i]]) *out = true;
  return true;
}

static bool rs_resolve_number(Ctx *c, const char *id_, SL *ids, const char **label);

/* filter_for_lineage(targets, check_against): keeps[i] says whether targets[i] stays. */
static bool rs_filter_lineage(Ctx *c, const int *targets, size_t n, const char *check_against,
                              bool deps, bool *keep) {
  SL ids = {0};
  const char *label = NULL;
  if (!rs_resolve_number(c, check_against, &ids, &label)) return false;
  SL shares = {0};
  if (label) graph__sl_push(c->a, &shares, label);
  for (size_t i = 0; i < ids.n; i++) graph__sl_push(c->a, &shares, ids.v[i]);
  for (size_t i = 0; i < n; i++) {
    keep[i] = false;
    if (targets[i] < 0) continue;
    if (!rs_shares_lineage(c, targets[i], &shares, deps, &keep[i])) return false;
  }
  return true;
}

static void rs_filter_il(IL *l, const bool *keep) {
  uint32_t j = 0;
  for (size_t i = 0; i < l->n; i++)
    if (keep[i]) l->v[j++] = l->v[i];
  l->n = j;
}

static bool rs_multiple_heads(Ctx *c, const int *heads, size_t n, const char *argument) {
  Buf b = BUF_INIT;
  for (size_t i = 0; i < n; i++) buf_printf(&b, "%s%s", i ? ", " : "", c->g->nodes[heads[i]].id);
  graph__fail(c->e, GE_MULTIPLE_HEADS, argument,
              "Multiple heads are present for given argument '%s'; %s", argument, buf_cstr(&b));
  buf_free(&b);
  return false;
}

/* get_current_head(branch_label) */
static bool rs_current_head(Ctx *c, const char *label, int *out) {
  IL heads = {0};
  for (size_t i = 0; i < c->g->nheads; i++) graph__il_push(c->a, &heads, c->g->head_idx[i]);
  if (label) {
    bool *keep = ARENA_ARRAY(c->a, bool, heads.n + 1);
    if (!rs_filter_lineage(c, heads.v, heads.n, label, false, keep)) return false;
    rs_filter_il(&heads, keep);
  }
  if (heads.n > 1) {
    char arg[300];
    snprintf(arg, sizeof arg, "%s%s", label ? label : "head", label ? "@head" : "");
    return rs_multiple_heads(c, heads.v, heads.n, arg);
  }
  *out = heads.n ? heads.v[0] : TV_NONE;
  return true;
}

/* _resolve_revision_number: symbolic names to ids, and the branch label. */
static bool rs_resolve_number(Ctx *c, const char *id_, SL *ids, const char **label) {
  *label = NULL;
  ids->n = 0;
  if (id_) {
    const char *at = strchr(id_, '@');
    if (at) {
      *label = arena_strndup(c->a, id_, (size_t)(at - id_));
      id_ = at + 1;
    }
  }
  if (id_ && strcmp(id_, "heads") == 0) {
    if (*label) {
      IL heads = {0};
      for (size_t i = 0; i < c->g->nheads; i++) graph__il_push(c->a, &heads, c->g->head_idx[i]);
      bool *keep = ARENA_ARRAY(c->a, bool, heads.n + 1);
      if (!rs_filter_lineage(c, heads.v, heads.n, *label, false, keep)) return false;
      for (size_t i = 0; i < heads.n; i++)
        if (keep[i]) graph__sl_push(c->a, ids, c->g->nodes[heads.v[i]].id);
    } else {
      for (size_t i = 0; i < c->g->nreal_heads; i++)
        graph__sl_push(c->a, ids, c->g->nodes[c->g->real_head_idx[i]].id);
    }
    return true;
  }
  if (id_ && strcmp(id_, "head") == 0) {
    int h;
    if (!rs_current_head(c, *label, &h)) return false;
    if (h >= 0) graph__sl_push(c->a, ids, c->g->nodes[h].id);
    return true;
  }
  if (!id_ || strcmp(id_, "base") == 0) return true;
  graph__sl_push(c->a, ids, id_);
  return true;
}

/* _resolve_branch */
static bool rs_resolve_branch(Ctx *c, const char *label, int *out) {
  int node = graph__lookup(c->g, label);
  if (node >= 0) {
    *out = node;
    return true;
  }
  if (!rs_for_ident(c, label, NULL, out)) {
    if (c->e->kind == GE_RESOLUTION)
      return graph__fail(c->e, GE_RESOLUTION, label, "No such branch: '%s'", label);
    return false;
  }
  return true;
}

/* _revision_for_ident: exact key, else a unique prefix (keys of four or more chars).
 * `resolved` NULL stands for () (base): *out = TV_NONE. */
static bool rs_for_ident(Ctx *c, const char *resolved, const char *check_branch, int *out) {
  const Graph *g = c->g;
  int branch_rev = TV_NONE;
  if (check_branch && *check_branch) {
    if (!rs_resolve_branch(c, check_branch, &branch_rev)) return false;
  }
  int revision;
  if (!resolved) {
    revision = TV_NONE;
  } else if ((revision = graph__lookup(g, resolved)) < 0) {
    size_t rl = strlen(resolved);
    IL cand = {0};
    SL names = {0};
    for (size_t k = 0; k < g->nkeys; k++) {
      const char *key = g->keys[k].s;
      if (!g->nodes[g->keys[k].node].alive) continue;
      if (strlen(key) > 3 && strncmp(key, resolved, rl) == 0) {
        graph__il_push(c->a, &cand, g->keys[k].node);
        graph__sl_push(c->a, &names, key);
      }
    }
    if (branch_rev >= 0 && cand.n) {
      bool *keep = ARENA_ARRAY(c->a, bool, cand.n + 1);
      if (!rs_filter_lineage(c, cand.v, cand.n, check_branch, false, keep)) return false;
      size_t j = 0;
      for (size_t i = 0; i < cand.n; i++)
        if (keep[i]) cand.v[j] = cand.v[i], names.v[j++] = names.v[i];
      cand.n = names.n = j;
    }
    if (!cand.n)
      return graph__fail(c->e, GE_RESOLUTION, resolved, "No such revision or branch '%s'%s",
                         resolved,
                         rl < 4 ? "; please ensure at least four characters are present for "
                                  "partial revision identifier matches"
                                : "");
    if (cand.n > 1) {
      Buf b = BUF_INIT;
      for (size_t i = 0; i < cand.n && i < 3; i++)
        buf_printf(&b, "%s'%s'", i ? ", " : "", names.v[i]);
      graph__fail(c->e, GE_RESOLUTION, resolved, "Multiple revisions start with '%s': %s...",
                  resolved, buf_cstr(&b));
      buf_free(&b);
      return false;
    }
    revision = cand.v[0];
  }
  if (check_branch && *check_branch && revision >= 0 && branch_rev >= 0) {
    SL tests = {0};
    graph__sl_push(c->a, &tests, g->nodes[branch_rev].id);
    bool shares;
    if (!rs_shares_lineage(c, revision, &tests, false, &shares)) return false;
    if (!shares)
      return graph__fail(c->e, GE_RESOLUTION, resolved ? resolved : "",
                         "Revision %s is not a member of branch '%s'", g->nodes[revision].id,
                         check_branch);
  }
  *out = revision;
  return true;
}

/* get_revision */
static bool rs_get_revision(Ctx *c, const char *id_, int *out) {
  SL ids = {0};
  const char *label;
  if (!rs_resolve_number(c, id_, &ids, &label)) return false;
  if (ids.n > 1) {
    IL heads = {0};
    for (size_t i = 0; i < ids.n; i++) graph__il_push(c->a, &heads, graph__lookup(c->g, ids.v[i]));
    return rs_multiple_heads(c, heads.v, heads.n, id_ ? id_ : "None");
  }
  return rs_for_ident(c, ids.n ? ids.v[0] : NULL, label, out);
}

/* Python's int(s) < 0 for a string such as "-1" (whitespace, underscores allowed). */
static bool rs_negative_int(const char *s, long *out) {
  while (isspace((unsigned char)*s)) s++;
  if (*s != '-') return false;
  s++;
  long v = 0;
  bool digit = false, prev_us = false;
  for (; *s && !isspace((unsigned char)*s); s++) {
    if (*s == '_') {
      if (!digit || prev_us) return false;
      prev_us = true;
      continue;
    }
    if (!isdigit((unsigned char)*s)) return false;
    if (v < LONG_MAX / 10) v = v * 10 + (*s - '0');
    digit = true;
    prev_us = false;
  }
  while (isspace((unsigned char)*s)) s++;
  if (*s || !digit || prev_us || v == 0) return false;
  *out = -v;
  return true;
}

static bool rs_walk(Ctx *c, int start, long steps, const char *label, bool no_overwalk, int *out);

/* get_revisions for one string. */
static bool rs_get_revisions(Ctx *c, const char *id_, IL *out) {
  SL ids = {0};
  const char *label;
  if (!rs_resolve_number(c, id_, &ids, &label)) return false;
  long rint;
  if (ids.n == 1 && rs_negative_int(ids.v[0], &rint)) {
    // branch@-n -> walk down from heads
    IL heads = {0};
    if (!rs_get_revisions(c, "heads", &heads)) return false;
    for (size_t i = 0; i < heads.n; i++) {
      if (label && !graph__sl_has(&c->g->nodes[heads.v[i]].labels, label)) continue;
      int r;
      if (!rs_walk(c, heads.v[i], rint, NULL, true, &r)) return false;
      graph__il_push(c->a, out, r);
    }
    return true;
  }
  for (size_t i = 0; i < ids.n; i++) {
    int r;
    if (!rs_for_ident(c, ids.v[i], label, &r)) return false;
    graph__il_push(c->a, out, r);
  }
  return true;
}

/* _walk: `start` is a node, TV_NONE (below the bases) or TV_BASE; *out likewise, and
 * TV_NONE also for an overwalk with no_overwalk. */
static bool rs_walk(Ctx *c, int start, long steps, const char *label, bool no_overwalk, int *out) {
  const Graph *g = c->g;
  int initial = start;
  long count = steps < 0 ? -steps : steps;
  for (long s = 0; s < count; s++) {
    IL children = {0};
    if (steps > 0) {
      if (initial == TV_NONE) {
        for (size_t i = 0; i < g->nbases; i++) graph__il_push(c->a, &children, g->base_idx[i]);
      } else if (initial >= 0) {
        const IL *nx = &g->nodes[initial].next;
        for (size_t i = 0; i < nx->n; i++) graph__il_push(c->a, &children, nx->v[i]);
      }
      if (label && children.n) {
        bool *keep = ARENA_ARRAY(c->a, bool, children.n + 1);
        if (!rs_filter_lineage(c, children.v, children.n, label, false, keep)) return false;
        rs_filter_il(&children, keep);
      }
    } else {
      if (initial == TV_BASE) {
        // children = ()
      } else {
        if (initial == TV_NONE) {
          for (size_t i = 0; i < g->nheads; i++) graph__il_push(c->a, &children, g->head_idx[i]);
        } else {
          // get_revisions(initial.down_revision), over the parents that exist
          const IL *dn = &g->nodes[initial].down;
          for (size_t i = 0; i < dn->n; i++) graph__il_push(c->a, &children, dn->v[i]);
        }
        if (!children.n) graph__il_push(c->a, &children, TV_BASE);
      }
    }
    if (!children.n) {
      *out = no_overwalk ? TV_NONE : initial;
      return true;
    }
    if (children.n > 1) return graph__fail(c->e, GE_REVISION, NULL, "Ambiguous walk");
    initial = children.v[0];
  }
  *out = initial;
  return true;
}

/* _relative_destination = r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)", applied with re.match. */
typedef struct RelMatch {
  const char *label;    /* NULL if absent */
  const char *symbol;   /* NULL if absent */
  const char *relative; /* "+2", "-1" */
  long value;
} RelMatch;

static bool rs_word(unsigned char ch) { return isalnum(ch) || ch == '_' || ch >= 0x80; }

static bool rs_rel_at(Ctx *c, const char *s, RelMatch *m) {
  size_t w = 0;
  while (s[w] && rs_word((unsigned char)s[w])) w++;
  if (s[w] != '+' && s[w] != '-') return false;
  size_t d = 0;
  while (isdigit((unsigned char)s[w + 1 + d])) d++;
  if (!d) return false;
  m->symbol = w ? arena_strndup(c->a, s, w) : NULL;
  m->relative = arena_strndup(c->a, s + w, d + 1);
  long v = 0;
  for (size_t i = 0; i < d; i++)
    if (v < LONG_MAX / 10) v = v * 10 + (s[w + 1 + i] - '0');
  m->value = s[w] == '-' ? -v : v;
  return true;
}

static bool rs_relative_match(Ctx *c, const char *target, RelMatch *m) {
  memset(m, 0, sizeof *m);
  if (!target) return false;
  for (const char *p = target + 1; *p && *p != '\n'; p++) {
    if (*p != '@') continue;
    if (memchr(target, '\n', (size_t)(p - target))) break;
    if (rs_rel_at(c, p + 1, m)) {
      m->label = arena_strndup(c->a, target, (size_t)(p - target));
      return true;
    }
  }
  return rs_rel_at(c, target, m);
}

static bool rs_relative_fail(Ctx *c, const char *relative, long n) {
  return graph__fail(c->e, GE_REVISION, NULL, "Relative revision %s didn't produce %ld migrations",
                     relative, n < 0 ? -n : n);
}

/* A lower/upper argument: a string (history, CLI targets) or a tuple (database heads). */
typedef struct Arg {
  bool is_str;
  const char *s;
  const char *const *v;
  size_t n;
} Arg;

static bool rs_get_revisions_arg(Ctx *c, const Arg *arg, IL *out) {
  if (arg->is_str) return rs_get_revisions(c, arg->s, out);
  for (size_t i = 0; i < arg->n; i++)
    if (!rs_get_revisions(c, arg->v[i], out)) return false;
  return true;
}

/* util.to_tuple(arg) */
static void rs_arg_tuple(Ctx *c, const Arg *arg, SL *out) {
  if (arg->is_str) {
    if (arg->s) graph__sl_push(c->a, out, arg->s);
    return;
  }
  for (size_t i = 0; i < arg->n; i++) graph__sl_push(c->a, out, arg->v[i]);
}

/* _get_all_current */
static bool rs_all_current(Ctx *c, const SL *ids, IL *out) {
  IL top = {0};
  for (size_t i = 0; i < ids->n; i++)
    if (!rs_get_revisions(c, ids->v[i], &top)) return false;
  uint8_t *m = graph__marks(c->g, c->a);
  if (!graph__closure(c->g, c->a, top.v, top.n, REL_NORM_DOWN, m, false, c->e)) return false;
  // _filter_into_branch_heads: drop those with a descendant in the set
  for (size_t i = 0; i < c->g->nnodes; i++) {
    if (!m[i]) continue;
    uint8_t *d = graph__marks(c->g, c->a);
    int s = (int)i;
    graph__closure(c->g, c->a, &s, 1, REL_NEXT, d, false, c->e);
    bool has = false;
    for (size_t k = 0; k < c->g->nnodes; k++)
      if (k != i && d[k] && m[k]) has = true;
    if (!has) graph__il_push(c->a, out, (int)i);
  }
  return true;
}

/* _parse_downgrade_target: *label and *target (node, TV_NONE for base). */
static bool rs_parse_downgrade_target(Ctx *c, const Arg *current, const char *target,
                                      bool assert_relative_length, const char **label, int *out) {
  *label = NULL;
  if (!target) {
    *out = TV_NONE;
    return true;
  }
  RelMatch m;
  if (rs_relative_match(c, target, &m)) {
    const char *branch_label = m.label, *symbol = m.symbol;
    long rel = m.value;
    if (rel >= 0) {
      if (!symbol) return rs_relative_fail(c, m.relative, rel);
      int start, rev;
      if (!rs_get_revision(c, symbol, &start)) return false;
      if (!rs_walk(c, start, rel, branch_label, assert_relative_length, &rev)) return false;
      if (rev == TV_NONE) return graph__fail(c->e, GE_REVISION, NULL, "Walked too far");
      *label = branch_label;
      *out = rev;
      return true;
    }
    bool relative_revision = symbol == NULL;
    if (relative_revision) {
      if (branch_label) {
        SL cr = {0};
        rs_arg_tuple(c, current, &cr);
        IL crn = {0};
        SL keep_ids = {0};
        for (size_t i = 0; i < cr.n; i++) {
          int r;
          if (!rs_for_ident(c, cr.v[i], NULL, &r)) return false;
          graph__il_push(c->a, &crn, r);
        }
        bool *keep = ARENA_ARRAY(c->a, bool, crn.n + 1);
        if (!rs_filter_lineage(c, crn.v, crn.n, branch_label, false, keep)) return false;
        for (size_t i = 0; i < crn.n; i++)
          if (keep[i]) graph__sl_push(c->a, &keep_ids, cr.v[i]);
        if (!keep_ids.n) {
          IL all = {0};
          if (!rs_all_current(c, &cr, &all)) return false;
          bool *k2 = ARENA_ARRAY(c->a, bool, all.n + 1);
          if (!rs_filter_lineage(c, all.v, all.n, branch_label, false, k2)) return false;
          for (size_t i = 0; i < all.n; i++)
            if (k2[i]) graph__sl_push(c->a, &keep_ids, c->g->nodes[all.v[i]].id);
        }
        if (keep_ids.n != 1)
          return graph__fail(c->e, GE_REVISION, NULL,
                             "Relative revision %s didn't produce %ld migrations", m.relative,
                             -rel);
        symbol = keep_ids.v[0];
      } else {
        SL cr = {0};
        rs_arg_tuple(c, current, &cr);
        if (!cr.n) return rs_relative_fail(c, m.relative, rel);
        symbol = cr.v[0];
        branch_label = symbol;
      }
    }
    int start, rev;
    if (!branch_label) {
      if (!rs_get_revision(c, symbol, &start)) return false;
    } else {
      char *both = arena_printf(c->a, "%s@%s", branch_label, symbol);
      if (!rs_get_revision(c, both, &start)) return false;
    }
    if (!rs_walk(c, start, rel, NULL, assert_relative_length, &rev)) return false;
    if (rev == TV_NONE) {
      if (relative_revision) return rs_relative_fail(c, m.relative, rel);
      return graph__fail(c->e, GE_REVISION, NULL, "Walked too far");
    }
    *label = branch_label;
    *out = rev;
    return true;
  }
  const char *at = strrchr(target, '@');
  if (at && at != target) *label = arena_strndup(c->a, target, (size_t)(at - target));
  return rs_get_revision(c, at ? at + 1 : target, out);
}

/* _parse_upgrade_target */
static bool rs_parse_upgrade_target(Ctx *c, const Arg *current, const char *target,
                                    bool assert_relative_length, IL *out) {
  RelMatch m;
  if (!rs_relative_match(c, target, &m)) return rs_get_revisions(c, target, out);
  long rel = m.value;
  const char *branch_label = m.label;
  if (rel > 0) {
    if (!m.symbol) {
      SL cur = {0};
      rs_arg_tuple(c, current, &cur);
      IL start = {0};
      bool start_none = false;
      if (!cur.n) start_none = true;
      if (branch_label && !start_none) {
        IL revs = {0};
        for (size_t i = 0; i < cur.n; i++)
          if (!rs_get_revisions(c, cur.v[i], &revs)) return false;
        bool *keep = ARENA_ARRAY(c->a, bool, revs.n + 1);
        if (!rs_filter_lineage(c, revs.v, revs.n, branch_label, false, keep)) return false;
        for (size_t i = 0; i < revs.n; i++)
          if (keep[i]) graph__il_push(c->a, &start, revs.v[i]);
        if (!start.n) {
          uint8_t *anc = graph__marks(c->g, c->a);
          if (!graph__closure(c->g, c->a, revs.v, revs.n, REL_NORM_DOWN, anc, false, c->e))
            return false;
          IL active = {0};
          for (size_t i = 0; i < c->g->nnodes; i++)
            if (anc[i]) graph__il_push(c->a, &active, (int)i);
          bool *k2 = ARENA_ARRAY(c->a, bool, active.n + 1);
          if (!rs_filter_lineage(c, active.v, active.n, branch_label, false, k2)) return false;
          rs_filter_il(&active, k2);
          uint8_t *downs = graph__marks(c->g, c->a);
          for (size_t i = 0; i < active.n; i++) {
            const IL *nd = &c->g->nodes[active.v[i]].norm_down;
            for (size_t k = 0; k < nd->n; k++) downs[nd->v[k]] = 1;
          }
          for (size_t i = 0; i < active.n; i++)
            if (!downs[active.v[i]]) graph__il_push(c->a, &start, active.v[i]);
          if (!start.n) start_none = true;
        }
        if (start.n > 1)
          return graph__fail(c->e, GE_REVISION, NULL,
                             "Ambiguous upgrade from multiple current revisions");
      } else if (!start_none) {
        if (cur.n > 1)
          return graph__fail(c->e, GE_REVISION, NULL,
                             "Ambiguous upgrade from multiple current revisions");
        int r;
        if (!rs_get_revision(c, cur.v[0], &r)) return false;
        graph__il_push(c->a, &start, r);
      }
      int rev;
      if (!rs_walk(c, start_none ? TV_NONE : start.v[0], rel, branch_label, assert_relative_length,
                   &rev))
        return false;
      if (rev == TV_NONE) return rs_relative_fail(c, m.relative, rel);
      graph__il_push(c->a, out, rev);
      return true;
    }
    int start, rev;
    if (!rs_get_revision(c, m.symbol, &start)) return false;
    if (!rs_walk(c, start, rel, branch_label, assert_relative_length, &rev)) return false;
    if (rev == TV_NONE && assert_relative_length) return rs_relative_fail(c, m.relative, rel);
    graph__il_push(c->a, out, rev);
    return true;
  }
  if (!m.symbol)
    return graph__fail(c->e, GE_REVISION, NULL,
                       "Relative revision %ld didn't produce %ld migrations", rel,
                       rel < 0 ? -rel : rel);
  int start, rev;
  if (!branch_label) {
    if (!rs_get_revision(c, m.symbol, &start)) return false;
  } else {
    char *both = arena_printf(c->a, "%s@%s", branch_label, m.symbol);
    if (!rs_get_revision(c, both, &start)) return false;
  }
  if (!rs_walk(c, start, rel, NULL, assert_relative_length, &rev)) return false;
  if (rev == TV_NONE && assert_relative_length) return rs_relative_fail(c, m.relative, rel);
  graph__il_push(c->a, out, rev);
  return true;
}

/* _collect_upgrade_revisions: the set to run (`needs`) and the targets (sort heads). */
static bool rs_collect_upgrade(Ctx *c, const char *upper, const Arg *lower, bool inclusive,
                               bool implicit_base, bool assert_relative_length, uint8_t **needs,
                               IL *targets) {
  const Graph *g = c->g;
  IL parsed = {0};
  if (!rs_parse_upgrade_target(c, lower, upper, assert_relative_length, &parsed)) return false;
  for (size_t i = 0; i < parsed.n; i++)
    if (parsed.v[i] >= 0) graph__il_push(c->a, targets, parsed.v[i]);

  if (lower->is_str && lower->s && strchr(lower->s, '@')) {
    const char *branch = arena_strndup(c->a, lower->s, (size_t)(strchr(lower->s, '@') - lower->s));
    int br;
    if (!rs_get_revision(c, branch, &br)) return false;
    if (br >= 0 && strcmp(g->nodes[br].id, branch) == 0 && g->nodes[br].labels.n == 1)
      branch = g->nodes[br].labels.v[0];
    size_t j = 0;
    for (size_t i = 0; i < targets->n; i++)
      if (graph__sl_has(&g->nodes[targets->v[i]].labels, branch)) targets->v[j++] = targets->v[i];
    targets->n = j;
  }

  uint8_t *required = graph__marks(g, c->a);
  if (!graph__closure(g, c->a, targets->v, targets->n, REL_NORM_DOWN, required, true, c->e))
    return false;

  IL current = {0};
  if (!rs_get_revisions_arg(c, lower, &current)) return false;
  if (!implicit_base) {
    for (size_t i = 0; i < current.n; i++) {
      if (current.v[i] == TV_NONE) continue;
      if (current.v[i] == TV_BASE || !required[current.v[i]])
        return graph__fail(c->e, GE_RANGE, NULL, "Revision %s is not an ancestor of revision %s",
                           lower->is_str && lower->s ? lower->s : "base", upper ? upper : "base");
    }
  }
  Arg lower2 = *lower;
  if (current.n && current.v[0] == TV_NONE) {
    // lower is a relative value get_revisions cannot find
    Arg up = {true, upper, NULL, 0};
    const char *lbl;
    int rev;
    if (!rs_parse_downgrade_target(c, &up, lower->is_str ? lower->s : NULL, assert_relative_length,
                                   &lbl, &rev))
      return false;
    current.n = 0;
    if (rev == TV_BASE || rev == TV_NONE) {
      lower2 = (Arg){true, NULL, NULL, 0};
    } else {
      graph__il_push(c->a, &current, rev);
      lower2 = (Arg){true, g->nodes[rev].id, NULL, 0};
    }
  }
  IL cur_nodes = {0};
  for (size_t i = 0; i < current.n; i++)
    if (current.v[i] >= 0) graph__il_push(c->a, &cur_nodes, current.v[i]);
  uint8_t *have = graph__marks(g, c->a);
  if (!graph__closure(g, c->a, cur_nodes.v, cur_nodes.n, REL_NORM_DOWN, have, true, c->e))
    return false;
  uint8_t *need = graph__marks(g, c->a);
  for (size_t i = 0; i < g->nnodes; i++) need[i] = required[i] && !have[i];
  if (inclusive) {
    IL low = {0};
    if (!rs_get_revisions_arg(c, &lower2, &low)) return false;
    for (size_t i = 0; i < low.n; i++)
      if (low.v[i] >= 0) need[low.v[i]] = 1;
  }
  if (current.n && !implicit_base) {
    uint8_t *desc = graph__marks(g, c->a);
    if (!graph__closure(g, c->a, cur_nodes.v, cur_nodes.n, REL_NEXT, desc, true, c->e))
      return false;
    for (size_t i = 0; i < g->nnodes; i++) need[i] = need[i] && desc[i];
  }
  *needs = need;
  return true;
}

/* _collect_downgrade_revisions */
static bool rs_collect_downgrade(Ctx *c, const Arg *upper, const char *target, bool inclusive,
                                 bool implicit_base, bool assert_relative_length, uint8_t **out,
                                 IL *heads) {
  const Graph *g = c->g;
  const char *branch_label;
  int target_rev;
  if (!rs_parse_downgrade_target(c, upper, target, assert_relative_length, &branch_label,
                                 &target_rev))
    return false;
  if (target_rev == TV_BASE) target_rev = TV_NONE;
  IL roots = {0};
  if (target_rev == TV_NONE) {
    for (size_t i = 0; i < g->nbases; i++) graph__il_push(c->a, &roots, g->base_idx[i]);
  } else if (inclusive) {
    graph__il_push(c->a, &roots, target_rev);
  } else {
    const IL *nx = &g->nodes[target_rev].next;
    for (size_t i = 0; i < nx->n; i++) graph__il_push(c->a, &roots, nx->v[i]);
  }
  if (branch_label && roots.n > 1) {
    int br;
    if (!rs_resolve_branch(c, branch_label, &br)) return false;
    uint8_t *anc = graph__marks(g, c->a);
    if (!graph__closure(g, c->a, &br, 1, REL_DOWN, anc, false, c->e)) return false;
    size_t j = 0;
    for (size_t i = 0; i < roots.n; i++)
      if (anc[roots.v[i]]) roots.v[j++] = roots.v[i];
    roots.n = j;
    if (!roots.n)
      return graph__fail(c->e, GE_REVISION, NULL,
                         "Not a valid downgrade target from current heads");
  }
  if (!rs_get_revisions_arg(c, upper, heads)) return false;
  uint8_t *drop = graph__marks(g, c->a);
  if (!graph__closure(g, c->a, roots.v, roots.n, REL_ALL_NEXT, drop, false, c->e)) return false;
  IL hn = {0};
  for (size_t i = 0; i < heads->n; i++)
    if (heads->v[i] >= 0) graph__il_push(c->a, &hn, heads->v[i]);
  uint8_t *active = graph__marks(g, c->a);
  if (!graph__closure(g, c->a, hn.v, hn.n, REL_NORM_DOWN, active, false, c->e)) return false;
  bool any = false;
  for (size_t i = 0; i < g->nnodes; i++) {
    drop[i] = drop[i] && active[i];
    any |= drop[i];
  }
  if (implicit_base) {
    uint8_t *ra = graph__marks(g, c->a);
    graph__closure(g, c->a, roots.v, roots.n, REL_NORM_DOWN, ra, false, c->e);
    for (size_t i = 0; i < g->nnodes; i++)
      if (active[i] && !ra[i]) drop[i] = 1;
  }
  if (target_rev >= 0 && !any && !graph__il_has(&hn, target_rev))
    return graph__fail(c->e, GE_RANGE, NULL,
                       "Revision Nothing to drop is not an ancestor of revision %s",
                       upper->is_str && upper->s ? upper->s : "base");
  *out = drop;
  return true;
}

/* _topological_sort: the members of `todo_set`, heads first, walking each line down
 * while no other pending head still needs the candidate. */
static void rs_toposort(Ctx *c, uint8_t *todo_set, const IL *heads, IL *out) {
  const Graph *g = c->g;
  size_t ntodo = 0;
  for (size_t i = 0; i < g->nnodes; i++) ntodo += todo_set[i] != 0;
  uint8_t *todo = todo_set;
  // current_heads sorted by map order (node index is map order)
  IL cur = {0};
  for (size_t i = 0; i < g->nnodes; i++) {
    if (!todo[i]) continue;
    if (graph__il_has(heads, (int)i)) graph__il_push(c->a, &cur, (int)i);
  }
  VEC(uint8_t *) anc = {0};
  GErr e;
  for (size_t i = 0; i < cur.n; i++) {
    uint8_t *m = graph__marks(g, c->a);
    graph__closure(g, c->a, &cur.v[i], 1, REL_NORM_DOWN, m, false, &e);
    vec_push(&anc, m);
  }
  size_t idx = 0;
  size_t guard = 0, limit = (g->nnodes + 4) * (g->nnodes + 4) * 4;
  while (cur.n && guard++ < limit) {
    int cand = cur.v[idx];
    bool moved = false;
    for (size_t j = 0; j < anc.len; j++) {
      if (j != idx && anc.items[j][cand]) {
        idx = j;
        moved = true;
        break;
      }
    }
    if (moved) continue;
    if (todo[cand]) {
      graph__il_push(c->a, out, cand);
      todo[cand] = 0;
      ntodo--;
    }
    const GNode *nd = &g->nodes[cand];
    IL add = {0};
    for (size_t k = 0; k < nd->norm_down.n; k++) {
      int r = nd->norm_down.v[k];
      if (todo[r] && !graph__il_has(&cur, r)) graph__il_push(c->a, &add, r);
    }
    if (!add.n) {
      memmove(&cur.v[idx], &cur.v[idx + 1], (cur.n - idx - 1) * sizeof(int));
      cur.n--;
      memmove(&anc.items[idx], &anc.items[idx + 1], (anc.len - idx - 1) * sizeof(uint8_t *));
      anc.len--;
      idx = idx ? idx - 1 : 0;
    } else if (!nd->norm_deps.n && nd->down.n == 1) {
      cur.v[idx] = add.v[0];
      anc.items[idx][cand] = 0;
    } else {
      cur.v[idx] = add.v[0];
      uint8_t *m = graph__marks(g, c->a);
      graph__closure(g, c->a, &add.v[0], 1, REL_NORM_DOWN, m, false, &e);
      anc.items[idx] = m;
      for (size_t k = 1; k < add.n; k++) {
        graph__il_push(c->a, &cur, add.v[k]);
        uint8_t *m2 = graph__marks(g, c->a);
        graph__closure(g, c->a, &add.v[k], 1, REL_NORM_DOWN, m2, false, &e);
        vec_push(&anc, m2);
      }
    }
  }
  vec_free(&anc);
  // Alembic asserts nothing is left; keep whatever a broken graph leaves, in map order.
  for (size_t i = 0; ntodo && i < g->nnodes; i++)
    if (todo[i]) graph__il_push(c->a, out, (int)i), ntodo--;
}

/* ---- public entry points --------------------------------------------------------- */

static void graph__out(const Graph *g, const IL *l, bool reverse, Revision ***out, size_t *n) {
  size_t cnt = 0;
  for (size_t i = 0; i < l->n; i++) cnt += l->v[i] >= 0;
  *n = cnt;
  *out = NULL;
  if (!cnt) return;
  Revision **v = xmalloc(cnt * sizeof(Revision *));
  size_t j = 0;
  for (size_t i = 0; i < l->n; i++) {
    int x = l->v[reverse ? l->n - 1 - i : i];
    if (x >= 0) v[j++] = g->nodes[x].rev;
  }
  *out = v;
}

bool graph_resolve(const Graph *g, const char *target, Revision ***out, size_t *n, RtError *err) {
  *out = NULL;
  *n = 0;
  Arena *a = arena_new();
  GErr e = {0};
  Ctx c = {g, a, &e};
  IL l = {0};
  bool ok = false;
  RelMatch m;
  if (target && rs_relative_match(&c, target, &m) && m.symbol) {
    // head-2, rev+1, label@rev-1: the walk Alembic's upgrade/downgrade parsers do
    Arg none = {false, NULL, NULL, 0};
    if (m.value > 0)
      ok = rs_parse_upgrade_target(&c, &none, target, true, &l);
    else {
      const char *lbl;
      int r;
      ok = rs_parse_downgrade_target(&c, &none, target, true, &lbl, &r);
      if (ok && r >= 0) graph__il_push(a, &l, r);
    }
  } else {
    ok = rs_get_revisions(&c, target, &l);
  }
  if (ok) {
    graph__out(g, &l, false, out, n);
  } else {
    error_set(err, ERR_TARGET, "%s", e.msg);
  }
  arena_delete(a);
  return ok;
}

/* ScriptDirectory._catch_revision_errors: Alembic's CommandError wording. */
typedef enum CmdKind { CMD_HISTORY, CMD_UPGRADE, CMD_DOWNGRADE } CmdKind;

static bool graph__command_error(const GErr *e, CmdKind cmd, const char *start, const char *end,
                                 RtError *err) {
  switch (e->kind) {
  case GE_RANGE:
    if (cmd == CMD_UPGRADE)
      return error_set(err, ERR_TARGET,
                       "Destination %s is not a valid upgrade target from current head(s)", end);
    if (cmd == CMD_DOWNGRADE)
      return error_set(err, ERR_TARGET,
                       "Destination %s is not a valid downgrade target from current head(s)", end);
    return error_set(err, ERR_TARGET,
                     "Requested range %s:%s does not refer to ancestor/descendant revisions "
                     "along the same branch",
                     start, end);
  case GE_MULTIPLE_HEADS: {
    const char *h = end ? end : e->arg;
    return error_set(err, ERR_TARGET,
                     "Multiple head revisions are present for given argument '%s'; please "
                     "specify a specific target revision, '<branchname>@%s' to narrow to a "
                     "specific head, or 'heads' for all heads",
                     h, h);
  }
  case GE_RESOLUTION:
    return error_set(err, ERR_TARGET, "Can't locate revision identified by '%s'", e->arg);
  case GE_REVISION:
  default: return error_set(err, ERR_TARGET, "%s", e->msg);
  }
}

bool graph_history(const Graph *g, const char *range, Revision ***out, size_t *n, RtError *err) {
  *out = NULL;
  *n = 0;
  char *base = NULL, *head = NULL;
  if (range) {
    const char *colon = strchr(range, ':');
    if (!colon)
      return error_set(err, ERR_TARGET,
                       "History range requires [start]:[end], [start]:, or :[end]");
    // rev_range.strip().split(":") must give exactly two parts
    const char *s = range, *e = range + strlen(range);
    while (s < e && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    colon = memchr(s, ':', (size_t)(e - s));
    if (!colon || memchr(colon + 1, ':', (size_t)(e - colon - 1)))
      return error_set(err, ERR_TARGET, "too many values to unpack (expected 2)");
    base = xstrndup(s, (size_t)(colon - s));
    head = xstrndup(colon + 1, (size_t)(e - colon - 1));
  }
  const char *b = base && *base ? base : "base";
  const char *h = head && *head ? head : "heads";
  Arena *a = arena_new();
  GErr e = {0};
  Ctx c = {g, a, &e};
  Arg lower = {true, b, NULL, 0};
  uint8_t *needs = NULL;
  IL targets = {0}, order = {0};
  bool ok = rs_collect_upgrade(&c, h, &lower, true, false, false, &needs, &targets);
  if (ok) {
    rs_toposort(&c, needs, &targets, &order);
    graph__out(g, &order, false, out, n);
  } else {
    graph__command_error(&e, CMD_HISTORY, b, h, err);
  }
  arena_delete(a);
  free(base);
  free(head);
  return ok;
}

bool graph_upgrade_plan(const Graph *g, const char *const *current, size_t ncurrent,
                        const char *target, Revision ***out, size_t *n, RtError *err) {
  *out = NULL;
  *n = 0;
  Arena *a = arena_new();
  GErr e = {0};
  Ctx c = {g, a, &e};
  Arg lower = {false, NULL, current, ncurrent};
  uint8_t *needs = NULL;
  IL targets = {0}, order = {0};
  bool ok = rs_collect_upgrade(&c, target, &lower, false, true, true, &needs, &targets);
  if (ok) {
    rs_toposort(&c, needs, &targets, &order);
    graph__out(g, &order, true, out, n);
  } else {
    graph__command_error(&e, CMD_UPGRADE, NULL, target, err);
  }
  arena_delete(a);
  return ok;
}

bool graph_downgrade_plan(const Graph *g, const char *const *current, size_t ncurrent,
                          const char *target, Revision ***out, size_t *n, RtError *err) {
  *out = NULL;
  *n = 0;
  Arena *a = arena_new();
  GErr e = {0};
  Ctx c = {g, a, &e};
  Arg upper = {false, NULL, current, ncurrent};
  uint8_t *drop = NULL;
  IL heads = {0}, order = {0};
  bool ok = rs_collect_downgrade(&c, &upper, target, false, false, true, &drop, &heads);
  if (ok) {
    rs_toposort(&c, drop, &heads, &order);
    graph__out(g, &order, false, out, n);
  } else {
    graph__command_error(&e, CMD_DOWNGRADE, NULL, target, err);
  }
  arena_delete(a);
  return ok;
}
