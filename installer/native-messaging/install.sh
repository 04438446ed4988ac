#!/usr/bin/env bash
# install.sh - register kyso-host as the native-messaging host vn.kyso.host
# of the kyso browser extension, for Chromium, Google Chrome, Microsoft Edge
# and Firefox.
#
#   install.sh --user   [--host /ABS/kyso-host] [--extension-id ID]... [--dry-run]
#   install.sh --system [--host /ABS/kyso-host] [--extension-id ID]... [--dry-run]
#   install.sh --user|--system --uninstall [--dry-run]
#
# --user writes, as the user (never through sudo):
#   ${XDG_CONFIG_HOME:-~/.config}/chromium/NativeMessagingHosts/
#   ${XDG_CONFIG_HOME:-~/.config}/google-chrome/NativeMessagingHosts/
#   ${XDG_CONFIG_HOME:-~/.config}/microsoft-edge/NativeMessagingHosts/
#   ~/.mozilla/native-messaging-hosts/
# --system writes, as root:
#   /etc/chromium/native-messaging-hosts/   /etc/opt/chrome/native-messaging-hosts/
#   /etc/opt/edge/native-messaging-hosts/   /usr/lib/mozilla/native-messaging-hosts/
# each a vn.kyso.host.json (0644, directories 0755) whose "path" is kyso-host
# itself (absolute; it must exist and be executable). --extension-id (may be
# repeated; 32 letters a-p) replaces the default ID of the extension packed
# with the project's key: a province that packs the extension with its own
# key passes its ID. Firefox's add-on id is kyso@kyso.vn.
#
# kyso-host must be replaceable by no one else: --system (every user's
# browser runs it) refuses one whose file, or any directory above it, is
# not root's, and a path through a symlink (give the resolved path:
# readlink -f); --user refuses one whose file or a directory above it (of
# the path given and of the resolved one) is not the user's or root's.
# Both refuse any of them writable by group or others, or carrying a POSIX
# ACL (ls -l shows a "+"); a root-owned sticky directory such as /tmp is
# excepted.
#
# Idempotent: a file already right is left alone; a changed one is replaced
# atomically (written beside it, then renamed). A symlink at a destination
# is refused, never followed. --uninstall removes only the files named
# "vn.kyso.host" (the ones this script writes). --dry-run says what it would
# do and writes nothing.
#
# --root DIR: FOR TESTS ONLY. Puts the --system paths under DIR and lets
# --system run without root.
set -euo pipefail
umask 022

# extension/key/chromium-id.txt (tests/integration/native_messaging_test.sh
# checks that the two agree).
DEFAULT_EXTENSION_ID=knlmekdlhgpnkpflicepkioblefgfcac
FIREFOX_ID=kyso@kyso.vn
NAME=vn.kyso.host
DESCRIPTION='kyso: ký số văn bản PDF bằng USB token'

say() { printf 'kyso: %s\n' "$*"; }
die() {
  printf 'kyso: LỖI / ERROR: %s\n' "$*" >&2
  exit 1
}
usage() { # [STATUS]: 2 (to stderr) unless --help
  if [ "${1:-2}" = 0 ]; then
    sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
  fi
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

scope='' uninstall=0 dry=0 host='' root='' ids=()
while [ $# -gt 0 ]; do
  case $1 in
  --user | --system)
    [ -z "$scope" ] || usage
    scope=${1#--}
    ;;
  --uninstall) uninstall=1 ;;
  --dry-run) dry=1 ;;
  --host)
    [ $# -ge 2 ] || usage
    host=$2
    shift
    ;;
  --host=*) host=${1#--host=} ;;
  --extension-id)
    [ $# -ge 2 ] || usage
    ids+=("$2")
    shift
    ;;
  --extension-id=*) ids+=("${1#--extension-id=}") ;;
  --root)
    [ $# -ge 2 ] || usage
    root=$2
    shift
    ;;
  -h | --help) usage 0 ;;
  *) usage ;;
  esac
  shift
