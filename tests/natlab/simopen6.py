#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""One side of a TCP simultaneous open (no listener anywhere): bind a fixed local port with
SO_REUSEADDR, wait for a shared start time, then connect() to the peer's fixed endpoint, one
attempt per --attempt seconds (a fresh socket on the same port each time; SYN_SENT leaves no
TIME_WAIT behind), until --deadline. Once connected, send --bytes bytes derived from --name
(in a thread, so two big sends cannot block each other), half-close, read the peer's bytes to EOF
and check them against what --peer-name would send.

For the NAT lab's IPv6 self-test (case_lab6_selftest.sh): two hosts behind two stateful IPv6
firewalls. Works for IPv4 addresses too. Prints one line "ok key=value ..." or "FAIL ...";
exit status 0 only when bytes flowed both ways intact.

Usage: simopen6.py --bind ADDR PORT --peer ADDR PORT --name NAME --peer-name NAME
                   [--start EPOCH_SECONDS] [--attempt SECONDS] [--deadline SECONDS] [--bytes N]
"""
import argparse
import errno
import hashlib
import signal
import socket
import sys
import threading
import time


def payload(name, size):
    """size bytes: sha256 blocks of NAME|counter, so each side's bytes are distinct."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(f"{name}|{i}".encode()).digest()
        i += 1
    return bytes(out[:size])


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", nargs=2, required=True, metavar=("ADDR", "PORT"))
    ap.add_argument("--peer", nargs=2, required=True, metavar=("ADDR", "PORT"))
    ap.add_argument("--name", required=True)
    ap.add_argument("--peer-name", required=True)
    ap.add_argument("--start", type=float, default=0.0)
    ap.add_argument("--attempt", type=float, default=1.0)
    ap.add_argument("--deadline", type=float, default=8.0, help="seconds after --start")
    ap.add_argument("--bytes", type=int, default=256 * 1024)
    a = ap.parse_args()

    # hard stop whatever happens (a stuck recv, a clock jump): deadline + 5 s from now
    start = a.start if a.start > 0 else time.time()
    budget = max(0.0, start - time.time()) + a.deadline + 5
    signal.signal(signal.SIGALRM, lambda *_: (print(f"FAIL name={a.name} reason=alarm", flush=True),
                                               sys.exit(3)))
    signal.alarm(int(budget) + 1)

    local = (a.bind[0], int(a.bind[1]))
    peer = (a.peer[0], int(a.peer[1]))
    fam = family(peer[0])
    wait = start - time.time()
    if wait > 0:
        time.sleep(min(wait, a.deadline))
    t0 = time.time()
    end = start + a.deadline

    sock = None
    attempts = 0
    errors = []
    while time.time() < end:
        attempts += 1
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(local)
            s.settimeout(max(0.05, min(a.attempt, end - time.time())))
            s.connect(peer)
            sock = s
            break
        except socket.timeout:
            errors.append("timeout")
        except OSError as e:
            errors.append(errno.errorcode.get(e.errno, str(e.errno)))
            time.sleep(0.05)  # refused / unreachable come back at once: do not spin
        s.close()
    if sock is None:
        print(f"FAIL name={a.name} reason=no-connection attempts={attempts} "
              f"errors={','.join(errors[-5:])}", flush=True)
        return 1
    connect_s = time.time() - t0
    remote = sock.getpeername()[:2]

    mine = payload(a.name, a.bytes)
    want = payload(a.peer_name, a.bytes)
    sock.settimeout(max(0.5, end + 3 - time.time()))
    send_err = []

    def sender():
        try:
            sock.sendall(mine)
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            send_err.append(str(e))

    th = threading.Thread(target=sender, daemon=True)
    th.start()
    got = bytearray()
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError as e:
        send_err.append(f"recv: {e}")
    th.join(timeout=max(0.5, end + 3 - time.time()))
    sock.close()
    ok = bytes(got) == want and not send_err and not th.is_alive()
    print(f"{'ok' if ok else 'FAIL'} name={a.name} attempts={attempts} connect_s={connect_s:.3f} "
          f"local=[{local[0]}]:{local[1]} remote=[{remote[0]}]:{remote[1]} sent={len(mine)} "
          f"received={len(got)} intact={'yes' if bytes(got) == want else 'no'} "
          f"errors={','.join(errors[-5:] + send_err) or '-'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
