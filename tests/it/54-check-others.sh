# wsctl check against the proxies Debian ships besides nginx and HAProxy,
# each running a config written as its docs write one, with backends the
# checker spawns: Squid and Varnish track their backends' health, and the
# settle step makes their verdicts the same run after run; Caddy's
# random placement fails a round-robin expectation every time.
. "$(dirname "$0")/../lib.sh"
FIX=$TESTS/../fixtures
# 10 runs of 10 in the plain build; the ASan pass runs the same code, 3
RUNS=${RUNS:-10}
[ -n "${PREFIX:-}" ] && [ "$RUNS" -gt 3 ] && RUNS=3
# what a backend's health touches: the checks that stop one, and the
# ones that run after them
HEALTH='backends.*,control.backend-dies,failover.*,distribution.*,frames.text,control.ping-pong,headers.host'

ports() { LISTEN=$(free_port) B1=$(free_port) B2=$(free_port); }

# repeat NAME N ARGS...: N runs of check_proxy; RUNS_OK counts the ones
# whose failed checks were $WANT
repeat() {
	local name=$1 n=$2 i
	shift 2
	RUNS_OK=0
	for ((i = 1; i <= n; i++)); do
		check_proxy "$name-$i" "$@"
		if [ "$FAILED" = "$WANT" ]; then
			RUNS_OK=$((RUNS_OK + 1))
		else
			echo "# $name run $i: failed '$FAILED', want '$WANT'" >&2
		fi
	done
}

# --- Squid: probes its peers at start, before they exist ---------------
ports
SQ=$OUT/squid
rm -rf "$SQ" && mkdir -p "$SQ" && chmod 777 "$SQ"
sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$B1/; s/@BACKEND2@/$B2/; s|@DIR@|$SQ|" \
	"$FIX/squid/check.conf.in" >"$SQ/squid.conf"
SQNAME=wsctl$$
spawn squid squid -N -n "$SQNAME" -f "$SQ/squid.conf"
SQUID=$SPAWNED
wait_port "$LISTEN"
check_proxy squid --balance round-robin --quick
expect_eq "squid, a config from its docs: every check passes" "$RC/$FAILED" "0/"
expect_match "squid: the proxy routes to both backends once they are up" \
	"$(grep '^backends.routed' "$OUT/check-squid.table")" \
	"pass +every backend served a request within"
WANT=''
repeat squid "$RUNS" --balance round-robin --only "$HEALTH"
expect_eq "squid: $RUNS runs of $RUNS pass the health-touched checks" \
	"$RUNS_OK" "$RUNS"
python3 - "$OUT/check-squid-1.json" <<'EOF' && ok "squid: the settle waits are in the JSON report" || notok "squid: the settle waits are in the JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["settle"]
assert s[0]["after"] is None and s[0]["missing"] == [], s
assert any(e["after"] == "control.backend-dies" for e in s), s
EOF
stop "$SQUID"
rm -f /dev/shm/"$SQNAME"-*

# without http_upgrade_request_protocols Squid drops the Upgrade header:
# the handshake fails, and every check that needs a tunnel fails at once
# with it as the cause instead of each waiting for its own timeout
sed -i '/^http_upgrade_request_protocols/d' "$SQ/squid.conf"
spawn squid-no-upgrade squid -N -n "$SQNAME" -f "$SQ/squid.conf"
SQUID=$SPAWNED
wait_port "$LISTEN"
check_proxy squid-no-upgrade --balance round-robin --quick
expect_match "squid without http_upgrade_request_protocols: the 101 fails" \
	"$(grep '^handshake.status-101' "$OUT/check-squid-no-upgrade.table")" \
	"fail +expected HTTP/1.1 101 Switching Protocols; observed HTTP/1.1 400"
expect_match "... the checks that need a tunnel follow from it, not run" \
	"$(grep '^frames.text' "$OUT/check-squid-no-upgrade.table")" \
	"fail +cause: handshake.status-101"
check "... and the run ends within 5s (the acceptance bound)" python3 -c "
import json; r = json.load(open('$OUT/check-squid-no-upgrade.json'))
assert r['duration_ms'] < 5000, r['duration_ms']
c = [x for x in r['checks'] if x['id'] == 'control.backend-dies'][0]
assert c['message'].startswith('not run: no WebSocket handshake'), c"
stop "$SQUID"
rm -f /dev/shm/"$SQNAME"-*

# --- Varnish: holds a backend down after a refused connect -------------
# Pipe mode is a TCP tunnel with no retry, so three checks fail on every
# run for what Varnish really does; none of the others may.
ports
VN=$OUT/varnish
rm -rf "$VN" && mkdir -p "$VN"
sed -e "s/@BACKEND1@/$B1/; s/@BACKEND2@/$B2/" "$FIX/varnish/check.vcl.in" \
	>"$VN/check.vcl"
spawn varnish varnishd -F -a "127.0.0.1:$LISTEN" -f "$VN/check.vcl" \
	-n "$VN/work" -s malloc,16m -T none -p feature=+no_coredump
VARNISH=$SPAWNED
wait_port "$LISTEN"
check_proxy varnish --balance round-robin --quick
expect_eq "varnish, piping WebSockets: exactly pipe mode's findings" \
	"$FAILED" "failover.backend-down upgrade.refused-no-leak upgrade.refused-no-tunnel"
