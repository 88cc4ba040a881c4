# Timeouts and the end: --read-timeout closes a tunnel idle both ways and
# spares one with traffic, --handshake-timeout drops a client that never
# finishes its head without holding up anybody else, and SIGTERM lets
# open tunnels finish for --drain before the proxy exits 0.
. "$(dirname "$0")/40-proxy.inc"

# exited PID T0 LIMIT-MS NAME-RC NAME-TIME: PID ends with 0, and within
# LIMIT-MS of T0 (date +%s%N): a bound on what the drain waits for
exited() {
	local rc t
	wait "$1"
	rc=$?
	t=$((($(date +%s%N) - $2) / 1000000))
	expect_eq "$4" "$rc" 0
	[ "$t" -lt "$3" ] && ok "$5 (${t}ms)" || notok "$5" "exit took ${t}ms"
}

start_backend s1 || exit 1
P1=$BPORT
start_proxy px-to --read-timeout 1s --handshake-timeout 1s --drain 2s \
	--upstream 127.0.0.1:$P1 || exit 1
URL=ws://127.0.0.1:$PXPORT/
LOG=$OUT/px-to.log

out=$(client "$URL" send:hi idle:4000 | tail -n1)
expect_match "read-timeout 1s: an idle tunnel is closed after about 1 s" "$out" \
	'^closed after (9|1[0-4])00$'
out=$(client "$URL" send:hi ping:500:6 send:bye | tail -n2 | tr '\n' ' ')
expect_eq "read-timeout 1s: traffic every 0.5 s keeps it open for 3 s" "$out" \
	"alive 6 reply Server received from client: bye "
expect_match "the idle close is logged" "$(grep -m1 'idle for' "$LOG")" 'idle for 1000ms, closed'

# slowloris: half a head, then silence
python3 - "$PXPORT" >"$OUT/to-slow.out" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
t = time.time()
buf = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.split(b"\r\n", 1)[0].decode(), round(time.time() - t))
PY
slow=$!
_pids+=($slow)
# and one that connects and sends nothing at all
python3 - "$PXPORT" >"$OUT/to-mute.out" <<'PY' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print("eof" if s.recv(4096) == b"" else "data")
PY
mute=$!
_pids+=($mute)
sleep 0.2
out=$(client "$URL" "send:meanwhile")
expect_eq "a slowloris client does not hold up others" "$out" "open
reply Server received from client: meanwhile"
wait $slow
expect_eq "the slowloris client gets 408 after handshake-timeout" "$(cat "$OUT/to-slow.out")" \
	"HTTP/1.1 408 Request Timeout 1"
wait $mute
expect_eq "a client that sends nothing is closed" "$(cat "$OUT/to-mute.out")" "eof"
expect_match "the slow head is logged" "$(grep -m1 ' 408 ' "$LOG")" 'no complete request head'

# SIGTERM: no new connections, open tunnels go on within --drain, exit 0
start_proxy px-drain --read-timeout 30s --drain 1500ms --upstream 127.0.0.1:$P1 || exit 1
URL=ws://127.0.0.1:$PXPORT/
client "$URL" send:stay sleep:8000 send:late >"$OUT/to-stay.out" &
stay=$!
_pids+=($stay)
for ((i = 0; i < 200; i++)); do
	grep -q '^reply' "$OUT/to-stay.out" && break
	sleep 0.05
done
coproc DRAIN { client "$URL" send:before sleep:700 send:during; }
read -r -t 10 line <&"${DRAIN[0]}"
read -r -t 10 line <&"${DRAIN[0]}"
expect_eq "before SIGTERM" "$line" "reply Server received from client: before"
kill -TERM "$PXPID"
sleep 0.2
if (exec 3<>"/dev/tcp/127.0.0.1/$PXPORT") 2>/dev/null; then
	notok "after SIGTERM new connections are refused"
else
	ok "after SIGTERM new connections are refused"
fi
read -r -t 10 line <&"${DRAIN[0]}"
expect_eq "after SIGTERM an open tunnel still works" "$line" \
	"reply Server received from client: during"
t0=$(date +%s%N)
exited "$PXPID" "$t0" 2500 "the proxy exits 0 after draining" \
	"a tunnel still open is closed at the end of --drain"
expect_match "the drain is logged" "$(grep -m1 'drain time over' "$OUT/px-drain.log")" \
	'closing 1 connection, 1 with a close frame$'
wait $stay
expect_eq "the tunnel cut at the end of the drain saw its close" \
	"$(tail -n1 "$OUT/to-stay.out")" "error closed before a send"

# the end of the drain tells both ends of a websocket tunnel 1001 (going
# away), as a restarting server would, not a TCP cut (1006 to a browser)
start_backend s-away || exit 1
start_proxy px-away --drain 300ms --upstream 127.0.0.1:$BPORT || exit 1
coproc AWAY { client "ws://127.0.0.1:$PXPORT/" send:hello closecode:8000; }
read -r -t 10 line <&"${AWAY[0]}"	# open
read -r -t 10 line <&"${AWAY[0]}"	# reply
t0=$(date +%s%N)
kill -TERM "$PXPID"
read -r -t 10 line <&"${AWAY[0]}"
expect_eq "SIGTERM: the client sees close 1001" "$line" "close 1001"
exited "$PXPID" "$t0" 1800 "... the proxy exits 0" \
	"... once the closing handshake is done"
for ((i = 0; i < 40; i++)); do grep -q 'closed' "$OUT/s-away.log" && break; sleep 0.05; done
expect_eq "SIGTERM: the backend sees close 1001" "$(grep -m1 closed "$OUT/s-away.log")" "s-away closed 1001"
stop_proxies
