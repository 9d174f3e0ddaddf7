"""Python's poplib and smtplib, talking to our servers over a socketpair.

PipePOP3(argv) and PipeSMTP(argv) start the program with its stdin and
stdout on one end of a socketpair, as a superserver would with a
connection; a Unix socket counts as a local client (SPEC 2). Everything
else is the standard library's.
"""
import poplib
import smtplib
import socket
import subprocess

# Test messages have lines longer than poplib's default guard.
poplib._MAXLINE = 1 << 20


class _Spawned:
    """Starts argv on a socketpair; the client keeps the other end."""

    def _spawn(self):
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(self._argv, stdin=theirs,
                                     stdout=theirs, env=self._env)
        theirs.close()
        return ours

    def quit(self):
        try:
            return super().quit()
        finally:
            self.proc.wait()

    def drop(self):
        """Ends the session without QUIT, as a lost connection does."""
        self.close()
        self.proc.wait()


class PipePOP3(_Spawned, poplib.POP3):
    def __init__(self, argv, env=None):
        self._argv, self._env = argv, env
        super().__init__("pipe")

    def _create_socket(self, timeout):
        return self._spawn()


class PipeSMTP(_Spawned, smtplib.SMTP):
    def __init__(self, argv, env=None):
        self._argv, self._env = argv, env
        super().__init__("pipe", 25)

    def _get_socket(self, host, port, timeout):
        return self._spawn()
