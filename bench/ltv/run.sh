#!/usr/bin/env bash
# Benchmark (not a test): long-term validation of the ~10 MB, 100-page PDF
# against the loopback responders of tests/lib/ltv_pki.sh (`openssl ocsp
# -port`, `openssl ts -reply` behind ltv_http.mjs), and the split of the
# time into signing, fetching (the network wait) and kyso's own LTV work.
#
#   bench/ltv/run.sh [KYSO_BINARY]
#
# Environment: KYSO (binary, default build/cli/kyso), BENCH_RUNS (default 7),
# BENCH_DIR (work dir to keep; default a temp dir removed at exit),
# KYSO_LTV_PORT_BASE (ports of the responders; default: the kernel's).
#
# Commands timed (hyperfine, medians), all with a PKCS#12 RSA-2048 signer
# whose certificate names the loopback OCSP/CRL/caIssuers URLs:
#   sign        kyso sign: PAdES B-B, no network
#   sign+tsa    kyso sign --tsa URL: B-T (one TSA request)
#   sign+lt     kyso sign --tsa URL --ltv --no-cache: B-LT in one command
#   ltv-cold    kyso ltv --no-cache on the B-T file: fetch + DSS + /VRI
#   ltv-warm    kyso ltv on the B-T file with every answer in the revocation
#               cache: no request at all (checked in the responders' log),
#               i.e. kyso's own LTV work (read, collect, judge the answers,
#               write DSS + /VRI) without the network wait
#   dss         kyso dss --ocsp x3 on the B-T file: the DSS writing alone
# Fetching (network wait) = ltv-cold - ltv-warm, and the sum of the per
# request times kyso logs ("kyso: fetch: ... N ms").
# Targets (issue 13): kyso's own work <= 50 ms; the DSS update <= 16 KB
# for a 3-certificate chain (signer, sub-CA, root) with OCSP.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/setup.sh
. "$repo/bench/lib/setup.sh" "$@"
# shellcheck source=../../tests/lib/ltv_pki.sh
. "$repo/tests/lib/ltv_pki.sh"
size=$(stat -c %s "$W/big.pdf")
echo "input: $(pdfinfo "$W/big.pdf" | awk '/^Pages:/ { print $2 }') pages, $size bytes"

echo "== loopback PKI and responders"
ltv_setup "$W/ltv"
# ltv_setup's exit trap ends in the tests' summary: the bench's own instead.
if [ -n "${BENCH_DIR:-}" ]; then
  trap 'ltv_stop_all; echo "work dir kept: $TEST_TMP"' EXIT
else
  trap 'ltv_stop_all; rm -rf -- "$TEST_TMP"' EXIT
fi
L=$LTV_DIR
net="--config '$LTV_CONF' --allow-loopback-urls --no-default-trust --trust '$L/root.pem' --trust '$L/tsaroot.pem'"
home=$W/home
mkdir -p "$home/.cache"
envs="env HOME='$home' XDG_CACHE_HOME='$home/.cache' http_proxy= https_proxy= no_proxy="
signer="--p12 '$L/good.p12' --pin-file '$LTV_PASS_FILE'"

c_sign="$envs '$KYSO' sign --in '$W/big.pdf' --out '$W/bb.pdf' $signer"
c_tsa="$envs '$KYSO' sign --in '$W/big.pdf' --out '$W/bt-run.pdf' $signer $net --tsa '$LTV_TSA_URL'"
c_lt="$envs '$KYSO' sign --in '$W/big.pdf' --out '$W/lt-run.pdf' $signer $net --tsa '$LTV_TSA_URL' --ltv --no-cache"
c_cold="$envs '$KYSO' ltv --in '$W/bt.pdf' --out '$W/lt-cold.pdf' $net --no-cache"
c_warm="$envs '$KYSO' ltv --in '$W/bt.pdf' --out '$W/lt-warm.pdf' $net"

echo "== sanity"
eval "$envs '$KYSO' sign --in '$W/big.pdf' --out '$W/bt.pdf' $signer $net --tsa '$LTV_TSA_URL'" 2>/dev/null
eval "$c_cold" 2>"$W/cold.log"
grep -q 'kyso: fetch: POST .*/ocsp/sub -> HTTP 200' "$W/cold.log" || { cat "$W/cold.log" >&2; echo "ltv fetched nothing" >&2; exit 1; }
cmp -s -n "$(stat -c %s "$W/bt.pdf")" "$W/bt.pdf" "$W/lt-cold.pdf" || { echo "kyso ltv output is not an incremental update" >&2; exit 1; }
"$KYSO" verify "$W/lt-cold.pdf" --no-default-trust --trust "$L/root.pem" --trust "$L/tsaroot.pem" >/dev/null ||
  { echo "the B-LT output does not verify offline" >&2; exit 1; }
