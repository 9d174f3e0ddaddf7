# Servers behind real superservers, for the end-to-end tests. Everything
# listens on 127.0.0.1 (and ::1) only, on ports free at the time, and
# every test stops what it started by PID.

source "$BATS_TEST_DIRNAME/lib/mail.bash"

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
STARTED=()

# A TCP port nobody listens on now, on 127.0.0.1 and ::1 alike.
free_port() {
	python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

has_ipv6_loopback() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

# wait_port HOST PORT: until something accepts there (10 s at most);
# inside NETNS_EXEC's network namespace when that is set.
wait_port() {
	${NETNS_EXEC[@]+"${NETNS_EXEC[@]}"} python3 - "$1" "$2" <<'PY'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("nothing listens on %s:%s" % (sys.argv[1], sys.argv[2]))
PY
}

# Starts a command in the background in its own process group; stop_all
# ends each group by its leader's PID.
start_bg() {
	setsid "$@" &
	STARTED+=($!)
}

stop_all() {
	for pid in "${STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
	for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
	STARTED=()
}

# xinetd_service PROG PORT [BIND [ARG...]]: the shipped xinetd.d/PROG,
# with the port, the paths, the address to bind (127.0.0.1 unless given)
# and more server arguments filled in, and the sanitizer settings let
# through (xinetd clears the environment). An IPv6 BIND adds
# "flags = IPv6".
xinetd_service() {
	local prog="$1" port="$2" bind="${3:-127.0.0.1}" flags=""
	shift 3 2>/dev/null || shift $#
	case "$bind" in *:*) flags="\n\tflags = IPv6" ;; esac
	sed -e "s|^\(\tserver\t*=\).*|\1 $BIN/$prog|" \
	    -e "s|^\(\tdisable\t*=\).*|\1 no|" \
	    -e "s|^\(\tserver_args\t*=\).*|\1 -n test.example -s $SPOOL/mail -p $USERS $*|" \
	    -e "s|^{|{\n\ttype = UNLISTED\n\tport = $port\n\tbind = $bind$flags\n\tpassenv = ASAN_OPTIONS UBSAN_OPTIONS|" \
	    "$REPO/xinetd.d/$prog"
}

# xinetd_start DIR: a private xinetd serving the services in DIR/d.
xinetd_start() {
	printf 'defaults\n{\n\tlog_type = FILE %s/log\n}\nincludedir %s/d\n' "$1" "$1" >"$1/xinetd.conf"
	start_bg ${NETNS_EXEC[@]+"${NETNS_EXEC[@]}"} xinetd -f "$1/xinetd.conf" -dontfork -pidfile "$1/pid"
}

# activate ADDR:PORT CMD...: CMD once per connection on ADDR:PORT, as a
# systemd Accept=yes socket runs it; the activator's notes go to
# BATS_TEST_TMPDIR/activate.log.
activate() {
	local port="$1"
	shift
	start_bg systemd-socket-activate -l "$port" --accept --inetd "$@" \
	    2>>"$BATS_TEST_TMPDIR/activate.log"
}

# exim_client PORT: a private Exim (t/lib/interop.py) that sends all mail
# by SMTP to 127.0.0.1:PORT with its smtp transport at its defaults.
exim_client() {
	mail_export
	EXIM_CONF=$(python3 -c \
	    'import interop, sys; print(interop.exim_client_setup(int(sys.argv[1])))' "$1")
	EXIM_AS=$(stat -c %U "$SPOOL/mail")
}

# exim_run ARG...: that Exim, as the spool's owner; what it says (an
# untrusted -C configuration logs to stderr) goes to
# BATS_TEST_TMPDIR/exim.log.
exim_run() {
	runuser -u "$EXIM_AS" -- /usr/sbin/exim4 -C "$EXIM_CONF" "$@" \
	    2>>"$BATS_TEST_TMPDIR/exim.log"
}

e2e() {
	python3 "$BATS_TEST_DIRNAME/lib/e2e.py" "$@"
}

# Only protocol lines reached the client: each reply line of $1 (SMTP or
# POP3) looks like one.
only_protocol_lines() {
	local kind="$1" file="$2"
	if [ "$kind" = smtp ]; then
		! grep -Evq '^[2-5][0-9][0-9][ -]' "$file"
	else
		# POP3: status lines; multi-line bodies are checked by the caller
		! grep -Evq '^(\+OK|-ERR|\+ |\.$|[A-Z0-9-]+( .*)?$|[0-9]+ )' "$file"
	fi
}
