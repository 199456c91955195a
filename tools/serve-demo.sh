#!/usr/bin/env bash
# README command 1: installs what is missing, builds ssrd and serves the bundled demo site
# on its embedded defaults (http://127.0.0.1:8080). Extra arguments go to `ssrd serve`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/build.sh"
exec "${SSRD_BUILD_DIR:-$top/build}/ssrd" serve "$@"
