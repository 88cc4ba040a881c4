# wsctl bench against wsctl echo: each mode produces its figures, backend
# shares show through nginx, errors are counted by kind, usage errors and
# a -c the descriptor limit cannot hold exit 2.  No timing assertions.
. "$(dirname "$0")/../lib.sh"

start_echo echo -q --listen 127.0.0.1:0 --listen 127.0.0.1:0 \
	--id b1 --id b2 --reject /no=403
E1=${PORTS[0]} E2=${PORTS[1]}
URL=ws://127.0.0.1:$E1/

# bench NAME ARGS...: run wsctl bench with a report; RC, and NAME's
# table in $OUT/bench-NAME.out
bench() {
	local name=$1
	shift
	timeout 60 "$WSCTL" bench -q --report "$OUT/bench-$name.json" "$@" \
		>"$OUT/bench-$name.out" 2>"$OUT/bench-$name.err"
	RC=$?
}

# report NAME TEST PYTHON: assertions about NAME's report, as r
report() {
	check "$2" /usr/bin/python3 -c "
import json
r = json.load(open('$OUT/bench-$1.json'))
$3"
}

# ---- echo ----
bench echo -d 1s -c 4 -s 100 "$URL"
expect_eq "echo: exit 0" "$RC" 0
report echo "echo: round trips measured" "
assert r['mode'] == 'echo'
m = r['messages']
assert m['count'] > 0 and m['per_sec'] > 0 and m['bytes_per_sec'] > 0, m
assert m['bytes'] == m['count'] * 100, m
h = r['rtt_us']
assert h['count'] == m['count'], h
for k in ('p50', 'p90', 'p99', 'p99_9', 'max'):
    assert h[k] > 0, k
assert h['min'] <= h['p50'] <= h['p90'] <= h['p99'] <= h['p99_9'] <= h['max'], h"
report echo "echo: handshakes and connection rate" "
c = r['connections']
assert c['handshakes'] == 4 and c['per_sec'] > 0 and c['ramp_done'], c
assert r['handshake_us']['count'] == 4 and r['handshake_us']['p50'] > 0
assert c['closes'] == 4, c
assert r['errors']['total'] == 0, r['errors']"
report echo "echo: one backend, named" "
assert [(b['id'], b['share'], b['connections']) for b in r['backends']] == \
    [('b1', 1, 4)], r['backends']"
expect_match "echo: table has round trips" \
	"$(grep '^round trip' "$OUT/bench-echo.out")" "p50 .* p99\.9 .* max"
expect_match "echo: table has rates" \
	"$(grep '^messages' "$OUT/bench-echo.out")" "/s, .* MiB/s"
expect_eq "echo: no errors in the table" \
	"$(grep '^errors' "$OUT/bench-echo.out")" "errors         none"
expect_eq "echo: no progress line when not a terminal" \
	"$(cat "$OUT/bench-echo.err")" ""

# on a terminal: a progress line on stderr, redrawn once a second
out=$(timeout 30 python3 - "$WSCTL" "$URL" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "bench", "-c", "2", "-d", "3500ms",
                           sys.argv[2]])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
# what stands between a carriage return and an erase-to-end-of-line
for line in out.split(b"\r")[1:]:
    if b"\033[K" in line:
        print(line.split(b"\033[K")[0].decode().strip())
PY
)
expect_match "echo on a terminal: progress lines" "$(head -n1 <<<"$out")" \
	'^[0-9]+s +2 open +[0-9]+ msg/s +p99 [0-9]+us +errors 0$'
expect_match "echo on a terminal: about one a second" "$(wc -l <<<"$out")" '^[234]$'

bench count -n 100 -c 3 --text -s 1KiB "$URL"
expect_eq "echo -n: exit 0" "$RC" 0
report count "echo -n 100: exactly 100 round trips of text" "
assert r['messages']['count'] == 100, r['messages']
assert r['config']['type'] == 'text'"

bench big -n 20 -c 2 -s 200KiB "$URL"
report big "echo: 200 KiB echoes come back (in several frames)" "
assert r['messages']['count'] == 20 and r['errors']['total'] == 0, r"

# open loop: 200/s for 1 s cannot make more than the schedule allows
bench rate -d 1s -c 2 --rate 200/s "$URL"
expect_eq "rate: exit 0" "$RC" 0
report rate "rate: paced by the schedule" "
assert r['config']['rate'] == 200
assert 0 < r['messages']['count'] <= 210, r['messages']"

