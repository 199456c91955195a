#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs the whole test suite:
# every unit and end-to-end test in a normal build, then again under ASan + UBSan.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$(date +%s)

echo "== build"
bash tools/build.sh
echo "== tests (release build)"
ctest --test-dir build --output-on-failure --timeout 300 -j2

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
bash tools/build.sh --sanitize
echo "== tests (ASan + UBSan)"
# Leak checking is on: a leak makes the leaking process exit non-zero, which fails its test.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure --timeout 600 -j2

echo "== all tests passed in $(( $(date +%s) - start ))s"
