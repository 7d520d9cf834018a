#!/usr/bin/env bash
# quickstart.sh - from a fresh clone to retort working on the example project:
# install what is missing, build build/retort, run the main job on examples/shop.
# RETORT_BUILD_DIR overrides build/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build=${RETORT_BUILD_DIR:-build}

bash tests/deps.sh
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j2 --target retort

project=examples/shop

# No database is configured, so the database commands use retort's scratch cluster; a
# directory of its own makes each run of this script start from an empty database.
scratch=$(mktemp -d /tmp/retort-quickstart.XXXXXX)
chmod 755 "$scratch"   # PostgreSQL runs as an ordinary user when we are root
trap 'rm -rf "$scratch"' EXIT
export RETORT_SCRATCH_DIR=$scratch
unset DATABASE_URL RETORT_DATABASE_URL

# The main job, one retort command per entry: read the history, review the migrations,
# see what the (empty) database lacks, upgrade it to head, look again, and check that the
# models agree with the upgraded database (autogenerate, writing nothing).
job=("history --verbose" "review" "status" "upgrade head" "status" "history --indicate-current"
     "revision -m models_check --autogenerate --against database --dry-run")

for cmd in "${job[@]}"; do
  echo
  echo "\$ $build/retort --project $project $cmd"
  # shellcheck disable=SC2086  # each entry is a command line split into words on purpose
  "$build/retort" --project "$project" $cmd
done
