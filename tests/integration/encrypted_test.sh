#!/usr/bin/env bash
# integration.encrypted: documents encrypted with the standard security
# handler (ISO 32000-1 7.6.3, ISO 32000-2 for R6), made here by qpdf from
# the usual inputs. For each variant whose user password is empty (RC4 40
# and 128 bit, R2/R3/R4; AES-128 R4, with and without encrypted metadata;
# AES-256 R5 and R6; an xref-stream input):
#   - kyso inspect reads it (pages, no error);
#   - kyso sign --p12 signs it visibly; the output is an incremental update
#     that is still encrypted with the same key (qpdf --show-encryption:
#     same R and key; the new field's name is not in clear in the bytes),
#     qpdf --check clean, pdfsig and openssl agree (assert_signed_pdf), and
#     page 1 renders as before outside the widget;
#   - after kyso dss (also written encrypted) kyso verify says TOTAL_PASSED
#     with the test root, as pdfsig does.
# Also: an invisible signature leaves page 1 pixel-identical; a second
# signature on an encrypted signed document; a document with a real user
# password is refused (PDF_PASSWORD) by inspect, verify and sign without
# it, and read, signed (still encrypted) and verified with it, given by
# --password-file (user or owner password) or typed at the prompt; one
# whose permissions forbid annotations and forms is refused by sign
# (PDF_PERMISSION) and still read by verify.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
W=$(fresh_dir enc)

# name | input | qpdf key length and options | R
VARIANTS=(
  "rc4-40|vn-chromium.pdf|40|2"
  "rc4-128-r3|vn-chromium.pdf|128 --use-aes=n|3"
  "rc4-128-r4|vn-chromium.pdf|128 --use-aes=n --force-V4|4"
  "aes-128|vn-chromium.pdf|128 --use-aes=y|4"
  "aes-128-clear-meta|vn-chromium.pdf|128 --use-aes=y --cleartext-metadata|4"
  "aes-256-r5|vn-chromium.pdf|256 --force-R5|5"
  "aes-256-r6|vn-chromium.pdf|256|6"
  "aes-256-objstm|vn-objstm.pdf|256|6"
)

# enc_key FILE: the file key qpdf computes (empty user password).
enc_key() {
  qpdf --show-encryption-key --show-encryption -- "$1" 2>/dev/null |
    sed -n 's/^Encryption key = //p'
}

# agree_with_pdfsig FILE MSG: kyso's verdict per signature equals pdfsig's.
agree_with_pdfsig() {
  local ours theirs
  ours=$(report_get "r.signatures.map((s) => s.indication === 'TOTAL_PASSED' ? 'valid' : 'invalid').sort().join(' ')")
  theirs=$(pdfsig_verdicts "$1" | sort | tr '\n' ' ')
  assert_eq "${theirs% }" "$ours" "$2: kyso agrees with pdfsig"
}

for v in "${VARIANTS[@]}"; do
  IFS='|' read -r name src opts r <<<"$v"
  section "$name"
  in=$W/$name.pdf
  # shellcheck disable=SC2086 # opts is a list of qpdf arguments
  qpdf --allow-weak-crypto --encrypt "" owner-pw $opts -- "$FX/$src" "$in"
  assert_contains "$(qpdf --show-encryption -- "$in" 2>&1)" "R = $r" "$name: qpdf made R $r"
  key=$(enc_key "$in")
  assert_match "$key" '^[0-9a-f]{10,64}$' "$name: qpdf shows the file key"

  kyso_run inspect "$in"
  assert_success "$name: kyso inspect reads it"
  assert_contains "$(cat "$RUN_OUT")" "pages: 3" "$name: inspect counts the pages"

  out=$W/$name.signed/signed.pdf
  mkdir -p "$(dirname "$out")"
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$out" --field "EncField$r" \
    --reason "Ký văn bản mã hoá" --image "$FX/signature.png" --page 1 --rect 60,60,180,72
  assert_signed_pdf "$in" "$out" 1 "$name" "$PKI_DIR/person-rsa2048.pem"
  assert_renders_in_rect "$in" "$out" 1 60 60 180 72 "$name"
  assert_contains "$(qpdf --show-encryption -- "$out" 2>&1)" "R = $r" "$name: the signed file is still encrypted (R $r)"
  assert_eq "$key" "$(enc_key "$out")" "$name: same file key after signing"
  assert_eq 0 "$(grep -ac "EncField$r" -- "$out" || true)" \
    "$name: the new field's name is encrypted (not in clear in the file)"
  assert_contains "$(qpdf --show-object=trailer -- "$out" 2>&1)" "/Encrypt" "$name: trailer keeps /Encrypt"
  kyso_run inspect "$out"
  assert_contains "$(cat "$RUN_OUT")" "EncField$r" "$name: kyso inspect reads the field name back"

  dss=$W/$name.signed/dss.pdf
  dss_add "$out" "$dss"
  assert_eq "$key" "$(enc_key "$dss")" "$name: same file key after kyso dss"
  if check=$(qpdf --check -- "$dss" 2>&1); then pass "$name with DSS: qpdf --check"; else fail "$name with DSS: qpdf --check: $check"; fi
  # Recorded (KYSO_VERIFY_CORPUS) for the WASM tests to verify again: the
  # WASM OpenSSL has RC4 too (the legacy provider built in, wasm/deps.sh),
  # which revisions 2-4 need.
  kyso_verify "$dss" --trust "$TRUST_DIR"
  assert_all_passed 1 "$name with DSS"
  agree_with_pdfsig "$dss" "$name with DSS"
