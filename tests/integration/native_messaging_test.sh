#!/usr/bin/env bash
# integration.native_messaging: the native-messaging host manifests.
#   - installer/native-messaging/install.sh --user (HOME and XDG_CONFIG_HOME
#     in a temp dir) and --system (under a fake root, --root, the script's
#     test-only switch): a manifest at every browser's path (Chromium,
#     Chrome, Edge, Firefox), valid JSON (node), named vn.kyso.host, "path"
#     the absolute executable kyso-host, allowed_origins / allowed_extensions
#     right, 0644 in 0755 directories; a second run byte-identical and
#     touching nothing; other IDs with --extension-id; --uninstall leaves no
#     manifest and spares a foreign file; a bad ID, a relative or missing
#     host, a symlink at the destination refused (its target untouched);
#     --dry-run writes nothing.
#   - headless Chromium, its profile where install.sh --user writes, the
#     built extension loaded (native_messaging_chromium.mjs): kyso-host
#     starts and greets; with a manifest naming another ID: "forbidden";
#     after --uninstall: "not found".
#   - the manifests CMake generates (build/native-messaging/) checked the
#     same way, and `cmake --install` with DESTDIR: Chromium's and Firefox's
#     system manifests name the installed kyso-host, which is executable.
#
# Environment: KYSO_HOST (kyso-host), KYSO_BUILD_DIR (the build tree),
# KYSO_EXTENSION_DIR (build/extension/chromium),
# KYSO_NM_HOST_PATH (the installed kyso-host CMake names),
# KYSO_EXTENSION_IDS (CMake's list, comma-separated).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
require_cmd node
[ -x "${KYSO_HOST:-}" ] || die "KYSO_HOST is not set to kyso-host"
[ -d "${KYSO_BUILD_DIR:-}" ] || die "KYSO_BUILD_DIR is not set"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
INSTALL=$SRC/installer/native-messaging/install.sh
DEFAULT_ID=$(tr -d '[:space:]' <"$SRC/extension/key/chromium-id.txt")
OTHER_ID=abcdefghijklmnopabcdefghijklmnop

