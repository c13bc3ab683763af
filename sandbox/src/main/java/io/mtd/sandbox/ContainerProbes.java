package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Probe;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The probes of one run of a container, as the kubelet's probe workers run them: a startup probe first, when there is
 * one, and only once it passed the readiness and liveness probes; each probe's first attempt
 * {@code initialDelaySeconds} after the container started, the next every {@code periodSeconds} (default 10), each
 * attempt within {@code timeoutSeconds} (default 1), and the result after {@code successThreshold} (default 1) or
 * {@code failureThreshold} (default 3) attempts in a row ({@link ProbeCounter}). Without a readiness probe the
 * container is ready once it runs (and a startup probe, if any, passed). A failed liveness or startup probe is reported
 * once, and that probe stops: the container is restarted, and its next run gets new probes.
 */
final class ContainerProbes {

    /** What the probes decide. */
    interface Listener {
        /** The container's readiness changed (and once at the start, when it has no readiness probe). */
        void readiness(boolean ready);

        /** The liveness (or startup) probe failed: the container must be restarted. */
        void unhealthy(String message);
    }

    private final Probe startup;
    private final Probe readiness;
    private final Probe liveness;
    private final Function<Probe, ProbeAction> actions;
    private final ScheduledExecutorService timer;
    private final Executor workers;
    private final Listener listener;
    private volatile boolean stopped;
    private volatile boolean livenessStopped;

    ContainerProbes(Probe startup, Probe readiness, Probe liveness, Function<Probe, ProbeAction> actions,
            ScheduledExecutorService timer, Executor workers, Listener listener) {
        this.startup = startup;
        this.readiness = readiness;
        this.liveness = liveness;
        this.actions = actions;
        this.timer = timer;
        this.workers = workers;
        this.listener = listener;
    }

    /** Starts probing a container that has just started. */
    void start() {
        if (startup != null) {
            ProbeCounter counter = new ProbeCounter(false, 1, startup.getFailureThreshold());
            schedule(startup, counter, initialDelayMillis(startup), passed -> {
                if (!counter.decided()) {
                    return true;
                }
                if (passed) {
                    afterStartup();
                    return false;
                }
                livenessStopped = true;
                listener.unhealthy("Startup probe failed");
                return false;
            }, true);
        } else {
            afterStartup();
        }
    }

    private void afterStartup() {
        if (readiness == null) {
            listener.readiness(true);
        } else {
            ProbeCounter counter = new ProbeCounter(false, readiness.getSuccessThreshold(), readiness.getFailureThreshold());
            // the container runs unready until the probe passes, so only changes from there are reported
            boolean[] reported = {false};
            schedule(readiness, counter, initialDelayMillis(readiness), ready -> {
                if (ready != reported[0]) {
                    reported[0] = ready;
                    listener.readiness(ready);
                }
                return true;
            }, false);
        }
        if (liveness != null) {
            ProbeCounter counter = new ProbeCounter(true, 1, liveness.getFailureThreshold());
            schedule(liveness, counter, initialDelayMillis(liveness), alive -> {
                if (alive) {
                    return true;
                }
                if (!livenessStopped) {
                    livenessStopped = true;
                    listener.unhealthy("Liveness probe failed");
                }
                return false;
            }, true);
        }
    }

    /** Stops the liveness and startup probes (a container being stopped is not restarted); readiness goes on. */
    void stopLiveness() {
        livenessStopped = true;
    }

    /** Stops every probe of this run. */
    void stop() {
        stopped = true;
    }

    /** What a probe does with its result: whether it keeps probing. */
    private interface Outcome {
        boolean next(boolean result);
    }

    private void schedule(Probe probe, ProbeCounter counter, long delayMillis, Outcome outcome, boolean isLiveness) {
        ProbeAction action = actions.apply(probe);
        long periodMillis = 1000L * Math.max(1, probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds());
        Runnable attempt = new Runnable() {
            @Override
            public void run() {
                if (halted(isLiveness)) {
                    return;
                }
                long started = System.nanoTime();
                ProbeAction.Result result = action.run();
                if (halted(isLiveness)) {
                    return;
                }
                boolean keepOn = outcome.next(counter.record(result.success()));
                if (keepOn && !halted(isLiveness)) {
                    long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    later(this, Math.max(0, periodMillis - spent));
                }
            }
        };
        later(attempt, delayMillis);
    }

    private boolean halted(boolean isLiveness) {
        return stopped || isLiveness && livenessStopped;
    }

    private void later(Runnable attempt, long delayMillis) {
        try {
            timer.schedule(() -> {
                try {
                    workers.execute(attempt);
                } catch (RejectedExecutionException e) {
                    // the node is shutting down
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the node is shutting down
        }
    }

    private static long initialDelayMillis(Probe probe) {
        return 1000L * Math.max(0, probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds());
    }
}
