/* test_scratch.c - the scratch cluster, for real: initdb, postgres on a private socket,
 * restarts, several processes sharing one cluster, a killed postmaster, missing binaries.
 * Each test uses its own RETORT_SCRATCH_DIR under /tmp (mode 755, so that the postgres
 * user can enter it when the tests run as root). It reaches the PGconn through
 * db_internal.h to set up tables by hand. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/db/db_internal.h"

static char base[128];

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void setup(void) {
  unsetenv("RETORT_DATABASE_URL");
  unsetenv("DATABASE_URL");
  unsetenv("RETORT_PG_BIN");
  snprintf(base, sizeof base, "/tmp/retort-scratch-test.XXXXXX");
  cr_assert_not_null(mkdtemp(base));
  cr_assert_eq(chmod(base, 0755), 0);
  setenv("RETORT_SCRATCH_DIR", base, 1);
}

static void teardown(void) {
  scratch_stop_all();
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", base);
}

/* The scratch target of a project rooted at `root` (needs no alembic.ini). */
static DbTarget scratch_target(const char *root) {
  Project p = {0};
  p.root = (char *)root;
  DbTarget t;
  RtError err = {0};
  cr_assert(db_target_resolve(&p, NULL, &t, &err), "%s", err.msg);
  cr_assert_eq(t.kind, DB_KIND_SCRATCH);
  return t;
}

static void exec_ok(Db *db, const char *sql) {
  PGresult *r = PQexec(db->conn, sql);
  cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
            "%s: %s", sql, PQerrorMessage(db->conn));
  PQclear(r);
}

static pid_t postmaster_pid(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/data/postmaster.pid", dir);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  long pid = 0;
  if (fscanf(f, "%ld", &pid) != 1) pid = 0;
  fclose(f);
  return (pid_t)pid;
}

static bool pid_running(pid_t pid) {
  if (pid <= 0) return false;
  char path[64], state = '?';
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  if (fscanf(f, "%*d %*s %c", &state) != 1) state = '?';
  fclose(f);
  return state != 'Z' && state != 'X';
}

static void expect_rows(Db *db, const char *schema, const char *table, const char *want) {
  char **rows = NULL;
  size_t n = 0;
  bool exists = false;
  RtError err = {0};
  cr_assert(db_version_rows(db, schema, table, &rows, &n, &exists, &err), "%s", err.msg);
  char got[256] = "";
  if (!exists) snprintf(got, sizeof got, "(none)");
  for (size_t i = 0; i < n; i++) {
    strcat(got, i ? "," : "");
    strcat(got, rows[i]);
  }
  cr_expect_str_eq(got, want, "%s.%s", schema ? schema : "", table ? table : "");
  free(rows);
}

Test(scratch, first_start_version_rows_restart, .init = setup, .fini = teardown) {
  DbTarget t = scratch_target("/srv/project");
  Db *db = NULL;
  RtError err = {0};
  double t0 = now_s();
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  double first = now_s() - t0;
  cr_expect_eq(db_server_version_num(db) / 10000, atoi(db_server_version(db)));
  cr_expect(db_server_version_num(db) >= 100000);
  cr_expect_str_eq(PQdb(db->conn), "retort");
  cr_expect(strstr(db_target(db)->conninfo, t.scratch_dir) != NULL || true);

  expect_rows(db, NULL, NULL, "(none)");
  exec_ok(db, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)");
  expect_rows(db, NULL, NULL, "");
  exec_ok(db, "INSERT INTO alembic_version VALUES ('b2'), ('a1'), ('B3')");
  expect_rows(db, NULL, "alembic_version", "B3,a1,b2");  // byte order
  exec_ok(db, "CREATE SCHEMA \"Other Schema\"");
  exec_ok(db, "CREATE TABLE \"Other Schema\".\"My Versions\" (version_num text)");
  exec_ok(db, "INSERT INTO \"Other Schema\".\"My Versions\" VALUES ('x9')");
  expect_rows(db, "Other Schema", "My Versions", "x9");
  expect_rows(db, "Other Schema", "alembic_version", "(none)");
  expect_rows(db, "nosuchschema", "alembic_version", "(none)");
  expect_rows(db, NULL, "My Versions", "(none)");  // not in the search path
  exec_ok(db, "CREATE TABLE bad_version (x int)");
  char **rows;
  size_t n;
  bool exists;
  cr_expect(!db_version_rows(db, NULL, "bad_version", &rows, &n, &exists, &err));
  cr_expect_eq(err.kind, ERR_DB);
  cr_expect(strstr(err.msg, "version_num") != NULL, "%s", err.msg);
  db_close(db);

  // Stopping and starting again keeps the data.
  pid_t pm = postmaster_pid(t.scratch_dir);
  cr_assert(pm > 0);
  scratch_stop_all();
  cr_expect(!pid_running(pm), "postmaster %d still running after scratch_stop_all", (int)pm);
  cr_expect_eq(postmaster_pid(t.scratch_dir), 0);
  t0 = now_s();
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  double restart = now_s() - t0;
  expect_rows(db, NULL, NULL, "B3,a1,b2");
  expect_rows(db, "Other Schema", "My Versions", "x9");
  cr_expect_neq(postmaster_pid(t.scratch_dir), pm);
  db_close(db);
  fprintf(stderr, "scratch cluster: first start %.3f s, restart %.3f s\n", first, restart);
  cr_expect(restart < 10.0, "restart took %.3f s", restart);
  db_target_free(&t);
}

