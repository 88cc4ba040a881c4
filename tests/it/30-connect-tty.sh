# wsctl connect on a terminal, like the article's wscat session: the
# prompt, a typed line answered, a reply drawn above a half-typed line,
# /ping, CTRL+C closing cleanly, and CTRL+Z giving the terminal back to
# the shell and taking it again on fg.  The terminal is a pty (python3).
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js
# the patterns below are without colour; the colours are tested at the end
export NO_COLOR=1

start_node connect-tty-server "$JS/connect_echo_server.js" ||
	{ notok "tty: server started"; exit 1; }

TESTS=$TESTS timeout 60 python3 - "$WSCTL" "ws://127.0.0.1:$PORT/" "$OUT/connect-tty.raw" <<'EOF'
import os, pty, signal, sys
sys.path.insert(0, os.environ["TESTS"])
from pty_term import Term

wsctl, url, raw = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(wsctl, [wsctl, "connect", url])
term = Term(fd)
wait_for, check = term.wait_for, term.check

check("banner and prompt", wait_for(b"connected (press CTRL+C to quit)\r\n") and
      wait_for(b"> "))
os.write(fd, b"Hello\r")
check("typed line answered", wait_for(b"< Hello\r\n"))
# a reply that lands while a line is half typed: the line is drawn again
os.write(fd, b"one\rhalf")
check("reply above the line being typed", wait_for(b"< one\r\n\r\x1b[K> half"))
os.write(fd, b"-typed\x7f\x7f\x7f\x7f\x7f\x7fway\r")
check("editing: backspace", wait_for(b"< halfway\r\n"))
os.write(fd, b"/ping yo\r")
check("/ping shows the pong", wait_for(b"< pong: yo"))
# history: Up three times, Down once, is the third line from the end
os.write(fd, b"\x1b[A\x1b[A\x1b[A\x1b[B\r")
check("history: Up and Down recall a line sent before",
      wait_for(b"< halfway\r\n"))
# what was being typed waits at the end of the history
os.write(fd, b"dra\x1b[A\x1b[Bft\r")
check("history: Down past the last line gives back the draft",
      wait_for(b"< draft\r\n"))
os.kill(pid, signal.SIGINT)
wait_for(b"no such thing", 1)
_, st = os.waitpid(pid, 0)
check("CTRL+C exits 0", os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0)
open(raw, "wb").write(term.out)
EOF
rc=$?
[ $rc -eq 0 ] || notok "tty: the pty script ran" "exit $rc"

grep -qxF "text Hello" "$OUT/connect-tty-server.log" && ok "tty: server got the typed line" ||
	notok "tty: server got the typed line"
grep -qxF "text halfway" "$OUT/connect-tty-server.log" && ok "tty: edited line sent as shown" ||
	notok "tty: edited line sent as shown"
expect_eq "tty: a recalled line is sent again, as it was" \
	"$(grep -cxF "text halfway" "$OUT/connect-tty-server.log")" 2
for ((i = 0; i < 40; i++)); do
	grep -q '^close 1000 ' "$OUT/connect-tty-server.log" && break
	sleep 0.05
done
grep -q '^close 1000 ' "$OUT/connect-tty-server.log" && ok "tty: CTRL+C closed with 1000" ||
	notok "tty: CTRL+C closed with 1000" "$(grep '^close' "$OUT/connect-tty-server.log")"

# CTRL+Z under a job-control shell: a small one in python, which runs the
# client as the foreground job, reports the terminal's mode when the job
# stops, and continues it (fg)
TESTS=$TESTS timeout 60 python3 - "$WSCTL" "ws://127.0.0.1:$PORT/" <<'EOF'
import os, pty, signal, sys, termios
sys.path.insert(0, os.environ["TESTS"])
from pty_term import Term

wsctl, url = sys.argv[1:3]
pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        os.tcsetpgrp(0, os.getpgrp())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.execv(wsctl, [wsctl, "connect", url])
    try:
        os.setpgid(job, job)
    except OSError:
        pass
    os.tcsetpgrp(0, job)
    _, st = os.waitpid(job, os.WUNTRACED)
    if os.WIFSTOPPED(st):
        os.tcsetpgrp(0, os.getpgrp())
        lflag = termios.tcgetattr(0)[3]
        os.write(1, b"[stopped: icanon %d echo %d]\r\n" %
                 (bool(lflag & termios.ICANON), bool(lflag & termios.ECHO)))
        os.tcsetpgrp(0, job)
        os.kill(-job, signal.SIGCONT)
        _, st = os.waitpid(job, 0)
    os._exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 99)

term = Term(fd)
wait_for, check = term.wait_for, term.check

wait_for(b"connected (press CTRL+C to quit)\r\n")
wait_for(b"> ")
os.write(fd, b"half")
wait_for(b"half")
os.write(fd, b"\x1a")
check("CTRL+Z: the shell gets its terminal back, canonical and echoing",
      wait_for(b"[stopped: icanon 1 echo 1]"))
check("fg: the prompt and the half-typed line are drawn again",
      wait_for(b"> half"))
check("fg: the terminal is the prompt's again (no echo, no line mode)",
      not (termios.tcgetattr(fd)[3] & (termios.ICANON | termios.ECHO)))
os.write(fd, b"way\r")
check("fg: the line is finished and answered", wait_for(b"< halfway\r\n"))
os.write(fd, b"\x03")
wait_for(b"no such thing", 1)
_, st = os.waitpid(pid, 0)
check("then CTRL+C exits 0", os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0)
EOF
[ $? -eq 0 ] || notok "tty: the job-control script ran"

# wscat's colours on a terminal: what arrives in blue, the connection's
# news in green; none with --no-color
for flag in "" --no-color; do
	env -u NO_COLOR TERM=xterm TESTS=$TESTS timeout 30 python3 - "$WSCTL" \
		"ws://127.0.0.1:$PORT/" "$flag" <<'EOF'
import os, pty, sys
sys.path.insert(0, os.environ["TESTS"])
from pty_term import Term

wsctl, url, flag = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(wsctl, [wsctl, "connect"] + ([flag] if flag else []) + [url])
term = Term(fd)
if flag:
    term.wait_for(b"connected (press CTRL+C to quit)\r\n")
    os.write(fd, b"plain\r")
    term.check("--no-color: the reply, with no colour anywhere",
               term.wait_for(b"\r\x1b[K< plain\r\n") and b"\x1b[3" not in term.out)
else:
    term.check("colour: the banner green",
               term.wait_for(b"\x1b[32mconnected (press CTRL+C to quit)\x1b[0m\r\n"))
    os.write(fd, b"blue\r")
    term.check("colour: a reply blue", term.wait_for(b"\x1b[34m< blue\x1b[0m\r\n"))
os.write(fd, b"\x03")
os.waitpid(pid, 0)
EOF
	[ $? -eq 0 ] || notok "tty: the colour script ran ($flag)"
done
