#!/usr/bin/env python3
"""Our servers beside the other mail programs of a box, each the real
program from Debian, on one spool; every acknowledged message accounted
for by invariant.py.

    interop.py exim [--seed S]       Exim (default appendfile locking:
                                     dotlock + fcntl) and smtpd deliver
                                     while pop3d DELEs and QUITs, on a
                                     3,000-message mailbox
    interop.py pymailbox [--seed S]  Python's mailbox.mbox lock()s,
                                     removes and flush()es (a rewrite
                                     renamed into place) while smtpd
                                     delivers
    interop.py procmail [--seed S]   procmail and smtpd deliver while
                                     pop3d DELEs and QUITs

The environment is stress.py's (BIN, SPOOL, SMTPD_ARGV, POP3D_ARGV). The
other programs run as the spool's owner, with configuration files under
SPOOL, never the system's. Messages that other programs deliver carry
"plain" tokens: their bodies hold no From_ lines, which Exim and procmail
quote the mboxo way.
"""
import argparse
import grp
import mailbox
import os
import pwd
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from invariant import Ledger, check, mbox_form, message_for  # noqa
from pipeclients import PipeSMTP  # noqa
import stress  # noqa
import smtplib  # noqa

MAIL = stress.MAIL
SPOOLTOOL = stress.SPOOLTOOL
EXIM = "/usr/sbin/exim4"
PROCMAIL = "/usr/bin/procmail"
# the system's Python: the spool's owner may not reach the one running us
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable


def owner():
    st = os.stat(MAIL)
    return pwd.getpwuid(st.st_uid).pw_name, st.st_uid, st.st_gid


def as_owner(argv):
    """argv run as the spool's owner (as an MTA delivering for it)."""
    name, uid, _ = owner()
    if os.geteuid() == 0 and uid != 0:
        return ["runuser", "-u", name, "--"] + argv
    return argv


def write_owned(path, text):
    _, uid, gid = owner()
    with open(path, "w") as f:
        f.write(text)
    if os.geteuid() == 0:
        os.chown(path, uid, gid)
    return path


def big_mailbox(ledger, user, count, rng):
    """A large mailbox (about 8 KB a message) the rewrite takes a while
    to copy: a wide window for a writer that ignores our locks."""
    tokens = ["old%d:%d" % (i, rng.randint(6000, 10000))
              for i in range(count)]
    stress.write_mbox(os.path.join(MAIL, user), tokens)
    for t in tokens:
        ledger.add(ev="present", token=t, user=user)


