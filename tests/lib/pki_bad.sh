# shellcheck shell=bash
# Certificates that must NOT verify as good, and the revocation and
# timestamping material around them, all under the test PKI of pki.sh
# (same root, same sub-CA, whose openssl ca state is copied first):
#
#   expired         valid 2021-02-01 .. 2022-01-31: expired at the signing
#                   time the tests use ($KYSO_TEST_TIME, 2024-12-11)
#   notyet          valid 2025-06-01 .. 2035-06-01: not yet valid then
#   revoked         revoked 2024-12-01 (keyCompromise), before the signing time
#   revoked-later   revoked 2025-01-10 (keyCompromise), after the signing time
#   good            an ordinary signer, with a CRL and OCSP saying good
#   keyenc          keyUsage keyEncipherment only (critical): not for signing
#   untrusted       "Nguyễn Văn A" again, under an impostor CA that copies the
#                   real sub-CA's subject DN and key identifier but is signed
#                   by a root nobody trusts (fake-root.pem); chain in
#                   untrusted-chain.pem. Name matching alone would accept it.
#   ocsp            delegated OCSP responder of the sub-CA: EKU OCSPSigning
#                   (critical), id-pkix-ocsp-nocheck
#   tsa             time-stamping unit under the sub-CA: EKU timeStamping
#                   (critical); tsa.cnf is its `openssl ts` configuration and
#                   tsa-reply.sh a --tsa-command: DER TimeStampReq on stdin,
#                   DER TimeStampResp on stdout
#
# Each signer has NAME.key NAME.pem NAME.p12 (password $PKI_P12_PASS, with
# chain). Revocation data, DER (ISO 32000-2 12.8.4.3 stores DER in /DSS):
#   subca.crl (+ .pem)  the sub-CA's CRL: revoked and revoked-later listed,
#                   thisUpdate 2025-02-01, nextUpdate 2035-01-01
#   root.crl (+ .pem)   the root's CRL: empty (the sub-CA is good)
#   ocsp/NAME.der   OCSP response by the ocsp responder for NAME: every
#                   signer above except untrusted, the TSA, and every end entity of
#                   pki.sh (good ones); produced now, valid 10 years
#
# And a separate two-level chain with ASCII-only names (see below why):
#   ascii-root.pem  self-signed "Kyso test ASCII root"; ascii-root.crl
#   ascii-signer    CN=Nguyen Van A under it (.key .pem .p12);
#                   ocsp/ascii-signer.der answered by the root itself
#
#   pki_bad_setup PKI set PKI_BAD to the dir (cached per build, keyed by
#                     these scripts and PKI's sub-CA)
#   pki_bad_make DIR PKI
#
# Needs common.sh and pki.sh.

PKI_BAD_SIGNERS="expired notyet revoked revoked-later good keyenc untrusted"
PKI_BAD_REVOKED_AT=2024-12-01T00:00:00Z
PKI_BAD_REVOKED_LATER_AT=2025-01-10T00:00:00Z
PKI_BAD_CRL_THIS_UPDATE=2025-02-01T00:00:00Z
export PKI_BAD_SIGNERS PKI_BAD_REVOKED_AT PKI_BAD_REVOKED_LATER_AT PKI_BAD_CRL_THIS_UPDATE

# _pki_bad_conf CADIR: pki.sh's configuration with a CRL number and the
# extra extension profiles.
_pki_bad_conf() {
  # shellcheck disable=SC2016 # $dir is openssl's variable, not the shell's
  _pki_conf "$1" | sed 's/^\(dir = .*\)$/\1\ncrlnumber = $dir\/crlnumber\ncrl_extensions = crl_ext\ndefault_crl_days = 3650/'
  cat <<'EOF'

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ ext_keyenc ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_ocsp ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
}

# _pki_bad_index_revoke CADIR CERT WHEN: mark CERT revoked (keyCompromise)
# at WHEN (YYMMDDHHMMSSZ) in the CA's index: openssl ca -revoke always
# records "now", so the date is written into index.txt afterwards.
_pki_bad_index_revoke() {
  local cadir=$1 cert=$2 when=$3 serial
  openssl ca -config "$cadir/openssl.cnf" -revoke "$cert" -crl_reason keyCompromise \
    -keyfile "$cadir/../subca.key" -cert "$cadir/../subca.pem" 2>>"$cadir/ca.log"
  serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
  awk -F'\t' -v OFS='\t' -v s="$serial" -v w="$when" \
    '$1 == "R" && toupper($4) == toupper(s) { $3 = w ",keyCompromise" } { print }' \
    "$cadir/index.txt" >"$cadir/index.txt.new"
  mv -- "$cadir/index.txt.new" "$cadir/index.txt"
  grep -q "	$when,keyCompromise	" "$cadir/index.txt" || die "could not back-date the revocation of $cert"
}

_pki_bad_p12() { # DIR NAME CHAIN
  openssl pkcs12 -export -passout "pass:$PKI_P12_PASS" -name "$2" \
    -inkey "$1/$2.key" -in "$1/$2.pem" -certfile "$3" -out "$1/$2.p12"
}

