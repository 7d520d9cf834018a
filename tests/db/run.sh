#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - retort's upgrade/downgrade against a real PostgreSQL and
# Debian's real alembic (issue #4). One throwaway cluster (tests/e2e/pg.sh) for the whole
# suite, one or two fresh databases per case. Prints one line per case, then a summary;
# exits non-zero when any case failed. The cluster is always stopped.
#
# Conformance: the same steps (upgrade/downgrade TARGET) run by `alembic` into database A
# and by `retort` (plan, then confirm with its plan_id) into database B; after every step
# `pg_dump --schema-only --no-owner` of A and B must be byte-identical (no normalisation)
# and so must the alembic_version rows.
# Faults: a failing third revision, a failing downgrade, SIGKILL mid-upgrade, PostgreSQL
# restarted inside one MCP session, two upgrades at once, a held lock and lock_timeout,
# stale confirms. Every plan asked for (no confirm) must leave the database untouched.
# See README.md.
#
#   RETORT_DB_CASES='conf_ops fault_lock_timeout'  runs only those cases;
#   RETORT_DB_VERBOSE=1  prints the log of passing cases too.
#   RETORT_TEST_LOG_DIR  (set by tests/run.sh) keeps every case's log and retort's output
#   of the password case there, for the password scan over the whole suite's output.
set -uo pipefail

