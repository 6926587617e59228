package dev.kfit.e2e.hosts;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server from Debian's postgresql-15 for the results store's tests: a container of the
 * image tests/testhost/build-postgres-image.sh builds (no registry is reachable). At start it makes a
 * fresh cluster with initdb (superuser {@code kfit}, a random password, scram-sha-256 over TCP),
 * creates database {@code kfit} and runs the server; it is ready when the server says it accepts
 * connections. Its port is published on 127.0.0.1 only. Ryuk cannot run here: use it in
 * try-with-resources, {@link #close()} removes the container.
 */
public class KfitPostgres extends GenericContainer<KfitPostgres> {
    public static final int PORT = 5432;
    public static final String LABEL = "dev.kfit.postgres";
    private static final Duration IMAGE_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final String BIN = "/usr/lib/postgresql/15/bin";
    private static final String START = String.join("\n",
            "set -eu",
            "export PATH=/usr/sbin:/usr/bin:/sbin:/bin",   // an imported image has no PATH of its own
            "D=/tmp/kfit-pgdata",
            "printf '%s\\n' \"$KFIT_PG_PASSWORD\" > /tmp/pw",
            BIN + "/initdb -D $D -U kfit --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale > /tmp/initdb.log",
            "rm -f /tmp/pw",
            "echo 'host all all 0.0.0.0/0 scram-sha-256' >> $D/pg_hba.conf",
            "echo 'CREATE DATABASE kfit' | " + BIN + "/postgres --single -D $D postgres > /tmp/createdb.log",
            "exec " + BIN + "/postgres -D $D -c listen_addresses='*' -c unix_socket_directories=/tmp");

    private final String password = UUID.randomUUID().toString();
    private final String runId = UUID.randomUUID().toString().substring(0, 8);

    /** @param image the image build-postgres-image.sh printed (see {@link #buildImage()}) */
    public KfitPostgres(String image) {
        super(image);
        withEnv("KFIT_PG_PASSWORD", password);
        withLabels(Map.of(LABEL, runId));
        withExposedPorts(PORT);
        // Published on loopback only, never 0.0.0.0: the workplace's traffic rule.
        withCreateContainerCmdModifier(c -> c.getHostConfig()
                .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(PORT))));
        withCommand("/bin/sh", "-c", START);
        waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 1).withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** The JDBC URL of database {@code kfit}, user and password included (what {@code kfit --db} takes). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + getMappedPort(PORT) + "/kfit?user=kfit&password=" + password;
    }

    /**
     * Builds (or finds, by its recipe's key) the server's image; returns its name. Bounded by 20 min.
     * Synchronized: test classes run two at a time in this JVM, and two builds would share a temp file.
     */
    public static synchronized String buildImage(Path root) {
        Path script = root.resolve("tests/testhost/build-postgres-image.sh");
        try {
            Path out = Files.createTempFile("kfit-pg-image-", ".out");
            Path err = Files.createTempFile("kfit-pg-image-", ".err");
            try {
                Process p = new ProcessBuilder(script.toString()).directory(root.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(IMAGE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IllegalStateException(script + " did not finish within " + IMAGE_TIMEOUT + "\n" + Files.readString(err));
                }
                List<String> lines = Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
                if (p.exitValue() != 0 || lines.isEmpty() || !lines.get(lines.size() - 1).startsWith("kfit-postgres:")) {
                    throw new IllegalStateException(script + " exited " + p.exitValue() + " without an image name\n--- stdout ---\n"
                            + String.join("\n", lines) + "\n--- stderr ---\n" + Files.readString(err));
                }
                return lines.get(lines.size() - 1).trim();
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + script, e);
        }
    }

    /** The value of {@link #LABEL} on this container: what to look for to check it was removed. */
    public String runId() {
        return runId;
    }

    /** Where the server's port is published: only 127.0.0.1 (asserted by the test). */
    public List<String> publishedAddresses() {
        return getContainerInfo().getNetworkSettings().getPorts().getBindings().values().stream()
                .filter(java.util.Objects::nonNull).flatMap(java.util.Arrays::stream).map(Ports.Binding::getHostIp).distinct().toList();
    }

    @Override
    public String toString() {
        return "KfitPostgres[" + (getContainerId() == null ? "not started" : getContainerId().substring(0, 12)) + "]";
    }
}
