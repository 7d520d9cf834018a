#!/usr/bin/env bash
# upgrade.sh [--smoke] [RETORT_BIN] - the upgrade benchmark (see upgrade.py): a generated
# 100-revision chain upgraded by retort's native engine, by alembic and by psql running
# the same statements (the floor), on one throwaway PostgreSQL cluster started here
# (tests/e2e/pg.sh) and always stopped; then scratch cluster start and restart times.
# --smoke: 10 revisions, one run each, no warm-up: checks that the bench works (all three
# reach head with the same schema, the scratch cluster starts and stops), in seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args=()
if [[ ${1:-} == --smoke ]]; then
  args=(--revisions 10 --runs 1 --scratch-runs 1 --no-warmup)
  shift
fi
retort=$(realpath "${1:-$here/../../build/retort}")
[[ -x $retort ]] || { echo "upgrade.sh: retort binary not found: $retort" >&2; exit 1; }
# shellcheck source=../e2e/pg.sh
source "$here/../e2e/pg.sh"
trap pg_stop EXIT
pg_start
unset DATABASE_URL RETORT_DATABASE_URL
export PG_BIN
rc=0
/usr/bin/python3 -u "$here/upgrade.py" --retort "$retort" "${args[@]}" || rc=$?
exit $rc
