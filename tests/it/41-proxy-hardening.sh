# Hardening of wsctl proxy, each case a defect once: nothing reaches a
# backend before it agreed to the upgrade; upstream responses are judged
# (a 101's accept key, framing, size) and answered 502 with a body; a
# lone upstream recovers at once; absolute-form targets route by their
# authority; long request lines get 414; a log line is never dropped.
# Backends are tests/py/http_backend.py (a plain HTTP/1.1 server that
# logs every byte it receives) and node `ws`.
. "$(dirname "$0")/40-proxy.inc"
PY=$TESTS/py

# start_http NAME MODE: tests/py/http_backend.py; sets HPORT, HLOG
start_http() {
	local name=$1 mode=$2 i
	HLOG=$OUT/$name.bytes
	: >"$HLOG"
	: >"$OUT/$name.log"
	spawn "$name" python3 "$PY/http_backend.py" "$mode" "$HLOG" ${3:-}
	for ((i = 0; i < 200; i++)); do
		HPORT=$(awk '/^PORT / {print $2; exit}' "$OUT/$name.log")
		[ -n "$HPORT" ] && return 0
		sleep 0.05
	done
	echo "backend $name did not start" >&2
	return 1
}

UPG='GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
SMUGGLE='GET /admin HTTP/1.1\r\nHost: h\r\nX-Real-IP: 6.6.6.6\r\n\r\n'

# 1. a backend that ignores Upgrade (RFC 9110 7.8 lets it) and keeps the
# connection: the request behind the upgrade must never reach it
start_http hb-plain plain || exit 1
start_proxy px-smuggle --upstream 127.0.0.1:$HPORT --access-log "$OUT/px-smuggle.access" || exit 1
out=$(raw "$PXPORT" "$UPG$SMUGGLE" all)
expect_match "upgrade ignored: the client gets the backend's 200" "$out" '^HTTP/1.1 200 OK'
expect_match "... and the proxy closes after it" "$out" 'Connection: close'
n=$(grep -c 'plain /admin' <<<"$out")
expect_eq "... and no answer to the smuggled request" "$n" 0
sleep 0.2
got=$(tr -d '\r' <"$HLOG")
expect_eq "the backend saw exactly one request head" "$(grep -c '^GET ' <<<"$got")" 1
expect_eq "... and never /admin" "$(grep -c 'admin' <<<"$got")" 0
expect_eq "... nor the client's X-Real-IP" "$(grep -c '6.6.6.6' <<<"$got")" 0

# the same through a refusal that keeps the connection (403 keep-alive)
start_http hb-refuse refuse || exit 1
start_proxy px-refuse --upstream 127.0.0.1:$HPORT || exit 1
out=$(raw "$PXPORT" "$UPG$SMUGGLE" all)
expect_match "refused upgrade: the client gets the 403" "$out" '^HTTP/1.1 403'
expect_eq "... once, then the close" "$(grep -c '^HTTP/1.1' <<<"$out")" 1
sleep 0.2
expect_eq "the refusing backend never saw /admin" "$(grep -c admin "$HLOG")" 0

# a real WebSocket backend still gets a frame pipelined behind the head
start_backend s-ws || exit 1
start_proxy px-ws --upstream 127.0.0.1:$BPORT || exit 1
frame='\x81\x85\x01\x02\x03\x04\x69\x67\x6f\x68\x6e'	# masked "hello"
out=$(raw "$PXPORT" "$UPG$frame" all | tail -c 40 | tr -cd '[:print:]')
expect_match "a frame behind the head reaches node ws after its 101" "$out" 'hello'

# 2. upstream responses the proxy must not relay: 502 with a body, logged
for mode in noaccept badaccept cl-conflict huge-head bad-chunk; do
	start_http "hb-$mode" "$mode" || exit 1
	start_proxy "px-$mode" --upstream 127.0.0.1:$HPORT || exit 1
	req=$UPG
	case $mode in cl-conflict|huge-head|bad-chunk) req='GET /x HTTP/1.1\r\nHost: h\r\n\r\n' ;; esac
	out=$(raw "$PXPORT" "$req" all)
	expect_match "upstream $mode: 502 with a body" "$out" \
		$'^HTTP/1.1 502 Bad Gateway\r\n.*\r\n\r\n502 Bad Gateway: upstream 127\.0\.0\.1:[0-9]+: .+'
	case $mode in
	noaccept) why='without Sec-WebSocket-Accept' ;;
	badaccept) why='wrong Sec-WebSocket-Accept' ;;
	cl-conflict) why='content-length' ;;
	huge-head) why='response head over 16 KiB' ;;
	bad-chunk) why='bad chunked response body' ;;
	esac
	expect_match "upstream $mode: the 502 says why" "$out" "$why"
	n=$(grep -c "502 upstream .*$why" "$OUT/px-$mode.log")
	expect_eq "upstream $mode: logged" "$n" 1
	expect_eq "upstream $mode: the backend saw the request" "$(grep -c '^GET ' "$HLOG")" 1
	case $mode in noaccept|badaccept)
		expect_eq "upstream $mode: the client never got a 101" "$(grep -c '^HTTP/1.1 101' <<<"$out")" 0 ;;
	esac
