#!/usr/bin/env bash
# One corpus file through one mode of the realworld suite; run by
# realworld_test.sh through xargs -P (one process per file). It only runs the
# tools and leaves what they said in $RW_OUT/<file>/ ; realworld_judge.mjs
# decides. Every command runs under rw_limit: a wall-clock timeout and a CPU
# limit, so a hang or a runaway loop ends as status 124/137 (a failure).
#
#   realworld_one.sh MODE FILE
#     MODE signed         kyso verify --json          -> verify.{json,err,rc}
#     MODE unsigned_read  kyso verify, kyso inspect   -> verify.*, inspect.*
#     MODE unsigned_sign  kyso sign with the test P12 -> sign.{err,rc}, then on
#                         success qpdf --check (input and output), pdfsig,
#                         kyso verify with the test root, page 1 rendered
#                         before and after (pdftoppm -r 50)
#
# Environment (set by realworld_test.sh): KYSO, RW_OUT, RW_AT, RW_TIMEOUT,
# RW_CPU, and for unsigned_sign RW_P12, RW_P12_PASS_FILE, RW_CHAIN,
# RW_TRUST, RW_TIME.
set -uo pipefail
export LC_ALL=C

mode=$1
file=$2
name=$(basename "$file")
dir=$RW_OUT/$name
rm -rf -- "$dir"
mkdir -p "$dir"

# rw_limit OUT ERR CMD...: run CMD with its stdout/stderr in OUT/ERR and a
# time and CPU limit; echo the exit status.
rw_limit() {
  local out=$1 err=$2 rc
  shift 2
  timeout -k 5 "$RW_TIMEOUT" prlimit --cpu="$RW_CPU" -- "$@" >"$out" 2>"$err" </dev/null
  rc=$?
  echo "$rc"
}

# rw_run STEP CMD...: rw_limit with the files named after STEP.
rw_run() {
  local step=$1
  shift
  rw_limit "$dir/$step.out" "$dir/$step.err" "$@" >"$dir/$step.rc"
}

verify_step() { # STEP FILE [ARGS...]
  local step=$1 f=$2
  shift 2
  rw_run "$step" "$KYSO" verify "$f" --json --no-default-trust --at "$RW_AT" "$@"
  mv -- "$dir/$step.out" "$dir/$step.json"
}

case $mode in
  signed)
    verify_step verify "$file"
    ;;
  unsigned_read)
    verify_step verify "$file"
    rw_run inspect "$KYSO" inspect "$file"
    ;;
  unsigned_sign)
    out=$dir/signed.pdf
    rw_run sign "$KYSO" sign --in "$file" --out "$out" --p12 "$RW_P12" \
      --pin-file "$RW_P12_PASS_FILE" --chain "$RW_CHAIN" --time "$RW_TIME"
    if [ "$(cat "$dir/sign.rc")" = 0 ]; then
      rw_run qpdf_in qpdf --check "$file"
      rw_run qpdf_out qpdf --check "$out"
      rw_run pdfsig pdfsig "$out"
      verify_step verify_out "$out" --trust "$RW_TRUST"
      rw_run render_in pdftoppm -r 50 -f 1 -l 1 -singlefile "$file" "$dir/page-in"
      rw_run render_out pdftoppm -r 50 -f 1 -l 1 -singlefile "$out" "$dir/page-out"
      # Only the pixels are compared (the PPM header carries no date).
      if [ -s "$dir/page-in.ppm" ] && [ -s "$dir/page-out.ppm" ]; then
        if cmp -s -- "$dir/page-in.ppm" "$dir/page-out.ppm"; then
          echo same >"$dir/render.cmp"
        else
          echo differ >"$dir/render.cmp"
        fi
      elif [ -s "$dir/page-in.ppm" ]; then
        echo out_missing >"$dir/render.cmp"
      else
        echo in_missing >"$dir/render.cmp"
      fi
      if [ "${KYSO_KEEP_TMP:-0}" != 1 ]; then
        rm -f -- "$out" "$dir/page-in.ppm" "$dir/page-out.ppm"
      fi
    fi
    ;;
  *)
    echo "realworld_one.sh: unknown mode $mode" >&2
    exit 2
    ;;
esac
echo finished >"$dir/done"
