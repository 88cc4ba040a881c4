# wsctl check against nginx started from a config (--start-nginx): the
# article's config passes; each config with one mistake fails exactly the
# checks that mistake breaks, with observed values that point at it.
. "$(dirname "$0")/../lib.sh"
TEMPLATE=$TESTS/../fixtures/nginx/check.conf.in
SCHEMA=$TESTS/../docs/report.schema.json

# make_conf NAME SED-SCRIPT: the template (listen 80, or $PORT) with one
# change
make_conf() {
	local f=$OUT/nginx-$1.conf
	LISTEN=${PORT:-80} B1=$(free_port) B2=$(free_port)
	sed -e "s/@LISTEN@/$LISTEN/; s/@BACKEND1@/$B1/; s/@BACKEND2@/$B2/" \
		-e "$2" "$TEMPLATE" >"$f"
	CONF=$f
}

# run_check NAME ARGS...: sets RC, and FAILED (failed_checks)
run_check() {
	local name=$1
	shift
	"$WSCTL" check --nginx-conf "$CONF" --start-nginx --color never \
		--report "$OUT/check-$name.json" "$@" >"$OUT/check-$name.table" \
		2>"$OUT/check-$name.err"
	RC=$?
	FAILED=$(failed_checks "$OUT/check-$name.json")
}

observed() { # observed NAME ID
	/usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-$1.json'))
print([c['observed'] for c in r['checks'] if c['id'] == '$2'][0])"
}

# the article's config: everything passes
make_conf article ''
run_check article --quick --junit "$OUT/check-article.xml"
expect_eq "article config: exit 0" "$RC" 0
expect_eq "article config: nothing fails" "$FAILED" ""
check "article config: the report validates" /usr/bin/python3 -c "
import json, jsonschema
r = json.load(open('$OUT/check-article.json'))
jsonschema.validate(r, json.load(open('$SCHEMA')))
assert r['proxy']['server'].startswith('nginx'), r['proxy']
assert r['proxy']['config'] == '$CONF'
assert r['summary']['passed'] >= 24, r['summary']"
check "article config: the junit parses" /usr/bin/python3 -c "
import xml.etree.ElementTree as ET; ET.parse('$OUT/check-article.xml')"
expect_match "article config (listen 80): Host and Origin pass" \
	"$(grep '^headers.host' "$OUT/check-article.table")" "pass +Host: localhost, Origin: http://localhost$"

expect_match "article config: tunnels outlive a reload (SIGHUP), new ones open" \
	"$(grep '^reload.tunnels' "$OUT/check-article.table")" \
	"pass +5 tunnels still echo .* after the reload; [0-9]+ new connections during it all worked"
expect_match "article config: round-robin counts" \
	"$(grep '^distribution.balance' "$OUT/check-article.table")" "pass.*round-robin"

# what breaks when the upgrade does not reach the backend; a backend's
# refusal (handshake.rejection) still gets through
ws_checks="concurrency.parallel control.backend-dies control.close-from-backend
control.close-from-client control.ping-pong distribution.balance
failover.backend-down frames.binary frames.burst frames.fragmented
frames.sizes frames.text handshake.accept-key handshake.connection-variants
handshake.pipelined handshake.response-headers
handshake.status-101 handshake.subprotocol reload.tunnels capacity.tunnels path.preserved
frames.compressed
$("$WSCTL" check --list | awk '/^diff\./ {print $1}')"

# expect_failed NAME IDS...: exactly these failed (or errored)
# blamed NAME ID DIRECTIVE PY: run NAME's ID names DIRECTIVE as its
# config_ref, and the python asserts PY hold of it (c)
blamed() {
	check "$1: $2 blamed on $3" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-$1.json'))
c = [c for c in r['checks'] if c['id'] == '$2'][0]
assert c['config_ref']['directive'] == '$3', c['config_ref']
$4"
}

