package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's only node: takes every Pod through Kubernetes' documented lifecycle (scheduling, image pull, container
 * config, running, termination) and runs each Job Pod's first container as a local process.
 *
 * <p>Process rules. The command is the container's {@code command} plus {@code args}; when {@code command} is empty it
 * is the registered image's entrypoint plus {@code args}. {@code $(VAR)} references to the container's environment are
 * expanded as Kubernetes does. The working directory is the container's {@code workingDir}, else the registered image's,
 * else a fresh per-Pod directory. The environment is the host's {@code PATH}, {@code HOME} and {@code JAVA_HOME}, then
 * the image's env, then the Pod's {@code envFrom} and {@code env} (resolved from Secrets and ConfigMaps).
 *
 * <p>Volume rule. {@code configMap}, {@code secret} and {@code emptyDir} volumes are materialized in a per-Pod host
 * directory. Because the process shares the host's file system, any command or argument, env value or working
 * directory that starts with a volume's {@code mountPath} is rewritten to start with that volume's host directory
 * instead (longest mount path first). The mount path is also rewritten inside a value where it follows a space,
 * {@code =}, {@code :} or a quote, so that shell scripts ({@code sh -c "cat /sql/V1.sql"}) and options such as
 * {@code -locations=filesystem:/sql} reach the volume too.
 *
 * <p>Pods owned by a ReplicaSet (Deployment Pods) run no process: they become Running and Ready after a short delay,
 * unless a {@link Fault} says otherwise (OOM_KILLED crash-loops with OOMKilled as the last termination, EVICTED fails
 * the Pod, which the ReplicaSet then replaces).
 */
