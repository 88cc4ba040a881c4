# Upstream failures: a stopped backend is skipped (nginx's passive health,
# max_fails and fail_timeout), open tunnels survive other upstreams dying,
# and when nobody can take a connection the client gets 502 or 504 with a
# body, never a hang.
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT S1=$BPID
start_backend s2 || exit 1
P2=$BPORT S2=$BPID
start_proxy px-fail --upstream 127.0.0.1:$P1 --upstream 127.0.0.1:$P2 || exit 1
URL=ws://127.0.0.1:$PXPORT/
LOG=$OUT/px-fail.log

# a tunnel opened before anything fails, used again afterwards
coproc LONG { client "$URL" send:whoami sleep:2500 send:still-there; }
read -r -t 10 line <&"${LONG[0]}"	# open
read -r -t 10 line <&"${LONG[0]}"	# reply NAME
long=${line#reply }
expect_match "a long tunnel is open" "$long" '^s[12]$'
# stop the other backend
if [ "$long" == s1 ]; then stop "$S2"; live=s1; dead_port=$P2; else stop "$S1"; live=s2; dead_port=$P1; fi

expect_eq "a stopped backend: new connections go to the other one" \
	"$(names "$URL" 4)" "$live $live $live $live"
refused=$(grep -c "upstream 127.0.0.1:$dead_port: connect: Connection refused" "$LOG")
expect_eq "max_fails=1: the stopped backend is tried once in fail_timeout" "$refused" 1

read -r -t 10 line <&"${LONG[0]}"
expect_eq "the open tunnel kept working meanwhile" "$line" \
	"reply Server received from client: still-there"
wait "$LONG_PID" 2>/dev/null

# plain HTTP through the same failure
out=$(curl -s -m 10 http://127.0.0.1:$PXPORT/x)
expect_eq "plain HTTP goes to the live backend" "$out" "$live GET /x"

# every backend stopped: 502 with a body, for WebSocket and plain HTTP
if [ "$live" == s1 ]; then stop "$S1"; else stop "$S2"; fi
out=$(client "$URL" send:whoami)
expect_match "all stopped: the ws client gets 502 with a body" "$out" \
	'error status 502 502 Bad Gateway: .+'
out=$(curl -s -m 10 -w ' %{http_code}' http://127.0.0.1:$PXPORT/x)
expect_match "all stopped: curl gets 502 with a body" "$out" 'Bad Gateway.* 502$'
n=$(grep -c ': 502 ' "$LOG")
[ "$n" -ge 2 ] && ok "each 502 is logged" || notok "each 502 is logged" "$n lines"

# a backend back after fail_timeout gets traffic again
start_proxy px-back --upstream 127.0.0.1:$P1,fail_timeout=1s \
	--upstream 127.0.0.1:$P2,fail_timeout=1s || exit 1
out=$(client ws://127.0.0.1:$PXPORT/ send:whoami)
expect_match "both down: 502" "$out" 'status 502'
# the same ports again: the node backends pick them
spawn s1b node "$JS/proxy_backend.js" s1 "$P1"
spawn s2b node "$JS/proxy_backend.js" s2 "$P2"
wait_port "$P1" && wait_port "$P2"
sleep 1.1
expect_eq "after fail_timeout both are back in the rotation" \
	"$(names ws://127.0.0.1:$PXPORT/ 4 | tr ' ' '\n' | sort -u | tr '\n' ' ')" "s1 s2 "

# a connect that times out: a listener whose accept queue is full drops
# SYNs, so the proxy's connect never completes -> 504
python3 - >"$OUT/fail-blackhole.port" <<'PY' &
import socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(0)
port = l.getsockname()[1]
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", port))
    fill.append(c)
print(port, flush=True)
time.sleep(20)
PY
_pids+=($!)
for ((i = 0; i < 100; i++)); do
	BH=$(cat "$OUT/fail-blackhole.port")
	[ -n "$BH" ] && break
	sleep 0.05
done
start_proxy px-to --connect-timeout 500ms --upstream 127.0.0.1:$BH || exit 1
out=$(curl -s -m 10 -w ' %{http_code}' http://127.0.0.1:$PXPORT/)
expect_match "a connect timeout: 504 with a body" "$out" 'Gateway Timeout.* 504$'
expect_match "the timeout is logged" "$(grep 'timed out' "$OUT/px-to.log" | head -n1)" \
	'connect timed out after 500ms'
stop_proxies
