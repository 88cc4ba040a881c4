# wsctl check against wsctl proxy, with the backends spawned by the
# checker: every check passes, for each balancing method; a short
# --read-timeout fails timeout.idle and is seen to close on time.
. "$(dirname "$0")/../lib.sh"

# start_proxy NAME ARGS...: wsctl proxy on a free port in front of two
# backend addresses B1 and B2 that the checker will fill
start_proxy() {
	local name=$1
	shift
	LISTEN=$(free_port) B1=$(free_port) B2=$(free_port)
	spawn "$name" "$WSCTL" proxy -q --listen "127.0.0.1:$LISTEN" \
		--upstream "127.0.0.1:$B1" --upstream "127.0.0.1:$B2" "$@"
	PROXY=$SPAWNED
	wait_port "$LISTEN"
}

run_check() { check_proxy "$@"; }

# the checks the balancing method does not touch run with round-robin only
for method in round-robin ip-hash least-conn; do
	start_proxy "proxy-$method" --balance "$method"
	more=(--reload-cmd "kill -HUP $PROXY")
	[ "$method" = round-robin ] ||
		more=(--skip 'diff.*,capacity.*,reload.*,upgrade.*,path.*,http2.*')
	run_check "$method" --balance "$method" --idle 2s --read-timeout 60s \
		"${more[@]}"
	expect_eq "wsctl proxy, $method: every check passes" "$RC/$FAILED" "0/"
	stop "$PROXY"
done
expect_match "wsctl proxy: 50 tunnels outlive a reload (SIGHUP)" \
	"$(grep '^reload.tunnels' "$OUT/check-round-robin.table")" \
	"pass +50 tunnels still echo .* after the reload; [0-9]+ new connections"
expect_match "wsctl proxy: X-Forwarded-For appended" \
	"$(grep '^headers.x-forwarded-for' "$OUT/check-round-robin.table")" "pass"
expect_match "wsctl proxy: Host kept with its port" \
	"$(grep '^headers.host' "$OUT/check-round-robin.table")" "pass +Host: 127.0.0.1:[0-9]+, Origin: http://127.0.0.1:[0-9]+$"

# behind its TLS listener: every check passes over wss://, the backend is
# told https
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$OUT/proxy-key.pem" -out "$OUT/proxy-cert.pem" 2>/dev/null
start_proxy proxy-tls --tls-cert "$OUT/proxy-cert.pem" --tls-key "$OUT/proxy-key.pem"
"$WSCTL" check --quick --color never --ca "$OUT/proxy-cert.pem" \
	--backends "spawn:127.0.0.1:$B1,127.0.0.1:$B2" --balance round-robin \
	--report "$OUT/check-tls.json" "wss://127.0.0.1:$LISTEN/" >"$OUT/check-tls.table"
expect_eq "wsctl proxy over TLS: every check passes" \
	"$?/$(failed_checks "$OUT/check-tls.json")" "0/"
expect_match "... the backend is told https" \
	"$(grep '^headers.forwarded-proto' "$OUT/check-tls.table")" "pass +X-Forwarded-Proto: https$"
stop "$PROXY"

start_proxy proxy-short --read-timeout 1s
run_check short --idle 3s --read-timeout 1s --only 'timeout.*'
expect_eq "wsctl proxy --read-timeout 1s: timeout.idle fails" "$RC/$FAILED" "1/timeout.idle"
expect_match "wsctl proxy --read-timeout 1s: closes on time" \
	"$(grep '^timeout.idle-close' "$OUT/check-short.table")" "pass +closed after (9[0-9][0-9]ms|1)"
stop "$PROXY"

# a backend that pings every 300 ms (an app's heartbeat): its pings are
# answered, not taken for the end of the connection; timeout.keepalive
# still needs its own pongs; idle-close cannot judge a tunnel never idle
start_node pinger "$TESTS/js/ping_server.js" || exit 1
LISTEN=$(free_port)
spawn proxy-ping "$WSCTL" proxy -q --listen "127.0.0.1:$LISTEN" \
	--upstream "127.0.0.1:$PORT" --read-timeout 2s
wait_port "$LISTEN"
"$WSCTL" check --color never --report "$OUT/check-ping.json" --idle 3s \
	--read-timeout 2s --only 'timeout.*' "ws://127.0.0.1:$LISTEN/" \
	>"$OUT/check-ping.table" 2>&1
expect_eq "a pinging backend: no timeout check fails" "$?/$(failed_checks "$OUT/check-ping.json")" "0/"
expect_match "... timeout.idle passes" "$(grep '^timeout.idle ' "$OUT/check-ping.table")" "pass"
expect_match "... timeout.keepalive passes on its own pongs" \
	"$(grep '^timeout.keepalive' "$OUT/check-ping.table")" "pass .*each answered"
expect_match "... timeout.idle-close says the tunnel was never idle" \
	"$(grep '^timeout.idle-close' "$OUT/check-ping.table")" "skip .*never idle"

# --max-connections 50 against --capacity 100: the 51st gets a 503
start_proxy proxy-max --max-connections 50
run_check max --only capacity.tunnels --capacity 100
expect_eq "wsctl proxy --max-connections 50, --capacity 100: fails" "$RC/$FAILED" "1/capacity.tunnels"
expect_match "... held 50, then the 503" \
	"$(grep '^capacity.tunnels' "$OUT/check-max.table")" \
	"observed 50 of 100 tunnels held, then a 503 \\(--capacity\\)$"
stop "$PROXY"
