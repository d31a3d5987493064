#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The committed icons (make-icons.sh) hold every size the platforms ask for (ctest icon_check).

check-icons.py ICON_DIR: punchdrop.icns must have the PNG entries of 16..512 px and their Retina
(@2x) twins up to 1024 px, each a PNG of the size its type names; punchdrop.ico the 16..256 px
PNG entries. Prints what is wrong and exits 1.
"""
import struct
import sys
from pathlib import Path

ICNS_SIZES = {"icp4": 16, "icp5": 32, "ic07": 128, "ic08": 256, "ic09": 512,
              "ic11": 32, "ic12": 64, "ic13": 256, "ic14": 512, "ic10": 1024}
ICO_SIZES = {16, 24, 32, 48, 64, 128, 256}
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(blob):
    if blob[:8] != PNG or blob[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", blob[16:24])


def icns_problems(data):
    if data[:4] != b"icns" or struct.unpack(">I", data[4:8])[0] != len(data):
        return ["punchdrop.icns: not an icns file, or its length field is wrong"]
    found, problems, at = {}, [], 8
    while at + 8 <= len(data):
        kind = data[at:at + 4].decode("latin-1")
        length = struct.unpack(">I", data[at + 4:at + 8])[0]
        if length < 8 or at + length > len(data):
            return problems + [f"punchdrop.icns: entry {kind} runs past the end"]
        found[kind] = png_size(data[at + 8:at + length])
        at += length
    for kind, n in ICNS_SIZES.items():
        if found.get(kind) != (n, n):
            problems.append(f"punchdrop.icns: {kind} must be a {n}x{n} PNG, is {found.get(kind)}")
    return problems


def ico_problems(data):
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    if reserved != 0 or kind != 1:
        return ["punchdrop.ico: not an icon file"]
    sizes = set()
    for i in range(count):
        _, _, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i:22 + 16 * i])
        size = png_size(data[offset:offset + length])
        if size and size[0] == size[1]:
            sizes.add(size[0])
    missing = sorted(ICO_SIZES - sizes)
    return [f"punchdrop.ico: no PNG entry of {missing} px"] if missing else []


def main():
    folder = Path(sys.argv[1])
    problems = icns_problems((folder / "punchdrop.icns").read_bytes())
    problems += ico_problems((folder / "punchdrop.ico").read_bytes())
    for problem in problems:
        print(problem)
    print("icon_check:", "FAIL" if problems else "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
