#!/usr/bin/env bash
# extension.chromium_e2e: the kyso extension in Debian's headless Chromium
# (playwright-core, fresh profile, loaded unpacked from the build) talking
# to the real kyso-host over native messaging: the host manifest in the
# profile's NativeMessagingHosts/ points at a wrapper that execs the built
# kyso-host with this test's host.conf (Chrome passes no arguments but the
# extension's origin; the environment of the browser reaches the host:
# XDG_*, SOFTHSM2_CONF, the scripted pinentry's files). Two SoftHSM2 tokens,
# the scripted pinentry. No websocket host runs until the LNA part.
# chromium_e2e.mjs drives the test page (tests/extension/page); this script
# judges the signed files with pdfsig and kyso verify, and prepares the
# files the context-menu verifier opens. Screenshots in
# build/tests/extension/artifacts/chromium_e2e/.
#
# Environment: what tests/host's scripts get (KYSO, KYSO_HOST,
# KYSO_HOST_ASSEMBLE...), KYSO_WEB_DIR (build/web), KYSO_EXTENSION_DIR
# (build/extension/chromium), KYSO_EXT_PORT_BASE (five ports from it: the
# page, the iframe's origin, the forging page, the LNA page, the websocket).
. "$(dirname "${BASH_SOURCE[0]}")/../host/host_setup.sh"
. "$KYSO_TESTLIB/decree30.sh"
require_cmd pdftotext
EXT_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WEB_TESTDIR=$KYSO_SOURCE_DIR/tests/web
base=${KYSO_EXT_PORT_BASE:-19880}
export KYSO_HOST_PORT=$((base + 4))
KYSO_WEB_DIR=${KYSO_WEB_DIR:-$KYSO_SOURCE_DIR/build/web}
EXT_DIR=${KYSO_EXTENSION_DIR:-$KYSO_SOURCE_DIR/build/extension/chromium}
[ -f "$KYSO_WEB_DIR/kyso.js" ] && [ -f "$KYSO_WEB_DIR/demo/demo-images.js" ] ||
  die "KYSO_WEB_DIR=$KYSO_WEB_DIR has no kyso.js or demo/ (web/build.sh)"