done
[ -n "$scope" ] || usage
if [ -n "$root" ]; then
  case $root in
  /*) ;;
  *) die "--root phải là đường dẫn tuyệt đối / --root must be absolute: $root" ;;
  esac
  [ -d "$root" ] || die "--root không có / --root does not exist: $root"
  root=${root%/}
fi

if [ "$scope" = user ]; then
  # As the user: files in a home owned by someone else (sudo) would be
  # root's, in the wrong home.
  [ -z "${SUDO_USER:-}" ] ||
    die "--user chạy bằng chính tài khoản người dùng, không qua sudo / run --user as the user, not through sudo"
  if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ]; then die "HOME không hợp lệ / HOME is not set"; fi
  [ "$(stat -c %u -- "$HOME")" = "$(id -u)" ] ||
    die "thư mục nhà $HOME không thuộc người dùng đang chạy / $HOME is not the running user's home"
  config=${XDG_CONFIG_HOME:-$HOME/.config}
  case $config in /*) ;; *) config=$HOME/.config ;; esac
  dirs=("$config/chromium/NativeMessagingHosts"
    "$config/google-chrome/NativeMessagingHosts"
    "$config/microsoft-edge/NativeMessagingHosts"
    "$HOME/.mozilla/native-messaging-hosts")
else
  [ -n "$root" ] || [ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ] ||
    die "--system cần quyền root (sudo) / --system needs root (sudo)"
  dirs=("$root/etc/chromium/native-messaging-hosts"
    "$root/etc/opt/chrome/native-messaging-hosts"
    "$root/etc/opt/edge/native-messaging-hosts"
    "$root/usr/lib/mozilla/native-messaging-hosts")
fi
firefox_dir=${dirs[3]}

# ---- who may replace kyso-host -------------------------------------------

# unsafe PATH: why someone other than root (--system) or than the user or
# root (--user) could replace PATH, if they could (else nothing): "owner
# UID", "mode MODE" (writable by group or others), "acl" (a POSIX ACL:
# others may write through it; ls marks it "+") or "unreadable".
unsafe() {
  local p=$1 uid a m bits=$((8#022)) l
  if ! read -r uid a < <(stat -c '%u %a' -- "$p" 2>/dev/null); then
    echo unreadable
    return
  fi
  m=$((8#$a))
  if [ "$scope" = system ]; then
    [ "$uid" = 0 ] || {
      echo "owner $uid"
      return
    }
  elif [ "$uid" != 0 ] && [ "$uid" != "$(id -u)" ]; then
    echo "owner $uid"
    return
  fi
  [ ! -L "$p" ] || return 0 # a symlink's own mode means nothing
  if ! l=$(LC_ALL=C ls -ld -- "$p" 2>/dev/null); then
    echo unreadable
    return
  fi
  l=${l%% *}
  if [ "${l:10:1}" = + ]; then
    echo acl
    return
  fi
  # a sticky directory of root's (/tmp): no one else may rename or remove
  # what another owns in it
  if [ -d "$p" ] && [ $((m & 8#1000)) != 0 ] && [ "$uid" = 0 ]; then return; fi
  [ $((m & bits)) = 0 ] || echo "mode $a"
}

# check_host PATH: PATH, the file it resolves to and every directory above
# either, all safe (unsafe); dies naming the first that is not.
check_host() {
  local real p why vi en paths=()
  real=$(readlink -f -- "$1") || die "không tìm được đường dẫn thật của / cannot resolve: $1"
  # --system: a symlink on the way (a link's own directory is not checked
  # below) could be repointed by whoever may write that directory
  if [ "$scope" = system ] && [ "$real" != "$1" ]; then
    die "kyso-host không an toàn để đăng ký cho mọi người dùng: $1 đi qua liên kết tượng trưng (symlink); hãy dùng đường dẫn thật: --host $real / Unsafe kyso-host for every user: $1 goes through a symlink; pass the resolved path: --host $real"
  fi
  for p in "$1" "$real"; do
    while :; do
      paths+=("$p")
      [ "$p" != / ] || break
      p=$(dirname -- "$p")
    done
  done
  for p in "${paths[@]}"; do
    why=$(unsafe "$p")
    case $why in
    '') continue ;;
    owner*)
      vi="$p thuộc người dùng khác (uid ${why#owner })"
      en="$p is owned by another user (uid ${why#owner })"
      ;;
    mode*)
      vi="người khác ghi được vào $p (quyền ${why#mode })"
      en="$p is writable by group or others (mode ${why#mode })"
      ;;
    acl)
      vi="$p có ACL (người khác có thể ghi được; xem getfacl)"
      en="$p carries a POSIX ACL (others may write through it; see getfacl)"
      ;;
    *)
      vi="không đọc được $p"
      en="cannot read $p"
      ;;
    esac
    if [ "$scope" = system ]; then
      die "kyso-host không an toàn để đăng ký cho mọi người dùng: $vi. Tệp và mọi thư mục chứa nó phải thuộc root và chỉ root ghi được (ví dụ cài vào /usr/local/bin). / Unsafe kyso-host for every user: $en; the file and every directory above it must be root's and writable by root only (e.g. install it in /usr/local/bin)."
    fi
    die "kyso-host không an toàn: $vi; chỉ bạn (hoặc root) được sửa nó và mọi thư mục chứa nó (chmod go-w, setfacl -b). / Unsafe kyso-host: $en; only you (or root) may change it and every directory above it (chmod go-w, setfacl -b)."
  done
}

# ---- the manifests ----------------------------------------------------------

if [ "$uninstall" = 0 ]; then
  if [ -z "$host" ]; then
    # Installed by CMake in PREFIX/share/kyso/native-messaging/: PREFIX/bin.
    here=$(cd "$(dirname "$0")" && pwd)
    if [ -x "$here/../../../bin/kyso-host" ]; then
      host=$(cd "$here/../../../bin" && pwd)/kyso-host
    else
      host=$(command -v kyso-host || true)
    fi
    [ -n "$host" ] || die "không tìm thấy kyso-host; chỉ rõ bằng --host /đường/dẫn/kyso-host / kyso-host not found: give --host"
  fi
  case $host in
  /*) ;;
  *) die "--host phải là đường dẫn tuyệt đối / --host must be an absolute path: $host" ;;
  esac
  # The path goes into JSON as is: no quote, backslash or control character.
  if [[ $host == *[\"\\]* || $host == *[[:cntrl:]]* ]]; then
    die "--host có ký tự không dùng được / --host has a character a manifest cannot hold: $host"
  fi
  if [ ! -f "$host" ] || [ ! -x "$host" ]; then
    die "kyso-host không có hoặc không chạy được / not an executable file: $host"
  fi
  check_host "$host"
  [ ${#ids[@]} -gt 0 ] || ids=("$DEFAULT_EXTENSION_ID")
  origins=
  for id in "${ids[@]}"; do
    [[ $id =~ ^[a-p]{32}$ ]] ||
      die "mã tiện ích không hợp lệ (32 chữ cái a-p) / not an extension ID (32 letters a-p): $id"
    case " $origins " in *"\"chrome-extension://$id/\""*) continue ;; esac
    origins+="${origins:+, }\"chrome-extension://$id/\""
  done
fi

# manifest chromium|firefox: the bytes CMake's templates make too
# (installer/native-messaging/*.json.in).
manifest() {
  printf '{\n  "name": "%s",\n  "description": "%s",\n  "path": "%s",\n  "type": "stdio",\n' \
    "$NAME" "$DESCRIPTION" "$host"
  if [ "$1" = firefox ]; then
    printf '  "allowed_extensions": ["%s"]\n}\n' "$FIREFOX_ID"
  else
    printf '  "allowed_origins": [%s]\n}\n' "$origins"
  fi
}

# ours FILE: a manifest this script wrote (its "name" is vn.kyso.host).
ours() {
  grep -Eq '^[[:space:]]*"name"[[:space:]]*:[[:space:]]*"vn\.kyso\.host"[[:space:]]*,?[[:space:]]*$' -- "$1"
}

# mkdirs DIR: DIR and its missing parents, 0755; a symlink as DIR refused.
mkdirs() {
  local d=$1 missing=() p
  p=$d
  while [ ! -e "$p" ] && [ ! -L "$p" ]; do
    missing=("$p" "${missing[@]}")
    p=$(dirname "$p")
  done
  for p in "${missing[@]}"; do
    if [ "$dry" = 1 ]; then
      say "sẽ tạo thư mục / would create: $p"
    else
      mkdir -m 0755 -- "$p"
    fi
  done
}

status=0
install_one() { # DIR KIND
  local dir=$1 kind=$2 file=$1/$NAME.json tmp
  if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then
    say "BỎ QUA / SKIPPED: $dir là liên kết hoặc không phải thư mục / is a symlink or not a directory"
    status=1
    return
  fi
  if [ -L "$file" ] || { [ -e "$file" ] && [ ! -f "$file" ]; }; then
    say "BỎ QUA / SKIPPED: $file là liên kết hoặc không phải tệp thường (không ghi theo liên kết) / is a symlink or not a regular file (never followed)"
    status=1
    return
  fi
  if [ -f "$file" ] && cmp -s -- "$file" <(manifest "$kind") &&
    [ "$(stat -c %a -- "$file")" = 644 ]; then
    say "đã đúng, không đổi / already up to date: $file"
    return
  fi
  if [ "$dry" = 1 ]; then
    [ -d "$dir" ] || mkdirs "$dir"
    say "sẽ ghi / would write: $file"
    return
  fi
  check_host "$host" # again, right before writing
  mkdirs "$dir"
  tmp=$(mktemp "$dir/.$NAME.json.XXXXXX")
  if ! { manifest "$kind" >"$tmp" && chmod 0644 -- "$tmp" && mv -fT -- "$tmp" "$file"; }; then
    rm -f -- "$tmp"
    die "không ghi được / cannot write: $file"
  fi
  say "đã ghi / written: $file"
}

uninstall_one() { # DIR
  local dir=$1 file=$1/$NAME.json
  if [ -L "$file" ]; then
    say "BỎ QUA / SKIPPED: $file là liên kết, không phải tệp do kyso ghi / is a symlink, not kyso's"
    status=1
    return
  fi
  if [ ! -e "$file" ]; then
    say "không có, không cần gỡ / not there: $file"
    return
  fi
  if [ ! -f "$file" ] || ! ours "$file"; then
    say "BỎ QUA / SKIPPED: $file không phải tệp của vn.kyso.host / is not vn.kyso.host's manifest"
    status=1
    return
  fi
  if [ "$dry" = 1 ]; then
    say "sẽ xoá / would remove: $file"
    return
  fi
  rm -f -- "$file"
  say "đã xoá / removed: $file"
  # The directory too when nothing else is left in it.
  if rmdir -- "$dir" 2>/dev/null; then say "đã xoá thư mục trống / removed empty directory: $dir"; fi
}

for dir in "${dirs[@]}"; do
  if [ "$uninstall" = 1 ]; then
    uninstall_one "$dir"
  elif [ "$dir" = "$firefox_dir" ]; then
    install_one "$dir" firefox
  else
    install_one "$dir" chromium
  fi
done
if [ "$uninstall" = 0 ] && [ "$dry" = 0 ]; then
  say "kyso-host: $host"
  say "tiện ích được phép / allowed extensions: ${ids[*]} (Chromium, Chrome, Edge), $FIREFOX_ID (Firefox)"
fi
[ "$status" = 0 ] ||
  say "có đường dẫn bị bỏ qua (xem trên) / some destinations were skipped (see above)"
exit "$status"
