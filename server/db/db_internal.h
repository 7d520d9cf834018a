/* db_internal.h - what the files of server/db/ share: the Db handle behind db.h's opaque
 * type, so exec.c and catalog.c reach the PGconn. Only server/db/ includes this (and
 * libpq); nothing above the db layer may. */
#ifndef RETORT_DB_DB_INTERNAL_H
#define RETORT_DB_DB_INTERNAL_H
#include <libpq-fe.h>

#include "server/db/db.h"

/* One open connection. `conn` is replaced (not just reset) when db_alive reconnects, so
 * never cache it across calls that may reconnect. `target` is a deep copy of what
 * db_connect was given; for the scratch cluster its conninfo is filled in (the socket
 * the cluster listens on). */
struct Db {
  PGconn *conn;
  DbTarget target;
  char server_version[64]; /* "15.8" */
  int server_version_num;  /* 150008 */
};

/**
 * libpq's last error for `conn` as one line (trailing newlines removed, inner newlines
 * turned into "; "), copied into buf (size n). libpq's messages never contain the
 * password. Returns buf.
 */
const char *db_conn_error(PGconn *conn, char *buf, size_t n);

#endif
