package io.mtd.migration;

import static io.mtd.migration.MigrationStage.note;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.concurrent.Futures;
import io.mtd.kube.Labels;
import io.mtd.kube.LeaseLock;
import io.mtd.kube.LockLost;
import io.mtd.kube.NamespaceWatch;
import io.mtd.kube.WatchWait;
import io.mtd.plan.Durations;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * An environment's migration slot, which follows the cluster rather than any process: the Lease serialises the
 * decision to create a migration Job, and every unfinished migration Job of the app and environment occupies the
 * environment, whoever created it and whether or not anyone still watches it.
 *
 * <p>A run claims the slot by taking the Lease and then waiting (by watch, streaming its log) for every occupying Job
 * to end. An occupying Job whose container never started and never will is deleted instead, so nothing it holds can
 * start later unattended.
 */
final class MigrationSlot {

    /** How long a deleted Job and its Pods may take to leave the API before the engine goes on regardless. */
    static final Duration GONE_WAIT = Duration.ofSeconds(30);

    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Clock clock;
    private final Duration unschedulableGrace;
    private final Consumer<LeaseLock.Held> release;

    /** @param release gives a held lock back, tracked so that the engine waits for it before it closes */
    MigrationSlot(ScheduledExecutorService scheduler, Executor api, Clock clock, Duration unschedulableGrace,
            Consumer<LeaseLock.Held> release) {
        this.scheduler = scheduler;
        this.api = api;
        this.clock = clock;
        this.unschedulableGrace = unschedulableGrace;
        this.release = release;
    }

    /** The labels one list call finds every migration Job (and Pod) of the app and environment by. */
    static Map<String, String> selector(MigrationJob job) {
        Map<String, String> labels = job.labels();
        return Map.of(Labels.MANAGED_BY, Labels.MANAGER, Labels.INSTANCE, labels.get(Labels.INSTANCE),
                Labels.COMPONENT, labels.get(Labels.COMPONENT));
    }

    /**
     * Completes with the held lock once no other migration of the app and environment runs or can still start; fails
     * with {@link MigrationStage.CancelledException}, {@link LockLost.Exception} or
     * {@link LeaseLock.LockTimeoutException} (waiting took longer than {@code maxWait}).
     */
    CompletableFuture<LeaseLock.Held> claim(MigrationStage.Target t, MigrationJob job, LeaseLock lock, Duration maxWait) {
        String env = t.environment().name();
        Instant deadline = clock.instant().plus(maxWait);
        CompletableFuture<LeaseLock.Held> locked = lock.acquire(maxWait,
                msg -> t.listener().on(new ProgressEvent.Note(Stage.LOCK, env, msg)));
        t.cancelled().thenAccept(why -> locked.completeExceptionally(new MigrationStage.CancelledException(why)));
        return locked.thenCompose(held -> {
            if (held.tookOverFrom() != null) {
                note(t, "took over the migration lock from " + held.tookOverFrom() + ", whose lease had expired");
            }
            CompletableFuture<LeaseLock.Held> vacant = new CompletableFuture<>();
            CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
            t.cancelled().thenAccept(why -> interrupted.complete(new MigrationStage.CancelledException(why)));
            held.lost().thenAccept(l -> interrupted.complete(new LockLost.Exception(l)));
            api.execute(() -> awaitVacant(t, job, held, deadline, interrupted, vacant));
            // a claim that fails gives the lock back: the occupying Jobs keep the environment
            return vacant.whenComplete((h, e) -> {
                if (e != null) {
                    release.accept(held);
                }
            });
        });
    }

