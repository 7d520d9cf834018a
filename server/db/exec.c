/* exec.c - runs migration steps on a PostgreSQL connection: advisory lock, timeouts, one
 * transaction per revision, autocommit statements outside it, asynchronous queries that
 * a cancel interrupts (PQcancel), and failures reported with PostgreSQL's own words. */
#include "server/db/exec.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/db/db_internal.h"
#include "server/sql/sql.h"

struct DbExec {
  Db *db;
  const ExecOptions *opt;
  long long key;
  bool locked;
  Arena *arena;
  const char *vt; /* the version table, quoted and qualified */
};

/* The outcome of one query string (all its results consumed). */
typedef struct QOut {
  bool ok;
  bool cancelled;
  bool lost;            /* the connection broke */
  long tuples;          /* PQcmdTuples of the last result, -1 when none */
  char *error, *detail, *hint, *sqlstate;
} QOut;

static void exec__qout_free(QOut *q) {
  free(q->error);
  free(q->detail);
  free(q->hint);
  free(q->sqlstate);
  memset(q, 0, sizeof *q);
}

static double exec__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *exec__dup_field(const PGresult *r, int field) {
  const char *v = PQresultErrorField(r, field);
  return v && *v ? xstrdup(v) : NULL;
}

/* libpq's message as one line, for failures that are not a server error. */
static char *exec__conn_msg(PGconn *c) {
  char why[1024];
  return xstrdup(db_conn_error(c, why, sizeof why));
}

/* Sends PQcancel for the running query. */
static void exec__cancel(PGconn *c) {
  PGcancel *cn = PQgetCancel(c);
  if (!cn) return;
  char buf[256];
  PQcancel(cn, buf, sizeof buf);
  PQfreeCancel(cn);
}

/* Waits until libpq has a whole result, polling the socket and the cancel fd; a cancel
 * request sends PQcancel once and keeps waiting for the server's answer (it fails the
 * statement with 57014). Returns false when the connection broke. */
static bool exec__wait(PGconn *c, const DbCancel *cancel, bool *cancelled) {
  // The cancel fd is watched until it turns out readable without a cancel (other
  // input, or EOF that stays readable): then only the 100 ms checks remain, so a
  // long statement never spins.
  bool watch_fd = cancel && cancel->fd >= 0;
  while (PQisBusy(c)) {
    struct pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {-1, POLLIN, 0}};
    nfds_t nfds = 1;
    if (watch_fd && !*cancelled) {
      fds[1].fd = cancel->fd;
      nfds = 2;
    }
    int rc = poll(fds, nfds, 100);
    if (rc < 0 && errno != EINTR) return false;
    if (cancel && cancel->check && !*cancelled) {
      if (cancel->check(cancel->ctx)) {
        *cancelled = true;
        exec__cancel(c);
      } else if (nfds == 2 && fds[1].revents) {
        watch_fd = false;
      }
    }
    if (rc > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(c))
      return false;
  }
  return true;
}

/* Runs one query string (simple protocol: it may hold several statements) and consumes
 * every result. The first error wins. */
static void exec__query(DbExec *x, const char *sql, QOut *q) {
  PGconn *c = x->db->conn;
  memset(q, 0, sizeof *q);
  q->tuples = -1;
  if (!PQsendQuery(c, sql)) {
    q->error = exec__conn_msg(c);
    q->lost = PQstatus(c) != CONNECTION_OK;
    return;
  }
  bool ok = true;
  for (;;) {
    if (!exec__wait(c, x->opt ? x->opt->cancel : NULL, &q->cancelled)) {
      if (!q->error) q->error = exec__conn_msg(c);
      q->lost = true;
      q->ok = false;
      return;
    }
    PGresult *r = PQgetResult(c);
    if (!r) break;
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      const char *t = PQcmdTuples(r);
      q->tuples = t && *t ? strtol(t, NULL, 10) : -1;
    } else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      // COPY has no data source here: end it with an error so the server rolls back.
      if (st == PGRES_COPY_IN) PQputCopyEnd(c, "retort does not feed COPY FROM STDIN");
      if (ok) {
        q->error = xstrdup("COPY ... STDIN/STDOUT cannot run in a migration executed by "
                           "retort (no data stream); use engine=alembic");
        ok = false;
      }
    } else if (ok) {
      ok = false;
      q->error = exec__dup_field(r, PG_DIAG_MESSAGE_PRIMARY);
      if (!q->error) q->error = exec__conn_msg(c);
      q->detail = exec__dup_field(r, PG_DIAG_MESSAGE_DETAIL);
      q->hint = exec__dup_field(r, PG_DIAG_MESSAGE_HINT);
      q->sqlstate = exec__dup_field(r, PG_DIAG_SQLSTATE);
    }
    PQclear(r);
  }
  if (PQstatus(c) != CONNECTION_OK) {
    if (ok) q->error = exec__conn_msg(c);
    ok = false;
    q->lost = true;
  }
  q->ok = ok;
}

