package dev.kfit.monitor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Follows the serial consoles of a testbed's guests as they grow, so that kfit's waits (for a boot,
 * for SSH, for a scenario) can end as soon as a kernel has crashed instead of at their timeout.
 *
 * <p>What counts as a crash is {@link ConsoleParser}'s to say: a splat whose type
 * {@link SplatType#isCrash() is a crash} (panic, oops, BUG). When a console gained complete lines,
 * the parser is given those lines with up to {@link #CONTEXT_BYTES} of the lines before them, so every
 * line is looked at as new once and a long, chatty console costs no more per poll than a short one
 * (a 1 MiB console takes the parser about 0.25 s). The first crash seen is kept: later polls return it
 * without reading further.
 *
 * <p>A crash report takes a moment to print (call trace, registers, "end trace"): {@link #settle}
 * waits, bounded, until the crashed guest's console has been quiet for a while, so the console kept
 * as evidence holds the whole report.
 *
 * <p>The watch also knows when each console last grew, for a no-output limit ({@link #quietFor}).
 * Thread-safe.
 */
public final class CrashWatch {
    /** After a crash is seen, the console must be quiet this long for the report to count as printed... */
    public static final Duration SETTLE_QUIET = Duration.ofSeconds(2);
    /** ...but kfit waits at most this long after seeing it (a dying kernel may print on and on). */
    public static final Duration SETTLE_MAX = Duration.ofSeconds(5);
    /** How often waits poll the consoles. */
    public static final Duration POLL = Duration.ofMillis(250);
    /** Console text before the new lines that the parser is given with them. */
    static final int CONTEXT_BYTES = 64 << 10;
    /**
     * A kernel line: when a console has them, the parser takes lines without a printk time for user
     * space, and a chunk of new lines that lacks one is given the last one seen so it judges alike.
     */
    private static final java.util.regex.Pattern STAMPED = java.util.regex.Pattern.compile("(?m)^\\[\\s*\\d+\\.\\d+\\]");

    private final Map<String, Followed> consoles = new LinkedHashMap<>();
    private Crash crash;

    /**
     * A crash seen on a console.
     *
     * @param guest     whose console printed it
     * @param splat     the parser's report (its timestamp is the guest's printk time, NaN without one)
     * @param seenAt    when kfit read the report's first line: the report was printed at or before
     * @param startedAt when the guest was started (before QEMU ran): its printk clock began at or after
     */
    public record Crash(String guest, Splat splat, Instant seenAt, Instant startedAt) {
        /**
         * The earliest the report can have been printed on kfit's clock: the guest's start plus the
         * report's printk time (the kernel's clock starts after QEMU, firmware and loading), never
         * later than when it was seen. Measuring from here overstates, never understates, how long
         * kfit took after the crash.
         */
        public Instant printedNotBefore() {
            double t = splat.timestamp();
            if (startedAt == null || Double.isNaN(t) || t < 0) {
                return seenAt;
            }
            Instant byConsole = startedAt.plusNanos((long) (t * 1e9));
            return byConsole.isBefore(seenAt) ? byConsole : seenAt;
        }

        /** One line for errors and logs: {@code OOPS "title" on target's console at 1.123 s}. */
        public String describe() {
            return splat.type() + " \"" + splat.title() + "\" on " + guest + "'s console"
                    + (Double.isNaN(splat.timestamp()) ? "" : String.format(java.util.Locale.ROOT, " at %.3f s", splat.timestamp()));
        }
    }

    /** Follows {@code console} of {@code guest} from its first byte; the guest was started at {@code startedAt}. */
    public void follow(String guest, Path console, Instant startedAt) {
        follow(guest, console, 0, startedAt);
    }

    /**
     * Follows {@code console} from byte {@code fromOffset} (the file may not exist yet: it is looked for
     * on every poll). Quiet time counts from now.
     */
    public synchronized void follow(String guest, Path console, long fromOffset, Instant startedAt) {
        if (consoles.containsKey(guest)) {
            throw new IllegalArgumentException("already following the console of " + guest);
        }
        consoles.put(guest, new Followed(console, fromOffset, startedAt, System.nanoTime()));
    }

    /** Reads what every console gained and returns the first crash seen so far, if any. */
    public synchronized Optional<Crash> poll() {
        if (crash != null) {
            return Optional.of(crash);
        }
        for (Map.Entry<String, Followed> e : consoles.entrySet()) {
            Followed f = e.getValue();
            String chunk = f.read();
            if (chunk == null) {
                continue;
            }
            Instant now = Instant.now();
            for (Splat s : ConsoleParser.parse(chunk)) {
                if (s.type().isCrash()) {
                    crash = new Crash(e.getKey(), s, now, f.startedAt);
                    return Optional.of(crash);
                }
            }
        }
        return Optional.empty();
    }

    /** The crash seen by an earlier {@link #poll}, without reading. */
    public synchronized Optional<Crash> crash() {
        return Optional.ofNullable(crash);
    }

    /** How long {@code guest}'s console has not grown (since it was followed, if it never has). Reads first. */
    public synchronized Duration quietFor(String guest) {
        Followed f = consoles.get(guest);
        if (f == null) {
            throw new IllegalArgumentException("not following the console of " + guest);
        }
        f.read();
        return Duration.ofNanos(System.nanoTime() - f.lastGrowth);
    }

    /**
     * After a crash: waits until the crashed guest's console has been quiet for {@code quiet}, at most
     * {@code max} after the crash was seen, so that the report is complete on disk. Returns the crash
     * (empty if none was seen), its report read again now that more of it is there (the title names the
     * faulting function once the RIP line and call trace are printed). Interruption ends the wait early.
     */
    public Optional<Crash> settle(Duration quiet, Duration max) {
        Optional<Crash> c = poll();
        if (c.isEmpty()) {
            return c;
        }
        long deadline = System.nanoTime() + Math.max(0, max.toNanos()
                - Duration.between(c.get().seenAt(), Instant.now()).toNanos());
        while (System.nanoTime() < deadline && quietFor(c.get().guest()).compareTo(quiet) < 0) {
            try {
                Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.of(reread());
    }

    /** The crash with its report parsed again from the console as it is now (the same report: same time and type). */
    private synchronized Crash reread() {
        Followed f = consoles.get(crash.guest());
        f.read();
        for (Splat s : ConsoleParser.parse(f.context)) {
            boolean sameTime = Double.compare(s.timestamp(), crash.splat().timestamp()) == 0;
            if (s.type() == crash.splat().type() && sameTime) {
                crash = new Crash(crash.guest(), s, crash.seenAt(), crash.startedAt());
                break;
            }
        }
        return crash;
    }

    /** {@link #settle(Duration, Duration)} with {@link #SETTLE_QUIET} and {@link #SETTLE_MAX}. */
    public Optional<Crash> settle() {
        return settle(SETTLE_QUIET, SETTLE_MAX);
    }

    /**
     * Waits for {@code work} (a scenario running on another thread) to finish, or for a crash on any
     * followed console, whichever comes first; after a crash, waits for the report to settle. Returns
     * the crash, or empty when the work finished first (its result or failure is then in the future).
     * The work is not cancelled here: the caller stops the guests, which is what ends it.
     */
    public Optional<Crash> awaitOrCrash(Future<?> work) throws InterruptedException {
        while (true) {
            try {
                work.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                return Optional.empty();
            } catch (ExecutionException | CancellationException done) {
                return Optional.empty();
            } catch (TimeoutException stillRunning) {
                if (poll().isPresent()) {
                    return settle();
                }
            }
        }
    }

    /** Guests followed, in the order given. */
    public synchronized List<String> guests() {
        return List.copyOf(consoles.keySet());
    }

    /** One console: how far it was read, the lines before that for context, and when it last grew. */
    private static final class Followed {
        final Path file;
        final Instant startedAt;
        long offset;
        long lastGrowth;
        /** The newest {@link #CONTEXT_BYTES} of complete lines already looked at. */
        String context = "";
        /** The last kernel (printk-stamped) line seen, or null. */
        String lastStamped;
        /** The last line's bytes while its newline has not arrived. */
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Followed(Path file, long offset, Instant startedAt, long now) {
            this.file = file;
            this.offset = offset;
            this.startedAt = startedAt;
            this.lastGrowth = now;
        }

        /**
         * Reads what the file gained. Returns the lines it completed, after their context, for the parser;
         * null when no line was completed.
         */
        String read() {
            byte[] fresh;
            try {
                if (!Files.isRegularFile(file)) {
                    return null;
                }
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                    long size = f.length();
                    if (size < offset) {
                        offset = size; // truncated (a retried cell's directory was replaced): follow the new file
                        partial.reset();
                    }
                    if (size == offset) {
                        return null;
                    }
                    fresh = new byte[(int) Math.min(size - offset, 8 << 20)];
                    f.seek(offset);
                    f.readFully(fresh);
                }
            } catch (IOException e) {
                return null; // being replaced or not yet there: the next poll reads it
            }
            offset += fresh.length;
            lastGrowth = System.nanoTime();
            int lastNewline = -1;
            for (int i = fresh.length - 1; i >= 0; i--) {
                if (fresh[i] == '\n') {
                    lastNewline = i;
                    break;
                }
            }
            if (lastNewline < 0) {
                partial.write(fresh, 0, fresh.length);
                return null;
            }
            partial.write(fresh, 0, lastNewline + 1);
            String lines = partial.toString(StandardCharsets.UTF_8);
            partial.reset();
            partial.write(fresh, lastNewline + 1, fresh.length - lastNewline - 1);

            String chunk = context + lines;
            java.util.regex.Matcher m = STAMPED.matcher(chunk);
            if (!m.find() && lastStamped != null) {
                chunk = lastStamped + "\n" + chunk;
            }
            int lastStart = -1;
            for (m = STAMPED.matcher(lines); m.find(); ) {
                lastStart = m.start();
            }
            if (lastStart >= 0) {
                int eol = lines.indexOf('\n', lastStart);
                lastStamped = lines.substring(lastStart, eol < 0 ? lines.length() : eol);
            }
            context = tail(chunk);
            return chunk;
        }

        /** The newest {@link #CONTEXT_BYTES} (characters) of {@code text}, from a line start. */
        private static String tail(String text) {
            if (text.length() <= CONTEXT_BYTES) {
                return text;
            }
            int from = text.indexOf('\n', text.length() - CONTEXT_BYTES);
            return from < 0 ? "" : text.substring(from + 1);
        }
    }
}