expect_failed() {
	local name=$1 want
	shift
	want=$(tr ' \n' '\n\n' <<<"$*" | grep . | sort | tr '\n' ' ' | sed 's/ $//')
	expect_eq "$name: exit 1" "$RC" 1
	expect_eq "$name: exactly these fail" "$FAILED" "$want"
}

# the same config on port 3000: $host drops the port a browser's Origin
# keeps, so a same-origin check in the backend refuses the browser
PORT=3000 make_conf port-3000 ''
run_check port-3000 --quick
expect_failed "listen 3000 with Host \$host" headers.host
expect_match "... naming the line and the fix" \
	"$(grep -A2 '^headers.host' "$OUT/check-port-3000.table")" \
	"nginx-port-3000.conf:[0-9]+: proxy_set_header Host \\\$host.*fix: proxy_set_header Host \\\$http_host;"

make_conf no-upgrade '/# UPGRADE/d'
run_check no-upgrade --quick
expect_failed "no Upgrade/Connection" $ws_checks headers.upgrade-connection
expect_match "no Upgrade/Connection: backend saw" \
	"$(observed no-upgrade headers.upgrade-connection)" "Upgrade: \(none\), Connection: close"

# the article's own Upgrade line, $http_upgrade: h2c goes on to a backend
# that takes it, and the tunnel is open past nginx (h2c smuggling)
make_conf h2c 's/Upgrade \$ws_upgrade;/Upgrade $http_upgrade;/'
run_check h2c --quick
expect_failed "proxy_set_header Upgrade \$http_upgrade" upgrade.h2c
expect_match "Upgrade \$http_upgrade: the preface reached the backend" \
	"$(observed h2c upgrade.h2c)" \
	"^the proxy passed Upgrade: h2c on and tunnelled the backend's 101: 33 bytes of the client's HTTP/2 preface reached the backend"
blamed h2c upgrade.h2c 'proxy_set_header Upgrade $http_upgrade' "
assert c['fix'].startswith('map \$http_upgrade \$ws_upgrade'), c['fix']"
expect_match "with the map, h2c never reaches the backend as an upgrade" \
	"$(grep '^upgrade.h2c' "$OUT/check-article.table")" \
	"pass +the backend saw Upgrade: \(none\) and answered 200; the client got 200$"

# proxy_set_header Sec-WebSocket-Extensions "" (a way to turn compression
# off): the offer never reaches the backend; frames.compressed follows
# from the header check, and the root cause is the one line
make_conf no-deflate 's/#NODEFLATE //'
run_check no-deflate --quick
expect_failed "Sec-WebSocket-Extensions emptied" headers.websocket-passthrough frames.compressed
expect_match "Sec-WebSocket-Extensions emptied: the offer missing at the backend" \
	"$(observed no-deflate frames.compressed)" \
	"^the backend received no Sec-WebSocket-Extensions header: the proxy dropped the client's offer"
blamed no-deflate headers.websocket-passthrough 'proxy_set_header Sec-WebSocket-Extensions ""' "
f = [c for c in r['checks'] if c['id'] == 'frames.compressed'][0]
assert f['cause'] == 'headers.websocket-passthrough', f
roots = r['summary']['root_causes']
assert len(roots) == 1 and roots[0]['checks'] == ['headers.websocket-passthrough'], roots"

# one missing proxy_http_version fails the check that names it: the
# spawned backends upgrade an HTTP/1.0 request as node ws does (and so the
# app behind such a config); --strict-backends refuses it as RFC 6455 says
make_conf no-version '/# VERSION/d'
run_check no-version --quick
expect_failed "proxy_http_version unset" headers.http-version
expect_match "proxy_http_version unset: backend saw" \
	"$(observed no-version headers.http-version)" "HTTP/1.0"
run_check no-version-strict --quick --strict-backends
expect_failed "proxy_http_version unset, --strict-backends" $ws_checks headers.http-version

make_conf no-xff '/# XFF/d'
run_check no-xff --quick
expect_failed "X-Forwarded-For unset" headers.x-forwarded-for
expect_match "X-Forwarded-For unset: observed" \
	"$(observed no-xff headers.x-forwarded-for)" "^203.0.113.7 \\(passed on without"

