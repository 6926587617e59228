#!/bin/bash
# Builds kfit's guest image into OUT (an empty directory):
#   rootfs.img        ext4 root file system (booted read-only-shared, snapshot=on)
#   id_ed25519(.pub)  the client key that may log in as root
#   host_ed25519.pub  the guest's SSH host key, pinned by the orchestrator
#   manifest.txt      package versions in the image
# Needs root, debootstrap, gcc and libibverbs-dev on the host.
set -euo pipefail
OUT=${1:?usage: build.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/../tools
SUITE=${KFIT_DEBIAN_SUITE:-bookworm}
MIRROR=${KFIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOT=$OUT/root
cleanup() { rm -rf "$ROOT"; }
trap cleanup EXIT

pkgs=$(grep -v '^#' "$HERE/packages" | xargs | tr ' ' ',')
echo "== debootstrap $SUITE with $pkgs"
debootstrap --variant=minbase --include="$pkgs" "$SUITE" "$ROOT" "$MIRROR"

echo "== kfit-guest"
gcc -O2 -Wall -Wextra -o "$ROOT/usr/local/bin/kfit-guest" "$TOOLS/kfit-guest.c" -libverbs

echo "== init and ssh"
install -m 0755 "$HERE/kfit-init" "$ROOT/usr/local/sbin/kfit-init"
install -m 0644 "$HERE/inittab" "$ROOT/etc/inittab"
ln -sf /bin/busybox "$ROOT/sbin/init"
# root's commands run under dash: each SSH exec starts the login shell, and under TCG "dash -c"
# took 122 ms where bash's took 149 ms (10 runs of "kfit-guest now" in the guest). kfit sends only
# POSIX-quoted argv. (Not busybox's ash, though faster: Debian's busybox prefers its own applets,
# and a command would get busybox's setsid, tail or ip instead of the real ones.)
chroot "$ROOT" usermod -s /bin/sh root
# One ed25519 host key, which the orchestrator pins (host_ed25519.pub).
install -d "$ROOT/etc/dropbear"
chroot "$ROOT" dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null
chroot "$ROOT" dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key | grep '^ssh-ed25519 ' > "$OUT/host_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C kfit -f "$OUT/id_ed25519"
install -d -m 0700 "$ROOT/root/.ssh"
install -m 0600 "$OUT/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
echo kfit > "$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
: > "$ROOT/etc/fstab"

chroot "$ROOT" dpkg-query -W -f '${Package} ${Version}\n' > "$OUT/manifest.txt"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*

echo "== rootfs.img"
mkfs.ext4 -q -F -L kfit-root -d "$ROOT" "$OUT/rootfs.img" 1G
echo "== done"
