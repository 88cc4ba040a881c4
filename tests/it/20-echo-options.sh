# wsctl echo's options, each seen from a real client: --subprotocol,
# --reject, --close-after, --delay, --max-message, --log-format, --quiet,
# and the usage errors.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

# session ARGS...: node echo_session.js; its lines go to $OUT/session.out
session() {
	timeout 20 node "$JS/echo_session.js" "$@" >"$OUT/session.out" 2>&1
}

# lines PREFIX: the session's lines that start with PREFIX
lines() {
	grep "^$1" "$OUT/session.out"
}

# --- --subprotocol ----------------------------------------------------------------
start_echo echo-sub --listen 127.0.0.1:0 --subprotocol chat \
	--subprotocol superchat || exit 1
P=${PORTS[0]}
session "ws://127.0.0.1:$P/" --protocol v1.nope --protocol superchat \
	--protocol chat --send x --close 1000
expect_eq "--subprotocol: the client's first supported offer wins" \
	"$(lines 'protocol ')" "protocol superchat"
expect_eq "--subprotocol: named in the 101" \
	"$(lines 'header sec-websocket-protocol')" "header sec-websocket-protocol: superchat"
expect_eq "--subprotocol: and it echoes" "$(lines 'text ')" "text x"

# node ws refuses a 101 without a subprotocol it offered, so ask by hand
key=$(head -c 16 /dev/urandom | base64)
curl -s -m 2 -i -N -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	-H "Sec-WebSocket-Key: $key" -H 'Sec-WebSocket-Version: 13' \
	-H 'Sec-WebSocket-Protocol: v1.nope, v2.nope' \
	"http://127.0.0.1:$P/" 2>/dev/null | tr -d '\r' >"$OUT/nosub.hdr"
expect_eq "--subprotocol: unsupported offers still get 101" \
	"$(head -n1 "$OUT/nosub.hdr")" "HTTP/1.1 101 Switching Protocols"
if grep -qi '^sec-websocket-protocol' "$OUT/nosub.hdr"; then
	notok "--subprotocol: ... without Sec-WebSocket-Protocol" "$(cat "$OUT/nosub.hdr")"
else
	ok "--subprotocol: ... without Sec-WebSocket-Protocol"
fi
stop "$PID"

# --- --reject ------------------------------------------------------------------------
start_echo echo-reject --listen 127.0.0.1:0 --reject /private=403 \
	--reject /gone=410 --reject '/ws?deny=1=401' || exit 1
P=${PORTS[0]}
session "ws://127.0.0.1:$P/private?token=1"
expect_eq "--reject: the status" "$(lines 'status ')" "status 403"
expect_eq "--reject: a short body" "$(lines 'body ')" "body rejected by --reject"
expect_eq "--reject: names the backend (default id: the port it got)" \
	"$(lines 'header x-wsctl-backend')" "header x-wsctl-backend: 127.0.0.1:$P"
session "ws://127.0.0.1:$P/gone"
expect_eq "--reject: another path, another status" "$(lines 'status ')" "status 410"
session "ws://127.0.0.1:$P/public" --send fine --close 1000
expect_eq "--reject: other paths upgrade" "$(lines 'text ')" "text fine"
session "ws://127.0.0.1:$P/ws?deny=1"
expect_eq "--reject with a query: that target is refused" "$(lines 'status ')" "status 401"
session "ws://127.0.0.1:$P/ws" --send same-path --close 1000
expect_eq "--reject with a query: the bare path upgrades" "$(lines 'text ')" "text same-path"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/private")
expect_eq "--reject: a plain GET on the path is not an upgrade" "$code" 200
stop "$PID"

# --- --close-after --------------------------------------------------------------------
start_echo echo-close3 --listen 127.0.0.1:0 --close-after 3 || exit 1
session "ws://127.0.0.1:${PORTS[0]}/" --send 1 --send 2 --send 3 --send 4 --send 5
expect_eq "--close-after 3: three replies" "$(lines 'text ' | tr '\n' ' ')" \
	"text 1 text 2 text 3 "
expect_eq "--close-after 3: then close 1000" "$(lines 'close ')" "close 1000 close-after 3"
stop "$PID"
start_echo echo-close4001 --listen 127.0.0.1:0 --close-after 1:4001 || exit 1
session "ws://127.0.0.1:${PORTS[0]}/" --send a --send b
expect_eq "--close-after 1:4001: one reply" "$(lines 'text ')" "text a"
expect_eq "--close-after 1:4001: close 4001" "$(lines 'close ')" "close 4001 close-after 1"
stop "$PID"

