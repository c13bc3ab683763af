package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.DeploymentWatch;
import io.mtd.kube.DeploymentWatches;
import io.mtd.plan.Durations;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Waits for one Deployment's rollout to complete, from the namespace's shared {@link DeploymentWatch} of Deployments,
 * ReplicaSets and Pods.
 *
 * <p>No thread waits and no wait opens a connection of its own: watch events re-evaluate the state on the scheduler,
 * and the informers relist after a dropped watch. The wait fails fast when a Pod of the new ReplicaSet cannot start,
 * when the controller reports {@code ProgressDeadlineExceeded}, and when the timeout passes.
 */
public final class RolloutWaiter {

    static final Duration NOTE_INTERVAL = Duration.ofSeconds(3);
    private static final String POD_TEMPLATE_HASH = "pod-template-hash";

    private final KubernetesClient client;
    private final DeploymentWatches watches;
    private final ScheduledExecutorService scheduler;
    private final Duration noteInterval;

    public RolloutWaiter(KubernetesClient client, DeploymentWatches watches, ScheduledExecutorService scheduler) {
        this(client, watches, scheduler, NOTE_INTERVAL);
    }

    RolloutWaiter(KubernetesClient client, DeploymentWatches watches, ScheduledExecutorService scheduler, Duration noteInterval) {
        this.client = client;
        this.watches = watches;
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
        /** An evaluation is queued on the scheduler: a burst of events costs one. */
        private final AtomicBoolean queued = new AtomicBoolean();

        /** The generation of the spec this wait is for, as written or read; the watch may still hold an older one. */
        private final long writtenGeneration;
        private DeploymentWatch watch;
        private boolean seen;
        private DeploymentWatch.Subscription subscription;
        private boolean synced;
        private ScheduledFuture<?> timer;
        private String lastNote;
        private long lastNoteAt;
        private String pendingNote;
        private ScheduledFuture<?> pendingNoteTimer;

        Wait(Deployment deployment, Duration timeout, int crashLoopThreshold, Consumer<String> progress) {
            this.namespace = deployment.getMetadata().getNamespace();
            this.name = deployment.getMetadata().getName();
            this.writtenGeneration = generation(deployment);
            Map<String, String> labels = deployment.getSpec().getSelector() == null
                    ? null : deployment.getSpec().getSelector().getMatchLabels();
            this.selector = labels == null ? Map.of() : Map.copyOf(labels);
            this.timeout = timeout;
            this.crashLoopThreshold = crashLoopThreshold;
            this.progress = progress;
        }

        void start() {
            try {
                watch = watches.of(client, namespace);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            subscription = watch.subscribe(name, selector, this::evaluateLater);
            result.whenCompleteAsync((d, e) -> stop(), scheduler);
            watch.synced().whenComplete((v, e) -> {
                if (e != null) {
                    Throwable cause = io.mtd.concurrent.Futures.unwrap(e);
                    fail(new RolloutFailedException("could not watch Deployment " + name + " in namespace " + namespace
                            + ": " + cause.getMessage()));
                    return;
                }
                synchronized (this) {
                    synced = true;
                }
                evaluateLater();
            });
            timer = scheduler.schedule(this::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Called on an informer's thread, which must stay quick and must not call listeners: evaluates on the scheduler. */
        private void evaluateLater() {
            if (!result.isDone() && queued.compareAndSet(false, true)) {
                try {
                    scheduler.execute(() -> {
                        queued.set(false);
                        evaluate();
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    queued.set(false);
                }
            }
        }

        synchronized void evaluate() {
            if (result.isDone()) {
                return;
            }
            DeploymentWatch.Failure failure = watch.failed().getNow(null);
            if (failure != null) {
                fail(new RolloutFailedException("watching the " + failure.kind() + "s of Deployment " + name + " in namespace "
                        + namespace + " failed: " + failure.cause().getMessage()
                        + "; check that the credentials may list and watch " + failure.kind() + "s there"));
                return;
            }
            if (!synced) {
                return;
            }
            Deployment d = watch.deployment(name);
            if (d == null) {
                if (seen) {
                    fail(new RolloutFailedException("Deployment " + name + " was deleted from namespace " + namespace
                            + " while it was rolling out"));
                }
                // else the shared watch has not caught up with a Deployment created a moment ago
                return;
            }
            if (generation(d) < writtenGeneration) {
                // the shared watch has not caught up with the write that started this wait: its old status says nothing
                return;
            }
            seen = true;
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
            List<ReplicaSet> owned = uid == null ? List.of() : watch.replicaSets(uid, selector);
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
            List<Pod> pods = hash != null ? watch.podsWithTemplateHash(hash, selector)
                    : rs.getMetadata().getUid() == null ? List.of() : watch.podsOwnedBy(rs.getMetadata().getUid(), selector);
            return pods.stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                    .collect(Collectors.toList());
        }

        private void timedOut() {
            synchronized (this) {
                if (result.isDone()) {
                    return;
                }
                Deployment d = watch.deployment(name);
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
            if (subscription != null) {
                watch.unsubscribe(subscription);
            }
        }
    }

    private static long generation(Deployment d) {
        return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    }
}
