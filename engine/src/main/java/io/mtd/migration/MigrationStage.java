package io.mtd.migration;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.concurrent.Futures;
import io.mtd.concurrent.Ticker;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.Preflight;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.mtd.kube.ApiError;
import io.mtd.kube.Labels;
import io.mtd.kube.LeaseRecord;
import io.mtd.kube.LeaseLock;
import io.mtd.kube.LockLost;
import io.mtd.kube.NamespaceWatch;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.KubeNames;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.MigrationReport;
import io.mtd.report.RunOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

/**
 * Runs one Job under an environment's migration lock (the migration, its post-rollout phase, the printing of its SQL):
 * prepares it, claims the environment's slot (or runs under the caller's claim), creates, attaches to or skips the Job,
 * waits for its result while streaming its log, and reports how it ended.
 */
public final class MigrationStage {

    /** How many of a Job's last log lines its outcome keeps (for parsers: Flyway's output, the printed SQL, a snapshot). */
    public static final int LOG_LINES_KEPT = 20_000;

    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Clock clock;
    private final Ticker ticker;
    private final MigrationSlot slot;

    /**
     * @param scheduler timers and the quick continuations of every wait
     * @param api the small pool that makes the blocking API calls (lock attempts, renewals, releases, the Job's reads,
     *     creates and deletes)
     */
    public MigrationStage(ScheduledExecutorService scheduler, Executor api, Clock clock, Duration unschedulableGrace) {
        this(scheduler, api, clock, Ticker.SYSTEM, unschedulableGrace);
    }

    /**
     * @param clock the wall clock: the Lease's times for people, and the reports'
     * @param ticker the monotonic time every decision is measured with (the lock's validity, a deadline, a grace)
     */
    public MigrationStage(ScheduledExecutorService scheduler, Executor api, Clock clock, Ticker ticker, Duration unschedulableGrace) {
        this.scheduler = scheduler;
        this.api = api;
        this.clock = clock;
        this.ticker = ticker;
        this.slot = new MigrationSlot(scheduler, api, ticker, unschedulableGrace);
    }

    /** Waits, at most {@code max}, for locks still being released; the engine calls it before it shuts its pools down. */
    public void awaitReleases(Duration max) {
        slot.awaitReleases(max);
    }

    /**
     * What one migration needs: the run's plan (each kind of Job derives its own migration from it) and environment.
     *
     * @param watches the shared watch of another namespace of the environment's cluster, where a slot's Lease (or another
     *     app's Job that shares it) may be
     */
    public record Target(Plan plan, Environment environment, String image, RunIdentity identity,
            KubernetesClient client, NamespaceWatch watch, ProgressListener listener, SecretMasker masker,
            CompletableFuture<String> cancelled, Path workspace, Function<String, NamespaceWatch> watches) {

        /** A target whose slot lives in the environment's namespace only (no {@code migration.lock.namespace}). */
        public Target(Plan plan, Environment environment, String image, RunIdentity identity, KubernetesClient client,
                NamespaceWatch watch, ProgressListener listener, SecretMasker masker, CompletableFuture<String> cancelled,
                Path workspace) {
            this(plan, environment, image, identity, client, watch, listener, masker, cancelled, workspace, ns -> {
                throw new IllegalStateException("no watch of namespace " + ns + " was given for the migration of "
                        + environment.name());
            });
        }

        JobSite site() {
            return new JobSite(environment.name(), environment.namespaceOrDefault(), client, watch, watches, listener, masker,
                    cancelled);
        }
    }

    /**
     * The migration, ready to run or refused before any Job exists; {@link #describe()} is the stage's start line, which
     * the pipeline sends.
     */
    public sealed interface Prepared permits Ready, Refused {
        /** What this stage is about to run, in one line. */
        String describe();
    }

    /**
     * A migration whose Job is built (scripts read, Flyway's pre-flight passed) and can run.
     *
     * @param database what the database said before anything ran about what the Job would apply (Flyway's pre-flight):
     *     the only evidence on which a Job that succeeded before for this image is skipped without the plan's say-so
     */
    public record Ready(Target target, MigrationJob job, DatabaseState database) implements Prepared {

        /** A Job whose database was not read before it runs (a command migration). */
        public Ready(Target target, MigrationJob job) {
            this(target, job, DatabaseState.NOT_READ);
        }

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

    /** Prepares the plan's own migration (before the rollout): {@link #prepare(Target, JobKind)}. */
    public Prepared prepare(Target t) {
        return prepare(t, JobKind.MIGRATION);
    }

