package dev.kfit.scenario.traffic;

import dev.kfit.guest.GuestEvents;
import dev.kfit.scenario.ScenarioOutcome;

import dev.kfit.fault.Fault;
import dev.kfit.guest.Guest;
import dev.kfit.history.Event;
import dev.kfit.workload.PerftestOutput;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the traffic's reports into throughput before, during and after the faults, on the host
 * timeline. "During" is from the first injection to the last heal (or to the end, if nothing was
 * healed). Both workloads come down to samples (when an interval ended, the bytes it moved, how long
 * it was): kfit-writer's per-second ticks, perftest's per-interval result lines.
 */
final class Traffic {
    static final double MIN_POINT_SECONDS = 0.25;
    private Traffic() {
    }

    /** One interval of traffic: ended at {@code hostNs}, moved {@code bytes} in {@code seconds}. */
    record Sample(long hostNs, double bytes, double seconds) {
    }

    /** kfit-writer: "tick" events are the samples, "wc" events the completions and errors. */
    static ScenarioOutcome.TrafficResult summarise(String workload, List<Event> events, Guest client, List<Fault> faults,
                                                   long t0, Double recoveredMs) {
        if (events.isEmpty()) {
            return null;
        }
        List<Sample> samples = new ArrayList<>();
        long completions = 0;
        long errors = 0;
        String firstStatus = null;
        Long firstErrorAt = null;
        for (Event e : events) {
            long at = client.toHostNs(e.guestNs());
            switch (e.type()) {
                case GuestEvents.TICK: {
                    double bytes = ((Number) e.get("bytes_in_interval")).doubleValue();
                    double seconds = e.get("interval_ns") instanceof Number n ? n.doubleValue() / 1e9 : 1.0;
                    samples.add(new Sample(at, bytes, seconds));
                    break;
                }
                case GuestEvents.WC:
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
                case GuestEvents.WC_TIMEOUT:
                    if (firstStatus == null) {
                        firstStatus = "wc_timeout";
                        firstErrorAt = at;
                    }
                    break;
                default:
                    break;
            }
        }
        String qp = firstStatus == null ? null : events.stream().filter(e -> e.type().equals(GuestEvents.QP_STATE))
                .map(e -> String.valueOf(e.get("state"))).findFirst().orElse(null);
        return summarise(workload, samples, completions, errors, firstStatus, firstErrorAt, qp, faults, t0, recoveredMs);
    }

    /**
     * perftest: each result line is a sample, placed at the end of its window (see {@link PerftestOutput});
     * completions are the iterations reported, errors the failed operations perftest printed (it stops
     * at the first), the first error is perftest's own text. Throughput counts perftest's measured
     * windows only, not the dead time it spends between them re-measuring its clock.
     */
    static ScenarioOutcome.TrafficResult perftest(String workload, PerftestOutput out, Guest client, List<Fault> faults,
                                                  long t0, Double recoveredMs) {
        if (out.lines().isEmpty()) {
            return null;
        }
        List<Sample> samples = new ArrayList<>();
        long completions = 0;
        for (PerftestOutput.Result r : out.results()) {
            completions += r.iterations();
            if (r.endNs() != null) {
                samples.add(new Sample(client.toHostNs(r.endNs()), r.totalBytes(), r.seconds()));
            }
        }
        PerftestOutput.Problem first = out.firstTrafficError().orElse(null);
        Long firstAt = first == null || first.seenNs() == null ? null : client.toHostNs(first.seenNs());
        return summarise(workload, samples, completions, out.completionErrors(), first == null ? null : first.text(),
                firstAt, null, faults, t0, recoveredMs);
    }

    private static ScenarioOutcome.TrafficResult summarise(String workload, List<Sample> samples, long completions,
                                                           long errors, String firstStatus, Long firstErrorAt,
                                                           String qpState, List<Fault> faults, long t0,
                                                           Double recoveredMs) {
        Long inject = faults.stream().map(f -> f.poll().startedHostNs()).filter(Objects::nonNull).min(Long::compare).orElse(null);
        Long healed = faults.stream().map(f -> f.poll().healedHostNs()).filter(Objects::nonNull).max(Long::compare).orElse(null);
        double[] before = new double[2];
        double[] during = new double[2];
        double[] after = new double[2];
        List<double[]> series = new ArrayList<>();
        for (Sample s : samples) {
            // A last partial tick of a few ms would plot as a spike: it counts in the sums, not as a point.
            if (s.seconds() >= MIN_POINT_SECONDS) {
                series.add(new double[] {(s.hostNs() - t0) / 1e6, s.bytes() / s.seconds() / 1e6});
            }
            double[] bucket = inject == null || s.hostNs() < inject ? before : healed == null || s.hostNs() < healed ? during : after;
            bucket[0] += s.bytes();
            bucket[1] += s.seconds();
        }
        ScenarioOutcome.FirstError first = null;
        if (firstStatus != null) {
            first = new ScenarioOutcome.FirstError(firstStatus,
                    inject == null || firstErrorAt == null ? null : (firstErrorAt - inject) / 1e6, qpState);
        }
        return new ScenarioOutcome.TrafficResult(workload, rate(before), rate(during), rate(after), first, recoveredMs,
                completions, errors, series);
    }

    private static Double rate(double[] bucket) {
        return bucket[1] == 0 ? null : bucket[0] / bucket[1] / 1e6;
    }
}
