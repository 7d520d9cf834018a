#!/usr/bin/env bash
# history.sh [--smoke] [RETORT_BIN] - the history benchmark (see history.py).
# Full: 1,000 revisions. --smoke: 50 revisions, few runs: checks the bench works and
# that retort's output matches alembic's, in a few seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args=()
if [[ ${1:-} == --smoke ]]; then
  args=(--revisions 50 --runs 3 --alembic-runs 2 --calls 20)
  shift
fi
retort=${1:-$here/../../build/retort}
exec /usr/bin/python3 -u "$here/history.py" --retort "$retort" "${args[@]}"
