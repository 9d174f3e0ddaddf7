"""Python's poplib, talking to pop3d over a socketpair instead of TCP.

PipePOP3(argv) starts the program with both ends of its stdin/stdout on
one end of a socketpair, as a superserver would with a connection; a Unix
socket counts as a local client (SPEC 2). Everything else is poplib's.
"""
import poplib
import socket
import subprocess

# Test messages have lines longer than poplib's default guard.
poplib._MAXLINE = 1 << 20


class PipePOP3(poplib.POP3):
    def __init__(self, argv, env=None):
        self._argv = argv
        self._env = env
        super().__init__("pipe")

    def _create_socket(self, timeout):
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
