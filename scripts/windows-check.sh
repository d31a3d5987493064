#!/usr/bin/env bash
# scripts/windows-check.sh BUILD_DIR — Tier 0 of the Windows proof (docs/install.md), run by ctest
# as `windows_check` (label windows) in every ./test.sh. No Windows Qt needed; 3-5 min on 2 cores.
#   1. mingw-w64 -fsyntax-only over every C++ file in src/, tests/ and bench/, with Windows
#      semantics, against the host's Qt, QCoro and OpenSSL headers (scripts/windows/syntax_check.py).
#   2. scripts/windows/winsock_probe.cpp built with mingw and run under Wine: the Winsock calls the
#      project makes natively, limited to what Wine models faithfully.
#   3. The project's installer/CMakeLists.txt around stub executables (windres: icon + version;
#      the mingw runtime deployment; CPack NSIS + ZIP), then the NSIS installer run silently under
#      Wine: the installed punchdrop-cli.exe --version answers, and the uninstaller removes it.
# BUILD_DIR is a configured and built Linux tree (its compile_commands.json and generated moc
# files). Exit 0: all passed; 1: a check failed; 77: tools missing and not under CI (ctest: skip).
# Under CI=true missing tools fail the check (scripts/install-deps.sh installs them).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: windows-check.sh BUILD_DIR}" && pwd)
JOBS=${PUNCHDROP_WINDOWS_CHECK_JOBS:-2}
CXX=x86_64-w64-mingw32-g++-posix
say() { printf 'windows-check: %s\n' "$*"; }

missing=()
for tool in "$CXX" wine makensis cpack python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "missing ${missing[*]} (scripts/install-deps.sh installs them)"
    [ "${CI:-}" = "true" ] && exit 1
    exit 77
fi

WORK=$(mktemp -d /tmp/punchdrop-windows-check.XXXXXX)
# A Wine prefix per build tree, kept between runs (creating one takes seconds and ~700 MB).
export WINEPREFIX=${PUNCHDROP_WINEPREFIX:-$BUILD/windows-check/wineprefix}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
cleanup() {
    wineserver -k >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
failed=0
start=$(date +%s)

# --- 1. compile check ----------------------------------------------------------------------
werror=()
[ "${CI:-}" = "true" ] && werror=(--werror)
if nice python3 "$SRC/scripts/windows/syntax_check.py" --source-dir "$SRC" --build-dir "$BUILD" \
        --compiler "$CXX" --jobs "$JOBS" "${werror[@]}"; then
    :
else
    failed=1
fi

# --- 2. Winsock under Wine -----------------------------------------------------------------
mkdir -p "$WINEPREFIX"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    wineboot --init >/dev/null 2>&1 || { say "wineboot --init failed"; exit 1; }
fi
if "$CXX" -std=c++20 -O1 -Wall -Wextra -Werror -static -o "$WORK/winsock_probe.exe" \
        "$SRC/scripts/windows/winsock_probe.cpp" -lws2_32 &&
        timeout 60 wine "$WORK/winsock_probe.exe"; then
    :
else
    say "FAIL: the Winsock probe (above)"
    failed=1
fi

# --- 3. packaging --------------------------------------------------------------------------
package() {
    local pkg=$WORK/package
    cmake -S "$SRC/scripts/windows/packagecheck" -B "$pkg" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=Release \
        -DPUNCHDROP_SOURCE_DIR="$SRC" >"$WORK/package-configure.log" 2>&1 ||
        { cat "$WORK/package-configure.log"; return 1; }
    cmake --build "$pkg" >"$WORK/package-build.log" 2>&1 || { cat "$WORK/package-build.log"; return 1; }
    # The resource compiler embedded the version (it is in the executable's VERSIONINFO).
    local version
    version=$(grep -m1 '^CMAKE_PROJECT_VERSION:' "$pkg/CMakeCache.txt" | cut -d= -f2)
    x86_64-w64-mingw32-strings -el "$pkg/punchdrop.exe" | grep -x "$version" >/dev/null ||
        { say "FAIL: punchdrop.exe has no version resource $version"; return 1; }
    (cd "$pkg" && cpack -G "NSIS;ZIP" >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; return 1; }
    local installer zip
    installer=$(ls "$pkg"/punchdrop-*-Windows-x86_64.exe)
    zip=$(ls "$pkg"/punchdrop-*-Windows-x86_64.zip)
    [ -f "$installer.sha256" ] && [ -f "$zip.sha256" ] || { say "FAIL: no .sha256 files"; return 1; }
    local listing
    listing=$(cmake -E tar tf "$zip")
    for file in libstdc++-6.dll libgcc_s_seh-1.dll libwinpthread-1.dll punchdrop.exe punchdrop-cli.exe; do
        grep -qF "/bin/$file" <<<"$listing" || { say "FAIL: the ZIP has no bin/$file"; return 1; }
    done
    say "packages: $(basename "$installer") ($(stat -c %s "$installer") bytes), $(basename "$zip")"

    # Install silently, run the installed program, uninstall.
    local target='C:\punchdrop-check' unix
    unix=$(winepath -u "$target" 2>/dev/null)
    rm -rf "$unix"
    timeout 120 wine "$installer" /S "/D=$target" || { say "FAIL: the installer"; return 1; }
    local answer
    answer=$(timeout 60 wine "$target\\bin\\punchdrop-cli.exe" --version | tr -d '\r')
    [ "$answer" = "punchdrop $version" ] ||
        { say "FAIL: installed punchdrop-cli.exe --version said '$answer'"; return 1; }
    say "installed punchdrop-cli.exe --version: $answer"
    # _?= runs the uninstaller in place and waits for it (else it copies itself and returns).
    timeout 120 wine "$target\\Uninstall.exe" /S "_?=$target" || { say "FAIL: the uninstaller"; return 1; }
    [ ! -e "$unix/bin/punchdrop.exe" ] || { say "FAIL: uninstall left bin/punchdrop.exe"; return 1; }
    rm -rf "$unix"
    say "uninstalled"
}
if ! package; then
    say "FAIL: packaging"
    failed=1
fi

say "done in $(($(date +%s) - start)) s: $([ $failed = 0 ] && echo passed || echo FAILED)"
exit $failed
