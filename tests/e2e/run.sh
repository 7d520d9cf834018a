#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - end-to-end tests with the official MCP TypeScript SDK.
# Installs the pinned SDK (npm ci, skipped when package-lock.json has not changed),
# then runs the node:test files against RETORT_BIN.
set -euo pipefail

retort=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# Several builds may run this at once: one npm ci at a time.
exec 9<package-lock.json
flock 9
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.retort-lock-sha256 || $(cat node_modules/.retort-lock-sha256) != "$lock_sum" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.retort-lock-sha256
fi
flock -u 9

RETORT_BIN=$retort node --test --test-force-exit --test-reporter=spec mcp_sdk.test.mjs
