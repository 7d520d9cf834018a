#!/usr/bin/env bash
# secrets.sh RETORT_BIN - no password appears in any output, log or error.
# A real PostgreSQL cluster with a role that needs a password (scram-sha-256 on the unix
# socket). Every way a URL reaches retort (--database-url, RETORT_DATABASE_URL,
# DATABASE_URL, sqlalchemy.url in alembic.ini, database_url over MCP, SQLAlchemy and
# libpq forms, percent-encoded passwords) is used with the right password, a wrong one,
# a missing database, an unreachable socket and a malformed URL, through status,
# history, upgrade (plan, --sql, execution) and downgrade. All stdout and stderr is
# collected; no form of either password may appear in it, and no sanitizer report. The
# good URL must really connect (status says so), so the check cannot pass by never
# connecting. The passwords come from passwords.txt; with RETORT_TEST_LOG_DIR set
# (tests/run.sh) the log is kept there, for the scan over the whole suite's output.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
retort=$(realpath "$1")
# shellcheck source=../e2e/pg.sh
source "$root/tests/e2e/pg.sh"
# shellcheck source=password.sh
source "$here/password.sh"
work=$(mktemp -d /tmp/retort-secrets.XXXXXX)
chmod 755 "$work"
cleanup() {
  pg_stop
  [[ -n ${KEEP_LOG:-} ]] && cp "$work/all.log" "$KEEP_LOG"
  [[ -n ${RETORT_TEST_LOG_DIR:-} && -d ${RETORT_TEST_LOG_DIR:-} && -f $work/all.log ]] &&
    cp "$work/all.log" "$RETORT_TEST_LOG_DIR/secrets.$$.log"
  rm -rf "$work"
}
trap cleanup EXIT
pg_start

# The passwords: distinctive, with characters that need percent-encoding in a URL.
pw=$(password_of secrets.good)     # Canary7f3a@pw/x?y
bad=$(password_of secrets.wrong)   # Canary9wrong#z
enc() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
pw_enc=$(enc "$pw")
bad_enc=$(enc "$bad")
[[ $pw_enc == *%40* && $bad_enc == *%23* ]] || { echo "FAIL the passwords must need percent-encoding"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE ROLE canary LOGIN SUPERUSER PASSWORD '$pw'"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE canarydb OWNER canary"
hba=$(psql -X -qAt -d postgres -c "SHOW hba_file")
# First matching line wins: the canary role must authenticate with its password.
pg__as sh -c "{ echo 'local all canary scram-sha-256'; cat '$hba'; } > '$hba.new' && mv '$hba.new' '$hba'"
psql -X -q -d postgres -c "SELECT pg_reload_conf()" >/dev/null
sock=$PG_DIR

cp -r "$root/examples/shop" "$work/shop"
proj=$work/shop
log=$work/all.log
: >"$log"

run() { # run DESCRIPTION COMMAND... : output appended to the log, exit status ignored
  echo "=== $1" >>"$log"
  shift
  "$@" >>"$log" 2>&1 </dev/null || true
}

good="postgresql://canary:$pw_enc@/canarydb?host=$sock"
good_sa="postgresql+psycopg2://canary:$pw_enc@/canarydb?host=$sock"
wrong="postgresql://canary:$bad_enc@/canarydb?host=$sock"
nodb="postgresql://canary:$pw_enc@/nosuchdb?host=$sock"
gone="postgresql://canary:$pw_enc@/canarydb?host=/nonexistent-retort-socket"
broken="postgresql://canary:$pw_enc@localhost:notaport/canarydb"
kv="host=$sock dbname=canarydb user=canary password=$pw"

for url in "$good" "$good_sa" "$wrong" "$nodb" "$gone" "$broken" "$kv"; do
  run "status" "$retort" --project "$proj" --database-url "$url" status
  run "status json" "$retort" --project "$proj" --database-url "$url" --format json status
  run "history" "$retort" --project "$proj" --database-url "$url" history --verbose
  run "upgrade plan" "$retort" --project "$proj" --database-url "$url" upgrade head
  run "upgrade --sql" "$retort" --project "$proj" --database-url "$url" upgrade head --sql
  run "downgrade plan" "$retort" --project "$proj" --database-url "$url" downgrade base
  run "call status" "$retort" --project "$proj" call status "{\"database_url\": \"$url\"}"
  run "env RETORT_DATABASE_URL" env RETORT_DATABASE_URL="$url" "$retort" --project "$proj" status
  run "env DATABASE_URL" env DATABASE_URL="$url" "$retort" --project "$proj" upgrade head
done

# Execution with the good URL: the plan's id, then the confirmed run, then downgrade.
plan=$("$retort" --project "$proj" --database-url "$good" call upgrade '{"target": "head"}' 2>>"$log" || true)
echo "$plan" >>"$log"
plan_id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("plan_id",""))' <<<"$plan" 2>/dev/null || true)
run "upgrade confirmed" "$retort" --project "$proj" --database-url "$good" upgrade head --confirm "$plan_id"
run "status after" "$retort" --project "$proj" --database-url "$good" status
plan=$("$retort" --project "$proj" --database-url "$good" call downgrade '{"target": "base"}' 2>>"$log" || true)
echo "$plan" >>"$log"
plan_id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("plan_id",""))' <<<"$plan" 2>/dev/null || true)
run "downgrade confirmed" "$retort" --project "$proj" --database-url "$good" downgrade base --confirm "$plan_id"

