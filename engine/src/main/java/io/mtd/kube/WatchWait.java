package io.mtd.kube;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's one way to wait on the cluster: a {@link Condition} over a shared watch's store, checked whenever the
 * watched objects change, that completes the wait, fails it or asks to be checked again later; a deadline; and a cancel,
 * which is completing the returned future (say, exceptionally) from outside.
 *
 * <p>Checks run on one executor, one at a time, never on the watch's thread: the first once the watch has synced,
 * then after each change (a burst of changes costs at most one more check), when a recheck the condition asked for is
 * due, and once more at the deadline before {@link Condition#timedOut()} decides the result. However the wait ends,
 * its subscription and its timers are gone: a watch shared for months keeps nothing of a wait that ended. This is
 * fabric8's {@code informOnCondition} over the engine's shared informers, which that method cannot use (it starts an
 * informer per call).
 *
 * <pre>{@code
 * CompletableFuture<Boolean> gone = WatchWait.on(watch.jobChanges(name)).checkedOn(executor, timers).within(timeout)
 *         .until(() -> watch.job(name) == null ? Check.done(true) : Check.notYet());
 * }</pre>
 */
public final class WatchWait<R> {

    /** Starts describing a wait on {@code changes}. */
    public static Builder on(Changes changes) {
        return new Builder(Objects.requireNonNull(changes, "changes"));
    }

    /** Where and how long a wait checks its condition. */
    public static final class Builder {
        private final Changes changes;
        private Executor executor;
        private ScheduledExecutorService timers;
        private Duration timeout;

        private Builder(Changes changes) {
            this.changes = changes;
        }

        /**
         * Checks run on {@code executor} (blocking calls are allowed there if it is meant for them); {@code timers} only
         * hands rechecks and the deadline over to it.
         */
        public Builder checkedOn(Executor executor, ScheduledExecutorService timers) {
            this.executor = Objects.requireNonNull(executor, "executor");
            this.timers = Objects.requireNonNull(timers, "timers");
            return this;
        }

        /** The wait ends at most {@code timeout} from its start, as {@link Condition#timedOut()} says; none by default. */
        public Builder within(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Starts waiting: the future completes as {@code condition} decides; completing it from outside ends the wait. */
        public <R> CompletableFuture<R> until(Condition<R> condition) {
            if (executor == null) {
                throw new IllegalStateException("checkedOn(executor, timers) is required");
            }
            return new WatchWait<>(this, Objects.requireNonNull(condition, "condition")).start();
        }
    }

    /** What a wait looks at; one check at a time, so an implementation may keep plain fields. */
    @FunctionalInterface
    public interface Condition<R> {

        /** Reads the watch's store now: done, failed, or not yet (optionally: check again after some time). */
        Check<R> check();

        /** The result once the deadline passed and the last check said not yet; throw to fail the wait. */
        default R timedOut() {
            throw new TimedOut("the condition did not hold in time");
        }

        /**
         * A result a check produced after the wait had ended otherwise (cancelled meanwhile): give back what it holds,
         * such as a lock it took.
         */
        default void abandoned(R result) {}
    }

    /** What one check found. */
    public sealed interface Check<R> permits Done, Failed, NotYet {

        static <R> Check<R> done(R value) {
            return new Done<>(value);
        }

        static <R> Check<R> failed(Throwable cause) {
            return new Failed<>(Objects.requireNonNull(cause, "cause"));
        }

        /** Not yet: check again on the next change. */
        static <R> Check<R> notYet() {
            return new NotYet<>(null);
        }

        /** Not yet: check again on the next change, and after {@code delay} at the latest. */
        static <R> Check<R> recheckIn(Duration delay) {
            return new NotYet<>(Objects.requireNonNull(delay, "delay"));
        }
    }

    /** The condition holds: the wait completes with {@code value}. */
    public record Done<R>(R value) implements Check<R> {}

    /** The wait fails with {@code cause}. */
    public record Failed<R>(Throwable cause) implements Check<R> {}

    /** Not yet; {@code recheck}, when given, asks for another check that long from now if nothing changes first. */
    public record NotYet<R>(Duration recheck) implements Check<R> {}

    /** A wait whose condition has no result of its own for the deadline ended there. */
    public static final class TimedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public TimedOut(String message) {
            super(message);
        }
    }

    private final Changes changes;
    private final Executor executor;
    private final ScheduledExecutorService timers;
    private final Duration timeout;
    private final Condition<R> condition;
    private final CompletableFuture<R> result = new CompletableFuture<>();
    /** Checks asked for and not yet run: the first asker hands a drain to the executor, later ones add to it. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean deadlinePassed;
    private Changes.Subscription subscription;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> recheck;
    private boolean stopped;

    private WatchWait(Builder b, Condition<R> condition) {
        this.changes = b.changes;
        this.executor = b.executor;
        this.timers = b.timers;
        this.timeout = b.timeout;
        this.condition = condition;
    }

    private CompletableFuture<R> start() {
        try {
            Changes.Subscription s = changes.subscribe(this::trigger);
            synchronized (this) {
                subscription = s;
                if (timeout != null) {
                    deadline = timers.schedule(() -> {
                        deadlinePassed = true;
                        trigger();
                    }, Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
                }
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        // registered after the subscription exists: however and by whomever the future completes, both go
        result.whenComplete((r, e) -> stop());
        changes.synced().whenComplete((v, e) -> trigger());
        return result;
    }

    /** Asks for a check: called on the watch's thread, the timers' thread, or anyone's; never checks here. */
    private void trigger() {
        if (result.isDone() || pending.getAndIncrement() != 0) {
            return;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // the engine shut its pools down: nobody will ever check again, so the wait ends, and unsubscribes
            result.completeExceptionally(e);
        }
    }

    private void drain() {
        int missed = 1;
        while (true) {
            if (!result.isDone()) {
                checkOnce();
            }
            missed = pending.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void checkOnce() {
        if (!changes.synced().isDone() && !deadlinePassed) {
            return; // an informer's store is incomplete until it listed once
        }
        Check<R> found;
        try {
            found = condition.check();
            // read after the check: one that ran into the deadline (a slow request) is the last
            if (deadlinePassed && found instanceof NotYet<R>) {
                found = Check.done(condition.timedOut());
            }
        } catch (RuntimeException e) {
            found = Check.failed(e);
        }
        if (found instanceof Done<R> d) {
            if (!result.complete(d.value())) {
                condition.abandoned(d.value());
            }
        } else if (found instanceof Failed<R> f) {
            result.completeExceptionally(f.cause());
        } else if (found instanceof NotYet<R> n && n.recheck() != null) {
            recheckIn(n.recheck());
        }
    }

    /** One recheck timer at a time; the sooner of two wins. */
    private synchronized void recheckIn(Duration delay) {
        long nanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), delay.toNanos());
        if (stopped || recheck != null && !recheck.isDone() && recheck.getDelay(TimeUnit.NANOSECONDS) <= nanos) {
            return;
        }
        if (recheck != null) {
            recheck.cancel(false);
        }
        try {
            recheck = timers.schedule(this::trigger, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
    }

    private void stop() {
        Changes.Subscription s;
        synchronized (this) {
            stopped = true;
            s = subscription;
            subscription = null;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (recheck != null) {
                recheck.cancel(false);
            }
        }
        if (s != null) {
            s.close();
        }
    }
}
