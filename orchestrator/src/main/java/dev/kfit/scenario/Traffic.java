package dev.kfit.scenario;

import dev.kfit.fault.Fault;
import dev.kfit.guest.Guest;
import dev.kfit.history.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the writer's events (per-second ticks, completions) into throughput before, during and
 * after the faults, on the host timeline. "During" is from the first injection to the last heal
 * (or to the end, if nothing was healed).
 */
final class Traffic {
    private Traffic() {
    }

    static ScenarioOutcome.TrafficResult summarise(String workload, List<Event> events, Guest client, List<Fault> faults,
                                                   long t0, Double recoveredMs) {
        if (events.isEmpty()) {
            return null;
        }
        Long inject = faults.stream().map(f -> f.poll().startedHostNs()).filter(Objects::nonNull).min(Long::compare).orElse(null);
        Long healed = faults.stream().map(f -> f.poll().healedHostNs()).filter(Objects::nonNull).max(Long::compare).orElse(null);
        double[] before = new double[2];
        double[] during = new double[2];
        double[] after = new double[2];
        List<double[]> series = new ArrayList<>();
        long completions = 0;
        long errors = 0;
        ScenarioOutcome.FirstError first = null;
        String firstStatus = null;
        Long firstErrorAt = null;
        for (Event e : events) {
            long at = client.toHostNs(e.guestNs());
            switch (e.type()) {
                case "tick": {
                    double bytes = ((Number) e.get("bytes_in_interval")).doubleValue();
                    double seconds = e.get("interval_ns") instanceof Number n ? n.doubleValue() / 1e9 : 1.0;
                    series.add(new double[] {(at - t0) / 1e6, bytes / seconds / 1e6});
                    double[] bucket = inject == null || at < inject ? before : healed == null || at < healed ? during : after;
                    bucket[0] += bytes;
                    bucket[1] += seconds;
                    break;
                }
                case "wc":
                    if ("IBV_WC_SUCCESS".equals(e.get("status"))) {
                        completions++;
                    } else {
                        errors++;
                        if (firstStatus == null) {
                            firstStatus = String.valueOf(e.get("status"));
                            firstErrorAt = at;
                        }
                    }
                    break;
                case "wc_timeout":
                    if (firstStatus == null) {
                        firstStatus = "wc_timeout";
                        firstErrorAt = at;
                    }
                    break;
                default:
                    break;
            }
        }
        if (firstStatus != null) {
            String qp = events.stream().filter(e -> e.type().equals("qp_state")).map(e -> String.valueOf(e.get("state")))
                    .findFirst().orElse(null);
            first = new ScenarioOutcome.FirstError(firstStatus, inject == null ? null : (firstErrorAt - inject) / 1e6, qp);
        }
        return new ScenarioOutcome.TrafficResult(workload, rate(before), rate(during), rate(after), first, recoveredMs,
                completions, errors, series);
    }

    private static Double rate(double[] bucket) {
        return bucket[1] == 0 ? null : bucket[0] / bucket[1] / 1e6;
    }
}
