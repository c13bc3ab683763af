package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The long-running container of a Deployment's Pod (restartPolicy Always), run as a local process: started, probed
 * ({@link ContainerProbes}: readiness decides the Ready condition, a failed liveness or startup probe restarts it),
 * restarted whenever it ends, after a back-off that doubles from 0 to {@value #MAX_BACKOFF_MS} ms (the kubelet's 10 s to
 * 5 min, scaled down), and stopped gracefully when its Pod is deleted: its preStop hook run ({@link LifecycleHook}) while
 * it is taken out of rotation (no Service sends it new connections), then SIGTERM once both are done, then SIGKILL once
 * the grace period is over. As a kubelet, it runs the postStart hook as the container starts (the container counts as
 * Running, and is probed, only once the hook returned; a failed hook kills it) and the preStop hook before the SIGTERM
 * of a liveness failure's restart too.
 */
final class ServingContainer {

    private static final Logger LOG = Logger.getLogger(ServingContainer.class.getName());
    static final long MAX_BACKOFF_MS = 3200;
    /** The grace a kubelet adds when stopping took the whole grace period before SIGTERM could be sent. */
    static final long MINIMUM_GRACE_MS = 2000;
    private static final String START_ERROR = "StartError";
    /** A postStart hook's bound (a kubelet's has none; the sandbox's keeps a hung hook from holding a Pod forever). */
    static final long POST_START_LIMIT_MS = TimeUnit.MINUTES.toMillis(2);

    private final PodRun.Node node;
    private final Pod pod;
    private final Container container;
    private final ContainerProcess.Launch launch;
    private final PodPorts ports;
    private final PodStatusReport status;
    private final FaultHooks faults;
    private final ExecutorService workers;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private ContainerProcess process;
    private ContainerProbes probes;
    private String killReason;
    private boolean ready;

    ServingContainer(PodRun.Node node, Pod pod, Container container, ContainerProcess.Launch launch, PodPorts ports,
            PodStatusReport status, FaultHooks faults, ExecutorService workers) {
        this.node = node;
        this.pod = pod;
        this.container = container;
        this.launch = launch;
        this.ports = ports;
        this.status = status;
        this.faults = faults;
        this.workers = workers;
    }

    /** How one run of the container ended: its exit code, and why it was killed (null: it exited by itself). */
    private record Exit(int code, String killedFor) {
    }

    /** Runs the container, restarting it whenever it ends, until the Pod stops; on the calling thread. */
    void run() {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        node.logs().open(namespace, name);
        try {
            int restarts = 0;
            while (true) {
                Exit exit = runOnce(namespace, name);
                if (exit == null || isStopping()) {
                    return;
                }
                if (FaultHooks.EVICTED.equals(exit.killedFor())) {
                    FaultHooks.evicted(status);
                    status.publish();
                    return;
                }
                restarts++;
                long backoff = restarts == 1 ? 0
                        : Math.min(MAX_BACKOFF_MS, FaultHooks.CRASH_LOOP_PERIOD_MS << Math.min(restarts - 2, 10));
                boolean oom = FaultHooks.OOM_KILLED.equals(exit.killedFor());
                String reason = oom ? "OOMKilled" : START_ERROR.equals(exit.killedFor()) ? START_ERROR
                        : exit.code() == 0 ? "Completed" : "Error";
                status.restarting(oom ? 137 : exit.code(), reason, backoff);
                status.publish();
                if (backoff > 0 && awaitStop(backoff)) {
                    return;
                }
            }
        } finally {
            node.logs().end(namespace, name);
            ended.complete(null);
        }
    }

