/* test_graph.c - the revision graph: structure, problems as findings, target resolution
 * and upgrade/downgrade plans. Expected values and messages were taken from Alembic
 * 1.8.1's RevisionMap / ScriptDirectory run on the same revisions. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph_fixtures.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

/* A graph over specs, with its findings; freed by fx_free. */
typedef struct Fx {
  Arena *a;
  Graph *g;
  FindingList fl;
} Fx;

static Fx fx_build(const Spec *specs) {
  Fx f;
  f.a = arena_new();
  findings_init(&f.fl);
  size_t n;
  Revision **revs = spec_revisions(f.a, specs, &n);
  f.g = graph_build(revs, n, &f.fl);
  return f;
}

static void fx_free(Fx *f) {
  graph_delete(f->g);
  findings_free(&f->fl);
  arena_delete(f->a);
}

/* "id id id" of a Revision array (or "" when empty). */
static char *ids(Revision *const *v, size_t n) {
  Buf b = BUF_INIT;
  for (size_t i = 0; i < n; i++) buf_printf(&b, "%s%s", i ? " " : "", v[i]->id);
  char *s = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

/* graph_resolve as "ids" or "ERR message". */
static char *resolve(const Graph *g, const char *target) {
  Revision **out = NULL;
  size_t n = 0;
  RtError err = {0};
  if (!graph_resolve(g, target, &out, &n, &err)) {
    cr_expect_eq(err.kind, ERR_TARGET);
    return xstrdup(err.msg);
  }
  char *s = ids(out, n);
  free(out);
  return s;
}

#define EXPECT_RESOLVE(g, target, want)                                                            \
  do {                                                                                             \
    char *got__ = resolve((g), (target));                                                          \
    cr_expect_str_eq(got__, (want), "resolve %s: got '%s'", (target), got__);                      \
    free(got__);                                                                                   \
  } while (0)

static const Finding *find_rule(const FindingList *fl, const char *rule, size_t nth) {
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp(fl->items[i].rule, rule) == 0 && nth-- == 0) return &fl->items[i];
  return NULL;
}

static size_t count_rule(const FindingList *fl, const char *rule) {
  size_t n = 0;
  for (size_t i = 0; i < fl->len; i++) n += strcmp(fl->items[i].rule, rule) == 0;
  return n;
}

/* Two branches with labels (billing, reports) off a common trunk; reports goes on. */
static const Spec TREE[] = {
    {"aa11aa11", "", "", "", "root", "/p/versions/aa11aa11_root.py"},
    {"bb22bb22", "aa11aa11", "", "", "trunk", "/p/versions/bb22bb22_trunk.py"},
    {"cc33cc33", "bb22bb22", "", "", "billing start", "/p/versions/cc33cc33_b.py"},
    {"dd44dd44", "cc33cc33", "billing", "", "billing label", "/p/versions/dd44dd44_b.py"},
    {"ee55ee55", "dd44dd44", "", "", "billing more", "/p/versions/ee55ee55_b.py"},
    {"ff66ff66", "bb22bb22", "", "", "reports start", "/p/versions/ff66ff66_r.py"},
    {"ab77ab77", "ff66ff66", "reports", "", "reports label", "/p/versions/ab77ab77_r.py"},
    {"abcd0001", "ab77ab77", "", "", "reports more", "/p/versions/abcd0001_r.py"},
    {0}};

Test(graph, structure_of_a_branched_tree) {
  Fx f = fx_build(TREE);
  cr_expect_eq(graph_count(f.g), 8);
  size_t n;
  Revision *const *h = graph_heads(f.g, &n);
  char *s = ids(h, n);
  cr_expect_str_eq(s, "ee55ee55 abcd0001");
  free(s);
  h = graph_bases(f.g, &n);
  cr_expect_eq(n, 1);
  cr_expect_str_eq(h[0]->id, "aa11aa11");

  GraphRevInfo in;
  cr_assert(graph_info(f.g, graph_get(f.g, "bb22bb22"), &in));
  cr_expect(in.is_branch_point && !in.is_merge_point && !in.is_head && !in.is_base);
  cr_expect_eq(in.nchildren, 2);
  cr_expect_str_eq(in.children[0], "cc33cc33");
  cr_expect_str_eq(in.children[1], "ff66ff66");
  cr_expect_eq(in.nbranch_labels, 0, "a branch point takes no label");

  // labels spread to descendants and down the line to the branch point
  const char *billing[] = {"cc33cc33", "dd44dd44", "ee55ee55"};
  for (int i = 0; i < 3; i++) {
    cr_assert(graph_info(f.g, graph_get(f.g, billing[i]), &in));
    cr_expect_eq(in.nbranch_labels, 1, "%s", billing[i]);
    cr_expect_str_eq(in.branch_labels[0], "billing");
  }
  cr_assert(graph_info(f.g, graph_get(f.g, "abcd0001"), &in));
  cr_expect(in.is_head && in.is_real_head);
  cr_expect_str_eq(in.branch_labels[0], "reports");
  cr_assert(graph_info(f.g, graph_get(f.g, "aa11aa11"), &in));
  cr_expect(in.is_base && in.is_real_base && in.nbranch_labels == 0);

  // a label names the revision that declares it
  cr_expect_str_eq(graph_get(f.g, "billing")->id, "dd44dd44");
  cr_expect_null(graph_get(f.g, "nosuch"));
  cr_expect_eq(count_rule(&f.fl, "multiple-heads"), 1);
  cr_expect_str_eq(find_rule(&f.fl, "multiple-heads", 0)->message,
                   "Multiple heads are present: ee55ee55, abcd0001");
  cr_expect_eq(find_rule(&f.fl, "multiple-heads", 0)->severity, SEV_WARNING);
  fx_free(&f);
}

