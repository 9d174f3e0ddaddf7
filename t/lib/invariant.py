"""The no-lost-mail invariant (SPEC 6), checked against what clients saw.

A test keeps a Ledger of what each client sent and was told; check()
then reads the final spool and proves:

  * every mailbox is an mbox (From_ line first, an empty line last, every
    From_ line after an empty line) and our scanner agrees on the count;
  * every message in it is a whole test message: its Subject names a
    token, and its body is exactly the body that token stands for, so a
    half-written or mixed message cannot pass;
  * a message acknowledged with 250 is in each of its recipients'
    mailboxes exactly once, unless a POP3 session that marked it deleted
    was told +OK to QUIT (then it is in none);
  * a message refused with 4xx/5xx is in no mailbox;
  * a message whose client was told nothing (the server was killed or the
    reply lost) is in each recipient's mailbox at most once: RFC 5321 6.1
    allows a duplicate on retry, never a loss;
  * a POP3 session with no answer to QUIT, or -ERR, deleted all it
    marked or none (-ERR [SYS/TEMP] after the new mailbox was renamed into
    place, when the directory's fsync fails, cannot be undone: the server
    says it cannot promise the deletion, not that the old file is back);
  * nothing else is present: no message that was never sent, none in a
    mailbox that was not its recipient.

Before reading a mailbox, check() has spooltool scan it as its owner: that
takes the lock like any later reader, which rolls back a half-written
append (SPEC 6), so what is checked is what a reader would see.

Ledger events, one JSON object a line:
  {"ev": "sent", "token": T, "rcpts": [user, ...]}
  {"ev": "acked", "token": T}        250 to the message
  {"ev": "refused", "token": T}      4xx/5xx to the message
  {"ev": "present", "token": T, "user": U}   put there by the test
  {"ev": "pop", "user": U, "dele": [T, ...], "quit": "ok"|"unknown"}
"""
import functools
import json
import os
import re
import subprocess
import threading



def _unit(token):
    if token.startswith("plain"):
        # for writers that quote mboxo-style (Exim, procmail): no From_
        # lines, whose quoting would differ from ours
        return ("%s\nplain line\n.leading dot\n..two dots\n"
                "caf\u00e9 \u00ff\n" % token).encode()
    return ("%s\nFrom the start\n.leading dot\n>From quoted once\n"
            "..two dots\ncaf\u00e9 \u00ff\n" % token).encode()


