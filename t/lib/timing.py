#!/usr/bin/env python3
"""Failed-login timing per cause, for SPEC 3 and 4's "a failure takes the
same time whatever its cause".

    timing.py pop3d|smtpd TRIES PROGRAM ARG...

Each session (the program on pipes) makes three failed logins, one per
cause, in a rotating order: an unknown user, a wrong password for alice
({PLAIN}) and for bob ({SHA512-CRYPT}). The time from sending the
credentials to reading the failure is measured; sessions run a few at a
time so the 1 s delays overlap. Prints each cause's median in ms above
the delay, then the largest difference between two medians.
"""
import base64
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

DELAY = 1.0
WORKERS = 6
CAUSES = {"unknown": ("nobody-here", "x-pw"), "plain": ("alice", "wrong-pw"),
          "hashed": ("bob", "wrong-pw")}


def readline(f):
    line = f.readline()
    if not line:
        raise SystemExit("the server closed early")
    return line


def attempt(proto, w, r, user, pw):
    """Sends one login; returns seconds to the failure reply."""
    if proto == "pop3d":
        w.write(f"USER {user}\r\n".encode())
        w.flush()
        assert readline(r).startswith(b"+OK")
        line = f"PASS {pw}\r\n".encode()
        fail = b"-ERR [AUTH]"
    else:
        cred = base64.b64encode(f"\0{user}\0{pw}".encode()).decode()
        line = f"AUTH PLAIN {cred}\r\n".encode()
        fail = b"535 "
    w.write(line)
    w.flush()
    start = time.monotonic()
    reply = readline(r)
    took = time.monotonic() - start
    assert reply.startswith(fail), reply
    return took


def session(proto, cmd, order):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    r, w = p.stdout, p.stdin
    readline(r)
    if proto == "smtpd":
        w.write(b"EHLO timing.example\r\n")
        w.flush()
        while not readline(r).startswith(b"250 "):
            pass
    out = [(cause, attempt(proto, w, r, *CAUSES[cause])) for cause in order]
    w.close()
    p.wait()
    return out


def main():
    proto, tries, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    names = list(CAUSES)
    orders = [names[i % 3:] + names[:i % 3] for i in range(tries)]
    times = {name: [] for name in names}
    with ThreadPoolExecutor(WORKERS) as pool:
        for result in pool.map(lambda o: session(proto, cmd, o), orders):
            for cause, took in result:
                times[cause].append(took)
    medians = {n: (statistics.median(t) - DELAY) * 1000
               for n, t in times.items()}
    for n in names:
        print(f"{n}: median {medians[n]:.3f} ms above {DELAY:.0f} s "
              f"over {len(times[n])} tries")
    spread = max(medians.values()) - min(medians.values())
    print(f"spread {spread:.3f}")


main()
