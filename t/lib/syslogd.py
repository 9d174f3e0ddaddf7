"""A private syslog daemon for the tests: reads syslog(3) datagrams on the
Unix socket argv[1] and appends them to argv[2] as rsyslog writes
/var/log/mail.log ("Nov 30 07:49:25 HOST smtpd[123]: text"), the form
fail2ban's filters read. glibc sends "<PRI>TIMESTAMP IDENT[PID]: text"."""
import os
import re
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
host = socket.gethostname().split(".")[0]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
os.chmod(sock_path, 0o666)
with open(out_path, "a", buffering=1) as out:
    while True:
        text = sock.recv(65536).decode("utf-8", "backslashreplace")
        m = re.match(r"<\d+>(\w{3} [ \d]\d \d\d:\d\d:\d\d) (.*)", text, re.S)
        if m:
            # rsyslog shows a control byte as #ooo
            body = re.sub(r"[\x00-\x1f]",
                          lambda c: "#%03o" % ord(c.group()), m[2].rstrip("\n"))
            out.write("%s %s %s\n" % (m[1], host, body))