def exim_config(folder, rest):
    """Writes SPOOL/folder/exim.conf: a private Exim's spool, logs and
    users under SPOOL/folder, running as the spool's owner (an untrusted
    -C config drops root), then rest; returns its path."""
    base = os.path.join(os.environ["SPOOL"], folder)
    name, uid, _ = owner()
    gid = pwd.getpwuid(uid).pw_gid
    for d in ("", "spool", "log"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
        if os.geteuid() == 0:
            os.chown(os.path.join(base, d), uid, gid)
    group = grp.getgrgid(gid).gr_name
    return write_owned(os.path.join(base, "exim.conf"), """\
primary_hostname = exim.example
spool_directory = %(base)s/spool
log_file_path = %(base)s/log/%%slog
exim_user = %(name)s
exim_group = %(group)s
never_users =
keep_environment =
message_size_limit = 0
""" % {"base": base, "name": name, "group": group} + rest)


def exim_setup(extra=""):
    """A private Exim: spool, logs and configuration under SPOOL; it runs
    as the spool's owner (an untrusted -C config drops root), and its
    appendfile transport keeps Exim's default locking: a lock file
    USER.lock and an fcntl lock, no flock (extra adds transport
    options)."""
    return exim_config("exim", """\
qualify_domain = test.example
domainlist local_domains = test.example
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept domains = +local_domains
  deny message = relay not permitted

begin routers
localuser:
  driver = accept
  domains = +local_domains
  local_parts = jones : brown : alice : mrose
  transport = local_mbox

begin transports
local_mbox:
  driver = appendfile
  file = %(mail)s/$local_part_data
  mode = 0600
  return_path_add
%(extra)s
begin retry
*  *  F,1h,1m
""" % {"mail": MAIL, "extra": extra})


def exim_client_setup(port):
    """A private Exim that sends all mail by SMTP to 127.0.0.1:port with
    its smtp transport at its defaults (it uses CHUNKING, BDAT, whenever
    the server offers it). Runs as the spool's owner, like exim_setup."""
    return exim_config("exim-client", """\
begin routers
to_smtpd:
  driver = manualroute
  route_list = * 127.0.0.1
  self = send
  transport = to_smtpd

begin transports
to_smtpd:
  driver = smtp
  port = %d
  allow_localhost

begin retry
*  *  F,1h,1m
""" % port)


def exim_send(conf, ledger, token, rcpts):
    # Exim's 250 means queued; -odi delivers before the next command, and
    # whatever was deferred is flushed with -qff at the end.
    stress.smtp_send(ledger, token, rcpts,
                     as_owner(quiet([EXIM, "-C", conf, "-bs", "-odi"], conf)))


def quiet(argv, conf):
    """argv with its stderr (Exim's notes about -C) in a file beside
    conf: stderr would go to the test's output."""
    return ["sh", "-c", 'exec "$0" "$@" 2>>"%s.stderr"' % conf] + argv


def exim_flush(conf):
    subprocess.run(as_owner(quiet([EXIM, "-C", conf, "-qff"], conf)),
                   check=True)
    left = subprocess.run(as_owner([EXIM, "-C", conf, "-bpc"]),
                          capture_output=True, text=True).stdout.strip()
    return int(left or 0)


def procmail_setup():
    base = os.path.join(os.environ["SPOOL"], "procmail")
    os.makedirs(base, exist_ok=True)
    # No recipes: every message goes to DEFAULT, which procmail locks with
    # DEFAULT.lock and a kernel lock of its own.
    return write_owned(os.path.join(base, "rc"),
                       "DEFAULT=%s/jones\nLOGFILE=%s/log\nVERBOSE=no\nLOCKSLEEP=1\n"
                       % (MAIL, base))


def procmail_send(rc, ledger, token):
    ledger.add(ev="sent", token=token, rcpts=["jones"])
    r = subprocess.run(as_owner([PROCMAIL, "-f", "sender@client.example",
                                 "-m", rc]),
                       input=message_for(token), capture_output=True)
    ledger.add(ev="acked" if r.returncode == 0 else "refused", token=token)


def pop_old_and_new(ledger, rng, user):
    """One POP3 session as a mail reader leaving mail on the server makes
    it: DELE the oldest message and about 40% of those delivered during
    the run (found from the end with TOP n 0), then QUIT. Every QUIT
    rewrites the large mailbox while the writers go on."""
    try:
        p = stress.PipePOP3(stress.POP3D)
        p.user(user)
        p.pass_(stress.PASSWORDS[user])
    except stress.poplib.error_proto:
        p.drop()
        return 0
    count = p.stat()[0]
    marked = []

    def token(n):
        head = p.top(n, 0)[1]
        return next(h[9:].decode() for h in head
                    if h.startswith(b"Subject: "))
    for n in range(count, 0, -1):
        t = token(n)
        if t.startswith("old"):
            break
        if rng.random() < 0.4:
            p.dele(n)
            marked.append(t)
    first = token(1) if count > 0 else ""
    if first.startswith("old"):
        p.dele(1)
        marked.append(first)
    try:
        p.quit()
        quit = "ok"
    except stress.poplib.error_proto:
        quit = "unknown"
    ledger.add(ev="pop", user=user, dele=marked, quit=quit)
    return len(marked) if quit == "ok" else 0


def run_all(writers, poppers):
    """Starts every thread; the poppers run until the writers are done."""
    done = threading.Event()
    counts = []

    def popper(user, seed):
        prng = random.Random(seed)
        n = 0
        while not done.is_set():
            n += pop_old_and_new(ledger_of_run, prng, user)
            counts.append(1)
            time.sleep(0.1 + prng.random() * 0.2)

    threads = [threading.Thread(target=w) for w in writers]
    pops = [threading.Thread(target=popper, args=p) for p in poppers]
    start = time.monotonic()
    for t in pops + threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in pops:
        t.join()
    return time.monotonic() - start


ledger_of_run = None


def smtpd_writer(ledger, rng, w, count, rcpts=lambda i: ["jones"],
                 pause=0):
    """Writer w: count messages through smtpd, pause seconds apart."""
    for i in range(count):
        stress.smtp_send(ledger, "s%d.%d:%d" % (w, i, rng.randint(300, 3000)),
                         rcpts(i))
        time.sleep(pause)


def acked(ledger):
    return sum(1 for e in ledger.events if e["ev"] == "acked")


def report(ledger, what, elapsed, extra=""):
    problems, counts = check(MAIL, ledger, SPOOLTOOL)
    stress.fail_if(problems, what)
    quits = [e for e in ledger.events if e["ev"] == "pop"
             and e["quit"] == "ok"]
    deleted = sum(len(e["dele"]) for e in quits)
    present = sum(1 for e in ledger.events if e["ev"] == "present")
    print("%s: %d messages in the mailbox at the start, %d delivered: %d "
          "acknowledged, %d refused, %d unanswered; %d rewrites deleted %d; "
          "%d copies left; lost 0, duplicated 0, partial 0; %.1f s%s"
          % (what, present, counts["acked"] + counts["refused"] +
             counts["unknown"] - present, acked(ledger), counts["refused"],
             counts["unknown"], len(quits), deleted, counts["copies"],
             elapsed, extra))
    return counts, deleted


def exim(args):
    global ledger_of_run
    rng = random.Random(args.seed)
    stress.reset_spool()
    ledger_of_run = ledger = Ledger()
    big_mailbox(ledger, "jones", args.big, rng)
    conf = exim_setup()

    def exim_writer(w):
        for i in range(args.messages):
            exim_send(conf, ledger, "plainx%d.%d:%d" % (w, i,
                                                        rng.randint(300,
                                                                    3000)),
                      ["jones"] if i % 3 else ["jones", "brown"])

    writers = [lambda w=w: exim_writer(w) for w in range(3)] + \
        [lambda w=w: smtpd_writer(
            ledger, rng, w, args.messages,
            lambda i: ["jones"] if i % 3 else ["jones", "alice"])
         for w in range(2)]
    elapsed = run_all(writers, [("jones", rng.random())])
    left = exim_flush(conf)
    if left:
        print("exim still holds %d messages after -qff" % left)
        sys.exit(1)
    counts, deleted = report(ledger, "exim + smtpd + pop3d", elapsed)
    want = 5 * args.messages
    if acked(ledger) < want:
        print("only %d of %d deliveries acknowledged" % (acked(ledger),
                                                          want))
        sys.exit(1)
    if deleted == 0:
        print("no QUIT deleted anything: the test proved nothing")
        sys.exit(1)


def pymailbox(args):
    """Python's mailbox rewrites the whole file (a new file renamed over
    the old) under its dotlock and lockf while smtpd delivers."""
    global ledger_of_run
    rng = random.Random(args.seed)
    stress.reset_spool()
    ledger_of_run = ledger = Ledger()
    big_mailbox(ledger, "jones", args.big, rng)
    done = threading.Event()
    rewrites, failures = [], []
    code = r"""
import mailbox, random, sys, time
rng = random.Random(int(sys.argv[2]))
box = mailbox.mbox(sys.argv[1], create=False)
# lock() does not wait: a program using it tries again
while True:
    try:
        box.lock()
        break
    except mailbox.ExternalClashError:
        time.sleep(0.005)
try:
    keys = box.keys()
    gone = [box.get_message(k)["Subject"] for k in rng.sample(keys, 2)] \
        if len(keys) > 2 else []
    for k in keys:
        if box.get_message(k)["Subject"] in gone:
            box.discard(k)
    box.flush()
finally:
    box.unlock()
print("\n".join(gone))
"""

    def rewriter():
        n = 0
        while not done.is_set():
            n += 1
            r = subprocess.run(as_owner([PYTHON, "-c", code,
                                         os.path.join(MAIL, "jones"),
                                         str(rng.randint(0, 1 << 30))]),
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(r.stderr)
                return
            gone = r.stdout.split()
            ledger.add(ev="pop", user="jones", dele=gone, quit="ok")
            rewrites.append(len(gone))

    t = threading.Thread(target=rewriter)
    start = time.monotonic()
    t.start()
    # spread over many rewrites, which take longer than a delivery
    writers = [threading.Thread(target=smtpd_writer,
                                args=(ledger, rng, w, args.messages),
                                kwargs={"pause": 0.1})
               for w in range(3)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    t.join()
    if failures:
        print("mailbox.mbox failed:", failures[0])
        sys.exit(1)
    counts, deleted = report(ledger, "mailbox.mbox + smtpd",
                             time.monotonic() - start,
                             "; %d rewrites by mailbox.mbox" % len(rewrites))
    if len(rewrites) < 5:
        print("too few rewrites overlapped the deliveries")
        sys.exit(1)


def procmail(args):
    global ledger_of_run
    rng = random.Random(args.seed)
    stress.reset_spool()
    ledger_of_run = ledger = Ledger()
    big_mailbox(ledger, "jones", args.big, rng)
    rc = procmail_setup()

    def procmail_writer(w):
        for i in range(args.messages):
            procmail_send(rc, ledger, "plainp%d.%d:%d"
                          % (w, i, rng.randint(300, 3000)))

    writers = [lambda w=w: procmail_writer(w) for w in range(2)] + \
        [lambda w=w: smtpd_writer(ledger, rng, w, args.messages)
         for w in range(2)]
    elapsed = run_all(writers, [("jones", rng.random())])
    counts, deleted = report(ledger, "procmail + smtpd + pop3d", elapsed)
    if acked(ledger) < 4 * args.messages:
        print("only %d of %d deliveries acknowledged" % (acked(ledger),
                                                          4 * args.messages))
        sys.exit(1)
    if deleted == 0:
        print("no QUIT deleted anything: the test proved nothing")
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["exim", "pymailbox", "procmail"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messages", type=int, default=30)
    ap.add_argument("--big", type=int, default=3000)
    args = ap.parse_args()
    {"exim": exim, "pymailbox": pymailbox, "procmail": procmail}[
        args.what](args)


if __name__ == "__main__":
    main()