# ---- handshake ----
bench hs -m handshake -d 1s -c 4 "$URL"
expect_eq "handshake: exit 0" "$RC" 0
report hs "handshake: rate and times measured" "
c = r['connections']
assert c['handshakes'] > 0 and c['per_sec'] > 0, c
h = r['handshake_us']
assert h['count'] == c['handshakes'] and 0 < h['p50'] <= h['p99'] <= h['max'], h
assert r['messages']['count'] == 0
assert r['errors']['total'] == 0, r['errors']"
expect_match "handshake: table" "$(grep '^handshakes' "$OUT/bench-hs.out")" \
	"^handshakes +[0-9]+ in [0-9.]+s: [0-9]+/s$"

bench hsn -m handshake -n 50 -c 4 "$URL"
report hsn "handshake -n 50: exactly 50, each closed" "
c = r['connections']
assert c['handshakes'] == 50 and c['attempts'] == 50 and c['closes'] == 50, c"

# ---- idle ----
bench idle -m idle -c 50 -d 300ms "$URL"
expect_eq "idle: exit 0" "$RC" 0
expect_eq "idle: the messages line says what they were, not a rate" \
	"$(grep '^messages' "$OUT/bench-idle.out")" \
	"messages       50, one echo per held connection after the hold"
report idle "idle: every connection held and echoing" "
assert r['idle'] == {'opened': 50, 'held': 50, 'hold_s': 0.3}, r['idle']
assert r['rtt_us']['count'] == 50 and r['errors']['total'] == 0"
expect_match "idle: table" "$(grep '^idle' "$OUT/bench-idle.out")" \
	"50 opened, held 300.00ms, 50 still echoing"

if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 9100 ]; then
	bench idle9000 -m idle -c 9000 -d 200ms "$URL"
	expect_eq "idle -c 9000: exit 0" "$RC" 0
	report idle9000 "idle -c 9000: all held, from one process" "
assert r['idle']['opened'] == 9000 and r['idle']['held'] == 9000, r['idle']
assert r['config']['ramp'] == 256"
fi

# ---- errors by kind ----
DEAD=$(free_port)
bench refused -d 500ms -c 2 "ws://127.0.0.1:$DEAD/"
expect_eq "refused: exit 1" "$RC" 1
report refused "refused: counted as refused" "
e = r['errors']
assert e['refused'] > 0 and e['total'] == e['refused'], e
assert 'refused' in e['first']['refused'].lower(), e['first']"
expect_match "refused: table" "$(grep '^  refused' "$OUT/bench-refused.out")" \
	"refused +[0-9]+ +connect: Connection refused"

bench status -m handshake -d 500ms -c 2 "ws://127.0.0.1:$E1/no"
expect_eq "non-101: exit 1" "$RC" 1
report status "non-101: counted with its status" "
e = r['errors']
assert e['status'] > 0 and e['total'] == e['status'], e
assert e['status_codes'] == {'403': e['status']}, e
assert r['connections']['handshakes'] == 0"
expect_match "non-101: table names the code" \
	"$(grep '^  status' "$OUT/bench-status.out")" "403 Forbidden \(403: [0-9]+\)"

# --threshold: the exit code, the table, the JSON and the JUnit
bench th-pass -d 1s -c 2 --threshold 'p99<2s' --threshold 'errors<1%' \
	--threshold 'rate>1' --junit "$OUT/bench-th-pass.xml" "ws://127.0.0.1:$E1/"
expect_eq "thresholds met: exit 0" "$RC" 0
expect_match "... each in the table" "$(grep -c '^ok   threshold ' "$OUT/bench-th-pass.out")" "^3$"
bench th-fail -d 1s -c 2 --threshold 'p99<2s' --threshold 'rate>1000000000' \
	--junit "$OUT/bench-th-fail.xml" "ws://127.0.0.1:$E1/"
expect_eq "a threshold missed: exit 1" "$RC" 1
expect_match "... named, with what was measured" "$(cat "$OUT/bench-th-fail.out")" \
	"FAIL threshold rate>1000000000 \(rate [0-9]+/s\)"
