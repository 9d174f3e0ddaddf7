#!/usr/bin/env python3
"""The smallest inetd, for tests: listens on ADDR:PORT and runs CMD once
per connection with the socket as its stdin and stdout, as xinetd's
"wait = no" does. stderr goes where this program's goes.

    superserver.py ADDR PORT CMD ARG...

ADDR "::" listens dual-stack, so IPv4 clients arrive v4-mapped. Prints
"listening" once ready; stops on SIGTERM.
"""
import socket
import subprocess
import sys


def main():
    addr, port, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    lsock.bind((addr, port))
    lsock.listen(16)
    print("listening", flush=True)
    while True:
        conn, _ = lsock.accept()
        subprocess.Popen(cmd, stdin=conn, stdout=conn, close_fds=True)
        conn.close()


main()
