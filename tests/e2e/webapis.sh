#!/usr/bin/env bash
# e2e: the web APIs (README "Web APIs") and the Node built-in modules behave
# in ssrd as in Node 20: the same checks (tests/compat/sites/webapis/
# components/cases.js, tests/fixtures/nodesite/components/nodecases.js) run
# in a page rendered by `ssrd render-local` and in Node directly; every
# check's JSON result must be equal. The Node modules' page needs the base
# to provide them (js/runtime/node/ wired into base.js's modules): until it
# does, those checks are reported as skipped.
. "$(dirname "$0")/lib.sh"
export SSRD_CACHE="$WORK/cache"
R() { "$SSRD" render-local --cache-dir "$WORK/cache" "$@"; }

if ! NODE_ENV=production node "$SRC/tests/e2e/webapis_node.mjs" >"$WORK/node.json" 2>"$WORK/node.err"; then
  not_ok "the checks run in Node: $(head -c 600 "$WORK/node.err")"
fi

# compare NAME HTML_FILE: each check of the page's <pre id="sync"> and
# <pre id="async"> against Node's results for NAME (web | node).
compare() {
  python3 - "$1" "$2" "$WORK/node.json" <<'PY'
import html, json, re, sys
name, page, ref = sys.argv[1], sys.argv[2], sys.argv[3]
want = json.load(open(ref))[name]
text = open(page, encoding="utf-8").read()
for part in ("sync", "async"):
    m = re.search(r'<pre id="%s">(.*?)</pre>' % part, text, re.S)
    if not m:
        print("FAIL - %s: the page has no %s results" % (name, part))
        continue
    got = json.loads(html.unescape(m.group(1)))
    for key in sorted(set(want[part]) | set(got)):
        g, w = got.get(key, "<missing>"), want[part].get(key, "<missing>")
        if g == w:
            print("ok   - %s.%s.%s" % (name, part, key))
        else:
            print("FAIL - %s.%s.%s: ssrd %s, node %s" % (name, part, key, json.dumps(g)[:400], json.dumps(w)[:400]))
PY
}

count() {
  while IFS= read -r line; do
    echo "$line"
    case "$line" in
      ok*) passed=$((passed + 1)) ;;
      FAIL*) failed=$((failed + 1)) ;;
    esac
  done
}

expect_exit 0 "render the web API page" -- R / --site "$SRC/tests/compat/sites/webapis"
cp "$WORK/out" "$WORK/web.html"
count < <(compare web "$WORK/web.html")

if grep -q 'nodeModules' "$SRC/js/runtime/base.js"; then
  expect_exit 0 "render the Node modules page" -- R / --site "$SRC/tests/fixtures/nodesite"
  cp "$WORK/out" "$WORK/nodemods.html"
  count < <(compare node "$WORK/nodemods.html")
else
  echo "skip - the Node modules' checks: js/runtime/base.js does not provide js/runtime/node/ yet"
fi

# The base's snapshot, with every polyfill in it, is the same bytes each time
# it is made: nothing random or timed is read as the base loads.
base=$(ls "$WORK/cache/base.js" 2>/dev/null)
if [ -n "$base" ]; then
  expect_exit 0 "snapshot the base" -- "$SSRD" snapshot-make --out "$WORK/snap1" "$base"
  expect_exit 0 "snapshot the base again" -- "$SSRD" snapshot-make --out "$WORK/snap2" "$base"
  check "the two snapshots are the same bytes" cmp -s "$WORK/snap1" "$WORK/snap2"
else
  not_ok "the base bundle is in the cache ($WORK/cache/base.js)"
fi

finish