Test(graph, resolve_like_alembic) {
  Fx f = fx_build(TREE);
  EXPECT_RESOLVE(f.g, "heads", "ee55ee55 abcd0001");
  EXPECT_RESOLVE(f.g, "head",
                 "Multiple heads are present for given argument 'head'; ee55ee55, abcd0001");
  EXPECT_RESOLVE(f.g, "base", "");
  EXPECT_RESOLVE(f.g, "aa11aa11", "aa11aa11");
  EXPECT_RESOLVE(f.g, "aa11", "aa11aa11");
  EXPECT_RESOLVE(f.g, "ab", "Multiple revisions start with 'ab': 'ab77ab77', 'abcd0001'...");
  EXPECT_RESOLVE(f.g, "abc", "abcd0001");
  EXPECT_RESOLVE(f.g, "zzzz", "No such revision or branch 'zzzz'");
  EXPECT_RESOLVE(f.g, "zz",
                 "No such revision or branch 'zz'; please ensure at least four characters are "
                 "present for partial revision identifier matches");
  EXPECT_RESOLVE(f.g, "billing", "dd44dd44");
  EXPECT_RESOLVE(f.g, "billing@head", "ee55ee55");
  EXPECT_RESOLVE(f.g, "billing@base", "");
  EXPECT_RESOLVE(f.g, "reports@heads", "abcd0001");
  EXPECT_RESOLVE(f.g, "billing@cc33", "cc33cc33");
  EXPECT_RESOLVE(f.g, "billing@ff66ff66", "Revision ff66ff66 is not a member of branch 'billing'");
  EXPECT_RESOLVE(f.g, "nosuch@head", "No such revision or branch 'nosuch'");
  EXPECT_RESOLVE(f.g, "-1", "dd44dd44 ab77ab77");
  EXPECT_RESOLVE(f.g, "billing@-1", "dd44dd44");
  EXPECT_RESOLVE(f.g, "billing@-2", "cc33cc33");
  EXPECT_RESOLVE(f.g, "reports@-3", "bb22bb22");
  EXPECT_RESOLVE(f.g, "ee55ee55@head", "ee55ee55");
  EXPECT_RESOLVE(f.g, "head-1",
                 "Multiple heads are present for given argument 'head'; ee55ee55, abcd0001");
  EXPECT_RESOLVE(f.g, "ee55ee55-2", "cc33cc33");
  EXPECT_RESOLVE(f.g, "bb22bb22+1", "Ambiguous walk");
  EXPECT_RESOLVE(f.g, "billing@bb22bb22+1", "cc33cc33");
  EXPECT_RESOLVE(f.g, "reports@head-1", "ab77ab77");
  EXPECT_RESOLVE(f.g, "ee55ee55-9", "Walked too far");
  fx_free(&f);
}

Test(graph, resolve_single_head) {
  static const Spec chain[] = {{"1975ea83b712", "", "", "", "a", NULL},
                               {"ae1027a6acf0", "1975ea83b712", "", "", "b", NULL},
                               {"27c6a30d7c24", "ae1027a6acf0", "", "", "c", NULL},
                               {0}};
  Fx f = fx_build(chain);
  EXPECT_RESOLVE(f.g, "head", "27c6a30d7c24");
  EXPECT_RESOLVE(f.g, "head-2", "1975ea83b712");
  EXPECT_RESOLVE(f.g, "1975ea83b712+2", "27c6a30d7c24");
  EXPECT_RESOLVE(f.g, "-1", "ae1027a6acf0");
  EXPECT_RESOLVE(f.g, "head-3", ""); // Alembic's _walk ends on "base"
  EXPECT_RESOLVE(f.g, "head-4", "Walked too far");
  cr_expect_eq(f.fl.len, 0, "a clean chain has no findings (%zu)", f.fl.len);
  fx_free(&f);
}

/* The history of a range: order and errors (CommandError wording). */
static char *history(const Graph *g, const char *range) {
  Revision **out = NULL;
  size_t n = 0;
  RtError err = {0};
  if (!graph_history(g, range, &out, &n, &err)) return xstrdup(err.msg);
  char *s = ids(out, n);
  free(out);
  return s;
}

