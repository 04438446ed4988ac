# shellcheck shell=bash
# Helpers of the LTV integration tests (tests/integration/ltv_*_test.sh):
# the kyso command against the loopback PKI and responders of ltv_pki.sh,
# and cross-checks of what it embedded with tools that share no code with
# kyso (openssl ocsp / ts / crl, qpdf through ltv_dss.mjs, pdfsig).
#
#   ltv_test_setup              integration_setup, ltv_setup, both LTV roots
#                               trusted by pdfsig's NSS db; IN: a staged input
#   ltv_sign LEAF IN OUT [ARGS...]   kyso sign --p12 LEAF.p12 --config
#                               $LTV_CONF --allow-loopback-urls --trust both
#                               roots --no-default-trust ARGS (fresh cache)
#   ltv_timestamp IN OUT [ARGS...]   kyso timestamp, the same network options
#   ltv_verify FILE [ARGS...]   kyso_verify FILE --trust $LTV_TRUST ARGS
#                               (LTV_VERIFY_TRUST: another trust dir)
#   ltv_verify_online FILE [ARGS...]  the same with --online and the network
#                               options
#   ltv_dss FILE DIR            ltv_dss.mjs: DIR/{ocsp,crl,cert}-I.der,
#                               LTV_DSS (its output)
#   ltv_dss_count KIND          ocsps, crls or certs of the last ltv_dss
#   ltv_ocsp_for DIR CERT ISSUER   "good"/"revoked"/"unknown": the status
#                               an OCSP response in DIR gives CERT, checked by
#                               openssl ocsp -respin (signature, responder,
#                               chain to the LTV roots); empty: none
#   ltv_crl_for DIR ISSUER      the number of a CRL in DIR that ISSUER
#                               signed (openssl crl -CAfile), empty: none
#   ltv_vri_keys FILE DIR       per signature: "N KIND SHA1" with KIND sig
#                               (SHA-1 of the whole /Contents string) or
#                               doc (a document timestamp: SHA-1 of its DER
#                               token), upper-case hex
#   ltv_cert_for DIR CERT       cert-I of DIR byte-equal to CERT (PEM), or ""
#   ltv_pdfsig_valid FILE MSG [ARGS...]  pdfsig: every CMS signature valid,
#                               its certificate trusted (not the "total
#                               document" line: a DSS revision follows)
#   assert_evidence_sources MSG SOURCES  after a verify: the sources of all
#                               revocation_evidence items, all "good"
#   assert_lt MSG FILE LEAF N   the battery: kyso verify offline TOTAL_PASSED
#                               with every evidence from the DSS; OCSP for
#                               LEAF, sub-CA, TSA in the DSS verified by
#                               openssl; VRI keys; pdfsig valid (-aia)
#
# Needs setup.sh (common, pki, kyso, nssdb, verify) and ltv_pki.sh.

ltv_test_setup() {
  integration_setup
  require_cmd ss faketime
  ltv_setup "$TEST_TMP/ltv"
  certutil -A -d "sql:$KYSO_NSSDB" -n "kyso ltv root" -t "CT,C,C" -i "$LTV_DIR/root.pem"
  certutil -A -d "sql:$KYSO_NSSDB" -n "kyso ltv tsa root" -t "CT,C,C" -i "$LTV_DIR/tsaroot.pem"
  cat "$LTV_DIR/root.pem" "$LTV_DIR/tsaroot.pem" >"$LTV_DIR/roots.pem"
  cat "$LTV_DIR/sub.pem" "$LTV_DIR/tsa.pem" >"$LTV_DIR/untrusted.pem"
  IN=$(stage_input "$FX/vn-chromium.pdf" "$(fresh_dir in)")
  export IN
}

# The network options every kyso command of these tests takes.
ltv_net_args() {
  printf '%s\n' --config "$LTV_CONF" --allow-loopback-urls --no-default-trust \
    --trust "$LTV_DIR/root.pem" --trust "$LTV_DIR/tsaroot.pem"
}

ltv_sign() { # LEAF IN OUT [ARGS...]
  local leaf=$1 in=$2 out=$3
  shift 3
  [ "${#KYSO_ENV[@]}" -gt 0 ] || ltv_env
  local -a net
  mapfile -t net < <(ltv_net_args)
  kyso_run sign --in "$in" --out "$out" --p12 "$LTV_DIR/$leaf.p12" \
    --pin-file "$LTV_PASS_FILE" "${net[@]}" "$@"
  KYSO_ENV=()
}