    /** Starts the container once and waits for it to end; null when the Pod stopped first. */
    private Exit runOnce(String namespace, String name) {
        ContainerProcess running;
        ContainerProbes runProbes;
        synchronized (this) {
            if (isStopping()) {
                return null;
            }
            killReason = null;
            try {
                running = ContainerProcess.start(launch, container.getName());
            } catch (ContainerProcess.StartError e) {
                node.logs().append(namespace, name, e.getMessage());
                return new Exit(128, START_ERROR);
            }
            process = running;
            runProbes = new ContainerProbes(container.getStartupProbe(), container.getReadinessProbe(),
                    container.getLivenessProbe(), this::action, node.timer(), workers, new ProbeListener(running));
            probes = runProbes;
        }
        // the postStart hook runs beside the container, whose output is read here meanwhile
        workers.execute(() -> started(running, runProbes, namespace, name));
        running.drain(line -> node.logs().append(namespace, name, line));
        try {
            int code = running.waitFor();
            synchronized (this) {
                return new Exit(code, killReason);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.kill();
            running.awaitExitUninterruptibly();
            return null;
        } finally {
            runProbes.stop();
        }
    }

    /**
     * Stops the container as the kubelet stops a deleted Pod's: runs its preStop hook and waits (both within the grace
     * period) until {@code outOfRotation} says no Service sends it new connections any more, then sends SIGTERM, and
     * SIGKILL when the grace period ({@code graceMillis} from now) is over; returns once the process is gone.
     */
    void terminate(long graceMillis, CompletableFuture<Void> outOfRotation) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        ContainerProbes current;
        synchronized (this) {
            stopping.countDown();
            current = probes;
        }
        if (current != null) {
            current.stopLiveness();
        }
        try {
            // as the kubelet: the hook starts as the Pod is marked terminating, while the Services drop it
            ContainerProcess running;
            synchronized (this) {
                running = process;
            }
            runPreStop(running, deadline);
            outOfRotation.get(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(Level.FINE, "Pod {0} still in a Service's rotation when its grace period ended",
                    pod.getMetadata().getName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            return;
        } catch (Exception e) {
            LOG.log(Level.FINE, "taking a Pod out of rotation failed", e);
        }
        ContainerProcess running;
        synchronized (this) {
            running = process;
        }
        if (running != null) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            // as a kubelet whose preStop hook used up the grace period: a short one more after SIGTERM
            stop(running, left > 0 ? left : MINIMUM_GRACE_MS);
        }
        awaitEnd();
    }

    /**
     * Once {@code running}'s postStart hook returned: the container counts as Running (Ready as its probes say, which
     * start now); a failed hook kills it instead, as the kubelet does.
     */
    private void started(ContainerProcess running, ContainerProbes runProbes, String namespace, String name) {
        String hookFailure = postStart();
        synchronized (this) {
            if (process != running || isStopping()) {
                return;
            }
            if (hookFailure != null) {
                killReason = "FailedPostStartHook";
            } else {
                ready = container.getStartupProbe() == null && container.getReadinessProbe() == null && !faults.neverReady();
                status.running(ready);
            }
        }
        if (hookFailure != null) {
            node.logs().append(namespace, name, "FailedPostStartHook: " + hookFailure);
            LOG.log(Level.INFO, "FailedPostStartHook: Pod {0}, container {1}: {2}", new Object[] {name, container.getName(), hookFailure});
            // as the kubelet: the container is killed as a stopped one is (its preStop hook, SIGTERM, SIGKILL)
            restart(running, graceMillis(null));
            return;
        }
        status.publish();
        faults.serving(node.timer(), reason -> kill(running, reason));
        runProbes.start();
    }

    /** Runs the container's postStart hook, if it has one, on the calling thread; returns why it failed, or null. */
    private String postStart() {
        LifecycleHook hook = LifecycleHook.of(LifecycleHook.Phase.POST_START, container, ports, launch.environment(),
                launch.workingDir());
        if (hook == null) {
            return null;
        }
        try {
            return hook.run(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(POST_START_LIMIT_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while the postStart hook ran";
        }
    }

    /**
     * Restarts this run of the container as the kubelet kills one (a failed liveness probe or postStart hook): its
     * preStop hook within the grace period, then SIGTERM, then SIGKILL once {@code graceMillis} are over.
     */
    private void restart(ContainerProcess run, long graceMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        try {
            runPreStop(run, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        stop(run, left > 0 ? left : MINIMUM_GRACE_MS);
    }

    /** Runs the container's preStop hook, if it has one and {@code run} is alive, until it ends or {@code deadline}. */
    private void runPreStop(ContainerProcess run, long deadline) throws InterruptedException {
        LifecycleHook hook = run == null || !run.isAlive() ? null
                : LifecycleHook.of(LifecycleHook.Phase.PRE_STOP, container, ports, launch.environment(), launch.workingDir());
        String failure = hook == null ? null : hook.run(deadline);
        if (failure != null) {
            LOG.log(Level.INFO, "FailedPreStopHook: Pod {0}, container {1}: {2}",
                    new Object[] {pod.getMetadata().getName(), container.getName(), failure});
        }
    }

    /** Kills the container at once (the node stops, or the Pod is gone without a graceful deletion). */
    void kill() {
        ContainerProcess running;
        synchronized (this) {
            stopping.countDown();
            running = process;
        }
        if (running != null) {
            running.kill();
        }
    }

    private boolean isStopping() {
        return stopping.getCount() == 0 || node.closed().getAsBoolean();
    }

    /** Waits up to {@code millis} for the Pod to stop; returns whether it did. */
    private boolean awaitStop(long millis) {
        try {
            return stopping.await(millis, TimeUnit.MILLISECONDS) || node.closed().getAsBoolean();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void awaitEnd() {
        try {
            ended.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.FINE, "a stopped container's output did not end in time", e);
        }
    }

    private ProbeAction action(Probe probe) {
        return ProbeAction.of(probe, container, ports, launch.environment(), launch.workingDir());
    }

    /** Ends this run of the container for an injected fault. */
    private void kill(ContainerProcess running, String reason) {
        synchronized (this) {
            if (process != running || killReason != null) {
                return;
            }
            killReason = reason;
        }
        running.kill();
    }

    /** SIGTERM, then SIGKILL after {@code graceMillis}, as the kubelet stops a container. */
    private static void stop(ContainerProcess running, long graceMillis) {
        List<ProcessHandle> started = running.terminate();
        try {
            running.awaitExit(graceMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.killAll(started);
        running.awaitExitUninterruptibly();
    }

    /** The grace period of a restart: {@code probe}'s own (a liveness probe's), else the Pod's. */
    private long graceMillis(Probe probe) {
        Long seconds = probe != null && probe.getTerminationGracePeriodSeconds() != null
                ? probe.getTerminationGracePeriodSeconds() : pod.getSpec().getTerminationGracePeriodSeconds();
        return 1000L * (seconds == null ? 30 : Math.max(0, seconds));
    }

    /** What this run's probes decide, applied while it is still the current run. */
    private final class ProbeListener implements ContainerProbes.Listener {
        private final ContainerProcess run;

        ProbeListener(ContainerProcess run) {
            this.run = run;
        }

        @Override
        public void readiness(boolean nowReady) {
            synchronized (ServingContainer.this) {
                boolean effective = nowReady && !faults.neverReady();
                if (process != run || effective == ready) {
                    return;
                }
                ready = effective;
                status.ready(effective);
            }
            status.publish();
        }

        @Override
        public void unhealthy(String message) {
            synchronized (ServingContainer.this) {
                if (process != run || isStopping()) {
                    return;
                }
                ready = false;
                status.ready(false);
            }
            status.publish();
            LOG.log(Level.FINE, "{0} of Pod {1}: container {2} will be restarted",
                    new Object[] {message, pod.getMetadata().getName(), container.getName()});
            workers.execute(() -> restart(run, graceMillis(container.getLivenessProbe())));
        }
    }
}
