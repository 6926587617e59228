package dev.kfit.compare;

import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ComparisonTest {
    private static CellResult cell(String kernel, int rep, String verdict, double unbindMs, String splat) {
        List<CellResult.SplatResult> splats = splat == null ? List.of()
                : List.of(new CellResult.SplatResult("HUNG_TASK", splat, 15.8, "...", "target"));
        return CellResult.builder()
                .id(kernel + ".pinned-unbind.r" + rep).kernel(kernel).kernelVersion("6.12.117")
                .kernelSource("debian:linux-source-6.12").patches(List.of()).scenario("pinned-unbind").repetition(rep)
                .verdict(verdict).pin(new CellResult.Pin(!verdict.equals("PIN_REFUSED"), null)).unbindMs(unbindMs)
                .splats(splats).faults(List.of()).recovery(Map.of()).console("c").consoles(Map.of()).history("h")
                .startedAt("t").durationS(40).attempts(1)
                .build();
    }

    private static Results run(String kernel, String verdict, double base, double step, String splat) {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            cells.add(cell(kernel, i, verdict, base + step * (i % 5), splat));
        }
        return new Results(new Results.RunInfo("s", "t", "h", "q", "TCG", List.of(), "i"), cells);
    }

    @Test
    void unpatchedAgainstPatchedFlagsTheBlockedVerdictAndTheHungTask() {
        Results unpatched = run("6.12", "PIN_REFUSED", 200, 10, null);
        Results patched = run("6.12-series", "BLOCKED_UNTIL_RELEASE", 17_000, 20,
                "INFO: task kfit-guest blocked in state D in memunmap_pages");
        List<Comparison.Change> changes = Comparison.compare(unpatched, patched);

        assertThat(changes).filteredOn(Comparison.Change::regression).extracting(Comparison.Change::kind)
                .contains("verdict", "new splat", "unbind_ms");
        assertThat(changes.get(0).regression()).as("regressions are listed first").isTrue();
        assertThat(Comparison.render(changes)).contains("REGRESSION  pinned-unbind: verdict: [PIN_REFUSED] -> [BLOCKED_UNTIL_RELEASE]");
        // 200..240 ms against 17000..17080 ms: every pairwise difference is 16800 + 20a - 10b, symmetric about 16820.
        assertThat(changes).filteredOn(c -> c.kind().equals("unbind_ms")).singleElement()
                .extracting(Comparison.Change::detail).asString().contains("Hodges-Lehmann shift +16820 ms");
    }

    @Test
    void hodgesLehmannIsTheMedianPairwiseShiftAndIgnoresAnOutlier() {
        List<Double> x = List.of(100.0, 110.0, 105.0, 98.0, 120.0);
        assertThat(RankTest.hodgesLehmann(x, x.stream().map(v -> v + 50).toList())).isEqualTo(50.0);
        assertThat(RankTest.hodgesLehmann(x, x)).isEqualTo(0.0);
        // Differences 5, -5, -15, 15, 5, -5, 990, 980, 970: median 5, where the means would differ by 326.7.
        assertThat(RankTest.hodgesLehmann(List.of(10.0, 20.0, 30.0), List.of(15.0, 25.0, 1000.0))).isEqualTo(5.0);
        assertThat(RankTest.hodgesLehmann(List.of(), x)).isNaN();
    }

    @Test
    void againstKeepsItsOwnCopyOfTheChanges() {
        List<Comparison.Change> changes = new ArrayList<>(List.of(new Comparison.Change("g", "verdict", "a -> b", true)));
        Comparison.Against against = new Comparison.Against("runs/older", changes);
        changes.clear();
        assertThat(against.changes()).hasSize(1);
    }

    @Test
    void twoRunsOfTheSameKernelFlagNothing() {
        Results a = run("6.12-series", "BLOCKED_UNTIL_RELEASE", 17_000, 20, "INFO: task kfit-guest blocked in state D in memunmap_pages");
        Results b = run("6.12-series", "BLOCKED_UNTIL_RELEASE", 17_010, 15, "INFO: task kfit-guest blocked in state D in memunmap_pages");
        assertThat(Comparison.compare(a, b)).noneMatch(Comparison.Change::regression);
    }

    @Test
    void theFixGoingAwayIsAChangeNotARegression() {
        Results patched = run("6.12-series", "BLOCKED_UNTIL_RELEASE", 17_000, 20, "INFO: task x blocked in state D in memunmap_pages");
        Results fixed = run("6.13", "PROMPT", 150, 10, null);
        List<Comparison.Change> changes = Comparison.compare(patched, fixed);
        assertThat(changes).isNotEmpty().noneMatch(Comparison.Change::regression);
        assertThat(changes).extracting(Comparison.Change::kind).contains("verdict", "splat gone");
    }

    @Test
    void rankTestSeparatesClearlyDifferentSamplesAndNotEqualOnes() {
        List<Double> fast = List.of(100.0, 110.0, 105.0, 98.0, 120.0, 101.0, 99.0, 115.0, 103.0, 108.0);
        List<Double> slow = List.of(150.0, 160.0, 155.0, 148.0, 170.0, 151.0, 149.0, 165.0, 153.0, 158.0);
        assertThat(RankTest.pValue(fast, slow)).isLessThan(0.001);
        assertThat(RankTest.pValue(fast, fast)).isGreaterThan(0.9);
        assertThat(RankTest.pValue(List.of(1.0, 2.0), slow)).as("too few to say").isEqualTo(1.0);
        assertThat(RankTest.median(List.of(3.0, 1.0, 2.0, 10.0))).isEqualTo(2.5);
        assertThat(RankTest.phi(1.959964)).isCloseTo(0.975, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void movedIsTheRankTestAndMediansMoreThanTheSlowdownApartEitherWay() {
        List<Double> before = List.of(100.0, 101.0, 102.0, 103.0, 104.0);
        // Five a side, not overlapping: the rank test finds each of these different.
        assertThat(Comparison.moved(before, List.of(120.0, 121.0, 122.0, 123.0, 124.0))).as("102 -> 122").isTrue();
        assertThat(Comparison.moved(before, List.of(80.0, 81.0, 82.0, 83.0, 84.0))).as("102 -> 82").isTrue();
        assertThat(Comparison.moved(before, List.of(106.0, 107.0, 108.0, 109.0, 110.0))).as("102 -> 108: 1.06x").isFalse();
        // The factor either way: 1.1x slower for a throughput is 9.1 % less, not 10 %.
        assertThat(Comparison.moved(before, List.of(90.5, 91.5, 92.5, 93.5, 94.5))).as("102 -> 92.5").isTrue();
        assertThat(Comparison.moved(before, before)).isFalse();
        // Too few values for the rank test, however far apart: compare's jump rule is not part of it.
        assertThat(Comparison.moved(List.of(100.0, 101.0, 102.0), List.of(1000.0, 1001.0, 1002.0))).isFalse();
        assertThat(Comparison.moved(List.of(), before)).isFalse();
    }

    private static CellResult withMeasurements(CellResult c, double mbS, long sent) {
        return c.withMeasurements(List.of(dev.kfit.verdict.Measurement.ms("unbind_ms", c.unbindMs()),
                dev.kfit.verdict.Measurement.mbS("during_mb_s", mbS), dev.kfit.verdict.Measurement.count("requests_sent", sent)));
    }

    private static Results measuredRun(String kernel, double unbindBase, double mbSBase, long sentBase) {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            cells.add(withMeasurements(cell(kernel, i, "PROMPT", unbindBase + i, null), mbSBase + i, sentBase + i));
        }
        return new Results(new Results.RunInfo("s", "t", "h", "q", "TCG", List.of(), "i"), cells);
    }

    @Test
    void measurementsCompareByNameAndUnitAndEachKnowsWhichWayIsWorse() {
        // Same unbind, throughput halved, twice the requests: only the throughput is a regression.
        List<Comparison.Change> changes = Comparison.compare(measuredRun("k", 100, 800, 1000), measuredRun("k", 100, 400, 2000));

        assertThat(changes).extracting(Comparison.Change::kind).containsExactly("during_mb_s", "requests_sent");
        assertThat(changes.get(0).regression()).isTrue();
        assertThat(changes.get(0).detail()).startsWith("median 806 MB/s -> 406 MB/s (-50 %)");
        assertThat(changes.get(1).regression()).as("a count has no worse direction").isFalse();
        // Faster is a change, not a regression.
        assertThat(Comparison.compare(measuredRun("k", 5000, 800, 1000), measuredRun("k", 100, 800, 1000)))
                .singleElement().satisfies(c -> {
                    assertThat(c.kind()).isEqualTo("unbind_ms");
                    assertThat(c.regression()).isFalse();
                });
    }

    @Test
    void anOldRunWithoutMeasurementsComparesWithANewOneByUnbindMs() {
        Results old = run("6.12", "PIN_REFUSED", 200, 10, null);
        Results now = measuredRun("6.12", 17_000, 800, 1000);
        assertThat(old.cells().get(0).measurements()).isNull();

        List<Comparison.Change> changes = Comparison.compare(old, now);
        assertThat(changes).filteredOn(c -> c.kind().equals("unbind_ms")).singleElement()
                .satisfies(c -> assertThat(c.regression()).isTrue());
        assertThat(changes).extracting(Comparison.Change::kind).doesNotContain("during_mb_s");
    }

    private static Results nights(String kernel, double... unbindMs) {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 0; i < unbindMs.length; i++) {
            cells.add(cell(kernel, i + 1, "PIN_REFUSED", unbindMs[i], null)
                    .withMeasurements(List.of(dev.kfit.verdict.Measurement.ms("unbind_ms", unbindMs[i]))));
        }
        return new Results(new Results.RunInfo("s", "t", "h", "q", "TCG", List.of(), "i"), cells);
    }

    @Test
    void theRankTestCannotBeSignificantWithThreeRepetitionsASideOrFewer() {
        assertThat(RankTest.smallestPValue(2, 2)).isEqualTo(1.0);
        assertThat(RankTest.smallestPValue(3, 3)).isGreaterThan(Comparison.ALPHA);
        assertThat(RankTest.smallestPValue(4, 4)).isLessThan(Comparison.ALPHA);
        assertThat(RankTest.smallestPValue(3, 10)).isLessThan(Comparison.ALPHA);
    }

    @Test
    void withTwoRepetitionsASideASecondAddedToTheUnbindIsARegressionAndItsRemovalAChange() {
        // The planted one-second sleep in nvme_remove: 0.15-0.2 s unbinds against 1.2 s ones.
        List<Comparison.Change> slower = Comparison.compare(nights("6.12", 160, 190), nights("6.12", 1170, 1210));
        assertThat(slower).singleElement().satisfies(c -> {
            assertThat(c.regression()).isTrue();
            assertThat(c.kind()).isEqualTo("unbind_ms");
            assertThat(c.detail()).startsWith("median 175 ms -> 1190 ms (+580 %), every value 6.2x or more above")
                    .contains("n=2/2");
        });
        assertThat(Comparison.compare(nights("6.12", 1170, 1210), nights("6.12", 150, 170))).singleElement().satisfies(c -> {
            assertThat(c.regression()).as("faster is no regression").isFalse();
            assertThat(c.detail()).contains("below the older run's");
        });
    }

    @Test
    void withFewRepetitionsOverlappingOrMerelyDoubledOrSingleValuesAreNoChange() {
        assertThat(Comparison.compare(nights("6.12", 160, 400), nights("6.12", 390, 1200))).as("overlapping").isEmpty();
        assertThat(Comparison.compare(nights("6.12", 160, 190), nights("6.12", 370, 400))).as("closest values under 2x apart").isEmpty();
        assertThat(Comparison.compare(nights("6.12", 160), nights("6.12", 5000))).as("one value a side").isEmpty();
        assertThat(Comparison.compare(nights("6.12", 160, 170, 180), nights("6.12", 400, 410, 420)))
                .as("three a side: still the jump rule").singleElement().satisfies(c -> assertThat(c.regression()).isTrue());
    }
}
