# shellcheck shell=bash
# A test PKI shaped like the Vietnamese government one (Ban Cơ yếu Chính phủ):
#
#   root CA (RSA 3072)  "Cơ quan chứng thực số chuyên dùng Chính phủ (test)"
#     └ sub-CA (RSA 2048) "Cơ quan chứng thực số Tiền Giang (test)"
#         ├ person-rsa2048   CN=Nguyễn Văn A, UID=CCCD:082012345678
#         ├ person-rsa3072   CN=Nguyễn Văn A, UID=CCCD:082012345678
#         ├ person-ec256     CN=Nguyễn Văn A, UID=CCCD:082012345678
#         ├ org-rsa2048      CN=Văn phòng UBND tỉnh Tiền Giang, UID=MNS:1234567
#         └ third-rsa2048    CN=Trần Thị B (a third signer)
#
# Names are UTF8String (string_mask utf8only, -utf8) like the real ones.
# Validity starts before 2024-12-11, the signing time the tests pass with
# --time, and lasts well past today.
#
# Files in a PKI dir (pki_make DIR, or pki_dir for a cached one):
#   root.pem root.key subca.pem subca.key chain.pem (sub-CA then root)
#   <ee>.key <ee>.pem <ee>.p12 (password $PKI_P12_PASS, key+cert+chain)
#   mismatch.pem + mismatch.key: cert of person-rsa2048, a different key
#   mismatch.p12: that key, and that cert as a loose (chain) cert
#
# Needs common.sh (for pki_dir's cache).

PKI_P12_PASS=kyso-p12-pass
PKI_EE_NAMES="person-rsa2048 person-rsa3072 person-ec256 org-rsa2048 third-rsa2048"
PKI_ROOT_CN="Cơ quan chứng thực số chuyên dùng Chính phủ (test)"
PKI_PERSON_CN="Nguyễn Văn A"
PKI_ORG_CN="Văn phòng UBND tỉnh Tiền Giang"
PKI_THIRD_CN="Trần Thị B"
export PKI_P12_PASS PKI_EE_NAMES PKI_ROOT_CN PKI_PERSON_CN PKI_ORG_CN PKI_THIRD_CN

# _pki_conf DIR: openssl ca + req configuration for one CA dir.
_pki_conf() {
  cat <<EOF
[ ca ]
default_ca = kyso_ca

[ kyso_ca ]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
default_md = sha256
policy = policy_any
# keep the DN in the order and with the fields the request has
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
UID = optional

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

[ ext_ee ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
}

# _pki_key FILE SPEC: SPEC is rsa2048, rsa3072 or ec256.
_pki_key() {
  case $2 in
    rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
    rsa3072) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1" ;;
    ec256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
    *) echo "unknown key spec $2" >&2; return 1 ;;
  esac
}

# _pki_issue CADIR EXT SUBJ KEY OUT START END [CACERT CAKEY]: one certificate.
# Without CACERT it is self-signed (the root).
_pki_issue() {
  local cadir=$1 ext=$2 subj=$3 key=$4 out=$5 start=$6 end=$7
  local csr=$out.csr
  openssl req -new -config "$cadir/openssl.cnf" -utf8 -subj "$subj" \
    -key "$key" -out "$csr"
  if [ $# -ge 9 ]; then
    openssl ca -batch -notext -config "$cadir/openssl.cnf" -extensions "$ext" \
      -startdate "$start" -enddate "$end" -cert "$8" -keyfile "$9" \
      -in "$csr" -out "$out" 2>"$cadir/ca.log"
  else
    openssl ca -batch -notext -config "$cadir/openssl.cnf" -extensions "$ext" \
      -startdate "$start" -enddate "$end" -selfsign -keyfile "$key" \
      -in "$csr" -out "$out" 2>"$cadir/ca.log"
  fi
  rm -f -- "$csr"
}

_pki_cadir() { # DIR: empty openssl ca state
  mkdir -p "$1/newcerts"
  : >"$1/index.txt"
  _pki_conf "$1" >"$1/openssl.cnf"
}

# pki_make DIR: generate the whole PKI into DIR (about 1-3 s, RSA keygen).
pki_make() {
  local d=$1 ee spec subj
  mkdir -p "$d"
  _pki_cadir "$d/ca-root"
  _pki_cadir "$d/ca-sub"

  _pki_key "$d/root.key" rsa3072
  _pki_issue "$d/ca-root" ext_root \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=$PKI_ROOT_CN" \
    "$d/root.key" "$d/root.pem" 20200101000000Z 20450101000000Z

  _pki_key "$d/subca.key" rsa2048
  _pki_issue "$d/ca-root" ext_subca \
    "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Cơ quan chứng thực số Tiền Giang (test)" \
    "$d/subca.key" "$d/subca.pem" 20210101000000Z 20400101000000Z \
    "$d/root.pem" "$d/root.key"
  cat "$d/subca.pem" "$d/root.pem" >"$d/chain.pem"

  for ee in $PKI_EE_NAMES; do
    spec=${ee#*-}
    case $ee in
      person-*) subj="/C=VN/ST=Tiền Giang/L=Tiền Giang/O=UBND tỉnh Tiền Giang/CN=$PKI_PERSON_CN/UID=CCCD:082012345678" ;;
      org-*) subj="/C=VN/ST=Tiền Giang/L=Tiền Giang/O=UBND tỉnh Tiền Giang/CN=$PKI_ORG_CN/UID=MNS:1234567" ;;
      third-*) subj="/C=VN/ST=Tiền Giang/L=Tiền Giang/O=Sở Tư pháp tỉnh Tiền Giang/CN=$PKI_THIRD_CN/UID=CCCD:082098765432" ;;
    esac
    _pki_key "$d/$ee.key" "$spec"
    _pki_issue "$d/ca-sub" ext_ee "$subj" "$d/$ee.key" "$d/$ee.pem" \
      20240601000000Z 20340601000000Z "$d/subca.pem" "$d/subca.key"
    openssl pkcs12 -export -passout "pass:$PKI_P12_PASS" -name "$ee" \
      -inkey "$d/$ee.key" -in "$d/$ee.pem" -certfile "$d/chain.pem" \
      -out "$d/$ee.p12"
  done

  # The cert says person-rsa2048, the key is another one: a token or P12 set
  # up this way must make kyso fail, never produce a bad signature.
  cp "$d/person-rsa2048.pem" "$d/mismatch.pem"
  _pki_key "$d/mismatch.key" rsa2048
  # openssl refuses to pair a key with a cert that does not match it, so
  # mismatch.p12 holds the key bag and the cert as a bag with no localKeyId:
  # a reader finds a key and no certificate of its own.
  openssl pkcs12 -export -passout "pass:$PKI_P12_PASS" -name mismatch \
    -inkey "$d/mismatch.key" -nocerts -certfile "$d/mismatch.pem" \
    -out "$d/mismatch.p12" 2>/dev/null
}

# pki_dir: echo a complete PKI dir, generated once per build (cached under
# $KYSO_TEST_TMP/cache, keyed by this script's hash).
pki_dir() {
  local dir
  dir=$(kyso_cache_dir pki "$KYSO_TESTLIB/pki.sh")
  kyso_cache_fill "$dir" pki_make >&2
  echo "$dir"
}

# pki_subject_cn CERT: the CN in UTF-8 (checks names survived as UTF-8).
pki_subject_cn() {
  openssl x509 -in "$1" -noout -subject -nameopt utf8,sep_multiline,-esc_msb |
    sed -n 's/^ *CN=//p'
}
