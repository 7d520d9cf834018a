#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - create_migration (issue #5) against Debian's alembic 1.8.1
# autogenerate and a real PostgreSQL: one throwaway cluster (tests/e2e/pg.sh) for the
# whole suite, retort's own scratch cluster in a temporary RETORT_SCRATCH_DIR.
#
#   conform.py  the model changes in steps/ (one models.py per step, applied in order):
#               for each, the same operations as `alembic revision --autogenerate` after
#               normalization (what is excluded and why: printed first), every generated
#               file applied by `alembic upgrade head` and checked with alembic's
#               compare_metadata and pg_catalog, downgrades that restore pg_dump, and the
#               round trip upgrade / status (no drift) / downgrade / upgrade with retort on
#               its scratch cluster.
#   styles.py   counter revision ids, a custom file_template and typed script.py.mako
#               (byte for byte alembic's file), merge revisions, several heads refused,
#               write=false, no change / allow_empty, a database behind its head.
#
#   RETORT_AUTOGEN_ONLY=NN   runs the steps up to NN only (and no styles.py);
#   RETORT_AUTOGEN_KEEP=1    keeps the work directory (printed).
set -uo pipefail

RETORT=${1:?usage: run.sh RETORT_BIN BUILD_DIR}
BUILD_DIR=${2:?usage: run.sh RETORT_BIN BUILD_DIR}
case $RETORT in /*) ;; *) RETORT=$PWD/$RETORT ;; esac
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ALEMBIC=${ALEMBIC_BIN:-/usr/bin/alembic}
export PYTHONDONTWRITEBYTECODE=1

[[ -x $RETORT ]] || { echo "autogen/run.sh: retort binary not found: $RETORT" >&2; exit 1; }
[[ -x $ALEMBIC ]] || { echo "autogen/run.sh: $ALEMBIC not found (apt-get install alembic)" >&2; exit 1; }
/usr/bin/python3 -c 'import sqlalchemy, psycopg2' 2>/dev/null ||
  { echo "autogen/run.sh: /usr/bin/python3 lacks sqlalchemy or psycopg2 (tests/deps.sh)" >&2; exit 1; }

# shellcheck source=../e2e/pg.sh
source "$HERE/../e2e/pg.sh"
mkdir -p "$BUILD_DIR" && BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
WORK=$(mktemp -d "$BUILD_DIR/autogen.XXXXXX")
chmod 755 "$WORK" # the scratch cluster's postgres user must reach RETORT_SCRATCH_DIR inside
cleanup() {
  pg_stop
  if [[ -n ${RETORT_AUTOGEN_KEEP:-} ]]; then
    echo "autogen/run.sh: kept $WORK"
  else
    # retort's scratch clusters stop when their last process exits; wait for that.
    local pid
    for pid in $(cat "$WORK"/scratch/*/data/postmaster.pid 2>/dev/null | head -n1); do
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_start || { echo "autogen/run.sh: could not start PostgreSQL" >&2; exit 1; }
unset DATABASE_URL RETORT_DATABASE_URL
export PG_BIN

rc=0
only=()
[[ -n ${RETORT_AUTOGEN_ONLY:-} ]] && only=(--only "$RETORT_AUTOGEN_ONLY")
echo "=== conform.py: create_migration vs alembic revision --autogenerate, step by step"
mkdir -p "$WORK/conform" && chmod 755 "$WORK/conform"
/usr/bin/python3 -u "$HERE/conform.py" --retort "$RETORT" --alembic "$ALEMBIC" \
  --work "$WORK/conform" "${only[@]}" || rc=1
if [[ -z ${RETORT_AUTOGEN_ONLY:-} ]]; then
  echo "=== styles.py: project styles, merges, heads, write=false, empty"
  mkdir -p "$WORK/styles"
  /usr/bin/python3 -u "$HERE/styles.py" --retort "$RETORT" --alembic "$ALEMBIC" \
    --work "$WORK/styles" || rc=1
fi
((rc == 0)) && echo "autogen: all passed" || echo "autogen: FAILED"
exit $rc
