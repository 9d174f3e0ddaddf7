#!/bin/sh
# valgrind-bin.sh REAL_BIN WRAP_BIN LOGS: fills WRAP_BIN with scripts that
# run each program of REAL_BIN under memcheck, one log per process in LOGS
# (empty unless memcheck found an error or a leak).
set -eu
real=$(cd "$1" && pwd) wrap=$2 logs=$(cd "$3" && pwd)
mkdir -p "$wrap"
for prog in "$real"/*; do
	name=$(basename "$prog")
	cat >"$wrap/$name" <<WRAP
#!/bin/sh
exec valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \\
    --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect \\
    --log-file=$logs/$name.%p.log "$prog" "\$@"
WRAP
	chmod 0755 "$wrap/$name"
done
