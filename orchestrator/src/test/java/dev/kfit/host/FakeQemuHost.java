package dev.kfit.host;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * This machine, except that a guest's QEMU is {@code fake-qemu.py}: it writes the console the test
 * scripted (lines, "@sleep S" pauses) into the file QEMU would write, and answers QMP. Everything else
 * is the {@link LocalHost}'s, so a Testbed and a CellRunner run as they would, without a guest.
 */
public final class FakeQemuHost implements Host {
    private final LocalHost local = new LocalHost();
    private final Path consoleScript;
    private final int sshdPort;

    /** @param consoleScript the console to play, as fake-qemu.py reads it */
    public FakeQemuHost(Path consoleScript) {
        this(consoleScript, 0);
    }

    /** @param sshdPort where a guest's SSH forward leads (an in-process sshd standing in for the guest's) */
    public FakeQemuHost(Path consoleScript, int sshdPort) {
        this.consoleScript = consoleScript;
        this.sshdPort = sshdPort;
    }

    @Override
    public HostProcess start(Command command) {
        List<String> argv = new ArrayList<>(List.of("python3", script().toString()));
        argv.addAll(command.argv().subList(1, command.argv().size()));
        return local.start(new Command(argv, command.workDir(), Map.of("FAKE_CONSOLE_SCRIPT", consoleScript.toString()),
                command.timeout(), command.logFile()));
    }

    private static Path script() {
        try {
            return Path.of(FakeQemuHost.class.getResource("/fake-qemu/fake-qemu.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String name() {
        return "fake-qemu-host";
    }

    @Override
    public CommandResult run(Command command) {
        return local.run(command);
    }

    @Override
    public Path privateDir() {
        return local.privateDir();
    }

    @Override
    public boolean isLocal() {
        return true;
    }

    @Override
    public String linkAddress() {
        return local.linkAddress();
    }

    @Override
    public int forward(int port) {
        return sshdPort > 0 ? sshdPort : local.forward(port);
    }

    @Override
    public int freePort(String address) {
        return local.freePort(address);
    }

    @Override
    public void awaitListening(String address, int port, Duration timeout) {
        local.awaitListening(address, port, timeout);
    }

    @Override
    public Path stage(Path localFile, String key) {
        return localFile;
    }

    @Override
    public AutoCloseable follow(Path fileOnHost, Path localFile) {
        return local.follow(fileOnHost, localFile);
    }

    @Override
    public Resources resources() {
        return new Resources(2, 4096);
    }

    @Override
    public void crash() {
        local.crash();
    }

    @Override
    public void close() {
        local.close();
    }
}