RETORT=${1:?usage: run.sh RETORT_BIN BUILD_DIR}
BUILD_DIR=${2:?usage: run.sh RETORT_BIN BUILD_DIR}
case $RETORT in /*) ;; *) RETORT=$PWD/$RETORT ;; esac
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ALEMBIC=${ALEMBIC_BIN:-/usr/bin/alembic}
export PYTHONDONTWRITEBYTECODE=1

[[ -x $RETORT ]] || { echo "db/run.sh: retort binary not found: $RETORT" >&2; exit 1; }
[[ -x $ALEMBIC ]] || { echo "db/run.sh: $ALEMBIC not found (apt-get install alembic)" >&2; exit 1; }

# shellcheck source=../e2e/pg.sh
source "$HERE/../e2e/pg.sh"
# shellcheck source=../hardening/password.sh
source "$HERE/../hardening/password.sh"
mkdir -p "$BUILD_DIR" && BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
WORK=$(mktemp -d "$BUILD_DIR/db.XXXXXX")
cleanup() {
  local pid
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
  pg_stop
  if [[ -n ${RETORT_TEST_LOG_DIR:-} && -d ${RETORT_TEST_LOG_DIR:-} ]]; then
    mkdir -p "$RETORT_TEST_LOG_DIR/db.$$"
    cp "$WORK"/case_*.log "$WORK"/pw.all "$RETORT_TEST_LOG_DIR/db.$$/" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_start || { echo "db/run.sh: could not start PostgreSQL" >&2; exit 1; }
# Every command below names its database explicitly: nothing may fall back to these.
unset DATABASE_URL RETORT_DATABASE_URL
# pg_dump since 15.14 writes \restrict/\unrestrict lines with a random key to each dump;
# a fixed key keeps two dumps of the same schema byte-identical (no other normalisation).
PG_DUMP=("$PG_BIN/pg_dump" --schema-only --no-owner)
[[ $("$PG_BIN/pg_dump" --help) == *--restrict-key* ]] && PG_DUMP+=(--restrict-key=retorttests)

# ---------------------------------------------------------------- helpers
# They run inside a case's subshell: `fail` ends the case.

fail() {
  echo "FAILED: $*" >&2 # stderr: also seen from inside $(...)
  exit 1
}

# newdb NAME - creates database NAME, prints its URL.
newdb() {
  psql -qX -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null || fail "createdb $1"
  echo "postgresql://$PGUSER@/$1?host=$PG_DIR"
}

# project NAME COPY - copies fixture project NAME (tests/db/projects/NAME, or "shop" for
# examples/shop) to $WORK/COPY, gives it the shared env.py, prints the directory.
project() {
  local name=$1 dir=$WORK/$2
  if [[ $name == shop ]]; then
    cp -r "$REPO/examples/shop" "$dir"
  else
    cp -r "$HERE/projects/$name" "$dir"
    cp "$HERE/projects/env.py" "$HERE/projects/script.py.mako" "$dir/migrations/"
  fi
  echo "$dir"
}

# alembic_in DIR URL ARGS... - Debian's alembic in DIR against URL; output in $WORK/alembic.out.
alembic_in() {
  local dir=$1 url=$2
  shift 2
  (cd "$dir" && DATABASE_URL=$url "$ALEMBIC" "$@") >"$WORK/alembic.out" 2>&1
}

# rt DIR TOOL JSON - `retort --project DIR call TOOL JSON`; stdout in $OUT, stderr in
# $ERR, exit status in $RC. Never fails the case by itself.
OUT=$WORK/rt.out ERR=$WORK/rt.err RC=0
rt() {
  local dir=$1 tool=$2 json=$3
  RC=0
  (cd "$dir" && "$RETORT" --project "$dir" call "$tool" "$json") >"$OUT" 2>"$ERR" || RC=$?
  sanitizer_check "$ERR"
}

# sanitizer_check FILE... - a sanitizer report in retort's stderr fails the case (and is
# printed, for ctest's FAIL_REGULAR_EXPRESSION), whatever the exit status was.
sanitizer_check() {
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$@" 2>/dev/null; then
    cat "$@" >&2
    fail "retort reported a sanitizer error"
  fi
}

show_rt() {
  echo "--- retort exit status $RC; stdout:"
  head -c 4000 "$OUT"
  echo
  echo "--- stderr:"
  head -c 2000 "$ERR"
}

# args URL TARGET [EXTRA-JSON-MEMBERS] - the JSON arguments of an upgrade/downgrade call.
args() {
  local extra=${3:+, $3}
  printf '{"database_url": "%s", "target": "%s"%s}' "$1" "$2" "$extra"
}

# plan DIR VERB URL TARGET [EXTRA] - asks for the plan; prints its plan_id. Asking must
# not change the database (not the scratch cluster: DESIGN.md's safety rules).
plan() {
  local dir=$1 verb=$2 url=$3 target=$4 extra=${5:-}
  local before after
  before=$(versions "$url" | paste -sd, -)
  rt "$dir" "$verb" "$(args "$url" "$target" "$extra")"
  if ((RC != 0)); then
    show_rt >&2
    fail "retort $verb $target: asking for the plan failed (exit $RC)"
  fi
  local id
  id=$(jq -er '.plan_id // empty' "$OUT" 2>/dev/null) || {
    show_rt >&2
    fail "retort $verb $target: the result has no plan_id"
  }
  [[ $(jq -r '.executed' "$OUT") == false ]] || { show_rt >&2; fail "retort $verb $target without confirm: executed is not false"; }
  after=$(versions "$url" | paste -sd, -)
  [[ $before == "$after" ]] || fail "retort $verb $target without confirm changed the version table: [$before] -> [$after]"
  echo "$id"
}

# apply DIR VERB URL TARGET [EXTRA] - plan, then confirm that plan; the case fails unless
# both succeed and the reported `current` equals the version table.
apply() {
  local dir=$1 verb=$2 url=$3 target=$4 extra=${5:-}
  local id
  id=$(plan "$@") || exit 1
  rt "$dir" "$verb" "$(args "$url" "$target" "\"confirm\": \"$id\"${extra:+, $extra}")"
  if ((RC != 0)); then
    show_rt
    fail "retort $verb $target --confirm $id failed (exit $RC)"
  fi
  echo "  retort $verb $target: engine $(jq -r '.engine // "?"' "$OUT"), applied [$(jq -r '[.applied[]?.revision] | join(",")' "$OUT")]"
  local reported actual
  reported=$(jq -r '[.current[]? | if type == "object" then (.revision // .version_num) else . end] | sort | join(",")' "$OUT" 2>/dev/null)
  actual=$(versions "$url" | paste -sd, -)
  if [[ $reported != "$actual" ]]; then
    show_rt
    fail "retort $verb $target: the result says current=[$reported], the version table holds [$actual]"
  fi
}

# versions URL - the alembic_version rows, sorted, one a line ("(no table)" without one).
versions() {
  psql -qAtX -d "$1" -c "SELECT CASE WHEN to_regclass('alembic_version') IS NULL THEN '(no table)' END" |
    grep . && return 0
  psql -qAtX -d "$1" -c "SELECT version_num FROM alembic_version ORDER BY 1"
}

# q URL SQL - one psql query, unaligned output.
q() { psql -qAtX -d "$1" -c "$2"; }

# same_state STEP URL_A URL_B - identical schema dumps and version rows.
same_state() {
  local step=$1 a=$2 b=$3
  "${PG_DUMP[@]}" -d "$a" >"$WORK/a.sql" || fail "pg_dump A"
  "${PG_DUMP[@]}" -d "$b" >"$WORK/b.sql" || fail "pg_dump B"
  if ! diff -u "$WORK/a.sql" "$WORK/b.sql" >"$WORK/dump.diff"; then
    echo "--- pg_dump --schema-only: alembic (-) vs retort (+) after '$step':"
    head -n 80 "$WORK/dump.diff"
    echo "DIFFERS: after '$step' the schemas differ"
    # Go on with the next steps (they may show more differences); the case fails.
    touch "$WORK/differs"
    return 0
  fi
  local va vb
  va=$(versions "$a" | paste -sd, -)
  vb=$(versions "$b" | paste -sd, -)
  [[ $va == "$vb" ]] || fail "after '$step' alembic_version differs: alembic [$va], retort [$vb]"
  echo "  $step: same schema, alembic_version [$va]"
}

# expect_versions URL WANT WHAT
expect_versions() {
  local got
  got=$(versions "$1" | paste -sd, -)
  [[ $got == "$2" ]] || fail "$3: alembic_version holds [$got], expected [$2]"
}

# conform PROJECT ENGINE STEP... - each STEP ("upgrade TARGET" / "downgrade TARGET") run by
# alembic into a fresh database A and by retort into a fresh database B, then compared.
conform() {
  local name=$1 engine=$2
  shift 2
  local dir a b step verb target extra=
  dir=$(project "$name" "$name") || exit 1
  a=$(newdb "${name}_alembic") || exit 1
  b=$(newdb "${name}_retort") || exit 1
  [[ $engine == default ]] || extra="\"engine\": \"$engine\""
  for step in "$@"; do
    verb=${step%% *} target=${step#* }
    alembic_in "$dir" "$a" "$verb" "$target" || { cat "$WORK/alembic.out"; fail "alembic $step failed"; }
    apply "$dir" "$verb" "$b" "$target" "$extra"
    same_state "$step" "$a" "$b"
  done
  [[ ! -e $WORK/differs ]] || fail "the schemas differ (see above)"
}

# ---------------------------------------------------------------- conformance cases

# tests/sqlconf's revisions (every op retort renders), made runnable (projects/ops).
case_conf_ops() {
  # projects/ops is an adapted copy: a new sqlconf revision must be copied there too.
  local f
  for f in "$REPO"/tests/sqlconf/project/migrations/versions/*.py; do
    [[ -e $HERE/projects/ops/migrations/versions/${f##*/} ]] ||
      fail "tests/sqlconf has ${f##*/}, tests/db/projects/ops does not: copy it (made runnable, see README.md)"
  done
  conform ops native "upgrade r03" "upgrade +2" "upgrade head" "downgrade -1" "downgrade r07" \
    "downgrade r04" "downgrade base"
}

