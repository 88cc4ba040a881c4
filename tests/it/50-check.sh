# wsctl check on its own: the list of checks, selection, usage errors,
# the reports and their schema, against a node ws echo server (no proxy
# knowledge, so the checks that need backends are skipped, with reasons).
. "$(dirname "$0")/../lib.sh"
SCHEMA=$TESTS/../docs/report.schema.json

ids="handshake.status-101 handshake.accept-key handshake.response-headers
handshake.subprotocol handshake.connection-variants handshake.pipelined
handshake.rejection http.plain-request headers.host headers.x-real-ip
headers.x-forwarded-for headers.upgrade-connection headers.http-version
headers.websocket-passthrough frames.text frames.binary frames.sizes
frames.fragmented frames.burst control.ping-pong control.close-from-client
control.close-from-backend control.backend-dies timeout.idle
timeout.keepalive timeout.idle-close timeout.idle-upstream-only
timeout.idle-client-only reload.tunnels capacity.tunnels path.preserved
affinity.session http2.front upgrade.refused-no-tunnel upgrade.refused-no-leak
diff.rsv-bits diff.close-1005 diff.fragments-16mib
headers.forwarded-proto distribution.balance
failover.backend-down concurrency.parallel"
list=$("$WSCTL" check --list)
missing=
for id in $ids; do
	grep -q "^$id " <<<"$list" || missing="$missing $id"
done
expect_eq "--list has every required id" "$missing" ""

# usage and set-up errors: exit 2 with one line
err_case() {
	local name=$1 want=$2
	shift 2
	"$WSCTL" check "$@" >/dev/null 2>"$OUT/check-err.txt"
	local rc=$?
	expect_eq "$name: exit 2" "$rc" 2
	expect_match "$name: message" "$(head -n1 "$OUT/check-err.txt")" "$want"
}
err_case "bad URL" "bad URL 'http://x/'" http://x/
err_case "bad port" "bad URL" ws://127.0.0.1:99999/
err_case "nothing to check" "nothing to check"
err_case "missing config" "cannot open 'no/such.conf'" --nginx-conf no/such.conf
err_case "--start-nginx alone" "needs --nginx-conf" --start-nginx ws://127.0.0.1:1/
err_case "bad duration" "bad duration 'soon'" --idle soon ws://127.0.0.1:1/
err_case "empty --reload-cmd" "empty --reload-cmd" --reload-cmd ' ' ws://127.0.0.1:1/
err_case "--reload-cmd with --start-nginx" "nginx started here is reloaded by SIGHUP" \
	--reload-cmd 'nginx -s reload' --start-nginx --nginx-conf "$TESTS/../fixtures/nginx/article.conf"

# no silent green: a selection of nothing is a usage error, naming it
err_case "--only with a typo" "^wsctl check: --only 'frames.nosuch' matches no check" \
	--only frames.nosuch ws://127.0.0.1:1/
err_case "--skip with a typo" "^wsctl check: --skip 'hedaers.\\*' matches no check" \
	--skip 'hedaers.*' ws://127.0.0.1:1/
err_case "--only and --skip cancelling out" "leave no check to run" \
	--only frames.text --skip 'frames.*' ws://127.0.0.1:1/
# a bare section is all of it (as h2spec takes one); --list honours it
expect_eq "--list --only frames: the frames checks, and only those" \
	"$("$WSCTL" check --list --only frames | cut -d' ' -f1 | paste -sd' ')" \
	"$(grep '^frames\.' <<<"$list" | cut -d' ' -f1 | paste -sd' ')"
expect_eq "--list --only 'frames.*' --skip frames.sizes" \
	"$("$WSCTL" check --list --only 'frames.*' --skip frames.sizes | grep -c .)" \
	"$(($(grep -c '^frames\.' <<<"$list") - 1))"

# a backend port that is busy: exit 2, naming the address
busy=$(free_port)
spawn busy python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$busy)); s.listen(); time.sleep(60)"
wait_port "$busy"
err_case "busy backend port" "127.0.0.1:$busy" --backends "spawn:127.0.0.1:$busy" ws://127.0.0.1:1/
stop "$SPAWNED"

