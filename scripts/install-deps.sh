#!/usr/bin/env bash
# Installs what PunchDrop needs to build and test, on Debian 12 / Ubuntu (apt-get, no prompts).
# On other systems it prints what to install and exits non-zero when something is missing.
set -euo pipefail

# Build: compiler, CMake, Ninja, Qt 6 (Core, Network, Widgets, Test, LinguistTools), QCoro, OpenSSL,
# xxHash (header-only) and the port-mapping clients (UPnP-IGD: miniupnpc, NAT-PMP: libnatpmp).
# Run time: Qt's own translations (file dialog, standard buttons in Chinese; the .deb depends on it).
BUILD_PKGS=(cmake ninja-build g++ pkg-config ccache
            qt6-base-dev qt6-tools-dev qt6-l10n-tools qcoro-qt6-dev libssl-dev libxxhash-dev
            libminiupnpc-dev libnatpmp-dev libhiredis-dev
            qt6-translations-l10n)
# Tests: NAT lab (namespaces, nftables, conntrack), baselines (socat, iperf3, scp and rsync over
# ssh), fuzzing (clang), screenshots (Xvfb, openbox, trayer), packaging checks.
TEST_PKGS=(iproute2 nftables conntrack socat iperf3 procps psmisc
           openssh-server rsync    # bench/transfer_natlab.sh's scp / rsync rows: a private sshd
                                   # in a lab namespace; the package's own ssh service is not used
           xxhash                  # xxh128sum: the NAT-lab and LAN scripts check XXH3-128 digests
           clang libclang-rt-14-dev xvfb xauth x11-utils imagemagick
           clang-format            # the format_check test
           zbar-tools              # zbarimg: reads back the QR codes (tst_qrcode, tst_deviceidqr)
           dpkg-dev file openssl   # openssl: the NAT lab's hostile TLS clients
           xdotool fonts-wqy-microhei   # scripts/screenshots.sh
           openbox trayer               # scripts/screenshots.sh: a window manager and a tray
           miniupnpd-nftables           # the NAT lab's port-mapping gateway (UPnP-IGD, NAT-PMP)
           redis-server)                # the server-cluster tests (tst_servercluster)
# Windows checks (the windows_check test, scripts/build-windows.sh): mingw-w64 with posix threads,
# Wine (wine64 only; no i386 multiarch) and NSIS.
# fonts-dejavu-core: fonts for the Windows test executables on the offscreen platform under
# Wine (Qt's Windows build reads font files from QT_QPA_FONTDIR there; scripts/windows/cross-build.sh).
WINDOWS_PKGS=(g++-mingw-w64-x86-64-posix wine wine64 nsis fonts-dejavu-core)

# install-deps.sh            build + test + Windows-check packages
# install-deps.sh --build-only   only what building needs
# install-deps.sh --windows      build + Windows-check packages (scripts/build-windows.sh)
want=("${BUILD_PKGS[@]}")
case "${1:-}" in
    --build-only) ;;
    --windows) want+=("${WINDOWS_PKGS[@]}") ;;
    *) want+=("${TEST_PKGS[@]}" "${WINDOWS_PKGS[@]}") ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<TXT
install-deps: this is not a Debian-like system. Install the equivalents of:
  CMake >= 3.25, Ninja, a C++20 compiler, Qt >= 6.4 (Core, Network, Widgets, Test, LinguistTools)
  with Qt's translations (qttranslations: tst_translations checks Qt's own texts in Chinese),
  OpenSSL >= 1.1 (headers), miniupnpc and libnatpmp (headers; without them configure with
  -DPUNCHDROP_PORT_MAPPING=OFF); QCoro >= 0.8 is fetched by CMake when not installed.
TXT
    exit 0
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-deps: not root and no sudo; please install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
