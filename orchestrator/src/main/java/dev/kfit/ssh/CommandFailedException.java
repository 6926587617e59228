package dev.kfit.ssh;

/** A command run by {@link SshSession#check} exited non-zero, died without a status, or timed out. */
public class CommandFailedException extends SshException {
    private static final int MAX_STREAM_CHARS_IN_MESSAGE = 2000;

    private final transient ExecResult result;

    public CommandFailedException(SshTarget target, ExecResult result) {
        super(describe(target, result));
        this.result = result;
    }

    public ExecResult result() {
        return result;
    }

    private static String describe(SshTarget target, ExecResult r) {
        String outcome;
        if (r.timedOut()) {
            outcome = "timed out after " + Durations.format(r.elapsed());
        } else if (r.exitStatus() != null) {
            outcome = "exit status " + r.exitStatus();
        } else {
            outcome = "no exit status (killed by a signal or the connection dropped)";
        }
        return "command failed on " + target.address() + ": " + r.command() + ": " + outcome
                + "\n--- stdout ---\n" + clip(r.stdout())
                + "\n--- stderr ---\n" + clip(r.stderr());
    }

    private static String clip(String s) {
        String t = s == null ? "" : s.strip();
        if (t.length() <= MAX_STREAM_CHARS_IN_MESSAGE) {
            return t;
        }
        // The tail usually holds the actual error; keep it rather than the head.
        return "[... " + (t.length() - MAX_STREAM_CHARS_IN_MESSAGE) + " chars cut ...]"
                + t.substring(t.length() - MAX_STREAM_CHARS_IN_MESSAGE);
    }
}
