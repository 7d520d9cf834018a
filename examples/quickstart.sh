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

# The main job, one retort command per entry.
job=("history --verbose" "status" "review")

for cmd in "${job[@]}"; do
  echo
  echo "\$ $build/retort --project $project $cmd"
  # shellcheck disable=SC2086  # each entry is a command line split into words on purpose
  "$build/retort" --project "$project" $cmd
done
