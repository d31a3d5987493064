#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Saves screenshots of the desktop app into docs/screenshots/, from real processes under Xvfb:
# one rendezvous server, two desktop apps ("Mei laptop" in English, "林的电脑" in Simplified
# Chinese) and two CLI peers ("Studio PC", "Studio NAS") that send each of them a file through
# a rate-limited relay, so the transfers are caught mid-way.
#
#   settings.png          the settings dialog
#   incoming-prompt.png   the accept / decline prompt for the offer
#   main-window.png       the app with its contact list and the transfer in progress
#   main-window-zh_CN.png the same in Simplified Chinese
#
# Usage: scripts/screenshots.sh [path/to/punchdrop]   (default: build/gui/src/app/punchdrop)
#        KEEP_WORK=1 keeps the temporary directory with every process's log.
# Needs: Xvfb, xwininfo (x11-utils), import (imagemagick), xdotool (to press Accept and open
# the settings, as there is no window manager or person to do it), and a CJK font for the
# Chinese screenshot (Debian: fonts-wqy-microhei or fonts-noto-cjk).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${PUNCHDROP:-$here/build/gui/src/app/punchdrop}}
out=$here/docs/screenshots
[ -x "$bin" ] || { echo "screenshots: no punchdrop binary at $bin" >&2; exit 2; }
for tool in Xvfb xwininfo import xdotool python3; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing" >&2; exit 2; }
done

if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    echo "screenshots: no Chinese font installed (apt-get install fonts-wqy-microhei)" >&2
    exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "screenshots: logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (bounded) until a visible window titled $1 (a regular expression) of process $2 exists;
# prints its id.
wait_window() { # title pid [seconds]
    local title=$1 pid=$2 limit=${3:-20} id
    local deadline=$((SECONDS + limit))
    while [ $SECONDS -lt $deadline ]; do
        id=$(xdotool search --all --onlyvisible --pid "$pid" --name "$title" 2>/dev/null | head -1)
        if [ -n "$id" ]; then echo "$id"; return 0; fi
        sleep 0.2
    done
    echo "screenshots: no window \"$title\" after $limit s" >&2
    return 1
}

# Types keys into a window: focus it (XSetInputFocus; there is no window manager) and send the
# keys through XTEST, which Qt treats like a real keyboard.
press() { # window-id keys...
    local id=$1
    shift
    xdotool windowfocus --sync "$id" 2>/dev/null || xdotool windowfocus "$id"
    xdotool key --delay 50 "$@"
}

shoot() { # window-id file
    xdotool windowraise "$1" >/dev/null 2>&1 || true
    sleep 0.5 # repaint after raising
    timeout 15 import -window "$1" "$out/$2"   # never without -window: import would wait for a click
    echo "screenshots: wrote docs/screenshots/$2"
}

display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1920x1200x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=$display QT_QPA_PLATFORM=xcb
deadline=$((SECONDS + 10))
until xwininfo -root >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "screenshots: Xvfb did not start" >&2; exit 1; }
    sleep 0.2
done

port=$(free_port)
# ~2 MB/s through the relay: the file below is still on its way when the screenshot is taken.
"$bin" --server --listen "127.0.0.1:$port" --relay-rate 2000000 >"$work/server.log" 2>&1 &
pids+=($!)

write_settings() { # dir name language
    mkdir -p "$1" "$1-downloads"
    cat >"$1/settings.ini" <<INI
[profile]
displayName=$2

[ui]
language=$3
startMinimized=false

[network]
serverAddress=127.0.0.1:$port

[transfers]
downloadDir=$1-downloads
INI
}

write_settings "$work/mei" "Mei laptop" en
write_settings "$work/lin" "林的电脑" zh_CN
"$bin" --config-dir "$work/mei" >"$work/mei.log" 2>&1 &
mei=$!
pids+=($mei)
"$bin" --config-dir "$work/lin" >"$work/lin.log" 2>&1 &
lin=$!
pids+=($lin)
main=$(wait_window '^PunchDrop$' "$mei")
main_zh=$(wait_window '^PunchDrop$' "$lin")
xdotool windowsize "$main" 900 560 >/dev/null 2>&1 || true
xdotool windowsize "$main_zh" 900 560 >/dev/null 2>&1 || true
# No window manager: windows open at 0,0. Keep the two apps apart.
xdotool windowmove "$main_zh" 960 620 >/dev/null 2>&1 || true

# Settings first, while nothing else is open.
press "$main" ctrl+comma
settings=$(wait_window '^Settings$' "$mei")
sleep 0.5
shoot "$settings" settings.png
press "$settings" Escape

# Two more devices send a 256 MiB file to each app through the relay (~2 min at its rate), one
# after the other. Each has its own config dir: one running client per identity.
head -c 256M /dev/urandom >"$work/holiday-video.mkv"
send() { # to-name from-name
    "$bin" send --server "127.0.0.1:$port" --config-dir "$work/sender-$RANDOM" --name "$2" \
        --relay-only --to "$1" "$work/holiday-video.mkv" >>"$work/send.log" 2>&1 &
    pids+=($!)
}

status=0
send "Mei laptop" "Studio PC"
if prompt=$(wait_window '^Incoming files from' "$mei" 30); then
    sleep 0.5 # let it paint
    shoot "$prompt" incoming-prompt.png
    press "$prompt" Return # Accept is the default button
else
    echo "screenshots: the offer never reached the app; the sender said:" >&2
    sed 's/^/    /' "$work/send.log" >&2
    status=1
fi
send "林的电脑" "Studio NAS"
if prompt_zh=$(wait_window '来自' "$lin" 30); then
    press "$prompt_zh" Return
else
    status=1
fi
sleep 3 # let the progress move
shoot "$main" main-window.png
shoot "$main_zh" main-window-zh_CN.png
exit $status
