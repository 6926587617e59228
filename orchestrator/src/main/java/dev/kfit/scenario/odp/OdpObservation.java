package dev.kfit.scenario.odp;

import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Observation;
import dev.kfit.verdict.Outcome;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What odp-unbind saw.
 *
 * @param registration      OK registered, FAILED refused, INDETERMINATE never answered
 * @param regError          errno text of a refused registration
 * @param unsupported       the guest's reason when the device has no ODP, else null
 * @param race              the fault against the registration (null when nothing was registered)
 * @param fault             which fault ({@code unbind}, {@code pci-remove})
 * @param accessRead        the holder's read of its mapping after the fault returned (ok, sigbus, sigsegv), or null
 * @param accessWrite       the same for a write
 * @param peer              whether a peer wrote into the registration
 * @param writesOkBefore    the peer's successful writes posted before the fault returned
 * @param writesOkAfter     the peer's successful writes posted after the fault returned (beyond the clocks' error)
 * @param peerFirstError    the peer's first failed completion's status, or null
 * @param peerFirstErrorMs  when it came, ms after the fault returned (host clock; negative: before)
 */
public record OdpObservation(Outcome registration, String regError, String unsupported, HolderRace.Result race,
                             String fault, String accessRead, String accessWrite, boolean peer, long writesOkBefore,
                             long writesOkAfter, String peerFirstError, Double peerFirstErrorMs) implements Observation {
    @Override
    public Map<String, Object> toHistory() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("registration", registration == null ? null : registration.name());
        m.put("reg_error", regError);
        m.put("unsupported", unsupported);
        m.put("fault", fault);
        if (race != null) {
            race.putInto(m);
        }
        m.put("access_read", accessRead);
        m.put("access_write", accessWrite);
        m.put("peer", peer);
        m.put("writes_ok_before", writesOkBefore);
        m.put("writes_ok_after", writesOkAfter);
        m.put("peer_first_error", peerFirstError);
        m.put("peer_first_error_ms", peerFirstErrorMs);
        m.values().removeIf(Objects::isNull);
        return m;
    }
}