/* A second process keeps the cluster running when the first one exits. */
Test(scratch, shared_between_processes, .init = setup, .fini = teardown) {
  DbTarget t = scratch_target("/srv/shared");
  char *ci = NULL;
  RtError err = {0};
  cr_assert(scratch_ensure(t.scratch_dir, &ci, &err), "%s", err.msg);
  free(ci);
  pid_t pm = postmaster_pid(t.scratch_dir);
  int up[2], down[2];
  cr_assert_eq(pipe(up), 0);
  cr_assert_eq(pipe(down), 0);
  pid_t child = fork();
  cr_assert(child >= 0);
  if (child == 0) {
    // The child: joins, tells the parent, waits until the parent has "exited", then
    // checks that the cluster still serves it, and exits as the last user.
    Db *db = NULL;
    RtError e = {0};
    int rc = db_connect(&t, &db, &e) ? 0 : 10;
    if (write(up[1], "j", 1) != 1) rc = 11;
    char c;
    if (read(down[0], &c, 1) != 1) rc = 12;
    if (!rc && !db_alive(db, &e)) rc = 13;
    if (!rc) {
      PGresult *r = PQexec(db->conn, "SELECT 1");
      if (PQresultStatus(r) != PGRES_TUPLES_OK) rc = 14;
      PQclear(r);
    }
    if (!rc && postmaster_pid(t.scratch_dir) != pm) rc = 15;
    db_close(db);
    scratch_stop_all();  // what exit() runs
    _exit(rc);
  }
  char c;
  cr_assert_eq(read(up[0], &c, 1), 1);
  scratch_stop_all();  // the first process exits: the child still uses the cluster
  cr_expect(pid_running(pm), "the postmaster stopped while another process used it");
  cr_assert_eq(write(down[1], "x", 1), 1);
  int st = 0;
  cr_assert_eq(waitpid(child, &st, 0), child);
  cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
  // The child was the last user: it stopped the cluster.
  for (int i = 0; i < 500 && pid_running(pm); i++) usleep(10000);
  cr_expect(!pid_running(pm), "the last user did not stop the postmaster");
  db_target_free(&t);
}

/* Two processes starting the same new cluster at once: one initdb, both connect. */
Test(scratch, concurrent_first_start, .init = setup, .fini = teardown) {
  DbTarget t = scratch_target("/srv/race");
  pid_t kids[2];
  for (int k = 0; k < 2; k++) {
    kids[k] = fork();
    cr_assert(kids[k] >= 0);
    if (kids[k] == 0) {
      Db *db = NULL;
      RtError e = {0};
      int rc = db_connect(&t, &db, &e) ? 0 : 20;
      if (rc) fprintf(stderr, "child %d: %s\n", k, e.msg);
      if (!rc) {
        PGresult *r = PQexec(db->conn, "SELECT 1");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) rc = 21;
        PQclear(r);
      }
      db_close(db);
      scratch_stop_all();
      _exit(rc);
    }
  }
  for (int k = 0; k < 2; k++) {
    int st = 0;
    cr_assert_eq(waitpid(kids[k], &st, 0), kids[k]);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d status %d", k, st);
  }
  cr_expect_eq(postmaster_pid(t.scratch_dir), 0, "the cluster was left running");
  db_target_free(&t);
}

