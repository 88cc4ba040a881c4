# --config FILE: the same settings as JSON, several listeners, options on
# the command line over the file, and errors that name the file and the
# field (exit 2).
. "$(dirname "$0")/40-proxy.inc"

start_backend s1 || exit 1
P1=$BPORT
start_backend s2 || exit 1
P2=$BPORT
CFG=$OUT/px-config.json
cat >"$CFG" <<EOF
{
  "listen": ["127.0.0.1:0", {"address": "127.0.0.1:0"}],
  "upstreams": [
    {"address": "127.0.0.1:$P1", "weight": 3, "max_fails": 2,
     "fail_timeout": "10s"},
    "127.0.0.1:$P2,max_fails=1"
  ],
  "balance": "round-robin",
  "connect_timeout": "2s",
  "read_timeout": "1s",
  "handshake_timeout": "5s",
  "drain": "1s",
  "max_connections": 100,
  "access_log": "$OUT/px-config.access",
  "log_format": "json",
  "status_listen": "127.0.0.1:0",
  "workers": 1,
  "busy_poll_us": 200,
  "quiet": false
}
EOF
rm -f "$OUT/px-config.access"
start_proxy_args px-cfg --config "$CFG" || exit 1
expect_eq "two listeners from the file" "${#PXPORTS[@]}" 2
expect_match "the stats listener from the file" "$STPORT" '^[0-9]+$'
expect_eq "weights from the file: smooth 3:1" \
	"$(names "ws://127.0.0.1:${PXPORTS[1]}/" 4)" "s1 s1 s2 s1"
out=$(client "ws://127.0.0.1:$PXPORT/" send:x idle:5000 | tail -n1)
expect_match "read_timeout from the file" "$out" '^closed after (9|1[0-4])00$'
sleep 0.2
expect_match "access_log and log_format from the file" \
	"$(tail -n1 "$OUT/px-config.access")" '^\{"time":.*"reason":"read-timeout"\}$'

# the command line wins: its --upstream list replaces the file's, its
# --read-timeout the file's
start_proxy px-over --config "$CFG" --upstream 127.0.0.1:$P2 \
	--read-timeout 3s || exit 1
expect_eq "--listen replaces the file's listeners" "${#PXPORTS[@]}" 1
expect_eq "--upstream replaces the file's upstreams" \
	"$(names "ws://127.0.0.1:$PXPORT/" 3)" "s2 s2 s2"
out=$(client "ws://127.0.0.1:$PXPORT/" send:x idle:1500 | tail -n1)
expect_eq "--read-timeout overrides the file's" "$out" "open"
stop_proxies

# errors: one line naming the file and the field, exit 2
bad() {
	local name=$1 json=$2 want=$3 out rc
	printf '%s\n' "$json" >"$OUT/bad.json"
	out=$("$WSCTL" proxy --config "$OUT/bad.json" 2>&1 </dev/null)
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && [[ $out =~ $want ]]; then
		ok "$name"
	else
		notok "$name" "exit $rc, '$out', want /$want/"
	fi
}
U='"upstreams": ["127.0.0.1:1"]'
L='"listen": "127.0.0.1:0"'
bad "an unknown setting" "{$L, $U, \"reed_timeout\": \"3s\"}" \
	'^wsctl proxy: .*/bad\.json: reed_timeout: unknown setting$'
bad "a bad duration" "{$L, $U, \"read_timeout\": \"3 parsecs\"}" \
	'/bad\.json: read_timeout: want a duration string such as "30s"$'
bad "a duration as a number" "{$L, $U, \"drain\": 5}" \
	'/bad\.json: drain: want a duration'
bad "a bad weight" "{$L, \"upstreams\": [{\"address\": \"127.0.0.1:1\", \"weight\": 0}]}" \
	'/bad\.json: upstreams\[0\]\.weight: want a whole number from 1 to 1000$'
