#!/usr/bin/env bash
# Benchmark (not a test): a 20-document batch signed by the same page code
# (tests/extension/page, kyso.signPdfs) through the kyso extension (native
# messaging, one kyso-host process per request) and through kyso-host's
# websocket, same SoftHSM2 token, the scripted pinentry answering at once,
# headless Chromium with the extension loaded unpacked. Prints each road's
# throughput, the ratio (target >= 0.9x the websocket's) and the added ms
# per batch (target < 50 ms); see bench.mjs.
#
#   bench/extension/run.sh [BUILD_DIR]       (default build/)
#
# Environment: BENCH_ROUNDS (default 7), BENCH_BATCH (default 20), BENCH_DIR
# (work dir to keep), BENCH_WEB_DIR (default BUILD_DIR/web),
# BENCH_EXTENSION_DIR (default BUILD_DIR/extension/chromium),
# KYSO_HOST_PORT (19891), BENCH_WEB_PORT (19890).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/bench/extension
build=$(cd "${1:-$repo/build}" && pwd)
web=${BENCH_WEB_DIR:-$build/web}
ext=${BENCH_EXTENSION_DIR:-$build/extension/chromium}
ROUNDS=${BENCH_ROUNDS:-7}
BATCH=${BENCH_BATCH:-20}
[ -f "$web/kyso.js" ] && [ -f "$web/wasm/kyso.wasm" ] ||
  { echo "no assembled web/ in $web (cmake --build $build)" >&2; exit 1; }
[ -f "$ext/manifest.json" ] || { echo "no unpacked extension in $ext" >&2; exit 1; }
[ -d "$repo/tests/web/node_modules/playwright-core" ] ||
  (cd "$repo/tests/web" && npm ci --no-audit --no-fund >/dev/null) ||
  { echo "npm ci failed in tests/web" >&2; exit 1; }
export KYSO="$build/cli/kyso" KYSO_HOST="$build/native-host/kyso-host"
export KYSO_HOST_ASSEMBLE="$build/tests/host/host_assemble"
export KYSO_SCRIPTED_PINENTRY="$build/tests/host/scripted_pinentry"
export KYSO_TEST_TMP=${BENCH_DIR:-/tmp/kyso-bench-extension}
# Ports of their own (the F range of issue 14: tests 19880-19884).
export KYSO_HOST_PORT=${KYSO_HOST_PORT:-19891}
web_port=${BENCH_WEB_PORT:-19890}
# shellcheck source=../../tests/host/host_setup.sh
. "$repo/tests/host/host_setup.sh"
trap - ERR
host_setup
echo "allow_origin = http://localhost:$web_port" >>"$KYSO_HOST_CONF"
W=$TEST_TMP
export EXT_DIR=$ext PKI_PERSON_CN
EXT_ID=$(node -e 'const m = require(process.argv[1]);
  const h = require("crypto").createHash("sha256").update(Buffer.from(m.key, "base64")).digest("hex");
  process.stdout.write([...h.slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join(""));' \
  "$ext/manifest.json")
export EXT_ID
export NM_WRAPPER=$W/kyso-host-native
cat >"$NM_WRAPPER" <<SH
#!/bin/sh
exec '$KYSO_HOST' --config '$KYSO_HOST_CONF' "\$@" 2>>'$W/native-host.log'
SH
chmod 0755 "$NM_WRAPPER"
mkdir -p "$W/site"
for f in "$web"/*; do ln -sfn "$f" "$W/site/$(basename "$f")"; done
ln -sfn "$repo/tests/extension/page" "$W/site/ext-test"

node "$repo/web/serve.mjs" "$W/site" "$web_port" >"$W/serve.log" 2>&1 &
serve_pid=$!
host_start_ws
cleanup() {
  kill "$serve_pid" 2>/dev/null || true
  host_stop_ws
  if [ -n "${BENCH_DIR:-}" ]; then echo "work dir kept: $W"; else rm -rf -- "$W"; fi
}
trap cleanup EXIT
for _ in $(seq 1 50); do grep -q "kyso web:" "$W/serve.log" && break; sleep 0.1; done

: >"$KYSO_PINENTRY_ANSWERS" # empty: every dialog answered OK, then the PIN
node "$here/bench.mjs" "http://localhost:$web_port" "$ROUNDS" "$BATCH" "$FX/vn-chromium.pdf"