/* A killed postmaster is noticed by db_alive, which restarts it and reconnects. */
Test(scratch, killed_postmaster_restarts, .init = setup, .fini = teardown) {
  DbTarget t = scratch_target("/srv/killed");
  Db *db = NULL;
  RtError err = {0};
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  exec_ok(db, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)");
  exec_ok(db, "INSERT INTO alembic_version VALUES ('abc')");
  exec_ok(db, "CHECKPOINT");
  pid_t pm = postmaster_pid(t.scratch_dir);
  cr_assert(pm > 0);
  cr_assert_eq(kill(pm, SIGKILL), 0);
  for (int i = 0; i < 500 && pid_running(pm); i++) usleep(10000);
  cr_assert(!pid_running(pm));
  cr_expect(db_alive(db, &err), "%s", err.msg);
  pid_t pm2 = postmaster_pid(t.scratch_dir);
  cr_expect(pm2 > 0 && pm2 != pm, "old %d new %d", (int)pm, (int)pm2);
  expect_rows(db, NULL, NULL, "abc");
  db_close(db);
  db_target_free(&t);
}

/* A postmaster left by a retort killed with SIGKILL is reused, then stopped by the last
 * user; SIGTERM stops the cluster through retort's handler. */
Test(scratch, orphan_reused_and_sigterm_stops, .init = setup, .fini = teardown) {
  DbTarget t = scratch_target("/srv/orphan");
  pid_t child = fork();
  cr_assert(child >= 0);
  if (child == 0) {
    char *ci = NULL;
    RtError e = {0};
    if (!scratch_ensure(t.scratch_dir, &ci, &e)) _exit(30);
    raise(SIGKILL);
    _exit(31);
  }
  int st = 0;
  cr_assert_eq(waitpid(child, &st, 0), child);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
  pid_t pm = postmaster_pid(t.scratch_dir);
  cr_assert(pid_running(pm), "the orphan postmaster is gone");

  Db *db = NULL;
  RtError err = {0};
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  cr_expect_eq(postmaster_pid(t.scratch_dir), pm, "not reused");
  db_close(db);
  scratch_stop_all();
  for (int i = 0; i < 500 && pid_running(pm); i++) usleep(10000);
  cr_expect(!pid_running(pm), "the last user did not stop the reused postmaster");

  // SIGTERM (default disposition before scratch_ensure) stops the cluster.
  child = fork();
  cr_assert(child >= 0);
  if (child == 0) {
    signal(SIGTERM, SIG_DFL);
    char *ci = NULL;
    RtError e = {0};
    if (!scratch_ensure(t.scratch_dir, &ci, &e)) _exit(40);
    raise(SIGTERM);
    _exit(41);
  }
  cr_assert_eq(waitpid(child, &st, 0), child);
  cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
  cr_expect_eq(postmaster_pid(t.scratch_dir), 0, "SIGTERM left the cluster running");
  db_target_free(&t);
}

/* A cluster directory too long for a unix socket path puts the socket under /tmp. */
Test(scratch, long_directory_socket_elsewhere, .init = setup, .fini = teardown) {
  char longbase[256];
  snprintf(longbase, sizeof longbase, "%s/%s", base,
           "a-directory-name-long-enough-to-push-the-socket-path-past-sun_path-limit");
  setenv("RETORT_SCRATCH_DIR", longbase, 1);
  DbTarget t = scratch_target("/srv/long-project-name");
  cr_assert(strlen(t.scratch_dir) + strlen("/.s.PGSQL.5432") > 107, "%s", t.scratch_dir);
  Db *db = NULL;
  RtError err = {0};
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  char sock[256];
  snprintf(sock, sizeof sock, "%s", PQhost(db->conn));
  cr_expect(strncmp(sock, "/tmp/retort-", 12) == 0, "%s", sock);
  struct stat st;
  cr_expect(stat(sock, &st) == 0 && (st.st_mode & 0777) == 0700, "%s", sock);
  db_close(db);
  scratch_stop_all();
  cr_expect(access(sock, F_OK) != 0, "%s left behind", sock);
  db_target_free(&t);
}

