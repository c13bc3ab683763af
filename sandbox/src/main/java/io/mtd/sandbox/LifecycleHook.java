package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.ProbeBuilder;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A container's {@code lifecycle.preStop} hook, run as the kubelet runs it when the container is stopped: before SIGTERM,
 * within the grace period, as a {@code sleep} of its seconds, an {@code exec} of a command in the container's
 * environment and working directory, or an {@code httpGet} on the container's port (each bounded by what is left of the
 * grace period). A hook that fails or runs out of time does not keep the container from being stopped: the kubelet
 * records FailedPreStopHook and sends SIGTERM; the sandbox says why in its log.
 */
final class PreStopHook {

    private final LifecycleHandler handler;
    private final Container container;
    private final PodPorts ports;
    private final Map<String, String> environment;
    private final Path workingDir;

    private PreStopHook(LifecycleHandler handler, Container container, PodPorts ports, Map<String, String> environment,
            Path workingDir) {
        this.handler = handler;
        this.container = container;
        this.ports = ports;
        this.environment = environment;
        this.workingDir = workingDir;
    }

    /** {@code container}'s preStop hook, or null when it has none. */
    static PreStopHook of(Container container, PodPorts ports, Map<String, String> environment, Path workingDir) {
        LifecycleHandler handler = container.getLifecycle() == null ? null : container.getLifecycle().getPreStop();
        return handler == null ? null : new PreStopHook(handler, container, ports, environment, workingDir);
    }

    /**
     * Runs the hook on the calling thread until it ends or {@code deadlineNanos} ({@link System#nanoTime()}) passes;
     * returns why it failed, or null.
     */
    String run(long deadlineNanos) throws InterruptedException {
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (leftMillis <= 0) {
            return "no grace period left for the preStop hook";
        }
        if (handler.getSleep() != null) {
            Long seconds = handler.getSleep().getSeconds();
            long sleepMillis = 1000L * (seconds == null ? 0 : Math.max(0, seconds));
            Thread.sleep(Math.min(sleepMillis, leftMillis));
            return sleepMillis > leftMillis ? "the preStop sleep of " + seconds + " s outlasted the grace period" : null;
        }
        if (handler.getExec() == null && handler.getHttpGet() == null) {
            // as the kubelet: tcpSocket is accepted for compatibility and does nothing
            return handler.getTcpSocket() != null ? null : "the preStop hook has no action";
        }
        // the same exec and HTTP GET as a probe's, with what is left of the grace period as its timeout
        int timeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, leftMillis / 1000));
        ProbeAction action = ProbeAction.of(new ProbeBuilder().withExec(handler.getExec()).withHttpGet(handler.getHttpGet())
                .withTimeoutSeconds(timeoutSeconds).build(), container, ports, environment, workingDir);
        ProbeAction.Result result = action.run();
        if (Thread.interrupted()) {
            throw new InterruptedException("stopped while the preStop hook ran");
        }
        return result.success() ? null : result.message();
    }
}
