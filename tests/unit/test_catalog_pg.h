/* test_catalog_pg.h - what the database tests share (test_catalog.c, test_status.c,
 * test_verify.c): a private scratch cluster per test (RETORT_SCRATCH_DIR in a fresh
 * temporary directory), projects copied into temporary directories with an online env.py,
 * and Debian's real /usr/bin/alembic run against the cluster. Static functions only: each
 * test file includes it once. */
#ifndef RETORT_TESTS_CATALOG_PG_H
#define RETORT_TESTS_CATALOG_PG_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/db/catalog.h"
#include "server/db/db.h"

/* An env.py that runs online against $RETORT_TEST_URL (the fixtures' own env.py files are
 * offline-only or read other variables). version_table settings come from the ini's main
 * section so the tests can move the version table. */
static const char PGT_ENV_PY[] =
    "import os\n"
    "from alembic import context\n"
    "from sqlalchemy import create_engine, pool\n"
    "cfg = context.config\n"
    "engine = create_engine(os.environ['RETORT_TEST_URL'], poolclass=pool.NullPool)\n"
    "with engine.connect() as connection:\n"
    "    context.configure(connection=connection,\n"
    "        version_table=cfg.get_main_option('version_table') or 'alembic_version',\n"
    "        version_table_schema=cfg.get_main_option('version_table_schema'))\n"
    "    with context.begin_transaction():\n"
    "        context.run_migrations()\n";

static char pgt_dir[256];

/* A fresh directory for this test's scratch cluster and project copies. */
__attribute__((unused)) static void pgt_setup(void) {
  snprintf(pgt_dir, sizeof pgt_dir, "/tmp/retort-cat-XXXXXX");
  cr_assert_not_null(mkdtemp(pgt_dir));
  chmod(pgt_dir, 0755);
  char scratch[320];
  snprintf(scratch, sizeof scratch, "%s/scratch", pgt_dir);
  mkdir(scratch, 0755);
  setenv("RETORT_SCRATCH_DIR", scratch, 1);
  unsetenv("DATABASE_URL");
  unsetenv("RETORT_DATABASE_URL");
}

__attribute__((unused)) static void pgt_teardown(void) {
  scratch_stop_all();
  if (pgt_dir[0]) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pgt_dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", pgt_dir);
  }
}

/* Runs a shell command; returns its exit status. Output goes to `log` (may be NULL). */
__attribute__((unused)) static int pgt_sh(const char *cmd, Buf *log) {
  Buf full = BUF_INIT;
  buf_printf(&full, "( %s ) 2>&1", cmd);
  FILE *f = popen(buf_cstr(&full), "r");
  buf_free(&full);
  cr_assert_not_null(f);
  char line[4096];
  size_t n;
  while ((n = fread(line, 1, sizeof line, f)) > 0)
    if (log) buf_append(log, line, n);
  int st = pclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The scratch cluster's database for a project at `root`. */
__attribute__((unused)) static Db *pgt_connect(const char *root) {
  Project p = {.root = (char *)root};
  DbTarget t;
  RtError err = {0};
  cr_assert(db_target_resolve(&p, NULL, &t, &err), "%s", err.msg);
  cr_assert_eq(t.kind, DB_KIND_SCRATCH);
  Db *db = NULL;
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  db_target_free(&t);
  return db;
}

/* A libpq keyword's value in a simple "k=v k=v" connection string (values unquoted). */
__attribute__((unused)) static char *pgt_conninfo_get(const char *ci, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = ci; *p;) {
    while (*p == ' ') p++;
    if (!strncmp(p, key, kl) && p[kl] == '=') {
      const char *v = p + kl + 1;
      bool q = *v == '\'';
      if (q) v++;
      size_t n = strcspn(v, q ? "'" : " ");
      return xstrndup(v, n);
    }
    p += strcspn(p, " ");
  }
  return NULL;
}

