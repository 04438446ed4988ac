#!/usr/bin/env bash
# integration.sign_file_mode: the signed file gets the input's permission
# bits masked by the umask, as cp or an editor's save would give it (issue
# 12: it was always 0644, so a private 0600 input became world-readable).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup

# expect_mode INPUT_MODE UMASK WANT
expect_mode() {
  local mode=$1 mask=$2 want=$3 indir outdir in saved
  indir=$(fresh_dir "in.$mode.$mask")
  outdir=$(fresh_dir "out.$mode.$mask")
  in=$(stage_input "$FX/minimal.pdf" "$indir")
  chmod "$mode" "$in"
  saved=$(umask)
  umask "$mask"
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf"
  umask "$saved"
  assert_success "input $mode, umask $mask: signed"
  assert_eq "$want" "$(stat -c %a "$outdir/signed.pdf")" \
    "input $mode, umask $mask: output mode"
  assert_dir_entries "$outdir" signed.pdf "input $mode, umask $mask: no temp file"
}

section "output mode"
expect_mode 600 022 600
expect_mode 644 022 644
expect_mode 666 027 640
expect_mode 640 077 600
expect_mode 444 022 444

test_summary
