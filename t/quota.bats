#!/usr/bin/env bats
# SPEC 3 and 5, never fill the disk: mailbox limits (-q, and a user's own
# in the users file as Dovecot writes it, read as the real Dovecot reads
# it), the free-space reserve (-R) on a small tmpfs, eight clients racing
# into one nearly full mailbox beside procmail, and Exim as a sending MTA
# that defers on 452 and delivers once pop3d has made room.

load lib/helpers
load lib/deploy
load lib/smtpd

setup() {
	mail_setup
	export PYTHONPATH="$BATS_TEST_DIRNAME/lib"
}

teardown() {
	stop_all
	if [ -n "${FS:-}" ]; then
		umount "$FS" 2>/dev/null || true
	fi
	mail_teardown
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: $1"
}

# bats test_tags=transcript
@test "limits from the users file (Dovecot 2.3 and 2.4 spellings), -q, an alias and the catch-all: 452 4.2.2 at RCPT for that recipient only, and for the whole message at its end; BDAT too" {
	transcript 22-quota
}

# bats test_tags=transcript
@test "a filesystem that cannot keep the reserve (-R): 452 4.3.1 at RCPT, with or without SIZE=" {
	transcript 23-reserve
}

@test "each refusal's log line names the mailbox, its size and its limit (or the free space and the reserve)" {
	printf 'alice:{PLAIN}a::::::userdb_quota_rule=*:storage=1\n' >"$BATS_TEST_TMPDIR/users"
	body=$(printf 'x%.0s' $(seq 1 1100))
	run bash -c 'printf "$0" | "$@" 2>&1 >/dev/null' \
	    "EHLO c\r\nMAIL FROM:<s@x> SIZE=2000\r\nRCPT TO:<alice@test.example>\r\nRSET\r\nMAIL FROM:<s@x>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\n$body\r\n.\r\nQUIT\r\n" \
	    "$BIN/smtpd" -l "${SMTPD_ARGS[@]}" -p "$BATS_TEST_TMPDIR/users"
	echo "$output"
	echo "$output" | grep -q 'reject client=local rcpt=<alice@test.example> mailbox=alice size=0 limit=1024 declared=2000: mailbox full$'
	echo "$output" | grep -q 'reject client=local id=[0-9A-F]* from=<s@x> mailbox=alice size=0 limit=1024: 452 4.2.2 '
	run bash -c 'printf "$0" | "$@" 2>&1 >/dev/null' \
	    "EHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<alice@test.example>\r\nQUIT\r\n" \
	    "$BIN/smtpd" -l "${SMTPD_ARGS[@]}" -R 1000000T
	echo "$output"
	echo "$output" | grep -Eq 'reject client=local rcpt=<alice@test.example> free=[0-9]+ reserve=1099511627776000000 declared=0: free-space reserve reached$'
}

@test "-q and -R take sizes as the users file does; anything else ends smtpd before the greeting with 421 and EX_USAGE" {
	for good in "-q 0" "-q 1048576" "-q 50M" "-q 1g" "-q 2T" "-q 10kB" "-R 0" "-R 5%" "-R 99%" "-R 100M" "-R 0%"; do
		run bash -c 'printf "QUIT\r\n" | "$@" 2>/dev/null' _ "$BIN/smtpd" "${SMTPD_ARGS[@]}" $good
		[ "$status" -eq 0 ] || { echo "$good: $output"; false; }
	done
	for bad in "-q -1" "-q 1.5G" "-q 10P" "-q M" "-q 99999999999999999999" "-q 1K2" "-R 100%" "-R 5.5%" "-R %" "-R -1" "-R 1x"; do
		run bash -c 'printf "QUIT\r\n" | "$@" 2>/dev/null' _ "$BIN/smtpd" "${SMTPD_ARGS[@]}" $bad
		[ "$status" -eq 64 ] || { echo "$bad: $status $output"; false; }
		[[ "$output" == "421 "* ]]
	done
}

