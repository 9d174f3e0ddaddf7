#!/usr/bin/env python3
"""A real client over TCP, for the end-to-end tests.

    e2e.py send HOST PORT FROM TO SUBJECT [--auth USER PASS] [--ssl]
    e2e.py fetch HOST PORT USER PASS SUBJECT [--ssl]

send: one message through smtplib (SMTP, or SMTP_SSL with --ssl), with a
body that has a dot line, a From line and 8-bit bytes; prints the reply.
fetch: logs in with poplib (POP3 or POP3_SSL), finds the message with
SUBJECT, checks it is exactly what send sent below our two headers, and
prints those headers; exit 1 if not found or not exact. Replies must be
protocol lines only (stderr never reaches the client).
"""
import poplib
import smtplib
import ssl
import sys


def body(subject):
    return (b"Subject: " + subject.encode() + b"\r\n\r\n"
            b"line one\r\n.\r\n..two dots\r\nFrom the start\r\n"
            b"caf\xc3\xa9\r\n")


def tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def send(host, port, sender, rcpt, subject, opts):
    use_ssl = "--ssl" in opts
    s = (smtplib.SMTP_SSL(host, port, context=tls(), timeout=20) if use_ssl
         else smtplib.SMTP(host, port, timeout=20))
    code, banner = s.ehlo("client.example")
    assert code == 250, banner
    if "--auth" in opts:
        i = opts.index("--auth")
        s.login(opts[i + 1], opts[i + 2])
    refused = s.sendmail(sender, [rcpt], body(subject))
    assert not refused, refused
    print(s.quit())


def fetch(host, port, user, password, subject, opts):
    p = (poplib.POP3_SSL(host, port, context=tls(), timeout=20)
         if "--ssl" in opts else poplib.POP3(host, port, timeout=20))
    assert p.getwelcome().startswith(b"+OK "), p.getwelcome()
    p.user(user)
    p.pass_(password)
    count, _ = p.stat()
    want = body(subject).split(b"\r\n")[:-1]
    for i in range(count, 0, -1):
        _, lines, octets = p.retr(i)
        if b"Subject: " + subject.encode() not in lines:
            continue
        start = lines.index(b"Subject: " + subject.encode())
        assert lines[start:] == want, (lines[start:], want)
        assert lines[0].startswith(b"Return-Path: <"), lines[0]
        assert lines[1].startswith(b"Received: from "), lines[1]
        assert octets == sum(len(l) + 2 for l in lines), octets
        sys.stdout.write(b"\n".join(lines[:start]).decode() + "\n")
        p.quit()
        return
    p.quit()
    sys.exit("no message with subject " + subject)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "send":
        send(args[0], int(args[1]), args[2], args[3], args[4], args[5:])
    else:
        fetch(args[0], int(args[1]), args[2], args[3], args[4], args[5:])


main()
