"""pty_term.py - a terminal for the tests: what a program writes to a pty,
read as it comes, and ok/not ok lines about it.

    term = Term(fd)
    term.wait_for(b"> ")      # True once the bytes came after the last match
    term.check("name", cond)  # prints "ok tty: name" or "not ok tty: name: ..."
"""
import os
import select
import time


class Term:
    def __init__(self, fd):
        self.fd = fd
        self.out = b""
        self.mark = 0   # where the last match ended

    def wait_for(self, pat, secs=5):
        """Read until pat shows up after the last match, or secs pass."""
        end = time.time() + secs
        while True:
            at = self.out.find(pat, self.mark)
            if at >= 0:
                self.mark = at + len(pat)
                return True
            left = end - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.fd], [], [], min(left, 0.1))
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            self.out += data

    def check(self, name, cond):
        print(("ok " if cond else "not ok ") + "tty: " + name +
              ("" if cond else ": terminal showed %r" % self.out[-300:]))
