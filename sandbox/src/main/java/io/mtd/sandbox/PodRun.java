package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Pod on the sandbox node, from admission to its end: scheduled, its image pulled, its container's configuration
 * awaited ({@link PodAdmission}), then its first container run as a local process: once ({@link ContainerProcess}, for
 * Job and bare Pods), or for as long as the Pod lives, restarted and probed, on ports of its own ({@link PodPorts},
 * {@link ServingContainer}, for Deployment Pods). Every stage is subject to the Pod's {@link FaultHooks} and reported
 * through its {@link PodStatusReport}.
 *
 * <p>A Deployment Pod whose container has nothing to run (no {@code command}, and an image that is not registered or has
 * no entrypoint) is a placeholder, as every Deployment Pod was before the sandbox ran them: it becomes Running and
 * Ready after a short delay, unless a {@link Fault} says otherwise.
 */
final class PodRun {

    private static final Logger LOG = Logger.getLogger(PodRun.class.getName());
    /** The kill reason of a Pod that was deleted: its process dies and nothing more is reported. */
    static final String DELETED = "Deleted";

    /** What a Pod run uses of its node. */
    record Node(KubernetesClient client, StatusWriter status, PodLogs logs, Path podsDir,
            Function<String, SandboxImage> images, MigrationCounters counters, ScheduledExecutorService timer,
            ExecutorService workers, Function<Pod, CompletableFuture<Void>> outOfRotation, LongSupplier placeholderDelay,
            BooleanSupplier closed) {

        /** Where the volumes of PersistentVolumeClaims live: beside the Pods' directories, outliving them. */
        Path claimsDir() {
            return podsDir.resolveSibling("claims");
        }
    }

    private final Node node;
    private final Pod pod;
    private final String namespace;
    private final String name;
    private final Container container;
    private final FaultHooks faults;
    private final java.time.Duration pullDelay;
    private final PodStatusReport status;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private ContainerProcess process;
    private ServingContainer serving;
    private volatile String killReason;
    private volatile boolean stopped;

    PodRun(Node node, Pod pod, Fault fault, java.time.Duration pullDelay) {
        this.node = node;
        this.pullDelay = pullDelay;
        this.pod = pod;
        this.namespace = pod.getMetadata().getNamespace();
        this.name = pod.getMetadata().getName();
        this.container = pod.getSpec().getContainers().get(0);
        this.faults = new FaultHooks(fault);
        this.status = new PodStatusReport(pod, update -> {
            if (node.closed().getAsBoolean()) {
                return true;
            }
            boolean present = node.status().put(update);
            if (!present) {
                stopped = true;
            }
            return present;
        });
    }

    /** Takes the Pod through its life on the calling thread; returns when its container ended or the Pod stopped. */
    void live() {
        try {
            if (!faults.schedule(status) || !faults.pull(status, container.getImage())) {
                return;
            }
            // a slow pull: the container waits in ContainerCreating, and a Pod stopped meanwhile never starts it
            long pulled = System.nanoTime() + pullDelay.toNanos();
            while (System.nanoTime() < pulled && !halted()) {
                pause(Math.min(50, Math.max(1, (pulled - System.nanoTime()) / 1_000_000)));
            }
            if (halted()) {
                return;
            }
            SandboxImage image = node.images().apply(container.getImage());
            if (PodAdmission.isReplicaSetPod(pod) && ContainerProcess.Launch.runnable(container, image)) {
                runServing(image);
            } else if (PodAdmission.isReplicaSetPod(pod)) {
                if (PodAdmission.awaitContainerConfig(pod, container, image, null, status, this::halted) != null) {
                    faults.simulate(status, this::halted, node.placeholderDelay().getAsLong());
                }
            } else {
                runProcess(image);
            }
        } catch (RuntimeException e) {
            if (!halted()) {
                LOG.log(Level.WARNING, "sandbox kubelet failed on Pod " + namespace + "/" + name, e);
            }
        }
    }

    private boolean halted() {
        return stopped || node.closed().getAsBoolean();
    }

    private void runProcess(SandboxImage image) {
        NamespaceData data = NamespaceData.of(node.client(), namespace);
        Map<String, String> env = PodAdmission.awaitContainerConfig(pod, container, image, data, status, this::halted);
        if (env == null) {
            return;
        }
        Path podDir = node.podsDir().resolve(namespace).resolve(name + "-" + pod.getMetadata().getUid());
        Map<String, Path> mounts = PodVolumes.materialize(pod, container, podDir, node.claimsDir(), data);
        ContainerProcess running;
        Runnable ended;
        synchronized (this) {
            if (stopped) {
                return;
            }
            try {
                process = ContainerProcess.start(ContainerProcess.Launch.of(container, image, env, mounts, podDir,
                        System.getenv()), container.getName());
            } catch (ContainerProcess.StartError e) {
                // as a runtime's container that never started: an empty log, and the reason in its status
                node.logs().open(namespace, name);
                node.logs().end(namespace, name);
                status.terminated(128, "StartError", e.getMessage());
                status.publish();
                return;
            }
            running = process;
            node.logs().open(namespace, name);
            ended = node.counters().started(pod, container.getImage());
            status.running(true);
            status.publish();
        }
        faults.started(node.timer(), this::kill);
        running.drain(line -> node.logs().append(namespace, name, line));
        int exitCode;
        try {
            exitCode = running.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(DELETED);
            running.awaitExitUninterruptibly();
            return;
        } finally {
            ended.run();
            exited.complete(null);
            node.logs().end(namespace, name);
        }
        String why = killReason;
        if (DELETED.equals(why)) {
            return;
        }
        if (FaultHooks.OOM_KILLED.equals(why)) {
            status.terminated(137, "OOMKilled", null);
        } else if (FaultHooks.EVICTED.equals(why)) {
            FaultHooks.evicted(status);
        } else if (why != null) {
            status.terminated(137, "Error", null);
        } else {
            status.terminated(exitCode, exitCode == 0 ? "Completed" : "Error", null);
        }
        status.publish();
    }