# examples/shop: get_bind() in one revision, so engine auto (the plan says which engine
# ran each revision); a labelled branch and a merge.
case_conf_shop() {
  conform shop default "upgrade e9b3c6d1f470" "upgrade head" "downgrade f0c4d8e2a615" \
    "downgrade base" "upgrade reporting@head"
}

# Branches, depends_on, a merge, two heads: branch@head, rev ids, heads, and downgrades
# through the merge (the version table holds two rows in between).
case_conf_branches() {
  conform branches native "upgrade 3c0000000003" "upgrade 5e0000000005" "upgrade blue@head" \
    "upgrade heads" "downgrade green@-1" "downgrade 3c0000000003" "downgrade 2b0000000002" \
    "downgrade base"
}

# A target that names several heads is refused by both, and nothing changes.
case_conf_ambiguous() {
  local dir a b
  dir=$(project branches ambiguous) || exit 1
  a=$(newdb ambiguous_alembic) || exit 1
  b=$(newdb ambiguous_retort) || exit 1
  alembic_in "$dir" "$a" upgrade 3c0000000003 || fail "alembic upgrade 3c0000000003"
  apply "$dir" upgrade "$b" 3c0000000003
  if alembic_in "$dir" "$a" upgrade right@head; then fail "alembic accepted right@head"; fi
  rt "$dir" upgrade "$(args "$b" right@head)"
  ((RC == 1 || RC == 2)) || { show_rt; fail "retort upgrade right@head: exit $RC, expected a refusal (1 or 2)"; }
  grep -qiE 'head' "$OUT" "$ERR" || { show_rt; fail "the refusal does not mention the heads"; }
  same_state "upgrade right@head (refused)" "$a" "$b"
  [[ ! -e $WORK/differs ]] || fail "the schemas differ (see above)"
}

