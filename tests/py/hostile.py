#!/usr/bin/env python3
"""Send every hostile case of fixtures/hostile/cases.py that TARGET sees
to 127.0.0.1:PORT, compare the answer with the one recorded for TARGET,
and check that a normal client is served right after; one "ok NAME" or
"not ok NAME: why" line per case, the tests' format.

    hostile.py TARGET PORT [--record]

--record prints each case's answer instead of judging it.  Every read is
bounded in time; a case costs at most a few seconds.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "hostile"))
import cases  # noqa: E402

target, port = sys.argv[1], int(sys.argv[2])
record = "--record" in sys.argv
PREFIX = os.environ.get("PREFIX", "")


def read_all(s, quiet):
    """Bytes until EOF, or until nothing came for quiet seconds (at most 6 s)."""
    buf, end = b"", time.time() + 6
    s.settimeout(quiet)
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            return buf, False
        except (ConnectionResetError, BrokenPipeError):
            return buf, True
        if not d:
            return buf, True
        buf += d
    return buf, False


def close_code(data):
    """The first close frame's code in a server's frames, or None."""
    off = 0
    while off + 2 <= len(data):
        b0, b1 = data[off], data[off + 1]
        n, h = b1 & 0x7F, 2
        if n == 126:
            if off + 4 > len(data):
                return None
            n, h = struct.unpack("!H", data[off + 2:off + 4])[0], 4
        elif n == 127:
            if off + 10 > len(data):
                return None
            n, h = struct.unpack("!Q", data[off + 2:off + 10])[0], 10
        if b1 & 0x80:
            h += 4
        if (b0 & 0x0F) == 8:
            p = data[off + h:off + h + n]
            return struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
        off += h + n
    return None


def answer(pieces):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        for i, p in enumerate(pieces):
            if i:
                time.sleep(0.3)
            if p:
                s.sendall(p)
        buf, eof = read_all(s, 2.5)
    except (ConnectionResetError, BrokenPipeError):
        buf, eof = b"", True
    finally:
        s.close()
    if not buf:
        return "eof" if eof else "open"
    if not buf.startswith(b"HTTP/1.") or len(buf) < 12:
        return "body"
    status = buf[9:12].decode("latin-1")
    if status != "101":
        return status
    body = buf.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in buf else b""
    code = close_code(body)
    if code is not None:
        return "101 close %d" % code
    return "101 eof" if eof else "101 open"


def served():
    """A normal client: upgrade, one masked text, its echo (within 5 s)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(cases.head() + cases.frame(1, b"after"))
        buf, end = b"", time.time() + 5
        while b"after" not in buf and time.time() < end:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        s.close()
        return buf.startswith(b"HTTP/1.1 101") and b"after" in buf
    except OSError:
        return False


for name, data, expected in cases.CASES:
    if target not in expected:
        continue
    pieces = data if isinstance(data, list) else [data]
    got = answer(pieces)
    if record:
        print("%-45s %s" % (name, got), flush=True)
        continue
    want = expected[target]
    if got == want:
        print("ok %s%s: %s: %s" % (PREFIX, target, name, got), flush=True)
    else:
        print("not ok %s%s: %s: got '%s', want '%s'" % (PREFIX, target, name, got, want), flush=True)
    if served():
        print("ok %s%s: %s: the next client is served" % (PREFIX, target, name), flush=True)
    else:
        print("not ok %s%s: %s: the next client is served: failed" % (PREFIX, target, name), flush=True)
