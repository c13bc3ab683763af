package io.mtd.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Summary statistics of a sample of durations in milliseconds, with nearest-rank percentiles. */
record Percentiles(int count, double p50, double p99, double min, double max, double mean) {

    /** Summarizes {@code millis}; an empty sample has no summary. */
    static Percentiles of(List<Double> millis) {
        if (millis.isEmpty()) {
            throw new IllegalArgumentException("no samples to summarize: the measurement produced none");
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        return new Percentiles(sorted.size(), rank(sorted, 50), rank(sorted, 99), sorted.get(0),
                sorted.get(sorted.size() - 1), sum / sorted.size());
    }

    /** The nearest-rank percentile: the smallest value with at least {@code percent}% of the sample at or below it. */
    static double rank(List<Double> sorted, double percent) {
        if (percent <= 0 || percent > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + percent);
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index));
    }

    /** Milliseconds between two {@link System#nanoTime()} readings. */
    static double millisBetween(long startNanos, long endNanos) {
        return (endNanos - startNanos) / 1_000_000.0;
    }
}
