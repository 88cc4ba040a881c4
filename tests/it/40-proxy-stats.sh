# --status-listen: JSON stats on a listener of their own, read with curl
# while a tunnel is held open and one upstream is down.
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT
DEAD=$(free_port)
start_proxy px-stats --upstream 127.0.0.1:$P1 \
	--upstream 127.0.0.1:$DEAD,fail_timeout=30s \
	--status-listen 127.0.0.1:0 || exit 1
expect_match "the stats listener is announced" "$STPORT" '^[0-9]+$'
URL=ws://127.0.0.1:$PXPORT/

# one connection per upstream: the dead one is refused, taken out, and
# the client goes on to s1; then a tunnel is held open
out=$(names "$URL" 2)
expect_eq "both connections reach s1" "$out" "s1 s1"
curl -s -m 10 "http://127.0.0.1:$PXPORT/plain" >/dev/null
coproc HOLD { client "$URL" send:whoami hold; }
read -r -t 10 line <&"${HOLD[0]}"	# open
read -r -t 10 line <&"${HOLD[0]}"	# reply s1

curl -s -m 10 -D "$OUT/stats.hdr" -o "$OUT/stats.json" "http://127.0.0.1:$STPORT/"
expect_match "stats: 200, JSON" "$(tr -d '\r' <"$OUT/stats.hdr")" \
	'^HTTP/1.1 200 OK.*Content-Type: application/json'
out=$(python3 - "$OUT/stats.json" "$P1" "$DEAD" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
up = {u["address"]: u for u in s["upstreams"]}
a, d = up["127.0.0.1:" + sys.argv[2]], up["127.0.0.1:" + sys.argv[3]]
print("open", s["open"]["clients"], s["open"]["tunnels"])
print("totals", s["totals"]["connections"], s["totals"]["requests"], s["totals"]["tunnels"])
print("live", a["active"], a["total"], a["failures"], a["health"])
print("dead", d["active"], d["total"], d["failures"], d["health"],
      25000 < d["retry_in_ms"] <= 30000, d["down_until"].endswith("Z"))
print("worker", s["worker"], s["pid"] > 0)
PY
)
expect_eq "stats: open connections, totals, per upstream" "$out" "open 1 1
totals 4 4 3
live 1 4 0 up
dead 0 1 1 down True True
worker 0 True"

# HEAD, another method, and a stats client is not a client
out=$(curl -s -m 10 -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$STPORT/")
expect_eq "stats: HEAD" "$out" 200
out=$(curl -s -m 10 -X POST -o /dev/null -w '%{http_code}' "http://127.0.0.1:$STPORT/")
expect_eq "stats: POST is 405" "$out" 405
out=$(curl -s -m 10 "http://127.0.0.1:$STPORT/" |
	python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["open"]["clients"], s["totals"]["connections"])')
expect_eq "stats clients are not counted as clients" "$out" "1 4"

# once the tunnel is gone
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null
sleep 0.2
out=$(curl -s -m 10 "http://127.0.0.1:$STPORT/" |
	python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["open"]["tunnels"], [u["active"] for u in s["upstreams"]])')
expect_eq "after the tunnel closed: nothing open" "$out" "0 [0, 0]"
stop_proxies
