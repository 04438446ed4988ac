#!/usr/bin/env bash
# integration.ltv_cli_args: the command line of long-term validation (issue
# 13), against the loopback PKI and responders of tests/lib/ltv_pki.sh
# (`openssl ocsp`, `openssl ts -reply` behind ltv_http.mjs, every request
# logged):
#   - help texts name --tsa [URL], --ltv, --online, --config, --no-cache,
#     --allow-loopback-urls, and the timestamp / ltv commands;
#   - --tsa and --tsa-command exclude each other; --tsa URL, --tsa=URL,
#     an upper-case scheme and a bare --tsa (kyso.conf's tsa_url) all reach
#     the TSA; `--reason --tsa` is a reason, not a TSA;
#   - a bad scheme, a URL with a user name, a loopback TSA without
#     --allow-loopback-urls and a broken --config are refused before the
#     key is used (no PIN given: had kyso tried to sign, the error would be
#     about the PIN), with nothing written and no request sent;
#   - kyso.conf errors name the file and line (--config and the default
#     $XDG_CONFIG_HOME/kyso/kyso.conf);
#   - kyso verify without --online sends no request at all; with it, the
#     responders are asked;
#   - sign --ltv when a responder is down: the signed file is written, exit
#     3, the certificate and URL named; a revoked signer: nothing written.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
. "$KYSO_TESTLIB/ltv_pki.sh"

# Helper D's port range (COMMON13.md), unless the caller picks.
export KYSO_LTV_PORT_BASE=${KYSO_LTV_PORT_BASE:-19740}
ltv_setup "$TEST_TMP/ltv"

