#!/usr/bin/env bash
# security: what /public/ serves. Two scratch sites, each with secrets beside public/ (.env,
# data/x.sqlite, app/page.jsx), and public/ itself full of traps (a dotfile, a directory, a FIFO,
# symlinks out to /etc/passwd, ../app, ../data, ../.env and the other site, a big file), are
# attacked directly and through nginx (config/nginx.conf, which passes the raw URI on), for each
# Host: traversal in many spellings at many depths, the traps one by one, and a FIFO hit by many
# requests at once while a page and a protocol render must still answer. Every check asserts the
# status and that no secret's marker is in what came back; what public/ holds must be served,
# each site its own, with the right headers, HEAD lengths and 304s.
. "$(dirname "$0")/../e2e/lib.sh"
command -v nginx >/dev/null || { not_ok "nginx is not installed (tools/deps.sh installs it)"; finish; exit 1; }

# --- two sites: secrets with unique markers beside public/, public/ with files and traps ---
site() { # NAME (a or b): a site at $WORK/NAME whose every file says which site it is
  local s=$1 d=$WORK/$1 up
  up=$(tr a-z A-Z <<<"$s")
  mkdir -p "$d/app/about" "$d/data" "$d/public/sub" "$d/public/.well-known" "$d/public/empty_dir"
  cat >"$d/app/layout.jsx" <<JSX
export default function Layout({ children }) {
  return (<html><body>{children}</body></html>);
}
JSX
  cat >"$d/app/page.jsx" <<JSX
// MARK-$up-PAGEJSX-3f9d: the source, never to be served
export default function Home() { return <p>home of site $s</p>; }
JSX
  cat >"$d/app/about/page.jsx" <<JSX
export default function About() { return <p>SITE-$up-ABOUT</p>; }
JSX
  printf 'API_KEY=MARK-%s-ENV-81c2\n' "$up" >"$d/.env"
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(v)'); c.execute('insert into t values (?)', ('MARK-$up-SQLITE-d04e',)); c.commit()" "$d/data/x.sqlite"
  p=$d/public
  printf 'MARK-%s-HELLO: public, for site %s\n' "$up" "$s" >"$p/hello.txt"
  printf 'only in %s\n' "$s" >"$p/only-$s.txt"
  printf 'body { color: red }\n' >"$p/style.css"
  printf 'console.log(1);\n' >"$p/app.js"
  printf 'export const x = 1;\n' >"$p/mod.mjs"
  printf '{"site":"%s"}\n' "$s" >"$p/data.json"
  printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$p/logo.svg"
  printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR' >"$p/img.png"
  printf 'wOF2\x00\x01' >"$p/font.woff2"
  printf 'raw' >"$p/blob.xyz"
  head -c 60000 /dev/urandom >"$p/medium.bin"   # under the 64 KiB limit
  head -c 70000 /dev/urandom >"$p/big.bin"      # over it
  printf 'MARK-%s-DOTFILE-5a7b\n' "$up" >"$p/.secret"
  printf 'MARK-%s-WELLKNOWN-0c1d\n' "$up" >"$p/.well-known/security.txt"
  printf 'MARK-%s-SUBDOT-77e0\n' "$up" >"$p/sub/.hidden"
  printf 'inner of %s\n' "$s" >"$p/sub/inner.txt"
  mkfifo "$p/fifo"
  ln -s /etc/passwd "$p/passwd"
  ln -s ../app "$p/app"
  ln -s ../data "$p/data"
  ln -s ../.env "$p/env"
  ln -s "$d/app/page.jsx" "$p/abs-page.jsx"
  ln -s sub/inner.txt "$p/inside.txt"
  ln -s sub "$p/inside-dir"
  ln -s /dev/zero "$p/zero"
}
site a
site b
ln -s ../../b/public/only-b.txt "$WORK/a/public/cross.txt" # from A's public/ into B's
ln -s ../../a/public/only-a.txt "$WORK/b/public/cross.txt"
# every secret's marker, and /etc/passwd's
printf '%s\n' root:x:0:0 MARK-A-PAGEJSX MARK-A-ENV MARK-A-SQLITE MARK-A-DOTFILE MARK-A-WELLKNOWN \
  MARK-A-SUBDOT MARK-B-PAGEJSX MARK-B-ENV MARK-B-SQLITE MARK-B-DOTFILE MARK-B-WELLKNOWN \
  MARK-B-SUBDOT >"$WORK/markers"
