#!/usr/bin/env bash
# Installs everything ssrd needs to build and test, and nothing that is already there.
# Debian packages via apt-get, V8 from Debian's libnode108/libnode-dev unpacked into .deps/,
# npm packages pinned by js/package-lock.json. Idempotent: a second run takes about a second.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '[deps] %s\n' "$*"; }
# --tests and --bench add what the test suite and the benchmarks need; both may be given.
want_tests=0
want_bench=0
for a in "$@"; do
  case $a in
    --tests) want_tests=1 ;;
    --bench) want_bench=1 ;;
    *) echo "[deps] error: unknown option $a (use --tests, --bench)" >&2; exit 2 ;;
  esac
done

# Packages the build, the tests and libnode's own runtime need.
apt_packages=(
  build-essential cmake pkg-config
  libnng-dev nng-utils libh2o-evloop-dev zlib1g-dev libbrotli-dev libsqlite3-dev sqlite3 libxxhash-dev check curl
  libicu72 libuv1 libc-ares2 libnghttp2-14 libbrotli1 libssl3 libssl-dev
)
# What only the test suite needs (tools/test.sh asks with --tests): clang for the libFuzzer
# targets, clang-format for the formatting check, nginx to put in front, Chromium to load
# pages and watch them hydrate.
if [ "$want_tests" = 1 ]; then
  apt_packages+=(clang clang-format nginx chromium)
fi
# What only the benchmarks need (bench/suite.sh and bench/front.sh ask with --bench):
# wrk (a load generator we did not write), nginx (serving a cached page's bytes as a file).
if [ "$want_bench" = 1 ]; then
  apt_packages+=(wrk nginx)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "[deps] error: need root to apt-get install ${missing[*]} (run as root or install them yourself)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's nginx starts a server on port 80 when it is installed; ssrd's tests run their own
  # nginx on a free port, so stop the packaged one we just caused to start.
  if printf '%s\n' "${missing[@]}" | grep -qx nginx; then
    { service nginx stop || nginx -s quit; } >/dev/null 2>&1 || true
  fi
fi

# V8: Debian 12 ships it inside libnode108. Node.js 20 from another packager makes
# `apt-get install libnode-dev` unsatisfiable, so fetch the two .debs and unpack them.
deps="$top/.deps"
if [ ! -f "$deps/usr/include/node/v8.h" ] || [ ! -e "$deps/usr/lib/x86_64-linux-gnu/libnode.so.108" ]; then
  say "fetching V8 (libnode108, libnode-dev) into .deps/"
  mkdir -p "$deps/debs"
  ( cd "$deps/debs"
    if ! ls libnode108_*.deb libnode-dev_*.deb >/dev/null 2>&1; then
      apt-get download libnode108 libnode-dev 2>/dev/null || { apt-get update -qq && apt-get download libnode108 libnode-dev; }
    fi )
  for d in "$deps"/debs/*.deb; do dpkg-deb -x "$d" "$deps"; done
  [ -f "$deps/usr/include/node/v8.h" ] || { echo "[deps] error: libnode-dev did not provide v8.h" >&2; exit 1; }
fi

# JS side: react, react-dom, esbuild, pinned by the lockfile.
# ssrd runs esbuild's native binary directly (no Node.js at run time), so no install scripts are needed.
# Whether node_modules holds what the lockfile pins is told by the lockfile's hash, stamped in
# node_modules after npm ci: a checkout's mtimes (a new clone, a git worktree beside this one)
# say nothing about it.
lock_stamp() { sha256sum "$1/package-lock.json" | cut -d' ' -f1; }
installed() { [ -f "$1/node_modules/.ssrd-lock" ] && [ "$(cat "$1/node_modules/.ssrd-lock")" = "$(lock_stamp "$1")" ]; }
if [ ! -x js/node_modules/@esbuild/linux-x64/bin/esbuild ] || [ ! -f js/node_modules/react-dom/package.json ] ||
   ! installed js; then
  command -v npm >/dev/null || { echo "[deps] error: npm is needed to fetch react and esbuild (install Node.js 20)" >&2; exit 1; }
  say "npm ci in js/ (react, react-dom, esbuild, pinned by js/package-lock.json)"
  ( cd js && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true )
  [ -x js/node_modules/@esbuild/linux-x64/bin/esbuild ] || { echo "[deps] error: npm ci did not install esbuild's linux-x64 binary" >&2; exit 1; }
  lock_stamp js >js/node_modules/.ssrd-lock
fi
# The compatibility suite's packages (tests/compat/: styled-components, Emotion, MUI, ...), pinned by
# tests/compat/package-lock.json; its tests render with them in Node 20 and ssrd. Tests only.
if [ "$want_tests" = 1 ]; then
  if [ ! -f tests/compat/node_modules/react-dom/package.json ] ||
     ! installed tests/compat; then
    command -v npm >/dev/null || { echo "[deps] error: npm is needed to fetch the compat suite's packages (install Node.js 20)" >&2; exit 1; }
    say "npm ci in tests/compat/ (the compatibility suite's packages, pinned by its package-lock.json)"
    ( cd tests/compat && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true )
    [ -f tests/compat/node_modules/react-dom/package.json ] || { echo "[deps] error: npm ci in tests/compat did not install its packages" >&2; exit 1; }
    lock_stamp tests/compat >tests/compat/node_modules/.ssrd-lock
  fi
fi
# What users would run instead (bench/rivals/: Bun, and React for Node and Bun), pinned by
# bench/rivals/package-lock.json. Benchmarks only.
if [ "$want_bench" = 1 ]; then
  if [ ! -x bench/rivals/node_modules/@oven/bun-linux-x64/bin/bun ] || ! installed bench/rivals; then
    command -v npm >/dev/null || { echo "[deps] error: npm is needed to fetch Bun and React for the benchmarks (install Node.js 20)" >&2; exit 1; }
    say "npm ci in bench/rivals/ (Bun, React for Node and Bun, pinned by its package-lock.json)"
    ( cd bench/rivals && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true )
    [ -x bench/rivals/node_modules/@oven/bun-linux-x64/bin/bun ] || { echo "[deps] error: npm ci in bench/rivals did not install Bun" >&2; exit 1; }
    lock_stamp bench/rivals >bench/rivals/node_modules/.ssrd-lock
  fi
fi
say "all dependencies present"