# A users file with every form of a limit Dovecot 2.3 reads, and some it
# refuses; Dovecot 2.4's spelling cannot be read by the 2.3 in Debian 12
# and is covered by 22-quota.
dovecot_users() {
	local forms=(
	    '*:storage=1M' '*:storage=2048' '*:storage=10k' '*:storage=3G'
	    '*:storage=1T' '*:storage=0' '*:storage=5m' '*:storage=7MB'
	    '*:storage=7b' '*:storage=12K' '*:bytes=5000' '*:storage=1kb'
	    '*:storage=1G:messages=10' '*:messages=10:storage=3M'
	    '*:storage=3B' '?:storage=2M' '*:storage=007' '*:ignore'
	    '*:messages=5' '*:storage=4k:bytes=0' '*:storage=1M:bytes=3000'
	    'INBOX:storage=3M'
	    '*:storage=1.5G' '*:storage=1P' '*:storage=+3M'
	    '*:storage=99999999999999999999' '*:storage=-1' '*:STORAGE=3M'
	    '*:storage=unlimited' '*:storage=' '*:foo=1'
	    '*:storage=1M:ignore')
	local i=0
	for f in "${forms[@]}"; do
		printf 'u%d:{PLAIN}pw::::::userdb_quota_rule=%s\n' "$i" "$f"
		i=$((i + 1))
	done
	# two fields: the later wins; other extra fields are passed over
	printf 'u%d:{PLAIN}pw::::::userdb_quota_rule=*:storage=3M userdb_quota_rule=*:storage=4M\n' "$i"
	printf 'u%d:{PLAIN}pw::::::userdb_nice=5 userdb_quota_rule=*:storage=6k  nopassword\n' "$((i + 1))"
	printf 'u%d:{PLAIN}pw:::::shell:userdb_quota_rule=*:storage=8k\n' "$((i + 2))"
	printf 'u%d:{PLAIN}pw::::::\n' "$((i + 3))"
}

@test "the real Dovecot reads the same limit from the same users file: doveadm quota get agrees with ours for every form, and what Dovecot refuses we pass over with a warning" {
	command -v doveadm >/dev/null || skip "needs doveadm (Debian package dovecot-core)"
	need_root "Dovecot's master runs as root"
	d="$SPOOL/dovecot"
	mkdir -p "$d/run" "$d/home" "$d/spool"
	dovecot_users >"$d/users"
	chmod 0644 "$d/users"
	cat >"$d/dovecot.conf" <<EOF
base_dir = $d/run
state_dir = $d/state
log_path = $d/log
protocols =
ssl = no
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = $d/users
}
userdb {
  driver = passwd-file
  args = $d/users
  default_fields = uid=nobody gid=nogroup home=$d/home/%u
}
mail_location = mbox:~/mail:INBOX=$d/spool/%u
mail_plugins = quota
plugin {
  quota = count:User quota
  quota_vsizes = yes
}
EOF
	chown nobody "$d/home" "$d/spool"
	start_bg dovecot -F -c "$d/dovecot.conf"
	for _ in $(seq 100); do [ -S "$d/run/auth-userdb" ] && break; sleep 0.1; done
	[ -S "$d/run/auth-userdb" ]
	"$BIN/usertool" quota "$d/users" >"$d/ours" 2>"$d/warnings"
	cat "$d/warnings"
	n=0 checked=0 refused=0
	while read -r user ours; do
		line=$(grep "^$user:" "$d/users")
		theirs=$(doveadm -c "$d/dovecot.conf" -f tab quota get -u "$user" 2>"$d/err" |
		    awk -F '\t' '$2 == "STORAGE" { print $4 }')
		if [ -z "$theirs" ]; then
			# Dovecot refuses the rule: we pass it over, and say so
			grep -q 'Failed to initialize quota' "$d/err" || { cat "$d/err"; false; }
			[ "$ours" = "-" ] || { echo "$line: Dovecot refuses it, ours $ours"; false; }
			lineno=$(grep -n "^$user:" "$d/users" | cut -d: -f1)
			grep -q "users file line $lineno: a quota field that is not understood" "$d/warnings"
			refused=$((refused + 1))
		elif [ "$theirs" = "-" ]; then
			[ "$ours" = "-" ] || [ "$ours" = 0 ] || { echo "$line: no limit in Dovecot, ours $ours"; false; }
		else
			# doveadm shows kilobytes, rounded up
			[ $(((ours + 1023) / 1024)) -eq "$theirs" ] || { echo "$line: Dovecot ${theirs} KiB, ours $ours bytes"; false; }
			checked=$((checked + 1))
		fi
		n=$((n + 1))
	done <"$d/ours"
	echo "$n users: $checked limits equal, $refused refused by both"
	[ "$n" -eq 36 ] && [ "$checked" -ge 18 ] && [ "$refused" -ge 8 ]
	# and smtpd enforces what doveadm shows: u0's 1M
	grep -qx 'u0 1048576' "$d/ours"
	doveadm -c "$d/dovecot.conf" -f tab quota get -u u0 | grep -q $'STORAGE\t0\t1024\t'
}

