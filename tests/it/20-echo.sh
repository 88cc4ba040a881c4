# wsctl echo with real peers: node ws, wscat and curl.  Echo byte for
# byte, the article's --prefix, several backends in one process naming
# themselves, the records a checker reads, plain HTTP, a busy port, and a
# clean stop on SIGTERM.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

# session ARGS...: node echo_session.js; its lines go to $OUT/session.out
session() {
	timeout 20 node "$JS/echo_session.js" "$@" >"$OUT/session.out" 2>&1
}

# json FILE EXPR: a Python expression on the JSON document r in FILE
json() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

start_echo echo-main --listen 127.0.0.1:0 --id alpha \
	--listen 127.0.0.1:0 --id beta || exit 1
A=${PORTS[0]} B=${PORTS[1]} MAIN=$PID
expect_match "stdout: one line per backend with its id" \
	"$(grep '^listening on ' "$OUT/echo-main.log" | tr '\n' '|')" \
	"^listening on 127\.0\.0\.1:$A \(id alpha\)\|listening on 127\.0\.0\.1:$B \(id beta\)\|$"

# --- echo through node ws --------------------------------------------------
timeout 60 node "$JS/echo_roundtrip.js" "ws://127.0.0.1:$A/" ||
	notok "node ws round trip" "exit $?"

# --- wscat, as in the article ------------------------------------------------
start_echo echo-article --listen 127.0.0.1:0 \
	--prefix 'Server received from client: ' || exit 1
out=$(sleep 3 | timeout 20 "$WSCAT" -c "ws://127.0.0.1:${PORTS[0]}" -x Hello -w 1 2>&1)
expect_eq "wscat: the article's reply" "$out" "Server received from client: Hello"
session "ws://127.0.0.1:${PORTS[0]}/" --binary 00ff --send 'Hi' --close 1000
expect_eq "--prefix: text gets it, binary does not" \
	"$(grep -E '^(text|binary) ' "$OUT/session.out")" \
	"binary 00ff
text Server received from client: Hi"

# --- two backends, one process ------------------------------------------------
session "ws://127.0.0.1:$A/" --send one --close 1000
expect_eq "backend alpha names itself in the 101" \
	"$(grep '^header x-wsctl-backend:' "$OUT/session.out")" "header x-wsctl-backend: alpha"
a_conn=$(awk '/^header x-wsctl-conn:/ {print $3}' "$OUT/session.out")
session "ws://127.0.0.1:$B/" --send two --close 1000
expect_eq "backend beta names itself in the 101" \
	"$(grep '^header x-wsctl-backend:' "$OUT/session.out")" "header x-wsctl-backend: beta"
b_conn=$(awk '/^header x-wsctl-conn:/ {print $3}' "$OUT/session.out")
expect_eq "beta echoes too" "$(grep '^text ' "$OUT/session.out")" "text two"
if [[ $a_conn =~ ^[0-9]+$ && $b_conn =~ ^[0-9]+$ && $b_conn -gt $a_conn ]]; then
	ok "X-Wsctl-Conn: one serial for the process"
else
	notok "X-Wsctl-Conn: one serial for the process" "alpha '$a_conn', beta '$b_conn'"
fi

# --- the record of what a backend received --------------------------------------
# a head of our own, byte for byte: header case and order are the client's
tok=probe-$$-$RANDOM
key=$(head -c 16 /dev/urandom | base64)
printf 'GET /chat?room=1 HTTP/1.1\r\nHost: example.test\r\nX-Wsctl-Probe: %s\r\nx-lower: v1\r\nX-UPPER:   v2  \r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n' \
	"$tok" "$key" >"$OUT/echo-head.bin"
(
	exec 3<>"/dev/tcp/127.0.0.1/$B"
	cat "$OUT/echo-head.bin" >&3
	timeout 2 head -c 12 <&3
) >"$OUT/echo-head.reply" 2>/dev/null
expect_eq "raw handshake answered 101" "$(cat "$OUT/echo-head.reply")" "HTTP/1.1 101"

