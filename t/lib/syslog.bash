# Real syslog lines from the servers, without the system's syslog: a
# command runs in a private mount namespace whose /dev has the usual
# character devices and a log socket served by lib/syslogd.py.

# with_syslog LOGFILE CMD...: runs CMD so that what it sends to syslog(3)
# ends up in LOGFILE, one line each, as in /var/log/mail.log.
with_syslog() {
	local log="$1" sock="$BATS_TEST_TMPDIR/syslog.sock" pid rc=0
	shift
	[ -S "$sock" ] || {
		python3 "$BATS_TEST_DIRNAME/lib/syslogd.py" "$sock" "$log" &
		SYSLOGD_PID=$!
		for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	}
	unshare -m bash -c '
		sock=$1; shift
		mount -t tmpfs -o mode=0755 tmpfs /dev || exit 1
		mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/random c 1 8 &&
		mknod -m 666 /dev/urandom c 1 9 || exit 1
		ln -s /proc/self/fd /dev/fd
		touch /dev/log && mount --bind "$sock" /dev/log || exit 1
		"$@"' _ "$sock" "$@" || rc=$?
	return "$rc"
}

# Ends the syslog daemon with_syslog started; its lines are written.
syslog_stop() {
	[ -n "${SYSLOGD_PID:-}" ] || return 0
	sleep 0.2
	kill "$SYSLOGD_PID" 2>/dev/null || true
	wait "$SYSLOGD_PID" 2>/dev/null || true
	SYSLOGD_PID=
}
