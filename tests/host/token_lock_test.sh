#!/usr/bin/env bash
# kyso-host takes the same per-module lock as `kyso sign`
# (kyso/token_lock.h) around its token sessions: with the lock free it
# lists the token's certificates and the lock file appears under
# XDG_RUNTIME_DIR; while another process holds it past the bound
# (KYSO_TOKEN_LOCK_WAIT=1) the module is skipped, never used under the other
# process; released, it is listed again.
. "$(dirname "$0")/host_setup.sh"
host_setup
require_cmd python3 flock

XDG=$(fresh_dir xdg)
chmod 700 "$XDG"

# certificates_count [ENV...]: one `certificates` over native messaging;
# echoes how many certificates came back (-1: no answer).
certificates_count() {
  env "$@" XDG_RUNTIME_DIR="$XDG" python3 - "$KYSO_HOST" "$KYSO_HOST_CONF" <<'EOF'
import json, struct, subprocess, sys
p = subprocess.Popen([sys.argv[1], "--config", sys.argv[2], "--native-messaging", "--origin",
                      "https://portal.kyso.test"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
msg = json.dumps({"id": 1, "cmd": "certificates"}).encode()
p.stdin.write(struct.pack("<I", len(msg)) + msg)
p.stdin.flush()
n = -1
while True:  # the host speaks first (hello); then our answer
    head = p.stdout.read(4)
    if len(head) != 4:
        break
    reply = json.loads(p.stdout.read(struct.unpack("<I", head)[0]))
    if reply.get("id") == 1:
        n = len(reply.get("result", {}).get("certificates", []))
        break
p.stdin.close()
p.wait(timeout=30)
print(n)
EOF
}

section "lock free: the host lists the token and uses the lock file"
n=$(certificates_count)
assert_gt "$n" 0 "certificates listed"
LOCK=$(find "$XDG/kyso" -name 'p11-*.lock' -type f 2>/dev/null | head -n 1)
assert_true "the host made the module's lock file" test -n "$LOCK" -a -f "$LOCK"
assert_eq 700 "$(stat -c %a "$XDG/kyso")" "lock directory 0700"

section "lock held by another process: the module is not touched"
flock -o "$LOCK" sleep 20 & # -o: only flock(1) holds it, not sleep
holder=$!
sleep 0.5
n=$(certificates_count KYSO_TOKEN_LOCK_WAIT=1 2>"$TEST_TMP/host.err")
assert_eq 0 "$n" "no certificates while the lock is held past the bound"
assert_contains "$(cat "$TEST_TMP/host.err")" "another kyso process" \
  "the host logs why the module was skipped"
sleeper=$(pgrep -P "$holder" || true)
kill "$holder" $sleeper 2>/dev/null || true
wait "$holder" 2>/dev/null || true

section "lock released: listed again"
n=$(certificates_count)
assert_gt "$n" 0 "certificates listed after the release"

test_summary
