#!/usr/bin/env bash
# kfit benchmark (not a test): prints what a run costs on this machine.
#   boot-to-SSH time per guest, warm `reproduce` wall time, cells per hour, peak QEMU memory per guest.
# Run it after one `./kfit reproduce` has filled the caches, so that no build is timed:
#   bench/benchmark.sh [RUNS]      (default 1 warm reproduce)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-1}
OUT=$(mktemp -d /tmp/kfit-bench.XXXXXX)
trap '[ -n "${KFIT_BENCH_KEEP:-}" ] || rm -rf "$OUT"' EXIT

peak_sampler() {   # largest RSS of any kfit QEMU, in KiB, sampled every 0.5 s
    local peak=0 rss
    while [ -e "$OUT/sampling" ]; do
        for rss in $(ps -C qemu-system-x86_64 -o rss= 2>/dev/null); do
            [ "$rss" -gt "$peak" ] && peak=$rss
        done
        echo "$peak" > "$OUT/peak"
        sleep 0.5
    done
}

echo "kfit benchmark on $(hostname): $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F)"
total=0
cells=0
for i in $(seq 1 "$RUNS"); do
    touch "$OUT/sampling"
    peak_sampler &
    sampler=$!
    t0=$(date +%s.%N)
    "$ROOT/kfit" reproduce --out "$OUT/run$i" > "$OUT/run$i.out" 2> "$OUT/run$i.err" || true
    t1=$(date +%s.%N)
    rm -f "$OUT/sampling"
    wait "$sampler"
    if grep -q 'building from\|guest image: building' "$OUT/run$i.err"; then
        echo "run $i built a kernel or the image: run ./kfit reproduce once first, then benchmark" >&2
        exit 2
    fi
    secs=$(echo "$t1 - $t0" | bc)
    n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['cells']))" "$OUT/run$i/results.json")
    total=$(echo "$total + $secs" | bc)
    cells=$((cells + n))
    printf 'warm reproduce run %d: %.1f s for %d cells, peak QEMU RSS %d MiB\n' "$i" "$secs" "$n" $(( $(cat "$OUT/peak") / 1024 ))
    # Boot-to-SSH from each cell's history: boot_start (QEMU started) to ssh_ready (logged in).
    python3 - "$OUT/run$i" <<'PY'
import json, pathlib, sys
for h in sorted(pathlib.Path(sys.argv[1]).glob("cells/*/history.jsonl")):
    start, ready = {}, {}
    for line in h.read_text().splitlines():
        e = json.loads(line)
        g = e.get("data", {}).get("guest")
        if e["type"] == "boot_start": start[g] = e["hostMs"]
        if e["type"] == "ssh_ready": ready[g] = e["hostMs"]
    for g in start:
        if g in ready:
            print(f"  {h.parent.name} {g}: boot to SSH {(ready[g] - start[g]) / 1000:.1f} s")
PY
done
printf 'cells per hour (warm reproduce, sequential): %.0f\n' "$(echo "3600 * $cells / $total" | bc -l)"
