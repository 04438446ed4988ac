# shellcheck shell=bash
# Helpers for the `kyso verify` tests: trust anchors, revocation data, the
# JSON report, and pdfsig's opinion of the same file.
#
#   verify_setup                 PKI_BAD (pki_bad.sh), TRUST_DIR (the test
#                                root), TRUST_ASCII (the ASCII root), and
#                                KYSO_NSSDB trusting both for pdfsig
#   kyso_verify FILE [ARGS...]   kyso verify FILE --json --no-default-trust
#                                ARGS; the report is kept in $REPORT
#   report_get EXPR              one value of the last report (report.mjs:
#                                r is the report, S(field|index) a signature)
#   assert_report_json MSG       the last stdout is one JSON document
#   assert_verdict FIELD IND SUB MSG     indication and sub_indication (SUB
#                                "null" for none) of a signature
#   assert_check FIELD CHECK RESULT REASON MSG
#   assert_all_passed N MSG      exit 0, N signatures, each TOTAL_PASSED
#                                with every mandatory check passed
#   assert_expect CLASS FIELD INDS SUBS CHECKS OBJECTS MSG   one row of
#                                attacks.tsv against the last report
#   dss_add IN OUT [SIGNER...]   kyso dss: the CRLs of the test PKI and the
#                                OCSP responses for SIGNER (pki_bad names
#                                or pki.sh end entities; default: all good)
#   pdfsig_verdicts FILE         "valid" / "invalid" per signature, one a
#                                line, from pdfsig: valid means "Signature
#                                is Valid." and "Certificate is Trusted."
#
# Needs setup.sh (common, pki, nssdb, kyso) and pki_bad.sh.

REPORT=$TEST_TMP/report.json
export REPORT

verify_setup() {
  pki_bad_setup "$PKI_DIR"
  TRUST_DIR=$TEST_TMP/trust
  TRUST_ASCII=$TEST_TMP/trust-ascii
  mkdir -p "$TRUST_DIR" "$TRUST_ASCII"
  cp -- "$PKI_DIR/root.pem" "$TRUST_DIR/"
  cp -- "$PKI_BAD/ascii-root.pem" "$TRUST_ASCII/"
  certutil -A -d "sql:$KYSO_NSSDB" -n "kyso ascii root" -t "CT,C,C" -i "$PKI_BAD/ascii-root.pem"
  export TRUST_DIR TRUST_ASCII
}

# kyso_verify FILE [ARGS...]: RUN_STATUS, RUN_OUT, RUN_ERR as kyso_run sets
# them; $REPORT holds stdout.
kyso_verify() {
  local file=$1
  shift
  kyso_run verify "$file" --json --no-default-trust "$@"
  cp -- "$RUN_OUT" "$REPORT"
  [ -z "${KYSO_VERIFY_CORPUS:-}" ] || verify_corpus_record "$file" "$@"
}

# verify_corpus_record FILE [ARGS...]: keeps a copy of a verified file, the
# certificates it was trusted with and its --at in $KYSO_VERIFY_CORPUS, one
# directory per distinct input, so the WASM tests (tests/wasm) can verify
# the very same inputs and compare reports with the native CLI's.
verify_corpus_record() {
  local file=$1 key dir tmp at="" test
  shift
  key=$(cat -- "$file" <(printf '%s\n' "$@") | sha256sum | cut -c1-24)
  dir=$KYSO_VERIFY_CORPUS/$key
  [ -d "$dir" ] && return 0
  mkdir -p "$KYSO_VERIFY_CORPUS"
  tmp=$(mktemp -d "$KYSO_VERIFY_CORPUS/.new.XXXXXX")
  mkdir "$tmp/trust"
  cp -- "$file" "$tmp/document.pdf"
  while [ $# -gt 0 ]; do
    case $1 in
      --trust)
        if [ -d "$2" ]; then
          find "$2" -maxdepth 1 -type f \( -name '*.pem' -o -name '*.crt' -o -name '*.cer' -o -name '*.der' \) \
            -exec cp -t "$tmp/trust/" -- {} +
        else
          cp -- "$2" "$tmp/trust/"
        fi
        shift 2 ;;
      --at) at=$2; shift 2 ;;
      *) shift ;;
    esac
  done
  test=$(basename "${BASH_SOURCE[-1]}" .sh)
  printf '%s\t%s\t%s\n' "$test" "$(file_label "$file")" "$at" >"$tmp/source.tsv"
  mv -T -- "$tmp" "$dir" 2>/dev/null || rm -rf -- "$tmp"
}

report_get() {
  node "$KYSO_TESTLIB/report.mjs" get "$REPORT" "$1"
}

assert_report_json() {
  if node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$REPORT" 2>/dev/null; then
    pass "$1: --json output is JSON"
  else
    fail "$1: --json output is not JSON: $(_kyso_clip "$(cat "$REPORT")")"
  fi
}

assert_verdict() { # FIELD IND SUB MSG
  local got
  got=$(node "$KYSO_TESTLIB/report.mjs" get "$REPORT" "S('$1').indication" "S('$1').sub_indication" | tr '\n' ' ')
  assert_eq "$2 $3" "${got% }" "$4: signature $1 indication and sub-indication"
}

