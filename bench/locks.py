#!/usr/bin/env python3
"""make bench-locks: what SPEC 6's locks cost, and a shared spool.

    locks.py [--runs N] [--base REF]

Runs, interleaved and timed like bench.py (bench/timeit, a fresh spool
per run, synced before the clock):

  * 200 x 2 KB deliveries in one SMTP session, and POP3 DELE 1 + QUIT on
    1,000 and 10,000 messages, by the floor, by ours, and by ours as it
    was at REF (default d23918c, the last tree that locked with flock
    alone): the difference is the dotlock and the fcntl lock;
  * the same delivery and the 1,000-message DELE + QUIT on a GlusterFS
    volume (t/lib/gluster.bash, one brick on 127.0.0.1, two mounts):
    smtpd writes through mount 1, pop3d rewrites through mount 2; and the
    floor on that volume. Needs root and FUSE; skipped otherwise.

Prints a markdown table; bench/README.md keeps the last one.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa
import mbox  # noqa

ROOT = bench.ROOT
WORK = bench.WORK
GLUSTER = os.path.join(WORK, "gluster")


def build_base(ref):
    """Our programs at ref, built in a worktree under build/."""
    src = os.path.join(WORK, "base-" + ref)
    if not os.path.isdir(src):
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach",
                        "-q", src, ref], check=True)
    subprocess.run(["make", "-s", "-C", src, "build/plain/bin/smtpd",
                    "build/plain/bin/pop3d"], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(src, "build", "plain", "bin")


def gluster_up():
    if os.geteuid() != 0 or not shutil.which("glusterfsd") or \
            not os.path.exists("/dev/fuse"):
        return None
    gluster_down()
    os.makedirs(GLUSTER, exist_ok=True)
    r = subprocess.run(["bash", "-c", 'BATS_TEST_DIRNAME="$1/t"; '
                        'source "$1/t/lib/gluster.bash"; '
                        'gluster_start "$2"', "_", ROOT, GLUSTER])
    if r.returncode != 0:
        return None
    return GLUSTER


def gluster_down():
    for m in ("m1", "m2", "m3"):
        p = os.path.join(GLUSTER, m)
        if os.path.ismount(p):
            subprocess.run(["umount", p])
    for pid in ("m1.pid", "m2.pid", "m3.pid", "brick.pid"):
        p = os.path.join(GLUSTER, pid)
        if os.path.exists(p):
            try:
                os.kill(int(open(p).read()), 15)
            except (ProcessLookupError, ValueError):
                pass
            os.unlink(p)


def spool_at(where, mailbox=None):
    """A fresh spool directory at where (bench.our_spool's way)."""
    shutil.rmtree(where, ignore_errors=True)
    os.makedirs(where)
    if mailbox:
        shutil.copyfile(mailbox, os.path.join(where, bench.USER))
        os.chmod(os.path.join(where, bench.USER), 0o600)
    if os.geteuid() == 0:
        for p in [where] + [os.path.join(where, n)
                            for n in os.listdir(where)]:
            os.chown(p, bench.NOBODY, bench.NOGROUP)


def argv_at(binary, prog, spool):
    return [os.path.join(binary, prog), "-n", "bench.example", "-s", spool,
            "-p", os.path.join(WORK, "users")]


def workloads(base, gl):
    Case, W = bench.Case, bench.Workload
    ws = []
    session, msg = bench.smtp_session(200, 2048)
    stdin = bench.write(os.path.join(WORK, "locks-smtp.in"), session)
    blocks = bench.write(os.path.join(WORK, "locks-smtp.blocks"),
                         msg * 200)

    def local(run):
        return os.path.join(run, "spool")

    def deliver(name, binary, spool_of):
        return Case(name, lambda run: spool_at(spool_of(run)),
                    lambda run: argv_at(binary, "smtpd", spool_of(run)),
                    stdin, check=b"250 2.0.0")

    def append_floor(name, spool_of):
        return Case(name, lambda run: spool_at(spool_of(run)),
                    lambda run: bench.floor(
                        "append", os.path.join(spool_of(run), "floor.mbox"),
                        "200", str(len(msg))), blocks)

    w = W("SMTP 200 x 2 KB, one session", "delivery", 200, "msg")
    w.cases = [append_floor("floor", local),
               deliver("ours", bench.OURS, local),
               deliver("ours, flock only (before)", base, local)]
    if gl:
        g1 = lambda run: os.path.join(gl, "m1", "spool")  # noqa
        w.cases += [append_floor("floor on GlusterFS", g1),
                    deliver("ours on GlusterFS", bench.OURS, g1)]
    ws.append(w)

    for n in (1000, 10000):
        path = os.path.join(WORK, "mbox-%d" % n)
        if not os.path.exists(path):
            mbox.write_mbox(path + ".tmp", n)
            os.rename(path + ".tmp", path)
        pop = bench.write(os.path.join(WORK, "locks-dele-%d.in" % n),
                          bench.pop_session("DELE 1"))

        def dele(name, binary, spool_of, via=None, p=path, pop=pop):
            return Case(name, lambda run: spool_at(spool_of(run), p),
                        lambda run: argv_at(binary, "pop3d",
                                            (via or spool_of)(run)),
                        pop, check=b"+OK")

        def copy_floor(name, spool_of, p=path):
            return Case(name, lambda run: spool_at(spool_of(run)),
                        lambda run: bench.floor(
                            "copy", p, os.path.join(spool_of(run), "copy")),
                        os.path.join(WORK, "empty.in"))

        w = W("POP3 DELE 1+QUIT, %d msgs (%.0f MB)"
              % (n, os.path.getsize(path) / 1e6), "mailbox",
              os.path.getsize(path) / 1e6, "MB")
        w.cases = [copy_floor("floor", local),
                   dele("ours", bench.OURS, local),
                   dele("ours, flock only (before)", base, local)]
        if gl and n == 1000:
            g1 = lambda run: os.path.join(gl, "m1", "spool")  # noqa
            g2 = lambda run: os.path.join(gl, "m2", "spool")  # noqa
            w.cases += [copy_floor("floor on GlusterFS", g1),
                        dele("ours on GlusterFS (mount 2)", bench.OURS, g1,
                             via=g2)]
        ws.append(w)
    return ws


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--base", default="d23918c")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    bench.build_tools()
    bench.make_users()
    bench.write(os.path.join(WORK, "empty.in"), b"")
    base = build_base(args.base)
    gl = gluster_up()
    try:
        ws = workloads(base, gl)
        results = {w.name: {c.server: [] for c in w.cases} for w in ws}
        run = os.path.join(WORK, "run")
        for i in range(args.runs):
            for w in ws:
                for c in w.cases:
                    results[w.name][c.server].append(bench.run_once(c, run))
            print("run %d of %d done" % (i + 1, args.runs), file=sys.stderr)
    finally:
        if gl:
            gluster_down()
    print("machine: %s; %d runs each, interleaved; before = %s\n"
          % (bench.machine(), args.runs, args.base))
    print("| workload | server | median ms (min-max) | CPU ms | x floor "
          "| x before |")
    print("|---|---|---|---|---|---|")
    for w in ws:
        med = {s: statistics.median(r["wall"] for r in rs)
               for s, rs in results[w.name].items()}
        before = med["ours, flock only (before)"]
        for c in w.cases:
            rs = results[w.name][c.server]
            walls = [r["wall"] for r in rs]
            fl = med["floor on GlusterFS"] if "GlusterFS" in c.server \
                else med["floor"]
            print("| %s | %s | %.2f (%.2f-%.2f) | %.2f | %.2f | %s |"
                  % (w.name, c.server, med[c.server], min(walls),
                     max(walls), statistics.median(r["cpu"] for r in rs),
                     med[c.server] / fl,
                     "%.2f" % (med[c.server] / before)
                     if c.server == "ours" else ""))
    if not gl:
        print("\nGlusterFS rows skipped: needs root, FUSE and "
              "glusterfs-server")


if __name__ == "__main__":
    main()
