package dev.kfit.ssh;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** POSIX sh quoting: sshd hands the command line to the login shell, so argv must be re-quoted. */
public final class ShellQuote {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellQuote() {
    }

    public static String quote(String arg) {
        if (arg.isEmpty()) {
            return "''";
        }
        if (PLAIN.matcher(arg).matches()) {
            return arg;
        }
        // Inside single quotes nothing is special except the closing quote itself.
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    public static String join(List<String> argv) {
        return argv.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }
}
