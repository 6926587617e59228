package dev.kfit.scenario.dmabuf;

import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Observation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What dmabuf-unbind saw, times in the guest's CLOCK_MONOTONIC.
 *
 * @param imported      whether the dma-buf was exported and imported into the IOAS
 * @param setupError    what failed when it was not ({@code step: message})
 * @param unsupported   the guest's reason when the kernel lacks a piece (VFIO dma-buf export, iommufd import)
 * @param race          the fault against the import (null when nothing was imported)
 * @param deviceClosedNs when the holder closed its device fd, or null
 * @param closeReason   why it closed it (request, close_after)
 * @param probes        every re-import attempt: when (after_close, signal), at (guest ns), ok
 * @param requests      how many requests the holder saw
 */
public record DmabufObservation(boolean imported, String setupError, String unsupported, HolderRace.Result race,
                                String fault, Long deviceClosedNs, String closeReason, List<Probe> probes, int requests)
        implements Observation {
    public DmabufObservation {
        probes = List.copyOf(probes);
    }

    /** One re-import of the dma-buf: did its exporter still give the memory? */
    public record Probe(String when, long atNs, boolean ok, String error) {
    }

    @Override
    public Map<String, Object> toHistory() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("imported", imported);
        m.put("setup_error", setupError);
        m.put("unsupported", unsupported);
        m.put("fault", fault);
        if (race != null) {
            race.putInto(m);
        }
        m.put("device_closed_ns", deviceClosedNs);
        m.put("close_reason", closeReason);
        m.put("probes", probes.stream().map(p -> Map.of("when", p.when(), "at_ns", p.atNs(), "ok", p.ok())).toList());
        m.put("requests", requests);
        m.values().removeIf(Objects::isNull);
        return m;
    }
}
