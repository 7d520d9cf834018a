/* db.h - the database side of retort, and the only layer that includes libpq (its
 * implementation files do; this header does not, so callers never see PGconn).
 *
 * Which database a call uses (DESIGN.md): the `database_url` argument, then the
 * RETORT_DATABASE_URL and DATABASE_URL environment variables, then `sqlalchemy.url` of
 * alembic.ini when it is a real PostgreSQL URL, else the project's scratch cluster.
 * Every URL may be a libpq URI (postgresql://...) or an SQLAlchemy URL
 * (postgresql+psycopg2://user:pw@host:5432/db?host=/sock); it is converted to a libpq
 * connection string. Passwords never leave this layer unmasked: errors quote the masked
 * URL only. */
#ifndef RETORT_DB_DB_H
#define RETORT_DB_DB_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/project.h"
#include "server/base/error.h"

typedef enum DbKind {
  DB_KIND_URL,     /* a database the user named */
  DB_KIND_SCRATCH, /* retort's own per-project scratch cluster */
} DbKind;

/* Where to connect. Strings owned (db_target_free). */
typedef struct DbTarget {
  DbKind kind;
  char *conninfo;     /* libpq connection string: SECRET (holds the password). NULL for
                         DB_KIND_SCRATCH until connected: db_target(db)->conninfo then
                         names the cluster's socket */
  char *masked;       /* the same, safe to print: password replaced by "***";
                         for the scratch cluster, "scratch:<data directory>" */
  const char *source; /* static: "database_url", "RETORT_DATABASE_URL", "DATABASE_URL",
                         "sqlalchemy.url" or "scratch" */
  char *scratch_dir;  /* DB_KIND_SCRATCH: the cluster's directory (see scratch_dir_for) */
} DbTarget;

/**
 * Resolves the database for a call in the order above. `arg_url` is the call's
 * database_url argument (NULL or "" when absent). A URL that is not PostgreSQL, or that
 * cannot be converted, fails with ERR_PARAMS (or ERR_CONFIG for sqlalchemy.url) naming
 * its source and showing it masked. Project.sqlalchemy_url_error is reported (ERR_CONFIG)
 * when that is the value that would be used. Nothing is connected or started here.
 */
bool db_target_resolve(const Project *p, const char *arg_url, DbTarget *out, RtError *err);
void db_target_free(DbTarget *t);

/**
 * A libpq connection string for `url` (surrounding white space ignored): a key=value
 * string is returned as is; a URL with scheme postgresql, postgres or postgresql+DRIVER
 * (any case) is rewritten to a postgresql:// URI: driver dropped; host, port and database
 * kept as written (IPv6 [::1], h1,h2 lists); query parameters libpq knows kept (host=/sock,
 * sslmode, client_encoding, options, ...), asyncpg's ssl=<sslmode>|true|false turned
 * into libpq's sslmode (an ssl value it cannot map fails: TLS is never dropped), others
 * (SQLAlchemy's and the driver's own) dropped. In user and password, valid percent-escapes are kept (libpq decodes them
 * as SQLAlchemy does) and characters libpq would misread ('@', '/', ':', '#', a '%' not
 * followed by two hex digits, ...) are percent-encoded; the userinfo ends at the last
 * '@' before the query, so an unencoded '@' stays in the password. The result is checked
 * with libpq's own parser. Fails (ERR_PARAMS) for other schemes, for values that are not
 * URLs (not quoted: it may be a password), and for what libpq cannot parse (quoting the
 * masked URL, never libpq's message when it quotes the input). Caller frees.
 */
bool db_url_to_conninfo(const char *url, char **out, RtError *err);

/**
 * Replaces in `text` (modified in place; it never grows) every occurrence of the password
 * `url` carries by "***" (a password shorter than that by as many '*'): as written and
 * percent-decoded, from the userinfo of any URL (SQLAlchemy's too), a password= query
 * parameter or keyword, whichever way the URL is split. For output that may quote the
 * URL, such as a child process's that was given it (alembic's "Could not parse
 * SQLAlchemy URL from string '...'"). A NULL text or url is a no-op.
 */
void db_scrub_password(char *text, const char *url);

/* ---- the scratch cluster ---- */

/**
 * The scratch cluster's directory for project root `root`: under
 * $RETORT_SCRATCH_DIR when set, else ${XDG_CACHE_HOME:-$HOME/.cache}/retort/scratch,
 * or, when running as root (the server processes then run as an ordinary user who
 * cannot enter /root), /var/tmp/retort-scratch; one subdirectory per project named from
 * the project directory's base name and a hash of its absolute path. Caller frees.
 */
char *scratch_dir_for(const char *root);

