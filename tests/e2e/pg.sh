# pg.sh - source it: pg_start starts a throw-away PostgreSQL cluster on a unix socket
# in a new temporary directory and exports PGHOST, PGUSER, PGDATABASE and
# DATABASE_URL; pg_stop stops it and removes the directory. As root the cluster
# runs as the postgres user (PostgreSQL refuses root).
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
PG_DIR=

pg__as() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  PG_DIR=$(mktemp -d /tmp/retort-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  ((EUID == 0)) && chown postgres: "$PG_DIR"
  local user=postgres
  ((EUID == 0)) || user=$(id -un)
  pg__as "$PG_BIN/initdb" --no-sync -A trust -U "$user" -D "$PG_DIR/data" >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg__as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c fsync=off" start >/dev/null ||
    { cat "$PG_DIR/server.log" >&2; return 1; }
  export PGHOST=$PG_DIR PGUSER=$user PGDATABASE=postgres
  export DATABASE_URL="postgresql://$user@/postgres?host=$PG_DIR"
}

pg_stop() {
  [[ -n $PG_DIR && -d $PG_DIR ]] || return 0
  pg__as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}