/* Runs a query that must succeed; on failure fills err with `what`. */
static bool exec__simple(DbExec *x, const char *sql, const char *what, RtError *err) {
  QOut q;
  exec__query(x, sql, &q);
  bool ok = q.ok;
  if (!ok)
    error_set(err, ERR_DB, "%s failed on %s: %s%s%s", what, x->db->target.masked,
              q.error ? q.error : "unknown error", q.sqlstate ? " SQLSTATE " : "",
              q.sqlstate ? q.sqlstate : "");
  exec__qout_free(&q);
  return ok;
}

long long db_exec_lock_key(const char *schema, const char *table) {
  uint64_t h = 1469598103934665603ULL;
  const char *parts[4] = {"retort:", schema ? schema : "", ".", table ? table : "alembic_version"};
  for (int i = 0; i < 4; i++)
    for (const char *s = parts[i]; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (long long)h;
}

bool db_exec_begin(Db *db, const ExecOptions *opt, DbExec **out, char ***rows, size_t *nrows,
                   bool *exists, RtError *err) {
  *out = NULL;
  *rows = NULL;
  *nrows = 0;
  *exists = false;
  DbExec *x = xcalloc(1, sizeof *x);
  x->db = db;
  x->opt = opt;
  x->arena = arena_new();
  const char *schema = opt->version_schema && *opt->version_schema ? opt->version_schema : NULL;
  const char *table = opt->version_table && *opt->version_table ? opt->version_table : NULL;
  x->vt = sql_quote_qualified(x->arena, schema, table ? table : "alembic_version");
  x->key = db_exec_lock_key(schema, table);
  if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
    error_set(err, ERR_DB, "the connection to %s is busy in a transaction; nothing was run",
              db->target.masked);
    goto fail;
  }
  // No lock_timeout while waiting for another migration: it may take minutes, and
  // a cancel (or Ctrl-C) interrupts the wait.
  char sql[256];
  snprintf(sql, sizeof sql,
           "SET lock_timeout = 0; SET statement_timeout = 0; SELECT pg_advisory_lock(%lld)",
           x->key);
  QOut q;
  exec__query(x, sql, &q);
  if (!q.ok) {
    error_set(err, ERR_DB,
              "%s while waiting for the migration lock (advisory lock %lld on %s); nothing "
              "was run",
              q.cancelled ? "cancelled" : q.error ? q.error : "failed", x->key,
              db->target.masked);
    exec__qout_free(&q);
    goto fail;
  }
  exec__qout_free(&q);
  x->locked = true;
  snprintf(sql, sizeof sql, "SET lock_timeout = %d; SET statement_timeout = %d",
           opt->lock_timeout_ms < 0 ? 0 : opt->lock_timeout_ms,
           opt->statement_timeout_ms < 0 ? 0 : opt->statement_timeout_ms);
  if (!exec__simple(x, sql, "setting lock_timeout / statement_timeout", err)) goto fail;
  if (!db_version_rows(db, schema, table, rows, nrows, exists, err)) goto fail;
  *out = x;
  return true;
fail:
  db_exec_end(x);
  return false;
}

