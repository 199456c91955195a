#!/usr/bin/env bash
# Builds ssrd: installs what is missing (tools/deps.sh), configures CMake once, compiles with progress.
#   tools/build.sh            -> build/
#   tools/build.sh --sanitize -> build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer)
# SSRD_BUILD_DIR overrides the directory.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sanitize=OFF
dir=${SSRD_BUILD_DIR:-$top/build}
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=ON
  dir=${SSRD_BUILD_DIR:-$top/build-asan}
fi
bash "$top/tools/deps.sh"
bash "$top/tools/seed-demo.sh"
if [ ! -f "$dir/CMakeCache.txt" ]; then
  echo "[build] configuring $dir (sanitize=$sanitize)"
  cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSRD_SANITIZE=$sanitize >/dev/null
fi
echo "[build] compiling in $dir"
set +e
cmake --build "$dir" --parallel "$(nproc)" 2>&1 | tee "$dir/build.log" |
  grep --line-buffered -E '^\[ *[0-9]+%\] (Building|Linking)' | sed -u 's/^/[build] /'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  grep -E 'error|Error' -A3 "$dir/build.log" | awk 'NR <= 40' >&2
  echo "[build] error: the build failed (full log: $dir/build.log)" >&2
  exit 1
fi
echo "[build] done: $dir/ssrd"