ltv_timestamp() { # IN OUT [ARGS...]
  local in=$1 out=$2
  shift 2
  [ "${#KYSO_ENV[@]}" -gt 0 ] || ltv_env
  local -a net
  mapfile -t net < <(ltv_net_args)
  kyso_run timestamp --in "$in" --out "$out" "${net[@]}" "$@"
  KYSO_ENV=()
}

ltv_verify() { # FILE [ARGS...]
  local f=$1
  shift
  [ "${#KYSO_ENV[@]}" -gt 0 ] || ltv_env
  kyso_verify "$f" --trust "${LTV_VERIFY_TRUST:-$LTV_TRUST}" "$@"
  KYSO_ENV=()
}

ltv_verify_online() { # FILE [ARGS...]
  local f=$1
  shift
  [ "${#KYSO_ENV[@]}" -gt 0 ] || ltv_env
  # not recorded for the WASM comparison: the module has no network
  kyso_run verify "$f" --json --no-default-trust --trust "${LTV_VERIFY_TRUST:-$LTV_TRUST}" --online \
    --config "$LTV_CONF" --allow-loopback-urls "$@"
  cp -- "$RUN_OUT" "$REPORT"
  KYSO_ENV=()
}

LTV_DSS=""
ltv_dss() { # FILE DIR
  rm -rf -- "$2"
  if LTV_DSS=$(node "$KYSO_TESTLIB/ltv_dss.mjs" "$1" "$2" 2>"$TEST_TMP/ltv_dss.err"); then
    pass "DSS of $(file_label "$1") read by qpdf"
  else
    fail "DSS of $(file_label "$1") read by qpdf: $(cat "$TEST_TMP/ltv_dss.err")"
    LTV_DSS=""
  fi
}

ltv_dss_count() { # KIND
  awk -v k="$1" '$1 == k { print $2 }' <<<"$LTV_DSS"
}

ltv_ocsp_for() { # DIR CERT ISSUER
  local f out st
  for f in "$1"/ocsp-*.der; do
    [ -f "$f" ] || continue
    out=$(openssl ocsp -respin "$f" -CAfile "$LTV_DIR/roots.pem" \
      -verify_other "$LTV_DIR/untrusted.pem" -issuer "$3" -cert "$2" -no_nonce 2>&1) || continue
    grep -q '^Response verify OK' <<<"$out" || continue
    st=$(awk -v c="$2: " 'index($0, c) == 1 { s = substr($0, length(c) + 1)
      if (s == "good" || s == "revoked" || s == "unknown") { print s; exit } }' <<<"$out")
    if [ -n "$st" ]; then
      echo "$st"
      return 0
    fi
  done
}

ltv_crl_for() { # DIR ISSUER
  local f
  for f in "$1"/crl-*.der; do
    [ -f "$f" ] || continue
    if openssl crl -inform DER -in "$f" -noout -CAfile "$2" 2>&1 | grep -q '^verify OK'; then
      basename "$f" .der
      return 0
    fi
  done
}

ltv_vri_keys() { # FILE DIR
  local file=$1 dir=$2 tag n a b c kind len sha
  rm -rf -- "$dir"
  node "$KYSO_TESTLIB/pdfsigs.mjs" "$file" "$dir" | while read -r tag n a b c _; do
    [ "$tag" = sig ] || continue
    if openssl cms -cmsout -print -inform DER -in "$dir/sig-$n.der" 2>/dev/null |
      grep -q 'eContentType: id-smime-ct-TSTInfo'; then
      kind=doc
      sha=$(sha1sum <"$dir/sig-$n.der" | cut -c1-40)
    else
      kind=sig
      # the hex string between "<" and ">" of /Contents, decoded, padding too
      len=$((c - a - b - 2))
      sha=$(dd if="$file" bs=1 skip=$((a + b + 1)) count="$len" status=none | xxd -r -p |
        sha1sum | cut -c1-40)
    fi
    echo "$n $kind ${sha^^}"
  done
}

