#!/usr/bin/env python3
"""Mailbox limits under a race (SPEC 3: "a mailbox never grows past its
limit by our delivery, whatever runs at the same time").

    quota.py race PORT LIMIT [--clients 8] [--rounds 5] [--procmail]
                  [--seed S]

Each round, CLIENTS smtplib clients connect at once to smtpd behind a
real superserver on 127.0.0.1:PORT and send alice messages of random
sizes until the mailbox refuses them; half declare SIZE= (refused at
RCPT), half do not (refused at the end of DATA, under the locks). With
--procmail, procmail (the real one, as a foreign writer that knows
nothing of our limit) delivers to alice at the same time. After each
round: every message smtpd wrote ends within LIMIT bytes of the start of
the mailbox (without procmail: the mailbox is at most LIMIT), and pop3d
empties it for the next round. At the end invariant.py accounts for
every message: acknowledged ones present once, refused ones nowhere.

The environment is stress.py's (BIN, SPOOL, SMTPD_ARGV, POP3D_ARGV);
alice's limit is whatever smtpd was given (the users file or -q): LIMIT
is what it must be.
"""
import argparse
import os
import random
import smtplib
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop  # noqa
import stress  # noqa
from invariant import Ledger, check, message_for, split_mbox, token_of  # noqa

MAIL = stress.MAIL
ALICE = os.path.join(MAIL, "alice")


def client(port, ledger, rng, name, declare, barrier, most):
    """Sends until two refusals in a row, or most messages."""
    barrier.wait()
    refusals = 0
    for i in range(most):
        if refusals == 2:
            return
        token = "%s.%d:%d" % (name, i, rng.randint(300, 3000))
        msg = message_for(token).replace(b"\n", b"\r\n")
        ledger.add(ev="sent", token=token, rcpts=["alice"])
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=60)
            s.ehlo("client.example")
            if declare:
                s.sendmail("sender@client.example", ["alice@test.example"],
                           msg)
            else:
                # no SIZE=: only the check under the locks can refuse
                code, _ = s.mail("sender@client.example")
                assert code == 250
                code, resp = s.rcpt("alice@test.example")
                if code != 250:
                    raise smtplib.SMTPRecipientsRefused(
                        {"alice@test.example": (code, resp)})
                code, resp = s.data(msg)
                if code != 250:
                    raise smtplib.SMTPDataError(code, resp)
            ledger.add(ev="acked", token=token)
            refusals = 0
            s.quit()
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as e:
            codes = [c for c, _ in e.recipients.values()] \
                if isinstance(e, smtplib.SMTPRecipientsRefused) \
                else [e.smtp_code]
            if codes != [452]:
                raise AssertionError("%s: %r" % (token, e))
            ledger.add(ev="refused", token=token,
                       at="rcpt" if isinstance(
                           e, smtplib.SMTPRecipientsRefused) else "data")
            refusals += 1
            s.quit()


def foreign(rc, ledger, rng, name, stop):
    """procmail delivering small messages to alice until told to stop."""
    i = 0
    while not stop.is_set():
        token = "plain%s.%d:%d" % (name, i, rng.randint(200, 800))
        ledger.add(ev="sent", token=token, rcpts=["alice"])
        r = subprocess.run(interop.as_owner(
            [interop.PROCMAIL, "-f", "sender@client.example", "-m", rc]),
            input=message_for(token), capture_output=True)
        ledger.add(ev="acked" if r.returncode == 0 else "refused",
                   token=token)
        i += 1
    return i


def ends_of_ours(limit):
    """Problems: a message smtpd wrote that ends past limit."""
    data = open(ALICE, "rb").read() if os.path.exists(ALICE) else b""
    problems, at = [], 0
    for msg in split_mbox(data):
        at = data.index(msg, at) + len(msg) + 1
        token = token_of(msg)
        if token is not None and not token.startswith("plain") and \
                at > limit:
            problems.append("%s ends at byte %d, past the limit %d"
                            % (token, at, limit))
    if not any(token_of(m) and token_of(m).startswith("plain")
               for m in split_mbox(data)) and len(data) > limit:
        problems.append("alice is %d bytes, past the limit %d"
                        % (len(data), limit))
    return problems, len(data)


