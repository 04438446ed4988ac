#!/usr/bin/env bash
# extension.firefox_lint: the built extension (build/extension) as the
# stores and the browsers will judge it, without starting a browser:
#   - addons-linter (Mozilla's AMO linter, what web-ext lint runs) on
#     kyso-firefox.xpi, the file a store upload would be: no error, no
#     warning but the reviewed ones (addons_lint.mjs);
#   - manifest_lint.mjs on both builds: MV3, gecko id kyso@kyso.vn with
#     background.scripts (Firefox), the fixed "key" whose ID is
#     extension/key/chromium-id.txt with a service worker (Chromium), the
#     minimal permissions and host access, the bridge content script, every
#     named file present, no inline code, the .xpi/.zip hold the
#     directories' files byte for byte;
#   - negative controls: a copy with a widened permission, another gecko id,
#     an inline script and a wrong key fails those checks, and a manifest
#     without "version" fails addons-linter.
#
# Environment: KYSO_SOURCE_DIR, KYSO_TEST_TMP, KYSO_EXTENSION_DIR
# (build/extension).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
EXT_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KYSO_SOURCE_DIR=${KYSO_SOURCE_DIR:-$(cd "$EXT_TESTDIR/../.." && pwd)}
KYSO_EXTENSION_DIR=${KYSO_EXTENSION_DIR:-$KYSO_SOURCE_DIR/build/extension}
KEY_DIR=$KYSO_SOURCE_DIR/extension/key
require_cmd node unzip zip
[ -f "$KYSO_EXTENSION_DIR/firefox/manifest.json" ] ||
  die "no Firefox extension in $KYSO_EXTENSION_DIR/firefox (target kyso-extension)"
[ -d "$EXT_TESTDIR/node_modules/addons-linter" ] ||
  (cd "$EXT_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
  die "npm ci failed in tests/extension"

# (~25 s: pdf.js is most of it. The directory is not linted again: the
# .xpi holds the same bytes, checked below.)
section "addons-linter: kyso-firefox.xpi"
judge_node node "$EXT_TESTDIR/addons_lint.mjs" "$KYSO_EXTENSION_DIR/kyso-firefox.xpi"

section "manifests and packages of both builds"
judge_node node "$EXT_TESTDIR/manifest_lint.mjs" "$KYSO_EXTENSION_DIR" "$KEY_DIR"

section "negative controls"
# A copy of the build, each manifest spoilt in its own way, and the packages
# rebuilt from the spoilt directories.
bad=$TEST_TMP/bad
mkdir -p "$bad"
cp -R -- "$KYSO_EXTENSION_DIR/firefox" "$KYSO_EXTENSION_DIR/chromium" "$bad/"
cp -- "$KYSO_EXTENSION_DIR/chromium-id.txt" "$bad/"
node -e '
  const fs = require("fs"), [dir] = process.argv.slice(1);
  const edit = (f, fn) => { const m = JSON.parse(fs.readFileSync(f, "utf8")); fn(m); fs.writeFileSync(f, JSON.stringify(m, null, 2)); };
  edit(`${dir}/firefox/manifest.json`, (m) => {
    m.browser_specific_settings.gecko.id = "kyso@evil.example";
    m.host_permissions = [...(m.host_permissions ?? []), "<all_urls>"];
  });
  edit(`${dir}/chromium/manifest.json`, (m) => {
    m.key = Buffer.from(m.key, "base64").map((b, i) => (i === 40 ? b ^ 1 : b)).toString("base64");
    m.permissions = [...m.permissions, "tabs"];
  });
  fs.writeFileSync(`${dir}/firefox/inline.html`, "<!doctype html><script>alert(1)</script>");' "$bad"
(cd "$bad/firefox" && zip -qr ../kyso-firefox.xpi .)
(cd "$bad/chromium" && zip -qr ../kyso-chromium.zip .)
echo '// changed after packing' >>"$bad/firefox/src/content.js"
out=$(node "$EXT_TESTDIR/manifest_lint.mjs" "$bad" "$KEY_DIR" 2>/dev/null || true)
for what in "firefox: gecko id" "firefox: no host access beyond" "firefox: inline.html has no inline code" \
  'chromium: "key" is extension/key/chromium-public.b64' "chromium: the key's ID is" "chromium: permissions exactly" \
  "kyso-firefox.xpi: each file the same bytes as in firefox/ (src/content.js"; do
  assert_contains "$(grep '^FAIL' <<<"$out" || true)" "$what" "negative control: manifest_lint catches '$what'"
done
# addons-linter on the extension's own files (without web/: fast), the
# manifest without "version".
mkdir -p "$bad/small"
cp -R -- "$KYSO_EXTENSION_DIR/firefox/." "$bad/small/"
rm -rf -- "$bad/small/web"
node -e '
  const fs = require("fs"), f = process.argv[1];
  const m = JSON.parse(fs.readFileSync(f, "utf8")); delete m.version; fs.writeFileSync(f, JSON.stringify(m));' \
  "$bad/small/manifest.json"
out=$(node "$EXT_TESTDIR/addons_lint.mjs" "$bad/small" 2>/dev/null || true)
assert_contains "$(grep '^FAIL' <<<"$out" || true)" "no error (" "negative control: addons-linter fails a manifest without version"
test_summary
