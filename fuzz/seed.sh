#!/usr/bin/env bash
# Seeds for make fuzz, from the tests: the transcripts as sent (CRLF), the
# mailboxes, the users and aliases files, and some paths and base64.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
rm -rf "$out"
mkdir -p "$out"/{smtpd,pop3d,address,mbox,mbox_portable,users,aliases,sasl,base64,headers,data,journal,size,proxy}
crlf() { grep -v '^#' "$1" | sed 's/$/\r/'; }
for f in t/smtpd/*.in; do crlf "$f" >"$out/smtpd/$(basename "$f")"; done
for f in t/pop3d/*.in; do
	crlf "$f" | sed 's/@APOP:[^@]*@/c4c9334bac560ecc979e58001b3e22fb/' \
	    >"$out/pop3d/$(basename "$f")"
done
for f in t/pop3d/*.before t/pop3d/*.after t/smtpd/*.after; do
	cp "$f" "$out/mbox/"
done
cp -r "$out/mbox/." "$out/mbox_portable/"
cp t/smtpd/18-aliases.aliases "$out/aliases/18"
printf 'alice:{PLAIN}x\nBob:{SHA512-CRYPT}$6$s$h:1000::\n# c\n.bad:x\n' \
    >"$out/users/users"
cp t/smtpd/22-quota.users "$out/users/quota"
i=0
for s in 1M 10kB 007 3B 1T 99999999999999999999 \
    'userdb_quota_rule=*:storage=1G:messages=10' \
    'userdb_quota_rule=?:bytes=5000 userdb_quota_storage_size=unlimited' \
    'userdb_nice=5  userdb_quota_rule=*:ignore'; do
	printf '%s' "$s" >"$out/size/$((i++))"
done
i=0
for p in '<a@b.example>' '<"quoted local"@[192.0.2.1]>' '<@route,@r2:u@d>' \
    '<>' '<postmaster>' '<u+tag@xn--caf-dma.example>' '<用户@例子.广告>' \
    '<a@[IPv6:2001:db8::1]>' '<a.b.c@d> SIZE=10 BODY=8BITMIME'; do
	printf '%s' "$p" >"$out/address/$((i++))"
done
printf '\x81\x10AGFsaWNlAGFsaWNlLXB3\n' >"$out/sasl/plain"
printf '\x02\x10YWxpY2U=\nYWxpY2UtcHc=\n*\n' >"$out/sasl/login"
printf '\x00\x10YWxpY2UgMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n' \
    >"$out/sasl/cram"
printf 'Zm9vYmFy' >"$out/base64/a"
printf 'Zm9vYg==' >"$out/base64/b"
printf 'X-Spam-Status: No, score=0.0 required=5.0 tests=NONE\r\n\tautolearn=disabled\r\nX-Spam-Level: \r\n' \
    >"$out/headers/spamassassin"
printf 'X-A: 1\n\nX-B: 2' >"$out/headers/empty-line"
# the byte machine: a framing byte, then DATA's text (the transcripts' bodies)
i=0
for f in t/smtpd/*.in; do
	{ printf "\\00$((i % 3))"; crlf "$f" | sed -n '/^DATA\r$/,$p' | tail -n +2; } \
	    >"$out/data/$((i++))"
done
printf 'PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\r\nEHLO x\r\n' >"$out/proxy/v1"
printf 'PROXY TCP6 2001:db8::7 2001:db8::1 56324 25\r\n' >"$out/proxy/v1-6"
printf 'PROXY UNKNOWN\r\nQUIT\r\n' >"$out/proxy/unknown"
printf '\r\n\r\n\0\r\nQUIT\n\041\021\0\017\300\0\002\011\306\063\144\001\334\004\0\031\004\0\0EHLO x\r\n' \
    >"$out/proxy/v2"
printf '\r\n\r\n\0\r\nQUIT\n\040\0\0\0QUIT\r\n' >"$out/proxy/v2-local"
printf 'spool-journal 1 begin ino=1234 before=0 after=77 head=46726f6d20 \n' \
    >"$out/journal/begin"
printf 'spool-journal 1 done ino=99 before=10 after=20 head=\n' >"$out/journal/done"
