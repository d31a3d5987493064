#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Linux packages (DEB, RPM, TGZ) from a Release build in build/release and checks
# them: lintian on the .deb, appstreamcli and desktop-file-validate on the desktop metadata.
#   scripts/package.sh            build, package, check; prints the package paths
#   scripts/package.sh --no-check skip lintian / appstreamcli
# Packages land in build/release/packages/. Installing one into a clean Debian 12 root:
# scripts/check-packages.sh (see docs/install.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build/release
OUT=$BUILD/packages
check=1
[ "${1:-}" = "--no-check" ] && check=0

scripts/install-deps.sh --build-only
# Packaging tools: dpkg-shlibdeps (dpkg-dev), rpmbuild (rpm); checks: lintian, appstreamcli,
# desktop-file-validate.
tools=(dpkg-dev rpm file)
[ $check = 1 ] && tools+=(lintian appstream desktop-file-utils)
missing=()
for p in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "package: installing ${missing[*]}" >&2
    SUDO=()
    [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

cmake --preset release >/dev/null
cmake --build "$BUILD" --target punchdrop punchdrop_package_docs -j"$(nproc)"
rm -rf "$OUT"
(cd "$BUILD" && cpack -G "DEB;RPM;TGZ" -B "$OUT") >"$BUILD/cpack.log" 2>&1 || {
    cat "$BUILD/cpack.log" >&2
    exit 1
}

deb=$(ls "$OUT"/punchdrop_*.deb)
rpm=$(ls "$OUT"/punchdrop-*.rpm)
tgz=$(ls "$OUT"/punchdrop-*.tar.gz)

if [ $check = 1 ]; then
    echo "== lintian --info --pedantic $(basename "$deb")"
    # Any tag (error, warning, info, pedantic) fails the build; lintian's "running with root
    # privileges" notice on stderr is harmless.
    lintian --info --pedantic --fail-on error,warning,info,pedantic "$deb" 2> >(grep -v "root privileges" >&2)
    echo "lintian: clean"
    echo "== appstreamcli validate --no-net"
    appstreamcli validate --no-net installer/linux/org.punchdrop.PunchDrop.metainfo.xml
    echo "== desktop-file-validate"
    desktop-file-validate installer/linux/org.punchdrop.PunchDrop.desktop
    echo "desktop file: valid"
fi

echo
echo "Packages:"
for f in "$deb" "$rpm" "$tgz"; do
    printf '  %s  (%s bytes)\n' "$f" "$(stat -c %s "$f")"
done
