#!/usr/bin/env bash
# e2e: built layers are cached on disk with a SQLite manifest. A warm restart starts no
# compiler; a truncated, corrupted or foreign cache file, a corrupt manifest and a changed
# source are each noticed and rebuilt, and the page is always the right one.
. "$(dirname "$0")/lib.sh"
C="$WORK/cache"
cp -r "$SRC/js/demo" "$WORK/site"
R() { "$SSRD" render-local /products --site "$WORK/site" --cache-dir "$C" --log-level info "$@" >"$WORK/out" 2>"$WORK/err"; }
# The demo's pages, counted from its tree: base + snapshot + the shell's file list (what the
# layout imports, which pages take from the shell) + shell + one delta each.
npages=$(find "$WORK/site/app" \( -name 'page.jsx' -o -name 'not-found.jsx' \) | wc -l)
nlayers=$((npages + 4))
launches() { sed -nE 's/.*compiler_launches=([0-9]+).*/\1/p' "$WORK/err"; }
# The file of a layer, from the manifest: page_js app/products/page.jsx
page_js() { sqlite3 "$C/manifest.sqlite" "select file from layer where name like 'page:%:$1'"; }

check "cold start renders" R
cp "$WORK/out" "$WORK/want.html"
check "cold start builds base, snapshot, shell files, shell and $npages pages" [ "$(launches)" = "$nlayers" ]
check "cold start made a snapshot" grep -q 'event=layer name=snapshot:base source=ssrd-snapshot-make' "$WORK/err"
check "the worker started from it" grep -q 'event=worker_ready worker=0 sites=1 from_snapshot=1' "$WORK/err"
check "the manifest exists" test -s "$C/manifest.sqlite"
check "the manifest records the $nlayers layers" [ "$(sqlite3 "$C/manifest.sqlite" 'select count(*) from layer')" = "$nlayers" ]
check "the products page delta is small" [ "$(stat -c %s "$(page_js app/products/page.jsx)")" -lt 20000 ]
check "the manifest records the page's source as an input" \
  sh -c "sqlite3 '$C/manifest.sqlite' 'select path from layer_input' | grep -q '/site/app/products/page.jsx$'"

# Two processes starting cold on one cache directory build each layer once between them.
C2="$WORK/cache2"
"$SSRD" render-local /products --site "$WORK/site" --cache-dir "$C2" --log-level info >"$WORK/out1" 2>"$WORK/err1" &
p1=$!
"$SSRD" render-local /products --site "$WORK/site" --cache-dir "$C2" --log-level info >"$WORK/out2" 2>"$WORK/err2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two cold starts at once both render" [ "$r1$r2" = 00 ]
check "both pages are right" sh -c "cmp -s '$WORK/out1' '$WORK/want.html' && cmp -s '$WORK/out2' '$WORK/want.html'"
l1=$(sed -nE 's/.*compiler_launches=([0-9]+).*/\1/p' "$WORK/err1")
l2=$(sed -nE 's/.*compiler_launches=([0-9]+).*/\1/p' "$WORK/err2")
check "each layer was built once between them ($l1 + $l2)" [ $((l1 + l2)) = "$nlayers" ]

check "warm start renders" R
check "warm start starts no compiler" [ "$(launches)" = 0 ]
check "warm start reads all $nlayers layers from the cache" [ "$(grep -c 'event=layer name=.* source=cache' "$WORK/err")" = "$nlayers" ]
check "warm start output is identical" cmp -s "$WORK/out" "$WORK/want.html"

# A truncated bundle is caught by its length and checksum, and rebuilt.
truncate -s 100 "$(page_js app/products/page.jsx)"
check "truncated page delta: still renders" R
check "truncated page delta: rebuilt, only it" [ "$(launches)" = 1 ]
check "truncated page delta: reason logged" grep -q 'layer_stale name=page:.*app/products/page.jsx reason="checksum mismatch"' "$WORK/err"
check "truncated page delta: output identical" cmp -s "$WORK/out" "$WORK/want.html"

# One flipped byte, same length.
printf 'X' | dd of="$C/base.js" bs=1 seek=5000 conv=notrunc 2>/dev/null
check "corrupted base bundle: still renders" R
check "corrupted base bundle: rebuilt" [ "$(launches)" = 1 ]
check "corrupted base bundle: output identical" cmp -s "$WORK/out" "$WORK/want.html"

# A corrupted source map.
printf 'garbage' >"$(page_js app/products/page.jsx).map"
check "corrupted source map: still renders" R
check "corrupted source map: rebuilt" [ "$(launches)" = 1 ]
check "corrupted source map: reason logged" grep -q 'source map checksum mismatch' "$WORK/err"

