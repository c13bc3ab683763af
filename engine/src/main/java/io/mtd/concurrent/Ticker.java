package io.mtd.concurrent;

/**
 * A monotonic time source, read in nanoseconds: what the engine measures durations with (how long a Lease went without
 * a change, how long its own lease is still valid, how long a Pod stayed unschedulable). Its readings never leave the
 * process and are never compared with another machine's clock; tests shift it.
 */
@FunctionalInterface
public interface Ticker {

    /** {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /** Now, in nanoseconds from an arbitrary origin that stays fixed for the life of the process. */
    long nanos();
}