/**
 * Makes sure the scratch cluster in `dir` exists (initdb on first need: --no-sync,
 * trust auth for the local socket only, fsync=off, listen_addresses='') and is running
 * (a postmaster on a private unix socket, no TCP), and writes its connection string
 * (database "retort", created on first start) to *conninfo (caller frees). Started
 * clusters are stopped when the last retort process using them exits (normal exit or
 * SIGINT/SIGTERM); a cluster left running by a killed retort is reused. Works as root:
 * initdb and postgres then run as the `postgres` user (else `nobody`). Fails with
 * ERR_NOT_FOUND naming the Debian package (postgresql) when PostgreSQL's server binaries
 * are not installed, and with ERR_IO quoting initdb's / postgres's own error otherwise.
 *
 * Details: binaries from $RETORT_PG_BIN, else the highest /usr/lib/postgresql/N/bin,
 * else `pg_config --bindir`, else PATH. A new cluster's data directory is a copy (cp -a)
 * of a template made by one initdb per installation (keyed by the binaries' path, size
 * and mtime) in $RETORT_SCRATCH_TEMPLATE_DIR, else /var/tmp/retort-scratch/templates as
 * root, else ${XDG_CACHE_HOME:-$HOME/.cache}/retort/templates; "off" runs initdb for
 * each cluster. Superuser role "postgres". The socket is
 * <dir>/.s.PGSQL.5432 (mode 0700), or under /tmp/retort-<uid>-<hash>/ when that path
 * would exceed 107 bytes. Logs: <dir>/initdb.log, <dir>/postgres.log (never our stdout).
 * Processes coordinate with flock on <dir>/start.lock (exclusive while starting or
 * stopping) and <dir>/users.lock (shared while using). The first call in a process
 * registers scratch_stop_all with atexit and installs SIGINT/SIGTERM/SIGHUP handlers
 * that stop the cluster and then re-raise, but only for signals whose disposition is
 * still the default: a program with its own handler must call scratch_stop_all from its
 * shutdown path. Later calls in the same process return at once while the postmaster
 * lives. Thread-safe.
 */
bool scratch_ensure(const char *dir, char **conninfo, RtError *err);

/** Whether the postmaster of the scratch cluster in `dir`, as this process registered it
 * (scratch_ensure), still runs. True when this process has not registered it (nothing
 * to tell). A backend can answer a query for a moment after its postmaster died: a
 * connection that works proves nothing about the cluster. Thread-safe. */
bool scratch_alive(const char *dir);

/** Lets go of every scratch cluster this process uses, stopping each one nobody else
 * uses (whoever started it); waits for the postmaster to exit. Also run at exit. A forked
 * child never acts on clusters its parent registered. */
void scratch_stop_all(void);

/* ---- connections ---- */

typedef struct Db Db; /* one open connection (server/db/db_internal.h) */

/**
 * Connects to `t` (starting the scratch cluster first when t is DB_KIND_SCRATCH), with
 * connect_timeout 10 s and application_name "retort". Fails with ERR_DB: "cannot connect
 * to <masked>: <libpq's reason, password-free>". Close with db_close (NULL is a no-op).
 */
bool db_connect(const DbTarget *t, Db **out, RtError *err);
void db_close(Db *db);

/** Whether the connection is still usable (one empty-query round trip, skipped while a
 * query is running on it); when it is not, one reconnect is tried (PostgreSQL restarted
 * between calls; for the scratch cluster, restarting it first). False with err when that
 * failed too. Session state (SET, temp tables, prepared statements) does not survive a
 * reconnect. */
bool db_alive(Db *db, RtError *err);

/** The target it was opened with (borrowed). */
const DbTarget *db_target(const Db *db);
/** server_version as PostgreSQL reports it ("15.8 (Debian 15.8-0+deb12u1)" → "15.8"),
 * and as an integer (150008). */
const char *db_server_version(const Db *db);
int db_server_version_num(const Db *db);

/* ---- the version table ---- */

/**
 * The rows of the version table (`version_table` / `version_table_schema` from the
 * project's main section, default alembic_version in the search path; NULL or "" mean
 * the defaults; names are quoted, so they are taken literally), sorted bytewise (COLLATE
 * "C"). A table without a version_num column, or unreadable, fails with ERR_DB.
 * *exists is false (and *n 0) when the table does not exist. Strings are one malloc'd
 * array: free(*rows) frees everything.
 */
bool db_version_rows(Db *db, const char *schema, const char *table, char ***rows, size_t *n,
                     bool *exists, RtError *err);

/* ---- cancellation ---- */

/* How a long operation learns that its caller cancelled it (MCP notifications/cancelled).
 * While waiting for PostgreSQL, the database layer polls `fd` (when >= 0) together with
 * the connection's socket; whenever fd is readable, or at least every 100 ms, it calls
 * check(ctx); true means cancel: the running statement is cancelled (PQcancel) and the
 * operation stops, reporting the state it left. */
typedef struct DbCancel {
  int fd;
  bool (*check)(void *ctx);
  void *ctx;
} DbCancel;

#endif
