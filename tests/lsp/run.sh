#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - an LSP session driven by a real client
# (vscode-languageserver-protocol from npm) against `retort lsp`. Installs the pinned
# client (npm ci, skipped when package-lock.json has not changed), runs the node:test
# file, and prints "N passed, N failed".
set -euo pipefail

retort=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

bash "$here/../npm-ci.sh" "$here"

rc=0
out=$(RETORT_BIN=$retort node --test --test-force-exit --test-reporter=tap lsp_client.test.mjs 2>&1) || rc=$?
printf '%s\n' "$out"
passed=$(grep -cE '^ok ' <<<"$out" || true)
failed=$(grep -cE '^not ok ' <<<"$out" || true)
if (( rc != 0 && failed == 0 )); then failed=1; fi
echo "$passed passed, $failed failed"
exit "$rc"