report th-fail "a threshold missed: in the JSON as a check is" "
t = {x['expr']: x for x in r['thresholds']}
assert t['p99<2s']['status'] == 'pass' and t['rate>1000000000']['status'] == 'fail', t
assert t['rate>1000000000']['observed'] > 0, t"
check "... and in the JUnit, one testcase each" /usr/bin/python3 -c "
import xml.etree.ElementTree as ET
s = ET.parse('$OUT/bench-th-fail.xml').getroot()[0]
assert [c.get('name') for c in s] == ['p99<2s', 'rate>1000000000'], [c.get('name') for c in s]
assert s[0].find('failure') is None and s[1].find('failure').get('message').startswith('rate was ')"
"$WSCTL" bench --threshold 'p99<5parsecs' "ws://127.0.0.1:$E1/" 2>"$OUT/bench-th-bad.err"
expect_eq "a bad threshold: exit 2" "$?" 2
expect_eq "... one line" "$(head -n1 "$OUT/bench-th-bad.err")" \
	"wsctl bench: bad threshold 'p99<5parsecs': a latency is 5ms, 250us or 1s"

start_echo slow -q --listen 127.0.0.1:0 --delay 3s
bench timeout -d 1s -c 2 -t 300ms "ws://127.0.0.1:${PORTS[0]}/"
expect_eq "timeout: exit 1" "$RC" 1
report timeout "timeout: an echo that does not come in time" "
e = r['errors']
assert e['timeout'] > 0, e
assert e['first']['timeout'] == 'no echo within 300 ms', e['first']"

start_echo closer -q --listen 127.0.0.1:0 --close-after 3:1001
bench closed -n 20 -c 1 "ws://127.0.0.1:${PORTS[0]}/"
expect_eq "closed by the server: exit 1" "$RC" 1
report closed "closed by the server: counted with its code, reopened" "
e = r['errors']
assert e['closed'] > 0, e
assert e['first']['closed'] == 'closed by the server with 1001', e['first']
assert r['connections']['handshakes'] > 1
assert r['messages']['count'] >= 3"

# ---- shares through nginx, round-robin over b1 and b2 ----
if command -v nginx >/dev/null; then
	NG=$OUT/bench-nginx
	rm -rf "$NG" && mkdir -p "$NG/tmp"
	LISTEN=$(free_port)
	sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$E1/; s/@BACKEND2@/$E2/" \
		"$TESTS/../fixtures/bench/nginx.conf.in" >"$NG/nginx.conf"
	spawn nginx nginx -p "$NG" -c "$NG/nginx.conf" -e stderr -g 'daemon off;'
	NGINX=$SPAWNED
	wait_port "$LISTEN"
	bench shares -d 500ms -c 10 "ws://127.0.0.1:$LISTEN/"
	expect_eq "through nginx: exit 0" "$RC" 0
	report shares "through nginx: both backends' shares" "
b = {x['id']: x for x in r['backends']}
assert sorted(b) == ['b1', 'b2'], b
assert b['b1']['connections'] + b['b2']['connections'] == 10, b
assert b['b1']['share'] > 0 and b['b2']['share'] > 0, b
assert abs(b['b1']['share'] + b['b2']['share'] - 1) < 1e-9, b
assert b['b1']['messages'] > 0 and b['b2']['messages'] > 0, b"
	expect_match "through nginx: table" \
		"$(grep '^backends' "$OUT/bench-shares.out")" \
		"^backends +b1 [0-9.]+% \([0-9]+\), b2 [0-9.]+% \([0-9]+\)$"
	stop "$NGINX"
else
	ok "through nginx: skipped, no nginx"
fi

# ---- --stages: k6's ramping shape ----
bench stages --stages 500ms:6,500ms:6,500ms:0 -s 64 "$URL"
expect_eq "stages: exit 0" "$RC" 0
expect_match "stages: the table says them" "$(cat "$OUT/bench-stages.out")" \
	$'\nstages +0 to 6 in 500ms, 6 for 500ms, 6 to 0 in 500ms\n'
expect_match "... and the most open at once: the top target" \
	"$(cat "$OUT/bench-stages.out")" $'\nconnections +[0-9]+ opened, at most 6 at once\n'
report stages "stages: in the report, the duration their sum" "
c = r['config']
assert c['stages'] == [{'duration_ms': 500, 'target': 6}, {'duration_ms': 500, 'target': 6},
                       {'duration_ms': 500, 'target': 0}], c
assert c['connections'] == 6 and c['duration_ms'] == 1500, c
assert r['messages']['count'] > 0, r['messages']"
bench stages-hs -m handshake --stages 400ms:3,400ms:0 "$URL"
expect_eq "stages, handshake mode: exit 0" "$RC" 0
expect_match "... at most the target in flight" "$(cat "$OUT/bench-stages-hs.out")" \
	$'\nconnections +[0-9]+ opened, at most [1-3] at once\n'