# the cache, filled once (kyso ltv without --no-cache), then no request
eval "$c_warm" 2>/dev/null
before=$(wc -l <"$LTV_LOG")
eval "$c_warm" 2>"$W/warm.log"
[ "$(wc -l <"$LTV_LOG")" -eq "$before" ] || { echo "ltv with a warm cache still made requests" >&2; exit 1; }
grep -q 'cache hit' "$W/warm.log" || { cat "$W/warm.log" >&2; echo "no cache hit logged" >&2; exit 1; }
# the answers of the B-LT file, for kyso dss
node "$repo/tests/lib/ltv_dss.mjs" "$W/lt-cold.pdf" "$W/dss-items" >"$W/dss-items.txt"
dss_args=""
for f in "$W"/dss-items/ocsp-*.der; do dss_args="$dss_args --ocsp '$f'"; done
for f in "$W"/dss-items/cert-*.der; do [ -f "$f" ] && dss_args="$dss_args --cert '$f'"; done
c_dss="'$KYSO' dss --in '$W/bt.pdf' --out '$W/dss.pdf' $dss_args"
eval "$c_dss" 2>/dev/null
fetch_ms=$(awk '/^kyso: fetch: .* -> HTTP / { for (i = 1; i <= NF; i++) if ($(i + 1) == "ms,") s += $i } END { print s + 0 }' "$W/cold.log")
requests=$(grep -c '^kyso: fetch: .* -> HTTP ' "$W/cold.log" || true)
dss_bytes=$(($(stat -c %s "$W/lt-cold.pdf") - $(stat -c %s "$W/bt.pdf")))
dss_file_bytes=$(($(stat -c %s "$W/dss.pdf") - $(stat -c %s "$W/bt.pdf")))

echo "== timing ($RUNS runs each)"
hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$W/times.json" \
  --prepare "rm -f '$W/bb.pdf' '$W/bt-run.pdf' '$W/lt-run.pdf' '$W/lt-cold.pdf' '$W/lt-warm.pdf' '$W/dss.pdf'" \
  -n sign "$c_sign" -n sign+tsa "$c_tsa 2>/dev/null" -n sign+lt "$c_lt 2>/dev/null" \
  -n ltv-cold "$c_cold 2>/dev/null" -n ltv-warm "$c_warm 2>/dev/null" -n dss "$c_dss"

node - "$W/times.json" "$size" "$fetch_ms" "$requests" "$dss_bytes" "$dss_file_bytes" "$W/dss-items.txt" <<'EOF'
const fs = require("fs");
const [file, size, fetchMs, requests, dssBytes, dssFileBytes, items] = process.argv.slice(2);
const r = Object.fromEntries(JSON.parse(fs.readFileSync(file)).results.map((x) => [x.command, x]));
const ms = (s) => (s * 1000).toFixed(1).padStart(9);
console.log(`\ninput ${(size / 1048576).toFixed(2)} MiB, ${r.sign.times.length} runs each, loopback responders\n`);
console.log("command     median ms   min ms    max ms");
for (const n of ["sign", "sign+tsa", "sign+lt", "ltv-cold", "ltv-warm", "dss"])
  console.log(`${n.padEnd(10)} ${ms(r[n].median)} ${ms(r[n].min)} ${ms(r[n].max)}`);
const m = (n) => r[n].median * 1000;
const cpu = (n) => (r[n].user + r[n].system) * 1000;
const fetching = m("ltv-cold") - m("ltv-warm");
const ltvPart = m("sign+lt") - m("sign+tsa");
const own = ltvPart - fetching;
console.log("\nsplit of sign --tsa --ltv (medians, ms; cpu = mean user+system of the process):");
console.log(`  signing (sign, B-B)                ${m("sign").toFixed(1).padStart(8)}   cpu ${cpu("sign").toFixed(1)}`);
console.log(`  timestamp (sign+tsa - sign)        ${(m("sign+tsa") - m("sign")).toFixed(1).padStart(8)}`);
console.log(`  LTV part (sign+lt - sign+tsa)      ${ltvPart.toFixed(1).padStart(8)}`);
console.log(`    fetching (ltv-cold - ltv-warm)   ${fetching.toFixed(1).padStart(8)}` +
            `   (${requests} requests; the times kyso logs add up to ${fetchMs} ms)`);
console.log(`    kyso's own work (the rest)       ${own.toFixed(1).padStart(8)}` +
            `   target <= 50 ms: ${own <= 50 ? "met" : "NOT met"}`);
const ownCpu = cpu("sign+lt") - cpu("sign+tsa");
console.log(`    the same in CPU time (cpu sign+lt - cpu sign+tsa) ${ownCpu.toFixed(1)}` +
            `   (no network wait in it; steadier on a loaded machine): ${ownCpu <= 50 ? "met" : "NOT met"}`);
console.log(`  kyso ltv, warm cache, no request   ${m("ltv-warm").toFixed(1).padStart(8)}   cpu ${cpu("ltv-warm").toFixed(1)}` +
            "   (a whole process: start, read the input, collect, judge, write)");
console.log(`  DSS writing alone (kyso dss)       ${m("dss").toFixed(1).padStart(8)}   cpu ${cpu("dss").toFixed(1)}`);
const counts = fs.readFileSync(items, "utf8").trim().split("\n").filter((l) => !l.startsWith("vri")).join(", ");
console.log(`\nDSS update: ${dssBytes} bytes (${counts}; kyso dss with the same items: ${dssFileBytes} bytes)` +
            `   target <= 16384: ${Number(dssBytes) <= 16384 ? "met" : "NOT met"}`);
EOF
