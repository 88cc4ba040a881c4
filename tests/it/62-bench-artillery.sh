# wsctl bench --export artillery: the script it writes runs on Artillery
# (tests/package.json) against wsctl echo and makes the same number of
# round trips and handshakes as wsctl bench does for the scenario.
# Artillery sends telemetry to a public host, even when told not to, so
# the whole script runs in a network namespace of its own: loopback only.
if [ -z "${WSCTL_NETNS:-}" ]; then
	for ns in "-n" "-rn"; do
		if unshare $ns true 2>/dev/null; then
			WSCTL_NETNS=1 exec unshare $ns "$BASH" "$0" "$@"
		fi
	done
	echo "not ok artillery: cannot make a network namespace (unshare -n)"
	exit 1
fi
ip link set lo up || { echo "not ok artillery: no loopback in the namespace"; exit 1; }
. "$(dirname "$0")/../lib.sh"

ARTILLERY=$TESTS/node_modules/.bin/artillery
export ARTILLERY_DISABLE_TELEMETRY=1 HOME=$OUT/artillery-home
mkdir -p "$HOME"

start_echo art-echo -q --listen 127.0.0.1:0 || exit 1
URL=ws://127.0.0.1:${PORTS[0]}/

# artillery NAME: run $OUT/NAME.yml; its counters in $OUT/NAME.json
artillery() {
	timeout 120 "$ARTILLERY" run --output "$OUT/$1-out.json" "$OUT/$1.yml" \
		>"$OUT/$1-run.log" 2>&1
	RC=$?
}

# counters NAME TEST PYTHON: assertions about NAME's Artillery counters
# (c) and wsctl bench's report of the same scenario (r)
counters() {
	check "$2" /usr/bin/python3 -c "
import json
c = json.load(open('$OUT/$1-out.json'))['aggregate']['counters']
r = json.load(open('$OUT/$1-bench.json'))
$3"
}

# ---- echo at a rate: the same message count ----
set -- -r 40 -d 2s -c 4 -s 64 --text "$URL"
timeout 30 "$WSCTL" bench -q --report "$OUT/art-echo-bench.json" "$@" >/dev/null 2>&1
expect_eq "bench echo at a rate: exit 0" "$?" 0
out=$("$WSCTL" bench --export artillery "$OUT/art-echo.yml" "$@" 2>&1)
expect_eq "--export artillery: exit 0, and says how to run it" "$?:$out" \
	"0:wrote $OUT/art-echo.yml: run it with  artillery run $OUT/art-echo.yml"
artillery art-echo
expect_eq "the exported echo script runs on Artillery: exit 0" "$RC" 0
counters art-echo "... Artillery's messages sent and echoed equal wsctl bench's" "
n = r['messages']['count']
assert n == 80, n
assert c.get('websocket.messages_sent') == n, c
assert c.get('websocket.messages_received') == n, c
assert c.get('vusers.created') == 4 and c.get('vusers.failed', 0) == 0, c
assert not [k for k in c if k.startswith('errors.')], c"

# ---- idle: held, then one echo each ----
set -- -m idle -c 3 -d 1s -s 16 "$URL"
timeout 30 "$WSCTL" bench -q --report "$OUT/art-idle-bench.json" "$@" >/dev/null 2>&1
expect_eq "bench idle: exit 0" "$?" 0
"$WSCTL" bench --export artillery "$OUT/art-idle.yml" "$@" >/dev/null 2>&1
expect_eq "--export artillery of an idle load: exit 0" "$?" 0
artillery art-idle
expect_eq "the exported idle script runs on Artillery: exit 0" "$RC" 0
counters art-idle "... as many connections held and echoing as wsctl bench held" "
n = r['idle']['held']
assert n == 3, r['idle']
assert c.get('websocket.messages_received') == n, c
assert c.get('vusers.completed') == n and c.get('vusers.failed', 0) == 0, c"

# ---- handshakes over wss, the CA written into the script ----
TLSD=$OUT/art-tls
mkdir -p "$TLSD"
node "$TESTS/js/echo_tls_pem.js" "$TLSD"
start_echo art-echo-tls -q --listen 127.0.0.1:0 --tls-cert "$TLSD/cert.pem" \
	--tls-key "$TLSD/key.pem" || exit 1
set -- -m handshake -n 12 -d 2s -c 2 --ca "$TLSD/cert.pem" \
	"wss://127.0.0.1:${PORTS[0]}/"
timeout 30 "$WSCTL" bench -q --report "$OUT/art-hs-bench.json" "$@" >/dev/null 2>&1
expect_eq "bench handshakes over wss: exit 0" "$?" 0
"$WSCTL" bench --export artillery "$OUT/art-hs.yml" "$@" >/dev/null 2>&1
expect_eq "--export artillery of wss handshakes: exit 0" "$?" 0
check "... the script trusts the --ca certificate, written in" \
	grep -q "^      -----BEGIN CERTIFICATE-----" "$OUT/art-hs.yml"
artillery art-hs
expect_eq "the exported handshake script runs on Artillery: exit 0" "$RC" 0
counters art-hs "... as many handshakes as wsctl bench made, none failed" "
n = r['connections']['handshakes']
assert n == 12, n
assert c.get('vusers.completed') == n and c.get('vusers.failed', 0) == 0, c
assert not [k for k in c if k.startswith('errors.')], c"

# ---- what Artillery cannot express is refused, and no file is left ----
refused() {
	local name=$1 want=$2
	shift 2
	rm -f "$OUT/art-refused.yml"
	out=$("$WSCTL" bench --export artillery "$OUT/art-refused.yml" "$@" 2>&1)
	expect_eq "--export refuses $name: exit 2, one line" "$?:$out" \
		"2:wsctl bench: --export artillery: $want"
	check "... and writes no file" test ! -e "$OUT/art-refused.yml"
}
refused "a closed loop bounded by time" "a closed loop bounded only by time has no Artillery equivalent: give --rate or --count" "$URL"
refused "handshakes in flight for a time" "handshakes kept in flight for a time have no Artillery equivalent: give --count" -m handshake "$URL"
refused "--stages" "--stages has no Artillery equivalent (its phases ramp arrivals, not connections)" --stages 1s:2 -r 10 "$URL"
refused "empty messages" "Artillery's ws engine takes an empty echo for an error: give --size 1 or more" -s 0 -n 10 "$URL"
out=$("$WSCTL" bench --export artillery "$OUT/art-x.yml" --report "$OUT/x.json" -n 5 "$URL" 2>&1 | head -1)
expect_eq "--export with --report: a usage error" "$out" \
	"wsctl bench: --export runs no load: no --report, --junit, --html, --hdr-log or --threshold with it"
out=$("$WSCTL" bench --export k6 x "$URL" 2>&1 | head -1)
expect_eq "--export of another format: a usage error" "$out" "wsctl bench: bad --export 'k6': want artillery"
