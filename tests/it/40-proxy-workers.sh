# --workers N: N processes on SO_REUSEPORT sockets, supervised by the
# parent: many connections all succeed and spread over the workers, a
# worker that dies is started again, SIGHUP reaches every worker, and
# SIGTERM ends every process with exit 0, leaving nothing behind.
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT
ALOG=$OUT/px-workers.access
rm -f "$ALOG" "$ALOG.1"
start_proxy px-workers --upstream 127.0.0.1:$P1 --workers 2 \
	--status-listen 127.0.0.1:0 --access-log "$ALOG" || exit 1
expect_eq "one line per address, not per worker" \
	"$(grep -c '^listening on' "$OUT/px-workers.log")" 1

# workers_seen: the pid of each worker that answered 20 stats requests,
# "worker:pid" sorted
workers_seen() {
	local i
	for ((i = 0; i < 20; i++)); do
		curl -s -m 5 "http://127.0.0.1:$STPORT/" |
			python3 -c 'import json, sys; s = json.load(sys.stdin); print("%d:%d" % (s["worker"], s["pid"]))'
	done | sort -u
}
mapfile -t seen < <(workers_seen)
expect_eq "two workers answer" "${#seen[@]}" 2
expect_match "workers 0 and 1" "${seen[*]}" '^0:[0-9]+ 1:[0-9]+$'
kids=$(ps -o pid= --ppid "$PXPID" | tr -d ' ' | sort | tr '\n' ' ')
expect_eq "the workers are the parent's children" "$kids" \
	"$(for s in "${seen[@]}"; do echo "${s#*:}"; done | sort | tr '\n' ' ')"

# (a bare `wait` would wait for the proxy and the backend too)
jobs_=()
wait_jobs() {
	wait "${jobs_[@]}" 2>/dev/null
	jobs_=()
}

# --- many connections at once, plain and WebSocket: all succeed
for ((i = 0; i < 100; i++)); do
	curl -s -m 20 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PXPORT/n$i" &
	jobs_+=($!)
done >"$OUT/workers-curl.out"
for ((i = 0; i < 30; i++)); do
	{ client "ws://127.0.0.1:$PXPORT/" "send:m$i" | tail -n1; } &
	jobs_+=($!)
done >"$OUT/workers-ws.out"
wait_jobs
expect_eq "100 parallel requests: all 200" "$(grep -c '^200$' "$OUT/workers-curl.out")" 100
expect_eq "30 parallel tunnels: all echoed" \
	"$(grep -c '^reply Server received from client: m' "$OUT/workers-ws.out")" 30
total=$(for ((i = 0; i < 30; i++)); do
	curl -s -m 5 "http://127.0.0.1:$STPORT/" | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["worker"], s["totals"]["connections"])'
done | sort -u -k1,1 | awk '$2 > 0 {n++} END {print n}')
expect_eq "both workers served connections" "$total" 2

# --- a worker killed is started again on the same sockets
victim=${seen[0]#*:}
kill -KILL "$victim"
for ((i = 0; i < 60; i++)); do
	[ "$(ps -o pid= --ppid "$PXPID" | wc -l)" -eq 2 ] &&
		! kill -0 "$victim" 2>/dev/null && break
	sleep 0.05
done
expect_eq "a killed worker is replaced" "$(ps -o pid= --ppid "$PXPID" | wc -l)" 2
expect_match "... and the parent says so" "$(cat "$OUT/px-workers.log")" \
	"worker 0 \\(pid $victim\\) ended with signal 9; starting it again"
for ((i = 0; i < 40; i++)); do
	curl -s -m 20 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PXPORT/r$i" &
	jobs_+=($!)
done >"$OUT/workers-curl2.out"
wait_jobs
expect_eq "after the restart: 40 parallel requests all 200" \
	"$(grep -c '^200$' "$OUT/workers-curl2.out")" 40

# --- SIGHUP to the parent reaches every worker
mv "$ALOG" "$ALOG.1"
kill -HUP "$PXPID"
sleep 0.3
for ((i = 0; i < 20; i++)); do
	curl -s -m 10 -o /dev/null "http://127.0.0.1:$PXPORT/hup$i"
done
sleep 0.2
expect_eq "after SIGHUP every worker writes the new file" \
	"$(grep -c '"GET /hup' "$ALOG" 2>/dev/null)" 20

# --- SIGTERM: a tunnel drains, then every process ends with 0
mapfile -t seen < <(workers_seen)
drain_tunnel "$PXPID" "ws://127.0.0.1:$PXPORT/" send:before sleep:1000 send:after
expect_eq "a tunnel finishes during the drain" "$DRAINED" \
	"reply Server received from client: after"
expect_eq "the parent exits 0 after the workers drained" "$DRAIN_RC" 0
left=0
for s in "${seen[@]}"; do kill -0 "${s#*:}" 2>/dev/null && left=$((left + 1)); done
expect_eq "no worker is left behind" "$left" 0
out=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PXPORT/")
expect_eq "nobody listens on the port any more" "$out" 000
stop_proxies