Test(graph, history_ranges) {
  Fx f = fx_build(TREE);
  char *s = history(f.g, NULL);
  // heads in map order; a line is walked down until a line still needing its next
  // revision is found (RevisionMap._topological_sort)
  cr_expect_str_eq(s, "ee55ee55 dd44dd44 cc33cc33 abcd0001 ab77ab77 ff66ff66 bb22bb22 aa11aa11");
  free(s);
  s = history(f.g, "billing@base:billing@head");
  cr_expect_str_eq(s, "ee55ee55 dd44dd44 cc33cc33 bb22bb22 aa11aa11");
  free(s);
  s = history(f.g, "cc33:");
  cr_expect_str_eq(s, "ee55ee55 dd44dd44 cc33cc33");
  free(s);
  s = history(f.g, ":head");
  cr_expect_str_eq(s, "Multiple head revisions are present for given argument 'head'; please "
                      "specify a specific target revision, '<branchname>@head' to narrow to a "
                      "specific head, or 'heads' for all heads");
  free(s);
  s = history(f.g, "zzzz:");
  cr_expect_str_eq(s, "Can't locate revision identified by 'zzzz'");
  free(s);
  s = history(f.g, "cc33cc33:abcd0001");
  cr_expect_str_eq(s, "Requested range cc33cc33:abcd0001 does not refer to ancestor/descendant "
                      "revisions along the same branch");
  free(s);
  s = history(f.g, "cc33cc33");
  cr_expect_str_eq(s, "History range requires [start]:[end], [start]:, or :[end]");
  free(s);
  fx_free(&f);
}

/* upgrade / downgrade plans on a two-way merge (alembic's _upgrade_revs/_downgrade_revs). */
static const Spec MERGE[] = {{"d0000000000a", "", "", "", "root", NULL},
                             {"d0000000000b", "d0000000000a", "", "", "x", NULL},
                             {"d0000000000c", "d0000000000a", "", "", "y", NULL},
                             {"d0000000000d", "d0000000000b", "", "", "x2", NULL},
                             {"d0000000000e", "d0000000000d,d0000000000c", "", "", "merge", NULL},
                             {"d0000000000f", "d0000000000e", "", "", "after", NULL},
                             {0}};

static char *plan(const Graph *g, bool up, const char *current, const char *target) {
  const char *cur[8];
  size_t nc = 0;
  char *copy = xstrdup(current);
  for (char *t = strtok(copy, ","); t && nc < 8; t = strtok(NULL, ",")) cur[nc++] = t;
  Revision **out = NULL;
  size_t n = 0;
  RtError err = {0};
  bool ok = up ? graph_upgrade_plan(g, cur, nc, target, &out, &n, &err)
               : graph_downgrade_plan(g, cur, nc, target, &out, &n, &err);
  char *s = ok ? ids(out, n) : xstrdup(err.msg);
  free(out);
  free(copy);
  return s;
}

#define EXPECT_PLAN(g, up, cur, target, want)                                                      \
  do {                                                                                             \
    char *got__ = plan((g), (up), (cur), (target));                                                \
    cr_expect_str_eq(got__, (want), "%s from '%s' to %s: got '%s'", (up) ? "up" : "down", (cur),   \
                     (target), got__);                                                             \
    free(got__);                                                                                   \
  } while (0)

Test(graph, upgrade_and_downgrade_through_a_merge) {
  Fx f = fx_build(MERGE);
  const char *all = "d0000000000a d0000000000c d0000000000b d0000000000d d0000000000e d0000000000f";
  EXPECT_PLAN(f.g, true, "", "heads", all);
  EXPECT_PLAN(f.g, true, "", "head", all);
  EXPECT_PLAN(f.g, true, "", "d0000000000b", "d0000000000a d0000000000b");
  EXPECT_PLAN(f.g, true, "d0000000000b", "heads",
              "d0000000000c d0000000000d d0000000000e d0000000000f");
  EXPECT_PLAN(f.g, true, "d0000000000d,d0000000000c", "d0000000000e", "d0000000000e");
  EXPECT_PLAN(f.g, true, "", "+2", "Ambiguous walk");
  EXPECT_PLAN(f.g, true, "d0000000000e", "+1", "d0000000000f");
  EXPECT_PLAN(f.g, true, "d0000000000f", "+1", "Relative revision +1 didn't produce 1 migrations");
  EXPECT_PLAN(f.g, true, "d0000000000b", "d0000000000c", "d0000000000c");
  EXPECT_PLAN(f.g, true, "d0000000000f", "d0000000000b", "");
  EXPECT_PLAN(f.g, false, "d0000000000f", "base",
              "d0000000000f d0000000000e d0000000000d d0000000000b d0000000000c d0000000000a");
  EXPECT_PLAN(f.g, false, "d0000000000f", "-1", "d0000000000f");
  EXPECT_PLAN(f.g, false, "d0000000000f", "-2", "Ambiguous walk");
  EXPECT_PLAN(f.g, false, "d0000000000e", "d0000000000b", "d0000000000e d0000000000d");
  EXPECT_PLAN(f.g, false, "d0000000000d,d0000000000c", "d0000000000a",
              "d0000000000c d0000000000d d0000000000b");
  EXPECT_PLAN(f.g, false, "d0000000000d,d0000000000c", "-1", "d0000000000d");
  EXPECT_PLAN(f.g, false, "d0000000000a", "d0000000000f",
              "Destination d0000000000f is not a valid downgrade target from current head(s)");
  EXPECT_PLAN(f.g, false, "", "-1", "Relative revision -1 didn't produce 1 migrations");
  fx_free(&f);
}

