#!/usr/bin/env bash
# extension.firefox_e2e: the kyso extension (build/extension/firefox) in
# headless Firefox ESR (Debian's firefox-esr) driven by puppeteer-core over
# WebDriver BiDi, kyso-firefox.xpi (unsigned) installed as a temporary
# add-on; Firefox starts the real
# kyso-host through native messaging (host manifest in the browser's
# $HOME/.mozilla/native-messaging-hosts, allowed_extensions kyso@kyso.vn)
# against a SoftHSM2 token and the scripted pinentry. A page on
# http://localhost:PORT (tests/extension/page, kyso.js beside it) gets the
# certificates through the extension with no websocket listening and signs
# one PDF (firefox_e2e.mjs); a request posted with a forged "origin" is
# asked for as the page's own origin; without the host manifest a request
# ends in HOST_NOT_INSTALLED. Then:
#   - Firefox started kyso-host with its own argv (manifest path, add-on id);
#   - the dialogs named the page's origin "(qua tiện ích kyso)", never the
#     extension's moz-extension:// origin;
#   - the file extends the input byte for byte and is valid in pdfsig and
#     kyso verify (a tampered copy is not).
#
# Environment: what tests/host's scripts get (KYSO, KYSO_HOST,
# KYSO_HOST_ASSEMBLE...), KYSO_WEB_DIR (build/web: kyso.js and wasm/),
# KYSO_EXTENSION_DIR (build/extension), KYSO_FIREFOX_PORT (the page server;
# the closed websocket port is the next one).
. "$(dirname "${BASH_SOURCE[0]}")/../host/host_setup.sh"
EXT_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KYSO_FIREFOX=${KYSO_FIREFOX:-/usr/bin/firefox-esr}
KYSO_FIREFOX_PORT=${KYSO_FIREFOX_PORT:-19900}
export KYSO_HOST_PORT=$((KYSO_FIREFOX_PORT + 1))
KYSO_WEB_DIR=${KYSO_WEB_DIR:-$KYSO_SOURCE_DIR/build/web}
KYSO_EXTENSION_DIR=${KYSO_EXTENSION_DIR:-$KYSO_SOURCE_DIR/build/extension}
FIREFOX_XPI=$KYSO_EXTENSION_DIR/kyso-firefox.xpi
[ -f "$KYSO_WEB_DIR/kyso.js" ] && [ -d "$KYSO_WEB_DIR/wasm" ] ||
  die "KYSO_WEB_DIR=$KYSO_WEB_DIR has no kyso.js or wasm/ (web/build.sh)"
