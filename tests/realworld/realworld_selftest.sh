#!/usr/bin/env bash
# realworld.selftest: the realworld runner itself, without the corpus. A
# small corpus is generated (a hand-written one-page PDF, the same signed
# with the test PKI, that one with a signed byte changed, a non-PDF), and
# the runner must pass where everything is as expected and FAIL, naming the
# file, on each thing it exists to catch: a crash, a hang, a sanitizer
# report, a wrong-accept, a `valid` file rejected and not listed, a refusal
# not listed, a policy row whose answer changed, a changed page-1 render.
# Without the corpus the runner must skip (77) and say where it goes.
# shellcheck disable=SC2016 # the fake kyso bodies expand when it runs
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/pki.sh
. "$KYSO_TESTLIB/pki.sh"
# shellcheck source=../lib/fixtures.sh
. "$KYSO_TESTLIB/fixtures.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${KYSO:-}" ] || [ ! -x "$KYSO" ]; then die "KYSO is not set to the kyso binary"; fi
require_cmd node qpdf pdfsig pdftoppm openssl
PKI_DIR=$(pki_dir)
REAL_KYSO=$KYSO

# ---- a corpus of four files ------------------------------------------------
c=$TEST_TMP/corpus
mkdir -p "$c/signed" "$c/unsigned"
_fx_minimal "$c/unsigned/plain.pdf"
printf 'not a PDF at all\n' >"$c/unsigned/broken.pdf"
printf '%s' "$PKI_P12_PASS" >"$TEST_TMP/pass"
"$KYSO" sign --in "$c/unsigned/plain.pdf" --out "$c/signed/good.pdf" \
  --p12 "$PKI_DIR/person-rsa2048.p12" --pin-file "$TEST_TMP/pass" \
  --chain "$PKI_DIR/chain.pem" --time 2024-12-11T09:30:15+07:00 2>/dev/null
# One byte of the page content (inside the signed range) changed.
cp -- "$c/signed/good.pdf" "$c/signed/tampered.pdf"
off=$(grep -a -b -o 'BT' "$c/signed/tampered.pdf" | head -n 1 | cut -d: -f1)
printf 'bt' | dd of="$c/signed/tampered.pdf" bs=1 seek="$off" conv=notrunc status=none

manifest() { # GOOD_EXPECTED TAMPERED_EXPECTED
  printf 'file\tkind\tsource_repo\tpath\tcommit\tsha256\tsize\texpected\twhy\n'
  printf 'good.pdf\tsigned\tkyso\t-\t-\t-\t0\t%s\tselftest\n' "$1"
  printf 'tampered.pdf\tsigned\tkyso\t-\t-\t-\t0\t%s\tselftest\n' "$2"
  printf 'plain.pdf\tunsigned\tkyso\t-\t-\t-\t0\t-\tselftest\n'
  printf 'broken.pdf\tunsigned\tkyso\t-\t-\t-\t0\t-\tselftest\n'
}
policy_row() { printf '%s\t%s\t%s\t%s\n' "$@"; }
good_policy=$TEST_TMP/policy.tsv
policy_row broken.pdf defect 'refused:PDF_HEADER' 'not a PDF' >"$good_policy"

# run_rw MODE: the runner on the small corpus; RUN_STATUS and RUN_LOG.
RUN_LOG=$TEST_TMP/run.log
run_rw() {
  RUN_STATUS=0
  KYSO_REALWORLD_CORPUS=$c KYSO_REALWORLD_POLICY=${POLICY:-$good_policy} \
    KYSO_TEST_TMP=$TEST_TMP/rw KYSO_REALWORLD_TIMEOUT=${RW_T:-60} \
    bash "$here/realworld_test.sh" "$1" >"$RUN_LOG" 2>&1 || RUN_STATUS=$?
}
expect_pass() { # MODE MSG
  run_rw "$1"
  assert_eq 0 "$RUN_STATUS" "$2 (log: $(_kyso_clip "$(cat "$RUN_LOG")"))"
}
expect_fail() { # MODE ERE MSG: exit 1 and a FAIL line matching ERE
  run_rw "$1"
  assert_eq 1 "$RUN_STATUS" "$3: the runner fails"
  assert_match "$(grep '^FAIL: ' "$RUN_LOG" | tr '\n' ' ')" "$2" "$3: the failure says so"
}

section "no corpus: skipped, loudly"
RUN_STATUS=0
KYSO_REALWORLD_CORPUS=$TEST_TMP/absent bash "$here/realworld_test.sh" signed >"$RUN_LOG" 2>&1 ||
  RUN_STATUS=$?
