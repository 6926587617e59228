package dev.kfit.error;

import java.nio.file.Path;

/**
 * The user's input is wrong (a spec, a patch, a path, a PCI address): exit status 2.
 * The message is one line that names the file (and line, where known) and the problem.
 */
public class BadInputException extends KfitException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    public static BadInputException at(Path file, int line, String problem) {
        return new BadInputException(line > 0 ? file + ":" + line + ": " + problem : file + ": " + problem);
    }
}