# a node ws echo server as the target: no backends, so skips with reasons
spawn node-echo node "$TESTS/js/connect_echo_server.js" --port 0
for i in $(seq 50); do grep -q '^listening on' "$OUT/node-echo.log" && break; sleep 0.1; done
port=$(awk '/^listening on/ {print $3; exit}' "$OUT/node-echo.log")
"$WSCTL" check --quick --color never --report "$OUT/check.json" \
	--junit "$OUT/check.xml" "ws://127.0.0.1:$port/" >"$OUT/check.table"
expect_eq "node echo server: exit 0" "$?" 0
expect_match "table: a pass line" "$(grep '^frames.sizes' "$OUT/check.table")" "pass"
expect_match "table: skip with its reason" \
	"$(grep '^headers.host' "$OUT/check.table")" "skip +needs wsctl echo backends"
N=$("$WSCTL" check --list | grep -c '^[a-z]')
expect_match "table: summary, every listed check" \
	"$(tail -n1 "$OUT/check.table")" "^$N checks: [0-9]+ passed, 0 failed"

check "report validates against docs/report.schema.json" /usr/bin/python3 -c "
import json, jsonschema, sys
jsonschema.validate(json.load(open('$OUT/check.json')), json.load(open('$SCHEMA')))"
check "junit parses, one testcase per check" /usr/bin/python3 -c "
import xml.etree.ElementTree as ET
r = ET.parse('$OUT/check.xml').getroot()
assert r.tag == 'testsuites' and len(r.findall('.//testcase')) == $N
assert len(r.findall('.//skipped')) == int(r.get('skipped'))"
check "junit: what CI history needs (time, timestamp, hostname, a type per failure)" /usr/bin/python3 -c "
import socket, re, xml.etree.ElementTree as ET
[s] = ET.parse('$OUT/check.xml').getroot().findall('testsuite')
assert s.get('name') == 'ws://127.0.0.1:$port/', s.get('name')
assert float(s.get('time')) > 0 and s.get('hostname') == socket.gethostname(), s.attrib
assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', s.get('timestamp')), s.attrib
assert not s.findall('.//failure')"
"$WSCTL" check --quick --only frames.text --name edge-chat --junit "$OUT/named.xml" \
	"ws://127.0.0.1:$port/" >/dev/null
check "junit: --name names the suite" /usr/bin/python3 -c "
import xml.etree.ElementTree as ET
assert [s.get('name') for s in ET.parse('$OUT/named.xml').getroot()] == ['edge-chat']"

# --format json on stdout, --only and --skip with globs
"$WSCTL" check --quick --format json --only 'frames.*,control.ping-pong' \
	--skip frames.sizes "ws://127.0.0.1:$port/" >"$OUT/check-only.json"
