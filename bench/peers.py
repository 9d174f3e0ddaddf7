"""Peer servers for the benchmarks, each reading a session on stdin like
ours: exim -bs -odi (SMTP); popa3d, Dovecot's pop3 pre-authenticated and
GNU mailutils pop3d --inetd (POP3).

add() installs what is missing from Debian's packages (with a
policy-rc.d that keeps every service from starting). popa3d, Dovecot's
pop3 and mailutils' pop3d conflict (each provides pop3-server), so
popa3d is installed and the other two are extracted (apt-get download,
dpkg -x) under build/bench/peers/ with their dependencies installed. It
makes a system user
for the POP3 peers, which authenticate against the system (SHA512-CRYPT,
like our bench512), appends their cases to the workloads, and returns,
for each peer it could not set up, why.
"""
import os
import pwd
import shutil
import subprocess

# peer: (binary, package, installed or extracted)
PACKAGES = {
    "exim": ("/usr/sbin/exim4", "exim4-daemon-light", "install"),
    "popa3d": ("/usr/sbin/popa3d", "popa3d", "install"),
    "dovecot": ("/usr/lib/dovecot/pop3", "dovecot-pop3d", "extract"),
    "mailutils": ("/usr/sbin/pop3d", "mailutils-pop3d", "extract"),
}
POLICY = "/usr/sbin/policy-rc.d"
SPOOL = "/var/mail"


def apt_install(packages):
    """Installs packages without starting their services."""
    made = not os.path.exists(POLICY)
    if made:
        with open(POLICY, "w") as f:
            f.write("#!/bin/sh\n# bench/peers.py: install, never start\n"
                    "exit 101\n")
        os.chmod(POLICY, 0o755)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends"]
        r = subprocess.run(cmd + packages, env=env, capture_output=True,
                           text=True)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env,
                           capture_output=True)
            r = subprocess.run(cmd + packages, env=env, capture_output=True,
                               text=True)
        return r.returncode == 0, r.stderr.strip()[-300:]
    finally:
        if made:
            os.unlink(POLICY)


def depends(package):
    out = subprocess.run(["apt-cache", "depends", package],
                         capture_output=True, text=True).stdout
    return [l.split()[1] for l in out.splitlines()
            if l.strip().startswith("Depends:") and "<" not in l]


def extract(package, root):
    """package's files under root, its dependencies installed."""
    ok, err = apt_install(depends(package))
    if not ok:
        return False, err
    debs = os.path.join(root, "debs")
    os.makedirs(debs, exist_ok=True)
    r = subprocess.run(["apt-get", "download", "-qq", package], cwd=debs,
                       capture_output=True, text=True)
    if r.returncode != 0:
        return False, r.stderr.strip()[-300:]
    for deb in os.listdir(debs):
        if deb.startswith(package + "_"):
            subprocess.run(["dpkg", "-x", os.path.join(debs, deb), root],
                           check=True)
    return True, ""


