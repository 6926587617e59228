package dev.kfit.bisect;

import dev.kfit.report.CellResult;
import dev.kfit.verdict.Measurement;

import java.util.List;

/** Cell results for tests: a verdict, an optional splat title, an unbind time. */
final class Cells {
    private Cells() {
    }

    static CellResult cell(String verdict, String splat, double unbindMs) {
        List<CellResult.SplatResult> splats = splat == null ? List.of()
                : List.of(new CellResult.SplatResult("HUNG_TASK", splat, 16.9, "", "target"));
        return CellResult.builder()
                .id("k.pinned-unbind.r1").kernel("k").kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12")
                .patches(List.of()).scenario("pinned-unbind").repetition(1).verdict(verdict).unbindMs(unbindMs)
                .splats(splats).faults(List.of()).error(verdict.equals("INFRA_ERROR") ? "boot timed out" : null)
                .durationS(1.0).attempts(1)
                .measurements(Double.isFinite(unbindMs) ? List.of(Measurement.ms("unbind_ms", unbindMs)) : List.of())
                .build();
    }

    static CellResult refused(double ms) {
        return cell("PIN_REFUSED", null, ms);
    }

    static CellResult blocked(double ms) {
        return cell("BLOCKED_UNTIL_RELEASE", "INFO: task kfit-guest blocked in state D in memunmap_pages", ms);
    }

    static CellResult infra() {
        return cell("INFRA_ERROR", null, Double.NaN);
    }
}