    /**
     * Runs a Deployment Pod's container for as long as the Pod lives: its ports mapped and written on the Pod before
     * it gets its IP, its environment with {@code HOSTNAME} and the ports' variables ({@link PodPorts#environment()},
     * which win over the container's own), restarted whenever it ends.
     */
    private void runServing(SandboxImage image) {
        NamespaceData data = NamespaceData.of(node.client(), namespace);
        PodPorts ports = PodPorts.allocate(container);
        try {
            Map<String, String> preset = new LinkedHashMap<>();
            preset.put("HOSTNAME", name);
            preset.putAll(ports.environment());
            Map<String, String> resolved = PodAdmission.awaitContainerConfig(pod, container, image, data, preset, status,
                    this::halted);
            if (resolved == null || !annotate(ports)) {
                return;
            }
            Map<String, String> env = new LinkedHashMap<>(resolved);
            env.putAll(ports.environment());
            Path podDir = node.podsDir().resolve(namespace).resolve(name + "-" + pod.getMetadata().getUid());
            Map<String, Path> mounts = PodVolumes.materialize(pod, container, podDir, node.claimsDir(), data);
            ServingContainer container;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                try {
                    container = new ServingContainer(node, pod, this.container, ContainerProcess.Launch.of(this.container,
                            image, env, mounts, podDir, System.getenv()), ports, status, faults, node.workers());
                } catch (ContainerProcess.StartError e) {
                    status.waiting("RunContainerError", e.getMessage());
                    status.publish();
                    return;
                }
                serving = container;
            }
            container.run();
        } finally {
            ports.release();
        }
    }

    /** Writes the Pod's port mapping on it; false when the Pod is gone. */
    private boolean annotate(PodPorts ports) {
        if (ports.hostPorts().isEmpty()) {
            return true;
        }
        try {
            return node.client().pods().inNamespace(namespace).withName(name).edit(p -> {
                Map<String, String> annotations = new LinkedHashMap<>();
                if (p.getMetadata().getAnnotations() != null) {
                    annotations.putAll(p.getMetadata().getAnnotations());
                }
                annotations.put(PodPorts.ANNOTATION, ports.annotation());
                p.getMetadata().setAnnotations(annotations);
                return p;
            }) != null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Stops the deleted Pod as the kubelet does, within its grace period ({@code metadata.deletionGracePeriodSeconds},
     * else {@code spec.terminationGracePeriodSeconds}, else 30 s): a Deployment Pod is first taken out of every
     * Service's rotation ({@code outOfRotation}); its container, if it runs one, then gets SIGTERM, and SIGKILL once the
     * grace period is over. A Job's or bare Pod's process is killed at once, as before.
     */
    void terminate(Pod deleted, CompletableFuture<Void> outOfRotation) {
        long graceMillis = 1000L * graceSeconds(deleted);
        if (!PodAdmission.isReplicaSetPod(pod)) {
            stopAndWait();
            return;
        }
        ServingContainer container;
        synchronized (this) {
            stopped = true;
            container = serving;
        }
        if (container != null) {
            container.terminate(graceMillis, outOfRotation);
        } else {
            try {
                outOfRotation.get(graceMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.log(Level.FINE, "a deleted placeholder Pod was not out of rotation within its grace period", e);
            }
        }
        status.silence();
    }

    static long graceSeconds(Pod pod) {
        Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds() != null
                ? pod.getMetadata().getDeletionGracePeriodSeconds() : pod.getSpec().getTerminationGracePeriodSeconds();
        return seconds == null ? 30 : Math.max(0, seconds);
    }

    /** Ends the Pod the way the kubelet does for an active deadline: process killed, phase Failed. */
    void fail(String podReason, String podMessage) {
        status.podReason(podReason, podMessage);
        synchronized (this) {
            if (process == null) {
                stopped = true;
                status.failedWithoutContainer();
                status.publish();
                return;
            }
        }
        kill(podReason);
    }

    private void kill(String why) {
        ContainerProcess p;
        ServingContainer s;
        synchronized (this) {
            if (killReason == null) {
                killReason = why;
            }
            if (DELETED.equals(killReason)) {
                status.silence();
            }
            p = process;
            s = serving;
        }
        if (p != null) {
            p.kill();
        }
        if (s != null) {
            s.kill();
        }
    }

    /** Stops the Pod: no stage after the current one runs, and its process is killed with {@code why}. */
    void stop(String why) {
        stopped = true;
        kill(why);
    }

    /** Stops the deleted Pod and waits (briefly) until its process has exited. */
    void stopAndWait() {
        stop(DELETED);
        ContainerProcess p;
        synchronized (this) {
            p = process;
        }
        if (p != null) {
            try {
                exited.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(Level.FINE, "a deleted Pod's process did not exit in time", e);
            }
        }
    }

    /** Sleeps without giving up the thread's interrupt. */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
