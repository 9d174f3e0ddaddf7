# A private GlusterFS volume for the shared-spool tests: one brick
# (glusterfsd) listening on 127.0.0.1 only, mounted twice with the FUSE
# client; two mounts keep two sets of caches, as two hosts would. Volume
# files are written under the test's scratch folder: no glusterd, nothing
# of the system's (glusterd refuses a brick on a loopback address).
#
# The client graph is protocol/client alone: the volume options the README
# gives (performance.* off) leave just that. With the default graph,
# md-cache answers fstat() and statx(AT_STATX_FORCE_SYNC) from its cache,
# and a file renamed over on the other mount still shows one link there.

GLUSTER_DIR=
GLUSTER_PIDS=()

gluster_missing() {
	command -v glusterfsd >/dev/null && command -v glusterfs >/dev/null &&
	    [ -e /dev/fuse ] && [ "$(id -u)" -eq 0 ] && return 1
	echo "needs root, /dev/fuse and glusterfs-server, glusterfs-client"
}

# gluster_start DIR [MOUNT_OPTIONS]: brick DIR/brick, mounts DIR/m1 and
# DIR/m2. MOUNT_OPTIONS are the client's, e.g. --attribute-timeout=0.
# DIR/m3 is a third mount with the caching translators a volume has by
# default (write-behind, open-behind, quick-read, md-cache), for the one
# test that needs a client whose cache answers with stale handles; its
# kernel keeps names for 30 s instead of 1, so that a loaded machine
# cannot let the stale name expire before the test uses it (CI once saw
# the mutant without the ESTALE retry pass that way).
gluster_start() {
	local dir="$1" port i
	shift
	GLUSTER_DIR="$dir"
	mkdir -p "$dir/brick" "$dir/m1" "$dir/m2" "$dir/m3" "$dir/log"
	port=$(python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	cat >"$dir/server.vol" <<EOF
volume posix
    type storage/posix
    option directory $dir/brick
end-volume
volume locks
    type features/locks
    subvolumes posix
end-volume
volume iot
    type performance/io-threads
    subvolumes locks
end-volume
volume server
    type protocol/server
    option transport-type tcp
    option transport.address-family inet
    option transport.socket.bind-address 127.0.0.1
    option transport.socket.listen-port $port
    option auth.addr.iot.allow 127.0.0.1
    subvolumes iot
end-volume
EOF
	cat >"$dir/client.vol" <<EOF
volume client
    type protocol/client
    option transport-type tcp
    option transport.address-family inet
    option remote-host 127.0.0.1
    option remote-port $port
    option remote-subvolume iot
end-volume
EOF
	{ cat "$dir/client.vol"; cat <<EOF
volume wb
    type performance/write-behind
    subvolumes client
end-volume
volume ob
    type performance/open-behind
    subvolumes wb
end-volume
volume qr
    type performance/quick-read
    subvolumes ob
end-volume
volume md
    type performance/md-cache
    subvolumes qr
end-volume
EOF
	} >"$dir/client-cache.vol"
	glusterfsd -f "$dir/server.vol" -p "$dir/brick.pid" \
	    -l "$dir/log/brick.log" || return 1
	GLUSTER_PIDS+=("$(cat "$dir/brick.pid")")
	for i in 1 2; do
		glusterfs -f "$dir/client.vol" -p "$dir/m$i.pid" \
		    -l "$dir/log/m$i.log" "$@" "$dir/m$i" || return 1
		GLUSTER_PIDS+=("$(cat "$dir/m$i.pid")")
	done
	glusterfs -f "$dir/client-cache.vol" -p "$dir/m3.pid" --entry-timeout=30 \
	    -l "$dir/log/m3.log" "$dir/m3" || return 1
	GLUSTER_PIDS+=("$(cat "$dir/m3.pid")")
	# both mounts answer
	for _ in $(seq 1 100); do
		mountpoint -q "$dir/m1" && mountpoint -q "$dir/m2" &&
		    mountpoint -q "$dir/m3" &&
		    touch "$dir/m1/.up" 2>/dev/null && [ -e "$dir/m2/.up" ] &&
		    [ -e "$dir/m3/.up" ] && return 0
		sleep 0.1
	done
	echo "the GlusterFS mounts did not come up" >&2
	return 1
}

gluster_stop() {
	local dir="$GLUSTER_DIR" pid
	[ -n "$dir" ] || return 0
	for m in m1 m2 m3; do
		mountpoint -q "$dir/$m" && umount "$dir/$m" 2>/dev/null ||
		    umount -l "$dir/$m" 2>/dev/null || true
	done
	for pid in "${GLUSTER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${GLUSTER_PIDS[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	GLUSTER_PIDS=()
	GLUSTER_DIR=
}
