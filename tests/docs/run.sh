#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - README.md's set-up snippets tried for real (check_docs.py):
# the MCP client configurations, the editor set-ups, the CI job, the [retort]
# configuration and rule list, and the skills' frontmatter read by a real YAML parser.
# Debian's python3 (with python3-yaml), git, cmake; nvim when installed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unset RETORT_DATABASE_URL DATABASE_URL
exec /usr/bin/python3 "$here/check_docs.py" "$1" "${2:-.}"
