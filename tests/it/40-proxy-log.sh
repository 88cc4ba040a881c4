# The access log: one line per request and per tunnel with when, who, to
# which upstream, what, the status, the bytes each way, how long and why
# it ended; text and JSON; SIGHUP reopens the file after a rotation.
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT
ALOG=$OUT/px-access.log
rm -f "$ALOG" "$ALOG.1"
start_proxy px-log --upstream 127.0.0.1:$P1 --access-log "$ALOG" \
	--read-timeout 1s || exit 1
URL=ws://127.0.0.1:$PXPORT/

# wait_lines FILE N: until FILE has N lines (the line of a tunnel comes
# when the proxy sees its end, a moment after the client's)
wait_lines() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
}

# --- a plain request: its fields
out=$(curl -s -m 10 "http://127.0.0.1:$PXPORT/page?x=1")
expect_eq "a plain request through the proxy" "$out" "s1 GET /page?x=1"
wait_lines "$ALOG" 1
line=$(sed -n 1p "$ALOG")
re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:'$P1' "GET /page\?x=1" 200 ([0-9]+) ([0-9]+) ([0-9]+)ms done$'
expect_match "text: time client upstream \"request\" status in out duration reason" "$line" "$re"
if [[ $line =~ $re ]]; then
	# curl's head is > 60 bytes; the answer is a head and "s1 GET /page?x=1\n"
	[ "${BASH_REMATCH[1]}" -gt 60 ] && [ "${BASH_REMATCH[2]}" -gt 17 ] &&
		ok "text: bytes each way counted" ||
		notok "text: bytes each way counted" "$line"
fi

# --- a tunnel ended by a close handshake: after it the server closes the
# TCP connection first (RFC 6455 7.1.1), but the client, its close frame
# answered, ends TCP too, and either FIN may reach the proxy first (under
# load they do swap): the reason is the side the proxy saw end first
client "$URL" "send:hello" "send:world" >/dev/null
wait_lines "$ALOG" 2
line=$(sed -n 2p "$ALOG")
expect_match "a tunnel: 101, ended by a side after the close handshake" \
	"$line" ' "GET /" 101 [0-9]+ [0-9]+ [0-9]+ms (upstream|client)-closed$'
re=' 101 ([0-9]+) ([0-9]+) '
[[ $line =~ $re ]]
# each reply is "Server received from client: " + 5 bytes in a 2-byte header
[ "${BASH_REMATCH[2]:-0}" -gt $((2 * 36)) ] &&
	ok "a tunnel: the bytes sent to the client include the replies" ||
	notok "a tunnel: the bytes sent to the client include the replies" "$line"

# --- a tunnel whose client just goes away
python3 - "$PXPORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /gone HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
s.close()
PY
wait_lines "$ALOG" 3
expect_match "a tunnel whose client closes: client-closed" "$(sed -n 3p "$ALOG")" \
	' "GET /gone" 101 [0-9]+ [0-9]+ [0-9]+ms client-closed$'

# --- an idle tunnel closed by --read-timeout
out=$(client "$URL" send:x idle:5000)
expect_match "an idle tunnel is closed" "$(tail -n1 <<<"$out")" '^closed after (9|1[0-4])00$'
wait_lines "$ALOG" 4
expect_match "read-timeout is the reason" "$(sed -n 4p "$ALOG")" ' 101 .* read-timeout$'

# --- an answer of the proxy's own is a request too
out=$(raw "$PXPORT" 'GET / HTTP/1.1\r\n\r\n')
expect_eq "no Host: 400" "$out" "HTTP/1.1 400 Bad Request"
wait_lines "$ALOG" 5
expect_match "the 400 is logged, without an upstream" "$(sed -n 5p "$ALOG")" \
	' 127\.0\.0\.1:[0-9]+ - "GET /" 400 [0-9]+ [0-9]+ [0-9]+ms done$'

