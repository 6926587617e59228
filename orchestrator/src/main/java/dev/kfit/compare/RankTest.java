package dev.kfit.compare;

import java.util.ArrayList;
import java.util.List;

/**
 * Two-sided Mann-Whitney U test (normal approximation with tie correction): does one sample of
 * latencies tend to be larger than the other? Distribution-free, so a few slow outliers in TCG
 * guests do not decide it the way they would move a mean.
 */
public final class RankTest {
    private RankTest() {
    }

    /** @return the two-sided p-value; 1 when either sample is too small (fewer than 3) to say anything */
    public static double pValue(List<Double> a, List<Double> b) {
        int n1 = a.size();
        int n2 = b.size();
        if (n1 < 3 || n2 < 3) {
            return 1.0;
        }
        List<double[]> all = new ArrayList<>(); // value, group
        a.forEach(v -> all.add(new double[] {v, 0}));
        b.forEach(v -> all.add(new double[] {v, 1}));
        all.sort((x, y) -> Double.compare(x[0], y[0]));
        double rankSumA = 0;
        double tieTerm = 0;
        int n = all.size();
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && all.get(j + 1)[0] == all.get(i)[0]) {
                j++;
            }
            double rank = (i + j + 2) / 2.0; // average of ranks i+1..j+1
            int t = j - i + 1;
            tieTerm += (double) t * t * t - t;
            for (int k = i; k <= j; k++) {
                if (all.get(k)[1] == 0) {
                    rankSumA += rank;
                }
            }
            i = j + 1;
        }
        double u = rankSumA - n1 * (n1 + 1) / 2.0;
        double mean = n1 * n2 / 2.0;
        double var = n1 * n2 / 12.0 * ((n + 1) - tieTerm / ((double) n * (n - 1)));
        if (var <= 0) {
            return 1.0;
        }
        double z = (Math.abs(u - mean) - 0.5) / Math.sqrt(var); // continuity correction
        return Math.min(1.0, 2 * (1 - phi(Math.max(0, z))));
    }

    /**
     * The smallest p-value {@link #pValue} can give for samples of these sizes: that of two samples
     * that do not overlap at all. At or above 0.05 the test cannot find any change, however large
     * (three repetitions a side and fewer).
     */
    public static double smallestPValue(int n1, int n2) {
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < n1; i++) {
            a.add((double) i);
        }
        for (int i = 0; i < n2; i++) {
            b.add((double) (n1 + i));
        }
        return pValue(a, b);
    }

    public static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int m = s.size();
        return m == 0 ? Double.NaN : m % 2 == 1 ? s.get(m / 2) : (s.get(m / 2 - 1) + s.get(m / 2)) / 2;
    }

    /**
     * The Hodges-Lehmann estimate of how far b is shifted from a: the median of all pairwise
     * differences b[j] - a[i]. Like the rank test, a few outliers do not move it.
     *
     * @return NaN when either sample is empty
     */
    public static double hodgesLehmann(List<Double> a, List<Double> b) {
        List<Double> d = new ArrayList<>(a.size() * b.size());
        for (double y : b) {
            for (double x : a) {
                d.add(y - x);
            }
        }
        return median(d);
    }

    /** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf; error below 1.5e-7). */
    static double phi(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
        return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }
}
