#!/usr/bin/env python3
"""Copies stdin to stdout one line at a time, pausing between lines, so a
server sees a transcript as an interactive client would send it."""
import sys
import time

data = sys.stdin.buffer.read()
out = sys.stdout.buffer
for line in data.splitlines(keepends=True):
    out.write(line)
    out.flush()
    time.sleep(0.005)
