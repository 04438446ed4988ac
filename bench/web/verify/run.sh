#!/usr/bin/env bash
# Benchmark (not a test): the verifier page in headless Chromium, from
# dropping a ~10 MB signed PDF (bench/lib/bigpdf.sh, 100 pages, signed with
# the person's P12 and given a /DSS, so every check runs and the verdict is
# TOTAL_PASSED) to the verdict shown; median of BENCH_RUNS runs, each in a
# freshly loaded page; beside the native `kyso verify` of the same file
# (hyperfine). Target (issue 6): verdict <= 1 s for 10 MB.
#
#   bench/web/verify/run.sh [BUILD_DIR]       (default build/)
#
# Environment: BENCH_RUNS (default 7), BENCH_DIR (work dir to keep),
# BENCH_WEB_DIR (the assembled pages; default BUILD_DIR/web),
# BENCH_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
here=$repo/bench/web/verify
build=$(cd "${1:-$repo/build}" && pwd)
web=${BENCH_WEB_DIR:-$build/web}
if [ ! -f "$web/verify.html" ] || [ ! -f "$web/wasm/kyso.wasm" ]; then
  echo "no assembled verifier page in $web (cmake --build $build)" >&2
  exit 1
fi
[ -d "$repo/tests/web/node_modules/playwright-core" ] ||
  (cd "$repo/tests/web" && npm ci --no-audit --no-fund >/dev/null) ||
  { echo "npm ci failed in tests/web" >&2; exit 1; }
# shellcheck source=../../lib/setup.sh
. "$repo/bench/lib/setup.sh" "$build/cli/kyso"
# shellcheck source=../../wasm/inputs.sh
. "$repo/bench/wasm/inputs.sh"

echo "== input: the 100-page PDF, signed (P12) with a DSS"
PKI_DIR=$(pki_dir)
pki_bad_setup "$PKI_DIR"
wasm_bench_sign "$W/big.pdf" "$W/signed.pdf"
echo "$(pdfinfo "$W/signed.pdf" | awk '/^Pages:/ { print $2 }') pages, $(stat -c %s "$W/signed.pdf") bytes"
verify="'$KYSO' verify '$W/signed.pdf' --no-default-trust --trust '$PKI_DIR/root.pem'"
eval "$verify --json" >"$W/report.json" ||
  { echo "kyso verify of signed.pdf is not TOTAL_PASSED" >&2; exit 1; }

echo "== native kyso verify ($RUNS runs)"
hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$W/native.json" -n verify "$verify >/dev/null"

echo "== the verifier page in headless Chromium ($RUNS runs)"
node "$here/bench.mjs" "$web" "$W/signed.pdf" "$PKI_DIR/root.pem" "$RUNS" >"$W/page.json"

# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const fs = require("fs");
  const [nat, pg] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const native = median(nat.results[0].times) * 1000;
  const verdict = median(pg.verdictMs), pages = median(pg.pagesMs), mark = median(pg.markMs);
  if (pg.indication !== "TOTAL_PASSED") { console.error(`page verdict: ${pg.indication}`); process.exit(1); }
  const f = (ms) => `${ms.toFixed(0).padStart(6)} ms`;
  console.log("");
  console.log(`10 MB signed PDF, median of ${pg.runs} runs`);
  console.log(`  native kyso verify (process)         ${f(native)}`);
  console.log(`  page: drop -> verdict shown          ${f(verdict)}   (${(verdict / native).toFixed(1)}x native; target <= 1000 ms: ${verdict <= 1000 ? "met" : "NOT met"})`);
  console.log(`  page: its own marks file -> verdict  ${f(mark)}`);
  console.log(`  page: drop -> every page laid out    ${f(pages)}`);
  const st = (k) => median(pg.stages.map((s) => s[k]).filter((x) => x !== null));
  console.log(`  page stages, median ms from the drop: file read ${st("read").toFixed(0)}, copy ${st("copy").toFixed(0)}, hash (WebCrypto) ${st("hash").toFixed(0)},` +
    ` verify (WASM) ${st("verify").toFixed(0)}, done ${st("done").toFixed(0)}, verdict in the DOM ${st("verdict").toFixed(0)}`);
  console.log(`  runs (verdict, ms): ${pg.verdictMs.map((x) => x.toFixed(0)).join(" ")}`);
' "$W/native.json" "$W/page.json"
