package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.host.HostProcess;
import dev.kfit.spec.GuestRole;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.LinkSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.topology.Placement;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedulerTest {
    private static final GuestSpec GUEST = GuestSpec.DEFAULT; // 2 vCPUs, 1 GiB, 64 MiB CMB
    private static final Duration SHORT = Duration.ofMillis(50);

    /** Only what the scheduler asks of a host: its name and resources. */
    record FakeHost(String name, int cores, long memoryMb) implements Host {
        @Override
        public CommandResult run(Command command) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HostProcess start(Command command) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path privateDir() {
            throw new UnsupportedOperationException();
        }

        @Override
        public String linkAddress() {
            return "10.0.0.1";
        }

        @Override
        public int forward(int port) {
            return port;
        }

        @Override
        public int freePort(String address) {
            return 1;
        }

        @Override
        public void awaitListening(String address, int port, Duration timeout) {
        }

        @Override
        public Path stage(Path localFile, String key) {
            return localFile;
        }

        @Override
        public AutoCloseable follow(Path fileOnHost, Path localFile) {
            return () -> { };
        }

        @Override
        public Resources resources() {
            return new Resources(cores, memoryMb);
        }

        @Override
        public void crash() {
        }

        @Override
        public void close() {
        }
    }

    private static final TopologySpec SINGLE = new TopologySpec("single", List.of(new GuestRole("target", 64)), List.of());
    private static final TopologySpec PAIR = new TopologySpec("pair",
            List.of(new GuestRole("target", 64), new GuestRole("initiator", 0)), List.of(new LinkSpec("target", "initiator")));
    private static final TopologySpec SPREAD = new TopologySpec("split", PAIR.guests(), PAIR.links(), TopologySpec.Placement.SPREAD);

    @Test
    void cellsGoToTheLeastLoadedHostAndWaitWhenEveryHostIsFull() throws Exception {
        FakeHost a = new FakeHost("a", 2, 8000);
        FakeHost b = new FakeHost("b", 2, 8000);
        Scheduler s = new Scheduler(List.of(a, b), 0);
        Placement p1 = s.acquire(SINGLE, GUEST, SHORT);
        Placement p2 = s.acquire(SINGLE, GUEST, SHORT);
        assertThat(List.of(p1.of("target"), p2.of("target"))).containsExactlyInAnyOrder(a, b);
        // Both hosts' two cores are taken by a 2-vCPU guest each: the third cell waits, bounded.
        assertThatThrownBy(() -> s.acquire(SINGLE, GUEST, SHORT)).isInstanceOf(InfraException.class)
                .hasMessageContaining("no room");
        s.release(SINGLE, GUEST, p2);
        assertThat(s.acquire(SINGLE, GUEST, SHORT).of("target")).isEqualTo(p2.of("target"));
    }

    @Test
    void packPutsAPairOnOneHostAndSpreadOnTwo() throws Exception {
        FakeHost a = new FakeHost("a", 8, 16000);
        FakeHost b = new FakeHost("b", 8, 16000);
        Scheduler s = new Scheduler(List.of(a, b), 0);
        Placement packed = s.acquire(PAIR, GUEST, SHORT);
        assertThat(packed.distinctHosts()).hasSize(1);
        Placement spread = s.acquire(SPREAD, GUEST, SHORT);
        assertThat(spread.distinctHosts()).containsExactlyInAnyOrder(a, b);
        assertThat(spread.names()).containsOnlyKeys("target", "initiator");
    }

    @Test
    void aGuestNamedToAHostGoesThereAndTheOthersFollowTheRule() throws Exception {
        FakeHost a = new FakeHost("a", 8, 16000);
        FakeHost b = new FakeHost("b", 8, 16000);
        TopologySpec pinned = new TopologySpec("pinned", List.of(new GuestRole("target", 64, "b"), new GuestRole("initiator", 0)),
                PAIR.links(), TopologySpec.Placement.SPREAD);
        Scheduler s = new Scheduler(List.of(a, b), 0);
        Placement p = s.acquire(pinned, GUEST, SHORT);
        assertThat(p.names()).isEqualTo(Map.of("target", "b", "initiator", "a"));
    }

    @Test
    void aCellTooBigForAHostsCoresStillRunsThereAlone() throws Exception {
        FakeHost a = new FakeHost("a", 1, 8000);
        Scheduler s = new Scheduler(List.of(a), 0);
        Placement p = s.acquire(PAIR, GUEST, SHORT);
        assertThat(p.distinctHosts()).containsExactly(a);
        assertThatThrownBy(() -> s.acquire(SINGLE, GUEST, SHORT)).hasMessageContaining("no room");
    }

    @Test
    void badPlacementsAreBadInputNamingTheHosts() {
        Scheduler s = new Scheduler(List.of(new FakeHost("a", 2, 8000)), 0);
        TopologySpec elsewhere = new TopologySpec("t", List.of(new GuestRole("target", 64, "nowhere")), List.of());
        assertThatThrownBy(() -> s.check(elsewhere, GUEST, "spec.yaml")).isInstanceOf(BadInputException.class)
                .hasMessage("spec.yaml: topology 't' puts guest 'target' on host 'nowhere', which the run does not have (hosts: a)");
        assertThatThrownBy(() -> s.check(SPREAD, GUEST, "spec.yaml")).isInstanceOf(BadInputException.class)
                .hasMessage("spec.yaml: topology 'split' spreads 2 guests over distinct hosts, but the run has 1 (a)");
        Scheduler small = new Scheduler(List.of(new FakeHost("tiny", 2, 512)), 0);
        assertThatThrownBy(() -> small.check(SINGLE, GUEST, "spec.yaml")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("needs 1344 MiB").hasMessageContaining("fits on no host");
    }

    @Test
    void aDeadHostGetsNoMoreCellsAndACellThatFitsNowhereFailsAtOnce() throws Exception {
        FakeHost a = new FakeHost("a", 2, 8000);
        FakeHost b = new FakeHost("b", 2, 8000);
        Scheduler s = new Scheduler(List.of(a, b), 0);
        s.markDead(a);
        assertThat(s.acquire(SINGLE, GUEST, SHORT).of("target")).isEqualTo(b);
        s.markDead(b);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.acquire(SINGLE, GUEST, Duration.ofMinutes(5))).isInstanceOf(InfraException.class)
                .hasMessageContaining("no live host");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
}
