# fail2ban with the shipped filter and jail, private to the test: its
# configuration, socket and database under BATS_TEST_TMPDIR.

# AUTH PLAIN's argument for user $1, a wrong password.
plain() {
	printf '\0%s\0wrong' "$1" | base64 -w0
}

# fail2ban's own configuration with ours added, under the test's folder.
fail2ban_config() {
	F2B="$BATS_TEST_TMPDIR/fail2ban"
	cp -r /etc/fail2ban "$F2B"
	cp "$BATS_TEST_DIRNAME/../mx/fail2ban/filter.d/mailservers.conf" "$F2B/filter.d/"
	cp "$BATS_TEST_DIRNAME/../mx/fail2ban/jail.d/mailservers.conf" "$F2B/jail.d/"
	rm -f "$F2B/jail.d/defaults-debian.conf"
}

# fail2ban_start LOG: a private fail2ban-server (started with start_bg)
# watching LOG with the shipped jail, banning after three failures with
# an action that only records (no firewall); returns once it answers.
fail2ban_start() {
	fail2ban_config
	cat >"$F2B/jail.local" <<-EOF2
	[DEFAULT]
	banaction = dummy
	[mailservers]
	logpath = $1
	backend = polling
	maxretry = 3
	EOF2
	cat >"$F2B/fail2ban.local" <<-EOF2
	[DEFAULT]
	socket = $BATS_TEST_TMPDIR/f2b.sock
	pidfile = $BATS_TEST_TMPDIR/f2b.pid
	dbfile = :memory:
	logtarget = $BATS_TEST_TMPDIR/f2b.log
	EOF2
	sed -i "s|/var/run/fail2ban/fail2ban.dummy|$BATS_TEST_TMPDIR/dummy|" "$F2B/action.d/dummy.conf"
	fail2ban-client -c "$F2B" -t
	start_bg fail2ban-server -c "$F2B" -f -x
	for _ in $(seq 100); do [ -S "$BATS_TEST_TMPDIR/f2b.sock" ] && break; sleep 0.1; done
	for _ in $(seq 100); do fail2ban-client -c "$F2B" status mailservers >/dev/null 2>&1 && break; sleep 0.1; done
	fail2ban-client -c "$F2B" status mailservers
}

# fail2ban_banned ADDR: fails unless the jail bans ADDR within 10 s; the
# jail's status is left in BATS_TEST_TMPDIR/status.
fail2ban_banned() {
	for _ in $(seq 100); do
		fail2ban-client -c "$F2B" status mailservers | grep -q "$1" && break
		sleep 0.1
	done
	fail2ban-client -c "$F2B" status mailservers | tee "$BATS_TEST_TMPDIR/status"
	grep -q "Banned IP list:.*${1//./\\.}" "$BATS_TEST_TMPDIR/status"
}
