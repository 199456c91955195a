#!/usr/bin/env bash
# README command 2: installs what is missing, checks the C and C++ files' formatting
# (tools/format.sh), the include graph (tools/layers.sh) and the sizes of files and functions
# (tools/sizes.sh), builds, and runs the whole test suite: every unit and end-to-end test
# in a normal build, then again under ASan + UBSan.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$(date +%s)

# Prints each test's own closing line (Check's "100%: Checks: N, Failures: 0, Errors: 0",
# the e2e scripts' "N passed, N failed", each fuzz.* target's "Done N runs in 20 second(s)"
# with the coverage, corpus and speed of libFuzzer's final "#N DONE cov: ..." line) from
# ctest's log, so they show in CI output.
summaries() {
  awk '/^[0-9]+\/[0-9]+ Test: / { name = $3; stats = "" }
       /^[0-9]+%: Checks: / { print "-- " name; print }
       /^[0-9]+ passed, [0-9]+ failed/ { print name ": " $0 }
       /^#[0-9]+[ \t]+DONE / { for (i = 3; i < NF; i++)
                                 if ($i == "cov:" || $i == "corp:" || $i == "exec/s:")
                                   stats = stats (stats == "" ? "" : ", ") $i " " $(i + 1) }
       /^Done [0-9]+ runs in / { print name ": " $0 (stats == "" ? "" : " (" stats ")") }' \
    "$1/Testing/Temporary/LastTest.log"
}

echo "== build"
bash tools/deps.sh --tests
echo "== format, include graph, sizes"
bash tools/format.sh --check
bash tools/layers.sh
bash tools/sizes.sh
bash tools/build.sh
echo "== tests (release build)"
ctest --test-dir build --output-on-failure --timeout 300 -j2
summaries build

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
bash tools/build.sh --sanitize
echo "== tests (ASan + UBSan)"
# Leak checking is on: a leak makes the leaking process exit non-zero, which fails its test.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
# (h2o's own per-thread caches, which it cannot give back: tools/lsan.supp says which)
export LSAN_OPTIONS="suppressions=$top/tools/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure --timeout 600 -j2
summaries build-asan

echo "== all tests passed in $(( $(date +%s) - start ))s"
