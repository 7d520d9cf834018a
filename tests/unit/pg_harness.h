/* pg_harness.h - what the unit tests that need PostgreSQL or a loaded project share
 * (test_exec.c, test_upgrade.c, test_catalog.c, test_steps.c): shell commands with their
 * output, a throwaway cluster from tests/e2e/pg.sh, and a project's revisions loaded
 * into a graph. Static functions only: each test file includes it once. */
#ifndef RETORT_TESTS_PG_HARNESS_H
#define RETORT_TESTS_PG_HARNESS_H
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/alembic/graph.h"
#include "server/alembic/project.h"
#include "server/alembic/scripts.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

/* Runs a shell command (printf-style); returns its stdout, trailing newlines trimmed.
 * Caller frees. */
__attribute__((unused, format(printf, 1, 2))) static char *sh(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *f = popen(cmd, "r");
  cr_assert(f, "popen %s", cmd);
  Buf b = BUF_INIT;
  char line[4096];
  while (fgets(line, sizeof line, f)) buf_puts(&b, line);
  pclose(f);
  while (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = 0;
  return buf_detach(&b) ?: xstrdup("");
}

/* The throwaway cluster of this test (tests/e2e/pg.sh): its socket directory. */
static char pgdir[512];

__attribute__((unused)) static void pg_up(void) {
  char *d = sh("bash -c '. " RETORT_SOURCE_DIR "/tests/e2e/pg.sh && pg_start >&2 && echo $PG_DIR'");
  cr_assert(d[0] == '/', "could not start a PostgreSQL cluster");
  snprintf(pgdir, sizeof pgdir, "%s", d);
  free(d);
}

__attribute__((unused)) static void pg_down(void) {
  if (!pgdir[0]) return;
  free(sh("bash -c '. " RETORT_SOURCE_DIR "/tests/e2e/pg.sh && PG_DIR=%s && pg_stop'", pgdir));
  pgdir[0] = 0;
}

/* A project's revisions, parsed in `mode`, and their graph. */
typedef struct Loaded {
  Project *p;
  char **paths;
  size_t npaths;
  ScriptCache *cache;
  ScriptSet set;
  Graph *g;
} Loaded;

__attribute__((unused)) static void load(Loaded *l, const char *dir, RevParseMode mode) {
  RtError err = {0};
  memset(l, 0, sizeof *l);
  cr_assert(project_discover(dir, NULL, &l->p, &err), "%s", err.msg);
  cr_assert(project_list_revision_files(l->p, &l->paths, &l->npaths, &err), "%s", err.msg);
  l->cache = scripts_cache_new();
  cr_assert(scripts_load(l->cache, (const char *const *)l->paths, l->npaths, mode, &l->set,
                         &err),
            "%s", err.msg);
  l->g = graph_build(l->set.revs, l->set.n, NULL);
}

__attribute__((unused)) static void unload(Loaded *l) {
  graph_delete(l->g);
  scripts_set_free(&l->set);
  scripts_cache_delete(l->cache);
  project_free_paths(l->paths, l->npaths);
  project_delete(l->p);
}

#endif
