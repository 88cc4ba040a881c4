# wsctl echo over TLS (--tls-cert, --tls-key): the same echo, the same
# names in every response, and the same byte-exact records, because the
# head is read after TLS is taken off; a client that fails TLS harms
# nobody.
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

# session ARGS...: node echo_session.js; its lines go to $OUT/session.out
session() {
	timeout 20 node "$JS/echo_session.js" "$@" --insecure >"$OUT/session.out" 2>&1
}

TLS=$OUT/echo-tls
mkdir -p "$TLS"
node "$JS/echo_tls_pem.js" "$TLS" || exit 1
start_echo echo-tls --listen 127.0.0.1:0 --id secure \
	--tls-cert "$TLS/cert.pem" --tls-key "$TLS/key.pem" || exit 1
P=${PORTS[0]}

timeout 60 node "$JS/echo_roundtrip.js" "wss://127.0.0.1:$P/" --insecure ||
	notok "wss: node ws round trip" "exit $?"

tok=tls-$$-$RANDOM
session "wss://127.0.0.1:$P/secret" --header "X-Wsctl-Probe: $tok" \
	--header 'X-Odd-Case: Kept' --send over-tls --close 1000
expect_eq "wss: echo" "$(grep '^text ' "$OUT/session.out")" "text over-tls"
expect_eq "wss: the 101 names the backend" \
	"$(grep '^header x-wsctl-backend' "$OUT/session.out")" "header x-wsctl-backend: secure"
curl -sk -m 5 -o "$OUT/tls-probe.json" "https://127.0.0.1:$P/.wsctl/probe/$tok"
expect_eq "wss: the record has the head as sent, over TLS" \
	"$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
h = r["head"]
print(r["tls"], r["status"], h.startswith("GET /secret HTTP/1.1\r\n"), "\r\nX-Odd-Case: Kept\r\n" in h, h.endswith("\r\n\r\n"))' "$OUT/tls-probe.json")" \
	"True 101 True True True"

# curl offers h2 by ALPN; the backend stays HTTP/1.1 and answers itself
curl -sk -m 5 --http2 -D "$OUT/tls-plain.hdr" -o "$OUT/tls-plain.json" "https://127.0.0.1:$P/plain"
expect_match "https GET, h2 offered: HTTP/1.1 200" "$(head -n1 "$OUT/tls-plain.hdr")" '^HTTP/1.1 200'
expect_eq "https GET: its own record" \
	"$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["request"]["target"], r["tls"])' "$OUT/tls-plain.json")" \
	"/plain True"

# plain HTTP on the TLS port, then a TLS client that gives up halfway
out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/" 2>&1)
expect_eq "plain HTTP on a TLS port: no HTTP answer" "$out" 000
(exec 3<>"/dev/tcp/127.0.0.1/$P"; printf '\x16\x03\x01\x00\x05hello' >&3; sleep 0.2) 2>/dev/null
session "wss://127.0.0.1:$P/" --send after-bad-tls --close 1000
expect_eq "after failed TLS clients: still served" "$(grep '^text ' "$OUT/session.out")" "text after-bad-tls"

# SIGTERM reaches wss clients too
timeout 20 node "$JS/echo_session.js" "wss://127.0.0.1:$P/" --insecure \
	--send still-here --wait 8000 >"$OUT/tls-sigterm.out" 2>&1 &
client=$!
for ((i = 0; i < 400; i++)); do
	grep -q '^text still-here' "$OUT/tls-sigterm.out" && break
	sleep 0.05
done
grep -q '^text still-here' "$OUT/tls-sigterm.out" || notok "the client got its echo before the signal"
stop "$PID"
expect_eq "wss SIGTERM: exit 0" "$STOPPED" 0
wait "$client"
expect_eq "wss SIGTERM: close 1001" "$(grep '^close ' "$OUT/tls-sigterm.out")" \
	"close 1001 server going away"
