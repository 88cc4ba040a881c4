# Plain HTTP through wsctl proxy, on the same listener as WebSocket:
# keep-alive, every body framing both ways, and the answers to bad input
# (each one answered, logged, and harmless to everyone else).
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT
start_proxy px-http --upstream 127.0.0.1:$P1 || exit 1
H=http://127.0.0.1:$PXPORT
LOG=$OUT/px-http.log

out=$(curl -s -m 10 $H/page)
expect_eq "GET through the proxy" "$out" "s1 GET /page"

# two URLs, one connection: curl says so when it re-uses it
curl -sv -m 10 $H/a $H/b >"$OUT/http-ka.out" 2>"$OUT/http-ka.err"
expect_eq "keep-alive: both answers" "$(cat "$OUT/http-ka.out")" "s1 GET /a
s1 GET /b"
expect_eq "keep-alive: the second request re-used the connection" \
	"$(grep -c 'Re-using existing connection' "$OUT/http-ka.err")" 1

out=$(curl -s -m 10 $H/chunked $H/page)
expect_eq "chunked response, then another request on the connection" "$out" "s1 one
two
three
s1 GET /page"

body=$(head -c 200000 /dev/urandom | base64 -w0)
out=$(printf %s "$body" | curl -s -m 10 -H 'Transfer-Encoding: chunked' \
	--data-binary @- $H/echo)
expect_eq "chunked request body relayed as is" "${#out}:${out:0:40}" "${#body}:${body:0:40}"
out=$(printf %s "$body" | curl -s -m 10 --data-binary @- $H/echo)
expect_eq "Content-Length request body" "${#out}" "${#body}"

out=$(curl -s -m 10 -D - $H/close)
expect_match "no length: the body ends at the upstream's close" "$out" 's1 until close'
expect_match "no length: the client is told Connection: close" "$out" $'[Cc]onnection: close\r'

out=$(curl -s -m 10 -I $H/page | head -n1 | tr -d '\r')
expect_eq "HEAD" "$out" "HTTP/1.1 200 OK"
out=$(curl -s -m 10 -I $H/page $H/page | grep -c '^HTTP/1.1 200')
expect_eq "HEAD twice on one connection (no body is awaited)" "$out" 2

out=$(curl -s -m 10 --http1.0 $H/v10)
expect_eq "an HTTP/1.0 client" "$out" "s1 GET /v10"

out=$(raw "$PXPORT" 'GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' all |
	grep -a '^s1')
expect_eq "pipelined requests answered in order" "$out" "s1 GET /p1
s1 GET /p2"

hdrs=$(curl -s -m 10 -H 'X-Forwarded-For: 198.51.100.1' -H 'Connection: keep-alive, X-Secret' \
	-H 'X-Secret: 1' -H 'Keep-Alive: 5' $H/headers)
field() {
	node -e 'const h = JSON.parse(process.argv[1]); console.log(h[process.argv[2]] ?? "(none)")' \
		"$hdrs" "$1"
}
expect_eq "plain HTTP: X-Forwarded-For appended" "$(field x-forwarded-for)" "198.51.100.1, 127.0.0.1"
expect_eq "plain HTTP: Connection: close upstream (nginx's map)" "$(field connection)" "close"
expect_eq "plain HTTP: no Upgrade invented" "$(field upgrade)" "(none)"
expect_eq "hop-by-hop Keep-Alive dropped" "$(field keep-alive)" "(none)"
expect_eq "a header named in Connection dropped" "$(field x-secret)" "(none)"

