#!/usr/bin/env bash
# scripts/build-windows.sh — Tier 1 of the Windows proof (docs/install.md, "Windows build from
# Linux"): cross-builds PunchDrop for 64-bit Windows with mingw-w64 on Debian 12, runs its QtTest
# executables under Wine, makes the NSIS and ZIP packages and installs/uninstalls the NSIS package
# silently under Wine. Opt-in and never required by CI: the first run builds OpenSSL and qtbase
# 6.4.2 from Debian's source packages (40-60 min of CPU on 2 cores) into a
# machine-local cache; later runs reuse it.
#
#   scripts/build-windows.sh [--prefix-only] [--if-cached] [--no-tests] [--no-package]
#                            [--no-interop] [--native PATH]
#
#   --prefix-only  build (or check) the cached Windows prefix and stop
#   --if-cached    do nothing (exit 0, one line) when the prefix is not cached yet
#   --no-tests     skip the Wine test run          --no-package  skip CPack and the install check
#   --no-interop   skip the Windows-against-Linux transfers (scripts/windows/interop.sh)
#   --native PATH  the Linux punchdrop for them (default build/dev/src/app/punchdrop, built
#                  with the dev preset when missing)
#
# Environment: PUNCHDROP_MINGW_CACHE (default /var/cache/punchdrop-mingw), PUNCHDROP_WIN_JOBS
# (default 2), PUNCHDROP_WIN_NICE (niceness of the heavy steps, default 10: the level the
# project's other builds use; 19 leaves it behind a fuzz campaign), PUNCHDROP_WIN_BUILD (the
# project's build tree, default build/windows).
set -euo pipefail
shopt -s inherit_errexit
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PUNCHDROP_MINGW_CACHE:-/var/cache/punchdrop-mingw}
JOBS=${PUNCHDROP_WIN_JOBS:-2}
NICE=(nice -n "${PUNCHDROP_WIN_NICE:-10}")
BUILD=${PUNCHDROP_WIN_BUILD:-$ROOT/build/windows}
TOOLCHAIN=$ROOT/cmake/mingw-w64-x86_64.cmake
PREFIX_ONLY=0 IF_CACHED=0 TESTS=1 PACKAGE=1 INTEROP=1 NATIVE=
while [ $# -gt 0 ]; do
    a=$1
    shift
    case $a in
        --no-interop) INTEROP=0 ;;
        --native) NATIVE=${1:?--native needs a path}; shift ;;
        --prefix-only) PREFIX_ONLY=1 ;;
        --if-cached) IF_CACHED=1 ;;
        --no-tests) TESTS=0 ;;
        --no-package) PACKAGE=0 ;;
        *) echo "build-windows: unknown option $a" >&2; exit 2 ;;
    esac
done
log() { printf 'build-windows: %s\n' "$*" >&2; }

# --- What goes into the prefix; every line here is part of the cache key ----------------------
# patch_qtbase's source fixes are not: without them qtbase does not build at all (a compile and
# a link error in the windows platform plugin), so every complete prefix has them and the
# prefix they give is the only one there is. A change to them that alters what a successful
# build installs must change the key (e.g. a line here), or old prefixes would be reused.
QT_SRC_PKG=qt6-base
QT_VERSION=6.4.2
OPENSSL_SRC_PKG=openssl
OPENSSL_CONFIGURE=(mingw64 --cross-compile-prefix=x86_64-w64-mingw32- no-tests shared
                   --libdir=lib)
# Core, Gui, Widgets, Network, Test; the windows, offscreen and minimal platform plugins; the
# OpenSSL TLS backend loaded at run time (Schannel has no TLS 1.3 before Windows 11). Debian's
# dfsg source drops wintab, hence tabletevent off. Nothing from the system: there is none.
QT_FEATURES=(opengl=OFF sql=OFF dbus=OFF printsupport=OFF concurrent=OFF xml=OFF
             tabletevent=OFF jpeg=OFF direct2d=OFF openssl=ON openssl_runtime=ON
             openssl_linked=OFF system_zlib=OFF system_png=OFF system_freetype=OFF
             system_harfbuzz=OFF system_pcre2=OFF system_doubleconversion=OFF system_jpeg=OFF)

host_qt_version() { dpkg-query -W -f='${Version}' qt6-base-dev 2>/dev/null | sed 's/[+-].*//'; }
cache_key() {
    {
        x86_64-w64-mingw32-g++-posix --version | head -1
        printf '%s\n' "$QT_SRC_PKG $QT_VERSION $OPENSSL_SRC_PKG" "${OPENSSL_CONFIGURE[@]}" \
            "${QT_FEATURES[@]}"
        cat "$TOOLCHAIN"
    } | sha256sum | cut -c1-16
}

