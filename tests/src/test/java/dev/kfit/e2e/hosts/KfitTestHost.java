package dev.kfit.e2e.hosts;

import com.github.dockerjava.api.model.ContainerNetwork;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A kfit runner host for the end-to-end tests: a container of the test host image
 * (tests/testhost/build-image.sh) on a network the test made, reached over SSH as root with the
 * controller's key. At start it makes its own host key and runs sshd in the foreground, bound only
 * to its address on the test network; it is ready when sshd logs that it listens. Once started,
 * its default route is removed from the host side, so it reaches nothing but its test network.
 */
public class KfitTestHost extends GenericContainer<KfitTestHost> {
    /** Bound on every command run in the container with {@link #exec}. */
    public static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST_KEY = "/etc/ssh/ssh_host_ed25519_key";

    // sh, not bash: the address is the one global IPv4 address the container has (it is on the
    // test network only); more or fewer is an error rather than a guess.
    private static final String START = String.join("\n",
            "set -eu",
            "ssh-keygen -q -t ed25519 -N '' -f " + HOST_KEY,
            "umask 077",
            "mkdir -p /root/.ssh /run/sshd",
            "printf '%s\\n' \"$KFIT_AUTHORIZED_KEY\" > /root/.ssh/authorized_keys",
            "addrs=$(ip -4 -o addr show scope global | awk '{ sub(\"/.*\", \"\", $4); print $4 }')",
            "if [ \"$(echo \"$addrs\" | wc -w)\" != 1 ]; then",
            "  echo \"kfit-testhost: expected one address on the test network, found: $addrs\" >&2; exit 1",
            "fi",
            "echo \"kfit-testhost: sshd on $addrs\"",
            "exec /usr/sbin/sshd -D -e -o ListenAddress=$addrs -o HostKey=" + HOST_KEY);

    private final String name;
    private final Network network;

    /**
     * @param image         the test host image (kfit-testhost:KEY)
     * @param name          the host's name in the inventory and its alias on the network
     * @param network       the test's network; the only one the host is on
     * @param authorizedKey the controller's public key line, installed for root
     * @param labels        labels for the container (TestHosts marks its run with them)
     */
    public KfitTestHost(String image, String name, Network network, String authorizedKey, Map<String, String> labels) {
        super(image);
        this.name = name;
        this.network = network;
        withNetwork(network);
        withNetworkAliases(name);
        withCreateContainerCmdModifier(c -> c.withHostName(name));
        withEnv("KFIT_AUTHORIZED_KEY", authorizedKey);
        withLabels(labels);
        withCommand("sh", "-c", START);
        waitingFor(Wait.forLogMessage(".*Server listening on .* port 22.*", 1).withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** The host's inventory name (host1, host2, …). */
    public String name() {
        return name;
    }

    @Override
    protected void containerIsStarted(com.github.dockerjava.api.command.InspectContainerResponse info) {
        super.containerIsStarted(info);
        dropDefaultRoute(info.getState().getPidLong());
    }

    /**
     * Docker gives a container on an internal network a default route through the bridge (its
     * forwarding rules then drop what leaves the subnet). Removing the route from the host side
     * needs no capability in the container and makes "no route out" hold inside it too; it also
     * keeps Docker's DNS resolver from forwarding the container's queries (it would send them from
     * the container's network namespace).
     */
    private void dropDefaultRoute(Long pid) {
        if (pid == null || pid <= 0) {
            throw new IllegalStateException(name + ": Docker reports no process for the container");
        }
        List<String> argv = List.of("nsenter", "--target", pid.toString(), "--net", "ip", "-4", "route", "flush", "exact", "0/0");
        try {
            // Never this machine's own routes: the target must be in a network namespace of its own.
            java.nio.file.Path own = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net"));
            java.nio.file.Path its = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/ns/net"));
            if (own.equals(its)) {
                throw new IllegalStateException(name + ": process " + pid + " shares this machine's network namespace (" + own
                        + "); refusing to change its routes");
            }
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(name + ": " + String.join(" ", argv) + " did not finish in 20 s");
            }
            String out = new String(p.getInputStream().readAllBytes());
            if (p.exitValue() != 0) {
                throw new IllegalStateException(name + ": could not remove the container's default route (needs root "
                        + "and a local Docker engine): " + String.join(" ", argv) + " exited " + p.exitValue() + ": " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(name + ": could not run nsenter (util-linux) to remove the default route", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while removing the default route", e);
        }
    }

    /** The host's IPv4 address on the test network (where sshd listens). */
    public String address() {
        for (ContainerNetwork n : getContainerInfo().getNetworkSettings().getNetworks().values()) {
            if (network.getId().equals(n.getNetworkID())) {
                return n.getIpAddress();
            }
        }
        throw new IllegalStateException(name + " is not on the test network " + network.getId());
    }

    /** The host's public key as a known_hosts key field: "ssh-ed25519 AAAA…" (no comment). */
    public String hostKey() {
        String[] f = execOk("cat", HOST_KEY + ".pub").trim().split("\\s+");
        if (f.length < 2 || !f[0].startsWith("ssh-")) {
            throw new IllegalStateException(name + ": unexpected host key file: " + String.join(" ", f));
        }
        return f[0] + " " + f[1];
    }

    /** The known_hosts line for this host: its address and its host key. */
    public String knownHostsLine() {
        return address() + " " + hostKey();
    }

    /**
     * Runs {@code command} (an argument vector, no shell) in the container as root, bounded by
     * {@link #EXEC_TIMEOUT} (coreutils timeout in the container: exit 124 when it ran out).
     */
    public CommandResult exec(String... command) {
        List<String> argv = new ArrayList<>(List.of("timeout", "--kill-after=5", Long.toString(EXEC_TIMEOUT.toSeconds())));
        argv.addAll(List.of(command));
        long t0 = System.nanoTime();
        try {
            ExecResult r = execInContainer(argv.toArray(String[]::new));
            return new CommandResult(name, List.of(command), r.getExitCode(), r.getStdout(), r.getStderr(),
                    Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new IllegalStateException(name + ": could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while running " + String.join(" ", command), e);
        }
    }

    /** {@link #exec}, failing unless the command exits 0; returns its stdout. */
    public String execOk(String... command) {
        return exec(command).requireSuccess().stdout();
    }

    @Override
    public String toString() {
        return "KfitTestHost[" + name + (getContainerId() == null ? "" : " " + getContainerId().substring(0, 12)) + "]";
    }
}
