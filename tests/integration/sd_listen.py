#!/usr/bin/env python3
"""Stands in for systemd's notification socket: binds an AF_UNIX datagram socket (a path, or '@name'
for the abstract namespace, as $NOTIFY_SOCKET spells it) and appends each datagram received to a log
as one JSON line {"t": seconds since start, "fields": ["READY=1", "STATUS=..."]}, until SIGTERM.
Writes "listening" to the log's .ready file once bound, so the test starts rowcast after that."""
import json
import signal
import socket
import sys
import time

addr, log = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("\0" + addr[1:] if addr.startswith("@") else addr)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
start = time.monotonic()
with open(log + ".ready", "w") as f:
    f.write("listening\n")
with open(log, "a", buffering=1) as out:
    while True:
        data = sock.recv(4096)
        out.write(json.dumps({"t": round(time.monotonic() - start, 3),
                              "fields": data.decode("utf-8", "replace").split("\n")}) + "\n")