bad "a bad upstream string" "{$L, \"upstreams\": [\"127.0.0.1:1\", \"127.0.0.1:2,wait=1\"]}" \
	"/bad\\.json: upstreams\\[1\\]: unknown parameter 'wait' in"
bad "an unknown listener key" "{\"listen\": [{\"address\": \"127.0.0.1:0\", \"tls\": true}], $U}" \
	'/bad\.json: listen\[0\]: unknown key "tls"$'
bad "a certificate without a key" "{\"listen\": [{\"address\": \"127.0.0.1:0\", \"tls_cert\": \"c.pem\"}], $U}" \
	'/bad\.json: listen\[0\]: tls_cert and tls_key go together$'
bad "an unknown balance" "{$L, $U, \"balance\": \"random\"}" \
	'/bad\.json: balance: want "round-robin", "ip-hash" or "least-conn"$'
bad "a bad log format" "{$L, $U, \"log_format\": \"xml\"}" \
	'/bad\.json: log_format: want "text" or "json"$'
bad "too many workers" "{$L, $U, \"workers\": 1000}" \
	'/bad\.json: workers: want a whole number from 1 to 64$'
bad "too long a busy poll" "{$L, $U, \"busy_poll_us\": 10001}" \
	'/bad\.json: busy_poll_us: want a whole number from 0 to 10000$'
out=$("$WSCTL" proxy -l 127.0.0.1:0 -u 127.0.0.1:1 --busy-poll 10001 2>&1)
expect_eq "--busy-poll over 10000: exit 2" "$?" 2
expect_match "... naming it" "$out" "^wsctl proxy: bad number '10001' for --busy-poll"
bad "invalid JSON, with its line" $'{\n"listen": "127.0.0.1:0",\n"upstreams": [1,,]\n}' \
	'/bad\.json: invalid JSON at line 3$'
bad "not an object" '["127.0.0.1:0"]' '/bad\.json: want a JSON object$'
out=$("$WSCTL" proxy --config "$OUT/no-such.json" 2>&1)
expect_eq "a missing file: exit 2" "$?" 2
expect_match "... naming it" "$out" '^wsctl proxy: .*/no-such\.json: No such file or directory$'
printf '{%s}\n' "$U" >"$OUT/nolisten.json"
out=$("$WSCTL" proxy --config "$OUT/nolisten.json" 2>&1)
expect_eq "a file without listen and no --listen: exit 2" "$?" 2

# -t (--test-config), as nginx -t: the options and the file checked, the
# certificates loaded, nothing bound (a port in use is no error here)
busy=$(free_port)
spawn busy-port python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$busy)); s.listen(); time.sleep(30)"
BUSY=$SPAWNED
wait_port "$busy"
out=$("$WSCTL" proxy -t --config "$CFG" --listen "127.0.0.1:$busy" 2>&1)
expect_eq "-t on a good config: exit 0" "$?" 0
expect_eq "... says so, binding nothing" "$out" "wsctl proxy: the configuration is ok"
out=$("$WSCTL" proxy --test-config -l 127.0.0.1:0 -u "127.0.0.1:$P1" \
	--tls-cert "$OUT/no-such.pem" --tls-key "$OUT/no-such.pem" 2>&1)
expect_eq "-t with a certificate that is not there: exit 2" "$?" 2
expect_match "... naming it" "$out" "^wsctl proxy: tls certificate '.*/no-such\.pem': No such file or directory$"
out=$("$WSCTL" proxy -t -l 127.0.0.1:0 2>&1)
expect_eq "-t without --upstream: exit 2" "$?" 2
stop "$BUSY"

# --pid-file: the pid once listening, removed when it stops
start_proxy pidfile --upstream "127.0.0.1:$P1" --pid-file "$OUT/px.pid" || exit 1
expect_eq "--pid-file holds the proxy's pid" "$(cat "$OUT/px.pid" 2>&1)" "$PXPID"
stop "$PXPID"
expect_eq "... and is gone after SIGTERM" "$(ls "$OUT/px.pid" 2>/dev/null)" ""
