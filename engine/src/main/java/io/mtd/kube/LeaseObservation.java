package io.mtd.kube;

import java.time.Duration;
import java.util.Objects;

/**
 * The validity of another run's Lease as one waiter judges it, from its own observation only, as Kubernetes' leader
 * election does: when this waiter first saw the Lease's current record (holder, renewal, transitions, resourceVersion),
 * by its own monotonic clock. The holder's {@code renewTime} is written with the holder's clock and is never compared
 * with this machine's: clocks may differ by any amount, and a takeover needs one full lease of no change seen here.
 *
 * @param record the record as last seen
 * @param observedAt when this waiter first saw it, in {@link io.mtd.concurrent.Ticker} nanoseconds
 */
public record LeaseObservation(LeaseRecord record, long observedAt) {

    /**
     * What a waiter knows after seeing {@code seen} at {@code now}, having known {@code before} (null at first): an
     * unchanged record keeps the moment it was first seen, any change starts the count again.
     */
    public static LeaseObservation next(LeaseObservation before, LeaseRecord seen, long now) {
        if (before != null && Objects.equals(before.record, seen)) {
            return before;
        }
        return new LeaseObservation(seen, now);
    }

    /** How long the holder's lease lasts: as it wrote it, or {@code fallback} when it wrote none. */
    public Duration leaseDuration(Duration fallback) {
        Integer seconds = record == null ? null : record.leaseDurationSeconds();
        return seconds == null || seconds <= 0 ? fallback : Duration.ofSeconds(seconds);
    }

    /** How long the record has gone unchanged, as seen here. */
    public Duration unchangedFor(long now) {
        return Duration.ofNanos(Math.max(0, now - observedAt));
    }

    /** Whether the holder went a full lease without a change seen here, so that its lease ran out. */
    public boolean expired(long now, Duration fallback) {
        return unchangedFor(now).compareTo(leaseDuration(fallback)) >= 0;
    }

    /** How long until {@link #expired} (zero once it has). */
    public Duration expiresIn(long now, Duration fallback) {
        Duration left = leaseDuration(fallback).minus(unchangedFor(now));
        return left.isNegative() ? Duration.ZERO : left;
    }
}