def system_user(name, crypt, home):
    """The POP3 peers' user, with the same SHA512-CRYPT password."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-M", "-d", home, "-s",
                        "/usr/sbin/nologin", name], check=True)
    subprocess.run(["usermod", "-p", crypt, name], check=True)
    return pwd.getpwnam(name)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def put_mailbox(src, dst, pw):
    """A fresh copy, mtime kept (Dovecot's index stays valid)."""
    shutil.copy2(src, dst)
    os.chown(dst, pw.pw_uid, pw.pw_gid)
    os.chmod(dst, 0o600)


def exim_setup(work, user):
    base = os.path.join(work, "exim")
    exim = pwd.getpwnam("Debian-exim")
    for d in ("spool", "log", "mail"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
        # exim writes its spool and logs as its own user
        if d != "mail":
            os.chown(os.path.join(base, d), exim.pw_uid, exim.pw_gid)
    conf = write(os.path.join(base, "exim.conf"), """\
primary_hostname = bench.example
qualify_domain = bench.example
domainlist local_domains = bench.example
spool_directory = %(base)s/spool
log_file_path = %(base)s/log/%%slog
never_users =
keep_environment =
message_size_limit = 0
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept domains = +local_domains
  deny message = relay not permitted

begin routers
localuser:
  driver = accept
  domains = +local_domains
  local_parts = %(user)s
  transport = local_mbox

begin transports
local_mbox:
  driver = appendfile
  file = %(base)s/mail/$local_part_data
  user = nobody
  group = nogroup
  mode = 0600
  use_lockfile = false
  use_flock_lock = true
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry
*  *  F,1h,15m
""" % {"base": base, "user": user})
    # a -C file exim keeps root privilege for must be listed here
    trusted = "/etc/exim4/trusted_configs"
    listed = open(trusted).read().split() if os.path.exists(trusted) else []
    if conf not in listed:
        with open(trusted, "a") as f:
            f.write(conf + "\n")
        os.chmod(trusted, 0o644)
    return base, conf


def exim_case(Case, base, conf, workload):
    mail = os.path.join(base, "mail")

    def setup(run):
        shutil.rmtree(mail, ignore_errors=True)
        os.makedirs(mail)
        os.chown(mail, 65534, 65534)
    return Case("exim", setup,
                lambda run: ["/usr/sbin/exim4", "-C", conf, "-bs", "-odi"],
                workload.cases[1].stdin, check=b"250 OK id=")


def dovecot_setup(work, pw):
    base = os.path.join(work, "dovecot")
    for d in ("mail", "index"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
        os.chown(os.path.join(base, d), pw.pw_uid, pw.pw_gid)
    os.chown(base, pw.pw_uid, pw.pw_gid)
    conf = write(os.path.join(base, "dovecot.conf"), """\
protocols = pop3
ssl = no
log_path = %(base)s/log
mail_location = mbox:%(base)s/mail:INBOX=%(base)s/inbox:INDEX=%(base)s/index
mbox_read_locks = fcntl
mbox_write_locks = fcntl
pop3_uidl_format = %%08Xu%%08Xv
""" % {"base": base})
    return base, conf


def add(workloads, work, user, password, crypt, Case):
    skipped = {}
    have = {}
    root = os.path.join(work, "peers")
    for peer, (binary, package, how) in PACKAGES.items():
        path = binary if how == "install" else root + binary
        if not os.path.exists(path):
            ok, err = (apt_install([package]) if how == "install"
                       else extract(package, root))
            if not ok or not os.path.exists(path):
                skipped[peer] = "could not %s %s: %s" % (how, package, err)
                continue
        have[peer] = path
    pw = None
    if {"popa3d", "dovecot", "mailutils"} & set(have):
        pw = system_user(user, crypt, os.path.join(work, "home"))
    if "exim" in have:
        base, conf = exim_setup(work, user)
    if "dovecot" in have:
        dbase, dconf = dovecot_setup(work, pw)
    ids = "%d:%d" % (pw.pw_uid, pw.pw_gid) if pw else None

    for w in workloads:
        if w.what == "delivery" and "exim" in have:
            w.cases.append(exim_case(Case, base, conf, w))
        if w.name.startswith("smtpd"):
            if "exim" in have:
                w.cases.append(Case(
                    "exim", lambda run: None,
                    lambda run: ["/usr/sbin/exim4", "-C", conf, "-bs"],
                    w.cases[1].stdin, check=b"221 "))
        if not (w.name.startswith("pop3d") or w.name.startswith("POP3")):
            continue
        login = getattr(w, "login", "mailbox")
        if login == "plain":
            continue    # the peers have no {PLAIN} scheme: see sha512
        src = getattr(w, "mbox", None)
        stdin = w.cases[1].stdin
        if login == "sha512":
            # the same session, as the system user
            stdin = stdin.replace("sha512", "peer-login")
            with open(stdin, "wb") as f:
                f.write(("USER %s\r\nPASS %s\r\nQUIT\r\n"
                         % (user, password)).encode())
        spool_box = os.path.join(SPOOL, user)

        def sys_setup(run, src=src):
            if src:
                put_mailbox(src, spool_box, pw)
            elif os.path.exists(spool_box):
                os.unlink(spool_box)
        for peer in ("popa3d", "mailutils"):
            if peer not in have:
                continue
            argv = ([have[peer]] if peer == "popa3d" else
                    [have[peer], "--inetd", "--no-site-config"])
            w.cases.append(Case(peer, sys_setup, lambda run, a=argv: a,
                                stdin, check=b"+OK"))
        if "dovecot" in have and login != "none":
            inbox = os.path.join(dbase, "inbox")

            def dove_setup(run, src=src):
                if src:
                    put_mailbox(src, inbox, pw)
                elif os.path.exists(inbox):
                    os.unlink(inbox)
            # pre-authenticated: the session's own USER/PASS are answered
            # -ERR in TRANSACTION and do no work
            w.cases.append(Case(
                "dovecot", dove_setup,
                lambda run: [have["dovecot"], "-c", dconf],
                stdin, check=b"+OK",
                env={"USER": user, "HOME": dbase, "PATH": "/usr/bin:/bin"},
                ids=ids))
    for peer in have:
        if peer != "exim" and pw is None:
            skipped[peer] = "no system user"
    return skipped
