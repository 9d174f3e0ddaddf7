#!/usr/bin/env python3
"""The invariant checker must fail where mail is lost or damaged: each
case below breaks a good spool one way and expects the complaint.
Environment as stress.py's."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from invariant import Ledger, check, mbox_form  # noqa

MAIL = os.path.join(os.environ["SPOOL"], "mail")
SPOOLTOOL = os.path.join(os.environ["BIN"], "spooltool")


def put(user, data):
    path = os.path.join(MAIL, user)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)
    owner = os.stat(MAIL)
    os.chown(path, owner.st_uid, owner.st_gid)


def base():
    ledger = Ledger()
    for t in ("a:500", "b:70000"):
        ledger.add(ev="sent", token=t, rcpts=["jones", "brown"])
        ledger.add(ev="acked", token=t)
    ledger.add(ev="sent", token="c:300", rcpts=["jones"])   # no reply
    ledger.add(ev="sent", token="d:300", rcpts=["jones"])
    ledger.add(ev="refused", token="d:300")
    return ledger


def spool(jones, brown):
    for name in os.listdir(MAIL):
        os.unlink(os.path.join(MAIL, name))
    put("jones", b"".join(mbox_form(t) for t in jones))
    put("brown", b"".join(mbox_form(t) for t in brown))


CASES = [
    # (what, jones, brown, extra ledger events, expected complaint)
    ("good", ["a:500", "b:70000"], ["a:500", "b:70000"], [], None),
    ("good, unacknowledged one present", ["a:500", "c:300", "b:70000"],
     ["a:500", "b:70000"], [], None),
    ("lost", ["a:500"], ["a:500", "b:70000"], [], "0 copies, want 1"),
    ("duplicated", ["a:500", "b:70000", "a:500"], ["a:500", "b:70000"], [],
     "2 copies, want 1"),
    ("refused but delivered", ["a:500", "b:70000", "d:300"],
     ["a:500", "b:70000"], [], "1 copies, want 0"),
    ("unacknowledged, twice", ["a:500", "c:300", "b:70000", "c:300"],
     ["a:500", "b:70000"], [], "2 copies, want 0-1"),
    ("in a mailbox it was not sent to", ["a:500", "b:70000"],
     ["a:500", "b:70000", "c:300"], [], "never sent there"),
    ("never sent", ["a:500", "b:70000", "x:300"], ["a:500", "b:70000"], [],
     "never sent there"),
    ("deleted after +OK but still there", ["a:500", "b:70000"],
     ["a:500", "b:70000"],
     [dict(ev="pop", user="jones", dele=["a:500"], quit="ok")],
     "1 copies, want 0"),
    ("deleted after +OK", ["b:70000"], ["a:500", "b:70000"],
     [dict(ev="pop", user="jones", dele=["a:500"], quit="ok")], None),
    ("QUIT unanswered, applied whole", ["b:70000"], ["a:500", "b:70000"],
     [dict(ev="pop", user="jones", dele=["a:500"], quit="unknown")], None),
    ("QUIT unanswered, half applied", ["a:500", "b:70000"], ["b:70000"],
     [dict(ev="pop", user="brown", dele=["a:500", "b:70000"],
           quit="unknown")], "0 copies, want 1"),
]


def main():
    failed = 0
    for what, jones, brown, extra, want in CASES:
        spool(jones, brown)
        ledger = base()
        for e in extra:
            ledger.add(**e)
        problems, _ = check(MAIL, ledger, SPOOLTOOL)
        got = "; ".join(problems)
        ok = (not problems) if want is None else (want in got)
        print("%-40s %s  %s" % (what, "ok" if ok else "WRONG", got[:90]))
        failed += not ok
    # damaged files: cut in the middle, and a message cut then followed
    for what, mangle, want in [
            ("cut at the end", lambda d: d[:-3000], "not an mbox"),
            ("cut in the middle", lambda d: d[:700] + d[-600:],
             "not a whole test message"),
            ("a line changed", lambda d: d.replace(b"two dots", b"two dits",
                                                   1),
             "not a whole test message")]:
        spool(["a:500", "b:70000"], ["a:500", "b:70000"])
        path = os.path.join(MAIL, "jones")
        with open(path, "rb") as f:
            data = f.read()
        put("jones", mangle(data))
        problems, _ = check(MAIL, base(), SPOOLTOOL)
        got = "; ".join(problems)
        ok = want in got
        print("%-40s %s  %s" % (what, "ok" if ok else "WRONG", got[:90]))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