# ---------------------------------------------------------------- fault cases

# The third of five revisions fails: the first two stay applied (one transaction per
# revision, as alembic with transaction_per_migration), the result names the revision,
# the statement and PostgreSQL's error; alembic leaves the same state.
case_fault_third_fails() {
  local dir a b id text
  dir=$(project fail5 fail5) || exit 1
  a=$(newdb fail5_alembic) || exit 1
  b=$(newdb fail5_retort) || exit 1
  if alembic_in "$dir" "$a" upgrade head; then fail "alembic upgrade head succeeded on fail5"; fi
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 1)) || { show_rt; fail "retort upgrade head: exit $RC, expected 1 (a tool error)"; }
  text=$(cat "$OUT" "$ERR")
  echo "  failed: $(jq -c '.failed' "$OUT" 2>/dev/null | head -c 600)"
  grep -q 'f3' <<<"$text" || { show_rt; fail "the error does not name revision f3"; }
  grep -q "INSERT INTO products (id, sku) VALUES (2, 'TEA')" <<<"$text" ||
    { show_rt; fail "the error does not quote the failing statement"; }
  grep -q 'duplicate key value violates unique constraint' <<<"$text" ||
    { show_rt; fail "the error does not carry PostgreSQL's message"; }
  grep -q 'f2' <<<"$text" || { show_rt; fail "the error does not say that f2 is what the version table holds now"; }
  expect_versions "$b" f2 "after the failure"
  [[ -z $(q "$b" "SELECT to_regclass('stock')") ]] || fail "table stock (f3's first statement) survived the rollback"
  [[ $(q "$b" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'weight_g'") == 0 ]] ||
    fail "column products.weight_g (f3) survived the rollback"
  same_state "upgrade head (fails in f3)" "$a" "$b"
  [[ ! -e $WORK/differs ]] || fail "the schemas differ (see above)"

  # The CLI says the same to a person.
  local c cout rc=0
  c=$(newdb fail5_cli) || exit 1
  id=$(plan "$dir" upgrade "$c" head '"engine": "native"') || exit 1
  cout=$(cd "$dir" && "$RETORT" --project "$dir" --database-url "$c" upgrade head --engine native --confirm "$id" 2>&1) || rc=$?
  echo "$cout" >"$WORK/cli.out"
  sanitizer_check "$WORK/cli.out"
  ((rc != 0)) || { echo "$cout"; fail "retort upgrade head (CLI) exited 0"; }
  for want in f3 "INSERT INTO products" "duplicate key value" f2; do
    grep -q "$want" <<<"$cout" || { echo "$cout"; fail "the CLI's error text lacks '$want'"; }
  done
  expect_versions "$c" f2 "after the CLI failure"
  echo "  CLI: exit $rc:"
  sed 's/^/    | /' <<<"$cout" | head -n 20
}

# A downgrade that fails (a view depends on the column f2's downgrade drops) changes
# nothing: f2 stays applied and in the version table, the message names f2, the
# statement and PostgreSQL's error; alembic leaves the same state.
case_fault_downgrade_fails() {
  local dir a b id text
  dir=$(project fail5 fail5down) || exit 1
  a=$(newdb fail5down_alembic) || exit 1
  b=$(newdb fail5down_retort) || exit 1
  alembic_in "$dir" "$a" upgrade f2 || { cat "$WORK/alembic.out"; fail "alembic upgrade f2"; }
  apply "$dir" upgrade "$b" f2 '"engine": "native"'
  q "$a" "CREATE VIEW priced AS SELECT id, price_cents FROM products" || fail "create view (A)"
  q "$b" "CREATE VIEW priced AS SELECT id, price_cents FROM products" || fail "create view (B)"
  if alembic_in "$dir" "$a" downgrade base; then fail "alembic downgrade base succeeded"; fi
  id=$(plan "$dir" downgrade "$b" base '"engine": "native"') || exit 1
  rt "$dir" downgrade "$(args "$b" base "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 1)) || { show_rt; fail "retort downgrade base: exit $RC, expected 1 (a tool error)"; }
  text=$(cat "$OUT" "$ERR")
  echo "  failed: $(jq -c '.failed' "$OUT" 2>/dev/null | head -c 600)"
  grep -q '"revision": *"f2"' "$OUT" || { show_rt; fail "the error does not name revision f2"; }
  grep -q 'ALTER TABLE products DROP COLUMN price_cents' <<<"$text" ||
    { show_rt; fail "the error does not quote the failing statement"; }
  grep -q 'depend' <<<"$text" || { show_rt; fail "the error does not carry PostgreSQL's message"; }
  expect_versions "$b" f2 "after the failed downgrade"
  same_state "downgrade base (fails in f2)" "$a" "$b"
  [[ ! -e $WORK/differs ]] || fail "the schemas differ (see above)"
}

