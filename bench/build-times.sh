#!/usr/bin/env bash
# kfit benchmark (not a test): one kernel built three ways on this machine, printed side by side.
#   step    as a bisect step or a patched sibling: from a copy of a kept built tree of the same
#           source and configuration, so make recompiles only what the patches touch
#   ccache  from a fresh tree with ccache warm (what kfit did before it kept trees)
#   full    from a fresh tree with an empty ccache (what a fresh machine pays for its first kernel)
# The kernel is Debian's 6.12 with tests/patches/planted-delay (one file differs from a kept 6.12
# tree). Run it after one `./kfit reproduce`, which fills the sources, the ccache and the kept trees.
#   bench/build-times.sh              all three (full takes 10 to 20 min on 2 cores)
#   KFIT_BENCH_FULL=off bench/build-times.sh    step and ccache only
# Each build goes to a scratch cache that borrows only what that mode may use from ~/.cache/kfit
# (sources, the guest image; ccache for ccache and step; kept trees for step), so nothing is
# served from the kernel cache and the real cache's kernels are not touched.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${KFIT_CACHE:-$HOME/.cache/kfit}
WORK=$(mktemp -d /tmp/kfit-bench-build.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

[ -d "$CACHE/sources" ] && ls "$CACHE"/sources/linux-source-6.12_*.tar.xz >/dev/null 2>&1 \
    || { echo "no 6.12 source in $CACHE/sources: run ./kfit reproduce first" >&2; exit 2; }
[ -d "$CACHE/trees" ] || { echo "no kept trees in $CACHE/trees: run ./kfit reproduce first" >&2; exit 2; }

# The jar is copied: a rebuild of the checkout's jar while this runs must not pull it away.
(cd "$ROOT" && mvn -B -q -pl orchestrator -am package -DskipTests >/dev/null)
cp "$ROOT/orchestrator/target/kfit-all.jar" "$WORK/kfit.jar"
cat > "$WORK/spec.yaml" <<EOF
kernels:
  - label: bench-6.12-delay
    source: debian:linux-source-6.12
    patches: [$ROOT/tests/patches/planted-delay/linux-6.12]
scenarios:
  - name: pinned-unbind
EOF

build() {   # MODE DIR...: build in a scratch cache that links the named subdirectories of the real one
    local mode=$1; shift
    local c=$WORK/cache-$mode
    mkdir -p "$c"
    for d in sources images apt "$@"; do
        if [ -e "$CACHE/$d" ] && [ ! -e "$c/$d" ]; then ln -s "$CACHE/$d" "$c/$d"; fi
    done
    [ -e "$c/ccache" ] || mkdir "$c/ccache"
    [ -e "$c/trees" ] || mkdir "$c/trees"
    local t0 t1
    t0=$(date +%s.%N)
    KFIT_CACHE=$c java -Dkfit.root="$ROOT" -jar "$WORK/kfit.jar" build "$WORK/spec.yaml" \
        > "$WORK/$mode.out" 2> "$WORK/$mode.err" || { tail -30 "$WORK/$mode.err" >&2; exit 3; }
    t1=$(date +%s.%N)
    local secs how
    secs=$(python3 -c 'import json,glob,sys; print("%.0f" % json.load(open(glob.glob(sys.argv[1])[0]))["buildSeconds"])' \
        "$c/kernels/*/build.json")
    how=$(grep -o 'incremental, from the built tree [0-9a-f]*' "$WORK/$mode.err" | head -1 || true)
    printf '%-7s %6s s of make   %6.0f s wall   %s\n' "$mode" "$secs" "$(echo "$t1 - $t0" | bc)" "${how:-fresh tree}"
    # The step build may have kept its tree among the real ones; the scratch kernels go with $WORK.
}

echo "kfit build times on $(hostname): $(nproc) cores, $(date -u +%F), kernel 6.12.117 + planted-delay"
# A step needs a kept tree of its source and configuration; the real cache may have evicted them all
# (3 are kept), so the plain 6.12 is built first into the step's scratch cache (not timed): its tree
# is kept, and the timed build is then the one-patch step from it, as in a bisection.
printf 'kernels:\n  - label: bench-6.12\n    source: debian:linux-source-6.12\nscenarios:\n  - name: pinned-unbind\n' \
    > "$WORK/base.yaml"
mkdir -p "$WORK/cache-step"
for d in sources images apt ccache trees; do
    if [ -e "$CACHE/$d" ]; then ln -s "$CACHE/$d" "$WORK/cache-step/$d"; fi
done
KFIT_CACHE=$WORK/cache-step java -Dkfit.root="$ROOT" -jar "$WORK/kfit.jar" build "$WORK/base.yaml" \
    > "$WORK/base.out" 2> "$WORK/base.err" || { tail -30 "$WORK/base.err" >&2; exit 3; }
rm -rf "$WORK/cache-step/kernels"
build step ccache trees
build ccache ccache
if [ "${KFIT_BENCH_FULL:-on}" != off ]; then
    build full
fi
