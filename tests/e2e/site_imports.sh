#!/usr/bin/env bash
# e2e: what a site's files may import, and the errors that say what to do instead: a Node
# built-in no render can use fails its page's build with the line; a package that is not
# installed fails its own route only; a module the layout and a page both import from app/
# exists once; .css is accepted on the server; react-dom/client says it runs in the browser;
# stacks show route folders as named ([id], not %5Bid%5D); a page that fails to build leaves
# hydration on for the others.
. "$(dirname "$0")/lib.sh"
S="$WORK/site"
mkdir -p "$S/app/fs" "$S/app/missing" "$S/app/client" "$S/app/boom/[id]"
cat >"$S/app/ctx.js" <<'JS'
import { createContext } from "react";
export const Theme = createContext("no provider");
JS
cat >"$S/app/layout.jsx" <<'JS'
import { Theme } from "./ctx";
export default function Layout({ children }) {
  return <html><body><Theme.Provider value="from the layout">{children}</Theme.Provider></body></html>;
}
JS
printf '.x { color: red }\n' >"$S/app/page.css"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$S/app/logo.svg"
cat >"$S/app/page.jsx" <<'JS'
import { use } from "react";
import "./page.css";
import { Theme } from "./ctx.js";
import logo from "./logo.svg";
export default function Home() { return <p data-logo={logo}>theme: {use(Theme)}</p>; }
JS
cat >"$S/app/fs/page.jsx" <<'JS'
import { useState } from "react";
import { readFileSync } from "node:fs";
export default function Fs() { return <p>{String(readFileSync)}</p>; }
JS
cat >"$S/app/missing/page.jsx" <<'JS'
import pad from "left-pad-not-installed-anywhere";
export default function Missing() { return <p>{pad("x", 3)}</p>; }
JS
cat >"$S/app/client/page.jsx" <<'JS'
import { createRoot } from "react-dom/client";
export default function Client() { createRoot(null); return <p>never</p>; }
JS
cat >"$S/app/boom/[id]/page.jsx" <<'JS'
export default function Boom({ params }) {
  throw new Error("boom " + params.id);
}
JS
L() { "$SSRD" render-local "$1" --site "$S" --cache-dir "$WORK/cache" --streaming 0 --hydrate 0; }

expect_exit 0 "the home page renders beside broken routes" -- L /
check "a context module the layout and the page import is one module" grep -q '>theme: <!-- -->from the layout</p>' "$WORK/out"
check "and the other routes' build errors are not printed" sh -c "! grep -q 'page_build_failed\|left-pad' '$WORK/err'"

expect_exit 4 "a page importing node:fs does not build" -- L /fs
stderr_has 'app/fs/page.jsx:2:29: Node'"'"'s "node:fs" is not available to pages: read files with `import { files } from "ssrd"`'

expect_exit 4 "a page importing a package that is not installed does not build" -- L /missing
stderr_has 'app/missing/page.jsx imports "left-pad-not-installed-anywhere", which is not installed: run npm install left-pad-not-installed-anywhere in'

expect_exit 1 "react-dom/client's createRoot fails during a render" -- L /client
stderr_has "react-dom/client's createRoot() runs in the browser, not during a server render"

expect_exit 1 "a page that throws fails its render" -- L /boom/7
stderr_has "boom 7"
stderr_has "app/boom/[id]/page.jsx:2:"
check "its stack does not URL-encode the route folder" sh -c "! grep -q '%5B' '$WORK/err'"

# Over HTTP, with hydration on: the pages that built are in the browser's bundle.
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --site "$S" --http "$url" --ipc "ipc://$WORK/ssrd.sock" --workers 1 --watch-ms 0 \
  --cache-dir "$WORK/cache2" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
curl -s "$url/" >"$WORK/home.html"
bundle=$(grep -o '/_ssrd/client-[0-9a-f]\{16\}\.js' "$WORK/home.html" | head -1)
check "a page that fails to build leaves hydration on for the others ($bundle)" [ -n "$bundle" ]
check "the broken routes are logged by the server" grep -q 'event=page_build_failed route=/fs' "$WORK/serve.log"
check "no client_bundle_failed" sh -c "! grep -q client_bundle_failed '$WORK/serve.log'"

# An imported image is served under its content-named URL, for good; nothing else of the
# layer directory is, whatever the spelling or depth.
asset=$(grep -o '/_ssrd/assets/logo\.[A-Z0-9]*\.svg' "$WORK/home.html" | head -1)
check "the image's URL is in the page ($asset)" [ -n "$asset" ]
curl -s -D "$WORK/ah" -o "$WORK/asset" "$url$asset"
check "it is served, immutable" sh -c "grep -q '^HTTP/1.1 200' '$WORK/ah' && grep -qi 'cache-control: public, max-age=31536000, immutable' '$WORK/ah' && grep -q '<svg' '$WORK/asset'"
for p in ../shell.js ..%2Fshell.js %2e%2e/shell.js .%2e/shell.js ..%5Cshell.js '..\shell.js' \
  ../../manifest.sqlite ../../../../../../etc/passwd %2e%2e%2f%2e%2e%2fmanifest.sqlite \
  .hidden logo.svg/ "$(basename "$asset")/../../shell.js" ''; do
  code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$url/_ssrd/assets/$p")
  check "/_ssrd/assets/$p is refused ($code)" [ "$code" = 404 ]
done
finish
