# lib.sh: shared helpers for the end-to-end tests. Each test sources it and counts its checks.
set -uo pipefail
SSRD=$(realpath "${1:?usage: $0 path/to/ssrd}")
SRC=${SSRD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORK=$(mktemp -d /tmp/ssrd-e2e.XXXXXX)
passed=0
failed=0
cleanup_hooks=()
trap 'for h in "${cleanup_hooks[@]}"; do eval "$h"; done; rm -rf "$WORK"' EXIT
# Work in the scratch directory, so nothing a test writes can land in the tree it runs from.
cd "$WORK" || exit 1

ok() { passed=$((passed + 1)); echo "ok   - $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $*"; }

# check DESCRIPTION COMMAND...: passes if the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# expect_exit CODE DESCRIPTION -- COMMAND...: runs COMMAND, keeps stdout/stderr in $WORK/out, $WORK/err.
expect_exit() {
  local want=$1 what=$2
  shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
    not_ok "$what: exit $got, want $want; stderr: $(head -c 600 "$WORK/err")"
  fi
}

# stderr_has TEXT: the last expect_exit's stderr contains TEXT.
stderr_has() {
  if grep -qF -- "$1" "$WORK/err"; then ok "stderr has: $1"; else
    not_ok "stderr lacks: $1; it was: $(head -c 600 "$WORK/err")"
  fi
}

# free_port: a TCP port nothing listens on, picked below the kernel's ephemeral range
# (32768 and up), where the connections of tests running beside this one take their
# ports: a port from that range could be taken by some client between here and listen().
free_port() {
  python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break'
}

# page_only: stdin to stdout without what HTTP adds to load the browser bundle (React's preload
# link, the props script and the bundle's script; hydration.sh tests those), whose URL changes
# whenever any page of the site does.
page_only() {
  sed -E -e 's#<link rel="preload" as="script" fetchPriority="low" href="/_ssrd/client-[0-9a-f]+\.js"/>##' \
    -e 's#<script id="_R_">[^<]*</script><script src="/_ssrd/client-[0-9a-f]+\.js" async=""></script>##'
}

# unbrotli FILE (a command, for `sh -c` too): FILE's brotli decoded to stdout, by Node's zlib (a
# decoder other than the one ssrd's own unit tests use).
mkdir -p "$WORK/bin"
cat >"$WORK/bin/unbrotli" <<'EOF'
#!/bin/sh
exec node -e 'process.stdout.write(require("zlib").brotliDecompressSync(require("fs").readFileSync(process.argv[1])))' "$1"
EOF
chmod +x "$WORK/bin/unbrotli"
PATH="$WORK/bin:$PATH"

finish() {
  # a failure with a daemon behind it: its log says why (a crash report, an error)
  if [ "$failed" -gt 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      if grep -q 'ERROR: AddressSanitizer\|runtime error' "$log"; then
        echo "--- the sanitizer's report in $(basename "$log"):"
        grep -A45 'ERROR: AddressSanitizer\|runtime error' "$log" | head -60
      else
        echo "--- last lines of $(basename "$log"):"
        tail -25 "$log"
      fi
    done
  fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