void db_exec_end(DbExec *x) {
  if (!x) return;
  PGconn *c = x->db->conn;
  if (c && PQstatus(c) == CONNECTION_OK) {
    if (PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
    char sql[160];
    snprintf(sql, sizeof sql, "RESET lock_timeout; RESET statement_timeout%s",
             x->locked ? "; SELECT pg_advisory_unlock_all()" : "");
    // A session lock ends with the session anyway; a failure here leaves nothing behind
    // that a reconnect would not clear.
    PQclear(PQexec(c, sql));
    // PQexec returns only the last result; drain is done by PQexec itself.
  }
  arena_delete(x->arena);
  free(x);
}

void db_exec_result_free(ExecResult *r) {
  if (!r) return;
  free(r->step_ms);
  free(r->failed_sql);
  free(r->error);
  free(r->detail);
  free(r->hint);
  free(r->sqlstate);
  free(r->rows);
  memset(r, 0, sizeof *r);
}

static const char *exec__vop_sql(DbExec *x, const VersionOp *v) {
  // The statements Alembic issues (sql.h renders them as its offline mode prints them).
  const char *t = x->vt;
  switch (v->kind) {
  case VOP_INSERT:
    return arena_printf(x->arena, "INSERT INTO %s (version_num) VALUES (%s)", t,
                        sql_quote_literal(x->arena, v->to));
  case VOP_DELETE:
    return arena_printf(x->arena, "DELETE FROM %s WHERE %s.version_num = %s", t, t,
                        sql_quote_literal(x->arena, v->from));
  case VOP_UPDATE:
    return arena_printf(x->arena, "UPDATE %s SET version_num=%s WHERE %s.version_num = %s", t,
                        sql_quote_literal(x->arena, v->to), t,
                        sql_quote_literal(x->arena, v->from));
  }
  return NULL;
}

/* Records a failure of step `si`, statement `stmt` (-1: bookkeeping) from `q`. */
static void exec__fail(ExecResult *res, size_t si, long stmt, const char *sql, QOut *q) {
  res->failed = true;
  res->failed_step = si;
  res->failed_stmt = stmt;
  res->failed_sql = xstrdup(sql ? sql : "");
  res->cancelled = q->cancelled;
  res->error = q->error ? q->error : xstrdup("unknown error");
  res->detail = q->detail;
  res->hint = q->hint;
  res->sqlstate = q->sqlstate;
  memset(q, 0, sizeof *q);
}

/* BEGIN (and, in the first step of a database without one, CREATE TABLE of the version
 * table, so a failure rolls that back too). False with the failure recorded. */
static bool exec__begin_tx(DbExec *x, ExecResult *res, size_t si, bool need_table) {
  QOut q;
  exec__query(x, "BEGIN", &q);
  if (!q.ok) {
    exec__fail(res, si, -1, "BEGIN", &q);
    exec__qout_free(&q);
    return false;
  }
  exec__qout_free(&q);
  if (!need_table) return true;
  const char *ct = sql_version_create_table(x->arena, x->opt->version_schema,
                                            x->opt->version_table);
  exec__query(x, ct, &q);
  if (!q.ok) exec__fail(res, si, -1, ct, &q);
  exec__qout_free(&q);
  return !res->failed;
}

/* Runs one query; on failure records it against (si, stmt). */
static bool exec__step_query(DbExec *x, ExecResult *res, size_t si, long stmt, const char *sql) {
  QOut q;
  exec__query(x, sql, &q);
  if (!q.ok) exec__fail(res, si, stmt, sql, &q);
  exec__qout_free(&q);
  return !res->failed;
}

/* The version-table change of a step, each UPDATE/DELETE checked to match one row. */
static bool exec__vops(DbExec *x, ExecResult *res, size_t si, const ExecStep *st) {
  for (size_t k = 0; k < st->nvops; k++) {
    const VersionOp *v = &st->vops[k];
    const char *sql = exec__vop_sql(x, v);
    QOut q;
    exec__query(x, sql, &q);
    if (q.ok && v->kind != VOP_INSERT && q.tuples != 1) {
      // Alembic's own online check (HeadMaintainer._update_version / _delete_version).
      Buf m = BUF_INIT;
      buf_printf(&m, "Online migration expected to match one row when %s '%s'",
                 v->kind == VOP_DELETE ? "deleting" : "updating", v->from);
      if (v->kind == VOP_UPDATE) buf_printf(&m, " to '%s'", v->to);
      buf_printf(&m, " in '%s'; %ld found (another process changed the version table "
                     "without retort's lock)", x->vt, q.tuples);
      q.ok = false;
      q.error = buf_detach(&m);
    }
    if (!q.ok) exec__fail(res, si, -1, sql, &q);
    exec__qout_free(&q);
    if (res->failed) return false;
  }
  return true;
}

/* One step: its transaction(s), statements, version change and COMMIT. */
static bool exec__step(DbExec *x, ExecResult *res, size_t si, const ExecStep *st,
                       bool need_table) {
  bool in_tx = false;
  size_t committed = 0; // statements of this step committed so far (autocommit_block)
  bool ok = true;
  for (size_t k = 0; k < st->nstmts && ok; k++) {
    const ExecStmt *s = &st->stmts[k];
    if (!s->transactional && in_tx) {
      // autocommit_block: COMMIT what came before, run outside, BEGIN again after.
      ok = exec__step_query(x, res, si, (long)k, "COMMIT");
      in_tx = false;
      need_table = false; // committed with the statements before the block
      committed = k;
    } else if (s->transactional && !in_tx) {
      ok = exec__begin_tx(x, res, si, need_table);
      in_tx = ok;
    }
    if (ok) ok = exec__step_query(x, res, si, (long)k, s->sql);
    if (ok && !s->transactional) committed = k + 1;
  }
  if (ok && !in_tx) ok = in_tx = exec__begin_tx(x, res, si, need_table);
  if (ok) ok = exec__vops(x, res, si, st);
  if (ok) ok = exec__step_query(x, res, si, -1, "COMMIT");
  if (!ok) {
    res->committed_stmts = committed;
    PGconn *c = x->db->conn;
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
      PQclear(PQexec(c, "ROLLBACK"));
    if (res->sqlstate && strcmp(res->sqlstate, "55P03") == 0 && !res->hint) {
      long i = res->failed_stmt;
      const char *t = i >= 0 && st->stmts[i].lock_table ? st->stmts[i].lock_table : NULL;
      Buf h = BUF_INIT;
      buf_printf(&h, "another session holds a lock on %s; retry later or raise "
                     "lock_timeout_ms (now %d ms)",
                 t ? t : "a table this statement needs", x->opt->lock_timeout_ms);
      res->hint = buf_detach(&h);
    }
  }
  return ok;
}

bool db_exec_steps(DbExec *x, const ExecStep *steps, size_t n, bool table_exists,
                   ExecResult *res, RtError *err) {
  memset(res, 0, sizeof *res);
  res->step_ms = xcalloc(n ? n : 1, sizeof *res->step_ms);
  PGconn *c = x->db->conn;
  const ExecOptions *opt = x->opt;
  double t0 = exec__now_ms();
  for (size_t si = 0; si < n; si++) {
    const ExecStep *st = &steps[si];
    if (opt->progress) opt->progress(opt->progress_ctx, si, n, st, false);
    double s0 = exec__now_ms();
    if (!exec__step(x, res, si, st, !table_exists && si == 0)) break;
    res->step_ms[si] = exec__now_ms() - s0;
    res->napplied = si + 1;
    if (opt->progress) opt->progress(opt->progress_ctx, si, n, st, true);
  }
  res->total_ms = exec__now_ms() - t0;
  // The version table as it is now, for the report.
  if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE) {
    bool exists = false;
    RtError e2 = {0};
    const char *schema = opt->version_schema && *opt->version_schema ? opt->version_schema : NULL;
    const char *table = opt->version_table && *opt->version_table ? opt->version_table : NULL;
    res->rows_known = db_version_rows(x->db, schema, table, &res->rows, &res->nrows, &exists, &e2);
  }
  if (res->failed) {
    const ExecStep *st = &steps[res->failed_step];
    if (res->failed_stmt >= 0)
      error_set(err, ERR_DB, "%s failed at statement %ld: %s%s%s%s", st->short_log,
                res->failed_stmt + 1, res->error, res->sqlstate ? " (SQLSTATE " : "",
                res->sqlstate ? res->sqlstate : "", res->sqlstate ? ")" : "");
    else
      error_set(err, ERR_DB, "%s failed %s: %s%s%s%s", st->short_log,
                strcmp(res->failed_sql, "COMMIT") == 0 ? "at COMMIT (deferred checks)"
                : strcmp(res->failed_sql, "BEGIN") == 0 ? "at BEGIN"
                                                        : "while updating the version table",
                res->error, res->sqlstate ? " (SQLSTATE " : "",
                res->sqlstate ? res->sqlstate : "", res->sqlstate ? ")" : "");
  }
  return true;
}