# check_manifest FILE KIND HOST IDS LABEL: KIND chromium|firefox; IDS
# space-separated; HOST the expected "path" ("-" = only absolute). Prints
# "ok" or what is wrong.
check_manifest() {
  node -e '
    const fs = require("fs");
    const [file, kind, host, ids] = process.argv.slice(1);
    let m;
    try { m = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { console.log("not JSON: " + e.message); process.exit(); }
    const bad = [];
    if (m.name !== "vn.kyso.host") bad.push("name " + m.name);
    if (m.type !== "stdio") bad.push("type " + m.type);
    if (typeof m.path !== "string" || !m.path.startsWith("/")) bad.push("path not absolute: " + m.path);
    if (host !== "-" && m.path !== host) bad.push("path " + m.path + " != " + host);
    if (!/kyso/.test(m.description || "")) bad.push("description");
    if (kind === "firefox") {
      if (JSON.stringify(m.allowed_extensions) !== JSON.stringify(["kyso@kyso.vn"])) bad.push("allowed_extensions " + JSON.stringify(m.allowed_extensions));
      if ("allowed_origins" in m) bad.push("allowed_origins in a Firefox manifest");
    } else {
      const want = ids.split(" ").map((id) => `chrome-extension://${id}/`);
      if (JSON.stringify(m.allowed_origins) !== JSON.stringify(want)) bad.push("allowed_origins " + JSON.stringify(m.allowed_origins));
      if ("allowed_extensions" in m) bad.push("allowed_extensions in a Chromium manifest");
    }
    const extra = Object.keys(m).filter((k) => !["name", "description", "path", "type", "allowed_origins", "allowed_extensions"].includes(k));
    if (extra.length) bad.push("unexpected keys " + extra);
    console.log(bad.length ? bad.join("; ") : "ok");
  ' "$1" "$2" "$3" "$4"
}

# check_tree LABEL HOST IDS PATH KIND [PATH KIND]...: every manifest right.
check_tree() {
  local label=$1 host=$2 ids=$3 file kind
  shift 3
  while [ $# -gt 0 ]; do
    file=$1 kind=$2
    shift 2
    if [ ! -f "$file" ] || [ -L "$file" ]; then
      fail "$label: no manifest at $file"
      continue
    fi
    assert_eq ok "$(check_manifest "$file" "$kind" "$host" "$ids")" "$label: $file"
    assert_eq 644 "$(stat -c %a "$file")" "$label: $file is 0644"
    assert_eq 755 "$(stat -c %a "$(dirname "$file")")" "$label: its directory is 0755"
    assert_true "$label: $file names an executable" test -x "$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1])).path' "$file")"
  done
}

# snapshot DIR: every file and directory with its mode, size and checksum.
snapshot() {
  (cd "$1" && find . -printf '%p %m %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

# Negative controls: the checker itself can fail.
printf '{"name":"vn.kyso.host","description":"kyso","path":"/bin/true","type":"stdio","allowed_origins":["chrome-extension://%s/"]}' \
  "$OTHER_ID" >"$TEST_TMP/wrong.json"
assert_ne ok "$(check_manifest "$TEST_TMP/wrong.json" chromium - "$DEFAULT_ID")" "negative control: another ID is caught"
printf '{"name":"vn.kyso.host",' >"$TEST_TMP/broken.json"
assert_match "$(check_manifest "$TEST_TMP/broken.json" chromium - "$DEFAULT_ID")" '^not JSON' "negative control: broken JSON is caught"

HOST=$TEST_TMP/bin/kyso-host # an absolute path, as the manifests need
mkdir -p "$TEST_TMP/bin"
cp -- "$KYSO_HOST" "$HOST"

section "the default ID is extension/key/chromium-id.txt"
assert_match "$DEFAULT_ID" '^[a-p]{32}$' "chromium-id.txt holds an extension ID"
assert_contains "$(cat "$INSTALL")" "DEFAULT_EXTENSION_ID=$DEFAULT_ID" "install.sh's default ID is the same"

section "install.sh --user"
export HOME=$TEST_TMP/home XDG_CONFIG_HOME=$TEST_TMP/home/xdg-config
unset SUDO_USER
mkdir -p "$HOME"
USER_FILES=("$XDG_CONFIG_HOME/chromium/NativeMessagingHosts/vn.kyso.host.json" chromium
  "$XDG_CONFIG_HOME/google-chrome/NativeMessagingHosts/vn.kyso.host.json" chromium
  "$XDG_CONFIG_HOME/microsoft-edge/NativeMessagingHosts/vn.kyso.host.json" chromium
  "$HOME/.mozilla/native-messaging-hosts/vn.kyso.host.json" firefox)
run_cmd bash "$INSTALL" --user --dry-run --host "$HOST"
assert_success "--dry-run"
assert_contains "$(cat "$RUN_OUT")" "would write" "--dry-run says what it would write"
assert_eq "" "$(find "$HOME" -mindepth 1)" "--dry-run writes nothing"
run_cmd bash "$INSTALL" --user --host "$HOST"
assert_success "--user"
assert_contains "$(cat "$RUN_OUT")" "đã ghi / written: ${USER_FILES[0]}" "says what it wrote, in Vietnamese and English"
check_tree "--user" "$HOST" "$DEFAULT_ID" "${USER_FILES[@]}"
before=$(snapshot "$HOME")
sleep 0.05
run_cmd bash "$INSTALL" --user --host "$HOST"
assert_success "--user, second run"
assert_eq "$before" "$(snapshot "$HOME")" "a second run leaves every file byte-identical and untouched"
assert_contains "$(cat "$RUN_OUT")" "already up to date" "and says so"
assert_eq "" "$(find "$HOME" -name '.vn.kyso.host.json.*')" "no temporary file left behind"

# Without XDG_CONFIG_HOME: ~/.config.
( unset XDG_CONFIG_HOME; bash "$INSTALL" --user --host "$HOST" >/dev/null )
assert_file_exists "$HOME/.config/chromium/NativeMessagingHosts/vn.kyso.host.json" "no XDG_CONFIG_HOME: ~/.config"
( unset XDG_CONFIG_HOME; bash "$INSTALL" --user --uninstall >/dev/null )
assert_no_file "$HOME/.config/chromium/NativeMessagingHosts/vn.kyso.host.json" "and its uninstall"

section "another ID (a province's own key), and a changed manifest replaced"
run_cmd bash "$INSTALL" --user --host "$HOST" --extension-id "$OTHER_ID" --extension-id "$DEFAULT_ID"
assert_success "--extension-id twice"
check_tree "--extension-id" "$HOST" "$OTHER_ID $DEFAULT_ID" "${USER_FILES[@]}"
run_cmd bash "$INSTALL" --user --host "$HOST"
check_tree "back to the default" "$HOST" "$DEFAULT_ID" "${USER_FILES[@]}"

section "refusals"
snap=$(snapshot "$HOME")
for bad in KNLMEKDLHGPNKPFLICEPKIOBLEFGFCAC knlmekdlhgpnkpflicepkioblefgfcaq knlmekdlhgpnkpflicepkioblefgfca \
  "knlmekdlhgpnkpflicepkioblefgfcac/" '"' ""; do
  run_cmd bash "$INSTALL" --user --host "$HOST" --extension-id "$bad"
  assert_failure "extension ID \"$bad\" refused"
  assert_contains "$(cat "$RUN_ERR")" "32" "  and the message says what an ID is"
done
run_cmd bash "$INSTALL" --user --host "bin/kyso-host"
assert_failure "a relative --host refused"
assert_contains "$(cat "$RUN_ERR")" "tuyệt đối / --host must be an absolute path" "  with the reason"
run_cmd bash "$INSTALL" --user --host "$TEST_TMP/bin/no-such-kyso-host"
assert_failure "a missing --host refused"
printf 'not executable\n' >"$TEST_TMP/bin/plain"
run_cmd bash "$INSTALL" --user --host "$TEST_TMP/bin/plain"
assert_failure "a non-executable --host refused"
cp -- "$HOST" "$TEST_TMP/bin/kyso\"host"
run_cmd bash "$INSTALL" --user --host "$TEST_TMP/bin/kyso\"host"
assert_failure "a --host with a quote refused (it would break the JSON)"
assert_eq "$snap" "$(snapshot "$HOME")" "nothing changed by the refused runs"

# A symlink at the destination is never followed, its target untouched.
ff=$HOME/.mozilla/native-messaging-hosts/vn.kyso.host.json
printf 'someone else\n' >"$TEST_TMP/target"
rm -f -- "$ff"
ln -s "$TEST_TMP/target" "$ff"
run_cmd bash "$INSTALL" --user --host "$HOST"
assert_failure "a symlink at the destination: refused (non-zero)"
assert_contains "$(cat "$RUN_OUT")" "symlink" "  and said"
assert_eq "someone else" "$(cat "$TEST_TMP/target")" "  the symlink's target untouched"
assert_true "  the symlink still a symlink" test -L "$ff"
run_cmd bash "$INSTALL" --user --uninstall
assert_failure "--uninstall with a symlink there: says it skipped it"
assert_true "  the symlink left alone" test -L "$ff"
rm -f -- "$ff"
# A symlinked directory is refused too.
mkdir -p "$TEST_TMP/elsewhere"
rmdir "$HOME/.mozilla/native-messaging-hosts" 2>/dev/null || true
ln -s "$TEST_TMP/elsewhere" "$HOME/.mozilla/native-messaging-hosts"
run_cmd bash "$INSTALL" --user --host "$HOST"
assert_failure "a symlinked destination directory refused"
assert_eq "" "$(find "$TEST_TMP/elsewhere" -mindepth 1)" "  nothing written through it"
rm -f -- "$HOME/.mozilla/native-messaging-hosts"

section "--uninstall"
run_cmd bash "$INSTALL" --user --host "$HOST"
assert_success "reinstalled"
# A file that is not ours, at one of the paths: kept.
foreign=$XDG_CONFIG_HOME/google-chrome/NativeMessagingHosts/vn.kyso.host.json
printf '{\n  "name": "com.example.other",\n  "path": "/bin/true"\n}\n' >"$foreign"
printf 'x\n' >"$XDG_CONFIG_HOME/chromium/NativeMessagingHosts/other.host.json"
run_cmd bash "$INSTALL" --user --uninstall
assert_failure "--uninstall reports the file it would not remove"
assert_contains "$(cat "$RUN_OUT")" "đã xoá / removed: $HOME/.mozilla/native-messaging-hosts/vn.kyso.host.json" \
  "  removes the others and says so"
assert_contains "$(cat "$foreign")" "com.example.other" "  a manifest not named vn.kyso.host is kept"
assert_file_exists "$XDG_CONFIG_HOME/chromium/NativeMessagingHosts/other.host.json" "  another host's manifest kept"
rm -f -- "$foreign"
run_cmd bash "$INSTALL" --user --uninstall
assert_success "--uninstall"
assert_eq "" "$(find "$HOME" -name 'vn.kyso.host.json')" "  no manifest left"
run_cmd bash "$INSTALL" --user --uninstall
assert_success "--uninstall again: nothing to do, no error"

section "Chromium honours the manifest install.sh --user writes"
# Its profile where install.sh writes: $XDG_CONFIG_HOME/chromium (Chromium's
# default on Linux), manifest in its NativeMessagingHosts/. kyso-host, started
# by Chromium, reads its config and state from the test's XDG dirs.
EXT=${KYSO_EXTENSION_DIR:-$KYSO_BUILD_DIR/extension/chromium}
if [ -f "$EXT/manifest.json" ] && [ -x /usr/bin/chromium ] &&
  [ -d "$SRC/tests/web/node_modules/playwright-core" ]; then
  assert_eq "$DEFAULT_ID" "$(tr -d '[:space:]' <"$(dirname "$EXT")/chromium-id.txt")" \
    "the built extension's ID is the manifests' default"
  export XDG_STATE_HOME=$TEST_TMP/state XDG_CACHE_HOME=$TEST_TMP/cache
  PROFILE=$XDG_CONFIG_HOME/chromium
  bash "$INSTALL" --user --host "$HOST" >/dev/null
  judge_node node "$SRC/tests/integration/native_messaging_chromium.mjs" "$PROFILE" "$EXT" ok "$DEFAULT_ID"
  bash "$INSTALL" --user --host "$HOST" --extension-id "$OTHER_ID" >/dev/null
  judge_node node "$SRC/tests/integration/native_messaging_chromium.mjs" "$PROFILE" "$EXT" forbidden "$DEFAULT_ID"
  bash "$INSTALL" --user --uninstall >/dev/null
  judge_node node "$SRC/tests/integration/native_messaging_chromium.mjs" "$PROFILE" "$EXT" missing "$DEFAULT_ID"
else
  fail "cannot run Chromium here: needs $EXT/manifest.json (the kyso-extension target), /usr/bin/chromium and tests/web/node_modules (npm ci)"
fi

section "install.sh --system (fake root, --root is for tests only)"
ROOT=$TEST_TMP/root
mkdir -p "$ROOT"
SYS_FILES=("$ROOT/etc/chromium/native-messaging-hosts/vn.kyso.host.json" chromium
  "$ROOT/etc/opt/chrome/native-messaging-hosts/vn.kyso.host.json" chromium
  "$ROOT/etc/opt/edge/native-messaging-hosts/vn.kyso.host.json" chromium
  "$ROOT/usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json" firefox)
run_cmd bash "$INSTALL" --system --root "$ROOT" --host "$HOST"
assert_success "--system"
check_tree "--system" "$HOST" "$DEFAULT_ID" "${SYS_FILES[@]}"
before=$(snapshot "$ROOT")
sleep 0.05
run_cmd bash "$INSTALL" --system --root "$ROOT" --host "$HOST"
assert_success "--system, second run"
assert_eq "$before" "$(snapshot "$ROOT")" "a second run leaves every file byte-identical and untouched"
run_cmd bash "$INSTALL" --system --root "$ROOT" --uninstall
assert_success "--system --uninstall"
assert_eq "" "$(find "$ROOT" -type f)" "  no file left"
run_cmd bash "$INSTALL" --system --root relative/dir --host "$HOST"
assert_failure "a relative --root refused"

section "install.sh: a kyso-host someone else could replace is refused"
# tests run as root: nobody (65534) plays the other user
OWN=$TEST_TMP/own
ROOT2=$TEST_TMP/root2
mkdir -p "$ROOT2"
refused() { # LABEL SCOPE HOST: refused with a reason in both languages, nothing written
  local label=$1 scope=$2 host=$3
  if [ "$scope" = system ]; then
    run_cmd bash "$INSTALL" --system --root "$ROOT2" --host "$host"
  else
    run_cmd bash "$INSTALL" --user --host "$host"
  fi
  assert_failure "$label: refused"
  assert_match "$(cat "$RUN_ERR")" "không an toàn.*Unsafe kyso-host" "$label: says why (vi / en)"
  assert_eq "" "$(find "$ROOT2" -type f)" "$label: nothing written"
}
fresh_own() { # a root-owned 0755 directory with a root-owned 0755 kyso-host
  rm -rf "$OWN"
  mkdir -m 0755 "$OWN"
  cp -- "$KYSO_HOST" "$OWN/kyso-host"
  chmod 0755 "$OWN/kyso-host"
}
fresh_own
run_cmd bash "$INSTALL" --system --root "$ROOT2" --host "$OWN/kyso-host" --dry-run
assert_success "--system: a root-owned kyso-host in a root-owned directory is accepted"
chown 65534:65534 "$OWN/kyso-host"
refused "--system: a kyso-host owned by nobody" system "$OWN/kyso-host"
assert_contains "$(cat "$RUN_ERR")" "owned by another user (uid 65534)" "  names the owner"
refused "--user: a kyso-host owned by nobody" user "$OWN/kyso-host"
fresh_own
chmod 0775 "$OWN/kyso-host"
refused "--system: a group-writable kyso-host" system "$OWN/kyso-host"
refused "--user: a group-writable kyso-host (a shared group)" user "$OWN/kyso-host"
assert_contains "$(cat "$RUN_ERR")" "writable by group or others (mode 775)" "  names the mode"
chmod 0757 "$OWN/kyso-host"
refused "--user: a kyso-host writable by others" user "$OWN/kyso-host"
fresh_own
chown 65534:65534 "$OWN"
refused "--system: its directory owned by nobody (who may rename it away)" system "$OWN/kyso-host"
# nobody really can replace it there: what the check is for
chmod 0755 "$TEST_TMP" # (control) nobody must reach the directory
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "cp /bin/true '$OWN/kyso-host.new' && mv -f '$OWN/kyso-host.new' '$OWN/kyso-host'" || true
chmod 0700 "$TEST_TMP"
assert_eq 65534 "$(stat -c %u "$OWN/kyso-host")" "  (control: nobody could indeed replace root's kyso-host there)"
fresh_own
chmod 0777 "$OWN"
refused "--system: its directory writable by others" system "$OWN/kyso-host"
refused "--user: its directory writable by others" user "$OWN/kyso-host"
fresh_own
ln -s "$OWN/kyso-host" "$TEST_TMP/link-host"
chmod 0777 "$OWN"
refused "--system: a symlink to a kyso-host in a directory writable by others" system "$TEST_TMP/link-host"
rm -rf "$OWN" "$TEST_TMP/link-host"

# --system through a symlink whose own directory another user may write
# (every directory and file check_host looks at is root's and 0755): that
# user repoints the link; refused, the resolved path named
fresh_own
HOP=$TEST_TMP/hop
mkdir -m 0755 "$HOP" "$HOP/opt" "$HOP/bin"
ln -s "$OWN" "$HOP/opt/current"
chown 65534:65534 "$HOP/opt"
ln -s "$HOP/opt/current/kyso-host" "$HOP/bin/kyso-host"
refused "--system: a symlink through a directory another user may write" system "$HOP/bin/kyso-host"
assert_contains "$(cat "$RUN_ERR")" "goes through a symlink; pass the resolved path: --host $OWN/kyso-host" "  names the resolved path"
chmod 0755 "$TEST_TMP" # (control) nobody must reach the directory
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "ln -sfn /tmp '$HOP/opt/current.new' && mv -T '$HOP/opt/current.new' '$HOP/opt/current'" || true
chmod 0700 "$TEST_TMP"
assert_eq /tmp "$(readlink "$HOP/opt/current")" "  (control: nobody could indeed repoint the middle link)"
ln -s "$OWN/kyso-host" "$TEST_TMP/root-link"
refused "--system: any symlink, even in root's directories" system "$TEST_TMP/root-link"
run_cmd bash "$INSTALL" --system --root "$ROOT2" --host "$OWN/kyso-host" --dry-run
assert_success "--system: the resolved path is accepted"
run_cmd bash "$INSTALL" --user --host "$TEST_TMP/root-link" --dry-run
assert_success "--user: a symlink whose directories are the user's is accepted"
rm -rf "$HOP" "$TEST_TMP/root-link"

# a directory another user may write through a POSIX ACL (mode 0755 but
# for the ACL's mask; user:65533:rwx): refused by both, ls marks it "+"
fresh_own
set_acl() { # DIR: user::rwx, user:65533:rwx, group::r-x, mask::rwx, other::r-x
  python3 - "$1" <<'PY'
import os, struct, sys
e = lambda tag, perm, id: struct.pack('<HHI', tag, perm, id)
U = 0xffffffff
acl = struct.pack('<I', 2) + e(1, 7, U) + e(2, 7, 65533) + e(4, 5, U) + e(0x10, 7, U) + e(0x20, 5, U)
os.setxattr(sys.argv[1], 'system.posix_acl_access', acl)
PY
}
set_acl "$OWN"
assert_match "$(ls -ld "$OWN")" '^drwxrwxr-x\+ ' "  (control: the ACL is set, ls shows its \"+\")"
refused "--user: its directory with an ACL letting another user write" user "$OWN/kyso-host"
assert_contains "$(cat "$RUN_ERR")" "$OWN carries a POSIX ACL" "  names the directory and the ACL"
refused "--system: its directory with an ACL" system "$OWN/kyso-host"
chmod 0755 "$TEST_TMP" # (control) 65533 writes through the ACL
setpriv --reuid=65533 --regid=65533 --clear-groups sh -c "cp /bin/true '$OWN/kyso-host.new' && mv -f '$OWN/kyso-host.new' '$OWN/kyso-host'" || true
chmod 0700 "$TEST_TMP"
assert_eq 65533 "$(stat -c %u "$OWN/kyso-host")" "  (control: uid 65533 could indeed replace kyso-host there)"
fresh_own
set_acl "$OWN/kyso-host"
refused "--user: a kyso-host with an ACL" user "$OWN/kyso-host"
rm -rf "$OWN"

section "the manifests CMake generates (build/native-messaging/)"
NM=$KYSO_BUILD_DIR/native-messaging
CMAKE_IDS=${KYSO_EXTENSION_IDS//,/ }
check_tree_cmake() {
  local file=$1 kind=$2
  assert_file_exists "$file" "CMake made $(basename "$file")"
  assert_eq ok "$(check_manifest "$file" "$kind" "$KYSO_NM_HOST_PATH" "$CMAKE_IDS")" "$(basename "$file")"
}
check_tree_cmake "$NM/vn.kyso.host.chromium.json" chromium
check_tree_cmake "$NM/vn.kyso.host.firefox.json" firefox
# install.sh and CMake make the same bytes for the same host and IDs.
if [ "$CMAKE_IDS" = "$DEFAULT_ID" ]; then
  bash "$INSTALL" --system --root "$ROOT" --host "$HOST" >/dev/null
  assert_eq "$(sed "s|\"path\": \"$KYSO_NM_HOST_PATH\"|\"path\": \"$HOST\"|" "$NM/vn.kyso.host.chromium.json")" \
    "$(cat "${SYS_FILES[0]}")" "install.sh's Chromium manifest = CMake's but for the path"
  assert_eq "$(sed "s|\"path\": \"$KYSO_NM_HOST_PATH\"|\"path\": \"$HOST\"|" "$NM/vn.kyso.host.firefox.json")" \
    "$(cat "${SYS_FILES[6]}")" "install.sh's Firefox manifest = CMake's but for the path"
fi

section "cmake --install (DESTDIR): the system manifests name the installed kyso-host"
DEST=$TEST_TMP/destdir
run_cmd env DESTDIR="$DEST" cmake --install "$KYSO_BUILD_DIR"
assert_success "cmake --install with DESTDIR"
for pair in "etc/chromium/native-messaging-hosts/vn.kyso.host.json chromium" \
  "usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json firefox"; do
  read -r rel kind <<<"$pair"
  f=$DEST/$rel
  if [ -f "$f" ]; then
    assert_eq ok "$(check_manifest "$f" "$kind" "$KYSO_NM_HOST_PATH" "$CMAKE_IDS")" "installed /$rel"
    assert_true "/$rel names an installed executable ($KYSO_NM_HOST_PATH)" test -x "$DEST$KYSO_NM_HOST_PATH"
  else
    fail "cmake --install put no manifest at /$rel"
  fi
done
assert_no_file "$DEST/etc/opt" "nothing under /etc/opt (install.sh --system writes Chrome's and Edge's)"
assert_true "install.sh installed, executable" \
  test -x "$(find "$DEST" -path '*/share/kyso/native-messaging/install.sh' | head -1)"
assert_eq "" "$(find "$DEST" -name 'kyso-host-native')" "no wrapper script installed"

test_summary