/* Two roots, labels, and depends_on across them (including on a label). */
static const Spec DEPS[] = {{"f0000001", "", "networking", "", "net root", NULL},
                            {"f0000002", "f0000001", "", "", "routers", NULL},
                            {"f0000003", "f0000002", "", "", "switches", NULL},
                            {"f1000001", "", "shopping", "", "shop root", NULL},
                            {"f1000002", "f1000001", "", "f0000002", "orders", NULL},
                            {"f1000003", "f1000002", "", "", "more shop", NULL},
                            {"f2000001", "", "", "networking", "audit", NULL},
                            {0}};

Test(graph, depends_on_plans) {
  Fx f = fx_build(DEPS);
  size_t n;
  Revision *const *v = graph_heads(f.g, &n);
  char *s = ids(v, n);
  cr_expect_str_eq(s, "f0000003 f1000003 f2000001");
  free(s);
  v = graph_bases(f.g, &n);
  s = ids(v, n);
  cr_expect_str_eq(s, "f0000001 f1000001 f2000001");
  free(s);
  GraphRevInfo in;
  cr_assert(graph_info(f.g, graph_get(f.g, "f2000001"), &in));
  cr_expect(in.is_base && !in.is_real_base);
  EXPECT_PLAN(f.g, true, "", "heads",
              "f0000001 f2000001 f0000002 f1000001 f1000002 f1000003 f0000003");
  EXPECT_PLAN(f.g, true, "", "shopping@head", "f0000001 f0000002 f1000001 f1000002 f1000003");
  EXPECT_PLAN(f.g, true, "", "f2000001", "f0000001 f2000001");
  EXPECT_PLAN(f.g, true, "f1000001", "shopping@+1", "f0000001 f0000002 f1000002");
  EXPECT_PLAN(f.g, true, "", "networking@+2", "f0000001 f0000002");
  EXPECT_PLAN(f.g, false, "f1000003,f0000003,f2000001", "f0000001",
              "f0000003 f1000003 f1000002 f0000002");
  EXPECT_PLAN(f.g, false, "f1000003,f0000003,f2000001", "shopping@base",
              "f1000003 f1000002 f1000001");
  EXPECT_PLAN(f.g, false, "f1000003,f0000003,f2000001", "networking@-1", "f0000003");
  fx_free(&f);
}

Test(graph, effective_head) {
  static const Spec specs[] = {{"a1b2c3d4", "", "", "", "base", NULL},
                               {"b2c3d4e5", "a1b2c3d4", "", "", "lib", NULL},
                               {"c3d4e5f6", "a1b2c3d4", "", "b2c3d4e5", "app", NULL},
                               {0}};
  Fx f = fx_build(specs);
  size_t n;
  Revision *const *v = graph_heads(f.g, &n);
  char *s = ids(v, n);
  cr_expect_str_eq(s, "b2c3d4e5 c3d4e5f6");
  free(s);
  v = graph_real_heads(f.g, &n);
  s = ids(v, n);
  cr_expect_str_eq(s, "c3d4e5f6");
  free(s);
  EXPECT_RESOLVE(f.g, "heads", "c3d4e5f6");
  GraphRevInfo in;
  cr_assert(graph_info(f.g, graph_get(f.g, "b2c3d4e5"), &in));
  cr_expect(in.is_head && !in.is_real_head);
  fx_free(&f);
}

