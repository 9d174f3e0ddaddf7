#!/bin/sh
# test-scratch.sh BIN SAN_LOGS: where make test puts what the servers
# reach after they drop root. As root, when the unprivileged users the
# tests switch to (nobody, mail) cannot reach BIN (a checkout in a private
# directory such as root's home), the binaries are copied to a
# world-readable scratch folder and the sanitizer logs go there too.
# Prints "BIN SAN_LOGS SCRATCH" (SCRATCH "-" when none was made).
set -eu
bin=$1 logs=$2
reachable() {
	runuser -u "$1" -- test -x "$bin/smtpd" 2>/dev/null
}
if [ "$(id -u)" -ne 0 ] || { reachable nobody && reachable mail; }; then
	echo "$bin $logs -"
	exit 0
fi
scratch=$(mktemp -d /tmp/mail-test-bin.XXXXXX)
chmod 0755 "$scratch"
cp -p "$bin"/* "$scratch/"
echo "note: $bin is closed to unprivileged users; testing a copy in $scratch" >&2
echo "$scratch $scratch/sanitizer-logs $scratch"
