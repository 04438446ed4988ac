#!/usr/bin/env bash
# web.verify_page: the verifier page (web/src/verify.html, assembled in
# KYSO_WEB_DIR) in headless Chromium, on the fixtures the integration tests
# make (verify_page_fixtures.sh): valid with a DSS, two signatures (person
# then organization, page 2), tampered, untrusted (the
# test root not added), revoked (CRL in the DSS), and two attack files
# (shadow-hide, isa-page-content). For each, verify_page.mjs checks the
# verdict and reason in Vietnamese and in English, the signer and times,
# the widget highlight, printing, and that no request leaves the page after
# it loaded (the file is dropped, not fetched); this script checks that the
# saved JSON equals `kyso verify --json` for the same file, trust and --at.
# Screenshots: $TEST_TMP/shots, copied to build/tests/web/artifacts/verify_page/.
# Negative controls: a wrong verdict, a request after load (from the page,
# from a Worker) and a highlight judged against the wrong page must each
# fail; so must comparing the saved
# JSON with another file's report.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
# shellcheck source=verify_page_fixtures.sh
. "$(dirname "${BASH_SOURCE[0]}")/verify_page_fixtures.sh"
integration_setup
verify_setup
require_cmd node chromium
web=${KYSO_WEB_DIR:?KYSO_WEB_DIR is not set (build/web)}
for f in verify.html verify.js wasm/kyso.wasm vendor/pdfjs/build/pdf.min.mjs; do
  [ -f "$web/$f" ] || die "$web is not an assembled web dir (no $f; web/build.sh)"
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -d "$here/node_modules/playwright-core" ] || die "playwright-core missing: npm ci --prefix tests/web"

D=$TEST_TMP/fixtures
SHOTS=$TEST_TMP/shots
AT=$(date -u +%Y-%m-%dT%H:%M:%SZ) # after the test PKI's CRLs and OCSP responses

section "fixtures"
web_fixtures "$D"
printf 'Kính gửi: UBND tỉnh. Đây không phải tệp PDF.\n' >"$D/notpdf.pdf"

# cli_json NAME [TRUST]: kyso verify --json of NAME.pdf at $AT into
# $D/NAME.cli.json (the page trusts the bundled roots, plus TRUST).
cli_json() {
  local args=(verify "$D/$1.pdf" --json --at "$AT")
  [ -z "${2:-}" ] || args+=(--trust "$2")
  kyso_run "${args[@]}"
  cp -- "$RUN_OUT" "$D/$1.cli.json"
  assert_true "kyso verify --json of $1 (status $RUN_STATUS)" test "$RUN_STATUS" -le 1
}
for n in valid two tampered revoked shadow-hide isa-page-content; do cli_json "$n" "$D/root.pem"; done
cli_json untrusted
assert_eq TOTAL_PASSED "$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1])).overall' "$D/valid.cli.json")" \
  "the valid fixture passes in the CLI"

