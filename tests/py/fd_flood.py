#!/usr/bin/env python3
"""Fill a proxy up to its descriptor limit and past it, for the proxy's
limit test: tunnels until the first refusal, then refused clients that
linger, then some tunnels closed and new clients.  Prints one line per
phase, "PHASE 101:N 503:N 502:N none:N", where none is a connection
closed without an answer.  Every client is bounded in time.

    fd_flood.py PORT
"""
import socket
import sys
import time

port = int(sys.argv[1])
UPG = (b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(UPG)
    return s


def status(s):
    buf = b""
    try:
        while b"\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                break
            buf += d
    except (socket.timeout, ConnectionResetError):
        pass
    return buf.split(b" ", 2)[1].decode() if buf.startswith(b"HTTP/1.1 ") else "none"


def report(name, codes):
    counts = {"101": 0, "503": 0, "502": 0, "none": 0}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    print(name, " ".join("%s:%d" % kv for kv in counts.items()), flush=True)


# tunnels, one after the other, until the first refusal
tunnels, codes = [], []
while len(tunnels) < 400:
    s = connect()
    codes.append(status(s))
    tunnels.append(s)
    if codes[-1] != "101":
        break
report("fill", codes)
# 40 clients at once, past the limit (refused with 503 while descriptors
# for that remain, then closed unanswered); while they wait, 10 tunnels
# end and free their slots and descriptors
waiting = [connect() for _ in range(40)]
for s in tunnels[:10]:
    s.close()
report("waiting", [status(s) for s in waiting])
time.sleep(2.5)	# the refusals' lingering is over
after = [connect() for _ in range(5)]
report("after", [status(s) for s in after])
for s in tunnels[10:] + waiting + after:
    s.close()
