#!/usr/bin/env python3
"""A server that answers every WebSocket handshake with a valid 101 whose
Connection list is split over two lines ("Connection: keep-alive" then
"Connection: Upgrade"), as RFC 9110 5.3 allows; then it holds the
connection until the client closes.  Prints "PORT n" first."""
import base64, hashlib, socket, threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def serve(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return c.close()
        buf += d
    key = b""
    for line in buf.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: keep-alive\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()


s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print("PORT", s.getsockname()[1], flush=True)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
