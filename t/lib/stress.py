#!/usr/bin/env python3
"""Sessions that try to lose mail, each checked by invariant.py.

    stress.py concurrent [--sessions 50] [--seed S]
    stress.py kill-smtpd [--trials 200] [--seed S]
    stress.py kill-pop3d [--trials 200] [--seed S]

The environment names the system under test, as t/lib/mail.bash sets it
up: BIN (smtpd, pop3d, spooltool), SPOOL (SPOOL/mail is the spool), and
SMTPD_ARGV / POP3D_ARGV (the programs' arguments, space-separated). Prints
what it did; exits 1 with the invariant's complaints when it does not
hold.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from invariant import (Ledger, check, mbox_form, message_for,  # noqa
                       split_mbox, token_of)
from pipeclients import PipePOP3, PipeSMTP  # noqa
import poplib  # noqa
import smtplib  # noqa

PASSWORDS = {"jones": "jones-pw", "brown": "brown-pw", "alice": "alice-pw",
             "mrose": "tanstaaf"}
BIN = os.environ["BIN"]
MAIL = os.path.join(os.environ["SPOOL"], "mail")
SPOOLTOOL = os.path.join(BIN, "spooltool")
SMTPD = [os.path.join(BIN, "smtpd")] + os.environ["SMTPD_ARGV"].split()
POP3D = [os.path.join(BIN, "pop3d")] + os.environ["POP3D_ARGV"].split()


def fail_if(problems, what):
    if problems:
        print("INVARIANT BROKEN after %s:" % what)
        print("\n".join(problems[:30]))
        sys.exit(1)


def reset_spool():
    for name in os.listdir(MAIL):
        os.unlink(os.path.join(MAIL, name))


def smtp_send(ledger, token, rcpts, argv=None):
    """One message through smtplib (to smtpd, or argv); the ledger gets
    what it was told."""
    ledger.add(ev="sent", token=token, rcpts=rcpts)
    try:
        s = PipeSMTP(argv or SMTPD)
        s.sendmail("sender@client.example",
                   ["%s@test.example" % u for u in rcpts],
                   message_for(token).replace(b"\n", b"\r\n"))
        ledger.add(ev="acked", token=token)
        s.quit()
    except (smtplib.SMTPDataError, smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused):
        ledger.add(ev="refused", token=token)
    except (smtplib.SMTPServerDisconnected, OSError):
        pass


def pop_delete(ledger, rng, user, argv=None):
    """Logs in (to pop3d, or argv), learns each message's token with TOP
    n 0, marks some deleted and QUITs; returns how many it deleted (0 if
    in use)."""
    try:
        p = PipePOP3(argv or POP3D)
        p.user(user)
        p.pass_(PASSWORDS[user])
    except poplib.error_proto:
        p.drop()
        return 0
    count = p.stat()[0]
    marked = []
    for n in range(1, count + 1):
        if rng.random() < 0.4:
            head = p.top(n, 0)[1]
            token = next(h[9:].decode() for h in head
                         if h.startswith(b"Subject: "))
            p.dele(n)
            marked.append(token)
    try:
        p.quit()
        quit = "ok"
    except poplib.error_proto:
        quit = "unknown"
    ledger.add(ev="pop", user=user, dele=marked, quit=quit)
    return len(marked) if quit == "ok" else 0


def concurrent(args):
    """SMTP sessions all at once, several recipients each, while POP3
    sessions delete; every 250 must be accounted for exactly."""
    rng = random.Random(args.seed)
    ledger = Ledger()
    users = sorted(PASSWORDS)
    plans = []
    for i in range(args.sessions):
        msgs = []
        for j in range(args.messages):
            size = rng.choice([200, 3000, 20000, 70000, 150000])
            msgs.append(("c%d.%d:%d" % (i, j, size),
                         rng.sample(users, rng.randint(2, len(users)))))
        plans.append(msgs)

    def sender(msgs):
        for token, rcpts in msgs:
            smtp_send(ledger, token, rcpts)

    done = threading.Event()
    deleted = {u: 0 for u in users}

    def popper(user, seed):
        prng = random.Random(seed)
        while not done.is_set():
            deleted[user] += pop_delete(ledger, prng, user)
            time.sleep(prng.random() * 0.05)

    senders = [threading.Thread(target=sender, args=(m,)) for m in plans]
    poppers = [threading.Thread(target=popper, args=(u, rng.random()))
               for u in users for _ in range(2)]
    start = time.monotonic()
    for t in poppers + senders:
        t.start()
    for t in senders:
        t.join()
    done.set()
    for t in poppers:
        t.join()
    elapsed = time.monotonic() - start
    problems, counts = check(MAIL, ledger, SPOOLTOOL)
    fail_if(problems, "the concurrent run")
    pops = [e for e in ledger.events if e["ev"] == "pop"]
    print("%d SMTP sessions, %d messages: %d acknowledged, %d refused, "
          "%d unanswered; %d POP3 sessions deleted %d copies; %d copies "
          "left; %.1f s" % (args.sessions, counts["acked"] + counts["refused"]
                            + counts["unknown"], counts["acked"],
                            counts["refused"], counts["unknown"], len(pops),
                            sum(deleted.values()), counts["copies"], elapsed))
    if counts["acked"] != args.sessions * args.messages:
        print("a delivery was not acknowledged")
        sys.exit(1)
    if sum(deleted.values()) == 0:
        print("no POP3 session deleted anything: the test proved nothing")
        sys.exit(1)


class Killable:
    """A server on pipes, fed by a thread, its output collected."""

    def __init__(self, argv, data):
        # A SIGKILL that lands in LeakSanitizer's check at exit leaves an
        # empty report behind; leaks are what the other tests look for.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + \
            ":detect_leaks=0"
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env)
        self.out = b""
        self._feed(data)
        self._reader = threading.Thread(target=self._read)
        self._reader.start()

    def _feed(self, data):
        def write():
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass
        self._writer = threading.Thread(target=write)
        self._writer.start()

    def send(self, data):
        self._writer.join()
        self._feed(data)

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(65536)
            if not chunk:
                return
            self.out += chunk

    def lines(self):
        return self.out.split(b"\r\n")

    def kill(self):
        try:
            self.proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.finish()

    def finish(self):
        self.proc.wait()
        self._reader.join()
        self._writer.join()
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass


def smtp_session(token, rcpts):
    # CRLF line ends and dot-stuffing (the message starts with Subject:)
    data = message_for(token).replace(b"\n", b"\r\n").replace(b"\n.",
                                                              b"\n..")
    return (b"EHLO client.example\r\nMAIL FROM:<sender@client.example>\r\n"
            + b"".join(b"RCPT TO:<%s@test.example>\r\n" % u.encode()
                       for u in rcpts)
            + b"DATA\r\n" + data + b".\r\nQUIT\r\n")


def data_reply(out):
    """What the client was told about its message: acked, refused or
    None (nothing)."""
    lines = out.split(b"\r\n")
    for i, line in enumerate(lines):
        if line.startswith(b"354 "):
            after = [l for l in lines[i + 1:] if l]
            if not after:
                return None
            return "acked" if after[0].startswith(b"250 ") else "refused"
    return "refused" if b"\r\n5" in out or b"\r\n4" in out else None


def mailbox_sizes():
    return {n: os.path.getsize(os.path.join(MAIL, n))
            for n in os.listdir(MAIL) if not n.startswith(".")}


def kill_smtpd(args):
    """SIGKILL at a random moment of a large message to several mailboxes:
    while it is read, spooled, appended or fsync'ed, or after."""
    rng = random.Random(args.seed)
    users = sorted(PASSWORDS)
    big = args.max_size
    # The kill falls anywhere from the first byte to the usual time of the
    # 250: reading, spooling, appending, fsync'ing.
    runs = []
    for i in range(5):
        data = smtp_session("cal%d:%d" % (i, big), users)
        start = time.monotonic()
        k = Killable(SMTPD, data)
        while b"\r\n250 2.0.0" not in k.out and k.proc.poll() is None:
            time.sleep(0.0002)
        runs.append(time.monotonic() - start)
        k.finish()
    span = sorted(runs)[2]
    stats = {"acked": 0, "refused": 0, "unknown": 0, "rolled_back": 0,
             "kept": 0}
    ledger = None
    for trial in range(args.trials):
        if trial % args.round == 0:
            reset_spool()
            ledger = Ledger()
        token = "k%d:%d" % (trial, rng.randint(big - big // 8, big))
        rcpts = rng.sample(users, rng.randint(2, len(users)))
        ledger.add(ev="sent", token=token, rcpts=rcpts)
        sizes_before = mailbox_sizes()
        # every other kill in the last part, where the appends happen
        delay = rng.uniform(0, span) if trial % 2 else \
            rng.uniform(0.6 * span, 1.1 * span)
        data = smtp_session(token, rcpts)
        k = Killable(SMTPD, data)
        time.sleep(delay)
        k.kill()
        fate = data_reply(k.out)
        if fate:
            ledger.add(ev=fate, token=token)
        stats[fate or "unknown"] += 1
        before = mailbox_sizes()
        problems, _ = check(MAIL, ledger, SPOOLTOOL)
        fail_if(problems, "trial %d (seed %d, killed after %.1f ms)"
                % (trial, args.seed, delay * 1000))
        after = mailbox_sizes()
        stats["rolled_back"] += sum(1 for n in before
                                    if after.get(n, 0) < before[n])
        if not fate:
            stats["kept"] += sum(1 for n in after
                                 if after[n] > sizes_before.get(n, 0))
    print("%d trials (seed %d, kill within %.0f ms): %d acknowledged, "
          "%d refused, %d killed before a reply; %d half-written appends "
          "rolled back by the next reader, %d whole unacknowledged copies "
          "kept; invariant held after each"
          % (args.trials, args.seed, span * 1000, stats["acked"],
             stats["refused"], stats["unknown"], stats["rolled_back"],
             stats["kept"]))
    if stats["acked"] == 0 or stats["unknown"] == 0:
        print("the kills all came before (or all after) the reply: the "
              "test proved nothing")
        sys.exit(1)


def write_mbox(path, tokens):
    with open(path, "wb") as f:
        for token in tokens:
            f.write(mbox_form(token))
    os.chmod(path, 0o600)
    owner = os.stat(MAIL)
    os.chown(path, owner.st_uid, owner.st_gid)


def current_tokens(user):
    with open(os.path.join(MAIL, user), "rb") as f:
        return [token_of(m) for m in split_mbox(f.read())]


def kill_pop3d(args):
    """SIGKILL at a random moment after QUIT, while pop3d rewrites a large
    mailbox: old file or new, never a mix, never a loss."""
    rng = random.Random(args.seed)
    reset_spool()
    ledger = Ledger()
    tokens = ["p%d:%d" % (i, rng.randint(500, 5000))
              for i in range(args.messages)]
    write_mbox(os.path.join(MAIL, "jones"), tokens)
    for t in tokens:
        ledger.add(ev="present", token=t, user="jones")
    login = b"USER jones\r\nPASS jones-pw\r\n"

    def session(numbers):
        k = Killable(POP3D, login + b"".join(b"DELE %d\r\n" % n
                                            for n in numbers))
        want = 3 + len(numbers)
        while k.out.count(b"\r\n") < want and k.proc.poll() is None:
            time.sleep(0.0005)
        return k

    k = session([1])
    start = time.monotonic()
    k.send(b"QUIT\r\n")
    k.finish()
    # from QUIT to a little past the usual +OK: scan, rewrite, fsync,
    # rename, fsync of the directory, reply
    span = (time.monotonic() - start) * 1.3
    ledger.add(ev="pop", user="jones", dele=[tokens[0]], quit="ok")
    stats = {"ok": 0, "unknown": 0, "applied": 0}
    for trial in range(args.trials):
        order = current_tokens("jones")
        numbers = sorted(rng.sample(range(1, len(order) + 1),
                                    rng.randint(1, 5)))
        k = session(numbers)
        if not all(l.startswith(b"+OK") for l in k.lines()[:3 + len(numbers)]):
            print("trial %d: the session did not get as far as QUIT: %r"
                  % (trial, k.out[-200:]))
            sys.exit(1)
        delay = rng.uniform(0, span)
        k.send(b"QUIT\r\n")
        time.sleep(delay)
        k.kill()
        quit = "ok" if k.lines()[3 + len(numbers)].startswith(b"+OK") \
            else "unknown"
        stats[quit] += 1
        ledger.add(ev="pop", user="jones",
                   dele=[order[n - 1] for n in numbers], quit=quit)
        problems, counts = check(MAIL, ledger, SPOOLTOOL)
        fail_if(problems, "trial %d (seed %d, killed %.1f ms after QUIT)"
                % (trial, args.seed, delay * 1000))
        if quit == "unknown" and counts["copies"] < len(order):
            stats["applied"] += 1
    left = len(current_tokens("jones"))
    print("%d trials (seed %d, %d messages, kill within %.0f ms of QUIT): "
          "%d QUITs answered +OK, %d killed before the answer (%d of them "
          "after the new mailbox was in place); %d messages left; invariant "
          "held after each"
          % (args.trials, args.seed, args.messages, span * 1000, stats["ok"],
             stats["unknown"], stats["applied"], left))
    if stats["ok"] == 0 or stats["unknown"] == 0:
        print("the kills always (or never) came after the answer: the test "
              "proved nothing")
        sys.exit(1)


def main():
    sys.setswitchinterval(0.0002)  # a kill lands when it is due
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["concurrent", "kill-smtpd",
                                     "kill-pop3d"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--messages", type=int, default=0)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--round", type=int, default=5)
    ap.add_argument("--max-size", type=int, default=512 << 10)
    args = ap.parse_args()
    if args.what == "concurrent":
        args.messages = args.messages or 2
        concurrent(args)
    elif args.what == "kill-smtpd":
        kill_smtpd(args)
    else:
        args.messages = args.messages or 1000
        kill_pop3d(args)


if __name__ == "__main__":
    main()