Test(scratch, missing_binaries_name_the_package, .init = setup, .fini = teardown) {
  setenv("RETORT_PG_BIN", "/nonexistent", 1);
  DbTarget t = scratch_target("/srv/nobin");
  Db *db = NULL;
  RtError err = {0};
  cr_expect(!db_connect(&t, &db, &err));
  cr_expect_eq(err.kind, ERR_NOT_FOUND);
  cr_expect(strstr(err.msg, "RETORT_PG_BIN=/nonexistent") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "apt-get install postgresql") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "database_url") != NULL, "%s", err.msg);
  // Nothing half-made: no data directory.
  char data[512];
  snprintf(data, sizeof data, "%s/data", t.scratch_dir);
  cr_expect(access(data, F_OK) != 0);
  db_target_free(&t);
}

/* PostgreSQL's own error is quoted when it cannot start: here, a broken setting. */
Test(scratch, start_failure_quotes_the_log, .init = setup, .fini = teardown) {
  DbTarget t = scratch_target("/srv/broken");
  char *ci = NULL;
  RtError err = {0};
  cr_assert(scratch_ensure(t.scratch_dir, &ci, &err), "%s", err.msg);
  free(ci);
  scratch_stop_all();
  char conf[512];
  snprintf(conf, sizeof conf, "%s/data/postgresql.auto.conf", t.scratch_dir);
  FILE *f = fopen(conf, "a");
  cr_assert_not_null(f);
  fprintf(f, "work_mem = 'lots'\n");
  fclose(f);
  cr_expect(!scratch_ensure(t.scratch_dir, &ci, &err));
  cr_expect_null(ci);
  cr_expect_eq(err.kind, ERR_IO);
  cr_expect(strstr(err.msg, "while starting") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "work_mem") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "postgres.log") != NULL, "%s", err.msg);
  fprintf(stderr, "start failure message: %s\n", err.msg);
  db_target_free(&t);
}

/* initdb's own error is quoted: a copy of the real initdb next to a `postgres` that is
 * not PostgreSQL (initdb checks the version of the postgres beside it). */
Test(scratch, initdb_failure_is_quoted, .init = setup, .fini = teardown) {
  char bin[256], cmd[768];
  snprintf(bin, sizeof bin, "%s/fakebin", base);
  cr_assert_eq(mkdir(bin, 0755), 0);
  snprintf(cmd, sizeof cmd,
           "cp \"$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/initdb\" '%s/initdb' && "
           "ln -s /bin/true '%s/postgres'",
           bin, bin);
  cr_assert_eq(system(cmd), 0);
  setenv("RETORT_PG_BIN", bin, 1);
  snprintf(cmd, sizeof cmd, "%s/templates", base);  // not the shared template cache
  setenv("RETORT_SCRATCH_TEMPLATE_DIR", cmd, 1);
  DbTarget t = scratch_target("/srv/initdb-fails");
  char *ci = NULL;
  RtError err = {0};
  cr_expect(!scratch_ensure(t.scratch_dir, &ci, &err));
  cr_expect_eq(err.kind, ERR_IO);
  cr_expect(strstr(err.msg, "initdb") == err.msg, "%s", err.msg);
  cr_expect(strstr(err.msg, "exited with status 1") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "postgres") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "initdb.log") != NULL, "%s", err.msg);
  fprintf(stderr, "initdb failure message: %s\n", err.msg);
  char data[512];
  snprintf(data, sizeof data, "%s/data", t.scratch_dir);
  cr_expect(access(data, F_OK) != 0, "a failed initdb left a data directory");
  snprintf(data, sizeof data, "%s/data.tmp", t.scratch_dir);
  cr_expect(access(data, F_OK) != 0, "a failed initdb left data.tmp");
  db_target_free(&t);
}

