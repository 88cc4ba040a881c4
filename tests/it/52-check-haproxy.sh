# wsctl check against HAProxy (mode http, timeout tunnel, an X-Real-IP
# rule): every check passes; without timeout tunnel, timeout.idle fails.
. "$(dirname "$0")/../lib.sh"
TEMPLATE=$TESTS/../fixtures/haproxy/check.cfg.in

# start_haproxy NAME SED-SCRIPT: fresh ports, one change, HAProxy running
start_haproxy() {
	LISTEN=$(free_port) B1=$(free_port) B2=$(free_port)
	sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$B1/; s/@BACKEND2@/$B2/" \
		-e "$2" "$TEMPLATE" >"$OUT/haproxy-$1.cfg"
	spawn "haproxy-$1" haproxy ${HAPROXY_FLAGS:-} -db -f "$OUT/haproxy-$1.cfg"
	HAPROXY=$SPAWNED
	wait_port "$LISTEN"
}

run_check() { check_proxy "$1" --balance round-robin "${@:2}"; }

start_haproxy tunnel ''
run_check tunnel --idle 3s
expect_eq "haproxy with timeout tunnel: exit 0" "$RC" 0
expect_eq "haproxy with timeout tunnel: nothing fails" "$FAILED" ""
expect_match "haproxy: X-Forwarded-For appended" \
	"$(grep '^headers.x-forwarded-for' "$OUT/check-tunnel.table")" "pass"
stop "$HAPROXY"

# without its del-header rule, HAProxy passes Upgrade: h2c on and tunnels
# the backend's 101 (h2c smuggling)
start_haproxy h2c '/# H2C/d'
run_check h2c --quick --only 'upgrade.*,frames.text'
expect_eq "haproxy passing every Upgrade on: upgrade.h2c fails alone" \
	"$RC/$FAILED" "1/upgrade.h2c"
expect_match "... the client's HTTP/2 preface reached the backend" \
	"$(grep '^upgrade.h2c' "$OUT/check-h2c.table")" \
	"tunnelled the backend's 101: 33 bytes of the client's HTTP/2 preface reached the backend"
stop "$HAPROXY"

start_haproxy no-tunnel '/# TUNNEL/d'
run_check no-tunnel --idle 3s --only 'timeout.*,frames.text'
expect_eq "haproxy without timeout tunnel: exit 1" "$RC" 1
expect_eq "haproxy without timeout tunnel: timeout.idle fails" "$FAILED" "timeout.idle"
expect_match "haproxy without timeout tunnel: closed after ~2s" \
	"$(grep '^timeout.idle' "$OUT/check-no-tunnel.table")" "closed .*after (1[0-9]{3}ms|2)"
stop "$HAPROXY"

# a reload, as the master-worker mode does it (SIGUSR2 to the master):
# the old worker keeps its tunnels, unless hard-stop-after ends them
HAPROXY_FLAGS=-W start_haproxy reload ''
run_check reload --only reload.tunnels --reload-cmd "kill -USR2 $HAPROXY"
expect_eq "haproxy reloaded (SIGUSR2): tunnels outlive it" "$RC/$FAILED" "0/"
stop "$HAPROXY"
HAPROXY_FLAGS=-W start_haproxy hard-stop 's/^    nbthread 1$/&\n    hard-stop-after 1s/'
run_check hard-stop --only 'reload.tunnels,frames.text' --reload-cmd "kill -USR2 $HAPROXY"
expect_eq "haproxy with hard-stop-after 1s: reload.tunnels fails alone" \
	"$RC/$FAILED" "1/reload.tunnels"
expect_match "haproxy with hard-stop-after 1s: all cut near 1s, by TCP" \
	"$(grep '^reload.tunnels' "$OUT/check-hard-stop.table")" \
	"observed 50 of 50 cut \\((TCP close|reset)\\) 1[0-9]{3}ms"
stop "$HAPROXY"

# a reload command that fails is an error, with its status and stderr
start_haproxy reload-cmd ''
run_check reload-cmd --only reload.tunnels --reload-cmd 'echo no such proxy >&2; exit 3'
expect_eq "failing --reload-cmd: exit 1" "$RC" 1
expect_match "failing --reload-cmd: its status and first line" \
	"$(grep '^reload.tunnels' "$OUT/check-reload-cmd.table")" \
	"error +--reload-cmd exited with status 3: no such proxy$"
stop "$HAPROXY"

