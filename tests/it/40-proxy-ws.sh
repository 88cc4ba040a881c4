# wsctl proxy in the article's nginx's place: two node `ws` echo backends
# like server.js, node `ws` clients and wscat through the proxy; what the
# backends see; how connections are balanced.
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT
start_backend s2 || exit 1
P2=$BPORT
start_proxy px-rr --upstream 127.0.0.1:$P1 --upstream 127.0.0.1:$P2 \
	--read-timeout 300s || exit 1
URL=ws://127.0.0.1:$PXPORT/

# --- round-robin alternates (HAProxy's balance-rr.vtc, two servers)
expect_eq "round-robin alternates" "$(names "$URL" 4)" "s1 s2 s1 s2"

# --- the article's manual test, with node ws and with wscat
out=$(client "$URL" "send:Hello Nginx" "send:Welcome to www.hi-linux.com")
expect_eq "echo through the proxy" "$out" "open
reply Server received from client: Hello Nginx
reply Server received from client: Welcome to www.hi-linux.com"

# (wscat quits as soon as its stdin ends, even with -x: keep it open)
out=$(sleep 3 | timeout 20 "$WSCAT" -c "$URL" -x 'Hello wscat' -w 1 2>&1)
expect_match "wscat through the proxy" "$out" 'Server received from client: Hello wscat'

# --- what the backend sees: the article's proxy_set_header lines
hdrs=$(client --header 'X-Forwarded-For: 203.0.113.7' "$URL" send:headers |
	sed -n 's/^reply //p')
field() {
	node -e 'const h = JSON.parse(process.argv[1]).headers; console.log(h[process.argv[2]] ?? "(none)")' \
		"$hdrs" "$1"
}
expect_eq "backend sees Host as the client sent it" "$(field host)" "127.0.0.1:$PXPORT"
expect_eq "backend sees X-Real-IP" "$(field x-real-ip)" "127.0.0.1"
expect_eq "backend sees X-Forwarded-For appended" "$(field x-forwarded-for)" \
	"203.0.113.7, 127.0.0.1"
expect_eq "backend sees Upgrade" "$(field upgrade)" "websocket"
expect_eq "backend sees Connection: upgrade" "$(field connection)" "upgrade"
expect_eq "backend sees X-Forwarded-Proto" "$(field x-forwarded-proto)" "http"
hdrs=$(client "$URL" send:headers | sed -n 's/^reply //p')
expect_eq "X-Forwarded-For is the client alone when it sent none" \
	"$(field x-forwarded-for)" "127.0.0.1"
key=$(field sec-websocket-key)
expect_match "Sec-WebSocket-Key passed on" "$key" '^[A-Za-z0-9+/]{22}==$'

# --- pipelined: the first frame right behind the handshake, one write
out=$(python3 - "$PXPORT" <<'PY'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
msg = b"early bird"
mask = os.urandom(4)
frame = bytes([0x81, 0x80 | len(msg)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" + frame)
buf = b""
while b"Server received from client: early bird" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.split(b"\r\n", 1)[0].decode(), "|", b"early bird" in buf)
PY
)
expect_eq "frame pipelined behind the handshake arrives" "$out" \
	"HTTP/1.1 101 Switching Protocols | True"

# --- a half-close is passed on: the backend sees the end and closes
out=$(python3 - "$PXPORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
s.shutdown(socket.SHUT_WR)
try:
    while s.recv(4096):
        pass
    print("eof")
except socket.timeout:
    print("no eof in 5 s")
PY
)
expect_eq "half-close reaches the backend, and its close comes back" "$out" "eof"

# --- permessage-deflate and a subprotocol pass through untouched: the
# backend compresses every message, and the client inflates them
DEFLATE=1 start_backend sdeflate || exit 1
start_proxy px-deflate --upstream 127.0.0.1:$BPORT || exit 1
long=$(printf 'compressible %.0s' {1..200})
out=$(client --protocol chat.v2 ws://127.0.0.1:$PXPORT/ negotiated "send:$long")
expect_eq "permessage-deflate and the subprotocol negotiated end to end" \
	"$(sed -n 2p <<<"$out")" "negotiated permessage-deflate chat.v2"
expect_eq "compressed messages arrive whole, both ways" \
	"$(sed -n 3p <<<"$out")" "reply Server received from client: $long"

# --- weights: smooth weighted round-robin, as nginx (a a b a for 3:1)
start_proxy px-w --upstream 127.0.0.1:$P1,weight=3 --upstream 127.0.0.1:$P2 || exit 1
expect_eq "weight=3 against 1: smooth order" \
	"$(names ws://127.0.0.1:$PXPORT/ 8)" "s1 s1 s2 s1 s1 s1 s2 s1"

# --- ip-hash: one /24 sticks to one backend; different /24s spread
start_proxy px-ip --balance ip-hash --upstream 127.0.0.1:$P1 \
	--upstream 127.0.0.1:$P2 || exit 1
seen=()
sticky=1
for net in 1 2 3 4 5 6; do
	got=()
	for host in 1 7 200; do
		got+=("$(client --from 127.0.$net.$host ws://127.0.0.1:$PXPORT/ send:whoami |
			sed -n 's/^reply //p')")
	done
	[ "${got[0]}" == "${got[1]}" ] && [ "${got[1]}" == "${got[2]}" ] || sticky=0
	seen+=("${got[0]}")
done
expect_eq "ip-hash: the same /24 always gets the same backend" "$sticky" 1
distinct=$(printf '%s\n' "${seen[@]}" | sort -u | grep -c .)
expect_eq "ip-hash: six /24s use both backends" "$distinct" 2

# --- least-conn: with a tunnel held open on s1, new ones go to s2
start_proxy px-lc --balance least-conn --upstream 127.0.0.1:$P1 \
	--upstream 127.0.0.1:$P2 || exit 1
LURL=ws://127.0.0.1:$PXPORT/
coproc HOLD { client "$LURL" send:whoami hold; }
read -r -t 10 line <&"${HOLD[0]}"	# open
read -r -t 10 line <&"${HOLD[0]}"	# reply NAME
expect_eq "least-conn: the first tunnel goes to s1" "$line" "reply s1"
got=()
for i in 1 2 3 4; do
	got+=("$(client "$LURL" send:whoami | sed -n 's/^reply //p')")
	sleep 0.1	# the proxy sees the close after the client does
done
expect_eq "least-conn: while it is open, the next four go to s2" "${got[*]}" "s2 s2 s2 s2"
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null
sleep 0.2
expect_eq "least-conn: once it closed, both are used again" \
	"$(names "$LURL" 2 | tr ' ' '\n' | sort -u | tr '\n' ' ')" "s1 s2 "
stop_proxies
