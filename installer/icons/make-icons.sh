#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the committed raster icons from resources/icons/punchdrop.svg:
#   resources/icons/punchdrop-<N>.png  (N = 16 24 32 48 64 128 256 512; hicolor theme, Qt resources)
#   resources/icons/punchdrop.ico      (Windows: 16..256 px, PNG-compressed entries)
#   resources/icons/punchdrop.icns     (macOS bundle icon: 16..512 px)
# The build uses the committed files and does not need these tools:
#   apt-get install -y librsvg2-bin icnsutils python3
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

png2icns punchdrop.icns punchdrop-16.png punchdrop-32.png punchdrop-48.png \
    punchdrop-128.png punchdrop-256.png punchdrop-512.png >/dev/null
ls -l punchdrop-*.png punchdrop.ico punchdrop.icns