# ltv_cert_for DIR CERT: a cert-I.der in DIR equal to CERT (PEM), or empty.
ltv_cert_for() {
  local f want
  want=$(openssl x509 -in "$2" -outform DER | sha256sum | cut -c1-64)
  for f in "$1"/cert-*.der; do
    [ -f "$f" ] || continue
    if [ "$(sha256sum <"$f" | cut -c1-64)" = "$want" ]; then basename "$f" .der; return 0; fi
  done
}

# assert_evidence_sources MSG SOURCES: after a kyso_verify, the sources of
# every revocation_evidence item of every signature, sorted, unique, joined
# by spaces, are SOURCES; and every status is good.
assert_evidence_sources() {
  local msg=$1 want=$2
  assert_eq "$want" "$(report_get "[...new Set(r.signatures.flatMap((s) =>
    s.revocation_evidence.map((e) => String(e.source))))].sort().join(' ')")" \
    "$msg: revocation evidence sources"
  assert_eq "good" "$(report_get "[...new Set(r.signatures.flatMap((s) =>
    s.revocation_evidence.map((e) => e.status)))].sort().join(' ')")" \
    "$msg: revocation evidence status"
}

# assert_lt MSG FILE LEAF N: FILE (N signatures, the first by LEAF, with a
# signature timestamp from the loopback TSA) is PAdES B-LT.
assert_lt() {
  local msg=$1 file=$2 leaf=$3 n=$4 d=$TEST_TMP/lt.$RANDOM keys
  ltv_verify "$file"
  assert_all_passed "$n" "$msg: offline verification"
  assert_evidence_sources "$msg" "dss"
  ltv_dss "$file" "$d/dss"
  assert_eq good "$(ltv_ocsp_for "$d/dss" "$LTV_DIR/$leaf.pem" "$LTV_DIR/sub.pem")" \
    "$msg: the DSS holds an OCSP response saying the signer is good (openssl ocsp -respin)"
  assert_eq good "$(ltv_ocsp_for "$d/dss" "$LTV_DIR/sub.pem" "$LTV_DIR/root.pem")" \
    "$msg: the DSS holds an OCSP response saying the sub-CA is good"
  assert_eq good "$(ltv_ocsp_for "$d/dss" "$LTV_DIR/tsa.pem" "$LTV_DIR/tsaroot.pem")" \
    "$msg: the DSS holds an OCSP response saying the TSA is good"
  keys=$(ltv_vri_keys "$file" "$d/sigs")
  assert_eq "$n" "$(wc -l <<<"$keys")" "$msg: signatures found for the VRI keys"
  local k
  while read -r _ _ k; do
    if grep -q "^vri $k ocsp=[0-9]" <<<"$LTV_DSS"; then
      pass "$msg: a /VRI entry under the SHA-1 of the signature's /Contents names OCSP responses"
    else
      fail "$msg: no /VRI entry $k with OCSP responses in: $LTV_DSS"
    fi
  done <<<"$keys"
  ltv_pdfsig_valid "$file" "$msg" -aia
}

# ltv_pdfsig_valid FILE MSG [PDFSIG_ARGS...]: pdfsig (NSS, trusting the two
# LTV roots; it may ask the loopback OCSP responders itself) says every CMS
# signature is valid and its certificate trusted. The DSS revision after a
# signature makes it "Not total document signed", which is expected here.
ltv_pdfsig_valid() {
  local file=$1 msg=$2 out n i block
  shift 2
  out=$(pdfsig -nssdir "sql:$KYSO_NSSDB" "$@" "$file" 2>/dev/null || true)
  n=$(grep -c '^Signature #[0-9]*:$' <<<"$out" || true)
  assert_gt "$n" 0 "$msg: pdfsig finds signatures"
  for ((i = 1; i <= n; i++)); do
    block=$(awk -v i="$i" '/^Signature #[0-9]+:$/ { k = substr($2, 2) + 0 } k == i' <<<"$out")
    case $block in *"Signature Type: ETSI.RFC3161"*) continue ;; esac
    assert_contains "$block" "  - Signature Validation: Signature is Valid." \
      "$msg: pdfsig: signature #$i valid"
    assert_contains "$block" "  - Certificate Validation: Certificate is Trusted." \
      "$msg: pdfsig: signature #$i certificate trusted"
  done
}
