#!/usr/bin/env python3
"""mboxsizes.py SEED PATH: writes a deterministic, hostile mbox of a few MB
to PATH and prints the POP3 size of each message ("N SIZE" lines), worked
out here line by line from SPEC 6, independently of the C scanner.

The lines are the ones a fast scanner gets wrong: CR LF and lone CRs,
quoted and unquoted From_ lines at every depth, lines that only start
like them, empty lines, 8-bit and NUL bytes, and lines long enough to run
across the scanner's 256 KB reads, so every kind of line lands on a read
boundary and on every position inside a 16-byte block."""
import random
import re
import sys

QUOTED = re.compile(rb"^>+From ")


def line(rng):
    pick = rng.random()
    if pick < 0.50:
        n = int(rng.expovariate(1 / 40))
        return bytes(rng.choice(b"abcdefghij klmnop.,-") for _ in range(n))
    choices = [
        b"", b"\r", b"\r\r", b"x\r", b"\rx", b">", b">>", b"F", b"Fr",
        b"From", b">From ", b">>>From x", b">From", b">Fro", b"From:x",
        b"FROM x", b" From x", b".", b"..", b"\xe9t\xe9", b"nul\0byte",
        b">x\r", b"F\r", b"\r\n", b"a\rb",
    ]
    if pick < 0.99995:
        return rng.choice(choices)
    # long lines: some of them cross a 256 KB read boundary
    return b"L" * rng.randrange(1000, 300000) + rng.choice([b"", b"\r"])


def generate(seed):
    rng = random.Random(seed)
    out = []
    for i in range(rng.randrange(1500, 2500)):
        out.append(b"From sender%d@example.org Thu Jan  1 00:00:00 2026" % i)
        out.append(b"Subject: %d" % i)
        out.append(b"")
        for _ in range(rng.randrange(0, 120)):
            out.append(line(rng))
        if rng.random() < 0.9:
            out.append(b"")
    data = b"\n".join(out)
    if rng.random() < 0.5:
        data += b"\n"
    return data


def sizes(data):
    """Each message's size as RETR sends it: every content line in CR LF
    form with one '>' taken off a quoted From_ line, less the empty line
    that ends a message."""
    result = []
    size = None
    last_empty = False
    parts = data.split(b"\n")
    for k, text in enumerate(parts):
        terminated = k < len(parts) - 1
        if not terminated and text == b"":
            break
        if text.startswith(b"From "):
            if size is not None:
                result.append(size - (2 if last_empty else 0))
            size, last_empty = 0, False
            continue
        content = len(text)
        if terminated and text.endswith(b"\r"):
            content -= 1
        if QUOTED.match(text):
            content -= 1
        size += content + 2
        last_empty = terminated and content == 0
    if size is not None:
        result.append(size - (2 if last_empty else 0))
    return result


def main():
    seed, path = int(sys.argv[1]), sys.argv[2]
    data = generate(seed)
    with open(path, "wb") as f:
        f.write(data)
    for n, size in enumerate(sizes(data), 1):
        print(n, size)


if __name__ == "__main__":
    main()