done
# a 101 to a request that asked no upgrade
start_http hb-101 noaccept || exit 1
start_proxy px-101 --upstream 127.0.0.1:$HPORT || exit 1
out=$(raw "$PXPORT" 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n' all)
expect_match "a 101 nobody asked for: 502" "$out" '^HTTP/1.1 502 .*did not ask to upgrade'
# a response cut short: the client gets what came, then the close
start_http hb-cut cut-short || exit 1
start_proxy px-cut --upstream 127.0.0.1:$HPORT || exit 1
out=$(raw "$PXPORT" 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n' all)
expect_match "a response cut short reaches the client as far as it came" "$out" $'\r\n\r\n0123456789$'
expect_eq "... and is logged" "$(grep -c 'cut the response short' "$OUT/px-cut.log")" 1

# 3. a lone upstream is never taken out: the next request after it comes
# back is served (nginx: a group of one is never marked down)
LONE=$(free_port)
start_proxy px-lone --upstream 127.0.0.1:$LONE || exit 1
out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$PXPORT/)
expect_eq "lone upstream down: 502" "$out" 502
start_http hb-lone plain "$LONE" || exit 1
codes=
for i in 1 2 3; do
	codes+="$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$PXPORT/) "
done
expect_eq "lone upstream back: the next requests are served" "$codes" "200 200 200 "

# 4. absolute-form: the target's authority is the Host (RFC 9112 3.2.2)
start_http hb-abs plain || exit 1
start_proxy px-abs --upstream 127.0.0.1:$HPORT || exit 1
out=$(raw "$PXPORT" 'GET http://a.example/p?q=1 HTTP/1.1\r\nHost: elsewhere\r\n\r\n' all)
expect_match "absolute-form is served" "$out" 'plain /p\?q=1'
sleep 0.2
head=$(tr -d '\r' <"$HLOG")
expect_match "absolute-form: the backend gets origin-form" "$head" $'^GET /p\\?q=1 HTTP/1.1\n'
expect_eq "absolute-form: Host is the target's authority" "$(grep -ci '^host:' <<<"$head") $(grep -i '^host:' <<<"$head")" "1 Host: a.example"
out=$(raw "$PXPORT" 'GET http://u@a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n')
expect_eq "absolute-form with userinfo: 400" "$out" "HTTP/1.1 400 Bad Request"
out=$(raw "$PXPORT" 'GET nowhere HTTP/1.1\r\nHost: a\r\n\r\n')
expect_eq "a target that is no path: 400" "$out" "HTTP/1.1 400 Bad Request"

# 5. limits: a long request line is 414, many headers 431
long=$(python3 -c 'print("GET /" + "a" * 17000 + " HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n")')
expect_eq "a request line over 16 KiB: 414" "$(raw "$PXPORT" "$long")" "HTTP/1.1 414 URI Too Long"
many=$(python3 -c 'print("GET / HTTP/1.1\\r\\nHost: h\\r\\n" + "a: b\\r\\n" * 5000 + "\\r\\n")')
expect_eq "a head over 16 KiB: 431" "$(raw "$PXPORT" "$many")" "HTTP/1.1 431 Request Header Fields Too Large"
expect_match "a normal client is served after them" "$(curl -s -m 5 http://127.0.0.1:$PXPORT/ok)" 'plain /ok'

# 6. the access log keeps a line whose escaped target is long
bs=$(printf '\\\\%.0s' $(seq 800))
: >"$OUT/px-log.access"
start_proxy px-log --upstream 127.0.0.1:$HPORT --access-log "$OUT/px-log.access" || exit 1
raw "$PXPORT" "GET /$bs HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n" >/dev/null
raw "$PXPORT" "GET /$bs HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n" >/dev/null
sleep 0.2
expect_eq "800 backslashes in the target: the line is logged" \
	"$(grep -c '"GET /\\x5c' "$OUT/px-log.access")" 2

stop_proxies

# 7. at the descriptor limit: refusals that linger hold descriptors too,
# and a client the proxy takes on must still get its upstream socket, so
# nobody gets 502 for the proxy's own shortage: 101, 503 or a close
start_echo fd-echo --listen 127.0.0.1:0 --quiet || exit 1
LIMIT_PORT=$(free_port)
spawn px-fds prlimit --nofile=128:128 ${WRAP:-} "$WSCTL" proxy -q \
	--listen "127.0.0.1:$LIMIT_PORT" --upstream "127.0.0.1:${PORTS[0]}"
FDPID=$SPAWNED
wait_port "$LIMIT_PORT"
timeout 60 python3 "$PY/fd_flood.py" "$LIMIT_PORT" >"$OUT/fd-flood.out" 2>&1
cat "$OUT/fd-flood.out" >&2
expect_eq "descriptor limit: nobody gets 502" \
	"$(grep -o '502:[0-9]*' "$OUT/fd-flood.out" | tr '\n' ' ')" "502:0 502:0 502:0 "
expect_match "... the proxy took tunnels up to its limit" "$(grep '^fill' "$OUT/fd-flood.out")" '101:[1-9][0-9]* 503:1 '
expect_match "... and once the refusals are gone, new clients are served" \
	"$(grep '^after' "$OUT/fd-flood.out")" '101:5 '
stop "$FDPID"
