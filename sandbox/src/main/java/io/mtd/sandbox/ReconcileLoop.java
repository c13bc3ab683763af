package io.mtd.sandbox;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A controller's one thread: it reconciles everything whenever an informer reports a change, folding a burst of changes
 * into a single pass, as Kubernetes controllers do with their work queues, and (unless it is told what alone wakes it)
 * on a short tick.
 */
final class ReconcileLoop implements AutoCloseable {

    private static final long TICK_MILLIS = 100;

    private final ScheduledExecutorService thread;
    private final Runnable reconcileAll;
    private final boolean tick;
    private final AtomicBoolean poked = new AtomicBoolean();
    private volatile boolean paused;
    private Instant wake;

    ReconcileLoop(String threadName, Runnable reconcileAll) {
        this(threadName, reconcileAll, true);
    }

    /** A loop that also runs a pass every 100 ms when {@code tick}, else only when poked. */
    ReconcileLoop(String threadName, Runnable reconcileAll, boolean tick) {
        this.thread = Executors.newSingleThreadScheduledExecutor(SandboxKubelet.daemon(threadName));
        this.reconcileAll = () -> {
            if (!paused) {
                reconcileAll.run();
            }
        };
        this.tick = tick;
    }

    void start() {
        if (tick) {
            thread.scheduleWithFixedDelay(reconcileAll, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            poke();
        }
    }

    /**
     * Stops (or resumes) the passes, as a controller manager that is down: nothing is reconciled until it resumes, and
     * resuming asks for a pass at once.
     */
    void pause(boolean pause) {
        paused = pause;
        if (!pause) {
            poke();
        }
    }

    /** Asks for a pass soon; a pass already asked for and not yet begun covers this one too. */
    void poke() {
        if (!thread.isShutdown() && poked.compareAndSet(false, true)) {
            thread.execute(() -> {
                poked.set(false);
                reconcileAll.run();
            });
        }
    }

    /**
     * Asks for a pass at {@code when} (a Pod becomes available, a deadline passes); a pass already asked for at that
     * time or sooner covers it, and the pass then asks again for what is still ahead.
     */
    synchronized void pokeAt(Instant when) {
        if (thread.isShutdown() || wake != null && !wake.isAfter(when)) {
            return;
        }
        wake = when;
        long delay = Math.max(0, Duration.between(Instant.now(), when).toMillis());
        try {
            thread.schedule(() -> {
                synchronized (this) {
                    if (when.equals(wake)) {
                        wake = null;
                    }
                }
                poke();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the controller stopped meanwhile
        }
    }

    /** Runs {@code task} on the controller's thread, so that it never races a pass. */
    void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // the controller stopped
        }
    }

    /**
     * An informer handler that asks for a pass on every add and update, and on a delete runs {@code deleted} on the
     * controller's thread first (to forget what it kept of the object).
     */
    <T> ResourceEventHandler<T> pokeOnChange(Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                poke();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                poke();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                execute(() -> {
                    deleted.accept(obj);
                    poke();
                });
            }
        };
    }

    /** An informer handler that asks for a pass on every add, update and delete. */
    <T> ResourceEventHandler<T> pokeOnChange() {
        return pokeOnChange(deleted -> { });
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
