package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.mtd.plan.Durations;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Waits for one Deployment's rollout to complete, from informers on the Deployment, its ReplicaSets and its Pods.
 *
 * <p>No thread waits: informer events re-evaluate the state, and the informers relist after a dropped watch. The
 * wait fails fast when a Pod of the new ReplicaSet cannot start, when the controller reports
 * {@code ProgressDeadlineExceeded}, and when the timeout passes.
 */
public final class RolloutWaiter {

    static final Duration NOTE_INTERVAL = Duration.ofSeconds(3);
    private static final String POD_TEMPLATE_HASH = "pod-template-hash";

    private final KubernetesClient client;
    private final ScheduledExecutorService scheduler;
    private final Duration noteInterval;

    public RolloutWaiter(KubernetesClient client, ScheduledExecutorService scheduler) {
        this(client, scheduler, NOTE_INTERVAL);
    }

    RolloutWaiter(KubernetesClient client, ScheduledExecutorService scheduler, Duration noteInterval) {
        this.client = client;
        this.scheduler = scheduler;
        this.noteInterval = noteInterval;
    }

    /**
     * Completes with the Deployment once its rollout is complete, or exceptionally with a
     * {@link RolloutFailedException}; cancelling the returned future stops watching.
     *
     * @param deployment the Deployment as last read or written (its namespace, name and selector are used)
     * @param progress receives progress such as {@code shop-web: 2/3 updated, 1 available} when it changes, at most
     *     every few seconds
     */
    public CompletableFuture<Deployment> await(
            Deployment deployment, Duration timeout, int crashLoopThreshold, Consumer<String> progress) {
        Wait wait = new Wait(deployment, timeout, crashLoopThreshold, progress);
        // callers' continuations run on the scheduler, never on the informers' event thread
        CompletableFuture<Deployment> outcome = new CompletableFuture<>();
        wait.result.whenCompleteAsync((d, e) -> {
            if (e != null) {
                outcome.completeExceptionally(e);
            } else {
                outcome.complete(d);
            }
        }, scheduler);
        outcome.whenComplete((d, e) -> wait.result.cancel(false));
        wait.start();
        return outcome;
    }

    private final class Wait {
        private final String namespace;
        private final String name;
        private final Map<String, String> selector;
        private final Duration timeout;
        private final int crashLoopThreshold;
        private final Consumer<String> progress;
        final CompletableFuture<Deployment> result = new CompletableFuture<>();

        private SharedIndexInformer<Deployment> deployments;
        private SharedIndexInformer<ReplicaSet> replicaSets;
        private SharedIndexInformer<Pod> pods;
        private boolean synced;
        private ScheduledFuture<?> timer;
        private String lastNote;
        private long lastNoteAt;
        private String pendingNote;
        private ScheduledFuture<?> pendingNoteTimer;

        Wait(Deployment deployment, Duration timeout, int crashLoopThreshold, Consumer<String> progress) {
            this.namespace = deployment.getMetadata().getNamespace();
            this.name = deployment.getMetadata().getName();
            Map<String, String> labels = deployment.getSpec().getSelector() == null
                    ? null : deployment.getSpec().getSelector().getMatchLabels();
            this.selector = labels == null ? Map.of() : Map.copyOf(labels);
            this.timeout = timeout;
            this.crashLoopThreshold = crashLoopThreshold;
            this.progress = progress;
        }

