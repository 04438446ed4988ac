#!/usr/bin/env bash
# Builds the WASM module into OUT (default build/wasm): the libraries from
# wasm/deps.sh (cached), core/ with emcc, then the files a page or Node
# imports, in OUT/dist:
#   kyso-wasm.js    loadKyso(): the promise API (runs the module in a Worker)
#   kyso-worker.js  the Worker
#   kyso.js         Emscripten's module factory
#   kyso.wasm       the module
# Called by the top-level CMake build when emcc is installed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/wasm}
# Debian's emcc runs its JS optimizer on Debian's node-acorn.
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

# One build at a time per output directory (parallel cmake --build runs).
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

prefix=$("$top/wasm/deps.sh")
emcmake cmake -S "$top/wasm" -B "$out/cmake" -DCMAKE_BUILD_TYPE=Release \
  -DKYSO_WASM_DEPS="$prefix" >/dev/null
cmake --build "$out/cmake" --parallel "$(nproc)"
# Assembled beside dist and renamed into place: a reader never sees a
# half-copied module.
rm -rf -- "$out/dist.new"
mkdir -p "$out/dist.new"
cp "$out/cmake/kyso.js" "$out/cmake/kyso.wasm" "$top/wasm/js/kyso-wasm.js" \
  "$top/wasm/js/kyso-worker.js" "$out/dist.new/"
echo '{ "type": "module", "private": true }' >"$out/dist.new/package.json"
# The font of Decree 30 stamps (fonts-liberation2), read by the Worker only
# when a signature draws text; from Debian's package, never committed.
font=/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
if [ -f "$font" ]; then cp "$font" "$out/dist.new/"; fi
[ -s "$out/dist.new/kyso.wasm" ] || { echo "wasm: empty kyso.wasm" >&2; exit 1; }
rm -rf -- "$out/dist.old"
if [ -d "$out/dist" ]; then mv -- "$out/dist" "$out/dist.old"; fi
mv -- "$out/dist.new" "$out/dist"
rm -rf -- "$out/dist.old"
echo "wasm: $(stat -c %s "$out/dist/kyso.wasm") bytes, $(gzip -9c "$out/dist/kyso.wasm" | wc -c) gzipped"
