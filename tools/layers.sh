#!/usr/bin/env bash
# Checks the include graph of src/: no cycle between modules, and no folder including from a
# folder above it. A module is a .c with its .h and any private _impl.h (src/render/pool.c,
# pool.h and pool_impl.h are the module render/pool). tools/test.sh runs it first.
#   bash tools/layers.sh           check; exit 1 with the offending includes
#   bash tools/layers.sh --graph   print the module edges ("from to"), lowest folder first
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/src"

# The folders, lowest first, as CMakeLists.txt lists them (SSRD_LAYERS): each includes
# only from itself and the folders before it.
read -r -a layers < <(sed -n 's/^set(SSRD_LAYERS \(.*\))$/\1/p' "$top/CMakeLists.txt")
[ "${#layers[@]}" -gt 0 ] || { echo "[layers] error: no set(SSRD_LAYERS ...) line in CMakeLists.txt" >&2; exit 1; }

rank() {
  local i
  for i in "${!layers[@]}"; do
    [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }
  done
  echo -1
}
module() { # path relative to src/ -> module name
  local m=${1%.*}
  echo "${m%_impl}"
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=0
while IFS= read -r file; do
  from=$(module "$file")
  from_rank=$(rank "${file%%/*}")
  if [ "$from_rank" -lt 0 ]; then
    echo "[layers] error: src/$file is in a folder tools/layers.sh does not know (${file%%/*}/); add it to SSRD_LAYERS in CMakeLists.txt" >&2
    bad=1
    continue
  fi
  while IFS= read -r inc; do
    to=$(module "$inc")
    [ "$to" = "$from" ] && continue
    to_rank=$(rank "${inc%%/*}")
    if [ "$to_rank" -lt 0 ] || [ ! -f "$inc" ]; then
      echo "[layers] error: src/$file includes \"$inc\", which is not a file of src/<folder>/" >&2
      bad=1
    elif [ "$to_rank" -gt "$from_rank" ]; then
      echo "[layers] error: src/$file includes \"$inc\": ${file%%/*}/ is below ${inc%%/*}/ (order: ${layers[*]})" >&2
      bad=1
    fi
    echo "$from $to" >>"$edges"
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find . -name '*.[ch]' -o -name '*.cc' | sed 's|^\./||' | sort)

sort -u -o "$edges" "$edges"
if [ "${1:-}" = "--graph" ]; then
  cat "$edges"
  exit "$bad"
fi
if ! tsort "$edges" >/dev/null 2>"$edges.loops"; then
  echo "[layers] error: the modules include each other in a circle:" >&2
  # tsort prints each loop as a heading line and then its members, one per line.
  awk '/input contains a loop/ { if (c) print "  " c; c = ""; next }
       { sub(/^tsort: /, ""); c = c ? c " -> " $0 : $0 }
       END { if (c) print "  " c }' "$edges.loops" >&2
  bad=1
fi
rm -f "$edges.loops"
if [ "$bad" -ne 0 ]; then
  echo "[layers] fix: move the shared part down a folder, or into its own header (see README, Layout of the code)" >&2
  exit 1
fi
echo "[layers] $(cut -d' ' -f1 "$edges" | sort -u | wc -l) modules, $(wc -l <"$edges") includes between them: no cycle, every folder includes downwards (${layers[*]})"
