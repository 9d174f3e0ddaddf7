#!/usr/bin/env python3
"""Every system call of a whole session, failed in turn (strace -e inject).

    faultmatrix.py smtpd|pop3d

The environment is stress.py's (BIN, SPOOL, SMTPD_ARGV, POP3D_ARGV).

A clean run of the session under strace lists its calls. Then, for each
call in the matrix (write, pwrite64, fsync, renameat, openat, ftruncate,
flock, fcntl, linkat, unlinkat: the locks of SPEC 6 too), each fault (ENOSPC, EIO, EINTR, and SIGKILL right after the call)
and each invocation N of that call, the session runs again on a fresh
copy of the same spool with that one invocation failed, and:

  * the replies are the clean run's up to the first difference, and that
    difference is a temporary failure (smtpd 4xx, pop3d -ERR [SYS/TEMP];
    for the message itself 452 4.3.1 on ENOSPC and 451 4.3.0 on EIO),
    or the output just stops (the reply's own write failed, the process
    was killed, or the C library failed to start it);
  * EINTR on a call our code makes changes nothing at all: the replies
    and the mailboxes are the clean run's;
  * the no-lost-mail invariant holds (invariant.py), with what the client
    was told as the ledger;
  * nothing is left in the spool but mailboxes, journals and POP3 session
    files (a killed rewrite may leave its temporary file, which the next
    rewrite removes).

The spool starts with a mailbox holding two messages and an append cut
short (a journal record "begin" and half a message), so the session's
first lock rolls it back: that is where ftruncate is called.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from invariant import (Ledger, check, mbox_form, message_for,  # noqa
                       split_mbox, token_of)

BIN = os.environ["BIN"]
MAIL = os.path.join(os.environ["SPOOL"], "mail")
SPOOLTOOL = os.path.join(BIN, "spooltool")
PROGRAMS = {"smtpd": os.environ["SMTPD_ARGV"].split(),
            "pop3d": os.environ["POP3D_ARGV"].split()}
CALLS = ["write", "pwrite64", "fsync", "renameat", "openat", "ftruncate",
         "flock", "fcntl", "linkat", "unlinkat"]
FAULTS = ["ENOSPC", "EIO", "EINTR", "KILL"]
# SPEC 6: what smtpd says to a message when delivering it fails so
WANT = {"ENOSPC": b"452 4.3.1 ", "EIO": b"451 4.3.0 "}
JOURNAL_RECORD = 224      # spool/journal.c: every record this long
JOURNAL_HEAD = 48         # SPOOL_HEAD_MAX
KEPT = ["k1:900", "k2:70000"]     # whole messages already in jones's box
TORN = "torn:10000"               # the append that was cut short
NEW = "new:80000"                 # what smtpd delivers (spills to a file)


def make_fixture(where):
    """jones: two whole messages, then half of a third whose journal
    record says "begin", as a writer killed mid-append leaves it."""
    os.makedirs(where)
    owner = os.stat(MAIL)
    os.chown(where, owner.st_uid, owner.st_gid)
    box = os.path.join(where, "jones")
    whole = b"".join(mbox_form(t) for t in KEPT)
    torn = mbox_form(TORN)
    with open(box, "wb") as f:
        f.write(whole + torn[:len(torn) // 2])
    ino = os.stat(box).st_ino
    record = ("spool-journal 1 begin ino=%d before=%d after=%d head=%s"
              % (ino, len(whole), len(whole) + len(torn),
                 torn[:JOURNAL_HEAD].hex())).encode()
    record = record.ljust(JOURNAL_RECORD - 1) + b"\n"
    with open(os.path.join(where, ".jones.journal"), "wb") as f:
        f.write(record)
    for name in ("jones", ".jones.journal"):
        os.chmod(os.path.join(where, name), 0o600)
        os.chown(os.path.join(where, name), owner.st_uid, owner.st_gid)


def restore(fixture):
    """Puts the fixture back as the spool. The journal names the
    mailbox's inode, so its record is written for the new copy."""
    for name in os.listdir(MAIL):
        os.unlink(os.path.join(MAIL, name))
    for name in os.listdir(fixture):
        src, dst = os.path.join(fixture, name), os.path.join(MAIL, name)
        shutil.copy2(src, dst)
        st = os.stat(src)
        os.chown(dst, st.st_uid, st.st_gid)
    ino = os.stat(os.path.join(MAIL, "jones")).st_ino
    jpath = os.path.join(MAIL, ".jones.journal")
    with open(jpath, "rb") as f:
        text = re.sub(rb"ino=\d+", b"ino=%d" % ino, f.read(), count=1)
    with open(jpath, "wb") as f:
        f.write(text.rstrip(b"\n").rstrip(b" ").ljust(JOURNAL_RECORD - 1)
                + b"\n")