    private void awaitVacant(MigrationStage.Target t, MigrationJob job, LeaseLock.Held held, Instant deadline,
            CompletableFuture<Throwable> interrupted, CompletableFuture<LeaseLock.Held> vacant) {
        if (interrupted.isDone()) {
            vacant.completeExceptionally(interrupted.join());
            return;
        }
        Occupant occupant;
        try {
            occupant = firstOccupant(t, job);
        } catch (KubernetesClientException e) {
            vacant.completeExceptionally(e);
            return;
        }
        if (occupant == null) {
            vacant.complete(held);
            return;
        }
        Duration left = Duration.between(clock.instant(), deadline);
        if (left.isNegative() || left.isZero()) {
            vacant.completeExceptionally(slotTimeout(t, occupant));
            return;
        }
        note(t, "waiting for " + occupant.describe() + " to end before this run migrates (one migration at a time)");
        CompletableFuture<Boolean> ended = occupant.job != null ? awaitJob(t, occupant, left, interrupted)
                : awaitPods(t, occupant, left, interrupted);
        ended.whenCompleteAsync((stuck, e) -> {
            if (e != null) {
                Throwable cause = Futures.unwrap(e);
                vacant.completeExceptionally(cause);
                return;
            }
            if (interrupted.isDone()) {
                vacant.completeExceptionally(interrupted.join());
                return;
            }
            awaitVacant(t, job, held, deadline, interrupted, vacant);
        }, api);
    }

    /** Streams the occupying Job's log until it ends; deletes it when its container never started and never will. */
    private CompletableFuture<Boolean> awaitJob(MigrationStage.Target t, Occupant occupant, Duration left,
            CompletableFuture<Throwable> interrupted) {
        String name = occupant.job.getMetadata().getName();
        MigrationWaiter waiter = new MigrationWaiter(t.client(), t.watch(), name, t.environment().name(), t.listener(),
                t.masker(), scheduler, clock, unschedulableGrace);
        CompletableFuture<MigrationResult> result = waiter.await(left);
        interrupted.thenAccept(why -> waiter.cancel("stopped waiting"));
        return result.thenComposeAsync(r -> {
            if (r.outcome() == StageOutcome.TIMED_OUT && r.reason() == MigrationReason.Engine.WAIT_TIMEOUT) {
                throw slotTimeout(t, occupant);
            }
            if (neverStarted(r, t.watch().pods(name))) {
                note(t, "deleting " + occupant.describe() + ": its container never started (" + r.message()
                        + "), and it would start later with nobody watching");
                return delete(t, name).thenApply(v -> true);
            }
            if (r.outcome() != StageOutcome.CANCELLED) {
                note(t, occupant.describe() + " ended: " + r.outcome().words() + (r.reason() == null ? "" : " (" + r.reason() + ")"));
            }
            return CompletableFuture.completedFuture(false);
        }, api);
    }

    /** Waits for the Pods of a Job that is gone (being deleted) to stop. */
    private CompletableFuture<Boolean> awaitPods(MigrationStage.Target t, Occupant occupant, Duration left,
            CompletableFuture<Throwable> interrupted) {
        NamespaceWatch watch = t.watch();
        Set<String> names = occupant.pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        CompletableFuture<Boolean> stopped = until(watch, occupant.jobName, () -> watch.pods(occupant.jobName).stream()
                .noneMatch(p -> names.contains(p.getMetadata().getName()) && !PodDiagnosis.isTerminal(p)), left);
        interrupted.thenAccept(e -> stopped.complete(true));
        return stopped.thenApply(ok -> {
            if (!ok) {
                throw slotTimeout(t, occupant);
            }
            return false;
        });
    }

    /**
     * Completes with true once {@code condition} holds for the Job's objects in the watch (checked once it synced and on
     * each change of the Job or its Pods), or with false after {@code timeout}; completing it earlier stops the check.
     */
    private CompletableFuture<Boolean> until(NamespaceWatch watch, String jobName, BooleanSupplier condition, Duration timeout) {
        return WatchWait.on(watch.jobChanges(jobName)).checkedOn(scheduler, scheduler).within(timeout)
                .until(new WatchWait.Condition<>() {
                    @Override
                    public WatchWait.Check<Boolean> check() {
                        return condition.getAsBoolean() ? WatchWait.Check.done(true) : WatchWait.Check.notYet();
                    }

                    @Override
                    public Boolean timedOut() {
                        return false;
                    }
                });
    }