# a checker asks one connection to close, by a request header
start_echo echo-hdr --listen 127.0.0.1:0 || exit 1
session "ws://127.0.0.1:${PORTS[0]}/" --header 'X-Wsctl-Close-After: 1:4000' \
	--send a --send b
expect_eq "X-Wsctl-Close-After 1:4000: one reply, close 4000" \
	"$(lines '[tc][el][xo]')" "text a
close 4000 close-after 1"
session "ws://127.0.0.1:${PORTS[0]}/" --header 'X-Wsctl-Close-After: soon'
expect_eq "X-Wsctl-Close-After that makes no sense: 400" \
	"$(lines 'status ')$(lines 'body ')" "status 400body bad X-Wsctl-Close-After"
session "ws://127.0.0.1:${PORTS[0]}/" --send x --send y --close 1000
expect_eq "without the header: no close of its own" "$(lines 'close ')" "close 1000 "

# a checker asks for a refusal: its status, with Upgrade on 426 and 200
for st in 403 426 200; do
	key=$(head -c 16 /dev/urandom | base64)
	curl -s -m 2 -i -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H "Sec-WebSocket-Key: $key" -H 'Sec-WebSocket-Version: 13' \
		-H "X-Wsctl-Refuse: $st" "http://127.0.0.1:${PORTS[0]}/" 2>/dev/null |
		tr -d '\r' >"$OUT/refuse-$st.hdr"
	expect_eq "X-Wsctl-Refuse: $st: answered $st" \
		"$(head -n1 "$OUT/refuse-$st.hdr" | cut -d' ' -f2)" "$st"
done
expect_eq "X-Wsctl-Refuse: 426 names the upgrade it wants" \
	"$(grep -ci '^upgrade: websocket' "$OUT/refuse-426.hdr")" 1
expect_eq "X-Wsctl-Refuse: 200 carries Upgrade and Connection, as a 101 would" \
	"$(grep -ciE '^(upgrade: websocket|connection: upgrade)' "$OUT/refuse-200.hdr")" 2
session "ws://127.0.0.1:${PORTS[0]}/" --header 'X-Wsctl-Refuse: 101'
expect_eq "X-Wsctl-Refuse: 101: 400" "$(lines 'status ')$(lines 'body ')" \
	"status 400body bad X-Wsctl-Refuse"

# a checker asks for messages the client never asked for, or for none
session "ws://127.0.0.1:${PORTS[0]}/" --header 'X-Wsctl-Push: 100' --wait 450
expect_eq "X-Wsctl-Push 100: a numbered message every 100ms" \
	"$(lines 'text ' | head -n3)" "text wsctl-push 1
text wsctl-push 2
text wsctl-push 3"
session "ws://127.0.0.1:${PORTS[0]}/" --header 'X-Wsctl-Sink: 1' \
	--send a --send b --ping p --wait 700
expect_eq "X-Wsctl-Sink 1: no echo, but a pong" \
	"$(lines '[tp][eo][xn]')" "pong p"
for bad in 'X-Wsctl-Push: 0' 'X-Wsctl-Push: 1s' 'X-Wsctl-Push: 3600001' \
	'X-Wsctl-Sink: yes'; do
	session "ws://127.0.0.1:${PORTS[0]}/" --header "$bad"
	expect_eq "$bad: 400" "$(lines 'status ')$(lines 'body ')" \
		"status 400body bad ${bad%%:*}"
done
stop "$PID"

# --- --delay: replies wait, and keep their order -----------------------------------
start_echo echo-delay --listen 127.0.0.1:0 --delay 300ms || exit 1
session "ws://127.0.0.1:${PORTS[0]}/" --send first --ping p --binary 0102 \
	--send third --close 1000
expect_eq "--delay: replies in order" "$(lines '[tb][ei][xn]' | tr '\n' ' ')" \
	"text first binary 0102 text third "
expect_eq "--delay: the close is echoed after them" "$(lines 'close ')" "close 1000 "
expect_eq "--delay: pings are answered" "$(lines 'pong ')" "pong p"
stop "$PID"

# --- --max-message ------------------------------------------------------------------
start_echo echo-max --listen 127.0.0.1:0 --max-message 1KiB || exit 1
P=${PORTS[0]}
small=$(head -c 1024 /dev/zero | tr '\0' 'a')
session "ws://127.0.0.1:$P/" --send "$small" --close 1000
expect_eq "--max-message 1KiB: 1024 bytes come back" "$(lines 'text ' | wc -c)" 1030
session "ws://127.0.0.1:$P/" --send "${small}b"
expect_eq "--max-message 1KiB: 1025 bytes: close 1009" "$(lines 'close ')" \
	"close 1009 message over --max-message"