make_conf proxy-host '/# HOST/d'
run_check proxy-host --quick
expect_failed "Host left at \$proxy_host" headers.host
expect_match "Host left at \$proxy_host: observed" \
	"$(observed proxy-host headers.host)" "^websocket"

make_conf ip-hash 's/#IPHASH //'
run_check ip-hash --quick --balance round-robin
expect_failed "ip_hash with round-robin expected" distribution.balance
expect_match "ip_hash with round-robin expected: observed" \
	"$(observed ip-hash distribution.balance)" "got [0-9]+ of (a rotation of )?[0-9]+, its (share|weight) is"

make_conf ip-hash-ok 's/#IPHASH //'
run_check ip-hash-ok --quick --only distribution.balance
expect_eq "ip_hash as configured: passes" "$RC/$FAILED" "0/"

run_check ip-hash-sticky --quick --only affinity.session
expect_match "ip_hash: one engine.io session stays on one backend" \
	"$(grep '^affinity.session' "$OUT/check-ip-hash-sticky.table")" \
	"pass +the open, 4 polls and the upgrade of one session all reached localhost:[0-9]+ \\(ip-hash, nginx-ip-hash-ok.conf:[0-9]+\\)$"
make_conf round-robin-sticky ''
run_check round-robin-sticky --quick --expect-sticky
expect_failed "round-robin with --expect-sticky" affinity.session
expect_match "round-robin with --expect-sticky: the backend that did not know it" \
	"$(observed round-robin-sticky affinity.session)" \
	"^the session opened on localhost:[0-9]+, its poll reached localhost:[0-9]+: 400 Session ID unknown \\(--expect-sticky\\)$"
expect_match "the article's config: round-robin, the break reported, not judged" \
	"$(grep '^affinity.session' "$OUT/check-article.table")" \
	"skip +the proxy spreads one session's requests .*Session ID unknown"

make_conf weighted 's/;\( *# FIRST\)/ weight=3;\1/'
run_check weighted --quick --only distribution.balance
expect_eq "weight=3: passes" "$RC/$FAILED" "0/"
check "weight=3: three quarters on the first backend" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-weighted.json'))
c = r['checks'][0]['evidence']['counts']
assert sorted(c.values()) == [8, 24], c"

make_conf least-conn 's/#LEASTCONN //'
run_check least-conn --quick --only distribution.balance
expect_eq "least_conn, connections held open: passes" "$RC/$FAILED" "0/"
expect_match "least_conn: judged as least-conn" \
	"$(grep '^distribution.balance' "$OUT/check-least-conn.table")" "pass.*least-conn"

make_conf limit-conn 's/#LIMIT //'
run_check limit-conn --quick
expect_failed "limit_conn below --connections" concurrency.parallel
expect_match "limit_conn below --connections: observed" \
	"$(observed limit-conn concurrency.parallel)" "50 of 200 opened.*503"

# a short proxy_read_timeout: the idle check fails, pings keep it alive,
# and the proxy is seen to close at its timeout
make_conf short-timeout 's/proxy_read_timeout 300s/proxy_read_timeout 1s/'
run_check short-timeout --idle 3s --skip 'diff.fragments-16mib,capacity.tunnels'
expect_failed "short proxy_read_timeout" timeout.idle
expect_match "short proxy_read_timeout: keepalive passes" \
	"$(grep '^timeout.keepalive' "$OUT/check-short-timeout.table")" "pass"
expect_match "short proxy_read_timeout: idle-close measured" \
	"$(grep '^timeout.idle-close' "$OUT/check-short-timeout.table")" "pass +closed after (9[0-9][0-9]ms|1)"

make_conf long-timeout ''
run_check long-timeout --idle 2s --only 'timeout.*'
expect_eq "300s proxy_read_timeout: idle passes" \
	"$(grep -c '^timeout.idle  .*pass' "$OUT/check-long-timeout.table")/$RC" "1/0"