# ---- -H and --subprotocol reach the server (node ws logs them) ----
start_node bench-hdr "$TESTS/js/connect_echo_server.js" || exit 1
bench hdr -n 3 -c 1 -H 'X-Bench: yes' -H 'Host: h.example' --subprotocol chat \
	--subprotocol super "ws://127.0.0.1:$PORT/"
expect_eq "-H, --subprotocol: exit 0" "$RC" 0
for line in "header x-bench: yes" "header host: h.example" \
	"header sec-websocket-protocol: chat, super" "protocol chat"; do
	grep -qxF "$line" "$OUT/bench-hdr.log" && ok "bench: the server saw '$line'" ||
		notok "bench: the server saw '$line'"
done
expect_eq "... one Host header per connection" \
	"$(grep -c '^header host: ' "$OUT/bench-hdr.log")" "$(grep -c '^peer ' "$OUT/bench-hdr.log")"

# ---- wss://: TLS on bench's own loop, every mode, against wsctl echo ----
TLSD=$OUT/bench-tls
mkdir -p "$TLSD"
node "$TESTS/js/echo_tls_pem.js" "$TLSD"
start_echo echo-tls -q --listen 127.0.0.1:0 --tls-cert "$TLSD/cert.pem" \
	--tls-key "$TLSD/key.pem" || exit 1
WSS=wss://127.0.0.1:${PORTS[0]}/
bench wss-echo -d 1s -c 3 --ca "$TLSD/cert.pem" "$WSS"
expect_eq "wss echo, --ca: exit 0" "$RC" 0
report wss-echo "wss echo: round trips, and TCP, TLS and the upgrade timed apart" "
assert r['url'].startswith('wss://'), r['url']
assert r['messages']['count'] > 0 and r['rtt_us']['count'] == r['messages']['count']
assert r['tcp_us']['count'] == 3 and r['tls_us']['count'] == 3, (r['tcp_us'], r['tls_us'])
assert r['handshake_us']['count'] == 3
# the upgrade's time holds the TLS handshake's, which holds nothing of TCP
assert r['handshake_us']['max'] >= r['tls_us']['p50'], r
assert r['errors']['total'] == 0, r['errors']"
bench wss-hs -m handshake -d 1s -c 2 --insecure --tls 1.2 "$WSS"
expect_eq "wss handshake mode, TLS 1.2: exit 0" "$RC" 0
report wss-hs "... handshakes counted, each with its TLS handshake" "
assert r['connections']['handshakes'] > 0
assert r['tls_us']['count'] >= r['connections']['handshakes'], r['tls_us']
assert r['tls_resumed'] == 0"
bench wss-resume -m handshake -n 40 -c 1 --insecure --resume "$WSS"
expect_eq "wss --resume: exit 0" "$RC" 0
report wss-resume "... and every one after the first resumed" "
assert r['connections']['handshakes'] == 40, r['connections']
assert r['tls_resumed'] == 39, r['tls_resumed']"
bench wss-idle -m idle -d 500ms -c 4 --insecure --tls 1.3 "$WSS"
expect_eq "wss idle, TLS 1.3: exit 0, all held" "$RC:$(grep -c '4 opened, held 500.00ms, 4 still echoing' "$OUT/bench-wss-idle.out")" "0:1"
# what goes wrong is counted as its own kind, with a reason, never a hang
bench wss-untrusted -d 500ms -c 1 "$WSS"
expect_eq "wss, a certificate not trusted: exit 1" "$RC" 1
report wss-untrusted "... counted as tls errors: certificate verify failed" "
e = r['errors']
assert e['tls'] > 0 and 'certificate verify failed' in e['first']['tls'], e"
bench wss-plain -d 500ms -c 1 --insecure "wss://127.0.0.1:$E1/"
expect_eq "wss:// to a plain port: exit 1" "$RC" 1
report wss-plain "... a tls error, not a hang or a crash" "
e = r['errors']
assert e['tls'] > 0 and e['first']['tls'].startswith('tls handshake: '), e"
SILENT=$(free_port)
spawn silent python3 -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(16); held = []
while True:
    held.append(s.accept()[0])" "$SILENT"
