# wsctl check on HAProxy, Caddy and Apache configs as their docs write
# them (fixtures/KIND/real/), each run as it is in wsctl's sandbox
# (--proxy-config F --start --quick) and, made to listen on loopback, as
# a running proxy (a URL, wsctl echo backends spawned): exactly the root
# causes its "wsctl-expect:" names fail, and in the file case each names
# its "# BLAME" line.  Then the bad input: a config the proxy refuses,
# the proxy not installed, a file of no kind wsctl can tell.
. "$(dirname "$0")/../lib.sh"
FIX=$TESTS/../fixtures

# the load checks are the same code whatever the config (51, 53 and 56
# run them): HAProxy's and Caddy's good configs run them, the one-mistake
# variants and the ASan pass leave them out
HEAVY='diff.*,capacity.tunnels,concurrency.parallel'

# file KIND CONF: the config checked in the sandbox
file() {
	local kind=$1 conf=$2 name want_roots want_lines want_rc=1 args skip=()
	name=$kind-$(basename "$conf" | sed 's/\.[a-z]*$//')
	want_roots=$(expected_roots "$conf")
	want_lines=$(expected_lines "$conf")
	# Apache's event MPM holds 400 tunnels (a finding of its own, in
	# its configs' expectations): its handshakes past that wait out
	# their timeout, 20 s of the run, so its good config leaves the
	# load checks out too
	if [ -n "${PREFIX:-}" ] || [[ $name != *-good ]] || [ "$kind" = apache ]; then
		skip=(--skip "$HEAVY")
		want_roots=$(echo "$want_roots" | tr , '\n' |
			grep -vx 'capacity.tunnels' | paste -sd,)
		want_roots=${want_roots:-none}
	fi
	[ "$want_roots" = none ] && want_rc=0
	# what the user expects of it, where the config cannot say
	read -ra args < <(sed -n 's/.*wsctl-args: //p' "$conf")
	# Apache keeps a backend it saw refuse out for retry=60s: the settle
	# after failover.backend-down waits its bound out on every run
	[ "$kind" = apache ] && args+=(--settle 2s)
	"$WSCTL" check --proxy-config "$conf" --start --quick "${skip[@]}" "${args[@]}" \
		--report "$OUT/file-$name.json" >"$OUT/file-$name.table" 2>&1
	expect_exit "$name, as a file: exit $want_rc" "$?" "$want_rc" \
		"$OUT/file-$name.table"
	expect_eq "$name, as a file: its mistake, its line" \
		"$(root_causes "$OUT/file-$name.json" 2>&1)" \
		"roots=$want_roots lines=${want_lines:-none} followers-ok=1"
}


# --- the same configs as running proxies --------------------------------
# Each made to run here by hand, as a user would for a test (loopback
# ports, the backends' names, a certificate of the test's, no logs to the
# host), then checked by URL with backends spawned: the verdicts are the
# file's, but for what only a file or --start gives (the lines, reload,
# the timeouts), and the load checks, which the file runs cover.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -keyout "$OUT/url-key.pem" -out "$OUT/url-cert.pem" \
	2>/dev/null

# runnable KIND CONF COPY: CONF with loopback ports ($LISTEN, $B1, $B2);
# sets RUN to the command that runs it in the foreground
runnable() {
	local kind=$1 conf=$2 copy=$3
	local names="s/app1:3000/127.0.0.1:$B1/g; s/app2:3000/127.0.0.1:$B2/g"
	case $kind in
	haproxy)
		sed -E -e '/^\s*(log \/dev|chroot|stats socket|user|group|daemon)/d' \
			-e "s/bind \*:80/bind 127.0.0.1:$LISTEN/" -e "$names" \
			"$conf" >"$copy"
		RUN=(haproxy -db -f "$copy") ;;
	caddy)
		sed -e "s/^\temail .*/\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port $(free_port)/" \
			-e "s/^example.com {/https:\/\/127.0.0.1:$LISTEN {/" \
			-e 's/output file .*/output stderr/' -e "$names" "$conf" >"$copy"
		RUN=(env HOME="$OUT" XDG_DATA_HOME="$OUT/url-caddy" \
			XDG_CONFIG_HOME="$OUT/url-caddy" caddy run --config "$copy" \
			--adapter caddyfile) ;;
	apache)
		mkdir -p "$OUT/url-apache"
		sed -e "s/<VirtualHost \*:443>/<VirtualHost 127.0.0.1:$LISTEN>/" \
			-e "s/<VirtualHost \*:80>/<VirtualHost 127.0.0.1:$(free_port)>/" \
			-e "s|SSLCertificateFile .*|SSLCertificateFile $OUT/url-cert.pem|" \
			-e "s|SSLCertificateKeyFile .*|SSLCertificateKeyFile $OUT/url-key.pem|" \
			-e '/^\s*\(Include\|ErrorLog\|CustomLog\)/d' -e "$names" \
			"$conf" >"$copy"
		{
			echo "ServerName localhost"
			echo "PidFile $OUT/url-apache/pid"
			echo "DefaultRuntimeDir $OUT/url-apache"
			echo "ErrorLog /dev/stderr"
			[ "$(id -u)" -eq 0 ] && printf 'User nobody\nGroup nogroup\n'
			for m in mpm_event authz_core proxy proxy_http proxy_balancer \
				lbmethod_byrequests slotmem_shm headers ssl socache_shmcb \
				alias; do
				echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
			done
			grep -o '127.0.0.1:[0-9]*>' "$copy" | tr -d '>' | sed 's/^/Listen /'
			echo "Include $copy"
		} >"$copy.main"
		RUN=(apache2 -d "$OUT/url-apache" -f "$copy.main" -DFOREGROUND) ;;
	esac
}

