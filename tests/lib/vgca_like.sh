# shellcheck shell=bash
# A fixture shaped like a real document signed under the Vietnamese
# government CA (issue 13): a G1-style chain signed with SHA-1, a signature
# whose CMS carries only the signer's certificate, a signature timestamp
# from a separate G2-style TSA chain, signingTime 7 hours ahead (local time
# written as UTC), and no revocation data. Made at run time with openssl
# (`openssl ca`, so that `openssl ca -gencrl` and `openssl ocsp -index`
# answer for the leaf) and tests/lib/vgca_like.mjs (the CMS, placed by
# sigwrite.mjs).
#
#   G1 root (RSA 2048, sha1WithRSAEncryption, self-signed)  trust anchor
#     └ G1 sub-CA (RSA 2048, sha1WithRSAEncryption)          not in the file
#         ├ leaf (RSA 2048, VGCA_LEAF_MD, default sha256)    the signer: KU
#         │     digitalSignature+nonRepudiation, AIA OCSP + caIssuers and
#         │     CRL DP from VGCA_OCSP_URL / VGCA_CA_ISSUERS_URL / VGCA_CRL_URL
#         └ OCSP responder (RSA 2048), EKU OCSPSigning, ocsp-nocheck
#   G2 root (RSA 2048, sha256)                                trust anchor
#     └ TSA (RSA 2048, sha256), EKU timeStamping (critical)
#
#   vgca_like_make DIR IN OUT   the PKI into DIR and the signed PDF OUT:
#                               DIR/g1root.pem g1sub.pem leaf.pem leaf.key
#                               g2root.pem tsa.pem ocsp.pem ocsp.key
#                               sub.cnf (openssl ca state of the sub-CA)
#                               anchors.pem (g1root + g2root)
#   vgca_like_sign DIR IN OUT [ARGS...]  another signature by the same leaf
#                               (ARGS for vgca_like.mjs: --skew S,
#                               --digest sha1)
#   vgca_like_revoke DIR        the leaf revoked (keyCompromise) in the
#                               sub-CA's index
#   vgca_like_crl DIR OUT       a CRL of the sub-CA (openssl ca -gencrl), DER
#   vgca_like_ocsp DIR OUT      an OCSP response about the leaf from the
#                               delegated responder (openssl ocsp -index
#                               -respout), DER
#
# Environment: VGCA_OCSP_URL, VGCA_CA_ISSUERS_URL, VGCA_CRL_URL (defaults
# on 127.0.0.1:9, where nothing listens; helper E points them at loopback
# responders), VGCA_SKEW (seconds, default 25200), VGCA_LEAF_MD (sha256).
# Needs common.sh (die) and node. Nothing here touches the network.

