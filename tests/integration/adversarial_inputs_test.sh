#!/usr/bin/env bash
# integration.adversarial_inputs: worst-case ~1 MB inputs (tests/lib/
# adversarial.py: an 80,000-key dictionary, a 15,000-link /Length chain,
# nesting far past the depth limit and just under it, thousands of xref
# sections and subsections, tens of thousands of tiny objects, a big object
# stream, object streams claiming /N 100000, long escaped tokens, flat
# pages, many fields, a broken xref, a /Prev loop; and the same shapes
# appended after a signature, so the changes analysis walks them) through
# `kyso verify` and `kyso inspect`, each under a CPU-time limit.
#
# Not a timed test (speed targets live in bench/adversarial/run.sh, where
# the goal is < 1 s each): the limit is a generous 10 s of CPU, far above
# the target, and catches what the issue found, a quadratic parse taking
# 12 s on such a file, or a hang. Each run must end with a clean exit code
# (verify 0-3, inspect 0-1), never a signal (SIGXCPU from the limit, SIGSEGV
# from a recursion), with exactly one "kyso: CODE: message" line when it
# refuses the file; a document changed after its signature is never VALID.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
require_cmd python3
CPU_LIMIT=${KYSO_ADVERSARIAL_CPU:-10}
GEN=$KYSO_TESTLIB/adversarial.py
D=$(fresh_dir adv)

kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$FX/minimal.pdf" "$D/base.pdf"
assert_success "the signed base for the upd- shapes"

# limited CMD...: run_cmd under ulimit -t (a subshell: the limit stays there).
limited() {
  RUN_STATUS=0
  (
    ulimit -t "$CPU_LIMIT"
    exec "$@"
  ) >"$RUN_OUT" 2>"$RUN_ERR" </dev/null || RUN_STATUS=$?
}

# check_run NAME CMD MAX: status 0..MAX, no signal; one error line when it
# is the "cannot read" status (3 for verify, 1 for inspect).
check_run() {
  local name=$1 cmd=$2 max=$3 refuse=$4
  if [ "$RUN_STATUS" -ge 128 ]; then
    fail "$name: $cmd killed by signal $((RUN_STATUS - 128)) (CPU limit ${CPU_LIMIT}s, or a crash)"
    return 0
  fi
  if [ "$RUN_STATUS" -le "$max" ]; then
    pass "$name: $cmd exit status $RUN_STATUS"
  else
    fail "$name: $cmd exit status $RUN_STATUS, expected 0..$max"
  fi
  if [ "$RUN_STATUS" -eq "$refuse" ]; then
    assert_eq 1 "$(wc -l <"$RUN_ERR")" "$name: $cmd refuses with one line"
    assert_match "$(head -n 1 "$RUN_ERR")" "^kyso: [A-Z_0-9]+: [^ ].*$" \
      "$name: $cmd names the error"
  fi
}

section "adversarial inputs under a ${CPU_LIMIT}s CPU limit"
while read -r name; do
  f=$D/$name.pdf
  case $name in
    upd-*) python3 "$GEN" gen "$name" "$f" "$D/base.pdf" ;;
    *) python3 "$GEN" gen "$name" "$f" ;;
  esac
  size=$(stat -c %s "$f")
  assert_gt "$size" 400000 "$name: the input is big ($size bytes)"
  limited "$KYSO" verify "$f" --trust "$PKI_DIR/root.pem" --lang en
  check_run "$name" verify 3 3
  case $name in
    upd-*)
      # The catalog (or the xref) changed after the signature.
      assert_ne 0 "$RUN_STATUS" "$name: a document changed after signing is not VALID"
      ;;
  esac
  limited "$KYSO" verify "$f" --trust "$PKI_DIR/root.pem" --json
  check_run "$name" "verify --json" 3 3
  if [ "$RUN_STATUS" -lt 3 ]; then
    assert_true "$name: verify --json prints one JSON document" \
      node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$RUN_OUT"
  fi
  limited "$KYSO" inspect "$f"
  check_run "$name" inspect 1 1
done < <(python3 "$GEN" list)

section "the generator is deterministic"
python3 "$GEN" gen big-dict "$D/again.pdf"
assert_same_bytes "$D/big-dict.pdf" "$D/again.pdf" "big-dict twice: the same bytes"

test_summary
