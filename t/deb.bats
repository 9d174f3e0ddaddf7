#!/usr/bin/env bats
# make deb: the Debian package. It builds, lintian finds no error, and on
# a copy of this machine (t/lib/operator.bash: an overlay over /, which
# has Exim installed) dpkg -i installs it with every service off, the
# operator configures it and mail flows, dpkg -i of a newer build keeps
# the edited conffiles, and dpkg -r then --purge leave nothing behind but
# the mail.

load lib/helpers
source "$BATS_TEST_DIRNAME/lib/deploy.bash"
source "$BATS_TEST_DIRNAME/lib/operator.bash"

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	[ "${VARIANT:-plain}" = plain ] || return 0
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || return 0
	# two builds: this tree, and a newer one whose shipped smtpd.args
	# changed too (so dpkg must choose between it and the operator's)
	export DEBS="$BATS_FILE_TMPDIR/debs"
	mkdir -p "$DEBS" "$BATS_FILE_TMPDIR/tree"
	(cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
	    tar --null -T - -cf -) | tar -xf - -C "$BATS_FILE_TMPDIR/tree"
	for v in 1.0.1 1.0.2; do
		[ "$v" = 1.0.1 ] || echo '# a comment the newer version added' \
		    >>"$BATS_FILE_TMPDIR/tree/etc/smtpd.args"
		env -u MAKEFLAGS -u MAKELEVEL make -C "$BATS_FILE_TMPDIR/tree" \
		    --no-print-directory -s deb DEB_VERSION=$v >"$DEBS/build-$v.log" 2>&1 ||
		    { cat "$DEBS/build-$v.log"; return 0; }
		cp "$BATS_FILE_TMPDIR/tree/build/deb/mailservers_${v}_"*.deb "$DEBS/"
	done
	export OP_DIR="$BATS_FILE_TMPDIR/copy"
	op_up "$OP_DIR" >"$BATS_FILE_TMPDIR/up.log" 2>&1 || { op_down; return 0; }
	export OP_PID OP_NS OP_SRV_NS OP_SERVER OP_CLIENT OP_LEADER
	op mkdir /debs
	tar -C "$DEBS" -cf - . | op tar -xf - -C /debs
}

teardown_file() {
	op_down
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: dpkg on an overlay copy"
	[ "${VARIANT:-plain}" = plain ] || skip "the package is built from the plain build"
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	    skip "needs debhelper and dpkg-dev"
	ls "$DEBS"/mailservers_1.0.2_*.deb >/dev/null || { cat "$DEBS"/build-*.log; false; }
	[ -n "${OP_PID:-}" ] || { cat "$BATS_FILE_TMPDIR/up.log"; false; }
	NETNS_EXEC=(ip netns exec "$OP_NS")
}

# deliver TEXT: a message to alice@example.org on port 25, from the
# client's namespace.
deliver() {
	run op_client python3 -c '
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, timeout=30)
s.sendmail("bob@remote.example", ["alice@example.org"], "Subject: test\r\n\r\n%s\r\n" % sys.argv[2])
s.quit()
print("ok")' "$OP_SERVER" "$1"
	echo "$output"
	[ "${lines[-1]}" = ok ]
}

@test "make deb builds a package lintian finds no error or warning in: static binaries, conffiles for all of /etc, man pages, README" {
	deb=$(ls "$DEBS"/mailservers_1.0.1_*.deb)
	run lintian --fail-on error,warning "$deb"
	echo "$output"
	[ "$status" -eq 0 ]
	! echo "$output" | grep -q '^[EW]:'
	dpkg-deb -c "$deb" >"$BATS_TEST_TMPDIR/contents"
	dpkg-deb -e "$deb" "$BATS_TEST_TMPDIR/control"
	cat "$BATS_TEST_TMPDIR/control/conffiles"
	for f in /etc/mailservers/smtpd.args /etc/mailservers/submission.args \
	    /etc/mailservers/pop3d.args /etc/mailservers/aliases \
	    /etc/mailservers/smtpd-starttls.conf /etc/xinetd.d/smtpd \
	    /etc/xinetd.d/submission /etc/xinetd.d/pop3d \
	    /etc/fail2ban/filter.d/mailservers.conf; do
		grep -qx "$f" "$BATS_TEST_TMPDIR/control/conffiles"
	done
	# every file under /etc is a conffile; the users file is not shipped
	[ "$(grep -c '^-.* \./etc/' "$BATS_TEST_TMPDIR/contents")" -eq \
	    "$(grep -c . "$BATS_TEST_TMPDIR/control/conffiles")" ]
	! grep -q 'etc/mail/passwd' "$BATS_TEST_TMPDIR/contents"
	grep -q ' ./usr/share/man/man8/smtpd.8.gz$' "$BATS_TEST_TMPDIR/contents"
	grep -q ' ./usr/share/doc/mailservers/README.md.gz$' "$BATS_TEST_TMPDIR/contents"
	dpkg-deb -x "$deb" "$BATS_TEST_TMPDIR/x"
	file "$BATS_TEST_TMPDIR/x/usr/sbin/smtpd" | grep -q 'statically linked' ||
	    ldd "$BATS_TEST_TMPDIR/x/usr/sbin/smtpd" 2>&1 | grep -q 'not a dynamic executable'
}

