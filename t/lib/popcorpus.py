#!/usr/bin/env python3
"""The tricky-message corpus of SPEC 4, checked through poplib.

    popcorpus.py SPOOLTOOL SPOOLDIR POP3D ARG...

Each message goes into alice's mailbox through the spool writer (mboxrd)
and into brown's through Python's mailbox module (mboxo, as other
programs write). Then, for every message: LIST size == the octets RETR
sends; RETR == the original with CRLF line ends; TOP n 0 and TOP n 3 ==
the header, the empty line and that many body lines.
"""
import mailbox
import os
import subprocess
import sys

from pipeclients import PipePOP3

CORPUS = [
    b"Subject: plain\n\nHello.\n",
    b"Subject: dots\n\n.\n..\n.leading dot\n...\nend\n",
    b"Subject: from lines\n\nFrom the start\n>From once\n>>From twice\n"
    b" From not at the start\nFromage\n",
    b"Subject: no final newline\n\nlast line without LF",
    b"Subject: 8-bit\n\ncaf\xc3\xa9 \xff\xfe \x00 NUL inside\n",
    b"Subject: empty body\n\n",
    b"Subject: only headers\nX-Other: value\n",
    b"Subject: CRLF kept\r\n\r\nline with CRLF\r\nand a lone CR\r in it\n",
    b"Subject: long line\n\n" + b"x" * 100000 + b"\n",
    b"Subject: many lines\n\n" + b"".join(b"line %d\n" % i for i in range(50)),
    b"Subject: blank lines\n\n\n\n\nafter three blank lines\n\n",
]

# mboxo cannot tell ">From" in a body from a quoted "From": those bodies
# only go through mboxrd.
MBOXO_AMBIGUOUS = (b">From", b">>From")


def lines_of(msg):
    """The lines RETR sends for msg: LF or CRLF ends, last line ended."""
    if msg.endswith(b"\n"):
        msg = msg[:-1]
    return [line[:-1] if line.endswith(b"\r") else line
            for line in msg.split(b"\n")] if msg else []


def top_of(lines, n):
    if b"" in lines:
        blank = lines.index(b"")
        return lines[:blank + 1 + n]
    return lines


def check(box, msgs, label):
    count, _ = box.stat()
    assert count == len(msgs), (label, count, len(msgs))
    for i, msg in enumerate(msgs, 1):
        want = lines_of(msg)
        size = int(box.list(i).split()[2])
        _, got, octets = box.retr(i)
        assert octets == size, (label, i, octets, size)
        assert size == sum(len(line) + 2 for line in want), (label, i)
        assert got == want, (label, i, got[:5], want[:5])
        for n in (0, 3):
            _, top, _ = box.top(i, n)
            assert top == top_of(want, n), (label, i, n, top, top_of(want, n))
    print("%s: %d messages exact" % (label, len(msgs)))


def main():
    spooltool, spool, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    for msg in CORPUS:
        subprocess.run([spooltool, "deliver", spool, "s@x.example", "alice"],
                       input=msg, check=True)
    mboxo = [m for m in CORPUS
             if not any(t in m for t in MBOXO_AMBIGUOUS)]
    mb = mailbox.mbox(os.path.join(spool, "brown"))
    keys = [mb.add(mailbox.mboxMessage(msg)) for msg in mboxo]
    mb.flush()
    # what the module stored (it ends header blocks and line ends its own
    # way) is the original the server must give back
    mboxo = [mb.get_bytes(key) for key in keys]
    mb.close()
    # the servers run as the spool's owner (nobody when the tests are root)
    st = os.stat(spool)
    for name in os.listdir(spool):
        os.chown(os.path.join(spool, name), st.st_uid, st.st_gid)
        os.chmod(os.path.join(spool, name), 0o600)

    for user, msgs in (("alice", CORPUS), ("brown", mboxo)):
        box = PipePOP3(argv)
        box.user(user)
        box.pass_(user + "-pw")
        check(box, msgs, user)
        box.quit()


main()
