# wsctl check --start-nginx --quick on configs as people run them
# (fixtures/nginx/real/): each runs as it is, with no other flag, as root
# and as an unprivileged user, fails exactly on its mistake (the root
# causes its "# wsctl-expect:" line names; every other failure follows
# from handshake.status-101), and names the "# BLAME" line for each.
. "$(dirname "$0")/../lib.sh"
REAL=$TESTS/../fixtures/nginx/real

# The unprivileged runs need a binary and configs they can reach (the
# checkout may sit in a folder only its owner can enter): a world-readable
# copy, removed at the end.
if [ "$(id -u)" -eq 0 ]; then
	SHARED=$(mktemp -d /tmp/wsctl-test-users-XXXXXX)
	trap 'rm -rf "$SHARED"; _cleanup' EXIT
	chmod 755 "$SHARED"
	cp "$WSCTL" "$SHARED/wsctl"
	cp -r "$REAL" "$SHARED/real"
	mkdir -m 1777 "$SHARED/tmp"
	chmod -R a+rX "$SHARED"
	USERS="root nobody"
	# the ASan pass is about wsctl's memory, not the sandbox's
	# permissions: the unprivileged runs are the plain build's
	[ -n "${PREFIX:-}" ] && USERS=root
else
	USERS=$(id -un)
fi

# The load checks (many tunnels, 16 MiB, a reload) are the same code
# whatever the config, and 51 and 53 run them under ASan too: the
# unprivileged runs, which are about the sandbox's files and ports, and
# every run of the ASan pass leave them out.  None is a root cause here.
HEAVY='diff.*,capacity.tunnels,reload.tunnels,concurrency.parallel'

# run USER CONF: sets RC, the report in $OUT/real-USER-NAME.json
run() {
	local user=$1 conf=$2 name skip=()
	name=$(basename "$conf" .conf)
	if [ "$user" = nobody ] || [ -n "${PREFIX:-}" ]; then
		skip=(--skip "$HEAVY")
	fi
	REPORT=$OUT/real-$user-$name.json
	if [ "$user" = nobody ]; then
		(cd "$SHARED/real" && TMPDIR=$SHARED/tmp setpriv --reuid=65534 \
			--regid=65534 --clear-groups "$SHARED/wsctl" check \
			--nginx-conf "$name.conf" --start-nginx --quick "${skip[@]}" \
			--report "$SHARED/tmp/$name.json" >"$OUT/real-$user-$name.table" \
			2>"$OUT/real-$user-$name.err")
		RC=$?
		cp "$SHARED/tmp/$name.json" "$REPORT" 2>/dev/null
		rm -f "$SHARED/tmp/$name.json"
	else
		(cd "$REAL" && "$WSCTL" check --nginx-conf "$name.conf" \
			--start-nginx --quick "${skip[@]}" --report "$REPORT" \
			>"$OUT/real-$user-$name.table" 2>"$OUT/real-$user-$name.err")
		RC=$?
	fi
}

