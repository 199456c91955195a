#!/usr/bin/env bash
# e2e: real nginx (Debian's package) in front of two ssrd daemons with config/nginx.conf: status
# and headers come through, gzip, 304 on a matching ETag, a streamed page's first chunk before its
# Suspense data, framing attacks refused with nothing smuggled, and the upstream surviving one
# daemon being stopped.
. "$(dirname "$0")/lib.sh"
command -v nginx >/dev/null || { not_ok "nginx is not installed (tools/deps.sh installs it)"; finish; exit 1; }
pa=$(free_port); pb=$(free_port); pn=$(free_port)
start() { # NAME PORT
  "$SSRD" serve --http "http://127.0.0.1:$2" --ipc "ipc://$WORK/$1.sock" --workers 1 --watch-ms 0 \
    --cache-dir "$WORK/cache" --timing-log info >"$WORK/$1.log" 2>&1 &
  eval "pid_$1=$!"
  cleanup_hooks+=("kill $! 2>/dev/null")
}
start a "$pa"
start b "$pb"
for port in "$pa" "$pb"; do
  for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done
mkdir -p "$WORK/nginx/logs"
# nginx serves files from disk: a public/ with traps (a dotfile, a symlink out, a directory), and
# the layer directory of the demo the daemons loaded
P="$WORK/pubsite"
chmod a+rx "$WORK" # nginx's workers run as nobody: the scratch directory is theirs to read too
mkdir -p "$P/public/sub" "$P/public/.git"
printf 'PUBLIC-FROM-DISK\n' >"$P/public/hello.txt"
printf 'SECRET-DOTFILE-7c1\n' >"$P/public/.env"
printf 'SECRET-GIT-7c1\n' >"$P/public/.git/config"
printf 'SECRET-BESIDE-7c1\n' >"$P/secret.txt"
ln -s /etc/passwd "$P/public/passwd"
ln -s ../secret.txt "$P/public/sub/up.txt"
layers=$(grep -o 'event=site_loaded .*layers=[^ ]*' "$WORK/a.log" | sed 's/.*layers=//')
sed -e "s/listen 8000;/listen 127.0.0.1:$pn;/" -e "s/127.0.0.1:8080 /127.0.0.1:$pa /" -e "s/127.0.0.1:8081 /127.0.0.1:$pb /" \
  -e "s#/srv/ssrd/site#$P#" -e "s#/srv/ssrd/layers#$layers#" "$SRC/config/nginx.conf" >"$WORK/nginx/nginx.conf"
check "config/nginx.conf is valid" nginx -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;' &
npid=$!
cleanup_hooks+=("kill $npid 2>/dev/null")
url="http://127.0.0.1:$pn"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done