wait_port "$SILENT" && {
	bench wss-stall -d 2s -c 1 -t 300ms --insecure "wss://127.0.0.1:$SILENT/"
	expect_eq "wss, a TLS handshake that stalls: exit 1" "$RC" 1
	report wss-stall "... a timeout in the TLS handshake" "
e = r['errors']
assert e['timeout'] > 0 and e['first']['timeout'] == 'no TLS handshake within 300 ms', e"
}

# ---- past one host: HdrHistogram's encodings, and bench merge ----
bench hdr1 -d 1s -c 3 --hdr-log "$OUT/bench-hdr1.hlog" "$URL"
expect_eq "--hdr-log: exit 0" "$RC" 0
bench hdr2 -d 1s -c 3 "$URL"
# HdrHistogram's own reader (hdr-histogram-js) takes our encodings
# (its p99 is its bucket's top, ours clamped to the exact maximum: the
# same bucket, within 1/128)
check "the report's histograms read by HdrHistogram: the same count and p99" node -e '
const hdr = require("hdr-histogram-js");
const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
for (const k of ["rtt_us", "handshake_us"]) {
	const h = hdr.decodeFromCompressedBase64(r[k].hdr, 32, false);
	const p = h.getValueAtPercentile(99);
	if (h.totalCount !== r[k].count || Math.abs(p - r[k].p99) > r[k].p99 / 128)
		throw new Error(k + ": " + h.totalCount + "/" + p);
}' "$OUT/bench-hdr1.json"
check "the interval log: its head, and its round trips add up to the run's" node -e '
const hdr = require("hdr-histogram-js");
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n");
if (!lines[0].startsWith("#[Histogram log format version 1.3]") ||
    !lines[2].startsWith("\"StartTimestamp\",\"Interval_Length\""))
	throw new Error("head: " + lines.slice(0, 3));
let n = 0, intervals = 0;
for (const l of lines.slice(3)) {
	const f = l.split(",");
	if (f[0] !== "Tag=rtt") continue;
	n += hdr.decodeFromCompressedBase64(f[4], 32, false).totalCount;
	intervals++;
}
const r = JSON.parse(fs.readFileSync(process.argv[2]));
if (n !== r.messages.count || intervals < 1)
	throw new Error(n + " in " + intervals + " intervals, run " + r.messages.count);
' "$OUT/bench-hdr1.hlog" "$OUT/bench-hdr1.json"
timeout 30 "$WSCTL" bench merge --report "$OUT/bench-merged.json" --junit "$OUT/bench-merged.xml" \
	--threshold 'p99<10s' "$OUT/bench-hdr1.json" "$OUT/bench-hdr2.json" >"$OUT/bench-merged.out" 2>&1
expect_eq "bench merge of two runs: exit 0" "$?" 0
report merged "... the merged count is the sum, the p99 between the two" "
a, b = (json.load(open('$OUT/bench-hdr%d.json' % i)) for i in (1, 2))
assert r['messages']['count'] == a['messages']['count'] + b['messages']['count'], r['messages']
lo, hi = sorted((a['rtt_us']['p99'], b['rtt_us']['p99']))
assert lo <= r['rtt_us']['p99'] <= hi, (lo, r['rtt_us']['p99'], hi)
assert r['rtt_us']['count'] == r['messages']['count']
assert r['config']['connections'] == 6
assert r['thresholds'][0]['status'] == 'pass'"
expect_match "... its JUnit has the threshold" "$(cat "$OUT/bench-merged.xml")" 'testcase classname="threshold" name="p99&lt;10s"/>'
timeout 30 "$WSCTL" bench merge --threshold 'p99<1us' "$OUT/bench-hdr1.json" \
	"$OUT/bench-hdr2.json" >"$OUT/bench-merged.out" 2>&1
expect_eq "... a threshold the union misses: exit 1" "$?" 1
bench other -d 1s -c 3 -s 64 "$URL"
timeout 30 "$WSCTL" bench merge "$OUT/bench-hdr1.json" "$OUT/bench-other.json" \
	>/dev/null 2>"$OUT/bench-merge.err"
expect_eq "bench merge of different scenarios: refused, exit 2, the difference named" \
	"$?:$(cat "$OUT/bench-merge.err")" \
	"2:wsctl bench: merge: $OUT/bench-other.json: another scenario: config.size: 1024 in the first, 64 here"
printf 'not json' >"$OUT/bench-notjson.json"
timeout 30 "$WSCTL" bench merge "$OUT/bench-notjson.json" >/dev/null 2>"$OUT/bench-merge.err"
expect_eq "bench merge of a file that is not a report: exit 2, one line" \
	"$?:$(cat "$OUT/bench-merge.err")" "2:wsctl bench: merge: $OUT/bench-notjson.json is not a JSON report"
