#!/usr/bin/env bash
# kfit benchmark (not a test): prints what a run costs on this machine.
#   boot-to-SSH time per guest and its median, split into phases (bench/boot-phases.py), warm
#   `reproduce` wall time beside the scenario's hold, cells per hour for the nightly spec,
#   peak QEMU memory per guest.
# Run it after one `./kfit reproduce` and one `./kfit nightly --repetitions 1` have filled the caches,
# so that no build is timed:
#   bench/benchmark.sh [RUNS]      (default 1 warm reproduce)
# The nightly part runs `./kfit nightly --repetitions 1` (8 cells, every cell type of the nightly);
# KFIT_BENCH_NIGHTLY=full runs the whole nightly (60 cells, about an hour here), =off skips it.
# KFIT_BENCH_HOSTS=on also runs the nightly's 6.12 cells on one host and on two test hosts
# (Docker containers on this machine, as the end-to-end tests make them) and prints both rates.
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
    # The hold sets a floor under the run: the patched kernel's unbind waits for it.
    hold=$(sed -n 's/^ *hold: *\([0-9.]*s\).*/\1/p' "$OUT/run$i/spec.yaml" | head -1)
    printf 'warm reproduce run %d: %.1f s for %d cells (the scenario holds the pin %s), peak QEMU RSS %d MiB\n' \
        "$i" "$secs" "$n" "${hold:-?}" $(( $(cat "$OUT/peak") / 1024 ))
    # Boot-to-SSH per guest from each cell's history, split into phases with the guest's console.
    python3 "$ROOT/bench/boot-phases.py" "$OUT/run$i" | tee -a "$OUT/boots.txt"
done
[ "$RUNS" -gt 1 ] && python3 "$ROOT/bench/boot-phases.py" --median-only "$OUT"/run*
printf 'cells per hour (warm reproduce): %.0f\n' "$(echo "3600 * $cells / $total" | bc -l)"

if [ "${KFIT_BENCH_HOSTS:-off}" = on ]; then
    # One host against two test hosts (containers made by the tests' TestHosts on this same machine).
    (cd "$ROOT" && mvn -q -B -pl tests -am verify -Dit.test=HostsBenchmark -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
        -Dfailsafe.failIfNoSpecifiedTests=false > "$OUT/hosts.out" 2>&1) || { tail -40 "$OUT/hosts.out" >&2; exit 3; }
    grep -h '^BENCH hosts' "$OUT/hosts.out" "$ROOT"/tests/target/failsafe-reports/*HostsBenchmark*-output.txt 2>/dev/null | sort -u | sed 's/^BENCH //'
fi

case "${KFIT_BENCH_NIGHTLY:-quick}" in
    off) exit 0 ;;
    full) reps=() ;;
    *) reps=(--repetitions 1) ;;
esac
touch "$OUT/sampling"
peak_sampler &
sampler=$!
"$ROOT/kfit" nightly "${reps[@]}" --out "$OUT/nightly" > "$OUT/nightly.out" 2> "$OUT/nightly.err" || true
rm -f "$OUT/sampling"
wait "$sampler"
if grep -q 'building from\|guest image: building' "$OUT/nightly.err"; then
    echo "the nightly built a kernel: its cells per hour below include no build, but run it once first for a clean figure" >&2
fi
# Cells per hour over the cell phase only (first cell start to last cell end), per scenario too.
python3 - "$OUT/nightly/results.json" "$(( $(cat "$OUT/peak") / 1024 ))" <<'PY'
import json, sys, datetime
cells = json.load(open(sys.argv[1]))["cells"]
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
start = min(t(c["started_at"]) for c in cells)
end = max(t(c["started_at"]) + c["duration_s"] for c in cells)
print(f"nightly: {len(cells)} cells in {end - start:.0f} s of cells: {3600 * len(cells) / (end - start):.0f} cells per hour, "
      f"peak QEMU RSS {sys.argv[2]} MiB")
by = {}
for c in cells:
    by.setdefault(c["scenario"], []).append(c["duration_s"])
for s, v in by.items():
    v.sort()
    print(f"  {s}: {len(v)} cells, median {v[len(v) // 2]:.1f} s per cell")
PY
