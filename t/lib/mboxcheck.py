#!/usr/bin/env python3
"""Checks an mbox file against the messages the test sent.

    mboxcheck.py MBOX TOKENFILE [--allow TOKENFILE]

Every message must be a complete one of the form the tests send
("Subject: TOKEN" header, an empty line, then TOKEN repeated to the
size the token names); each token in TOKENFILE must be present exactly
once; tokens in the --allow file may be present at most once (sent but
not acknowledged); nothing else may be present. Prints what is wrong and
exits 1, or prints the count and exits 0.
"""
import mailbox
import sys


def body_for(token):
    # token "name:size": the body is the token line repeated to size bytes
    size = int(token.rsplit(":", 1)[1])
    line = (token + "\n").encode()
    return (line * (size // len(line) + 1))[:size].rstrip(b"\n") + b"\n"


def main():
    path, want_file = sys.argv[1], sys.argv[2]
    allow = set()
    if len(sys.argv) == 5 and sys.argv[3] == "--allow":
        allow = set(open(sys.argv[4]).read().split())
    want = open(want_file).read().split()
    seen = {}
    problems = []
    for i, msg in enumerate(mailbox.mbox(path, create=False), 1):
        raw = msg.as_bytes()
        head, _, body = raw.partition(b"\n\n")
        token = head.split(b"Subject: ", 1)[-1].split(b"\n")[0].decode()
        if not head.startswith(b"Subject: ") or body != body_for(token):
            problems.append("message %d (%s) is not complete" % (i, token))
        seen[token] = seen.get(token, 0) + 1
    for token in want:
        if seen.get(token, 0) != 1:
            problems.append("%s present %d times, want 1"
                            % (token, seen.get(token, 0)))
    for token, n in seen.items():
        if token not in want and (token not in allow or n > 1):
            problems.append("%s present %d times, never acknowledged"
                            % (token, n))
    if problems:
        print("\n".join(problems[:20]))
        return 1
    print(sum(seen.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
