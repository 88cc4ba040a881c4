#!/usr/bin/env python3
"""A plain HTTP/1.1 backend with a chosen (mis)behaviour, for the proxy's
hardening tests.  It prints "PORT n" first, then serves until killed, and
appends every byte it receives to LOG (so a test can assert what the
proxy did NOT forward).

    http_backend.py MODE LOG

MODE:
  plain        keep-alive 200 to every request head, ignoring Upgrade
  refuse       403 with keep-alive to every request
  noaccept     101 without Sec-WebSocket-Accept
  badaccept    101 with a wrong Sec-WebSocket-Accept
  cl-conflict  200 with Content-Length 5 and Content-Length 6
  huge-head    200 with a 20 KiB header
  bad-chunk    200 chunked, with a chunk size "zz"
  cut-short    200 with Content-Length 100, 10 bytes, then close
"""
import socket
import sys
import threading

mode, log = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def record(data):
    with lock, open(log, "ab") as f:
        f.write(data)


def answer(head):
    if mode == "plain":
        body = b"plain " + head.split(b" ", 2)[1]
        return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)) + body, False
    if mode == "refuse":
        return b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno", False
    if mode == "noaccept":
        return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", True
    if mode == "badaccept":
        return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"), True
    if mode == "cl-conflict":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", True
    if mode == "huge-head":
        return b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 20000 + b"\r\nContent-Length: 0\r\n\r\n", True
    if mode == "bad-chunk":
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", True
    if mode == "cut-short":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", True
    raise SystemExit("unknown mode " + mode)


def serve(c):
    buf = b""
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            record(d)
            buf += d
            while b"\r\n\r\n" in buf:
                head, buf = buf.split(b"\r\n\r\n", 1)
                out, close = answer(head)
                c.sendall(out)
                if close:
                    return
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[3]) if len(sys.argv) > 3 else 0))
s.listen(64)
print("PORT", s.getsockname()[1], flush=True)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
