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
import io.mtd.progress.Stage;
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
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A migration slot, which follows the cluster rather than any process: keyed by what is migrated ({@link SlotKey}), a
 * Lease serialises the decision to create a Job under it, and every unfinished Job of the key (whatever its kind and
 * whichever app created it) occupies it, whoever created it and whether or not anyone still watches it.
 *
 * <p>A run claims the slot by taking the Lease ({@link #claim}); before each Job it runs under the claim it waits (by
 * watch, streaming its log) for every other occupying Job to end ({@link #vacant}). An occupying Job whose container
 * never started and never will is deleted instead, and so is one whose creator no longer holds the lock and whose
 * container has not started (suspended, or resumed and still starting): nothing it holds can start later unattended.
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

    /** The labels one list call finds every migration Job (and Pod) of the engine's in a namespace by. */
    static Map<String, String> migrations() {
        return Map.of(Labels.MANAGED_BY, Labels.MANAGER, Labels.COMPONENT, "migration");
    }

    /**
     * Completes with the slot claimed once {@code lock} is ours; fails with {@link CancelledException} or
     * {@link LeaseLock.LockTimeoutException} (not ours within {@code maxWait}). The occupying Jobs are waited for before
     * each Job the claim runs, within the same {@code maxWait}.
     */
    CompletableFuture<SlotClaim> claim(JobSite site, SlotKey key, LeaseLock lock, Duration maxWait) {
        long deadline = ticker.nanos() + maxWait.toNanos();
        CompletableFuture<LeaseLock.Held> locked = lock.acquire(maxWait, site::lockNote);
        site.cancelled().thenAccept(why -> locked.completeExceptionally(new CancelledException(why)));
        return locked.thenApply(held -> {
            if (held.tookOverFrom() != null) {
                site.note("took over the migration lock from " + held.tookOverFrom() + ", whose lease had expired");
            }
            return new SlotClaim(this, site, key, held, deadline, scheduler, api, ticker, unschedulableGrace);
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
     * Completes once no Job of the slot other than {@code job}'s release runs or can still start; fails with
     * {@link CancelledException}, {@link LockLost.Exception} or {@link LeaseLock.LockTimeoutException} (still occupied at
     * {@code deadline}, a {@link Ticker} reading).
     */
    CompletableFuture<Void> vacant(JobSite site, SlotKey key, MigrationJob job, LeaseLock.Held held, long deadline) {
        CompletableFuture<Void> vacant = new CompletableFuture<>();
        CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
        site.cancelled().thenAccept(why -> interrupted.complete(new CancelledException(why)));
        held.lost().thenAccept(l -> interrupted.complete(new LockLost.Exception(l)));
        api.execute(() -> awaitVacant(new Survey(site, key, job, held), deadline, interrupted, vacant));
        return vacant;
    }

    private void awaitVacant(Survey survey, long deadline, CompletableFuture<Throwable> interrupted,
            CompletableFuture<Void> vacant) {
        if (interrupted.isDone()) {
            vacant.completeExceptionally(interrupted.join());
            return;
        }
        JobSite site = survey.site;
        Occupant occupant;
        List<Job> orphans;
        try {
            Occupancy occupancy = survey.look();
            occupant = occupancy.first();
            orphans = occupancy.orphans();
        } catch (KubernetesClientException e) {
            vacant.completeExceptionally(e);
            return;
        }
        if (!orphans.isEmpty()) {
            List<CompletableFuture<Void>> gone = new ArrayList<>();
            for (Job orphan : orphans) {
                site.note("deleting " + Occupant.of(orphan).describe() + ": its container never started, and the run that"
                        + " created it no longer holds the lock, so nobody would watch it start");
                gone.add(delete(site, orphan.getMetadata().getNamespace(), orphan.getMetadata().getName()));
            }
            CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).whenCompleteAsync((v, e) -> {
                if (e != null) {
                    vacant.completeExceptionally(Futures.unwrap(e));
                    return;
                }
                awaitVacant(survey, deadline, interrupted, vacant);
            }, api);
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
        site.note("waiting for " + occupant.describe() + " to end before this run migrates" + occupant.sharing(survey.app())
                + " (one migration at a time)");
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
            awaitVacant(survey, deadline, interrupted, vacant);
        }, api);
    }

    /** Streams the occupying Job's log until it ends; deletes it when its container never started and never will. */
    private CompletableFuture<Boolean> awaitJob(JobSite site, Occupant occupant, Duration left,
            CompletableFuture<Throwable> interrupted) {
        String name = occupant.job.getMetadata().getName();
        String ns = occupant.job.getMetadata().getNamespace();
        NamespaceWatch watch = site.watch(ns);
        MigrationWaiter waiter = new MigrationWaiter(site.client(), watch, name, site.environment(), Stage.MIGRATION,
                site.listener(), site.masker(), scheduler, ticker, unschedulableGrace);
        CompletableFuture<MigrationResult> result = waiter.await(left);
        interrupted.thenAccept(why -> waiter.cancel("stopped waiting"));
        return result.thenComposeAsync(r -> {
            if (r.outcome() == StageOutcome.TIMED_OUT && r.reason() == MigrationReason.Engine.WAIT_TIMEOUT) {
                throw slotTimeout(site, occupant);
            }
            if (neverStarted(r, watch.pods(name))) {
                site.note("deleting " + occupant.describe() + ": its container never started (" + r.message()
                        + "), and it would start later with nobody watching");
                return delete(site, ns, name).thenApply(v -> true);
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
        NamespaceWatch watch = site.watch(occupant.namespace);
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

    /** One look at the slot's occupation, as many times as the wait needs: the Jobs of its key in the cluster. */
    private final class Survey {
        private final JobSite site;
        private final SlotKey key;
        private final MigrationJob job;
        private final LeaseLock.Held held;
        private final String instance;
        /** The other keys already said to read one of this migration's Secrets: said once per claim. */
        private final Set<String> noted = ConcurrentHashMap.newKeySet();

        Survey(JobSite site, SlotKey key, MigrationJob job, LeaseLock.Held held) {
            this.site = site;
            this.key = key;
            this.job = job;
            this.held = held;
            this.instance = MigrationJob.labels(job.app(), site.environment()).get(Labels.INSTANCE);
        }

        String app() {
            return job.app();
        }

        /**
         * The Jobs of the slot and what they hold, straight from the API server (the watch may not show yet a Job the
         * previous holder of the lock created just before it released it): one list of the namespace's migration Jobs
         * and one of their Pods, and the Job the Lease names when it lives in another namespace.
         */
        Occupancy look() {
            String ns = site.namespace();
            List<Job> all = site.client().batch().v1().jobs().inNamespace(ns).withLabels(migrations()).list().getItems();
            List<Pod> pods = site.client().pods().inNamespace(ns).withLabels(migrations()).list().getItems();
            List<Job> jobs = new ArrayList<>(all.stream().filter(this::inSlot).toList());
            noteOtherKeys(all);
            String recorded = held.annotationsWhenTaken().get(Labels.ANNOTATION_OCCUPANT);
            if (recorded != null && recorded.contains("/") && !recorded.startsWith(ns + "/")) {
                // the last Job created under this Lease, by a run in another namespace
                String[] at = recorded.split("/", 2);
                Job other = site.client().batch().v1().jobs().inNamespace(at[0]).withName(at[1]).get();
                if (other != null && !JobStatus.ended(other) && other.getMetadata().getDeletionTimestamp() == null) {
                    jobs.add(other);
                }
            }
            List<Job> orphans = new ArrayList<>();
            Job first = null;
            for (Job j : jobs) {
                boolean deleting = j.getMetadata().getDeletionTimestamp() != null;
                if (deleting || JobStatus.ended(j)) {
                    continue;
                }
                List<Pod> own = j.getMetadata().getNamespace().equals(ns) ? podsOf(pods, j.getMetadata().getName())
                        : site.client().pods().inNamespace(j.getMetadata().getNamespace())
                                .withLabel(Labels.JOB_NAME, j.getMetadata().getName()).list().getItems();
                if (orphan(j, own)) {
                    orphans.add(j);
                } else if (first == null && !ours(j)) {
                    first = j;
                }
            }
            if (first != null || !orphans.isEmpty()) {
                return new Occupancy(first == null ? null : Occupant.of(first), orphans);
            }
            for (Pod p : pods) {
                String owner = NamespaceWatch.jobNameOf(p);
                boolean live = all.stream().anyMatch(j -> j.getMetadata().getName().equals(owner)
                        && j.getMetadata().getDeletionTimestamp() == null);
                if (!PodDiagnosis.isTerminal(p) && !live && (key.keys(p.getMetadata(), p.getSpec()) || legacyOfThisApp(p.getMetadata()))) {
                    // a Pod whose Job is gone (or going) still runs until its container stopped
                    return new Occupancy(new Occupant(null, ns, owner, podsOf(pods, owner)), List.of());
                }
            }
            return new Occupancy(null, List.of());
        }

        /** Whether {@code j} is the slot's: its key's, or an earlier version's Job of the same app and environment. */
        private boolean inSlot(Job j) {
            return key.keys(j.getMetadata(), j.getSpec().getTemplate().getSpec()) || legacyOfThisApp(j.getMetadata());
        }

        private boolean legacyOfThisApp(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
            Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
            return !labels.containsKey(Labels.SLOT) && instance.equals(labels.get(Labels.INSTANCE));
        }

        /** A Job of this run's release that is not being deleted: the run attaches to it (or skips it) rather than waits. */
        private boolean ours(Job j) {
            Map<String, String> labels = j.getMetadata().getLabels() == null ? Map.of() : j.getMetadata().getLabels();
            return j.getMetadata().getNamespace().equals(job.namespace()) && (job.release().equals(labels.get(Labels.RELEASE))
                    || j.getMetadata().getName().equals(job.release()));
        }

        /**
         * A Job that will never be watched starting: created suspended by a run that no longer holds the lock (this one
         * does), and its container not started. Jobs of earlier versions (never suspended) are waited for instead.
         */
        private boolean orphan(Job j, List<Pod> pods) {
            Map<String, String> a = j.getMetadata().getAnnotations() == null ? Map.of() : j.getMetadata().getAnnotations();
            if (!a.containsKey(Labels.ANNOTATION_START_WINDOW)) {
                return false;
            }
            boolean thisHolding = held.holder().equals(a.get(Labels.ANNOTATION_LOCK_HOLDER))
                    && String.valueOf(held.transitions()).equals(a.get(Labels.ANNOTATION_LOCK_TRANSITIONS));
            return !thisHolding && pods.stream().noneMatch(PodDiagnosis::hasStarted);
        }

        /**
         * Says once per other key when a Job in another slot reads one of this migration's Secrets: two keys over what is
         * evidently one database would let both migrate it at once.
         */
        private void noteOtherKeys(List<Job> all) {
            for (Job j : all) {
                if (inSlot(j)) {
                    continue;
                }
                Set<String> shared = new TreeSet<>(SlotKey.secretsOf(j.getSpec().getTemplate().getSpec()));
                shared.retainAll(key.secrets());
                Map<String, String> a = j.getMetadata().getAnnotations() == null ? Map.of() : j.getMetadata().getAnnotations();
                String other = a.getOrDefault(Labels.ANNOTATION_SLOT_KEY, "the app " + a.getOrDefault(Labels.ANNOTATION_APP,
                        "unknown") + "'s (keyed by an earlier version of mtd)");
                if (!shared.isEmpty() && noted.add(other)) {
                    site.lockNote("the migration Job " + j.getMetadata().getName() + " of app " + a.getOrDefault(Labels.ANNOTATION_APP,
                            "unknown") + " reads the Secret " + String.join(", ", shared) + " too, but its slot is '" + other
                            + "', not this run's '" + key.value() + "': if both migrate one database, name it with the same"
                            + " migration.lock.key in both plans, or they may migrate it at the same time");
                }
            }
        }
    }

    private static List<Pod> podsOf(List<Pod> pods, String job) {
        return pods.stream().filter(p -> job.equals(NamespaceWatch.jobNameOf(p))).toList();
    }

    /** What occupies the slot now: the first Job (or Pods of a deleted one) to wait for, and Jobs to delete first. */
    private record Occupancy(Occupant first, List<Job> orphans) {}

    /** Whether a failed Job never started its container, so deleting it loses nothing. */
    static boolean neverStarted(MigrationResult r, List<Pod> pods) {
        return r.outcome() == StageOutcome.FAILED && JobStatus.neverStarted(r.reason(), pods);
    }

    /**
     * Deletes the Job and its Pods, and completes once both left the API (or after {@link #GONE_WAIT}). Foreground
     * propagation keeps the Job, and so the slot's occupation, visible until its Pods are gone; the Pods are deleted
     * explicitly too, so that no Pod can start its container once the Job is gone.
     */
    CompletableFuture<Void> delete(JobSite site, String ns, String name) {
        try {
            site.client().batch().v1().jobs().inNamespace(ns).withName(name).withPropagationPolicy(DeletionPropagation.FOREGROUND)
                    .delete();
            site.client().pods().inNamespace(ns).withLabel(Labels.JOB_NAME, name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                return CompletableFuture.failedFuture(e);
            }
        }
        NamespaceWatch watch = site.watch(ns);
        return until(watch, name, () -> watch.job(name) == null && watch.pods(name).isEmpty(), GONE_WAIT).thenAccept(gone -> {
            if (!gone) {
                site.note("the deleted Job " + name + " has not left the API within " + Durations.format(GONE_WAIT));
            }
        });
    }

    /** A Job (or the Pods of a deleted one) that occupies the slot. */
    private record Occupant(Job job, String namespace, String jobName, List<Pod> pods) {

        static Occupant of(Job job) {
            return new Occupant(job, job.getMetadata().getNamespace(), job.getMetadata().getName(), List.of());
        }

        String describe() {
            if (job == null) {
                return "the Pods of the deleted migration Job " + jobName;
            }
            Map<String, String> a = job.getMetadata().getAnnotations() == null ? Map.of() : job.getMetadata().getAnnotations();
            return "the migration Job " + jobName + " (image " + a.getOrDefault(Labels.ANNOTATION_IMAGE, "unknown")
                    + ", started by run " + a.getOrDefault(Labels.ANNOTATION_RUN, "unknown") + ")";
        }

        /** For a Job of another app (or in another namespace): whose it is, and why it shares this run's slot. */
        String sharing(String app) {
            if (job == null) {
                return "";
            }
            Map<String, String> a = job.getMetadata().getAnnotations() == null ? Map.of() : job.getMetadata().getAnnotations();
            String other = a.get(Labels.ANNOTATION_APP);
            if (other == null || other.equals(app)) {
                return "";
            }
            return ": it is app " + other + "'s, in namespace " + namespace + ", and migrates the same database (slot '"
                    + a.getOrDefault(Labels.ANNOTATION_SLOT_KEY, "unknown") + "')";
        }
    }
}