# rotate SIG NAME KEPT: rename the file, signal, the next line goes to a
# new file at the old path and the renamed one (KEPT lines) gets nothing
rotate() {
	mv "$ALOG" "$ALOG.$1"
	kill -"$1" "$PXPID"
	sleep 0.2
	curl -s -m 10 "http://127.0.0.1:$PXPORT/$2" >/dev/null
	wait_lines "$ALOG" 1
	expect_match "after SIG$1: a new file at the old path" "$(cat "$ALOG" 2>&1)" \
		"\"GET /$2\" 200 "
	expect_eq "after SIG$1: the old file got nothing more" "$(wc -l <"$ALOG.$1")" "$3"
	check "the proxy still runs after SIG$1" kill -0 "$PXPID"
}
rotate HUP after-hup 5
# --- SIGUSR1, nginx's signal for it, does the same
rotate USR1 after-usr1 1

# --- JSON: the same fields, one object per line; the drain's reason
JLOG=$OUT/px-access.json
rm -f "$JLOG"
start_proxy px-json --upstream 127.0.0.1:$P1 --access-log "$JLOG" \
	--log-format json --drain 500ms || exit 1
curl -s -m 10 -H 'X-Odd: "quoted"' "http://127.0.0.1:$PXPORT/j%22son" >/dev/null
coproc HOLD { client "ws://127.0.0.1:$PXPORT/chat" send:held hold; }
read -r -t 10 line <&"${HOLD[0]}"	# open
read -r -t 10 line <&"${HOLD[0]}"	# reply
stop "$PXPID"
expect_eq "px-json exits 0 after the drain" "$STOPPED" 0
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null
out=$(python3 - "$JLOG" "$P1" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
up = "127.0.0.1:" + sys.argv[2]
a, b = lines
keys = ["time", "client", "upstream", "method", "target", "tls", "status",
        "bytes_in", "bytes_out", "duration_ms", "reason"]
print(len(lines), list(a) == keys,
      a["upstream"] == up, a["method"], a["target"], a["status"], a["reason"],
      b["target"], b["status"], b["reason"], b["bytes_in"] > 0, b["bytes_out"] > 0,
      b["duration_ms"] >= 400)
PY
)
expect_eq "json: a request and a tunnel cut by the drain" "$out" \
	'2 True True GET /j%22son 200 done /chat 101 drain True True True'

# --- --access-log - writes to stdout, next to the "listening on" line
start_proxy px-stdout --upstream 127.0.0.1:$P1 --access-log - -q || exit 1
curl -s -m 10 "http://127.0.0.1:$PXPORT/to-stdout" >/dev/null
sleep 0.2
expect_match "--access-log - writes to stdout" "$(cat "$OUT/px-stdout.log")" \
	'"GET /to-stdout" 200 '

# --- a log that cannot be opened is a setup error
out=$("$WSCTL" proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:$P1 \
	--access-log "$OUT/no/such/dir/x.log" 2>&1)
expect_eq "an access log that cannot be opened: exit 2" "$?" 2
expect_match "... and one line naming it" "$out" \
	"^wsctl proxy: access log .*/no/such/dir/x.log: No such file or directory$"
stop_proxies

# --- once the closing handshake has gone by both ways and the backend
# ends TCP, the proxy closes both sides at once (the tunnel's line comes
# then), without waiting for the client's own FIN
CLOG=$OUT/px-close.log
rm -f "$CLOG"
start_proxy px-close --upstream 127.0.0.1:$P1 --access-log "$CLOG" || exit 1
: >>"$CLOG"
n=$(wc -l <"$CLOG")
got=$(python3 - "$PXPORT" "$CLOG" "$n" <<'PY'
import os, socket, sys, time
port, log, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
s.sendall(bytes([0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2]))   # close 1000
rest = buf.split(b"\r\n\r\n", 1)[1]
while True:
    more = s.recv(4096)
    if not more:
        break
    rest += more
# the close came back and TCP ended; this socket stays open meanwhile
for _ in range(40):
    if sum(1 for _ in open(log)) > n:
        break
    time.sleep(0.05)
lines = open(log).read().splitlines()
print("close:%s line:%s" % (rest[:1].hex(), "yes" if len(lines) > n else "no"))
s.close()
PY
)
expect_eq "closing handshake done both ways, backend's FIN: the proxy closes both at once" \
	"$got" "close:88 line:yes"
