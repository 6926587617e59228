package dev.kfit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfit.cache.Cache;
import dev.kfit.history.Event;
import dev.kfit.history.History;
import dev.kfit.host.Command;
import dev.kfit.host.HostProcess;
import dev.kfit.host.LocalHost;
import dev.kfit.spec.LinkSpec;
import dev.kfit.spec.Netem;
import dev.kfit.topology.LinkRelay;
import dev.kfit.topology.LinkRelayBinary;
import dev.kfit.verdict.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The link faults against a real kfit-link, host-crash against a LocalHost's processes. */
class LinkAndHostFaultTest {
    @TempDir
    Path dir;

    static Path kfitRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(LinkRelayBinary.SOURCE))) {
                return p;
            }
        }
        throw new IllegalStateException("no kfit checkout above " + Path.of("").toAbsolutePath());
    }

    @Test
    void partitionAndNetemRecordTheRelaysTimesAndHeal() {
        LinkRelayBinary bin = LinkRelayBinary.build(new Cache(dir.resolve("cache")), kfitRoot());
        try (LocalHost host = new LocalHost(); History h = new History(dir.resolve("history.jsonl"));
             LinkRelay relay = LinkRelay.start(host, bin.path(), "127.0.0.1", "127.0.0.1", dir.resolve("link.log"), "t-i")) {
            LinkSpec link = new LinkSpec("target", "initiator");
            for (Fault f : List.of(LinkFault.partition(link, relay, h),
                    LinkFault.netem(link, relay, new Netem(Duration.ofMillis(50), Duration.ZERO, 5, 0, 0), h))) {
                assertThat(f.poll()).isEqualTo(FaultTiming.NOT_STARTED);
                f.heal(); // nothing injected: nothing to heal
                assertThat(f.poll().healOk()).isNull();
                f.inject(0);
                assertThat(f.outcome()).isEqualTo(Outcome.OK);
                assertThat(f.guest()).isEqualTo("target");
                f.heal();
                assertThat(f.poll().healOk()).isTrue();
                assertThat(f.poll().healedHostNs()).isGreaterThanOrEqualTo(f.poll().returnedHostNs());
            }
            List<Event> ev = h.events();
            assertThat(ev).extracting(Event::type).containsExactly("fault_inject", "fault_heal", "fault_inject", "fault_heal");
            assertThat(ev.get(0).data()).containsEntry("fault", "partition").containsEntry("link", "[target, initiator]")
                    .containsKey("relay_ns");
            assertThat(ev.get(1).data()).containsEntry("ok", true).containsKeys("relay_ns", "stats");
            assertThat(ev.get(2).data()).containsEntry("netem", "delay 50ms loss 5%");
            assertThat((Long) ev.get(1).get("relay_ns")).isGreaterThan((Long) ev.get(0).get("relay_ns"));
        }
    }

    @Test
    void aDeadRelayIsAFailedInjectionNotAnException() {
        LinkRelayBinary bin = LinkRelayBinary.build(new Cache(dir.resolve("cache")), kfitRoot());
        try (LocalHost host = new LocalHost(); History h = new History(dir.resolve("history.jsonl"))) {
            LinkRelay relay = LinkRelay.start(host, bin.path(), "127.0.0.1", "127.0.0.1", dir.resolve("link.log"), "gone");
            relay.close();
            Fault f = LinkFault.partition(new LinkSpec("a", "b"), relay, h);
            f.inject(0);
            assertThat(f.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(f.poll().detail()).contains("link relay gone on localhost");
            f.heal();
            assertThat(f.poll().healOk()).isFalse();
        }
    }

    @Test
    void hostCrashKillsTheHostsGuestsAndHasNothingToHeal() {
        try (LocalHost host = new LocalHost(); History h = new History(dir.resolve("history.jsonl"))) {
            HostProcess guest = host.start(Command.of(Duration.ofMinutes(1), "sleep", "60"));
            HostCrashFault f = new HostCrashFault("target", host, List.of("target"), h);
            f.inject(0);
            assertThat(guest.waitFor(Duration.ofSeconds(5))).isTrue();
            assertThat(f.outcome()).isEqualTo(Outcome.OK);
            f.heal();
            f.heal();
            assertThat(f.poll().healedHostNs()).isNull();
            assertThat(h.events()).extracting(Event::type).containsExactly("fault_inject", "heal_skipped");
            assertThat(h.events().get(1).get("reason").toString()).contains("stay down until the cell ends");
        }
    }
}
