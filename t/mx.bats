#!/usr/bin/env bats
# Running a domain's MX (README "Running an MX"), with the real programs
# an operator puts around smtpd: SpamAssassin's spamd behind the shipped
# filter hook (mx/spamassassin), tcpserver and rblsmtpd in front
# (ucspi-tcp), fail2ban reading the servers' syslog lines
# (mx/fail2ban). Each runs privately under the test's scratch folder.

load lib/helpers
source "$BATS_TEST_DIRNAME/lib/deploy.bash"
source "$BATS_TEST_DIRNAME/lib/syslog.bash"
source "$BATS_TEST_DIRNAME/lib/fail2ban.bash"

setup_file() {
	command -v spamd >/dev/null && command -v spamc >/dev/null || return 0
	# spamd with the packaged rules, our settings: no network tests, no
	# Bayes, no per-user files
	# readable by spamd's children, which run as nobody
	local dir
	dir=$(mktemp -d /tmp/spamd-test.XXXXXX)
	chmod 0755 "$dir"
	echo "$dir" >"$BATS_FILE_TMPDIR/spamd"
	mkdir -p "$dir/site" "$dir/home"
	chmod 0777 "$dir/home"
	cp /etc/spamassassin/*.pre "$dir/site/"
	printf '%s\n' 'use_bayes 0' 'bayes_auto_learn 0' 'dns_available no' \
	    >"$dir/site/local.cf"
	SPAMD_PORT=$(free_port)
	setsid spamd --listen="127.0.0.1:$SPAMD_PORT" --local --nouser-config \
	    -u nobody -H "$dir/home" --siteconfigpath="$dir/site" \
	    --pidfile="$dir/pid" -s stderr --min-children=1 \
	    --max-children=1 2>"$dir/log" &
	echo "$!" >"$dir/leader"
	export SPAMD_PORT
	for _ in $(seq 600); do
		grep -q 'server successfully spawned child' "$dir/log" && break
		sleep 0.1
	done
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/spamd" ] || return 0
	local dir
	dir=$(cat "$BATS_FILE_TMPDIR/spamd")
	kill -TERM -- "-$(cat "$dir/leader")" 2>/dev/null || true
	for _ in $(seq 50); do [ -e "$dir/pid" ] || break; sleep 0.1; done
	rm -rf "$dir"
}

# The folder of the test's spamd.
spamd_dir() {
	cat "$BATS_FILE_TMPDIR/spamd"
}

setup() {
	mail_setup
	HOOK="$BATS_TEST_DIRNAME/../mx/spamassassin"
}

teardown() {
	stop_all
	syslog_stop
	mail_teardown
}

need_spamd() {
	command -v spamd >/dev/null && command -v spamc >/dev/null ||
	    skip "spamassassin and spamc are not installed (make test installs them as root)"
	grep -q 'server successfully spawned child' "$(spamd_dir)/log" || {
		cat "$(spamd_dir)/log"
		false
	}
}

# An ordinary message and one with SpamAssassin's GTUBE test string.
HAM='From: Sender <s@x.example>\r\nTo: alice@test.example\r\nSubject: lunch tomorrow\r\nDate: Mon, 30 Nov 2026 08:00:00 +0000\r\nMessage-ID: <lunch.1@x.example>\r\n\r\nShall we meet at noon, at the usual place?\r\n'
GTUBE_LINE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'

txn() {
	printf '%s' "MAIL FROM:<s@x.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\n$1.\r\n"
}

@test "SpamAssassin through the shipped hook: GTUBE refused with 554, an ordinary message delivered with X-Spam-Status: No" {
	need_spamd
	gtube="${HAM//Shall we meet at noon, at the usual place?/$GTUBE_LINE}"
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "EHLO c.example\r\n$(txn "$HAM")$(txn "$gtube")QUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -f "$HOOK -d 127.0.0.1 -p $SPAMD_PORT"
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	echo "$output" | grep -q '^554 5.7.1 Message looks like spam (SpamAssassin score [0-9.]*)$'
	echo "--- alice's mailbox"
	cat "$SPOOL/mail/alice"
	[ "$(grep -c '^Subject:' "$SPOOL/mail/alice")" -eq 1 ]
	! grep -q GTUBE "$SPOOL/mail/alice"
	# spamd's lines right after Return-Path, folded line and all
	sed -n 3p "$SPOOL/mail/alice" | grep -q '^X-Spam-Checker-Version: SpamAssassin '
	grep -q '^X-Spam-Status: No, score=-\?[0-9.]* required=5.0 tests=' "$SPOOL/mail/alice"
	[ "$(sed -n '/^X-Spam-Status:/{n;p}' "$SPOOL/mail/alice" | cut -c1)" = "$(printf '\t')" ]
	grep -q '^X-Spam-Level:' "$SPOOL/mail/alice"
	! grep -q '^X-Spam-Flag' "$SPOOL/mail/alice"
	grep -A20 '^X-Spam-Status' "$SPOOL/mail/alice" | grep -q '^Received: from c.example$'
}

@test "SpamAssassin: spamd down gives 451 and nothing delivered; a spamd that never answers hits smtpd's time limit" {
	need_spamd
	port=$(free_port)
	run bash -c 'log=$1; shift; printf "$0" | "$@" 2>"$log" | tr -d "\r"' \
	    "HELO c\r\n$(txn "$HAM")QUIT\r\n" "$BATS_TEST_TMPDIR/log" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -f "$HOOK -d 127.0.0.1 -p $port"
	echo "$output"
	cat "$BATS_TEST_TMPDIR/log"
	echo "$output" | grep -q '^451 4.7.1 Content filter unavailable'
	grep -q 'exited 75: spamc failed with status' "$BATS_TEST_TMPDIR/log"
	[ ! -s "$SPOOL/mail/alice" ]
	# a listener that takes the connection and says nothing
	start_bg python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
conns = []
while True:
    conns.append(s.accept())' "$port"
	wait_port 127.0.0.1 "$port"
	start=$(date +%s)
	run bash -c 'log=$1; shift; printf "$0" | "$@" 2>"$log" | tr -d "\r"' \
	    "HELO c\r\n$(txn "$HAM")QUIT\r\n" "$BATS_TEST_TMPDIR/log" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -t 3 -f "$HOOK -d 127.0.0.1 -p $port"
	took=$(($(date +%s) - start))
	echo "$output"
	cat "$BATS_TEST_TMPDIR/log"
	echo "took $took s"
	[ "$took" -ge 3 ] && [ "$took" -lt 15 ]
	echo "$output" | grep -q '^451 4.7.1'
	grep -q 'took over 3 s, killed' "$BATS_TEST_TMPDIR/log"
	[ ! -s "$SPOOL/mail/alice" ]
}

# rules FILE: tcprules for the test's addresses, so rblsmtpd looks
# nothing up in DNS: RBLSMTPD set decides for every client.
write_rules() {
	printf '%s\n' \
	    '127.0.0.2:allow,RBLSMTPD="-Listed in the test blocklist, see https://rbl.example/127.0.0.2"' \
	    '127.0.0.3:allow,RBLSMTPD="Temporarily listed in the test blocklist"' \
	    ':allow,RBLSMTPD=""' >"$1"
	tcprules "$1.cdb" "$1.tmp" <"$1"
}

@test "rblsmtpd in front (tcpserver, tcprules): a listed client gets 553 or 451 and smtpd never starts; others reach it with TCPREMOTEIP, through the spam filter" {
	command -v tcpserver >/dev/null && command -v rblsmtpd >/dev/null ||
	    skip "ucspi-tcp is not installed (make test installs it as root)"
	need_spamd
	write_rules "$BATS_TEST_TMPDIR/rules"
	port=$(free_port)
	# as README "Running an MX" says, -H -R -l0: no DNS, no ident
	start_bg tcpserver -H -R -l 0 -x "$BATS_TEST_TMPDIR/rules.cdb" \
	    127.0.0.1 "$port" rblsmtpd \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l \
	    -f "$HOOK -d 127.0.0.1 -p $SPAMD_PORT" 2>"$BATS_TEST_TMPDIR/log"
	wait_port 127.0.0.1 "$port"
	gtube="${HAM//Shall we meet at noon, at the usual place?/$GTUBE_LINE}"
	python3 - "$port" "$(printf "$HAM")" "$(printf "$gtube")" <<'PY' | tee "$BATS_TEST_TMPDIR/out"
import smtplib, sys
port, ham, gtube = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for source, body in (("127.0.0.2", ham), ("127.0.0.3", ham),
                     ("127.0.0.1", ham), ("127.0.0.1", gtube)):
    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0))
    try:
        s.sendmail("s@x.example", ["alice@test.example"], body)
        print(source, "accepted")
    except smtplib.SMTPResponseException as e:
        print(source, e.smtp_code, e.smtp_error.decode())
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients["alice@test.example"]
        print(source, code, text.decode())
    s.quit()
PY
	cat "$BATS_TEST_TMPDIR/log"
	grep -q '^127.0.0.2 553 Listed in the test blocklist, see https://rbl.example/127.0.0.2' "$BATS_TEST_TMPDIR/out"
	grep -q '^127.0.0.3 451 Temporarily listed in the test blocklist' "$BATS_TEST_TMPDIR/out"
	grep -q '^127.0.0.1 accepted$' "$BATS_TEST_TMPDIR/out"
	grep -q '^127.0.0.1 554 5.7.1 Message looks like spam' "$BATS_TEST_TMPDIR/out"
	# smtpd never ran for the listed ones
	! grep -q 'client=127.0.0.[23]' "$BATS_TEST_TMPDIR/log"
	[ "$(grep -c 'delivered client=127.0.0.1 \|reject client=127.0.0.1 ' "$BATS_TEST_TMPDIR/log")" -eq 2 ]
	cat "$SPOOL/mail/alice"
	[ "$(grep -c '^Subject: lunch tomorrow' "$SPOOL/mail/alice")" -eq 1 ]
	grep -q '^Received: from .* (\[127.0.0.1\])$' "$SPOOL/mail/alice"
	grep -q '^X-Spam-Status: No' "$SPOOL/mail/alice"
}

# logged ADDR INPUT PROGRAM ARG...: one session of PROGRAM from ADDR
# (TCPREMOTEIP; "" for a pipe client), INPUT as printf text, its syslog
# lines appended to $log.
logged() {
	with_syslog "$log" bash -c 'addr=$1; shift
		printf "$0" | env ${addr:+TCPREMOTEIP=$addr} "$@" >/dev/null' \
	    "$2" "$1" "${@:3}"
}

@test "fail2ban: the shipped filter matches failed logins and error closes of both servers by the real client address, never a forged one" {
	command -v fail2ban-regex >/dev/null ||
	    skip "fail2ban is not installed (make test installs it as root)"
	[ "$(id -u)" -eq 0 ] || skip "a private /dev/log needs root (mount namespace)"
	log="$BATS_TEST_TMPDIR/mail.log"
	: >"$log"
	# smtpd, 192.0.2.7: three AUTH failures with names that try to
	# forge another client= (a space, a newline and a fake prefix)
	logged 192.0.2.7 "EHLO c\r\nAUTH PLAIN $(plain 'x client=198.51.100.1')\r\nAUTH PLAIN $(plain $'y\nsmtpd[1]: auth failed client=198.51.100.2')\r\nAUTH PLAIN $(plain 'client=198.51.100.3')\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -P
	# smtpd, 192.0.2.8: closed after ten errors, with forged text in them
	bad=""
	for _ in $(seq 12); do bad="${bad}BOGUS too many errors client=198.51.100.4\r\n"; done
	logged 192.0.2.8 "HELO client=198.51.100.5\r\n$bad" "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	# pop3d, 192.0.2.9: failed logins whose names forge client=
	logged 192.0.2.9 "USER z=client=198.51.100.6\r\nPASS wrong\r\nAUTH PLAIN $(plain 'w client=198.51.100.8')\r\nQUIT\r\n" \
	    "$BIN/pop3d" "${POP3D_ARGS[@]}" -P
	# pop3d, 192.0.2.10: closed after too many errors
	bad=""
	for _ in $(seq 25); do bad="${bad}XYZZY how=too many errors client=198.51.100.7\r\n"; done
	logged 192.0.2.10 "$bad" "$BIN/pop3d" "${POP3D_ARGS[@]}"
	# good logins and a pipe client's failure: no match
	logged 192.0.2.11 "USER alice\r\nPASS alice-pw\r\nQUIT\r\n" "$BIN/pop3d" "${POP3D_ARGS[@]}" -P
	logged "" "USER alice\r\nPASS wrong\r\nQUIT\r\n" "$BIN/pop3d" "${POP3D_ARGS[@]}"
	syslog_stop
	cat "$log"
	grep -q 'smtpd\[[0-9]*\]: auth failed client=192.0.2.7 user=' "$log"
	grep -q 'pop3d\[[0-9]*\]: login failed client=192.0.2.9 user=' "$log"
	fail2ban_config
	fail2ban-regex --config "$F2B" "$log" mailservers | tee "$BATS_TEST_TMPDIR/summary"
	fail2ban-regex --config "$F2B" -o ip "$log" mailservers | sort | uniq -c |
	    awk '{ print $2, $1 }' | tee "$BATS_TEST_TMPDIR/ips"
	printf '%s\n' '192.0.2.10 1' '192.0.2.7 3' '192.0.2.8 1' '192.0.2.9 2' |
	    diff - "$BATS_TEST_TMPDIR/ips"
}

@test "fail2ban: the shipped jail loads with the filter (fail2ban-client -t), and a private fail2ban-server bans the address" {
	command -v fail2ban-server >/dev/null ||
	    skip "fail2ban is not installed (make test installs it as root)"
	[ "$(id -u)" -eq 0 ] || skip "a private /dev/log needs root (mount namespace)"
	log="$BATS_TEST_TMPDIR/mail.log"
	: >"$log"
	fail2ban_start "$log"
	logged 192.0.2.7 "EHLO c\r\nAUTH PLAIN $(plain 'x client=198.51.100.1')\r\nAUTH PLAIN $(plain y)\r\nAUTH PLAIN $(plain z)\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -P
	fail2ban_banned 192.0.2.7
	! grep -q '198\.51\.100' "$BATS_TEST_TMPDIR/status"
	fail2ban-client -c "$F2B" stop || true
}
