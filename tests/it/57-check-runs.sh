# Runs of wsctl check as a pipeline makes them: a full sandboxed run in
# seconds, ten runs in a row against one running nginx, several nginx
# workers, and runs that are interrupted, which leave nothing behind.
. "$(dirname "$0")/../lib.sh"
REAL=$TESTS/../fixtures/nginx/real
TEMPLATE=$TESTS/../fixtures/nginx/check.conf.in

# run_backends: the PIDs of the backends a check here spawned: wsctl echo
# with this run's TMPDIR (the suite's other pass runs its own beside it)
run_backends() {
	local p
	for p in $(pgrep -f -- '--subprotocol wsctl.check'); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
			grep -qxF "TMPDIR=$TMPDIR" && echo "$p"
	done
}

# none_left NAME: no nginx or backend of a run is running, nothing of it
# is under TMPDIR
none_left() {
	local i
	# the children were told to stop; under ASan their exit (the leak
	# check) takes a moment: up to 3 s
	for ((i = 0; i < 30; i++)); do
		[ -z "$(run_backends)" ] &&
			[ "$(pgrep -fc "nginx -p $TMPDIR/wsctl-nginx" || true)" = 0 ] && break
		sleep 0.1
	done
	expect_eq "$1: no nginx of the run left" \
		"$(pgrep -fc "nginx -p $TMPDIR/wsctl-nginx" || true)" 0
	expect_eq "$1: no backend of the run left" "$(run_backends | wc -l)" 0
	expect_eq "$1: nothing left under TMPDIR" \
		"$(find "$TMPDIR" -mindepth 1 -name 'wsctl-*' | wc -l)" 0
}

# a full run (no --quick) of a config that keeps nginx's 60 s read
# timeout: timeout.idle fails at the location, in seconds (and, as with
# most configs, upgrade.h2c on its Upgrade $http_upgrade)
"$WSCTL" check --nginx-conf "$REAL/default-timeout.conf" --start-nginx \
	--report "$OUT/full.json" >"$OUT/full.table" 2>&1
expect_eq "full run, 60 s read timeout: exit 1" "$?" 1
line=$(grep -n '{ *# FULL-RUN-BLAME' "$REAL/default-timeout.conf" | cut -d: -f1)
check "full run: timeout.idle fails, at the location (under 10 s but with ASan)" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/full.json'))
bad = [c for c in r['checks'] if c['status'] in ('fail', 'error')]
assert sorted(c['id'] for c in bad) == ['timeout.idle', 'upgrade.h2c'], [(c['id'], c['message']) for c in bad]
bad = [c for c in bad if c['id'] == 'timeout.idle']
ref = bad[0]['config_ref']
assert ref['line'] == $line and 'no proxy_read_timeout' in ref['directive'], ref
assert bad[0]['fix'].startswith('proxy_read_timeout'), bad[0]['fix']
assert r['sandbox']['time_div'] == 30, r['sandbox']['time_div']
# the bound is the plain build's: ASan takes 9 s over the 16 MiB case alone
assert '${PREFIX:-}' or r['duration_ms'] < 10000, r['duration_ms']"
expect_match "full run: the cut in the config's terms" \
	"$(grep '^timeout.idle ' "$OUT/full.table")" \
	"closed \\(TCP\\) after (59|60)\\.[0-9]s \\(measured [12]\\.[0-9]+s at 1/30\\)"
sed 's/proxy_http_version 1.1;/proxy_http_version 1.1; proxy_read_timeout 300s;/' \
	"$REAL/default-timeout.conf" >"$OUT/timeout-300.conf"
"$WSCTL" check --nginx-conf "$OUT/timeout-300.conf" --start-nginx \
	--skip 'diff.fragments-16mib,capacity.tunnels' \
	--report "$OUT/full-300.json" >"$OUT/full-300.table" 2>&1
expect_eq "full run, proxy_read_timeout 300s: only upgrade.h2c fails" \
	"$?/$(failed_checks "$OUT/full-300.json")" "1/upgrade.h2c"
expect_match "... timeout.idle passes, no timeout check fails" \
	"$(grep '^timeout\.' "$OUT/full-300.table" | tr -s ' ' | cut -d' ' -f1,2 | paste -sd,)" \
	"^timeout.idle pass,timeout.keepalive skip,timeout.idle-close skip,timeout.idle-upstream-only pass,timeout.idle-client-only pass$"
none_left "after a run"

