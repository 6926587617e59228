package dev.kfit.report;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One cell in results.json (snake_case on disk). Times are milliseconds measured in the guest.
 *
 * @param console path of the guest's console log, relative to the run directory
 * @param error   kfit's own failure for INFRA_ERROR cells, else null
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record CellResult(
        String id,
        String kernel,
        String kernelVersion,
        String kernelSource,
        List<String> patches,
        String scenario,
        int repetition,
        String verdict,
        Pin pin,
        Double unbindMs,
        Double blockedAfterReleaseMs,
        List<SplatResult> splats,
        String console,
        String history,
        String error,
        String startedAt,
        double durationS) {

    public record Pin(Boolean ok, Integer errno) {
    }

    public record SplatResult(String type, String title, double timestamp, String excerpt) {
    }
}
