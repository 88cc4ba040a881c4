# wsctl connect in scripts: stdin lines and -x messages in, replies out,
# nothing else on stdout, and the exit status; against node `ws` servers.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

# wsc ARGS...: wsctl connect with a deadline; stdout and stderr go to
# $OUT/connect.out and $OUT/connect.err, the status to $rc
wsc() {
	timeout 30 "$WSCTL" connect "$@" >"$OUT/connect.out" 2>"$OUT/connect.err"
	rc=$?
}

# seen NAME LINE: the server's log has LINE, exactly (it may come late)
seen() {
	local i
	for ((i = 0; i < 40; i++)); do
		grep -qxF -- "$2" "$OUT/$1.log" && return 0
		sleep 0.05
	done
	return 1
}

start_node connect-article "$JS/article_server.js" 0 || exit 1
ART=ws://127.0.0.1:$PORT/
start_node connect-echo "$JS/connect_echo_server.js" || exit 1
ECHO=ws://127.0.0.1:$PORT/

# the article's session, as a script
printf 'Hello\nWelcome to www.hi-linux.com\n' >"$OUT/connect.in"
wsc "$ART" <"$OUT/connect.in"
expect_eq "article: piped lines exit 0" "$rc" 0
expect_eq "article: replies on stdout, nothing else" "$(cat "$OUT/connect.out")" \
	"Server received from client: Hello
Server received from client: Welcome to www.hi-linux.com"
expect_eq "article: stderr empty" "$(cat "$OUT/connect.err")" ""
seen connect-article "Received from client: Welcome to www.hi-linux.com" &&
	ok "article: server got the lines" || notok "article: server got the lines"

# -x, in order, with stdin ignored
wsc -x one -x 'two words' "$ART" <"$OUT/connect.in"
expect_eq "-x: exit 0" "$rc" 0
expect_eq "-x: replies in order" "$(cat "$OUT/connect.out")" \
	"Server received from client: one
Server received from client: two words"

# empty lines are messages; a last line without a newline is sent
printf 'a\n\nlast' | timeout 30 "$WSCTL" connect "$ECHO" >"$OUT/connect.out" 2>&1
expect_eq "empty and unterminated lines" "$(cat "$OUT/connect.out"; echo .)" "a

last
."

# a long line crosses many reads
head -c 300000 /dev/zero | tr '\0' x >"$OUT/connect.long"
echo >>"$OUT/connect.long"
wsc "$ECHO" <"$OUT/connect.long"
expect_eq "300 kB line: exit 0" "$rc" 0
cmp -s "$OUT/connect.long" "$OUT/connect.out" && ok "300 kB line: echoed" ||
	notok "300 kB line: echoed" "$(wc -c <"$OUT/connect.out") bytes back"

# fragmented replies are joined
start_node connect-frag "$JS/connect_echo_server.js" --mode fragments || exit 1
wsc -x 'fragmented reply' "ws://127.0.0.1:$PORT/"
expect_eq "fragments: joined" "$rc:$(cat "$OUT/connect.out")" "0:fragmented reply"

# binary: stdin as one message, byte for byte back
head -c 100000 /dev/urandom >"$OUT/connect.bin"
printf '\0\n\r\377' >>"$OUT/connect.bin"
wsc --binary "$ECHO" <"$OUT/connect.bin"
expect_eq "binary: exit 0" "$rc" 0
cmp -s "$OUT/connect.bin" "$OUT/connect.out" && ok "binary: round trip byte-exact" ||
	notok "binary: round trip byte-exact" "$(cmp "$OUT/connect.bin" "$OUT/connect.out" 2>&1)"
printf '\001\000\377\n' | timeout 30 "$WSCTL" connect --binary "$ECHO" >/dev/null 2>&1
seen connect-echo "binary 0100ff0a" && ok "binary: server got a binary message" ||
	notok "binary: server got a binary message"

# what the request carried
wsc -H 'X-Test: hello world' -H 'X-Other:v' -s chat -s super \
	--origin http://o.example -x hi "${ECHO}path?q=1"
expect_eq "headers: exit 0" "$rc" 0
for line in "header x-test: hello world" "header x-other: v" \
	"header sec-websocket-protocol: chat, super" "protocol chat" \
	"header origin: http://o.example" "header sec-websocket-version: 13"; do
	seen connect-echo "$line" && ok "server saw '$line'" || notok "server saw '$line'"
done
wsc -H 'Host: example.test' -x hi "$ECHO"
seen connect-echo "header host: example.test" && ok "-H replaces Host" || notok "-H replaces Host"
expect_eq "-H Host: one Host header" "$(grep -c '^header host: ' "$OUT/connect-echo.log")" \
	"$(grep -c '^peer ' "$OUT/connect-echo.log")"

