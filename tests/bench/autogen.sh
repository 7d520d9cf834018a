#!/usr/bin/env bash
# autogen.sh [--smoke] [RETORT_BIN] - the create_migration benchmark (see autogen.py): a
# generated 200-model project, `retort call create_migration` (autogenerate, write false;
# against the database and against the migrations) vs `alembic revision --autogenerate`
# on the same project and database (one throwaway PostgreSQL cluster started here,
# tests/e2e/pg.sh, always stopped): medians as ratios, peak RSS.
# --smoke: 20 models, one timed run each: fails only when retort's normalized operations
# differ from alembic's (or a command fails), in seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args=()
if [[ ${1:-} == --smoke ]]; then
  args=(--models 20 --runs 1)
  shift
fi
retort=$(realpath "${1:-$here/../../build/retort}")
[[ -x $retort ]] || { echo "autogen.sh: retort binary not found: $retort" >&2; exit 1; }
# shellcheck source=../e2e/pg.sh
source "$here/../e2e/pg.sh"
trap pg_stop EXIT
pg_start
unset DATABASE_URL RETORT_DATABASE_URL
rc=0
/usr/bin/python3 -u "$here/autogen.py" --retort "$retort" "${args[@]}" || rc=$?
exit $rc