/* Problems are findings, and the rest of the graph still works. */
Test(graph, problems_keep_the_graph_usable) {
  static const Spec specs[] = {
      {"aaaa0001", "", "", "", "root\n\nRevision ID: aaaa0001\nRevises: ", "/p/v/aaaa0001_r.py"},
      {"aaaa0002", "aaaa0001", "", "", "dup", "/p/v/aaaa0002_dup.py"},
      {"aaaa0003", "aaaa0002", "", "", "three\n\nRevision ID: aaaa0003\nRevises: aaaa0001",
       "/p/v/aaaa0003_t.py"},
      {"aaaa0002", "aaaa0001", "", "", "two\n\nRevision ID: aaaa0009\nRevises: aaaa0001",
       "/p/v/aaaa0002_t.py"},
      {"bbbb0001", "nothere", "", "", "orphan", "/p/v/bbbb0001_o.py"},
      {"cccc0001", "cccc0002", "", "", "cycle a", "/p/v/cccc0001_c.py"},
      {"cccc0002", "cccc0001", "", "", "cycle b", "/p/v/cccc0002_c.py"},
      {"dddd0001", "aaaa0003", "", "missingdep", "dep", "/p/v/renamed.py"},
      {"bad-id", "dddd0001", "", "", "bad", "/p/v/bad-id_x.py"},
      {0}};
  Fx f = fx_build(specs);

  const Finding *d = find_rule(&f.fl, "duplicate-revision", 0);
  cr_assert_not_null(d);
  cr_expect_str_eq(d->message, "Revision aaaa0002 is present more than once");
  cr_expect_str_eq(d->path, "/p/v/aaaa0002_t.py");
  cr_expect_eq(d->severity, SEV_WARNING);
  cr_expect_eq(d->range.line, 11);

  const Finding *m = find_rule(&f.fl, "missing-revision", 0);
  cr_assert_not_null(m);
  cr_expect_str_eq(m->message, "Revision nothere referenced from bbbb0001 is not present");
  cr_expect_str_eq(m->path, "/p/v/bbbb0001_o.py");
  cr_expect_eq(m->range.line, 12);
  cr_expect_eq(m->range.col, 17);

  cr_expect_eq(count_rule(&f.fl, "revision-cycle"), 2);
  const Finding *c = find_rule(&f.fl, "revision-cycle", 0);
  cr_assert_not_null(c);
  cr_expect_str_eq(c->message, "Cycle is detected in revisions (cccc0001, cccc0002)");
  cr_expect_eq(c->severity, SEV_ERROR);

  const Finding *md = find_rule(&f.fl, "missing-dependency", 0);
  cr_assert_not_null(md);
  cr_expect_str_eq(md->message, "Revision missingdep referenced from dddd0001 is not present");

  const Finding *bad = find_rule(&f.fl, "invalid-revision-id", 0);
  cr_assert_not_null(bad);
  cr_expect_str_eq(bad->message, "Character(s) '-' not allowed in revision identifier 'bad-id'");

  const Finding *fn = find_rule(&f.fl, "file-name-mismatch", 0);
  cr_assert_not_null(fn);
  cr_expect_str_eq(fn->path, "/p/v/renamed.py");
  cr_expect_eq(fn->severity, SEV_INFO);
  cr_expect_eq(count_rule(&f.fl, "file-name-mismatch"), 1);

  cr_expect_eq(count_rule(&f.fl, "docstring-mismatch"), 2);
  cr_expect_str_eq(find_rule(&f.fl, "docstring-mismatch", 0)->message,
                   "Docstring says \"Revision ID: aaaa0009\" but revision is 'aaaa0002'");
  cr_expect_str_eq(find_rule(&f.fl, "docstring-mismatch", 1)->message,
                   "Docstring says \"Revises: aaaa0001\" but down_revision is 'aaaa0002'");

  // the cycle is left out; the rest (including the orphan) is usable
  cr_expect_null(graph_get(f.g, "cccc0001"));
  cr_expect_eq(graph_count(f.g), 6);
  cr_expect_str_eq(graph_get(f.g, "aaaa0002")->path, "/p/v/aaaa0002_t.py", "the last file wins");
  char *s = history(f.g, NULL);
  cr_expect_str_eq(s, "bbbb0001 bad-id dddd0001 aaaa0003 aaaa0002 aaaa0001");
  free(s);
  s = history(f.g, "aaaa0002:dddd");
  cr_expect_str_eq(s, "dddd0001 aaaa0003 aaaa0002");
  free(s);
  fx_free(&f);
}

Test(graph, self_loops_and_dependency_cycles) {
  static const Spec specs[] = {{"aaaa0001", "", "", "", "r", NULL},
                               {"aaaa0002", "aaaa0002", "", "", "self", NULL},
                               {"aaaa0003", "aaaa0001", "", "aaaa0004", "x", NULL},
                               {"aaaa0004", "aaaa0001", "", "aaaa0003", "y", NULL},
                               {0}};
  Fx f = fx_build(specs);
  cr_expect_str_eq(find_rule(&f.fl, "revision-cycle", 0)->message,
                   "Self-loop is detected in revisions (aaaa0002)");
  // Alembic's message names every revision no real head reaches (aaaa0001 too), but only
  // the cycle itself is dropped
  cr_expect_eq(count_rule(&f.fl, "revision-cycle"), 3);
  cr_expect_str_eq(find_rule(&f.fl, "revision-cycle", 1)->message,
                   "Dependency cycle is detected in revisions (aaaa0001, aaaa0003, aaaa0004)");
  cr_expect_null(graph_get(f.g, "aaaa0003"));
  cr_expect_not_null(graph_get(f.g, "aaaa0001"));
  fx_free(&f);
}

Test(graph, duplicate_branch_label) {
  static const Spec specs[] = {
      {"aaaa0001", "", "x", "", "r", NULL}, {"aaaa0002", "aaaa0001", "x", "", "s", NULL}, {0}};
  Fx f = fx_build(specs);
  const Finding *d = find_rule(&f.fl, "duplicate-branch-label", 0);
  cr_assert_not_null(d);
  cr_expect_str_eq(d->message,
                   "Branch name 'x' in revision aaaa0002 already used by revision aaaa0001");
  fx_free(&f);
}

Test(graph, empty_and_null) {
  Graph *g = graph_build(NULL, 0, NULL);
  cr_expect_eq(graph_count(g), 0);
  char *s = history(g, NULL);
  cr_expect_str_eq(s, "");
  free(s);
  EXPECT_RESOLVE(g, "head", "");
  graph_delete(g);
  graph_delete(NULL);
}

