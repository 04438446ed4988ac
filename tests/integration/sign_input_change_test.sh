#!/usr/bin/env bash
# integration.sign_input_change: kyso sign reads the input once, before the
# PIN prompt, and signs that snapshot; if the file on disk changed by the
# time the output is to be renamed into place (another program saved over
# it, truncated it, appended to it), kyso refuses with INPUT_CHANGED and
# leaves no output or temporary file (issue 12: the input was mapped and
# read three times across the prompt, so a concurrent change broke the
# signature and a truncation killed kyso with SIGBUS).
#
# The PIN comes through a fifo given as --pin-file, which the test holds
# open: kyso opens it after it has read the input and blocks reading it;
# the test changes the input, then writes the PIN.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
token_make_person "$PKI_DIR"
PERSON=$PKI_DIR/person-rsa2048.pem

# The biggest fixture: a truncation must cut whole pages off the old
# mapping for the old code's SIGBUS to show.
SRC=$FX/vn-chromium.pdf

# kyso_pid_has_fifo PID FIFO: kyso has FIFO open (it waits for the PIN).
kyso_pid_has_fifo() {
  local fd
  for fd in /proc/"$1"/fd/*; do
    [ "$(readlink -- "$fd" 2>/dev/null)" = "$2" ] && return 0
  done
  return 1
}

# sign_while KIND CHANGE...: sign a fresh copy of SRC with the PIN from a
# fifo; run CHANGE (with $in set) while kyso waits for the PIN. Sets
# RUN_STATUS/RUN_ERR as kyso_run does, IN_SHA256 to the input's digest
# after CHANGE, and in/outdir.
sign_while() {
  local kind=$1 fifo pid i
  shift
  in=$(stage_input "$SRC" "$(fresh_dir "in.$kind")")
  outdir=$(fresh_dir "out.$kind")
  fifo=$TEST_TMP/pin.$kind.fifo
  rm -f -- "$fifo"
  mkfifo -m 600 -- "$fifo"
  exec 3<>"$fifo" # read-write: never blocks, and kyso's open does not either
  if [ "$kind" = token ]; then
    timeout 60 env -u KYSO_PIN "$KYSO" sign --in "$in" --out "$outdir/signed.pdf" \
      --pkcs11-module "$TOKEN_MODULE" --token "$TOKEN_PERSON" --pin-file "$fifo" \
      --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME" \
      >"$RUN_OUT" 2>"$RUN_ERR" </dev/null 3>&- &
  else
    timeout 60 env -u KYSO_PIN "$KYSO" sign --in "$in" --out "$outdir/signed.pdf" \
      --p12 "$PKI_DIR/person-rsa2048.p12" --pin-file "$fifo" \
      --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME" \
      >"$RUN_OUT" 2>"$RUN_ERR" </dev/null 3>&- &
  fi
  pid=$!
  # timeout forks kyso: wait for the child that opened the fifo.
  for i in $(seq 1 300); do
    local kid
    kid=$(pgrep -P "$pid" | head -n 1 || true)
    [ -n "$kid" ] && kyso_pid_has_fifo "$kid" "$fifo" && break
    sleep 0.1
  done
  [ "$i" -lt 300 ] || fail "$kind: kyso never opened the PIN fifo"
  "$@"
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
  if [ "$kind" = token ]; then
    printf '%s\n' "$TOKEN_PIN" >&3
  else
    printf '%s\n' "$PKI_P12_PASS" >&3
  fi
  RUN_STATUS=0
  wait "$pid" || RUN_STATUS=$?
  exec 3>&-
  rm -f -- "$fifo"
}

no_change() { :; }
truncate_to() { truncate -s "$1" -- "$in"; }
overwrite_byte() { # same size; the mtime put back, so only the bytes tell
  local m
  m=$(stat -c %y -- "$in")
  printf 'X' | dd of="$in" bs=1 seek="$1" conv=notrunc status=none
  touch -d "$m" -- "$in"
}
append_bytes() { printf '%% appended\n' >>"$in"; }
replace_same_bytes() { # a "save" that writes a new file with the same bytes
  cp -- "$in" "$in.new"
  touch -d '2001-01-01 00:00:00' -- "$in.new"
  mv -f -- "$in.new" "$in"
}

section "control: the input does not change"
sign_while p12 no_change
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "p12, no change" "$PERSON"
sign_while token no_change
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "token, no change" "$PERSON"

section "the input changes while kyso waits for the PIN"
# expect_refused MSG: INPUT_CHANGED, nothing written, no crash.
expect_refused() {
  assert_kyso_error "INPUT_CHANGED" "$in" "$outdir" "$1"
  assert_contains "$(cat "$RUN_ERR")" "$(basename "$in")" "$1: the message names the input"
}
sign_while p12 truncate_to 1000
expect_refused "p12, truncated to 1000 bytes"
sign_while p12 truncate_to 0
expect_refused "p12, truncated to 0 bytes"
sign_while token truncate_to 4096
expect_refused "token, truncated to 4096 bytes"
sign_while p12 overwrite_byte 200
expect_refused "p12, one byte overwritten, size and mtime kept"
sign_while token overwrite_byte 300
expect_refused "token, one byte overwritten, size and mtime kept"
sign_while p12 append_bytes
expect_refused "p12, bytes appended"
sign_while p12 replace_same_bytes
expect_refused "p12, replaced by a new file (other mtime)"
assert_dir_entries "$(dirname "$in")" "$(basename "$in")" \
  "replaced: nothing left beside the input"

test_summary
