# shellcheck shell=bash
# SoftHSM2 tokens shaped like a Vietnamese government USB token: one key pair
# with its certificate (same CKA_ID), plus the CA certificates, as the
# vendor tools write them.
#
#   token_setup DIR                 private SoftHSM2 config + token dir;
#                                   exports SOFTHSM2_CONF (never the system one)
#   token_init LABEL                empty token, PINs $TOKEN_PIN / $TOKEN_SO_PIN
#   token_add_key LABEL KEY ID NAME     private + public key objects
#   token_add_cert LABEL CERT ID NAME   certificate object
#   token_add_identity LABEL PKI EE ID  key + cert of PKI/EE.{key,pem}
#   token_add_ca_certs LABEL PKI        sub-CA and root certs (ids a1, a2)
#   token_make_person PKI           "Nguyen Van A": person-rsa2048 + CA certs
#   token_make_org PKI              "Van thu": org-rsa2048 + CA certs
#   token_make_third PKI            "Tran Thi B": third-rsa2048
#   token_make_mismatch PKI         "Khoa sai": cert of person, another key
#   token_make_cert_only PKI        "Khong khoa": cert, no private key
#   token_make_key_only PKI         "Khong chung thu": key, no certificate
#   token_lock_pin LABEL            mark the user PIN locked (see below)
#   token_fault_module              echo path of the fault-injecting module
#   token_list LABEL                pkcs11-tool -O of the token (logged in)
#   token_flags LABEL               the "token flags" line pkcs11-tool -T shows
#
# Needs common.sh. PINs are fixed test values, passed to kyso with
# --pin-file or KYSO_PIN.