# A URL with a password (the cluster trusts local connections, so it is accepted and
# ignored): the plan, a failing run, a stale confirm and the CLI's text never show it.
case_fault_password_hidden() {
  local dir b pw id all=$WORK/pw.all cout
  pw=$(password_of db.password) || fail "no db.password in tests/hardening/passwords.txt"
  dir=$(project fail5 password) || exit 1
  newdb password >/dev/null || exit 1
  b="postgresql://$PGUSER:$pw@/password?host=$PG_DIR"
  : >"$all"
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  cat "$OUT" "$ERR" >>"$all"
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 1)) || { show_rt; fail "upgrade of fail5: exit $RC, expected 1"; }
  cat "$OUT" "$ERR" >>"$all"
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 1)) || { show_rt; fail "stale confirm: exit $RC, expected 1"; }
  cat "$OUT" "$ERR" >>"$all"
  cout=$(cd "$dir" && "$RETORT" --project "$dir" --database-url "$b" upgrade head --engine native 2>&1)
  echo "$cout" >>"$all"
  cout=$(cd "$dir" && "$RETORT" --project "$dir" --database-url "$b" status 2>&1)
  echo "$cout" >>"$all"
  sanitizer_check "$all"
  grep -q "$PGUSER:\*\*\*@" "$all" || fail "no output shows the masked URL (user:***@): nothing was checked"
  if grep -n -- "$pw" "$all"; then fail "the password appears in retort's output (lines above)"; fi
  echo "  $(wc -l <"$all") lines of output, no password"
}

# wait_for URL SQL SECONDS - until the query prints something other than 0/empty.
wait_for() {
  local url=$1 sql=$2 deadline=$((SECONDS + $3)) r
  while ((SECONDS < deadline)); do
    r=$(q "$url" "$sql")
    [[ -n $r && $r != 0 && $r != f ]] && return 0
    sleep 0.05
  done
  return 1
}

