# wsctl connect when things go wrong: refused, unknown host, a refusal
# with a body, abnormal closes, TLS with a self-signed certificate, usage
# errors.  Each failure is exit 1 (2 for usage) and one line on stderr.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

wsc() {
	timeout 30 "$WSCTL" connect "$@" >"$OUT/connect-e.out" 2>"$OUT/connect-e.err" </dev/null
	rc=$?
}

# fails NAME STATUS REGEX: the last wsc exited STATUS with one line on
# stderr matching REGEX, and printed nothing on stdout
fails() {
	local err
	err=$(cat "$OUT/connect-e.err")
	if [ "$rc" != "$2" ]; then
		notok "$1" "exit $rc, want $2: $err"
	elif [ "$(wc -l <"$OUT/connect-e.err")" != 1 ]; then
		notok "$1" "want one line on stderr, got: $err"
	elif ! [[ $err =~ $3 ]]; then
		notok "$1" "got '$err', want /$3/"
	elif [ -s "$OUT/connect-e.out" ]; then
		notok "$1" "stdout not empty: $(head -c 200 "$OUT/connect-e.out")"
	else
		ok "$1"
	fi
}

# connection refused: a port nobody listens on
wsc -x hi "ws://127.0.0.1:$(free_port)/"
fails "refused port" 1 "^wsctl connect: cannot connect to '127\.0\.0\.1:[0-9]+': Connection refused$"

wsc -x hi ws://nohost.invalid/
fails "unknown host" 1 "^wsctl connect: cannot resolve 'nohost\.invalid'$"

start_node connect-refuse "$JS/connect_echo_server.js" --mode refuse || exit 1
wsc -x hi "ws://127.0.0.1:$PORT/"
fails "403 with a body" 1 "^wsctl connect: server answered 403 Forbidden: Forbidden by test$"
wsc -x hi "ws://127.0.0.1:$PORT/html"
fails "502 with nginx's chunked HTML page, which says the status again: once" 1 "^wsctl connect: server answered 502 Bad Gateway$"
wsc --show-handshake -x hi "ws://127.0.0.1:$PORT/"
expect_eq "403 --show-handshake: status line, then the error last" \
	"$rc:$(head -n1 "$OUT/connect-e.err"):$(tail -n1 "$OUT/connect-e.err")" \
	"1:HTTP/1.1 403 Forbidden:wsctl connect: server answered 403 Forbidden: Forbidden by test"

start_node connect-drop "$JS/connect_echo_server.js" --mode drop || exit 1
wsc -x hi "ws://127.0.0.1:$PORT/"
fails "TCP closed without a close frame" 1 "^wsctl connect: connection closed without a close frame \(1006"

start_node connect-4000 "$JS/connect_echo_server.js" --mode close4000 || exit 1
wsc -x hi "ws://127.0.0.1:$PORT/"
fails "server closes with 4000" 1 "^wsctl connect: server closed the connection with code 4000 .*custom reason$"

# a 101 that does not complete the upgrade
start_node connect-badhead "$JS/connect_echo_server.js" --mode badhead || exit 1
while read -r path why; do
	wsc -x hi "ws://127.0.0.1:$PORT$path"
	fails "bad 101 ($path)" 1 "^wsctl connect: bad upgrade response: $why\$"
done <<'EOF'
/accept Sec-WebSocket-Accept is 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', want '[A-Za-z0-9+/]{27}='
/upgrade 101 with Upgrade 'h2c', want 'websocket'
/connection 101 with Connection 'keep-alive', want 'upgrade'
/protocol server chose subprotocol 'nope', which was not offered
/extension server chose extension 'permessage-deflate', which was not offered
EOF

# frames a server must not send: exit 1, and the close code RFC 6455 names
start_node connect-raw "$JS/connect_echo_server.js" --mode raw || exit 1
while read -r kind code why; do
	n=$(grep -c '^close' "$OUT/connect-raw.log")
	wsc -x "$kind" "ws://127.0.0.1:$PORT/"
	fails "bad frame '$kind'" 1 "^wsctl connect: protocol error from the server: $why"
	for ((i = 0; i < 40; i++)); do
		[ "$(grep -c '^close' "$OUT/connect-raw.log")" -gt "$n" ] && break
		sleep 0.05
	done
	expect_eq "bad frame '$kind': closed with $code" \
		"$(grep '^close' "$OUT/connect-raw.log" | sed -n "$((n + 1))p")" "close $code "
done <<'EOF'
masked 1002 masked frame from the server$
rsv 1002 frame with reserved bits set \(RSV 0x4\)$
utf8 1007 text message is not valid UTF-8$
fragutf8 1007 text message is not valid UTF-8$
cont 1002 continuation frame with no message to continue$
opcode 1002 frame with reserved opcode 0x3$
badclose 1002 close frame with code 1005, which may not be sent$
fragping 1002 fragmented ping frame$
bigping 1002 ping frame longer than 125 bytes$
EOF

