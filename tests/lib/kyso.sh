# shellcheck shell=bash
# Running the kyso command and checking what it produced, with tools that
# share no code with it (qpdf, poppler, openssl, the node helpers here).
#
#   kyso_require                 $KYSO must be an executable (else the test fails)
#   kyso_pin_file                echo a file holding $TOKEN_PIN, no newline
#   kyso_run ARGS...             run_cmd "$KYSO" ARGS... (KYSO_ENV, timeout)
#   kyso_sign_token TOKEN IN OUT [ARGS...]   sign with SoftHSM, --chain, fixed --time
#   kyso_sign_p12 P12 IN OUT [ARGS...]       sign with a PKCS#12 file
#   assert_error_line CODES MSG  failed with one "kyso: CODE: message" line
#   assert_kyso_error CODES IN OUTDIR MSG    the error contract, after kyso_run
#   assert_signed_pdf IN OUT N MSG [SIGNER_PEM...]  the output battery, after kyso_run
#   assert_inspect FILE REVS MSG [FIELD|SUBFILTER|CN...]  kyso inspect vs. extractor
#   pdf_revisions FILE           count of %%EOF markers
#   cms_extract FILE DIR         pdfsigs.mjs: DIR/sig-I.{der,covered}, CMS_COUNT
#   assert_cms_valid FILE N [SIGNER_PEM...]  openssl cms -verify of each
#   cms_signer_info DER          "digest sigalg attrs" of the first SignerInfo
#   cms_has_cert DER CERT        the CMS carries that certificate
#   cms_pss_params DER           "sha256 mgf1 sha256 20" for RSASSA-PSS
#   sig_fields FILE              pdfform.mjs lines (one per signature field)
#   assert_renders_in_rect IN OUT PAGE X Y W H MSG   visible image, with alpha
#
# Needs common.sh, pki.sh (PKI_DIR), token.sh, nssdb.sh.

# The signing time every test passes, and how it must appear in /M
# (ISO 32000-1 7.9.4; the trailing apostrophe is optional since PDF 2.0).
KYSO_TEST_TIME=2024-12-11T09:30:15+07:00
KYSO_TEST_M_RE="^D:20241211093015\\+07'00'?$"
export KYSO_TEST_TIME KYSO_TEST_M_RE

kyso_require() {
  [ -n "${KYSO:-}" ] || die "KYSO is not set (path of the kyso binary)"
  [ -x "$KYSO" ] || die "KYSO=$KYSO is not an executable"
}

kyso_pin_file() {
  local f=$TEST_TMP/pin
  [ -f "$f" ] || printf '%s' "$TOKEN_PIN" >"$f"
  echo "$f"
}

# kyso_run ARGS...: KYSO_PIN is removed from the environment so every secret
# comes from what the test passes (KYSO_ENV=(NAME=VALUE...) adds variables);
# a timeout turns a hang (say, a PIN prompt) into a failure.
KYSO_ENV=()
kyso_run() {
  run_cmd timeout "${KYSO_TIMEOUT:-60}" env -u KYSO_PIN "${KYSO_ENV[@]}" "$KYSO" "$@"
}

kyso_sign_token() { # TOKEN IN OUT [ARGS...]
  local token=$1 in=$2 out=$3
  shift 3
  kyso_run sign --in "$in" --out "$out" --pkcs11-module "$TOKEN_MODULE" \
    --token "$token" --pin-file "$(kyso_pin_file)" --chain "$PKI_DIR/chain.pem" \
    --time "$KYSO_TEST_TIME" "$@"
}

kyso_sign_p12() { # P12 IN OUT [ARGS...]
  local p12=$1 in=$2 out=$3 pass=$TEST_TMP/p12pass
  shift 3
  printf '%s' "$PKI_P12_PASS" >"$pass"
  kyso_run sign --in "$in" --out "$out" --p12 "$p12" --pin-file "$pass" \
    --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME" "$@"
}

# fresh_dir NAME: an empty dir under the test's temp dir, so a test can
# check that nothing but the expected file appears in it.
fresh_dir() {
  local d=$TEST_TMP/$1
  rm -rf -- "$d"
  mkdir -p "$d"
  echo "$d"
}