grep -q root:x:0:0 /etc/passwd || not_ok "/etc/passwd has no root:x:0:0 line to look for"

port=$(free_port)
url="http://127.0.0.1:$port"
ipc="ipc://$WORK/ssrd.sock"
cat >"$WORK/ssrd.conf" <<CONF
[server]
workers = 1
http = "$url"
ipc = "$ipc"
public_max_kb = 64
public_max_age = 120

[site]
site = a.test=$WORK/a, b.test=$WORK/b
watch_ms = 0

[host]
databases = ""

[cache]
cache_dir = $WORK/cache

[log]
log_level = debug
CONF
"$SSRD" serve --config "$WORK/ssrd.conf" >"$WORK/serve.log" 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done

# nginx in front, config/nginx.conf as shipped, both upstream entries on this daemon
pn=$(free_port)
mkdir -p "$WORK/nginx/logs"
sed -e "s/listen 8000;/listen 127.0.0.1:$pn;/" -e "s/127.0.0.1:808[01] /127.0.0.1:$port /" \
  "$SRC/config/nginx.conf" >"$WORK/nginx/nginx.conf"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;' &
npid=$!
cleanup_hooks+=("kill $npid 2>/dev/null")
nurl="http://127.0.0.1:$pn"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$nurl/healthz" && break; sleep 0.1; done
check "nginx answers in front of the daemon" curl -sf -o /dev/null "$nurl/healthz"