start_node connect-nopong "$JS/connect_echo_server.js" --mode nopong || exit 1
NOPONG=ws://127.0.0.1:$PORT/
timeout 30 "$WSCTL" connect --timeout 1s "$NOPONG" <<<'/ping' >"$OUT/connect-e.out" 2>"$OUT/connect-e.err"
rc=$?
fails "/ping without a pong" 1 "^wsctl connect: no pong within 1s$"
wsc -x hi -w 3s --ping-interval 200ms "$NOPONG"
expect_eq "--ping-interval without pongs: exit 1" "$rc" 1
expect_match "--ping-interval without pongs: says so" "$(cat "$OUT/connect-e.err")" \
	"^wsctl connect: no pong within 200ms"

# a server that accepts TCP and never answers the handshake
start_node connect-mute -e '
const srv = require("net").createServer(function () {});
srv.listen(0, "127.0.0.1", function () {
	console.log("listening on " + srv.address().port);
});' || exit 1
wsc --timeout 500ms -x hi "ws://127.0.0.1:$PORT/"
fails "no response: timeout" 1 "^wsctl connect: no response within 500ms$"

# TLS: a self-signed certificate for 127.0.0.1 and localhost
TLS=$OUT/connect-tls
mkdir -p "$TLS"
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$TLS/key.pem" -out "$TLS/cert.pem" >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
		-keyout "$TLS/other-key.pem" -out "$TLS/other.pem" >/dev/null 2>&1; then
	ok "openssl made certificates"
else
	notok "openssl made certificates"
fi
start_node connect-tls "$JS/connect_echo_server.js" --tls "$TLS/cert.pem" "$TLS/key.pem" || exit 1
WSS=wss://127.0.0.1:$PORT/
wsc -x hi "$WSS"
fails "wss: self-signed refused" 1 \
	"^wsctl connect: tls handshake with '127\.0\.0\.1:$PORT' failed: certificate verify failed: self-signed certificate$"
timeout 30 "$WSCTL" connect --insecure "$WSS" <<<'secure hello' >"$OUT/connect-e.out" 2>&1
rc=$?
expect_eq "wss --insecure: works" "$rc:$(cat "$OUT/connect-e.out")" "0:secure hello"
timeout 30 "$WSCTL" connect --ca "$TLS/cert.pem" -x 'with ca' "$WSS" >"$OUT/connect-e.out" 2>&1
rc=$?
expect_eq "wss --ca: works" "$rc:$(cat "$OUT/connect-e.out")" "0:with ca"
timeout 30 "$WSCTL" connect --ca "$TLS/cert.pem" -x 'by name' "wss://localhost:$PORT/" >"$OUT/connect-e.out" 2>&1
rc=$?
expect_eq "wss --ca by host name: works" "$rc:$(cat "$OUT/connect-e.out")" "0:by name"
wsc --ca "$TLS/other.pem" -x hi "$WSS"
fails "wss --ca with the wrong CA" 1 "certificate verify failed"
head -c 50000 /dev/urandom >"$OUT/connect-e.bin"
timeout 30 "$WSCTL" connect --insecure --binary "$WSS" <"$OUT/connect-e.bin" >"$OUT/connect-e.out" 2>&1
rc=$?
cmp -s "$OUT/connect-e.bin" "$OUT/connect-e.out" && [ $rc -eq 0 ] && ok "wss: binary round trip" ||
	notok "wss: binary round trip" "exit $rc"

# a client certificate, as wscat's --cert/--key/--passphrase: a server
# that requires one signed by its CA
CC=$OUT/connect-cc
mkdir -p "$CC"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
if openssl req -x509 $ec -days 2 -subj /CN=test-ca -keyout "$CC/ca-key.pem" \
	-out "$CC/ca.pem" >/dev/null 2>&1 &&
	openssl req $ec -subj /CN=alice -keyout "$CC/alice-key.pem" \
		-out "$CC/alice.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$CC/alice.csr" -CA "$CC/ca.pem" -CAkey "$CC/ca-key.pem" \
		-CAcreateserial -days 2 -out "$CC/alice.pem" >/dev/null 2>&1 &&
	openssl pkey -in "$CC/alice-key.pem" -aes256 -passout pass:s3cret \
		-out "$CC/alice-enc.pem" >/dev/null 2>&1; then
	ok "openssl made a CA and a client certificate"
else
	notok "openssl made a CA and a client certificate"
fi
start_node connect-mtls "$JS/connect_echo_server.js" --tls "$TLS/cert.pem" "$TLS/key.pem" \
	--client-ca "$CC/ca.pem" || exit 1
MTLS=wss://127.0.0.1:$PORT/
timeout 30 "$WSCTL" connect -n --cert "$CC/alice.pem" --key "$CC/alice-key.pem" \
	-x 'with a cert' "$MTLS" >"$OUT/connect-e.out" 2>&1
rc=$?
expect_eq "--cert --key: the server took it" "$rc:$(cat "$OUT/connect-e.out")" "0:with a cert"
expect_eq "... and saw alice's certificate" "$(grep -c '^client-cert alice$' "$OUT/connect-mtls.log")" 1
# (wscat ends when stdin does, before the reply: keep it open)
sleep 2 | timeout 30 "$WSCAT" -n --cert "$CC/alice.pem" --key "$CC/alice-key.pem" \
	-x 'wscat too' -w 1 -c "$MTLS" >"$OUT/connect-e.out" 2>&1