section "the page in Chromium"
# case_json NAME FIELD INDICATION HIGHLIGHT_PAGE VI_VERDICT VI_WHY EN_VERDICT EN_WHY [EXTRA]: one
# case object (WHY: reasons separated by "|", empty for none).
case_json() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const [name, dir, field, ind, hl, viV, viW, enV, enW, extra] = process.argv.slice(1);
    const split = (s) => s ? s.split("|") : [];
    const c = { name, file: `${dir}/${name.replace(/^neg-[a-z]+-/, "")}.pdf`, field, indication: ind,
      highlight: hl === "-" ? null : Number(hl),
      trust: name.endsWith("untrusted") ? [] : [`${dir}/root.pem`],
      vi: { verdict: viV, why: split(viW) }, en: { verdict: enV, why: split(enW) } };
    Object.assign(c, JSON.parse(extra || "{}"));
    console.log(JSON.stringify(c));' "$1" "$D" "${@:2}"
}
V_OK=("Hợp lệ" "" "Valid" "")
cases=(
  "$(case_json valid NguoiKy TOTAL_PASSED 1 "${V_OK[@]}" \
    '{"vi":{"verdict":"Hợp lệ","why":[],"texts":["Nguyễn Văn A","UBND tỉnh Tiền Giang","11/12/2024 09:30:15 (+07:00)","Cơ quan chứng thực số chuyên dùng Chính phủ (test) (gốc tin cậy)","chưa bị thu hồi tại thời điểm ký","không có (thời điểm ký chưa được chứng minh)"]},"en":{"verdict":"Valid","why":[],"texts":["2024-12-11 09:30:15 (+07:00)","(trusted root)","not revoked at the signing time"]}}')"
  "$(case_json two DongDau TOTAL_PASSED 2 "${V_OK[@]}" \
    '{"count":2,"vi":{"verdict":"Hợp lệ","why":[],"texts":["Văn phòng UBND tỉnh Tiền Giang","Chữ ký 2/2"]},"en":{"verdict":"Valid","why":[],"texts":["Signature 2/2"]}}')"
  "$(case_json tampered NguoiKy TOTAL_FAILED 1 "Không hợp lệ" \
    "nội dung đã bị thay đổi|nội dung đã bị thay đổi sau khi ký (giá trị băm không khớp)" \
    "Invalid" "content changed|the content changed after signing (digest mismatch)")"
  "$(case_json untrusted NguoiKy INDETERMINATE 1 "Chưa xác định được" \
    "không có chuỗi tới gốc tin cậy|không tìm thấy chuỗi chứng thư tới gốc tin cậy" \
    "Cannot be decided" "no chain to a trusted root|no certificate chain to a trusted root")"
  "$(case_json revoked ThuHoi TOTAL_FAILED 1 "Không hợp lệ" \
    "chứng thư bị thu hồi|chứng thư đã bị thu hồi trước thời điểm ký" \
    "Invalid" "certificate revoked|certificate revoked before the signing time")"
  "$(case_json shadow-hide NguoiKy TOTAL_FAILED - "Không hợp lệ" \
    "văn bản bị sửa sau khi ký|văn bản bị sửa đổi sau khi ký" \
    "Invalid" "document modified after signing|the document was modified after signing" \
    '{"vi":{"verdict":"Không hợp lệ","why":["văn bản bị sửa sau khi ký","văn bản bị sửa đổi sau khi ký"],"texts":["đối tượng 7: sửa đối tượng hình (KHÔNG được phép)"]},"en":{"verdict":"Invalid","why":["document modified after signing"],"texts":["object 7: graphics object changed (NOT allowed)"]}}')"
  "$(case_json isa-page-content NguoiKy TOTAL_FAILED - "Không hợp lệ" \
    "văn bản bị sửa sau khi ký|văn bản bị sửa đổi sau khi ký" \
    "Invalid" "document modified after signing|the document was modified after signing" \
    '{"vi":{"verdict":"Không hợp lệ","why":["văn bản bị sửa đổi sau khi ký"],"texts":["sửa nội dung trang (KHÔNG được phép)"]},"en":{"verdict":"Invalid","why":["the document was modified after signing"],"texts":["page content changed (NOT allowed)"]}}')"
  # The same untrusted file through the "choose a PDF" input.
  "$(case_json untrusted NguoiKy INDETERMINATE 1 "Chưa xác định được" "không tìm thấy chuỗi chứng thư tới gốc tin cậy" \
    "Cannot be decided" "no certificate chain to a trusted root" '{"name":"picked-untrusted","via":"pick"}')"
  # Not a PDF: an error in words, nothing listed.
  "$(case_json notpdf - - - - - - - \
    '{"error":true,"vi":{"error":"Tệp không phải PDF."},"en":{"error":"The file is not a PDF."}}')"
  # Negative controls: each must fail.
  "$(case_json neg-verdict-tampered NguoiKy TOTAL_PASSED 1 "${V_OK[@]}" '{"negative":true}')"
  "$(case_json neg-leak-valid NguoiKy TOTAL_PASSED 1 "${V_OK[@]}" '{"negative":true,"leak":"page"}')"
  "$(case_json neg-workerleak-valid NguoiKy TOTAL_PASSED 1 "${V_OK[@]}" '{"negative":true,"leak":"worker"}')"
  "$(case_json neg-highlight-valid NguoiKy TOTAL_PASSED 2 "${V_OK[@]}" '{"negative":true}')"
)
# shellcheck disable=SC2016 # JavaScript, not shell
printf '%s\n' "${cases[@]}" | node -e '
  const [web, at, out] = process.argv.slice(1);
  const cases = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  console.log(JSON.stringify({ web, at, out, cases }, null, 1));' "$web" "$AT" "$SHOTS" >"$TEST_TMP/config.json"

run_cmd timeout 600 node "$here/verify_page.mjs" "$TEST_TMP/config.json"
assert_success "verify_page.mjs ran ($(tail -3 "$RUN_ERR" | tr '\n' ' '))"
judged=0
while IFS=$'\t' read -r status text; do
  case $status in
    PASS) pass "$text"; judged=$((judged + 1)) ;;
    FAIL) fail "$text"; judged=$((judged + 1)) ;;
  esac
done <"$RUN_OUT"
assert_gt "$judged" 150 "the page's assertions were judged"
assert_eq 4 "$(grep -c $'^PASS\tneg-.*negative control fails as it must' "$RUN_OUT" || true)" \
  "the four negative controls failed"

section "saved JSON equals kyso verify --json"
for n in valid two tampered untrusted revoked shadow-hide isa-page-content; do
  assert_file_exists "$SHOTS/$n.download.json" "$n: the page saved a report"
  assert_same_bytes "$D/$n.cli.json" "$SHOTS/$n.download.json" "$n: saved report = CLI --json"
  for s in vi en; do assert_file_exists "$SHOTS/$n.$s.png" "$n: $s screenshot"; done
done
for n in valid two tampered untrusted revoked; do
  assert_file_exists "$SHOTS/$n.highlight.png" "$n: highlight screenshot"
done
for s in vi en; do assert_file_exists "$SHOTS/notpdf.$s.png" "notpdf: $s screenshot"; done
expect_check_fails "saved report compared with another file's" \
  assert_same_bytes "$D/tampered.cli.json" "$SHOTS/valid.download.json" x

# Artifacts that outlive the temp dir.
if [ -n "${KYSO_TEST_TMP:-}" ]; then
  art=$(dirname "$KYSO_TEST_TMP")/artifacts/verify_page
  rm -rf -- "$art"
  mkdir -p "$art"
  cp -- "$SHOTS"/*.png "$art/" 2>/dev/null || true
  echo "screenshots: $art"
fi
test_summary
