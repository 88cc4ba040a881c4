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

run_check() { # run_check NAME ARGS...
	local name=$1
	shift
	"$WSCTL" check --color never --report "$OUT/check-$name.json" \
		--backends "spawn:127.0.0.1:$B1,127.0.0.1:$B2" --balance round-robin \
		"$@" "ws://127.0.0.1:$LISTEN/" >"$OUT/check-$name.table" 2>&1
	RC=$?
	FAILED=$(/usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-$name.json'))
print(' '.join(sorted(c['id'] for c in r['checks'] if c['status'] in ('fail', 'error'))))")
}

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
