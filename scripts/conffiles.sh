#!/bin/sh
# conffiles.sh install STAGE ROOT [MANIFEST] | uninstall ROOT MANIFEST
#
# The files make install puts under /etc, kept as dpkg keeps conffiles:
# STAGE holds them as shipped (etc/..., modes set); ROOT is DESTDIR or /.
# MANIFEST records the checksum of each as last installed, so that an
# upgrade can tell a file the operator edited from one left as shipped:
#   - new, or unchanged since it was installed: put in place;
#   - edited (or there before us): kept, the new one put beside it as
#     FILE.dist, and said;
#   - removed by the operator after an install: left removed, and said.
# uninstall removes what is as shipped and the .dist files, keeps (and
# names) what was edited, and removes the fail2ban jail link.
# Without MANIFEST (a package build into an empty root) it only copies.
set -eu

sum() { md5sum <"$1" | cut -d' ' -f1; }
recorded() { [ ! -f "$manifest" ] || awk -v f="$1" '$2 == f { print $1 }' "$manifest"; }

case "${1:-}" in
install)
	stage=$2 root=$3 manifest=${4:-}
	new_manifest=
	[ -z "$manifest" ] || { mkdir -p "$(dirname "$manifest")"; new_manifest=$manifest.new; : >"$new_manifest"; }
	(cd "$stage" && find . -type f | sed 's|^\./||' | sort) | while read -r rel; do
		src=$stage/$rel dst=$root/$rel
		mode=$(stat -c %a "$src")
		mkdir -p "$(dirname "$dst")"
		if [ -z "$manifest" ]; then
			install -m "$mode" "$src" "$dst"
			continue
		fi
		new=$(sum "$src") old=$(recorded "/$rel") cur=
		[ ! -e "$dst" ] || cur=$(sum "$dst")
		if [ -z "$cur" ] && [ -n "$old" ]; then
			echo "make install: /$rel was removed after an install: left removed"
			echo "$old /$rel" >>"$new_manifest"
		elif [ -z "$cur" ] || [ "$cur" = "$new" ] || [ "$cur" = "$old" ]; then
			install -m "$mode" "$src" "$dst"
			rm -f "$dst.dist"
			echo "$new /$rel" >>"$new_manifest"
		else
			install -m "$mode" "$src" "$dst.dist"
			echo "make install: kept your edited /$rel; the new version is /$rel.dist"
			[ -z "$old" ] || echo "$old /$rel" >>"$new_manifest"
		fi
	done
	[ -z "$manifest" ] || mv "$new_manifest" "$manifest"
	;;
uninstall)
	root=$2 manifest=$3
	[ -f "$manifest" ] || exit 0
	while read -r old rel; do
		dst=$root$rel
		rm -f "$dst.dist"
		[ -e "$dst" ] || continue
		if [ "$(sum "$dst")" = "$old" ]; then
			rm -f "$dst"
		else
			echo "make uninstall: kept your edited $rel"
		fi
	done <"$manifest"
	rm -f "$manifest"
	rmdir "$(dirname "$manifest")" 2>/dev/null || true
	jail=$root/etc/fail2ban/jail.d/mailservers.conf
	if [ -L "$jail" ] && [ "$(readlink "$jail")" = /etc/mailservers/fail2ban-jail.conf ]; then
		rm -f "$jail"
		echo "make uninstall: removed the fail2ban jail link /etc/fail2ban/jail.d/mailservers.conf"
	fi
	;;
*)
	echo "usage: $0 install STAGE ROOT [MANIFEST] | uninstall ROOT MANIFEST" >&2
	exit 64
	;;
esac
