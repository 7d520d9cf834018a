/* graph_fixtures.h - builds Revisions by hand for the graph and history tests (the
 * parser is not involved): one Spec per revision file, lists comma-separated. */
#ifndef RETORT_TESTS_GRAPH_FIXTURES_H
#define RETORT_TESTS_GRAPH_FIXTURES_H
#include <string.h>

#include "server/alembic/graph.h"
#include "server/base/arena.h"

typedef struct Spec {
  const char *id;
  const char *down;   /* "a,b" or "" */
  const char *labels; /* "x" or "" */
  const char *deps;   /* "a" or "" */
  const char *doc;    /* Script.longdoc (stripped docstring) */
  const char *path;
} Spec;

static inline const char **spec__split(Arena *a, const char *s, size_t *n) {
  *n = 0;
  if (!s || !*s) return NULL;
  size_t cap = 1;
  for (const char *p = s; *p; p++) cap += *p == ',';
  const char **v = ARENA_ARRAY(a, const char *, cap);
  const char *p = s;
  for (;;) {
    const char *c = strchr(p, ',');
    v[(*n)++] = arena_strndup(a, p, c ? (size_t)(c - p) : strlen(p));
    if (!c) break;
    p = c + 1;
  }
  return v;
}

/** One Revision from a Spec, owned by `a`. */
static inline Revision *spec_revision(Arena *a, const Spec *s) {
  Revision *r = ARENA_NEW(a, Revision);
  r->id = s->id ? arena_strdup(a, s->id) : NULL;
  r->path = s->path ? arena_strdup(a, s->path) : arena_printf(a, "/p/versions/%s_x.py", s->id ? s->id : "noid");
  r->down = spec__split(a, s->down, &r->ndown);
  r->branch_labels = spec__split(a, s->labels, &r->nbranch_labels);
  r->depends_on = spec__split(a, s->deps, &r->ndepends_on);
  r->longdoc = arena_strdup(a, s->doc ? s->doc : "");
  const char *end = strstr(r->longdoc, "\n\n");
  r->message = end ? arena_strndup(a, r->longdoc, (size_t)(end - r->longdoc)) : r->longdoc;
  r->down_ranges = ARENA_ARRAY(a, SrcRange, r->ndown + 1);
  for (size_t i = 0; i < r->ndown; i++) {
    r->down_ranges[i].line = 12;
    r->down_ranges[i].col = (uint32_t)(17 + 16 * i);
  }
  r->id_range.line = 11;
  r->id_range.col = 12;
  r->down_range.line = 12;
  r->down_range.col = 17;
  r->syntax_ok = true;
  return r;
}

/** Revisions for a {0}-terminated Spec array, in order; *n gets the count. */
static inline Revision **spec_revisions(Arena *a, const Spec *specs, size_t *n) {
  size_t k = 0;
  while (specs[k].id || specs[k].path) k++;
  Revision **v = ARENA_ARRAY(a, Revision *, k + 1);
  for (size_t i = 0; i < k; i++) v[i] = spec_revision(a, &specs[i]);
  *n = k;
  return v;
}

#endif
