#!/usr/bin/env bash
# Benchmark (not a test): signing in the demo portal, headless Chromium,
# from clicking "Ký" to the signed file ready (kyso.js: prepare in WASM,
# kyso-host over its websocket with the SoftHSM2 token and the scripted
# pinentry answering at once, finish in WASM), median of BENCH_RUNS runs,
# each in a freshly loaded page; beside the native `kyso sign` with the
# same token, the same image and rect (tests/lib/kyso.sh kyso_sign_token,
# one process per signature, PIN from a file: no dialog). Inputs: the
# 3-page tờ trình fixture and the ~10 MB, 100-page PDF (bench/lib/bigpdf.sh;
# BENCH_BIG=0 skips it).
#
#   bench/web/sign/run.sh [BUILD_DIR]       (default build/)
#
# Environment: BENCH_RUNS (default 7), BENCH_BIG (default 1), BENCH_DIR
# (work dir to keep), BENCH_WEB_DIR (default BUILD_DIR/web),
# BENCH_CHROMIUM (default /usr/bin/chromium), KYSO_HOST_PORT (18754),
# BENCH_WEB_PORT (18781).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
here=$repo/bench/web/sign
build=$(cd "${1:-$repo/build}" && pwd)
web=${BENCH_WEB_DIR:-$build/web}
RUNS=${BENCH_RUNS:-7}
[ -f "$web/demo/index.html" ] && [ -f "$web/wasm/kyso.wasm" ] ||
  { echo "no assembled demo portal in $web (cmake --build $build)" >&2; exit 1; }
[ -d "$repo/tests/web/node_modules/playwright-core" ] ||
  (cd "$repo/tests/web" && npm ci --no-audit --no-fund >/dev/null) ||
  { echo "npm ci failed in tests/web" >&2; exit 1; }
export KYSO="$build/cli/kyso" KYSO_HOST="$build/native-host/kyso-host"
export KYSO_HOST_ASSEMBLE="$build/tests/host/host_assemble"
export KYSO_SCRIPTED_PINENTRY="$build/tests/host/scripted_pinentry"
export KYSO_TEST_TMP=${BENCH_DIR:-/tmp/kyso-bench-web-sign}
# Ports of their own (bench/host 18751, tests 18750/18752/18753/18755).
export KYSO_HOST_PORT=${KYSO_HOST_PORT:-18754}
web_port=${BENCH_WEB_PORT:-18781}
# shellcheck source=../../../tests/host/host_setup.sh
. "$repo/tests/host/host_setup.sh"
trap - ERR
host_setup
echo "allow_origin = http://127.0.0.1:$web_port" >>"$KYSO_HOST_CONF"
W=$TEST_TMP

node "$repo/web/serve.mjs" "$web" "$web_port" >"$W/serve.log" 2>&1 &
serve_pid=$!
host_start_ws
cleanup() {
  kill "$serve_pid" 2>/dev/null || true
  host_stop_ws
  if [ -n "${BENCH_DIR:-}" ]; then echo "work dir kept: $W"; else rm -rf -- "$W"; fi
}
trap cleanup EXIT
for _ in $(seq 1 50); do grep -q "kyso web:" "$W/serve.log" && break; sleep 0.1; done

inputs=("$FX/vn-chromium.pdf")
if [ "${BENCH_BIG:-1}" != 0 ]; then
  echo "== building the 100-page input (Chromium)"
  # shellcheck source=../../lib/bigpdf.sh
  . "$repo/bench/lib/bigpdf.sh"
  bench_big_pdf "$W" "$W/big.pdf"
  inputs+=("$W/big.pdf")
fi

: >"$KYSO_PINENTRY_ANSWERS" # empty: every dialog answered OK, then the PIN
for in in "${inputs[@]}"; do
  name=$(basename "$in" .pdf)
  echo "== $name: native kyso sign ($RUNS runs)"
  native=()
  for i in $(seq 1 "$RUNS"); do
    t0=$(date +%s%N)
    kyso_sign_token "$TOKEN_PERSON" "$in" "$W/native-$i.pdf" --image "$FX/signature.png" \
      --page 1 --rect 340,80,180,70 --reason "Phê duyệt"
    t1=$(date +%s%N)
    [ "$RUN_STATUS" = 0 ] || { echo "kyso sign failed: $(cat "$RUN_ERR")" >&2; exit 1; }
    native+=($(((t1 - t0) / 1000)))
  done
  echo "== $name: the demo portal in headless Chromium ($RUNS runs)"
  node "$here/bench.mjs" "http://127.0.0.1:$web_port" "$KYSO_HOST_PORT" "$in" "$RUNS" >"$W/$name.json"
  node -e '
    const fs = require("fs");
    const pg = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const native = process.argv.slice(2).map((us) => Number(us) / 1000);
    const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    const f = (ms) => `${ms.toFixed(0).padStart(6)} ms`;
    const nat = median(native), page = median(pg.pageMs);
    console.log(`${pg.input} (${(pg.bytes / 1e6).toFixed(2)} MB), median of ${pg.runs} runs`);
    console.log(`  native kyso sign (process, PIN file)       ${f(nat)}`);
    console.log(`  page: click "Ký" -> signed file ready      ${f(page)}   (${(page / nat).toFixed(2)}x native)`);
    console.log(`    prepare (WASM)                           ${f(median(pg.prepareMs))}`);
    console.log(`    kyso-host: consent, PIN, token signs     ${f(median(pg.hostMs))}`);
    console.log(`    finish (WASM)                            ${f(median(pg.finishMs))}`);
    console.log(`  driver: click -> download link enabled     ${f(median(pg.driverMs))}`);
    console.log(`  runs (page, ms): ${pg.pageMs.map((x) => x.toFixed(0)).join(" ")}`);
    console.log(`  runs (native, ms): ${native.map((x) => x.toFixed(0)).join(" ")}`);
  ' "$W/$name.json" "${native[@]}"
done