install_tools() {
    "$ROOT/scripts/install-deps.sh" --windows
    command -v x86_64-w64-mingw32-g++-posix >/dev/null && command -v wine >/dev/null &&
        command -v makensis >/dev/null || { log "mingw-w64, wine or nsis missing"; exit 1; }
}

# Debian's source packages, fetched with apt-get through a private deb-src list, so the system's
# apt configuration stays as it is. apt checks each file against the signed Sources index. The
# openssl .dsc and debian tarball 404 on this archive; the orig tarball is all that is needed.
fetch_sources() {
    local apt=$CACHE/apt src=$CACHE/src
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$src"
    ls "$src"/qt6-base_"$QT_VERSION"*.orig.tar.xz "$src"/openssl_3.0.*.orig.tar.gz \
        >/dev/null 2>&1 && return 0
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    cat >"$apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian $codename-updates main
deb-src http://deb.debian.org/debian-security $codename-security main
EOF
    local opt=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
               -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
    apt-get "${opt[@]}" -qq update
    (cd "$src" && apt-get "${opt[@]}" -qq source --download-only "$QT_SRC_PKG" "$OPENSSL_SRC_PKG") ||
        true # the openssl .dsc 404 is expected; the checks below decide
    ls "$src"/qt6-base_"$QT_VERSION"*.orig.tar.xz "$src"/openssl_3.0.*.orig.tar.gz >/dev/null ||
        { log "Debian's qt6-base $QT_VERSION or openssl 3.0 source is not reachable"; exit 1; }
}

build_openssl() {
    local prefix=$1 work=$2 tarball
    [ -f "$prefix/lib/libcrypto.dll.a" ] && [ -f "$prefix/bin/libssl-3-x64.dll" ] && return 0
    tarball=$(ls "$CACHE"/src/openssl_3.0.*.orig.tar.gz | sort -V | tail -1)
    log "OpenSSL: building $(basename "$tarball") for mingw64 ($JOBS jobs)"
    mkdir -p "$work" && rm -rf "$work/openssl" && mkdir "$work/openssl"
    tar -xzf "$tarball" -C "$work/openssl" --strip-components=1
    # Only the DLLs and their import libraries: half the objects of `make build_libs`, which
    # also compiles the static libraries and the apps' helper library.
    (cd "$work/openssl" && "${NICE[@]}" ./Configure "${OPENSSL_CONFIGURE[@]}" --prefix="$prefix" \
        >configure.log && "${NICE[@]}" make -j"$JOBS" build_generated >build.log 2>&1 &&
        "${NICE[@]}" make -j"$JOBS" libcrypto-3-x64.dll libssl-3-x64.dll >>build.log 2>&1) || { tail -30 "$work/openssl/build.log" >&2; exit 1; }
    mkdir -p "$prefix/include" "$prefix/lib" "$prefix/bin"
    cp -r "$work/openssl/include/openssl" "$prefix/include/"
    cp "$work/openssl"/lib{crypto,ssl}.dll.a "$prefix/lib/"
    cp "$work/openssl"/lib{crypto,ssl}-3-x64.dll "$prefix/bin/"
}

# Two fixes of qtbase 6.4.2's windows platform plugin for this feature set, applied to the
# unpacked source (idempotent; each must apply):
#  - isSoftwareGl() uses QOpenGLStaticContext under QT_CONFIG(dynamicgl) alone, and dynamicgl
#    stays on with FEATURE_opengl=OFF: qwindowswindow.cpp does not compile. Guarded by opengl as
#    well, it says "not software GL", which is all there is without OpenGL;
#  - the plugin creates QWindowsDirectWriteFontDatabase under QT_CONFIG(directwrite3), but QtGui
#    compiles that class only with direct2d as well (src/gui/CMakeLists.txt): qwindows.dll does
#    not link. With the same condition as QtGui the plugin uses its GDI font database.
patch_qtbase() {
    local dir=$1/src/plugins/platforms/windows
    sed -i '/^static inline bool isSoftwareGl()$/,/^}$/ s/^#if QT_CONFIG(dynamicgl)$/#if QT_CONFIG(dynamicgl) \&\& QT_CONFIG(opengl)/' \
        "$dir/qwindowswindow.cpp"
    sed -i 's/^#if QT_CONFIG(directwrite3)$/#if QT_CONFIG(directwrite3) \&\& QT_CONFIG(direct2d)/' \
        "$dir/qwindowsintegration.cpp"
    grep -q '^#if QT_CONFIG(dynamicgl) && QT_CONFIG(opengl)$' "$dir/qwindowswindow.cpp" &&
        [ "$(grep -c '^#if QT_CONFIG(directwrite3) && QT_CONFIG(direct2d)$' \
            "$dir/qwindowsintegration.cpp")" = 2 ] ||
        { log "qtbase: the windows plugin fixes did not apply in $dir"; exit 1; }
}

