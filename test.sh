#!/usr/bin/env bash
# ./test.sh [CTEST ARGS...] — the same set-up as run.sh, then build and run the whole suite
# (unit, integration, GUI on the offscreen platform, NAT lab when root). Exits non-zero on any
# failure. Under CI=true warnings are errors and tests needing root must run, not skip, and the
# unit and GUI tests run a second time under AddressSanitizer + UndefinedBehaviorSanitizer (the `asan`
# preset; only the targets they need are built; PUNCHDROP_ASAN=0 skips that pass). The format
# check and tst_transferlarge (label large, 5 GiB) run in the first pass only. Last, the Windows
# cross build and its tests under Wine, when the Windows Qt prefix is cached (see the end).
set -euo pipefail
cd "$(dirname "$0")"
if [ "${CI:-}" = "true" ]; then PRESET="${PUNCHDROP_PRESET:-ci}"; else PRESET="${PUNCHDROP_PRESET:-dev}"; fi
scripts/install-deps.sh
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET"
ctest --preset "$PRESET" -j2 "$@"
if [ "${CI:-}" = "true" ] && [ "${PUNCHDROP_ASAN:-1}" != "0" ]; then
    asan_start=$(date +%s)
    cmake --preset asan >/dev/null
    cmake --build --preset asan --target punchdrop_unit_tests punchdrop_gui_tests
    asan_built=$(date +%s)
    ctest --preset asan -j2 -L unit -LE "format|large"
    # The GUI tests for memory errors (a use-after-free in a window's teardown hung a test at
    # exit once); LeakSanitizer stays with the unit tests: a GUI test ends while the engine's
    # NAT probe still waits on its timer, and that coroutine frame is still held at exit
    # (the asan-gui test preset: the asan one without detect_leaks).
    ctest --preset asan-gui -j2 -L gui
    echo "ASan + UBSan pass: build $((asan_built - asan_start)) s, unit + GUI tests $(($(date +%s) - asan_built)) s"
fi
# Tier 1 of the Windows proof, when this machine has the cached Windows Qt prefix (built once by
# scripts/build-windows.sh, 30-60 min; a fresh machine cannot afford that here): the cross build,
# its tests under Wine (but scripts/windows/wine-exclusions.txt), the NSIS and ZIP packages with
# a silent install, and the Windows-against-Linux transfers with this build's punchdrop. Without
# the prefix it says so in one line. PUNCHDROP_WINDOWS=0 skips it.
if [ "${PUNCHDROP_WINDOWS:-1}" != "0" ]; then
    scripts/build-windows.sh --if-cached --native "$PWD/build/$PRESET/src/app/punchdrop"
fi
