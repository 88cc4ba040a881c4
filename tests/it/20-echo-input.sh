# wsctl echo against bytes no good client sends: broken handshakes,
# garbage, huge and unfinished heads, unmasked, oversize and non-UTF-8
# frames.  Each gets the answer RFC 6455 asks for, and after each one a
# normal client is still served.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

start_echo echo-input --listen 127.0.0.1:0 --max-message 1MiB \
	--head-timeout 1s || exit 1
P=${PORTS[0]}

# raw CASE: send the case's bytes; what came back goes to $OUT/raw.out
raw() {
	timeout 20 node "$JS/echo_raw.js" "$P" "$1" "${2:-5000}" >"$OUT/raw.out" 2>&1
}

# got PREFIX: the lines of raw.out that start with PREFIX, joined by '|'
got() {
	grep "^$1" "$OUT/raw.out" | tr '\n' '|'
}

# served CASE: a well-behaved client right after CASE gets its echo
served() {
	local out
	out=$(timeout 20 node "$JS/echo_session.js" "ws://127.0.0.1:$P/" \
		--send "after $1" --close 1000 2>&1)
	expect_eq "$1: the next client is served" "$(grep '^text ' <<<"$out")" "text after $1"
}

# http_case CASE STATUS BODY: a head answered with STATUS and BODY
http_case() {
	raw "$1"
	expect_eq "$1: $2" "$(got 'status ')$(got 'body ')$(got 'eof')" \
		"status $2|body $3|eof|"
	served "$1"
}

# ws_case CASE CODE REASON: an upgrade, then a frame closed with CODE
ws_case() {
	raw "$1"
	expect_eq "$1: close $2" "$(got 'status ')$(got 'close ')$(got 'eof')" \
		"status 101|close $2 $3|eof|"
	served "$1"
}

# --- handshakes ------------------------------------------------------------------
http_case nokey 400 "missing Sec-WebSocket-Key"
http_case version8 400 "unsupported Sec-WebSocket-Version"
expect_eq "version8: the 400 says which version we speak" \
	"$(got 'header sec-websocket-version')" "header sec-websocket-version: 13|"
http_case noconnection 400 "missing Connection: Upgrade"
http_case post 400 "a WebSocket handshake must be a GET"
http_case garbage 400 "malformed request head"
conn=$(awk '/^header x-wsctl-conn:/ {print $3}' "$OUT/raw.out")
curl -s -m 5 -o "$OUT/garbage.json" "http://127.0.0.1:$P/.wsctl/conn/$conn"
expect_eq "garbage: recorded as received, unparsed" \
	"$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["request"], r["status"], r["error"], r["head"].encode("latin1")[:9].hex())' "$OUT/garbage.json")" \
	"None 400 malformed request head 16030100a5010000a1"
http_case bighead 431 "request head over 16384 bytes"
http_case longline 414 "request line over 16384 bytes"
# plain HTTP that no server may answer 200 (RFC 9110 9.3.6, RFC 9112 6)
http_case connect 405 "CONNECT is not served here"
http_case badchunk 400 "bad chunked body"
http_case longcl 400 "bad Content-Length"
http_case negcl 400 "bad Content-Length"
http_case twocl 400 "bad Content-Length"
http_case clte 400 "both Content-Length and Transfer-Encoding"
http_case gzipte 501 "a transfer coding other than chunked"

# --- the head timeout, which blocks nobody ------------------------------------------
timeout 20 node "$JS/echo_raw.js" "$P" slowhead 5000 >"$OUT/slow.out" 2>&1 &
slow=$!
sleep 0.2
served "a client that never ends its head"
wait "$slow"
expect_eq "slowhead: dropped after --head-timeout, no answer" \
	"$(tr '\n' '|' <"$OUT/slow.out")" "eof|"
expect_match "slowhead: logged" "$(grep 'error="request head timed out"' "$OUT/echo-input.log")" \
	'request="-" status=- '

# --- frames ---------------------------------------------------------------------------
raw pipelined 1500
expect_eq "pipelined: a frame right behind the head is echoed" \
	"$(got 'status ')$(got 'text ')" "status 101|text right behind the head|"
ws_case unmasked 1002 "unmasked client frame"
conn=$(awk '/^header x-wsctl-conn:/ {print $3}' "$OUT/raw.out")
curl -s -m 5 -o "$OUT/unmasked.json" "http://127.0.0.1:$P/.wsctl/conn/$conn"
expect_eq "unmasked: the record says what went wrong" \
	"$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["status"], r["error"], r["close"], r["closed"])' "$OUT/unmasked.json")" \
	"101 unmasked client frame {'received': None, 'sent': 1002} True"
ws_case rsv 1002 "reserved bits set"
ws_case orphan 1002 "continuation frame without a message"
ws_case bigframe 1009 "message over --max-message"
ws_case bigmessage 1009 "message over --max-message"
ws_case utf8 1007 "invalid UTF-8 in a text message"
ws_case utf8trunc 1007 "invalid UTF-8 in a text message"
ws_case badclose 1002 "invalid close code"
raw utf8split 1500
expect_eq "utf8split: a character split between frames is fine" \
	"$(got 'text ')" "text x€|"
raw emptyclose
expect_eq "emptyclose: echoed empty" "$(got 'close ')$(got 'eof')" "close none |eof|"
served emptyclose

# the process kept serving through all of it
if kill -0 "$PID" 2>/dev/null; then ok "still running"; else notok "still running"; fi

# SIGTERM while a client ignores our close: the stop does not wait forever
timeout 20 node "$JS/echo_raw.js" "$P" pipelined 8000 >"$OUT/deaf.out" 2>&1 &
deaf=$!
for ((i = 0; i < 400; i++)); do
	grep -q '^text ' "$OUT/deaf.out" && break
	sleep 0.05
done
grep -q '^text ' "$OUT/deaf.out" || notok "the client got its echo before the signal"
kill -TERM "$PID"
for ((i = 0; i < 200; i++)); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$PID" 2>/dev/null; then
	notok "SIGTERM with a deaf client: exits anyway" "still running after 10 s"
else
	wait "$PID"
	expect_eq "SIGTERM with a deaf client: exits anyway, 0" "$?" 0
fi
wait "$deaf"
expect_eq "SIGTERM with a deaf client: it was sent 1001" \
	"$(grep '^close ' "$OUT/deaf.out")" "close 1001 server going away"
