# shellcheck shell=bash
# An NSS database for poppler's pdfsig, the independent checker.
#
#   nssdb_make DIR PKI        empty-password db trusting only PKI's root
#                             ("CT,C,C"); sets KYSO_NSSDB=DIR. The sub-CA is
#                             NOT imported: a signature is trusted only if
#                             it carries its chain, as it must for a receiver.
#   nssdb_add_signer DIR P12 NICK   import a P12 (key + chain) under NICK, so
#                             pdfsig -add-signature -nick NICK can sign
#                             (creates DIR as an empty db if needed)
#   pdfsig_out FILE           pdfsig's report on FILE on stdout
#   pdfsig_run FILE           the same into $TEST_TMP/pdfsig.out, PDFSIG_STATUS set
#   pdfsig_check FILE N       assert: N signatures, each "Signature is Valid."
#                             and "Certificate is Trusted.", the last one
#                             "Total document signed", the others not
#   pdfsig_field FILE I NAME  value of "  - NAME: value" in signature #I
#
# poppler 22.12 wording (pdfsig FILE, one block per signature):
#   Signature #1:
#     - Signature Field Name: Signature1
#     - Signer Certificate Common Name: Nguyễn Văn A
#     - Signer full Distinguished Name: UID=CCCD:...,CN=Nguyễn Văn A,...,C=VN
#     - Signing Time: Nov 24 2026 00:12:29
#     - Signing Hash Algorithm: SHA-256
#     - Signature Type: ETSI.CAdES.detached
#     - Signed Ranges: [0 - 822629], [830661 - 831121]
#     - Total document signed            (or: Not total document signed)
#     - Signature Validation: Signature is Valid.
#                              (or: Signature is Invalid. / Digest Mismatch.)
#     - Certificate Validation: Certificate is Trusted.
#                              (or: Certificate issuer is unknown.)
# and "File 'X' does not contain any signatures" (status 2) without any.
# Needs common.sh.

nssdb_make() {
  local dir=$1 pki=$2
  mkdir -p "$dir"
  certutil -N -d "sql:$dir" --empty-password
  certutil -A -d "sql:$dir" -n "kyso test root" -t "CT,C,C" -i "$pki/root.pem"
  KYSO_NSSDB=$dir
  export KYSO_NSSDB
}

nssdb_add_signer() {
  local dir=$1 p12=$2 nick=$3 pem=$TEST_TMP/nss-import.$$.pem
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    certutil -N -d "sql:$dir" --empty-password
  fi
  # pk12util names the key after the P12's friendlyName; re-export under
  # NICK (through a file: openssl reads -in twice, a pipe only once).
  openssl pkcs12 -in "$p12" -passin "pass:$PKI_P12_PASS" -nodes -out "$pem"
  openssl pkcs12 -export -passout "pass:$PKI_P12_PASS" -name "$nick" -in "$pem" -out "$pem.p12"
  pk12util -d "sql:$dir" -i "$pem.p12" -W "$PKI_P12_PASS" >/dev/null
  rm -f -- "$pem" "$pem.p12"
}

# pdfsig_out FILE: stderr is dropped because NSS prints shutdown noise
# there. No -no-ocsp: with it poppler 22.12 reports every chain as "Unknown
# issue with Certificate or corrupted data."; our certs carry no AIA or CRL
# distribution point, so pdfsig has nothing to fetch anyway.
PDFSIG_STATUS=0
pdfsig_out() {
  PDFSIG_STATUS=0
  pdfsig -nssdir "sql:$KYSO_NSSDB" "$1" 2>/dev/null || PDFSIG_STATUS=$?
}

# pdfsig_run FILE: the same into "$TEST_TMP/pdfsig.out", with PDFSIG_STATUS
# set in this shell (not in a $(...) subshell).
pdfsig_run() {
  pdfsig_out "$1" >"$TEST_TMP/pdfsig.out"
}

pdfsig_field() { # FILE I NAME
  pdfsig_out "$1" | awk -v i="$2" -v name="$3" '
    /^Signature #[0-9]+:$/ { n = substr($2, 2) + 0 }
    n == i && index($0, "  - " name ": ") == 1 {
      print substr($0, length("  - " name ": ") + 1); exit
    }'
}

pdfsig_check() { # FILE N
  local file=$1 want=$2 out i block label
  label=$(file_label "$file")
  pdfsig_run "$file"
  out=$(cat "$TEST_TMP/pdfsig.out")
  assert_eq 0 "$PDFSIG_STATUS" "pdfsig exit status on $label"
  assert_eq "$want" "$(grep -c '^Signature #[0-9]*:$' <<<"$out" || true)" \
    "pdfsig signature count in $label"
  for ((i = 1; i <= want; i++)); do
    block=$(awk -v i="$i" '/^Signature #[0-9]+:$/ { n = substr($2, 2) + 0 } n == i' <<<"$out")
    assert_contains "$block" "  - Signature Validation: Signature is Valid." \
      "pdfsig: signature #$i valid in $label"
    assert_contains "$block" "  - Certificate Validation: Certificate is Trusted." \
      "pdfsig: signature #$i certificate trusted in $label"
    if [ "$i" -eq "$want" ]; then
      assert_contains "$block" "  - Total document signed" \
        "pdfsig: last signature #$i covers the whole file"
    else
      assert_contains "$block" "  - Not total document signed" \
        "pdfsig: earlier signature #$i does not cover later revisions"
    fi
  done
}
