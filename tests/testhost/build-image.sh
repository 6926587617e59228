#!/usr/bin/env bash
# Builds the Docker image of a kfit test host (a "remote" runner host for the end-to-end tests) from
# Debian packages, since no container registry is reachable: debootstrap, sshd configured for root
# login by key only, then `docker import`.
#
#   tests/testhost/build-image.sh        prints the image name (kfit-testhost:KEY) on stdout
#
# KEY hashes this script and its inputs (suite, mirror, packages), so a changed recipe makes a new
# image and an unchanged one is a no-op when the image exists. The root file system is kept as
# ${KFIT_CACHE:-$HOME/.cache/kfit}/testhost/KEY.tar: after the Docker store was wiped the image is
# re-imported from it without running debootstrap again. Needs root (debootstrap).
#
# The packages are what the Ansible roles kfit_runner and kfit_worker check for (ansible/roles/), so
# provisioning a test host finds everything installed and needs no network: keep them in step.
set -euo pipefail

SUITE=bookworm
MIRROR=${KFIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# openjdk-17-jre-headless and ansible-core: a fan-out worker runs kfit itself, and its launcher
# applies ansible/worker.yml to it (KFIT_PROVISION=worker, role kfit_worker). python3-cffi-backend is
# named because debootstrap does not resolve the virtual packages python3-cryptography depends on.
PACKAGES=(openssh-server python3 qemu-system-x86 qemu-utils iproute2 procps gzip coreutils
          util-linux ca-certificates openjdk-17-jre-headless ansible-core python3-cffi-backend)
DEBOOTSTRAP_TIMEOUT=${KFIT_TESTHOST_DEBOOTSTRAP_TIMEOUT:-900}
IMPORT_TIMEOUT=300

say() { echo "build-image: $*" >&2; }
die() { say "$*"; exit 3; }

SELF=$(readlink -f "${BASH_SOURCE[0]}")
KEY=$( { cat "$SELF"; echo "$SUITE $MIRROR ${PACKAGES[*]}"; } | sha256sum | cut -c1-16)
IMAGE=kfit-testhost:$KEY
CACHE=${KFIT_CACHE:-$HOME/.cache/kfit}/testhost
TARBALL=$CACHE/$KEY.tar

command -v docker >/dev/null || die "the docker client is missing (./kfit test installs docker.io)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (./kfit test starts one)"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "$IMAGE"
    exit 0
fi

if [ ! -f "$TARBALL" ]; then
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
    mkdir -p "$CACHE"
    ROOTFS=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    # The root file system holds device nodes and bind targets: remove it whatever happens.
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

    # Each container makes its own host keys when it starts (KfitTestHost); none is baked in.
    rm -f "$ROOTFS"/etc/ssh/ssh_host_*
    mkdir -p "$ROOTFS/run/sshd" "$ROOTFS/root/.ssh"
    chmod 700 "$ROOTFS/root/.ssh"
    cat >"$ROOTFS/etc/ssh/sshd_config.d/kfit-testhost.conf" <<'EOF'
# kfit test host: root logs in with a key, never with a password.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
UseDNS no
# A controller that vanished without closing its connections is noticed within about 6 s.
ClientAliveInterval 2
ClientAliveCountMax 3
EOF
    # Nothing in the image needs them; smaller images copy faster with the vfs storage driver.
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
        "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/* \
        "$ROOTFS/debootstrap"

    tar --numeric-owner -C "$ROOTFS" -cf "$TARBALL.tmp" . || die "could not pack $ROOTFS"
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf --one-file-system "$ROOTFS"
    trap - EXIT
fi

say "importing $TARBALL as $IMAGE"
timeout "$IMPORT_TIMEOUT" docker import \
    --change 'CMD ["/usr/sbin/sshd", "-D", "-e"]' \
    --change 'ENV LANG=C.UTF-8' \
    "$TARBALL" "$IMAGE" >/dev/null || die "docker import of $TARBALL failed or took more than $IMPORT_TIMEOUT s"
echo "$IMAGE"