got=$(/usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-only.json'))
print(' '.join(c['id'] + '=' + c['status'] for c in r['checks']))")
expect_eq "--only/--skip globs select" "$got" \
	"frames.text=pass frames.binary=pass frames.fragmented=pass frames.burst=pass frames.compressed=skip control.ping-pong=pass"

# a peer that refuses: the handshake checks fail with the status as observed
spawn node-refuse node "$TESTS/js/connect_echo_server.js" --port 0 --mode refuse
for i in $(seq 50); do grep -q '^listening on' "$OUT/node-refuse.log" && break; sleep 0.1; done
rport=$(awk '/^listening on/ {print $3; exit}' "$OUT/node-refuse.log")
"$WSCTL" check --quick --color never --only 'handshake.status-101,handshake.accept-key' \
	--junit "$OUT/check-refuse.xml" "ws://127.0.0.1:$rport/" >"$OUT/check-refuse.table"
expect_eq "refusing peer: exit 1" "$?" 1
expect_match "refusing peer: observed status" \
	"$(grep '^handshake.status-101' "$OUT/check-refuse.table")" \
	"fail +expected HTTP/1.1 101 Switching Protocols; observed HTTP/1.1 403 Forbidden"
"$WSCTL" check --quick --color never -v --only 'handshake.status-101' \
	"ws://127.0.0.1:$rport/" >"$OUT/check-refuse-v.table"
expect_match "-v: under a failure, the heads as they went" \
	"$(sed -n '/^handshake.status-101/,/^$/p' "$OUT/check-refuse-v.table" | paste -sd'|')" \
	"\| +> GET / HTTP/1\.1\|.*\| +< HTTP/1\.1 403 Forbidden\|"
check "junit: each failure has a type, its cause or its own id" /usr/bin/python3 -c "
import xml.etree.ElementTree as ET
r = ET.parse('$OUT/check-refuse.xml').getroot()
types = {c.get('name'): c[0].get('type') for c in r.iter('testcase') if len(c) and c[0].tag == 'failure'}
assert types['handshake.status-101'] == 'handshake.status-101', types
assert types['handshake.accept-key'] == 'follows handshake.status-101', types"

# a port nobody listens on: one setup error, not a table of failures
dead=$(free_port)
timeout 30 "$WSCTL" check --quick --only 'handshake.*,frames.text' \
	"ws://127.0.0.1:$dead/" >"$OUT/check-dead.table" 2>"$OUT/check-dead.err"
expect_eq "nothing listening: exit 2" "$?" 2
expect_eq "... one line, the cause" "$(cat "$OUT/check-dead.err")" \
	"wsctl check: ws://127.0.0.1:$dead/: cannot connect to '127.0.0.1:$dead': Connection refused"
expect_eq "... no table" "$(wc -c <"$OUT/check-dead.table")" 0

# colour on a terminal, unless NO_COLOR or TERM=dumb say no (as curl
# and git do); --color always wins over both
onterm() { script -qec "$*" /dev/null </dev/null; }
colored() { grep -qE $'\e\\[[0-9;]*m' <<<"$1" && echo yes || echo no; }
sel="--quick --only frames.text ws://127.0.0.1:$port/"
expect_eq "a terminal: coloured" "$(colored "$(TERM=xterm onterm "$WSCTL" check $sel)")" yes
expect_eq "NO_COLOR on a terminal: plain" \
	"$(colored "$(TERM=xterm NO_COLOR=1 onterm "$WSCTL" check $sel)")" no
expect_eq "TERM=dumb: plain" "$(colored "$(TERM=dumb onterm "$WSCTL" check $sel)")" no
# a progress line on a terminal while checks wait, never in a pipe
prog=$(TERM=xterm onterm "$WSCTL" check --idle 2s --only 'timeout.idle' "ws://127.0.0.1:$port/" | tr '\r' '\n')
expect_match "on a terminal: a progress line with the waiting check's countdown" \
	"$prog" $'\n\e\\[K\\[0/1\\] running 1; timeout.idle: up to [0-9]+s'
"$WSCTL" check --idle 2s --only 'timeout.idle' "ws://127.0.0.1:$port/" \
	>/dev/null 2>"$OUT/check-progress.err"
expect_eq "in a pipe: nothing on stderr" "$(wc -c <"$OUT/check-progress.err")" 0
# rows as the checks finish: the quick one's row is out while the
# waiting one still counts down; at the end only the failures again
live=$(TERM=xterm NO_COLOR=1 onterm "$WSCTL" check --idle 3s \
	--only 'frames.text,timeout.idle' "ws://127.0.0.1:$port/" | tr '\r' '\n' |
	sed 's/\x1b\[K//g')
expect_match "on a terminal: a row as its check finishes, before the waiting check's countdown" \
	"$live" $'\nframes.text +pass [^\n]*\n(.*\n)*\\[1/2\\] running 1; timeout.idle: up to [0-9]+s'
expect_eq "... each row once" "$(grep -c '^frames.text' <<<"$live")" 1
live=$(TERM=xterm NO_COLOR=1 onterm "$WSCTL" check --quick \
	--only 'handshake.status-101,handshake.accept-key' "ws://127.0.0.1:$rport/" |
	tr -d '\r' | sed 's/\x1b\[K//g; s/^\[[0-9]*\/[0-9]*\] running [0-9]*//')
expect_match "a failing run on a terminal: its rows, then the failures again" \
	"$live" $'^handshake.status-101 +fail .*\nfailures:\nhandshake.status-101 +fail .*\nhandshake.accept-key +fail +cause: handshake.status-101'
expect_match "... and the summary" "$live" $'\n2 checks: 0 passed, 2 failed'

# the table fits the terminal: the message column wraps, rows stay rows
wide=$(COLUMNS=80 TERM=dumb onterm "$WSCTL" check --quick --only 'handshake.*' \
	"ws://127.0.0.1:$rport/" | tr -d '\r' | sed -n '/^handshake/,/^$/p')
expect_eq "on an 80-column terminal: no line of the table past 80" \
	"$(awk 'length($0) > 80' <<<"$wide" | wc -l)" 0
expect_match "... a long message wrapped under its column" "$wide" \
	$'\n {42}[^ ]'
expect_eq "in a pipe: one line per check" \
	"$(COLUMNS=80 "$WSCTL" check --quick --only 'handshake.*' "ws://127.0.0.1:$rport/" |
		sed -n '/^handshake/,/^$/p' | grep -c '^ ')" 0