WANT=failover.backend-down
repeat varnish "$RUNS" --balance round-robin --only "$HEALTH"
expect_eq "varnish: $RUNS runs of $RUNS fail only failover.backend-down" \
	"$RUNS_OK" "$RUNS"
expect_match "varnish: failover fails for the piped connection to the stopped one" \
	"$(grep '^failover.backend-down' "$OUT/check-varnish-1.table")" \
	"server closed the connection without a response"
stop "$VARNISH"

# --- Caddy: lb_policy random is not round-robin ------------------------
# start_caddy POLICY [N]: backend 1 listed N times (Caddy's weights)
start_caddy() {
	local b1 k
	ports
	b1=$B1
	for ((k = 1; k < ${2:-1}; k++)); do b1="$b1 127.0.0.1:$B1"; done
	sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$b1/; s/@BACKEND2@/$B2/; s/@POLICY@/$1/" \
		"$FIX/caddy/Caddyfile.in" >"$OUT/Caddyfile.$1"
	HOME=$OUT XDG_DATA_HOME=$OUT/caddy-data XDG_CONFIG_HOME=$OUT/caddy-config \
		spawn "caddy-$1" caddy run --config "$OUT/Caddyfile.$1" --adapter caddyfile
	CADDY=$SPAWNED
	wait_port "$LISTEN"
}
start_caddy round_robin
check_proxy caddy-rr --balance round-robin --quick
# real findings, each of them: Caddy 2.6.2 drops bytes sent behind the
# upgrade request (fixed upstream in 2024), passes Upgrade: h2c on, and
# replaces an X-Forwarded-For from a client it does not trust
expect_eq "caddy round_robin: what Caddy 2.6 really does fails" \
	"$RC/$FAILED" "1/handshake.pipelined headers.x-forwarded-for upgrade.h2c"
expect_match "caddy: the dropped pipelined frame is told at once, by a later one" \
	"$(grep '^handshake.pipelined' "$OUT/check-caddy-rr.table")" \
	"the proxy dropped it: a frame sent after the 101 came back in [0-9]+ms"
WANT=''
repeat caddy-rr "$RUNS" --balance round-robin --only 'distribution.*'
expect_eq "caddy round_robin: $RUNS of $RUNS pass distribution.balance" \
	"$RUNS_OK" "$RUNS"
stop "$CADDY"
start_caddy random
WANT=distribution.balance
repeat caddy-random "$RUNS" --balance round-robin --only 'distribution.*'
expect_eq "caddy random, round-robin expected: $RUNS of $RUNS fail" \
	"$RUNS_OK" "$RUNS"
expect_match "caddy random: the order is what gives it away" \
	"$(grep '^distribution.balance' "$OUT/check-caddy-random-1.table")" \
	"fixed rotation by weight; observed .*not a rotation|its weight is"
check_proxy caddy-none --only 'distribution.*'
expect_match "caddy, nothing expected: the distribution is reported, not judged" \
	"$(grep '^distribution.balance' "$OUT/check-caddy-none.table")" \
	"skip +nothing was expected \(--balance METHOD judges it\); 16 connections went: "
stop "$CADDY"

# Caddy weighs an upstream by listing it again: 3:1 in a fixed rotation
start_caddy round_robin 3
WANT=''
BACKENDS="spawn:127.0.0.1:$B1*3,127.0.0.1:$B2" repeat caddy-weighted "$RUNS" \
	--balance round-robin --only 'distribution.*'
expect_eq "caddy round_robin 3:1: $RUNS of $RUNS pass distribution.balance" \
	"$RUNS_OK" "$RUNS"
stop "$CADDY"

# --- HAProxy weight 3:1: a weighted rotation passes --------------------
ports
sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$B1/; s/@BACKEND2@/$B2/" \
	-e 's/^\(    server e1 .*\)$/\1 weight 3/' \
	"$FIX/haproxy/check.cfg.in" >"$OUT/haproxy-weighted.cfg"
spawn haproxy-weighted haproxy -db -f "$OUT/haproxy-weighted.cfg"
HAPROXY=$SPAWNED
wait_port "$LISTEN"
RUNS_OK=0
for ((i = 1; i <= RUNS; i++)); do
	"$WSCTL" check --color never --report "$OUT/check-weighted-$i.json" \
		--backends "spawn:127.0.0.1:$B1*3,127.0.0.1:$B2" \
		--balance round-robin --only 'distribution.*' \
		"ws://127.0.0.1:$LISTEN/" >"$OUT/check-weighted-$i.table" 2>&1 &&
		RUNS_OK=$((RUNS_OK + 1))
done
expect_eq "haproxy weight 3 and 1: $RUNS of $RUNS pass" "$RUNS_OK" "$RUNS"
check "haproxy weight 3 and 1: 24 and 8 of 32" python3 -c "
import json; r = json.load(open('$OUT/check-weighted-1.json'))
c = [x for x in r['checks'] if x['id'] == 'distribution.balance'][0]
assert sorted(c['evidence']['counts'].values()) == [8, 24], c"
stop "$HAPROXY"

# a bad weight is a usage error
"$WSCTL" check --backends 'spawn:127.0.0.1:1*0' ws://127.0.0.1:1/ >"$OUT/bad-weight.out" 2>&1
expect_eq "--backends ADDR*0: exit 2" "$?" 2
expect_match "--backends ADDR*0: says why" "$(cat "$OUT/bad-weight.out")" \
	"bad weight '0' for 127.0.0.1:1"
