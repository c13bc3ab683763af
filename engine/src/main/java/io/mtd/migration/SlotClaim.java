package io.mtd.migration;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.concurrent.Ticker;
import io.mtd.kube.ApiError;
import io.mtd.kube.Labels;
import io.mtd.kube.LeaseLock;
import io.mtd.kube.LockLost;
import io.mtd.kube.Permissions;
import io.mtd.kube.SecretValues;
import io.mtd.plan.Migration;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An environment's migration slot, claimed by one run: its lock held, so that the run can run several Jobs under it one
 * after another (say, printing the SQL and then the migration) without another run's Job in between; released once.
 *
 * <p>Each Job follows every rule of the slot: it waits for any other occupying Job to end, is created only while the
 * run is not cancelled and the lease is surely ours, attaches to or skips a Job of its name that exists, is deleted when
 * its container never started, and is left running (or deleted, as the plan says) when the run stops waiting.
 */
public final class SlotClaim {

    /** Extra time the engine waits past the Job's own deadline, for Kubernetes to report it: as long again, at most this. */
    private static final Duration DEADLINE_SLACK = Duration.ofSeconds(60);
    /** How soon, and how often at most, a Job create the API server failed is tried again (as fabric8 would). */
    private static final Duration CREATE_RETRY = Duration.ofMillis(500);
    private static final int CREATE_ATTEMPTS = 10;

    private final MigrationSlot slot;
    private final JobSite site;
    private final SlotKey key;
    private final LeaseLock.Held held;
    private final long deadline;
    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Ticker ticker;
    private final Duration unschedulableGrace;
    private final AtomicBoolean released = new AtomicBoolean();

    SlotClaim(MigrationSlot slot, JobSite site, SlotKey key, LeaseLock.Held held, long deadline,
            ScheduledExecutorService scheduler, Executor api, Ticker ticker, Duration unschedulableGrace) {
        this.slot = slot;
        this.site = site;
        this.key = key;
        this.held = held;
        this.deadline = deadline;
        this.scheduler = scheduler;
        this.api = api;
        this.ticker = ticker;
        this.unschedulableGrace = unschedulableGrace;
    }

    /** The run holding the claim, as its Lease names it. */
    public String holder() {
        return held.holder();
    }

