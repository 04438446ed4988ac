#!/usr/bin/env bash
# web.portal_e2e: the demo portal (web/demo, kyso.js) in headless Chromium
# against the real kyso-host over its websocket, two SoftHSM2 tokens (the
# leader "Nguyen Van A", the clerk's organization "Van thu") and the
# scripted pinentry (portal_e2e.mjs drives the page). Then the downloaded
# file is judged by tools that share no code with the page:
#   - pdfsig: two signatures, both valid and trusted;
#   - kyso verify: two signatures, each intact (integrity and signature
#     value passed), and TOTAL_PASSED for both once kyso dss added
#     revocation data;
#   - Decree 30 issuance: pdftotext finds the number and the date the clerk
#     typed in the leader's boxes, poppler draws the red seal (placed by
#     kyso, no rect from the page) over the left third of the leader's
#     signature and not the rest, and kyso verify finds only form filling
#     and the seal after the leader's signature;
#   - the same on a /Rotate 90 page, boxes dragged on the page as shown,
#     and an electronic copy (SAO Y) of it with its text top right.
# Error paths the user sees (DOM text, Vietnamese): cancel, wrong PIN, a
# site denied at the first-use prompt, local access blocked (the page
# treated as public with Chromium's --ip-address-space-overrides), the host
# stopped. Screenshots of every step in build/tests/web/artifacts/portal_e2e.
#
# Environment: what tests/host's scripts get (KYSO, KYSO_HOST,
# KYSO_HOST_ASSEMBLE...), KYSO_WEB_DIR (build/web), KYSO_WEB_PORT.
. "$(dirname "${BASH_SOURCE[0]}")/../host/host_setup.sh"
. "$KYSO_TESTLIB/decree30.sh"
require_cmd pdftotext
require_cmd qpdf
WEB_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Ports of their own: host tests use 18750, bench/host 18751,
# wasm.host_roundtrip 18752.
export KYSO_HOST_PORT=${KYSO_HOST_PORT:-18753}
KYSO_WEB_PORT=${KYSO_WEB_PORT:-18780}
KYSO_WEB_DIR=${KYSO_WEB_DIR:-$KYSO_SOURCE_DIR/build/web}
[ -f "$KYSO_WEB_DIR/kyso.js" ] && [ -f "$KYSO_WEB_DIR/demo/index.html" ] ||
  die "KYSO_WEB_DIR=$KYSO_WEB_DIR has no kyso.js or demo/ (web/build.sh)"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing (apt-get install chromium)"
