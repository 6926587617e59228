package dev.kfit.host;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One remote host as the inventory describes it: where to SSH to, as whom, with which key, and which
 * host keys to trust.
 *
 * @param name        the inventory name, used in every message about the host
 * @param address     what to SSH to (a name or an IP address)
 * @param privateKey  OpenSSH-format private key on the controller; kfit logs in with keys only
 * @param knownHosts  known_hosts file on the controller; a host whose key is not there is refused
 * @param linkAddress where guests of the other hosts reach this one (its address on the hosts' network)
 * @param cores       overrides the probed core count; null: probe
 * @param memoryMb    overrides the probed available memory; null: probe
 */
public record HostEntry(String name, String address, int port, String user, Path privateKey, Path knownHosts,
                        String linkAddress, Integer cores, Long memoryMb) {
    public HostEntry {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("host name must not be blank");
        }
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("host " + name + ": address must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("host " + name + ": ssh port out of range 1..65535: " + port);
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("host " + name + ": user must not be blank");
        }
        Objects.requireNonNull(privateKey, () -> "host " + name + ": privateKey");
        Objects.requireNonNull(knownHosts, () -> "host " + name + ": knownHosts");
        if (linkAddress == null || linkAddress.isBlank()) {
            linkAddress = address;
        }
        if (linkAddress.equals("0.0.0.0")) {
            throw new IllegalArgumentException("host " + name + ": link address must be a reachable address, not 0.0.0.0");
        }
        if (cores != null && cores < 1) {
            throw new IllegalArgumentException("host " + name + ": cores must be at least 1: " + cores);
        }
        if (memoryMb != null && memoryMb < 1) {
            throw new IllegalArgumentException("host " + name + ": memoryMb must be at least 1: " + memoryMb);
        }
    }

    /** Defaults as Ansible has them: port 22, user root, link address = address, resources probed. */
    public static HostEntry of(String name, String address, Path privateKey, Path knownHosts) {
        return new HostEntry(name, address, 22, "root", privateKey, knownHosts, null, null, null);
    }

    /** {@code user@address:port}: where the SSH connection goes, for messages. */
    public String sshAddress() {
        return user + "@" + address + ":" + port;
    }

    @Override
    public String toString() {
        return name + " (" + sshAddress() + ")";
    }
}