#ifdef __SANITIZE_ADDRESS__
static const double BUILD_MS_MAX = 150.0; /* sanitizers slow everything ~10x */
#else
static const double BUILD_MS_MAX = 25.0; /* ~1 ms at -O2; room for -O0 and a busy machine */
#endif

/* 1,000 revisions: a trunk with a side branch every 50 revisions, merged back 10 later. */
Test(graph, build_is_fast) {
  enum { N = 1000 };
  Arena *a = arena_new();
  Revision **revs = ARENA_ARRAY(a, Revision *, N);
  for (int i = 0; i < N; i++) {
    Spec s = {arena_printf(a, "%012x", 0x100000 + i * 7919), "", "", "", "step", NULL};
    if (i > 0) s.down = revs[i - 1]->id;
    if (i % 50 == 10 && i > 50) s.down = arena_printf(a, "%s,%s", revs[i - 1]->id, revs[i - 9]->id);
    revs[i] = spec_revision(a, &s);
  }
  FindingList fl;
  findings_init(&fl);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  Graph *g = graph_build(revs, N, &fl);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  cr_expect_eq(graph_count(g), N);
  cr_expect_lt(ms, BUILD_MS_MAX, "graph_build of 1000 revisions took %.3f ms", ms);
  cr_log_info("graph_build(1000): %.3f ms", ms);
  Revision **out;
  size_t n;
  RtError err;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  cr_assert(graph_history(g, NULL, &out, &n, &err), "%s", err.msg);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  cr_expect_eq(n, N);
  cr_expect_str_eq(out[0]->id, revs[N - 1]->id);
  cr_expect_lt(ms, 10 * BUILD_MS_MAX, "graph_history of 1000 revisions took %.3f ms", ms);
  cr_log_info("graph_history(1000): %.3f ms", ms);
  free(out);
  graph_delete(g);
  findings_free(&fl);
  arena_delete(a);
}

/* Seeded random graphs with every kind of damage (self-loops, cycles, missing parents,
 * duplicate ids and labels, dependency cycles): building never fails, the history lists
 * every revision left in the graph exactly once, and resolution and plans return. */
static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

Test(graph, damaged_graphs_stay_usable) {
  for (uint32_t seed = 1; seed <= 300; seed++) {
    uint32_t st = seed;
    Arena *a = arena_new();
    size_t n = 1 + lcg(&st) % 30;
    Revision **revs = ARENA_ARRAY(a, Revision *, n);
    for (size_t i = 0; i < n; i++) {
      Spec s = {arena_printf(a, "r%03u", lcg(&st) % (unsigned)(n + 3)), "", "", "", "m", NULL};
      unsigned nd = lcg(&st) % 4;
      char *down = arena_strdup(a, "");
      for (unsigned k = 0; k < nd; k++)
        down = arena_printf(a, "%s%sr%03u", down, k ? "," : "", lcg(&st) % (unsigned)(n + 3));
      s.down = down;
      if (lcg(&st) % 6 == 0) s.labels = lcg(&st) % 2 ? "x" : "y";
      if (lcg(&st) % 5 == 0) s.deps = arena_printf(a, "r%03u", lcg(&st) % (unsigned)(n + 3));
      revs[i] = spec_revision(a, &s);
    }
    FindingList fl;
    findings_init(&fl);
    Graph *g = graph_build(revs, n, &fl);
    Revision **out = NULL;
    size_t nout = 0;
    RtError err = {0};
    cr_assert(graph_history(g, NULL, &out, &nout, &err), "seed %u: %s", seed, err.msg);
    cr_expect_eq(nout, graph_count(g), "seed %u: history lists %zu of %zu", seed, nout,
                 graph_count(g));
    for (size_t i = 0; i < nout; i++)
      for (size_t k = i + 1; k < nout; k++)
        cr_expect_neq(out[i], out[k], "seed %u: %s twice", seed, out[i]->id);
    free(out);
    const char *targets[] = {"heads", "head", "base", "-1",    "x@head",
                             "r001",  "r00",  "+1",   "r002-1"};
    for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
      if (graph_resolve(g, targets[t], &out, &nout, &err)) free(out);
      const char *cur[] = {"r001"};
      if (graph_upgrade_plan(g, cur, 1, targets[t], &out, &nout, &err)) free(out);
      if (graph_downgrade_plan(g, cur, 1, targets[t], &out, &nout, &err)) free(out);
      if (graph_history(g, "r001:", &out, &nout, &err)) free(out);
    }
    graph_delete(g);
    findings_free(&fl);
    arena_delete(a);
  }
}

