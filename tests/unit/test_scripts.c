/* test_scripts.c - the revision file loader: cache hits and misses, modes, unreadable
 * files, findings, and the 1,000-file cold/warm timing of the history benchmark. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/alembic/scripts.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

static char dir[64];
static ScriptCache *cache;

static void setup(void) {
  strcpy(dir, "/tmp/retort-scripts-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  cache = scripts_cache_new();
}

static void teardown(void) {
  scripts_cache_delete(cache);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_expect_eq(system(cmd), 0);
}

static char *path_of(const char *name) {
  char *p = xmalloc(strlen(dir) + strlen(name) + 2);
  sprintf(p, "%s/%s", dir, name);
  return p;
}

static void write_rev(const char *path, const char *id, const char *down, const char *table) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fprintf(f,
          "\"\"\"add %s\n\nRevision ID: %s\nRevises: %s\n\"\"\"\n"
          "from alembic import op\nimport sqlalchemy as sa\n\n"
          "# revision identifiers, used by Alembic.\n"
          "revision = \"%s\"\ndown_revision = %s%s%s\nbranch_labels = None\ndepends_on = None\n\n\n"
          "def upgrade() -> None:\n"
          "    op.create_table(\n        \"%s\",\n"
          "        sa.Column(\"id\", sa.Integer(), nullable=False),\n"
          "        sa.Column(\"name\", sa.String(length=255), nullable=False),\n"
          "        sa.Column(\"email\", sa.String(length=320), nullable=True),\n"
          "        sa.Column(\"created_at\", sa.DateTime(timezone=True), "
          "server_default=sa.text(\"now()\"), nullable=False),\n"
          "        sa.Column(\"owner_id\", sa.Integer(), nullable=True),\n"
          "        sa.ForeignKeyConstraint([\"owner_id\"], [\"users.id\"], ondelete=\"CASCADE\"),\n"
          "        sa.PrimaryKeyConstraint(\"id\"),\n    )\n"
          "    op.create_index(op.f(\"ix_%s_email\"), \"%s\", [\"email\"], unique=True)\n"
          "    op.create_index(op.f(\"ix_%s_owner_id\"), \"%s\", [\"owner_id\"], unique=False)\n"
          "    with op.batch_alter_table(\"%s\", schema=None) as batch_op:\n"
          "        batch_op.add_column(sa.Column(\"status\", sa.String(length=32), "
          "server_default=\"new\"))\n\n\n"
          "def downgrade() -> None:\n"
          "    with op.batch_alter_table(\"%s\", schema=None) as batch_op:\n"
          "        batch_op.drop_column(\"status\")\n"
          "    op.drop_index(op.f(\"ix_%s_owner_id\"), table_name=\"%s\")\n"
          "    op.drop_index(op.f(\"ix_%s_email\"), table_name=\"%s\")\n"
          "    op.drop_table(\"%s\")\n",
          table, id, down ? down : "", id, down ? "\"" : "", down ? down : "None", down ? "\"" : "",
          table, table, table, table, table, table, table, table, table, table, table, table);
  fclose(f);
}

static void set_mtime(const char *path, time_t sec, long nsec) {
  struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
  cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

TestSuite(scripts, .init = setup, .fini = teardown);

Test(scripts, warm_load_reparses_nothing_and_touch_reparses_one) {
  char *paths[3] = {path_of("a_one.py"), path_of("b_two.py"), path_of("c_three.py")};
  write_rev(paths[0], "aaa111", NULL, "one");
  write_rev(paths[1], "bbb222", "aaa111", "two");
  write_rev(paths[2], "ccc333", "bbb222", "three");
  for (int k = 0; k < 3; k++) set_mtime(paths[k], 1700000000, 0);
  ScriptSet s;
  RtError err;
  cr_assert(scripts_load(cache, (const char *const *)paths, 3, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.n, 3);
  cr_expect_eq(s.parsed, 3);
  cr_expect_eq(s.reused, 0);
  cr_expect_eq(s.findings.len, 0);
  cr_expect_str_eq(s.revs[0]->id, "aaa111");
  cr_expect_str_eq(s.revs[2]->down[0], "bbb222");
  cr_expect_str_eq(s.revs[1]->message, "add two");
  cr_expect_str_eq(s.revs[1]->path, paths[1]);
  Revision *before[3] = {s.revs[0], s.revs[1], s.revs[2]};
  scripts_set_free(&s);

  cr_assert(scripts_load(cache, (const char *const *)paths, 3, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.parsed, 0);
  cr_expect_eq(s.reused, 3);
  for (int k = 0; k < 3; k++) cr_expect_eq(s.revs[k], before[k], "file %d was re-parsed", k);
  scripts_set_free(&s);

  // A new mtime (even 1 ns later) is a change; the content is re-read.
  write_rev(paths[1], "bbb999", "aaa111", "two");
  set_mtime(paths[1], 1700000000, 1);
  cr_assert(scripts_load(cache, (const char *const *)paths, 3, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.parsed, 1);
  cr_expect_eq(s.reused, 2);
  cr_expect_eq(s.revs[0], before[0]);
  cr_expect_eq(s.revs[2], before[2]);
  cr_expect_str_eq(s.revs[1]->id, "bbb999");
  scripts_set_free(&s);

  // Same mtime, different size: also a change.
  FILE *f = fopen(paths[2], "ab");
  fputs("# trailing comment\n", f);
  fclose(f);
  set_mtime(paths[2], 1700000000, 0);
  cr_assert(scripts_load(cache, (const char *const *)paths, 3, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.parsed, 1);
  scripts_set_free(&s);
  for (int k = 0; k < 3; k++) free(paths[k]);
}

Test(scripts, full_parse_serves_header_requests) {
  char *paths[2] = {path_of("a.py"), path_of("b.py")};
  write_rev(paths[0], "a1", NULL, "t1");
  write_rev(paths[1], "b1", "a1", "t2");
  ScriptSet s;
  RtError err;
  cr_assert(scripts_load(cache, (const char *const *)paths, 2, REV_PARSE_HEADER, &s, &err));
  cr_expect_not(s.revs[0]->upgrade.present);
  scripts_set_free(&s);
  cr_assert(scripts_load(cache, (const char *const *)paths, 2, REV_PARSE_FULL, &s, &err));
  cr_expect_eq(s.parsed, 2, "a header parse cannot serve a full request");
  cr_expect(s.revs[0]->upgrade.present);
  cr_expect_eq(s.revs[0]->upgrade.len, 4);
  cr_expect(s.revs[0]->upgrade.is_static);
  cr_expect_eq(s.revs[1]->downgrade.len, 4);
  scripts_set_free(&s);
  cr_assert(scripts_load(cache, (const char *const *)paths, 2, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.parsed, 0);
  cr_expect_eq(s.reused, 2);
  cr_expect(s.revs[1]->upgrade.present);
  scripts_set_free(&s);
  for (int k = 0; k < 2; k++) free(paths[k]);
}

Test(scripts, unreadable_files_are_findings) {
  char *paths[4] = {path_of("ok.py"), path_of("missing.py"), xstrdup(dir), path_of("empty.py")};
  write_rev(paths[0], "ok1", NULL, "t");
  FILE *f = fopen(paths[3], "wb");
  fclose(f);
  ScriptSet s;
  RtError err;
  for (int round = 0; round < 2; round++) {
    cr_assert(scripts_load(cache, (const char *const *)paths, 4, REV_PARSE_HEADER, &s, &err));
    cr_expect_eq(s.n, 2, "the readable files are still loaded");
    cr_expect_str_eq(s.revs[0]->id, "ok1");
    cr_expect_null(s.revs[1]->id);
    size_t unreadable = 0, revid = 0;
    for (size_t k = 0; k < s.findings.len; k++) {
      const Finding *x = &s.findings.items[k];
      if (!strcmp(x->rule, "unreadable-file")) {
        unreadable++;
        cr_expect(x->path && (!strcmp(x->path, paths[1]) || !strcmp(x->path, paths[2])));
      }
      if (!strcmp(x->rule, "revision-id")) {
        revid++;
        cr_expect_str_eq(x->path, paths[3]);
      }
    }
    cr_expect_eq(unreadable, 2, "round %d", round);
    cr_expect_eq(revid, 1, "round %d: the empty file's finding is cached too", round);
    scripts_set_free(&s);
  }
  // The missing file appears: it is read on the next load.
  write_rev(paths[1], "late1", "ok1", "t2");
  cr_assert(scripts_load(cache, (const char *const *)paths, 4, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.n, 3);
  cr_expect_str_eq(s.revs[1]->id, "late1");
  scripts_set_free(&s);
  // And disappears again.
  unlink(paths[1]);
  cr_assert(scripts_load(cache, (const char *const *)paths, 4, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.n, 2);
  scripts_set_free(&s);
  for (int k = 0; k < 4; k++) free(paths[k]);
}

Test(scripts, syntax_errors_and_duplicates) {
  char *paths[3] = {path_of("bad.py"), path_of("good.py"), NULL};
  FILE *f = fopen(paths[0], "wb");
  fputs("revision = 'bad1'\ndown_revision = None\ndef upgrade(:\n    pass\n", f);
  fclose(f);
  write_rev(paths[1], "good1", NULL, "t");
  paths[2] = xstrdup(paths[1]);
  ScriptSet s;
  RtError err;
  cr_assert(scripts_load(cache, (const char *const *)paths, 3, REV_PARSE_FULL, &s, &err));
  cr_expect_eq(s.n, 3);
  cr_expect_eq(s.parsed, 2, "a path listed twice is parsed once");
  cr_expect_eq(s.revs[1], s.revs[2]);
  cr_expect_str_eq(s.revs[0]->id, "bad1");
  cr_expect_not(s.revs[0]->syntax_ok);
  cr_assert_eq(s.findings.len, 1);
  cr_expect_str_eq(s.findings.items[0].rule, "syntax-error");
  cr_expect_str_eq(s.findings.items[0].path, paths[0]);
  cr_expect_eq(s.findings.items[0].range.line, 3);
  scripts_set_free(&s);
  for (int k = 0; k < 3; k++) free(paths[k]);
}

Test(scripts, bad_arguments) {
  ScriptSet s;
  RtError err;
  cr_expect_not(scripts_load(NULL, NULL, 0, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(err.kind, ERR_PARAMS);
  const char *empty[] = {""};
  cr_expect_not(scripts_load(cache, empty, 1, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(err.kind, ERR_PARAMS);
  cr_expect_eq(s.n, 0);
  cr_assert(scripts_load(cache, NULL, 0, REV_PARSE_HEADER, &s, &err));
  cr_expect_eq(s.n, 0);
  scripts_set_free(&s);
  scripts_set_free(NULL);
  scripts_cache_delete(NULL);
}

/* The history benchmark's shape: 1,000 revision files of ~2 KB in one chain. */
Test(scripts, thousand_files_cold_and_warm) {
  enum { N = 1000 };
  char **paths = xcalloc(N, sizeof *paths);
  char id[N][16];
  size_t bytes = 0;
  for (int k = 0; k < N; k++) {
    snprintf(id[k], sizeof id[k], "%012x", (unsigned)(k * 2654435761u));
    char name[64], table[32];
    snprintf(name, sizeof name, "%.15s_add_table_%d.py", id[k], k);
    snprintf(table, sizeof table, "table_%d", k);
    paths[k] = path_of(name);
    write_rev(paths[k], id[k], k ? id[k - 1] : NULL, table);
    struct stat st;
    stat(paths[k], &st);
    bytes += (size_t)st.st_size;
  }
  ScriptSet s;
  RtError err;
  double t0 = now_ms();
  cr_assert(scripts_load(cache, (const char *const *)paths, N, REV_PARSE_HEADER, &s, &err));
  double cold = now_ms() - t0;
  cr_assert_eq(s.n, N);
  cr_expect_eq(s.findings.len, 0);
  for (int k = 0; k < N; k++) {
    cr_assert_str_eq(s.revs[k]->id, id[k]);
    if (k) cr_assert_str_eq(s.revs[k]->down[0], id[k - 1]);
  }
  scripts_set_free(&s);
  double warm = 1e9;
  for (int round = 0; round < 5; round++) {
    t0 = now_ms();
    cr_assert(scripts_load(cache, (const char *const *)paths, N, REV_PARSE_HEADER, &s, &err));
    double t = now_ms() - t0;
    if (t < warm) warm = t;
    cr_expect_eq(s.parsed, 0);
    cr_expect_eq(s.reused, N);
    scripts_set_free(&s);
  }
  ScriptCache *full = scripts_cache_new();
  t0 = now_ms();
  cr_assert(scripts_load(full, (const char *const *)paths, N, REV_PARSE_FULL, &s, &err));
  double cold_full = now_ms() - t0;
  for (int k = 0; k < N; k++) {
    cr_assert_eq(s.revs[k]->upgrade.len, 4);
    cr_assert(s.revs[k]->upgrade.is_static && s.revs[k]->downgrade.is_static);
  }
  scripts_set_free(&s);
  scripts_cache_delete(full);
  fprintf(stderr,
          "scripts: %d files, %zu KB: cold header %.1f ms, warm header %.2f ms (best of 5), "
          "cold full %.1f ms\n",
          N, bytes / 1024, cold, warm, cold_full);
  // Loose bounds (a shared 2-core machine); the numbers above are the measurement.
  cr_expect_lt(warm, 50.0, "warm load took %.2f ms", warm);
  cr_expect_lt(cold, 2000.0, "cold load took %.1f ms", cold);
  for (int k = 0; k < N; k++) free(paths[k]);
  free(paths);
}

