#!/usr/bin/env bash
# run.sh - replays protocol transcripts against the real binary: tests/transcripts/run.sh RETORT_BIN BUILD_DIR
#
# Each NAME.in is fed to the server's stdin and its stdout must equal NAME.out, line by line.
#   mcp_*.in    → `retort mcp`   (NDJSON; the .in holds the exact bytes sent)
#   lsp_*.in    → `retort lsp`   (one JSON message per line; framed here with Content-Length,
#                                 unless the file itself starts with "Content-Length")
#   serve_*.in  → `retort serve` (auto-detected framing; the .in holds the exact bytes sent,
#                                 and framed replies are unframed as for lsp_*)
# LSP replies are unframed (each Content-Length checked against the body) into one line each.
# A line of NAME.out that starts with "#glob " matches with '*' as a wildcard (nothing else is
# special); it is used for serverInfo, whose version and instructions belong to the project.
# NAME.rc, when present, holds the expected exit code (default 0).
# The server runs in an empty temporary directory, with no database configured.
set -u
export LC_ALL=C

bin=${1:?usage: run.sh RETORT_BIN BUILD_DIR}
[[ $bin == /* ]] || bin="$PWD/$bin" # the server runs in another directory
build=${2:-.}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/retort-transcripts.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset RETORT_DATABASE_URL DATABASE_URL

passed=0
failed=0

# Frames each non-empty line of $1 as an LSP message on stdout.
lsp_frame() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z $line ]] && continue
    printf 'Content-Length: %d\r\n\r\n%s' "${#line}" "$line"
  done <"$1"
}

# Turns Content-Length frames (file $1) into one body per line; fails on bad framing.
lsp_unframe() {
  local data rest n body
  data=$(cat "$1"; printf x)
  data=${data%x}
  rest=$data
  while [[ -n $rest ]]; do
    if [[ $rest =~ ^Content-Length:\ ([0-9]+)$'\r\n\r\n' ]]; then
      n=${BASH_REMATCH[1]}
      rest=${rest:${#BASH_REMATCH[0]}}
      if (( ${#rest} < n )); then
        echo "BAD FRAMING: Content-Length $n but only ${#rest} bytes follow"
        return 1
      fi
      body=${rest:0:n}
      rest=${rest:n}
      printf '%s\n' "$body"
    else
      echo "BAD FRAMING: ${rest:0:60}"
      return 1
    fi
  done
}

for in in "$here"/*.in; do
  [[ -e $in ]] || continue
  name=$(basename "$in" .in)
  want="$here/$name.out"
  want_rc=0
  [[ -f $here/$name.rc ]] && want_rc=$(<"$here/$name.rc")
  case $name in
    mcp_*) cmd=mcp ;;
    lsp_*) cmd=lsp ;;
    serve_*) cmd=serve ;;
    *) echo "SKIP $name (the name must start with mcp_, lsp_ or serve_)"; continue ;;
  esac
  dir="$work/$name"
  mkdir -p "$dir/cwd"
  if [[ $cmd == lsp ]] && [[ $(head -c 14 "$in") != "Content-Length" ]]; then
    lsp_frame "$in" >"$dir/stdin"
  else
    cp "$in" "$dir/stdin"
  fi
  (cd "$dir/cwd" && timeout 30 "$bin" "$cmd" <"$dir/stdin" >"$dir/stdout" 2>"$dir/stderr")
  rc=$?
  if [[ $cmd == lsp ]] || { [[ $cmd == serve ]] && [[ $(head -c 14 "$dir/stdout") == "Content-Length" ]]; }; then
    lsp_unframe "$dir/stdout" >"$dir/got" || true
  else
    cp "$dir/stdout" "$dir/got"
  fi

  problems=()
  mapfile -t got_lines <"$dir/got"
  mapfile -t want_lines <"$want"
  if [[ -s $dir/got && $(tail -c 1 "$dir/got" | od -An -c | tr -d ' ') != '\n' ]]; then
    problems+=("output does not end with a newline")
  fi
  if (( ${#got_lines[@]} != ${#want_lines[@]} )); then
    problems+=("expected ${#want_lines[@]} lines, got ${#got_lines[@]}")
  fi
  for ((i = 0; i < ${#want_lines[@]}; i++)); do
    w=${want_lines[i]}
    g=${got_lines[i]-<missing>}
    if [[ $w == '#glob '* ]]; then
      # only '*' is a wildcard: quote the other glob characters JSON is full of
      pat=${w#'#glob '}
      pat=${pat//\\/\\\\}
      pat=${pat//\[/\\[}
      pat=${pat//\]/\\]}
      pat=${pat//\?/\\?}
      # shellcheck disable=SC2053
      [[ $g == $pat ]] && continue
    else
      [[ $g == "$w" ]] && continue
    fi
    problems+=("line $((i + 1)):" "  want: $w" "  got:  $g")
  done
  if [[ $rc != "$want_rc" ]]; then
    problems+=("exit code $rc, expected $want_rc")
  fi
  # A sanitizer report fails the transcript whatever the output was; it is shown on
  # stderr, where ctest's FAIL_REGULAR_EXPRESSION sees it.
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$dir/stderr"; then
    problems+=("a sanitizer report on stderr (below)")
    cat "$dir/stderr" >&2
  fi
  if (( ${#problems[@]} == 0 )); then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    printf '    %s\n' "${problems[@]}"
    if [[ -s $dir/stderr ]]; then
      echo "    stderr:"
      sed 's/^/      /' "$dir/stderr" | head -20
    fi
    failed=$((failed + 1))
  fi
done

if (( passed + failed == 0 )); then
  echo "no transcripts found in $here"
  failed=1
fi
echo "$passed passed, $failed failed"
(( failed == 0 ))
