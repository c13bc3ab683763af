package io.mtd.release;

import java.util.Objects;

/**
 * A run's place among the runs of its app: the number a counter in the app's first environment gave it when the run
 * started, one after another with optimistic concurrency, so that "older" never depends on machines' clocks agreeing.
 *
 * @param number the run's number, counting from 1; a later start has a larger one
 * @param origin where the counter that gave it lives ({@code environment/namespace}): numbers from different counters
 *     are not comparable
 */
public record RunOrder(long number, String origin) {

    public RunOrder {
        Objects.requireNonNull(origin, "origin");
    }

    /** Whether this number and {@code other}'s came from the same counter, so that comparing them means something. */
    public boolean comparableWith(RunOrder other) {
        return other != null && origin.equals(other.origin);
    }

    /** Whether this run started after {@code other} (both of one counter). */
    public boolean after(RunOrder other) {
        return comparableWith(other) && number > other.number;
    }

    /** Whether this run started before {@code other} (both of one counter). */
    public boolean before(RunOrder other) {
        return comparableWith(other) && number < other.number;
    }

    /** {@code #17 of staging/shop-staging}: how messages name it. */
    @Override
    public String toString() {
        return "#" + number + " of " + origin;
    }
}