static bool same_range(SrcRange a, SrcRange b) {
  return a.start_byte == b.start_byte && a.end_byte == b.end_byte && a.line == b.line &&
         a.col == b.col && a.end_line == b.end_line && a.end_col == b.end_col;
}

static bool same_ids(const char **a, size_t na, const char **b, size_t nb) {
  if (na != nb) return false;
  for (size_t k = 0; k < na; k++)
    if (strcmp(a[k], b[k]) != 0) return false;
  return true;
}

/* The benchmark's generated project (merges, labels, depends_on, long docstrings): the
 * quick header reader and the full tree-sitter parse agree on every field and range. */
Test(scripts, header_and_full_agree_on_the_bench_project) {
  const char *gen = RETORT_SOURCE_DIR "/tests/bench/gen_history.py";
  if (access("/usr/bin/python3", X_OK) != 0 || access(gen, R_OK) != 0)
    cr_skip_test("no generator");
  char cmd[512];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s/proj 300 > /dev/null", gen, dir);
  cr_assert_eq(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "ls %s/proj/migrations/versions/*.py", dir);
  FILE *ls = popen(cmd, "r");
  cr_assert_not_null(ls);
  char **paths = NULL;
  size_t n = 0;
  char line[1024];
  while (fgets(line, sizeof line, ls)) {
    line[strcspn(line, "\n")] = '\0';
    paths = xrealloc(paths, (n + 1) * sizeof *paths);
    paths[n++] = xstrdup(line);
  }
  pclose(ls);
  cr_assert_eq(n, 300);
  ScriptCache *full_cache = scripts_cache_new();
  ScriptSet h, f;
  RtError err;
  cr_assert(scripts_load(cache, (const char *const *)paths, n, REV_PARSE_HEADER, &h, &err));
  cr_assert(scripts_load(full_cache, (const char *const *)paths, n, REV_PARSE_FULL, &f, &err));
  cr_assert_eq(h.n, n);
  cr_assert_eq(f.n, n);
  cr_expect_eq(h.findings.len, 0);
  cr_expect_eq(f.findings.len, 0);
  for (size_t k = 0; k < n; k++) {
    const Revision *a = h.revs[k], *b = f.revs[k];
    cr_assert_str_eq(a->id, b->id, "%s", paths[k]);
    cr_expect(same_ids(a->down, a->ndown, b->down, b->ndown), "%s: down", paths[k]);
    cr_expect(same_ids(a->branch_labels, a->nbranch_labels, b->branch_labels, b->nbranch_labels),
              "%s: branch_labels", paths[k]);
    cr_expect(same_ids(a->depends_on, a->ndepends_on, b->depends_on, b->ndepends_on),
              "%s: depends_on", paths[k]);
    cr_expect_str_eq(a->longdoc, b->longdoc, "%s", paths[k]);
    cr_expect_str_eq(a->message, b->message, "%s", paths[k]);
    cr_expect(same_range(a->id_range, b->id_range), "%s: id_range", paths[k]);
    cr_expect(same_range(a->down_range, b->down_range), "%s: down_range", paths[k]);
    cr_expect(same_range(a->doc_range, b->doc_range), "%s: doc_range", paths[k]);
    cr_expect(same_range(a->branch_labels_range, b->branch_labels_range), "%s", paths[k]);
    cr_expect(same_range(a->depends_on_range, b->depends_on_range), "%s", paths[k]);
    for (size_t d = 0; d < a->ndown && d < b->ndown; d++)
      cr_expect(same_range(a->down_ranges[d], b->down_ranges[d]), "%s: down[%zu]", paths[k], d);
    cr_expect(b->upgrade.present && b->upgrade.len > 0, "%s: no upgrade ops", paths[k]);
  }
  scripts_set_free(&h);
  scripts_set_free(&f);
  scripts_cache_delete(full_cache);
  for (size_t k = 0; k < n; k++) free(paths[k]);
  free(paths);
}