build_qtbase() {
    local prefix=$1 work=$2 tarball args=()
    [ -f "$prefix/lib/cmake/Qt6Widgets/Qt6WidgetsConfig.cmake" ] && return 0
    tarball=$(ls "$CACHE"/src/qt6-base_"$QT_VERSION"*.orig.tar.xz | tail -1)
    if [ ! -f "$work/qtbase/.unpacked" ]; then
        log "qtbase: unpacking $(basename "$tarball")"
        rm -rf "$work/qtbase" && mkdir -p "$work/qtbase" &&
            tar -xJf "$tarball" -C "$work/qtbase" --strip-components=1 && touch "$work/qtbase/.unpacked"
    fi
    patch_qtbase "$work/qtbase"
    for f in "${QT_FEATURES[@]}"; do args+=("-DFEATURE_$f"); done
    log "qtbase $QT_VERSION: configuring and building for mingw64 ($JOBS jobs)"
    # A configure that did not finish (interrupted) leaves failed try-compile results cached:
    # start that build tree again. A finished one is reused and ninja resumes where it stopped.
    [ -f "$work/qtbase-build/build.ninja" ] || rm -rf "$work/qtbase-build"
    "${NICE[@]}" cmake -S "$work/qtbase" -B "$work/qtbase-build" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DPUNCHDROP_MINGW_PREFIX="$prefix" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DQT_HOST_PATH=/usr -DQT_HOST_PATH_CMAKE_DIR=/usr/lib/x86_64-linux-gnu/cmake \
        -DQT_BUILD_EXAMPLES=OFF -DQT_BUILD_TESTS=OFF -DQT_BUILD_BENCHMARKS=OFF \
        -DOPENSSL_ROOT_DIR="$prefix" -DQT_USE_CCACHE="$(command -v ccache >/dev/null && echo ON || echo OFF)" \
        "${args[@]}" >"$work/qtbase-configure.log" 2>&1 ||
        { tail -40 "$work/qtbase-configure.log" >&2; exit 1; }
    "${NICE[@]}" cmake --build "$work/qtbase-build" -j "$JOBS" >"$work/qtbase-build.log" 2>&1 ||
        { tail -40 "$work/qtbase-build.log" >&2; exit 1; }
    cmake --install "$work/qtbase-build" >"$work/qtbase-install.log"
}

# Prints the prefix path; builds it when missing (unless --if-cached).
ensure_prefix() {
    local key prefix work start
    key=$(cache_key)
    prefix=$CACHE/$key
    work=$CACHE/work/$key
    if [ -f "$prefix/.complete" ]; then echo "$prefix"; return 0; fi
    [ "$(host_qt_version)" = "$QT_VERSION" ] ||
        { log "host Qt is $(host_qt_version), the cross build needs $QT_VERSION"; exit 1; }
    start=$(date +%s)
    fetch_sources
    build_openssl "$prefix" "$work"
    build_qtbase "$prefix" "$work"
    date -u +%FT%TZ >"$prefix/.complete"
    log "prefix $prefix built in $(($(date +%s) - start)) s; the build tree $work can be deleted"
    echo "$prefix"
}

main() {
    if [ "$IF_CACHED" = 1 ] && [ ! -f "$CACHE/$(cache_key)/.complete" ]; then
        echo "build-windows: no cached Windows Qt prefix in $CACHE; Windows cross build skipped" \
            "(scripts/build-windows.sh builds it once, about an hour)"
        return 0
    fi
    install_tools
    local prefix
    prefix=$(ensure_prefix)
    [ "$PREFIX_ONLY" = 1 ] && { log "prefix ready: $prefix"; return 0; }
    if [ "$INTEROP" = 1 ] && [ -z "$NATIVE" ]; then
        NATIVE=$ROOT/build/dev/src/app/punchdrop
        [ -x "$NATIVE" ] || { cmake --preset dev >/dev/null &&
            "${NICE[@]}" cmake --build --preset dev --target punchdrop >/dev/null; }
    fi
    "$ROOT/scripts/windows/cross-build.sh" "$prefix" "$BUILD" "$TESTS" "$PACKAGE" "$NATIVE"
}
main
