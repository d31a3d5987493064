# shellcheck shell=bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the LAN namespace tests (sourced, not run).

# lan_require WHAT TOOL...: root and the tools, or a clear exit. Without root the test skips
# (ctest exit code 77), except under CI=true, where a skip would hide that nothing ran.
lan_require() {
    local what=$1
    shift
    if [ "$(id -u)" != 0 ]; then
        if [ "${CI:-}" = true ]; then
            echo "FAIL: $what needs root (ip netns); CI must run it as root" >&2
            exit 1
        fi
        echo "SKIP: $what needs root (ip netns)" >&2
        exit 77
    fi
    local tool
    for tool in "$@"; do
        command -v "$tool" > /dev/null || { echo "FAIL: $tool not found" >&2; exit 1; }
    done
}