# ten runs in a row against the same running nginx: the failover of one
# run leaves a backend out for fail_timeout (2 s here, 10 s by default),
# and the next run's balance check waits that out instead of failing
# three different ports: free_port may give the same one twice
B1=$(free_port)
while B2=$(free_port); [ "$B2" = "$B1" ]; do :; done
while LISTEN=$(free_port); [ "$LISTEN" = "$B1" ] || [ "$LISTEN" = "$B2" ]; do :; done
mkdir -p "$OUT/running/logs" "$OUT/running/tmp"
sed -e "s/@LISTEN@/127.0.0.1:$LISTEN/; s/@BACKEND1@/$B1 fail_timeout=2s/" \
	-e "s/@BACKEND2@/$B2 fail_timeout=2s/" -e 's/Host $host/Host $http_host/' \
	"$TEMPLATE" >"$OUT/running.conf"
spawn running-nginx nginx -p "$OUT/running" -e "$OUT/running/error.log" \
	-c "$OUT/running.conf" -g "daemon off; pid $OUT/running/nginx.pid;"
wait_port "$LISTEN"
# the repetitions are about the verdict, which is the plain build's to
# show ten and twenty times; the ASan pass looks at the same runs' memory
# three and five times
RUNS=10 WRUNS=20
[ -n "${PREFIX:-}" ] && RUNS=3 WRUNS=5
verdicts=
for i in $(seq "$RUNS"); do
	"$WSCTL" check --nginx-conf "$OUT/running.conf" --quick \
		--report "$OUT/b2b-$i.json" >"$OUT/b2b-$i.table" 2>&1
	verdicts+="$?:$(failed_checks "$OUT/b2b-$i.json");"
done
expect_eq "$RUNS runs in a row: the same verdict each time" "$verdicts" \
	"$(printf '0:;%.0s' $(seq "$RUNS"))"
stop "$SPAWNED"

# several workers without a zone: each balances on its own, and a correct
# round-robin still passes, 20 runs of 20
sed '1i worker_processes 4;' "$TESTS/../fixtures/nginx/article.conf" >"$OUT/workers-4.conf"
passes=0
for i in $(seq "$WRUNS"); do
	"$WSCTL" check --nginx-conf "$OUT/workers-4.conf" --start-nginx \
		--only distribution.balance >"$OUT/workers-$i.table" 2>&1 &&
		passes=$((passes + 1))
done
expect_eq "worker_processes 4, round-robin: passes $WRUNS of $WRUNS" "$passes" "$WRUNS"

# interrupted: SIGINT and SIGTERM in the middle of a run (one that waits: timeouts as
# written), then SIGHUP to its process group, as a closed terminal sends
# it; each run stops nginx and every backend, prints what it has, writes
# its report, removes its prefix and exits 1
for sig in INT TERM HUP; do
	setsid "$WSCTL" check --nginx-conf "$TESTS/../fixtures/nginx/article.conf" \
		--start-nginx --real-time --idle 20s --report "$OUT/sig-$sig.json" \
		>"$OUT/sig-$sig.table" 2>"$OUT/sig-$sig.err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		pgrep -fc "nginx -p $TMPDIR/wsctl-nginx" >/dev/null && break
		sleep 0.05
	done
	sleep 1.5
	if [ "$sig" = HUP ]; then kill -HUP -- "-$pid"; else kill -INT "$pid"; fi
	wait "$pid"
	expect_eq "SIG$sig in the middle: exit 1" "$?" 1
	expect_match "SIG$sig: the table so far" "$(cat "$OUT/sig-$sig.table")" \
		"handshake.status-101 +pass.*not run: interrupted|interrupted"
	check "SIG$sig: the report says so" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/sig-$sig.json'))
assert r['interrupted'] is True
assert any(c['status'] == 'pass' for c in r['checks'])"
	none_left "SIG$sig"
done

# SIGKILL: nothing can clean up, yet nginx (its workers too) and the
# backends see the checker gone and stop within seconds
"$WSCTL" check --nginx-conf "$TESTS/../fixtures/nginx/article.conf" \
	--start-nginx --real-time --idle 20s >/dev/null 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do
	master=$(pgrep -f "nginx -p $TMPDIR/wsctl-nginx" | head -1)
	[ -n "$master" ] && break
	sleep 0.05
done
sleep 1.5
family="$master $(pgrep -P "$master" | tr '\n' ' ') $(run_backends | tr '\n' ' ')"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
for ((i = 0; i < 50; i++)); do
	left=$(for p in $family; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
	[ -z "$left" ] && break
	sleep 0.1
done
expect_eq "SIGKILL: nginx, its workers and the backends ($(wc -w <<<"$family") processes) all gone" \
	"$(wc -w <<<"$family" | awk '$1 >= 4 {print "some"}')/${left:-none}" "some/none"
rm -rf "$TMPDIR"/wsctl-*
