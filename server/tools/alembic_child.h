/* alembic_child.h - the project's own alembic as a child process: the upgrade and
 * downgrade tools' alembic engine, and round-trip verification of revisions retort
 * cannot run natively. argv, no shell; stdin /dev/null; stdout and stderr captured,
 * never inherited (stdout carries the protocol); the database URL in the child's
 * environment only, never on its command line. */
#ifndef RETORT_TOOLS_ALEMBIC_CHILD_H
#define RETORT_TOOLS_ALEMBIC_CHILD_H
#include <stdbool.h>

#include "server/base/buf.h"
#include "server/base/error.h"

/* How much of the child's output is kept. */
#define ALEMBIC_CHILD_OUTPUT_MAX (64 * 1024)

typedef struct AlembicChild {
  const char *bin;   /* the executable (alembic_child_find) */
  const char *ini;   /* passed as -c */
  const char *cwd;   /* the child's working directory: the project root */
  const char *url;   /* the child's DATABASE_URL and RETORT_DATABASE_URL (NULL: neither is
                        set, and the caller's are removed); its password is scrubbed from
                        the output */
  bool sql;          /* an offline --sql run: stderr goes to errout, PGOPTIONS untouched */
  int lock_ms;       /* online runs: PGOPTIONS lock_timeout and statement_timeout, so */
  int stmt_ms;       /* that alembic's connection gets the native engine's timeouts */
  int cancel_fd;     /* polled with the output; -1: none */
  bool (*cancelled)(void *ctx); /* asked every 200 ms; true sends SIGINT (alembic rolls
                                   back its transaction and exits). NULL: never */
  void *cancel_ctx;
} AlembicChild;

/**
 * The project's alembic: ROOT/.venv/bin/alembic, ROOT/venv/bin/alembic, else the first
 * executable `alembic` on PATH. Returns a malloc'd path (caller frees), or NULL when there
 * is none.
 */
char *alembic_child_find(const char *root);

/**
 * Runs `BIN -c INI VERB TARGET [--sql]` as `c` says and waits for it. *status gets
 * waitpid's status; `output` what the child printed on stdout (and stderr, unless
 * `c->sql`, when stderr goes to `errout`, which may then be NULL to drop it), each capped
 * at ALEMBIC_CHILD_OUTPUT_MAX and scrubbed of every form of c->url's password;
 * *cancelled is set when c->cancelled fired. Returns false (ERR_IO, "nothing was run")
 * only when the child could not be started.
 */
bool alembic_child_run(const AlembicChild *c, const char *verb, const char *target,
                       int *status, Buf *output, Buf *errout, bool *cancelled, RtError *err);

/**
 * What alembic's output says went wrong: *error gets the last "FAILED: ..." line or
 * exception line ("sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable)
 * ..."), else the last line ("alembic failed without output" when there is none), and
 * *sql the statement of SQLAlchemy's "[SQL: ...]" line ("" when none). Both malloc'd.
 */
void alembic_child_error(const char *output, char **error, char **sql);

#endif
