# Hostile inputs (fixtures/hostile/cases.py): malformed and smuggling-
# shaped heads, limits, slow and stalled clients, and WebSocket-level
# violations after the upgrade, against wsctl echo alone, wsctl proxy in
# front of it, and nginx in front of it.  Each answer (status, close code
# or close) is asserted, and after each case a normal client must still be
# served.  nginx's answers are recorded beside ours in the cases file and
# checked here so the record stays true (not under ASan: nginx is not
# ours).
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$TESTS/.." && pwd)

start_echo hostile-echo --listen 127.0.0.1:0 --max-message 1MiB \
	--head-timeout 1s --reject '/deny=403' --quiet || exit 1
EP=${PORTS[0]}
PP=$(free_port)
spawn hostile-proxy ${WRAP:-} "$WSCTL" proxy -q --listen "127.0.0.1:$PP" \
	--upstream "127.0.0.1:$EP" --handshake-timeout 1s
PXPID=$SPAWNED
wait_port "$PP" || exit 1

python3 "$TESTS/py/hostile.py" echo "$EP"
python3 "$TESTS/py/hostile.py" proxy "$PP"

if [[ $WSCTL != *asan* ]]; then
	NG=$OUT/hostile-nginx
	rm -rf "$NG"
	mkdir -p "$NG/tmp"
	NP=$(free_port)
	sed -e "s/@LISTEN@/$NP/; s/@BACKEND@/$EP/" \
		"$ROOT/fixtures/hostile/nginx.conf.in" >"$NG/nginx.conf"
	spawn hostile-nginx nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" \
		-g 'daemon off;'
	wait_port "$NP" || exit 1
	python3 "$TESTS/py/hostile.py" nginx "$NP"
fi

stop "$PXPID"
expect_eq "the proxy exits 0 after all of it" "$STOPPED" 0
