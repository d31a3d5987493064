#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the committed raster icons from resources/icons/punchdrop.svg:
#   resources/icons/punchdrop-<N>.png  (N = 16 24 32 48 64 128 256 512; hicolor theme, Qt resources)
#   resources/icons/punchdrop.ico      (Windows: 16..256 px, PNG-compressed entries)
#   resources/icons/punchdrop.icns     (macOS bundle icon: 16..512 px and their @2x, to 1024 px)
# The build uses the committed files and does not need these tools:
#   apt-get install -y librsvg2-bin python3
set -euo pipefail
cd "$(dirname "$0")/../../resources/icons"

for n in 16 24 32 48 64 128 256 512; do
    rsvg-convert --width "$n" --height "$n" punchdrop.svg --output "punchdrop-$n.png"
done

python3 - <<'PY'
import struct
sizes = [16, 24, 32, 48, 64, 128, 256]
blobs = [open(f"punchdrop-{n}.png", "rb").read() for n in sizes]
header = struct.pack("<HHH", 0, 1, len(sizes))
offset = len(header) + 16 * len(sizes)
entries = b""
for n, blob in zip(sizes, blobs):
    dim = 0 if n >= 256 else n                       # 0 means 256 in an ICONDIRENTRY
    entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
    offset += len(blob)
with open("punchdrop.ico", "wb") as f:
    f.write(header + entries + b"".join(blobs))
PY

# The .icns: PNG entries only (macOS 10.7+; the bundle needs 12+), with the Retina (@2x) sizes:
# icp4 16, icp5 32, ic07 128, ic08 256, ic09 512; ic11 16@2x, ic12 32@2x, ic13 128@2x,
# ic14 256@2x, ic10 512@2x (1024 px, rendered for this file only).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rsvg-convert --width 1024 --height 1024 punchdrop.svg --output "$tmp/punchdrop-1024.png"
python3 - "$tmp/punchdrop-1024.png" <<'PY'
import struct, sys
files = {n: f"punchdrop-{n}.png" for n in (16, 32, 64, 128, 256, 512)}
files[1024] = sys.argv[1]
entries = [("icp4", 16), ("icp5", 32), ("ic07", 128), ("ic08", 256), ("ic09", 512),
           ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512), ("ic10", 1024)]
body = b""
for kind, n in entries:
    blob = open(files[n], "rb").read()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", blob[16:24]) == (n, n), kind
    body += kind.encode() + struct.pack(">I", 8 + len(blob)) + blob
with open("punchdrop.icns", "wb") as f:
    f.write(b"icns" + struct.pack(">I", 8 + len(body)) + body)
PY
ls -l punchdrop-*.png punchdrop.ico punchdrop.icns
