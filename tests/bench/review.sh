#!/usr/bin/env bash
# review.sh [--smoke] [RETORT_BIN] - the review benchmark (see review.py).
# Full: 1,000 revisions. --smoke: 50 revisions, few runs: checks the bench works and
# that retort's review and alembic's --sql agree on what they cover, in a few seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args=()
if [[ ${1:-} == --smoke ]]; then
  args=(--revisions 50 --runs 2 --alembic-runs 1 --calls 20 --full-calls 2 --edits 20)
  shift
fi
retort=${1:-$here/../../build/retort}
exec /usr/bin/python3 -u "$here/review.py" --retort "$retort" "${args[@]}"
