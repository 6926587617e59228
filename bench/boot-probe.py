#!/usr/bin/env python3
"""Where a guest's boot-to-SSH time goes (an experiment tool, not a test).

Boots one guest with the QEMU argv a kfit cell used (its qemu.log), optionally changed, and stamps
on the host clock: QEMU started, first console byte, the kernel's first line, init started, each
kfit-init marker, sshd answering a login (OpenSSH client, retried every 20 ms), a second login.
The console file is polled every 5 ms, so stamps are late by at most that.

  bench/boot-probe.py QEMU_LOG IMAGE_DIR [--runs N] [--qemu-arg X ...] [--drop-arg PREFIX ...]
                      [--append WORD ...] [--ssh-opt OPT ...] [--then CMD] [--keep]

Wrap it in `flock /tmp/kfit-machine.lock` so no other guest or build shares the cores meanwhile.
"""
import argparse
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MARKERS = [("kernel", "Linux version"), ("init", "Run /sbin/init"), ("booted", "kfit-init: booted"),
           ("ready", "kfit-init: ready")]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def argv_from_log(path):
    # kfit logs its argv joined by spaces, unquoted: the kernel command line is the words between
    # -append and the next option.
    words = [l for l in open(path) if l.startswith("qemu-system")][0].split()
    i = words.index("-append")
    j = next(k for k in range(i + 1, len(words)) if words[k].startswith("-"))
    return words[:i + 1] + [" ".join(words[i + 1:j])] + words[j:]


NO_VALUE = {"-nodefaults", "-no-user-config", "-no-reboot"}


def adapt(argv, console, qmp, port, args):
    out = [argv[0]]
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in NO_VALUE:
            out.append(a)
            i += 1
            continue
        v = argv[i + 1]
        i += 2
        if a == "-chardev" and v.startswith("file,id=console"):
            v = "file,id=console,path=" + console
        elif a == "-qmp":
            v = "unix:" + qmp + ",server=on,wait=off"
        elif a == "-netdev" and "hostfwd=" in v:
            v = re.sub(r"hostfwd=tcp:127.0.0.1:\d+-:22", "hostfwd=tcp:127.0.0.1:%d-:22" % port, v)
        elif a == "-append":
            v = " ".join([v] + args.append)
        if any((a + " " + v).startswith(d) for d in args.drop_arg):
            continue
        out += [a, v]
    for q in args.qemu_arg:
        out.extend(shlex.split(q))
    return out


def ssh_login(port, key, opts, timeout=5):
    cmd = ["ssh", "-q", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "ConnectTimeout=%d" % timeout, "-i", key, "-p", str(port)] + [x for o in opts for x in ("-o", o)] \
          + ["root@127.0.0.1", "true"]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=timeout + 5).returncode == 0


def one(args, n):
    d = tempfile.mkdtemp(prefix="kfit-probe.")
    console, qmp, port = os.path.join(d, "console.log"), os.path.join(d, "q.qmp"), free_port()
    argv = adapt(argv_from_log(args.qemu_log), console, qmp, port, args)
    if n == 0:
        print("argv:", " ".join(argv), file=sys.stderr)
    key = os.path.join(args.image_dir, "id_ed25519")
    stamps = {}
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open(os.path.join(d, "qemu.out"), "w"),
                         stderr=subprocess.STDOUT)
    try:
        deadline = t0 + 120
        text = ""
        while "ready" not in stamps:
            if time.monotonic() > deadline or p.poll() is not None:
                raise SystemExit("guest not ready (exit %s); console in %s" % (p.poll(), console))
            try:
                with open(console, errors="replace") as f:
                    text = f.read()
            except FileNotFoundError:
                pass
            now = time.monotonic() - t0
            if text and "first_byte" not in stamps:
                stamps["first_byte"] = now
            for name, m in MARKERS:
                if name not in stamps and m in text:
                    stamps[name] = now
            time.sleep(0.005)
        tries = 0
        while True:
            tries += 1
            if ssh_login(port, key, args.ssh_opt):
                break
            if time.monotonic() > deadline:
                raise SystemExit("no SSH login")
            time.sleep(0.02)
        stamps["ssh"] = time.monotonic() - t0
        a = time.monotonic()
        ssh_login(port, key, args.ssh_opt)
        stamps["second_login"] = time.monotonic() - a
        stamps["ssh_tries"] = tries
        # The guest's own clock: printk times of the kernel's first line (0) and of init's start.
        m = re.search(r"\[\s*([0-9.]+)\] Run /sbin/init", text)
        stamps["guest_init_s"] = float(m.group(1)) if m else float("nan")
        stamps["console_bytes"] = len(text)
        print("run %d: console %s" % (n, console), file=sys.stderr)
        if args.then:
            # Another client's view of the same guest (kfit's own SSH code, say): {port} is its SSH port.
            subprocess.run(args.then.replace("{port}", str(port)), shell=True, timeout=120)
    finally:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if not args.keep and "ssh" in stamps:  # a failed boot keeps its console, named in the error
            shutil.rmtree(d, ignore_errors=True)
    return stamps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("qemu_log")
    ap.add_argument("image_dir")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--qemu-arg", action="append", default=[])
    ap.add_argument("--drop-arg", action="append", default=[])
    ap.add_argument("--append", action="append", default=[])
    ap.add_argument("--ssh-opt", action="append", default=[])
    ap.add_argument("--keep", action="store_true", help="keep each boot's console (its path is printed)")
    ap.add_argument("--then", help="a shell command run once the guest is up, {port} its SSH port")
    args = ap.parse_args()
    rows = [one(args, i) for i in range(args.runs)]
    keys = ["first_byte", "kernel", "init", "booted", "ready", "ssh", "second_login", "ssh_tries", "guest_init_s",
            "console_bytes"]
    for r in rows:
        print("  ".join("%s=%.3f" % (k, r[k]) if isinstance(r[k], float) else "%s=%s" % (k, r[k]) for k in keys if k in r))
    med = {k: statistics.median([r[k] for r in rows]) for k in keys}
    print("median: " + "  ".join("%s=%.3f" % (k, med[k]) for k in keys))
    # Phases: the kernel's clock starts after firmware, loading and decompression.
    pre = med["init"] - med["guest_init_s"]
    print("phases (median): before the kernel's clock %.2f s | kernel to init %.2f s | init to ready %.2f s | "
          "ready to first login %.2f s | a second login %.2f s | total %.2f s"
          % (pre, med["guest_init_s"], med["ready"] - med["init"], med["ssh"] - med["ready"], med["second_login"],
             med["ssh"]))


if __name__ == "__main__":
    main()
