#!/usr/bin/env bash
# integration.verify_cli: the `kyso verify` command line contract.
#   exit 0 every signature valid, 1 any invalid or indeterminate, 2 no
#   signature, 3 the file cannot be read (with one "kyso: CODE: message"
#   line on stderr); --json prints one JSON document and nothing else,
#   whatever the outcome; the text report is Vietnamese by default and with
#   --lang vi, English with --lang en; --at sets the validation time; bad
#   options are refused with one error line.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
W=$(fresh_dir cli)

kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$FX/minimal.pdf" "$W/signed.pdf" --field NguoiKy
assert_success "sign the input"
dss_add "$W/signed.pdf" "$W/valid.pdf"
node "$KYSO_TESTLIB/attacks.mjs" prepare "$W/a" # an unsigned two-revision PDF
cp -- "$W/valid.pdf" "$W/tampered.pdf"
# One byte of the signed page content changed: same length, same offsets.
off=$(grep -abo -m 1 'Kyso test page' "$W/tampered.pdf" | cut -d: -f1)
printf 'X' | dd of="$W/tampered.pdf" bs=1 seek="$off" conv=notrunc 2>/dev/null

# json_case NAME FILE STATUS [ARGS...]: kyso verify --json; status, JSON.
json_case() {
  local name=$1 file=$2 status=$3
  shift 3
  kyso_verify "$file" "$@"
  assert_status "$status" "$name: exit status"
  assert_report_json "$name"
  assert_eq 1 "$(report_get 'r.kyso_report')" "$name: kyso_report version"
  assert_eq "$(stat -c %s "$file")" "$(report_get 'r.file.size')" "$name: file.size"
}

section "exit status and --json"
json_case "valid" "$W/valid.pdf" 0 --trust "$TRUST_DIR"
assert_eq "TOTAL_PASSED 1 $(pdf_revisions "$W/valid.pdf")" \
  "$(report_get "r.overall + ' ' + r.signatures.length + ' ' + r.file.revisions")" "valid: overall, count, revisions"
json_case "untrusted root" "$W/valid.pdf" 1
json_case "no revocation data" "$W/signed.pdf" 1 --trust "$TRUST_DIR"
assert_eq "INDETERMINATE" "$(report_get 'r.overall')" "no revocation data: overall"
json_case "tampered" "$W/tampered.pdf" 1 --trust "$TRUST_DIR"
assert_eq "TOTAL_FAILED HASH_FAILURE" "$(report_get "r.overall + ' ' + S(0).sub_indication")" "tampered: verdict"
assert_eq "failed message_digest_mismatch" \
  "$(report_get "S(0).checks.integrity.result + ' ' + S(0).checks.integrity.reason")" "tampered: integrity"
json_case "no signature" "$FX/minimal.pdf" 2 --trust "$TRUST_DIR"
assert_eq 0 "$(report_get 'r.signatures.length')" "no signature: empty list"
json_case "no signature, two revisions" "$W/a/victim.pdf" 2
assert_eq 2 "$(report_get 'r.file.revisions')" "no signature: revisions counted"

# Every check of the contract is in the report, with a known result.
kyso_verify "$W/valid.pdf" --trust "$TRUST_DIR"
for c in structure revision cms integrity signing_certificate signature algorithms chain validity \
  key_usage revocation timestamp changes; do
  assert_match "$(report_get "S(0).checks.$c.result")" '^(passed|failed|indeterminate|not_run)$' "report has check $c"
done
assert_match "$(report_get 'r.validation_time')" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
  "validation_time is UTC"
assert_eq "2024-12-11T02:30:15Z" "$(report_get 'S(0).claimed_time')" "claimed_time in UTC"

