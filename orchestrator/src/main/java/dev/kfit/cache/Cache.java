package dev.kfit.cache;

import dev.kfit.error.InfraException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * kfit's content-keyed cache, outside the repository: {@code $KFIT_CACHE}, else {@code ~/.cache/kfit}.
 * An entry is published by renaming a finished temporary directory, so a crash never leaves a
 * half-built entry that looks complete; a per-key lock stops two runs building the same thing.
 */
public final class Cache {
    private final Path root;

    public Cache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public static Cache fromEnvironment() {
        String env = System.getenv("KFIT_CACHE");
        if (env != null && !env.isBlank()) {
            return new Cache(Path.of(env));
        }
        return new Cache(Path.of(System.getProperty("user.home"), ".cache", "kfit"));
    }

    public Path root() {
        return root;
    }

    public Path dir(String area) {
        Path d = root.resolve(area);
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new InfraException("cannot create cache directory " + d + ": " + e.getMessage(), e);
        }
        return d;
    }

    /**
     * The longest wait for another kfit's lock: its holder builds a kernel (make alone may take 90 min) or
     * an image, or copies a tree, each step with its own timeout. Beyond this the holder is stuck.
     */
    public static final Duration LOCK_LIMIT = Duration.ofHours(2);
    private static final long LOCK_POLL_MS = 200;

    /** Holds an exclusive lock on {@code area/key.lock} until closed. Waits while another kfit builds it. */
    public AutoCloseable lock(String area, String key) {
        return lock(area, key, () -> { });
    }

    /** {@link #lock(String, String)}, calling {@code waiting} first when another process holds the lock. */
    public AutoCloseable lock(String area, String key, Runnable waiting) {
        return lock(area, key, waiting, LOCK_LIMIT);
    }

    /**
     * {@link #lock(String, String, Runnable)} waiting at most {@code limit}; then an {@link InfraException}
     * names the lock file. A lock of a process that died is free at once (the kernel drops it), so only a
     * live holder is waited for. Another thread of this JVM holding it counts as another holder.
     */
    public AutoCloseable lock(String area, String key, Runnable waiting, Duration limit) {
        Path lockFile = dir(area).resolve(key + ".lock");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + limit.toNanos();
            FileLock lock = tryLock(ch);
            if (lock == null) {
                waiting.run();
            }
            while (lock == null) {
                if (System.nanoTime() > deadline) {
                    throw new InfraException("another kfit has held " + lockFile + " for more than " + limit.toMinutes()
                            + " min (see which with: fuser -v " + lockFile + ")");
                }
                Thread.sleep(LOCK_POLL_MS);
                lock = tryLock(ch);
            }
            FileLock held = lock;
            FileChannel channel = ch;
            ch = null;
            return () -> {
                held.release();
                channel.close();
            };
        } catch (IOException e) {
            throw new InfraException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfraException("interrupted while waiting for " + lockFile, e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // closing releases nothing we hold
                }
            }
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return null; // held by another thread of this JVM
        }
    }

    /** A fresh scratch directory next to where the entry will be published. */
    public Path scratch(String area, String key) {
        try {
            return Files.createTempDirectory(dir(area), key + ".tmp-");
        } catch (IOException e) {
            throw new InfraException("cannot create scratch directory in " + dir(area) + ": " + e.getMessage(), e);
        }
    }

    /** Atomically publishes a finished scratch directory as {@code area/key}. */
    public Path publish(Path scratch, String area, String key) {
        Path target = dir(area).resolve(key);
        try {
            deleteTree(target);
            try {
                Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(scratch, target);
            }
            return target;
        } catch (IOException e) {
            throw new InfraException("cannot publish " + scratch + " as " + target + ": " + e.getMessage(), e);
        }
    }

    /** Removes scratch directories left by a crashed run (only when nobody holds the key's lock). */
    public void removeStaleScratch(String area, String key) {
        try (Stream<Path> s = Files.list(dir(area))) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(key + ".tmp-")).toList()) {
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new InfraException("cannot clean " + dir(area) + ": " + e.getMessage(), e);
        }
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** Incremental SHA-256 over named parts, so that a key says what went into it. */
    public static final class Key {
        private final MessageDigest md;

        public Key() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public Key add(String name, String value) {
            update(name);
            update(value);
            return this;
        }

        public Key addFile(String name, Path file) {
            update(name);
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                md.update((byte) 0);
            } catch (IOException e) {
                throw new InfraException("cannot read " + file + ": " + e.getMessage(), e);
            }
            return this;
        }

        private void update(String s) {
            md.update(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 0);
        }

        public String hex() {
            return HexFormat.of().formatHex(md.digest()).substring(0, 24);
        }
    }

    public static String sha256(Path file) {
        return new Key().addFile("", file).hex();
    }
}
