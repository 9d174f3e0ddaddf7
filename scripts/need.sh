#!/bin/sh
# need.sh test|ci|run|bench|musl|afl|deb: installs the Debian packages that make test
# (CI's further stages, make run, make bench) need and this machine lacks,
# quietly, when run as root; otherwise names them and the command that
# would install them, and goes on (the tests that need a missing program
# skip themselves and say so).
set -eu

# command (or file) -> Debian package that provides it
test_needs="
bats:bats parallel:parallel python3:python3 strace:strace mkpasswd:whois /usr/bin/time:time
ip:iproute2 xinetd:xinetd stunnel:stunnel4 curl:curl openssl:openssl
systemd-socket-activate:systemd groff:groff-base
/usr/include/crypt.h:libcrypt-dev
exim4:exim4-daemon-light procmail:procmail lockfile:procmail
flock:util-linux runuser:util-linux
swaks:swaks msmtp:msmtp mpop:mpop fetchmail:fetchmail
glusterfsd:glusterfs-server glusterfs:glusterfs-client
spamd:spamd spamc:spamc tcpserver:ucspi-tcp fail2ban-regex:fail2ban
unshare:util-linux doveadm:dovecot-core haproxy:haproxy
rsyslogd:rsyslog iptables:iptables nsenter:util-linux
dh:debhelper dpkg-buildpackage:dpkg-dev lintian:lintian
"
build_needs="cc:gcc /usr/include/stdio.h:libc6-dev /usr/include/crypt.h:libcrypt-dev"
ci_needs="make:make clang:clang valgrind:valgrind"
# make run serves through systemd-socket-activate and prints curl commands
run_needs="systemd-socket-activate:systemd curl:curl runuser:util-linux"
# make test-musl: musl-gcc, and curl for musl's crypt source
musl_needs="musl-gcc:musl-tools curl:curl"
# make fuzz-afl
afl_needs="afl-fuzz:afl++ afl-clang-fast:afl++ clang:clang"
# make deb
deb_needs="dh:debhelper dpkg-buildpackage:dpkg-dev cc:gcc /usr/include/crypt.h:libcrypt-dev"
# make bench installs its peer servers itself (bench/peers.py)
bench_needs="python3:python3 mkpasswd:whois /usr/bin/time:time"

case "${1:-test}" in
test) needs="$build_needs $test_needs" ;;
ci) needs="$build_needs $test_needs $ci_needs $musl_needs $afl_needs" ;;
musl) needs="$build_needs $musl_needs" ;;
afl) needs="$build_needs $afl_needs" ;;
run) needs="$build_needs $run_needs" ;;
bench) needs="$build_needs $bench_needs" ;;
deb) needs="$deb_needs" ;;
*) echo "usage: $0 test|ci|run|bench|musl|afl|deb" >&2; exit 64 ;;
esac

missing=
for pair in $needs; do
	what=${pair%%:*} pkg=${pair#*:}
	case "$what" in
	/*) [ -e "$what" ] && continue ;;
	*) command -v "$what" >/dev/null 2>&1 && continue ;;
	esac
	case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "missing:$missing (as root: apt-get install$missing);" \
	    "the tests that need them will be skipped"
	exit 0
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# The tests run private instances: no service the packages bring (Exim,
# Dovecot, spamd, fail2ban) is started, nor left listening on the box.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# scripts/need.sh: install, never start\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