# one_user USER: every config run as USER, its verdicts on stdout
one_user() {
	local user=$1 conf name want_roots want_lines want_rc
	for conf in "$REAL"/*.conf; do
		name=$(basename "$conf" .conf)
		want_roots=$(expected_roots "$conf")
		want_lines=$(expected_lines "$conf")
		want_rc=1
		[ "$want_roots" = none ] && want_rc=0
		run "$user" "$conf"
		expect_exit "$name as $user: exit $want_rc" "$RC" "$want_rc" \
			"$OUT/real-$user-$name.err"
		expect_eq "$name as $user: its mistake, its line" \
			"$(root_causes "$REPORT" 2>&1)" \
			"roots=$want_roots lines=${want_lines:-none} followers-ok=1"
	done
}

# root and the unprivileged user side by side: a run waits on nginx far
# more than it computes
kids=()
for user in $USERS; do
	one_user "$user" >"$OUT/56-$user.results" 2>"$OUT/56-$user.err" &
	kids+=($!)
done
wait "${kids[@]}"
for user in $USERS; do
	cat "$OUT/56-$user.results"
	cat "$OUT/56-$user.err" >&2
done

# what the sandbox did for the shapes, as the report says it
report=$OUT/real-root-mattermost-tls.json
check "TLS on a name: wss to the production name, the copy's certificate trusted" /usr/bin/python3 -c "
import json; r = json.load(open('$report'))
assert r['target'] == ['wss://chat.example.com/api/v0/websocket'], r['target']
assert r['sandbox']['tls'] is True
ch = ' | '.join(c['change'] for c in r['sandbox']['changes'])
for want in ('include /etc/letsencrypt/options-ssl-nginx.conf: not on this host',
             'server mattermost:8065 -> 127.0.0.1:', 'listen 443 ssl http2 -> 127.0.0.1:',
             'ssl_dhparam: left out', 'user: left out', 'pid: left out',
             'access_log /var/log/nginx/access.log -> '):
    assert want in ch, (want, ch)
assert [x['location'] for x in r['not_checked']] == ['location /'], r['not_checked']"
check "virtual hosts: the server_name's server is the one checked" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/real-root-virtual-hosts.json'))
assert r['target'] == ['ws://chat.example.com/ws/'], r['target']
rec = [c for c in r['checks'] if c['id'] == 'headers.host'][0]
assert rec['observed'] == '' and 'chat.example.com' in rec['message'], rec"
check "a variable proxy_pass: its backend is the stand-in for grafana:3000" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/real-root-variables.json'))
assert any(b['from'] == 'grafana:3000' and b['to'] for b in r['sandbox']['backends']), r['sandbox']['backends']"
check "a proxy_pass URI: the backend saw the path without the prefix" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/real-root-push-uri.json'))
c = [c for c in r['checks'] if c['id'] == 'handshake.rejection'][0]
assert c['status'] == 'pass', c"
check "ws:// and wss:// of one server: two targets, one root cause" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/real-root-both-schemes.json'))
assert r['target'] == ['ws://live.example.com/live/', 'wss://live.example.com/live/'], r['target']
roots = r['summary']['root_causes']
assert sorted(x['checks'] for x in roots) == [['headers.x-real-ip'], ['upgrade.h2c']], roots
assert sum(c['id'] == 'headers.x-real-ip' and c['status'] == 'fail' for c in r['checks']) == 2"

# a URL on the command line: its host, port and path pick the server and
# location; --location PATH picks the location nginx would for PATH
(cd "$REAL" && "$WSCTL" check --nginx-conf mattermost-tls.conf --start-nginx \
	--quick --only 'handshake.*' --report "$OUT/url.json" \
	wss://chat.example.com/api/v4/websocket >/dev/null 2>&1)
expect_eq "a URL given: exit 0" "$?" 0
check "... checked as given" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/url.json'))
assert r['target'] == ['wss://chat.example.com/api/v4/websocket'], r['target']"
(cd "$REAL" && "$WSCTL" check --nginx-conf docker-compose.conf --start-nginx \
	--quick --only 'handshake.status-101' --location /api/ \
	--report "$OUT/location.json" >/dev/null 2>&1)
expect_eq "--location /api/, which passes no Upgrade: exit 1" "$?" 1
check "... that location is the target" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/location.json'))
assert r['target'] == ['ws://localhost/api/'], r['target']
assert r['checks'][0]['config_ref']['directive'] == 'location /api/: no proxy_set_header Upgrade', r['checks'][0]"

# a directive nginx refuses: nginx's own words, with the user's file and
# line (not the copy's), exit 2
mkdir -p "$OUT/refused/conf.d"
printf 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n' >"$OUT/refused/nginx.conf"
printf 'server {\n    listen 80;\n    location /ws/ {\n        more_set_headers "X: y";\n        proxy_pass http://app:3000;\n    }\n}\n' \
	>"$OUT/refused/conf.d/app.conf"
"$WSCTL" check --nginx-conf "$OUT/refused/nginx.conf" --start-nginx --quick \
	>/dev/null 2>"$OUT/refused.err"
expect_eq "a directive nginx refuses: exit 2" "$?" 2
expect_match "... nginx's words at the user's file and line" "$(cat "$OUT/refused.err")" \
	"^wsctl check: nginx did not start: unknown directive \"more_set_headers\" in $OUT/refused/conf.d/app.conf:4$"

# no nginx on this machine: one line, exit 2
PATH=/nonexistent "$WSCTL" check --nginx-conf "$REAL/docker-compose.conf" \
	--start-nginx --quick >/dev/null 2>"$OUT/no-nginx.err"
expect_eq "no nginx installed: exit 2" "$?" 2
expect_eq "... one line" "$(cat "$OUT/no-nginx.err")" \
	"wsctl check: nginx did not start: cannot run 'nginx'"

# a proxy_pass whose host only the request tells: not checked, with why;
# the other WebSocket location still is
cat >"$OUT/unbounded.conf" <<'CONF'
server {
    listen 80;
    server_name localhost;
    location /tenant/ {
        proxy_pass http://$http_x_tenant:8080;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /ws/ {
        proxy_pass http://app:8080;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
}
CONF
"$WSCTL" check --nginx-conf "$OUT/unbounded.conf" --start-nginx --quick \
	--report "$OUT/unbounded.json" >"$OUT/unbounded.table" 2>&1
expect_eq "a proxy_pass to a request's host: the rest checked (only its h2c fails)" \
	"$?/$(failed_checks "$OUT/unbounded.json")" "1/upgrade.h2c"
check "... listed as not checked, with why" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/unbounded.json'))
assert r['target'] == ['ws://localhost/ws/'], r['target']
[x] = r['not_checked']
assert x['location'] == 'location /tenant/' and x['line'] == 4, x
assert 'known only at run time' in x['why'], x"

expect_match "nothing of the runs is left in the shared folder" \
	"$(ls -A "${SHARED:-/nonexistent}/tmp" 2>/dev/null | wc -l)" "^0$"

# listen 443 ssl http2: nginx offers h2 without RFC 8441, so a browser
# opens an http/1.1 connection for its WebSocket, and that works
expect_match "mattermost-tls (listen 443 ssl http2): the http/1.1 fallback works" \
	"$(grep '^http2.front' "$OUT/real-root-mattermost-tls.table")" \
	"pass +ALPN h2 without SETTINGS_ENABLE_CONNECT_PROTOCOL: a browser's http/1.1 connection upgrades and echoes$"