assert_eq 77 "$RUN_STATUS" "absent corpus: status 77 (ctest SKIP_RETURN_CODE)"
assert_contains "$(cat "$RUN_LOG")" "$TEST_TMP/absent/MANIFEST.tsv" "absent corpus: says where it should be"

section "everything as expected: the three modes pass"
manifest valid reject >"$c/MANIFEST.tsv"
for mode in signed unsigned_read unsigned_sign; do
  expect_pass "$mode" "$mode on the small corpus"
  assert_file_exists "$TEST_TMP/rw/realworld.$mode.summary.txt" "$mode: summary kept"
done
assert_contains "$(cat "$TEST_TMP/rw/realworld.unsigned_sign.summary.txt")" "signed validly: 1 " \
  "unsigned_sign: plain.pdf signed validly"
assert_contains "$(cat "$TEST_TMP/rw/realworld.signed.summary.txt")" "expected reject    1: kyso rejects 1" \
  "signed: the tampered file rejected"

section "what the runner must catch"
manifest valid valid >"$c/MANIFEST.tsv"
expect_fail signed 'tampered\.pdf \(valid\): stricter: kyso says TOTAL_FAILED:HASH_FAILURE/message_digest_mismatch — not in policy' \
  "a valid file rejected, not listed"
POLICY=$TEST_TMP/policy-wrong.tsv
policy_row tampered.pdf stricter 'TOTAL_FAILED:FORMAT_FAILURE/.*' 'wrong answer' >"$POLICY"
expect_fail signed 'tampered\.pdf .*policy\.tsv lists it with the answer TOTAL_FAILED:FORMAT_FAILURE' \
  "a policy row whose answer changed"
policy_row tampered.pdf stricter 'TOTAL_FAILED:HASH_FAILURE/message_digest_mismatch' 'right answer' >"$POLICY"
expect_pass signed "the same file listed with its answer"
unset POLICY
manifest reject reject >"$c/MANIFEST.tsv"
POLICY=$TEST_TMP/policy-empty.tsv
: >"$POLICY"
expect_fail unsigned_sign 'broken\.pdf .*refused: kyso says refused:PDF_HEADER — not in policy' \
  "a refusal not listed"
unset POLICY

fake=$TEST_TMP/fake-kyso
fake_kyso() { # BODY: a kyso that does BODY, else runs the real one
  printf '#!/usr/bin/env bash\n%s\nexec "%s" "$@"\n' "$1" "$REAL_KYSO" >"$fake"
  chmod +x "$fake"
}
KYSO=$fake
fake_kyso 'case $2 in *good.pdf) echo "{\"kyso_report\":1,\"signatures\":[],\"overall\":\"TOTAL_PASSED\"}"; exit 0;; esac'
expect_fail signed 'good\.pdf: verify: exit 0 without|good\.pdf \(reject\): wrong-accept' "a wrong-accept"
fake_kyso 'case $2 in *good.pdf) kill -SEGV $$;; esac'
expect_fail signed 'good\.pdf: verify: killed by signal 11' "a crash"
fake_kyso 'case $2 in *plain.pdf) echo "x.c:1:1: runtime error: shift exponent" >&2;; esac'
expect_fail unsigned_read 'plain\.pdf: verify: sanitizer report' "a sanitizer report"
fake_kyso 'case $2 in *good.pdf) sleep 30;; esac'
RW_T=2 expect_fail signed 'good\.pdf: verify: hang' "a hang"
# A visible signature changes page 1: the render check must see it.
fake_kyso '[ "$1" = sign ] && set -- "$@" --rect 10,10,200,60 --image "'"$TEST_TMP/sig.png"'"'
node -e '
const zlib = require("zlib"), fs = require("fs");
const crc = (b) => { let c = ~0; for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1; } return ~c >>> 0; };
const chunk = (t, d) => { const l = Buffer.alloc(4); l.writeUInt32BE(d.length); const td = Buffer.concat([Buffer.from(t), d]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([l, td, c]); };
const w = 40, h = 20, raw = Buffer.alloc((w * 3 + 1) * h);
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * (w * 3 + 1) + 1 + x * 3 + 2] = 200;
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
fs.writeFileSync(process.argv[1], Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]));
' "$TEST_TMP/sig.png"
expect_fail unsigned_sign 'plain\.pdf .*bad: kyso says bad:render — page 1 render: differ' "a changed page 1"
KYSO=$REAL_KYSO

test_summary
