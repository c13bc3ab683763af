package io.mtd.migration;

import io.mtd.concurrent.Futures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.Preflight;
import io.mtd.kube.ApiError;
import io.mtd.kube.Labels;
import io.mtd.kube.LeaseLock;
import io.mtd.kube.LockLost;
import io.mtd.kube.Permissions;
import io.mtd.kube.SecretValues;
import io.mtd.kube.NamespaceWatch;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.KubeNames;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.MigrationReport;
import io.mtd.report.RunOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.List;

/**
 * Runs one environment's migration: takes the app's migration lock, then creates, attaches to or skips the migration
 * Job for this image, waits for its result while streaming its log, and releases the lock.
 */
public final class MigrationStage {

    /** Extra time the engine waits past the Job's own deadline, for Kubernetes to report it: as long again, at most this. */
    private static final Duration DEADLINE_SLACK = Duration.ofSeconds(60);
    /** How soon, and how often at most, a Job create the API server failed is tried again (as fabric8 would). */
    private static final Duration CREATE_RETRY = Duration.ofMillis(500);
    private static final int CREATE_ATTEMPTS = 10;

    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Clock clock;
    private final Duration unschedulableGrace;
    private final Set<CompletableFuture<Void>> releasing = ConcurrentHashMap.newKeySet();
    private final MigrationSlot slot;

    /**
     * @param scheduler timers and the quick continuations of every wait
     * @param api the small pool that makes the blocking API calls (lock attempts, renewals, releases, the Job's reads,
     *     creates and deletes)
     */
    public MigrationStage(ScheduledExecutorService scheduler, Executor api, Clock clock, Duration unschedulableGrace) {
        this.scheduler = scheduler;
        this.api = api;
        this.clock = clock;
        this.unschedulableGrace = unschedulableGrace;
        this.slot = new MigrationSlot(scheduler, api, clock, unschedulableGrace, this::release);
    }

    /** Gives the lock back in the background; {@link #awaitReleases} waits for it. */
    private void release(LeaseLock.Held held) {
        CompletableFuture<Void> release = held.releaseAsync();
        releasing.add(release);
        release.whenComplete((v, x) -> releasing.remove(release));
    }

    /** Waits, at most {@code max}, for locks still being released; the engine calls it before it shuts its pools down. */
    public void awaitReleases(Duration max) {
        try {
            CompletableFuture.allOf(releasing.toArray(CompletableFuture[]::new)).get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // a lock not released in time expires by itself after its lease duration
        }
    }

    /** What one migration needs. */
    public record Target(Plan plan, Environment environment, String image, RunIdentity identity,
            KubernetesClient client, NamespaceWatch watch, ProgressListener listener, SecretMasker masker,
            CompletableFuture<String> cancelled, Path workspace) {}

    /**
     * The migration, ready to run or refused before any Job exists; {@link #describe()} is the stage's start line, which
     * the pipeline sends.
     */
    public sealed interface Prepared permits Ready, Refused {
        /** What this stage is about to run, in one line. */
        String describe();
    }

    /** A migration whose Job is built (scripts read, Flyway's pre-flight passed) and can run. */
    public record Ready(Target target, MigrationJob job) implements Prepared {
        @Override
        public String describe() {
            return "Job " + job.name() + " in namespace " + job.namespace() + " from " + target.image();
        }
    }

    /** A migration that cannot run: its outcome says why, and nothing was created. */
    public record Refused(Target target, Outcome outcome) implements Prepared {
        @Override
        public String describe() {
            return "migration from " + target.image() + " in namespace " + target.environment().namespaceOrDefault();
        }
    }