# wscat's habits: -c URL, no scheme (ws:// assumed), -o, --auth, --host,
# -n, and -w -1 staying open until the server closes
noscheme=${ECHO#ws://}
wsc -c "$noscheme" -o http://w.example --auth 'alice:s3cr:et' --host h.example -n -x hi
expect_eq "wscat's flags: exit 0" "$rc/$(cat "$OUT/connect.out")" "0/hi"
for line in "header origin: http://w.example" "header host: h.example" \
	"header authorization: Basic $(printf 'alice:s3cr:et' | base64)"; do
	seen connect-echo "$line" && ok "wscat's flags: server saw '$line'" ||
		notok "wscat's flags: server saw '$line'"
done
start_node connect-bye "$JS/connect_echo_server.js" --mode bye || exit 1
wsc -w -1 -x hi "ws://127.0.0.1:$PORT/"
expect_eq "-w -1: open until the server closed (1000 'bye')" "$rc" 0
# -P: the pings and pongs received, on stderr (stdout is the messages')
start_node connect-raw-ping "$JS/connect_echo_server.js" --mode raw || exit 1
printf 'ping\n/ping abc\n' >"$OUT/connect-ping.in"
wsc -P -w 500ms "ws://127.0.0.1:$PORT/" <"$OUT/connect-ping.in"
expect_eq "-P: exit 0, the message on stdout" "$rc/$(cat "$OUT/connect.out")" "0/ping"
expect_eq "... the server's ping and the pong to ours on stderr" \
	"$(grep '^< p' "$OUT/connect.err" | sort | paste -sd'|')" "< ping: hi|< pong: abc"
wsc --auth nocolon -x hi "$ECHO"
expect_eq "--auth without a colon: exit 2" "$rc" 2

# --source
if wsc --source 127.0.0.2 -x hi "$ECHO" && [ "$rc" -eq 0 ]; then
	seen connect-echo "peer 127.0.0.2" && ok "--source: server saw 127.0.0.2" ||
		notok "--source: server saw 127.0.0.2"
else
	notok "--source 127.0.0.2" "exit $rc: $(cat "$OUT/connect.err")"
fi

# --show-handshake: the response head on stderr, stdout untouched
wsc --show-handshake -s chat -x hi "$ECHO"
expect_eq "show-handshake: exit 0" "$rc" 0
expect_eq "show-handshake: status line first" "$(head -n1 "$OUT/connect.err")" \
	"HTTP/1.1 101 Switching Protocols"
expect_match "show-handshake: accept header" "$(cat "$OUT/connect.err")" \
	$'\nSec-WebSocket-Accept: [A-Za-z0-9+/]{27}='
expect_match "show-handshake: subprotocol" "$(cat "$OUT/connect.err")" \
	$'\nSec-WebSocket-Protocol: chat'
expect_eq "show-handshake: stdout only the reply" "$(cat "$OUT/connect.out")" "hi"

# commands
printf '/ping hello\n' | timeout 30 "$WSCTL" connect "$ECHO" >"$OUT/connect.out" 2>&1
rc=$?
expect_eq "/ping: pong awaited, exit 0, nothing printed" "$rc:$(cat "$OUT/connect.out")" "0:"
seen connect-echo "ping hello" && ok "/ping: server got the ping" || notok "/ping: server got the ping"
printf '//slash\n' | timeout 30 "$WSCTL" connect "$ECHO" >"$OUT/connect.out" 2>&1
expect_eq "//text sends /text" "$(cat "$OUT/connect.out")" "/slash"
printf 'first\n/close 4001 going away now\nnever sent\n' |
	timeout 30 "$WSCTL" connect "$ECHO" >"$OUT/connect.out" 2>"$OUT/connect.err"
rc=$?
expect_eq "/close: exit 0" "$rc" 0
seen connect-echo "close 4001 going away now" && ok "/close: code and reason reached the server" ||
	notok "/close: code and reason reached the server" "$(grep '^close' "$OUT/connect-echo.log" | tail -1)"
grep -qxF "text never sent" "$OUT/connect-echo.log" && notok "/close: later lines not sent" ||
	ok "/close: later lines not sent"
printf '/close 1005\n' | timeout 30 "$WSCTL" connect "$ECHO" >/dev/null 2>"$OUT/connect.err"
rc=$?
expect_eq "/close 1005 refused: exit 2" "$rc" 2
expect_match "/close 1005 refused: says why" "$(cat "$OUT/connect.err")" "^wsctl connect: line 1: bad close code '1005'"
printf 'ok\n/nope x\n' | timeout 30 "$WSCTL" connect "$ECHO" >/dev/null 2>"$OUT/connect.err"
rc=$?
expect_eq "unknown command: exit 2" "$rc" 2
expect_eq "unknown command: one line" "$(cat "$OUT/connect.err")" \
	"wsctl connect: line 2: unknown command '/nope' (write '//nope' to send it as text)"
printf 'bad \377 utf8\n' | timeout 30 "$WSCTL" connect "$ECHO" >/dev/null 2>"$OUT/connect.err"
expect_eq "invalid UTF-8 line: exit 2" "$?" 2

# -w: a fixed wait, replies or not
start_node connect-twice "$JS/connect_echo_server.js" --mode twice || exit 1
TWICE=ws://127.0.0.1:$PORT/
wsc -x dup -w 1s "$TWICE"
expect_eq "-w: both replies printed, exit 0" "$rc:$(cat "$OUT/connect.out")" "0:dup
dup"
start_node connect-silent "$JS/connect_echo_server.js" --mode silent || exit 1
SILENT=ws://127.0.0.1:$PORT/
wsc -x hello -w 300ms "$SILENT"
expect_eq "-w: silent server, exit 0" "$rc:$(cat "$OUT/connect.out")" "0:"
wsc -x hello --timeout 1s "$SILENT"
expect_eq "no reply: exit 1" "$rc" 1
expect_eq "no reply: one line" "$(cat "$OUT/connect.err")" \
	"wsctl connect: no reply to 1 of 1 messages within 1s (--wait sets a fixed wait)"
wsc -w 200ms "$SILENT" </dev/null
expect_eq "empty stdin with -w: exit 0" "$rc:$(cat "$OUT/connect.out")" "0:"
wsc -x dup -w 0.5 "$TWICE"
expect_eq "-w in seconds, as wscat takes it: 0.5" "$rc:$(cat "$OUT/connect.out")" "0:dup
dup"

# --ping-interval
wsc -x hi -w 1s --ping-interval 200ms "$ECHO"
expect_eq "--ping-interval: exit 0" "$rc" 0
expect_match "--ping-interval: pings reached the server" \
	"$(grep -c '^ping $' "$OUT/connect-echo.log")" '^[1-9]'

# a close from the server: 1000 ends the run normally
start_node connect-bye "$JS/connect_echo_server.js" --mode bye || exit 1
printf 'last words\nmore\n' >"$OUT/connect.in"
wsc "ws://127.0.0.1:$PORT/" <"$OUT/connect.in"
expect_eq "server close 1000: exit 0, reply printed" "$rc:$(head -n1 "$OUT/connect.out")" "0:last words"

# the wsctl echo backend, once it exists: the article's backend in C
if "$WSCTL" echo --help >/dev/null 2>&1; then
	EP=$(free_port)
	spawn connect-wsctl-echo "$WSCTL" echo --listen "127.0.0.1:$EP" \
		--prefix 'Server received from client: '
	if wait_port "$EP"; then
		printf 'Hello\n' | timeout 30 "$WSCTL" connect "ws://127.0.0.1:$EP/" >"$OUT/connect.out" 2>&1
		rc=$?
		expect_eq "wsctl echo: the article's reply, exit 0" "$rc:$(cat "$OUT/connect.out")" \
			"0:Server received from client: Hello"
		wsc --binary "ws://127.0.0.1:$EP/" <"$OUT/connect.bin"
		cmp -s "$OUT/connect.bin" "$OUT/connect.out" && [ $rc -eq 0 ] &&
			ok "wsctl echo: binary round trip" || notok "wsctl echo: binary round trip" "exit $rc"
	else
		notok "wsctl echo started"
	fi
	# IPv6, where the loopback has it
	if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
		EP6=$(free_port)
		spawn connect-wsctl-echo6 "$WSCTL" echo --listen "[::1]:$EP6"
		if wait_port "$EP6" ::1; then
			wsc -x v6 "ws://[::1]:$EP6/"
			expect_eq "IPv6 URL" "$rc:$(cat "$OUT/connect.out")" "0:v6"
		else
			notok "wsctl echo on [::1] started"
		fi
	fi
fi

# -l: wsctl is the server, as wscat -l; a bare port is loopback's, port 0
# a free one, and stderr says where
# listen_start ARGS...: wsctl connect -l in the background; sets LP (its
# PID) and LPORT; its stdout and stderr in $OUT/listen.out, .err
listen_start() {
	local i
	: >"$OUT/listen.err"	# not the last one's port
	# <&0: a background job's stdin is /dev/null unless it is named
	timeout 20 "$WSCTL" connect "$@" <&0 >"$OUT/listen.out" 2>"$OUT/listen.err" &
	LP=$!
	_pids+=("$LP")
	for ((i = 0; i < 200; i++)); do
		LPORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$OUT/listen.err")
		[ -n "$LPORT" ] && return 0
		sleep 0.05
	done
	notok "wsctl connect -l started" "$(cat "$OUT/listen.err")"
	return 1
}
listen_start -l 0 -x 'to the client' && {
	out=$(sleep 2 | timeout 20 "$WSCAT" -c "ws://127.0.0.1:$LPORT" -x 'from wscat' -w 1 2>&1)
	expect_eq "-l: wscat, the client, got the -x message" "$out" "to the client"
	wait "$LP"
	expect_eq "-l in a script: one client, exit 0 once it closed" "$?" 0
	expect_eq "... what it sent on stdout" "$(cat "$OUT/listen.out")" "from wscat"
	expect_match "... and who it was on stderr" "$(cat "$OUT/listen.err")" \
		$'\nclient connected: 127\\.0\\.0\\.1:[0-9]+$'
}
# the same session with wscat -l as the server: the same effect
# (wscat -l ends when its stdin does: a FIFO held open keeps it open)
WP=$(free_port)
rm -f "$OUT/wscat-listen.in"
mkfifo "$OUT/wscat-listen.in"
exec 7<>"$OUT/wscat-listen.in"
"$WSCAT" -l "$WP" <&7 >"$OUT/wscat-listen.log" 2>&1 &
_pids+=($!)
if wait_port "$WP"; then
	wsc -w 500ms -x 'to wscat' "ws://127.0.0.1:$WP/"
	expect_eq "wscat -l, for comparison: wsctl's message arrived" "$rc" 0
	grep -q 'to wscat$' "$OUT/wscat-listen.log" && ok "... wscat printed it" ||
		notok "... wscat printed it" "$(cat "$OUT/wscat-listen.log")"
fi
# stdin lines go to the client; a second client is refused while one is in
listen_start -l 0 < <(printf 'line one\nline two\n'; sleep 3) && {
	printf 'x\n' | timeout 20 "$WSCTL" connect -w 2s "ws://127.0.0.1:$LPORT/" \
		>"$OUT/listen-c1.out" 2>&1 &
	c1=$!
	sleep 0.5
	timeout 20 "$WSCTL" connect -x second "ws://127.0.0.1:$LPORT/" >"$OUT/listen-c2.out" 2>&1
	expect_eq "-l: a second client while one is in: refused, exit 1" "$?" 1
	wait "$c1"
	expect_eq "... the first got the stdin lines" "$(cat "$OUT/listen-c1.out")" "line one
line two"
	wait "$LP"
	expect_eq "... and wsctl -l got its message, exit 0" "$?:$(cat "$OUT/listen.out")" "0:x"
}
# not a WebSocket request: 400, one line, exit 1
listen_start -l 0 && {
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LPORT/")
	wait "$LP"
	expect_eq "-l: a plain GET gets 400, and the run exit 1" "$code:$?" "400:1"
	expect_eq "... with one line saying why" "$(tail -n1 "$OUT/listen.err" |
		sed 's/127\.0\.0\.1:[0-9]*/ADDR/')" \
		"wsctl connect: ADDR: not a WebSocket upgrade: no Upgrade: websocket"
}
for bad in "-l 1 ws://127.0.0.1:1/|-l and a URL: choose one, as wscat does" \
	"-l nope|bad --listen 'nope': want [ADDR:]PORT" \
	"-l 0 -H X-A:1|-l takes no -H, --host, --auth, -o or --cert: they are a client's"; do
	read -ra args <<<"${bad%%|*}"
	timeout 10 "$WSCTL" connect "${args[@]}" >/dev/null 2>"$OUT/listen-bad.err" </dev/null
	expect_eq "usage: ${bad%%|*}" "$?:$(head -n1 "$OUT/listen-bad.err")" "2:wsctl connect: ${bad#*|}"
done
# a client's frame must be masked (RFC 6455 5.1): an unmasked one is not
# taken, and the close says 1002
listen_start -l 0 && {
	got=$(python3 - "$LPORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, rest = buf.split(b"\r\n\r\n", 1)
s.sendall(b"\x81\x05plain")
while len(rest) < 4:
    more = s.recv(4096)
    if not more:
        break
    rest += more
print(head.split(b"\r\n")[0].decode(), rest[:4].hex())
PY
)
	wait "$LP"
	expect_eq "-l: an unmasked frame from the client: closed with 1002" "$got" \
		"HTTP/1.1 101 Switching Protocols 880203ea"
	expect_eq "... and not printed" "$(cat "$OUT/listen.out")" ""
}
