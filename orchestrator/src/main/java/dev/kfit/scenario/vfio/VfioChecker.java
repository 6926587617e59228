package dev.kfit.scenario.vfio;

import dev.kfit.monitor.Splat;
import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Checker;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Observation;
import dev.kfit.verdict.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * vfio-unbind's judge: a fault that waited for a holder who let go on the kernel's request is
 * RELEASED_ON_REQUEST (the protocol working), one that waited for the holder's own release
 * BLOCKED_UNTIL_RELEASE, one that returned while the device was open PROMPT, one that never returned
 * HUNG. Measurements: the fault's time, the requests (count, first, interval) and the holder's reaction.
 */
public final class VfioChecker implements Checker {
    private final Duration grace;

    public VfioChecker(Duration grace) {
        this.grace = grace;
    }

    @Override
    public Judgement judge(Observation observation, List<Splat> splats) {
        VfioObservation o = (VfioObservation) observation;
        Judgement.Columns cols = HolderRace.columns(o.race());
        List<Measurement> m = measurements(o);
        Map<String, String> notes = notes(o);
        if (o.unsupported() != null) {
            return Judgement.of(Verdict.UNSUPPORTED, m, cols).withNotes(notes);
        }
        if (!o.opened() || o.race() == null) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "the VFIO holder did not open the device"
                    + (o.openError() == null ? "" : ": " + o.openError()), m, cols).withNotes(notes);
        }
        HolderRace.Result r = o.race();
        Optional<Judgement> unfinished = HolderRace.unfinished(r, o.fault(), grace, m, notes);
        if (unfinished.isPresent()) {
            return unfinished.get();
        }
        if (r.returnedWhileHeld()) {
            return Judgement.of(Verdict.PROMPT, m, cols).withNotes(notes);
        }
        return Judgement.of("request".equals(r.releaseReason()) ? Verdict.RELEASED_ON_REQUEST
                : Verdict.BLOCKED_UNTIL_RELEASE, m, cols).withNotes(notes);
    }

    /** The requests that came after the fault started (a request belongs to an unbind in progress). */
    static List<Long> requestsDuringFault(VfioObservation o) {
        if (o.race() == null || o.race().faultStartNs() == null) {
            return List.of();
        }
        return o.requestsNs().stream().filter(t -> t >= o.race().faultStartNs()).toList();
    }

    static List<Measurement> measurements(VfioObservation o) {
        List<Measurement> m = new ArrayList<>();
        HolderRace.Result r = o.race();
        if (r == null) {
            return m;
        }
        if (r.faultMs() != null) {
            m.add(Measurement.ms(o.fault().replace('-', '_') + "_ms", r.faultMs()));
            if (!r.returnedWhileHeld() && r.releaseNs() != null) {
                m.add(Measurement.ms("blocked_after_release_ms", (r.faultEndNs() - r.releaseNs()) / 1e6));
            }
        }
        List<Long> req = requestsDuringFault(o);
        if (r.faultStartNs() != null) {
            m.add(Measurement.count("requests_sent", req.size()));
        }
        if (!req.isEmpty()) {
            m.add(Measurement.ms("first_request_ms", (req.get(0) - r.faultStartNs()) / 1e6));
            if (req.size() > 1) {
                m.add(Measurement.ms("request_interval_ms", (req.get(req.size() - 1) - req.get(0)) / 1e6 / (req.size() - 1)));
            }
            if ("request".equals(r.releaseReason()) && r.releaseNs() != null) {
                m.add(Measurement.ms("holder_reaction_ms", (r.releaseNs() - req.get(0)) / 1e6));
            }
        }
        return m;
    }

    static Map<String, String> notes(VfioObservation o) {
        Map<String, String> n = new LinkedHashMap<>();
        if (o.unsupported() != null) {
            n.put("reason", o.unsupported());
            return n;
        }
        HolderRace.Result r = o.race();
        if (r == null || r.faultStartNs() == null) {
            return n;
        }
        List<Long> req = requestsDuringFault(o);
        // Qualitative, so that repetitions say the same; when the requests came is in the measurements.
        String requests = req.size() + (req.size() == 1 ? " request" : " requests");
        String let = r.releaseReason() == null ? "never let go" : switch (r.releaseReason()) {
            case "request" -> "let go on the first request";
            case "hold_elapsed" -> "let go at the hold's end";
            default -> "let go (" + r.releaseReason() + ")";
        };
        n.put("holder", requests + ("ignore".equals(o.onRequest()) && !req.isEmpty() ? ", ignored; " : "; ") + let);
        if (o.accessRead() != null) {
            n.put("holder", n.get("holder") + "; BAR read after the " + o.fault() + ": " + o.accessRead());
        }
        return n;
    }
}