expect_eq "... as wscat's --cert --key do" "$?:$(cat "$OUT/connect-e.out")" "0:wscat too"
timeout 30 "$WSCTL" connect -n --cert "$CC/alice.pem" --key "$CC/alice-enc.pem" \
	--passphrase s3cret -x 'encrypted key' "$MTLS" >"$OUT/connect-e.out" 2>&1
rc=$?
expect_eq "--passphrase: an encrypted key" "$rc:$(cat "$OUT/connect-e.out")" "0:encrypted key"
wsc -n -x hi "$MTLS"
expect_eq "no certificate: refused by the server, exit 1" "$rc" 1
expect_eq "... and the server got no message" "$(grep -c '^text hi$' "$OUT/connect-mtls.log")" 0
wsc -n --cert "$CC/alice.pem" --key "$CC/alice-enc.pem" --passphrase wrong -x hi "$MTLS"
fails "--passphrase wrong: a setup error" 2 \
	"^wsctl connect: cannot load the client key from '.*alice-enc.pem': "
wsc -n --cert "$CC/alice.pem" --key "$CC/alice-enc.pem" -x hi "$MTLS" </dev/null
fails "an encrypted key, no passphrase, no terminal: a setup error, not a prompt" 2 \
	"^wsctl connect: cannot load the client key from "
wsc -n --cert "$CC/alice.pem" --key "$TLS/other-key.pem" -x hi "$MTLS"
fails "a key that is not the certificate's" 2 \
	"^wsctl connect: the key in '.*other-key.pem' is not the certificate's$"

# usage errors: exit 2, the message, then the hint
usage() {
	local name=$1 want=$2
	shift 2
	timeout 30 "$WSCTL" connect "$@" >/dev/null 2>"$OUT/connect-e.err" </dev/null
	rc=$?
	expect_eq "usage: $name" "$rc:$(head -n1 "$OUT/connect-e.err"):$(sed -n 2p "$OUT/connect-e.err")" \
		"2:wsctl connect: $want:try 'wsctl connect --help'"
}
usage "bad option" "unknown option '--frobnicate'" --frobnicate ws://127.0.0.1:1/
usage "--key without --cert" "--key and --passphrase need --cert" --key "$CC/alice-key.pem" wss://127.0.0.1:1/
usage "--cert with ws://" "--cert needs a wss:// URL" --cert "$CC/alice.pem" ws://127.0.0.1:1/
usage "missing value" "option '-w' needs a value" ws://127.0.0.1:1/ -w
usage "missing URL" "missing URL"
usage "two URLs" "unexpected argument 'ws://b/'" ws://a/ ws://b/
usage "bad scheme" "unsupported scheme 'ftp' in 'ftp://x/'" ftp://x/
usage "bad duration" "bad duration 'soon' for --wait" -w soon ws://127.0.0.1:1/
usage "zero timeout" "--timeout must be more than 0" --timeout 0 ws://127.0.0.1:1/
usage "bad header" "bad header 'NoColon': want 'Name: value'" -H NoColon ws://127.0.0.1:1/
usage "unreadable CA" "cannot read '/nonexistent.pem': No such file or directory" \
	--ca /nonexistent.pem wss://127.0.0.1:1/

# a refusal whose body never ends: 403, Content-Length 999999999, then
# bytes as fast as the socket takes them.  wsctl connect keeps at most
# 4 KiB of it and gives up within a second: its peak RSS stays small,
# and it exits 1 with the status, long before the body could end
python3 - "$WSCTL" >"$OUT/connect-bigbody.out" 2>&1 <<'PY'
import resource, socket, subprocess, sys, threading, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4)
port = l.getsockname()[1]
def serve():
    c, _ = l.accept()
    c.recv(65536)
    c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 999999999\r\n\r\nnot for you\n")
    chunk = b"x" * 65536
    end = time.time() + 8
    try:
        while time.time() < end:
            c.sendall(chunk)
    except OSError:
        pass
threading.Thread(target=serve, daemon=True).start()
t0 = time.time()
p = subprocess.run([sys.argv[1], "connect", "ws://127.0.0.1:%d/" % port],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
took = time.time() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(p.returncode, "%.1f" % took, rss, p.stderr.decode().strip())
PY
read -r rc took rss msg <"$OUT/connect-bigbody.out"
expect_eq "endless refusal body: exit 1" "$rc" 1
expect_match "... with the status" "$msg" '403'
awk -v t="$took" 'BEGIN { exit !(t < 3) }' && ok "... within its bound ($took s)" ||
	notok "... within its bound" "took $took s"
# ASan's shadow memory makes any RSS large; the bound is judged without it
if [[ $WSCTL == *asan* ]]; then
	ok "... peak RSS bounded (not judged under ASan)"
elif [ "$rss" -lt 32768 ]; then
	ok "... peak RSS bounded ($rss KiB)"
else
	notok "... peak RSS bounded" "$rss KiB"
fi
