#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Saves screenshots of the desktop app into docs/screenshots/, from real processes under Xvfb
# with a window manager (openbox) and a system tray (trayer): one rendezvous server on
# 127.0.0.1, two desktop apps ("Mei laptop" and "Lin desktop", which find each other through
# that server) and a CLI peer ("Studio PC") that sends through the server's rate-limited relay,
# so its transfer is caught mid-way.
#
#   first-start.png           a fresh config dir: the welcome panel (Lin)
#   settings.png              the settings dialog (Mei)
#   verify-sender.png         Mei sends to Lin for the first time: the large verification code
#   verify-receiver.png       Lin's prompt for that offer, with the same code
#   transfer-midway.png       Mei receiving from Studio PC: progress, speed, time left, path
#   transfer-stalled.png      Mei's send to Lin while Lin is stopped (SIGSTOP): "Stalled"
#   contacts.png              Mei's Contacts page (File → Contacts…), after both transfers
#   tray.png                  the tray icon and its balloon after Mei's window is closed
#   history.png               Mei restarted: the finished rows, restored from history.json
#   main-window-zh_CN.png     Lin restarted in Simplified Chinese (its history included)
#   main-window-zh_TW.png     the same in Traditional Chinese
#
# On the way it checks, and prints, what the window manager and the tray do: trayer starts after
# the apps and gets both their icons, closing Mei's window hides it to the tray, and a second launch with a file
# (`punchdrop --config-dir … FILE`) brings the window back, raised and active.
#
# Usage: scripts/screenshots.sh [path/to/punchdrop]   (default: build/dev/src/app/punchdrop)
#        KEEP_WORK=1 keeps the temporary directory with every process's log.
# Needs: Xvfb, openbox, trayer, xwininfo and xprop (x11-utils), import and convert
# (imagemagick), xdotool (to press the keys a person would), and a CJK font for the Chinese
# screenshots (Debian: fonts-wqy-microhei or fonts-noto-cjk). scripts/install-deps.sh installs
# them. Every wait is bounded; every process it starts is stopped by its PID on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${PUNCHDROP:-$here/build/dev/src/app/punchdrop}}
out=$here/docs/screenshots
[ -x "$bin" ] || { echo "screenshots: no punchdrop binary at $bin" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
for tool in Xvfb openbox trayer xwininfo xprop import convert xdotool python3; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing" >&2; exit 2; }
done

if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    echo "screenshots: no Chinese font installed (apt-get install fonts-wqy-microhei)" >&2
    exit 2
fi

started=$SECONDS
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -CONT "$pid" 2>/dev/null || true # a stopped process cannot act on SIGTERM
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "screenshots: logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

say() { echo "screenshots: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Polls (bounded) until "$@" succeeds.
wait_for() { # seconds what command...
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "screenshots: $what: not after $limit s" >&2
            return 1
        fi
        sleep 0.2
    done
}

# The visible windows of process $2 whose title matches $1 (a bash regular expression, case
# sensitive: xdotool's own match ignores case, and the tray icon's window is called "punchdrop").
windows_of() { # title pid
    local id
    for id in $(xdotool search --all --onlyvisible --pid "$2" --name . 2>/dev/null); do
        [[ "$(xdotool getwindowname "$id" 2>/dev/null)" =~ $1 ]] && echo "$id"
    done
    return 0
}

# Waits (bounded) until a visible window titled $1 of process $2 exists; prints its id.
wait_window() { # title pid [seconds]
    local title=$1 pid=$2 limit=${3:-20} id
    local deadline=$((SECONDS + limit))
    while [ $SECONDS -lt $deadline ]; do
        id=$(windows_of "$title" "$pid" | head -1)
        if [ -n "$id" ]; then echo "$id"; return 0; fi
        sleep 0.2
    done
    echo "screenshots: no window \"$title\" after $limit s" >&2
    return 1
}

# Waits (bounded) for process $1 to exit.
wait_exit() { # pid seconds
    local deadline=$((SECONDS + $2))
    while kill -0 "$1" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

# Types keys into a window: the window manager activates it (_NET_ACTIVE_WINDOW), then the
# keys go through XTEST, which Qt treats like a real keyboard.
press() { # window-id keys...
    local id=$1
    shift
    xdotool windowactivate --sync "$id" >/dev/null 2>&1 || xdotool windowfocus "$id" 2>/dev/null || true
    sleep 0.3
    xdotool key --delay 80 "$@"
}
type_text() { # window-id text
    xdotool windowactivate --sync "$1" >/dev/null 2>&1 || true
    xdotool type --delay 60 "$2"
}

# Saves window $1 with its openbox frame (title bar) as $2, scaled to at most $3 pixels wide.
shoot() { # window-id file [max-width]
    local id=$1 file=$2 width=${3:-900}
    xdotool windowactivate --sync "$id" >/dev/null 2>&1 || xdotool windowraise "$id" >/dev/null 2>&1 || true
    sleep 0.8 # repaint after raising
    # never without -window: import would wait for a click
    timeout 15 import -frame -window "$id" "$work/shot.png"
    convert "$work/shot.png" -resize "${width}x>" -strip "$out/$file"
    say "wrote docs/screenshots/$file ($(identify -format '%wx%h' "$out/$file"))"
}

# The download folder holds a partial file ("…pdpart") bigger than $2 bytes.
partial_over() { # dir bytes
    local f
    for f in "$1"/.*pdpart* "$1"/*pdpart*; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt "$2" ] && return 0
    done
    return 1
}

# --- X server, window manager, tray ---------------------------------------------------------
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS # no desktop bus: Qt's tray icon takes the XEmbed tray (trayer)
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=$display QT_QPA_PLATFORM=xcb
wait_for 10 "Xvfb on $display" xwininfo -root || exit 1

openbox --sm-disable >"$work/openbox.log" 2>&1 &
pids+=($!)
wm_ready() { xprop -root _NET_SUPPORTING_WM_CHECK | grep -q 'window id'; }
wait_for 10 "openbox" wm_ready || exit 1

say "Xvfb $display and openbox are up"

# --- server and the two apps ----------------------------------------------------------------
port=$(free_port)
# ~2 MB/s through the relay: Studio PC's file is still on its way when the screenshot is taken.
"$bin" --server --listen "127.0.0.1:$port" --relay-rate 2000000 >"$work/server.log" 2>&1 &
pids+=($!)
wait_for 10 "the server on 127.0.0.1:$port" \
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || exit 1

# Nothing leaves loopback: the apps meet through the server on 127.0.0.1, with LAN discovery
# (multicast on every interface) and port mapping (the LAN's gateway) off.
write_settings() { # dir name language [welcomeDone]
    mkdir -p "$1" "$1-downloads"
    cat >"$1/settings.ini" <<INI
[profile]
displayName=$2

[ui]
language=$3
startMinimized=false
welcomeDone=${4:-true}

[network]
serverAddress=127.0.0.1:$port
lanDiscovery=false
portMapping=false

[transfers]
downloadDir=$1-downloads
INI
}

start_app() { # config-dir log; sets $app_pid
    "$bin" --config-dir "$1" --no-port-map >>"$2" 2>&1 &
    app_pid=$!
    pids+=($app_pid)
}

write_settings "$work/mei" "Mei laptop" en
write_settings "$work/lin" "Lin desktop" en false # a first start: the welcome panel
start_app "$work/mei" "$work/mei.log"
mei=$app_pid
start_app "$work/lin" "$work/lin.log"
lin=$app_pid
main=$(wait_window '^PunchDrop$' "$mei")
main_lin=$(wait_window '^PunchDrop$' "$lin")
xdotool windowsize "$main" 900 600 windowmove "$main" 20 40 >/dev/null 2>&1 || true
xdotool windowsize "$main_lin" 900 600 windowmove "$main_lin" 680 380 >/dev/null 2>&1 || true
sleep 1

status=0
check() { # what command...: prints what it saw; a failure counts, but the shots go on
    local what=$1
    shift
    if "$@"; then say "seen: $what"; else say "NOT seen: $what" >&2; status=1; fi
}

# The tray comes after the apps, as it may on a desktop session: each app notices it (it checks
# every 2 s) and puts its icon there.
trayer --edge top --align right --widthtype request --height 28 --SetDockType true \
    --transparent false --tint 0x303030 >"$work/trayer.log" 2>&1 &
trayer_pid=$!
pids+=($trayer_pid)
# trayer owns the _NET_SYSTEM_TRAY_S0 selection (what Qt looks for) once it is ready.
tray_owner() { python3 - <<'PY'
import ctypes, ctypes.util, sys
x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11"))
x.XOpenDisplay.restype = ctypes.c_void_p
d = x.XOpenDisplay(None)
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XGetSelectionOwner.restype = ctypes.c_ulong
x.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
owner = x.XGetSelectionOwner(d, x.XInternAtom(d, b"_NET_SYSTEM_TRAY_S0", 0))
sys.exit(0 if owner else 1)
PY
}
wait_for 10 "trayer owning the system tray" tray_owner || exit 1
say "trayer is up, after the apps"
# The tray icons: trayer's panel holds each embedded icon window (named "punchdrop").
two_icons() {
    local panel
    panel=$(xdotool search --all --pid "$trayer_pid" --name '^panel$' | head -1)
    [ -n "$panel" ] && [ "$(xwininfo -tree -id "$panel" | grep -c '"punchdrop"')" -ge 2 ]
}
check "both apps' icons embedded in trayer's panel, which started after them" wait_for 15 "two tray icons" two_icons

shoot "$main_lin" first-start.png

# Settings, while nothing else is open.
press "$main" ctrl+comma
settings=$(wait_window '^Settings$' "$mei")
shoot "$settings" settings.png 700
press "$settings" Escape

# --- a transfer mid-way: Studio PC sends to Mei through the relay ---------------------------
head -c 48M /dev/urandom >"$work/holiday-video.mkv"
"$bin" send --server "127.0.0.1:$port" --config-dir "$work/studio" --name "Studio PC" \
    --relay-only --no-upgrade --no-port-map --to "Mei laptop" "$work/holiday-video.mkv" \
    >"$work/send.log" 2>&1 &
pids+=($!)
if prompt=$(wait_window '^Incoming files from' "$mei" 30); then
    press "$prompt" Return # Accept is the default button
    wait_for 30 "Studio PC's bytes arriving" partial_over "$work/mei-downloads" 4000000 || status=1
    shoot "$main" transfer-midway.png
else
    say "the offer never reached the app; the sender said:" >&2
    sed 's/^/    /' "$work/send.log" >&2
    status=1
fi

# --- Mei → Lin: the window manager, the tray and both sides of the verification code --------
# Closing the window with a tray hides it; a second launch with a file brings it back.
press "$main" alt+F4 # openbox's Close: WM_DELETE_WINDOW, as the title bar's × sends
hidden() { [ -z "$(windows_of '^PunchDrop$' "$mei")" ]; }
if wait_for 10 "Mei's window hidden" hidden; then
    say "seen: closing Mei's window hides it to the tray"
    # The tray and the balloon Qt shows there the first time (no desktop bus: its own popup).
    sleep 1
    timeout 15 import -window root -crop 420x110+1180+0 +repage "$out/tray.png"
    say "wrote docs/screenshots/tray.png"
else
    say "NOT seen: closing Mei's window hides it to the tray" >&2
    status=1
fi
head -c 1G /dev/zero >"$work/site-backup.tar"
"$bin" --config-dir "$work/mei" "$work/site-backup.tar" >"$work/second-launch.log" 2>&1 &
second=$!
pids+=($second)
check "a second launch exits at once (handed over)" wait_exit "$second" 15
main=$(wait_window '^PunchDrop$' "$mei" 10) || status=1
active_is_mei() { [ "$(xdotool getactivewindow)" = "$main" ]; }
check "a second launch brings the window back, active" wait_for 5 "Mei active" active_is_mei

press "$main" ctrl+f
find=$(wait_window '^Find a device' "$mei" 10)
type_text "$find" "Lin desktop"
press "$find" Return
sleep 1
press "$main" ctrl+o # "Send files…" with the file waiting: sends it to the selected contact
if prompt_lin=$(wait_window '^Incoming files from' "$lin" 30); then
    sleep 1
    shoot "$main" verify-sender.png
    shoot "$prompt_lin" verify-receiver.png 700
    press "$prompt_lin" Return
    # Stop Lin as soon as its bytes flow: Mei's row stalls.
    if wait_for 60 "Mei's bytes reaching Lin" partial_over "$work/lin-downloads" 1000000; then
        kill -STOP "$lin"
        sleep 13 # the model calls a row "Stalled" after 10 s without a byte
        shoot "$main" transfer-stalled.png
    else
        status=1
    fi
else
    say "Mei's offer never reached Lin" >&2
    status=1
fi

# --- let both transfers end, then restart: history ------------------------------------------
kill -CONT "$lin"
done_file() { [ -f "$1" ] && [ "$(stat -c %s "$1")" -eq "$(stat -c %s "$2")" ]; }
wait_for 90 "Studio PC's file complete" done_file "$work/mei-downloads/holiday-video.mkv" \
    "$work/holiday-video.mkv" || status=1
wait_for 90 "Mei's file complete at Lin" done_file "$work/lin-downloads/site-backup.tar" \
    "$work/site-backup.tar" || status=1
sleep 2

# --- the Contacts page ----------------------------------------------------------------------
press "$main" alt+f c
if contacts=$(wait_window '^Contacts' "$mei" 10); then
    xdotool windowsize "$contacts" 900 360 >/dev/null 2>&1 || true
    sleep 0.8
    shoot "$contacts" contacts.png
    press "$contacts" Escape
    sleep 0.5
else
    status=1
fi

press "$main" ctrl+q
wait_exit "$mei" 15 || { say "Mei did not quit" >&2; kill "$mei"; status=1; }
start_app "$work/mei" "$work/mei.log"
mei=$app_pid
main=$(wait_window '^PunchDrop$' "$mei")
xdotool windowsize "$main" 900 600 windowmove "$main" 20 40 >/dev/null 2>&1 || true
sleep 1.5
shoot "$main" history.png

# --- Lin in Chinese: restarted with its language setting ------------------------------------
restart_lin() { # language name
    press "$main_lin" ctrl+q
    wait_exit "$lin" 15 || { kill "$lin"; wait_exit "$lin" 5 || true; }
    sed -i -e "s/^language=.*/language=$1/" -e "s/^displayName=.*/displayName=$2/" \
        -e "s/^welcomeDone=.*/welcomeDone=true/" "$work/lin/settings.ini"
    start_app "$work/lin" "$work/lin.log"
    lin=$app_pid
    main_lin=$(wait_window '^PunchDrop$' "$lin")
    xdotool windowsize "$main_lin" 900 600 windowmove "$main_lin" 680 380 >/dev/null 2>&1 || true
    sleep 1.5
}
restart_lin zh_CN "林的电脑"
shoot "$main_lin" main-window-zh_CN.png
restart_lin zh_TW "林的電腦"
shoot "$main_lin" main-window-zh_TW.png

say "done in $((SECONDS - started)) s"
exit $status
