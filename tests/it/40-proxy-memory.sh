# Backpressure: a backend sends 50 MiB to a client that never reads.  The
# proxy must stop reading the backend once the client's socket is full,
# so its memory stays flat (it holds at most one read per direction).
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
start_proxy px-mem --upstream 127.0.0.1:$BPORT || exit 1

# warm up: the scratch buffer and the header table are touched once
client ws://127.0.0.1:$PXPORT/ send:warm >/dev/null
before=$(rss_kib "$PXPID")

python3 - "$PXPORT" >"$OUT/mem-client.out" <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
msg = b"flood 50"
mask = os.urandom(4)
s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
print(head.split(b"\r\n", 1)[0].decode(), flush=True)
time.sleep(6)   # and never read
# now read a little to show the tunnel is alive, not dead
got = 0
s.settimeout(5)
while got < 1 << 20:
    d = s.recv(65536)
    if not d:
        break
    got += len(d)
print("read", got >= 1 << 20)
PY
cl=$!
_pids+=($cl)
sleep 3
mid=$(rss_kib "$PXPID")
sleep 2
after=$(rss_kib "$PXPID")
expect_match "the flooding client is upgraded" "$(head -n1 "$OUT/mem-client.out")" '^HTTP/1.1 101'
grow=$((after - before))
[ "$grow" -lt 2048 ] && ok "RSS grows under 2 MiB while 50 MiB wait (grew ${grow} KiB)" ||
	notok "RSS grows under 2 MiB while 50 MiB wait" "before $before KiB, after $after KiB"
expect_eq "RSS flat between 3 s and 5 s" "$((after - mid < 256))" 1
out=$(client ws://127.0.0.1:$PXPORT/ send:other)
expect_eq "others are served meanwhile" "$out" "open
reply Server received from client: other"
wait $cl
expect_eq "the stalled tunnel moves again once its client reads" \
	"$(tail -n1 "$OUT/mem-client.out")" "read True"
stop_proxies
