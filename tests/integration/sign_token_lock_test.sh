#!/usr/bin/env bash
# integration.sign_token_lock: kyso processes take turns on a PKCS#11 module
# (kyso/token_lock.h) instead of colliding in it (issue 12: 4 concurrent
# `kyso sign` on one SoftHSM2 token failed 17 times in 200 with
# TOKEN_NOT_FOUND or login errors); the lock directory is private and a
# directory another user planted is refused; a lock held too long gives
# TOKEN_BUSY, a short one is waited for.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
token_make_person "$PKI_DIR"
PERSON=$PKI_DIR/person-rsa2048.pem
ROUNDS=${KYSO_LOCK_ROUNDS:-25}
PARALLEL=4

in=$(stage_input "$FX/minimal.pdf" "$(fresh_dir in)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
XDG=$(fresh_dir xdg)
chmod 700 "$XDG"

section "lock location under XDG_RUNTIME_DIR"
outdir=$(fresh_dir out.ref)
KYSO_ENV=("XDG_RUNTIME_DIR=$XDG")
kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf"
KYSO_ENV=()
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "reference signature" "$PERSON"
REF=$outdir/signed.pdf
assert_eq 700 "$(stat -c %a "$XDG/kyso")" "XDG_RUNTIME_DIR/kyso is 0700"
locks=$(find "$XDG/kyso" -mindepth 1 -maxdepth 1 -name 'p11-*.lock' -type f)
assert_eq 1 "$(grep -c . <<<"$locks" || true)" "one lock file for the module"
LOCK=$(head -n 1 <<<"$locks")
assert_eq 600 "$(stat -c %a "$LOCK")" "the lock file is 0600"
assert_eq "$(id -u)" "$(stat -c %u "$LOCK")" "the lock file is the user's"

section "$PARALLEL concurrent kyso sign x $ROUNDS rounds on one token"
# Signing is deterministic (RSA PKCS#1 v1.5, fixed --time): every output
# must be byte for byte the reference, which passed the whole battery.
failures=0
for r in $(seq 1 "$ROUNDS"); do
  pids=()
  for p in $(seq 1 "$PARALLEL"); do
    d=$TEST_TMP/conc/$r.$p
    mkdir -p "$d"
    timeout 120 env -u KYSO_PIN XDG_RUNTIME_DIR="$XDG" "$KYSO" sign --in "$in" \
      --out "$d/signed.pdf" --pkcs11-module "$TOKEN_MODULE" --token "$TOKEN_PERSON" \
      --pin-file "$(kyso_pin_file)" --chain "$PKI_DIR/chain.pem" \
      --time "$KYSO_TEST_TIME" >"$d/out" 2>"$d/err" </dev/null &
    pids+=($!)
  done
  p=0
  for pid in "${pids[@]}"; do
    p=$((p + 1))
    d=$TEST_TMP/conc/$r.$p
    st=0
    wait "$pid" || st=$?
    if [ "$st" -ne 0 ]; then
      failures=$((failures + 1))
      fail "round $r process $p: status $st: $(_kyso_clip "$(cat "$d/err")")"
    elif ! cmp -s "$REF" "$d/signed.pdf"; then
      failures=$((failures + 1))
      fail "round $r process $p: output differs from the reference"
    fi
  done
done
assert_eq 0 "$failures" "all $((ROUNDS * PARALLEL)) concurrent signatures made and identical"
assert_sha256 "$in" "$IN_SHA256" "input unchanged"

section "a held lock: waited for, or TOKEN_BUSY after the bound"
# flock(1) holds the module's lock as another kyso would.
outdir=$(fresh_dir out.busy)
flock "$LOCK" sleep 8 &
holder=$!
sleep 0.5
KYSO_ENV=("XDG_RUNTIME_DIR=$XDG" "KYSO_TOKEN_LOCK_WAIT=1")
kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf"
KYSO_ENV=()
assert_kyso_error "TOKEN_BUSY" "$in" "$outdir" "lock held past the 1 s bound"
assert_contains "$(cat "$RUN_ERR")" "another kyso process" "TOKEN_BUSY says why"
wait "$holder"

outdir=$(fresh_dir out.wait)
flock "$LOCK" sleep 2 &
holder=$!
sleep 0.5
KYSO_ENV=("XDG_RUNTIME_DIR=$XDG")
kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf"
KYSO_ENV=()
assert_success "lock held 2 s: kyso waits, then signs"
assert_same_bytes "$REF" "$outdir/signed.pdf" "after the wait: the same signature"
wait "$holder"

section "fallback under TMPDIR, and planted directories refused"
uid=$(id -u)
# sign_env MSG ENV...: sign with ENV (XDG_RUNTIME_DIR unset unless given).
sign_env() {
  local msg=$1
  shift
  outdir=$(fresh_dir "out.$msg")
  KYSO_ENV=(-u XDG_RUNTIME_DIR "$@")
  kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf"
  KYSO_ENV=()
}

tmpa=$(fresh_dir tmpa)
sign_env no-xdg "TMPDIR=$tmpa"
assert_success "no XDG_RUNTIME_DIR: signed"
assert_eq 700 "$(stat -c %a "$tmpa/kyso-$uid")" "TMPDIR/kyso-UID made 0700"
assert_eq 1 "$(find "$tmpa/kyso-$uid" -name 'p11-*.lock' | grep -c . || true)" \
  "the lock file is in TMPDIR/kyso-UID"

# XDG_RUNTIME_DIR others may write is not used.
xdgopen=$(fresh_dir xdg-open)
chmod 777 "$xdgopen"
tmpb=$(fresh_dir tmpb)
sign_env open-xdg "XDG_RUNTIME_DIR=$xdgopen" "TMPDIR=$tmpb"
assert_success "world-writable XDG_RUNTIME_DIR: signed"
assert_dir_entries "$xdgopen" "" "nothing created in a world-writable XDG_RUNTIME_DIR"
assert_eq 700 "$(stat -c %a "$tmpb/kyso-$uid")" "...the TMPDIR fallback used instead"

# A symlink planted where kyso's directory goes.
tmpc=$(fresh_dir tmpc)
victim=$(fresh_dir victim)
ln -s "$victim" "$tmpc/kyso-$uid"
sign_env planted-symlink "TMPDIR=$tmpc"
assert_kyso_error "IO" "$in" "$outdir" "planted symlink refused"
assert_contains "$(cat "$RUN_ERR")" "kyso-$uid" "planted symlink: the message names the directory"
assert_dir_entries "$victim" "" "planted symlink: nothing created through it"

# A directory others can write.
tmpd=$(fresh_dir tmpd)
mkdir -m 777 "$tmpd/kyso-$uid"
chmod 777 "$tmpd/kyso-$uid"
sign_env planted-open "TMPDIR=$tmpd"
assert_kyso_error "IO" "$in" "$outdir" "world-writable lock directory refused"
assert_dir_entries "$tmpd/kyso-$uid" "" "world-writable: no lock file created in it"

# A directory of another user (needs root to make).
if [ "$uid" -eq 0 ]; then
  tmpe=$(fresh_dir tmpe)
  mkdir -m 700 "$tmpe/kyso-$uid"
  chown 65534:65534 "$tmpe/kyso-$uid"
  sign_env planted-other "TMPDIR=$tmpe"
  assert_kyso_error "IO" "$in" "$outdir" "another user's lock directory refused"
else
  echo "note: not root, the other-owner case is not run"
fi

test_summary
