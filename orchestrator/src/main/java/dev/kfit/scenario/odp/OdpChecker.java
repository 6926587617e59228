package dev.kfit.scenario.odp;

import dev.kfit.monitor.Splat;
import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Checker;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Observation;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * odp-unbind's judge. A fault that returned while the registration was held is REVOKED when nothing
 * reached the memory afterwards (the holder's read and write of its mapping failed, no peer write
 * was accepted), and REACHABLE_AFTER_UNBIND when anything did; one that waited for the holder is
 * BLOCKED_UNTIL_RELEASE, one that never returned HUNG. A device without ODP is UNSUPPORTED.
 */
public final class OdpChecker implements Checker {
    private final Duration grace;

    public OdpChecker(Duration grace) {
        this.grace = grace;
    }

    @Override
    public Judgement judge(Observation observation, List<Splat> splats) {
        OdpObservation o = (OdpObservation) observation;
        Judgement.Columns cols = HolderRace.columns(o.race());
        Map<String, String> notes = notes(o);
        List<Measurement> m = measurements(o);
        if (o.unsupported() != null) {
            return Judgement.of(Verdict.UNSUPPORTED, m, cols).withNotes(notes);
        }
        if (o.registration() == Outcome.FAILED) {
            return Judgement.of(Verdict.PIN_REFUSED, m, cols).withNotes(notes);
        }
        if (o.registration() != Outcome.OK || o.race() == null) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "the holder never reported whether its ODP registration worked",
                    m, cols).withNotes(notes);
        }
        HolderRace.Result r = o.race();
        Optional<Judgement> unfinished = HolderRace.unfinished(r, o.fault(), grace, m, notes);
        if (unfinished.isPresent()) {
            return unfinished.get();
        }
        if (!r.returnedWhileHeld()) {
            return Judgement.of(Verdict.BLOCKED_UNTIL_RELEASE, m, cols).withNotes(notes);
        }
        if (o.accessRead() == null) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "the holder did not report its access after the " + o.fault(),
                    m, cols).withNotes(notes);
        }
        boolean reachable = "ok".equals(o.accessRead()) || "ok".equals(o.accessWrite()) || o.writesOkAfter() > 0;
        return Judgement.of(reachable ? Verdict.REACHABLE_AFTER_UNBIND : Verdict.REVOKED, m, cols).withNotes(notes);
    }

    static List<Measurement> measurements(OdpObservation o) {
        List<Measurement> m = new ArrayList<>();
        if (o.race() != null && o.race().faultMs() != null) {
            m.add(Measurement.ms(o.fault().replace('-', '_') + "_ms", o.race().faultMs()));
            if (!o.race().returnedWhileHeld() && o.race().releaseNs() != null) {
                m.add(Measurement.ms("blocked_after_release_ms", (o.race().faultEndNs() - o.race().releaseNs()) / 1e6));
            }
        }
        if (o.peer() && o.race() != null && o.race().faultEndNs() != null) {
            m.add(Measurement.count("peer_writes_before_unbind", o.writesOkBefore()));
            m.add(Measurement.count("peer_writes_after_unbind", o.writesOkAfter()));
            if (o.peerFirstErrorMs() != null) {
                m.add(Measurement.ms("peer_first_error_after_unbind_ms", o.peerFirstErrorMs()));
            }
        }
        return m;
    }

    static Map<String, String> notes(OdpObservation o) {
        Map<String, String> n = new LinkedHashMap<>();
        if (o.unsupported() != null) {
            n.put("reason", o.unsupported());
        } else if (o.regError() != null) {
            n.put("reason", "ODP registration refused: " + o.regError());
        }
        if (o.accessRead() != null) {
            n.put("holder", "after the " + o.fault() + ": read " + o.accessRead() + ", write " + o.accessWrite());
        }
        if (o.peer() && o.registration() == Outcome.OK) {
            // Qualitative, so that repetitions say the same; the counts and times are measurements.
            String before = o.writesOkBefore() > 0 ? "writes landed until the " + o.fault() : "no write landed before the " + o.fault();
            String after = o.writesOkAfter() == 0 ? "none after it" : o.writesOkAfter() + " landed after it returned";
            String err = o.peerFirstError() == null ? "no write failed" : "the first failed with " + o.peerFirstError();
            n.put("peer", before + ", " + after + "; " + err);
        }
        return n;
    }
}
