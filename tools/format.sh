#!/usr/bin/env bash
# Formats every C and C++ file of the repository with its .clang-format, or with --check
# lists the ones that differ and fails (tools/test.sh runs the check first).
#   bash tools/format.sh           rewrite the files in place
#   bash tools/format.sh --check   change nothing; exit 1 if a file is not formatted
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v clang-format >/dev/null || { echo "[format] error: clang-format is not installed (bash tools/deps.sh --tests installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cc' | grep -v '^js/')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ "${#bad[@]}" -gt 0 ]; then
    echo "[format] error: ${#bad[@]} file(s) are not formatted as .clang-format says:" >&2
    printf '  %s\n' "${bad[@]}" >&2
    echo "[format] run: bash tools/format.sh   (then review and commit the change)" >&2
    exit 1
  fi
  echo "[format] ${#files[@]} C and C++ files formatted as .clang-format says"
else
  clang-format -i "${files[@]}"
  echo "[format] formatted ${#files[@]} files"
fi