def session(prog):
    if prog == "smtpd":
        data = message_for(NEW).replace(b"\n", b"\r\n").replace(b"\n.",
                                                              b"\n..")
        return (b"EHLO client.example\r\nMAIL FROM:<s@client.example>\r\n"
                b"RCPT TO:<jones@test.example>\r\n"
                b"RCPT TO:<brown@test.example>\r\nDATA\r\n" + data +
                b".\r\nQUIT\r\n")
    return (b"USER jones\r\nPASS jones-pw\r\nSTAT\r\nDELE 1\r\nQUIT\r\n")


def ledger_for(prog, out):
    """What the client was told, as the invariant checker's ledger."""
    ledger = Ledger()
    for t in KEPT:
        ledger.add(ev="present", token=t, user="jones")
    ledger.add(ev="sent", token=TORN, rcpts=["jones"])
    lines = out.split(b"\r\n")
    if prog == "smtpd":
        ledger.add(ev="sent", token=NEW, rcpts=["jones", "brown"])
        if b"\r\n354 " in out:
            after = lines[[l[:4] for l in lines].index(b"354 ") + 1:]
            if after and after[0]:
                ledger.add(ev="acked" if after[0].startswith(b"250 ")
                           else "refused", token=NEW)
    else:
        # greeting, USER, PASS, STAT, DELE 1, QUIT: one line each. The
        # client sent DELE 1 and QUIT; what it was told decides.
        if len(lines) <= 4 or lines[4].startswith(b"+OK"):
            quit = "unknown"
            if len(lines) > 5 and lines[5].startswith(b"+OK"):
                quit = "ok"
            ledger.add(ev="pop", user="jones", dele=[KEPT[0]], quit=quit)
    return ledger


def normalise(out):
    out = re.sub(rb"id=[0-9A-F]+", b"id=ID", out)
    return re.sub(rb"<[0-9.]+@", b"<TS@", out)


def temporary(prog, line):
    if prog == "smtpd":
        return re.match(rb"4\d\d ", line) is not None
    return line.startswith(b"-ERR [SYS/TEMP]")


def trace(prog, data):
    """The matrix's calls of a clean run, in order: (name, arguments)."""
    log = os.path.join(os.environ["SPOOL"], "trace")
    subprocess.run(["strace", "-qq", "-o", log, "-e",
                    "trace=" + ",".join(CALLS),
                    os.path.join(BIN, prog)] + PROGRAMS[prog], input=data,
                   capture_output=True, check=True, env=strace_env())
    calls = []
    with open(log) as f:
        for line in f:
            m = re.match(r"(\w+)\((.*)", line)
            if m and m.group(1) in CALLS:
                calls.append((m.group(1), m.group(2)))
    return calls


def strace_env():
    env = dict(os.environ)
    # sanitizer runtimes cannot track leaks under ptrace
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


def ours(name, args):
    """Whether our code made the call, rather than ld.so or the C library
    reading its own files (locale, time zone, NSS)."""
    if name != "openat":
        return True
    return not args.startswith("AT_FDCWD") or \
        os.environ["SPOOL"] in args


