#!/usr/bin/env bash
# Benchmark (not a test): sign a ~10 MB, 100-page PDF with kyso (key on a
# SoftHSM2 token) and with poppler's pdfsig (key in an NSS database), and
# print the median wall time of each, their ratio, and peak RSS.
#
#   bench/sign/run.sh [KYSO_BINARY]
#
# Environment: KYSO (binary, default build/cli/kyso), BENCH_RUNS (default 7),
# BENCH_DIR (work dir to keep; default a temp dir removed at exit).
#
# What is compared: both make one invisible RSA-2048 SHA-256 signature as an
# incremental update. kyso writes ETSI.CAdES.detached; pdfsig 22.12 can only
# add adbe.pkcs7.detached ("-etsi is not supported yet with -add-signature").
# pdfsig -add-signature also embeds a font for its (empty) appearance.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/setup.sh
. "$repo/bench/lib/setup.sh" "$@"
pages=$(pdfinfo "$W/big.pdf" | awk '/^Pages:/ { print $2 }')
size=$(stat -c %s "$W/big.pdf")
echo "input: $pages pages, $size bytes"

echo "== key material"
PKI_DIR=$(pki_dir)
token_setup "$W/hsm"
token_make_person "$PKI_DIR"
printf '%s' "$TOKEN_PIN" >"$W/pin"
nssdb_add_signer "$W/nss" "$PKI_DIR/person-rsa2048.p12" person

kyso_cmd="'$KYSO' sign --in '$W/big.pdf' --out '$W/kyso.pdf' --pkcs11-module '$TOKEN_MODULE' --token '$TOKEN_PERSON' --pin-file '$W/pin' --chain '$PKI_DIR/chain.pem'"
pdfsig_cmd="pdfsig -add-signature -nssdir 'sql:$W/nss' -nick person '$W/big.pdf' '$W/pdfsig.pdf'"

echo "== sanity: one signature each"
eval "$kyso_cmd"
eval "$pdfsig_cmd 2>/dev/null"
cmp -s -n "$size" "$W/big.pdf" "$W/kyso.pdf" || { echo "kyso output is not an incremental update" >&2; exit 1; }

echo "== timing ($RUNS runs each)"
hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$W/times.json" \
  --prepare "rm -f '$W/kyso.pdf' '$W/pdfsig.pdf'" \
  -n kyso "$kyso_cmd" -n pdfsig "$pdfsig_cmd 2>/dev/null"

echo "== peak RSS"
rm -f "$W/kyso.pdf" "$W/pdfsig.pdf"
rss_kyso=$(/usr/bin/time -f %M bash -c "$kyso_cmd" 2>&1 >/dev/null | tail -n 1)
rss_pdfsig=$(/usr/bin/time -f %M bash -c "$pdfsig_cmd 2>/dev/null" 2>&1 >/dev/null | tail -n 1)

node - "$W/times.json" "$size" "$rss_kyso" "$rss_pdfsig" \
  "$(stat -c %s "$W/kyso.pdf")" "$(stat -c %s "$W/pdfsig.pdf")" <<'EOF'
const fs = require("fs");
const [file, size, rssK, rssP, outK, outP] = process.argv.slice(2);
const r = Object.fromEntries(JSON.parse(fs.readFileSync(file)).results.map((x) => [x.command, x]));
const ms = (s) => (s * 1000).toFixed(1).padStart(9);
const mib = (kb) => (kb / 1024).toFixed(1).padStart(7);
console.log(`\ninput ${(size / 1048576).toFixed(2)} MiB, ${r.kyso.times.length} runs each\n`);
console.log("tool     median ms   min ms    max ms   peak RSS MiB  output bytes added");
for (const [name, rss, out] of [["kyso", rssK, outK], ["pdfsig", rssP, outP]]) {
  const x = r[name];
  console.log(`${name.padEnd(7)} ${ms(x.median)} ${ms(x.min)} ${ms(x.max)}   ${mib(rss)}       ${out - size}`);
}
console.log(`\nkyso / pdfsig median time: ${(r.kyso.median / r.pdfsig.median).toFixed(2)}`);
console.log(`kyso / pdfsig peak RSS:    ${(rssK / rssP).toFixed(2)}`);
EOF
