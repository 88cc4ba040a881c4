# Every command under valgrind's memcheck: no invalid reads or
# writes, no use of uninitialised memory, no leaks, while doing real work.
. "$(dirname "$0")/../lib.sh"
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"

WRAP=$VG start_echo vg-echo --listen 127.0.0.1:0 --quiet || exit 1
ECHO=$PID port=${PORTS[0]}

out=$(printf 'one\ntwo\n' | $VG "$WSCTL" connect "ws://127.0.0.1:$port/" 2>"$OUT/vg-connect.err")
rc=$?
expect_eq "connect under valgrind: replies" "$out" "one
two"
expect_eq "connect under valgrind: clean" "$rc" 0

$VG "$WSCTL" check --quick --color never --skip frames.sizes \
	"ws://127.0.0.1:$port/" >"$OUT/vg-check.table" 2>"$OUT/vg-check.err"
expect_eq "check under valgrind: clean (exit 0)" "$?" 0

# the proxy in front of the echo, with the access log and stats on
: >"$OUT/vg-proxy.log"
spawn vg-proxy $VG "$WSCTL" proxy --listen 127.0.0.1:0 --drain 1s \
	--upstream "127.0.0.1:$port" --access-log "$OUT/vg-proxy.access" \
	--status-listen 127.0.0.1:0
PROXY=$SPAWNED
for ((i = 0; i < 400; i++)); do
	grep -q '^stats on ' "$OUT/vg-proxy.log" && break
	sleep 0.05
done
pport=$(awk '/^listening on / { n = split($3, a, ":"); print a[n] }' "$OUT/vg-proxy.log")
sport=$(awk '/^stats on / { n = split($3, a, ":"); print a[n] }' "$OUT/vg-proxy.log")
out=$(printf 'three\n' | "$WSCTL" connect "ws://127.0.0.1:$pport/" 2>&1)
expect_eq "proxy under valgrind: a tunnel echoes" "$out" "three"
out=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$pport/")
expect_eq "proxy under valgrind: plain HTTP" "$out" 200
out=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/")
expect_eq "proxy under valgrind: stats" "$out" 200

$VG "$WSCTL" bench -q -c 4 -n 200 "ws://127.0.0.1:$pport/" \
	>"$OUT/vg-bench.out" 2>"$OUT/vg-bench.err"
expect_eq "bench under valgrind, through the proxy: clean (exit 0)" "$?" 0
stop "$PROXY"
expect_eq "proxy under valgrind: clean exit after SIGTERM" "$STOPPED" 0

stop "$ECHO"
expect_eq "echo under valgrind: clean exit after SIGTERM" "$STOPPED" 0

# the hostile inputs (tests/it/42-hostile.sh), against both under valgrind
WRAP=$VG start_echo vg-hecho --listen 127.0.0.1:0 --max-message 1MiB \
	--head-timeout 1s --reject '/deny=403' --quiet || exit 1
HECHO=$PID hport=${PORTS[0]}
PRX=$(free_port)
spawn vg-hproxy $VG "$WSCTL" proxy -q --listen "127.0.0.1:$PRX" \
	--upstream "127.0.0.1:$hport" --handshake-timeout 1s
HPROXY=$SPAWNED
wait_port "$PRX" 127.0.0.1 30 || exit 1
PREFIX="valgrind: " python3 "$TESTS/py/hostile.py" echo "$hport"
PREFIX="valgrind: " python3 "$TESTS/py/hostile.py" proxy "$PRX"
stop "$HPROXY"
expect_eq "proxy under valgrind, after the hostile inputs: clean exit" "$STOPPED" 0
stop "$HECHO"
expect_eq "echo under valgrind, after the hostile inputs: clean exit" "$STOPPED" 0
