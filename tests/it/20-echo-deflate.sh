# wsctl echo and permessage-deflate (RFC 7692): node ws as the client, with
# each kind of offer; then what no well-behaved client sends: a message
# that inflates past --max-message, bytes that are not DEFLATE, RSV1 on a
# continuation frame, a list that does not parse; and --no-deflate.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js
RAW=$TESTS/py/deflate_raw.py

start_echo echo-deflate -q --listen 127.0.0.1:0 --max-message 1MiB || exit 1
P=${PORTS[0]}
start_echo echo-no-deflate -q --listen 127.0.0.1:0 --no-deflate || exit 1
N=${PORTS[0]}

raw() { python3 "$RAW" "$@" 2>&1 | tr '\n' '|'; }
# first, so that it is connection 1
expect_eq "2 MiB of zeros, 2 KiB compressed, over --max-message 1MiB: 1009" \
	"$(raw "$P" bomb)" "status 101|ext permessage-deflate|close 1009 message over --max-message|"
expect_match "the bomb's record: it never counted the message" \
	"$(curl -s "http://127.0.0.1:$P/.wsctl/conn/1")" \
	'"error":"message over --max-message".*"messages":\{"received":0,"sent":0\}'

(cd "$TESTS" && timeout 60 node "$JS/echo_deflate.js" "ws://127.0.0.1:$P/") \
	>"$OUT/node.out" 2>&1
while read -r line; do
	case $line in
	"ok "*) ok "node ws: ${line#ok }" ;;
	"not ok "*) notok "node ws: ${line#not ok }" "" ;;
	esac
done <"$OUT/node.out"
expect_eq "node ws: every case reported" "$(grep -c '^ok ' "$OUT/node.out")" 12

expect_eq "RSV1 on bytes that are not DEFLATE: 1007" \
	"$(raw "$P" garbage)" "status 101|ext permessage-deflate|close 1007 compressed message does not inflate|"
expect_eq "RSV1 on a continuation frame: 1002" \
	"$(raw "$P" rsv1-cont)" "status 101|ext permessage-deflate|close 1002 reserved bits set|"
expect_eq "server_max_window_bits=8 (zlib cannot) passed over for the next offer" \
	"$(raw "$P" none 'permessage-deflate; server_max_window_bits=8, permessage-deflate; client_no_context_takeover')" \
	"status 101|ext permessage-deflate; client_no_context_takeover|close 1000 |"
expect_eq "an offer of another extension only: no extension" \
	"$(raw "$P" none 'x-webkit-deflate-frame')" "status 101|ext -|close 1000 |"
expect_eq "an extension list that does not parse: 400" \
	"$(raw "$P" none 'permessage-deflate; a="x')" "status 400|ext -|"
expect_match "... saying why" \
	"$(curl -s -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		-H 'Sec-WebSocket-Extensions: permessage-deflate; a="x' "http://127.0.0.1:$P/")" \
	"^bad Sec-WebSocket-Extensions"
expect_eq "--no-deflate: the offer is not taken" \
	"$(raw "$N" none)" "status 101|ext -|close 1000 |"
expect_eq "--no-deflate: so RSV1 is a protocol error" \
	"$(raw "$N" garbage)" "status 101|ext -|close 1002 reserved bits set|"