# req BASE HOST PATH [curl args...]: one request; its status in $code, the bytes of its body in
# $size and $WORK/body, its headers in $WORK/h and, by lowercase name, in H (hdr NAME prints one)
declare -A H
req() {
  local base=$1 host=$2 path=$3 out name value
  shift 3
  rm -f "$WORK/h" "$WORK/body"
  out=$(curl -s --path-as-is --max-time 10 -H "Host: $host" -D "$WORK/h" -o "$WORK/body" \
    -w '%{http_code} %{size_download}' "$@" "$base$path")
  code=${out% *} size=${out#* }
  touch "$WORK/body" "$WORK/h"
  H=()
  while IFS=: read -r name value; do
    value=${value# }
    [ -n "$name" ] && [ -z "${H[${name,,}]+set}" ] && H[${name,,}]=${value%$'\r'}
  done <"$WORK/h"
}
hdr() { printf '%s' "${H[$1]-}"; }
no_secret() { ! grep -aqF -f "$WORK/markers" "$WORK/body" "$WORK/h"; }
# every answer of /public/ carries these
sec_headers() {
  [ "${H[x-content-type-options]-}" = nosniff ] && [ "${H[x-frame-options]-}" = SAMEORIGIN ] &&
    [ "${H[referrer-policy]-}" = strict-origin-when-cross-origin ]
}
# refused PATH: 404 "404 not found", security headers, no secret, directly and through nginx, both
# hosts
refused() {
  local p=$1 base host bad=""
  for base in "$url" "$nurl"; do
    for host in a.test b.test; do
      req "$base" "$host" "$p"
      if [ "$code" != 404 ] || [ "$(cat "$WORK/body")" != "404 not found" ] || ! no_secret || ! sec_headers; then
        bad="$bad ${base##*:}/$host=$code"
      fi
    done
  done
  check "refused: $p (404, nothing more, 4 ways)${bad:+; bad:$bad}" [ -z "$bad" ]
}

# --- what public/ holds is served, to its own site ---
for s in a b; do
  up=$(tr a-z A-Z <<<"$s")
  for base in "$url" "$nurl"; do
    via=$([ "$base" = "$url" ] && echo directly || echo "via nginx")
    req "$base" "$s.test" /public/hello.txt
    check "$s.test $via: /public/hello.txt is 200 with its own site's file ($code)" \
      sh -c "[ '$code' = 200 ] && cmp -s '$WORK/body' '$WORK/$s/public/hello.txt'"
    check "$s.test $via: with the security headers" sec_headers
    check "$s.test $via: Cache-Control is public_max_age's ($(hdr cache-control))" \
      [ "$(hdr cache-control)" = "public, max-age=120" ]
    req "$base" "$s.test" "/public/only-$s.txt"
    check "$s.test $via: its only-$s.txt is 200 ($code)" sh -c "[ '$code' = 200 ] && grep -q 'only in $s' '$WORK/body'"
    o=$([ $s = a ] && echo b || echo a)
    req "$base" "$s.test" "/public/only-$o.txt"
    check "$s.test $via: the other site's only-$o.txt is 404 ($code)" \
      sh -c "[ '$code' = 404 ] && ! grep -q 'only in' '$WORK/body'"
    req "$base" "$s.test" /public/hello.txt?v=3
    check "$s.test $via: a query string changes nothing ($code)" sh -c "[ '$code' = 200 ] && grep -q 'MARK-$up-HELLO' '$WORK/body'"
  done
done
req "$url" other.test /public/hello.txt
check "an unknown Host gets the first site's public/ ($code)" sh -c "[ '$code' = 200 ] && grep -q MARK-A-HELLO '$WORK/body'"
req "$url" B.TEST:8080 /public/hello.txt
check "the Host picks the site case aside, port ignored ($code)" grep -q MARK-B-HELLO "$WORK/body"

# spellings of the same file are the same file
for p in /public//hello.txt /%70ublic/hello.txt /public/hell%6F.txt //public/./hello.txt; do
  req "$url" b.test "$p"
  case $p in
  */./*) check "$p: a . segment is a 400 ($code)" [ "$code" = 400 ] ;;
  *) check "$p: decoded and normalised, B's hello.txt ($code)" sh -c "[ '$code' = 200 ] && grep -q MARK-B-HELLO '$WORK/body'" ;;
  esac
done

# --- content types ---
for t in "hello.txt:text/plain; charset=utf-8" "style.css:text/css; charset=utf-8" \
  "app.js:text/javascript; charset=utf-8" "mod.mjs:text/javascript; charset=utf-8" \
  "data.json:application/json" "logo.svg:image/svg+xml" "img.png:image/png" "font.woff2:font/woff2" \
  "blob.xyz:application/octet-stream" "medium.bin:application/octet-stream"; do
  f=${t%%:*} want=${t#*:}
  req "$url" a.test "/public/$f"
  check "/public/$f: 200, Content-Type $(hdr content-type)" sh -c "[ '$code' = 200 ] && [ '$(hdr content-type)' = '$want' ] && cmp -s '$WORK/body' '$WORK/a/public/$f'"
done

# --- HEAD: the GET's headers and length, no body ---
for f in hello.txt img.png medium.bin; do
  req "$url" a.test "/public/$f"
  glen=$(hdr content-length) gsize=$size getag=$(hdr etag)
  req "$url" a.test "/public/$f" -I
  check "HEAD /public/$f: 200, Content-Length $(hdr content-length) = GET's $glen = its $gsize bytes, the same ETag" \
    sh -c "[ '$code' = 200 ] && [ '$(hdr content-length)' = '$glen' ] && [ '$glen' = '$gsize' ] && [ '$gsize' = $(stat -c %s "$WORK/a/public/$f") ] && [ '$(hdr etag)' = '$getag' ]"
done
req "$url" a.test /public/nope.txt -I
check "HEAD of a missing file: 404 ($code)" [ "$code" = 404 ]
check "  with the security headers" sec_headers
# no body really follows a HEAD: a GET pipelined behind it on one connection starts right after
# the HEAD's headers (a body sent anyway would be read as the GET's answer)
python3 - "$port" >"$WORK/pipelined" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"HEAD /public/medium.bin HTTP/1.1\r\nHost: a.test\r\n\r\n"
          b"GET /public/hello.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, rest = data.split(b"\r\n\r\n", 1)
print(head.split(b"\r\n")[0].decode(), "|", rest[:15].decode("latin-1"), "|", rest.split(b"\r\n\r\n", 1)[-1].decode("latin-1").strip())
PY
check "HEAD then GET on one connection: nothing between them ($(cat "$WORK/pipelined"))" \
  grep -q '^HTTP/1.1 200 OK | HTTP/1.1 200 OK | MARK-A-HELLO' "$WORK/pipelined"

# --- validators: ETag / If-None-Match, Last-Modified / If-Modified-Since ---
for base in "$url" "$nurl"; do
  via=$([ "$base" = "$url" ] && echo directly || echo "via nginx")
  req "$base" a.test /public/style.css
  etag=$(hdr etag) lm=$(hdr last-modified)
  check "$via: a file has an ETag ($etag) and a Last-Modified ($lm)" sh -c "[ -n '$etag' ] && [ -n '$lm' ]"
  req "$base" a.test /public/style.css -H "If-None-Match: $etag"
  check "$via: If-None-Match with it: 304, no body ($code, $size bytes)" sh -c "[ '$code' = 304 ] && [ '$size' = 0 ]"
  check "$via: the 304 keeps the security headers and the ETag" sh -c "[ '$(hdr etag)' = '$etag' ] && [ '$(hdr x-content-type-options)' = nosniff ]"
  req "$base" a.test /public/style.css -H "If-None-Match: \"x\", W/$etag"
  check "$via: in a list, weak: 304 ($code)" [ "$code" = 304 ]
  req "$base" a.test /public/style.css -H 'If-None-Match: "0000000000000000"'
  check "$via: another ETag: 200 with the file ($code)" sh -c "[ '$code' = 200 ] && cmp -s '$WORK/body' '$WORK/a/public/style.css'"
  req "$base" a.test /public/style.css -H "If-Modified-Since: $lm"
  check "$via: If-Modified-Since its Last-Modified: 304 ($code)" [ "$code" = 304 ]
  req "$base" b.test /public/style.css -H "If-None-Match: $etag"
  check "$via: site A's ETag on site B's file: 200 ($code)" [ "$code" = 200 ]
done
req "$url" a.test /public/style.css
etag=$(hdr etag)
sleep 1.1
printf 'body { color: blue }\n' >"$WORK/a/public/style.css"
req "$url" a.test /public/style.css -H "If-None-Match: $etag"
check "the file changed: a new ETag, 200 with the new bytes ($code)" sh -c "[ '$code' = 200 ] && grep -q blue '$WORK/body' && [ '$(hdr etag)' != '$etag' ]"

# --- the traps in public/, one by one ---
for p in /public/.secret /public/.well-known/security.txt /public/sub/.hidden /public/%2esecret \
  /public/.well-known/ /public/sub/%2Ehidden; do
  refused "$p"
done
for p in /public /public/ /public/sub /public/sub/ /public/empty_dir /public/.well-known //public//; do
  refused "$p"
done
for p in /public/passwd /public/app/page.jsx /public/data/x.sqlite /public/env /public/abs-page.jsx \
  /public/cross.txt /public/big.bin /public/nope /public/sub/nope; do
  refused "$p"
done
for base in "$url" "$nurl"; do
  req "$base" a.test /public/inside.txt
  check "a symlink staying inside public/ is followed ($code${base#$url})" sh -c "[ '$code' = 200 ] && grep -q 'inner of a' '$WORK/body'"
  req "$base" b.test /public/inside-dir/inner.txt
  check "a directory symlink staying inside, on site b ($code${base#$url})" sh -c "[ '$code' = 200 ] && grep -q 'inner of b' '$WORK/body'"
done
# one answer for every refusal: a missing file's headers and body are a refused one's
req "$url" a.test /public/nope.txt
# (the Date header is the time of each reply: left out of the comparison)
sed 's/\r$//; /^[Dd]ate:/d' "$WORK/h" >"$WORK/h.missing"
cp "$WORK/body" "$WORK/body.missing"
for p in /public/passwd /public/.secret /public/sub /public/big.bin; do
  req "$url" a.test "$p"
  check "$p answers byte for byte as a missing file does" sh -c "sed 's/\r\$//; /^[Dd]ate:/d' '$WORK/h' | cmp -s - '$WORK/h.missing' && cmp -s '$WORK/body' '$WORK/body.missing'"
done
check "the log says why, without the server's paths: escapes" grep -q 'event=public_refused path=/public/passwd reason=escapes' "$WORK/serve.log"
check "  too_big, at warn" grep -q 'level=warn event=public_refused path=/public/big.bin reason=too_big' "$WORK/serve.log"
check "  dotfile" grep -q 'event=public_refused path=/public/.secret reason=dotfile' "$WORK/serve.log"
check "  directory" grep -q 'event=public_refused path=/public/sub reason=directory' "$WORK/serve.log"

# --- traversal: every spelling, every depth, each target, both hosts, directly and through nginx ---
# A spelling is how one step up is written (prefix: what goes first, once).
spellings=(
  "raw||../" "pct-lower||%2e%2e/" "pct-upper||%2E%2E/" "dot-pct||.%2e/" "pct-dot||%2e./"
  "slash-escaped||..%2f" "backslash-escaped||..%5c" "four-dots||....//" "double-encoded||%252e%252e/"
  "dot-prefixed|./|../" "double-slash|/|..//" "all-escaped||%2e%2e%2f" "overlong-utf8||%c0%ae%c0%ae/"
  "semicolon||..;/" "mixed-case||%2e%2E/" "dot-slash-dot||./../"
)
# down DEPTH ABS_TARGET: in $dn, the path from DEPTH levels above public/ down to ABS_TARGET
# (no forks: the matrix has thousands of paths)
down() {
  local a=$WORK/$site_name/public i
  for ((i = 0; i < $1; i++)); do a=${a%/*}; done
  dn=${2#"$a"/}
}
pub_depth=$(tr -cd / <<<"$WORK/a/public" | wc -c) # levels from public/ up to /
mkdir -p "$WORK/probe"
n=0
for site_name in a b; do
  : >"$WORK/probe/$site_name.list"
  for t in /etc/passwd data/x.sqlite app/page.jsx .env; do
    if [ "$t" = /etc/passwd ]; then
      depths="$pub_depth $((pub_depth + 1)) $((pub_depth + 2)) $((pub_depth + 4)) $((pub_depth + 8))"
      abs=/etc/passwd
    else
      depths="1 2 3 4 5"
      abs=$WORK/$site_name/$t
    fi
    for sp in "${spellings[@]}"; do
      name=${sp%%|*} rest=${sp#*|}
      prefix=${rest%%|*} step=${rest#*|}
      for d in $depths; do
        ups=""
        for ((i = 0; i < d; i++)); do ups="$ups$step"; done
        n=$((n + 1))
        down "$d" "$abs"
        printf '%s %s %s /public/%s%s%s\n' "$n" "$t" "$name" "$prefix" "$ups" "$dn" \
          >>"$WORK/probe/$site_name.list"
      done
    done
  done
  # a control: the probe itself must be able to see a file served
  n=$((n + 1))
  printf '%s control control /public/hello.txt\n' "$n" >>"$WORK/probe/$site_name.list"
done
check "the matrix: $(wc -l <"$WORK/probe/a.list") paths per site ($((${#spellings[@]})) spellings x 5 depths x 4 targets + a control)" \
  [ "$(wc -l <"$WORK/probe/a.list")" -ge $((7 * 5 * 4)) ]
# probe NAME BASE HOST LIST: one curl for every path of LIST; "n code" lines in NAME.codes
probe() {
  local out=$WORK/probe/$1 cfg=$WORK/probe/$1.cfg
  mkdir -p "$out"
  : >"$cfg"
  while read -r i _ _ p; do
    printf 'url = "%s%s"\noutput = "%s/%s"\n' "$2" "$p" "$out" "$i" >>"$cfg"
  done <"$4"
  curl -s --path-as-is --connect-timeout 2 --max-time 5 -H "Host: $3" -w '%{filename_effective} %{http_code}\n' -K "$cfg" |
    sed "s#^$out/##" >"$WORK/probe/$1.codes"
}
for site_name in a b; do
  for base in "$url" "$nurl"; do
    via=$([ "$base" = "$url" ] && echo direct || echo nginx)
    for host in a.test b.test; do
      probe "$site_name-$via-$host" "$base" "$host" "$WORK/probe/$site_name.list"
    done
  done
done
# judge: per target and spelling, every depth, both hosts, both ways in: 400 or 404 (a missing
# answer is neither), and no secret's marker in the body
for site_name in a b; do
  : >"$WORK/probe/$site_name.bad"
  for f in "$WORK"/probe/$site_name-*.codes; do
    k=$(basename "$f" .codes)
    grep -laF -f "$WORK/markers" "$WORK/probe/$k"/* | sed 's#.*/##' >"$WORK/probe/$k.leaks"
    awk -v k="${k#"$site_name"-}" 'FILENAME ~ /leaks$/ { leak[$1] = 1; next }
      FILENAME ~ /codes$/ { code[$1] = $2; next }
      $2 != "control" && ((code[$1] != 400 && code[$1] != 404) || ($1 in leak)) { print $2, $3, k ":" code[$1] ":" $4 }' \
      "$WORK/probe/$k.leaks" "$f" "$WORK/probe/$site_name.list" >>"$WORK/probe/$site_name.bad"
  done
  while read -r t name; do
    bad=$(awk -v t="$t" -v s="$name" '$1 == t && $2 == s { printf " %s", $3 }' "$WORK/probe/$site_name.bad")
    check "traversal to $site_name's $t, $name: 20 tries, none through${bad:+; through:$bad}" [ -z "$bad" ]
  done < <(awk '$2 != "control" { print $2, $3 }' "$WORK/probe/$site_name.list" | sort -u)
  for f in "$WORK"/probe/$site_name-*.codes; do
    k=$(basename "$f" .codes)
    i=$(awk '$2 == "control" { print $1 }' "$WORK/probe/$site_name.list")
    c=$(awk -v i="$i" '$1 == i { print $2 }' "$f")
    want=$(tr a-z A-Z <<<"${k##*-}" | cut -c1)
    check "the probe's control in $k: 200 with that host's hello.txt ($c)" \
      sh -c "[ '$c' = 200 ] && grep -q 'MARK-$want-HELLO' '$WORK/probe/$k/$i'"
  done
done
check "no answer names a server path ($WORK)" sh -c "! grep -rlaF '$WORK' '$WORK'/probe/*-*/ >/dev/null"

# --- special files last: a server that opened them would hang on them (a FIFO with no writer) or
# read for ever (/dev/zero), and every check after would time out ---
# a FIFO under fire: 16 requests at once, and a page and a protocol render meanwhile
for p in /about /public/hello.txt; do curl -s -o /dev/null -H 'Host: a.test' "$url$p"; done # warm
fifo_pids=()
for i in $(seq 1 16); do
  curl -s --path-as-is --max-time 8 -o "$WORK/fifo.$i" -w '%{http_code} %{time_total}' -H 'Host: a.test' \
    "$url/public/fifo" >"$WORK/fifo.$i.code" &
  fifo_pids+=($!)
done
t0=$(date +%s%N)
pcode=$(curl -s --max-time 5 -H 'Host: a.test' -o "$WORK/page.html" -w '%{http_code}' "$url/about?during-fifo")
t1=$(date +%s%N)
"$SSRD" render --connect "$ipc" /about >"$WORK/render.out" 2>"$WORK/render.err"
rrc=$?
t2=$(date +%s%N)
check "while the FIFO is hit, a page answers in $(((t1 - t0) / 1000000)) ms" \
  sh -c "[ '$pcode' = 200 ] && [ $(((t1 - t0) / 1000000)) -lt 3000 ] && grep -q SITE-A-ABOUT '$WORK/page.html'"
check "and a protocol render in $(((t2 - t1) / 1000000)) ms" \
  sh -c "[ $rrc = 0 ] && [ $(((t2 - t1) / 1000000)) -lt 3000 ] && grep -q SITE-A-ABOUT '$WORK/render.out'"
wait "${fifo_pids[@]}"
slow=0 not404=0
for i in $(seq 1 16); do
  read -r c tt <"$WORK/fifo.$i.code"
  [ "$c" = 404 ] || not404=$((not404 + 1))
  awk -v t="$tt" 'BEGIN { exit !(t < 3) }' || slow=$((slow + 1))
done
check "each of the 16 FIFO requests is a 404 at once (not 404: $not404, slower than 3 s: $slow)" \
  [ "$not404$slow" = 00 ]
check "afterwards pages are served" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: b.test' '$url/about')\" = 200 ]"
check "and protocol renders" sh -c "'$SSRD' render --connect '$ipc' /about | grep -q SITE-A-ABOUT"
check "and public files" sh -c "curl -s -H 'Host: b.test' '$url/public/hello.txt' | grep -q MARK-B-HELLO"
refused /public/fifo
refused /public/zero
for p in /public/fifo /public/zero; do
  req "$url" a.test "$p"
  check "$p answers byte for byte as a missing file does" sh -c "sed 's/\r\$//; /^[Dd]ate:/d' '$WORK/h' | cmp -s - '$WORK/h.missing' && cmp -s '$WORK/body' '$WORK/body.missing'"
done
check "the log says why: fifo" grep -q 'event=public_refused path=/public/fifo reason=fifo' "$WORK/serve.log"
check "  escapes, for a symlink to /dev/zero" grep -q 'event=public_refused path=/public/zero reason=escapes' "$WORK/serve.log"

# --- public_dotfiles = 1: dotfiles served; everything else still refused ---
port2=$(free_port)
url2="http://127.0.0.1:$port2"
"$SSRD" serve --config "$WORK/ssrd.conf" --http "$url2" --ipc "" --public-dotfiles 1 >"$WORK/serve2.log" 2>&1 &
pid2=$!
cleanup_hooks+=("kill $pid2 2>/dev/null")
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url2/healthz" && break; sleep 0.1; done
req "$url2" b.test /public/.well-known/security.txt
check "public_dotfiles = 1: .well-known/security.txt is served ($code)" sh -c "[ '$code' = 200 ] && grep -q MARK-B-WELLKNOWN '$WORK/body'"
for p in /public/env /public/passwd /public/data/x.sqlite /public/fifo /public/.well-known; do
  req "$url2" a.test "$p"
  check "public_dotfiles = 1: $p still refused ($code)" sh -c "[ '$code' = 404 ] && ! grep -aqF -f '$WORK/markers' '$WORK/body'"
done
kill -TERM $pid2
wait $pid2

kill -TERM $pid
wait $pid
check "SIGTERM stops the daemon with exit 0" [ $? = 0 ]
kill -QUIT "$npid"
wait "$npid" 2>/dev/null
finish
