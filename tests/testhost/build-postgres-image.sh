#!/usr/bin/env bash
# Builds the Docker image of a PostgreSQL server for the results store's end-to-end test
# (dev.kfit.e2e.StorePostgresIT) from Debian's packages, since no container registry is reachable:
# debootstrap of bookworm with postgresql-15, then `docker import`. The server's cluster is made
# when a container starts (KfitPostgres), not here: each test gets a fresh, empty database.
#
#   tests/testhost/build-postgres-image.sh        prints the image name (kfit-postgres:KEY) on stdout
#
# KEY hashes this script and its inputs (suite, mirror, packages): an unchanged recipe whose image
# exists is a no-op. The root file system is kept as ${KFIT_CACHE:-$HOME/.cache/kfit}/postgres/KEY.tar,
# so a wiped Docker store re-imports it without running debootstrap again. Needs root (debootstrap).
set -euo pipefail

SUITE=bookworm
MIRROR=${KFIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# locales: postgresql-15 depends on "locales | locales-all", which debootstrap does not resolve.
PACKAGES=(postgresql-15 locales)
DEBOOTSTRAP_TIMEOUT=${KFIT_TESTHOST_DEBOOTSTRAP_TIMEOUT:-900}
IMPORT_TIMEOUT=300

say() { echo "build-postgres-image: $*" >&2; }
die() { say "$*"; exit 3; }

SELF=$(readlink -f "${BASH_SOURCE[0]}")
KEY=$( { cat "$SELF"; echo "$SUITE $MIRROR ${PACKAGES[*]}"; } | sha256sum | cut -c1-16)
IMAGE=kfit-postgres:$KEY
CACHE=${KFIT_CACHE:-$HOME/.cache/kfit}/postgres
TARBALL=$CACHE/$KEY.tar

if [ "${1:-}" != "--rootfs-only" ]; then
    command -v docker >/dev/null || die "the docker client is missing (./kfit test installs docker.io)"
    docker info >/dev/null 2>&1 || die "no Docker engine answers (./kfit test starts one)"
    if docker image inspect "$IMAGE" >/dev/null 2>&1; then
        echo "$IMAGE"
        exit 0
    fi
fi

if [ ! -f "$TARBALL" ]; then
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
    mkdir -p "$CACHE"
    ROOTFS=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf --one-file-system "$ROOTFS" "$TARBALL.tmp"' EXIT
    LOG=$CACHE/$KEY.debootstrap.log
    say "debootstrap $SUITE with ${PACKAGES[*]} (log: $LOG; at most $DEBOOTSTRAP_TIMEOUT s)"
    t0=$SECONDS
    if ! timeout "$DEBOOTSTRAP_TIMEOUT" debootstrap --variant=minbase \
            --include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$ROOTFS" "$MIRROR" >"$LOG" 2>&1; then
        say "debootstrap failed or timed out; last lines of $LOG:"
        tail -n 20 "$LOG" >&2
        [ -f "$ROOTFS/debootstrap/debootstrap.log" ] && tail -n 20 "$ROOTFS/debootstrap/debootstrap.log" >&2
        exit 3
    fi
    say "debootstrap took $((SECONDS - t0)) s"
    [ -x "$ROOTFS/usr/lib/postgresql/15/bin/postgres" ] || die "no postgres binary in the root file system (see $LOG)"
    # The package's own cluster (15/main) is not used: a container makes its own with initdb.
    rm -rf "$ROOTFS"/var/lib/postgresql/15/main "$ROOTFS"/etc/postgresql/15/main
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
        "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS/debootstrap"

    # mktemp made the root 0700; the server runs as postgres, which must be able to reach /bin.
    chmod 755 "$ROOTFS"
    tar --numeric-owner -C "$ROOTFS" -cf "$TARBALL.tmp" . || die "could not pack $ROOTFS"
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf --one-file-system "$ROOTFS"
    trap - EXIT
fi
[ "${1:-}" = "--rootfs-only" ] && exit 0

say "importing $TARBALL as $IMAGE"
timeout "$IMPORT_TIMEOUT" docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'USER postgres' \
    "$TARBALL" "$IMAGE" >/dev/null || die "docker import of $TARBALL failed or took more than $IMPORT_TIMEOUT s"
echo "$IMAGE"
