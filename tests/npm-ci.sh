#!/usr/bin/env bash
# npm-ci.sh DIR - installs DIR's pinned node packages with `npm ci`, skipped when
# package-lock.json is unchanged since the last install. Several builds may run the
# suites at once, so one install at a time (flock on the lock file).
set -euo pipefail
cd "$1"
exec 9<package-lock.json
flock 9
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.retort-lock-sha256 || $(cat node_modules/.retort-lock-sha256) != "$lock_sum" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.retort-lock-sha256
fi