/* An SQLAlchemy URL for `db` (the scratch cluster's socket), for alembic. */
__attribute__((unused)) static char *pgt_sqlalchemy_url(Db *db) {
  const char *ci = db_target(db)->conninfo;
  char *host = pgt_conninfo_get(ci, "host"), *port = pgt_conninfo_get(ci, "port");
  char *user = pgt_conninfo_get(ci, "user"), *name = pgt_conninfo_get(ci, "dbname");
  cr_assert(host && user && name, "unexpected scratch conninfo");
  Buf b = BUF_INIT;
  buf_printf(&b, "postgresql+psycopg2://%s@/%s?host=%s", user, name, host);
  if (port) buf_printf(&b, "&port=%s", port);
  free(host);
  free(port);
  free(user);
  free(name);
  return buf_detach(&b);
}

/* Copies project directory `src` (relative to the source tree) to <tmp>/<name>, with the
 * online env.py. `ini_extra` lines are added to the [alembic] section (may be NULL).
 * Returns the copy's directory (caller frees). */
__attribute__((unused)) static char *pgt_copy_project(const char *src, const char *name, const char *ini_extra) {
  Buf dst = BUF_INIT, cmd = BUF_INIT;
  buf_printf(&dst, "%s/%s", pgt_dir, name);
  buf_printf(&cmd, "cp -r '%s/%s' '%s' && rm -rf '%s'/migrations/__pycache__", RETORT_SOURCE_DIR,
             src, buf_cstr(&dst), buf_cstr(&dst));
  Buf log = BUF_INIT;
  cr_assert_eq(pgt_sh(buf_cstr(&cmd), &log), 0, "%s", buf_cstr(&log));
  buf_reset(&cmd);
  buf_printf(&cmd, "%s/migrations/env.py", buf_cstr(&dst));
  FILE *f = fopen(buf_cstr(&cmd), "w");
  cr_assert_not_null(f);
  fputs(PGT_ENV_PY, f);
  fclose(f);
  if (ini_extra) {
    buf_reset(&cmd);
    buf_printf(&cmd, "sed -i 's|^\\[alembic\\]$|[alembic]\\n%s|' '%s/alembic.ini'", ini_extra,
               buf_cstr(&dst));
    cr_assert_eq(pgt_sh(buf_cstr(&cmd), &log), 0, "%s", buf_cstr(&log));
  }
  buf_free(&cmd);
  buf_free(&log);
  return buf_detach(&dst);
}

/* Runs `/usr/bin/alembic ARGS` in `dir` against `db`; fails the test unless it exits 0. */
__attribute__((unused)) static void pgt_alembic(Db *db, const char *dir, const char *args) {
  char *url = pgt_sqlalchemy_url(db);
  Buf cmd = BUF_INIT, log = BUF_INIT;
  buf_printf(&cmd, "cd '%s' && RETORT_TEST_URL='%s' /usr/bin/alembic %s", dir, url, args);
  int st = pgt_sh(buf_cstr(&cmd), &log);
  cr_assert_eq(st, 0, "alembic %s failed:\n%s", args, buf_cstr(&log));
  free(url);
  buf_free(&cmd);
  buf_free(&log);
}

__attribute__((unused)) static void pgt_exec(Db *db, const char *sql) {
  RtError err = {0};
  cr_assert(catalog_exec(db, sql, &err), "%s: %s", sql, err.msg);
}

/* The differences as text, one "kind object name: detail" line each. */
__attribute__((unused)) static char *pgt_diff_text(const CompareList *l) {
  Buf b = BUF_INIT;
  for (size_t k = 0; k < l->len; k++)
    buf_printf(&b, "%s %s %s: %s\n", compare_kind_name(l->items[k].kind),
               compare_object_name(l->items[k].object), l->items[k].name, l->items[k].detail);
  char *s = buf_detach(&b);
  return s ? s : xstrdup("");
}

#endif
