# wsctl proxy reloads its configuration on SIGHUP, as nginx does: new
# connections get the new upstreams, listeners and settings; open
# tunnels stay on the old ones until they end; a config that does not
# load leaves everything as it was.
. "$(dirname "$0")/40-proxy.inc"

start_backend r1 || exit 1
P1=$BPORT
start_backend r2 || exit 1
P2=$BPORT
CONF=$OUT/reload.json
L1=$(free_port)
printf '{"listen": ["127.0.0.1:%s"], "upstreams": ["127.0.0.1:%s"]}\n' \
	"$L1" "$P1" >"$CONF"
start_proxy_args px-reload --config "$CONF" || exit 1
URL=ws://127.0.0.1:$L1/
expect_eq "before the reload: r1" "$(names "$URL" 2)" "r1 r1"

# a tunnel open across the reload, to r1
coproc HOLD { client "$URL" send:whoami sleep:1500 send:whoami; }
read -r -t 10 line <&"${HOLD[0]}"	# open
read -r -t 10 line <&"${HOLD[0]}"	# reply r1
L2=$(free_port)
while [ "$L2" = "$L1" ]; do L2=$(free_port); done
printf '{"listen": ["127.0.0.1:%s", "127.0.0.1:%s"], "upstreams": ["127.0.0.1:%s"]}\n' \
	"$L1" "$L2" "$P2" >"$CONF"
kill -HUP "$PXPID"
wait_port "$L2"
expect_eq "after the reload: new connections go to r2" "$(names "$URL" 2)" "r2 r2"
expect_eq "... on the new listener too" "$(names "ws://127.0.0.1:$L2/" 1)" "r2"
read -r -t 10 line <&"${HOLD[0]}"
expect_eq "the tunnel opened before still echoes, from r1" "$line" "reply r1"
wait "$HOLD_PID" 2>/dev/null
expect_match "the log says so" "$(cat "$OUT/px-reload.log")" \
	"reloaded: 2 listeners, 1 upstream \\(round-robin\\); 1 connection stays on the old configuration until it ends"

# a listener the config drops is closed; the one both have stays
printf '{"listen": ["127.0.0.1:%s"], "upstreams": ["127.0.0.1:%s"]}\n' \
	"$L2" "$P1" >"$CONF"
kill -HUP "$PXPID"
for ((i = 0; i < 100; i++)); do
	names "$URL" 1 | grep -q . || break
	sleep 0.05
done
expect_eq "a dropped listener refuses" "$(names "$URL" 1)" ""
expect_eq "the kept one serves the new upstream" "$(names "ws://127.0.0.1:$L2/" 1)" "r1"

# a config that does not load: said on one line, nothing changes
echo '{"listen": [' >"$CONF"
kill -HUP "$PXPID"
for ((i = 0; i < 100; i++)); do
	grep -q 'reload: .*the running configuration stays' "$OUT/px-reload.log" && break
	sleep 0.05
done
expect_match "a broken config: the reload says why" \
	"$(grep 'reload: ' "$OUT/px-reload.log" | tail -n1)" \
	"reload: .*reload.json.*; the running configuration stays$"
expect_eq "... and the proxy serves as before" "$(names "ws://127.0.0.1:$L2/" 1)" "r1"
# an upstream that does not resolve, the same
printf '{"listen": ["127.0.0.1:%s"], "upstreams": ["no-such-host.invalid:1"]}\n' \
	"$L2" >"$CONF"
kill -HUP "$PXPID"
sleep 0.5
expect_match "an unresolvable upstream: refused" \
	"$(grep 'reload: ' "$OUT/px-reload.log" | tail -n1)" \
	"no-such-host.invalid.*the running configuration stays$"
expect_eq "... still serving" "$(names "ws://127.0.0.1:$L2/" 1)" "r1"
kill -0 "$PXPID" && ok "the proxy is still running" || notok "the proxy is still running" "gone"
stop "$PXPID"