# V8 code caches: made on first use, used by the next start, never trusted when damaged.
RD() { "$SSRD" render-local /products --site "$WORK/site" --cache-dir "$C" --log-level debug >"$WORK/out" 2>"$WORK/err"; }
shell_js=$(sqlite3 "$C/manifest.sqlite" "select file from layer where name like 'shell:%'")
check "the shell's code cache was written" test -s "$shell_js.v8cache"
check "the page's code cache was written" test -s "$(page_js app/products/page.jsx).v8cache"
check "the next start uses them" RD
check "shell code cache used" grep -q "event=code_cache_used path=$shell_js" "$WORK/err"
check "page code cache used" grep -q 'event=code_cache_used path=.*page-' "$WORK/err"
check "with the same page" cmp -s "$WORK/out" "$WORK/want.html"
printf 'X' | dd of="$shell_js.v8cache" bs=1 seek=100 conv=notrunc 2>/dev/null
check "a damaged code cache: still renders" RD
check "a damaged code cache is not handed to V8" grep -q "event=code_cache_ignored path=$shell_js.v8cache" "$WORK/err"
check "and is written anew" grep -q "event=code_cache_saved path=$shell_js" "$WORK/err"
check "a damaged code cache: same page" cmp -s "$WORK/out" "$WORK/want.html"

# The snapshot is deterministic: made again from the same base, it is the same bytes.
sha_before=$(sha256sum "$C/base.snapshot" | cut -d' ' -f1)
rm "$C/base.snapshot"
check "missing snapshot: still renders" R
check "missing snapshot: made again, alone" [ "$(launches)" = 1 ]
check "missing snapshot: byte-identical to the first" [ "$(sha256sum "$C/base.snapshot" | cut -d' ' -f1)" = "$sha_before" ]
printf 'X' | dd of="$C/base.snapshot" bs=1 seek=4096 conv=notrunc 2>/dev/null
check "corrupted snapshot: still renders" R
check "corrupted snapshot: rebuilt" grep -q 'layer_stale name=snapshot:base reason="checksum mismatch"' "$WORK/err"
check "corrupted snapshot: output identical" cmp -s "$WORK/out" "$WORK/want.html"
check "without the snapshot: same output" R --snapshot 0
check "without the snapshot: identical" cmp -s "$WORK/out" "$WORK/want.html"
check "without the snapshot: the worker evaluated the base" grep -q 'from_snapshot=0' "$WORK/err"

# A foreign entry: another ssrd version or other settings give another key.
sqlite3 "$C/manifest.sqlite" "update layer set key = 42 where name = 'base'"
check "foreign base entry: still renders" R
check "foreign base entry: rebuilt" grep -q 'layer_stale name=base reason="built by another version or with other settings"' "$WORK/err"
check "foreign base entry: output identical" cmp -s "$WORK/out" "$WORK/want.html"

# A manifest that is not a database at all is set aside and remade.
printf 'this is not sqlite%.0s' $(seq 1 200) >"$C/manifest.sqlite"
rm -f "$C/manifest.sqlite-wal" "$C/manifest.sqlite-shm"
check "corrupt manifest: still renders" R
check "corrupt manifest: reset logged" grep -q 'event=manifest_reset' "$WORK/err"
check "corrupt manifest: output identical" cmp -s "$WORK/out" "$WORK/want.html"
check "corrupt manifest: the next start renders" R
check "corrupt manifest: the next start is warm again" [ "$(launches)" = 0 ]

# Touching a source without changing it rebuilds nothing (the hash decides).
touch "$WORK/site/app/products/page.jsx"
check "touched source: renders" R
check "touched source: no compiler" [ "$(launches)" = 0 ]

# Changing a source rebuilds the site layer only, and the page shows the change.
sed -i 's/: "Products"}/: "All products"}/' "$WORK/site/app/products/page.jsx"
check "the fixture really changed" grep -q '"All products"' "$WORK/site/app/products/page.jsx"
check "changed source: renders" R
check "changed page: one launch (its delta)" [ "$(launches)" = 1 ]
check "changed page: reason names the file" grep -q 'layer_stale name=page:.*app/products/page.jsx reason="changed: .*app/products/page.jsx"' "$WORK/err"
check "changed page: the page shows the change" grep -q '<h1>All products</h1>' "$WORK/out"
cp "$WORK/out" "$WORK/want.html"

# Changing a shared component rebuilds the shell (and its file list) only: pages keep
# components external.
sed -i 's/Out of stock/Sold out/' "$WORK/site/components/ProductRow.jsx"
check "the component really changed" grep -q 'Sold out' "$WORK/site/components/ProductRow.jsx"
check "changed component: renders" R
check "changed component: two launches (the shell, its file list)" [ "$(launches)" = 2 ]
check "changed component: the shell was rebuilt" grep -q 'layer_stale name=shell:.* reason="changed: .*components/ProductRow.jsx"' "$WORK/err"
check "changed component: the page shows it" grep -q 'Sold out' "$WORK/out"

# A syntax error in one page takes down that route alone.
printf 'export default function About() {\n  return <p>broken;\n}\n' >"$WORK/site/app/about/page.jsx"
"$SSRD" render-local /about --site "$WORK/site" --cache-dir "$C" >"$WORK/out" 2>"$WORK/err"
check "broken page: its route fails with exit 4" [ $? = 4 ]
check "broken page: the error names file, line and column" grep -q 'app/about/page.jsx:2:' "$WORK/err"
check "broken page: other routes still render" R
check "broken page: and correctly" grep -q '<h1>All products</h1>' "$WORK/out"
finish
