#!/usr/bin/env bash
# installer/systemd/kyso-host.service, checked by systemd itself (Debian 12,
# systemd 252): `systemd-analyze verify` accepts it with no warning, and
# `systemd-analyze security --offline=true` rates it at or below the
# exposure the README promises, with the settings the issue asks for in
# effect. Analysed as a user unit (--user), which it is.
. "$(dirname "$0")/../lib/common.sh"
require_cmd systemd-analyze node
[ -x "${KYSO_HOST:-}" ] || die "KYSO_HOST is not set to kyso-host"
[ -n "${KYSO_SOURCE_DIR:-}" ] || die "KYSO_SOURCE_DIR is not set"

UNIT_SRC=$KYSO_SOURCE_DIR/installer/systemd/kyso-host.service
# The target: README.md, "Dịch vụ ký cho trình duyệt", says the same number.
TARGET=2.1

# systemd-analyze --user wants a runtime dir; a home without ~/.config/kyso
# or ~/.local/state: the unit must not depend on them existing.
export XDG_RUNTIME_DIR=$TEST_TMP/run HOME=$TEST_TMP/home
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
mkdir -p "$HOME" "$TEST_TMP/unit" "$TEST_TMP/bare"
UNIT=$TEST_TMP/unit/kyso-host.service
# verify checks that ExecStart= exists: point it at the built host.
host=$(cd "$(dirname "$KYSO_HOST")" && pwd)/$(basename "$KYSO_HOST")
sed "s|^ExecStart=/usr/local/bin/kyso-host\$|ExecStart=$host|" "$UNIT_SRC" >"$UNIT"
assert_true "ExecStart= is /usr/local/bin/kyso-host (rewritten for verify)" \
  grep -qx "ExecStart=$host" "$UNIT"

analyze() { # ARGS...: systemd-analyze in the test's environment
  systemd-analyze --no-pager "$@"
}

# exposure FILE: the overall exposure score of a unit file, e.g. "2.1".
exposure() {
  { analyze security --offline=true --user "$1" 2>&1 || true; } |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}

# le A B: decimal A <= decimal B
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }

section "systemd-analyze verify"
status=0
out=$(analyze verify --user "$UNIT" 2>&1) || status=$?
assert_eq 0 "$status" "systemd-analyze verify accepts the unit"
assert_eq "" "$out" "systemd-analyze verify has nothing to say about it"

section "systemd-analyze security"
score=$(exposure "$UNIT")
assert_match "$score" '^[0-9]+\.[0-9]$' "an overall exposure score ($score)"
assert_true "exposure $score <= $TARGET" le "$score" "$TARGET"
readme=$(tr '\n' ' ' <"$KYSO_SOURCE_DIR/README.md")
assert_contains "$readme" "phơi nhiễm (exposure) ≤ ${TARGET/./,} " \
  "README.md states the same target"
# Negative control: the same unit without its sandbox (the issue measured
# 8.6 for the old one) is far above the target.
sed '/^# Files\./,/^\[Install\]/{/^\[Install\]/!d}' "$UNIT" >"$TEST_TMP/bare/kyso-host.service"
bare=$(exposure "$TEST_TMP/bare/kyso-host.service")
assert_false "without the sandbox the exposure ($bare) exceeds $TARGET" \
  le "$bare" "$TARGET"

# The settings the issue names, as systemd reads them (not as text).
set_fields=$(analyze security --offline=true --user --json=short "$UNIT" |
  node -e 'const a = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(a.filter((x) => x.set).map((x) => x.json_field).join("\n"))')
for f in UMask NoNewPrivileges LockPersonality RestrictRealtime RestrictSUIDSGID \
  RestrictNamespaces_user RestrictNamespaces_net RestrictNamespaces_mnt \
  ProtectKernelTunables ProtectKernelModules ProtectKernelLogs \
  ProtectControlGroups ProtectClock ProtectHostname ProtectSystem PrivateTmp \
  PrivateUsers MemoryDenyWriteExecute SystemCallArchitectures \
  SystemCallFilter_privileged SystemCallFilter_mount SystemCallFilter_module \
  SystemCallFilter_raw_io SystemCallFilter_debug \
  RestrictAddressFamilies_AF_PACKET RestrictAddressFamilies_OTHER \
  CapabilityBoundingSet_CAP_SYS_ADMIN CapabilityBoundingSet_CAP_SYS_PTRACE; do
  assert_true "systemd sees $f" grep -qx "$f" <<<"$set_fields"
done

section "the settings systemd-analyze does not score"
unit=$(cat "$UNIT")
assert_contains "$unit" $'\nLimitCORE=0\n' "LimitCORE=0"
assert_contains "$unit" $'\nUMask=0077\n' "UMask=0077"
assert_contains "$unit" $'\nSystemCallFilter=@system-service\n' \
  "SystemCallFilter=@system-service"
assert_contains "$unit" \
  $'\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n' \
  "AF_NETLINK allowed for the peer-uid check (NETLINK_SOCK_DIAG)"
# host.conf (module=, pinentry=: what code runs) is read-only to the
# service; the remembered origins are its one writable place. Every path
# is "-"-prefixed: a missing ~/.config/kyso must not fail the unit.
assert_contains "$unit" $'\nReadOnlyPaths=-%h/.config/kyso\n' \
  "~/.config/kyso read-only, optional"
assert_contains "$unit" $'\nReadWritePaths=-%h/.local/state/kyso\n' \
  "~/.local/state/kyso writable, optional"
assert_eq "" "$(grep -E '^(ReadWritePaths|ReadOnlyPaths|InaccessiblePaths)=[^-]' "$UNIT" || true)" \
  "every path setting is -prefixed"
assert_eq "" "$(grep -E '^ReadWritePaths=.*\.config' "$UNIT" || true)" \
  "nothing under ~/.config is writable"
assert_contains "$unit" $'\nEnvironment=XDG_STATE_HOME=%h/.local/state\n' \
  "the host writes its state where the sandbox lets it"
test_summary