python3 -c "
import json; r = json.load(open('$OUT/bench-hdr1.json'))
r['rtt_us']['hdr'] = r['rtt_us']['hdr'][:40] + 'AAAA'
json.dump(r, open('$OUT/bench-damaged.json', 'w'))"
timeout 30 "$WSCTL" bench merge "$OUT/bench-damaged.json" >/dev/null 2>"$OUT/bench-merge.err"
expect_match "bench merge of a damaged histogram: exit 2, says so" \
	"$?:$(cat "$OUT/bench-merge.err")" "^2:wsctl bench: merge: .*bench-damaged.json: rtt_us.hdr: (a damaged|not an) HdrHistogram"

# ---- usage errors: one line and the hint, exit 2 ----
usage() { # usage NAME WANT-REGEX ARGS...
	local name=$1 want=$2
	shift 2
	"$WSCTL" bench "$@" >/dev/null 2>"$OUT/bench-usage.err"
	expect_eq "$name: exit 2" "$?" 2
	expect_match "$name: says why" "$(head -n1 "$OUT/bench-usage.err")" "$want"
}
usage "no URL" "no URL given" -c 2
usage "bad mode" "bad mode 'x'" -m x "$URL"
usage "-c 0" "bad number of connections '0'" -c 0 "$URL"
usage "bad size" "bad size '17MiB'" -s 17MiB "$URL"
usage "bad rate" "bad rate 'fast'" --rate fast "$URL"
usage "--rate outside echo" "--rate is for --mode echo" -m idle --rate 10 "$URL"
usage "--count with idle" "--count is not for --mode idle" -m idle -n 5 "$URL"
usage "--insecure with ws://" "--insecure, --ca, --tls and --resume are for wss://" --insecure "$URL"
usage "--tls 1.1" "bad --tls '1.1': want 1.2 or 1.3" --tls 1.1 "wss://127.0.0.1:$E1/"
usage "http URL" "want a ws:// or wss:// URL, not http://" "http://127.0.0.1:$E1/"
usage "two URLs" "unexpected argument" "$URL" "$URL"
usage "--threshold rate>nan" "bad threshold 'rate>nan': a rate is N or N/s" --threshold 'rate>nan' "$URL"
usage "--threshold p99<inf" "bad threshold 'p99<inf': a latency" --threshold 'p99<inf' "$URL"
usage "--threshold with a newline: one line" "bad threshold 'p99<1\?ms'" --threshold $'p99<1\nms' "$URL"
expect_eq "... the message and the hint, two lines" "$(wc -l <"$OUT/bench-usage.err")" 2
usage "--stages without a target" "bad stage '10s': want DURATION:TARGET" --stages 10s "$URL"
usage "--stages bad duration" "bad duration 'x' in --stages" --stages x:1 "$URL"
usage "--stages bad target" "bad target '-1' in --stages" --stages 1s:-1 "$URL"
usage "--stages all 0" "--stages never reaches a target above 0" --stages 1s:0 "$URL"
usage "--stages with -c" "no -c or -d with it" --stages 1s:5 -c 3 "$URL"
usage "--stages with idle" "--stages is for --mode echo or handshake" -m idle --stages 1s:5 "$URL"
usage "-H of the handshake's own" "-H Upgrade: bench makes that header itself" -H 'Upgrade: h2c' "$URL"
usage "-H Sec-WebSocket-Protocol" "\(--subprotocol\)" -H 'Sec-WebSocket-Protocol: a' "$URL"
usage "-H not a header" "bad header" -H 'no colon' "$URL"
usage "--subprotocol not a token" "bad subprotocol 'a b'" --subprotocol 'a b' "$URL"

# -c beyond the descriptor limit: one clear line, exit 2
(ulimit -n 256; exec "$WSCTL" bench -c 1000 "$URL") >/dev/null 2>"$OUT/bench-nofile.err"
expect_eq "-c over the descriptor limit: exit 2" "$?" 2
expect_eq "-c over the descriptor limit: one line" \
	"$(wc -l <"$OUT/bench-nofile.err")" 1
expect_match "-c over the descriptor limit: says so" \
	"$(cat "$OUT/bench-nofile.err")" \
	"^wsctl bench: -c 1000 needs 1016 descriptors, over this system's limit of 256 per process \(ulimit -Hn\)$"
