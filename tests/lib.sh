# Helpers for tests/it/*.sh.  Source it first thing:  . "$(dirname "$0")/../lib.sh"
#
# Results: ok NAME | notok NAME WHY | check NAME CMD... | expect_eq NAME GOT WANT
# Processes: spawn NAME CMD... starts CMD in the background, logs to
# $OUT/NAME.log, and remembers its PID; every spawned PID (and only those)
# is stopped when the script exits.
# Backends: start_echo NAME ARGS... runs wsctl echo and waits for it.
# Ports: free_port prints a port nobody listens on; wait_port PORT waits
# until something does.
set -uo pipefail
TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WSCTL=${WSCTL:-$TESTS/../wsctl}
OUT=${OUT:-$TESTS/.out}
export NODE_PATH=$TESTS/node_modules
WSCAT=$TESTS/node_modules/.bin/wscat
mkdir -p "$OUT"
_pids=()

ok() { echo "ok $1"; }
notok() { echo "not ok $1: ${2:-failed}"; }

# check NAME CMD...: ok when CMD exits 0
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name" "exit $? from: $*"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else notok "$1" "got '$2', want '$3'"; fi
}

# expect_exit NAME GOT WANT FILE: expect_eq of an exit code; on a
# mismatch the last lines of FILE (the run's output) follow as comments
expect_exit() {
	expect_eq "$1" "$2" "$3"
	[ "$2" == "$3" ] || tail -n 4 "$4" | sed 's/^/#   /'
}

# expect_match NAME GOT REGEX
expect_match() {
	if [[ $2 =~ $3 ]]; then ok "$1"; else notok "$1" "got '$2', want /$3/"; fi
}

# free_port: a port that was free on 127.0.0.1 a moment ago
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [HOST] [SECONDS]: until a TCP connect succeeds
wait_port() {
	local port=$1 host=${2:-127.0.0.1} limit=${3:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "port $host:$port did not open in ${limit}s" >&2
	return 1
}

# spawn NAME CMD...: start CMD in the background, its output in a fresh
# $OUT/NAME.log; sets SPAWNED to its PID
spawn() {
	local name=$1
	shift
	"$@" >"$OUT/$name.log" 2>&1 &
	SPAWNED=$!
	_pids+=("$SPAWNED")
}

# stop PID: SIGTERM, then SIGKILL after 3 s; STOPPED gets its exit status
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	STOPPED=$?
	return 0
}

# start_echo NAME ARGS...: run wsctl echo ARGS; sets PID, and PORTS to the
# port of each backend in order, read from its "listening on" lines
start_echo() {
	local name=$1 n i
	shift
	n=$(printf '%s\n' "$@" | grep -cx -- '--listen')
	: >"$OUT/$name.log"
	spawn "$name" ${WRAP:-} "$WSCTL" echo "$@"
	PID=$SPAWNED
	for ((i = 0; i < 400; i++)); do
		[ "$(grep -c '^listening on ' "$OUT/$name.log")" -ge "$n" ] && break
		sleep 0.05
	done
	mapfile -t PORTS < <(awk '/^listening on / {
		n = split($3, a, ":"); print a[n] }' "$OUT/$name.log")
	[ "${#PORTS[@]}" -eq "$n" ] || {
		echo "$name did not start: $(cat "$OUT/$name.log")" >&2
		return 1
	}
}

# failed_checks REPORT: the ids of the checks that failed or errored in
# a wsctl check JSON report, sorted, on one line
failed_checks() {
	/usr/bin/python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))
print(' '.join(sorted(c['id'] for c in r['checks'] if c['status'] in ('fail', 'error'))))" "$1" 2>/dev/null
}

# root_causes REPORT: "roots=A,B lines=N,M followers-ok=1": the checks
# that failed on their own, the config lines they name, and whether every
# other failure follows from handshake.status-101
root_causes() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c for c in r["checks"] if c["status"] in ("fail", "error")]
roots = sorted({c["id"] for c in bad if not c["cause"]})
follow = all(c["cause"] == "handshake.status-101" for c in bad if c["cause"])
lines = sorted({c["config_ref"]["line"] for c in bad
                if not c["cause"] and c["config_ref"]})
print("roots=%s lines=%s followers-ok=%d" % (",".join(roots) or "none",
      ",".join(map(str, lines)) or "none", follow))
PY
}

# expected_roots FILE: its "wsctl-expect:" ids, sorted, comma-separated;
# expected_lines FILE: the numbers of its lines marked "# BLAME", or
# those its "wsctl-lines:" names (Apache takes no comment after a
# directive)
expected_roots() {
	sed -n 's/.*wsctl-expect: //p' "$1" | tr ' ' '\n' | sort | paste -sd,
}
expected_lines() {
	if grep -q 'wsctl-lines: ' "$1"; then
		sed -n 's/.*wsctl-lines: //p' "$1"
	else
		grep -n '# BLAME' "$1" | cut -d: -f1 | paste -sd,
	fi
}

# check_proxy NAME ARGS...: wsctl check ARGS of the proxy on
# 127.0.0.1:$LISTEN, with echo backends it spawns on $B1 and $B2; the
# table and report go to $OUT/check-NAME.* ($BACKENDS instead, when
# set); sets RC and FAILED
check_proxy() {
	local name=$1
	shift
	"$WSCTL" check --color never --report "$OUT/check-$name.json" \
		--backends "${BACKENDS:-spawn:127.0.0.1:$B1,127.0.0.1:$B2}" "$@" \
		"ws://127.0.0.1:$LISTEN/" >"$OUT/check-$name.table" 2>&1
	RC=$?
	FAILED=$(failed_checks "$OUT/check-$name.json")
}

# start_node NAME SCRIPT ARGS...: start a node server that prints
# "listening on PORT" first; sets PORT
start_node() {
	local name=$1 i
	shift
	: >"$OUT/$name.log"
	spawn "$name" node "$@"
	for ((i = 0; i < 200; i++)); do
		PORT=$(awk '/^listening on/ {print $3; exit}' "$OUT/$name.log")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "$name did not start: $(cat "$OUT/$name.log")" >&2
	return 1
}

_cleanup() {
	local p
	for p in "${_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	return 0
}
trap _cleanup EXIT