session "ws://127.0.0.1:$P/" --fragments "${small:0:600},${small:0:600}"
expect_eq "--max-message: counts the whole message, not one frame" \
	"$(lines 'close ')" "close 1009 message over --max-message"
session "ws://127.0.0.1:$P/" --send still-served --close 1000
expect_eq "--max-message: the next client is served" "$(lines 'text ')" "text still-served"
stop "$PID"

# --- the log ---------------------------------------------------------------------------
start_echo echo-json --listen 127.0.0.1:0 --id j --log-format json || exit 1
session "ws://127.0.0.1:${PORTS[0]}/jpath" --send abc --close 4005:bye
stop "$PID"
grep '^{' "$OUT/echo-json.log" >"$OUT/echo-json.lines"
expect_eq "--log-format json: one object per connection" \
	"$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["backend"], r["request"], r["status"], r["messages"], r["bytes"], r["close"], r["error"])' "$OUT/echo-json.lines")" \
	"j GET /jpath 101 {'received': 1, 'sent': 1} {'received': 3, 'sent': 3} {'received': 4005, 'sent': 4005} None"

start_echo echo-quiet --listen 127.0.0.1:0 --quiet || exit 1
session "ws://127.0.0.1:${PORTS[0]}/" --send q --close 1000
curl -s -m 5 -o /dev/null "http://127.0.0.1:${PORTS[0]}/"
stop "$PID"
expect_eq "--quiet: nothing but the listening line" \
	"$(grep -vc '^listening on ' "$OUT/echo-quiet.log")" 0

# --- usage errors: one line, the hint, exit 2 -----------------------------------------
usage() {
	local name=$1 want=$2
	shift 2
	timeout 10 "$WSCTL" echo "$@" >"$OUT/usage.out" 2>"$OUT/usage.err"
	local rc=$?
	if [ "$rc" -eq 2 ] && [ "$(head -n1 "$OUT/usage.err")" == "wsctl echo: $want" ] &&
	   [ "$(sed -n 2p "$OUT/usage.err")" == "try 'wsctl echo --help'" ] &&
	   [ ! -s "$OUT/usage.out" ]; then
		ok "usage: $name"
	else
		notok "usage: $name" "exit $rc: $(tr '\n' '|' <"$OUT/usage.err")"
	fi
}
usage "no --listen" "no --listen given"
usage "more --id than --listen" "2 --id for 1 --listen" --listen 0 --id a --id b
usage "two backends, one id" "two backends with id 'x'" --listen 0 --id x --listen 0 --id x
usage "bad --close-after code" "bad --close-after '3:1005': want N or N:CODE, CODE a valid close code" \
	--listen 0 --close-after 3:1005
usage "bad --reject" "bad --reject 'private=403': want /PATH=STATUS, STATUS 400-599" \
	--listen 0 --reject private=403
usage "bad --delay" "bad duration '1.5s' for --delay" --listen 0 --delay 1.5s
usage "bad --max-message" "bad size 'lots' for --max-message" --listen 0 --max-message lots
usage "bad --log-format" "bad --log-format 'xml': want text or json" --listen 0 --log-format xml
usage "--tls-cert alone" "--tls-cert and --tls-key go together" --listen 0 --tls-cert /nonexistent
usage "missing certificate" \
	"cannot load certificate '/nonexistent.pem': No such file or directory" \
	--listen 0 --tls-cert /nonexistent.pem --tls-key /nonexistent.pem

# an HTTP/1.0 upgrade: 400 by default (RFC 6455 4.1 asks for 1.1), a 101
# with --accept-http10, as node ws gives; the record keeps the version
http10() { # http10 PORT: the status line of an HTTP/1.0 upgrade
	python3 - "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v10 HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
print(s.recv(4096).split(b"\r\n")[0].decode())
PY
}
P10=$(free_port)
start_echo http10-strict --listen "127.0.0.1:$P10"
expect_eq "HTTP/1.0 upgrade: 400 by default" "$(http10 "$P10")" "HTTP/1.1 400 Bad Request"
stop "$PID"
P10=$(free_port)
start_echo http10-ok --listen "127.0.0.1:$P10" --accept-http10
expect_eq "HTTP/1.0 upgrade with --accept-http10: 101" "$(http10 "$P10")" "HTTP/1.1 101 Switching Protocols"
expect_match "... recorded as HTTP/1.0" \
	"$(curl -s "http://127.0.0.1:$P10/.wsctl/conn/1")" '"version": ?"HTTP/1.0"'
stop "$PID"