    /**
     * Builds the migration's Job and, for Flyway, runs its pre-flight (its findings as notes); creates nothing. A
     * migration that cannot run is {@link Refused} with its report.
     */
    public Prepared prepare(Target t) {
        Instant start = clock.instant();
        Migration m = t.plan().migration();
        MigrationJob job;
        try {
            job = MigrationJob.of(t.plan(), t.environment(), t.image(), t.identity(), t.workspace());
        } catch (IllegalArgumentException e) {
            return refused(t, start, MigrationReason.Engine.INVALID_MIGRATIONS, e.getMessage());
        }
        if (m.flyway() != null) {
            Preflight preflight = FlywayPreflight.check(m.flyway(), t.workspace(), t.client(), job.namespace());
            if (!preflight.ok()) {
                return refused(t, start, MigrationReason.Engine.PREFLIGHT_FAILED,
                        "the Flyway pre-flight found problems before any Job was created: " + String.join("; ", preflight.errors()));
            }
            note(t, preflight.pending()
                    .map(p -> p.isEmpty() ? "pre-flight: no pending migrations"
                            : "pre-flight: " + p.size() + " pending: " + p.stream().map(x -> "V" + x.version() + " " + x.description())
                                    .collect(java.util.stream.Collectors.joining(", ")))
                    .orElse("pre-flight: pending migrations unknown (" + preflight.note() + ")"));
        }
        return new Ready(t, job);
    }

    /**
     * Runs a prepared migration: takes the slot and the lock, creates, attaches to or skips the Job, waits for it. The
     * outcome's report says how it ended (the future itself fails only on programming errors).
     */
    public CompletableFuture<Outcome> run(Prepared prepared) {
        if (prepared instanceof Refused r) {
            return CompletableFuture.completedFuture(r.outcome());
        }
        Ready ready = (Ready) prepared;
        Target t = ready.target();
        MigrationJob job = ready.job();
        Instant start = clock.instant();
        Migration m = t.plan().migration();
        Duration leaseDuration = m.lockOrDefaults().leaseDurationOrDefault();
        LeaseLock lock = new LeaseLock(t.client(), t.watch().leases(), job.namespace(), lockName(t.plan().app(),
                t.environment().name()), t.identity().id(), leaseDuration, job.labels(), scheduler, api, clock);
        CompletableFuture<LeaseLock.Held> claimed = slot.claim(t, job, lock, m.lockOrDefaults().waitOrDefault());

        return claimed.thenComposeAsync(held -> {
            CompletableFuture<MigrationResult> migrated = migrate(t, job, held);
            // report as soon as the Job ended; the lock is given back meanwhile, not before
            migrated.whenComplete((r, e) -> release(held));
            return migrated;
        }, api).handleAsync((result, error) -> report(job, start, result, error), scheduler);
    }

    private CompletableFuture<MigrationResult> migrate(Target t, MigrationJob job, LeaseLock.Held held) {
        learnSecrets(t);
        // never call the API on the informers' event loop or the timers' scheduler: continue on the API pool
        return t.watch().synced().thenComposeAsync(v -> {
            Job existing = t.client().batch().v1().jobs().inNamespace(job.namespace()).withName(job.name()).get();
            if (existing != null) {
                if (JobStatus.succeeded(existing)) {
                    return CompletableFuture.completedFuture(new MigrationResult(StageOutcome.SKIPPED, MigrationReason.Engine.ALREADY_SUCCEEDED,
                            "already migrated for this image" + ranBy(existing), 0, 0, null));
                }
                Optional<JobCondition> failed = JobStatus.condition(existing, JobConditionType.FAILED);
                if (failed.isPresent()) {
                    if (!t.plan().migration().retries()) {
                        return CompletableFuture.completedFuture(new MigrationResult(StageOutcome.FAILED,
                                MigrationReason.of(orElse(failed.get().getReason(), JobConditionType.FAILED.value())),
                                "the migration Job for this image already failed" + ranBy(existing) + ": "
                                        + orElse(failed.get().getMessage(), "no message")
                                        + ". Fix the cause and set migration.retry: true (mtd run --retry) to run it again",
                                null, 0, null));
                    }
                    note(t, "replacing the failed migration Job " + job.name() + " (retry requested)");
                    return slot.delete(t, job.name()).thenComposeAsync(x -> createAndWait(t, job, held), api);
                }
                note(t, "attaching to the running migration Job " + job.name() + ranBy(existing));
                return waitFor(t, job, held);
            }
            return createAndWait(t, job, held);
        }, api);
    }

