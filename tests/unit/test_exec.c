/* test_exec.c - server/db/exec.c on a real PostgreSQL: a cancel interrupts the running
 * statement (PQcancel) and leaves the database as it was; the advisory lock is released
 * at the end; connection strings become URLs for a child process. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/db/exec.h"
#include "pg_harness.h"

static Db *connect_db(void) {
  char ci[700];
  snprintf(ci, sizeof ci, "host=%s user=postgres dbname=postgres", pgdir);
  DbTarget t = {DB_KIND_URL, ci, ci, "test", NULL};
  Db *db = NULL;
  RtError err = {0};
  cr_assert(db_connect(&t, &db, &err), "%s", err.msg);
  return db;
}

typedef struct Canceller {
  int fd;
  volatile bool fire;
} Canceller;

static bool check(void *ctx) { return ((Canceller *)ctx)->fire; }

static void *fire_later(void *arg) {
  Canceller *c = arg;
  usleep(300 * 1000);
  c->fire = true;
  if (write(c->fd, "x", 1) != 1) c->fire = true;
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(exec, cancel_interrupts_the_statement) {
  pg_up();
  Db *db = connect_db();
  int p[2];
  cr_assert(pipe(p) == 0);
  Canceller cc = {p[1], false};
  DbCancel cancel = {p[0], check, &cc};
  ExecOptions opt = {NULL, NULL, 1000, 0, &cancel, NULL, NULL};
  DbExec *x = NULL;
  char **rows = NULL;
  size_t n = 0;
  bool exists = true;
  RtError err = {0};
  cr_assert(db_exec_begin(db, &opt, &x, &rows, &n, &exists, &err), "%s", err.msg);
  cr_assert_not(exists);
  ExecStmt stmts[] = {{"CREATE TABLE c1 (id integer)", true, NULL},
                      {"SELECT pg_sleep(30)", true, NULL}};
  VersionOp vop = {VOP_INSERT, NULL, "r1"};
  ExecStep step = {"r1", "upgrade  -> r1", stmts, 2, &vop, 1};
  pthread_t th;
  pthread_create(&th, NULL, fire_later, &cc);
  double t0 = now_s();
  ExecResult res;
  cr_assert(db_exec_steps(x, &step, 1, exists, &res, &err));
  double took = now_s() - t0;
  pthread_join(th, NULL);
  cr_assert(took < 10, "the cancel did not interrupt pg_sleep (%.1f s)", took);
  cr_assert(res.failed);
  cr_assert(res.cancelled);
  cr_assert_eq(res.napplied, 0);
  cr_assert_eq(res.failed_stmt, 1);
  cr_assert_str_eq(res.sqlstate, "57014");
  cr_assert(res.rows_known);
  cr_assert_eq(res.nrows, 0);
  cr_assert(strstr(err.msg, "upgrade  -> r1") && strstr(err.msg, "statement 2"), "%s", err.msg);
  db_exec_result_free(&res);
  db_exec_end(x);
  free(rows);
  // Nothing left: neither the table, nor the version table, nor the advisory lock.
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "psql -qAtX -h %s -U postgres -d postgres -c \"SELECT (to_regclass('c1') IS NULL)::text"
           " || (to_regclass('alembic_version') IS NULL)::text || (SELECT count(*) FROM pg_locks "
           "WHERE locktype = 'advisory')\"",
           pgdir);
  char *out = sh("%s", cmd);
  cr_assert_str_eq(out, "truetrue0", "left behind: %s", out);
  free(out);
  db_close(db);
  close(p[0]);
  close(p[1]);
  pg_down();
}

Test(exec, conninfo_to_url) {
  char *u = db_conninfo_to_url("host='/tmp/x y' port=5433 user=u password='p w@' dbname=d");
  cr_assert_str_eq(u, "postgresql://u:p%20w%40@/d?host=%2Ftmp%2Fx%20y&port=5433");
  free(u);
  u = db_conninfo_to_url("host=db.example port=6432 user=me dbname=app sslmode=require");
  cr_assert_str_eq(u, "postgresql://me@db.example:6432/app?sslmode=require");
  free(u);
  u = db_conninfo_to_url("postgresql://a:b@h/d");
  cr_assert_str_eq(u, "postgresql://a:b@h/d");
  free(u);
  cr_assert_null(db_conninfo_to_url("host='unterminated"));
}

Test(exec, lock_key_depends_on_the_table) {
  cr_assert_eq(db_exec_lock_key(NULL, NULL), db_exec_lock_key("", "alembic_version"));
  cr_assert_neq(db_exec_lock_key(NULL, NULL), db_exec_lock_key("s", "alembic_version"));
  cr_assert_neq(db_exec_lock_key(NULL, "a"), db_exec_lock_key(NULL, "b"));
}