VGCA_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_vgca_conf() { # CADIR MD: openssl ca + req configuration
  cat <<EOF
[ ca ]
default_ca = vgca_ca

[ vgca_ca ]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
crlnumber = \$dir/crlnumber
default_md = $2
default_crl_days = 7
policy = policy_any
preserve = yes
unique_subject = no
copy_extensions = none
email_in_dn = no
rand_serial = yes
string_mask = utf8only
utf8 = yes

[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no

[ req_dn ]
CN = unused

[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_subca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess = OCSP;URI:${VGCA_OCSP_URL:-http://127.0.0.1:9/ocsp}, caIssuers;URI:${VGCA_CA_ISSUERS_URL:-http://127.0.0.1:9/g1sub.crt}
crlDistributionPoints = URI:${VGCA_CRL_URL:-http://127.0.0.1:9/g1sub.crl}

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

[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

_vgca_cadir() { # DIR MD
  mkdir -p "$1/newcerts"
  : >"$1/index.txt"
  echo 1000 >"$1/crlnumber"
  _vgca_conf "$1" "$2" >"$1/openssl.cnf"
}

_vgca_key() { openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }

# _vgca_issue CADIR EXT SUBJ KEY OUT DAYS_BEFORE DAYS_AFTER [CACERT CAKEY]
_vgca_issue() {
  local cadir=$1 ext=$2 subj=$3 key=$4 out=$5 start end
  start=$(date -u -d "-$6 days" +%Y%m%d%H%M%SZ)
  end=$(date -u -d "+$7 days" +%Y%m%d%H%M%SZ)
  openssl req -new -config "$cadir/openssl.cnf" -utf8 -subj "$subj" \
    -key "$key" -out "$out.csr" || die "vgca: req $subj"
  if [ $# -ge 9 ]; then
    openssl ca -batch -notext -config "$cadir/openssl.cnf" -extensions "$ext" \
      -startdate "$start" -enddate "$end" -cert "$8" -keyfile "$9" \
      -in "$out.csr" -out "$out" 2>>"$cadir/ca.log" || die "vgca: issue $subj"
  else
    openssl ca -batch -notext -config "$cadir/openssl.cnf" -extensions "$ext" \
      -startdate "$start" -enddate "$end" -selfsign -keyfile "$key" \
      -in "$out.csr" -out "$out" 2>>"$cadir/ca.log" || die "vgca: issue $subj"
  fi
  rm -f -- "$out.csr"
}

_vgca_tsa_conf() { # DIR
  echo 01 >"$1/tsa-serial"
  cat >"$1/tsa.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = $1/tsa-serial
crypto_device = builtin
signer_cert = $1/tsa.pem
certs = $1/tsa.pem
signer_key = $1/tsa.key
signer_digest = sha256
default_policy = 2.16.704.1.2.3.4
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
}

vgca_like_make() { # DIR IN OUT
  local d=$1 k
  mkdir -p "$d"
  _vgca_cadir "$d/ca-g1root" sha1
  _vgca_cadir "$d/ca-g1sub" sha1
  _vgca_cadir "$d/ca-g2root" sha256
  for k in g1root g1sub leaf ocsp g2root tsa; do _vgca_key "$d/$k.key"; done
  _vgca_issue "$d/ca-g1root" ext_root \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Cơ quan chứng thực số chuyên dùng Chính phủ (VGCA-like test G1)" \
    "$d/g1root.key" "$d/g1root.pem" 3650 3650
  _vgca_issue "$d/ca-g1root" ext_subca \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Cục Chứng thực số và Bảo mật thông tin (VGCA-like test G1)" \
    "$d/g1sub.key" "$d/g1sub.pem" 3000 3000 "$d/g1root.pem" "$d/g1root.key"
  # The sub-CA signs the leaf with VGCA_LEAF_MD, its other certificates and
  # CRLs with SHA-1 like the G1 CAs.
  sed -i "s/^default_md = .*/default_md = ${VGCA_LEAF_MD:-sha256}/" "$d/ca-g1sub/openssl.cnf"
  _vgca_issue "$d/ca-g1sub" ext_leaf \
    "/C=VN/ST=Hà Nội/O=Văn phòng Chính phủ/CN=Nguyễn Văn VGCA" \
    "$d/leaf.key" "$d/leaf.pem" 1 730 "$d/g1sub.pem" "$d/g1sub.key"
  sed -i "s/^default_md = .*/default_md = sha1/" "$d/ca-g1sub/openssl.cnf"
  _vgca_issue "$d/ca-g1sub" ext_ocsp \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=OCSP (VGCA-like test G1)" \
    "$d/ocsp.key" "$d/ocsp.pem" 1 730 "$d/g1sub.pem" "$d/g1sub.key"
  _vgca_issue "$d/ca-g2root" ext_root \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Root CA chuyên dùng Chính phủ G2 (VGCA-like test)" \
    "$d/g2root.key" "$d/g2root.pem" 3650 3650
  _vgca_issue "$d/ca-g2root" ext_tsa \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Hệ thống cấp dấu thời gian (VGCA-like test G2)" \
    "$d/tsa.key" "$d/tsa.pem" 365 3000 "$d/g2root.pem" "$d/g2root.key"
  _vgca_tsa_conf "$d"
  cat "$d/g1root.pem" "$d/g2root.pem" >"$d/anchors.pem"
  vgca_like_sign "$d" "$2" "$3"
}

vgca_like_sign() { # DIR IN OUT [ARGS...]
  local d=$1 in=$2 out=$3
  shift 3
  node "$VGCA_LIB_DIR/vgca_like.mjs" "$in" "$out" --cert "$d/leaf.pem" \
    --key "$d/leaf.key" --tsa-config "$d/tsa.cnf" --skew "${VGCA_SKEW:-25200}" \
    "$@" || die "vgca: signing $out"
}

vgca_like_revoke() { # DIR
  openssl ca -config "$1/ca-g1sub/openssl.cnf" -cert "$1/g1sub.pem" \
    -keyfile "$1/g1sub.key" -revoke "$1/leaf.pem" -crl_reason keyCompromise \
    2>>"$1/ca-g1sub/ca.log" || die "vgca: revoke"
}

vgca_like_crl() { # DIR OUT
  openssl ca -config "$1/ca-g1sub/openssl.cnf" -cert "$1/g1sub.pem" \
    -keyfile "$1/g1sub.key" -gencrl -crlexts crl_ext -out "$2.pem" \
    2>>"$1/ca-g1sub/ca.log" || die "vgca: gencrl"
  openssl crl -in "$2.pem" -outform DER -out "$2" || die "vgca: crl DER"
  rm -f -- "$2.pem"
}

vgca_like_ocsp() { # DIR OUT
  local d=$1
  openssl ocsp -issuer "$d/g1sub.pem" -cert "$d/leaf.pem" -no_nonce \
    -reqout "$2.req" >/dev/null 2>&1 || die "vgca: ocsp request"
  openssl ocsp -index "$d/ca-g1sub/index.txt" -CA "$d/g1sub.pem" \
    -rsigner "$d/ocsp.pem" -rkey "$d/ocsp.key" -reqin "$2.req" \
    -respout "$2" -nmin 60 >/dev/null 2>&1 || die "vgca: ocsp response"
  rm -f -- "$2.req"
}