# fill_to FS BYTES: a file on FS leaving BYTES free (statvfs f_bavail).
fill_to() {
	python3 - "$1" "$2" <<'PY'
import os, sys
fs, want = sys.argv[1], int(sys.argv[2])
st = os.statvfs(fs)
free = st.f_bavail * st.f_frsize
with open(os.path.join(fs, ".filler"), "ab") as f:
    f.write(b"\0" * max(0, free - want))
    f.flush()
    os.fsync(f.fileno())
st = os.statvfs(fs)
print(st.f_bavail * st.f_frsize)
PY
}

# on_fs SIZE [SMTPD OPTIONS]: one message of SIZE body bytes to alice,
# with SIZE= declared when DECLARE is set, into smtpd on the tmpfs spool;
# replies without CR in $output.
on_fs() {
	python3 - "$1" "${DECLARE:-}" >"$BATS_TEST_TMPDIR/session" <<'PY'
import sys
size, declare = int(sys.argv[1]), sys.argv[2]
line = b"x" * 76 + b"\r\n"
body = (line * (size // len(line) + 1))[:size // len(line) * len(line)]
sys.stdout.buffer.write(b"EHLO c\r\nMAIL FROM:<s@x>%s\r\n"
    b"RCPT TO:<alice@test.example>\r\nDATA\r\nSubject: %d\r\n\r\n"
    % (b" SIZE=%d" % size if declare else b"", size) + body +
    b".\r\nQUIT\r\n")
PY
	run bash -c '"$@" <"$0" | tr -d "\r"' "$BATS_TEST_TMPDIR/session" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -s "$FS" "${@:2}"
}

@test "a 1 MB tmpfs spool keeps its reserve: -R 300k, then the default 2%; a message that would cross it is refused whole (452 4.3.1), a smaller one delivered" {
	need_root "mounts a tmpfs"
	# under SPOOL: nobody, whom smtpd becomes, must reach it
	FS="$SPOOL/fs"
	mkdir "$FS"
	mount -t tmpfs -o size=1m,mode=0755 tmpfs "$FS" || skip "cannot mount a tmpfs here"
	chown nobody "$FS"
	fill_to "$FS" $((400 * 1024))
	# declared: refused at RCPT
	DECLARE=1 on_fs 150000 -R 300k
	echo "$output"
	echo "$output" | grep -q '^452 4.3.1 '
	! echo "$output" | grep -q '^354 '
	# not declared: taken at RCPT, refused at the end, nothing delivered
	on_fs 150000 -R 300k
	echo "$output"
	echo "$output" | grep -q '^250 2.1.5 '
	echo "$output" | grep -q '^452 4.3.1 '
	[ ! -s "$FS/alice" ]
	# one that leaves the reserve is delivered
	DECLARE=1 on_fs 20000 -R 300k
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	size=$(stat -c %s "$FS/alice")
	echo "alice: $size bytes"
	[ "$size" -gt 19000 ]
	# the default: 2% of 1 MB is 20,971 bytes
	fill_to "$FS" $((40 * 1024))
	on_fs 30000
	echo "$output"
	echo "$output" | grep -q '^452 4.3.1 '
	[ "$(stat -c %s "$FS/alice")" -eq "$size" ]
	on_fs 1000
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	# -R 0: no reserve; only the disk itself limits
	on_fs 30000 -R 0
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
}

@test "eight smtplib clients race into one nearly full mailbox through systemd-socket-activate, beside procmail: no delivery of ours ever ends past the limit, none lost" {
	need_root "procmail runs as the spool's owner"
	command -v procmail >/dev/null || skip "needs procmail (Debian package procmail)"
	printf 'alice:{PLAIN}alice-pw::::::userdb_quota_rule=*:bytes=20000\n' >"$BATS_TEST_TMPDIR/users"
	chmod 0644 "$BATS_TEST_TMPDIR/users"
	sp=$(free_port)
	activate "127.0.0.1:$sp" "$BIN/smtpd" "${SMTPD_ARGS[@]}" \
	    -p "$BATS_TEST_TMPDIR/users"
	wait_port 127.0.0.1 "$sp"
	mail_export
	export POP3D_ARGV="${POP3D_ARGV} -p $BATS_TEST_TMPDIR/users"
	run python3 "$BATS_TEST_DIRNAME/lib/quota.py" race "$sp" 20000 --rounds 4 --seed 7
	echo "$output"
	[ "$status" -eq 0 ]
	run python3 "$BATS_TEST_DIRNAME/lib/quota.py" race "$sp" 20000 --rounds 3 --procmail --seed 8
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "Exim at its defaults sends to a full mailbox: 452 4.2.2 at RCPT from its SIZE=, it defers; pop3d makes room and Exim's next run delivers" {
	need_root "Exim runs as the spool's owner"
	command -v exim4 >/dev/null || skip "needs exim4 (Debian package exim4-daemon-light)"
	printf 'alice:{PLAIN}alice-pw::::::userdb_quota_rule=*:storage=8k\n' >"$BATS_TEST_TMPDIR/users"
	chmod 0644 "$BATS_TEST_TMPDIR/users"
	sp=$(free_port) pp=$(free_port)
	activate "127.0.0.1:$sp" sh -c 'tee -a "$0" | exec "$@"' "$BATS_TEST_TMPDIR/wire" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$BATS_TEST_TMPDIR/users"
	activate "127.0.0.1:$pp" "$BIN/pop3d" "${POP3D_ARGS[@]}" -p "$BATS_TEST_TMPDIR/users"
	wait_port 127.0.0.1 "$sp"
	wait_port 127.0.0.1 "$pp"
	# alice holds 6,000 bytes of her 8,192
	python3 -c '
import sys
body = "".join("filler line %03d %s\n" % (i, "f" * 40) for i in range(100))
sys.stdout.write("From old@example.org Thu Jan  1 00:00:00 1970\nSubject: old\n\n" + body[:5900] + "\n\n")' >"$BATS_TEST_TMPDIR/old"
	mailbox_put alice "$BATS_TEST_TMPDIR/old"
	exim_client "$sp"
	python3 -c '
import sys
sys.stdout.write("Subject: from exim\n\n" + "".join("exim line %03d\n" % i for i in range(200)))' >"$BATS_TEST_TMPDIR/msg"
	exim_run -odi -oi -f sender@client.example alice@test.example \
	    <"$BATS_TEST_TMPDIR/msg"
	cat "$BATS_TEST_TMPDIR/exim.log"
	grep -aq '^MAIL FROM:<sender@client.example> SIZE=' "$BATS_TEST_TMPDIR/wire"
	grep -q '== alice@test.example .*defer.*RCPT TO:<alice@test.example>: 452 4.2.2 Mailbox full' "$BATS_TEST_TMPDIR/exim.log"
	[ "$(exim_run -bpc)" -eq 1 ]
	! grep -q 'Subject: from exim' "$SPOOL/mail/alice"
	# the user fetches and deletes the old message
	python3 - "$pp" <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
p.user("alice")
p.pass_("alice-pw")
assert p.stat()[0] == 1
p.retr(1)
p.dele(1)
p.quit()
PY
	exim_run -qff
	cat "$BATS_TEST_TMPDIR/exim.log"
	[ "$(exim_run -bpc)" -eq 0 ]
	grep -q 'Subject: from exim' "$SPOOL/mail/alice"
	grep -q 'exim line 199' "$SPOOL/mail/alice"
}