    private CompletableFuture<MigrationResult> createAndWait(Target t, MigrationJob job, LeaseLock.Held held) {
        return create(t, job, held, 1).thenComposeAsync(v -> waitFor(t, job, held), scheduler);
    }

    /**
     * Creates the Job (and its ConfigMaps) only while the run is not cancelled and the lease is surely ours: a run that
     * stalled must not create a Job after another took the lock over. The requests go through the lock's bounded client,
     * so none lands after the lease expired; one the API server failed is tried again, each time under the same checks.
     */
    private CompletableFuture<Void> create(Target t, MigrationJob job, LeaseLock.Held held, int attempt) {
        if (t.cancelled().isDone()) { // the cancel came while the slot was checked: nothing is created after it
            return CompletableFuture.failedFuture(new CancelledException(t.cancelled().join()));
        }
        Duration margin = t.plan().migration().lockOrDefaults().leaseDurationOrDefault().dividedBy(3);
        if (!held.validFor(margin)) {
            LockLost lost = held.lost().getNow(new LockLost(lockName(t.plan().app(), t.environment().name()), null,
                    "the lease was not renewed recently enough to create the migration Job safely"));
            return CompletableFuture.failedFuture(new LockLost.Exception(lost));
        }
        try {
            createOnce(t, job, held);
            return CompletableFuture.completedFuture(null);
        } catch (KubernetesClientException e) {
            boolean serverOrConnection = e.getCode() == 0 || e.getCode() == 429 || e.getCode() >= 500;
            if (!serverOrConnection || attempt >= CREATE_ATTEMPTS) {
                return CompletableFuture.failedFuture(e);
            }
            note(t, "creating Job " + job.name() + " failed (" + ApiError.describe(e) + "); trying again");
            Executor later = CompletableFuture.delayedExecutor(CREATE_RETRY.toMillis(), TimeUnit.MILLISECONDS, api);
            return CompletableFuture.supplyAsync(() -> create(t, job, held, attempt + 1), later).thenCompose(f -> f);
        }
    }

