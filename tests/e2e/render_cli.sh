#!/usr/bin/env bash
# e2e: `ssrd render-local` (in-process) prints pages and fails precisely: exit codes and messages for every bad input.
. "$(dirname "$0")/lib.sh"
ERRSITE="$SRC/tests/fixtures/errsite"
export SSRD_CACHE="$WORK/cache"
R() { "$SSRD" render-local --cache-dir "$WORK/cache" "$@"; }

expect_exit 0 "render / of the demo" -- R /
check "output is an HTML document" grep -q '^<!DOCTYPE html><html lang="en">' "$WORK/out"
expect_exit 0 "render with props" -- R / --props '{"name":"Grace <Hopper>"}'
check "props reach the page, escaped" grep -qF 'Grace &lt;Hopper&gt;' "$WORK/out"
expect_exit 0 "render a dynamic route" -- R /products/42
check "route params reach the page" grep -q '/products/42' "$WORK/out"

expect_exit 3 "unknown route" -- R /no/such/page
stderr_has 'no route matches "/no/such/page"'
stderr_has '/products/:id'

expect_exit 2 "props that are not JSON" -- R / --props '{"name": nope}'
stderr_has 'bad --props: props are not valid JSON'
expect_exit 2 "props that are not an object" -- R / --props '[1,2]'
stderr_has 'props must be a JSON object, not an array'

expect_exit 1 "a page that throws" -- R /boom --site "$ERRSITE"
stderr_has 'rendering /boom (app/boom/page.jsx) failed: Error: boom: the widget exploded'
stderr_has 'at explode (components/Thrower.jsx:3:9)'
stderr_has 'at Thrower (components/Thrower.jsx:7:16)'
expect_exit 1 "a page that throws a string" -- R /str --site "$ERRSITE"
stderr_has 'failed: a plain string'

expect_exit 2 "render without a path" -- R
stderr_has 'render needs a path'
expect_exit 2 "an unknown flag" -- R / --bogus 1
stderr_has 'unknown option "bogus"'
expect_exit 2 "an out-of-range flag" -- "$SSRD" render-local / --workers 9999
stderr_has 'workers = 9999 is out of range: use 0 to 256'
expect_exit 2 "an unknown command" -- "$SSRD" frobnicate
stderr_has 'unknown command "frobnicate"'

expect_exit 0 "the shipped config/ssrd.conf loads" -- R / --config "$SRC/config/ssrd.conf"
printf '[server]\nworkers = 2\n\n[render]\nheap_max_mb = lots\n' >"$WORK/bad.conf"
expect_exit 4 "a bad config file" -- R / --config "$WORK/bad.conf"
stderr_has "$WORK/bad.conf:5: heap_max_mb = \"lots\" is not a whole number"
expect_exit 4 "a missing site" -- R / --site "$WORK/nowhere"
stderr_has "site $WORK/nowhere does not exist"

mkdir -p "$WORK/syntax/app"
printf 'export default function Page() {\n  return <p>unclosed;\n}\n' >"$WORK/syntax/app/page.jsx"
expect_exit 4 "a page with a syntax error" -- R / --site "$WORK/syntax"
stderr_has 'app/page.jsx:2:'

expect_exit 0 "version" -- "$SSRD" version
check "version prints ssrd and a number" grep -qE '^ssrd [0-9]+\.[0-9]+\.[0-9]+$' "$WORK/out"
expect_exit 0 "routes lists the demo's routes" -- "$SSRD" routes
check "routes shows the dynamic route and its layout" grep -qE '^/products/:id +app/products/\[id\]/page.jsx +layouts: app/layout.jsx; not-found: app/not-found.jsx$' "$WORK/out"
finish