    /** Gives the slot back, in the background, the first time only: the next run may claim it then. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            slot.release(held);
        }
    }

    /**
     * Runs {@code job} under the claim: once no other Job occupies the slot, attaches to its release's Job that runs,
     * reports one that failed before (without retry), skips or runs again one that succeeded before (as
     * {@link Rerun} decides from {@code database}), or creates it, then waits for it. Fails with
     * {@link CancelledException}, {@link LockLost.Exception}, {@link LeaseLock.LockTimeoutException} or an API error.
     *
     * @param database what the database said before the run about what this Job would apply
     */
    CompletableFuture<MigrationResult> run(MigrationJob job, DatabaseState database) {
        if (released.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the migration slot was released before Job "
                    + job.name() + " ran"));
        }
        return slot.vacant(site, key, job, held, deadline).thenComposeAsync(v -> start(job, database), api);
    }

    /** {@link #run(MigrationJob, DatabaseState)} for a Job whose database was not read before. */
    CompletableFuture<MigrationResult> run(MigrationJob job) {
        return run(job, DatabaseState.NOT_READ);
    }

    private CompletableFuture<MigrationResult> start(MigrationJob job, DatabaseState database) {
        learnSecrets(job.migration());
        // never call the API on the informers' event loop or the timers' scheduler: continue on the API pool
        return site.watch().synced().thenComposeAsync(v -> {
            List<Job> earlier = releaseJobs(job);
            Job running = earlier.stream().filter(j -> !JobStatus.ended(j)).reduce((a, b) -> b).orElse(null);
            if (running != null) {
                site.note(job, "attaching to the running " + job.kind().stage().label() + " Job " + running.getMetadata().getName() + ranBy(running));
                return waitFor(job.attempt(attemptOf(running)), false, null);
            }
            Job last = earlier.isEmpty() ? null : earlier.get(earlier.size() - 1);
            if (last == null) {
                return createAndWait(job, null);
            }
            if (JobStatus.succeeded(last) && job.kind().printsSql()) {
                return printedBefore(job.attempt(attemptOf(last)), last);
            }
            if (JobStatus.succeeded(last)) {
                Rerun.Decision decision = Rerun.after(job.migration(), database, "Job " + last.getMetadata().getName()
                        + ranBy(last));
                site.note(job, decision.why());
                if (decision instanceof Rerun.Skip) {
                    return CompletableFuture.completedFuture(new MigrationResult(StageOutcome.SKIPPED,
                            MigrationReason.Engine.ALREADY_SUCCEEDED, decision.why(), 0, 0, null));
                }
                return createAndWait(job.attempt(attemptOf(last) + 1), decision.why());
            }
            Optional<JobCondition> failed = JobStatus.condition(last, JobConditionType.FAILED);
            if (!job.migration().retries()) {
                return CompletableFuture.completedFuture(new MigrationResult(StageOutcome.FAILED,
                        MigrationReason.of(orElse(failed.map(JobCondition::getReason).orElse(null), JobConditionType.FAILED.value())),
                        "the migration Job for this image already failed" + ranBy(last) + ": "
                                + orElse(failed.map(JobCondition::getMessage).orElse(null), "no message")
                                + ". Fix the cause and set migration.retry: true (mtd run --retry) to run it again",
                        null, 0, null));
            }
            MigrationJob again = job.attempt(attemptOf(last));
            site.note(job, "replacing the failed " + job.kind().stage().label() + " Job " + again.name() + " (retry requested)");
            return slot.delete(site, site.namespace(), again.name()).thenComposeAsync(x -> createAndWait(again, null), api);
        }, api);
    }

    /**
     * Every Job of {@code job}'s release that is not being deleted, first attempt first: found by the release's label,
     * and by the first attempt's name (a Job an earlier version of mtd created has no such label).
     */
    private List<Job> releaseJobs(MigrationJob job) {
        return releaseJobs(site.client(), job);
    }

    /** {@link #releaseJobs(MigrationJob)}, for a caller that holds no claim object (what the run will find). */
    static List<Job> releaseJobs(KubernetesClient client, MigrationJob job) {
        Map<String, Job> found = new java.util.TreeMap<>();
        for (Job j : client.batch().v1().jobs().inNamespace(job.namespace()).withLabel(Labels.RELEASE, job.release())
                .list().getItems()) {
            found.put(j.getMetadata().getName(), j);
        }
        Job first = client.batch().v1().jobs().inNamespace(job.namespace()).withName(job.release()).get();
        if (first != null) {
            found.put(first.getMetadata().getName(), first);
        }
        return found.values().stream().filter(j -> j.getMetadata().getDeletionTimestamp() == null)
                .sorted(java.util.Comparator.comparingInt(SlotClaim::attemptOf)).toList();
    }

    /** Which run of its release's Job {@code job} is (an earlier version's Job: the first). */
    static int attemptOf(Job job) {
        Map<String, String> a = job.getMetadata().getAnnotations();
        try {
            return a == null || a.get(Labels.ANNOTATION_ATTEMPT) == null ? 1 : Integer.parseInt(a.get(Labels.ANNOTATION_ATTEMPT));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * Creates the Job once what its Pod needs from the namespace is there, then waits for it; a missing Secret, ConfigMap,
     * key or service account fails at once and no Job is created. {@code why} says why it runs (again), or is null.
     */
    private CompletableFuture<MigrationResult> createAndWait(MigrationJob job, String why) {
        Job manifest = job.manifest();
        PodPrerequisites.Check check;
        try {
            check = PodPrerequisites.of(site.client(), job.namespace(), manifest,
                    job.configMaps().stream().map(c -> c.getMetadata().getName()).collect(java.util.stream.Collectors.toSet()));
        } catch (KubernetesClientException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!check.unchecked().isEmpty()) {
            site.note(job, "could not check before creating Job " + job.name() + " that its Pod can start: "
                    + String.join("; ", check.unchecked()) + "; a missing one fails the migration once its Pod reports it");
        }
        if (!check.ok()) {
            return CompletableFuture.completedFuture(new MigrationResult(StageOutcome.FAILED, MigrationReason.of(check.reason()),
                    "the migration's Pod could not start: " + String.join("; ", check.missing()) + ". Found before any Job"
                            + " was created, so nothing ran and nothing can start later", null, 0, null));
        }
        return create(job, 1).thenComposeAsync(v -> waitFor(job, true, why), scheduler);
    }

    /**
     * A printing of the SQL that succeeded before for this image: what it printed is read again from its Pod's log (and
     * shown again), since that is what the run checks; when that log is gone, the Job is replaced and prints again.
     */
    private CompletableFuture<MigrationResult> printedBefore(MigrationJob job, Job existing) {
        Optional<io.fabric8.kubernetes.api.model.Pod> pod = site.watch().pods(job.name()).stream()
                .filter(p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase())).findFirst();
        String log = null;
        if (pod.isPresent()) {
            try {
                log = site.client().pods().inNamespace(job.namespace()).withName(pod.get().getMetadata().getName())
                        .inContainer(MigrationJob.CONTAINER).getLog();
            } catch (KubernetesClientException e) {
                site.note(job, "cannot read the log of " + pod.get().getMetadata().getName() + " (" + ApiError.describe(e) + ")");
            }
        }
        if (log == null) {
            site.note(job, "Job " + job.name() + " printed the SQL for this image before" + ranBy(existing)
                    + ", but its Pod's log is gone: printing it again");
            return slot.delete(site, site.namespace(), job.name()).thenComposeAsync(x -> createAndWait(job, null), api);
        }
        java.util.List<String> lines = site.masker().maskLines(log.lines().toList());
        site.listener().onLines(io.mtd.progress.Stage.LINT, site.environment(), pod.get().getMetadata().getName(), lines);
        return CompletableFuture.completedFuture(new MigrationResult(StageOutcome.SKIPPED, MigrationReason.Engine.ALREADY_SUCCEEDED,
                "printed before for this image by Job " + job.name() + ranBy(existing) + ": its log is read again", 0, 1, lines));
    }

    /**
     * Creates the Job (and its ConfigMaps) only while the run is not cancelled and the lease is surely ours: a run that
     * stalled must not create a Job after another took the lock over. The requests go through the lock's bounded client,
     * so none lands after the lease expired; one the API server failed is tried again, each time under the same checks.
     */
    private CompletableFuture<Void> create(MigrationJob job, int attempt) {
        if (site.cancelled().isDone()) { // the cancel came while the slot was checked: nothing is created after it
            return CompletableFuture.failedFuture(new CancelledException(site.cancelled().join()));
        }
        if (!held.validFor(held.leaseDuration().dividedBy(3))) {
            LockLost lost = held.lost().getNow(new LockLost(held.lease(), null,
                    "the lease was not renewed recently enough to create the migration Job safely"));
            return CompletableFuture.failedFuture(new LockLost.Exception(lost));
        }
        try {
            createOnce(job);
            return CompletableFuture.completedFuture(null);
        } catch (KubernetesClientException e) {
            boolean serverOrConnection = e.getCode() == 0 || e.getCode() == 429 || e.getCode() >= 500;
            if (!serverOrConnection || attempt >= CREATE_ATTEMPTS) {
                return CompletableFuture.failedFuture(e);
            }
            site.note(job, "creating Job " + job.name() + " failed (" + ApiError.describe(e) + "); trying again");
            Executor later = CompletableFuture.delayedExecutor(CREATE_RETRY.toMillis(), TimeUnit.MILLISECONDS, api);
            return CompletableFuture.supplyAsync(() -> create(job, attempt + 1), later).thenCompose(f -> f);
        }
    }

    private void createOnce(MigrationJob job) {
        KubernetesClient client = held.boundedClient();
        if (!key.leaseNamespace().equals(job.namespace())
                && !held.record(Map.of(Labels.ANNOTATION_OCCUPANT, job.namespace() + "/" + job.name()))) {
            // runs in other namespaces find the Job through the Lease: no Job it does not name
            throw new LockLost.Exception(held.lost().getNow(new LockLost(held.lease(), null,
                    "the Lease could not record the Job about to be created")));
        }
        try {
            for (ConfigMap cm : job.configMaps()) {
                try {
                    client.configMaps().inNamespace(job.namespace()).resource(cm).create();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) { // named by content: one that exists holds the same scripts
                        throw e;
                    }
                }
            }
            Job manifest = job.manifest();
            // a Job can always be traced to the holding of the lock it was created under
            manifest.getMetadata().getAnnotations().put(Labels.ANNOTATION_LOCK_HOLDER, held.holder());
            manifest.getMetadata().getAnnotations().put(Labels.ANNOTATION_LOCK_TRANSITIONS, String.valueOf(held.transitions()));
            Job created = client.batch().v1().jobs().inNamespace(job.namespace()).resource(manifest).create();
            for (ConfigMap owned : job.configMapsOwnedBy(created)) {
                site.client().configMaps().inNamespace(job.namespace()).withName(owned.getMetadata().getName())
                        .edit(cm -> new ConfigMapBuilder(cm).editMetadata()
                                .withOwnerReferences(owned.getMetadata().getOwnerReferences()).endMetadata().build());
            }
            site.note(job, "created Job " + job.name() + (job.configMaps().isEmpty() ? ""
                    : " with " + job.configMaps().size() + " ConfigMap(s) of migration scripts") + ", suspended until this"
                    + " run watches it");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            site.note(job, "attaching to the " + job.kind().stage().label() + " Job " + job.name() + " that another run created just now");
        }
    }

    /**
     * Waits for the Job, resuming it first when this run created it ({@link StartWindow}); a Job whose container never
     * started is deleted however the wait ends, so that it cannot start later with nobody watching.
     *
     * @param why why the Job runs again after an earlier success (the report says it), or null
     */
    private CompletableFuture<MigrationResult> waitFor(MigrationJob job, boolean created, String why) {
        MigrationWaiter waiter = new MigrationWaiter(site.client(), site.watch(), job.name(), site.environment(),
                job.kind().stage(), site.listener(), site.masker(), scheduler, ticker, unschedulableGrace);
        Migration m = job.migration();
        Duration jobDeadline = m.timeoutOrDefault();
        Duration maxWait = jobDeadline.plus(jobDeadline.compareTo(DEADLINE_SLACK) < 0 ? jobDeadline : DEADLINE_SLACK);
        CompletableFuture<MigrationResult> result = waiter.await(maxWait);
        // resumed only now: this run watches the Job from here on
        CompletableFuture<Void> window = new StartWindow(site, held, job, scheduler, api, ticker).keep(created, maxWait);
        result.whenComplete((r, e) -> window.complete(null));
        site.cancelled().thenAccept(waiter::cancel);
        held.lost().thenAccept(l -> waiter.cancel(l.describe()));
        return result.thenComposeAsync(r -> {
            boolean stopped = r.outcome() == StageOutcome.CANCELLED || r.reason() == MigrationReason.Engine.WAIT_TIMEOUT;
            if (stopped && !startedContainer(job)) {
                // nothing ran: left alone, it could start later with nobody watching
                CompletableFuture<MigrationResult> deleted = slot.delete(site, site.namespace(), job.name())
                        .thenApply(v -> withMessage(r, r.message() + "; the Job " + job.name()
                                + " was deleted before its container started, so nothing ran"));
                if (held.lost().isDone() && r.outcome() == StageOutcome.CANCELLED && !site.cancelled().isDone()) {
                    LockLost l = held.lost().join();
                    return deleted.thenCompose(x -> CompletableFuture.failedFuture(new LockLost.Exception(new LockLost(
                            l.lease(), l.holder(), l.why() + "; stopped waiting, so nothing is rolled out; the Job "
                            + job.name() + " was deleted before its container started, so nothing ran"))));
                }
                return deleted;
            }
            if (held.lost().isDone() && r.outcome() == StageOutcome.CANCELLED && !site.cancelled().isDone()) {
                // the Job keeps the environment occupied: the run that took the lock over waits for it
                LockLost l = held.lost().join();
                return CompletableFuture.failedFuture(new LockLost.Exception(new LockLost(l.lease(), l.holder(), l.why()
                        + "; stopped waiting, so nothing is rolled out; the Job " + job.name()
                        + " keeps running and the next run waits for it")));
            }
            if (MigrationSlot.neverStarted(r, site.watch().pods(job.name()))) {
                // left alone, the kubelet would start it once the image or Secret appears: with nobody watching
                return slot.delete(site, site.namespace(), job.name()).thenApply(v -> withMessage(r, r.message() + "; the Job "
                        + job.name() + " was deleted before its container started, so nothing ran; fix the cause and run again"));
            }
            if (stopped) {
                if (m.deletesOnCancel()) {
                    return slot.delete(site, site.namespace(), job.name()).thenApply(v -> withMessage(r, r.message()
                            + "; the Job " + job.name() + " was deleted (migration.onCancel: delete)"));
                }
                return CompletableFuture.completedFuture(withMessage(r, r.message() + "; the migration still runs: the Job "
                        + job.name() + " in namespace " + job.namespace() + " is left to finish (killing a migration half way"
                        + " is worse), and the next run waits for it to end"));
            }
            return CompletableFuture.completedFuture(why != null && r.outcome() == StageOutcome.SUCCEEDED ? withMessage(r, why) : r);
        }, api).thenApply(r -> r.ofJob(job.name()));
    }

    /** Whether a container of the Job's Pods runs or ran, straight from the API server (the watch may lag a start). */
    private boolean startedContainer(MigrationJob job) {
        try {
            return site.client().pods().inNamespace(job.namespace()).withLabel(Labels.JOB_NAME, job.name()).list().getItems()
                    .stream().anyMatch(PodDiagnosis::hasStarted);
        } catch (KubernetesClientException e) {
            return true; // not known: leave it, as a started one is left
        }
    }

    /** Reads the Secrets the Job references so that their values are masked in its log. */
    private void learnSecrets(Migration m) {
        for (String name : m.secretNames()) {
            try {
                Secret secret = site.client().secrets().inNamespace(site.namespace()).withName(name).get();
                if (secret == null) {
                    continue; // the Pod will report CreateContainerConfigError, with the fix
                }
                SecretValues.of(secret).values().forEach(site.masker()::add);
            } catch (KubernetesClientException e) {
                site.note(e.getCode() == 403
                        ? "values from Secret " + name + " cannot be masked in the log: " + Permissions.explainForbidden(
                                "the account may not read it: " + String.valueOf(e.getStatus() == null ? e.getMessage()
                                        : e.getStatus().getMessage())).replaceFirst("^.*?: forbidden: ", "")
                        : "cannot read Secret " + name + " to mask its values in the log (" + e.getCode()
                                + "); grant 'get' on secrets to keep them out of the log");
            }
        }
    }

    private static String ranBy(Job job) {
        Map<String, String> a = job.getMetadata().getAnnotations();
        String run = a == null ? null : a.get(Labels.ANNOTATION_RUN);
        return run == null ? "" : " (started by " + run + ")";
    }

    private static MigrationResult withMessage(MigrationResult r, String message) {
        return new MigrationResult(r.outcome(), r.reason(), message, r.exitCode(), r.attempts(), r.log(), r.lastAttemptTail(), r.job());
    }

    private static String orElse(String s, String fallback) {
        return s == null ? fallback : s;
    }
}
