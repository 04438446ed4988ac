#!/usr/bin/env bash
# web.portal_lib: kyso.js, the portal client library, in Node against the
# real kyso-host (websocket, SoftHSM2, scripted pinentry) with the WASM
# module beside it in build/web (portal_lib.mjs): error codes and texts,
# AbortSignal cancelling the dialog (and voiding signatures that arrive
# with the abort), the verification code (a known vector, node's crypto,
# the host's dialog), the version-less hello, a batch with one consent and
# one PIN, the Decree 30 profiles (the leader's personal signature with
# number and date boxes, the clerk's seal placed automatically with the
# number and date filled in, an attachment and a copy in one batch). The signed files
# must satisfy pdfsig, carry the chain kyso.js found on the token (sub-CA
# and root) although the caller gave none, and show the stamped text where
# it belongs (pdftotext) with the seal over the left third of the leader's
# signature (pdftoppm pixels); kyso verify must find only form filling and
# the seal after the leader's signature.
#
# Environment: what tests/host's scripts get, KYSO_WEB_DIR (build/web).
. "$(dirname "${BASH_SOURCE[0]}")/../host/host_setup.sh"
. "$KYSO_TESTLIB/decree30.sh"
require_cmd pdftotext
WEB_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export KYSO_HOST_PORT=${KYSO_HOST_PORT:-18755}
export KYSO_CLOSED_PORT=${KYSO_CLOSED_PORT:-18756}
export KYSO_WEB_DIR=${KYSO_WEB_DIR:-$KYSO_SOURCE_DIR/build/web}
[ -f "$KYSO_WEB_DIR/kyso.js" ] && [ -f "$KYSO_WEB_DIR/wasm/kyso-wasm.js" ] ||
  die "KYSO_WEB_DIR=$KYSO_WEB_DIR has no kyso.js or wasm/ (web/build.sh)"
