#!/usr/bin/env bash
# Benchmark (not a test): `kyso verify` beside poppler's pdfsig, each case
# timed in one hyperfine run so the two tools see the same machine state.
#
#   bench/verify/run.sh [KYSO_BINARY]
#
# Cases (issue 3 and issue 12 part 5):
#   two-sigs   the ~10 MB, 100-page input of bench/sign (bench/lib/bigpdf.sh)
#              with two signatures from the SoftHSM token and a /DSS
#              (CRLs, OCSP responses)                  target <= 0.5 x pdfsig
#   one-sig    the same input with one signature      target <= 0.5 x pdfsig
#   30-sigs    the 3-page tờ trình (tests' fixtures) signed 30 times, one
#              incremental update each (P12)          target <= 0.5 x pdfsig
#   1000-pages a 1,000-page text document (Chromium) signed once
#                                                     target <= 0.5 x pdfsig
#   100mb      ten copies of the 100-page input merged by qpdf (~100 MB,
#              1,000 pages) signed once: against the hash-only floor,
#              `openssl dgst -sha256` over the file    target <= 2 x floor
# and for every case peak RSS <= file size + 32 MiB.
#
# Environment: KYSO (binary, default build/cli/kyso), KYSO_BEFORE (a second
# kyso binary, e.g. an older build, timed in the same run for a before/after
# ratio), BENCH_RUNS (default 7), BENCH_DIR (work dir to keep; default a temp
# dir removed at exit), BENCH_CASES (space-separated subset of the names
# above; default all).
#
# Both tools check the CMS signatures and the chains to the test root; kyso
# also checks revocation from the DSS and what changed after each signature,
# pdfsig (22.12) does neither offline. The exit status is 0 even when a
# target is missed (a benchmark, not a test); the summary says PASS/MISS.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/setup.sh
. "$repo/bench/lib/setup.sh" "$@"
CASES=${BENCH_CASES:-two-sigs one-sig 30-sigs 1000-pages 100mb}
BEFORE=${KYSO_BEFORE:-}
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "KYSO_BEFORE is not executable: $BEFORE" >&2; exit 1; }
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

echo "== PKI, token, NSS database"
PKI_DIR=$(pki_dir)
pki_bad_setup "$PKI_DIR"
token_setup "$W/hsm"
token_make_person "$PKI_DIR"
token_make_org "$PKI_DIR"
printf '%s' "$TOKEN_PIN" >"$W/pin"
printf '%s' "$PKI_P12_PASS" >"$W/p12pass"
nssdb_make "$W/nss" "$PKI_DIR"
sign_token() { # IN OUT TOKEN FIELD
  "$KYSO" sign --in "$1" --out "$2" --pkcs11-module "$TOKEN_MODULE" --token "$3" \
    --pin-file "$W/pin" --chain "$PKI_DIR/chain.pem" --field "$4" >/dev/null
}
sign_p12() { # IN OUT FIELD
  "$KYSO" sign --in "$1" --out "$2" --p12 "$PKI_DIR/person-rsa2048.p12" \
    --pin-file "$W/p12pass" --chain "$PKI_DIR/chain.pem" --field "$3" >/dev/null
}

# ---- inputs ---------------------------------------------------------------
if want two-sigs || want one-sig; then
  echo "== input: one and two signatures on the 100-page file"
  sign_token "$W/big.pdf" "$W/one.pdf" "$TOKEN_PERSON" NguoiKy
  if want two-sigs; then
    sign_token "$W/one.pdf" "$W/two.pdf" "$TOKEN_ORG" VanThu
    "$KYSO" dss --in "$W/two.pdf" --out "$W/two-sigs.pdf" --crl "$PKI_BAD/subca.crl" \
      --crl "$PKI_BAD/root.crl" --ocsp "$PKI_BAD/ocsp/person-rsa2048.der" \
      --ocsp "$PKI_BAD/ocsp/org-rsa2048.der" >/dev/null
  fi
  cp "$W/one.pdf" "$W/one-sig.pdf"
