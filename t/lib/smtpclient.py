"""Python's smtplib, talking to smtpd over a socketpair instead of TCP.

PipeSMTP(argv) starts the program with its stdin/stdout on one end of a
socketpair, as a superserver would with a connection; a Unix socket counts
as a local client (SPEC 2). Everything else is smtplib's.
"""
import smtplib
import socket
import subprocess


class PipeSMTP(smtplib.SMTP):
    def __init__(self, argv, env=None):
        self._argv = argv
        self._env = env
        self.proc = None
        super().__init__("pipe", 25)

    def _get_socket(self, host, port, timeout):
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
