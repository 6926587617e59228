package dev.kfit.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** CrashWatch on consoles written by the test as a guest would, a few lines at a time. */
public class CrashWatchTest {
    /** The first lines of a 6.12 boot, as the shipped consoles have them. */
    public static final String BOOT = """
            [    0.000000] Linux version 6.12.117 (kfit@kfit) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP
            [    0.000000] Command line: console=ttyS0,115200 root=/dev/vda rw rootwait init=/sbin/init panic=1 printk.time=1
            [    0.935768] nvme nvme0: pci function 0000:01:00.0
            """;

    /** What a NULL dereference in nvme_probe prints (the planted-oops kernel of the end-to-end test). */
    public static final String NVME_OOPS = """
            [    1.104211] BUG: kernel NULL pointer dereference, address: 0000000000000000
            [    1.104650] #PF: supervisor read access in kernel mode
            [    1.104921] #PF: error_code(0x0000) - not-present page
            [    1.105190] PGD 0 P4D 0
            [    1.105337] Oops: Oops: 0000 [#1] SMP NOPTI
            [    1.105566] CPU: 1 UID: 0 PID: 46 Comm: kworker/u8:2 Not tainted 6.12.117 #1
            [    1.105970] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
            [    1.106483] Workqueue: async async_run_entry_fn
            [    1.106752] RIP: 0010:nvme_probe+0x3a/0x6d0
            [    1.107812] Call Trace:
            [    1.107960]  <TASK>
            [    1.108090]  ? __die+0x1e/0x60
            [    1.108276]  ? page_fault_oops+0x157/0x440
            [    1.108510]  ? exc_page_fault+0x6e/0x150
            [    1.108733]  ? asm_exc_page_fault+0x26/0x30
            [    1.108965]  ? nvme_probe+0x3a/0x6d0
            [    1.109172]  local_pci_probe+0x3f/0x90
            [    1.109387]  pci_call_probe+0x5b/0x190
            [    1.109600]  pci_device_probe+0x95/0x120
            [    1.109822]  really_probe+0xd6/0x380
            [    1.110030]  __driver_probe_device+0x78/0x150
            [    1.110268]  driver_probe_device+0x1f/0x90
            [    1.110494]  __driver_attach_async_helper+0x5e/0xe0
            [    1.110752]  async_run_entry_fn+0x30/0x130
            [    1.110979]  process_one_work+0x176/0x330
            [    1.111202]  worker_thread+0x252/0x390
            [    1.111414]  kthread+0xd2/0x100
            [    1.111600]  ret_from_fork+0x34/0x50
            [    1.111806]  ret_from_fork_asm+0x1a/0x30
            [    1.112020]  </TASK>
            [    1.112150] CR2: 0000000000000000
            [    1.112336] ---[ end trace 0000000000000000 ]---
            """;

    @TempDir
    Path tmp;

    @Test
    void anOopsIsSeenOnceItsFirstLineIsComplete() throws IOException {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        assertThat(w.poll()).as("no file yet").isEmpty();

        append(console, BOOT);
        assertThat(w.poll()).isEmpty();
        append(console, "[    1.104211] BUG: kernel NULL pointer deref"); // QEMU flushed half a line
        assertThat(w.poll()).isEmpty();
        append(console, NVME_OOPS.substring(NVME_OOPS.indexOf("erence")));

        Optional<CrashWatch.Crash> c = w.poll();
        assertThat(c).isPresent();
        assertThat(c.get().guest()).isEqualTo("target");
        assertThat(c.get().splat().type().isCrash()).isTrue();
        assertThat(c.get().splat().timestamp()).isEqualTo(1.104211);
        assertThat(c.get().describe()).contains("target's console").contains("1.104 s");
        // Sticky: the first crash stays the answer.
        append(console, "[    9.000000] Kernel panic - not syncing: Fatal exception\n");
        assertThat(w.poll()).contains(c.get());
        assertThat(w.crash()).contains(c.get());
    }

