#!/usr/bin/env bash
# ./run.sh [ARGS...] — install missing build dependencies, configure, build incrementally, then
# start `punchdrop ARGS...` (no arguments: the desktop app).
set -euo pipefail
cd "$(dirname "$0")"
PRESET="${PUNCHDROP_PRESET:-dev}"
scripts/install-deps.sh --build-only
[ -f "build/$PRESET/build.ninja" ] || cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET" --target punchdrop >&2
exec "build/$PRESET/src/app/punchdrop" "$@"