# url KIND CONF: the config running, checked by URL
url() {
	local kind=$1 conf=$2 name want_roots want_rc=1 scheme=wss pid i
	name=$kind-$(basename "$conf" | sed 's/\.[a-z]*$//')
	LISTEN=$(free_port) B1=$(free_port) B2=$(free_port)
	runnable "$kind" "$conf" "$OUT/url-$name.conf"
	[ "$kind" = haproxy ] && scheme=ws
	spawn "url-$name" "${RUN[@]}"
	pid=$SPAWNED
	wait_port "$LISTEN"
	[ "$kind" = apache ] && for ((i = 0; i < 100; i++)); do
		[ -f "$OUT/url-apache/pid" ] && break
		sleep 0.05
	done
	# Caddy accepts before its CA has issued the site's certificate
	# (curl's 35: the TLS handshake failed)
	[ "$kind" = caddy ] && for ((i = 0; i < 100; i++)); do
		curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$LISTEN/"
		[ $? -ne 35 ] && break
		sleep 0.05
	done
	want_roots=$(expected_roots "$conf" | tr , '\n' |
		grep -vx 'capacity.tunnels\|reload.tunnels' | paste -sd,)
	want_roots=${want_roots:-none}
	[ "$want_roots" = none ] && want_rc=0
	local settle=()
	[ "$kind" = apache ] && settle=(--settle 2s)
	"$WSCTL" check --quick --skip "$HEAVY" --insecure --balance round-robin "${settle[@]}" \
		--backends "spawn:127.0.0.1:$B1,127.0.0.1:$B2" \
		--report "$OUT/url-$name.json" "$scheme://127.0.0.1:$LISTEN/ws/" \
		>"$OUT/url-$name.table" 2>&1
	expect_exit "$name, running: exit $want_rc" "$?" "$want_rc" \
		"$OUT/url-$name.table"
	expect_eq "$name, running: its mistake" \
		"$(root_causes "$OUT/url-$name.json" 2>&1)" \
		"roots=$want_roots lines=none followers-ok=1"
	stop "$pid"
	rm -f "$OUT/url-apache/pid"
}

