package dev.kfit.ssh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * A remote command kept running with its stdin and stdout open: {@link #ask} sends a line and waits,
 * bounded, for the next line of output. A round trip then costs no fork and exec in the guest (under
 * TCG about 0.1 s each), which is what a clock calibration needs. Lines are read on a daemon thread,
 * so no read blocks the caller beyond its timeout.
 */
public final class SshDialog implements AutoCloseable {
    private static final String EOF = new String("EOF"); // identity-compared: a marker, not a line
    private final String command;
    private final ChannelExec channel;
    private final OutputStream toRemote;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    SshDialog(String command, ChannelExec channel) {
        this.command = command;
        this.channel = channel;
        this.toRemote = channel.getInvertedIn();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(channel.getInvertedOut(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the channel closed under the reader: the dialog is over
            } finally {
                lines.add(EOF);
            }
        }, "kfit-ssh-dialog");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends {@code line} and returns the next line the command prints; fails after {@code timeout} or at its end. */
    public String ask(String line, Duration timeout) {
        try {
            toRemote.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            toRemote.flush();
            String answer = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (answer == null) {
                throw new SshException("no answer within " + Durations.format(timeout) + " from: " + command);
            }
            if (answer == EOF) {
                lines.add(EOF);
                throw new SshException("the command ended before it answered: " + command);
            }
            return answer;
        } catch (IOException e) {
            throw new SshException("cannot write to " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException("interrupted while waiting for " + command, e);
        }
    }

    /** Closes its stdin (the command's EOF), then the channel, waiting at most a second for it to end. */
    @Override
    public void close() {
        try {
            toRemote.close();
        } catch (IOException e) {
            // already gone: closing the channel below is what matters
        }
        channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(1));
        channel.close(true);
    }
}