[ -d "$WEB_TESTDIR/node_modules/ws" ] ||
  (cd "$WEB_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
  die "npm ci failed in tests/web"
host_setup
verify_setup
OUT=$(fresh_dir signed)


section "kyso.js against kyso-host"
host_start_ws
judge_node node "$WEB_TESTDIR/portal_lib.mjs" "$OUT"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"

section "the signed files"
for f in batch-1 batch-2; do
  [ -f "$OUT/$f.pdf" ] || : >"$OUT/$f.pdf"
  pdfsig_check "$OUT/$f.pdf" 1
  cms_extract "$OUT/$f.pdf" "$TEST_TMP/cms-$f"
  for ca in subca root; do
    if cms_has_cert "$TEST_TMP/cms-$f/sig-1.der" "$PKI_DIR/$ca.pem"; then
      pass "$f: the CMS carries $ca (found on the token by kyso.js)"
    else
      fail "$f: the CMS lacks $ca"
    fi
  done
done
assert_prefix "$FX/vn-chromium.pdf" "$OUT/batch-1.pdf" "batch-1 extends the input byte for byte"
[ -f "$OUT/sealed.pdf" ] || : >"$OUT/sealed.pdf"
# Both signatures of sealed.pdf are by the same certificate: poppler 22's
# pdfsig then reports "Unknown issue with Certificate" for the second one
# (the native `kyso sign` twice with the same P12 gets the same): only the
# signature values are asked of pdfsig here.
pdfsig_run "$OUT/sealed.pdf"
assert_eq 2 "$(grep -c '  - Signature Validation: Signature is Valid.' "$TEST_TMP/pdfsig.out" || true)" \
  "pdfsig: both signatures of sealed.pdf are valid"

section "issuance: the number, the date and the seal (portal_lib.mjs RECTS)"
# Renders kept after the test: build/tests/web/artifacts/portal_lib/.
D30_ART=$(dirname "${KYSO_TEST_TMP:-$TEST_TMP}")/artifacts/portal_lib
mkdir -p "$D30_ART"
# The leader's boxes (portal_lib.mjs) and where the core fits the 300x120
# signature.png in the signature box: 175 x 70, centered.
sig_rect="340,80,180,70" num_rect="60,40,150,18" date_rect="265,40,270,18"
NUMBER="123/QĐ-UBND" DATE="Tiền Giang, ngày 11 tháng 12 năm 2024"
assert_contains "$(d30_text "$OUT/sealed.pdf" "$num_rect" 842)" "$NUMBER" "pdftotext: the number in its box"
assert_contains "$(d30_text "$OUT/sealed.pdf" "$date_rect" 842)" "$DATE" "pdftotext: the date in its box"
assert_eq "" "$(d30_text "$OUT/batch-1.pdf" "$num_rect" 842 | tr -d '[:space:]\f')" \
  "the leader's signature left the number box empty"
d30_render "$OUT/batch-1.pdf" "$TEST_TMP/personal"
d30_render "$OUT/sealed.pdf" "$TEST_TMP/sealed"
# image 342.5..517.5 x 80..150; its left third ends at 400.8; the 36 mm
# (102.05 pt) seal's right edge is there, centered on y = 115.
left="343,80,55,70" right="404,80,113,70" seal="298,63,104,104"
assert_gt "$(d30_count "$TEST_TMP/sealed.ppm" red "$left")" 150 "red seal over the left third of the leader's signature"
assert_eq 0 "$(d30_count "$TEST_TMP/sealed.ppm" red "$right")" "no seal over its right two thirds"
assert_gt "$(d30_count "$TEST_TMP/sealed.ppm" blue "$right")" 100 "the signature stays visible on the right"
assert_eq "changed 0" "$(d30_outside "$TEST_TMP/personal.ppm" "$TEST_TMP/sealed.ppm" "$seal" "$num_rect" "$date_rect")" \
  "the clerk's update draws only the seal, the number and the date"
expect_check_fails "the pixel check finds the seal where it is" \
  assert_eq 0 "$(d30_count "$TEST_TMP/sealed.ppm" red "$left")" "red in the left third"
kyso_verify "$OUT/sealed.pdf" --trust "$TRUST_DIR"
for i in 0 1; do
  assert_eq "passed passed" "$(report_get "S($i).checks.integrity.result + ' ' + S($i).checks.signature.result")" \
    "kyso verify: signature $((i + 1)) intact"
done
assert_eq "form_field_filled true;signature_added true" \
  "$(report_get "r.signatures[0].changes.map((c) => c.kind + ' ' + c.allowed).sort().filter((v, i, a) => a.indexOf(v) === i).join(';')")" \
  "kyso verify: after the leader's signature only form filling and the seal"
assert_eq "false true" "$(report_get "r.signatures.map((s) => s.covers_whole_file).join(' ')")" \
  "kyso verify: the seal covers the whole document"
kyso_run inspect "$OUT/sealed.pdf"
assert_contains "$(cat "$RUN_OUT")" "name: Ủy ban nhân dân tỉnh Tiền Giang" "the seal's /Name is the organization"

section "attachment and copy"
ISO="2024-12-11T09:30:15+07:00"
pdfsig_check "$OUT/attachment.pdf" 1
text=$(d30_text "$OUT/attachment.pdf" "295,762,300,80" 842)
assert_contains "$text" "$NUMBER" "attachment: the number at the top right"
assert_contains "$text" "$ISO" "attachment: the signing time at the top right"
pdfsig_check "$OUT/copy.pdf" 1
read -r cw ch < <(pdfinfo -- "$OUT/copy.pdf" | awk '/^Page size:/ { printf "%d %d\n", $3, $5 }')
text=$(d30_text "$OUT/copy.pdf" "$((cw - 300)),$((ch - 80)),300,80" "$ch")
for s in "SAO Y" "Văn phòng UBND tỉnh Tiền Giang" "$ISO"; do
  assert_contains "$text" "$s" "copy: '$s' at the top right"
done
test_summary
