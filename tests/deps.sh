#!/usr/bin/env bash
# deps.sh - install what building and testing retort needs on Debian 12, and nothing
# more. Idempotent and quiet when everything is present (one dpkg-query, no apt).
# Never prompts: safe under CI=true with no standard input.
set -euo pipefail

packages=(
  # build
  cmake gcc make pkg-config
  libtree-sitter-dev libjsmn-dev libpq-dev libpg-query-dev libinih-dev
  # tests: unit tests, sanitizer build, real PostgreSQL, real alembic, timing
  libcriterion-dev clang libclang-rt-14-dev
  postgresql python3-alembic alembic python3-psycopg2 time valgrind
  # tests/docs: the README's snippets (YAML parsed, the Neovim set-up run headless)
  python3-yaml neovim git
)
# node and npm fetch the tree-sitter grammar and run the MCP SDK tests. A machine
# may already have them from outside Debian: keep those, install Debian's only if absent.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
# dpkg-query prints one status per known package; unknown ones go to stderr.
declare -A installed=()
while read -r name status; do
  [[ $status == "install ok installed" ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
  [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || { echo "deps.sh: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q </dev/null
"${sudo[@]}" apt-get install -y -q "${missing[@]}" </dev/null