# worker_shutdown_timeout: old workers cut their tunnels after a reload
make_conf shutdown-timeout '1i worker_shutdown_timeout 1s;'
run_check shutdown-timeout --quick
expect_failed "worker_shutdown_timeout 1s" reload.tunnels
expect_match "worker_shutdown_timeout 1s: every tunnel cut, when and how" \
	"$(observed shutdown-timeout reload.tunnels)" \
	"^5 of 5 cut \\(TCP close\\) 1[0-9]{3}ms.* after the reload: worker_shutdown_timeout 1s \\(nginx-shutdown-timeout.conf:1\\) ends them"
blamed shutdown-timeout reload.tunnels 'worker_shutdown_timeout 1s' "
assert c['config_ref']['line'] == 1, c['config_ref']
assert c['fix'].startswith('delete it'), c['fix']
assert c['evidence']['survived'] == 0 and len(c['evidence']['cut']) == 5, c['evidence']"

# proxy_pass with a URI under location /ws/: nginx strips the prefix
# (expected) but from the decoded path, so %2F reaches the app as /
make_conf path-uri 's|location / {|location /ws/ {|; s|proxy_pass http://websocket;|proxy_pass http://websocket/;|'
run_check path-uri --quick
expect_failed "proxy_pass http://websocket/ under /ws/" path.preserved
expect_match "proxy_pass with a URI: what the app got, and the 301 without the slash" \
	"$(observed path-uri path.preserved)" \
	"^/wsctl-path/a/b:c%20d\\?x=%3A&y: percent-encoding changed \\(%2F arrived decoded\\); without the trailing slash the proxy answers 301 to /ws/ "
blamed path-uri path.preserved 'proxy_pass http://websocket/' "
assert c['expected'] == '/wsctl-path/a%2Fb%3Ac%20d?x=%3A&y', c['expected']"
expect_match "the article's config: path and query arrive as sent" \
	"$(grep '^path.preserved' "$OUT/check-article.table")" \
	"pass +/wsctl-path/a%2Fb%3Ac%20d\\?x=%3A&y$"

# worker_connections 64 holds 31 tunnels: fewer than --capacity 100
WC_LINE=$(grep -n worker_connections "$TEMPLATE" | cut -d: -f1)
make_conf capacity 's/worker_connections 1024;/worker_connections 64;/'
run_check capacity --quick --capacity 100 --connections 20
expect_failed "worker_connections 64, --capacity 100" capacity.tunnels
expect_match "worker_connections 64: where it stops, how, and why" \
	"$(observed capacity capacity.tunnels)" \
	"^31 tunnels held, then (reset|closed without an answer): worker_connections 64 \\(nginx-capacity.conf:$WC_LINE\\) x 1 worker allows about 31, fewer than the 100 of --capacity$"
blamed capacity capacity.tunnels 'worker_connections 64' "
assert c['config_ref']['line'] == $WC_LINE, c['config_ref']
assert c['evidence']['held'] == 31 and c['evidence']['checker_fd_limit'] > 100, c['evidence']"
run_check capacity-default --quick --only capacity.tunnels
expect_match "worker_connections 64 without --capacity: the 31 it allows pass" \
	"$(grep '^capacity.tunnels' "$OUT/check-capacity-default.table")" \
	"pass +31 tunnels held at once, each echoing \\(worker_connections 64 \\(nginx-capacity.conf:$WC_LINE\\) x 1 worker\\)"

# the config's own port is taken (say by the nginx the host runs): the
# sandboxed copy listens on a port of its own and the run goes ahead
PORT=$(free_port) make_conf busy ''
spawn busy python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$LISTEN)); s.listen(); time.sleep(60)"
wait_port "$LISTEN"
run_check busy --quick --only 'handshake.*'
expect_eq "the config's port is busy: the copy runs elsewhere, passes" "$RC/$FAILED" "0/"
stop "$SPAWNED"

