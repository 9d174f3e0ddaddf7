#!/usr/bin/env python3
"""make bench: our servers against the physical floor and peer servers.

    bench.py [--quick] [--runs N] [--only WORKLOAD,...]

Each workload is run by its floor, by ours and by every peer that could
be set up (bench/peers.py), interleaved (floor, ours, peer, floor, ours,
peer, ...) so drift of a shared machine hits all alike; each run gets a
fresh copy of the same spool, made before the clock starts. bench/timeit
measures each run from fork to wait4: wall time, CPU (user+sys) and peak
RSS. Prints a markdown table (median wall time, min-max, CPU, RSS,
throughput, ratio to the floor of the same run) and writes the raw
numbers to bench/results/ (git-ignored).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mbox  # noqa
import peers  # noqa

ROOT = os.path.dirname(HERE)
WORK = os.path.join(ROOT, "build", "bench")
TOOLS = os.path.join(WORK, "tools")
OURS = os.path.join(ROOT, "build", "plain", "bin")
USER, PASSWORD = "bench", "bench-pw"
NOBODY, NOGROUP = 65534, 65534
SHA512_USER = "bench512"


class Case:
    """One server doing one workload: how to set it up (untimed) and what
    to run (timed)."""

    def __init__(self, server, setup, argv, stdin, env=None, check=None,
                 ids=None):
        self.server, self.setup, self.argv = server, setup, argv
        self.stdin, self.env, self.check = stdin, env, check
        self.ids = ids      # "uid:gid" the server runs as, else as we do


class Workload:
    def __init__(self, name, what, volume=None, unit=None):
        self.name, self.what = name, what
        self.volume, self.unit = volume, unit    # for throughput
        self.cases = []


def build_tools():
    os.makedirs(TOOLS, exist_ok=True)
    cflags = ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra",
              "-Werror", "-O2"]
    subprocess.run(["cc"] + cflags + ["-static", "-o",
                                      os.path.join(TOOLS, "floor"),
                                      os.path.join(HERE, "floor.c")],
                   check=True)
    subprocess.run(["cc"] + cflags + ["-o", os.path.join(TOOLS, "timeit"),
                                      os.path.join(HERE, "timeit.c")],
                   check=True)
    subprocess.run(["make", "-s", "-C", ROOT, "all"], check=True)


def floor(*args):
    return [os.path.join(TOOLS, "floor")] + list(args)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---- Our servers ----

def our_spool(run, mbox_src=None, user=USER):
    """A fresh spool for one run: users file, spool directory, and the
    mailbox copied in when given."""
    spool = os.path.join(run, "spool")
    shutil.rmtree(spool, ignore_errors=True)
    os.makedirs(spool)
    if mbox_src:
        shutil.copyfile(mbox_src, os.path.join(spool, user))
        os.chmod(os.path.join(spool, user), 0o600)
    # run as root, our servers become the spool's owner, never root
    if os.geteuid() == 0:
        for path in [spool] + [os.path.join(spool, n)
                               for n in os.listdir(spool)]:
            os.chown(path, NOBODY, NOGROUP)
    return spool


def our_argv(prog, run, extra=()):
    return [os.path.join(OURS, prog), "-n", "bench.example", "-s",
            os.path.join(run, "spool"), "-p", os.path.join(WORK, "users")] \
        + list(extra)


def make_users():
    crypt = subprocess.run(["mkpasswd", "-m", "sha-512", "-S",
                            "benchbenchbench1", PASSWORD],
                           capture_output=True, text=True, check=True)
    write(os.path.join(WORK, "users"),
          ("%s:{PLAIN}%s\n%s:{SHA512-CRYPT}%s\n"
           % (USER, PASSWORD, SHA512_USER, crypt.stdout.strip())).encode())
    return crypt.stdout.strip()


# ---- Workloads ----

def smtp_session(count, size):
    """One pipelined session delivering count messages of about size
    bytes each, and the same messages in mbox form (for the floor)."""
    import random
    rng = random.Random(size)
    msg = mbox.message(rng, 0, size)
    body = msg.replace(b"\n", b"\r\n").replace(b"\r\n.", b"\r\n..")
    one = (b"MAIL FROM:<sender@example.org>\r\nRCPT TO:<%s@bench.example>"
           b"\r\nDATA\r\n" % USER.encode() + body + b".\r\n")
    return b"EHLO client.example\r\n" + one * count + b"QUIT\r\n", msg


def pop_session(*commands, user=USER):
    return ("USER %s\r\nPASS %s\r\n" % (user, PASSWORD)
            + "".join(c + "\r\n" for c in commands) + "QUIT\r\n").encode()


def workloads(args):
    """The workloads, with their floor and our servers; peers.py adds
    its cases to them."""
    w = []
    quit = write(os.path.join(WORK, "quit.in"), b"QUIT\r\n")
    empty = write(os.path.join(WORK, "empty.in"), b"")

    def ours(prog, stdin, mailbox=None, check=None, user=USER,
             name="ours", extra=()):
        def setup(run):
            our_spool(run, mailbox, user)
        return Case(name, setup, lambda run: our_argv(prog, run, extra),
                    stdin, check=check)

    def the_floor(argv, stdin=empty, setup=None):
        return Case("floor", setup or (lambda run: None), argv, stdin)

    s = Workload("smtpd greeting+QUIT", "session cost")
    s.cases = [the_floor(lambda run: floor("hello")),
               ours("smtpd", quit, check=b"221 ")]
    w.append(s)
    for label, commands in (("greeting+QUIT", None),
                            ("USER/PASS {PLAIN}", "plain"),
                            ("USER/PASS SHA512-CRYPT", "sha512")):
        s = Workload("pop3d " + label, "session cost")
        stdin = quit if commands is None else write(
            os.path.join(WORK, "login-%s.in" % commands),
            pop_session(user=USER if commands == "plain" else SHA512_USER))
        s.cases = [the_floor(lambda run: floor("hello")),
                   ours("pop3d", stdin, check=b"+OK")]
        s.login = commands
        w.append(s)

    count, size = args.messages_smtp, 2048
    session, msg = smtp_session(count, size)
    stdin = write(os.path.join(WORK, "smtp-many.in"), session)
    blocks = write(os.path.join(WORK, "smtp-many.blocks"),
                   msg * count)
    s = Workload("SMTP %d x 2 KB, one session" % count, "delivery",
                 count, "msg")
    s.cases = [the_floor(lambda run, n=count, size=len(msg): floor(
                   "append", os.path.join(run, "floor.mbox"), str(n),
                   str(size)), stdin=blocks,
                   setup=lambda run: our_spool(run)),
               ours("smtpd", stdin, check=b"250 2.0.0"),
               # what the room checks cost (SPEC 3): none at all (no
               # reserve), and a mailbox limit on top of the default
               # reserve, checked at each RCPT and under the locks
               ours("smtpd", stdin, check=b"250 2.0.0",
                    name="ours, -R 0 (no room checks)", extra=("-R", "0")),
               ours("smtpd", stdin, check=b"250 2.0.0",
                    name="ours, -q 1G", extra=("-q", "1G")),
               # a content filter (-f) that reads each message and says
               # yes: what running one costs per message
               ours("smtpd", stdin, check=b"250 2.0.0",
                    name="ours, -f 'cat >/dev/null'",
                    extra=("-f", "cat >/dev/null"))]
    s.smtp = (session, count)
    w.append(s)

    big = args.big_mb << 20
    session, msg = smtp_session(1, big)
    stdin = write(os.path.join(WORK, "smtp-big.in"), session)
    blocks = write(os.path.join(WORK, "smtp-big.blocks"), msg)
    s = Workload("SMTP one %d MB message" % args.big_mb, "delivery",
                 len(msg) / 1e6, "MB")
    s.cases = [the_floor(lambda run, size=len(msg): floor(
                   "append", os.path.join(run, "floor.mbox"), "1",
                   str(size)), stdin=blocks,
                   setup=lambda run: our_spool(run)),
               ours("smtpd", stdin, check=b"250 2.0.0",
                    extra=("-z", str(2 * big)))]
    s.smtp = (session, 1)
    w.append(s)

    for n in args.mailboxes:
        path = os.path.join(WORK, "mbox-%d" % n)
        if not os.path.exists(path):
            mbox.write_mbox(path + ".tmp", n)
            os.rename(path + ".tmp", path)
        mb = os.path.getsize(path) / 1e6
        pops = [("login+STAT", ["STAT"], "read")]
        if n == args.mailboxes[1]:
            pops += [("UIDL", ["UIDL"], "read"),
                     ("RETR all", ["RETR %d" % i for i in range(1, n + 1)],
                      "read")]
        pops += [("DELE 1+QUIT", ["DELE 1"], "copy")]
        for label, commands, kind in pops:
            s = Workload("POP3 %s, %d msgs (%.0f MB)" % (label, n, mb),
                         "mailbox", mb, "MB")
            stdin = write(os.path.join(WORK, "pop-%s-%d.in"
                                       % (label.split()[0], n)),
                          pop_session(*commands))
            if kind == "read":
                fl = the_floor(lambda run, p=path: floor("read", p))
            else:
                fl = the_floor(lambda run, p=path: floor(
                    "copy", p, os.path.join(run, "spool", "copy")),
                    setup=lambda run: our_spool(run))
            # the peers log in with SHA512-CRYPT (system users): ours
            # does both, so the scheme's cost can be told from the rest
            stdin512 = write(stdin[:-3] + "-sha512.in",
                             pop_session(*commands, user=SHA512_USER))
            s.cases = [fl, ours("pop3d", stdin, mailbox=path,
                                check=b"+OK"),
                       ours("pop3d", stdin512, mailbox=path, check=b"+OK",
                            user=SHA512_USER, name="ours SHA512")]
            s.mbox, s.commands = path, commands
            w.append(s)
    return w


# ---- Running ----

def run_once(case, run):
    os.makedirs(run, exist_ok=True)
    case.setup(run)
    # The fresh copy's dirty pages must not be written back inside the
    # timed run: on ext4 (data=ordered) a server's fsync would wait for
    # them, and the first server after each copy paid for it.
    os.sync()
    argv = case.argv(run)
    # what the server says is kept in memory (tmpfs), as a client would
    out = "/dev/shm/bench-out" if os.path.isdir("/dev/shm") else \
        os.path.join(run, "out")
    ids = ["-u", case.ids] if case.ids else []
    r = subprocess.run([os.path.join(TOOLS, "timeit")] + ids +
                       [case.stdin, out] + argv, capture_output=True,
                       text=True, env=case.env)
    if r.returncode != 0 or len(r.stdout.split()) != 5:
        raise RuntimeError("timeit %s: %s" % (" ".join(argv), r.stderr))
    wall, user, system, rss, status = (int(x) for x in r.stdout.split())
    if status != 0 or (case.check and case.check not in
                       open(out, "rb").read()):
        raise RuntimeError("%s: %s exited %d\n%s" % (
            case.server, " ".join(argv), status,
            open(out, "rb").read()[-500:]))
    return {"wall": wall / 1000, "cpu": (user + system) / 1000,
            "rss": rss / 1024}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true",
                    help="3 runs, smaller sizes")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--only", help="workload names containing this")
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args()
    args.runs = args.runs or (3 if args.quick else 7)
    args.messages_smtp = 200
    args.big_mb = 10 if args.quick else 50
    args.mailboxes = [1000, 10000] if args.quick else [1000, 10000, 50000]
    os.makedirs(WORK, exist_ok=True)
    build_tools()
    crypt = make_users()
    ws = workloads(args)
    skipped = {}
    if not args.no_peers:
        skipped = peers.add(ws, WORK, USER, PASSWORD, crypt, Case)
    if args.only:
        ws = [w for w in ws if args.only in w.name]
    results = {w.name: {c.server: [] for c in w.cases} for w in ws}
    run = os.path.join(WORK, "run")
    for i in range(args.runs):
        for w in ws:
            for c in w.cases:
                results[w.name][c.server].append(run_once(c, run))
        print("run %d of %d done" % (i + 1, args.runs), file=sys.stderr)
    counts = callgrind(ws) if shutil.which("valgrind") else {}
    report(ws, results, skipped, args, counts)


def callgrind(ws):
    """Instructions executed (callgrind), repeatable where wall time is
    noisy: the session-cost workloads, POP3 login+STAT, and our cases of
    the many-messages delivery (what the room checks cost)."""
    counts = {}
    run = os.path.join(WORK, "run")
    for w in ws:
        many = w.what == "delivery" and " x 2 KB" in w.name
        if w.what != "session cost" and "STAT" not in w.name and not many:
            continue
        for c in w.cases:
            if many and (not c.server.startswith("ours") or
                         "-f" in c.server):
                continue
            # mailutils takes minutes under callgrind past 1,000 messages
            if c.server == "mailutils" and "0000 msgs" in w.name:
                continue
            c.setup(run)
            argv = c.argv(run)
            r = subprocess.run(["valgrind", "--tool=callgrind",
                                "--callgrind-out-file=/dev/null",
                                "--trace-children=no"] + argv,
                               stdin=open(c.stdin, "rb"),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=c.env)
            for line in r.stderr.splitlines():
                if "Collected :" in line:
                    counts[(w.name, c.server)] = int(line.split()[-1])
    return counts


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo")
                if l.startswith("MemTotal")), 0)
    fs = subprocess.run(["df", "-T", WORK], capture_output=True,
                        text=True).stdout.split("\n")[1].split()[1]
    return "%d x %s, %d MB RAM, %s, kernel %s" % (
        os.cpu_count(), cpu, mem, fs, os.uname().release)


def report(ws, results, skipped, args, counts):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", stamp + ".json"), "w") as f:
        json.dump({"machine": machine(), "runs": args.runs,
                   "results": results, "skipped": skipped,
                   "callgrind": {"%s / %s" % k: v
                                 for k, v in counts.items()}}, f, indent=1)
    print("machine: %s; %d runs each, interleaved\n" % (machine(),
                                                         args.runs))
    print("| workload | server | median ms (min-max) | CPU ms | peak RSS MB"
          " | throughput | x floor |")
    print("|---|---|---|---|---|---|---|")
    for w in ws:
        base = statistics.median(r["wall"] for r in results[w.name]["floor"])
        for c in w.cases:
            rs = results[w.name][c.server]
            walls = [r["wall"] for r in rs]
            med = statistics.median(walls)
            tput = ("%.0f %s/s" % (w.volume / (med / 1000), w.unit)
                    if w.volume else "")
            print("| %s | %s | %.2f (%.2f-%.2f) | %.2f | %.1f | %s | %.2f |"
                  % (w.name, c.server, med, min(walls), max(walls),
                     statistics.median(r["cpu"] for r in rs),
                     max(r["rss"] for r in rs), tput, med / base))
    if counts:
        print("\n| workload | server | instructions (callgrind) |")
        print("|---|---|---|")
        for (name, server), n in counts.items():
            print("| %s | %s | %s |" % (name, server, format(n, ",")))
    for name, why in skipped.items():
        print("\nskipped %s: %s" % (name, why))


if __name__ == "__main__":
    main()