assert_check() { # FIELD CHECK RESULT REASON MSG
  local got
  got=$(node "$KYSO_TESTLIB/report.mjs" get "$REPORT" "S('$1').checks.$2.result" "S('$1').checks.$2.reason" | tr '\n' ' ')
  assert_eq "$3 $4" "${got% }" "$5: signature $1 check $2"
}

# The checks a TOTAL_PASSED signature must have passed (timestamp may be
# not_run when there is none).
VERIFY_MANDATORY="structure revision cms integrity signing_certificate signature algorithms chain validity key_usage revocation changes"

assert_all_passed() { # N MSG
  local n=$1 msg=$2 i summary
  local -a lines
  assert_status 0 "$msg: kyso verify exit status"
  assert_report_json "$msg"
  assert_eq "$n TOTAL_PASSED" "$(report_get "r.signatures.length + ' ' + r.overall")" "$msg: count and overall"
  # One line per signature: "INDICATION SUB NOT_PASSED_CHECKS DISALLOWED".
  summary=$(report_get "r.signatures.map((s) => [s.indication, String(s.sub_indication),
    '$VERIFY_MANDATORY'.split(' ').filter((c) => s.checks[c]?.result !== 'passed').join(',') || '-',
    s.changes.filter((c) => !c.allowed).length].join(' ')).join('\\n')")
  mapfile -t lines <<<"$summary"
  for ((i = 0; i < n; i++)); do
    assert_eq "TOTAL_PASSED null - 0" "${lines[$i]:-}" \
      "$msg: signature $((i + 1)): indication, sub-indication, mandatory checks not passed, disallowed changes"
  done
}

assert_expect() { # CLASS FIELD INDS SUBS CHECKS OBJECTS MSG
  local status text n=0
  while IFS=$'\t' read -r status text; do
    n=$((n + 1))
    if [ "$status" = PASS ]; then pass "$7: $text"; else fail "$7: $text"; fi
  done < <(node "$KYSO_TESTLIB/report.mjs" expect "$REPORT" "$1" "$2" "$3" "$4" "$5" "$6" 2>&1 || echo "FAIL	report.mjs failed")
  [ "$n" -gt 0 ] || fail "$7: no expectation was judged"
}

# Every good signer's OCSP response (the DSS is shared by all signatures).
DSS_GOOD_SIGNERS="good tsa person-rsa2048 person-rsa3072 person-ec256 org-rsa2048 third-rsa2048 ascii-signer"

dss_add() { # IN OUT [SIGNER...]
  local in=$1 out=$2 s
  shift 2
  local -a args=(--crl "$PKI_BAD/subca.crl" --crl "$PKI_BAD/root.crl" --crl "$PKI_BAD/ascii-root.crl")
  # shellcheck disable=SC2086 # a list of names
  [ $# -gt 0 ] || set -- $DSS_GOOD_SIGNERS
  for s in "$@"; do args+=(--ocsp "$PKI_BAD/ocsp/$s.der"); done
  kyso_run dss --in "$in" --out "$out" "${args[@]}"
  assert_success "kyso dss on $(file_label "$in")"
}

pdfsig_verdicts() { # FILE
  pdfsig_out "$1" | awk '
    function emit() { print (v && t) ? "valid" : "invalid" }
    /^Signature #[0-9]+:$/ { if (n) emit(); n++; v = 0; t = 0 }
    /- Signature Validation: Signature is Valid\.$/ { v = 1 }
    /- Certificate Validation: Certificate is Trusted\.$/ { t = 1 }
    END { if (n) emit() }'
}

# ---- signatures made by other tools ------------------------------------------

# sign_pdfsig IN OUT: poppler's pdfsig -add-signature (NSS; writes
# adbe.pkcs7.detached, BER) as person-rsa2048, time from NSS (now).
sign_pdfsig() {
  local db=$TEST_TMP/nss-signers
  [ -d "$db" ] || nssdb_add_signer "$db" "$PKI_DIR/person-rsa2048.p12" person
  pdfsig -add-signature -nssdir "sql:$db" -nick person -reason "Ký bằng pdfsig" \
    "$1" "$2" 2>/dev/null
}

# sign_signpdf IN OUT P12 [SUBFILTER]: @signpdf/signpdf with its P12 signer.
sign_signpdf() {
  node "$KYSO_TESTLIB/signpdf.cjs" "$1" "$2" "$3" "$PKI_P12_PASS" "${4:-adbe.pkcs7.detached}" \
    2024-12-11T02:30:15Z
}

# sign_sigwrite IN OUT EE [ARGS...]: sigwrite.mjs (openssl cms) as EE of pki.sh.
sign_sigwrite() {
  local in=$1 out=$2 ee=$3
  shift 3
  node "$KYSO_TESTLIB/sigwrite.mjs" "$in" "$out" --cert "$PKI_DIR/$ee.pem" \
    --key "$PKI_DIR/$ee.key" --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME" "$@"
}
