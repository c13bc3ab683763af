package io.mtd.migration;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.concurrent.Futures;
import io.mtd.concurrent.Ticker;
import io.mtd.kube.Labels;
import io.mtd.kube.LeaseLock;
import io.mtd.kube.LockLost;
import io.mtd.kube.NamespaceWatch;
import io.mtd.kube.WatchWait;
import io.mtd.plan.Durations;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * An environment's migration slot, which follows the cluster rather than any process: the Lease serialises the
 * decision to create a Job under it, and every unfinished Job of the app and environment (whatever its kind) occupies
 * the environment, whoever created it and whether or not anyone still watches it.
 *
 * <p>A run claims the slot by taking the Lease ({@link #claim}); before each Job it runs under the claim it waits (by
 * watch, streaming its log) for every other occupying Job to end ({@link #vacant}). An occupying Job whose container
 * never started and never will is deleted instead, so nothing it holds can start later unattended.
 */
final class MigrationSlot {

    /** How long a deleted Job and its Pods may take to leave the API before the engine goes on regardless. */
    static final Duration GONE_WAIT = Duration.ofSeconds(30);

    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Ticker ticker;
    private final Duration unschedulableGrace;
    private final Set<CompletableFuture<Void>> releasing = ConcurrentHashMap.newKeySet();

    MigrationSlot(ScheduledExecutorService scheduler, Executor api, Ticker ticker, Duration unschedulableGrace) {
        this.scheduler = scheduler;
        this.api = api;
        this.ticker = ticker;
        this.unschedulableGrace = unschedulableGrace;
    }

    /** The labels one list call finds every Job (and Pod) under the slot of the app and environment by. */
    static Map<String, String> selector(String app, String environment) {
        Map<String, String> labels = MigrationJob.labels(app, environment);
        return Map.of(Labels.MANAGED_BY, Labels.MANAGER, Labels.INSTANCE, labels.get(Labels.INSTANCE),
                Labels.COMPONENT, labels.get(Labels.COMPONENT));
    }

    /**
     * Completes with the slot claimed once {@code lock} is ours; fails with {@link CancelledException} or
     * {@link LeaseLock.LockTimeoutException} (not ours within {@code maxWait}). The occupying Jobs are waited for before
     * each Job the claim runs, within the same {@code maxWait}.
     */
    CompletableFuture<SlotClaim> claim(JobSite site, String app, LeaseLock lock, Duration maxWait) {
        long deadline = ticker.nanos() + maxWait.toNanos();
        CompletableFuture<LeaseLock.Held> locked = lock.acquire(maxWait, site::lockNote);
        site.cancelled().thenAccept(why -> locked.completeExceptionally(new CancelledException(why)));
        return locked.thenApply(held -> {
            if (held.tookOverFrom() != null) {
                site.note("took over the migration lock from " + held.tookOverFrom() + ", whose lease had expired");
            }
            return new SlotClaim(this, site, selector(app, site.environment()), held, deadline, scheduler, api, ticker,
                    unschedulableGrace);
        });
    }

    /** Gives a held lock back in the background; {@link #awaitReleases} waits for it. */
    void release(LeaseLock.Held held) {
        CompletableFuture<Void> release = held.releaseAsync();
        releasing.add(release);
        release.whenComplete((v, x) -> releasing.remove(release));
    }

    /** Waits, at most {@code max}, for locks still being released; the engine calls it before it shuts its pools down. */
    void awaitReleases(Duration max) {
        try {
            CompletableFuture.allOf(releasing.toArray(CompletableFuture[]::new)).get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a lock not released in time expires by itself after its lease duration
        }
    }

    /**
     * Completes once no Job of the slot other than {@code job} runs or can still start; fails with
     * {@link CancelledException}, {@link LockLost.Exception} or {@link LeaseLock.LockTimeoutException} (still occupied at
     * {@code deadline}, a {@link Ticker} reading).
     */
    CompletableFuture<Void> vacant(JobSite site, Map<String, String> selector, MigrationJob job, LeaseLock.Held held,
            long deadline) {
        CompletableFuture<Void> vacant = new CompletableFuture<>();
        CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
        site.cancelled().thenAccept(why -> interrupted.complete(new CancelledException(why)));
        held.lost().thenAccept(l -> interrupted.complete(new LockLost.Exception(l)));
        api.execute(() -> awaitVacant(site, selector, job, deadline, interrupted, vacant));
        return vacant;
    }

    private void awaitVacant(JobSite site, Map<String, String> selector, MigrationJob job, long deadline,
            CompletableFuture<Throwable> interrupted, CompletableFuture<Void> vacant) {
        if (interrupted.isDone()) {
            vacant.completeExceptionally(interrupted.join());
            return;
        }
        Occupant occupant;
        try {
            occupant = firstOccupant(site, selector, job);
        } catch (KubernetesClientException e) {
            vacant.completeExceptionally(e);
            return;
        }
        if (occupant == null) {
            vacant.complete(null);
            return;
        }
        Duration left = Duration.ofNanos(deadline - ticker.nanos());
        if (left.isNegative() || left.isZero()) {
            vacant.completeExceptionally(slotTimeout(site, occupant));
            return;
        }
        site.note("waiting for " + occupant.describe() + " to end before this run migrates (one migration at a time)");
        CompletableFuture<Boolean> ended = occupant.job != null ? awaitJob(site, occupant, left, interrupted)
                : awaitPods(site, occupant, left, interrupted);
        ended.whenCompleteAsync((stuck, e) -> {
            if (e != null) {
                vacant.completeExceptionally(Futures.unwrap(e));
                return;
            }
            if (interrupted.isDone()) {
                vacant.completeExceptionally(interrupted.join());
                return;
            }
            awaitVacant(site, selector, job, deadline, interrupted, vacant);
        }, api);
    }

    /** Streams the occupying Job's log until it ends; deletes it when its container never started and never will. */
    private CompletableFuture<Boolean> awaitJob(JobSite site, Occupant occupant, Duration left,
            CompletableFuture<Throwable> interrupted) {
        String name = occupant.job.getMetadata().getName();
        MigrationWaiter waiter = new MigrationWaiter(site.client(), site.watch(), name, site.environment(), site.listener(),
                site.masker(), scheduler, ticker, unschedulableGrace);
        CompletableFuture<MigrationResult> result = waiter.await(left);
        interrupted.thenAccept(why -> waiter.cancel("stopped waiting"));
        return result.thenComposeAsync(r -> {
            if (r.outcome() == StageOutcome.TIMED_OUT && r.reason() == MigrationReason.Engine.WAIT_TIMEOUT) {
                throw slotTimeout(site, occupant);
            }
            if (neverStarted(r, site.watch().pods(name))) {
                site.note("deleting " + occupant.describe() + ": its container never started (" + r.message()
                        + "), and it would start later with nobody watching");
                return delete(site, name).thenApply(v -> true);
            }
            if (r.outcome() != StageOutcome.CANCELLED) {
                site.note(occupant.describe() + " ended: " + r.outcome().words() + (r.reason() == null ? "" : " (" + r.reason() + ")"));
            }
            return CompletableFuture.completedFuture(false);
        }, api);
    }

    /** Waits for the Pods of a Job that is gone (being deleted) to stop. */
    private CompletableFuture<Boolean> awaitPods(JobSite site, Occupant occupant, Duration left,
            CompletableFuture<Throwable> interrupted) {
        NamespaceWatch watch = site.watch();
        Set<String> names = occupant.pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        CompletableFuture<Boolean> stopped = until(watch, occupant.jobName, () -> watch.pods(occupant.jobName).stream()
                .noneMatch(p -> names.contains(p.getMetadata().getName()) && !PodDiagnosis.isTerminal(p)), left);
        interrupted.thenAccept(e -> stopped.complete(true));
        return stopped.thenApply(ok -> {
            if (!ok) {
                throw slotTimeout(site, occupant);
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

    private static LeaseLock.LockTimeoutException slotTimeout(JobSite site, Occupant occupant) {
        return new LeaseLock.LockTimeoutException("gave up waiting for the migration slot of " + site.environment() + ": "
                + occupant.describe() + " still runs");
    }

    /**
     * The first Job (or, for a Job already deleted, the Pods) that occupies the slot, other than {@code job} still
     * running (which the run attaches to); one list call each, straight from the API server: the watch may not show yet
     * a Job the previous holder of the lock created just before it released it.
     */
    private static Occupant firstOccupant(JobSite site, Map<String, String> selector, MigrationJob job) {
        List<Job> jobs = site.client().batch().v1().jobs().inNamespace(site.namespace()).withLabels(selector).list().getItems();
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
        List<Pod> pods = site.client().pods().inNamespace(site.namespace()).withLabels(selector).list().getItems();
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

    /** Whether a failed Job never started its container, so deleting it loses nothing. */
    static boolean neverStarted(MigrationResult r, List<Pod> pods) {
        return r.outcome() == StageOutcome.FAILED && JobStatus.neverStarted(r.reason(), pods);
    }

    /**
     * Deletes the Job and its Pods, and completes once both left the API (or after {@link #GONE_WAIT}). Foreground
     * propagation keeps the Job, and so the slot's occupation, visible until its Pods are gone; the Pods are deleted
     * explicitly too, so that no Pod can start its container once the Job is gone.
     */
    CompletableFuture<Void> delete(JobSite site, String name) {
        String ns = site.namespace();
        try {
            site.client().batch().v1().jobs().inNamespace(ns).withName(name).withPropagationPolicy(DeletionPropagation.FOREGROUND)
                    .delete();
            site.client().pods().inNamespace(ns).withLabel(Labels.JOB_NAME, name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                return CompletableFuture.failedFuture(e);
            }
        }
        NamespaceWatch watch = site.watch();
        return until(watch, name, () -> watch.job(name) == null && watch.pods(name).isEmpty(), GONE_WAIT).thenAccept(gone -> {
            if (!gone) {
                site.note("the deleted Job " + name + " has not left the API within " + Durations.format(GONE_WAIT));
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
