#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Proves the Linux packages built by scripts/package.sh (run that first), as root:
#   .deb  installed with apt into a clean Debian 12 (bookworm) root made with debootstrap: apt
#         resolves the dependencies from the archive, `punchdrop --version` runs, the desktop app
#         starts (offscreen), `punchdrop --server` starts and answers on TCP and STUN/UDP, the
#         systemd unit is installed but not enabled, and the package removes cleanly.
#   .rpm  metadata, file list and requirements checked with rpm -qpi / -qpl / -qpR.
# Takes minutes (the first run builds and caches a base root under build/debootstrap/), so it is
# not part of ./test.sh.  Environment: MIRROR (default http://deb.debian.org/debian),
# PORT (server port in the chroot; default: a free port on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
PKG_DIR=$ROOT_DIR/build/release/packages
CACHE_DIR=$ROOT_DIR/build/debootstrap
BASE_TAR=$CACHE_DIR/bookworm-minbase-root.tar
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

fail() { echo "check-packages: FAIL: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
ok() { echo "   ok: $*"; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, chroot, mounts)"
deb=$(ls "$PKG_DIR"/punchdrop_*_amd64.deb 2>/dev/null | head -n1) || true
rpm_file=$(ls "$PKG_DIR"/punchdrop-*.rpm 2>/dev/null | head -n1) || true
[ -n "$deb" ] && [ -n "$rpm_file" ] || fail "no packages in $PKG_DIR; run scripts/package.sh first"

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v rpm >/dev/null || need+=(rpm)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

started=$(date +%s)
mkdir -p "$CACHE_DIR"
CHROOT=$(mktemp -d "$CACHE_DIR/root.XXXXXX")
server_pid=""
cleanup() {
    local rc=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    for m in var/cache/apt/archives dev/pts dev sys proc; do
        mountpoint -q "$CHROOT/$m" 2>/dev/null && umount -l "$CHROOT/$m"
    done
    # Only remove the throw-away root once nothing is mounted inside it any more.
    if ! grep -q " $CHROOT/" /proc/mounts; then
        rm -rf --one-file-system "$CHROOT"
    else
        echo "check-packages: mounts left under $CHROOT; not removing it" >&2
    fi
    exit $rc
}
trap cleanup EXIT INT TERM

# --- 1. A clean Debian 12 root -----------------------------------------------------------------
if [ ! -s "$BASE_TAR" ]; then
    step "debootstrap --variant=minbase bookworm ($MIRROR); cached as $BASE_TAR"
    t0=$(date +%s)
    debootstrap --variant=minbase bookworm "$CHROOT" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE_DIR/debootstrap.log" >&2; fail "debootstrap failed"; }
    tar -C "$CHROOT" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
    ok "base root built in $(( $(date +%s) - t0 )) s"
else
    step "unpacking the cached clean root $BASE_TAR"
    tar -C "$CHROOT" -xf "$BASE_TAR"
    ok "unpacked"
fi
[ -f "$CHROOT/etc/debian_version" ] || fail "no Debian root in $CHROOT"
ok "Debian $(cat "$CHROOT/etc/debian_version") in $CHROOT"

mount -t proc proc "$CHROOT/proc"
mount --rbind /sys "$CHROOT/sys" && mount --make-rslave "$CHROOT/sys"
mount --bind /dev "$CHROOT/dev"
mount --bind /dev/pts "$CHROOT/dev/pts"
# Downloaded .debs are kept between runs (the root itself is fresh every time).
mkdir -p "$CACHE_DIR/archives/partial"
mount --bind "$CACHE_DIR/archives" "$CHROOT/var/cache/apt/archives"
cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf"
rm -f "$CHROOT/etc/apt/sources.list"
cat >"$CHROOT/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
in_root() { chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# --- 2. Install the .deb; apt resolves the dependencies ------------------------------------------
step "apt-get install ./$(basename "$deb") (no recommends)"
cp "$deb" "$CHROOT/tmp/"
in_root apt-get update -qq >"$CACHE_DIR/apt.log" 2>&1 || { cat "$CACHE_DIR/apt.log" >&2; fail "apt-get update"; }
t0=$(date +%s)
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "/tmp/$(basename "$deb")" >>"$CACHE_DIR/apt.log" 2>&1 \
    || { tail -30 "$CACHE_DIR/apt.log" >&2; fail "apt-get install of the .deb"; }
ok "installed with $(grep -c '^Setting up' "$CACHE_DIR/apt.log") packages set up, $(( $(date +%s) - t0 )) s"
in_root dpkg-query -W -f='${Status} ${Version}\n' punchdrop | grep -q "install ok installed 0" \
    || fail "punchdrop not installed"

# --- 3. What the package put there --------------------------------------------------------------
step "installed files"
for f in /usr/bin/punchdrop /usr/share/applications/org.punchdrop.PunchDrop.desktop \
         /usr/share/metainfo/org.punchdrop.PunchDrop.metainfo.xml \
         /usr/share/icons/hicolor/48x48/apps/org.punchdrop.PunchDrop.png \
         /usr/share/icons/hicolor/scalable/apps/org.punchdrop.PunchDrop.svg \
         /usr/share/man/man1/punchdrop.1.gz /usr/share/doc/punchdrop/copyright \
         /usr/share/doc/punchdrop/install.md \
         /usr/lib/systemd/system/punchdrop-server.service; do
    [ -e "$CHROOT$f" ] || fail "missing $f"
done
ok "binary, desktop file, metainfo, icons, man page, copyright, install guide, systemd unit"
# Plugins dependency scanning cannot see: the platform plugins and the TLS backend.
[ -e "$CHROOT/usr/lib/x86_64-linux-gnu/qt6/plugins/platforms/libqxcb.so" ] \
    || fail "xcb platform plugin missing (qt6-qpa-plugins not pulled in)"
[ -e "$CHROOT/usr/lib/x86_64-linux-gnu/qt6/plugins/tls/libqopensslbackend.so" ] \
    || fail "OpenSSL TLS backend plugin missing"
ok "Qt platform plugins (xcb, offscreen) and OpenSSL TLS backend present"
# Qt's own texts in Chinese (file dialog, standard buttons): loaded at run time, a Depends.
for l in zh_CN zh_TW; do
    [ -e "$CHROOT/usr/share/qt6/translations/qtbase_$l.qm" ] \
        || fail "qtbase_$l.qm missing (qt6-translations-l10n not pulled in)"
done
ok "Qt's own translations (qtbase_zh_CN.qm, qtbase_zh_TW.qm) present"
if ls "$CHROOT"/etc/systemd/system/*.wants/punchdrop-server.service >/dev/null 2>&1; then
    fail "punchdrop-server.service is enabled; it must only be installed"
fi
ok "punchdrop-server.service installed, not enabled"
if command -v systemd-analyze >/dev/null; then
    # The minbase root has no systemd: verify the installed unit with the host's systemd, its
    # ExecStart pointed at the binary inside the root.
    unit_copy=$(mktemp -d)/punchdrop-server.service
    sed "s#^ExecStart=/usr/bin/punchdrop#ExecStart=$CHROOT/usr/bin/punchdrop#" \
        "$CHROOT/usr/lib/systemd/system/punchdrop-server.service" >"$unit_copy"
    systemd-analyze verify --man=no "$unit_copy" || fail "systemd-analyze verify"
    rm -rf "$(dirname "$unit_copy")"
    ok "systemd-analyze verify: clean"
fi

# --- 4. Run it ----------------------------------------------------------------------------------
step "punchdrop --version"
version=$(in_root punchdrop --version)
echo "   $version"
[[ "$version" =~ ^punchdrop\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "unexpected --version output: $version"
ok "--version"

step "desktop app starts (QT_QPA_PLATFORM=offscreen, stopped after 5 s)"
set +e
timeout -s TERM 5 chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root \
    QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp punchdrop >"$CACHE_DIR/gui.log" 2>&1
gui_rc=$?
set -e
[ $gui_rc -eq 124 ] || { cat "$CACHE_DIR/gui.log" >&2; fail "desktop app exited with $gui_rc before 5 s"; }
ok "still running after 5 s"

step "punchdrop --server in the chroot answers"
if [ -z "${PORT:-}" ]; then
    PORT=$(python3 -c '
import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    try:
        for q in (p, p + 1):        # UDP on the port and on the alt port (port + 1)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", q)); u.close()
        t2 = socket.socket(); t2.bind(("127.0.0.1", p + 1)); t2.close()
    except OSError:
        t.close(); continue
    t.close(); print(p); break')
fi
mkdir -p "$CHROOT/var/lib/punchdrop-check"
chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root \
    punchdrop --server --listen "127.0.0.1:$PORT" --config-dir /var/lib/punchdrop-check \
    >"$CACHE_DIR/server.log" 2>&1 &
server_pid=$!
# TCP: bounded wait for the listener (50 x 0.2 s), and stop early if the server exits.
tcp_ok=0
for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then tcp_ok=1; break; fi
    sleep 0.2
done
if [ $tcp_ok -ne 1 ]; then
    cat "$CACHE_DIR/server.log" >&2
    fail "punchdrop --server did not accept a TCP connection on 127.0.0.1:$PORT"
fi
ok "TCP connect to 127.0.0.1:$PORT"
# STUN (RFC 5389) Binding request on UDP; the answer must carry our address in XOR-MAPPED-ADDRESS.
python3 - "$PORT" <<'PY' || { cat "$CACHE_DIR/server.log" >&2; fail "no STUN answer"; }
import os, socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(1.0)
tid = os.urandom(12)
req = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + tid
for attempt in range(5):
    s.sendto(req, ("127.0.0.1", port))
    try:
        data, _ = s.recvfrom(2048)
    except socket.timeout:
        continue
    mtype, mlen, cookie = struct.unpack("!HHI", data[:8])
    if cookie != 0x2112A442 or data[8:20] != tid:
        continue
    if mtype != 0x0101:
        sys.exit(f"STUN answer type 0x{mtype:04x}, expected Binding success 0x0101")
    pos, end = 20, 20 + mlen
    while pos + 4 <= end:
        atype, alen = struct.unpack("!HH", data[pos:pos + 4])
        val = data[pos + 4:pos + 4 + alen]
        if atype == 0x0020 and val[1] == 0x01:
            xport = struct.unpack("!H", val[2:4])[0] ^ 0x2112
            xaddr = socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", val[4:8])[0] ^ 0x2112A442))
            mine = s.getsockname()
            if (xaddr, xport) != mine:
                sys.exit(f"XOR-MAPPED-ADDRESS {xaddr}:{xport}, expected {mine[0]}:{mine[1]}")
            print(f"   STUN Binding success: XOR-MAPPED-ADDRESS {xaddr}:{xport}")
            sys.exit(0)
        pos += 4 + ((alen + 3) & ~3)
    sys.exit("STUN Binding success without XOR-MAPPED-ADDRESS")
sys.exit("no STUN answer after 5 tries")
PY
ok "STUN Binding answered on UDP 127.0.0.1:$PORT"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
ok "server stopped"

# --- 5. Removal ---------------------------------------------------------------------------------
step "apt-get purge punchdrop"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y punchdrop >>"$CACHE_DIR/apt.log" 2>&1 \
    || fail "apt-get purge"
[ ! -e "$CHROOT/usr/bin/punchdrop" ] && [ ! -e "$CHROOT/usr/lib/systemd/system/punchdrop-server.service" ] \
    || fail "files left after purge"
ok "removed cleanly"

# --- 6. The .rpm --------------------------------------------------------------------------------
step "rpm -qpi / -qpl / -qpR $(basename "$rpm_file")"
info=$(rpm -qpi "$rpm_file" 2>/dev/null)
echo "$info" | sed 's/^/   /' | head -12
echo "$info" | grep -Eq '^Name +: punchdrop$' || fail "rpm Name"
echo "$info" | grep -Eq '^Version +: [0-9]+\.[0-9]+\.[0-9]+$' || fail "rpm Version"
echo "$info" | grep -Eq '^License +: GPL-3.0-or-later$' || fail "rpm License"
echo "$info" | grep -Eq '^Architecture: x86_64$' || fail "rpm Architecture"
files=$(rpm -qpl "$rpm_file" 2>/dev/null)
for f in /usr/bin/punchdrop /usr/lib/systemd/system/punchdrop-server.service \
         /usr/share/applications/org.punchdrop.PunchDrop.desktop \
         /usr/share/metainfo/org.punchdrop.PunchDrop.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/org.punchdrop.PunchDrop.svg \
         /usr/share/man/man1/punchdrop.1.gz; do
    echo "$files" | grep -qx "$f" || fail "rpm lacks $f"
done
# It must not own shared directories (filesystem / hicolor-icon-theme own them).
for d in /usr /usr/bin /usr/share/icons/hicolor /usr/lib/systemd/system /usr/share/applications; do
    ! echo "$files" | grep -qx "$d" || fail "rpm owns the shared directory $d"
done
ok "$(echo "$files" | wc -l) files, no shared directories"
reqs=$(rpm -qpR "$rpm_file" 2>/dev/null)
for r in 'libQt6Core.so.6()(64bit)' 'libQt6Widgets.so.6()(64bit)' 'libQt6Network.so.6()(64bit)' \
         'libcrypto.so.3()(64bit)' qt6-qtbase-gui qt6-qttranslations; do
    echo "$reqs" | grep -qxF "$r" || fail "rpm does not require $r"
done
ok "requires Qt 6 (Core, Gui, Network, Widgets), QCoro, libcrypto, qt6-qtbase-gui (platform plugins) and qt6-qttranslations"

echo
echo "check-packages: PASS in $(( $(date +%s) - started )) s"
