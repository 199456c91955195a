#!/usr/bin/env bash
# e2e: a site laid out with the App Router's conventions (tests/fixtures/appsite): layouts
# nested three deep, a route group, catch-alls, template, loading streamed before the page's
# data, error caught with status 500 while the other routes serve, notFound() giving the
# segment's not-found page with 404, params and searchParams awaitable, the warnings for
# files that look like conventions, metadata merged from the root down, and `ssrd routes`
# showing each route's layout chain.
# Over HTTP, with the renderer streaming (the default) and with streaming = 0.
. "$(dirname "$0")/lib.sh"
S="$WORK/site"
cp -r "$SRC/tests/fixtures/appsite" "$S"

expect_exit 0 "ssrd routes lists the App Router site" -- "$SSRD" routes --site "$S"
check "a group shapes layouts, not URLs" grep -q '^/pricing  .*app/(marketing)/pricing/page.tsx .*layouts: app/layout.tsx > app/(marketing)/layout.tsx;' "$WORK/out"
check "a catch-all is /docs/:slug+" grep -q '^/docs/:slug+ ' "$WORK/out"
check "an optional catch-all under two layouts" grep -q '^/docs/guide/:rest\* .*layouts: app/layout.tsx > app/docs/layout.jsx > app/docs/guide/layout.jsx' "$WORK/out"
check "loading, error and not-found files show on their routes" sh -c "grep -q '^/shop .*loading: app/shop/loading.jsx' '$WORK/out' && grep -q '^/fail .*error: app/fail/error.jsx' '$WORK/out' && grep -q '^/items/:id .*not-found: app/items/not-found.jsx' '$WORK/out'"
check "_private folders are never routes" sh -c "! grep -q _private '$WORK/out'"
stderr_has "app/misc/Page.jsx: not read as a convention file: ssrd reads page.jsx, page.tsx, page.js or page.ts (lower case)"
stderr_has "app/misc/layout.mjs: not read as a convention file"

serve() { # serve NAME [options]: starts a daemon on the site, sets url
  local name=$1
  shift
  local port
  port=$(free_port)
  url="http://127.0.0.1:$port"
  "$SSRD" serve --site "$S" --http "$url" --ipc "ipc://$WORK/$name.sock" --workers 1 --watch-ms 0 \
    --cache-dir "$WORK/cache" "$@" >"$WORK/$name.log" 2>&1 &
  pid=$!
  cleanup_hooks+=("kill $pid 2>/dev/null")
  for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
}
get() { # get PATH: body in $WORK/body (without what loads the browser bundle), status in $code
  code=$(curl -s -o "$WORK/raw" -w '%{http_code}' "$url$1")
  page_only <"$WORK/raw" >"$WORK/body"
}
body_has() { grep -qF -- "$1" "$WORK/body"; }

