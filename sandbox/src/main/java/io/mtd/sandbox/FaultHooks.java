package io.mtd.sandbox;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What an injected {@link Fault} does to one Pod at each stage of its life (scheduling, image pull, a started
 * process, a Deployment Pod's process or its placeholder); a Pod without a fault passes every stage unharmed.
 */
final class FaultHooks {

    static final long FAULT_DELAY_MS = 150;
    static final long READY_DELAY_MS = 150;
    static final long CRASH_LOOP_PERIOD_MS = 200;
    /** The reason a process is killed with when its node evicts the Pod. */
    static final String EVICTED = "Evicted";
    /** The reason a process is killed with when the kernel's OOM killer ends it. */
    static final String OOM_KILLED = "OOMKilled";
    /** The reason a process is killed with when it is made to crash. */
    static final String CRASHED = "Crashed";

    private final Fault fault;

    /** The hooks of a Pod that suffers {@code fault} (null: none). */
    FaultHooks(Fault fault) {
        this.fault = fault;
    }

    /**
     * Scheduling: an UNSCHEDULABLE Pod stays Pending with PodScheduled=False, reason Unschedulable; any other is
     * scheduled and its container waits in ContainerCreating. Publishes, and returns whether the Pod was scheduled.
     */
    boolean schedule(PodStatusReport status) {
        if (fault == Fault.UNSCHEDULABLE) {
            status.unschedulable("0/1 nodes are available: 1 Insufficient memory.");
            status.publish();
            return false;
        }
        status.scheduled();
        status.waiting("ContainerCreating", null);
        return status.publish();
    }

    /**
     * Image pull: with IMAGE_PULL_BACKOFF the container waits in ErrImagePull, then ImagePullBackOff for ever (with the
     * runtime's messages). Returns whether the image was pulled.
     */
    boolean pull(PodStatusReport status, String image) {
        if (fault != Fault.IMAGE_PULL_BACKOFF) {
            return true;
        }
        status.waiting("ErrImagePull", "failed to pull and unpack image \"" + image + "\": failed to resolve reference \""
                + image + "\": not found");
        status.publish();
        PodRun.pause(FAULT_DELAY_MS);
        status.waiting("ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
        status.publish();
        return false;
    }

    /** A process just started: OOM_KILLED and EVICTED have {@code kill} end it shortly after, with their reason. */
    void started(ScheduledExecutorService timer, Consumer<String> kill) {
        if (fault == Fault.OOM_KILLED) {
            timer.schedule(() -> kill.accept(OOM_KILLED), FAULT_DELAY_MS, TimeUnit.MILLISECONDS);
        } else if (fault == Fault.EVICTED) {
            timer.schedule(() -> kill.accept(EVICTED), FAULT_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A Deployment Pod's process just started: OOM_KILLED, EVICTED and CRASH_LOOP have {@code kill} end it shortly
     * after, with their reason ({@link #CRASHED} for CRASH_LOOP), so that it restarts, or for EVICTED the Pod fails.
     */
    void serving(ScheduledExecutorService timer, Consumer<String> kill) {
        if (fault == Fault.CRASH_LOOP) {
            timer.schedule(() -> kill.accept(CRASHED), FAULT_DELAY_MS, TimeUnit.MILLISECONDS);
        } else {
            started(timer, kill);
        }
    }

    /** Whether the container's readiness probe never passes, whatever it answers. */
    boolean neverReady() {
        return fault == Fault.NEVER_READY;
    }

    /**
     * A Deployment Pod whose container has nothing to run (no command, and an image without entrypoint), after a short
     * delay: EVICTED fails it, CRASH_LOOP and OOM_KILLED keep it in CrashLoopBackOff with a growing restart count until
     * {@code stopped}, NEVER_READY runs it unready, and without a fault it runs Ready.
     */
    void simulate(PodStatusReport status, BooleanSupplier stopped) {
        simulate(status, stopped, READY_DELAY_MS);
    }

    /** As {@link #simulate(PodStatusReport, BooleanSupplier)}, after {@code delayMillis} instead of the usual delay. */
    void simulate(PodStatusReport status, BooleanSupplier stopped, long delayMillis) {
        PodRun.pause(delayMillis);
        if (stopped.getAsBoolean()) {
            return;
        }
        if (fault == Fault.EVICTED) {
            evicted(status);
            status.publish();
            return;
        }
        if (fault == Fault.CRASH_LOOP || fault == Fault.OOM_KILLED) {
            int restarts = 0;
            while (!stopped.getAsBoolean()) {
                status.crashLooping(restarts, fault == Fault.OOM_KILLED);
                status.publish();
                restarts++;
                PodRun.pause(CRASH_LOOP_PERIOD_MS);
            }
            return;
        }
        status.running(fault != Fault.NEVER_READY);
        status.publish();
    }

    /** The node evicted the Pod: phase Failed, reason Evicted, its container killed. */
    static void evicted(PodStatusReport status) {
        status.podReason(EVICTED, "The node was low on resource: memory.");
        status.terminated(137, "Error", null);
    }
}