/* Differential test against Alembic itself: gen.py writes the conformance projects, the
 * real parser reads them, and every upgrade / downgrade plan tests/conformance/plans.py
 * asks Alembic for (ScriptDirectory._upgrade_revs / _downgrade_revs) must come out the
 * same, errors included. Alembic orders a revision's several dependencies through a
 * Python set, so its answer is taken under two hash seeds and either one is accepted. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "server/alembic/project.h"
#include "server/alembic/scripts.h"

#define MAX_CASES 512

typedef struct Case {
  char kind[8], cur[512], target[128], want[2][4096];
} Case;

static size_t read_cases(const char *dir, int seed, Case *cases, size_t max) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "PYTHONHASHSEED=%d /usr/bin/python3 %s/tests/conformance/plans.py %s",
           seed, RETORT_SOURCE_DIR, dir);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  static char line[16384];
  size_t n = 0;
  while (n < max && fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = '\0';
    char *f[4] = {line, NULL, NULL, NULL};
    for (int k = 1; k < 4; k++) {
      f[k] = strchr(f[k - 1], '\t');
      cr_assert_not_null(f[k], "bad plans.py line: %s", line);
      *f[k]++ = '\0';
    }
    Case *c = &cases[n++];
    // Fields longer than their slot are a fixture bug: refuse them rather than truncate.
    cr_assert_lt(strlen(f[0]), sizeof c->kind, "kind too long: %s", f[0]);
    cr_assert_lt(strlen(f[1]), sizeof c->cur, "current too long: %s", f[1]);
    cr_assert_lt(strlen(f[2]), sizeof c->target, "target too long: %s", f[2]);
    cr_assert_lt(strlen(f[3]), sizeof c->want[seed], "plan too long: %s", f[3]);
    memcpy(c->kind, f[0], strlen(f[0]) + 1);
    memcpy(c->cur, f[1], strlen(f[1]) + 1);
    memcpy(c->target, f[2], strlen(f[2]) + 1);
    memcpy(c->want[seed], f[3], strlen(f[3]) + 1);
  }
  cr_assert_eq(pclose(p), 0, "plans.py failed on %s", dir);
  return n;
}

static void check_plans(const char *dir) {
  static Case cases[MAX_CASES];
  memset(cases, 0, sizeof cases);
  size_t n = read_cases(dir, 0, cases, MAX_CASES);
  cr_assert_eq(read_cases(dir, 1, cases, MAX_CASES), n);
  cr_assert_gt(n, 0);

  Project *proj = NULL;
  RtError err = {0};
  cr_assert(project_discover(dir, NULL, &proj, &err), "%s", err.msg);
  char **paths;
  size_t np;
  cr_assert(project_list_revision_files(proj, &paths, &np, &err), "%s", err.msg);
  ScriptCache *cache = scripts_cache_new();
  ScriptSet set = {0};
  cr_assert(scripts_load(cache, (const char *const *)paths, np, REV_PARSE_HEADER, &set, &err));
  Graph *g = graph_build(set.revs, set.n, NULL);

  size_t checked = 0;
  for (size_t i = 0; i < n; i++) {
    Case *c = &cases[i];
    if (strncmp(c->want[0], "CRASH", 5) == 0 || strncmp(c->want[1], "CRASH", 5) == 0) continue;
    char *got = plan(g, strcmp(c->kind, "up") == 0, strcmp(c->cur, "-") == 0 ? "" : c->cur,
                     c->target);
    // plans.py prints CommandError text after "FAILED: "
    const char *w0 = c->want[0], *w1 = c->want[1];
    bool failed = strncmp(w0, "FAILED: ", 8) == 0;
    bool ok = failed ? strcmp(got, w0 + 8) == 0 || strcmp(got, w1 + 8) == 0
                     : strcmp(got, w0) == 0 || strcmp(got, w1) == 0;
    cr_expect(ok, "%s: %s from '%s' to %s:\n  alembic: %s\n  retort:  %s", dir, c->kind, c->cur,
              c->target, w0, got);
    free(got);
    checked++;
  }
  cr_expect_gt(checked, n / 2);
  cr_log_info("%s: %zu of %zu plans compared", dir, checked, n);
  graph_delete(g);
  scripts_set_free(&set);
  scripts_cache_delete(cache);
  project_free_paths(paths, np);
  project_delete(proj);
}

Test(graph, plans_match_alembic) {
  if (access("/usr/bin/alembic", X_OK) != 0) cr_skip_test("alembic is not installed");
  char tmpl[] = RETORT_BINARY_DIR "/graph-plans.XXXXXX";
  cr_assert_not_null(mkdtemp(tmpl));
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/conformance/gen.py %s/p",
           RETORT_SOURCE_DIR, tmpl);
  cr_assert_eq(system(cmd), 0, "gen.py failed");
  char root[4200];
  snprintf(root, sizeof root, "%s/p", tmpl);
  DIR *d = opendir(root);
  cr_assert_not_null(d);
  struct dirent *de;
  size_t projects = 0;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char dir[4600];
    snprintf(dir, sizeof dir, "%s/%s", root, de->d_name);
    check_plans(dir);
    projects++;
  }
  closedir(d);
  cr_expect_gt(projects, 10);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
  cr_expect_eq(system(cmd), 0);
}

/* A docstring finding points at the header line's value when the parser found it. */
Test(graph, docstring_finding_range) {
  static const Spec specs[] = {
      {"aaaa0001", "", "", "", "root\n\nRevision ID: bbbb0001\nRevises: ", "/p/v/aaaa0001_r.py"},
      {0}};
  Arena *a = arena_new();
  size_t n;
  Revision **revs = spec_revisions(a, specs, &n);
  revs[0]->doc_range.line = 1;
  revs[0]->doc_revision_id_range.line = 3;
  revs[0]->doc_revision_id_range.col = 13;
  FindingList fl;
  findings_init(&fl);
  Graph *g = graph_build(revs, n, &fl);
  const Finding *f = find_rule(&fl, "docstring-mismatch", 0);
  cr_assert_not_null(f);
  cr_expect_eq(f->range.line, 3);
  cr_expect_eq(f->range.col, 13);
  cr_expect_str_eq(f->fix, " aaaa0001");
  cr_expect_eq(count_rule(&fl, "docstring-mismatch"), 1);
  graph_delete(g);
  findings_free(&fl);
  arena_delete(a);
}

