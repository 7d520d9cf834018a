#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - hardening checks on the real binary: the bad-input
# catalogue (every malformed message answered correctly, the same process alive after
# each one).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
/usr/bin/python3 -u "$here/badinput.py" "$1"
