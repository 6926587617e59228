#!/usr/bin/env python3
# Stands in for qemu-system-x86_64 in unit tests: takes QEMU's argv, writes the console that the file
# named by $FAKE_CONSOLE_SCRIPT describes (its lines as they are; "@sleep S" pauses S seconds; "@exit N"
# ends QEMU with status N, as -no-reboot does after a panic) into the
# -chardev file, answers QMP on the -qmp unix socket ("quit" ends it) and listens where a socket netdev
# listens (so a linked guest's QEMU finds its peer). No guest runs.
import json
import os
import socket
import sys
import threading
import time

argv = sys.argv[1:]
console = qmp = None
listeners = []
for i, a in enumerate(argv[:-1]):
    if a == "-netdev" and ",listen=" in argv[i + 1]:
        host, port = argv[i + 1].split(",listen=", 1)[1].split(",")[0].rsplit(":", 1)
        link = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        link.bind((host, int(port)))
        link.listen(1)
        listeners.append(link)
    if a == "-chardev" and argv[i + 1].startswith("file,id=console,path="):
        console = argv[i + 1].split("path=", 1)[1]
    if a == "-qmp" and argv[i + 1].startswith("unix:"):
        qmp = argv[i + 1][len("unix:"):].split(",")[0]

server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(qmp)
server.listen(1)


def serve():
    while True:
        conn, _ = server.accept()
        f = conn.makefile("rw")
        f.write(json.dumps({"QMP": {"version": {}, "capabilities": []}}) + "\n")
        f.flush()
        for line in f:
            command = json.loads(line).get("execute")
            f.write(json.dumps({"return": {}}) + "\n")
            f.flush()
            if command == "quit":
                os._exit(0)


threading.Thread(target=serve, daemon=True).start()
with open(console, "a") as out:
    for line in open(os.environ["FAKE_CONSOLE_SCRIPT"]):
        if line.startswith("@sleep "):
            time.sleep(float(line.split()[1]))
            continue
        if line.startswith("@exit "):
            out.flush()
            os._exit(int(line.split()[1]))
        out.write(line)
        out.flush()
while True:
    time.sleep(1)
