# wsctl connect on a terminal, like the article's wscat session: the
# prompt, a typed line answered, a reply drawn above a half-typed line,
# /ping, and CTRL+C closing cleanly.  The terminal is a pty (python3).
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

: >"$OUT/connect-tty-server.log"
spawn connect-tty-server node "$JS/connect_echo_server.js"
for ((i = 0; i < 200; i++)); do
	PORT=$(awk '/^listening on/ {print $3; exit}' "$OUT/connect-tty-server.log")
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { notok "tty: server started"; exit 1; }

timeout 60 python3 - "$WSCTL" "ws://127.0.0.1:$PORT/" "$OUT/connect-tty.raw" <<'EOF'
import os, pty, select, signal, sys, time

wsctl, url, raw = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(wsctl, [wsctl, "connect", url])

out = b""

def wait_for(pat, secs=5):
    """Read the terminal until pat shows up after what was seen so far."""
    global out
    start = len(out)
    end = time.time() + secs
    while time.time() < end:
        if pat in out[start:]:
            return True
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
    return pat in out[start:]

def check(name, cond):
    print(("ok " if cond else "not ok ") + "tty: " + name +
          ("" if cond else ": terminal showed %r" % out[-300:]))

check("banner and prompt", wait_for(b"connected (press CTRL+C to quit)\r\n") and
      (b"> " in out or wait_for(b"> ")))
os.write(fd, b"Hello\r")
check("typed line answered", wait_for(b"< Hello\r\n"))
# a reply that lands while a line is half typed: the line is drawn again
os.write(fd, b"one\rhalf")
check("reply above the line being typed", wait_for(b"< one\r\n\r\x1b[K> half"))
os.write(fd, b"-typed\x7f\x7f\x7f\x7f\x7f\x7fway\r")
check("editing: backspace", wait_for(b"< halfway\r\n"))
os.write(fd, b"/ping yo\r")
check("/ping shows the pong", wait_for(b"< pong: yo"))
os.kill(pid, signal.SIGINT)
wait_for(b"no such thing", 1)
_, st = os.waitpid(pid, 0)
check("CTRL+C exits 0", os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0)
open(raw, "wb").write(out)
EOF
rc=$?
[ $rc -eq 0 ] || notok "tty: the pty script ran" "exit $rc"

grep -qxF "text Hello" "$OUT/connect-tty-server.log" && ok "tty: server got the typed line" ||
	notok "tty: server got the typed line"
grep -qxF "text halfway" "$OUT/connect-tty-server.log" && ok "tty: edited line sent as shown" ||
	notok "tty: edited line sent as shown"
for ((i = 0; i < 40; i++)); do
	grep -q '^close 1000 ' "$OUT/connect-tty-server.log" && break
	sleep 0.05
done
grep -q '^close 1000 ' "$OUT/connect-tty-server.log" && ok "tty: CTRL+C closed with 1000" ||
	notok "tty: CTRL+C closed with 1000" "$(grep '^close' "$OUT/connect-tty-server.log")"