# stage_input FILE DIR: copy a fixture into DIR (kyso never sees the cache).
stage_input() {
  cp -- "$1" "$2/"
  echo "$2/$(basename "$1")"
}

# assert_error_line CODES MSG: after kyso_run, status 1..127 and stderr
# exactly one line "kyso: CODE: message", CODE one of CODES (a|b|c).
assert_error_line() {
  local codes=$1 msg=$2
  assert_failure "$msg: non-zero exit"
  # wc counts newlines: one line means exactly one "\n", at the end.
  assert_eq 1 "$(wc -l <"$RUN_ERR")" \
    "$msg: exactly one stderr line (got: $(_kyso_clip "$(cat "$RUN_ERR")"))"
  assert_match "$(head -n 1 "$RUN_ERR")" "^kyso: ($codes): [^ ].*$" "$msg: stderr names the error"
}

# assert_kyso_error CODES IN OUTDIR MSG: after kyso_run, the failure
# contract: status 1..127, stderr exactly one line "kyso: CODE: message"
# with CODE in CODES (a|b|c), OUTDIR empty, IN as
# before (IN_SHA256 must hold its digest from before the run).
assert_kyso_error() {
  local codes=$1 in=$2 outdir=$3 msg=$4
  assert_error_line "$codes" "$msg"
  assert_dir_entries "$outdir" "" "$msg: no output or temp file left"
  if [ -n "$in" ]; then
    assert_sha256 "$in" "$IN_SHA256" "$msg: input unchanged"
  fi
}

# ---- CMS -----------------------------------------------------------------

CMS_COUNT=0
cms_extract() { # FILE DIR
  local out
  CMS_COUNT=0
  rm -rf -- "$2"
  if out=$(node "$KYSO_TESTLIB/pdfsigs.mjs" "$1" "$2" 2>&1); then
    pass "ByteRange structure of $(basename "$1")"
  else
    fail "ByteRange structure of $(basename "$1"): $out"
  fi
  CMS_SIGS=$(grep '^sig ' <<<"$out" || true)
  CMS_COUNT=$(grep -c '^sig ' <<<"$out" || true)
}

