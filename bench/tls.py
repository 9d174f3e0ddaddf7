#!/usr/bin/env python3
"""make bench, TLS rows: what the STARTTLS hand-over (-T) costs.

    tls.py [--runs N]

One SMTP session three ways, each on one end of a socketpair with the
same Python client on the other, timed from the server's start to its
exit (so the client's own work is in all three alike):
- clear: greeting, EHLO, QUIT;
- STARTTLS: greeting, EHLO, STARTTLS, handshake, EHLO, QUIT, through
  smtpd -T "stunnel4 CONF" (stunnel in inetd mode runs smtpd again);
- implicit: handshake, greeting, EHLO, QUIT, through stunnel4 in inetd
  mode running smtpd (port 465's setup).
Runs are interleaved; medians with min-max are printed as markdown rows.
Needs stunnel4 and openssl; without them it says so and prints nothing.
"""
import argparse
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMTPD = os.path.join(ROOT, "build", "plain", "bin", "smtpd")


def setup(work):
    key, cert = os.path.join(work, "key.pem"), os.path.join(work, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost"], check=True,
                   capture_output=True)
    os.chmod(key, 0o644)
    os.chmod(work, 0o755)
    os.makedirs(os.path.join(work, "mail"))
    users = os.path.join(work, "users")
    with open(users, "w") as f:
        f.write("bench:{PLAIN}bench-pw\n")
    os.chmod(users, 0o644)
    argv = [SMTPD, "-n", "bench.example", "-s", os.path.join(work, "mail"),
            "-p", users]
    if os.geteuid() == 0:
        os.chown(os.path.join(work, "mail"), 65534, 65534)
        argv += ["-U", "nobody"]
    conf = os.path.join(work, "engine.conf")
    with open(conf, "w") as f:
        f.write("cert = %s\nkey = %s\nsyslog = no\ndebug = 0\n"
                "exec = %s\nexecArgs = smtpd\n" % (cert, key, SMTPD))
    implicit = os.path.join(work, "implicit.conf")
    with open(implicit, "w") as f:
        f.write("cert = %s\nkey = %s\nsyslog = no\ndebug = 0\n"
                "exec = %s\nexecArgs = %s\n"
                % (cert, key, SMTPD, " ".join(["smtpd"] + argv[1:])))
    return argv, conf, implicit


def expect(f, code):
    while True:
        line = f.readline()
        if not line.startswith(code):
            raise RuntimeError("wanted %s, got %r" % (code, line))
        if line[3:4] == b" ":
            return


def session(kind, argv, conf, implicit, ctx):
    a, b = socket.socketpair()
    if kind == "implicit":
        cmd = ["stunnel4", implicit]
    elif kind == "STARTTLS":
        cmd = argv + ["-T", "stunnel4 " + conf]
    else:
        cmd = argv
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=b, stdout=b, stderr=subprocess.DEVNULL)
    b.close()
    s = a
    if kind == "implicit":
        s = ctx.wrap_socket(a, server_hostname="localhost")
    f = s.makefile("rb")
    opened = [f]
    expect(f, b"220")
    s.sendall(b"EHLO c.example\r\n")
    expect(f, b"250")
    if kind == "STARTTLS":
        s.sendall(b"STARTTLS\r\n")
        expect(f, b"220")
        s = ctx.wrap_socket(a, server_hostname="localhost")
        f = s.makefile("rb")
        opened.append(f)
        s.sendall(b"EHLO c.example\r\n")
        expect(f, b"250")
    s.sendall(b"QUIT\r\n")
    expect(f, b"221")
    # every reference to the socket, or the engine waits for our close
    for o in opened:
        o.close()
    s.close()
    a.close()
    p.wait()
    return (time.perf_counter() - start) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    for tool in ("stunnel4", "openssl"):
        if shutil.which(tool) is None:
            print("TLS rows skipped: %s is not installed" % tool)
            return
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    kinds = ("clear", "STARTTLS", "implicit")
    times = {k: [] for k in kinds}
    with tempfile.TemporaryDirectory() as work:
        argv, conf, implicit = setup(work)
        for _ in range(args.runs):
            for k in kinds:
                times[k].append(session(k, argv, conf, implicit, ctx))
    clear = statistics.median(times["clear"])
    print("| SMTP session, TLS | server | median ms (min-max) | x clear |")
    print("|---|---|---|---|")
    label = {"clear": "EHLO, QUIT in clear",
             "STARTTLS": "EHLO, STARTTLS, EHLO, QUIT (smtpd -T stunnel4)",
             "implicit": "TLS, EHLO, QUIT (stunnel4 in front, port 465)"}
    for k in kinds:
        m = statistics.median(times[k])
        print("| %s | ours | %.2f (%.2f-%.2f) | %.2f |" % (
            label[k], m, min(times[k]), max(times[k]), m / clear))


if __name__ == "__main__":
    sys.exit(main())
