#!/usr/bin/env bash
# Who may use the token (issue 11, reproductions 6, 7 and 8, and the origin
# items of 9): native messaging carries the page's origin and the dialogs
# name it "(qua tiện ích kyso)", every reply echoes the page's origin, and
# "Chỉ lần này" is short-lived there; "Từ chối" (or a page cancelling its
# own prompt) is remembered per site (registrable domain) with a back-off;
# first-use prompts are rate-limited per site, counting only dialogs shown,
# and a rate limit is BUSY; an unknown site's prompt gives way to an
# allowed site's signing; http:// is warned about and never
# remembered; origins are canonical (host.conf and incoming); the origins
# file lives in the state dir, 0600, never through a symlink; --origins,
# --forget-origin and the extension popup's commands; the version-less
# hello; `certificates` off the websocket's thread. Real host, SoftHSM2
# (behind tests/lib/p11_fault.c for a slow token), the scripted pinentry;
# see origins_cases.mjs.
. "$(dirname "$0")/host_setup.sh"
host_setup

cat >>"$KYSO_HOST_CONF" <<CONF
deny_origin = https://evil.example
allow_origin = HTTPS://Allowed.Kyso.Test:443/
allow_origin = chrome-extension://kysotestextension/
CONF
BASE_CONF=$KYSO_HOST_CONF
: >"$TEST_TMP/hosts.log"

# origins_run SCENARIO: one scenario of origins_cases.mjs.
origins_run() {
  if node "$KYSO_HOST_TESTDIR/host_client.mjs" origins "$1"; then
    pass "origins $1"
  else
    fail "origins $1"
  fi
}

# with_host SCENARIO [WRAPPER...]: the scenario against a websocket host of
# its own, with fresh prompt quotas and refusals: these are shared by every
# kyso-host through $XDG_STATE_HOME/kyso/consent and survive a restart, so
# the test starts each scenario without that file.
with_host() {
  local scenario=$1
  shift
  rm -f "$XDG_STATE_HOME/kyso/consent"
  host_start_ws "$@"
  origins_run "$scenario"
  host_stop_ws
  assert_eq 0 "$HOST_STATUS" "$scenario: kyso-host exits cleanly"
  cat "$TEST_TMP/host.log" >>"$TEST_TMP/hosts.log"
}

section "host.conf origins"
bad_port=$((KYSO_HOST_PORT + 2))
for line in "allow_origin = https://x.kyso.test/path" "deny_origin = https://user@evil.example" \
  "allow_origin = evil.example" "allow_origin = https://x.kyso.test:99999" \
  "deny_origin = https://0x7f.1"; do
  printf 'port = %s\nmodule = %s\nallow_origin = https://ok.kyso.test\n%s\n' \
    "$bad_port" "$TOKEN_MODULE" "$line" >"$TEST_TMP/bad.conf"
  # the old host served such a file (timeout's 124); now a config error
  run_cmd timeout 5 "$KYSO_HOST" --config "$TEST_TMP/bad.conf"
  assert_status 2 "\"$line\" is a config error"
  assert_contains "$(cat "$RUN_ERR")" "bad.conf:4:" "the error names the line of \"$line\""
done

section "moving the old origins file"
mig=$TEST_TMP/mig
mkdir -p "$mig/config/kyso"
printf '# old\nhttps://old.kyso.test\nhttp://insecure.kyso.test\nHTTPS://Caps.Kyso.Test:443\n' \
  >"$mig/config/kyso/origins"
run_cmd env XDG_CONFIG_HOME="$mig/config" XDG_STATE_HOME="$mig/state" "$KYSO_HOST" --config "$BASE_CONF" --origins
assert_success "--origins runs"
assert_match "$(cat "$RUN_OUT")" "remembered +https://old\.kyso\.test" "an https origin of ~/.config/kyso/origins moves"
assert_match "$(cat "$RUN_OUT")" "remembered +https://caps\.kyso\.test" "canonical once moved"
assert_not_contains "$(cat "$RUN_OUT")" "insecure.kyso.test" "an http origin is not kept as always allowed"
assert_eq 600 "$(stat -c %a "$mig/state/kyso/origins")" "the new origins file is 0600"
assert_eq 700 "$(stat -c %a "$mig/state/kyso")" "its directory is 0700"

section "websocket"
with_host ws

section "preemption, always, --origins, --forget-origin"
with_host prefs

section "prompt quotas"
with_host burst

section "silent lock-out (pages that cancel their own first-use prompts)"
with_host lockout

section "native messaging"
rm -f "$XDG_STATE_HOME/kyso/consent"
origins_run native

section "developer setting"
sed 's/^port = .*/&\ndev_http_loopback = yes/' "$BASE_CONF" >"$TEST_TMP/dev.conf"
export KYSO_HOST_CONF=$TEST_TMP/dev.conf
with_host dev
export KYSO_HOST_CONF=$BASE_CONF

section "certificates off the websocket thread"
fault_module=$(token_fault_module)
sed "s|^module = .*|module = $fault_module|" "$BASE_CONF" >"$TEST_TMP/slow.conf"
export KYSO_HOST_CONF=$TEST_TMP/slow.conf
with_host slowcerts env KYSO_P11_REAL="$TOKEN_MODULE" KYSO_P11_FAULT=slow_sign KYSO_P11_DELAY_MS=2000
export KYSO_HOST_CONF=$BASE_CONF

section "symlinks at the origins files"
plant=$TEST_TMP/plant
mkdir -p "$plant/config/kyso" "$plant/state/kyso"
PLANT_TARGET_STATE=$plant/elsewhere-state
PLANT_TARGET_LEGACY=$plant/elsewhere-legacy
echo "https://planted.test" >"$PLANT_TARGET_STATE"
echo "https://planted-legacy.test" >"$PLANT_TARGET_LEGACY"
ln -s "$PLANT_TARGET_STATE" "$plant/state/kyso/origins"
ln -s "$PLANT_TARGET_LEGACY" "$plant/config/kyso/origins"
export PLANT_TARGET_STATE PLANT_TARGET_LEGACY
saved_config=$XDG_CONFIG_HOME saved_state=$XDG_STATE_HOME
export XDG_CONFIG_HOME=$plant/config XDG_STATE_HOME=$plant/state
with_host files
assert_contains "$(cat "$TEST_TMP/host.log")" "symbolic link" "the host says why it ignores the file"
export XDG_CONFIG_HOME=$saved_config XDG_STATE_HOME=$saved_state

assert_not_contains "$(cat "$TEST_TMP/hosts.log")" "$TOKEN_PIN" "the logs hold no PIN"
test_summary