in=$(stage_input "$FX/vn-chromium.pdf" "$(fresh_dir in)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
NOCONF=$TEST_TMP/noconf # an empty XDG_CONFIG_HOME: no ambient kyso.conf
mkdir -p "$NOCONF"

# env_run ARGS...: kyso_run with a fresh HOME/cache and no config file.
env_run() {
  ltv_env "XDG_CONFIG_HOME=$NOCONF"
  kyso_run "$@"
}

# sign_p12 LEAF OUT ARGS...: sign $in with the LTV PKI's leaf.
sign_p12() {
  local leaf=$1 out=$2
  shift 2
  env_run sign --in "$in" --out "$out" --p12 "$LTV_DIR/$leaf.p12" \
    --pin-file "$LTV_PASS_FILE" "$@"
}

requests() { ltv_log_count '.'; }

# ---- help ----------------------------------------------------------------------

section "help texts"
kyso_run help sign
help=$(cat "$RUN_OUT")
for opt in "--tsa [URL]" "--tsa-command" "--ltv" "--trust PATH" "--config FILE" \
  "--no-cache" "--allow-loopback-urls" "kyso ltv" "exits 3"; do
  assert_contains "$help" "$opt" "kyso help sign names $opt"
done
kyso_run help timestamp
assert_success "kyso help timestamp"
for opt in "--tsa [URL]" "--ltv" "--config FILE" "--allow-loopback-urls"; do
  assert_contains "$(cat "$RUN_OUT")" "$opt" "kyso help timestamp names $opt"
done
kyso_run help ltv
assert_success "kyso help ltv"
assert_contains "$(cat "$RUN_OUT")" "usage: kyso ltv --in FILE --out FILE" "kyso help ltv"
kyso_run help verify
for opt in "--online" "--config FILE" "--no-cache" "never uses the"; do
  assert_contains "$(cat "$RUN_OUT")" "$opt" "kyso help verify names $opt"
done
kyso_run --help
assert_contains "$(cat "$RUN_OUT")" "kyso timestamp --in FILE" "kyso --help: timestamp"
assert_contains "$(cat "$RUN_OUT")" "kyso ltv --in FILE" "kyso --help: ltv"

# ---- usage errors: exit 2, one line, nothing written, nothing sent ---------------

section "usage errors"
out_dir=$(fresh_dir usage)
before=$(requests)
# usage_case MSG ARGS...: sign with those args must be a usage error.
usage_case() {
  local msg=$1
  shift
  sign_p12 good "$out_dir/out.pdf" "$@"
  assert_status 2 "$msg: exit 2"
  assert_kyso_error ARGUMENT "$in" "$out_dir" "$msg"
}
usage_case "--tsa with --tsa-command" --tsa "$LTV_TSA_URL" --tsa-command cat
assert_contains "$(cat "$RUN_ERR")" "exclude each other" "--tsa/--tsa-command: says why"
usage_case "bare --tsa with --tsa-command" --tsa-command cat --tsa
usage_case "--tsa=ftp://" "--tsa=ftp://127.0.0.1/tsa"
assert_contains "$(cat "$RUN_ERR")" "http:// or https://" "--tsa=ftp://: says which schemes"
usage_case "--tsa ftp://" --tsa ftp://127.0.0.1/tsa
assert_contains "$(cat "$RUN_ERR")" "--tsa takes" "--tsa ftp://: blamed on --tsa"
usage_case "--tsa=" "--tsa="
usage_case "--tsa=file:" "--tsa=file:///etc/passwd"
env_run timestamp --in "$in" --out "$out_dir/out.pdf" "--tsa=ldap://x/"
assert_status 2 "timestamp --tsa=ldap: exit 2"
assert_kyso_error ARGUMENT "$in" "$out_dir" "timestamp --tsa=ldap:"
env_run timestamp --in "$in" --tsa
assert_status 2 "timestamp without --out: exit 2"
env_run ltv --in "$in" --out "$out_dir/out.pdf" --tsa
assert_status 2 "ltv takes no --tsa: exit 2"
env_run verify "$in" --allow-loopback-urls
assert_status 3 "verify --allow-loopback-urls without --online: usage (3)"
assert_contains "$(cat "$RUN_ERR")" "belong to --online" "verify: network options need --online"
assert_eq "$before" "$(requests)" "usage errors sent no request"

# ---- refused before the key is used ------------------------------------------

section "refused before signing"
# No --pin-file and no KYSO_PIN, stdin not a terminal: reaching the key
# would fail on the PIN, so an LTV_URL / IO / ARGUMENT error proves the
# check ran first.
nopin_sign() {
  env_run sign --in "$in" --out "$out_dir/out.pdf" --p12 "$LTV_DIR/good.p12" "$@"
}
nopin_sign --tsa "$LTV_TSA_URL" --trust "$LTV_TRUST"
assert_kyso_error LTV_URL "$in" "$out_dir" "loopback TSA without --allow-loopback-urls"
assert_contains "$(cat "$RUN_ERR")" "127.0.0.1" "the refusal names the address"
nopin_sign "--tsa=http://user:secret@tsa.example/" --trust "$LTV_TRUST"
assert_kyso_error LTV_URL "$in" "$out_dir" "TSA URL with a user name"
nopin_sign --tsa "http://localhost:$LTV_HTTP_PORT/tsa/tsa" --trust "$LTV_TRUST"
assert_kyso_error LTV_URL "$in" "$out_dir" "TSA on localhost without --allow-loopback-urls"
nopin_sign --tsa --config "$TEST_TMP/missing.conf"
assert_kyso_error IO "$in" "$out_dir" "--config FILE that does not exist"
assert_contains "$(cat "$RUN_ERR")" "missing.conf" "the error names the config file"
printf 'allow_loopback_urls = yes\n# comment\nfrobnicate = 3\n' >"$TEST_TMP/bad.conf"
nopin_sign --ltv --config "$TEST_TMP/bad.conf"
assert_kyso_error ARGUMENT "$in" "$out_dir" "kyso.conf with an unknown key"
assert_contains "$(cat "$RUN_ERR")" "bad.conf:3:" "the config error names file and line"
printf 'timeout = soon\n' >"$TEST_TMP/bad2.conf"
env_run timestamp --in "$in" --out "$out_dir/out.pdf" --config "$TEST_TMP/bad2.conf"
assert_kyso_error ARGUMENT "$in" "$out_dir" "timestamp: kyso.conf with a bad value"
assert_contains "$(cat "$RUN_ERR")" "bad2.conf:1:" "timestamp: file and line"
# The default file, through $XDG_CONFIG_HOME.
mkdir -p "$TEST_TMP/xdg/kyso"
printf '\n\ntries = many\n' >"$TEST_TMP/xdg/kyso/kyso.conf"
ltv_env "XDG_CONFIG_HOME=$TEST_TMP/xdg"
kyso_run sign --in "$in" --out "$out_dir/out.pdf" --p12 "$LTV_DIR/good.p12" --tsa
assert_kyso_error ARGUMENT "$in" "$out_dir" "the default kyso.conf is read"
assert_contains "$(cat "$RUN_ERR")" "xdg/kyso/kyso.conf:3:" "default kyso.conf: file and line"
assert_eq "$before" "$(requests)" "refusals sent no request"

# ---- the --tsa forms reach the TSA -------------------------------------------

section "--tsa forms"
n=0
# tsa_case MSG ARGS...: signing with ARGS asks the TSA once and writes.
tsa_case() {
  local msg=$1 tsa_before out
  shift
  n=$((n + 1))
  out=$(fresh_dir "tsa$n")/out.pdf
  tsa_before=$(ltv_log_count '^/tsa/')
  sign_p12 good "$out" --trust "$LTV_TRUST" --no-cache "$@"
  assert_success "$msg: signed"
  assert_file_exists "$out" "$msg: output written"
  assert_eq $((tsa_before + 1)) "$(ltv_log_count '^/tsa/')" "$msg: one TSA request"
  assert_match "$(grep -m1 '^kyso: fetch: ' "$RUN_ERR" || true)" "tsa/tsa" \
    "$msg: the request is logged on stderr"
}
tsa_case "--tsa URL" --tsa "$LTV_TSA_URL" --allow-loopback-urls
tsa_case "--tsa=URL" "--tsa=$LTV_TSA_URL" --allow-loopback-urls
tsa_case "--tsa HTTP://" --tsa "HTTP://127.0.0.1:$LTV_HTTP_PORT/tsa/tsa" --allow-loopback-urls
tsa_case "bare --tsa: kyso.conf's tsa_url" --tsa --config "$LTV_CONF"
tsa_case "bare --tsa before another option" --config "$LTV_CONF" --tsa --reason "Phê duyệt"
out=$(fresh_dir reason)/out.pdf
tsa_before=$(ltv_log_count '^/tsa/')
sign_p12 good "$out" --reason --tsa
assert_success "--reason --tsa: signed"
assert_eq "$tsa_before" "$(ltv_log_count '^/tsa/')" "--reason --tsa: the reason, no TSA"
assert_contains "$(tail -c 40000 "$out" | tr -c '[:print:]' ' ')" "/Reason (--tsa)" \
  "--reason --tsa: /Reason is '--tsa'"

# ---- verify: never the network without --online --------------------------------

section "verify --online"
bb=$(fresh_dir bb)/bb.pdf
sign_p12 good "$bb"
assert_success "B-B signed"
before=$(requests)
env_run verify "$bb" --trust "$LTV_TRUST"
assert_status 1 "verify without --online: not valid (no revocation data)"
assert_eq "$before" "$(requests)" "verify without --online: no request at all"
assert_not_contains "$(cat "$RUN_ERR")" "kyso: fetch:" "verify without --online: nothing fetched"
env_run verify "$bb" --trust "$LTV_TRUST" --json
assert_eq "$before" "$(requests)" "verify --json without --online: no request"
env_run verify "$bb" --trust "$LTV_TRUST" --online --config "$LTV_CONF" --no-cache
assert_gt "$(ltv_log_count '^/ocsp/')" 0 "verify --online asks the OCSP responder"
assert_contains "$(cat "$RUN_ERR")" "kyso: fetch: " "verify --online logs each fetch"
assert_contains "$(cat "$RUN_ERR")" "kyso: online: " "verify --online says what it fetched"
assert_status 0 "verify --online: valid with the fetched data"

# ---- timestamp and ltv -----------------------------------------------------------

section "timestamp and ltv"
d=$(fresh_dir ts)
before=$(requests)
env_run timestamp --in "$bb" --out "$d/x.pdf" --tsa "$LTV_TSA_URL" --trust "$LTV_TRUST"
assert_kyso_error LTV_URL "" "$d" "timestamp: loopback TSA without --allow-loopback-urls"
env_run timestamp --in "$bb" --out "$bb" --config "$LTV_CONF" --trust "$LTV_TRUST"
assert_error_line ARGUMENT "timestamp: --out is the input"
env_run ltv --in "$in" --out "$d/x.pdf" --config "$LTV_CONF" --trust "$LTV_TRUST"
assert_kyso_error ARGUMENT "$in" "$d" "ltv on an unsigned document"
assert_contains "$(cat "$RUN_ERR")" "no signature" "ltv unsigned: says why"
assert_eq "$before" "$(requests)" "refused timestamp/ltv runs sent no request"
tsa_before=$(ltv_log_count '^/tsa/')
env_run timestamp --in "$bb" --out "$d/ts.pdf" --config "$LTV_CONF" --trust "$LTV_TRUST"
assert_success "timestamp, TSA from kyso.conf"
assert_eq $((tsa_before + 1)) "$(ltv_log_count '^/tsa/')" "timestamp: one TSA request"
assert_eq 0 "$(grep -c '/ocsp/' "$RUN_ERR" || true)" "timestamp without --ltv: no OCSP"
assert_eq 2 "$(pdfsig "$d/ts.pdf" 2>/dev/null | grep -c '^Signature #')" \
  "timestamp: pdfsig sees the signature and the document timestamp"
env_run ltv --in "$d/ts.pdf" --out "$d/lt.pdf" --config "$LTV_CONF" --trust "$LTV_TRUST"
assert_success "ltv after the timestamp"
env_run ltv --in "$d/lt.pdf" --out "$d/lt2.pdf" --config "$LTV_CONF" --trust "$LTV_TRUST"
assert_success "ltv again"
assert_contains "$(cat "$RUN_OUT")" "nothing to add" "ltv again: nothing to add"
assert_same_bytes "$d/lt.pdf" "$d/lt2.pdf" "ltv again: the same bytes"

# ---- --ltv: a responder down, a revoked signer ---------------------------------

section "sign --ltv failures"
d=$(fresh_dir down)
sign_p12 down "$d/out.pdf" --ltv --config "$LTV_CONF" --trust "$LTV_TRUST" --no-cache
assert_status 3 "--ltv, OCSP and CRL down: exit 3"
assert_file_exists "$d/out.pdf" "--ltv, responder down: the signed file is kept"
assert_contains "$(cat "$RUN_ERR")" "NOT long-term validated" "--ltv down: says not LT"
assert_contains "$(cat "$RUN_ERR")" "kyso ltv --in" "--ltv down: says how to add it later"
assert_contains "$(cat "$RUN_ERR")" "127.0.0.1:$LTV_DOWN_PORT" "--ltv down: names the URL"
assert_contains "$(cat "$RUN_ERR")" "CN=" "--ltv down: names the certificate"
env_run verify "$d/out.pdf" --trust "$LTV_TRUST"
assert_ne 3 "$RUN_STATUS" "--ltv down: the output is a readable signed PDF"
d=$(fresh_dir revoked)
sign_p12 revoked "$d/out.pdf" --ltv --config "$LTV_CONF" --trust "$LTV_TRUST" --no-cache
assert_status 1 "--ltv, revoked signer: exit 1"
assert_dir_entries "$d" "" "--ltv, revoked signer: nothing written"
assert_contains "$(cat "$RUN_ERR")" "REVOKED" "--ltv revoked: says so"
assert_sha256 "$in" "$IN_SHA256" "input unchanged"

test_summary
