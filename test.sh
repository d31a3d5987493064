#!/usr/bin/env bash
# ./test.sh [CTEST ARGS...] — the same set-up as run.sh, then build and run the whole suite
# (unit, integration, GUI on the offscreen platform, NAT lab when root). Exits non-zero on any
# failure. Under CI=true warnings are errors and tests needing root must run, not skip.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${CI:-}" = "true" ]; then PRESET="${PUNCHDROP_PRESET:-ci}"; else PRESET="${PUNCHDROP_PRESET:-dev}"; fi
scripts/install-deps.sh
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET"
ctest --preset "$PRESET" -j2 "$@"
# Tier 1 of the Windows proof: the full cross build and its tests under Wine, only where the
# cached Windows Qt prefix exists (scripts/build-windows.sh builds it once; about an hour).
if [ $# -eq 0 ]; then scripts/build-windows.sh --if-cached; fi