bool db_identity(Db *db, char **system_id, char **dbname, RtError *err) {
  *system_id = NULL;
  *dbname = NULL;
  // pg_control_system() needs pg_monitor or superuser; without it the identity is the
  // database name and the server's data directory-independent facts we can read.
  PGresult *r = PQexec(db->conn,
                       "SELECT current_database(), (SELECT system_identifier::text FROM "
                       "pg_control_system()) WHERE has_function_privilege("
                       "'pg_control_system()', 'EXECUTE') UNION ALL SELECT current_database(), "
                       "NULL WHERE NOT has_function_privilege('pg_control_system()', "
                       "'EXECUTE')");
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
    char why[1024];
    error_set(err, ERR_DB, "cannot identify the database %s: %s", db->target.masked,
              db_conn_error(db->conn, why, sizeof why));
    PQclear(r);
    return false;
  }
  *dbname = xstrdup(PQgetvalue(r, 0, 0));
  *system_id = xstrdup(PQgetisnull(r, 0, 1) ? "" : PQgetvalue(r, 0, 1));
  PQclear(r);
  return true;
}

static void exec__put_encoded(Buf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '.' || c == '_' || c == '~')
      buf_putc(b, (char)c);
    else
      buf_printf(b, "%%%02X", c);
  }
}

