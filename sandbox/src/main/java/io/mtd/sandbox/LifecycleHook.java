package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.ProbeBuilder;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A container's {@code lifecycle.postStart} or {@code lifecycle.preStop} hook, run as the kubelet runs it: a
 * {@code sleep} of its seconds, an {@code exec} of a command in the container's environment and working directory, or
 * an {@code httpGet} on the container's port, each bounded by a deadline (for preStop, what is left of the grace period).
 * What a failure means is the caller's: a failed preStop hook does not keep the container from being stopped (the
 * kubelet records FailedPreStopHook and sends SIGTERM), a failed postStart hook kills the container (FailedPostStartHook).
 */
final class LifecycleHook {

    /** Which of a container's two hooks. */
    enum Phase {
        POST_START("postStart", Lifecycle::getPostStart),
        PRE_STOP("preStop", Lifecycle::getPreStop);

        private final String field;
        private final Function<Lifecycle, LifecycleHandler> handler;

        Phase(String field, Function<Lifecycle, LifecycleHandler> handler) {
            this.field = field;
            this.handler = handler;
        }
    }

    private final Phase phase;
    private final LifecycleHandler handler;
    private final Container container;
    private final PodPorts ports;
    private final Map<String, String> environment;
    private final Path workingDir;

    private LifecycleHook(Phase phase, LifecycleHandler handler, Container container, PodPorts ports,
            Map<String, String> environment, Path workingDir) {
        this.phase = phase;
        this.handler = handler;
        this.container = container;
        this.ports = ports;
        this.environment = environment;
        this.workingDir = workingDir;
    }

    /** {@code container}'s hook of {@code phase}, or null when it has none. */
    static LifecycleHook of(Phase phase, Container container, PodPorts ports, Map<String, String> environment, Path workingDir) {
        LifecycleHandler handler = container.getLifecycle() == null ? null : phase.handler.apply(container.getLifecycle());
        return handler == null ? null : new LifecycleHook(phase, handler, container, ports, environment, workingDir);
    }

    /**
     * Runs the hook on the calling thread until it ends or {@code deadlineNanos} ({@link System#nanoTime()}) passes;
     * returns why it failed, or null.
     */
    String run(long deadlineNanos) throws InterruptedException {
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (leftMillis <= 0) {
            return "no time left for the " + phase.field + " hook";
        }
        if (handler.getSleep() != null) {
            Long seconds = handler.getSleep().getSeconds();
            long sleepMillis = 1000L * (seconds == null ? 0 : Math.max(0, seconds));
            Thread.sleep(Math.min(sleepMillis, leftMillis));
            return sleepMillis > leftMillis ? "the " + phase.field + " sleep of " + seconds + " s outlasted its time" : null;
        }
        if (handler.getExec() == null && handler.getHttpGet() == null) {
            // as the kubelet: tcpSocket is accepted for compatibility and does nothing
            return handler.getTcpSocket() != null ? null : "the " + phase.field + " hook has no action";
        }
        // the same exec and HTTP GET as a probe's, with what is left until the deadline as its timeout
        int timeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, leftMillis / 1000));
        ProbeAction action = ProbeAction.of(new ProbeBuilder().withExec(handler.getExec()).withHttpGet(handler.getHttpGet())
                .withTimeoutSeconds(timeoutSeconds).build(), container, ports, environment, workingDir);
        ProbeAction.Result result = action.run();
        if (Thread.interrupted()) {
            throw new InterruptedException("stopped while the " + phase.field + " hook ran");
        }
        return result.success() ? null : result.message();
    }
}