[ -f "$FIREFOX_XPI" ] || die "no $FIREFOX_XPI (target kyso-extension)"
[ -x "$KYSO_FIREFOX" ] || die "$KYSO_FIREFOX is missing (apt-get install firefox-esr)"
[ -d "$EXT_TESTDIR/node_modules/puppeteer-core" ] ||
  (cd "$EXT_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
  die "npm ci failed in tests/extension"

host_setup
verify_setup
OUT=$(fresh_dir firefox)
ART=$(dirname "${KYSO_TEST_TMP:-$TEST_TMP}")/artifacts/firefox_e2e
page_origin=http://localhost:$KYSO_FIREFOX_PORT

# The browser's HOME: Firefox reads the host manifest from
# $HOME/.mozilla/native-messaging-hosts/. The manifest's path is a wrapper
# that gives kyso-host the test's config and token; it keeps Firefox's
# arguments, which are what kyso-host takes the extension's origin from.
ffhome=$TEST_TMP/ffhome
mkdir -p "$ffhome/.mozilla/native-messaging-hosts"
wrapper=$TEST_TMP/kyso-host-native
{
  echo '#!/bin/bash' # printf %q below quotes for bash
  for v in XDG_CONFIG_HOME XDG_STATE_HOME XDG_CACHE_HOME KYSO_HOST_CONF KYSO_PINENTRY_ANSWERS \
    KYSO_PINENTRY_LOG KYSO_PINENTRY_PIN SOFTHSM2_CONF; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'printf "%%s\\n" "$*" >>%q\n' "$TEST_TMP/native-argv.log"
  printf 'exec %q --config %q "$@" 2>>%q\n' "$KYSO_HOST" "$KYSO_HOST_CONF" "$TEST_TMP/native-host.log"
} >"$wrapper"
chmod 755 "$wrapper"
cat >"$ffhome/.mozilla/native-messaging-hosts/vn.kyso.host.json" <<JSON
{
  "name": "vn.kyso.host",
  "description": "kyso-host (extension.firefox_e2e)",
  "path": "$wrapper",
  "type": "stdio",
  "allowed_extensions": ["kyso@kyso.vn"]
}
JSON

# The page server: build/web's files at the root (page.js imports /kyso.js
# and /demo/demo-images.js), the test page under /page/.
site=$TEST_TMP/site
mkdir -p "$site"
for f in "$KYSO_WEB_DIR"/*; do ln -s "$f" "$site/"; done
ln -s "$EXT_TESTDIR/page" "$site/page"
node "$KYSO_SOURCE_DIR/web/serve.mjs" "$site" "$KYSO_FIREFOX_PORT" >"$TEST_TMP/serve.log" 2>&1 &
SERVE_PID=$!
# Then the common exit handler, with the script's status.
stop_server() {
  local rc=$?
  set +e
  kill "$SERVE_PID" 2>/dev/null
  (exit "$rc")
  _kyso_on_exit
}
trap stop_server EXIT
for _ in $(seq 1 50); do
  grep -q "kyso web:" "$TEST_TMP/serve.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "kyso web:" "$TEST_TMP/serve.log" || die "web/serve.mjs did not start: $(cat "$TEST_TMP/serve.log")"

section "Firefox ESR: the extension, certificates and one signature"
assert_false "no websocket on port $KYSO_HOST_PORT: only the extension can answer" \
  node -e 'const s = require("net").connect(+process.argv[1], "127.0.0.1");
    s.on("connect", () => process.exit(0)); s.on("error", () => process.exit(1));' "$KYSO_HOST_PORT"
: >"$KYSO_PINENTRY_LOG"
KYSO_FIREFOX_HOME=$ffhome KYSO_PAGE_URL=$page_origin/page/index.html KYSO_ARTIFACTS=$ART \
  KYSO_FORGED_ORIGIN=https://portal.kyso.test \
  TMPDIR=$TEST_TMP judge_node node "$EXT_TESTDIR/firefox_e2e.mjs" "$FIREFOX_XPI" "$FX/vn-chromium.pdf" "$OUT"

section "Firefox started kyso-host itself, for the extension"
touch "$TEST_TMP/native-argv.log"
assert_gt "$(wc -l <"$TEST_TMP/native-argv.log")" 0 "Firefox started kyso-host (one process per request)"
assert_eq "" "$(grep -Ev '^/[^ ]*/vn\.kyso\.host\.json kyso@kyso\.vn$' "$TEST_TMP/native-argv.log" || true)" \
  "Firefox's argv to the host, every time: the manifest path and the add-on id"

section "the dialogs name the page, through the extension"
log=$(cat "$KYSO_PINENTRY_LOG")
assert_contains "$log" "$page_origin (qua tiện ích kyso)" "the pinentry transcript names the page origin (qua tiện ích kyso)"
assert_not_contains "$log" "moz-extension://" "the dialogs never name the extension's origin"
assert_contains "$log" "GETPIN" "the PIN was asked through the scripted pinentry"
assert_not_contains "$(cat "$TEST_TMP/native-host.log" 2>/dev/null || true)" "$TOKEN_PIN" "the host log holds no PIN"

section "the signed file"
signed=$OUT/signed.pdf
[ -f "$signed" ] || cp -- "$FX/vn-chromium.pdf" "$signed" # died early: fail below, not abort
assert_prefix "$FX/vn-chromium.pdf" "$signed" "extends the input byte for byte"
pdfsig_check "$signed" 1
assert_eq "$PKI_PERSON_CN" "$(pdfsig_field "$signed" 1 "Signer Certificate Common Name")" "the signature is the token holder's"
kyso_verify "$signed" --trust "$TRUST_DIR"
assert_eq "passed passed" "$(report_get "S(0).checks.integrity.result + ' ' + S(0).checks.signature.result")" \
  "kyso verify: the signature is intact (integrity, signature value)"
dss_add "$signed" "$OUT/signed.dss.pdf"
kyso_verify "$OUT/signed.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 1 "signed in Firefox through the extension, with DSS"

section "negative control"
tampered=$TEST_TMP/tampered.pdf
cp -- "$signed" "$tampered"
node -e 'const fs = require("fs"), f = process.argv[1]; const b = fs.readFileSync(f);
  b[Math.floor(b.length / 4)] ^= 0x01; fs.writeFileSync(f, b);' "$tampered"
expect_check_fails "pdfsig_check on a tampered file" pdfsig_check "$tampered" 1
test_summary