for streaming in 1 0; do
  serve "s$streaming" --streaming "$streaming"
  m="(streaming = $streaming)"
  get /docs/guide/a/b
  check "3 nested layouts wrap the page $m" sh -c "[ $code = 200 ] && grep -qF '<header>root layout</header><section data-level=\"docs\"><article data-level=\"guide\"><p>guide <!-- -->a/b</p></article></section>' '$WORK/body'"
  get /docs/guide
  check "an optional catch-all with nothing is absent from params $m" body_has 'guide <!-- -->index'
  get /docs/x/y
  check "a catch-all's params are an array $m" body_has '<p>doc <!-- -->[&quot;x&quot;,&quot;y&quot;]</p>'
  get /docs
  check "a catch-all needs one segment: /docs is not found ($code) $m" [ "$code" = 404 ]
  check "and gets the root not-found page $m" body_has '<h1>root not found</h1>'
  get /pricing
  check "/pricing is the group's page $m" sh -c "[ $code = 200 ] && grep -qF '<div class=\"marketing\"><p>pricing page</p></div>' '$WORK/body'"
  get "/(marketing)/pricing"
  check "the group's name is not in the URL ($code) $m" [ "$code" = 404 ]
  get /tpl
  check "a template wraps its page $m" body_has '<div class="template"><p>templated</p></div>'
  get "/params/1/2?q=z"
  check "params and searchParams can be awaited or read $m" body_has '<p>a=<!-- -->1<!-- --> b=<!-- -->2<!-- --> sync=<!-- -->1<!-- --> q=<!-- -->z</p>'
  get /fail
  check "a page that throws gets its segment's error file, status 500 ($code) $m" sh -c "[ $code = 500 ] && grep -qF '<div role=\"alert\">fail segment error: <!-- -->digest</div>' '$WORK/body'"
  check "inside the root layout $m" body_has '<header>root layout</header>'
  check "the message stays on the server $m" sh -c "! grep -q 'the fail page broke' '$WORK/body'"
  check "and is logged with its source-mapped stack $m" grep -q 'the fail page broke.*app/fail/page.jsx:2:' "$WORK/s$streaming.log"
  get /late
  check "an async page that rejects, before the shell: 500 and the error file ($code) $m" sh -c "[ $code = 500 ] && grep -qF 'late segment error' '$WORK/body'"
  get /items/missing
  check "notFound() gives the segment's not-found page with 404 ($code) $m" sh -c "[ $code = 404 ] && grep -qF '<p>no such item</p>' '$WORK/body' && grep -qF '<header>root layout</header>' '$WORK/body'"
  get /items/7
  check "the same route serves other items ($code) $m" sh -c "[ $code = 200 ] && grep -qF 'item <!-- -->7' '$WORK/body'"
  get /docs/guide
  sed -i -E 's#<link rel="stylesheet" href="/_ssrd/assets/[^"]*" data-precedence="default"/>##g' "$WORK/body"
  check "metadata merged across 3 levels into <head> $m" grep -qF '<head><meta charSet="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><title>Guide | App</title><meta name="description" content="root description"/><meta name="keywords" content="guide,Docs | App"/><meta name="robots" content="noindex, follow"/><link rel="canonical" href="/docs/guide"/><meta property="og:title" content="Docs OG"/><meta property="og:image" content="/og.png"/><link rel="icon" href="data:,"/></head>' "$WORK/body"
  get /docs/a
  check "a title put in the root's template, a default where none $m" sh -c "grep -qF '<title>Docs | App</title>' '$WORK/body' && curl -s '$url/' | grep -qF '<title>App</title>'"
  # over the render protocol too: the reply's status is the page's
  nngcat --req --dial "ipc://$WORK/s$streaming.sock" --data '{"v":1,"kind":"render","id":"nf","url":"/items/missing"}' \
    --format raw 2>/dev/null | head -1 >"$WORK/ipc"
  check "the protocol's reply for a notFound() page says 404 $m" grep -q '"id":"nf","kind":"render","ok":true,"status":404,' "$WORK/ipc"
  nngcat --req --dial "ipc://$WORK/s$streaming.sock" --data '{"v":1,"kind":"render","id":"e","url":"/fail"}' \
    --format raw 2>/dev/null | head -1 >"$WORK/ipc"
  check "and 500 for a page shown in its error file $m" grep -q '"id":"e","kind":"render","ok":true,"status":500,' "$WORK/ipc"
  get /
  check "the other routes serve ($code) $m" sh -c "[ $code = 200 ] && grep -qF '<h1>home</h1>' '$WORK/body'"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done

# loading.jsx is streamed first: its fallback comes in the shell, ~300 ms before the data.
serve stream
python3 - "$url/shop" >"$WORK/chunks" <<'PY'
import sys, time, urllib.request
t0 = time.time()
r = urllib.request.urlopen(sys.argv[1])
first = r.read1(65536).decode()
t1 = time.time()
rest = r.read().decode()
t2 = time.time()
print("FIRST", int((t1 - t0) * 1000), "loading the shop" in first, "shop data ready" in first)
print("REST", int((t2 - t0) * 1000), "shop data ready" in rest)
PY
check "the loading fallback comes first, without the data: $(head -1 "$WORK/chunks")" grep -q '^FIRST [0-9]* True False$' "$WORK/chunks"
check "the data follows: $(tail -1 "$WORK/chunks")" grep -q '^REST [0-9]* True$' "$WORK/chunks"
# The browser builds the same tree (tree.js): nested layouts, a template, metadata in <head>
# and a segment shown in its error file all hydrate without a mismatch.
export SSRD_JS_DIR="$SRC/js"
for page in /docs/a /pricing /tpl; do
  node "$SRC/tests/e2e/hydrate.mjs" "$url$page" --load-only >"$WORK/h" 2>&1
  check "Chromium: $page hydrates without a mismatch or error ($(cut -c1-160 "$WORK/h"))" \
    sh -c "grep -q '\"status\":200' '$WORK/h' && grep -q '\"mismatch\":\[\]' '$WORK/h' && grep -q '\"errors\":\[\],\"console\":\[\]' '$WORK/h'"
