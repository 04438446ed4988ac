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

prefix=$("$top/wasm/deps.sh")
emcmake cmake -S "$top/wasm" -B "$out/cmake" -DCMAKE_BUILD_TYPE=Release \
  -DKYSO_WASM_DEPS="$prefix" >/dev/null
cmake --build "$out/cmake" --parallel "$(nproc)"
mkdir -p "$out/dist"
cp "$out/cmake/kyso.js" "$out/cmake/kyso.wasm" "$top/wasm/js/kyso-wasm.js" \
  "$top/wasm/js/kyso-worker.js" "$out/dist/"
echo '{ "type": "module", "private": true }' >"$out/dist/package.json"
echo "wasm: $(stat -c %s "$out/dist/kyso.wasm") bytes, $(gzip -9c "$out/dist/kyso.wasm" | wc -c) gzipped"