    /**
     * Builds the Job of that {@code kind} and, for Flyway, runs its pre-flight (its findings as notes); creates nothing.
     * A Job that cannot run is {@link Refused} with its report.
     */
    public Prepared prepare(Target t, JobKind kind) {
        Instant start = clock.instant();
        MigrationJob job;
        try {
            job = MigrationJob.of(kind, t.plan(), t.environment(), t.image(), t.identity(), t.workspace());
        } catch (IllegalArgumentException e) {
            return refused(t, start, MigrationReason.Engine.INVALID_MIGRATIONS, e.getMessage());
        }
        Migration m = job.migration();
        if (m.flyway() != null) {
            Preflight preflight = FlywayPreflight.check(m.flyway(), t.workspace(), t.client(), job.namespace());
            if (!preflight.ok()) {
                return refused(t, start, MigrationReason.Engine.PREFLIGHT_FAILED,
                        "the Flyway pre-flight found problems before any Job was created: " + String.join("; ", preflight.errors()));
            }
            t.site().note(preflight.pending()
                    .map(p -> p.isEmpty() ? "pre-flight: no pending migrations"
                            : "pre-flight: " + p.size() + " pending: " + p.stream().map(x -> "V" + x.version() + " " + x.description())
                                    .collect(Collectors.joining(", ")))
                    .orElse("pre-flight: pending migrations unknown (" + preflight.note() + ")"));
            return new Ready(t, job, databaseState(preflight));
        }
        return new Ready(t, job);
    }

    /**
     * Claims {@code t}'s environment's migration slot: its lock taken once, for Jobs run under it with
     * {@link #run(Prepared, CompletableFuture)} one after another; the caller releases it. Completes exceptionally
     * (cancelled, lock timeout) as the first Job run under it then reports.
     */
    public CompletableFuture<SlotClaim> claim(Target t) {
        Migration.Lock settings = t.plan().migration().lockOrDefaults();
        JobSite site = t.site();
        SlotKey key = SlotKey.of(t.plan(), t.environment());
        site.lockNote("migration slot " + key.describe());
        noteEarlierLease(site, t.plan().app(), key);
        Map<String, String> labels = new TreeMap<>(MigrationSlot.migrations());
        labels.put(Labels.SLOT, key.label());
        NamespaceWatch leases = site.watch(key.leaseNamespace());
        LeaseLock lock = new LeaseLock(t.client(), leases.leases(), key.leaseNamespace(), key.leaseName(), t.identity().id(),
                t.plan().app(), settings.leaseDurationOrDefault(), labels, scheduler, api, clock, ticker);
        return slot.claim(site, key, lock, settings.waitOrDefault());
    }

    /**
     * Says, the first time a run of this version meets it, that the app and environment's Lease of earlier versions (keyed
     * by the app's name) is no longer this app's lock, and what is: nothing changes without a word. Marks it once it is
     * free, so that the note is not repeated; runs of earlier versions still take it, and only it.
     */
    private static void noteEarlierLease(JobSite site, String app, SlotKey key) {
        String name = lockName(app, site.environment());
        try {
            Lease earlier = site.client().leases().inNamespace(site.namespace()).withName(name).get();
            Map<String, String> a = earlier == null || earlier.getMetadata().getAnnotations() == null ? Map.of()
                    : earlier.getMetadata().getAnnotations();
            if (earlier == null || a.containsKey(Labels.ANNOTATION_SUPERSEDED_BY)) {
                return;
            }
            LeaseRecord record = LeaseRecord.of(earlier);
            site.lockNote("the app " + app + "'s migrations in " + site.environment() + " were serialised by the Lease " + name
                    + ", keyed by the app's name, until this version of mtd; the slot is now keyed by what is migrated: "
                    + key.value() + " (" + key.origin() + "). Runs of earlier versions take only the Lease " + name
                    + (record.held() ? " (held now by " + record.holder() + ")" : "")
                    + ": upgrade every pipeline that migrates this database");
            if (!record.held()) {
                site.client().leases().inNamespace(site.namespace()).withName(name).edit(l -> {
                    Map<String, String> annotations = new TreeMap<>(l.getMetadata().getAnnotations() == null ? Map.of()
                            : l.getMetadata().getAnnotations());
                    annotations.put(Labels.ANNOTATION_SUPERSEDED_BY, key.leaseNamespace() + "/" + key.leaseName());
                    l.getMetadata().setAnnotations(annotations);
                    return l;
                });
            }
        } catch (KubernetesClientException e) {
            // only a note: the slot does not depend on it
        }
    }

    /** What Flyway's history says the database still needs, as the evidence a skip rests on. */
    private static DatabaseState databaseState(Preflight preflight) {
        return preflight.pending().<DatabaseState>map(p -> p.isEmpty()
                ? new DatabaseState.NothingPending("Flyway's history says nothing is pending")
                : new DatabaseState.Pending("Flyway's history says " + p.size() + " migration(s) are pending"))
                .orElse(new DatabaseState.Unknown(preflight.note()));
    }

