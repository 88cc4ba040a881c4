# wsctl check against HAProxy (mode http, timeout tunnel, an X-Real-IP
# rule): every check passes; without timeout tunnel, timeout.idle fails.
. "$(dirname "$0")/../lib.sh"
TEMPLATE=$TESTS/../fixtures/haproxy/check.cfg.in

# start_haproxy NAME SED-SCRIPT: fresh ports, one change, HAProxy running
start_haproxy() {
	LISTEN=$(free_port) B1=$(free_port) B2=$(free_port)
	sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$B1/; s/@BACKEND2@/$B2/" \
		-e "$2" "$TEMPLATE" >"$OUT/haproxy-$1.cfg"
	spawn "haproxy-$1" haproxy -db -f "$OUT/haproxy-$1.cfg"
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

start_haproxy no-tunnel '/# TUNNEL/d'
run_check no-tunnel --idle 3s --only 'timeout.*,frames.text'
expect_eq "haproxy without timeout tunnel: exit 1" "$RC" 1
expect_eq "haproxy without timeout tunnel: timeout.idle fails" "$FAILED" "timeout.idle"
expect_match "haproxy without timeout tunnel: closed after ~2s" \
	"$(grep '^timeout.idle' "$OUT/check-no-tunnel.table")" "closed .*after (1[0-9]{3}ms|2)"
stop "$HAPROXY"
