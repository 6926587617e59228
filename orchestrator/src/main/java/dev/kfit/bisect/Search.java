package dev.kfit.bisect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The search of a bisection, as a pure function of what the steps gave: points {@code 0..n} in order,
 * 0 the good end (the outcome without the change), {@code n} the bad end (the changed outcome).
 * Point {@code i} of a series is its first {@code i} patches; of a commit range, its {@code i}-th commit.
 *
 * <p>The first bad point lies above the highest good point below the lowest bad one. The next point to
 * test is the untested, unskipped point nearest the middle of that interval. When none is left, the
 * lowest bad point is the result, and every skipped point in the interval is a candidate beside it: one
 * of them may be the real first bad point.
 */
public final class Search {
    /** What a tested point gave. */
    public enum State { GOOD, BAD, SKIP }

    /** What the search wants next, or its result. */
    public sealed interface Next permits Test, Found {
    }

    /** Test this point next. */
    public record Test(int point) implements Next {
    }

    /**
     * The search is over.
     *
     * @param firstBad   the lowest bad point above {@code lastGood}
     * @param lastGood   the highest good point below it
     * @param candidates points that may be the first bad one: skipped points between the two, then
     *                   {@code firstBad}; just {@code firstBad} when the result is exact
     */
    public record Found(int firstBad, int lastGood, List<Integer> candidates) implements Next {
        public Found {
            candidates = List.copyOf(candidates);
        }

        public boolean exact() {
            return candidates.size() == 1;
        }
    }

    private Search() {
    }

    /**
     * @param n     the bad end's point (at least 1)
     * @param known each tested point's state; the ends may be absent (they are good and bad by definition)
     */
    public static Next next(int n, Map<Integer, State> known) {
        if (n < 1) {
            throw new IllegalArgumentException("a bisection needs at least one point after the good end, got n=" + n);
        }
        TreeMap<Integer, State> k = new TreeMap<>(known);
        k.put(0, State.GOOD);
        k.put(n, State.BAD);
        for (Integer p : k.keySet()) {
            if (p < 0 || p > n) {
                throw new IllegalArgumentException("point " + p + " outside 0.." + n);
            }
        }
        int hi = k.entrySet().stream().filter(e -> e.getValue() == State.BAD).mapToInt(Map.Entry::getKey).min().orElseThrow();
        int lo = k.headMap(hi).entrySet().stream().filter(e -> e.getValue() == State.GOOD)
                .mapToInt(Map.Entry::getKey).max().orElseThrow();
        List<Integer> open = new ArrayList<>();
        List<Integer> skipped = new ArrayList<>();
        for (int p = lo + 1; p < hi; p++) {
            if (!k.containsKey(p)) {
                open.add(p);
            } else if (k.get(p) == State.SKIP) {
                skipped.add(p);
            }
        }
        if (open.isEmpty()) {
            List<Integer> candidates = new ArrayList<>(skipped);
            candidates.add(hi);
            return new Found(hi, lo, candidates);
        }
        // Nearest to the middle; of two as near, the lower (an even split of the remaining points).
        double mid = (lo + hi) / 2.0;
        int best = open.get(0);
        for (int p : open) {
            if (Math.abs(p - mid) < Math.abs(best - mid)) {
                best = p;
            }
        }
        return new Test(best);
    }
}
