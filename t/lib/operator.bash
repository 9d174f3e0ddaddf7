# A copy of this machine to follow the README on: the README's Deploying
# blocks run as root in a chroot whose root is an overlay over / (writes
# go to a tmpfs; the machine itself is never touched), in mount, PID, UTS
# and network namespaces of its own (no systemd: `service` runs the init
# scripts; ports 25, 110 and 587 are its own), with its own /dev (so its
# rsyslogd's /dev/log is not the machine's), /run and /tmp. The client
# is another network namespace on a TEST-NET address. Everything the
# chroot starts dies with the PID namespace's first process.

# op_up DIR: builds the copy under DIR (a tmpfs is mounted there) and
# starts its first process; sets OP_PID (its PID here), OP_NS (the
# client's namespace) and OP_SERVER (the server's address).
op_up() {
	local dir="$1" ready="$1.ready"
	# both ends are namespaces of their own: the machine's routes do not
	# matter
	OP_SERVER=198.51.100.1 OP_CLIENT=198.51.100.2
	OP_NS=opcli$$ OP_SRV_NS=opsrv$$
	local veth=op$$
	ip netns add "$OP_NS"
	ip netns add "$OP_SRV_NS"
	ip link add "${veth}a" type veth peer name "${veth}b"
	ip link set "${veth}a" netns "$OP_NS"
	ip link set "${veth}b" netns "$OP_SRV_NS"
	ip netns exec "$OP_NS" ip addr add "$OP_CLIENT/24" dev "${veth}a"
	ip netns exec "$OP_NS" ip link set "${veth}a" up
	ip netns exec "$OP_NS" ip link set lo up
	ip netns exec "$OP_SRV_NS" ip addr add "$OP_SERVER/24" dev "${veth}b"
	ip netns exec "$OP_SRV_NS" ip link set "${veth}b" up
	ip netns exec "$OP_SRV_NS" ip link set lo up
	mkdir -p "$dir"
	setsid ip netns exec "$OP_SRV_NS" unshare --mount --pid --uts --fork \
	    --propagation private bash -c '
		set -e
		dir=$1 ready=$2
		mount -t tmpfs -o mode=0755 tmpfs "$dir"
		mkdir "$dir/upper" "$dir/work" "$dir/root"
		r=$dir/root
		mount -t overlay overlay \
		    -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$r"
		mount -t proc proc "$r/proc"
		mount -t sysfs sysfs "$r/sys"
		mount -t tmpfs -o mode=0755 tmpfs "$r/dev"
		for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
			IFS=: read -r n ma mi <<<"$d"
			mknod -m 666 "$r/dev/$n" c "$ma" "$mi"
		done
		mkdir "$r/dev/pts" "$r/dev/shm"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
		ln -s pts/ptmx "$r/dev/ptmx"
		ln -s /proc/self/fd "$r/dev/fd"
		mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
		mount -t tmpfs -o mode=0755 tmpfs "$r/run"
		mkdir -p "$r/run/lock"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		hostname mail.example.org
		# a machine with no systemd: service(8) runs the init scripts
		rm -f "$r/usr/sbin/policy-rc.d"
		touch "$ready"
		exec chroot "$r" /bin/sleep infinity
	' _ "$dir" "$ready" &
	OP_LEADER=$!
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
	[ -e "$ready" ] || return 1
	# the PID here of the namespace's first process (sleep, after chroot)
	for _ in $(seq 50); do
		OP_PID=$(pgrep -f -n -x '/bin/sleep infinity' -s "$OP_LEADER" || true)
		[ -n "$OP_PID" ] && break
		sleep 0.1
	done
	[ -n "$OP_PID" ]
}

# op CMD...: CMD as root inside the copy (its root, namespaces, /).
op() {
	nsenter -t "$OP_PID" -m -n -p -u -r -w env -i \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root TERM=dumb "$@"
}

# op_outside CMD...: CMD in the copy's namespaces but with the machine's
# root, where OP_DIR/upper shows every file the copy wrote.
op_outside() {
	nsenter -t "$OP_PID" -m -n -p "$@"
}

# op_client CMD...: CMD in the client's namespace.
op_client() {
	ip netns exec "$OP_NS" "$@"
}

# op_down: ends everything the copy ran and removes the namespaces.
op_down() {
	[ -z "${OP_PID:-}" ] || kill -KILL "$OP_PID" 2>/dev/null || true
	[ -z "${OP_LEADER:-}" ] || wait "$OP_LEADER" 2>/dev/null || true
	[ -z "${OP_NS:-}" ] || ip netns del "$OP_NS" 2>/dev/null || true
	[ -z "${OP_SRV_NS:-}" ] || ip netns del "$OP_SRV_NS" 2>/dev/null || true
}

# readme_blocks TAG: the README's ```sh TAG blocks, in order, each
# preceded by a comment naming its line (the code as written, the list
# indentation removed).
readme_blocks() {
	awk -v tag="$1" '
		/^ *```/ {
			if (inside) { inside = 0; next }
			info = $0; sub(/^ *```/, "", info)
			if (info == "sh " tag) {
				inside = 1; indent = index($0, "`") - 1
				printf "# README.md line %d\n", NR
				next
			}
		}
		inside { print substr($0, indent + 1) }
	' "$REPO/README.md"
}
