package dev.kfit.image;

import java.nio.file.Path;

/**
 * A built guest root file system and the keys that go with it.
 *
 * @param rootfs       ext4 image, booted with snapshot=on so that it is never modified
 * @param clientKey    private key that may log in as root
 * @param hostKey      the guest's SSH host public key, pinned by the SSH client
 * @param manifest     package versions in the image
 */
public record GuestImage(String cacheKey, Path rootfs, Path clientKey, Path hostKey, Path manifest, Path buildLog, boolean cached) {
}
