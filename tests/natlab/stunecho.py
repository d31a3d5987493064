#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The smallest STUN Binding responder (RFC 5389): answers every Binding request with a success
response carrying XOR-MAPPED-ADDRESS, from the address it was asked on, ignoring CHANGE-REQUEST.

For the NAT lab's miniupnpd (ext_perform_stun): its STUN test wants four answers, the change
requests included, and takes a missing one for a filtering upstream NAT. The router in the lab IS
the edge, so an echo from the same address is the truthful answer to "what is my address".

Usage: stunecho.py ADDRESS PORT
"""
import socket
import struct
import sys

MAGIC = 0x2112A442


def answer(request, source):
    if len(request) < 20:
        return None
    kind, _length, cookie = struct.unpack("!HHI", request[:8])
    if kind != 0x0001 or cookie != MAGIC:
        return None
    transaction = request[8:20]
    ip = struct.unpack("!I", socket.inet_aton(source[0]))[0]
    attr = struct.pack("!HHBBHI", 0x0020, 8, 0, 1, source[1] ^ (MAGIC >> 16), ip ^ MAGIC)
    return struct.pack("!HHI", 0x0101, len(attr), MAGIC) + transaction + attr


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((sys.argv[1], int(sys.argv[2])))
    print("stunecho: listening on %s:%s" % (sys.argv[1], sys.argv[2]), flush=True)
    while True:
        request, source = sock.recvfrom(2048)
        reply = answer(request, source)
        if reply:
            sock.sendto(reply, source)


if __name__ == "__main__":
    main()
