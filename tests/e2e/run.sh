#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - end-to-end tests with the official MCP TypeScript SDK.
# Installs the pinned SDK (npm ci, skipped when package-lock.json has not changed),
# then runs the node:test files against RETORT_BIN.
set -euo pipefail

retort=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

bash "$here/../npm-ci.sh" "$here"

RETORT_BIN=$retort node --test --test-force-exit --test-reporter=spec mcp_sdk.test.mjs mcp_prompts.test.mjs mcp_db.test.mjs \
  mcp_create.test.mjs
