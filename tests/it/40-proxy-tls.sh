# TLS termination: wss:// and https:// clients (wsctl connect --ca, node
# ws, curl) through the proxy to plain backends; what the backend sees;
# ALPN; a TLS listener next to a plain one; clients that fail TLS harm
# nobody; a client that never finishes its handshake is closed.
. "$(dirname "$0")/40-proxy.inc"

tls_files || exit 1
start_backend s1 || exit 1
P1=$BPORT
start_proxy px-tls --upstream 127.0.0.1:$P1 \
	--tls-cert "$TLS/cert.pem" --tls-key "$TLS/key.pem" \
	--handshake-timeout 1s || exit 1
expect_match "a TLS listener says so" "$(head -n1 "$OUT/px-tls.log")" \
	'^listening on 127\.0\.0\.1:[0-9]+ \(tls\)$'
WSS=wss://127.0.0.1:$PXPORT/

# --- wsctl connect, verifying the certificate
out=$(timeout 20 "$WSCTL" connect --ca "$TLS/cert.pem" -x 'Hello TLS' "$WSS" 2>&1)
expect_eq "wsctl connect --ca over wss through the proxy" "$out" \
	"Server received from client: Hello TLS"

# --- node ws, several messages, and what the backend sees
out=$(client --ca "$TLS/cert.pem" "$WSS" "send:one" "send:two")
expect_eq "node ws over wss: echo" "$out" "open
reply Server received from client: one
reply Server received from client: two"
hdrs=$(client --ca "$TLS/cert.pem" "$WSS" send:headers | sed -n 's/^reply //p')
proto=$(node -e 'console.log(JSON.parse(process.argv[1]).headers["x-forwarded-proto"])' "$hdrs")
expect_eq "the backend sees X-Forwarded-Proto: https" "$proto" https

# --- clients that reconnect resume their session, TLS 1.3 and 1.2 alike
for v in 1.3 1.2; do
	timeout 30 "$WSCTL" bench -q -m handshake -n 20 -c 1 --ca "$TLS/cert.pem" \
		--tls "$v" --resume --report "$OUT/tls-resume-$v.json" "$WSS" >/dev/null 2>&1
	expect_eq "TLS $v: 19 of 20 reconnects resumed (a ticket each)" \
		"$(python3 -c "import json; print(json.load(open('$OUT/tls-resume-$v.json'))['tls_resumed'])")" 19
done

# --- 4 MiB both ways: many records, writes that do not finish at once
head -c $((4 << 20)) /dev/urandom >"$OUT/tls-big.bin"
out=$(curl -s -m 30 --cacert "$TLS/cert.pem" --data-binary @"$OUT/tls-big.bin" \
	"https://127.0.0.1:$PXPORT/echo" | sha256sum)
expect_eq "curl https: 4 MiB echoed whole" "$out" "$(sha256sum <"$OUT/tls-big.bin")"

# --- curl https: plain requests, keep-alive, a body, h2 offered
out=$(curl -s -m 10 --cacert "$TLS/cert.pem" "https://127.0.0.1:$PXPORT/a" \
	"https://127.0.0.1:$PXPORT/b")
expect_eq "curl https: two requests on one connection" "$out" "s1 GET /a
s1 GET /b"
out=$(curl -s -m 10 --cacert "$TLS/cert.pem" --data-binary 'tls body' \
	"https://127.0.0.1:$PXPORT/echo")
expect_eq "curl https: a request body" "$out" "tls body"
out=$(curl -s -m 10 --cacert "$TLS/cert.pem" "https://127.0.0.1:$PXPORT/headers")
expect_match "curl https: X-Forwarded-Proto https" "$out" '"x-forwarded-proto":"https"'
out=$(curl -s -m 10 --http2 --cacert "$TLS/cert.pem" -o /dev/null \
	-w '%{http_version} %{http_code}' "https://127.0.0.1:$PXPORT/h2")
expect_eq "ALPN: curl offering h2 gets HTTP/1.1" "$out" "1.1 200"
out=$(echo | timeout 10 openssl s_client -connect 127.0.0.1:$PXPORT \
	-alpn h2 2>&1 </dev/null)
expect_match "ALPN: a client offering h2 alone is refused" "$out" \
	'no application protocol|alert'
out=$(echo | timeout 10 openssl s_client -connect 127.0.0.1:$PXPORT \
	-alpn http/1.1 2>&1 </dev/null)
expect_match "ALPN: http/1.1 is selected" "$out" 'ALPN protocol: http/1.1'

# --- clients that fail TLS, and one that never speaks
out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PXPORT/")
expect_eq "plain HTTP on a TLS port: no HTTP answer" "$out" 000
(exec 3<>"/dev/tcp/127.0.0.1/$PXPORT"; printf '\x16\x03\x01\x00\x05hello' >&3; sleep 0.2) 2>/dev/null
out=$(python3 - "$PXPORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t = time.time()
try:
    d = s.recv(100)
    print("closed" if not d else "data")
except socket.timeout:
    print("open after 5 s")
PY
)
expect_eq "a client that never starts its handshake is closed (--handshake-timeout)" "$out" closed
out=$(timeout 20 "$WSCTL" connect --ca "$TLS/cert.pem" -x 'still here' "$WSS" 2>&1)
expect_eq "after failed TLS clients: still served" "$out" \
	"Server received from client: still here"

# --- a plain and a TLS listener in one proxy (the config file's way)
cat >"$OUT/px-both.json" <<EOF
{"listen": ["127.0.0.1:0",
            {"address": "127.0.0.1:0", "tls_cert": "$TLS/cert.pem",
             "tls_key": "$TLS/key.pem"}],
 "upstreams": ["127.0.0.1:$P1"]}
EOF
start_proxy_args px-both --config "$OUT/px-both.json" || exit 1
expect_eq "two listeners" "${#PXPORTS[@]}" 2
out=$(client "ws://127.0.0.1:${PXPORTS[0]}/" send:plain | tail -n1)
expect_eq "the plain listener speaks ws://" "$out" \
	"reply Server received from client: plain"
out=$(client --ca "$TLS/cert.pem" "wss://127.0.0.1:${PXPORTS[1]}/" send:secure | tail -n1)
expect_eq "the TLS listener speaks wss://" "$out" \
	"reply Server received from client: secure"

# --- SIGTERM drains TLS tunnels too
PXPID=${_proxies[0]#*:}	# px-tls
drain_tunnel "$PXPID" --ca "$TLS/cert.pem" "$WSS" send:held sleep:1500 send:after
expect_eq "a TLS tunnel finishes during the drain" "$DRAINED" \
	"reply Server received from client: after"
expect_eq "px-tls exits 0 after the drain" "$DRAIN_RC" 0
stop_proxies