def mailboxes():
    """Each mailbox's messages, by token, in order."""
    boxes = {}
    for name in ("jones", "brown"):
        path = os.path.join(MAIL, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                boxes[name] = [token_of(m) for m in split_mbox(f.read())]
    return boxes


def stray_files(fault):
    allowed = re.compile(r"^(\.?[a-z]+(\.journal|\.pop)?)$")
    left = [n for n in os.listdir(MAIL) if not allowed.match(n)]
    if fault == "KILL":
        left = [n for n in left if not n.endswith(".rewrite")]
    return left


def main():
    prog = sys.argv[1]
    argv = [os.path.join(BIN, prog)] + PROGRAMS[prog]
    fixture = os.path.join(os.environ["SPOOL"], "fixture")
    make_fixture(fixture)
    restore(fixture)
    data = session(prog)
    calls = trace(prog, data)
    restore(fixture)
    clean = subprocess.run(argv, input=data, capture_output=True).stdout
    clean_lines = normalise(clean).split(b"\r\n")
    problems, _ = check(MAIL, ledger_for(prog, clean), SPOOLTOOL)
    if problems:
        print("the clean run breaks the invariant:", problems)
        return 1
    clean_boxes = mailboxes()
    counts = {c: sum(1 for n, _ in calls if n == c) for c in CALLS}
    runs, failures, outcomes = 0, [], {}
    for name in CALLS:
        nth = [a for n, a in calls if n == name]
        for fault in FAULTS:
            for n, args in enumerate(nth, 1):
                restore(fixture)
                how = ("signal=KILL" if fault == "KILL"
                       else "error=" + fault)
                r = subprocess.run(
                    ["strace", "-qq", "-o", "/dev/null", "-e",
                     "trace=" + name, "-e",
                     "inject=%s:%s:when=%d" % (name, how, n)] + argv,
                    input=data, capture_output=True, env=strace_env())
                runs += 1
                what = "%s #%d (%s) %s" % (name, n, args[:60], fault)
                out = normalise(r.stdout)
                lines = out.split(b"\r\n")
                i = 0
                while i < len(lines) and i < len(clean_lines) and \
                        lines[i] == clean_lines[i]:
                    i += 1
                diverged = lines[i] if i < len(lines) else b""
                if fault == "EINTR" and ours(name, args):
                    same = out == normalise(clean) and \
                        mailboxes() == clean_boxes
                    if not same:
                        failures.append("%s: not the clean run: %r"
                                        % (what, diverged))
                    outcome = "as if nothing happened" if same else "?"
                elif diverged and prog == "smtpd" and fault in WANT and \
                        i < len(clean_lines) and \
                        clean_lines[i].startswith(b"250 2.0.0 OK") and \
                        not diverged.startswith(WANT[fault]):
                    failures.append("%s: replied %r to the message, want %r"
                                    % (what, diverged, WANT[fault]))
                    outcome = "?"
                elif diverged and not temporary(prog, diverged):
                    failures.append("%s: replied %r where the clean run "
                                    "said %r" % (what, diverged,
                                                 clean_lines[i]
                                                 if i < len(clean_lines)
                                                 else b""))
                    outcome = "?"
                else:
                    outcome = ("temporary failure" if diverged else
                               "same replies" if i >= len(clean_lines) - 1
                               else "replies cut short")
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if os.environ.get("VERBOSE"):
                    print(what, "->", outcome, diverged[:50])
                problems, _ = check(MAIL, ledger_for(prog, r.stdout),
                                    SPOOLTOOL)
                failures += ["%s: %s" % (what, p) for p in problems]
                failures += ["%s: left %s in the spool" % (what, f)
                             for f in stray_files(fault)]
    print("%s: %d runs (%s calls of a clean session; x %s); outcomes: %s"
          % (prog, runs, ", ".join("%s %d" % kv for kv in counts.items()),
             "/".join(FAULTS),
             ", ".join("%s %d" % kv for kv in sorted(outcomes.items()))))
    if failures:
        print("\n".join(failures[:40]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