done

section "OpenSSL without RC4 (no legacy provider): a clear refusal"
# OPENSSL_MODULES pointing nowhere: the legacy provider cannot load, as in
# an OpenSSL built without it. AES-256 still opens.
KYSO_ENV=("OPENSSL_MODULES=$W/no-modules")
kyso_run inspect "$W/rc4-128-r3.pdf"
assert_error_line PDF_ENCRYPTED "RC4 document without RC4"
assert_contains "$(cat "$RUN_ERR")" "RC4-encrypted document not supported in this build" "RC4 missing: the message says so"
kyso_run inspect "$W/aes-256-r6.pdf"
assert_success "AES-256 document without RC4"
KYSO_ENV=()

section "invisible signature: page 1 identical"
in=$W/aes-256-r6.pdf
out=$(fresh_dir inv)/signed.pdf
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$out"
assert_signed_pdf "$in" "$out" 1 "invisible, AES-256" "$PKI_DIR/person-rsa2048.pem"
d=$(fresh_dir inv.render)
pdftoppm -r 72 -f 1 -l 1 -- "$in" "$d/before"
pdftoppm -r 72 -f 1 -l 1 -- "$out" "$d/after"
assert_same_bytes "$d"/before-*.ppm "$d"/after-*.ppm "invisible, AES-256: page 1 pixel-identical"

section "second signature on an encrypted signed document"
in=$W/rc4-128-r3.signed/signed.pdf
out=$(fresh_dir twice)/signed.pdf
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$in" "$out" --field Second
assert_signed_pdf "$in" "$out" 2 "RC4-128, twice" "$PKI_DIR/person-rsa2048.pem" "$PKI_DIR/org-rsa2048.pem"
dss_add "$out" "$W/twice.dss.pdf"
kyso_verify "$W/twice.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 2 "RC4-128, twice, with DSS"
agree_with_pdfsig "$W/twice.dss.pdf" "RC4-128, twice, with DSS"

section "a real user password is refused with a clear message"
for bits in 128 256; do
  in=$W/user-pw-$bits.pdf
  qpdf --allow-weak-crypto --encrypt user-pw owner-pw $bits -- "$FX/minimal.pdf" "$in"
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
  kyso_run inspect "$in"
  assert_error_line PDF_PASSWORD "inspect, user password ($bits)"
  assert_contains "$(cat "$RUN_ERR")" "password" "inspect, user password ($bits): the message says why"
  kyso_run verify "$in"
  assert_error_line PDF_PASSWORD "verify, user password ($bits)"
  outdir=$(fresh_dir "out.user-pw-$bits")
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf"
  assert_kyso_error PDF_PASSWORD "$in" "$outdir" "sign, user password ($bits)"
done

