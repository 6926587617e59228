package dev.kfit.bisect;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kfit.bisect.Search.State.BAD;
import static dev.kfit.bisect.Search.State.GOOD;
import static dev.kfit.bisect.Search.State.SKIP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SearchTest {
    /** Drives the search against a first bad point, with some points untestable; returns the result and the points tested. */
    private static Search.Found drive(int n, int firstBad, List<Integer> untestable, List<Integer> tested) {
        Map<Integer, Search.State> known = new HashMap<>();
        while (true) {
            Search.Next next = Search.next(n, known);
            if (next instanceof Search.Found f) {
                return f;
            }
            int p = ((Search.Test) next).point();
            assertThat(known).doesNotContainKey(p);
            tested.add(p);
            known.put(p, untestable.contains(p) ? SKIP : p >= firstBad ? BAD : GOOD);
        }
    }

    @Test
    void findsEveryFirstBadPointOfASeriesInLogarithmicSteps() {
        for (int n = 1; n <= 40; n++) {
            for (int bad = 1; bad <= n; bad++) {
                List<Integer> tested = new java.util.ArrayList<>();
                Search.Found f = drive(n, bad, List.of(), tested);
                assertThat(f.firstBad()).as("n=%d bad=%d", n, bad).isEqualTo(bad);
                assertThat(f.lastGood()).isEqualTo(bad - 1);
                assertThat(f.exact()).isTrue();
                assertThat(tested.size()).isLessThanOrEqualTo(32 - Integer.numberOfLeadingZeros(n));
            }
        }
    }

    @Test
    void aSeriesOfOnePatchNeedsNoStep() {
        assertThat(Search.next(1, Map.of())).isEqualTo(new Search.Found(1, 0, List.of(1)));
    }

    @Test
    void startsInTheMiddle() {
        assertThat(Search.next(4, Map.of())).isEqualTo(new Search.Test(2));
        assertThat(Search.next(5, Map.of())).isEqualTo(new Search.Test(2));
    }

    @Test
    void goesAroundASkippedPointAndNamesItAsACandidate() {
        List<Integer> tested = new java.util.ArrayList<>();
        Search.Found f = drive(8, 5, List.of(4), tested);
        assertThat(tested).contains(4, 3, 5);
        assertThat(f.firstBad()).isEqualTo(5);
        assertThat(f.lastGood()).isEqualTo(3);
        assertThat(f.candidates()).containsExactly(4, 5);
        assertThat(f.exact()).isFalse();
    }

    @Test
    void skippedPointsAwayFromTheResultAreNotCandidates() {
        Search.Found f = drive(8, 6, List.of(2), new java.util.ArrayList<>());
        assertThat(f.candidates()).containsExactly(6);
    }

    @Test
    void aRunOfSkippedPointsBeforeTheBadEndAreAllCandidates() {
        Search.Found f = drive(6, 6, List.of(2, 3, 4, 5), new java.util.ArrayList<>());
        assertThat(f.firstBad()).isEqualTo(6);
        assertThat(f.lastGood()).isEqualTo(1);
        assertThat(f.candidates()).containsExactly(2, 3, 4, 5, 6);
    }

    @Test
    void everyPointSkippedLeavesTheWholeRange() {
        Search.Found f = drive(3, 3, List.of(1, 2), new java.util.ArrayList<>());
        assertThat(f.candidates()).containsExactly(1, 2, 3);
        assertThat(f.lastGood()).isZero();
    }

    @Test
    void aGoodPointAboveABadOneIsIgnored() {
        // Non-monotone outcomes: the lowest bad point bounds the search.
        assertThat(Search.next(8, Map.of(2, BAD, 5, GOOD, 1, GOOD))).isEqualTo(new Search.Found(2, 1, List.of(2)));
    }

    @Test
    void rejectsNoPointsAndPointsOutsideTheRange() {
        assertThatThrownBy(() -> Search.next(0, Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Search.next(3, Map.of(4, GOOD))).isInstanceOf(IllegalArgumentException.class);
    }
}
