#!/usr/bin/env bash
# Benchmark (not a test): the WASM module (build/wasm/dist) in Node and in
# headless Chromium beside the native kyso CLI, on signed Vietnamese PDFs of
# about 1, 10 and 50 MB (bench/wasm/inputs.sh): module load+instantiate,
# verify, prepare+finish, peak memory; medians of BENCH_RUNS runs and the
# ratios to native.
#
#   bench/wasm/run.sh [BUILD_DIR]       (default build/)
#
# Environment: BENCH_RUNS (default 7), BENCH_DIR (work dir to keep; default
# a temp dir removed at exit), BENCH_CHROMIUM (default /usr/bin/chromium).
#
# What is compared:
#   verify   kyso verify FILE --no-default-trust --trust root.pem (one
#            process: start, read, verify, print the Vietnamese text)
#            against kyso.verify (JSON and Vietnamese text) of the same
#            bytes; both run every check and say TOTAL_PASSED (the files
#            carry a DSS).
#   sign     kyso sign --p12 (one process: start, read, P12, sign, write)
#            against kyso.prepare + kyso.finish; the RSA signing between
#            them is done by the bench driver (node:crypto) and not
#            counted, as it is the token's work in a page.
# Targets (issue 5): load+instantiate <= 150 ms; verify in the browser <=
# 2x native for 10 MB; prepare+finish <= 2x native.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/bench/wasm
build=$(cd "${1:-$repo/build}" && pwd)
dist=$build/wasm/dist
[ -f "$dist/kyso.wasm" ] || { echo "no WASM module in $dist (build with KYSO_BUILD_WASM)" >&2; exit 1; }
# shellcheck source=../lib/setup.sh
. "$repo/bench/lib/setup.sh" "$build/cli/kyso"
# shellcheck source=inputs.sh
. "$here/inputs.sh"
SIZES="1 10 50"

if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund >/dev/null) || { echo "npm ci failed in bench/wasm" >&2; exit 1; }
fi

echo "== inputs: 10 and 500 pages beside the 100-page one, signed (P12) with a DSS"
PKI_DIR=$(pki_dir)
pki_bad_setup "$PKI_DIR"
wasm_bench_pdf "$W/pages" 10 "$W/in-1.pdf"
cp -- "$W/big.pdf" "$W/in-10.pdf"
wasm_bench_pdf "$W/pages" 500 "$W/in-50.pdf"
for s in $SIZES; do
  wasm_bench_sign "$W/in-$s.pdf" "$W/signed-$s.pdf"
  echo "$s MB: $(pdfinfo "$W/in-$s.pdf" | awk '/^Pages:/ { print $2 }') pages," \
    "input $(stat -c %s "$W/in-$s.pdf") bytes, signed $(stat -c %s "$W/signed-$s.pdf") bytes"
done
printf '%s' "$PKI_P12_PASS" >"$W/p12pass"

verify_cmd() { echo "'$KYSO' verify '$W/signed-$1.pdf' --no-default-trust --trust '$PKI_DIR/root.pem'"; }
sign_cmd() {
  echo "'$KYSO' sign --in '$W/in-$1.pdf' --out '$W/native-out.pdf' --p12 '$PKI_DIR/person-rsa2048.p12'" \
    "--pin-file '$W/p12pass' --chain '$PKI_DIR/chain.pem'"
}

echo "== sanity: the native CLI says TOTAL_PASSED on every signed file"
for s in $SIZES; do
  eval "$(verify_cmd "$s") --json" >"$W/report-$s.json" ||
    { echo "kyso verify of signed-$s.pdf is not TOTAL_PASSED (exit $?)" >&2; exit 1; }
done

echo "== native ($RUNS runs each)"
for s in $SIZES; do
  hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$W/native-$s.json" \
    --prepare "rm -f '$W/native-out.pdf'" \
    -n verify "$(verify_cmd "$s") >/dev/null" -n sign "$(sign_cmd "$s") >/dev/null"
  rm -f "$W/native-out.pdf"
  {
    /usr/bin/time -f %M bash -c "$(verify_cmd "$s") >/dev/null" 2>&1 | tail -n 1
    /usr/bin/time -f %M bash -c "$(sign_cmd "$s") >/dev/null" 2>&1 | tail -n 1
  } | tr '\n' ' ' >"$W/native-rss-$s.txt"
  rm -f "$W/native-out.pdf"
done

echo "== node ($(node --version), $RUNS runs each)"
for s in $SIZES; do
  /usr/bin/time -f %M -o "$W/node-rss-$s.txt" \
    node "$here/bench_node.mjs" "$dist" "$W/signed-$s.pdf" "$W/in-$s.pdf" "$PKI_DIR" "$RUNS" >"$W/node-$s.json"
done

echo "== chromium ($(${BENCH_CHROMIUM:-/usr/bin/chromium} --version 2>/dev/null), $RUNS runs each, a fresh profile per size)"
cases=()
for s in $SIZES; do cases+=("$s:signed-$s.pdf:in-$s.pdf"); done
node "$here/bench_browser.mjs" "$dist" "$W" "$PKI_DIR" "$RUNS" "${cases[@]}" >"$W/chromium.json"

# shellcheck disable=SC2086 # a list of sizes
node "$here/summary.mjs" "$W" $SIZES
