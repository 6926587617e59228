package dev.kfit.e2e.hosts;

import org.testcontainers.containers.Network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * N kfit runner hosts for an end-to-end test: containers of the test host image on an internal
 * Docker network the test owns (no route out), an SSH key pair for the controller, a known_hosts
 * with every host's key, and an Ansible inventory (group kfit_hosts) they were provisioned with
 * (ansible/hosts.yml, the real role, over SSH). {@link #close()} removes every container and the
 * network, also after a failed test or a start that failed half way (Ryuk cannot run here).
 *
 * <pre>
 * try (TestHosts hosts = TestHosts.start(2)) {
 *     hosts.ssh(hosts.host(0), "qemu-system-x86_64", "--version").requireSuccess();
 * }
 * </pre>
 */
public final class TestHosts implements AutoCloseable {
    /** Label on every container and network of a TestHosts; its value is the run's id. */
    public static final String LABEL = "dev.kfit.testhosts";
    public static final Path ROOT = Path.of(System.getProperty("kfit.root", "..")).toAbsolutePath().normalize();
    private static final Duration IMAGE_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration PROVISION_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration SSH_TIMEOUT = Duration.ofSeconds(60);

    private final String runId;
    private final Path dir;
    private final Network network;
    private final List<KfitTestHost> hosts = new ArrayList<>();
    private boolean closed;

    private TestHosts(String runId, Path dir, Network network) {
        this.runId = runId;
        this.dir = dir;
        this.network = network;
    }

    /** Starts {@code count} hosts named host1…hostN and provisions them with ansible/hosts.yml. */
    public static TestHosts start(int count) {
        return start(count, true);
    }

    /**
     * Starts {@code count} hosts; with {@code provision}, applies ansible/hosts.yml to them. Whatever
     * fails on the way, what was started is removed before the error is thrown.
     */
    public static TestHosts start(int count, boolean provision) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, not " + count);
        }
        String runId = UUID.randomUUID().toString().substring(0, 8);
        Path dir;
        try {
            dir = Files.createTempDirectory("kfit-testhosts-" + runId + "-");
        } catch (IOException e) {
            throw new IllegalStateException("could not make a temporary directory for the test hosts", e);
        }
        Map<String, String> labels = Map.of(LABEL, runId);
        Network network = Network.builder()
                .createNetworkCmdModifier(c -> c.withInternal(true).withName("kfit-test-" + runId).withLabels(labels))
                .build();
        TestHosts th = new TestHosts(runId, dir, network);
        try {
            String image = buildImage(dir);
            run(dir, "ssh-keygen", List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kfit-controller-" + runId,
                    "-f", th.privateKey().toString()), TOOL_TIMEOUT).requireSuccess();
            String publicKey = Files.readString(th.publicKey()).trim();
            for (int i = 1; i <= count; i++) {
                KfitTestHost h = new KfitTestHost(image, "host" + i, network, publicKey, labels);
                th.hosts.add(h);   // before start(): close() stops it even if start() fails half way
                h.start();
            }
            th.writeKnownHosts();
            th.writeInventory();
            if (provision) {
                th.provision();
            }
            return th;
        } catch (IOException e) {
            throw closeAfter(th, new IllegalStateException("could not start the test hosts", e));
        } catch (RuntimeException e) {
            throw closeAfter(th, e);
        } catch (Error e) {
            closeAfter(th, e);
            throw e;
        }
    }

    /** Removes what a failed start left; a failure to do so is added to {@code e}, which is returned. */
    private static <T extends Throwable> T closeAfter(TestHosts th, T e) {
        try {
            th.close();
        } catch (RuntimeException cleanup) {
            e.addSuppressed(cleanup);
        }
        return e;
    }

    /**
     * Builds (or finds) the test host image; returns its name. Synchronized: test classes run two at a
     * time in this JVM, and two builds would share a temp file.
     */
    private static synchronized String buildImage(Path dir) {
        CommandResult r = run(dir, "build-image", List.of(ROOT.resolve("tests/testhost/build-image.sh").toString()), IMAGE_TIMEOUT)
                .requireSuccess();
        List<String> lines = r.stdout().lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty() || !lines.get(lines.size() - 1).startsWith("kfit-testhost:")) {
            throw new IllegalStateException("build-image.sh printed no image name\n" + r);
        }
        return lines.get(lines.size() - 1).trim();
    }

    private void writeKnownHosts() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (KfitTestHost h : hosts) {
            sb.append(h.knownHostsLine()).append('\n');
        }
        Files.writeString(knownHosts(), sb.toString());
    }

    /** How Ansible reaches {@code h}: its address, root, the test's key, host key checked against the test's known_hosts. */
    private String connection(KfitTestHost h) {
        String sshArgs = "-o UserKnownHostsFile=" + knownHosts() + " -o GlobalKnownHostsFile=/dev/null"
                + " -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes";
        return " ansible_host=" + h.address()
                + " ansible_port=22"
                + " ansible_user=root"
                + " ansible_ssh_private_key_file=" + privateKey()
                + " ansible_ssh_common_args='" + sshArgs + "'"
                + " ansible_python_interpreter=/usr/bin/python3";
    }

    /**
     * Writes {@code file}: an inventory with every host in group {@code kfit_workers}, in order, for
     * ansible/fanout.yml (the same connection settings as {@link #inventory()}), each host's line ending
     * in {@code hostVars} (e.g. "kfit_timeout=1500"); returns the file.
     */
    public Path writeWorkerInventory(Path file, String hostVars) throws IOException {
        StringBuilder sb = new StringBuilder("# kfit fan-out workers (dev.kfit.e2e.hosts.TestHosts, run " + runId + ")\n[kfit_workers]\n");
        for (KfitTestHost h : hosts) {
            sb.append(h.name()).append(connection(h)).append(hostVars.isBlank() ? "" : " " + hostVars).append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    private void writeInventory() throws IOException {
        StringBuilder sb = new StringBuilder("# kfit test hosts (dev.kfit.e2e.hosts.TestHosts, run " + runId + ")\n[kfit_hosts]\n");
        for (KfitTestHost h : hosts) {
            sb.append(h.name())
                    .append(connection(h))
                    .append(" kfit_known_hosts=").append(knownHosts())
                    .append(" kfit_link_address=").append(h.address())
                    .append(" kfit_cores=1")   // the hosts share this machine's cores
                    .append(" kfit_memory_mb=6144") // and its memory: room for a pair of 1 GiB guests each
                    .append('\n');
        }
        Files.writeString(inventory(), sb.toString());
    }

    /** Applies ansible/hosts.yml (role kfit_runner) to every host, over SSH; the log is {@link #provisionLog()}. */
    public void provision() {
        List<String> argv = List.of("ansible-playbook", "-i", inventory().toString(), ROOT.resolve("ansible/hosts.yml").toString());
        CommandResult r = run(dir, "controller", argv, PROVISION_TIMEOUT,
                Map.of("ANSIBLE_CONFIG", ROOT.resolve("ansible/ansible.cfg").toString()));
        try {
            Files.writeString(provisionLog(), r.stdout() + r.stderr());
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + provisionLog(), e);
        }
        r.requireSuccess();
    }

    /** This run's id: the value of {@link #LABEL} on its containers and network. */
    public String runId() {
        return runId;
    }

    /** The directory with the key pair, known_hosts, inventory and logs (removed by close()). */
    public Path dir() {
        return dir;
    }

    public Path inventory() {
        return dir.resolve("inventory.ini");
    }

    /** The controller's private key (ed25519); root on every host accepts it. */
    public Path privateKey() {
        return dir.resolve("id_ed25519");
    }

    public Path publicKey() {
        return dir.resolve("id_ed25519.pub");
    }

    /** Every host's address and host key: the only keys the controller accepts. */
    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    public Path provisionLog() {
        return dir.resolve("provision.log");
    }

    public List<KfitTestHost> hosts() {
        return List.copyOf(hosts);
    }

    /** The i-th host (0-based; its inventory name is host{i+1}). */
    public KfitTestHost host(int i) {
        return hosts.get(i);
    }

    public List<String> addresses() {
        return hosts.stream().map(KfitTestHost::address).toList();
    }

    /** The Docker network's id and name (kfit-test-RUNID). */
    public String networkId() {
        return network.getId();
    }

    public String networkName() {
        return "kfit-test-" + runId;
    }

    /** The ssh command line that runs {@code remote} as root on {@code host}, host key checked against {@link #knownHosts()}. */
    public List<String> sshCommand(KfitTestHost host, String... remote) {
        List<String> argv = new ArrayList<>(List.of("ssh", "-n",
                "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10",
                "-o", "UserKnownHostsFile=" + knownHosts(),
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes",
                "-o", "IdentitiesOnly=yes",
                "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=3",
                "-i", privateKey().toString(),
                "root@" + host.address(), "--"));
        argv.addAll(List.of(remote));
        return argv;
    }

    /** Runs {@code remote} on {@code host} over SSH from this machine, bounded by {@link #SSH_TIMEOUT}. */
    public CommandResult ssh(KfitTestHost host, String... remote) {
        return run(dir, host.name(), sshCommand(host, remote), SSH_TIMEOUT);
    }

    /** Stops every host and removes the network and the directory; safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        IllegalStateException failure = new IllegalStateException("could not remove every test host of run " + runId);
        for (KfitTestHost h : hosts) {
            try {
                h.stop();   // stops and removes the container (and its volumes)
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        try {
            network.close();   // removes the network if it was created
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    /**
     * Asserts that Docker holds no container and no network labelled with run {@code runId}: what
     * {@link #close()} must leave of a run.
     */
    public static void assertRemoved(String runId) throws Exception {
        assertThat(docker("ps", "-a", "--filter", "label=" + LABEL + "=" + runId, "--format", "{{.Names}}")).isBlank();
        assertThat(docker("network", "ls", "--filter", "label=" + LABEL + "=" + runId, "--format", "{{.Name}}")).isBlank();
    }

    /** Runs {@code docker args} on this machine, bounded to 30 s; asserts it succeeded and returns its output, trimmed. */
    public static String docker(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("docker"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as(String.join(" ", argv) + "\n" + out).isZero();
        return out.trim();
    }

    private static CommandResult run(Path dir, String where, List<String> argv, Duration timeout) {
        return run(dir, where, argv, timeout, Map.of());
    }

    /** Runs a command on this machine, bounded; stdout and stderr go through files (no pipe can fill up). */
    private static CommandResult run(Path dir, String where, List<String> argv, Duration timeout, Map<String, String> env) {
        long t0 = System.nanoTime();
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile(dir, "cmd-", ".out");
            err = Files.createTempFile(dir, "cmd-", ".err");
            ProcessBuilder pb = new ProcessBuilder(argv).directory(ROOT.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                throw new IllegalStateException(where + ": " + String.join(" ", argv) + " did not finish within " + timeout
                        + "\n--- stdout ---\n" + Files.readString(out) + "\n--- stderr ---\n" + Files.readString(err));
            }
            return new CommandResult(where, argv, p.exitValue(), Files.readString(out), Files.readString(err),
                    Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new IllegalStateException(where + ": could not run " + String.join(" ", argv), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(where + ": interrupted while running " + String.join(" ", argv), e);
        } finally {
            try {
                if (out != null) {
                    Files.deleteIfExists(out);
                }
                if (err != null) {
                    Files.deleteIfExists(err);
                }
            } catch (IOException ignored) {
                // the directory goes with close()
            }
        }
    }
}
