package dev.kfit.host;

import dev.kfit.ssh.InProcessSshd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.apache.sshd.server.shell.InvertedShell;
import org.apache.sshd.server.shell.ProcessShell;
import org.apache.sshd.server.shell.ProcessShellFactory;

/**
 * In-process sshd on 127.0.0.1 standing in for a remote host: commands really run in /bin/sh on this
 * machine (with HOME set to a test directory), TCP forwarding is allowed, every command line is recorded.
 */
final class FakeHostSshd extends InProcessSshd {
    final List<String> commands = new CopyOnWriteArrayList<>();

    private FakeHostSshd(KeyPair hostKey) {
        super(0, KeyPairProvider.wrap(hostKey));
    }

    static FakeHostSshd start(KeyPair hostKey, KeyPair clientKey, Path home) throws IOException {
        FakeHostSshd sshd = new FakeHostSshd(hostKey);
        sshd.server.setPublickeyAuthenticator((user, key, session) ->
                "kfit".equals(user) && KeyUtils.compareKeys(clientKey.getPublic(), key));
        sshd.server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        sshd.server.setCommandFactory((channel, line) -> {
            sshd.commands.add(line);
            // As sshd does: the login shell gets the command line with -c.
            return new ProcessShellFactory(line, "/bin/sh", "-c", line) {
                @Override
                protected InvertedShell createInvertedShell(ChannelSession ch) {
                    return new ProcessShell(getElements()) {
                        @Override
                        protected Map<String, String> resolveShellEnvironment(Map<String, String> env) {
                            Map<String, String> m = new HashMap<>(super.resolveShellEnvironment(env));
                            m.put("HOME", home.toString());
                            return m;
                        }
                    };
                }
            }.createShell(channel);
        });
        sshd.server.start();
        return sshd;
    }

    /** A known_hosts line as ssh-keyscan writes it for a non-standard port. */
    static Path writeKnownHosts(Path file, int port, KeyPair hostKey) throws IOException {
        Files.writeString(file, "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
        return file;
    }
}
