# scripts/bench-proxy --quick --runs 1: every contender available here is
# started, loaded and stopped, and the table and the JSON come out with
# a figure for each.  A smoke run: about four seconds per contender, and
# no assertion about which is faster.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$TESTS/../scripts/bench-proxy
BP=$OUT/bench-proxy
rm -rf "$BP"

# --syscalls where perf can count this host's syscall tracepoints
syscalls=
perf stat -e raw_syscalls:sys_enter -o /dev/null true >/dev/null 2>&1 &&
	syscalls=--syscalls
timeout 240 "$SCRIPT" --quick --runs 1 $syscalls --wsctl "$WSCTL" --out "$BP" \
	>"$OUT/bench-proxy.table" 2>"$OUT/bench-proxy.err"
expect_eq "bench-proxy --quick: exit 0" "$?" 0

# the contenders this machine has
want=direct
command -v cc >/dev/null && want="$want floor"
cc -O2 -o "$OUT/floor-uring" "$TESTS/../scripts/floor-uring.c" -luring 2>/dev/null &&
	"$OUT/floor-uring" --probe && want="$want floor-uring"
"$WSCTL" proxy --help >/dev/null 2>&1 && want="$want wsctl"
command -v nginx >/dev/null && want="$want nginx"
command -v haproxy >/dev/null && want="$want haproxy"

check "bench-proxy: the JSON has every contender's figures" /usr/bin/python3 -c "
import json
r = json.load(open('$BP/bench-proxy.json'))
want = '$want'.split()
s = r['summary']
assert sorted(s) == sorted(want), (sorted(s), want)
for k in want:
    f = s[k]
    for key in ('msgs_per_s', 'rtt_p99_us', 'hs_per_s', 'hs_p99_us', 'held'):
        assert f[key]['median'] > 0, (k, key, f.get(key))
    assert f['held']['median'] == 500, (k, f['held'])
    assert f['errors']['max'] == 0, (k, f['errors'])
    if k != 'direct':
        for key in ('cpu_us_per_msg', 'cpu_us_per_hs', 'rss_kib_per_tunnel'):
            assert key in f and f[key]['median'] is not None, (k, key)
        assert f['cpu_us_per_msg']['median'] > 0, (k, f['cpu_us_per_msg'])
        u, kp = f['user_us_per_msg']['median'], f['kernel_pct']['median']
        assert 0 <= u <= f['cpu_us_per_msg']['median'] and 0 <= kp <= 100, (k, u, kp)
        if '$syscalls':     # epoll relays: a read and a write at least, and
            # epoll_wait is some of them; io_uring batches them below one
            n, e = f['sys_all_per_msg']['median'], f['sys_epoll_per_msg']['median']
            assert n > (0 if k == 'floor-uring' else 2) and 0 <= e < n, (k, n, e)
assert r['config']['idle'] == {'tunnels': 500, 'ramp': 256, 'hold_s': 1.0}
if 'nginx' in want:
    assert r['ratios_vs_nginx']['nginx']['msgs_per_s'] == 1
assert r['machine']['cpus'] >= 1 and r['command'].startswith('scripts/bench-proxy')"

table=$(cat "$OUT/bench-proxy.table")
expect_match "bench-proxy: table header" "$(sed -n 1p <<<"$table")" \
	"^1 run, medians"
expect_match "bench-proxy: CPU per round trip row" \
	"$(grep '^proxy CPU us/round trip' <<<"$table")" "[0-9]"
expect_match "bench-proxy: RSS per tunnel row" \
	"$(grep '^RSS KiB/idle tunnel' <<<"$table")" "[0-9]"
expect_match "bench-proxy: held row" \
	"$(grep '^idle tunnels held' <<<"$table")" "^idle tunnels held( +500)+$"
if command -v nginx >/dev/null; then
	expect_match "bench-proxy: ratios against nginx" \
		"$(grep '^echo round trips/s' <<<"$table")" "\(1\.00x\)"
fi

# left_in DIR: how many processes run with DIR/ in their command line
left_in() {
	/usr/bin/python3 -c "
import os, sys
n = 0
for d in filter(str.isdigit, os.listdir('/proc')):
    if int(d) == os.getpid():
        continue
    try:
        n += sys.argv[1].encode() + b'/' in open('/proc/%s/cmdline' % d, 'rb').read()
    except OSError:
        pass
print(n)" "$1"
}

# nothing it started with a file of its own is left (nginx, HAProxy)
expect_eq "bench-proxy: its processes are gone" "$(left_in "$BP")" 0

# wsctl-poll, run only when named: wsctl proxy with --busy-poll
BPP=$OUT/bench-proxy-poll
rm -rf "$BPP"
timeout 120 "$SCRIPT" --quick --runs 1 --loads handshake --proxies wsctl-poll \
	--busy-poll 50 --wsctl "$WSCTL" --out "$BPP" >/dev/null \
	2>"$OUT/bench-proxy-poll.err"
expect_eq "bench-proxy --proxies wsctl-poll: exit 0" "$?" 0
check "bench-proxy wsctl-poll: handshake figures, from wsctl proxy --busy-poll 50" /usr/bin/python3 -c "
import json
r = json.load(open('$BPP/bench-proxy.json'))
s = r['summary']
assert list(s) == ['wsctl-poll'], list(s)
assert s['wsctl-poll']['hs_per_s']['median'] > 0, s['wsctl-poll']
argv = r['runs'][0]['wsctl-poll']['argv']
assert argv[1] == 'proxy' and argv[-2:] == ['--busy-poll', '50'], argv"

# --tls: each contender terminates TLS itself, every load over wss://,
# once per TLS version, and the resume load; every contender resumes
BPT=$OUT/bench-proxy-tls
rm -rf "$BPT"
timeout 240 "$SCRIPT" --tls --quick --runs 1 --idle 200 --wsctl "$WSCTL" --out "$BPT" \
	>"$OUT/bench-proxy-tls.table" 2>"$OUT/bench-proxy-tls.err"
expect_eq "bench-proxy --tls --quick: exit 0" "$?" 0
check "bench-proxy --tls: every contender's TLS figures, for TLS 1.3 and 1.2" /usr/bin/python3 -c "
import json
r = json.load(open('$BPT/bench-proxy.json'))
want = [k for k in '$want'.split() if not k.startswith('floor')]   # plain TCP only
assert r['config']['tls']['versions'] == ['1.3', '1.2'], r['config']['tls']
for v in ('1.3', '1.2'):
    s = r['tls'][v]['summary']
    assert sorted(s) == sorted(want), (v, sorted(s), want)
    for k in want:
        f = s[k]
        for key in ('msgs_per_s', 'hs_per_s', 'resumed_per_s', 'held'):
            assert f[key]['median'] > 0, (v, k, key, f.get(key))
        assert f['held']['median'] == 200, (v, k, f['held'])
        assert f['resumed_pct']['median'] >= 90, (v, k, f['resumed_pct'])
        assert f['errors']['max'] == 0, (v, k, f['errors'])
        if k != 'direct':
            for key in ('cpu_us_per_msg', 'cpu_us_per_hs', 'cpu_us_per_resumed',
                        'rss_kib_per_tunnel'):
                assert f[key]['median'] is not None and f[key]['median'] > 0, (v, k, key)"
expect_match "bench-proxy --tls: a table per version" \
	"$(grep -c '^TLS 1\.[23] (each contender terminates it' "$OUT/bench-proxy-tls.table")" "^2$"
expect_eq "bench-proxy --tls: its processes are gone" "$(left_in "$BPT")" 0
