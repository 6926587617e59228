package dev.kfit.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    private static final long T = 1_262_345_678_901L;

    @TempDir
    Path dir;

    private static Event guest(String process, String type, long ns, Map<String, Object> data) {
        return new Event(1_714_557_600_000L, "guest:target", process, type, ns, data);
    }

    @Test
    void eventsAreOnDiskBeforeClose() throws Exception {
        Path file = dir.resolve("cells/c1/history.jsonl"); // parent directories do not exist yet
        try (History h = new History(file)) {
            Event registered = h.append(guest("pin", "registered", T, Map.of("size", 2097152)));
            // If kfit dies now, the evidence must already be there.
            assertThat(Files.readAllLines(file)).hasSize(1);
            assertThat(History.read(file)).containsExactly(registered);

            Event start = h.append(guest("unbind", "write_start", T + 3_000_000_000L, Map.of("file", "/sys/bus/pci/drivers/nvme/unbind")));
            assertThat(History.read(file)).containsExactly(registered, start);
        }
    }

    @Test
    void readReturnsEventsInOrderWithAllFields() {
        Path file = dir.resolve("history.jsonl");
        List<Event> written = new ArrayList<>();
        try (History h = new History(file)) {
            written.add(h.host("boot_start", Map.of("kernel", "k61", "ssh_port", 40022)));
            written.add(h.append(guest("pin", "registered", T, Map.of())));
            written.add(h.append(guest("unbind", "write_start", T + 3_000_000_000L, Map.of())));
            written.add(h.append(guest("pin", "release_start", T + 20_000_000_000L, Map.of())));
            written.add(h.append(guest("unbind", "write_end", T + 20_050_000_000L, Map.of("ok", true, "elapsed_ns", 17_050_000_000L))));
            written.add(h.host("verdict", Map.of("verdict", "BLOCKED_UNTIL_RELEASE")));
            assertThat(h.events()).containsExactlyElementsOf(written);
        }

        List<Event> read = History.read(file);

        assertThat(read).containsExactlyElementsOf(written);
        // Host events carry no guest time; durations come only from guest timestamps.
        assertThat(read.get(0).source()).isEqualTo("host");
        assertThat(read.get(0).process()).isEqualTo("kfit");
        assertThat(read.get(0).guestNs()).isNull();
        assertThat(read.get(4).guestNs() - read.get(2).guestNs()).isEqualTo(17_050_000_000L);
        assertThat(read.get(4).get("ok")).isEqualTo(true);
    }

    @Test
    void concurrentAppendsNeverInterleaveLines() throws Exception {
        // The pin and unbind pollers append from different threads.
        Path file = dir.resolve("history.jsonl");
        int threads = 4;
        int each = 200;
        try (History h = new History(file)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String process = "p" + t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        h.append(guest(process, "tick", T + i, Map.of("i", i, "pad", "x".repeat(100))));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }

        List<Event> read = History.read(file);
        assertThat(read).hasSize(threads * each);
        for (int t = 0; t < threads; t++) {
            String process = "p" + t;
            // Each thread's events stay in its own order.
            assertThat(read.stream().filter(e -> e.process().equals(process)).map(e -> e.get("i")).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, each).boxed().toList());
        }
    }
}
