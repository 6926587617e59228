package dev.kfit.ssh;

import dev.kfit.testing.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/** In-process sshd on 127.0.0.1 standing in for a guest: public-key auth only, a few fake commands. */
final class FakeGuestSshd extends InProcessSshd {
    final Set<PublicKey> authorizedKeys = new CopyOnWriteArraySet<>();

    private FakeGuestSshd(int port, KeyPairProvider hostKeys) {
        super(port, hostKeys);
    }

    static FakeGuestSshd start(int port, KeyPairProvider hostKeys, PublicKey... clientKeys) throws IOException {
        FakeGuestSshd sshd = new FakeGuestSshd(port, hostKeys);
        sshd.authorizedKeys.addAll(Arrays.asList(clientKeys));
        sshd.server.setPublickeyAuthenticator((user, key, session) ->
                "root".equals(user) && sshd.authorizedKeys.stream().anyMatch(k -> KeyUtils.compareKeys(k, key)));
        sshd.server.setCommandFactory((channel, line) -> new FakeCommand(line));
        sshd.server.start();
        return sshd;
    }

    /**
     * echo-line ...      : prints the command line exactly as received (checks quoting on the wire)
     * printf ...         : really run by /bin/sh -c (checks that sh parses our quoting back to argv)
     * fail STATUS MSG    : "partial output" on stdout, MSG on stderr, exits STATUS
     * sleep-forever      : a hung guest
     * big N              : N bytes of 'x' on stdout
     * cat                : stdin to stdout until EOF
     * echo-lines         : "got LINE" for each line of stdin, at once, until EOF
     */
    private static final class FakeCommand implements Command, Runnable {
        private final String line;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private Thread thread;

        FakeCommand(String line) {
            this.line = line;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            thread = new Thread(this, "fake-guest-cmd");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void destroy(ChannelSession channel) {
            thread.interrupt();
        }

        @Override
        public void run() {
            try {
                int status = dispatch();
                out.flush();
                err.flush();
                exit.onExit(status);
            } catch (InterruptedException e) {
                // destroyed: the client gave up on us
            } catch (IOException e) {
                exit.onExit(255, String.valueOf(e));
            }
        }

        private int dispatch() throws IOException, InterruptedException {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "echo-line":
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    return 0;
                case "printf":
                    Processes.Output r = Processes.run(java.time.Duration.ofSeconds(30), null, java.util.List.of("/bin/sh", "-c", line));
                    out.write(r.stdout().getBytes(StandardCharsets.UTF_8));
                    err.write(r.stderr().getBytes(StandardCharsets.UTF_8));
                    return r.status();
                case "fail":
                    out.write("partial output\n".getBytes(StandardCharsets.UTF_8));
                    err.write((w[2] + "\n").getBytes(StandardCharsets.UTF_8));
                    return Integer.parseInt(w[1]);
                case "sleep-forever":
                    Thread.sleep(Long.MAX_VALUE);
                    return 0;
                case "big":
                    long n = Long.parseLong(w[1]);
                    byte[] chunk = new byte[64 * 1024];
                    Arrays.fill(chunk, (byte) 'x');
                    for (long left = n; left > 0; left -= chunk.length) {
                        out.write(chunk, 0, (int) Math.min(chunk.length, left));
                    }
                    return 0;
                case "echo-lines":
                    java.io.BufferedReader r2 = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                    for (String l = r2.readLine(); l != null; l = r2.readLine()) {
                        out.write(("got " + l + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                    return 0;
                case "cat":
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    in.transferTo(buf);
                    out.write(("read " + buf.size() + " bytes").getBytes(StandardCharsets.UTF_8));
                    return 0;
                default:
                    err.write(("sh: 1: " + w[0] + ": not found\n").getBytes(StandardCharsets.UTF_8));
                    return 127;
            }
        }
    }
}
