#!/usr/bin/env python3
"""Boot-to-SSH per guest of kfit runs, split into phases (used by bench/benchmark.sh).

  bench/boot-phases.py [--median-only] RUN_DIR...

From each cell's history (host clock): boot_start (before QEMU starts), booted (kfit saw init's
"ready" marker), ssh_ready (logged in). From the guest's console (guest clock, which starts once the
kernel runs): the printk time of "Run /sbin/init" and the uptime init prints on its ready marker.

  before the kernel's clock = (booted - boot_start) - ready uptime: QEMU, firmware, loading and
                              decompressing the kernel (and up to one 50 ms poll of kfit's)
  kernel                    = printk time of "Run /sbin/init"
  init                      = ready uptime - that (mounts, network, rxe, sshd listening)
  ssh                       = ssh_ready - booted (kfit's login: TCP, key exchange, auth)
"""
import json
import pathlib
import re
import statistics
import sys

INIT = re.compile(r"\[\s*([0-9.]+)\] Run /sbin/init")
READY = re.compile(r"kfit-init: ready at ([0-9.]+) s")
PHASES = ["before_kernel", "kernel", "init", "ssh"]


def boots(run):
    for h in sorted(pathlib.Path(run).glob("cells/*/history.jsonl")):
        t = {}
        for line in h.read_text().splitlines():
            e = json.loads(line)
            g = e.get("data", {}).get("guest")
            if e["type"] in ("boot_start", "booted", "ssh_ready") and g is not None:
                t.setdefault(g, {}).setdefault(e["type"], e["hostMs"] / 1000)
        for g, ev in t.items():
            if not {"boot_start", "booted", "ssh_ready"} <= ev.keys():
                continue
            b = {"cell": h.parent.name, "guest": g, "total": ev["ssh_ready"] - ev["boot_start"],
                 "ssh": ev["ssh_ready"] - ev["booted"]}
            console = h.parent / g / "console.log"
            text = console.read_text(errors="replace") if console.is_file() else ""
            mi, mr = INIT.search(text), READY.search(text)
            if mi and mr:
                ready = float(mr.group(1))
                b["kernel"] = float(mi.group(1))
                b["init"] = ready - b["kernel"]
                b["before_kernel"] = ev["booted"] - ev["boot_start"] - ready
            yield b


def line(b):
    parts = [f"{p} {b[p]:.2f}" for p in PHASES if p in b]
    return f"boot to SSH {b['total']:.2f} s ({', '.join(parts)})"


def main():
    args = sys.argv[1:]
    median_only = args[:1] == ["--median-only"]
    runs = [a for a in args[1:] if pathlib.Path(a).is_dir()] if median_only else args
    all_boots = []
    for r in runs:
        for b in boots(r):
            all_boots.append(b)
            if not median_only:
                print(f"  {b['cell']} {b['guest']}: {line(b)}")
    if not all_boots:
        print("  no boots with a history found")
        return
    med = {"total": statistics.median(b["total"] for b in all_boots)}
    for p in PHASES:
        v = [b[p] for b in all_boots if p in b]
        if v:
            med[p] = statistics.median(v)
    tot = sorted(b["total"] for b in all_boots)
    print(f"boot to SSH over {len(all_boots)} guest(s): median {med['total']:.2f} s (range {tot[0]:.2f}-{tot[-1]:.2f} s); "
          "phase medians: " + ", ".join(f"{p} {med[p]:.2f} s" for p in PHASES if p in med))


if __name__ == "__main__":
    main()