curl -s -m 5 -o "$OUT/probe.json" -w '%{http_code}' "http://127.0.0.1:$B/.wsctl/probe/$tok" >"$OUT/probe.code"
expect_eq "probe on the backend that served it: 200" "$(cat "$OUT/probe.code")" 200
expect_eq "probe record: head exactly as sent" \
	"$(json "$OUT/probe.json" "r['head'].encode('latin1') == open('$OUT/echo-head.bin', 'rb').read()")" True
expect_eq "probe record: headers in order, names as sent" \
	"$(json "$OUT/probe.json" "[h[0] for h in r['request']['headers']]")" \
	"['Host', 'X-Wsctl-Probe', 'x-lower', 'X-UPPER', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version']"
expect_eq "probe record: parsed request" \
	"$(json "$OUT/probe.json" "(r['backend'], r['request']['method'], r['request']['target'], r['request']['version'], r['request']['headers'][3][1], r['probe'], r['status'])")" \
	"('beta', 'GET', '/chat?room=1', 'HTTP/1.1', 'v2', '$tok', 101)"
expect_match "probe record: peer is the client" "$(json "$OUT/probe.json" "r['peer']")" '^127\.0\.0\.1:[0-9]+$'
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/.wsctl/probe/$tok")
expect_eq "probe on the other backend: 404" "$code" 404
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$B/.wsctl/probe/nobody-sent-this")
expect_eq "unknown probe: 404" "$code" 404

curl -s -m 5 -o "$OUT/conn.json" "http://127.0.0.1:$A/.wsctl/conn/$a_conn"
expect_eq "conn record of a finished session" \
	"$(json "$OUT/conn.json" "(r['conn'], r['status'], r['closed'], r['close'], r['messages'], r['bytes'])")" \
	"($a_conn, 101, True, {'received': 1000, 'sent': 1000}, {'received': 1, 'sent': 1}, {'received': 3, 'sent': 3})"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$B/.wsctl/conn/$a_conn")
expect_eq "conn record asked of the wrong backend: 404" "$code" 404

curl -s -m 5 -o "$OUT/info.json" "http://127.0.0.1:$B/.wsctl/info"
expect_eq "info: id, listen, pid" \
	"$(json "$OUT/info.json" "(r['id'], r['listen'], r['pid'])")" \
	"('beta', ['127.0.0.1:$B'], $MAIN)"
expect_match "info: connection counts" \
	"$(json "$OUT/info.json" "(r['connections']['total'] >= 5, r['connections']['open'], r['websockets']['total'])")" \
	"^\(True, [12], 2\)$"

# --- plain HTTP gets its own record --------------------------------------------
curl -s -m 5 -D "$OUT/plain.hdr" -o "$OUT/plain.json" -H 'X-Trace: abc' \
	"http://127.0.0.1:$A/some/path?q=1"
expect_match "plain GET: 200" "$(head -n1 "$OUT/plain.hdr")" '^HTTP/1.1 200 OK'
expect_eq "plain GET: JSON, names the backend, closes" \
	"$(grep -iE '^(content-type|x-wsctl-backend|connection):' "$OUT/plain.hdr" | tr -d '\r')" \
	"Content-Type: application/json
X-Wsctl-Backend: alpha
Connection: close"
expect_eq "plain GET: the body is this request's record" \
	"$(json "$OUT/plain.json" "(r['request']['target'], r['request']['headers'][-1], r['status'], r['backend'])")" \
	"('/some/path?q=1', ['X-Trace', 'abc'], 200, 'alpha')"
hdr=$(curl -s -m 5 -I "http://127.0.0.1:$A/" | tr -d '\r' | grep -i '^content-length')
expect_match "HEAD: headers only" "$hdr" '^Content-Length: [1-9][0-9]*$'
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/.wsctl/nothing")
expect_eq "unknown /.wsctl/ query: 404" "$code" 404