public final class SandboxKubelet implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SandboxKubelet.class.getName());
    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final long FAULT_DELAY_MS = 150;
    private static final long READY_DELAY_MS = 150;
    private static final long CRASH_LOOP_PERIOD_MS = 200;
    private static final long CONFIG_RETRY_MS = 300;
    /** Keeps a deleted Job Pod in the API until this node has stopped its process (see {@link #terminate}). */
    static final String PROCESS_FINALIZER = "sandbox.mtd.io/process";

    private final KubernetesClient client;
    private final StatusWriter status;
    private final PodLogs logs;
    private final Path podsDir;
    private final Map<String, SandboxImage> images = new ConcurrentHashMap<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
    private final Map<String, Occupancy> migrations = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> migrationStarts = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("sandbox-kubelet"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("sandbox-kubelet-timer"));
    private SharedIndexInformer<Pod> informer;
    private volatile boolean closed;

    SandboxKubelet(KubernetesClient client, PodLogs logs, Path podsDir) {
        this.client = client;
        this.status = new StatusWriter(client);
        this.logs = logs;
        this.podsDir = podsDir;
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
                PodRun run = runs.remove(pod.getMetadata().getUid());
                if (run != null) {
                    run.stop("Deleted");
                }
            }
        }, 0);
    }

    /** Makes {@code image} known under {@code repository} (the image reference without tag and digest). */
    public void registerImage(String repository, SandboxImage image) {
        images.put(repository, image);
    }

    /** Makes every new Pod whose image has {@code repository} (without tag and digest) suffer {@code fault}. */
    public void injectFault(String repository, Fault fault) {
        faults.put(repository, fault);
    }

    /** Removes the fault injected for {@code repository}; Pods that already have it keep it. */
    public void clearFault(String repository) {
        faults.remove(repository);
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
        Occupancy o = migrations.get(app + "/" + environment);
        return o == null ? 0 : o.max;
    }

    /** How many migration containers of {@code app} in {@code environment} run right now. */
    public int runningMigrations(String app, String environment) {
        Occupancy o = migrations.get(app + "/" + environment);
        return o == null ? 0 : o.running;
    }

    /** How many times a migration container's process was started from {@code image} (exactly as the Pod names it). */
    public int migrationStarts(String image) {
        var n = migrationStarts.get(image);
        return n == null ? 0 : n.get();
    }

    /**
     * When each migration container of {@code app} in {@code environment} started ({@code +pod}) and ended
     * ({@code -pod}), in milliseconds since the first: what to look at when {@link #maxConcurrentMigrations} is not 1.
     */
    public List<String> migrationHistory(String app, String environment) {
        Occupancy o = migrations.get(app + "/" + environment);
        return o == null ? List.of() : o.history();
    }

    /** Running and peak migration containers of one app and environment. */
    private static final class Occupancy {
        private final long since = System.nanoTime();
        private final List<String> history = new ArrayList<>();
        private int running;
        private int max;

        synchronized void started(String pod) {
            running++;
            max = Math.max(max, running);
            history.add((System.nanoTime() - since) / 1_000_000 + "ms +" + pod + " (" + running + " running)");
        }

        synchronized void ended(String pod) {
            running--;
            history.add((System.nanoTime() - since) / 1_000_000 + "ms -" + pod);
        }

        synchronized List<String> history() {
            return List.copyOf(history);
        }
    }

    /** The app/environment key of a migration Pod (labelled by the engine), or null for any other Pod. */
    private static String migrationKey(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null || !"migration".equals(labels.get("app.kubernetes.io/component"))
                || !"migrate-then-deploy".equals(labels.get("app.kubernetes.io/managed-by"))) {
            return null;
        }
        return labels.get("app.kubernetes.io/name") + "/" + labels.get("migrate-then-deploy.io/environment");
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
        if (closed || pod.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return;
        }
        String uid = pod.getMetadata().getUid();
        if (runs.containsKey(uid)) {
            return;
        }
        Container container = pod.getSpec().getContainers().get(0);
        PodRun run = new PodRun(pod, faults.get(repositoryOf(container.getImage())));
        if (runs.putIfAbsent(uid, run) == null) {
            workers.submit(run::live);
        }
    }

    /**
     * Graceful deletion: a Job Pod carries the {@link #PROCESS_FINALIZER}, so that deleting it only marks it; the Pod
     * leaves the API once its process is dead, as a real Pod stays Terminating until its containers stopped.
     */
    private void terminate(Pod pod) {
        List<String> finalizers = pod.getMetadata().getFinalizers();
        if (closed || finalizers == null || !finalizers.contains(PROCESS_FINALIZER)) {
            return;
        }
        PodRun run = runs.remove(pod.getMetadata().getUid());
        workers.submit(() -> {
            if (run != null) {
                run.stopAndWait();
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
        runs.values().forEach(r -> r.stop("Deleted"));
    }

    @Override
    public void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        runs.values().forEach(r -> r.stop("Deleted"));
        runs.clear();
        timer.shutdownNow();
        workers.shutdownNow();
    }

    /** Why a container cannot be created; its message is the kubelet's. */
    private static final class ContainerConfigError extends Exception {
        ContainerConfigError(String message) {
            super(message);
        }
    }

    /** One Pod on this node: its status as the kubelet reports it, and its process. */
    private final class PodRun {
        private final Pod pod;
        private final String namespace;
        private final String name;
        private final Fault fault;
        private final Container container;
        private final String startTime = now();
        private final List<PodCondition> conditions = new ArrayList<>();
        private String phase = "Pending";
        private String reason;
        private String message;
        private ContainerStatus containerStatus;
        private Process process;
        private Occupancy occupancy;
        private final java.util.concurrent.CompletableFuture<Void> exited = new java.util.concurrent.CompletableFuture<>();
        private volatile String killReason;
        private volatile boolean stopped;
        private boolean terminal;

        PodRun(Pod pod, Fault fault) {
            this.pod = pod;
            this.namespace = pod.getMetadata().getNamespace();
            this.name = pod.getMetadata().getName();
            this.fault = fault;
            this.container = pod.getSpec().getContainers().get(0);
        }

        void live() {
            try {
                if (!schedule() || !pull()) {
                    return;
                }
                if (isReplicaSetPod()) {
                    simulate();
                } else {
                    runProcess();
                }
            } catch (RuntimeException e) {
                if (!stopped && !closed) {
                    LOG.log(Level.WARNING, "sandbox kubelet failed on Pod " + namespace + "/" + name, e);
                }
            }
        }

        private boolean schedule() {
            if (fault == Fault.UNSCHEDULABLE) {
                condition("PodScheduled", "False", "Unschedulable", "0/1 nodes are available: 1 Insufficient memory.");
                publish();
                return false;
            }
            condition("PodScheduled", "True", null, null);
            waiting("ContainerCreating", null);
            publish();
            return true;
        }

        private boolean pull() {
            if (fault != Fault.IMAGE_PULL_BACKOFF) {
                return true;
            }
            String image = container.getImage();
            waiting("ErrImagePull", "failed to pull and unpack image \"" + image + "\": failed to resolve reference \""
                    + image + "\": not found");
            publish();
            sleep(FAULT_DELAY_MS);
            waiting("ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
            publish();
            return false;
        }

        private boolean isReplicaSetPod() {
            List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
            return owners != null && owners.stream().anyMatch(o -> "ReplicaSet".equals(o.getKind()));
        }

        /** Deployment Pods: no process, only the state a readiness probe and restarts would give. */
        private void simulate() {
            sleep(READY_DELAY_MS);
            if (stopped) {
                return;
            }
            if (fault == Fault.EVICTED) {
                reason = "Evicted";
                message = "The node was low on resource: memory.";
                terminated(137, "Error", null);
                return;
            }
            if (fault == Fault.CRASH_LOOP || fault == Fault.OOM_KILLED) {
                boolean oom = fault == Fault.OOM_KILLED;
                int restarts = 0;
                phase = "Running";
                while (!stopped && !closed) {
                    containerStatus = new ContainerStatusBuilder(base(false)).withRestartCount(restarts)
                            .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                                    .withMessage("back-off " + (10 << Math.min(restarts, 5)) + "s restarting failed container="
                                            + container.getName() + " pod=" + name + "_" + namespace + "(" + pod.getMetadata().getUid() + ")")
                                    .endWaiting().build())
                            .withLastState(new ContainerStateBuilder().withNewTerminated().withExitCode(oom ? 137 : 1)
                                    .withReason(oom ? "OOMKilled" : "Error")
                                    .withStartedAt(now()).withFinishedAt(now()).endTerminated().build())
                            .build();
                    readiness(false, "ContainersNotReady", "containers with unready status: [" + container.getName() + "]");
                    publish();
                    restarts++;
                    sleep(CRASH_LOOP_PERIOD_MS);
                }
                return;
            }
            boolean ready = fault != Fault.NEVER_READY;
            phase = "Running";
            containerStatus = new ContainerStatusBuilder(base(ready)).withStarted(true)
                    .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(now()).endRunning().build()).build();
            readiness(ready, ready ? null : "ContainersNotReady",
                    ready ? null : "containers with unready status: [" + container.getName() + "]");
            publish();
        }

        private void runProcess() {
            Map<String, String> resolved = null;
            String lastError = null;
            // Like the kubelet, keep retrying: the Pod starts once the missing Secret or ConfigMap (or key) appears.
            while (resolved == null) {
                try {
                    resolved = podEnv();
                } catch (ContainerConfigError e) {
                    if (!e.getMessage().equals(lastError)) {
                        lastError = e.getMessage();
                        waiting("CreateContainerConfigError", e.getMessage());
                        publish();
                    }
                    sleep(CONFIG_RETRY_MS);
                    if (stopped || closed) {
                        return;
                    }
                }
            }
            Map<String, String> env = resolved;
            Path podDir = podsDir.resolve(namespace).resolve(name + "-" + pod.getMetadata().getUid());
            Map<String, Path> mounts = materializeVolumes(podDir);
            SandboxImage image = images.get(repositoryOf(container.getImage()));
            List<String> command = new ArrayList<>();
            if (container.getCommand() != null && !container.getCommand().isEmpty()) {
                command.addAll(container.getCommand());
            } else if (image != null) {
                command.addAll(image.entrypoint());
            }
            if (container.getArgs() != null) {
                command.addAll(container.getArgs());
            }
            if (command.isEmpty()) {
                terminated(128, "StartError", "the container has no command and image \"" + container.getImage()
                        + "\" is not registered with the sandbox kubelet (SandboxKubelet.registerImage) to give its entrypoint");
                return;
            }
            Map<String, String> processEnv = new LinkedHashMap<>();
            for (String host : List.of("PATH", "HOME", "JAVA_HOME")) {
                if (System.getenv(host) != null) {
                    processEnv.put(host, System.getenv(host));
                }
            }
            if (image != null) {
                processEnv.putAll(image.env());
            }
            env.forEach((k, v) -> processEnv.put(k, rewrite(v, mounts)));
            List<String> argv = new ArrayList<>();
            command.forEach(c -> argv.add(rewrite(expand(c, env), mounts)));
            // as in a container, the command is looked up on the container's PATH (an image may put its own first);
            // ProcessBuilder alone would search this JVM's PATH
            if (!argv.get(0).contains("/") && processEnv.get("PATH") != null && !processEnv.get("PATH").equals(System.getenv("PATH"))) {
                for (String dir : processEnv.get("PATH").split(java.io.File.pathSeparator)) {
                    if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, argv.get(0)))) {
                        argv.set(0, Path.of(dir, argv.get(0)).toString());
                        break;
                    }
                }
            }
            Path workingDir;
            if (container.getWorkingDir() != null && !container.getWorkingDir().isEmpty()) {
                workingDir = Path.of(rewrite(container.getWorkingDir(), mounts));
            } else if (image != null && image.workingDir() != null) {
                workingDir = image.workingDir();
            } else {
                workingDir = podDir.resolve("work");
            }
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(processEnv);
            synchronized (this) {
                if (stopped) {
                    return;
                }
                try {
                    Files.createDirectories(workingDir);
                    builder.directory(workingDir.toFile());
                    logs.open(namespace, name);
                    process = builder.start();
                } catch (IOException e) {
                    terminated(128, "StartError", "failed to start container \"" + container.getName() + "\": " + e.getMessage());
                    return;
                }
                occupancy = migrationKey(pod) == null ? null : migrations.computeIfAbsent(migrationKey(pod), k -> new Occupancy());
                if (occupancy != null) {
                    occupancy.started(name);
                    migrationStarts.computeIfAbsent(container.getImage(), k -> new java.util.concurrent.atomic.AtomicInteger())
                            .incrementAndGet();
                }
                phase = "Running";
                containerStatus = new ContainerStatusBuilder(base(true)).withStarted(true)
                        .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(now()).endRunning().build()).build();
                readiness(true, null, null);
                publish();
            }
            Process running = process;
            if (fault == Fault.OOM_KILLED) {
                timer.schedule(() -> kill("OOMKilled"), FAULT_DELAY_MS, TimeUnit.MILLISECONDS);
            } else if (fault == Fault.EVICTED) {
                timer.schedule(() -> kill("Evicted"), FAULT_DELAY_MS, TimeUnit.MILLISECONDS);
            }
            try (BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    logs.append(namespace, name, line);
                }
            } catch (IOException e) {
                // The process was killed while we read its output; its exit code tells the rest.
            }
            int exitCode;
            try {
                exitCode = running.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill("Deleted");
                running.onExit().join();
                return;
            } finally {
                if (occupancy != null) {
                    occupancy.ended(name);
                }
                exited.complete(null);
                logs.end(namespace, name);
            }
            String why = killReason;
            if ("Deleted".equals(why)) {
                return;
            }
            if ("OOMKilled".equals(why)) {
                terminated(137, "OOMKilled", null);
            } else if ("Evicted".equals(why)) {
                reason = "Evicted";
                message = "The node was low on resource: memory.";
                terminated(137, "Error", null);
            } else if (why != null) {
                terminated(137, "Error", null);
            } else {
                terminated(exitCode, exitCode == 0 ? "Completed" : "Error", null);
            }
        }

        private void terminated(int exitCode, String terminatedReason, String terminatedMessage) {
            String started = containerStatus != null && containerStatus.getState() != null
                    && containerStatus.getState().getRunning() != null ? containerStatus.getState().getRunning().getStartedAt() : now();
            phase = exitCode == 0 ? "Succeeded" : "Failed";
            containerStatus = new ContainerStatusBuilder(base(false)).withStarted(false)
                    .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(terminatedReason)
                            .withMessage(terminatedMessage).withStartedAt(started).withFinishedAt(now()).endTerminated().build())
                    .build();
            readiness(false, "PodCompleted", null);
            publish();
        }

        /** Ends the Pod the way the kubelet does for an active deadline: process killed, phase Failed. */
        void fail(String podReason, String podMessage) {
            reason = podReason;
            message = podMessage;
            synchronized (this) {
                if (process == null) {
                    stopped = true;
                    phase = "Failed";
                    readiness(false, "PodFailed", null);
                    publish();
                    return;
                }
            }
            kill(podReason);
        }

        private void kill(String why) {
            Process p;
            synchronized (this) {
                if (killReason == null) {
                    killReason = why;
                }
                p = process;
            }
            if (p != null && p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }

        void stop(String why) {
            stopped = true;
            kill(why);
        }

        /** Stops the Pod and waits (briefly) until its process has exited. */
        void stopAndWait() {
            stop("Deleted");
            Process p;
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

        private ContainerStatus base(boolean ready) {
            return new ContainerStatusBuilder().withName(container.getName()).withImage(container.getImage())
                    .withImageID(container.getImage()).withReady(ready).withRestartCount(0).build();
        }

        private void waiting(String waitingReason, String waitingMessage) {
            containerStatus = new ContainerStatusBuilder(base(false)).withStarted(false)
                    .withState(new ContainerStateBuilder().withNewWaiting().withReason(waitingReason).withMessage(waitingMessage)
                            .endWaiting().build())
                    .build();
            readiness(false, "ContainersNotReady", "containers with unready status: [" + container.getName() + "]");
        }

        private void readiness(boolean ready, String notReadyReason, String notReadyMessage) {
            condition("Initialized", "True", null, null);
            condition("ContainersReady", ready ? "True" : "False", ready ? null : notReadyReason, ready ? null : notReadyMessage);
            condition("Ready", ready ? "True" : "False", ready ? null : notReadyReason, ready ? null : notReadyMessage);
        }

        private void condition(String type, String value, String conditionReason, String conditionMessage) {
            for (int i = 0; i < conditions.size(); i++) {
                PodCondition existing = conditions.get(i);
                if (existing.getType().equals(type)) {
                    String since = value.equals(existing.getStatus()) ? existing.getLastTransitionTime() : now();
                    conditions.set(i, new PodConditionBuilder().withType(type).withStatus(value).withReason(conditionReason)
                            .withMessage(conditionMessage).withLastTransitionTime(since).build());
                    return;
                }
            }
            conditions.add(new PodConditionBuilder().withType(type).withStatus(value).withReason(conditionReason)
                    .withMessage(conditionMessage).withLastTransitionTime(now()).build());
        }

        private synchronized void publish() {
            // Succeeded and Failed are final: nothing written later (say by a config retry) may revive the Pod.
            if (closed || "Deleted".equals(killReason) || terminal) {
                return;
            }
            terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
            PodStatus podStatus = new PodStatusBuilder().withPhase(phase).withReason(reason).withMessage(message)
                    .withConditions(new ArrayList<>(conditions)).withHostIP("127.0.0.1").withStartTime(startTime)
                    .withQosClass("BestEffort")
                    .withContainerStatuses(containerStatus == null ? List.of() : List.of(containerStatus))
                    .build();
            if (!"Pending".equals(phase) || containerStatus != null && containerStatus.getState() != null
                    && containerStatus.getState().getRunning() != null) {
                podStatus.setPodIP("127.0.0.1");
            }
            Pod update = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withStatus(podStatus).build();
            update.setKind("Pod");
            update.setApiVersion("v1");
            if (!status.put(update)) {
                stopped = true;
            }
        }

        private Map<String, String> podEnv() throws ContainerConfigError {
            Map<String, String> env = new LinkedHashMap<>();
            if (container.getEnvFrom() != null) {
                for (EnvFromSource from : container.getEnvFrom()) {
                    String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                    if (from.getSecretRef() != null) {
                        Map<String, String> data = secretData(from.getSecretRef().getName(),
                                Boolean.TRUE.equals(from.getSecretRef().getOptional()));
                        data.forEach((k, v) -> env.put(prefix + k, v));
                    }
                    if (from.getConfigMapRef() != null) {
                        Map<String, String> data = configMapData(from.getConfigMapRef().getName(),
                                Boolean.TRUE.equals(from.getConfigMapRef().getOptional()));
                        data.forEach((k, v) -> env.put(prefix + k, v));
                    }
                }
            }
            if (container.getEnv() != null) {
                for (EnvVar var : container.getEnv()) {
                    if (var.getValueFrom() == null) {
                        env.put(var.getName(), var.getValue() == null ? "" : expand(var.getValue(), env));
                        continue;
                    }
                    var from = var.getValueFrom();
                    if (from.getSecretKeyRef() != null) {
                        var ref = from.getSecretKeyRef();
                        boolean optional = Boolean.TRUE.equals(ref.getOptional());
                        Map<String, String> data = secretData(ref.getName(), optional);
                        if (data.containsKey(ref.getKey())) {
                            env.put(var.getName(), data.get(ref.getKey()));
                        } else if (!optional) {
                            throw new ContainerConfigError("couldn't find key " + ref.getKey() + " in Secret " + namespace + "/"
                                    + ref.getName());
                        }
                    } else if (from.getConfigMapKeyRef() != null) {
                        var ref = from.getConfigMapKeyRef();
                        boolean optional = Boolean.TRUE.equals(ref.getOptional());
                        Map<String, String> data = configMapData(ref.getName(), optional);
                        if (data.containsKey(ref.getKey())) {
                            env.put(var.getName(), data.get(ref.getKey()));
                        } else if (!optional) {
                            throw new ContainerConfigError("couldn't find key " + ref.getKey() + " in ConfigMap " + namespace + "/"
                                    + ref.getName());
                        }
                    } else if (from.getFieldRef() != null) {
                        env.put(var.getName(), fieldValue(from.getFieldRef().getFieldPath()));
                    }
                }
            }
            return env;
        }

        private String fieldValue(String fieldPath) {
            switch (fieldPath) {
                case "metadata.name":
                    return name;
                case "metadata.namespace":
                    return namespace;
                case "metadata.uid":
                    return pod.getMetadata().getUid();
                case "status.podIP":
                case "status.hostIP":
                    return "127.0.0.1";
                case "spec.nodeName":
                    return "sandbox";
                default:
                    return "";
            }
        }

        private Map<String, String> secretData(String secretName, boolean optional) throws ContainerConfigError {
            Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
            if (secret == null) {
                if (optional) {
                    return Map.of();
                }
                throw new ContainerConfigError("secret \"" + secretName + "\" not found");
            }
            return decoded(secret);
        }

        private Map<String, String> configMapData(String configMapName, boolean optional) throws ContainerConfigError {
            ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(configMapName).get();
            if (configMap == null) {
                if (optional) {
                    return Map.of();
                }
                throw new ContainerConfigError("configmap \"" + configMapName + "\" not found");
            }
            return configMap.getData() == null ? Map.of() : configMap.getData();
        }

        private Map<String, Path> materializeVolumes(Path podDir) {
            Map<String, Path> hostDirs = new LinkedHashMap<>();
            try {
                if (pod.getSpec().getVolumes() != null) {
                    for (Volume volume : pod.getSpec().getVolumes()) {
                        Path dir = podDir.resolve("volumes").resolve(volume.getName());
                        Files.createDirectories(dir);
                        if (volume.getConfigMap() != null) {
                            ConfigMapVolumeSource source = volume.getConfigMap();
                            ConfigMap cm = client.configMaps().inNamespace(namespace).withName(source.getName()).get();
                            writeFiles(dir, cm == null || cm.getData() == null ? Map.of() : cm.getData(), source.getItems());
                        } else if (volume.getSecret() != null) {
                            SecretVolumeSource source = volume.getSecret();
                            Secret secret = client.secrets().inNamespace(namespace).withName(source.getSecretName()).get();
                            writeFiles(dir, secret == null ? Map.of() : decoded(secret), source.getItems());
                        }
                        hostDirs.put(volume.getName(), dir);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot materialize the volumes of Pod " + namespace + "/" + name, e);
            }
            Map<String, Path> mounts = new LinkedHashMap<>();
            if (container.getVolumeMounts() != null) {
                List<VolumeMount> sorted = new ArrayList<>(container.getVolumeMounts());
                sorted.sort(Comparator.comparingInt((VolumeMount m) -> m.getMountPath().length()).reversed());
                for (VolumeMount mount : sorted) {
                    Path dir = hostDirs.get(mount.getName());
                    if (dir != null) {
                        mounts.put(mount.getMountPath(), mount.getSubPath() == null || mount.getSubPath().isEmpty() ? dir
                                : dir.resolve(mount.getSubPath()));
                    }
                }
            }
            return mounts;
        }
    }

    private static void writeFiles(Path dir, Map<String, String> data, List<KeyToPath> items) throws IOException {
        if (items == null || items.isEmpty()) {
            for (Map.Entry<String, String> e : data.entrySet()) {
                Files.writeString(dir.resolve(e.getKey()), e.getValue());
            }
            return;
        }
        for (KeyToPath item : items) {
            if (data.containsKey(item.getKey())) {
                Path file = dir.resolve(item.getPath());
                Files.createDirectories(file.getParent());
                Files.writeString(file, data.get(item.getKey()));
            }
        }
    }

    /** The values a container gets: data only, since the sandbox's API server folds stringData into it on write. */
    private static Map<String, String> decoded(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        return data;
    }

    /**
     * Rewrites every mount path in a value to the volume's host directory: where the value starts with it, and where it
     * follows a space, {@code =}, {@code :} or a quote (so {@code sh -c "cat /sql/x"} and
     * {@code -locations=filesystem:/sql} work too), provided a {@code /}, a space, a quote, {@code ;} or the end follows.
     */
    static String rewrite(String value, Map<String, Path> mounts) {
        String result = value;
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            String mountPath = mount.getKey().endsWith("/") && mount.getKey().length() > 1
                    ? mount.getKey().substring(0, mount.getKey().length() - 1) : mount.getKey();
            Pattern at = Pattern.compile("(?<=^|[\\s=:'\"])" + Pattern.quote(mountPath) + "(?=$|[/\\s'\";:,])");
            result = at.matcher(result).replaceAll(Matcher.quoteReplacement(mount.getValue().toString()));
        }
        return result;
    }

    private static String expand(String value, Map<String, String> env) {
        Matcher m = VAR_REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = env.containsKey(m.group(1)) ? env.get(m.group(1)) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