    /**
     * On what evidence the Job of that {@code kind} for {@code t} will be skipped as already applied, or empty when it will run, so
     * that a Job that only matters before it runs (a backup) is left out: it succeeded for this image, and the same rule
     * as the run's ({@link Rerun}) skips it: the database says nothing is pending (Flyway's history, read here as the
     * pre-flight reads it), or the plan trusts the Job record ({@code migration.skipWhenSucceeded}). Asked under the
     * claim the Job runs under, so that no other run changes the answer before it runs; never on the caller's thread.
     */
    public CompletableFuture<Optional<String>> skipsAsApplied(Target t, JobKind kind) {
        if (kind.everyRun()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return CompletableFuture.supplyAsync(() -> {
            MigrationJob job;
            try {
                job = MigrationJob.of(kind, t.plan(), t.environment(), t.image(), t.identity(), t.workspace());
            } catch (IllegalArgumentException e) {
                return Optional.<String>empty(); // it cannot run: its preparation says why
            }
            // the Job the run will find, as SlotClaim.start finds it: the release's last attempt not being deleted
            List<Job> earlier = SlotClaim.releaseJobs(t.client(), job);
            Job last = earlier.isEmpty() ? null : earlier.get(earlier.size() - 1);
            if (last == null || !JobStatus.succeeded(last)) {
                return Optional.<String>empty();
            }
            Migration m = job.migration();
            DatabaseState database = DatabaseState.NOT_READ;
            if (m.flyway() != null) {
                Preflight preflight = FlywayPreflight.check(m.flyway(), t.workspace(), t.client(), job.namespace());
                if (!preflight.ok()) {
                    return Optional.<String>empty(); // the migration's own preparation refuses it, with the findings
                }
                database = databaseState(preflight);
            }
            return Rerun.after(m, database, "Job " + last.getMetadata().getName()) instanceof Rerun.Skip skip
                    ? Optional.of(skip.evidence()) : Optional.<String>empty();
        }, api);
    }

    /**
     * Runs a prepared Job under a claim of its own: claims the slot, creates, attaches to or skips the Job, waits for it,
     * and gives the slot back as soon as the Job ended. The outcome's report says how it ended (the future itself fails
     * only on programming errors).
     */
    public CompletableFuture<Outcome> run(Prepared prepared) {
        return run(prepared, null);
    }

    /**
     * Runs a prepared Job under {@code claim} (from {@link #claim}), which stays held for the caller's next Job; with a
     * null claim, under one of its own, as {@link #run(Prepared)}.
     */
    public CompletableFuture<Outcome> run(Prepared prepared, CompletableFuture<SlotClaim> claim) {
        if (prepared instanceof Refused r) {
            return CompletableFuture.completedFuture(r.outcome());
        }
        Ready ready = (Ready) prepared;
        MigrationJob job = ready.job();
        Instant start = clock.instant();
        boolean own = claim == null;
        CompletableFuture<SlotClaim> claimed = own ? claim(ready.target()) : claim;
        return claimed.thenComposeAsync(c -> {
            CompletableFuture<MigrationResult> migrated = c.run(job, ready.database());
            if (own) {
                // report as soon as the Job ended; the lock is given back meanwhile, not before
                migrated.whenComplete((r, e) -> c.release());
            }
            return migrated;
        }, api).handleAsync((result, error) -> report(job, start, result, error), scheduler);
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
            case FAILED, DENIED, NOT_REACHED, SUPERSEDED -> reason instanceof MigrationReason.Engine e ? switch (e) {
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
            boolean ok = r.outcome().ok();
            report = new MigrationReport(r.job() != null ? r.job() : job.name(), r.outcome(), r.reason() == null ? null : r.reason().value(), r.message(),
                    r.exitCode(), r.attempts(), took, null, List.of(), ok ? List.of() : r.lastAttemptTail());
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
                        + (report.attempts() > 1 ? " (" + report.attempts() + " attempts)" : "")
                        + (report.message() == null ? "" : "; " + report.message());
                case SKIPPED -> report.message();
                default -> report.explanation();
            };
        }

    }

    /**
     * The Lease that serialised the migrations of {@code app} in {@code environment} before slots were keyed by what is
     * migrated ({@link SlotKey}): a run notes it when it finds one.
     */
    public static String lockName(String app, String environment) {
        String plain = app + "-" + environment + "-migration-lock";
        return KubeNames.isLabel(plain) ? plain : KubeNames.hashedName(app + "/" + environment, 8, app, environment, "lock");
    }

}