[ -d "$WEB_TESTDIR/node_modules/playwright-core" ] ||
  (cd "$WEB_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
  die "npm ci failed in tests/web"

host_setup
verify_setup
token_make_org "$PKI_DIR"
export WEB_URL=http://127.0.0.1:$KYSO_WEB_PORT
# The same server under another origin, which host.conf does not allow.
export WEB_URL_OTHER=http://localhost:$KYSO_WEB_PORT
echo "allow_origin = $WEB_URL" >>"$KYSO_HOST_CONF"
OUT=$(fresh_dir portal)
# Screenshots and renders kept after the test (tmp is removed on success).
ART=$(dirname "${KYSO_TEST_TMP:-$TEST_TMP}")/artifacts/portal_e2e
D30_ART=$ART
mkdir -p "$ART"

node "$KYSO_SOURCE_DIR/web/serve.mjs" "$KYSO_WEB_DIR" "$KYSO_WEB_PORT" >"$TEST_TMP/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null; [ -z "${HOST_PID:-}" ] || kill "$HOST_PID" 2>/dev/null' EXIT
for _ in $(seq 1 50); do
  grep -q "kyso web:" "$TEST_TMP/serve.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "kyso web:" "$TEST_TMP/serve.log" || die "web/serve.mjs did not start: $(cat "$TEST_TMP/serve.log")"


section "demo portal: cancel, wrong PIN, leader, clerk, download"
host_start_ws
judge_node node "$WEB_TESTDIR/portal_e2e.mjs" sign "$OUT"

section "demo portal: a page with /Rotate 90, then an electronic copy"
qpdf --rotate=+90:1 -- "$FX/vn-chromium.pdf" "$OUT/rot90.pdf"
judge_node node "$WEB_TESTDIR/portal_e2e.mjs" rotated "$OUT"

section "demo portal: a site the user denies"
judge_node node "$WEB_TESTDIR/portal_e2e.mjs" origin "$OUT"

section "demo portal: a public page, Chrome's Local Network Access"
judge_node node "$WEB_TESTDIR/portal_e2e.mjs" lna "$OUT"

section "demo portal: through the extension bridge (a stand-in content script)"
judge_node node "$WEB_TESTDIR/portal_e2e.mjs" bridge "$OUT"
assert_not_contains "$(cat "$TEST_TMP/host.log")" "$TOKEN_PIN" "the host log holds no PIN"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"
HOST_PID=

section "demo portal: the host is not running"
judge_node node "$WEB_TESTDIR/portal_e2e.mjs" stopped "$OUT"

section "the downloaded file"
signed=$OUT/signed.pdf
[ -f "$signed" ] || cp -- "$FX/vn-chromium.pdf" "$signed" # died early: fail below, not abort
assert_prefix "$FX/vn-chromium.pdf" "$signed" "extends the uploaded file byte for byte"
pdfsig_check "$signed" 2
assert_eq "$PKI_PERSON_CN" "$(pdfsig_field "$signed" 1 "Signer Certificate Common Name")" "signature 1 is the leader's"
assert_eq "$PKI_ORG_CN" "$(pdfsig_field "$signed" 2 "Signer Certificate Common Name")" "signature 2 is the organization's"
kyso_verify "$signed" --trust "$TRUST_DIR"
assert_eq "2" "$(report_get "r.signatures.length")" "kyso verify: two signatures"
for i in 0 1; do
  assert_eq "passed passed" "$(report_get "S($i).checks.integrity.result + ' ' + S($i).checks.signature.result")" \
    "kyso verify: signature $((i + 1)) intact (integrity, signature value)"
done
dss_add "$signed" "$OUT/signed.dss.pdf"
kyso_verify "$OUT/signed.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 2 "leader and clerk, with DSS"

# check_issued PDF RECTS.JSON W H LABEL: the Decree 30 issuance in PDF
# (page 1 displayed W x H points): the number and the date in the boxes the
# leader dragged (pdftotext), the red seal over the left third of the
# signature image and not its right two thirds (pdftoppm), nothing else
# drawn by the clerk, and kyso verify: the leader's signature followed only
# by form filling and the seal. The demo's signature image is 300 x 120:
# kyso fits it in the box, centered.
check_issued() {
  local pdf=$1 json=$2 pw=$3 ph=$4 label=$5 sig num date img left right seal rev1
  [ -f "$json" ] || { fail "$label: no $(basename "$json") from the page"; return; }
  read -r sig num date img left right seal < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const [x, y, w, h] = r.signature, k = Math.min(w / 300, h / 120);
    const iw = 300 * k, ih = 120 * k, ix = x + (w - iw) / 2, iy = y + (h - ih) / 2;
    const t = ix + iw / 3, S = 102.05; // 36 mm
    const f = (a) => a.map((v) => v.toFixed(2)).join(",");
    console.log([f(r.signature), f(r.number), f(r.date), f([ix, iy, iw, ih]),
      f([ix + 1, iy, iw / 3 - 3, ih]), f([t + 3, iy, iw * 2 / 3 - 4, ih]),
      f([t - S - 2, iy + ih / 2 - S / 2 - 2, S + 4, S + 4])].join(" "));' "$json")
  assert_contains "$(d30_text "$pdf" "$num" "$ph")" "123/QĐ-UBND" "$label: pdftotext finds the number in its box"
  assert_contains "$(d30_text "$pdf" "$date" "$ph")" "Tiền Giang, ngày 11 tháng 12 năm 2024" \
    "$label: pdftotext finds the date in its box"
  rev1=$TEST_TMP/$label-rev1.pdf
  # The first revision ends at the first signature's %%EOF (the input's
  # own is the first): what the leader signed.
  node -e '
    const fs = require("fs"), [f, o] = process.argv.slice(1);
    const b = fs.readFileSync(f), s = b.toString("latin1");
    let at = -1, n = 0;
    for (let i = s.indexOf("%%EOF"); i >= 0; i = s.indexOf("%%EOF", i + 1)) { n++; if (n === 2) { at = i; break; } }
    let end = at + 5; while (b[end] === 0x0d || b[end] === 0x0a) end++;
    fs.writeFileSync(o, b.subarray(0, end));' "$pdf" "$rev1"
  d30_render "$rev1" "$TEST_TMP/$label-personal"
  d30_render "$pdf" "$TEST_TMP/$label-issued"
  assert_gt "$(d30_count "$TEST_TMP/$label-personal.ppm" blue "$img")" 300 "$label: the leader's blue signature in its box"
  assert_eq 0 "$(d30_count "$TEST_TMP/$label-personal.ppm" red "$sig")" "$label: no seal before the clerk"
  assert_gt "$(d30_count "$TEST_TMP/$label-issued.ppm" red "$left")" 150 \
    "$label: the red seal covers the left third of the leader's signature"
  assert_eq 0 "$(d30_count "$TEST_TMP/$label-issued.ppm" red "$right")" \
    "$label: and not its right two thirds"
  assert_gt "$(d30_count "$TEST_TMP/$label-issued.ppm" blue "$right")" 100 \
    "$label: the signature stays visible on the right"
  assert_eq "changed 0" "$(d30_outside "$TEST_TMP/$label-personal.ppm" "$TEST_TMP/$label-issued.ppm" "$seal" "$num" "$date")" \
    "$label: the clerk's update draws only the seal, the number and the date"
  kyso_verify "$pdf" --trust "$TRUST_DIR"
  assert_eq "passed passed;passed passed" \
    "$(report_get "r.signatures.map((s) => s.checks.integrity.result + ' ' + s.checks.signature.result).join(';')")" \
    "$label: kyso verify: both signatures intact"
  assert_eq "form_field_filled true;signature_added true" \
    "$(report_get "r.signatures[0].changes.map((c) => c.kind + ' ' + c.allowed).sort().filter((v, i, a) => a.indexOf(v) === i).join(';')")" \
    "$label: kyso verify: after the leader's signature only form filling and the seal"
  assert_eq "" "$(report_get "r.signatures[0].changes.filter((c) => c.kind === 'form_field_filled').map((c) => c.detail).filter((d) => !/SoVanBan|NgayBanHanh/.test(d)).join(';')")" \
    "$label: the filled fields are the number and the date"
}

section "Decree 30 issuance in the download (portrait)"
check_issued "$signed" "$OUT/rects.json" 595 842 portrait
expect_check_fails "the number check fails on the leader's revision" \
  assert_contains "$(d30_text "$TEST_TMP/portrait-rev1.pdf" "60,40,150,18" 842)" "123/QĐ-UBND" "number before issuance"

section "Decree 30 issuance on a /Rotate 90 page"
rotated=$OUT/rotated.pdf
[ -f "$rotated" ] || cp -- "$OUT/rot90.pdf" "$rotated"
pdfsig_check "$rotated" 2
check_issued "$rotated" "$OUT/rects-rotated.json" 842 595 rotated
copy=$OUT/rotated-copy.pdf
[ -f "$copy" ] || cp -- "$OUT/rot90.pdf" "$copy"
pdfsig_check "$copy" 1
text=$(d30_text "$copy" "542,515,300,80" 595)
for s in "SAO Y" "Văn phòng UBND tỉnh Tiền Giang"; do
  assert_contains "$text" "$s" "copy of the turned page: '$s' at the top right as displayed"
done
assert_match "$text" "20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}\+07:00" \
  "copy of the turned page: the signing time, ISO 8601 with +07:00"
d30_render "$OUT/rot90.pdf" "$TEST_TMP/rot90-unsigned"
d30_render "$copy" "$TEST_TMP/rot90-copy"
assert_eq "changed 0" "$(d30_outside "$TEST_TMP/rot90-unsigned.ppm" "$TEST_TMP/rot90-copy.ppm" "542,515,300,80")" \
  "copy of the turned page: nothing drawn outside the top right"

# Screenshots of each step and error: build/tests/web/artifacts/portal_e2e/.
cp -- "$OUT"/*.png "$ART/" 2>/dev/null || true
assert_gt "$(find "$ART" -name '*.png' | wc -l)" 8 "screenshots kept in $ART"

section "negative control"
tampered=$TEST_TMP/tampered.pdf
cp -- "$signed" "$tampered"
node -e 'const fs = require("fs"), f = process.argv[1]; const b = fs.readFileSync(f);
  b[Math.floor(b.length / 4)] ^= 0x01; fs.writeFileSync(f, b);' "$tampered"
expect_check_fails "pdfsig_check on a tampered download" pdfsig_check "$tampered" 2
test_summary