expect_eq "NO_COLOR with --color always: coloured" \
	"$(colored "$(NO_COLOR=1 "$WSCTL" check --color always $sel)")" yes

# an echo that is not one (the article's server prefixes each reply):
# the failure shows what came back
start_echo prefixing --listen 127.0.0.1:0 --quiet --prefix 'Server received from client: ' || exit 1
"$WSCTL" check --quick --color never --only frames.text \
	"ws://127.0.0.1:${PORTS[0]}/" >"$OUT/check-prefix.table"
expect_match "a mismatched text echo: its first bytes, as text" \
	"$(grep '^frames.text' "$OUT/check-prefix.table")" \
	'came back as 61 bytes, differing from byte 0: "Server received from client: wsctl text:"\.\.\.$'
stop "$PID"

# several URLs: each is checked, the table is grouped by URL
"$WSCTL" check --quick --color never --only 'frames.text' \
	"ws://127.0.0.1:$port/a" "ws://127.0.0.1:$port/b" >"$OUT/check-two.table"
expect_eq "two URLs: exit 0" "$?" 0
expect_eq "two URLs: grouped" "$(grep -c '^frames.text .*pass' "$OUT/check-two.table")/$(grep -c '^ws://127.0.0.1:'"$port"'/[ab]$' "$OUT/check-two.table")" "2/2"

# wss://: a certificate nobody vouches for fails, --insecure and --ca pass
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$OUT/check-key.pem" -out "$OUT/check-cert.pem" 2>/dev/null
start_echo tls-echo --listen 127.0.0.1:0 --quiet \
	--tls-cert "$OUT/check-cert.pem" --tls-key "$OUT/check-key.pem" || exit 1
tport=${PORTS[0]}
"$WSCTL" check --quick --only 'handshake.status-101' "wss://127.0.0.1:$tport/" \
	>"$OUT/check-tls.table" 2>"$OUT/check-tls.err"
expect_eq "wss, unknown certificate: a setup error, exit 2" "$?" 2
expect_match "... says so, and what to do" "$(cat "$OUT/check-tls.err")" \
	"^wsctl check: wss://127.0.0.1:$tport/: tls handshake .*certificate verify failed.*\\(--ca FILE trusts its CA, --insecure any certificate\\)$"
"$WSCTL" check --quick --insecure --only 'handshake.*,frames.*' "wss://127.0.0.1:$tport/" >"$OUT/check-tls2.table"
expect_eq "wss --insecure: exit 0" "$?" 0
"$WSCTL" check --quick --ca "$OUT/check-cert.pem" --only 'frames.sizes' "wss://127.0.0.1:$tport/" >"$OUT/check-tls3.table"
expect_eq "wss --ca: exit 0" "$?" 0

# a 101 whose Connection list is split over two lines (RFC 9110 5.3) is
# a good 101: handshake.response-headers reads the whole list
: >"$OUT/split101.log"
spawn split101 python3 "$TESTS/py/split_101.py"
for ((i = 0; i < 100; i++)); do
	sport=$(awk '/^PORT / {print $2; exit}' "$OUT/split101.log")
	[ -n "$sport" ] && break
	sleep 0.05
done
"$WSCTL" check --color never --quick --only 'handshake.response-headers' \
	"ws://127.0.0.1:$sport/" >"$OUT/check-split101.table" 2>&1
expect_eq "a 101 with Connection split over two lines: pass" "$?" 0
expect_match "... and the table shows the whole list" \
	"$(grep '^handshake.response-headers' "$OUT/check-split101.table")" \
	'Connection: keep-alive, Upgrade'
