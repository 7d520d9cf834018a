#!/usr/bin/env bash
# run.sh [--smoke] [RETORT_BIN] - every benchmark, one after another. Slow without
# --smoke; never fails on time, only when a command fails or outputs differ.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$here/history.sh" "$@"
bash "$here/review.sh" "$@"
bash "$here/upgrade.sh" "$@"
bash "$here/scratch.sh" "$@"
bash "$here/autogen.sh" "$@"