    private void createOnce(Target t, MigrationJob job, LeaseLock.Held held) {
        KubernetesClient client = held.boundedClient();
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
                t.client().configMaps().inNamespace(job.namespace()).withName(owned.getMetadata().getName())
                        .edit(cm -> new io.fabric8.kubernetes.api.model.ConfigMapBuilder(cm).editMetadata()
                                .withOwnerReferences(owned.getMetadata().getOwnerReferences()).endMetadata().build());
            }
            note(t, "created Job " + job.name() + (job.configMaps().isEmpty() ? ""
                    : " with " + job.configMaps().size() + " ConfigMap(s) of migration scripts"));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            note(t, "attaching to the migration Job " + job.name() + " that another run created just now");
        }
    }

    private CompletableFuture<MigrationResult> waitFor(Target t, MigrationJob job, LeaseLock.Held held) {
        MigrationWaiter waiter = new MigrationWaiter(t.client(), t.watch(), job.name(), t.environment().name(),
                t.listener(), t.masker(), scheduler, clock, unschedulableGrace);
        Duration deadline = t.plan().migration().timeoutOrDefault();
        CompletableFuture<MigrationResult> result = waiter.await(deadline.plus(
                deadline.compareTo(DEADLINE_SLACK) < 0 ? deadline : DEADLINE_SLACK));
        t.cancelled().thenAccept(waiter::cancel);
        held.lost().thenAccept(l -> waiter.cancel(l.describe()));
        return result.thenComposeAsync(r -> {
            if (held.lost().isDone() && r.outcome() == StageOutcome.CANCELLED && !t.cancelled().isDone()) {
                // the Job keeps the environment occupied: the run that took the lock over waits for it
                LockLost l = held.lost().join();
                return CompletableFuture.failedFuture(new LockLost.Exception(new LockLost(l.lease(), l.holder(), l.why()
                        + "; stopped waiting, so nothing is rolled out; the Job " + job.name()
                        + " keeps running and the next run waits for it")));
            }
            if (MigrationSlot.neverStarted(r, t.watch().pods(job.name()))) {
                // left alone, the kubelet would start it once the image or Secret appears: with nobody watching
                return slot.delete(t, job.name()).thenApply(v -> withMessage(r, r.message() + "; the Job " + job.name()
                        + " was deleted before its container started, so nothing ran; fix the cause and run again"));
            }
            boolean stopped = r.outcome() == StageOutcome.CANCELLED || r.reason() == MigrationReason.Engine.WAIT_TIMEOUT;
            if (stopped) {
                if (t.plan().migration().deletesOnCancel()) {
                    return slot.delete(t, job.name()).thenApply(v -> withMessage(r, r.message() + "; the Job " + job.name()
                            + " was deleted (migration.onCancel: delete)"));
                }
                return CompletableFuture.completedFuture(withMessage(r, r.message() + "; the migration still runs: the Job "
                        + job.name() + " in namespace " + job.namespace() + " is left to finish (killing a migration half way"
                        + " is worse), and the next run waits for it to end"));
            }
            return CompletableFuture.completedFuture(r);
        }, api);
    }

    /** Reads the Secrets the Job references so that their values are masked in its log. */
    private static void learnSecrets(Target t) {
        Migration m = t.plan().migration();
        Set<String> names = new LinkedHashSet<>(m.envFromSecret());
        m.secretEnv().forEach(s -> names.add(s.secret()));
        if (m.flyway() != null && m.flyway().secret() != null) {
            names.add(m.flyway().secret());
        }
        for (String name : names) {
            try {
                Secret secret = t.client().secrets().inNamespace(t.environment().namespaceOrDefault()).withName(name).get();
                if (secret == null) {
                    continue; // the Pod will report CreateContainerConfigError, with the fix
                }
                SecretValues.of(secret).values().forEach(t.masker()::add);
            } catch (KubernetesClientException e) {
                note(t, e.getCode() == 403
                        ? "values from Secret " + name + " cannot be masked in the log: " + Permissions.explainForbidden(
                                "the account may not read it: " + String.valueOf(e.getStatus() == null ? e.getMessage()
                                        : e.getStatus().getMessage())).replaceFirst("^.*?: forbidden: ", "")
                        : "cannot read Secret " + name + " to mask its values in the log (" + e.getCode()
                                + "); grant 'get' on secrets to keep them out of the log");
            }
        }
    }

    private Refused refused(Target t, Instant start, MigrationReason.Engine reason, String message) {
        Duration took = Duration.between(start, clock.instant());
        MigrationReport report = new MigrationReport(null, StageOutcome.FAILED, reason.value(), message, null, 0, took, null);
        return new Refused(t, new Outcome(report, List.of(), verdict(StageOutcome.FAILED, reason)));
    }

    /** How the run ends after a migration that ended so: exhaustive over the engine's reasons, so a new one gets a verdict. */
    static RunOutcome verdict(StageOutcome outcome, MigrationReason reason) {
        return switch (outcome) {
            case SUCCEEDED, SKIPPED -> RunOutcome.SUCCEEDED;
            case TIMED_OUT -> RunOutcome.TIMED_OUT;
            case CANCELLED -> RunOutcome.CANCELLED;
            case FAILED, DENIED, NOT_REACHED -> reason instanceof MigrationReason.Engine e ? switch (e) {
                case LOCK_LOST -> RunOutcome.LOCK_LOST;
                case KUBERNETES_ERROR, ENGINE_ERROR -> RunOutcome.INFRASTRUCTURE;
                case CANCELLED, WAIT_TIMEOUT, LOCK_TIMEOUT, JOB_DELETED, INVALID_MIGRATIONS, PREFLIGHT_FAILED, ALREADY_SUCCEEDED ->
                        RunOutcome.MIGRATION_FAILED;
            } : RunOutcome.MIGRATION_FAILED;
        };
    }

    private Outcome report(MigrationJob job, Instant start, MigrationResult r, Throwable error) {
        Duration took = Duration.between(start, clock.instant());
        MigrationReport report;
        RunOutcome verdict;
        if (error != null) {
            Throwable cause = Futures.unwrap(error);
            StageOutcome outcome;
            MigrationReason.Engine reason;
            if (cause instanceof CancelledException) {
                outcome = StageOutcome.CANCELLED;
                reason = MigrationReason.Engine.CANCELLED;
            } else if (cause instanceof LeaseLock.LockTimeoutException) {
                outcome = StageOutcome.TIMED_OUT;
                reason = MigrationReason.Engine.LOCK_TIMEOUT;
            } else if (cause instanceof LockLost.Exception) {
                outcome = StageOutcome.FAILED;
                reason = MigrationReason.Engine.LOCK_LOST;
            } else {
                outcome = StageOutcome.FAILED;
                reason = cause instanceof KubernetesClientException ? MigrationReason.Engine.KUBERNETES_ERROR
                        : MigrationReason.Engine.ENGINE_ERROR;
            }
            verdict = verdict(outcome, reason);
            report = new MigrationReport(job.name(), outcome, reason.value(), ApiError.describe(cause), null, 0, took, null);
        } else {
            report = new MigrationReport(job.name(), r.outcome(), r.reason() == null ? null : r.reason().value(), r.message(), r.exitCode(), r.attempts(), took, null);
            verdict = verdict(r.outcome(), r.reason());
        }
        return new Outcome(report, r == null ? List.of() : r.log(), verdict);
    }

    /**
     * The stage's report, the migration's (masked) log for parsers such as Flyway's, and how the run ends because of
     * it ({@link RunOutcome#SUCCEEDED} when the run goes on to the rollout).
     */
    public record Outcome(MigrationReport report, List<String> log, RunOutcome runOutcome) {

        /** How the stage ended, in one line: the stage's finish line, which the pipeline sends. */
        public String summary() {
            return switch (report.outcome()) {
                case SUCCEEDED -> "migrated in " + Durations.format(report.duration())
                        + (report.attempts() > 1 ? " (" + report.attempts() + " attempts)" : "");
                case SKIPPED -> report.message();
                default -> report.reason() + ": " + report.message();
            };
        }
    }

    /** The Lease that serializes the migrations of {@code app} in {@code environment}. */
    public static String lockName(String app, String environment) {
        String plain = app + "-" + environment + "-migration-lock";
        return KubeNames.isLabel(plain) ? plain : KubeNames.hashedName(app + "/" + environment, 8, app, environment, "lock");
    }

    private static String ranBy(Job job) {
        Map<String, String> a = job.getMetadata().getAnnotations();
        String run = a == null ? null : a.get(io.mtd.kube.Labels.ANNOTATION_RUN);
        return run == null ? "" : " (started by " + run + ")";
    }

    private static MigrationResult withMessage(MigrationResult r, String message) {
        return new MigrationResult(r.outcome(), r.reason(), message, r.exitCode(), r.attempts(), r.log());
    }

    private static String orElse(String s, String fallback) {
        return s == null ? fallback : s;
    }

    static void note(Target t, String message) {
        t.listener().on(new ProgressEvent.Note(Stage.MIGRATION, t.environment().name(), message));
    }

    /** The run was cancelled while this stage waited. */
    static final class CancelledException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CancelledException(String message) {
            super(message);
        }
    }

}