    @Test
    void aPanicAndAKernelBugAreCrashesToo() throws IOException {
        for (String report : new String[] {
                "[    3.100000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n",
                "[    3.100000] kernel BUG at drivers/nvme/host/pci.c:3012!\n[    3.100100] Oops: invalid opcode: 0000 [#1] SMP NOPTI\n"}) {
            Path console = Files.createTempFile(tmp, "console", ".log");
            CrashWatch w = new CrashWatch();
            w.follow("g", console, Instant.now());
            append(console, BOOT + report);
            assertThat(w.poll()).as(report).isPresent();
        }
    }

    @Test
    void warningsHungTasksAndUserSpaceWordsAreNotCrashes() throws IOException {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        append(console, BOOT + """
                [    5.100000] ------------[ cut here ]------------
                [    5.100100] WARNING: CPU: 0 PID: 68 at mm/gup.c:2633 is_valid_gup_args+0x7f/0xa0
                [    5.100200] ---[ end trace 0000000000000000 ]---
                [   31.000000] INFO: task kfit-guest:81 blocked for more than 5 seconds.
                kfit-init: BUG: this is user space writing to the console
                Kernel panic - not syncing: nor is this the kernel
                """);
        assertThat(w.poll()).isEmpty();
    }

    @Test
    void whatCameBeforeTheOffsetIsNotLookedAt() throws IOException {
        Path console = tmp.resolve("console.log");
        append(console, BOOT + NVME_OOPS);
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Files.size(console), Instant.now());
        assertThat(w.poll()).isEmpty();
        append(console, "[   40.000000] Kernel panic - not syncing: later\n");
        assertThat(w.poll()).get().extracting(c -> c.splat().type()).isEqualTo(SplatType.PANIC);
    }

    @Test
    void aCrashOnAnyFollowedConsoleIsSeen() throws IOException {
        Path a = tmp.resolve("a.log");
        Path b = tmp.resolve("b.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", a, Instant.now());
        w.follow("initiator", b, Instant.now());
        append(a, BOOT);
        append(b, BOOT + NVME_OOPS);
        assertThat(w.poll()).get().extracting(CrashWatch.Crash::guest).isEqualTo("initiator");
        assertThat(w.guests()).containsExactly("target", "initiator");
    }

    @Test
    void aLongConsoleCostsLittleMoreThanAShortOne() throws IOException {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        StringBuilder chatter = new StringBuilder(BOOT);
        for (int i = 0; chatter.length() < 3 * CrashWatch.CONTEXT_BYTES; i++) {
            chatter.append(String.format("[ %11.6f] rxe0: some chatty driver line number %d%n", 2.0 + i * 1e-4, i));
        }
        append(console, chatter.toString());
        assertThat(w.poll()).isEmpty();
        for (int i = 0; i < 20; i++) { // warm up
            append(console, "[  899.000000] one more line\n");
            assertThat(w.poll()).isEmpty();
        }
        long t0 = System.nanoTime();
        append(console, "[  900.000000] Kernel panic - not syncing: at the end of a long console\n");
        assertThat(w.poll()).isPresent();
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for one poll of a long console").isLessThan(200);
    }

    @Test
    void userSpaceWordsStayUserSpaceAfterALongStretchWithoutKernelLines() throws IOException {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        append(console, BOOT);
        assertThat(w.poll()).isEmpty();
        append(console, "kfit-test: padding line from a program writing to /dev/console\n".repeat(2 * CrashWatch.CONTEXT_BYTES / 60));
        assertThat(w.poll()).isEmpty();
        append(console, "Kernel panic - not syncing: printed by a program, without a printk time\n");
        assertThat(w.poll()).isEmpty();
    }

    @Test
    void quietTimeCountsFromTheLastGrowth() throws Exception {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        Thread.sleep(300);
        assertThat(w.quietFor("target")).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        append(console, BOOT);
        assertThat(w.quietFor("target")).isLessThan(Duration.ofMillis(200));
    }

    @Test
    void settleWaitsUntilTheReportStopsGrowingButNotForever() throws Exception {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        append(console, BOOT + NVME_OOPS.lines().limit(3).map(l -> l + "\n").reduce("", String::concat));
        assertThat(w.poll()).isPresent();

        // The rest of the report arrives over 1.2 s; settle returns once it has been quiet 0.5 s.
        Thread writer = new Thread(() -> {
            try {
                for (String line : NVME_OOPS.lines().skip(3).toList()) {
                    append(console, line + "\n");
                    Thread.sleep(40);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long t0 = System.nanoTime();
        writer.start();
        Optional<CrashWatch.Crash> settled = w.settle(Duration.ofMillis(500), Duration.ofSeconds(5));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        writer.join();
        assertThat(ms).isBetween(1200L, 3500L);
        // Seen before its RIP line was printed; read again once it was.
        assertThat(settled.orElseThrow().splat().title()).contains("nvme_probe");
        assertThat(Files.readString(console)).contains("---[ end trace");

        // A console that never stops: settle gives up at its maximum, counted from when the crash was seen.
        Thread chatter = new Thread(() -> {
            try {
                for (int i = 0; i < 60; i++) {
                    append(console, "[    2.000000] still printing\n");
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        chatter.start();
        Instant seen = w.crash().orElseThrow().seenAt();
        w.settle(Duration.ofMillis(500), Duration.ofMillis(1500) .plus(Duration.between(seen, Instant.now())));
        assertThat(chatter.isAlive()).as("settle returned while the console was still printing").isTrue();
        chatter.join();
    }

    @Test
    void awaitOrCrashEndsAWaitThatWouldNeverEndOnItsOwn() throws Exception {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        append(console, BOOT);
        CompletableFuture<String> scenario = new CompletableFuture<>(); // a scenario stuck forever
        Thread guest = new Thread(() -> {
            try {
                Thread.sleep(400);
                append(console, NVME_OOPS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long t0 = System.nanoTime();
        guest.start();
        Optional<CrashWatch.Crash> c = w.awaitOrCrash(scenario);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(c).isPresent();
        // 0.4 s until the oops, a poll, then the report settles (2 s quiet).
        assertThat(ms).isBetween(400L + CrashWatch.SETTLE_QUIET.toMillis(), 400L + CrashWatch.SETTLE_MAX.toMillis() + 1000);
        assertThat(scenario).isNotDone(); // ending it is the caller's: it stops the guests
    }

    @Test
    void awaitOrCrashReturnsNothingWhenTheWorkFinishesFirst() throws Exception {
        Path console = tmp.resolve("console.log");
        CrashWatch w = new CrashWatch();
        w.follow("target", console, Instant.now());
        append(console, BOOT);
        assertThat(w.awaitOrCrash(CompletableFuture.completedFuture("done"))).isEmpty();
        assertThat(w.awaitOrCrash(CompletableFuture.failedFuture(new IllegalStateException("ssh lost")))).isEmpty();
    }

    @Test
    void theCrashTimeOnKfitsClockIsBoundedByTheGuestsStartAndWhenItWasSeen() {
        Instant started = Instant.parse("2026-11-30T14:00:00Z");
        Splat oops = new Splat(SplatType.OOPS, "BUG: kernel NULL pointer dereference in nvme_probe", "x", 1.104211);
        CrashWatch.Crash c = new CrashWatch.Crash("target", oops, started.plusSeconds(3), started);
        assertThat(c.printedNotBefore()).isEqualTo(started.plusNanos(1_104_211_000L));
        // A guest clock ahead of kfit's cannot put the crash after kfit read it.
        CrashWatch.Crash early = new CrashWatch.Crash("target", oops, started.plusMillis(900), started);
        assertThat(early.printedNotBefore()).isEqualTo(started.plusMillis(900));
        Splat unstamped = new Splat(SplatType.PANIC, "Kernel panic", "x", Double.NaN);
        assertThat(new CrashWatch.Crash("t", unstamped, started.plusSeconds(2), started).printedNotBefore())
                .isEqualTo(started.plusSeconds(2));
    }

    static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
