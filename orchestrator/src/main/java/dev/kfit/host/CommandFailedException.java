package dev.kfit.host;

import dev.kfit.error.InfraException;

/** A host command that kfit needed failed; carries the command, its status and the output's tail. */
public class CommandFailedException extends InfraException {
    private final CommandResult result;

    public CommandFailedException(String what, CommandResult result) {
        super(what + ": `" + String.join(" ", result.argv()) + "` "
                + (result.timedOut() ? "timed out after " + result.elapsed().toSeconds() + " s"
                        : "exited with status " + result.exitStatus())
                + (result.output().isBlank() ? "" : "\n" + result.output().strip()));
        this.result = result;
    }

    public CommandResult result() {
        return result;
    }
}