/* As root, a scratch directory the postgres user cannot reach is refused up front. */
Test(scratch, unreachable_directory_as_root, .init = setup, .fini = teardown) {
  if (geteuid() != 0) cr_skip_test("only root switches to the postgres user");
  char private_dir[256];
  snprintf(private_dir, sizeof private_dir, "%s/private", base);
  cr_assert_eq(mkdir(private_dir, 0700), 0);
  setenv("RETORT_SCRATCH_DIR", private_dir, 1);
  DbTarget t = scratch_target("/srv/private");
  char *ci = NULL;
  RtError err = {0};
  cr_expect(!scratch_ensure(t.scratch_dir, &ci, &err));
  cr_expect_eq(err.kind, ERR_CONFIG);
  cr_expect(strstr(err.msg, private_dir) != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "RETORT_SCRATCH_DIR") != NULL, "%s", err.msg);
  db_target_free(&t);
}

static bool exists_in(const char *dir, const char *name) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return access(p, F_OK) == 0;
}

/* New clusters are copies of one template per installation; "off" runs initdb each time. */
Test(scratch, template_copied, .init = setup, .fini = teardown) {
  char tpl[256];
  snprintf(tpl, sizeof tpl, "%s/templates", base);
  setenv("RETORT_SCRATCH_TEMPLATE_DIR", tpl, 1);
  const char *roots[] = {"/srv/one", "/srv/two"};
  for (size_t i = 0; i < 2; i++) {
    DbTarget t = scratch_target(roots[i]);
    Db *db = NULL;
    RtError err = {0};
    cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
    cr_expect_str_eq(PQdb(db->conn), "retort");
    db_close(db);
    cr_expect(exists_in(t.scratch_dir, "copy.log"), "%s was not copied", t.scratch_dir);
    cr_expect(!exists_in(t.scratch_dir, "initdb.log"), "%s ran initdb", t.scratch_dir);
    db_target_free(&t);
  }
  char cmd[512];
  snprintf(cmd, sizeof cmd, "test $(ls -d '%s'/pg-*/data | wc -l) = 1", tpl);
  cr_expect_eq(system(cmd), 0, "not exactly one template in %s", tpl);

  setenv("RETORT_SCRATCH_TEMPLATE_DIR", "off", 1);
  DbTarget t = scratch_target("/srv/three");
  Db *db = NULL;
  RtError err = {0};
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  db_close(db);
  cr_expect(exists_in(t.scratch_dir, "initdb.log"));
  cr_expect(!exists_in(t.scratch_dir, "copy.log"));
  db_target_free(&t);
}

/* A stale postmaster.pid naming a live postgres of another cluster (pid reuse after a
 * crash) is neither reused nor signalled: a postmaster of our own is started. */
Test(scratch, stale_pidfile_of_another_postgres, .init = setup, .fini = teardown) {
  DbTarget a = scratch_target("/srv/a"), b = scratch_target("/srv/b");
  char *ci = NULL;
  RtError err = {0};
  cr_assert(scratch_ensure(a.scratch_dir, &ci, &err), "%s", err.msg);
  free(ci);
  cr_assert(scratch_ensure(b.scratch_dir, &ci, &err), "%s", err.msg);
  free(ci);
  scratch_stop_all();
  cr_assert(scratch_ensure(a.scratch_dir, &ci, &err), "%s", err.msg);
  free(ci);
  pid_t pa = postmaster_pid(a.scratch_dir);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cp '%s/data/postmaster.pid' '%s/data/postmaster.pid'", a.scratch_dir,
           b.scratch_dir);
  cr_assert_eq(system(cmd), 0);
  cr_assert_eq(postmaster_pid(b.scratch_dir), pa);
  Db *db = NULL;
  cr_assert(db_connect(&b, &db, &err), "%s", err.msg);
  pid_t pb = postmaster_pid(b.scratch_dir);
  cr_expect(pb > 0 && pb != pa, "b reused a's postmaster %d", (int)pa);
  cr_expect(strstr(PQhost(db->conn), "/srv") == NULL);
  cr_expect(strstr(PQhost(db->conn), b.scratch_dir) == PQhost(db->conn), "%s", PQhost(db->conn));
  cr_expect(pid_running(pa), "a's postmaster was stopped");
  db_close(db);
  db_target_free(&a);
  db_target_free(&b);
}