# SIGKILL during the slow revision s2: s2 is not applied and nothing of it is left; once
# the dead session is gone a rerun applies s2 and s3, each exactly once.
case_fault_sigkill() {
  local dir b id pid
  dir=$(project slow sigkill) || exit 1
  b=$(newdb sigkill) || exit 1
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  (cd "$dir" && exec "$RETORT" --project "$dir" call upgrade \
    "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")") >"$WORK/kill.out" 2>&1 &
  pid=$!
  wait_for "$b" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()" 20 ||
    { kill -9 "$pid"; cat "$WORK/kill.out"; fail "s2's pg_sleep never started"; }
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  echo "  killed retort (pid $pid) during s2's pg_sleep"
  expect_versions "$b" s1 "right after SIGKILL"
  [[ -z $(q "$b" "SELECT to_regclass('orders')") ]] || fail "table orders (s2) is visible right after SIGKILL"
  # The orphaned backend finds its client gone when pg_sleep ends, and rolls back.
  wait_for "$b" "SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'" 20 ||
    fail "the killed retort's session did not end"
  expect_versions "$b" s1 "after the killed session ended"
  [[ -z $(q "$b" "SELECT to_regclass('orders')") ]] || fail "table orders (s2) was committed after SIGKILL"
  [[ $(q "$b" "SELECT string_agg(rev, ',' ORDER BY rev) FROM applied_log") == s1 ]] ||
    fail "applied_log after SIGKILL: $(q "$b" "SELECT string_agg(rev, ',') FROM applied_log")"
  [[ -z $(q "$b" "SELECT string_agg(objid::text, ',') FROM pg_locks WHERE locktype = 'advisory'") ]] ||
    fail "an advisory lock is still held after the killed session ended"
  apply "$dir" upgrade "$b" head '"engine": "native"'
  expect_versions "$b" s3 "after the rerun"
  [[ $(q "$b" "SELECT string_agg(rev || ':' || n, ',' ORDER BY rev) FROM (SELECT rev, count(*) n FROM applied_log GROUP BY rev) c") == s1:1,s2:1,s3:1 ]] ||
    fail "applied_log after the rerun: $(q "$b" "SELECT string_agg(rev, ',' ORDER BY at) FROM applied_log")"
  [[ $(q "$b" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total'") == 1 ]] ||
    fail "orders.total missing after the rerun"
}

# Two `retort upgrade` processes confirm the same plan at the same moment: every revision
# runs exactly once; the loser either waits and finds nothing to do, or is refused with a
# message (exit 1) — never a crash, never a second run.
case_fault_concurrent() {
  local dir b id p1 p2 rc1=0 rc2=0
  dir=$(project slow concurrent) || exit 1
  b=$(newdb concurrent) || exit 1
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  local json
  json=$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")
  (cd "$dir" && exec "$RETORT" --project "$dir" call upgrade "$json") >"$WORK/c1.out" 2>"$WORK/c1.err" &
  p1=$!
  # The second one through the friendly CLI: both interfaces take the same lock.
  (cd "$dir" && exec "$RETORT" --project "$dir" --database-url "$b" upgrade head --engine native \
    --confirm "$id") >"$WORK/c2.out" 2>"$WORK/c2.err" &
  p2=$!
  # They overlap: one waits for the other's advisory lock (s2 takes 2 s).
  local overlapped=no
  wait_for "$b" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted" 15 && overlapped=yes
  wait "$p1" || rc1=$?
  wait "$p2" || rc2=$?
  sanitizer_check "$WORK/c1.err" "$WORK/c2.err"
  echo "  exit statuses: $rc1 $rc2; one waited for the other's lock: $overlapped"
  local n
  for n in 1 2; do
    local rc=$rc1
    ((n == 2)) && rc=$rc2
    if ((rc != 0 && rc != 1)); then
      cat "$WORK/c$n.out" "$WORK/c$n.err"
      fail "upgrade #$n exited $rc (a crash or bad arguments, not a refusal)"
    fi
    if ((rc == 1)); then
      [[ -s $WORK/c$n.out || -s $WORK/c$n.err ]] || fail "upgrade #$n was refused without a message"
      echo "  #$n refused: $(cat "$WORK/c$n.out" "$WORK/c$n.err" | grep -i -m2 'refused\|lock\|changed' | head -c 400)"
    fi
  done
  ((rc1 == 0 || rc2 == 0)) || { cat "$WORK"/c?.out "$WORK"/c?.err; fail "neither upgrade succeeded"; }
  # Proof that they ran at the same time: one waited for the lock, or one was refused
  # because the other had moved the version table after its plan was made.
  [[ $overlapped == yes ]] || grep -qi 'refused\|changed' "$WORK"/c?.out "$WORK"/c?.err ||
    fail "the two upgrades did not overlap (no lock wait, no refusal): the case proved nothing"
  expect_versions "$b" s3 "after two concurrent upgrades"
  local counts
  counts=$(q "$b" "SELECT string_agg(rev || ':' || n, ',' ORDER BY rev) FROM (SELECT rev, count(*) n FROM applied_log GROUP BY rev) c")
  [[ $counts == s1:1,s2:1,s3:1 ]] || fail "revisions applied (rev:times): $counts"
  echo "  applied_log: $counts"
}

# A psql session holds ACCESS EXCLUSIVE on ledger: l2's ALTER TABLE trips lock_timeout;
# the message says so and names the revision and the table; l1 stays; after the holder
# lets go the same plan applies.
case_fault_lock_timeout() {
  local dir b id holder text t0
  dir=$(project lock lock) || exit 1
  b=$(newdb locktimeout) || exit 1
  apply "$dir" upgrade "$b" l1 '"engine": "native"'
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  PGAPPNAME=lockholder psql -qX -d "$b" -c "BEGIN" -c "LOCK TABLE ledger IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
  holder=$!
  wait_for "$b" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'ledger' AND l.mode = 'AccessExclusiveLock' AND l.granted" 10 ||
    { kill "$holder"; fail "the psql session did not get its lock"; }
  t0=$SECONDS
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\", \"lock_timeout_ms\": 500")"
  echo "  refused after $((SECONDS - t0)) s"
  ((RC == 1)) || { kill "$holder"; show_rt; fail "upgrade under a held lock: exit $RC, expected 1"; }
  text=$(cat "$OUT" "$ERR")
  echo "  failed: $(jq -c '.failed' "$OUT" 2>/dev/null | head -c 600)"
  grep -qiE 'lock[ _]timeout' <<<"$text" || { kill "$holder"; show_rt; fail "the message does not say lock_timeout"; }
  grep -q 'l2' <<<"$text" || { kill "$holder"; show_rt; fail "the message does not name revision l2"; }
  grep -q 'ledger' <<<"$text" || { kill "$holder"; show_rt; fail "the message does not name table ledger"; }
  expect_versions "$b" l1 "after lock_timeout"
  # The holder's backend sleeps on whatever its client does: end the session itself.
  q "$b" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lockholder'" >/dev/null
  wait "$holder" 2>/dev/null
  wait_for "$b" "SELECT count(*) = 0 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'ledger'" 10 ||
    fail "the lock holder did not go away"
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 0)) || { show_rt; fail "the same plan, once the lock is free: exit $RC"; }
  expect_versions "$b" l2 "after the lock was released"
}