[ -f "$EXT_DIR/manifest.json" ] || die "no unpacked extension in $EXT_DIR (cmake --build: kyso-extension)"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing (apt-get install chromium)"
[ -d "$WEB_TESTDIR/node_modules/playwright-core" ] ||
  (cd "$WEB_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
  die "npm ci failed in tests/web"
EXT_ID=$(node -e 'const m = require(process.argv[1]);
  const k = Buffer.from(m.key, "base64"), h = require("crypto").createHash("sha256").update(k).digest("hex");
  process.stdout.write([...h.slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join(""));' \
  "$EXT_DIR/manifest.json") || die "the extension's manifest has no key"
assert_eq "$(tr -d '[:space:]' <"$KYSO_SOURCE_DIR/extension/key/chromium-id.txt")" "$EXT_ID" \
  "the built manifest's key gives the fixed extension ID"

host_setup
verify_setup
token_make_org "$PKI_DIR"
# Pages on http://localhost may be remembered ("Luôn cho phép") only with
# dev_http_loopback; the LNA page is allowed outright.
cat >>"$KYSO_HOST_CONF" <<CONF
dev_http_loopback = yes
allow_origin = http://127.0.0.1:$((base + 3))
CONF
export WEB_URL=http://localhost:$base
export WEB_URL_FRAME=http://localhost:$((base + 1))
# Another site for the forging page: first-use prompts are limited to 3 a
# minute per site, and every http://localhost port is the site localhost
# (PROTOCOL.md); the page, the iframe and the re-ask after the popup's
# revoke take those three.
export WEB_URL_FORGE=http://127.0.0.1:$((base + 2))
export WEB_URL_LNA=http://127.0.0.1:$((base + 3))
export EXT_DIR EXT_ID PKI_PERSON_CN PKI_ORG_CN
OUT=$(fresh_dir ext)
ART=$(dirname "${KYSO_TEST_TMP:-$TEST_TMP}")/artifacts/chromium_e2e
mkdir -p "$ART"

# The native-messaging host: Chrome runs it with the extension's origin as
# its one argument.
export NM_WRAPPER=$TEST_TMP/kyso-host-native
export NATIVE_LOG=$TEST_TMP/native-host.log
: >"$NATIVE_LOG"
cat >"$NM_WRAPPER" <<SH
#!/bin/sh
printf '%s\n' "\$*" >>'$TEST_TMP/native-starts.log'
exec '$KYSO_HOST' --config '$KYSO_HOST_CONF' "\$@" 2>>'$NATIVE_LOG'
SH
chmod 0755 "$NM_WRAPPER"

# The site: build/web (kyso.js, wasm/, demo/) + the test page + files.
SITE=$TEST_TMP/site
mkdir -p "$SITE/files"
for f in "$KYSO_WEB_DIR"/*; do ln -s "$f" "$SITE/$(basename "$f")"; done
ln -s "$EXT_TESTDIR/page" "$SITE/ext-test"
SERVE_PIDS=()
cleanup() {
  local rc=$? p
  for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -z "${HOST_PID:-}" ] || kill "$HOST_PID" 2>/dev/null
  (exit "$rc")
  _kyso_on_exit
}
trap cleanup EXIT
for port in "$base" $((base + 1)) $((base + 2)) $((base + 3)); do
  node "$KYSO_SOURCE_DIR/web/serve.mjs" "$SITE" "$port" >"$TEST_TMP/serve-$port.log" 2>&1 &
  SERVE_PIDS+=($!)
done
for port in "$base" $((base + 1)) $((base + 2)) $((base + 3)); do
  for _ in $(seq 1 50); do
    grep -q "kyso web:" "$TEST_TMP/serve-$port.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "kyso web:" "$TEST_TMP/serve-$port.log" || die "web/serve.mjs did not start on $port"
done

section "through the extension, no websocket host: certificates, personal, organization, attachment; origins; popup"
judge_node node "$EXT_TESTDIR/chromium_e2e.mjs" sign "$OUT"
starts=$(wc -l <"$TEST_TMP/native-starts.log" 2>/dev/null || echo 0)
assert_gt "$starts" 1 "Chrome started kyso-host for the extension (${starts} processes)"
assert_eq "chrome-extension://$EXT_ID/" "$(head -n1 "$TEST_TMP/native-starts.log" 2>/dev/null)" \
  "Chrome's one argument to the host is the extension's origin"
assert_not_contains "$(cat "$NATIVE_LOG")" "$TOKEN_PIN" "the host log holds no PIN"

section "the signed files"
src=$FX/vn-chromium.pdf
issued=$OUT/issued.pdf
attach=$OUT/attachment.pdf
[ -f "$issued" ] || cp -- "$src" "$issued" # died early: fail below, not abort
[ -f "$attach" ] || cp -- "$src" "$attach"
assert_prefix "$src" "$issued" "the issued file extends the input byte for byte"
pdfsig_check "$issued" 2
assert_eq "$PKI_PERSON_CN" "$(pdfsig_field "$issued" 1 "Signer Certificate Common Name")" "signature 1 is the leader's"
assert_eq "$PKI_ORG_CN" "$(pdfsig_field "$issued" 2 "Signer Certificate Common Name")" "signature 2 is the organization's"
assert_contains "$(d30_text "$issued" "60,40,150,18" 842)" "123/QĐ-UBND" "pdftotext finds the number in its box"
assert_contains "$(d30_text "$issued" "265,40,270,18" 842)" "Tiền Giang, ngày 11 tháng 12 năm 2024" \
  "pdftotext finds the date in its box"
kyso_verify "$issued" --trust "$TRUST_DIR"
assert_eq "passed passed;passed passed" \
  "$(report_get "r.signatures.map((s) => s.checks.integrity.result + ' ' + s.checks.signature.result).join(';')")" \
  "kyso verify: both signatures intact"
dss_add "$issued" "$OUT/issued.dss.pdf"
kyso_verify "$OUT/issued.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 2 "leader and clerk through the extension, with DSS"
pdfsig_check "$attach" 1
assert_eq "$PKI_ORG_CN" "$(pdfsig_field "$attach" 1 "Signer Certificate Common Name")" "the attachment is the organization's"
assert_contains "$(pdftotext -f 1 -l 1 -- "$attach" - 2>/dev/null)" "123/QĐ-UBND" "the attachment carries the number"
kyso_verify "$attach" --trust "$TRUST_DIR"
assert_eq "passed passed" "$(report_get "S(0).checks.integrity.result + ' ' + S(0).checks.signature.result")" \
  "kyso verify: the attachment's signature intact"

section "the context-menu verifier: a valid and a tampered file"
cp -- "$OUT/issued.dss.pdf" "$SITE/files/valid.pdf"
cp -- "$OUT/issued.dss.pdf" "$SITE/files/tampered.pdf"
# One byte of the leader's signed text changed (inside both ByteRanges).
node -e 'const fs = require("fs"), f = process.argv[1]; const b = fs.readFileSync(f);
  const s = b.toString("latin1"), at = s.indexOf("stream", s.indexOf("/Contents", 0)) + 40;
  b[at] ^= 0x01; fs.writeFileSync(f, b);' "$SITE/files/tampered.pdf"
kyso_verify "$SITE/files/tampered.pdf" --trust "$TRUST_DIR"
assert_eq "TOTAL_FAILED" "$(report_get "r.overall")" "control: kyso verify finds the tampered file invalid"
judge_node node "$EXT_TESTDIR/chromium_e2e.mjs" verifier "$OUT"

section "Local Network Access: a public page's websocket is blocked, the extension signs"
host_start_ws
judge_node node "$EXT_TESTDIR/chromium_e2e.mjs" lna "$OUT"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host (websocket) exits cleanly on SIGTERM"
HOST_PID=
lna=$OUT/lna.pdf
[ -f "$lna" ] || cp -- "$src" "$lna"
pdfsig_check "$lna" 1

cp -- "$OUT"/*.png "$ART/" 2>/dev/null || true
assert_gt "$(find "$ART" -name '*.png' | wc -l)" 5 "screenshots kept in $ART"

section "negative control"
expect_check_fails "pdfsig_check on the tampered file" pdfsig_check "$SITE/files/tampered.pdf" 2
test_summary