# an h2c upgrade is not passed on: the upstream gets a plain request
hdrs=$(curl -s -m 10 -H 'Connection: Upgrade, HTTP2-Settings' -H 'Upgrade: h2c' \
	-H 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA' $H/headers)
expect_eq "Upgrade: h2c: the upstream gets no Upgrade" "$(field upgrade)" "(none)"
expect_eq "... and Connection: close" "$(field connection)" "close"
expect_eq "... and no HTTP2-Settings (named in Connection)" "$(field http2-settings)" "(none)"

# --- bad input: each answered with a status line, then closed
req() { printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n%s\\r\\n' "$1"; }
expect_eq "head over 16 KiB: 431" \
	"$(raw "$PXPORT" "$(req "X-Big: $(head -c 17000 /dev/zero | tr '\0' a)\\r\\n")")" \
	"HTTP/1.1 431 Request Header Fields Too Large"
expect_eq "malformed request line: 400" "$(raw "$PXPORT" 'GET /\r\nHost: x\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request"
expect_eq "unknown version: 400" "$(raw "$PXPORT" 'GET / HTTP/2.0\r\nHost: x\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request"
expect_eq "header without a colon: 400" "$(raw "$PXPORT" "$(req 'X-A b\r\n')")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "space before the colon: 400" "$(raw "$PXPORT" "$(req 'X-A : b\r\n')")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "both Content-Length and Transfer-Encoding: 400" \
	"$(raw "$PXPORT" "$(req 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n')0\r\n\r\n")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "duplicate Content-Length: 400" \
	"$(raw "$PXPORT" "$(req 'Content-Length: 1\r\nContent-Length: 1\r\n')a")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "bad Content-Length: 400" \
	"$(raw "$PXPORT" "$(req 'Content-Length: -1\r\n')")" "HTTP/1.1 400 Bad Request"
expect_eq "bare CR in a header value: 400" "$(raw "$PXPORT" "$(req 'X-A: a\rb\r\n')")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "bare LF in a header value: 400" "$(raw "$PXPORT" "$(req 'X-A: a\nX-B: b\r\n')")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "NUL in a header value: 400" "$(raw "$PXPORT" "$(req 'X-A: a\x00b\r\n')")" \
	"HTTP/1.1 400 Bad Request"
expect_eq "no Host in HTTP/1.1: 400" "$(raw "$PXPORT" 'GET / HTTP/1.1\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request"
expect_eq "bad chunk size in a body: 400" \
	"$(raw "$PXPORT" 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')" \
	"HTTP/1.1 400 Bad Request"
expect_eq "Transfer-Encoding other than chunked: 501" \
	"$(raw "$PXPORT" "$(req 'Transfer-Encoding: gzip\r\n')")" "HTTP/1.1 501 Not Implemented"
expect_eq "CONNECT: 405" "$(raw "$PXPORT" 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')" \
	"HTTP/1.1 405 Method Not Allowed"
n=$(grep -cE ': (400|405|431|501) ' "$LOG")
expect_eq "each refusal logged on one line" "$n" 15
out=$(raw "$PXPORT" "$(req 'X-A: a\x00b\r\n')" all | tail -n1)
expect_match "the answer has a body that says why" "$out" '^400 Bad Request: '

out=$(curl -s -m 10 $H/after)
expect_eq "after all that the proxy still serves" "$out" "s1 GET /after"

# --- past --max-connections: 503, and the others keep going
start_proxy px-max --max-connections 1 --upstream 127.0.0.1:$P1 || exit 1
coproc HOLD { client ws://127.0.0.1:$PXPORT/ send:whoami hold; }
read -r -t 10 line <&"${HOLD[0]}"
read -r -t 10 line <&"${HOLD[0]}"
expect_eq "max-connections 1: the first client is served" "$line" "reply s1"
expect_eq "max-connections 1: the second gets 503" \
	"$(raw "$PXPORT" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')" "HTTP/1.1 503 Service Unavailable"
expect_match "the 503 is logged" "$(grep ' 503 ' "$OUT/px-max.log")" 'over max-connections'
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null
sleep 0.2
expect_eq "max-connections 1: served again once the first left" \
	"$(curl -s -m 10 http://127.0.0.1:$PXPORT/x)" "s1 GET /x"
stop_proxies
