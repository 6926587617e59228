package dev.kfit.workload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.history.Event;
import dev.kfit.verdict.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wrapper's real event files (perftest/*.jsonl) read back as Guest.poll would. */
class PerftestWorkloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** As Guest.parse: JSON lines are events, other lines "unparsed" with the line. */
    static List<Event> events(String name) throws IOException {
        List<Event> out = new ArrayList<>();
        for (String l : PerftestOutputTest.resource(name).split("\n")) {
            try {
                Map<String, Object> m = JSON.readValue(l, new TypeReference<LinkedHashMap<String, Object>>() { });
                String type = String.valueOf(m.remove("ev"));
                Object t = m.remove("t_ns");
                out.add(new Event(0, "guest:g", "p", type, t instanceof Number n ? n.longValue() : null, m));
            } catch (IOException e) {
                out.add(new Event(0, "guest:g", "p", "unparsed", null, Map.of("line", l)));
            }
        }
        return out;
    }

    @Test
    void serverRegistersAtItsLocalAddressAndReleasesWhenTheClientIsGone() throws IOException {
        List<Event> ev = events("write-server.jsonl");
        assertThat(ev.get(0).type()).isEqualTo("start");
        assertThat(ev.get(0).get("pid")).isEqualTo(96);
        assertThat(PerftestWorkload.waitingForClient(ev)).isTrue();
        assertThat(PerftestWorkload.registration(ev)).contains(Outcome.OK);
        assertThat(PerftestWorkload.registeredNs(ev)).contains(47_470_000_000L);
        // Client stopped: the server's failed final handshake is the start of the release, exit 1 follows.
        assertThat(PerftestWorkload.releaseNs(ev)).contains(55_630_000_000L);
        assertThat(PerftestWorkload.exitStatus(ev)).contains(1);
        assertThat(PerftestWorkload.registration(events("read-server.jsonl"))).contains(Outcome.OK);
    }

    @Test
    void registrationIsUndecidedWhileWaitingAndRefusedOnExit() throws IOException {
        List<Event> all = events("write-server.jsonl");
        List<Event> waiting = all.subList(0, 5);
        assertThat(PerftestWorkload.waitingForClient(waiting)).isTrue();
        assertThat(PerftestWorkload.registration(waiting)).isEmpty();
        List<Event> died = new ArrayList<>(waiting);
        died.add(new Event(0, "guest:g", "p", "exit", 50_000_000_000L, Map.of("status", 1)));
        assertThat(PerftestWorkload.registration(died)).contains(Outcome.FAILED);
        List<Event> refused = new ArrayList<>(waiting);
        refused.add(new Event(0, "guest:g", "p", "unparsed", null, Map.of("line", "47470000000 Couldn't allocate MR")));
        assertThat(PerftestWorkload.registration(refused)).contains(Outcome.FAILED);
        assertThat(PerftestWorkload.releaseNs(refused)).isEmpty();
    }

    @Test
    void refusedRegistrationAndTheRealUnbindRun() throws IOException {
        List<Event> refused = events("refused-server.jsonl");
        assertThat(PerftestWorkload.registration(refused)).contains(Outcome.FAILED);
        assertThat(PerftestWorkload.registeredNs(refused)).isEmpty();
        assertThat(PerftestWorkload.releaseNs(refused)).isEmpty();
        assertThat(PerftestWorkload.exitStatus(refused)).contains(1);
        assertThat(PerftestWorkload.trafficStartNs(events("refused-client.jsonl"))).isEmpty();

        List<Event> server = events("unbind-server.jsonl");
        assertThat(PerftestWorkload.registration(server)).contains(Outcome.OK);
        // The unbind returned at 32.558 s (guest), 98 ms after this.
        assertThat(PerftestWorkload.releaseNs(server)).contains(32_460_000_000L);
        assertThat(PerftestWorkload.trafficStartNs(events("unbind-client.jsonl"))).contains(13_000_000_000L);
    }

    @Test
    void killedServerReportsNoRelease() throws IOException {
        List<Event> ev = events("killed-server.jsonl");
        assertThat(PerftestWorkload.registration(ev)).contains(Outcome.OK);
        assertThat(PerftestWorkload.exitStatus(ev)).contains(137);
        assertThat(PerftestWorkload.releaseNs(ev)).isEmpty();
    }

    @Test
    void clientTrafficStartsAtItsResultHeader() throws IOException {
        List<Event> ev = events("write-client.jsonl");
        assertThat(PerftestWorkload.trafficStartNs(ev)).contains(44_980_000_000L);
        assertThat(PerftestWorkload.output(ev).results()).hasSize(5);
        assertThat(PerftestWorkload.exitStatus(ev)).contains(143); // SIGTERM from the wrapper
        PerftestOutput read = PerftestWorkload.output(events("read-client.jsonl"));
        assertThat(read.results()).extracting(PerftestOutput.Result::iterations).containsExactly(191L, 177L, 186L);
    }

    @Test
    void argv() {
        List<String> srv = PerftestWorkload.serverArgv("ib_write_bw", "rxe1", 65536,
                "/sys/bus/pci/devices/0000:01:00.0/p2pmem/allocate", Duration.ofSeconds(200));
        assertThat(srv.subList(0, 2)).containsExactly("sh", "-c");
        assertThat(srv.subList(3, srv.size())).containsExactly("kfit-perftest", "", "200.000", "ib_write_bw",
                "-d", "rxe1", "-s", "65536", "-p", "18516",
                "--mmap=/sys/bus/pci/devices/0000:01:00.0/p2pmem/allocate", "--run_infinitely", "-D", "1");
        List<String> cli = PerftestWorkload.clientArgv("ib_read_bw", "rxe1", 4096, "target", Duration.ofMillis(20500),
                Duration.ofSeconds(110));
        assertThat(cli.subList(3, cli.size())).containsExactly("kfit-perftest", "20.500", "110.000", "ib_read_bw",
                "-d", "rxe1", "-s", "4096", "-p", "18516", "--run_infinitely", "-D", "1", "target");
        assertThat(PerftestWorkload.handles("ib_write_bw")).isTrue();
        assertThat(PerftestWorkload.handles("kfit-writer")).isFalse();
    }

    /** The lines a starved guest's ib_write_bw printed in a warm suite (TrafficFaultsIT, 2026-12-01). */
    @Test
    void perftestGivingUpOnItsClockCalibrationIsFoundAndAGoodRunIsNot() throws IOException {
        List<Event> gaveUp = List.of(
                new Event(0, "guest:g", "p", "unparsed", null, Map.of("line",
                        "9880000000  65536      76               0.00               4.72   \t\t   0.000076")),
                new Event(0, "guest:g", "p", "unparsed", null, Map.of("line", "11480000000 Correlation coefficient r^2: 0.877452 < 0.9")),
                new Event(0, "guest:g", "p", "unparsed", null, Map.of("line", "11480000000 Can't produce a report")),
                new Event(0, "guest:g", "p", "exit", 11_570_000_000L, Map.of("status", 1)));
        assertThat(PerftestWorkload.calibrationFailure(gaveUp)).hasValue("Correlation coefficient r^2: 0.877452 < 0.9");
        assertThat(PerftestWorkload.calibrationFailure(events("write-client.jsonl"))).isEmpty();
    }
}