/* graph_replace: a re-read file whose graph view is unchanged takes its old place; any
 * change the graph could see is refused (and the caller builds anew). */
Test(graph, replace_keeps_the_graph_for_a_body_edit) {
  static const Spec specs[] = {
      {"a1", "", "", "", "base", NULL},
      {"b2", "a1", "feat", "", "two", NULL},
      {"c3", "b2", "", "", "three", NULL},
      {"d4", "b2", "", "", "four", NULL},
      {0},
  };
  Arena *arena = arena_new();
  size_t n;
  Revision **revs = spec_revisions(arena, specs, &n);
  FindingList problems;
  findings_init(&problems);
  Graph *g = graph_build(revs, n, &problems);
  size_t nproblems = problems.len;
  uint64_t serial = graph_serial(g);
  cr_expect_neq(serial, 0);

  // The same file read again (a new Revision with equal header, ranges and docstring).
  Revision *c3 = spec_revision(arena, &specs[2]);
  cr_assert(graph_replace(g, c3));
  cr_expect_eq(graph_get(g, "c3"), c3);
  cr_expect_eq(graph_at(g, graph_index(g, c3)), c3);
  cr_expect_eq(graph_index(g, revs[2]), (size_t)-1, "the old one is no longer in it");
  size_t nh;
  Revision *const *heads = graph_heads(g, &nh);
  cr_expect_eq(nh, 2);
  cr_expect(heads[0] == c3 || heads[1] == c3, "heads hold the new revision");
  Revision **out = NULL;
  size_t nout = 0;
  RtError err = {0};
  cr_assert(graph_resolve(g, "feat@head", &out, &nout, &err) || err.kind == ERR_TARGET);
  free(out);
  cr_expect_eq(graph_serial(g), serial, "replace keeps the serial");
  GraphRevInfo info;
  cr_expect(graph_info(g, c3, &info));
  // The labels and ids the graph hands out are its own (the old revision may be freed).
  cr_expect_str_eq(info.branch_labels[0], "feat");
  revs[2]->id = "zz";
  revs[1]->branch_labels[0] = "zz";
  cr_expect_eq(graph_get(g, "c3"), c3);
  cr_expect_eq(graph_get(g, "feat"), revs[1]);
  revs[2]->id = "c3";
  revs[1]->branch_labels[0] = "feat";

  // Refused: a new parent, a new label, a moved id, a new docstring, another path, an
  // unknown id.
  Spec moved = specs[3];
  moved.down = "c3";
  cr_expect_not(graph_replace(g, spec_revision(arena, &moved)));
  Spec labelled = specs[3];
  labelled.labels = "x";
  cr_expect_not(graph_replace(g, spec_revision(arena, &labelled)));
  Revision *shifted = spec_revision(arena, &specs[3]);
  shifted->id_range.line++;
  cr_expect_not(graph_replace(g, shifted), "a problem may point at the id's range");
  Spec doc = specs[3];
  doc.doc = "four, reworded";
  cr_expect_not(graph_replace(g, spec_revision(arena, &doc)));
  Spec elsewhere = specs[3];
  elsewhere.path = "/p/versions/other.py";
  cr_expect_not(graph_replace(g, spec_revision(arena, &elsewhere)));
  Spec unknown = specs[3];
  unknown.id = "e5";
  cr_expect_not(graph_replace(g, spec_revision(arena, &unknown)));
  cr_expect_not(graph_replace(g, NULL));
  cr_expect_eq(graph_get(g, "d4"), revs[3], "a refusal changes nothing");
  cr_expect_eq(problems.len, nproblems);
  graph_delete(g);

  // A duplicate id: neither file can be swapped in place.
  static const Spec dups[] = {
      {"a1", "", "", "", "base", "/p/versions/first.py"},
      {"a1", "", "", "", "base", "/p/versions/second.py"},
      {0},
  };
  revs = spec_revisions(arena, dups, &n);
  g = graph_build(revs, n, &problems);
  cr_expect_not(graph_replace(g, spec_revision(arena, &dups[0])), "the losing duplicate");
  cr_expect(graph_replace(g, spec_revision(arena, &dups[1])), "the winner, unchanged");
  cr_expect_neq(graph_serial(g), serial, "another graph, another serial");
  graph_delete(g);
  findings_free(&problems);
  arena_delete(arena);
}
