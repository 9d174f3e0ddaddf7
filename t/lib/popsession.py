#!/usr/bin/env python3
"""Runs a POP3 transcript through a server started as a subprocess.

    popsession.py [--bylines] CMD ARG... < transcript > replies

The transcript is the client's side, line ends as they are to be sent. It
is sent after the greeting has arrived, so "@APOP:SECRET@" in it can be
replaced by the APOP digest of the greeting's timestamp and SECRET (RFC
1939 7). Whole, it is written at once (a pipelining client); with
--bylines, one line at a time with a pause, as a person types. Every byte
the server writes goes to stdout, the greeting included.
"""
import hashlib
import re
import subprocess
import sys
import threading
import time


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

    def send():
        try:
            if bylines:
                for line in script.splitlines(keepends=True):
                    proc.stdin.write(line)
                    proc.stdin.flush()
                    time.sleep(0.005)
            else:
                proc.stdin.write(script)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the server ended the session first

    writer = threading.Thread(target=send)
    writer.start()
    out = sys.stdout.buffer
    out.write(greeting)
    for chunk in iter(lambda: proc.stdout.read1(65536), b""):
        out.write(chunk)
    writer.join()
    sys.exit(proc.wait())


main()