char *db_conninfo_to_url(const char *conninfo) {
  if (!conninfo) return NULL;
  if (strncmp(conninfo, "postgresql://", 13) == 0 || strncmp(conninfo, "postgres://", 11) == 0)
    return xstrdup(conninfo);
  char *msg = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
  if (!opts) {
    PQfreemem(msg);
    return NULL;
  }
  const char *user = NULL, *password = NULL, *dbname = NULL, *host = NULL, *port = NULL;
  Buf q = BUF_INIT;
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    if (!o->val || !*o->val) continue;
    if (strcmp(o->keyword, "user") == 0) user = o->val;
    else if (strcmp(o->keyword, "password") == 0) password = o->val;
    else if (strcmp(o->keyword, "dbname") == 0) dbname = o->val;
    else if (strcmp(o->keyword, "host") == 0) host = o->val;
    else if (strcmp(o->keyword, "port") == 0) port = o->val;
    else {
      buf_printf(&q, "%s%s=", q.len ? "&" : "?", o->keyword);
      exec__put_encoded(&q, o->val);
    }
  }
  Buf b = BUF_INIT;
  buf_puts(&b, "postgresql://");
  if (user) {
    exec__put_encoded(&b, user);
    if (password) {
      buf_putc(&b, ':');
      exec__put_encoded(&b, password);
    }
    buf_putc(&b, '@');
  }
  // A socket directory (or a port with it) goes in the query, as libpq's URI allows.
  bool socket = host && host[0] == '/';
  if (host && !socket) buf_puts(&b, host);
  if (port && !socket) buf_printf(&b, ":%s", port);
  buf_putc(&b, '/');
  if (dbname) exec__put_encoded(&b, dbname);
  if (socket) {
    buf_printf(&q, "%shost=", q.len ? "&" : "?");
    exec__put_encoded(&q, host);
    if (port) buf_printf(&q, "&port=%s", port);
  }
  buf_append(&b, q.data ? q.data : "", q.len);
  if (q.data) memset(q.data, 0, q.len);
  buf_free(&q);
  PQconninfoFree(opts);
  return buf_detach(&b);
}
