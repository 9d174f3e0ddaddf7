#!/usr/bin/env bash
# make run: the quick start of SPEC section 1. Makes a demo spool and the
# user "demo" (password "demo") under demo/ (git-ignored), and serves SMTP
# on 127.0.0.1:2525 and POP3 on 127.0.0.1:1100 through
# systemd-socket-activate, one process per connection, in the foreground
# until Ctrl-C. Ports can be changed with SMTP_PORT and POP3_PORT. $1 is
# the directory of the binaries to serve (make run gives its build's).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=${1:-$PWD/build/plain/bin}

SMTP_PORT=${SMTP_PORT:-2525}
POP3_PORT=${POP3_PORT:-1100}
DEMO=$PWD/demo

if ! command -v systemd-socket-activate >/dev/null 2>&1; then
	echo "make run needs systemd-socket-activate (Debian: apt-get install systemd)" >&2
	exit 69
fi
# As root the servers become nobody, who must reach the demo spool: a
# checkout inside a private directory (root's home) cannot serve it.
if [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$PWD"; then
	echo "make run: as root the servers run as nobody, who cannot enter $PWD (a parent directory is private): clone the repository under a directory others can enter, such as /usr/local/src or /tmp, or run make run as an ordinary user" >&2
	exit 77
fi
mkdir -p "$DEMO/spool"
printf 'demo:{PLAIN}demo\n' >"$DEMO/passwd"
chmod 0644 "$DEMO/passwd"
args=(-n localhost -s "$DEMO/spool" -p "$DEMO/passwd")
if [ "$(id -u)" -eq 0 ]; then
	# The servers never run as root: they become the spool's owner.
	chown nobody "$DEMO/spool"
	chmod 0755 "$DEMO"
	args+=(-U nobody)
fi

pids=()
stop() {
	trap - INT TERM EXIT
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop INT TERM EXIT

systemd-socket-activate -l "127.0.0.1:$SMTP_PORT" --accept --inetd \
    "$BIN_DIR/smtpd" "${args[@]}" 2>>"$DEMO/activate.log" &
pids+=($!)
systemd-socket-activate -l "127.0.0.1:$POP3_PORT" --accept --inetd \
    "$BIN_DIR/pop3d" "${args[@]}" 2>>"$DEMO/activate.log" &
pids+=($!)

cat <<MSG
smtpd on 127.0.0.1:$SMTP_PORT and pop3d on 127.0.0.1:$POP3_PORT; user demo, password demo.
The mailbox is $DEMO/spool/demo; the servers log to syslog (journalctl -t smtpd -t pop3d).

Send a message:
  printf 'Subject: hello\r\n\r\nIt works.\r\n' >/tmp/msg.txt
  curl smtp://127.0.0.1:$SMTP_PORT --mail-from you@example.org --mail-rcpt demo@localhost --upload-file /tmp/msg.txt

List and fetch it:
  curl pop3://demo:demo@127.0.0.1:$POP3_PORT/
  curl pop3://demo:demo@127.0.0.1:$POP3_PORT/1

Or talk to them: telnet 127.0.0.1 $SMTP_PORT, telnet 127.0.0.1 $POP3_PORT.
Ctrl-C stops both.
MSG
wait
