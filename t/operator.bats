#!/usr/bin/env bats
# The operator's path (README, Deploying): its ```sh step blocks run word
# for word, as root, on a copy of this machine (t/lib/operator.bash: an
# overlay over /, own namespaces, no systemd), from `apt-get install` and
# `make install` to `service xinetd restart`. Then a remote client (another
# network namespace, a TEST-NET address) uses what they set up, and the
# Upgrading and tcpserver blocks run too. Two stand-ins: alice's
# password, which mkpasswd would ask for on a terminal, comes on its
# stdin; and apt-get, which has no network in the copy, installs what is
# missing but upgrades nothing (make test installs the packages the steps
# name on the machine first, scripts/need.sh).
# Each test builds on the ones before it (bats runs them in order).

load lib/helpers
source "$BATS_TEST_DIRNAME/lib/deploy.bash"
source "$BATS_TEST_DIRNAME/lib/operator.bash"

PASSWORD=alice-Secret-42

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	[ "${VARIANT:-plain}" = plain ] || return 0
	export OP_DIR="$BATS_FILE_TMPDIR/copy"
	op_up "$OP_DIR" >"$BATS_FILE_TMPDIR/up.log" 2>&1 || {
		echo "status=$?" >>"$BATS_FILE_TMPDIR/up.log"
		op_down
		return 0
	}
	export OP_PID OP_NS OP_SRV_NS OP_SERVER OP_CLIENT OP_LEADER
	# the tree as checked out, built, where the README says it is
	op mkdir -p /usr/local/src/mailservers
	(cd "$REPO" && { git ls-files -z --cached --others --exclude-standard;
	    printf 'build/plain\0'; } | tar --null -T - -cf -) |
	    op tar -xpf - -C /usr/local/src/mailservers
}

teardown_file() {
	op_down
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: namespaces, an overlay, xinetd as mail"
	[ "${VARIANT:-plain}" = plain ] || skip "the install path is the plain build's"
	[ -n "${OP_PID:-}" ] || { cat "$BATS_FILE_TMPDIR/up.log"; false; }
	# wait_port (lib/deploy.bash) connects from the client's namespace
	NETNS_EXEC=(ip netns exec "$OP_NS")
}

# py SCRIPT ARGS...: Python in the client's namespace, the server's
# address first.
py() {
	local script="$1"
	shift
	op_client python3 -c "$script" "$OP_SERVER" "$@"
}

# What runs before the README's blocks: the two stand-ins (header).
prelude() {
	echo 'set -ex'
	echo 'export DEBIAN_FRONTEND=noninteractive'
	# what alice would type at mkpasswd's prompt
	echo "mkpasswd() { command mkpasswd \"\$@\" -s <<<'$PASSWORD'; }"
	echo 'apt-get() { command apt-get -o APT::Get::Upgrade=false "$@"; }'
}

SMTP_TLS='
import smtplib, ssl, sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
# an ordinary message, which SpamAssassin has no reason to call spam
def msg(subject, body, sender="bob@remote.example", to="alice@example.org"):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, subject
    m["Date"], m["Message-ID"] = formatdate(), make_msgid(domain="remote.example")
    m.set_content(body + "\n")
    return m.as_bytes().replace(b"\n", b"\r\n")
# bob@remote.example sends alice a message on 25 under STARTTLS
def deliver(body):
    s = smtplib.SMTP(sys.argv[1], 25, timeout=60)
    s.ehlo("client.example")
    s.starttls(context=ctx)
    s.ehlo("client.example")
    s.sendmail("bob@remote.example", ["alice@example.org"], msg("news", body))
    s.quit()
'

@test "the README's Deploying steps run word for word on a fresh copy of the machine" {
	readme_blocks step >"$BATS_FILE_TMPDIR/steps.sh"
	cat "$BATS_FILE_TMPDIR/steps.sh"
	# seven steps, the first from apt-get to make install
	[ "$(grep -c '^# README.md line' "$BATS_FILE_TMPDIR/steps.sh")" -ge 8 ]
	grep -q '^make && make install$' "$BATS_FILE_TMPDIR/steps.sh"
	# the last block is Upgrading's, run later
	awk '/^# README.md line/ { n++ } { b[n] = b[n] $0 "\n" } END { for (i = 1; i < n; i++) printf "%s", b[i] }' \
	    "$BATS_FILE_TMPDIR/steps.sh" >"$BATS_FILE_TMPDIR/deploy.sh"
	awk '/^# README.md line/ { n++ } { b[n] = b[n] $0 "\n" } END { printf "%s", b[n] }' \
	    "$BATS_FILE_TMPDIR/steps.sh" >"$BATS_FILE_TMPDIR/upgrade.sh"
	grep -q 'service xinetd reload' "$BATS_FILE_TMPDIR/upgrade.sh"
	{ prelude; cat "$BATS_FILE_TMPDIR/deploy.sh"; } | op bash -s >"$BATS_FILE_TMPDIR/deploy.log" 2>&1 || {
		tail -n 60 "$BATS_FILE_TMPDIR/deploy.log"
		false
	}
	tail -n 20 "$BATS_FILE_TMPDIR/deploy.log"
	# the users file and the key: the servers' group may read, no one else
	[ "$(op stat -c '%a %U:%G' /etc/mail/passwd)" = "640 root:mail" ]
	[ "$(op stat -c '%a %U:%G' /etc/mailservers/mail.key)" = "640 root:mail" ]
	op grep -q '^alice:\$6\$' /etc/mail/passwd
	op grep -qx -- '-d example.org' /etc/mailservers/smtpd.args
	for port in 25 110 587; do
		wait_port "$OP_SERVER" "$port"
	done
}