        void start() {
            ResourceEventHandler<HasMetadata> onChange = new ResourceEventHandler<>() {
                @Override
                public void onAdd(HasMetadata obj) {
                    evaluate();
                }

                @Override
                public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
                    evaluate();
                }

                @Override
                public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
                    evaluate();
                }
            };
            try {
                deployments = client.apps().deployments().inNamespace(namespace).withName(name).runnableInformer(0);
                replicaSets = client.apps().replicaSets().inNamespace(namespace).withLabels(selector).runnableInformer(0);
                pods = client.pods().inNamespace(namespace).withLabels(selector).runnableInformer(0);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            result.whenCompleteAsync((d, e) -> stop(), scheduler);
            List<SharedIndexInformer<? extends HasMetadata>> informers = List.of(deployments, replicaSets, pods);
            CompletableFuture<?>[] started = new CompletableFuture<?>[informers.size()];
            for (int i = 0; i < informers.size(); i++) {
                SharedIndexInformer<? extends HasMetadata> informer = informers.get(i);
                informer.addEventHandler(onChange);
                String kind = informer.getApiTypeClass().getSimpleName();
                informer.stopped().whenComplete((v, e) -> {
                    if (e != null) {
                        fail(new RolloutFailedException("watching the " + kind + "s of Deployment " + name + " in namespace "
                                + namespace + " failed: " + e.getMessage()
                                + "; check that the credentials may list and watch " + kind + "s there"));
                    }
                });
                started[i] = informer.start().toCompletableFuture();
            }
            CompletableFuture.allOf(started).whenComplete((v, e) -> {
                if (e != null) {
                    fail(new RolloutFailedException("could not watch Deployment " + name + " in namespace " + namespace
                            + ": " + e.getMessage()));
                    return;
                }
                synchronized (this) {
                    synced = true;
                }
                evaluate();
            });
            timer = scheduler.schedule(this::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        synchronized void evaluate() {
            if (!synced || result.isDone()) {
                return;
            }
            Deployment d = deployments.getStore().getByKey(namespace + "/" + name);
            if (d == null) {
                fail(new RolloutFailedException("Deployment " + name + " was deleted from namespace " + namespace
                        + " while it was rolling out"));
                return;
            }
            Optional<String> deadline = RolloutStatus.progressDeadlineExceeded(d);
            if (deadline.isPresent()) {
                fail(new RolloutFailedException("Deployment " + name + " exceeded its progress deadline "
                        + "(spec.progressDeadlineSeconds): " + deadline.get() + "; " + describeHint()));
                return;
            }
            Optional<PodFailure> podFailure = newReplicaSet(d).flatMap(rs -> PodFailure.find(newPods(rs), namespace, crashLoopThreshold));
            if (podFailure.isPresent()) {
                fail(new RolloutFailedException("Deployment " + name + ": " + podFailure.get().describe()));
                return;
            }
            if (RolloutStatus.isComplete(d)) {
                String last = RolloutStatus.progress(d);
                if (!last.equals(lastNote)) {
                    progress.accept(last);
                }
                result.complete(d);
                return;
            }
            note(RolloutStatus.progress(d));
        }

        private Optional<ReplicaSet> newReplicaSet(Deployment d) {
            if (!RolloutStatus.observed(d)) {
                return Optional.empty();
            }
            Long revision = RolloutStatus.revision(d);
            String uid = d.getMetadata().getUid();
            List<ReplicaSet> owned = replicaSets.getStore().list().stream()
                    .filter(rs -> ownedBy(rs, uid))
                    .collect(Collectors.toList());
            if (revision != null) {
                Optional<ReplicaSet> byRevision = owned.stream().filter(rs -> revision.equals(RolloutStatus.revision(rs))).findFirst();
                if (byRevision.isPresent()) {
                    return byRevision;
                }
            }
            // without revisions, the new ReplicaSet is the one whose template is the Deployment's, as the controller finds it
            return owned.stream()
                    .filter(rs -> RolloutUndo.withoutTemplateHash(rs.getSpec().getTemplate()).equals(d.getSpec().getTemplate()))
                    .findFirst();
        }

        private List<Pod> newPods(ReplicaSet rs) {
            String hash = rs.getMetadata().getLabels() == null ? null : rs.getMetadata().getLabels().get(POD_TEMPLATE_HASH);
            return pods.getStore().list().stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                    .filter(p -> hash != null
                            ? p.getMetadata().getLabels() != null && hash.equals(p.getMetadata().getLabels().get(POD_TEMPLATE_HASH))
                            : ownedBy(p, rs.getMetadata().getUid()))
                    .collect(Collectors.toList());
        }

        private void timedOut() {
            synchronized (this) {
                if (result.isDone()) {
                    return;
                }
                Deployment d = deployments.getStore().getByKey(namespace + "/" + name);
                String state = d == null ? "" : " (" + RolloutStatus.progress(d) + ")";
                fail(new RolloutFailedException(StageOutcome.TIMED_OUT, "Deployment " + name + " did not finish rolling out within "
                        + Durations.format(timeout) + state + "; " + describeHint()
                        + ", or raise rollout.timeout in the plan if it needs longer"));
            }
        }

        private String describeHint() {
            String labels = selector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted()
                    .collect(Collectors.joining(","));
            return "check the new Pods' readiness probes and events: kubectl describe pods -n " + namespace
                    + (labels.isEmpty() ? "" : " -l " + labels);
        }

        private synchronized void note(String text) {
            if (text.equals(lastNote) && pendingNote == null) {
                return;
            }
            long now = System.nanoTime();
            long wait = lastNote == null ? 0 : noteInterval.toNanos() - (now - lastNoteAt);
            if (wait <= 0) {
                emit(text, now);
                return;
            }
            pendingNote = text;
            if (pendingNoteTimer == null) {
                pendingNoteTimer = scheduler.schedule(this::emitPending, wait, TimeUnit.NANOSECONDS);
            }
        }

        private synchronized void emitPending() {
            pendingNoteTimer = null;
            String text = pendingNote;
            pendingNote = null;
            if (text != null && !result.isDone() && !text.equals(lastNote)) {
                emit(text, System.nanoTime());
            }
        }

        private void emit(String text, long now) {
            lastNote = text;
            lastNoteAt = now;
            pendingNote = null;
            progress.accept(text);
        }

        private void fail(RolloutFailedException e) {
            result.completeExceptionally(e);
        }

        private void stop() {
            synchronized (this) {
                if (timer != null) {
                    timer.cancel(false);
                }
                if (pendingNoteTimer != null) {
                    pendingNoteTimer.cancel(false);
                }
            }
            for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {deployments, replicaSets, pods}) {
                if (informer != null) {
                    informer.stop();
                }
            }
        }
    }

    static boolean ownedBy(HasMetadata resource, String uid) {
        List<OwnerReference> owners = resource.getMetadata().getOwnerReferences();
        return uid != null && owners != null && owners.stream().anyMatch(o -> Objects.equals(uid, o.getUid()));
    }
}