TOKEN_MODULE=${KYSO_SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
TOKEN_PIN=12345678
TOKEN_SO_PIN=87654321
TOKEN_PERSON=${TOKEN_PERSON:-Nguyen Van A}
TOKEN_ORG=${TOKEN_ORG:-Van thu}
TOKEN_THIRD=${TOKEN_THIRD:-Tran Thi B}
export TOKEN_MODULE TOKEN_PIN TOKEN_SO_PIN TOKEN_PERSON TOKEN_ORG TOKEN_THIRD

token_setup() {
  local dir=$1
  [ -r "$TOKEN_MODULE" ] || die "SoftHSM2 module not found: $TOKEN_MODULE"
  mkdir -p "$dir/tokens"
  cat >"$dir/softhsm2.conf" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
  SOFTHSM2_CONF=$dir/softhsm2.conf
  export SOFTHSM2_CONF
  TOKEN_DIR=$dir
  export TOKEN_DIR
}

_token_guard() { # never write into the system token store
  case ${SOFTHSM2_CONF:-} in
    "$TOKEN_DIR"/*) ;;
    *) die "token_setup was not called (SOFTHSM2_CONF=${SOFTHSM2_CONF:-unset})" ;;
  esac
}

_p11() { # LABEL ARGS...: pkcs11-tool logged in to one token
  local label=$1
  shift
  pkcs11-tool --module "$TOKEN_MODULE" --token-label "$label" \
    --login --pin "$TOKEN_PIN" "$@"
}

token_init() {
  _token_guard
  softhsm2-util --init-token --free --label "$1" \
    --pin "$TOKEN_PIN" --so-pin "$TOKEN_SO_PIN" >/dev/null
}

token_add_key() { # LABEL KEY.pem ID NAME
  local der=$TOKEN_DIR/obj.$$.der
  _token_guard
  openssl pkcs8 -topk8 -nocrypt -in "$2" -outform DER -out "$der"
  _p11 "$1" --write-object "$der" --type privkey --id "$3" --label "$4" \
    --usage-sign >/dev/null
  openssl pkey -in "$2" -pubout -outform DER -out "$der"
  _p11 "$1" --write-object "$der" --type pubkey --id "$3" --label "$4" >/dev/null
  rm -f -- "$der"
}

token_add_cert() { # LABEL CERT.pem ID NAME
  local der=$TOKEN_DIR/obj.$$.der
  _token_guard
  openssl x509 -in "$2" -outform DER -out "$der"
  _p11 "$1" --write-object "$der" --type cert --id "$3" --label "$4" >/dev/null
  rm -f -- "$der"
}

token_add_identity() { # LABEL PKI EE ID: key and cert with the same CKA_ID
  token_add_key "$1" "$2/$3.key" "$4" "$1"
  token_add_cert "$1" "$2/$3.pem" "$4" "$1"
}

token_add_ca_certs() { # LABEL PKI: the chain, as vendor tools store it
  token_add_cert "$1" "$2/subca.pem" a1 "Sub CA"
  token_add_cert "$1" "$2/root.pem" a2 "Root CA"
}

token_make_person() {
  token_init "$TOKEN_PERSON"
  token_add_identity "$TOKEN_PERSON" "$1" person-rsa2048 01
  token_add_ca_certs "$TOKEN_PERSON" "$1"
}

token_make_org() {
  token_init "$TOKEN_ORG"
  token_add_identity "$TOKEN_ORG" "$1" org-rsa2048 01
  token_add_ca_certs "$TOKEN_ORG" "$1"
}

token_make_third() {
  token_init "$TOKEN_THIRD"
  token_add_identity "$TOKEN_THIRD" "$1" third-rsa2048 01
}

token_make_mismatch() { # the cert's public key is not the token key's
  token_init "Khoa sai"
  token_add_key "Khoa sai" "$1/mismatch.key" 01 "Khoa sai"
  token_add_cert "Khoa sai" "$1/mismatch.pem" 01 "Khoa sai"
}

token_make_cert_only() {
  token_init "Khong khoa"
  token_add_cert "Khong khoa" "$1/person-rsa2048.pem" 01 "Khong khoa"
}

token_make_key_only() {
  token_init "Khong chung thu"
  token_add_key "Khong chung thu" "$1/person-rsa2048.key" 01 "Khong chung thu"
}

token_list() {
  _p11 "$1" --list-objects
}

# token_flags LABEL: the "token flags" line of pkcs11-tool -T for LABEL.
token_flags() {
  pkcs11-tool --module "$TOKEN_MODULE" --list-token-slots |
    awk -v l="$1" '
      /token label/ { sub(/^[^:]*: /, ""); sub(/ +$/, ""); hit = ($0 == l) }
      !done && hit && /token flags/ { sub(/^[^:]*: /, ""); print; done = 1 }'
}

# token_lock_pin LABEL: put the token in the state a real one reaches after
# too many wrong PINs: CKF_USER_PIN_LOCKED in C_GetTokenInfo.
#
# SoftHSM 2.6.1 never locks a PIN and has no API to set the flag; it keeps
# the token flags as attribute CKA_OS_TOKENFLAGS (0x8000534B, an 8-byte
# big-endian unsigned long) in the file store's token.object. This sets the
# bit there. Its C_Login still accepts the right PIN, so kyso must check
# the flag before logging in; token_fault_module covers the C_Login
# CKR_PIN_LOCKED answer.
token_lock_pin() {
  local label=$1 obj flags
  _token_guard
  # Find the token dir whose token.object holds the label (32 bytes, padded).
  for obj in "$TOKEN_DIR"/tokens/*/token.object; do
    if LC_ALL=C grep -qaF "$(printf '%-32s' "$label")" "$obj"; then
      node - "$obj" <<'EOF'
// Walk the ObjectFile attribute list: [type u64][kind u64][value], kind 1 =
// bool (1 byte), 2 = ulong (8 bytes), 3 = byte string (u64 length + bytes).
const fs = require("fs");
const file = process.argv[2];
const b = fs.readFileSync(file);
let off = 8, hit = false;
while (off + 16 <= b.length) {
  const type = b.readBigUInt64BE(off), kind = b.readBigUInt64BE(off + 8);
  off += 16;
  let len;
  if (kind === 1n) len = 1;
  else if (kind === 2n) len = 8;
  else if (kind === 3n) len = 8 + Number(b.readBigUInt64BE(off));
  else { console.error(`token.object: unknown attribute kind ${kind}`); process.exit(1); }
  if (type === 0x8000534bn && kind === 2n) {
    const CKF_USER_PIN_LOCKED = 0x40000n, CKF_USER_PIN_FINAL_TRY = 0x20000n;
    const v = b.readBigUInt64BE(off);
    b.writeBigUInt64BE((v | CKF_USER_PIN_LOCKED) & ~CKF_USER_PIN_FINAL_TRY, off);
    hit = true;
  }
  off += len;
}
if (!hit || off !== b.length) { console.error("token.object: flags not found"); process.exit(1); }
fs.writeFileSync(file, b);
EOF
      flags=$(token_flags "$label")
      case $flags in
        *"user PIN locked"*) return 0 ;;
        *) die "token_lock_pin: flags not set ($flags)" ;;
      esac
    fi
  done
  die "token_lock_pin: no token labelled $label"
}

# token_fault_module: build (once per test) and echo the fault-injecting
# module; select the fault with KYSO_P11_FAULT in kyso's environment.
token_fault_module() {
  local so=$TOKEN_DIR/p11_fault.so
  if [ ! -f "$so" ]; then
    cc -shared -fPIC -O1 -Wall -Wextra -Werror -I/usr/include/p11-kit-1 \
      -o "$so" "$KYSO_TESTLIB/p11_fault.c" -ldl >&2
  fi
  echo "$so"
}