@test "a remote client delivers to alice@example.org and postmaster@ over STARTTLS on 25; the greeting names the host" {
	run py "$SMTP_TLS"'
s = smtplib.SMTP(sys.argv[1], 25, timeout=30)
code, banner = s.ehlo("client.example")
print(s.sock.getpeername(), banner.decode())
assert s.has_extn("starttls")
s.starttls(context=ctx)
s.ehlo("client.example")
refused = s.sendmail("bob@remote.example", ["alice@example.org", "postmaster@example.org"],
    msg("hello alice", "over STARTTLS"))
assert not refused, refused
s.quit()
print("ok")'
	echo "$output"
	[ "${lines[-1]}" = ok ]
	# the greeting and EHLO name the host (-n), not its short name
	echo "$output" | grep -q "('$OP_SERVER', 25) mail.example.org\$"
	op cat /var/mail/alice
	# one copy: postmaster is alice
	[ "$(op grep -c '^over STARTTLS$' /var/mail/alice)" -eq 1 ]
	op grep -q "from client.example (\[$OP_CLIENT\])" /var/mail/alice
	op grep -q 'by mail.example.org with ESMTPS' /var/mail/alice
	op grep -Eq "smtpd\[[0-9]+\]: connect client=$OP_CLIENT\$" /var/log/mail.log
	! op grep -q 'client=::ffff:' /var/log/mail.log
	# not a relay
	run py '
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, timeout=30)
s.ehlo("client.example")
s.mail("bob@remote.example")
print(s.rcpt("carol@elsewhere.example"))'
	echo "$output"
	echo "$output" | grep -q '554'
}

@test "587 submission: no AUTH before STARTTLS; alice logs in under it and sends; ESMTPSA" {
	run py "$SMTP_TLS"'
s = smtplib.SMTP(sys.argv[1], 587, timeout=30)
s.ehlo("laptop")
assert s.has_extn("starttls")
assert not s.has_extn("auth"), s.esmtp_features
s.starttls(context=ctx)
s.ehlo("laptop")
assert "plain" in s.esmtp_features["auth"].lower()
s.login("alice", sys.argv[2])
s.sendmail("alice@example.org", ["alice@example.org"], msg("note", "submitted on 587", "alice@example.org"))
s.quit()
print("ok")' "$PASSWORD"
	echo "$output"
	[ "${lines[-1]}" = ok ]
	op grep -q '^submitted on 587$' /var/mail/alice
	op grep -q 'with ESMTPSA' /var/mail/alice
}

@test "110: no USER before STLS; alice fetches her mail under STLS" {
	run py '
import poplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3(sys.argv[1], 110, timeout=30)
caps = p.capa()
assert "STLS" in caps and "USER" not in caps, caps
p.stls(context=ctx)
assert "USER" in p.capa()
p.user("alice")
p.pass_(sys.argv[2])
count, size = p.stat()
body = b"\n".join(p.retr(1)[1])
assert b"over STARTTLS" in body
print(count)
p.quit()
print("ok")' "$PASSWORD"
	echo "$output"
	[ "${lines[-1]}" = ok ]
	[ "${lines[-2]}" -eq 2 ]
}

@test "SpamAssassin: GTUBE refused with 554 through the -f line of smtpd.args (no quoting); spamd leaves nothing in the spool" {
	# spamd compiles its rules at start: wait until it answers
	for _ in $(seq 120); do
		op spamc -d 127.0.0.1 -K >/dev/null 2>&1 && break
		sleep 1
	done
	op spamc -d 127.0.0.1 -K
	run py '
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, timeout=120)
s.ehlo("client.example")
try:
    s.sendmail("bob@remote.example", ["alice@example.org"], "Subject: test\r\n\r\n"
        "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
    print("accepted")
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())'
	echo "$output"
	echo "$output" | grep -q '^554 5.7.1 Message looks like spam'
	op grep -qx -- '-f /etc/mailservers/spamassassin -d 127.0.0.1' /etc/mailservers/smtpd.args
	! op grep -q GTUBE /var/mail/alice
	# smtpd's user is mail, whose home is /var/mail: spamd must not keep
	# its state there (only the spool's own dot files are)
	op ls -la /var/mail
	! op test -e /var/mail/.spamassassin
	[ -z "$(op find /var/mail -mindepth 1 -name '.*' ! -name '.alice.journal' ! -name '.alice.pop')" ]
}

