#!/bin/sh
# musl-crypt.sh DIR: makes DIR/libcrypt.a and DIR/include/crypt.h for a
# static musl build (make CC=musl-gcc). musl's libc has crypt(3) itself
# ($1$ $5$ $6$ $2b$ and DES), and Alpine's has it; Debian's musl-dev
# 1.2.3 is built without it. Then this builds musl's own src/crypt from
# Debian's source of the installed musl, so the binary gets the crypt(3)
# an Alpine box's libc would give it. Where libc.a has crypt, the
# archive is empty.
set -eu
dir=$1
cc=${CC:-musl-gcc}
mkdir -p "$dir/include"
libc=$($cc -print-file-name=libc.a)
rm -f "$dir/libcrypt.a"
if nm "$libc" 2>/dev/null | grep -q ' T crypt$'; then
	ar rc "$dir/libcrypt.a"
	exit 0
fi
version=$(dpkg-query -W -f '${Version}' musl-dev)
upstream=${version%-*}
upstream=${upstream#*:}
tarball="musl_$upstream.orig.tar.gz"
src="$dir/musl-$upstream"
# the tarballs we know, by checksum (fetched over plain http, as apt does,
# so no CA bundle is needed; the checksum is what we trust)
case $upstream in
1.2.3) sum=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4 ;;
*) echo "musl-crypt.sh: no checksum for musl $upstream: add it here" >&2
   exit 1 ;;
esac
if [ ! -d "$src" ]; then
	curl -sSfL -o "$dir/$tarball" \
	    "http://deb.debian.org/debian/pool/main/m/musl/$tarball"
	echo "$sum  $dir/$tarball" | sha256sum -c --quiet
	tar -C "$dir" -xzf "$dir/$tarball" "musl-$upstream/src/crypt" \
	    "musl-$upstream/src/include/crypt.h" \
	    "musl-$upstream/include/crypt.h"
fi
cp "$src/include/crypt.h" "$dir/include/crypt.h"
# musl's internal header declares the hash functions; its libc.h would
# give "hidden" and "weak_alias", defined here the same way. An
# undeclared function is an error: one returning int would cut pointers.
for f in "$src"/src/crypt/*.c; do
	$cc -std=c99 -O2 -D_GNU_SOURCE \
	    -D'hidden=__attribute__((__visibility__("hidden")))' \
	    -D'weak_alias(old,new)=extern __typeof(old) new __attribute__((__weak__, __alias__(#old)))' \
	    -Werror=implicit-function-declaration -Werror=int-conversion \
	    -I"$src/src/include" -c "$f" -o "$dir/$(basename "$f" .c).o"
done
ar rc "$dir/libcrypt.a" "$dir"/*.o
