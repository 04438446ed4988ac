#!/usr/bin/env bash
# The strict SignedAttributes profile through the real kyso-host (issue 11
# item 3): every blob of the table in tests/unit/test_attrs.c, made for the
# token's RSA and EC certificates by host_attrs_blobs, goes out as a `sign`
# request over the websocket. The refused ones (other content types, extra
# attributes such as signing-time or commitment-type, BER, unsorted SETs, a
# hidden second message-digest, signing-certificate v1, algorithm
# protection the host would not honour...) must come back INVALID_ARGUMENT
# before any dialog opens: the scripted pinentry's log stays empty. kyso's
# own attributes, with and without cms-algorithm-protection, still sign.
#
# The end-to-end reproduction: SignedAttributes for a detached CAdES over a
# contract text, backdated to 2019 with signing-time, which `openssl cms
# -verify` would accept once signed. Refused; and without signing-time such
# a blob is indistinguishable from a PDF's (PROTOCOL.md: the verification
# code is what lets the user tell).
. "$(dirname "$0")/host_setup.sh"
host_setup
# the person's EC key and certificate next to the RSA ones, on the same token
token_add_identity "$TOKEN_PERSON" "$PKI_DIR" person-ec256 02

KYSO_HOST_ATTRS_BLOBS=${KYSO_HOST_ATTRS_BLOBS:-$(dirname "$KYSO_HOST_ASSEMBLE")/host_attrs_blobs}
[ -x "$KYSO_HOST_ATTRS_BLOBS" ] || die "host_attrs_blobs not built: $KYSO_HOST_ATTRS_BLOBS"
KYSO_ATTRS_DIR=$TEST_TMP/attrs
mkdir -p "$KYSO_ATTRS_DIR"
export KYSO_ATTRS_DIR

section "blobs"
cat >"$TEST_TMP/contract.txt" <<'TEXT'
HỢP ĐỒNG MUA BÁN
Bên A bán cho bên B toàn bộ quyền sử dụng thửa đất số 12, tờ bản đồ số 3.
Giá: 10.000.000 đồng. Ký ngày 15 tháng 3 năm 2019.
TEXT
if "$KYSO_HOST_ATTRS_BLOBS" "$KYSO_ATTRS_DIR" "$TEST_TMP/contract.txt" \
  "$PKI_DIR/person-rsa2048.pem" "$PKI_DIR/person-ec256.pem"; then
  pass "host_attrs_blobs wrote the table (each row checked against the core)"
else
  fail "host_attrs_blobs"
fi
rows=$(wc -l <"$KYSO_ATTRS_DIR/rows.tsv")
assert_gt "$rows" 79 "at least 80 blobs ($rows)"
assert_contains "$(cut -f1 "$KYSO_ATTRS_DIR/rows.tsv")" \
  "person-rsa2048-cades-contract-backdated-2019.der" "the CAdES reproduction is one of them"

# What the reproduction's blob is: SignedAttributes openssl reads, with the
# contract's SHA-256 as message-digest and a 2019 signing-time.
cades=$KYSO_ATTRS_DIR/person-rsa2048-cades-contract-backdated-2019.der
parsed=$(openssl asn1parse -inform DER -in "$cades" 2>&1)
assert_contains "$parsed" "signingTime" "the CAdES blob carries signing-time"
assert_contains "$parsed" "190315090000Z" "backdated to 2019-03-15"
md=$(openssl dgst -sha256 -r "$TEST_TMP/contract.txt" | cut -c1-64 | tr a-f A-F)
assert_contains "$parsed" "$md" "its message-digest is the contract text's SHA-256"

section "through kyso-host"
host_start_ws
if node "$KYSO_HOST_TESTDIR/host_client.mjs" attrs; then
  pass "host_client attrs: refused before any dialog, kyso's own signed"
else
  fail "host_client attrs"
fi
assert_contains "$(cat "$TEST_TMP/host.log")" "signing-time (1.2.840.113549.1.9.5) is not allowed" \
  "the host log names the refused attribute"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"
test_summary
