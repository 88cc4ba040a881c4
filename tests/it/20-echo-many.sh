# wsctl echo with many connections: started with a soft open-file limit
# of 256, it raises its own (to the hard limit, at most 65536), holds
# more WebSocket connections than it was started with descriptors for,
# spread over two backends, and each of them still echoes.
. "$(dirname "$0")/../lib.sh"

N=400
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
want=$((hard < 65536 ? hard : 65536))
if [ "$want" -le "$N" ]; then
	ok "# skip: the hard open-file limit ($hard) is too low"
	exit 0
fi

WRAP="prlimit --nofile=256:" start_echo echo-many --listen 127.0.0.1:0 \
	--listen 127.0.0.1:0 --quiet || exit 1
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$PID/limits")
expect_eq "raises its soft open-file limit" "$soft" "$want"

# N connections, alternating between the backends, all open at once; then
# a message on each, and the echoes counted
timeout 60 node -e '
const WebSocket = require("ws");
const [n, p1, p2] = process.argv.slice(1).map(Number);
const socks = [];
let opened = 0, echoed = 0, failed = 0;
function done() {
	console.log(`opened ${opened} echoed ${echoed} failed ${failed}`);
	for (const s of socks) s.terminate();
	process.exit(0);
}
for (let i = 0; i < n; i++) {
	const ws = new WebSocket(`ws://127.0.0.1:${i % 2 ? p2 : p1}/`);
	socks.push(ws);
	ws.on("error", () => { failed++; if (opened + failed === n) done(); });
	ws.on("open", () => {
		if (++opened + failed < n) return;
		for (const [k, s] of socks.entries()) s.send(`m${k}`);
	});
	ws.on("message", (d) => {
		if (d.toString() === `m${socks.indexOf(ws)}` && ++echoed === n)
			done();
	});
}
setTimeout(done, 40000);
' "$N" "${PORTS[0]}" "${PORTS[1]}" >"$OUT/many.out" 2>&1
expect_eq "holds $N connections at once, and each echoes" \
	"$(cat "$OUT/many.out")" "opened $N echoed $N failed 0"

stop "$PID"
expect_eq "and stops cleanly" "$STOPPED" 0
