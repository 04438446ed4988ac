#!/usr/bin/env bash
# Assembles the static site in OUT (default build/web): everything a web
# server, the installed package or a file:// copy serves, with no build step
# beyond copying:
#   OUT/*           web/src (kyso.js, the verifier page, ...)
#   OUT/demo/       web/demo (the demo portal)
#   OUT/wasm/       the WASM module (build/wasm/dist)
#   OUT/vendor/pdfjs/  pdf.js from npm (web/package-lock.json), not committed
#   OUT/fonts/      Liberation Serif from Debian's fonts-liberation2
#
#   web/build.sh OUT WASM_DIST
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/web}
wasm=${2:-$top/build/wasm/dist}
pdfjs=$top/web/node_modules/pdfjs-dist

[ -f "$wasm/kyso.wasm" ] || { echo "web/build.sh: no WASM module in $wasm" >&2; exit 1; }
[ -d "$pdfjs/build" ] || { echo "web/build.sh: pdfjs-dist missing: npm ci --prefix web" >&2; exit 1; }

rm -rf -- "$out.new"
mkdir -p "$out.new/wasm" "$out.new/vendor/pdfjs" "$out.new/fonts"
cp -r "$top/web/src/." "$out.new/"
cp -r "$top/web/demo" "$out.new/demo"
cp "$wasm"/* "$out.new/wasm/"
cp -r "$pdfjs/build" "$pdfjs/LICENSE" "$out.new/vendor/pdfjs/" 2>/dev/null ||
  cp -r "$pdfjs/build" "$out.new/vendor/pdfjs/"
for d in cmaps standard_fonts wasm iccs web; do
  [ ! -d "$pdfjs/$d" ] || cp -r "$pdfjs/$d" "$out.new/vendor/pdfjs/"
done
font=/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
[ ! -f "$font" ] || cp "$font" "$out.new/fonts/"
rm -rf -- "$out"
mv -- "$out.new" "$out"