# assert_cms_valid FILE N [SIGNER_PEM...]: N signatures, each a detached
# CMS over exactly its ByteRange, DER, CAdES signing-certificate checked,
# chaining to the test root through the certificates the CMS carries (a
# receiver has nothing else; set CMS_VERIFY_EXTRA=(-certfile chain.pem) to
# supply the chain from outside); the Ith signer is SIGNER_PEM number I.
CMS_VERIFY_EXTRA=()
assert_cms_valid() {
  local file=$1 want=$2 dir i der signer base last_end size enc info attr
  shift 2
  dir=$TEST_TMP/cms.$(basename "$file")
  base=$(file_label "$file")
  cms_extract "$file" "$dir"
  assert_eq "$want" "$CMS_COUNT" "$base: signature count (independent extractor)"
  for ((i = 1; i <= CMS_COUNT; i++)); do
    der=$dir/sig-$i.der
    enc=$(awk -v i="$i" '$2 == i { print $9 }' <<<"$CMS_SIGS")
    assert_eq der "$enc" "$base: signature $i is DER (definite lengths)"
    if openssl cms -verify -binary -inform DER -in "$der" -content "$dir/sig-$i.covered" \
      -CAfile "$PKI_DIR/root.pem" "${CMS_VERIFY_EXTRA[@]}" -purpose any -cades \
      -signer "$dir/signer-$i.pem" -out /dev/null 2>"$dir/verify-$i.log"; then
      pass "$base: openssl cms -verify signature $i"
    else
      fail "$base: openssl cms -verify signature $i: $(cat "$dir/verify-$i.log")"
    fi
    if [ $# -ge "$i" ]; then
      signer=${!i}
      assert_eq "$(openssl x509 -in "$signer" -noout -fingerprint -sha256)" \
        "$(openssl x509 -in "$dir/signer-$i.pem" -noout -fingerprint -sha256 2>&1)" \
        "$base: signature $i made by $(basename "$signer")"
    fi
    # PAdES B-B (ETSI EN 319 142-1 5.2): detached, signing-certificate-v2,
    # and no CMS signing-time (the time is /M).
    info=" $(cms_signer_info "$der") "
    for attr in contentType messageDigest id-smime-aa-signingCertificateV2; do
      assert_contains "$info" " $attr " "$base: signature $i has signed attribute $attr"
    done
    assert_not_contains "$info" " signingTime " "$base: signature $i has no CMS signing-time"
    assert_contains "$(openssl cms -cmsout -print -inform DER -in "$der")" "eContent: <ABSENT>" \
      "$base: signature $i is detached"
  done
  if [ "$CMS_COUNT" -gt 0 ]; then
    last_end=$(awk -v i="$CMS_COUNT" '$2 == i { print $8 }' <<<"$CMS_SIGS")
    size=$(stat -c %s -- "$file")
    assert_eq "$size" "$last_end" "$base: last signature covers the whole file"
  fi
}

# cms_signer_info DER: "DIGEST SIGALG ATTR ATTR..." from openssl's dump of
# the first SignerInfo (digestAlgorithm, signatureAlgorithm, signedAttrs).
cms_signer_info() {
  openssl cms -cmsout -print -inform DER -in "$1" | awk '
    done { next }
    /^    signerInfos:/ { si = 1 }
    !si { next }
    /^        digestAlgorithm:/ { want = "digest" }
    /^        signatureAlgorithm:/ { want = "sigalg" }
    want && /^          algorithm:/ { v[want] = $2; want = "" }
    /^            object:/ { attrs = attrs " " $2 }
    /^        unsignedAttrs:/ { done = 1; next }
    END { print v["digest"], v["sigalg"] attrs }'
}

# cms_pss_params DER: "HASH mgf1 MGFHASH SALT_HEX" from the first
# SignerInfo's RSASSA-PSS parameters (RFC 4055 3.1; absent fields mean
# SHA-1 defaults, which kyso must not rely on).
cms_pss_params() {
  openssl cms -cmsout -print -inform DER -in "$1" | awk '
    /^    signerInfos:/ { si = 1 }
    done { next }
    si && /^        signatureAlgorithm:/ { on = 1; next }
    on && /^        [a-z]/ { done = 1; next }
    on && /prim: +OBJECT/ { sub(/.*:/, ""); out = out " " $0 }
    on && /prim: +INTEGER/ { sub(/.*:/, ""); out = out " " $0 }
    END { print substr(out, 2) }'
}

# cms_has_cert DER CERT.pem: the CMS carries exactly this certificate
# (same DER, so the same PEM body).
cms_has_cert() {
  local certs body
  certs=$(openssl pkcs7 -inform DER -in "$1" -print_certs 2>/dev/null | tr -d '\n')
  body=$(openssl x509 -in "$2" | tr -d '\n')
  [[ $certs == *"$body"* ]]
}

# ---- fields and appearance -------------------------------------------------

sig_fields() {
  node "$KYSO_TESTLIB/pdfform.mjs" "$1"
}

# assert_renders_in_rect IN OUT PAGE X Y W H MSG: poppler draws OUT's page
# differently from IN's only inside the rectangle, and there only partly:
# the image's transparent pixels must leave the page visible (a dropped
# SMask paints the whole box).
assert_renders_in_rect() {
  local in=$1 out=$2 page=$3 x=$4 y=$5 w=$6 h=$7 msg=$8 d res inside total outside
  d=$(fresh_dir "render.$RANDOM")
  pdftoppm -r 72 -f "$page" -l "$page" -- "$in" "$d/before"
  pdftoppm -r 72 -f "$page" -l "$page" -- "$out" "$d/after"
  res=$(node "$KYSO_TESTLIB/ppmdiff.mjs" "$d"/before-*.ppm "$d"/after-*.ppm "$x" "$y" "$w" "$h")
  read -r _ inside total _ outside <<<"$res"
  assert_eq 0 "$outside" "$msg: page unchanged outside the rect ($res)"
  assert_gt "$inside" $((total / 200)) "$msg: the image is drawn in the rect ($res)"
  assert_gt $((total * 6 / 10)) "$inside" "$msg: transparent pixels stay transparent ($res)"
}

# ---- the whole battery -----------------------------------------------------

# assert_signed_pdf IN OUT N MSG [SIGNER_PEM...]: after a kyso_run that
# should have signed IN into OUT with N signatures in total (signers in
# order, if given).
assert_signed_pdf() {
  local in=$1 out=$2 n=$3 msg=$4 check
  shift 4
  assert_success "$msg: kyso exit status"
  assert_file_exists "$out" "$msg: output written"
  [ -s "$out" ] || return 0
  assert_dir_entries "$(dirname "$out")" "$(basename "$out")" "$msg: no temp file beside the output"
  assert_prefix "$in" "$out" "$msg: incremental update (input bytes kept as a prefix)"
  if check=$(qpdf --check -- "$out" 2>&1); then
    pass "$msg: qpdf --check"
  else
    fail "$msg: qpdf --check: $(_kyso_clip "$check")"
  fi
  assert_not_contains "$check" "WARNING" "$msg: qpdf --check without warnings"
  pdfsig_check "$out" "$n"
  # pdfsig_check left pdfsig's report in $TEST_TMP/pdfsig.out.
  assert_eq "$n" "$(grep -c '^  - Signature Type: ETSI.CAdES.detached$' "$TEST_TMP/pdfsig.out" || true)" \
    "$msg: pdfsig sees $n ETSI.CAdES.detached signatures"
  assert_cms_valid "$out" "$n" "$@"
}

# pdf_revisions FILE: revisions counted as %%EOF markers (7.5.5), by bytes.
pdf_revisions() {
  grep -ac '%%EOF' -- "$1" || true
}

# field_value FIELDS_LINE INDEX: one column (1-based) of a sig_fields line.
field_value() {
  cut -f"$2" <<<"$1"
}

# inspect_block OUTFILE I: the lines kyso inspect prints about signature I:
# from the Ith line naming a SubFilter up to the next one (a signature may
# take one line or several).
inspect_block() {
  awk -v i="$2" '
    /ETSI\.CAdES\.detached|adbe\.pkcs7\.(detached|sha1)|ETSI\.RFC3161/ { n++ }
    n == i' "$1"
}

# assert_inspect FILE REVISIONS MSG [FIELD|SUBFILTER|CN ...]: kyso inspect
# FILE reports the revision and signature counts and, per signature, the
# field name, SubFilter, the exact ByteRange the independent extractor
# found and "signer: CN".
assert_inspect() {
  local file=$1 revs=$2 msg=$3 block i spec field subfilter cn br
  shift 3
  kyso_run inspect "$file"
  assert_success "$msg: kyso inspect exit status"
  assert_true "$msg: inspect says revisions: $revs" \
    grep -Eq "^[[:space:]]*revisions: ${revs}[[:space:]]*$" "$RUN_OUT"
  assert_true "$msg: inspect says signatures: $#" \
    grep -Eq "^[[:space:]]*signatures: ${#}[[:space:]]*$" "$RUN_OUT"
  assert_eq "$#" "$(grep -c 'ByteRange \[' "$RUN_OUT" || true)" "$msg: one ByteRange per signature"
  cms_extract "$file" "$TEST_TMP/inspect.$(basename "$file")"
  i=0
  for spec in "$@"; do
    i=$((i + 1))
    IFS='|' read -r field subfilter cn <<<"$spec"
    block=$(inspect_block "$RUN_OUT" "$i")
    br=$(awk -v i="$i" '$2 == i { printf "ByteRange [%s %s %s %s]", $3, $4, $5, $6 }' <<<"$CMS_SIGS")
    assert_contains "$block" "$br" "$msg: signature $i ByteRange as found independently"
    assert_contains "$block" "$subfilter" "$msg: signature $i SubFilter"
    assert_contains "$block" "signer: $cn" "$msg: signature $i signer"
    if [ -n "$field" ]; then
      assert_contains "$block" "$field" "$msg: signature $i field name"
    fi
  done
}
