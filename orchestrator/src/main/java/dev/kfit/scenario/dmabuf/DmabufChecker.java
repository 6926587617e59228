package dev.kfit.scenario.dmabuf;

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
 * dmabuf-unbind's judge. The import counts as revoked when every re-import after the device was closed
 * or the fault returned failed. A fault that returned while the import was held: REACHABLE_AFTER_UNBIND
 * if a re-import still worked, else REVOKED when the device had been closed before the fault and
 * RELEASED_ON_REQUEST when the holder closed it on the fault's request. A fault that waited for the
 * holder to exit: BLOCKED_UNTIL_RELEASE. Kernels without VFIO's dma-buf export or iommufd's import: UNSUPPORTED.
 */
public final class DmabufChecker implements Checker {
    private final Duration grace;

    public DmabufChecker(Duration grace) {
        this.grace = grace;
    }

    @Override
    public Judgement judge(Observation observation, List<Splat> splats) {
        DmabufObservation o = (DmabufObservation) observation;
        Judgement.Columns cols = HolderRace.columns(o.race());
        List<Measurement> m = measurements(o);
        Map<String, String> notes = notes(o);
        if (o.unsupported() != null) {
            return Judgement.of(Verdict.UNSUPPORTED, m, cols).withNotes(notes);
        }
        if (!o.imported() || o.race() == null) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "the dma-buf was not imported"
                    + (o.setupError() == null ? "" : ": " + o.setupError()), m, cols).withNotes(notes);
        }
        HolderRace.Result r = o.race();
        Optional<Judgement> unfinished = HolderRace.unfinished(r, o.fault(), grace, m, notes);
        if (unfinished.isPresent()) {
            return unfinished.get();
        }
        if (!r.returnedWhileHeld()) {
            return Judgement.of(Verdict.BLOCKED_UNTIL_RELEASE, m, cols).withNotes(notes);
        }
        List<DmabufObservation.Probe> after = probesAfterRevokePoint(o);
        if (after.isEmpty()) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "no re-import was tried after the " + o.fault() + " returned",
                    m, cols).withNotes(notes);
        }
        if (after.stream().anyMatch(DmabufObservation.Probe::ok)) {
            return Judgement.of(Verdict.REACHABLE_AFTER_UNBIND, m, cols).withNotes(notes);
        }
        boolean closedOnRequest = "request".equals(o.closeReason());
        return Judgement.of(closedOnRequest ? Verdict.RELEASED_ON_REQUEST : Verdict.REVOKED, m, cols).withNotes(notes);
    }

    /** The probes made once the memory should be gone: after the device's close, or after the fault returned. */
    static List<DmabufObservation.Probe> probesAfterRevokePoint(DmabufObservation o) {
        Long from = o.deviceClosedNs() != null ? o.deviceClosedNs() : o.race() == null ? null : o.race().faultEndNs();
        if (from == null) {
            return List.of();
        }
        return o.probes().stream().filter(p -> p.atNs() >= from).toList();
    }

    static List<Measurement> measurements(DmabufObservation o) {
        List<Measurement> m = new ArrayList<>();
        HolderRace.Result r = o.race();
        if (r != null && r.faultMs() != null) {
            m.add(Measurement.ms(o.fault().replace('-', '_') + "_ms", r.faultMs()));
            if (!r.returnedWhileHeld() && r.releaseNs() != null) {
                m.add(Measurement.ms("blocked_after_release_ms", (r.faultEndNs() - r.releaseNs()) / 1e6));
            }
            m.add(Measurement.count("requests_sent", o.requests()));
        }
        return m;
    }

    static Map<String, String> notes(DmabufObservation o) {
        Map<String, String> n = new LinkedHashMap<>();
        if (o.unsupported() != null) {
            n.put("reason", o.unsupported());
            return n;
        }
        if (!o.imported()) {
            return n;
        }
        StringBuilder h = new StringBuilder();
        if (o.deviceClosedNs() != null) {
            h.append("closed its VFIO device (").append("request".equals(o.closeReason()) ? "on the request" : "before the "
                    + o.fault()).append(")");
        } else {
            h.append("kept its VFIO device open");
        }
        List<DmabufObservation.Probe> after = probesAfterRevokePoint(o);
        long failed = after.stream().filter(p -> !p.ok()).count();
        if (!after.isEmpty()) {
            h.append("; re-import after it: ").append(failed == after.size() ? "refused (" + after.get(0).error() + ")"
                    : (after.size() - failed) + " of " + after.size() + " worked");
        }
        n.put("holder", h.toString());
        n.put("peer", "none: rxe cannot import a dma-buf, so no RDMA peer");
        return n;
    }
}