def empty_alice(ledger):
    p = stress.PipePOP3(stress.POP3D)
    p.user("alice")
    p.pass_(stress.PASSWORDS["alice"])
    count = p.stat()[0]
    gone = []
    for n in range(1, count + 1):
        head = p.top(n, 0)[1]
        gone.append(next(h[9:].decode() for h in head
                         if h.startswith(b"Subject: ")))
        p.dele(n)
    p.quit()
    ledger.add(ev="pop", user="alice", dele=gone, quit="ok")


def race(args):
    rng = random.Random(args.seed)
    stress.reset_spool()
    ledger = Ledger()
    rc = None
    if args.procmail:
        rc = interop.write_owned(
            os.path.join(os.environ["SPOOL"], "procmail.rc"),
            "DEFAULT=%s\nLOGFILE=%s.log\nVERBOSE=no\nLOCKSLEEP=1\n"
            % (ALICE, os.path.join(os.environ["SPOOL"], "procmail")))
    totals = {"acked": 0, "refused": 0, "at_data": 0, "foreign": 0}
    for r in range(args.rounds):
        before = len(ledger.events)
        barrier = threading.Barrier(args.clients)
        threads = [threading.Thread(
            target=client, args=(args.port, ledger,
                                 random.Random(rng.random()),
                                 "r%dc%d" % (r, c), c % 2 == 0, barrier,
                                 args.most))
            for c in range(args.clients)]
        stop = threading.Event()
        written = []
        if rc:
            threads.append(threading.Thread(
                target=lambda: written.append(foreign(
                    rc, ledger, random.Random(rng.random()), "r%d" % r,
                    stop))))
        for t in threads:
            t.start()
        for t in threads[:args.clients]:
            t.join()
        stop.set()
        for t in threads[args.clients:]:
            t.join()
        problems, size = ends_of_ours(args.limit)
        stress.fail_if(problems, "round %d" % r)
        events = ledger.events[before:]
        acked = sum(1 for e in events if e["ev"] == "acked" and
                    not e["token"].startswith("plain"))
        refused = sum(1 for e in events if e["ev"] == "refused")
        at_data = sum(1 for e in events if e.get("at") == "data")
        if acked == 0 or at_data == 0:
            print("round %d: %d acknowledged, %d refused at the end of "
                  "DATA: the limit was not raced" % (r, acked, at_data))
            sys.exit(1)
        totals["acked"] += acked
        totals["refused"] += refused
        totals["at_data"] += at_data
        totals["foreign"] += sum(written)
        print("round %d: %d acknowledged, %d refused (%d at the end of "
              "DATA), %d by procmail; alice %d bytes of %d"
              % (r, acked, refused, at_data, sum(written), size,
                 args.limit))
        empty_alice(ledger)
    problems, counts = check(MAIL, ledger, stress.SPOOLTOOL)
    stress.fail_if(problems, "the race")
    print("%d rounds of %d clients: %d acknowledged, %d refused (452; %d "
          "at the end of DATA, under the locks), %d by procmail; never "
          "past the limit; lost 0, duplicated 0"
          % (args.rounds, args.clients, totals["acked"], totals["refused"],
             totals["at_data"], totals["foreign"]))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("race")
    r.add_argument("port", type=int)
    r.add_argument("limit", type=int)
    r.add_argument("--clients", type=int, default=8)
    r.add_argument("--rounds", type=int, default=5)
    r.add_argument("--most", type=int, default=40)
    r.add_argument("--procmail", action="store_true")
    r.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    race(args)


if __name__ == "__main__":
    main()
