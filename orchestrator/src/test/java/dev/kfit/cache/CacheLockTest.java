package dev.kfit.cache;

import dev.kfit.error.InfraException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache's per-key locks: a holder in another process or thread is waited for, but not for ever. */
class CacheLockTest {
    @TempDir
    Path dir;

    @Test
    void aHolderThatDoesNotLetGoIsGivenUpOnAtTheLimitNamingTheLock() throws Exception {
        Cache cache = new Cache(dir);
        Path lockFile = cache.dir("kernels").resolve("k1.lock");
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)",
                lockFile.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine()).isEqualTo("held");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> cache.lock("kernels", "k1", () -> { }, Duration.ofSeconds(1)))
                    .isInstanceOf(InfraException.class).hasMessageContaining(lockFile.toString())
                    .hasMessageContaining("another kfit has held");
            assertThat((System.nanoTime() - t0) / 1e9).isBetween(0.9, 10.0);
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // The holder is gone: its lock went with it.
        try (AutoCloseable free = cache.lock("kernels", "k1", () -> { }, Duration.ofSeconds(1))) {
            assertThat(free).isNotNull();
        }
    }

    @Test
    void anotherThreadOfThisProcessIsWaitedForLikeAnotherProcess() throws Exception {
        Cache cache = new Cache(dir);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Void> second;
        try (AutoCloseable first = cache.lock("images", "i1")) {
            second = CompletableFuture.runAsync(() -> {
                try (AutoCloseable l = cache.lock("images", "i1", waiting::countDown, Duration.ofSeconds(20))) {
                    assertThat(l).isNotNull();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(waiting.await(10, TimeUnit.SECONDS)).as("told that it waits").isTrue();
            assertThat(second).isNotDone();
        }
        second.get(10, TimeUnit.SECONDS);
    }
}