# sqlalchemy.url in alembic.ini (configparser: '%' doubled), good and wrong.
for u in "$good_sa" "$wrong"; do
  sed -i "s|^sqlalchemy.url *=.*|sqlalchemy.url = ${u//%/%%}|" "$proj/alembic.ini"
  grep -q "^sqlalchemy.url = " "$proj/alembic.ini" || echo "sqlalchemy.url = ${u//%/%%}" >>"$proj/alembic.ini"
  run "ini status" "$retort" --project "$proj" status
  run "ini upgrade plan" "$retort" --project "$proj" upgrade head
done

# Over MCP, one server: initialize, then every tool with each URL.
{
  echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"s","version":"1"}}}'
  echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  i=1
  for url in "$good" "$wrong" "$nodb" "$gone" "$broken"; do
    for tool in status upgrade downgrade history; do
      printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":{"database_url":"%s"}}}\n' \
        "$i" "$tool" "$url"
      i=$((i + 1))
    done
  done
} >"$work/mcp.in"
run "mcp session" "$retort" --project "$proj" mcp <"$work/mcp.in"

# The check must be able to fail: the good URL connected.
grep -q "canarydb" "$log" || { echo "FAIL the log never names the database: nothing connected?"; exit 1; }
reachable=$("$retort" --project "$proj" --database-url "$good" --format json status 2>>"$log" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["database"].get("reachable"))' || true)
[[ $reachable == True ]] || { echo "FAIL status with the right password is not reachable ($reachable)"; exit 1; }

# retort's stderr went to the log: a sanitizer report there fails this check too.
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log"; then
  echo "FAIL a sanitizer report in retort's output:" >&2
  grep -E -B2 -A30 'AddressSanitizer|LeakSanitizer|runtime error:' "$log" | head -n 80 >&2
  exit 1
fi

leaks=0
for secret in "$pw" "$pw_enc" "$bad" "$bad_enc" "${pw%%@*}" "${bad%%#*}"; do
  if grep -F -n -- "$secret" "$log" | head -n 3 | grep -q .; then
    echo "FAIL the password form '$secret' appears in retort's output:"
    grep -F -n -- "$secret" "$log" | head -n 5
    leaks=1
  fi
done
((leaks == 0)) || exit 1
echo "secrets: $(grep -c '^===' "$log") runs, $(wc -c <"$log") bytes of output: no password"
