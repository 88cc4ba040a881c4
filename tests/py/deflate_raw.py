#!/usr/bin/env python3
"""permessage-deflate frames a well-behaved client never sends, to wsctl echo.

    deflate_raw.py PORT CASE [OFFER]

Sends a handshake offering OFFER (default "permessage-deflate"), prints
"status N" and "ext VALUE" (the 101's Sec-WebSocket-Extensions, or -),
then for CASE:
  bomb      a compressed message of 2 MiB of zeros (2 KiB on the wire)
  garbage   RSV1 on bytes that are not DEFLATE
  rsv1-cont a fragmented message with RSV1 on its continuation frame
  none      nothing
and prints the server's close frame: "close CODE REASON".
"""
import os
import socket
import struct
import sys
import zlib


def frame(op, payload, fin=True, rsv1=False):
    mask = os.urandom(4)
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | op
    n = len(payload)
    if n < 126:
        head = struct.pack('!BB', b0, 0x80 | n)
    elif n < 65536:
        head = struct.pack('!BBH', b0, 0x80 | 126, n)
    else:
        head = struct.pack('!BBQ', b0, 0x80 | 127, n)
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def compress(data):
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    out = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]


def main():
    port, case = int(sys.argv[1]), sys.argv[2]
    offer = sys.argv[3] if len(sys.argv) > 3 else 'permessage-deflate'
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'
               'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'
               'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
               'Sec-WebSocket-Extensions: %s\r\n\r\n' % offer).encode())
    buf = b''
    while b'\r\n\r\n' not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    head, _, rest = buf.partition(b'\r\n\r\n')
    lines = head.decode('latin1').split('\r\n')
    print('status', lines[0].split(' ')[1])
    ext = [l.split(':', 1)[1].strip() for l in lines[1:]
           if l.lower().startswith('sec-websocket-extensions:')]
    print('ext', ext[0] if ext else '-')
    if not lines[0].startswith('HTTP/1.1 101'):
        return
    if case == 'bomb':
        s.sendall(frame(2, compress(bytes(2 << 20)), rsv1=True))
    elif case == 'garbage':
        s.sendall(frame(2, b'\xff\xff\xff\xff\x00', rsv1=True))
    elif case == 'rsv1-cont':
        s.sendall(frame(1, compress(b'one'), fin=False, rsv1=True) +
                  frame(0, b'two', rsv1=True))
    else:
        s.sendall(frame(8, struct.pack('!H', 1000)))
    buf = rest
    while True:
        if len(buf) >= 2 and len(buf) >= 2 + (buf[1] & 0x7f):
            if buf[0] & 0x0f == 8:
                n = buf[1] & 0x7f
                p = buf[2:2 + n]
                code = struct.unpack('!H', p[:2])[0] if n >= 2 else 1005
                print('close', code, p[2:].decode())
                return
            n = buf[1] & 0x7f
            buf = buf[2 + n:]       # a short data frame: skip it
            continue
        d = s.recv(65536)
        if not d:
            print('eof')
            return
        buf += d


main()