get() { rm -f "$WORK/h" "$WORK/b"; curl -s -D "$WORK/h" -o "$WORK/b" -w '%{http_code} %{time_starttransfer} %{time_total}' "$@" >"$WORK/t"; }
hdr() { grep -i "^$1:" "$WORK/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
code() { cut -d' ' -f1 "$WORK/t"; }

get "$url/products"
check "GET /products through nginx is 200" [ "$(code)" = 200 ]
check "the page is ssrd's" grep -q '<title>ssrd demo: /products</title>' "$WORK/b"
cp "$WORK/b" "$WORK/products.html"
check "ssrd's headers come through: $(hdr x-content-type-options), $(hdr x-frame-options)" sh -c "[ '$(hdr x-content-type-options)' = nosniff ] && [ '$(hdr x-frame-options)' = SAMEORIGIN ]"
check "and its caching: $(hdr cache-control)" [ "$(hdr cache-control)" = "public, max-age=10, stale-while-revalidate=30" ]
check "no Link header: the demo links no stylesheet, and the bundle is not preloaded from the head ($(hdr link))" [ -z "$(hdr link)" ]
check "each security header once, not twice" sh -c "[ \$(grep -ci '^x-content-type-options:' '$WORK/h') = 1 ] && [ \$(grep -ci '^referrer-policy:' '$WORK/h') = 1 ]"
# what nginx answers itself (a request with no Host) carries them too
printf 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$pn; cat >&3; cat <&3" >"$WORK/nohost" 2>/dev/null
check "nginx's own 400 (no Host) has the security headers" sh -c "grep -q '^HTTP/1.1 400' '$WORK/nohost' && grep -qi '^x-content-type-options: nosniff' '$WORK/nohost' && grep -qi '^x-frame-options: SAMEORIGIN' '$WORK/nohost'"
# from disk: public/ at /, the layers' assets; nothing else, however it is spelled
get "$url/hello.txt"
check "nginx serves public/hello.txt from disk ($(code), $(hdr etag))" sh -c "[ '$(code)' = 200 ] && grep -q PUBLIC-FROM-DISK '$WORK/b' && [ '$(hdr x-content-type-options)' = nosniff ]"
# (the demo imports no stylesheet or image: one is put where its layers' would be)
mkdir -p "$layers/assets"
printf '.probe{color:red}\n' >"$layers/assets/probe.0123456789abcdef.css"
get "$url/_ssrd/assets/probe.0123456789abcdef.css"
check "and a layer's asset, immutable ($(code), $(hdr cache-control))" sh -c "[ '$(code)' = 200 ] && grep -q probe '$WORK/b' && [ '$(hdr cache-control)' = 'public, max-age=31536000, immutable' ] && [ '$(hdr x-frame-options)' = SAMEORIGIN ]"
kill -STOP "$pid_a" "$pid_b"
check "from disk: it answers with both daemons stopped" sh -c "curl -s --max-time 3 '$url/_ssrd/assets/probe.0123456789abcdef.css' | grep -q probe && curl -s --max-time 3 '$url/hello.txt' | grep -q PUBLIC-FROM-DISK"
kill -CONT "$pid_a" "$pid_b"
get "$url/_ssrd/assets/nope.css"
check "an asset that is not there goes to ssrd: 404 ($(code))" [ "$(code)" = 404 ]
for p in /.env /.git/config /sub/../.env /%2e%2e/secret.txt /sub/%2e%2e/%2e%2e/secret.txt /passwd /sub/up.txt \
  /../secret.txt /..%2fsecret.txt /sub /_ssrd/assets/../../../secret.txt /_ssrd/assets/%2e%2e%2fshell.js; do
  c=$(curl -s --path-as-is -o "$WORK/b" -w '%{http_code}' "$url$p")
  check "from disk, $p gives nothing ($c)" sh -c "[ '$c' = 404 ] || [ '$c' = 400 ]; ! grep -q 'SECRET-\|root:x:0' '$WORK/b'"
done

get "$url/nope"
check "an unknown path is a 404 with the site's page" sh -c "[ '$(code)' = 404 ] && grep -q 'Page not found' '$WORK/b'"
get "$url/metrics"
check "ssrd's /metrics is not served to visitors through nginx ($(code))" sh -c "[ '$(code)' = 404 ] && ! grep -q ssrd_render '$WORK/b'"

# gzip, through nginx, whatever the daemon had
get "$url/products" -H 'Accept-Encoding: gzip'
check "gzip when asked: Content-Encoding $(hdr content-encoding)" [ "$(hdr content-encoding)" = gzip ]
check "which unzips to the same page" sh -c "gunzip -c '$WORK/b' | cmp -s - '$WORK/products.html'"

# 304: the ETag of a cached page, sent back
for _ in 1 2 3 4; do get "$url/about"; done # both daemons have it cached now
etag=$(hdr etag)
check "a cached page has an ETag ($etag)" [ -n "$etag" ]
get "$url/about" -H "If-None-Match: $etag"
check "If-None-Match with it: 304 ($(code))" [ "$(code)" = 304 ]

# streaming through nginx: a fresh query string makes it a miss, streamed
get "$url/slow?fresh=$RANDOM$RANDOM"
ttfb=$(cut -d' ' -f2 "$WORK/t"); total=$(cut -d' ' -f3 "$WORK/t")
check "a streamed page's first byte ($ttfb s) comes before its 200 ms data" awk -v t="$ttfb" 'BEGIN { exit !(t < 0.15) }'
check "and its last after it ($total s)" awk -v t="$total" 'BEGIN { exit !(t >= 0.195) }'
check "with the data in it" grep -q '<td>North</td>' "$WORK/b"

# Framing attacks through nginx (tests/e2e/framing.py): each gets one 4xx, from nginx or from
# ssrd behind it, and nothing in a body reaches ssrd as a request of its own.
for c in te cl_te cl_cl cl_body; do
  eval "$(python3 "$(dirname "$0")/framing.py" "$pn" "$c" 1)"
  check "$c through nginx: one refusal, nothing smuggled ($statuses)" sh -c "echo '$statuses' | grep -qx '4[0-9][0-9]'"
done
check "and no smuggled path reached either daemon" sh -c "! grep -q smuggled-path '$WORK'/[ab].log"
curl -s -o /dev/null "$url/plain-path-control"
check "(where a path that does reach a daemon is logged)" grep -q 'path=/plain-path-control' "$WORK/a.log" "$WORK/b.log"

# the upstream survives one daemon stopping
kill -TERM "$pid_b"
wait "$pid_b" 2>/dev/null
ok_n=0
for i in $(seq 1 20); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/products/$i")" = 200 ] && ok_n=$((ok_n + 1))
done
check "with daemon B stopped, 20 of 20 requests still 200 ($ok_n)" [ "$ok_n" = 20 ]

kill -QUIT "$npid"
wait "$npid" 2>/dev/null
finish