# --- the connection log ----------------------------------------------------------
expect_match "log: one line per connection, with its close codes" \
	"$(grep "conn=$a_conn " "$OUT/echo-main.log")" \
	"backend=alpha conn=$a_conn peer=127\.0\.0\.1:[0-9]+ request=\"GET /\" status=101 .*msgs=1/1 bytes=3/3 close=1000/1000$"

# --- where it listens ----------------------------------------------------------
start_echo echo-local --listen localhost:0 || exit 1
L=${PORTS[0]}
expect_eq "localhost: both 127.0.0.1 and ::1" \
	"$(grep '^listening on ' "$OUT/echo-local.log")" \
	"listening on 127.0.0.1:$L [::1]:$L (id localhost:$L)"
session "ws://[::1]:$L/" --send v6 --close 1000
expect_eq "localhost: served over IPv6" "$(grep '^text ' "$OUT/session.out")" "text v6"
session "ws://127.0.0.1:$L/" --send v4 --close 1000
expect_eq "localhost: served over IPv4" "$(grep '^text ' "$OUT/session.out")" "text v4"

start_echo echo-any --listen 0 --listen 127.0.0.1:0 --listen 127.0.0.1:0 || exit 1
expect_match "a bare port: every address, one dual-stack socket" \
	"$(grep '^listening on ' "$OUT/echo-any.log" | head -n1)" \
	"^listening on \[::\]:${PORTS[0]} \(id ${PORTS[0]}\)$"
session "ws://127.0.0.1:${PORTS[0]}/" --send any --close 1000
expect_eq "a bare port: served over IPv4 too" "$(grep '^text ' "$OUT/session.out")" "text any"
session "ws://127.0.0.1:${PORTS[2]}/" --send third --close 1000
expect_eq "two 127.0.0.1:0 backends: different ids" \
	"$(grep '^header x-wsctl-backend' "$OUT/session.out")" \
	"header x-wsctl-backend: 127.0.0.1:${PORTS[2]}"

# the newest 4096 records are kept, the older ones forgotten
python3 - "${PORTS[1]}" <<'PY'
import socket, sys
for i in range(4100):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /n HTTP/1.1\r\nHost: x\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
PY
last=$(curl -s -m 5 -D - -o /dev/null "http://127.0.0.1:${PORTS[1]}/" | tr -d '\r' |
	awk '/^X-Wsctl-Conn:/ {print $2}')
first=$((last - 4100))
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[1]}/.wsctl/conn/$first")
expect_eq "records: the oldest of 4100 is forgotten" "$code" 404
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[1]}/.wsctl/conn/$((last - 4000))")
expect_eq "records: a recent one is kept" "$code" 200
stop "$PID"

# --- a busy port ------------------------------------------------------------------
timeout 10 "$WSCTL" echo --listen "127.0.0.1:$A" >"$OUT/busy.out" 2>"$OUT/busy.err"
expect_eq "busy port: exit 1" "$?" 1
expect_eq "busy port: one line that says so" "$(cat "$OUT/busy.err")" \
	"wsctl echo: bind 127.0.0.1:$A: Address already in use"
expect_eq "busy port: nothing on stdout" "$(cat "$OUT/busy.out")" ""

# --- SIGTERM: going away ----------------------------------------------------------
timeout 20 node "$JS/echo_session.js" "ws://127.0.0.1:$A/" --send still-here \
	--wait 8000 >"$OUT/sigterm.out" 2>&1 &
client=$!
for ((i = 0; i < 400; i++)); do
	grep -q '^text still-here' "$OUT/sigterm.out" && break
	sleep 0.05
done
grep -q '^text still-here' "$OUT/sigterm.out" || notok "the client got its echo before the signal"
stop "$MAIN"
expect_eq "SIGTERM: exit 0" "$STOPPED" 0
wait "$client"
expect_eq "SIGTERM: open connections closed with 1001" \
	"$(grep '^close ' "$OUT/sigterm.out")" "close 1001 server going away"
if (exec 3<>"/dev/tcp/127.0.0.1/$B") 2>/dev/null; then
	notok "SIGTERM: listeners closed"
else
	ok "SIGTERM: listeners closed"
fi