@test "dpkg -i beside Exim: installed with every service off and the users file 0640 root:mail" {
	op dpkg -s exim4-daemon-light | grep -q '^Status: install ok installed'
	run op dpkg -i /debs/mailservers_1.0.1_amd64.deb
	echo "$output"
	[ "$status" -eq 0 ]
	op dpkg -s mailservers | grep -q '^Version: 1.0.1$'
	op dpkg -s exim4-daemon-light | grep -q '^Status: install ok installed'
	[ "$(op stat -c '%a %U:%G' /etc/mail/passwd)" = "640 root:mail" ]
	[ "$(op stat -c '%a %U:%G' /var/mail)" = "2775 root:mail" ]
	for s in smtpd submission pop3d; do
		op grep -q '^	disable		= yes$' "/etc/xinetd.d/$s"
	done
	# no unit enabled: nothing listens until the operator says so
	[ -z "$(op find /etc/systemd/system -name 'smtpd*' -o -name 'pop3d*' -o -name 'submission*')" ]
	op /usr/sbin/smtpd -C /etc/mailservers/smtpd.args -U mail </dev/null | grep -q '^220 '
}

@test "configured by the operator, mail flows through xinetd" {
	op sed -i -e 's/^#-n .*/-n mail.example.org/' -e 's/^#-d .*/-d example.org/' \
	    /etc/mailservers/smtpd.args
	op sh -c 'echo "alice:{PLAIN}alice-pw" >>/etc/mail/passwd'
	op sed -i 's/^\(\s*disable\s*=\s*\)yes/\1no/' /etc/xinetd.d/smtpd
	op service xinetd start
	wait_port "$OP_SERVER" 25
	deliver "before the upgrade"
	op grep -q '^before the upgrade$' /var/mail/alice
}

@test "dpkg -i of a newer build keeps the edited conffiles (the new ones as .dpkg-dist) and mail still flows" {
	run op dpkg -i --force-confdef --force-confold /debs/mailservers_1.0.2_amd64.deb
	echo "$output"
	[ "$status" -eq 0 ]
	op dpkg -s mailservers | grep -q '^Version: 1.0.2$'
	op grep -qx -- '-d example.org' /etc/mailservers/smtpd.args
	op grep -q '^	disable		= no$' /etc/xinetd.d/smtpd
	op grep -qx '# a comment the newer version added' /etc/mailservers/smtpd.args.dpkg-dist
	op grep -q '^alice:' /etc/mail/passwd
	deliver "after the upgrade"
	op grep -q '^before the upgrade$' /var/mail/alice
	op grep -q '^after the upgrade$' /var/mail/alice
}

@test "dpkg -r keeps the configuration; dpkg --purge leaves nothing behind but the mail" {
	op service xinetd stop
	op mailservers-cert mail.example.org
	op ln -s /etc/mailservers/fail2ban-jail.conf /etc/fail2ban/jail.d/mailservers.conf
	run op dpkg -r mailservers
	echo "$output"
	[ "$status" -eq 0 ]
	! op test -e /usr/sbin/smtpd
	op test -e /etc/mailservers/smtpd.args
	run op dpkg --purge mailservers
	echo "$output"
	[ "$status" -eq 0 ]
	! op dpkg -s mailservers 2>/dev/null | grep -q '^Status: install'
	op grep -q '^after the upgrade$' /var/mail/alice
	# what the copy has written, beyond dpkg's and the logs' own records,
	# the spool (alice's mailbox and its journal) and the test's packages
	op_outside sh -c "cd '$OP_DIR/upper' && find . ! -type d" | sort |
	    grep -v -e '^./var/lib/dpkg/' -e '^./var/log/' -e '^./var/cache/' \
	        -e '^./var/mail/' -e '^./etc/ld.so.cache$' -e '^./debs/' \
	        >"$BATS_TEST_TMPDIR/left" || true
	cat "$BATS_TEST_TMPDIR/left"
	[ ! -s "$BATS_TEST_TMPDIR/left" ]
}