section "--at"
kyso_verify "$W/valid.pdf" --trust "$TRUST_DIR" --at 2025-01-31T10:00:00+07:00
assert_eq "2025-01-31T03:00:00Z" "$(report_get 'r.validation_time')" "--at sets validation_time (UTC)"
kyso_verify "$W/valid.pdf" --trust "$TRUST_DIR" --at 2019-01-01T00:00:00+07:00
assert_status 1 "--at before every certificate: exit status"
assert_ne TOTAL_PASSED "$(report_get 'S(0).indication')" "--at before every certificate: not passed"

section "cannot read the file: exit 3, one error line"
printf 'not a pdf' >"$W/notpdf.pdf"
: >"$W/empty.pdf"
for f in "$W/notpdf.pdf" "$W/empty.pdf" "$W/khong-co.pdf" "$FX/bad-truncated.pdf" "$FX/bad-prev-loop.pdf"; do
  kyso_run verify "$f" --trust "$TRUST_DIR"
  assert_status 3 "$(basename "$f"): exit status"
  assert_error_line '[A-Z_]+' "$(basename "$f")"
  assert_eq 0 "$(wc -c <"$RUN_OUT")" "$(basename "$f"): nothing on stdout"
  kyso_run verify "$f" --json
  assert_status 3 "$(basename "$f") --json: exit status"
  assert_error_line '[A-Z_]+' "$(basename "$f") --json"
done

section "--lang"
# A fixed --at, so that two runs print the same bytes.
at=(--at 2030-01-01T00:00:00+07:00)
kyso_run verify "$W/valid.pdf" --trust "$TRUST_DIR" --no-default-trust "${at[@]}"
assert_status 0 "text report: exit status"
default=$(cat "$RUN_OUT")
kyso_run verify "$W/valid.pdf" --trust "$TRUST_DIR" --no-default-trust "${at[@]}" --lang vi
vi=$(cat "$RUN_OUT")
kyso_run verify "$W/valid.pdf" --trust "$TRUST_DIR" --no-default-trust "${at[@]}" --lang en
en=$(cat "$RUN_OUT")
assert_eq "$vi" "$default" "the default language is Vietnamese"
assert_ne "$vi" "$en" "vi and en differ"
for word in "Chữ ký" "Người ký" "Kết luận" "Nguyễn Văn A"; do
  assert_contains "$vi" "$word" "--lang vi says $word"
done
for word in "Signature" "Signer" "Overall" "Nguyễn Văn A"; do
  assert_contains "$en" "$word" "--lang en says $word"
done
assert_not_contains "$en" "Kết luận" "--lang en has no Vietnamese labels"
assert_not_contains "$vi" "Overall" "--lang vi has no English labels"
assert_contains "$vi" "2024-12-11T09:30:15+07:00" "times are shown at +07:00"
kyso_run verify "$W/tampered.pdf" --trust "$TRUST_DIR" --lang en
assert_status 1 "text report, tampered: exit status"
assert_not_contains "$(cat "$RUN_OUT")" "TOTAL_PASSED" "text report, tampered: not passed"

section "bad options: refused with one error line"
kyso_run verify "$W/valid.pdf" --lang fr
assert_error_line ARGUMENT "--lang fr"
kyso_run verify "$W/valid.pdf" --at yesterday
assert_error_line ARGUMENT "--at yesterday"
kyso_run verify "$W/valid.pdf" --no-such-option
assert_error_line ARGUMENT "unknown option"
kyso_run verify
assert_error_line ARGUMENT "no file"
kyso_run verify "$W/valid.pdf" --trust "$W/khong-co-thu-muc"
assert_failure "--trust that does not exist"

section "negative controls"
expect_check_fails "json_case expecting exit 0 on the tampered file" json_case x "$W/tampered.pdf" 0 --trust "$TRUST_DIR"
printf '{"kyso_report":1,' >"$REPORT"
expect_check_fails "assert_report_json on truncated JSON" assert_report_json x
kyso_run verify "$W/valid.pdf" --trust "$TRUST_DIR" --no-default-trust --lang en
expect_check_fails "assert_error_line on a successful run" assert_error_line ARGUMENT x

test_summary