section "the password given: --password-file (user or owner) and the prompt"
in=$W/user-pw-256.pdf
printf 'user-pw\n' >"$W/user.pw"
printf 'owner-pw\n' >"$W/owner.pw"
printf 'sai-mat-khau\n' >"$W/wrong.pw"
kyso_run inspect "$in" --password-file "$W/user.pw"
assert_success "inspect with the user password"
kyso_run inspect "$in" --password-file "$W/wrong.pw"
assert_error_line PDF_PASSWORD "inspect with a wrong password"
assert_contains "$(cat "$RUN_ERR")" "wrong password" "inspect with a wrong password: the message says so"
for who in user owner; do
  out=$(fresh_dir "out.pw-$who")/signed.pdf
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$out" --password-file "$W/$who.pw" \
    --image "$FX/signature.png" --page 1 --rect 60,60,180,72
  assert_success "sign with the $who password"
  assert_prefix "$in" "$out" "sign with the $who password: incremental update"
  if check=$(qpdf --password=user-pw --check -- "$out" 2>&1); then
    pass "sign with the $who password: qpdf --check (user password)"
  else
    fail "sign with the $who password: qpdf --check: $check"
  fi
  assert_not_contains "$check" "WARNING" "sign with the $who password: qpdf without warnings"
  assert_contains "$(pdfsig -upw user-pw "$out" 2>&1)" "Signature is Valid." "sign with the $who password: pdfsig"
  assert_contains "$(qpdf --password=user-pw --show-encryption -- "$out" 2>&1)" "R = 6" \
    "sign with the $who password: still AES-256 (R 6)"
  # (not recorded for the WASM tests: the WASM API takes no password)
  KYSO_VERIFY_CORPUS='' kyso_verify "$out" --trust "$TRUST_DIR" --password-file "$W/$who.pw"
  assert_status 1 "verify with the $who password (no revocation data): exit status"
  assert_eq "1 INDETERMINATE TRY_LATER passed passed passed" \
    "$(report_get "r.signatures.length + ' ' + [S(0).indication, S(0).sub_indication, S(0).checks.integrity.result, S(0).checks.signature.result, S(0).checks.changes.result].join(' ')")" \
    "verify with the $who password: intact, only revocation unknown"
  kyso_run verify "$out"
  assert_error_line PDF_PASSWORD "verify of the signed file without the password"
done
# The prompt on a terminal (a pty from python), as for the PIN.
res=$(python3 - "$KYSO" "$in" <<'PY'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], [sys.argv[1], "inspect", sys.argv[2]])
out = b""
deadline = time.time() + 30
sent = False
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and "Mật khẩu".encode() in out:
        os.write(fd, b"user-pw\r")
        sent = True
_, status = os.waitpid(pid, 0)
text = out.decode("utf-8", "replace")
print("prompted" if sent else "no-prompt", os.waitstatus_to_exitcode(status),
      "pages: 1" in text, text.count("user-pw") != text.count("user-pw-256.pdf"))
PY
)
assert_eq "prompted 0 True False" "$res" "inspect asks for the password on the terminal, echo off"

section "permissions that forbid annotations and forms: sign refuses"
in=$W/no-annotate.pdf
qpdf --encrypt "" owner-pw 256 --annotate=n --form=y -- "$FX/vn-chromium.pdf" "$in"
assert_contains "$(qpdf --show-encryption -- "$in" 2>&1)" "modify annotations: not allowed" "qpdf forbade annotations"
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
outdir=$(fresh_dir out.no-annotate)
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf"
assert_kyso_error PDF_PERMISSION "$in" "$outdir" "sign, annotations forbidden (/P bit 6 clear)"
assert_contains "$(cat "$RUN_ERR")" "only in signature fields its author placed" \
  "sign, bit 9 without bit 6: the message says only existing fields may be signed"
in2=$W/no-modify.pdf
qpdf --encrypt "" owner-pw 128 --use-aes=y --modify=none -- "$FX/vn-chromium.pdf" "$in2"
IN_SHA256=$(sha256sum "$in2" | cut -d' ' -f1)
outdir=$(fresh_dir out.no-modify)
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in2" "$outdir/signed.pdf"
assert_kyso_error PDF_PERMISSION "$in2" "$outdir" "sign, no modification at all allowed"
assert_contains "$(cat "$RUN_ERR")" "forbid adding a signature field" "sign, no modification: the message says why"
kyso_verify "$in"
assert_status 2 "verify reads a permission-restricted document (exit 2: no signatures)"
assert_eq "0" "$(report_get 'r.signatures.length')" "verify: no signatures"

# Only owner-password protection with bit 6 set (the usual "official PDF"
# case: printing and copying restricted) signs normally.
in=$W/no-print.pdf
qpdf --encrypt "" owner-pw 256 --print=none --extract=n --modify=annotate -- "$FX/vn-chromium.pdf" "$in"
out=$(fresh_dir out.no-print)/signed.pdf
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$out"
assert_signed_pdf "$in" "$out" 1 "printing and copying forbidden, annotations allowed" "$PKI_DIR/person-rsa2048.pem"

test_summary