done
node "$SRC/tests/e2e/hydrate.mjs" "$url/fail" --wait '[role=alert]' >"$WORK/h" 2>&1
check "Chromium: the error file the server showed is hydrated as is ($(cut -c1-200 "$WORK/h"))" \
  sh -c "grep -q '\"status\":500' '$WORK/h' && grep -q 'fail segment error' '$WORK/h' && grep -q '\"title\":\"App\"' '$WORK/h' && grep -q '\"mismatch\":\[\"error: Failed to load resource: the server responded with a status of 500 (Internal Server Error)\"\]' '$WORK/h' && grep -q '\"errors\":\[\"500 [^\"]*/fail\"\],\"console\":\[\"error: Failed to load resource: the server responded with a status of 500 (Internal Server Error)\"\]' '$WORK/h'"
# Stylesheets: the shell's (layouts' and components' CSS) before the page's, in <head>, under
# content-named URLs cached for good; another route links only the shell's.
get /counter
css=$(grep -o '<link rel="stylesheet" href="/_ssrd/assets/[^"]*" data-precedence="default"/>' "$WORK/body" | grep -o '/_ssrd/assets/[^"]*')
check "the route links the shell's stylesheet, then the page's ($(echo $css))" sh -c "[ \$(echo '$css' | wc -w) = 2 ] && echo '$css' | head -1 | grep -q '/shell\.' && echo '$css' | tail -1 | grep -q '/page-'"
first=$(echo "$css" | head -1)
curl -s -D "$WORK/ch" -o "$WORK/shell.css" "$url$first"
check "the shell's stylesheet is served, immutable, with the layout's global CSS and the component's module" \
  sh -c "grep -q '^HTTP/1.1 200' '$WORK/ch' && grep -qi 'cache-control: public, max-age=31536000, immutable' '$WORK/ch' && grep -qi 'content-type: text/css' '$WORK/ch' && grep -q 'header{color:#010203}' '$WORK/shell.css' && grep -q 'Counter_button' '$WORK/shell.css'"