fi
if want 30-sigs; then
  echo "== input: 30 signatures on the 3-page fixture"
  FX=$(fixtures_dir)
  cp "$FX/vn-chromium.pdf" "$W/s0.pdf"
  for i in $(seq 1 30); do
    sign_p12 "$W/s$((i - 1)).pdf" "$W/s$i.pdf" "Ky$i"
    rm -f "$W/s$((i - 1)).pdf"
  done
  mv "$W/s30.pdf" "$W/30-sigs.pdf"
fi
if want 1000-pages; then
  echo "== input: 1,000 pages of text (Chromium)"
  mkdir -p "$W/html1000"
  {
    printf '<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>\n'
    printf '@page { size: A4; margin: 20mm 15mm 20mm 30mm; }\n'
    printf 'body { font-family: "Liberation Serif", serif; font-size: 13pt; }\n'
    printf 'section { page-break-after: always; }\n</style></head><body>\n'
    for i in $(seq 1 1000); do
      printf '<section><h2>Điều %d. Quy định chung</h2>\n' "$i"
      printf '<p>Trang %d. Cơ quan, tổ chức, cá nhân sử dụng chữ ký số chuyên dùng công vụ ' "$i"
      printf 'trong giao dịch điện tử phải bảo đảm an toàn, bảo mật thiết bị ký số.</p></section>\n'
    done
    printf '</body></html>\n'
  } >"$W/html1000/doc.html"
  fixtures_print_html "$W/html1000/doc.html" "$W/pages1000.pdf"
  sign_p12 "$W/pages1000.pdf" "$W/1000-pages.pdf" NguoiKy
fi
if want 100mb; then
  echo "== input: ten copies of the 100-page file (qpdf)"
  copies=()
  for i in $(seq 1 10); do
    cp "$W/big.pdf" "$W/copy$i.pdf" # distinct names: qpdf copies each one
    copies+=("$W/copy$i.pdf")
  done
  qpdf --empty --pages "${copies[@]}" -- "$W/merged.pdf"
  rm -f "${copies[@]}"
  sign_p12 "$W/merged.pdf" "$W/100mb.pdf" NguoiKy
  rm -f "$W/merged.pdf"
fi

