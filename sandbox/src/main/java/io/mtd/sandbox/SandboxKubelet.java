package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox's only node: takes every Pod through Kubernetes' documented lifecycle (scheduling, image pull, container
 * config, running, termination) and runs each Pod's first container as a local process.
 *
 * <p>Each Pod is a {@link PodRun}; what the node checks before it runs a container is {@link PodAdmission}, the
 * container's environment {@link ContainerEnvironment}, its volumes {@link PodVolumes}, the process
 * {@link ContainerProcess}, the status it reports {@link PodStatusReport} and what an injected {@link Fault} does
 * {@link FaultHooks}. A Deployment Pod's container runs for as long as the Pod lives ({@link ServingContainer}): on
 * loopback ports of its own ({@link PodPorts}: {@code PORT} in its environment, the mapping in the Pod's
 * {@value PodPorts#ANNOTATION} annotation), probed ({@link ContainerProbes}), restarted whenever it ends, and stopped
 * gracefully when the Pod is deleted: out of every Service's rotation first, then SIGTERM, then SIGKILL after
 * {@code terminationGracePeriodSeconds}. One with nothing to run (no command, and an image not registered or without
 * entrypoint) is a placeholder that becomes Running and Ready after a short delay, unless a {@link Fault} says
 * otherwise.
 */
public final class SandboxKubelet implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SandboxKubelet.class.getName());
    /** Keeps a deleted Job or Deployment Pod in the API until this node has stopped it (see {@link #terminate}). */
    static final String PROCESS_FINALIZER = "sandbox.mtd.io/process";

    private final KubernetesClient client;
    private final Map<String, SandboxImage> images = new ConcurrentHashMap<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, java.time.Duration> pullDelays = new ConcurrentHashMap<>();
    private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
    /** The uids of deleted Pods this node is stopping: every later update of such a Pod is left alone. */
    private final java.util.Set<String> terminating = ConcurrentHashMap.newKeySet();
    private final MigrationCounters counters = new MigrationCounters();
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("sandbox-kubelet"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("sandbox-kubelet-timer"));
    private final PodRun.Node node;
    private SharedIndexInformer<Pod> informer;
    private volatile Function<Pod, CompletableFuture<Void>> rotation = pod -> CompletableFuture.completedFuture(null);
    private volatile LongSupplier placeholderDelay = () -> FaultHooks.READY_DELAY_MS;
    private volatile boolean closed;

    SandboxKubelet(KubernetesClient client, PodLogs logs, Path podsDir) {
        this.client = client;
        this.node = new PodRun.Node(client, new StatusWriter(client), logs, podsDir, this::image, counters, timer,
                workers, pod -> rotation.apply(pod), () -> placeholderDelay.getAsLong(), () -> closed);
    }

    /** How long each placeholder Pod takes to become Running (tests vary it, seeded, to shuffle rollouts' timing). */
    void placeholderDelay(LongSupplier millis) {
        this.placeholderDelay = millis;
    }

    /**
     * What tells this node that a deleted Pod no longer gets new connections from any Service (the endpoint slices
     * and the Service proxies); until it is set, every Pod is out of rotation at once.
     */
    void outOfRotation(Function<Pod, CompletableFuture<Void>> rotation) {
        this.rotation = rotation;
    }

    void start() {
        informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod pod) {
                admit(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                if (pod.getMetadata().getDeletionTimestamp() != null) {
                    terminate(pod);
                    return;
                }
                admit(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                terminating.remove(pod.getMetadata().getUid());
                PodRun run = runs.remove(pod.getMetadata().getUid());
                if (run != null) {
                    run.stop(PodRun.DELETED);
                }
            }
        }, 0);
    }

    /**
     * Makes {@code image} known under {@code name}: a repository (the image reference without tag and digest), which
     * stands for each of its tags and digests, or a repository with a tag ({@code registry.example.com/shop:1.3}), which
     * stands for that tag only and comes before its repository's registration, so that two versions of an app run from
     * two directories. An image that names no user but has a working directory takes its user from that directory's
     * {@value SandboxImage#CONFIG_FILE}.
     *
     * @throws IllegalArgumentException when that file is not a valid image config
     */
    public void registerImage(String name, SandboxImage image) {
        SandboxImage known = image.user() == null && image.workingDir() != null
                ? image.withUser(SandboxImage.configuredUser(image.workingDir())) : image;
        images.put(name, known);
    }

    /**
     * What this node knows of the image {@code reference}: its tag's registration, else its repository's (any tag or
     * digest), or null when neither is registered.
     */
    public SandboxImage image(String reference) {
        int at = reference.indexOf('@');
        SandboxImage tagged = images.get(at < 0 ? reference : reference.substring(0, at));
        return tagged != null ? tagged : images.get(repositoryOf(reference));
    }

    /** Makes every new Pod whose image has {@code repository} (without tag and digest) suffer {@code fault}. */
    public void injectFault(String repository, Fault fault) {
        faults.put(repository, fault);
    }

    /** Removes the fault injected for {@code repository}; Pods that already have it keep it. */
    public void clearFault(String repository) {
        faults.remove(repository);
    }

    /**
     * Makes pulling every new Pod's image of {@code repository} take {@code delay} (a large image, a slow registry): its
     * container waits in ContainerCreating meanwhile, then starts. {@link Duration#ZERO} removes it.
     */
    public void pullDelay(String repository, java.time.Duration delay) {
        if (delay.isZero()) {
            pullDelays.remove(repository);
        } else {
            pullDelays.put(repository, delay);
        }
    }

    /** Removes every injected fault; Pods that already have one keep it. */
    public void clearFaults() {
        faults.clear();
    }

    /** The repository part of an image reference: without {@code @digest} and without {@code :tag}. */
    public static String repositoryOf(String image) {
        String ref = image;
        int at = ref.indexOf('@');
        if (at >= 0) {
            ref = ref.substring(0, at);
        }
        int colon = ref.lastIndexOf(':');
        if (colon > ref.lastIndexOf('/')) {
            ref = ref.substring(0, colon);
        }
        return ref;
    }

    /**
     * The most migration containers of {@code app} in {@code environment} (from the engine's labels on the Job's Pods)
     * that ever ran at the same time on this node: the number "migrations never run twice at once" keeps at 1.
     */
    public int maxConcurrentMigrations(String app, String environment) {
        return counters.max(app, environment);
    }

    /** How many migration containers of {@code app} in {@code environment} run right now. */
    public int runningMigrations(String app, String environment) {
        return counters.running(app, environment);
    }

    /**
     * The most migration containers (of any app) that ever ran at the same time in {@code namespace}: the number "never
     * twice at once on one database" keeps at 1 where every app of the namespace migrates one database.
     */
    public int maxConcurrentMigrationsIn(String namespace) {
        return counters.maxIn(namespace);
    }

    /** How many migration containers (of any app) run in {@code namespace} right now. */
    public int runningMigrationsIn(String namespace) {
        return counters.runningIn(namespace);
    }

    /** When each migration container in {@code namespace} started and ended: see {@link #migrationHistory}. */
    public List<String> migrationHistoryIn(String namespace) {
        return counters.historyIn(namespace);
    }

    /** Every start of a migration container on this node, in order, with its {@link System#nanoTime()}. */
    public List<ContainerStart> migrationStarts() {
        return counters.log();
    }

    /** One start of a migration container: its Pod, Job and image, and when ({@link System#nanoTime()}). */
    public record ContainerStart(String namespace, String pod, String job, String image, long nanos) {}

    /** How many times a migration container's process was started from {@code image} (exactly as the Pod names it). */
    public int migrationStarts(String image) {
        return counters.starts(image);
    }

    /**
     * When each migration container of {@code app} in {@code environment} started ({@code +pod}) and ended
     * ({@code -pod}), in milliseconds since the first: what to look at when {@link #maxConcurrentMigrations} is not 1.
     */
    public List<String> migrationHistory(String app, String environment) {
        return counters.history(app, environment);
    }

    /** The Pods' current status as this node reports it, for controllers in the same process. */
    SharedIndexInformer<Pod> informer() {
        return informer;
    }

    /** Kills the Pod's process and marks it Failed, as the kubelet does when a Pod's active deadline passes. */
    void failPod(String uid, String reason, String message) {
        PodRun run = runs.get(uid);
        if (run != null) {
            run.fail(reason, message);
        }
    }

    private void admit(Pod pod) {
        if (closed || !PodAdmission.admits(pod)) {
            return;
        }
        String uid = pod.getMetadata().getUid();
        if (runs.containsKey(uid)) {
            return;
        }
        String repository = repositoryOf(pod.getSpec().getContainers().get(0).getImage());
        PodRun run = new PodRun(node, pod, faults.get(repository), pullDelays.getOrDefault(repository, java.time.Duration.ZERO));
        if (runs.putIfAbsent(uid, run) == null) {
            workers.submit(run::live);
        }
    }

    /**
     * Graceful deletion: Job and Deployment Pods carry the {@link #PROCESS_FINALIZER}, so that deleting one only marks
     * it (its deletionTimestamp set); the Pod leaves the API once it is stopped ({@link PodRun#terminate}), as a real
     * Pod stays Terminating until its containers stopped.
     */
    private void terminate(Pod pod) {
        List<String> finalizers = pod.getMetadata().getFinalizers();
        if (closed || finalizers == null || !finalizers.contains(PROCESS_FINALIZER)) {
            return;
        }
        if (!terminating.add(pod.getMetadata().getUid())) {
            return;
        }
        PodRun run = runs.remove(pod.getMetadata().getUid());
        workers.submit(() -> {
            if (run != null) {
                run.terminate(pod, node.outOfRotation().apply(pod));
            }
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .edit(p -> {
                            if (p.getMetadata().getFinalizers() != null) {
                                p.getMetadata().setFinalizers(new ArrayList<>(p.getMetadata().getFinalizers().stream()
                                        .filter(f -> !PROCESS_FINALIZER.equals(f)).toList()));
                            }
                            return p;
                        });
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "could not remove the process finalizer of a deleted Pod", e);
            }
        });
    }

    /** Kills every container process at once; used when the JVM exits without closing the sandbox. */
    void killAll() {
        runs.values().forEach(r -> r.stop(PodRun.DELETED));
    }

    @Override
    public void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        runs.values().forEach(r -> r.stop(PodRun.DELETED));
        runs.clear();
        timer.shutdownNow();
        workers.shutdownNow();
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