get /pricing
check "a route importing no CSS of its own links the shell's alone" sh -c "[ \$(grep -o 'rel=\"stylesheet\"' '$WORK/body' | wc -l) = 1 ] && grep -qF '$first' '$WORK/body'"
# The same stylesheets in a Link header, for the browser to fetch while the page is still on its
# way: rendered, from the response cache, and for HEAD.
want="<$(echo "$css" | head -1)>; rel=preload; as=style, <$(echo "$css" | tail -1)>; rel=preload; as=style"
link_of() { curl -s -D - -o /dev/null "$@" | grep -i '^link: ' | cut -d' ' -f2- | tr -d '\r'; }
for how in "rendered:" "cached:" "HEAD:-I"; do
  got=$(link_of ${how#*:} "$url/counter")
  check "Link preloads /counter's stylesheets, in order (${how%%:*}: $got)" [ "$got" = "$want" ]
done
check "(the cached one came from the cache)" sh -c "curl -s -D - -o /dev/null '$url/counter' | grep -qi '^x-ssrd-cache: hit'"
check "and /pricing's one stylesheet" [ "$(link_of "$url/pricing")" = "<$first>; rel=preload; as=style" ]

# public/ at /, as Next.js serves it, where no route answers: with ETag and cache headers.
curl -s -D "$WORK/ph" -o "$WORK/robots" "$url/robots.txt"
check "public/robots.txt is /robots.txt, with ETag and Cache-Control" sh -c "grep -q '^HTTP/1.1 200' '$WORK/ph' && grep -qi '^etag: ' '$WORK/ph' && grep -qi '^cache-control: public, max-age=3600' '$WORK/ph' && grep -q 'User-agent' '$WORK/robots'"
etag=$(grep -i '^etag:' "$WORK/ph" | cut -d' ' -f2 | tr -d '\r')
check "and answers its ETag with 304" [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/robots.txt")" = 304 ]
check "a file in a subdirectory too" sh -c "curl -s '$url/img/logo.svg' | grep -q '<svg'"
check "and still under /public/" sh -c "curl -s '$url/public/img/logo.svg' | grep -q '<svg'"
get /pricing
check "a route beats a public file of its name" body_has 'pricing page'
for p in /.env /img/../.env /img/%2e%2e/.env /%2e%2e/app/page.tsx /../app/page.tsx /img /img/ /nope.txt; do
  c=$(curl -s --path-as-is -o "$WORK/pb" -w '%{http_code}' "$url$p")
  check "$p is no public file ($c)" sh -c "[ '$c' = 404 ] || [ '$c' = 400 ]; ! grep -q 'secret\|export default' '$WORK/pb'"
done

# An async page (a server component awaiting its data) with "use client" components inside:
# each hydrates as an island and counts clicks, one nested in another's server-rendered
# children too; nothing of the async page is run in the browser.
get /counter
check "client components are islands with their props (server HTML)" grep -qF '<ssrd-island data-c="components/Counter.tsx#default" data-p="{&quot;label&quot;:&quot;first&quot;,&quot;start&quot;:0}" style="display:contents"><button class="counter Counter_button" data-label="first">first<!-- -->: <!-- -->0</button></ssrd-island>' "$WORK/body"
check "a client component's server children go in its slot, islands again" grep -qF '<ssrd-slot style="display:contents"><p class="stock">stock for <!-- -->x1<!-- -->: 7</p><ssrd-island data-c="components/Counter.tsx#default"' "$WORK/body"
check "the page sends the route, not its props" grep -qF 'window.__SSRD__={"islands":true,"path":"/counter","props":{"params":{},"query":{}}}' "$WORK/raw"
node "$SRC/tests/e2e/hydrate.mjs" "$url/counter" --style header color --style h1 letter-spacing \
  --style '[data-label=first]' border-top-width \
  --click '[data-label=first]' --click '[data-label=nested]' --click '.panel h2' >"$WORK/h" 2>&1
check "Chromium: the root layout's global CSS, the page's and a client component's CSS modules apply ($(grep -o '"styles":{[^}]*}' "$WORK/h"))" \
  grep -qF '"styles":{"header color":"rgb(1, 2, 3)","h1 letter-spacing":"3px","[data-label=first] border-top-width":"4px"}' "$WORK/h"
check "Chromium: the islands of an async page count clicks, no warning ($(cut -c1-400 "$WORK/h"))" \
  sh -c "grep -q '\"before\":\"first: 0\",\"after\":\"first: 1\",\"after_two\":\"first: 2\"' '$WORK/h' && grep -q '\"before\":\"nested: 0\",\"after\":\"nested: 1\"' '$WORK/h' && grep -q '\"before\":\"details (open)\",\"after\":\"details (closed)\"' '$WORK/h' && grep -q '\"errors\":\[\],\"console\":\[\]' '$WORK/h' && grep -q '\"mismatch\":\[\]' '$WORK/h'"
curl -s "$url$(grep -o '/_ssrd/client-[0-9a-f]*\.js' "$WORK/raw" | head -1)" >"$WORK/bundle.js"
check "the browser's bundle holds the client components, not the async page" sh -c "grep -q 'nested\|data-label' '$WORK/bundle.js' && ! grep -q 'stock for' '$WORK/bundle.js' && ! grep -q 'async page' '$WORK/bundle.js'"
# Hot reload of a nested layout: the shell (which holds the layouts) is built again, no page
# delta is; its routes show the change. A nested layout that does not build fails the routes
# under it, with the file and esbuild's message; every other route serves.
R="$WORK/reload"
cp -r "$SRC/tests/fixtures/appsite" "$R"
port=$(free_port)
url="http://127.0.0.1:$port"
"$SSRD" serve --site "$R" --http "$url" --ipc "ipc://$WORK/reload.sock" --workers 1 --watch-ms 200 \
  --cache-dir "$WORK/cache" >"$WORK/reload.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 300); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
wait_reload() { # N: until the Nth site_reloaded or site_reload_failed line
  for _ in $(seq 1 100); do
    [ "$(grep -c 'event=site_reload' "$WORK/reload.log")" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
lines=$(wc -l <"$WORK/reload.log")
sed -i 's/data-level="docs"/data-level="docs-v2"/' "$R/app/docs/layout.jsx"
wait_reload 1
tail -n +"$((lines + 1))" "$WORK/reload.log" >"$WORK/rebuilt"
check "a nested layout's change reloads the site" grep -q 'event=site_reloaded' "$WORK/rebuilt"
check "the shell is built again ($(grep -c 'source=esbuild' "$WORK/rebuilt") layers by esbuild)" grep -q 'event=layer name=shell:.* source=esbuild' "$WORK/rebuilt"
check "and not one page delta ($(grep -c 'name=page:.*source=cache' "$WORK/rebuilt") from the cache)" sh -c "! grep -q 'name=page:.* source=esbuild' '$WORK/rebuilt' && grep -q 'name=page:.* source=cache' '$WORK/rebuilt'"
get /docs/a
check "the route under it shows the change" body_has '<section data-level="docs-v2">'
printf 'export default function GuideLayout({ children ) {\n  return children;\n}\n' >"$R/app/docs/guide/layout.jsx"
wait_reload 2
get /docs/guide/x
check "a nested layout that does not build fails its routes ($code)" sh -c "[ $code = 500 ] || [ $code = 503 ]"
check "and the log names the file and esbuild's error" grep -q 'app/docs/guide/layout.jsx, above app/docs/guide/\[\[...rest\]\]/page.jsx, does not build: .*Expected' "$WORK/reload.log"
get /docs/a
check "the routes beside it serve ($code)" sh -c "[ $code = 200 ] && grep -qF 'data-level=\"docs-v2\"' '$WORK/body'"
get /
check "and the others ($code)" [ "$code" = 200 ]
kill "$pid"

# The site create-next-app generates (App Router, TypeScript; tests/fixtures/nextapp, its files
# as generated, without node_modules): next/font/google, next/image, globals.css, a CSS module,
# metadata, app/favicon.ico and public/*.svg. It renders, its files are served, and Chromium
# hydrates it whole (no "use client" file) with the styles applied and nothing amiss.
S="$SRC/tests/fixtures/nextapp" serve nextapp
get /
check "create-next-app's page renders: title, description, favicon link" sh -c "[ $code = 200 ] && grep -qF '<title>Create Next App</title><meta name=\"description\" content=\"Generated by create next app\"/><link rel=\"icon\" href=\"/favicon.ico\" type=\"image/x-icon\" sizes=\"16x16\"/>' '$WORK/body'"
check "next/font's variables on <body>, next/image's <img>" sh -c "grep -qF '<body class=\"__variable_geist __variable_geist_mono\">' '$WORK/body' && grep -qF '<img alt=\"Next.js logo\" fetchPriority=\"high\" width=\"180\" height=\"38\" decoding=\"async\" data-nimg=\"1\" class=\"page_logo\" style=\"color:transparent\" src=\"/next.svg\"/>' '$WORK/body'"
check "app/favicon.ico is /favicon.ico, public/next.svg is /next.svg" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$url/favicon.ico') = 200 ] && curl -s '$url/next.svg' | grep -q '<svg'"
node "$SRC/tests/e2e/hydrate.mjs" "$url/" --style main display --style body font-family --style a.page_secondary min-width \
  --style img.page_logo color --load-only >"$WORK/h" 2>&1
check "Chromium: it hydrates whole without a mismatch or error, its CSS applied ($(cut -c1-300 "$WORK/h"))" \
  sh -c "grep -qF '\"styles\":{\"main display\":\"flex\",\"body font-family\":\"Arial, Helvetica, sans-serif\",\"a.page_secondary min-width\":\"158px\",\"img.page_logo color\":\"rgba(0, 0, 0, 0)\"}' '$WORK/h' && grep -q '\"errors\":\[\],\"console\":\[\]' '$WORK/h' && grep -q '\"mismatch\":\[\]' '$WORK/h'"
kill "$pid"

# A site with no "use client" file is hydrated whole, as a plain React SSR app, except a page
# the browser could not render: an async page (or layout) is sent without the bundle.
W="$WORK/whole"
mkdir -p "$W/app/sync" "$W/app/async"
printf 'export default function L({ children }) { return <html><body>{children}</body></html>; }\n' >"$W/app/layout.jsx"
printf 'export default function P() { return <p>sync</p>; }\n' >"$W/app/sync/page.jsx"
printf 'export default async function P() { await null; return <p>async</p>; }\n' >"$W/app/async/page.jsx"
S="$W" serve whole
get /sync
check "a site without \"use client\": a sync page is hydrated whole" sh -c "grep -q '/_ssrd/client-' '$WORK/raw' && grep -qF '\"page\":\"app/sync/page.jsx\"' '$WORK/raw'"
get /async
check "and an async page is sent without the bundle ($code)" sh -c "[ $code = 200 ] && grep -qF '<p>async</p>' '$WORK/raw' && ! grep -q '/_ssrd/client-' '$WORK/raw'"
check "the warnings are logged once at start" sh -c "[ \$(grep -c 'event=app_file_ignored' '$WORK/stream.log') = 2 ]"
finish