# A confirm is refused with the new plan when a revision file was added since the plan,
# and when the database moved on since the plan; nothing is changed either time.
case_fault_stale_confirm() {
  local dir b id id2
  dir=$(project lock stale) || exit 1
  b=$(newdb stale) || exit 1
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  cat >"$dir/migrations/versions/l3_ledger_booked.py" <<'EOF'
"""ledger booked date (added after the plan was computed)

Revision ID: l3
Revises: l2
"""
from alembic import op
import sqlalchemy as sa

revision = 'l3'
down_revision = 'l2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledger', sa.Column('booked', sa.Date()))


def downgrade() -> None:
    op.drop_column('ledger', 'booked')
EOF
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 1)) || { show_rt; fail "a confirm from before l3 was added: exit $RC, expected a refusal (1)"; }
  grep -qi 'stale\|changed\|no longer\|out of date\|does not match' "$OUT" "$ERR" ||
    { show_rt; fail "the refusal does not say that the plan is stale"; }
  id2=$(grep -oE '"plan_id" *: *"[^"]+"' "$OUT" "$ERR" | head -n1 | sed -E 's/.*"([^"]+)"$/\1/')
  [[ -n $id2 && $id2 != "$id" ]] || { show_rt; fail "the refusal does not carry a new plan_id"; }
  grep -q 'l3' "$OUT" || { show_rt; fail "the new plan does not include l3"; }
  [[ $(versions "$b") == "(no table)" || -z $(versions "$b") ]] ||
    fail "the refused confirm changed the database: $(versions "$b" | paste -sd, -)"
  echo "  new revision file: refused ($(jq -r '.refused' "$OUT" 2>/dev/null | head -c 200)), new plan $id2"

  # The database moves on (alembic applies l1) between plan and confirm.
  id=$(plan "$dir" upgrade "$b" head '"engine": "native"') || exit 1
  alembic_in "$dir" "$b" upgrade l1 || { cat "$WORK/alembic.out"; fail "alembic upgrade l1"; }
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id\", \"engine\": \"native\"")"
  ((RC == 1)) || { show_rt; fail "a confirm from before the database moved: exit $RC, expected a refusal (1)"; }
  id2=$(grep -oE '"plan_id" *: *"[^"]+"' "$OUT" "$ERR" | head -n1 | sed -E 's/.*"([^"]+)"$/\1/')
  [[ -n $id2 && $id2 != "$id" ]] || { show_rt; fail "the refusal does not carry a new plan_id"; }
  expect_versions "$b" l1 "after the refused confirm"
  [[ $(q "$b" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ledger' AND column_name IN ('note', 'booked')") == 0 ]] ||
    fail "the refused confirm added columns"
  echo "  database moved: refused, new plan $id2"
  # The new plan applies.
  rt "$dir" upgrade "$(args "$b" head "\"confirm\": \"$id2\", \"engine\": \"native\"")"
  ((RC == 0)) || { show_rt; fail "confirming the new plan: exit $RC"; }
  expect_versions "$b" l3 "after confirming the new plan"
}

# PostgreSQL restarts between two tool calls of one MCP session (the official SDK client):
# the next call reconnects and succeeds.
case_fault_pg_restart() {
  local dir b
  dir=$(project lock restart) || exit 1
  b=$(newdb restart) || exit 1
  bash "$REPO/tests/npm-ci.sh" "$REPO/tests/e2e" >/dev/null || fail "npm ci in tests/e2e"
  RETORT_BIN=$RETORT PROJECT=$dir DB_URL=$b \
    RESTART_CMD="runuser -u postgres -- '$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m fast -w -t 30 restart -l '$PG_DIR/server.log' >/dev/null" \
    node "$HERE/mcp_restart.mjs" || fail "mcp_restart.mjs: see its output above"
  expect_versions "$b" l2 "after the upgrade in the restarted session"
}

# ---------------------------------------------------------------- run

ALL_CASES=(conf_ops conf_shop conf_branches conf_ambiguous fault_third_fails fault_downgrade_fails fault_sigkill
  fault_concurrent fault_lock_timeout fault_stale_confirm fault_password_hidden fault_pg_restart)
read -r -a CASES <<<"${RETORT_DB_CASES:-${ALL_CASES[*]}}"

passed=0
failed=0
failures=()
for c in "${CASES[@]}"; do
  log=$WORK/case_$c.log
  t0=$(date +%s.%N)
  rm -f "$WORK/differs"
  ( set -u; "case_$c" ) >"$log" 2>&1
  rc=$?
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if ((rc == 0)); then
    passed=$((passed + 1))
    printf 'ok    %-22s %5ss\n' "$c" "$dt"
    [[ -n ${RETORT_DB_VERBOSE:-} ]] && sed 's/^/      /' "$log"
  else
    failed=$((failed + 1))
    failures+=("$c")
    printf 'FAIL  %-22s %5ss\n' "$c" "$dt"
    sed 's/^/      /' "$log" | tail -n 60
  fi
done

echo "db: $passed passed, $failed failed${failures:+ (${failures[*]})}"
((failed == 0))
