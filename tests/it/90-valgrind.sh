# The three commands under valgrind's memcheck: no invalid reads or
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

stop "$ECHO"
expect_eq "echo under valgrind: clean exit after SIGTERM" "$STOPPED" 0