# the load and the ASan pass are the file runs'
# per_kind KIND: its fixtures as files, then (but under ASan) running;
# the three kinds side by side, each into a file of its own, since a run
# waits on its proxy far more than it computes
per_kind() {
	local kind=$1 conf
	for conf in "$FIX/$kind"/real/*; do
		[ -e "$conf" ] && file "$kind" "$conf"
	done
	[ -n "${PREFIX:-}" ] && return
	for conf in "$FIX/$kind"/real/*; do
		[ -e "$conf" ] && url "$kind" "$conf"
	done
}
kids=()
for kind in haproxy caddy apache; do
	per_kind "$kind" >"$OUT/59-$kind.results" 2>"$OUT/59-$kind.err" &
	kids+=($!)
done
wait "${kids[@]}"
cat "$OUT"/59-haproxy.results "$OUT"/59-caddy.results "$OUT"/59-apache.results
cat "$OUT"/59-haproxy.err "$OUT"/59-caddy.err "$OUT"/59-apache.err >&2

# what the sandbox did, as the report says it
check "haproxy's sandbox in the report: what went, where it listens, the stand-ins" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/file-haproxy-good.json'))
assert r['proxy']['config'].endswith('fixtures/haproxy/real/good.cfg'), r['proxy']
ch = [(c['line'], c['change']) for c in r['sandbox']['changes']]
assert (10, 'daemon: left out (the sandbox)') in ch, ch
assert [l['from'] for l in r['sandbox']['listen']] == ['*:80'], r['sandbox']
assert [b['from'] for b in r['sandbox']['backends']] == ['app1:3000', 'app2:3000'], r['sandbox']
assert all(b['to'].startswith('127.0.0.1:') for b in r['sandbox']['backends'])"
check "caddy's: a TLS site on Caddy's own CA, no trust store touched" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/file-caddy-good.json'))
assert r['target'] == ['wss://example.com/ws/'], r['target']
assert r['sandbox']['tls'] is True
assert any('skip_install_trust' in c['change'] for c in r['sandbox']['changes'])"

# by URL, the fixes are those of the proxy the Server header names
[ -n "${PREFIX:-}" ] || check "caddy by URL: Caddy's fix, no line" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/url-caddy-no-real-ip.json'))
[c] = [c for c in r['checks'] if c['id'] == 'headers.x-real-ip']
assert c['config_ref'] is None and c['fix'] == 'header_up X-Real-IP {remote_host}', c"
[ -n "${PREFIX:-}" ] || check "apache by URL: Apache's fix" /usr/bin/python3 -c "
import json; r = json.load(open('$OUT/url-apache-no-preserve-host.json'))
[c] = [c for c in r['checks'] if c['id'] == 'headers.host']
assert c['fix'] == 'ProxyPreserveHost On', c"

# a config the proxy refuses: its own words, at the user's file and line
sed 's/^    balance roundrobin/    balance nosuchalgo/' \
	"$FIX/haproxy/real/good.cfg" >"$OUT/refused.cfg"
"$WSCTL" check --proxy-config "$OUT/refused.cfg" --start --quick \
	>/dev/null 2>"$OUT/refused.err"
expect_eq "a config HAProxy refuses: exit 2" "$?" 2
expect_match "... HAProxy's words at the user's file and line" \
	"$(cat "$OUT/refused.err")" \
	"^wsctl check: haproxy did not start: .*$OUT/refused.cfg:29\] : balance only supports"

sed 's/lb_policy round_robin/lb_policy nosuch/' "$FIX/caddy/real/good.caddy" \
	>"$OUT/refused.caddy"
"$WSCTL" check --proxy-config "$OUT/refused.caddy" --start --quick \
	>/dev/null 2>"$OUT/refused-caddy.err"
expect_eq "a Caddyfile Caddy refuses: exit 2" "$?" 2
expect_match "... Caddy's words at the user's file and line (past wsctl's global options)" \
	"$(cat "$OUT/refused-caddy.err")" \
	"^wsctl check: caddy did not start: .*$OUT/refused.caddy:16 - .*selection_policies.nosuch"
sed 's/^    ProxyPreserveHost On/    ProxyPreserveHost Maybe/' \
	"$FIX/apache/real/good.conf" >"$OUT/refused-apache.conf"
"$WSCTL" check --proxy-config "$OUT/refused-apache.conf" --start --quick \
	>/dev/null 2>"$OUT/refused-apache.err"
expect_eq "a site Apache refuses: exit 2" "$?" 2
expect_eq "... Apache's words at the user's file and line" \
	"$(cat "$OUT/refused-apache.err")" \
	"wsctl check: apache did not start: AH00526: Syntax error on line 22 of $OUT/refused-apache.conf: ProxyPreserveHost must be On or Off"

PATH=/nonexistent "$WSCTL" check --proxy-config "$FIX/haproxy/real/good.cfg" \
	--start --quick >/dev/null 2>"$OUT/no-haproxy.err"
expect_eq "no haproxy installed: exit 2" "$?" 2
expect_eq "... one line" "$(cat "$OUT/no-haproxy.err")" \
	"wsctl check: haproxy did not start: cannot run 'haproxy'"

printf 'listen_addresses = 5432\n' >"$OUT/what.conf"
"$WSCTL" check --proxy-config "$OUT/what.conf" --start \
	>/dev/null 2>"$OUT/what.err"
expect_eq "a file of no proxy wsctl knows: exit 2" "$?" 2
expect_eq "... asks for --proxy" "$(cat "$OUT/what.err")" \
	"wsctl check: cannot tell which proxy $OUT/what.conf is for; say --proxy KIND (nginx, haproxy, caddy, apache)"

"$WSCTL" check --proxy-config "$FIX/haproxy/real/good.cfg" \
	>/dev/null 2>"$OUT/nostart.err"
expect_eq "a HAProxy config without --start: exit 2" "$?" 2

expect_eq "no sandbox is left behind" \
	"$(ls -d "${TMPDIR:-/tmp}"/wsctl-haproxy-* "${TMPDIR:-/tmp}"/wsctl-caddy-* \
		"${TMPDIR:-/tmp}"/wsctl-apache-* 2>/dev/null | wc -l)" 0