def body_for(token):
    """The body a token stands for: lines an mbox and SMTP must carry
    intact (From_ lines, dots, >From, 8-bit), to the size the token ends
    with ("name:size")."""
    size = int(token.rsplit(":", 1)[1])
    unit = _unit(token)
    body = (unit * (size // len(unit) + 1))[:size]
    return body.rstrip(b"\n") + b"\n"


def mboxrd_quote(text):
    return _QUOTE.sub(rb">\1", text)


@functools.lru_cache(maxsize=256)
def stored_body(token):
    """body_for(token) as the mbox holds it (mboxrd-quoted). Quoting is
    line by line and the unit ends with a newline, so the repeated part
    is quoted once."""
    body, unit = body_for(token), _unit(token)
    whole = len(body) // len(unit)
    return mboxrd_quote(unit) * whole + mboxrd_quote(body[whole * len(unit):])


def message_for(token):
    """The message as a client sends it, LF line ends."""
    return b"Subject: " + token.encode() + b"\n\n" + body_for(token)


def mbox_form(token):
    """The message as our spool stores it: From_ line, mboxrd quoting,
    the separating empty line."""
    return (b"From sender@client.example Mon Nov 23 10:00:00 2026\n" +
            mboxrd_quote(message_for(token)) + b"\n")


class Ledger:
    """What clients sent and were told; safe to share between threads."""

    def __init__(self, path=None):
        self.events = []
        self._lock = threading.Lock()
        self._file = open(path, "a") if path else None

    def add(self, **event):
        with self._lock:
            self.events.append(event)
            if self._file:
                self._file.write(json.dumps(event) + "\n")
                self._file.flush()

    @staticmethod
    def load(path):
        ledger = Ledger()
        with open(path) as f:
            ledger.events = [json.loads(line) for line in f if line.strip()]
        return ledger


_FROM_LINE = re.compile(rb"^From ", re.M)
_QUOTE = re.compile(rb"^(>*From )", re.M)


def split_mbox(data):
    """Messages of an mbox file as stored (still quoted), without From_
    lines or the separating empty line; ValueError if it is not an mbox."""
    if not data:
        return []
    if not data.startswith(b"From ") or not data.endswith(b"\n\n"):
        raise ValueError("does not start with a From_ line or end with an "
                         "empty line")
    starts = [m.start() for m in _FROM_LINE.finditer(data)]
    messages = []
    for i, at in enumerate(starts):
        if at > 0 and data[at - 2:at] != b"\n\n":
            raise ValueError("From_ line at byte %d not after an empty line"
                             % at)
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        body_at = data.index(b"\n", at) + 1
        # the message, less the empty line that separates it from the next
        messages.append(data[body_at:end - 1])
    return messages


def token_of(message):
    """The token a whole test message (as stored) carries, or None."""
    head, sep, body = message.partition(b"\n\n")
    if not sep:
        return None
    for line in head.split(b"\n"):
        if line.startswith(b"Subject: "):
            token = line[len(b"Subject: "):].decode("ascii", "replace")
            try:
                return token if body == stored_body(token) else None
            except (ValueError, IndexError):
                return None
    return None


def scan_as_owner(spooltool, spool, user):
    """Our own scanner, run as the mailbox's owner as a reader would be:
    it takes the lock (rolling back a half-written append, removing a dead
    writer's dotlock) and counts."""
    path = os.path.join(spool, user)
    st = os.stat(path if os.path.exists(path) else spool)
    kw = {}
    if os.geteuid() == 0 and st.st_uid != 0:
        kw = dict(user=st.st_uid, group=st.st_gid, extra_groups=[])
    out = subprocess.run([spooltool, "scan", spool, user], check=True,
                         capture_output=True, **kw).stdout
    return int(out.split()[0])


def check(spool, ledger, spooltool):
    """Problems found (an empty list when the invariant holds), and counts
    for the report."""
    problems = []
    sent, fate, present = {}, {}, {}
    pops = []
    for e in ledger.events:
        if e["ev"] == "sent":
            sent[e["token"]] = set(e["rcpts"])
            fate.setdefault(e["token"], "unknown")
        elif e["ev"] in ("acked", "refused"):
            fate[e["token"]] = e["ev"]
        elif e["ev"] == "present":
            sent.setdefault(e["token"], set()).add(e["user"])
            fate[e["token"]] = "acked"
        elif e["ev"] == "pop":
            pops.append(e)

    seen = {}   # (user, token) -> copies
    names = [n for n in os.listdir(spool) if not n.startswith(".")]
    # a dotlock's mailbox is scanned too, even when it was never created
    users = sorted(set(n[:-5] if n.endswith(".lock") else n for n in names))
    for user in users:
        path = os.path.join(spool, user)
        try:
            scanned = scan_as_owner(spooltool, spool, user)
        except subprocess.CalledProcessError as err:
            problems.append("%s: our scanner refuses it: %s"
                            % (user, (err.stdout + err.stderr).decode(
                                errors="replace")))
            continue
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        try:
            messages = split_mbox(data)
        except ValueError as err:
            problems.append("%s is not an mbox: %s" % (user, err))
            continue
        if len(messages) != scanned:
            problems.append("%s: %d messages, our scanner sees %d"
                            % (user, len(messages), scanned))
        for i, msg in enumerate(messages, 1):
            token = token_of(msg)
            if token is None:
                problems.append("%s: message %d is not a whole test message"
                                " (%r...)" % (user, i, msg[:80]))
                continue
            seen[(user, token)] = seen.get((user, token), 0) + 1

    # every writer is gone: the next locker must have removed their locks
    problems += ["%s: a dotlock left behind by a writer that is gone" % n
                 for n in os.listdir(spool) if n.endswith(".lock")]

    copies = dict(seen)
    deleted = set()
    for p in pops:
        if p["quit"] == "ok":
            deleted.update((p["user"], t) for t in p["dele"])
    # A QUIT with no answer either took effect whole or not at all. One
    # that marked a message still present did not; a message that is gone
    # must have been deleted by a QUIT that did or may have.
    maybe_deleted = set()
    for p in pops:
        keys = [(p["user"], t) for t in p["dele"]]
        if p["quit"] == "unknown" and \
                not any(copies.get(k, 0) for k in keys):
            maybe_deleted.update(keys)

    counts = {"acked": 0, "refused": 0, "unknown": 0, "copies": 0}
    for token, rcpts in sent.items():
        counts[fate[token]] += 1
        for user in rcpts:
            key = (user, token)
            n = seen.pop(key, 0)
            counts["copies"] += n
            if key in deleted:
                lo = hi = 0
            elif fate[token] == "refused":
                lo = hi = 0
            elif fate[token] == "acked":
                lo = 0 if key in maybe_deleted else 1
                hi = 1
            else:
                lo, hi = 0, 1
            if not lo <= n <= hi:
                problems.append("%s in %s: %d copies, want %s (%s%s)"
                                % (token, user, n,
                                   lo if lo == hi else "%d-%d" % (lo, hi),
                                   fate[token],
                                   ", deleted" if key in deleted else ""))
    for (user, token), n in seen.items():
        problems.append("%s in %s: %d copies of a message never sent there"
                        % (token, user, n))

    return problems, counts
