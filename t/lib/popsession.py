#!/usr/bin/env python3
"""Runs a POP3 transcript through a server started as a subprocess.

    popsession.py [--bylines] CMD ARG... < transcript > replies

The transcript is the client's side, line ends as they are to be sent. It
is sent after the greeting has arrived, so "@APOP:SECRET@" in it can be
replaced by the APOP digest of the greeting's timestamp and SECRET (RFC
1939 7). "@CRAM:USER:SECRET@" becomes the base64 CRAM-MD5 response (RFC
2195) to the latest "+ " challenge: the line waits for that challenge.
Whole, the transcript is written at once (a pipelining client); with
--bylines, one line at a time with a pause, as a person types. Every byte
the server writes goes to stdout, the greeting included.
"""
import base64
import hashlib
import hmac
import re
import subprocess
import sys
import threading
import time


class Output:
    """What the server wrote, collected by a thread as it arrives."""

    def __init__(self, stream):
        self.data = b""
        self.done = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,))
        self.thread.start()

    def _read(self, stream):
        for chunk in iter(lambda: stream.read1(65536), b""):
            with self.cond:
                self.data += chunk
                self.cond.notify_all()
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def challenge_after(self, start):
        """The first "+ " line after offset start (waits for it)."""
        with self.cond:
            while True:
                match = re.compile(rb"^\+ (\S*)\r?$", re.M).search(
                    self.data, start)
                if match or self.done:
                    break
                self.cond.wait()
        if not match:
            return b"", start
        return base64.b64decode(match.group(1)), match.end()


def main():
    args = sys.argv[1:]
    bylines = args[:1] == ["--bylines"]
    if bylines:
        args = args[1:]
    script = sys.stdin.buffer.read()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    greeting = proc.stdout.readline()
    match = re.search(rb"<[^<>]*>", greeting)
    stamp = match.group(0) if match else b""
    script = re.sub(rb"@APOP:([^@]*)@",
                    lambda m: hashlib.md5(stamp + m.group(1))
                    .hexdigest().encode(), script)
    output = Output(proc.stdout)
    seen = 0
    try:
        lines = script.splitlines(keepends=True)
        pending = b""
        for line in lines:
            cram = re.search(rb"@CRAM:([^:@]*):([^@]*)@", line)
            if cram:
                proc.stdin.write(pending)
                proc.stdin.flush()
                pending = b""
                challenge, seen = output.challenge_after(seen)
                digest = hmac.new(cram.group(2), challenge,
                                  hashlib.md5).hexdigest().encode()
                line = line.replace(cram.group(0), base64.b64encode(
                    cram.group(1) + b" " + digest))
            pending += line
            if bylines:
                proc.stdin.write(pending)
                proc.stdin.flush()
                pending = b""
                time.sleep(0.005)
        proc.stdin.write(pending)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the server ended the session first
    output.thread.join()
    sys.stdout.buffer.write(greeting + output.data)
    sys.exit(proc.wait())


main()
