#!/usr/bin/env bash
# run.sh - the command line as scripts and CI use it: tests/cli/run.sh RETORT_BIN BUILD_DIR
# `retort review`'s text lines, --format json, --format sarif (SARIF 2.1.0, its structure
# checked) and exit codes, on a project made in a temporary directory (check_review.py).
set -euo pipefail
bin=${1:?usage: run.sh RETORT_BIN BUILD_DIR}
[[ $bin == /* ]] || bin="$PWD/$bin"
here=$(cd "$(dirname "$0")" && pwd)
unset RETORT_DATABASE_URL DATABASE_URL
exec python3 "$here/check_review.py" "$bin"