@test "an unreadable key: STARTTLS fails and the mail log says why" {
	op chmod 0600 /etc/mailservers/mail.key
	run py "$SMTP_TLS"'
s = smtplib.SMTP(sys.argv[1], 25, timeout=30)
s.ehlo("client.example")
try:
    s.starttls(context=ctx)
    print("handshake")
except (ssl.SSLError, OSError, smtplib.SMTPException) as e:
    print("failed", e)'
	op chmod 0640 /etc/mailservers/mail.key
	echo "$output"
	echo "$output" | grep -q '^failed'
	sleep 1
	op grep 'no TLS' /var/log/mail.log
	op grep -q 'smtpd-starttls: no TLS: /etc/mailservers/mail.key is missing or not readable by mail' /var/log/mail.log
}

@test "fail2ban: five failed logins on 587 ban the client from the mail ports" {
	op fail2ban-client status mailservers
	# smtplib tries PLAIN then LOGIN: two failures a login; once banned,
	# the firewall drops the rest of the session
	run py "$SMTP_TLS"'
failures = 0
try:
    for attempt in range(5):
        s = smtplib.SMTP(sys.argv[1], 587, timeout=10)
        s.ehlo("laptop")
        s.starttls(context=ctx)
        s.ehlo("laptop")
        try:
            s.login("alice", "wrong-%d" % attempt)
        except smtplib.SMTPAuthenticationError:
            failures += 2
        s.quit()
except (OSError, smtplib.SMTPException) as e:
    print("cut off after", failures, "failures:", e)
print("ok")'
	echo "$output"
	[ "${lines[-1]}" = ok ]
	for _ in $(seq 60); do
		op fail2ban-client status mailservers | grep -q "$OP_CLIENT" && break
		sleep 0.5
	done
	op fail2ban-client status mailservers
	op fail2ban-client status mailservers | grep -q "Banned IP list:.*$OP_CLIENT"
	# and the firewall turns it away
	run py '
import socket, sys
try:
    socket.create_connection((sys.argv[1], 25), timeout=5).recv(100)
    print("connected")
except OSError as e:
    print("refused", e)'
	echo "$output"
	echo "$output" | grep -q '^refused'
	op fail2ban-client unban "$OP_CLIENT"
}

@test "Upgrading, word for word: the edited options files are kept (.dist beside), and mail still flows" {
	op bash -ex -s <"$BATS_FILE_TMPDIR/upgrade.sh" >"$BATS_FILE_TMPDIR/upgrade.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/upgrade.log"
		false
	}
	cat "$BATS_FILE_TMPDIR/upgrade.log"
	grep -q 'kept your edited /etc/mailservers/smtpd.args' "$BATS_FILE_TMPDIR/upgrade.log"
	grep -q 'kept your edited /etc/xinetd.d/submission' "$BATS_FILE_TMPDIR/upgrade.log"
	op grep -qx -- '-d example.org' /etc/mailservers/smtpd.args
	op test -e /etc/mailservers/smtpd.args.dist
	sleep 1
	run py "$SMTP_TLS"'
deliver("after the upgrade")
print("ok")'
	echo "$output"
	[ "${lines[-1]}" = ok ]
	op grep -q '^after the upgrade$' /var/mail/alice
}

@test "tcpserver in place of xinetd, word for word (with -U mail): delivers and serves POP3" {
	readme_blocks step-tcpserver >"$BATS_FILE_TMPDIR/tcpserver.sh"
	cat "$BATS_FILE_TMPDIR/tcpserver.sh"
	grep -q -- '-U mail' "$BATS_FILE_TMPDIR/tcpserver.sh"
	{ prelude; cat "$BATS_FILE_TMPDIR/tcpserver.sh"; } |
	    op bash -s >"$BATS_FILE_TMPDIR/tcpserver.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/tcpserver.log"
		false
	}
	wait_port "$OP_SERVER" 25
	wait_port "$OP_SERVER" 110
	run py "$SMTP_TLS"'
import poplib
deliver("through tcpserver")
p = poplib.POP3(sys.argv[1], 110, timeout=30)
p.stls(context=ctx)
p.user("alice")
p.pass_(sys.argv[2])
n = p.stat()[0]
assert b"through tcpserver" in b"\n".join(p.retr(n)[1])
p.quit()
print("ok")' "$PASSWORD"
	echo "$output"
	[ "${lines[-1]}" = ok ]
	op grep -q 'tcpserver.*ok' /var/log/syslog 2>/dev/null || op grep -q 'tcpserver' /var/log/syslog /var/log/messages 2>/dev/null || true
	! op grep -q 'refusing to run as root' /var/log/mail.log
}

@test "make uninstall keeps the edited files, removes the rest and the fail2ban jail link" {
	op pkill tcpserver || true
	run op bash -c 'cd /usr/local/src/mailservers && make uninstall'
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'kept your edited /etc/mailservers/smtpd.args'
	echo "$output" | grep -q 'removed the fail2ban jail link'
	echo "$output" | grep -q 'kept /etc/mail/passwd'
	! op test -e /etc/fail2ban/jail.d/mailservers.conf
	! op test -L /etc/fail2ban/jail.d/mailservers.conf
	! op test -e /usr/local/sbin/smtpd
	op test -e /etc/mailservers/smtpd.args
	! op test -e /etc/mailservers/smtpd-starttls
}