# sticky sessions by cookie: HAProxy inserts one, the checker sends it back
# on every request of the engine.io session, its upgrade too
start_haproxy cookie 's/^    balance roundrobin$/&\n    cookie SRV insert indirect nocache/; s/^\(    server \(e[12]\) .*\)$/\1 cookie \2/'
run_check cookie --only affinity.session --expect-sticky
expect_eq "haproxy cookie insert: a session stays on one backend" "$RC/$FAILED" "0/"
stop "$HAPROXY"
start_haproxy no-cookie ''
run_check no-cookie --only affinity.session --expect-sticky
expect_eq "haproxy round-robin, no cookie, --expect-sticky: fails" "$RC/$FAILED" "1/affinity.session"
stop "$HAPROXY"

# HTTP/2 on the TLS listener: HAProxy advertises RFC 8441's extended
# CONNECT, and a WebSocket stream on the h2 connection echoes; with h2
# forced and no extended CONNECT, a browser has no way to a WebSocket
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$OUT/ha-key.pem" -out "$OUT/ha-cert.pem" 2>/dev/null
cat "$OUT/ha-cert.pem" "$OUT/ha-key.pem" >"$OUT/ha.pem"
h2_check() { # NAME: http2.front over wss:// to $LISTEN
	"$WSCTL" check --color never --ca "$OUT/ha-cert.pem" \
		--report "$OUT/check-$1.json" --only 'http2.front,handshake.status-101' \
		--backends "spawn:127.0.0.1:$B1,127.0.0.1:$B2" \
		"wss://127.0.0.1:$LISTEN/" >"$OUT/check-$1.table" 2>&1
	RC=$?
	FAILED=$(failed_checks "$OUT/check-$1.json")
}
start_haproxy h2 "s|^\\(    bind 127.0.0.1:[0-9]*\\)$|\\1 ssl crt $OUT/ha.pem alpn h2,http/1.1|"
h2_check h2
expect_eq "haproxy alpn h2,http/1.1: http2.front passes" "$RC/$FAILED" "0/"
expect_match "... over RFC 8441, on the h2 connection" \
	"$(grep '^http2.front' "$OUT/check-h2.table")" \
	"pass +ALPN h2 with SETTINGS_ENABLE_CONNECT_PROTOCOL: an RFC 8441 WebSocket stream opened \\(200\\) and echoed$"
stop "$HAPROXY"
start_haproxy h2-only "s|^\\(    bind 127.0.0.1:[0-9]*\\)$|\\1 ssl crt $OUT/ha.pem alpn h2 proto h2|; s/^    nbthread 1$/&\\n    h2-workaround-bogus-websocket-clients/"
h2_check h2-only
expect_eq "haproxy h2 only, no extended CONNECT: http2.front fails" \
	"$RC/$FAILED" "1/handshake.status-101 http2.front"
expect_match "... the browser's http/1.1 fallback is refused" \
	"$(grep '^http2.front' "$OUT/check-h2-only.table")" "fail +cause: handshake.status-101"
stop "$HAPROXY"

# mode tcp: HAProxy relays bytes, not HTTP, so what follows a refused
# upgrade reaches the backend on that connection, and an h2c upgrade the
# backend takes is a tunnel; mode http (above, every check passing)
# keeps them from the backend
start_haproxy tcp 's/^    mode http$/    mode tcp/; /option forwardfor/d; /http-request/d'
run_check tcp --only 'upgrade.*'
expect_eq "haproxy mode tcp: both refused-upgrade checks and h2c fail" "$RC/$FAILED" \
	"1/upgrade.h2c upgrade.refused-no-leak upgrade.refused-no-tunnel"
expect_match "... the backend got the pipelined request raw" \
	"$(grep '^upgrade.refused-no-leak' "$OUT/check-tcp.table")" \
	"bytes reached the backend behind the refused upgrade, on its connection: \"GET /\\?wsctl-smuggled HTTP/1.1\"$"
stop "$HAPROXY"
check "haproxy mode http: the backend received nothing behind the refusals" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-tunnel.json'))
for id in ('upgrade.refused-no-tunnel', 'upgrade.refused-no-leak'):
    c = [c for c in r['checks'] if c['id'] == id][0]
    assert c['status'] == 'pass', c
rec = [c for c in r['checks'] if c['id'] == 'upgrade.refused-no-leak'][0]['evidence']
assert rec['after_head'] == 0 and rec['backend_record']['after_head']['bytes'] == 0, rec"