# "daemon off;" and "daemon on;" in the config: the copy leaves both out
# (nginx runs in the foreground) and says so
make_conf daemon-off '1i daemon off;'
run_check daemon-off --quick --only 'handshake.*'
expect_eq "daemon off in the config: it starts and passes" "$RC/$FAILED" "0/"
make_conf daemon-on '1i daemon on;'
run_check daemon-on --quick --only 'handshake.*' -v
expect_eq "daemon on in the config: it starts and passes" "$RC/$FAILED" "0/"
expect_match "... the table names the line left out" "$(cat "$OUT/check-daemon-on.table")" "nginx-daemon-on.conf:1: daemon: left out"

# a config error names file and line, exit 2
printf 'events {}\nhttp {\n  server {\n    listen 1;\n  }}\n}\n' >"$OUT/bad.conf"
"$WSCTL" check --nginx-conf "$OUT/bad.conf" >/dev/null 2>"$OUT/bad.err"
expect_eq "config error: exit 2" "$?" 2
expect_match "config error: file and line" "$(cat "$OUT/bad.err")" "bad.conf:6: unexpected '}'"

# a word with an escaped newline or a terminal escape: the error is still
# one line, with the bytes shown as \xHH
printf 'include \\\n;' >"$OUT/bad-nl.conf"
"$WSCTL" check --nginx-conf "$OUT/bad-nl.conf" >/dev/null 2>"$OUT/bad-nl.err"
expect_eq "an escaped newline in a word: exit 2, one line" "$?/$(wc -l <"$OUT/bad-nl.err")" "2/1"
expect_match "... showing the newline as \\x0a" "$(cat "$OUT/bad-nl.err")" 'cannot open .*\\x0a'
printf 'events {} http { server { listen 127.0.0.1:\033[31mred; } }' >"$OUT/bad-esc.conf"
"$WSCTL" check --nginx-conf "$OUT/bad-esc.conf" >/dev/null 2>"$OUT/bad-esc.err"
expect_eq "a terminal escape in a word: no ESC byte reaches stderr" \
	"$(tr -cd '\033' <"$OUT/bad-esc.err" | wc -c)/$(wc -l <"$OUT/bad-esc.err")" "0/1"

# a conf.d snippet (no events, no http block), as the article gives it:
# --start-nginx wraps it in a main file of its own
LISTEN=$(free_port) B1=$(free_port) B2=$(free_port)
cat >"$OUT/snippet.conf" <<SNIP
map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
upstream websocket { server 127.0.0.1:$B1; server 127.0.0.1:$B2; }
server {
    listen 127.0.0.1:$LISTEN;
    access_log off;
    location /ws/ {
        proxy_pass http://websocket;
        proxy_http_version 1.1;
        proxy_set_header Host \$host;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$connection_upgrade;
    }
}
SNIP
CONF=$OUT/snippet.conf
run_check snippet --quick --only 'handshake.*,frames.text,distribution.balance'
expect_eq "a conf.d snippet: wrapped, started, passes" "$RC/$FAILED" "0/"
check "a conf.d snippet: the target comes from listen and location" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/check-snippet.json'))
assert r['target'] == ['ws://127.0.0.1:$LISTEN/ws/'], r['target']"

# a check that could not open a tunnel is not its own directive's fault:
# with handshake.status-101 left out, timeout.idle on a config that
# forwards no Upgrade blames the missing Upgrade, not proxy_read_timeout
CONF=$TESTS/../fixtures/nginx/defaults.conf
run_check no-tunnel --only 'timeout.idle,timeout.idle-close'
expect_eq "no tunnel, --only timeout.*: exit 1" "$RC" 1
check "... each failure blames the Upgrade header, not the read timeout" /usr/bin/python3 -c "
import json
r = json.load(open('$OUT/check-no-tunnel.json'))
for c in r['checks']:
    d = c['config_ref']['directive']
    assert 'Upgrade' in d and 'read_timeout' not in d, (c['id'], d)"
