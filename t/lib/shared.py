#!/usr/bin/env python3
"""One spool, two hosts: the same GlusterFS volume through two mounts
(gluster.bash), our servers on both, every acknowledged message accounted
for by invariant.py.

    shared.py traffic [--deliveries 1000] [--quits 100] [--seed S]
        smtpd delivers through both mounts (4 writers, one or two
        recipients a message) while pop3d sessions on both mounts DELE
        about 40% and QUIT
    shared.py kill [--trials 60] [--seed S]
        SIGKILL smtpd or pop3d at a random moment on mount 1 while a
        delivery and a POP3 session work on mount 2; invariant after each

The environment is stress.py's (BIN, SPOOL, SMTPD_ARGV, POP3D_ARGV, whose
-s names the spool through mount 1) plus SPOOL2, the same spool through
mount 2.
"""
import argparse
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stress  # noqa
from invariant import Ledger, check  # noqa

MAIL1 = stress.MAIL
MAIL2 = os.environ["SPOOL2"]
USERS = ["alice", "brown", "jones", "mrose"]


def on(argv, mail):
    """argv with its spool (-s) moved to mail."""
    out = list(argv)
    out[out.index("-s") + 1] = mail
    return out


SMTPD = {1: on(stress.SMTPD, MAIL1), 2: on(stress.SMTPD, MAIL2)}
POP3D = {1: on(stress.POP3D, MAIL1), 2: on(stress.POP3D, MAIL2)}


def send(ledger, mount, token, rcpts):
    stress.smtp_send(ledger, token, rcpts, SMTPD[mount])


def pop(ledger, rng, mount, user):
    return stress.pop_delete(ledger, rng, user, POP3D[mount])


def traffic(args):
    rng = random.Random(args.seed)
    stress.reset_spool()
    ledger = Ledger()
    per_writer = args.deliveries // 4
    plans = [[("g%d.%d:%d" % (w, i, rng.choice([300, 2000, 9000, 70000])),
               rng.sample(USERS, rng.randint(1, 2)),
               1 + (w + i) % 2) for i in range(per_writer)]
             for w in range(4)]
    done = threading.Event()
    quits = []

    def sender(plan):
        for token, rcpts, mount in plan:
            send(ledger, mount, token, rcpts)

    def popper(mount, seed):
        prng = random.Random(seed)
        while not done.is_set() or len(quits) < args.quits:
            quits.append(pop(ledger, prng, mount, prng.choice(USERS)))
            time.sleep(prng.random() * 0.05)

    senders = [threading.Thread(target=sender, args=(p,)) for p in plans]
    poppers = [threading.Thread(target=popper, args=(m, rng.random()))
               for m in (1, 2)]
    start = time.monotonic()
    for t in poppers + senders:
        t.start()
    for t in senders:
        t.join()
    done.set()
    for t in poppers:
        t.join()
    elapsed = time.monotonic() - start
    problems, counts = check(MAIL1, ledger, stress.SPOOLTOOL)
    stress.fail_if(problems, "the two-mount run")
    acked = sum(1 for e in ledger.events if e["ev"] == "acked")
    ok_quits = [e for e in ledger.events if e["ev"] == "pop"
                and e["quit"] == "ok"]
    deleted = sum(len(e["dele"]) for e in ok_quits)
    print("two mounts: %d deliveries (%d acknowledged, %d refused, %d "
          "unanswered), %d POP3 QUITs answered +OK that deleted %d copies, "
          "%d copies left; lost 0, duplicated 0, partial 0; %.1f s"
          % (counts["acked"] + counts["refused"] + counts["unknown"], acked,
             counts["refused"], counts["unknown"], len(ok_quits), deleted,
             counts["copies"], elapsed))
    if acked < args.deliveries * 9 // 10:
        print("fewer than 90%% of the deliveries were acknowledged")
        sys.exit(1)
    if len(ok_quits) < args.quits or deleted == 0:
        print("too few QUITs took effect")
        sys.exit(1)


def kill(args):
    """A writer or a rewriter on mount 1 killed at a random moment, while
    mount 2 delivers and rewrites the same mailboxes."""
    rng = random.Random(args.seed)
    stress.reset_spool()
    ledger = Ledger()
    stats = {"smtpd": 0, "pop3d": 0, "acked": 0, "unknown": 0, "ok": 0}
    for i in range(20):
        send(ledger, 2, "seed%d:%d" % (i, rng.randint(500, 5000)), USERS[:2])
    for trial in range(args.trials):
        victim = "smtpd" if trial % 2 == 0 else "pop3d"
        stats[victim] += 1
        # mount 2 works throughout
        other_token = "o%d:%d" % (trial, rng.randint(500, 20000))
        other = threading.Thread(target=send, args=(
            ledger, 2, other_token, rng.sample(USERS[:2], 1)))
        other_pop = threading.Thread(target=pop, args=(
            ledger, random.Random(trial), 2, USERS[1]))
        if victim == "smtpd":
            token = "k%d:%d" % (trial, rng.randint(100000, 400000))
            rcpts = USERS[:2]
            ledger.add(ev="sent", token=token, rcpts=rcpts)
            k = stress.Killable(SMTPD[1], stress.smtp_session(token, rcpts))
            other.start()
            time.sleep(rng.uniform(0, 0.25))
            k.kill()
            fate = stress.data_reply(k.out)
            if fate:
                ledger.add(ev=fate, token=token)
            stats["acked" if fate == "acked" else "unknown"] += 1
            other.join()
        else:
            order = stress.current_tokens(USERS[0])
            if not order:
                continue
            numbers = sorted(rng.sample(range(1, len(order) + 1),
                                        min(len(order), rng.randint(1, 3))))
            login = b"USER %s\r\nPASS %s\r\n" % (
                USERS[0].encode(), stress.PASSWORDS[USERS[0]].encode())
            k = stress.Killable(POP3D[1], login + b"".join(
                b"DELE %d\r\n" % n for n in numbers))
            want = 3 + len(numbers)
            deadline = time.monotonic() + 10
            while k.out.count(b"\r\n") < want and k.proc.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.001)
            if not all(line.startswith(b"+OK")
                       for line in k.lines()[:want]):
                k.kill()   # in use by mount 2's session: nothing marked
                continue
            k.send(b"QUIT\r\n")
            other.start()
            other_pop.start()
            time.sleep(rng.uniform(0, 0.1))
            k.kill()
            lines = k.lines()
            quit = "ok" if len(lines) > want and \
                lines[want].startswith(b"+OK") else "unknown"
            stats["ok" if quit == "ok" else "unknown"] += 1
            ledger.add(ev="pop", user=USERS[0],
                       dele=[order[n - 1] for n in numbers], quit=quit)
            other.join()
            other_pop.join()
        problems, counts = check(MAIL1, ledger, stress.SPOOLTOOL)
        stress.fail_if(problems, "trial %d (%s killed on mount 1)"
                       % (trial, victim))
    print("%d trials: %d smtpd and %d pop3d killed on mount 1 while mount "
          "2 worked; %d messages left; invariant held after each (lost 0)"
          % (args.trials, stats["smtpd"], stats["pop3d"],
             counts["copies"]))


def main():
    sys.setswitchinterval(0.0002)
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["traffic", "kill"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--deliveries", type=int, default=1000)
    ap.add_argument("--quits", type=int, default=100)
    ap.add_argument("--trials", type=int, default=60)
    args = ap.parse_args()
    {"traffic": traffic, "kill": kill}[args.what](args)


if __name__ == "__main__":
    main()
