package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.DeploymentWatch;
import io.mtd.kube.DeploymentWatches;
import io.mtd.kube.WatchWait;
import io.mtd.concurrent.Futures;
import io.mtd.plan.Durations;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
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
        CompletableFuture<Deployment> waiting;
        try {
            Rollout rollout = new Rollout(watches.of(client, deployment.getMetadata().getNamespace()), deployment,
                    timeout, crashLoopThreshold, progress);
            waiting = WatchWait.on(rollout.watch.rolloutChanges(rollout.name, rollout.selector)).checkedOn(scheduler, scheduler)
                    .within(timeout).until(rollout);
        } catch (RuntimeException e) {
            waiting = CompletableFuture.failedFuture(e);
        }
        // callers' continuations run on the scheduler, never on the informers' event thread
        CompletableFuture<Deployment> outcome = new CompletableFuture<>();
        waiting.whenCompleteAsync((d, e) -> {
            if (e != null) {
                outcome.completeExceptionally(e);
            } else {
                outcome.complete(d);
            }
        }, scheduler);
        CompletableFuture<Deployment> wait = waiting;
        outcome.whenComplete((d, e) -> wait.cancel(false));
        return outcome;
    }

    /** One rollout's condition: complete, failed fast (deadline, a new Pod that cannot start), or not yet. */
    private final class Rollout implements WatchWait.Condition<Deployment> {
        private final DeploymentWatch watch;
        private final String namespace;
        private final String name;
        private final Map<String, String> selector;
        private final Duration timeout;
        private final int crashLoopThreshold;
        private final Consumer<String> progress;
        /** The generation of the spec this wait is for, as written or read; the watch may still hold an older one. */
        private final long writtenGeneration;
        private boolean seen;
        private String lastNote;
        private long lastNoteAt;

        Rollout(DeploymentWatch watch, Deployment deployment, Duration timeout, int crashLoopThreshold, Consumer<String> progress) {
            this.watch = watch;
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

        @Override
        public WatchWait.Check<Deployment> check() {
            if (watch.synced().isCompletedExceptionally()) {
                Throwable cause = Futures.unwrap(watch.synced().handle((v, e) -> e).join());
                return fail(new RolloutFailedException("could not watch Deployment " + name + " in namespace " + namespace
                        + ": " + cause.getMessage()));
            }
            DeploymentWatch.Failure failure = watch.failed().getNow(null);
            if (failure != null) {
                return fail(new RolloutFailedException("watching the " + failure.kind() + "s of Deployment " + name + " in namespace "
                        + namespace + " failed: " + failure.cause().getMessage()
                        + "; check that the credentials may list and watch " + failure.kind() + "s there"));
            }
            Deployment d = watch.deployment(name);
            if (d == null) {
                if (seen) {
                    return fail(new RolloutFailedException("Deployment " + name + " was deleted from namespace " + namespace
                            + " while it was rolling out"));
                }
                // else the shared watch has not caught up with a Deployment created a moment ago
                return WatchWait.Check.notYet();
            }
            if (generation(d) < writtenGeneration) {
                // the shared watch has not caught up with the write that started this wait: its old status says nothing
                return WatchWait.Check.notYet();
            }
            seen = true;
            Optional<String> deadline = RolloutStatus.progressDeadlineExceeded(d);
            if (deadline.isPresent()) {
                return fail(new RolloutFailedException("Deployment " + name + " exceeded its progress deadline "
                        + "(spec.progressDeadlineSeconds): " + deadline.get() + "; " + describeHint()));
            }
            Optional<PodFailure> podFailure = newReplicaSet(d).flatMap(rs -> PodFailure.find(newPods(rs), namespace, crashLoopThreshold));
            if (podFailure.isPresent()) {
                return fail(new RolloutFailedException("Deployment " + name + ": " + podFailure.get().describe()));
            }
            if (RolloutStatus.isComplete(d)) {
                String last = RolloutStatus.progress(d);
                if (!last.equals(lastNote)) {
                    progress.accept(last);
                }
                return WatchWait.Check.done(d);
            }
            return note(RolloutStatus.progress(d));
        }

        @Override
        public Deployment timedOut() {
            Deployment d = watch.deployment(name);
            String state = d == null ? "" : " (" + RolloutStatus.progress(d) + ")";
            throw new RolloutFailedException(StageOutcome.TIMED_OUT, "Deployment " + name + " did not finish rolling out within "
                    + Durations.format(timeout) + state + "; " + describeHint()
                    + ", or raise rollout.timeout in the plan if it needs longer");
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

        private String describeHint() {
            String labels = selector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted()
                    .collect(Collectors.joining(","));
            return "check the new Pods' readiness probes and events: kubectl describe pods -n " + namespace
                    + (labels.isEmpty() ? "" : " -l " + labels);
        }

        /**
         * Reports the progress when it changed, at most once per note interval: one that comes sooner is reported
         * by the check the returned recheck asks for, as the state is then (the latest, or complete).
         */
        private WatchWait.Check<Deployment> note(String text) {
            if (text.equals(lastNote)) {
                return WatchWait.Check.notYet();
            }
            long now = System.nanoTime();
            long wait = lastNote == null ? 0 : noteInterval.toNanos() - (now - lastNoteAt);
            if (wait > 0) {
                return WatchWait.Check.recheckIn(Duration.ofNanos(wait));
            }
            lastNote = text;
            lastNoteAt = now;
            progress.accept(text);
            return WatchWait.Check.notYet();
        }

        private WatchWait.Check<Deployment> fail(RolloutFailedException e) {
            return WatchWait.Check.failed(e);
        }
    }

    private static long generation(Deployment d) {
        return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    }
}
