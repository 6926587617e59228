package dev.kfit.e2e;

import dev.kfit.e2e.hosts.CommandResult;
import dev.kfit.e2e.hosts.KfitTestHost;
import dev.kfit.e2e.hosts.TestHosts;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two kfit runner hosts in containers on an internal network, provisioned with ansible/hosts.yml
 * over SSH: each answers SSH with key auth and a checked host key, reaches nothing outside its
 * network, has sshd on its test-network address only; after close() nothing of the test is left.
 */
@Order(10)
class ProvisionedHostsIT {
    @Test
    void twoProvisionedHostsAnswerOverSshAndLeaveNothingBehind() throws Exception {
        String runId;
        Path dir;
        try (TestHosts hosts = TestHosts.start(2)) {
            runId = hosts.runId();
            dir = hosts.dir();
            String provisioning = Files.readString(hosts.provisionLog());
            System.err.println(provisioning.lines().filter(l -> l.startsWith("TASK") || l.startsWith("RUNNING HANDLER") || l.contains("changed:")
                    || l.contains("failed") || l.contains("QEMU") || l.contains("PLAY RECAP") || l.contains(" : ok="))
                    .map(l -> "  | " + l).reduce("", (a, b) -> a + b + "\n"));
            // Every runner package is in the image: nothing to install, so no network was needed.
            String install = provisioning.substring(provisioning.indexOf("TASK [kfit_common : Install missing kfit packages]"));
            install = install.substring(0, install.indexOf("\nTASK ", 1));
            assertThat(install).as("the install task").contains("skipping: [host1]", "skipping: [host2]").doesNotContain("changed:");
            assertThat(provisioning).contains("RUNNING HANDLER [kfit_runner : Reload sshd]");
            assertThat(hosts.addresses()).hasSize(2).doesNotHaveDuplicates();
            assertThat(Files.readAllLines(hosts.knownHosts())).hasSize(2);
            String inventory = Files.readString(hosts.inventory());
            assertThat(inventory).contains("[kfit_hosts]", "StrictHostKeyChecking=yes", "kfit_cores=1",
                    "kfit_known_hosts=" + hosts.knownHosts());

            for (KfitTestHost h : hosts.hosts()) {
                // SSH from this machine, key auth, host key checked against the test's known_hosts.
                CommandResult qemu = hosts.ssh(h, "qemu-system-x86_64", "--version").requireSuccess();
                assertThat(qemu.stdout()).as(h.name()).contains("QEMU emulator version");
                // The runner role's keepalive drop-in is in place (and sshd still answers after the reload).
                assertThat(hosts.ssh(h, "cat", "/etc/ssh/sshd_config.d/kfit-runner.conf").requireSuccess().stdout())
                        .contains("ClientAliveInterval 2", "ClientAliveCountMax 3", "MaxSessions 100");

                // No default route: the host reaches its test network and nothing else.
                String routes = h.execOk("ip", "-4", "route", "show");
                assertThat(routes).as(h.name() + " routes").doesNotContain("default");
                CommandResult out = h.exec("ip", "route", "get", "192.0.2.1");
                assertThat(out.exit()).as(h.name() + ": a route to an address outside the test network\n" + out).isNotZero();

                // sshd listens on the host's test-network address only (no 0.0.0.0, no ::).
                assertThat(listeningSockets(h)).as(h.name() + " listening TCP sockets")
                        .containsExactly(h.address() + ":22");
            }

            // A key the known_hosts does not hold is refused: the check is real.
            Path wrong = hosts.dir().resolve("wrong_known_hosts");
            Files.writeString(wrong, hosts.addresses().get(0) + " " + hosts.host(1).hostKey() + "\n");
            List<String> argv = new ArrayList<>(hosts.sshCommand(hosts.host(0), "true"));
            argv.replaceAll(a -> a.equals("UserKnownHostsFile=" + hosts.knownHosts()) ? "UserKnownHostsFile=" + wrong : a);
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String refusal = new String(p.getInputStream().readAllBytes());
            assertThat(p.exitValue()).as(refusal).isEqualTo(255);
            assertThat(refusal).contains("HOST IDENTIFICATION HAS CHANGED");
        }

        // Nothing of the test is left: no container, no network, no directory.
        TestHosts.assertRemoved(runId);
        assertThat(TestHosts.docker("network", "ls", "--format", "{{.Name}}")).doesNotContain("kfit-test-" + runId);
        assertThat(dir).doesNotExist();
    }

    /** The listening TCP sockets in the container, as address:port, from /proc/net/tcp and tcp6. */
    private static List<String> listeningSockets(KfitTestHost h) {
        List<String> found = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : h.execOk("cat", table).lines().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[3].equals("0A")) {   // TCP_LISTEN
                    found.add(decode(f[1]));
                }
            }
        }
        // Docker's DNS resolver listens on 127.0.0.11 in every container of a user-defined network.
        found.removeIf(s -> s.startsWith("127.0.0.11:"));
        return found;
    }

    /** "0100007F:0016" is 127.0.0.1:22 (little-endian IPv4); IPv6 addresses are left in hex. */
    private static String decode(String hexAddress) {
        String[] parts = hexAddress.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String a = parts[0];
        if (a.length() != 8) {
            return "[" + a + "]:" + port;
        }
        StringBuilder ip = new StringBuilder();
        for (int i = 6; i >= 0; i -= 2) {
            ip.append(Integer.parseInt(a.substring(i, i + 2), 16)).append(i > 0 ? "." : "");
        }
        return ip + ":" + port;
    }
}
