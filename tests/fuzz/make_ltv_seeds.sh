#!/bin/sh
# Makes the seeds of fuzz_ltv_answers (corpus/ltv/, for fuzz_ltv_answers.c) and
# the certificates it embeds (fuzz_ltv_certs.h) with the openssl
# command: a CA with a leaf and a delegated OCSP responder, a TSA under its
# own root; answers from `openssl ocsp`, `openssl ca -gencrl` and
# `openssl ts -reply`, valid for 100 years. Run from anywhere; the keys are
# thrown away. Each seed starts with two octets: the check (0 OCSP, 1 CRL,
# 2 timestamp) and the nonce mode (0: none asked), then the answer.
set -eu
here=$(cd "$(dirname "$0")" && pwd)/corpus/ltv
out_h=$here/../../fuzz_ltv_certs.h
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout root.key -out root.pem -days 36500 \
  -subj "/C=VN/CN=kyso fuzz ltv root" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
issue() { # name cn serial extensions
  openssl req -new $ec -keyout "$1.key" -out "$1.csr" -subj "/C=VN/CN=$2" \
    2>/dev/null
  printf '%b' "$4" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -set_serial "$3" \
    -days 36500 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
issue leaf "kyso fuzz ltv leaf" 4096 \
  "keyUsage=critical,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1/root.crl\n" root
issue resp "kyso fuzz ltv responder" 4097 \
  "keyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n" root
openssl req -x509 $ec -keyout tsaroot.key -out tsaroot.pem -days 36500 \
  -subj "/C=VN/CN=kyso fuzz ltv TSA root" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
issue tsa "kyso fuzz ltv TSA" 4098 \
  "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n" tsaroot

seed() { # file selector answer.der
  { printf "\\$(printf '%03o' "$2")\\000"; cat "$3"; } >"$here/$1"
}

# OCSP: good (by the CA), good (delegated), revoked
openssl ocsp -issuer root.pem -cert leaf.pem -no_nonce -reqout req.der
printf 'V\t21261231000000Z\t\t1000\tunknown\t/CN=leaf\n' >index.txt
openssl ocsp -index index.txt -CA root.pem -rsigner root.pem -rkey root.key \
  -reqin req.der -respout o1.der -ndays 36500 >/dev/null 2>&1
openssl ocsp -index index.txt -CA root.pem -rsigner resp.pem -rkey resp.key \
  -reqin req.der -respout o2.der -ndays 36500 >/dev/null 2>&1
printf 'R\t21261231000000Z\t240101000000Z,keyCompromise\t1000\tunknown\t/CN=leaf\n' \
  >index.txt
openssl ocsp -index index.txt -CA root.pem -rsigner root.pem -rkey root.key \
  -reqin req.der -respout o3.der -ndays 36500 >/dev/null 2>&1
seed ocsp-good.bin 0 o1.der
seed ocsp-delegated.bin 0 o2.der
seed ocsp-revoked.bin 0 o3.der

# CRL listing the leaf, and an empty one
cat >ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = index.txt
crlnumber = crlnumber
default_md = sha256
crl_extensions = x
[x]
authorityKeyIdentifier = keyid:always
CNF
echo 01 >crlnumber
openssl ca -gencrl -config ca.cnf -keyfile root.key -cert root.pem \
  -crldays 36500 -out c1.pem 2>/dev/null
: >index.txt
openssl ca -gencrl -config ca.cnf -keyfile root.key -cert root.pem \
  -crldays 36500 -out c2.pem 2>/dev/null
openssl crl -in c1.pem -outform DER -out c1.der
openssl crl -in c2.pem -outform DER -out c2.der
seed crl-listed.bin 1 c1.der
seed crl-empty.bin 1 c2.der

# Timestamps: granted for 32 octets 0x11 (SHA-256), refused for SHA-512
cat >ts.cnf <<CNF
[tsa]
default_tsa = t
[t]
serial = tsaserial
crypto_device = builtin
signer_cert = tsa.pem
signer_key = tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
ess_cert_id_alg = sha256
CNF
echo 01 >tsaserial
d32=$(printf '11%.0s' $(seq 32))
d64=$(printf '11%.0s' $(seq 64))
openssl ts -query -digest "$d32" -sha256 -no_nonce -cert -out q1.tsq
openssl ts -reply -queryfile q1.tsq -config ts.cnf -out t1.der 2>/dev/null
openssl ts -query -digest "$d64" -sha512 -no_nonce -cert -out q2.tsq
openssl ts -reply -queryfile q2.tsq -config ts.cnf -out t2.der 2>/dev/null
seed ts-granted.bin 2 t1.der
seed ts-rejection.bin 2 t2.der

# The certificates and the time the target judges at (an hour after now).
{
  echo "/* Made by tests/fuzz/make_ltv_seeds.sh: do not edit. */"
  for n in leaf root tsaroot; do
    openssl x509 -in "$n.pem" -outform DER -out "$n.der"
    echo "static const unsigned char fuzz_ltv_$n[] = {"
    od -An -v -tx1 "$n.der" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1, /g; s/^/    /; s/ *$//'
    echo "};"
  done
  echo "static const long long fuzz_ltv_now = $(($(date +%s) + 3600))LL;"
} >"$out_h"
echo "seeds in $here, certificates in $out_h"
