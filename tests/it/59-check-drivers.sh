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
# run them): each proxy's good config runs them, its one-mistake
# variants and the ASan pass leave them out
HEAVY='diff.*,capacity.tunnels,concurrency.parallel'

# file KIND CONF: the config checked in the sandbox
file() {
	local kind=$1 conf=$2 name want_roots want_lines want_rc=1 args skip=()
	name=$kind-$(basename "$conf" | sed 's/\.[a-z]*$//')
	want_roots=$(expected_roots "$conf")
	want_lines=$(expected_lines "$conf")
	if [ -n "${PREFIX:-}" ] || [[ $name != *-good ]]; then
		skip=(--skip "$HEAVY")
		want_roots=$(echo "$want_roots" | tr , '\n' |
			grep -vx 'capacity.tunnels' | paste -sd,)
		want_roots=${want_roots:-none}
	fi
	[ "$want_roots" = none ] && want_rc=0
	# what the user expects of it, where the config cannot say
	read -ra args < <(sed -n 's/.*wsctl-args: //p' "$conf")
	"$WSCTL" check --proxy-config "$conf" --start --quick "${skip[@]}" "${args[@]}" \
		--report "$OUT/file-$name.json" >"$OUT/file-$name.table" 2>&1
	expect_eq "$name, as a file: exit $want_rc" "$?" "$want_rc"
	expect_eq "$name, as a file: its mistake, its line" \
		"$(root_causes "$OUT/file-$name.json" 2>&1)" \
		"roots=$want_roots lines=${want_lines:-none} followers-ok=1"
}

for kind in haproxy caddy apache; do
	for conf in "$FIX/$kind"/real/*; do
		[ -e "$conf" ] || continue
		file "$kind" "$conf"
	done
done

# a config the proxy refuses: its own words, at the user's file and line
sed 's/^    balance roundrobin/    balance nosuchalgo/' \
	"$FIX/haproxy/real/good.cfg" >"$OUT/refused.cfg"
"$WSCTL" check --proxy-config "$OUT/refused.cfg" --start --quick \
	>/dev/null 2>"$OUT/refused.err"
expect_eq "a config HAProxy refuses: exit 2" "$?" 2
expect_match "... HAProxy's words at the user's file and line" \
	"$(cat "$OUT/refused.err")" \
	"^wsctl check: haproxy did not start: .*$OUT/refused.cfg:29\] : balance only supports"

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
