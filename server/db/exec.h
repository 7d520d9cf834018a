/* exec.h - runs migration steps on a database: one transaction per revision (its
 * statements and its version-table change), statements that cannot run in a transaction
 * (autocommit_block, CONCURRENTLY) outside it exactly where Alembic runs them, all under a
 * session advisory lock with lock_timeout / statement_timeout set, cancellable. */
#ifndef RETORT_DB_EXEC_H
#define RETORT_DB_EXEC_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/steps.h"
#include "server/base/error.h"
#include "server/db/db.h"

/* One statement of a step, as rendered (no trailing ';'). */
typedef struct ExecStmt {
  const char *sql;
  bool transactional; /* false: runs in autocommit, outside the step's transaction */
  const char *lock_table; /* the table it locks, for the lock_timeout hint; may be NULL */
} ExecStmt;

/* One revision to run. Borrowed for the duration of db_exec_steps. */
typedef struct ExecStep {
  const char *revision;
  const char *short_log;   /* "upgrade a -> b", for progress and messages */
  const ExecStmt *stmts;
  size_t nstmts;
  const VersionOp *vops;   /* the version-table change (steps.h), run last, in the
                              step's transaction */
  size_t nvops;
} ExecStep;

typedef struct ExecOptions {
  const char *version_schema;  /* NULL: the search path */
  const char *version_table;   /* NULL: alembic_version */
  int lock_timeout_ms;         /* SET lock_timeout for every step (0: no limit) */
  int statement_timeout_ms;    /* SET statement_timeout for every step (0: no limit) */
  const DbCancel *cancel;      /* may be NULL */
  /* Called before (done false) and after (done true) each step; may be NULL. */
  void (*progress)(void *ctx, size_t index, size_t total, const ExecStep *step, bool done);
  void *progress_ctx;
} ExecOptions;

/* What a run did. Strings are malloc'd (db_exec_result_free). */
typedef struct ExecResult {
  size_t napplied;         /* steps committed, in order (the first napplied of the list) */
  double *step_ms;         /* per committed step */
  double total_ms;
  bool failed;
  bool cancelled;          /* the failure is a cancel (PQcancel) */
  size_t failed_step;      /* index into the steps */
  long failed_stmt;        /* index into its stmts; -1: its version-table change or the
                              transaction control around it (see failed_sql) */
  char *failed_sql;
  size_t committed_stmts;  /* statements of the failed step that stay committed
                              (autocommit_block statements before the failure) */
  char *error;             /* PostgreSQL's primary message (or libpq's) */
  char *detail, *hint;     /* NULL when PostgreSQL gave none */
  char *sqlstate;          /* "55P03", NULL when the failure was not PostgreSQL's */
  bool rows_known;         /* the rows below were read after the failure / at the end */
  char **rows;             /* the version table now, sorted (one malloc: free(rows)) */
  size_t nrows;
} ExecResult;

/* A run in progress: the advisory lock is held from db_exec_begin to db_exec_end. */
typedef struct DbExec DbExec;

/**
 * Takes the migration lock: a session advisory lock (pg_advisory_lock) keyed on the
 * version table's qualified name, so two retort runs on one database serialize; the
 * wait has no time limit but is cancellable (opt->cancel), and waits for another
 * migration to finish. Then sets lock_timeout / statement_timeout for the session and
 * reads the version rows (*exists false when the table is absent). `db` and `opt` are
 * borrowed until db_exec_end. Fails (ERR_DB) with nothing held.
 */
bool db_exec_begin(Db *db, const ExecOptions *opt, DbExec **out, char ***rows, size_t *nrows,
                   bool *exists, RtError *err);

/**
 * Runs `steps` in order, each in its own transaction: BEGIN, its transactional statements
 * (a run of non-transactional ones is bracketed by COMMIT ... BEGIN as Alembic's
 * autocommit_block does), its version-table change (each UPDATE/DELETE must match exactly
 * one row, as Alembic checks online), COMMIT. When the version table is absent it is
 * created (VARCHAR(32) NOT NULL, PRIMARY KEY alembic_version_pkc, as Alembic) inside the
 * first step's transaction. Stops at the first failure: its transaction is rolled back,
 * and res says which step and statement failed, PostgreSQL's message, detail, hint and
 * SQLSTATE (55P03 gets a hint about the lock and lock_timeout_ms), and the version rows
 * now. Returns false only when the run could not be reported (res->failed is the normal
 * failure path; err then carries a one-line summary too).
 */
bool db_exec_steps(DbExec *x, const ExecStep *steps, size_t n, bool table_exists,
                   ExecResult *res, RtError *err);

/** Resets the timeouts and releases the advisory lock. NULL is a no-op. */
void db_exec_end(DbExec *x);

void db_exec_result_free(ExecResult *r);

/**
 * The advisory-lock key for a version table: 64-bit FNV-1a of "retort:" schema "." table
 * (schema "" for the search path), as a signed bigint.
 */
long long db_exec_lock_key(const char *schema, const char *table);

/**
 * Reads what identifies the database for a plan: pg_control_system()'s system_identifier
 * (as text) and current_database(). Strings malloc'd. Fails with ERR_DB.
 */
bool db_identity(Db *db, char **system_id, char **dbname, RtError *err);

/**
 * A libpq URI (postgresql://user:password@host:port/dbname?host=/socket...) for a
 * connection string in either libpq form, for a child process that wants a URL (the
 * project's alembic). SECRET: holds the password. Caller frees; NULL when `conninfo`
 * does not parse.
 */
char *db_conninfo_to_url(const char *conninfo);

#endif
