package dev.kfit.scenario.vfio;

import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Observation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What vfio-unbind saw, times in the guest's CLOCK_MONOTONIC.
 *
 * @param opened      whether the holder had the device open and its BAR mapped
 * @param openError   what failed when it could not open it ({@code step: message})
 * @param unsupported the guest's reason when the kernel lacks VFIO or an IOMMU group
 * @param race        the fault against the open device (null when it never opened)
 * @param onRequest   what the holder does on a request
 * @param requestsNs  when the holder saw each request
 * @param accessRead  the holder's read of its BAR mapping after a fault that returned while open, or null
 */
public record VfioObservation(boolean opened, String openError, String unsupported, HolderRace.Result race,
                              String fault, String onRequest, List<Long> requestsNs, String accessRead)
        implements Observation {
    public VfioObservation {
        requestsNs = List.copyOf(requestsNs);
    }

    @Override
    public Map<String, Object> toHistory() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("opened", opened);
        m.put("open_error", openError);
        m.put("unsupported", unsupported);
        m.put("fault", fault);
        m.put("on_request", onRequest);
        if (race != null) {
            race.putInto(m);
        }
        m.put("requests_ns", requestsNs);
        m.put("access_read", accessRead);
        m.values().removeIf(Objects::isNull);
        return m;
    }
}