    private static LeaseLock.LockTimeoutException slotTimeout(MigrationStage.Target t, Occupant occupant) {
        return new LeaseLock.LockTimeoutException("gave up waiting for the migration slot of " + t.environment().name() + ": "
                + occupant.describe() + " still runs");
    }

    /**
     * The first Job (or, for a Job already deleted, the Pods) that occupies the slot, other than this run's own Job
     * still running (which the run attaches to); one list call each, straight from the API server.
     */
    private static Occupant firstOccupant(MigrationStage.Target t, MigrationJob job) {
        Map<String, String> selector = selector(job);
        List<Job> jobs = t.client().batch().v1().jobs().inNamespace(job.namespace()).withLabels(selector).list().getItems();
        List<String> occupying = new ArrayList<>();
        Job first = null;
        for (Job j : jobs) {
            boolean deleting = j.getMetadata().getDeletionTimestamp() != null;
            boolean ended = JobStatus.ended(j);
            boolean ours = j.getMetadata().getName().equals(job.name()) && !deleting;
            if (!ended || deleting) {
                occupying.add(j.getMetadata().getName());
                if (!ours && !ended && first == null) {
                    first = j;
                }
            }
        }
        if (first != null) {
            return new Occupant(first, first.getMetadata().getName(), List.of());
        }
        List<Pod> pods = t.client().pods().inNamespace(job.namespace()).withLabels(selector).list().getItems();
        for (Pod p : pods) {
            String owner = NamespaceWatch.jobNameOf(p);
            boolean ownJob = owner.equals(job.name()) && occupying.contains(owner)
                    && jobs.stream().anyMatch(j -> j.getMetadata().getName().equals(owner) && j.getMetadata().getDeletionTimestamp() == null);
            if (!PodDiagnosis.isTerminal(p) && !ownJob) {
                // a Pod whose Job is gone (or going) still runs until its container stopped
                return new Occupant(null, owner, pods.stream().filter(x -> owner.equals(NamespaceWatch.jobNameOf(x))).toList());
            }
        }
        return null;
    }

    /** Whether a failed migration never started its container, so deleting its Job loses nothing. */
    static boolean neverStarted(MigrationResult r, List<Pod> pods) {
        return r.outcome() == StageOutcome.FAILED && JobStatus.neverStarted(r.reason(), pods);
    }

    /**
     * Deletes the Job and its Pods, and completes once both left the API (or after {@link #GONE_WAIT}). Foreground
     * propagation keeps the Job, and so the slot's occupation, visible until its Pods are gone; the Pods are deleted
     * explicitly too, so that no Pod can start its container once the Job is gone.
     */
    CompletableFuture<Void> delete(MigrationStage.Target t, String name) {
        String ns = t.environment().namespaceOrDefault();
        try {
            t.client().batch().v1().jobs().inNamespace(ns).withName(name).withPropagationPolicy(DeletionPropagation.FOREGROUND)
                    .delete();
            t.client().pods().inNamespace(ns).withLabel(Labels.JOB_NAME, name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                return CompletableFuture.failedFuture(e);
            }
        }
        NamespaceWatch watch = t.watch();
        return until(watch, name, () -> watch.job(name) == null && watch.pods(name).isEmpty(), GONE_WAIT).thenAccept(gone -> {
            if (!gone) {
                note(t, "the deleted Job " + name + " has not left the API within " + Durations.format(GONE_WAIT));
            }
        });
    }


    /** A Job (or the Pods of a deleted one) that occupies the slot. */
    private record Occupant(Job job, String jobName, List<Pod> pods) {
        String describe() {
            if (job == null) {
                return "the Pods of the deleted migration Job " + jobName;
            }
            Map<String, String> a = job.getMetadata().getAnnotations() == null ? Map.of() : job.getMetadata().getAnnotations();
            return "the migration Job " + jobName + " (image " + a.getOrDefault(Labels.ANNOTATION_IMAGE, "unknown")
                    + ", started by run " + a.getOrDefault(Labels.ANNOTATION_RUN, "unknown") + ")";
        }
    }
}