# _pki_bad_ocsp DIR CERT OUT [ISSUER INDEX RSIGNER RKEY]: the responder's
# answer about CERT (default: the sub-CA's delegated responder).
_pki_bad_ocsp() {
  local d=$1 issuer=${4:-$1/subca.pem} index=${5:-$1/ca-sub/index.txt}
  local rsigner=${6:-$1/ocsp.pem} rkey=${7:-$1/ocsp.key}
  openssl ocsp -issuer "$issuer" -cert "$2" -no_nonce -reqout "$3.req" 2>>"$d/ocsp.log"
  openssl ocsp -index "$index" -rsigner "$rsigner" -rkey "$rkey" \
    -CA "$issuer" -reqin "$3.req" -respout "$3" -ndays 3650 >>"$d/ocsp.log" 2>&1
  rm -f -- "$3.req"
  [ -s "$3" ] || die "no OCSP response for $2"
}

pki_bad_make() {
  local d=$1 pki=$2 person subj ski ee
  mkdir -p "$d/ocsp"
  cp -- "$pki/root.pem" "$pki/subca.pem" "$pki/subca.key" "$pki/root.key" "$pki/chain.pem" "$d/"
  # The sub-CA's issuing state, so the CRL and the OCSP index know every
  # certificate it issued (pki.sh's end entities are in there as valid).
  _pki_cadir "$d/ca-sub"
  _pki_cadir "$d/ca-root"
  cp -- "$pki/ca-sub/index.txt" "$d/ca-sub/index.txt"
  cp -- "$pki/ca-root/index.txt" "$d/ca-root/index.txt"
  for ca in ca-sub ca-root; do
    _pki_bad_conf "$d/$ca" >"$d/$ca/openssl.cnf"
    echo 1000 >"$d/$ca/crlnumber"
  done
  rm -f "$d/ca-sub/index.txt.attr"

  person="/C=VN/ST=Tiền Giang/L=Tiền Giang/O=UBND tỉnh Tiền Giang/CN=$PKI_PERSON_CN/UID=CCCD:082012345678"
  # _ee NAME EXT START END [CN]: a signer under the sub-CA.
  _ee() {
    subj=$person
    [ -z "${5:-}" ] || subj="/C=VN/O=UBND tỉnh Tiền Giang/CN=$5"
    _pki_key "$d/$1.key" rsa2048
    _pki_issue "$d/ca-sub" "$2" "$subj" "$d/$1.key" "$d/$1.pem" "$3" "$4" \
      "$d/subca.pem" "$d/subca.key"
  }
  _ee expired ext_ee 20210201000000Z 20220131000000Z
  _ee notyet ext_ee 20250601000000Z 20350601000000Z
  _ee revoked ext_ee 20240601000000Z 20340601000000Z
  _ee revoked-later ext_ee 20240601000000Z 20340601000000Z
  _ee good ext_ee 20240601000000Z 20340601000000Z
  _ee keyenc ext_keyenc 20240601000000Z 20340601000000Z
  _ee ocsp ext_ocsp 20240601000000Z 20340601000000Z "OCSP Tiền Giang (test)"
  _ee tsa ext_tsa 20240601000000Z 20340601000000Z "TSA Tiền Giang (test)"
  for ee in expired notyet revoked revoked-later good keyenc; do
    _pki_bad_p12 "$d" "$ee" "$d/chain.pem"
  done

  _pki_bad_index_revoke "$d/ca-sub" "$d/revoked.pem" 241201000000Z
  _pki_bad_index_revoke "$d/ca-sub" "$d/revoked-later.pem" 250110000000Z
  openssl ca -gencrl -config "$d/ca-sub/openssl.cnf" -cert "$d/subca.pem" -keyfile "$d/subca.key" \
    -crl_lastupdate 20250201000000Z -crl_nextupdate 20350101000000Z \
    -out "$d/subca.crl.pem" 2>>"$d/ca-sub/ca.log"
  openssl crl -in "$d/subca.crl.pem" -outform DER -out "$d/subca.crl"
  openssl ca -gencrl -config "$d/ca-root/openssl.cnf" -cert "$d/root.pem" -keyfile "$d/root.key" \
    -crl_lastupdate 20250201000000Z -crl_nextupdate 20350101000000Z \
    -out "$d/root.crl.pem" 2>>"$d/ca-root/ca.log"
  openssl crl -in "$d/root.crl.pem" -outform DER -out "$d/root.crl"

  for ee in expired notyet revoked revoked-later good keyenc tsa; do
    _pki_bad_ocsp "$d" "$d/$ee.pem" "$d/ocsp/$ee.der"
  done
  for ee in $PKI_EE_NAMES; do
    _pki_bad_ocsp "$d" "$pki/$ee.pem" "$d/ocsp/$ee.der"
  done

  # The impostor: the real sub-CA's DN and key identifier, another key,
  # signed by a root that no trust store holds.
  _pki_cadir "$d/ca-fake"
  _pki_bad_conf "$d/ca-fake" >"$d/ca-fake/openssl.cnf"
  ski=$(openssl x509 -in "$d/subca.pem" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
  printf '\n[ ext_impostor ]\nbasicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = %s\nauthorityKeyIdentifier = keyid:always\n' \
    "$ski" >>"$d/ca-fake/openssl.cnf"
  _pki_key "$d/fake-root.key" rsa2048
  _pki_issue "$d/ca-fake" ext_root "/C=VN/O=Ban Cơ yếu Chính phủ/CN=$PKI_ROOT_CN" \
    "$d/fake-root.key" "$d/fake-root.pem" 20200101000000Z 20450101000000Z
  _pki_key "$d/impostor.key" rsa2048
  _pki_issue "$d/ca-fake" ext_impostor \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Cơ quan chứng thực số Tiền Giang (test)" \
    "$d/impostor.key" "$d/impostor.pem" 20210101000000Z 20400101000000Z \
    "$d/fake-root.pem" "$d/fake-root.key"
  _pki_key "$d/untrusted.key" rsa2048
  _pki_issue "$d/ca-fake" ext_ee "$person" "$d/untrusted.key" "$d/untrusted.pem" \
    20240601000000Z 20340601000000Z "$d/impostor.pem" "$d/impostor.key"
  cat "$d/impostor.pem" "$d/fake-root.pem" >"$d/untrusted-chain.pem"
  _pki_bad_p12 "$d" untrusted "$d/untrusted-chain.pem"

  # A chain with ASCII-only names, for signers that cannot keep UTF-8
  # names intact (node-forge, so @signpdf, re-encodes the issuer DN of the
  # SignerInfo as Latin-1: the signer is then never found). The root
  # answers OCSP for its one end entity itself.
  _pki_cadir "$d/ca-ascii"
  _pki_bad_conf "$d/ca-ascii" >"$d/ca-ascii/openssl.cnf"
  echo 1000 >"$d/ca-ascii/crlnumber"
  _pki_key "$d/ascii-root.key" rsa2048
  _pki_issue "$d/ca-ascii" ext_root "/C=VN/O=Kyso test/CN=Kyso test ASCII root" \
    "$d/ascii-root.key" "$d/ascii-root.pem" 20200101000000Z 20450101000000Z
  _pki_key "$d/ascii-signer.key" rsa2048
  _pki_issue "$d/ca-ascii" ext_ee "/C=VN/O=UBND tinh Tien Giang/CN=Nguyen Van A/UID=CCCD:082012345678" \
    "$d/ascii-signer.key" "$d/ascii-signer.pem" 20240601000000Z 20340601000000Z \
    "$d/ascii-root.pem" "$d/ascii-root.key"
  _pki_bad_p12 "$d" ascii-signer "$d/ascii-root.pem"
  openssl ca -gencrl -config "$d/ca-ascii/openssl.cnf" -cert "$d/ascii-root.pem" -keyfile "$d/ascii-root.key" \
    -crl_lastupdate 20250201000000Z -crl_nextupdate 20350101000000Z \
    -out "$d/ascii-root.crl.pem" 2>>"$d/ca-ascii/ca.log"
  openssl crl -in "$d/ascii-root.crl.pem" -outform DER -out "$d/ascii-root.crl"
  _pki_bad_ocsp "$d" "$d/ascii-signer.pem" "$d/ocsp/ascii-signer.der" "$d/ascii-root.pem" \
    "$d/ca-ascii/index.txt" "$d/ascii-root.pem" "$d/ascii-root.key"

  # RFC 3161 time-stamping unit for `openssl ts -reply`.
  echo 01 >"$d/tsa-serial"
  # Paths relative to the dir (tsa-reply.sh runs openssl there): the
  # cache is built in a temp dir and moved.
  cat >"$d/tsa.cnf" <<'EOF'
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = .
serial = $dir/tsa-serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
  cat >"$d/tsa-reply.sh" <<'EOF'
#!/usr/bin/env bash
# DER TimeStampReq on stdin -> DER TimeStampResp on stdout (openssl ts).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
cat >"$tmp/req.tsq"
cd "$here"
flock tsa-serial openssl ts -reply -config tsa.cnf -queryfile "$tmp/req.tsq" \
  -out "$tmp/resp.tsr" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
cat "$tmp/resp.tsr"
EOF
  chmod +x "$d/tsa-reply.sh"
}

# pki_bad_setup PKI: set PKI_BAD to the dir. Not a $(...) function on
# purpose: bash runs command substitutions without errexit, and a failed
# step would then be cached as complete.
pki_bad_setup() {
  local pki=$1
  PKI_BAD=$(kyso_cache_dir pki-bad "$KYSO_TESTLIB/pki.sh" "$KYSO_TESTLIB/pki_bad.sh" "$pki/subca.pem")
  _PKI_BAD_SRC=$pki
  kyso_cache_fill "$PKI_BAD" _pki_bad_fill >&2
  [ -s "$PKI_BAD/tsa-reply.sh" ] || die "pki_bad_setup: $PKI_BAD is incomplete"
  export PKI_BAD
}

_pki_bad_fill() {
  pki_bad_make "$1" "$_PKI_BAD_SRC"
}