# ---- one case -------------------------------------------------------------
: >"$W/summary.tsv"
# run_case NAME SIGNATURES BASELINE(pdfsig|floor)
run_case() {
  local name=$1 nsig=$2 base=$3 f=$W/$1.pdf size pages rc=0 n_valid
  local kyso_cmd pdfsig_cmd floor_cmd before_cmd rss_kyso rss_before=0
  size=$(stat -c %s "$f")
  pages=$(pdfinfo "$f" | awk '/^Pages:/ { print $2 }')
  echo
  echo "== $name: $pages pages, $size bytes, $(grep -ac '%%EOF' "$f") revisions, $nsig signatures"
  kyso_cmd="'$KYSO' verify '$f' --no-default-trust --trust '$PKI_DIR/root.pem'"
  pdfsig_cmd="pdfsig -nssdir 'sql:$W/nss' '$f'"
  floor_cmd="openssl dgst -sha256 '$f'"
  eval "$kyso_cmd --json" >"$W/$name.json" || rc=$?
  # shellcheck disable=SC2016 # JavaScript template strings
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const s = r.signatures.map((x) => x.indication);
    const c = {}; for (const i of s) c[i] = (c[i] || 0) + 1;
    console.log(`kyso verify (exit ${process.argv[2]}): ${r.overall}; ${s.length} signatures ` + JSON.stringify(c));
    if (s.length !== Number(process.argv[3])) { console.error("kyso verify does not see every signature"); process.exit(1); }
  ' "$W/$name.json" "$rc" "$nsig"
  n_valid=$(eval "$pdfsig_cmd" 2>/dev/null | grep -c 'Signature is Valid' || true)
  [ "$n_valid" = "$nsig" ] || { echo "pdfsig finds $n_valid valid signatures, not $nsig" >&2; exit 1; }
  echo "pdfsig: $nsig signatures, each 'Signature is Valid.'"
  set -- -n kyso "$kyso_cmd >/dev/null"
  if [ -n "$BEFORE" ]; then
    before_cmd="'$BEFORE' verify '$f' --no-default-trust --trust '$PKI_DIR/root.pem'"
    set -- "$@" -n kyso-before "$before_cmd >/dev/null"
  fi
  set -- "$@" -n pdfsig "$pdfsig_cmd >/dev/null 2>&1"
  [ "$base" = floor ] && set -- "$@" -n sha256-floor "$floor_cmd >/dev/null"
  # -i: kyso verify exits 1 while a verdict is INDETERMINATE; the time counts.
  hyperfine --runs "$RUNS" --warmup 1 --style basic -i --export-json "$W/$name.times.json" "$@" |
    grep -E '^(Benchmark|  Time)' || true
  rss_kyso=$(/usr/bin/time -f %M bash -c "$kyso_cmd >/dev/null || true" 2>&1 | tail -n 1)
  [ -z "$BEFORE" ] || rss_before=$(/usr/bin/time -f %M bash -c "$before_cmd >/dev/null || true" 2>&1 | tail -n 1)
  node - "$W/$name.times.json" "$name" "$size" "$base" "$rss_kyso" "$rss_before" >>"$W/summary.tsv" <<'EOF'
const fs = require("fs");
const [file, name, size, base, rssK, rssB] = process.argv.slice(2);
const r = Object.fromEntries(JSON.parse(fs.readFileSync(file)).results.map((x) => [x.command, x]));
const med = (k) => (r[k] ? r[k].median * 1000 : NaN);
const cpu = (k) => (r[k] ? (r[k].user + r[k].system) * 1000 : NaN); // means
const ref = base === "floor" ? "sha256-floor" : "pdfsig";
const ratio = med("kyso") / med(ref);
const limit = base === "floor" ? 2 : 0.5;
const budget = Number(size) + 32 * 1048576;
console.log([name, Number(size), med("kyso").toFixed(1), med("kyso-before").toFixed(1),
  med("pdfsig").toFixed(1), med("sha256-floor").toFixed(1), ref, ratio.toFixed(2), limit,
  ratio <= limit ? "PASS" : "MISS", (Number(rssK) / 1024).toFixed(1), (Number(rssB) / 1024).toFixed(1),
  (budget / 1048576).toFixed(1), Number(rssK) * 1024 <= budget ? "PASS" : "MISS",
  (cpu("kyso") / cpu(ref)).toFixed(2), (med("kyso-before") / med("kyso")).toFixed(2)].join("\t"));
EOF
}

want two-sigs && run_case two-sigs 2 pdfsig
want one-sig && run_case one-sig 1 pdfsig
want 30-sigs && run_case 30-sigs 30 pdfsig
want 1000-pages && run_case 1000-pages 1 pdfsig
want 100mb && run_case 100mb 1 floor

echo
echo "== summary: medians of $RUNS runs (ms), ratio of kyso to the reference, peak RSS (MiB)"
echo "   (the targets are on wall-clock medians; 'cpu' is the same ratio on user+system"
echo "   CPU time, which a loaded machine disturbs less)"
node - "$W/summary.tsv" "$BEFORE" <<'EOF'
const fs = require("fs");
const before = process.argv[3];
const rows = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").filter(Boolean).map((l) => l.split("\t"));
const p = (s, n) => String(s).padStart(n);
let head = "case          MiB     kyso";
if (before) head += "   before";
head += "   pdfsig  sha256   ratio                   time   cpu   RSS MiB  limit   RSS";
console.log(head);
for (const [name, size, k, b, ps, fl, ref, ratio, limit, ok, rss, rssB, budget, rssOk, cpuRatio, speedup] of rows) {
  let line = name.padEnd(11) + p((size / 1048576).toFixed(1), 6) + p(k, 9);
  if (before) line += p(b, 9);
  line += p(ps === "NaN" ? "-" : ps, 9) + p(fl === "NaN" ? "-" : fl, 8);
  line += `  ${ratio} x ${ref === "pdfsig" ? "pdfsig" : "floor "} <= ${limit}`.padEnd(25) + ` ${ok}` + p(cpuRatio, 6);
  line += p(rss, 9) + p(budget, 7) + `  ${rssOk}`;
  if (before) line += `   (before: ${speedup} x the time, RSS ${rssB})`;
  console.log(line);
}
EOF
