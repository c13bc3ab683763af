package io.mtd;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.concurrent.DaemonThreads;
import static io.mtd.concurrent.Futures.unwrap;
import io.mtd.flyway.FlywayOutput;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.image.ImageResolver;
import io.mtd.kube.ClusterConnector;
import io.mtd.kube.ClusterPool;
import io.mtd.kube.KubeconfigClusters;
import io.mtd.kube.NamespaceWatch;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintOutput;
import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseLint;
import io.mtd.lint.ReleaseSql;
import io.mtd.lint.ReleaseGate;
import io.mtd.kube.Permissions;
import io.mtd.migration.MigrationReason;
import io.mtd.migration.MigrationStage;
import io.mtd.migration.PostRolloutMigration;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanValidator;
import io.mtd.progress.MaskingListener;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.ApprovalReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.ImageReport;
import io.mtd.report.MigrationReport;
import io.mtd.report.RolloutReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.rollout.CallbackRollout;
import io.mtd.rollout.RolloutCallback;
import io.mtd.rollout.RolloutStage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The engine: runs a {@link Plan} (image, then per environment in order: approval, migration, rollout) and reports.
 *
 * <p>A run never blocks a caller's thread: {@link #start} returns at once and {@link Run#report()} completes when the
 * run ends. Clients and namespace watches are shared by every run of one engine, so many runs cost few connections.
 */
public final class MigrateThenDeploy implements AutoCloseable {

    private final ClusterConnector clusters;
    private final ProgressListener listener;
    private final ApprovalGate approvals;
    private final RolloutCallback rolloutCallback;
    private final ImageResolver images;
    private final RunIdentity identity;
    private final Path workspace;
    private final List<String> secrets;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final ExecutorService api;
    private final boolean ownsApi;
    private final MigrationStage migrations;
    private final RolloutStage rollouts;
    private final Clock clock;
    private final Duration unschedulableGrace;
    private final ClusterPool pool;
    private final boolean ownsPool;
    private final ClusterPool.Lease connections;

    private MigrateThenDeploy(Builder b) {
        this.clusters = b.clusters;
        this.listener = b.listener;
        this.approvals = b.approvals;
        this.rolloutCallback = b.rolloutCallback;
        this.images = b.images;
        this.identity = b.identity;
        this.workspace = b.workspace;
        this.secrets = List.copyOf(b.secrets);
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : Executors.newScheduledThreadPool(2, DaemonThreads.factory("mtd-engine"));
        this.clock = b.clock;
        this.unschedulableGrace = b.unschedulableGrace;
        this.ownsApi = b.api == null;
        this.api = b.api != null ? b.api : Executors.newFixedThreadPool(b.apiThreads, DaemonThreads.factory("mtd-api"));
        this.ownsPool = b.pool == null;
        this.pool = b.pool != null ? b.pool : new ClusterPool();
        this.connections = pool.lease();
        this.migrations = new MigrationStage(scheduler, api, clock, unschedulableGrace);
        this.rollouts = new RolloutStage(scheduler, pool.deploymentWatches());
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validates {@code plan}, and a Flyway plan's scripts, throwing {@link InvalidPlanException} with every error; then
     * starts running it.
     */
    public Run start(Plan plan) {
        return start(plan, false);
    }

    private Run start(Plan plan, boolean withoutRollout) {
        PlanValidator.requireValid(plan);
        if (plan.migration().flyway() != null) {
            // the scripts are part of the plan: check them offline before an image is built or a cluster is touched
            List<String> problems = FlywayPreflight.check(plan.migration().flyway(), workspace, Optional.empty()).errors();
            if (!problems.isEmpty()) {
                throw new InvalidPlanException(problems.stream()
                        .map(p -> new PlanError("migration.flyway.locations", p)).toList());
            }
        }
        SecretMasker masker = new SecretMasker();
        secrets.forEach(masker::add);
        ProgressListener events = new MaskingListener(listener, masker);
        LintReport lint = ReleaseGate.check(plan, workspace, events, this::client); // throws before anything is touched
        Run run = new Run(plan, events, masker, withoutRollout);
        run.lint = lint;
        run.begin();
        return run;
    }

    /**
     * Runs only {@code environment}'s part of {@code plan}: the image (as the resolver does it), the environment's approval
     * if the plan asks for one, its lock and migration Job, and the report; no rollout. For callers that roll out with
     * their own tools once the migration succeeded (a Jenkins stage's own steps). The Job is the one a whole run would
     * create for that environment and image, so both forms attach to, skip or wait for each other's migrations.
     *
     * @throws InvalidPlanException when the plan is invalid or has no such environment
     */
    public Run startMigration(Plan plan, String environment) {
        if (plan.environments().stream().noneMatch(e -> Objects.equals(e.name(), environment))) {
            throw new InvalidPlanException(List.of(new PlanError("environments", "the plan has no environment '"
                    + environment + "'; name one of " + plan.environments().stream().map(Environment::name).toList())));
        }
        return start(plan.onlyEnvironment(environment), true);
    }

    /** Runs {@code plan} to its end on the calling thread. */
    public RunReport run(Plan plan) {
        return start(plan).report().join();
    }

    /** Open watch connections, for the scale benchmark. */
    public int watchConnections() {
        return pool.watchConnections();
    }

    /**
     * Waits briefly for lock releases, then gives back this engine's clients: a shared {@link ClusterPool} closes those no
     * other engine uses, a private one closes them all. Shared executors stay up.
     */
    @Override
    public void close() {
        migrations.awaitReleases(Duration.ofSeconds(5));
        if (ownsApi) {
            api.shutdown();
        }
        connections.close();
        if (ownsPool) {
            pool.close();
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    private KubernetesClient client(Environment env) {
        return connections.client(clusters, env);
    }

    private NamespaceWatch watch(KubernetesClient client, String namespace) {
        return connections.watch(client, namespace);
    }

    /** One run of a plan. */
    public final class Run {
        private final Plan plan;
        private final ProgressListener events;
        private final SecretMasker masker;
        private final Instant started;
        private final CompletableFuture<String> cancelled = new CompletableFuture<>();
        private final CompletableFuture<RunReport> report = new CompletableFuture<>();
        private final List<EnvironmentReport> environments = new ArrayList<>();
        private final boolean withoutRollout;
        private volatile ImageReport image;
        private volatile LintReport lint;

        private Run(Plan plan, ProgressListener events, SecretMasker masker, boolean withoutRollout) {
            this.plan = plan;
            this.events = events;
            this.masker = masker;
            this.withoutRollout = withoutRollout;
            this.started = clock.instant();
        }

        /** Completes with the report when the run ends; never completes exceptionally. */
        public CompletableFuture<RunReport> report() {
            return report;
        }

        /** Stops waiting on whatever the run waits for; a migration Job that runs is left to finish unless the plan says otherwise. */
        public void cancel(String why) {
            cancelled.complete(why == null ? "cancelled" : why);
        }

        public SecretMasker masker() {
            return masker;
        }

        private void begin() {
            CompletableFuture<ImageReport> resolved;
            try {
                resolved = images.resolve(plan, events).toCompletableFuture();
            } catch (RuntimeException e) {
                resolved = CompletableFuture.failedFuture(e);
            }
            resolved.whenCompleteAsync((img, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    image = ImageReport.unresolved(plan.image());
                    finish(RunOutcome.IMAGE_FAILED, "image: " + message(cause), 0);
                    return;
                }
                image = img;
                environment(0);
            }, scheduler);
        }

        private void environment(int index) {
            if (cancelled.isDone()) {
                finish(RunOutcome.CANCELLED, cancelled.getNow("cancelled"), index);
                return;
            }
            if (index >= plan.environments().size()) {
                finish(RunOutcome.SUCCEEDED, null, index);
                return;
            }
            Environment env = plan.environments().get(index);
            approve(env).whenCompleteAsync((approval, error) -> {
                if (error != null) {
                    environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), StageOutcome.FAILED, null, null, null));
                    finish(RunOutcome.INFRASTRUCTURE, env.name() + ": approval: " + message(unwrap(error)), index + 1);
                    return;
                }
                if (approval != null && approval.outcome() != StageOutcome.SUCCEEDED) {
                    environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), approval.outcome(), approval, null, null));
                    RunOutcome o = approval.outcome() == StageOutcome.CANCELLED ? RunOutcome.CANCELLED : RunOutcome.DENIED;
                    finish(o, env.name() + ": not approved" + (approval.comment() == null ? "" : ": " + approval.comment()), index + 1);
                    return;
                }
                migrateAndRollOut(index, env, approval);
            }, scheduler);
        }

        private CompletableFuture<ApprovalReport> approve(Environment env) {
            if (!env.requiresApproval()) {
                return CompletableFuture.completedFuture(null);
            }
            Duration timeout = plan.rolloutOrDefaults().approvalTimeoutOrDefault();
            events.on(new ProgressEvent.StageStarted(Stage.APPROVAL, env.name(), "waiting up to " + Durations.format(timeout)
                    + " for approval to promote " + image.pinned() + " to " + env.name()));
            Instant asked = clock.instant();
            CompletableFuture<ApprovalGate.Decision> decision = approvals.request(new ApprovalGate.Request(plan.app(), env.name(),
                    env.namespaceOrDefault(), image.pinned(), env.approvers(), timeout)).toCompletableFuture();
            CompletableFuture<ApprovalGate.Decision> bounded = decision.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            cancelled.thenAccept(why -> {
                bounded.completeExceptionally(new CancellationException(why));
                decision.cancel(false);
            });
            return bounded.handle((d, error) -> {
                ApprovalReport r;
                if (error != null) {
                    Throwable cause = unwrap(error);
                    if (cause instanceof TimeoutException) {
                        r = new ApprovalReport(StageOutcome.TIMED_OUT, null, "no answer within " + Durations.format(timeout), clock.instant());
                    } else if (cause instanceof CancellationException) {
                        r = new ApprovalReport(StageOutcome.CANCELLED, null, message(cause), clock.instant());
                    } else {
                        throw new CompletionException(cause);
                    }
                } else {
                    r = new ApprovalReport(d.approved() ? StageOutcome.SUCCEEDED : StageOutcome.DENIED, d.by(), d.comment(), clock.instant());
                }
                events.on(new ProgressEvent.StageFinished(Stage.APPROVAL, env.name(), r.outcome(), Duration.between(asked, clock.instant()),
                        (r.outcome() == StageOutcome.SUCCEEDED ? "approved" : "not approved") + (r.by() == null ? "" : " by " + r.by())
                                + (r.comment() == null ? "" : ": " + r.comment())));
                return r;
            });
        }

        private void migrateAndRollOut(int index, Environment env, ApprovalReport approval) {
            KubernetesClient client;
            NamespaceWatch watch;
            try {
                client = client(env);
                // before anything is touched there: may this account do all the run needs? (one line naming what not)
                Optional<String> refused = Permissions.refused(client, plan, env);
                if (refused.isPresent()) {
                    environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), StageOutcome.FAILED, approval, null, null));
                    finish(RunOutcome.INFRASTRUCTURE, env.name() + ": " + refused.get(), index + 1);
                    return;
                }
                watch = watch(client, env.namespaceOrDefault());
            } catch (RuntimeException e) {
                environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), StageOutcome.FAILED, approval, null, null));
                finish(RunOutcome.INFRASTRUCTURE, env.name() + ": cannot reach the cluster: " + message(e), index + 1);
                return;
            }
            MigrationStage.Target target = new MigrationStage.Target(plan, env, image.pinned(), identity, client, watch, events,
                    masker, cancelled, workspace);
            Runnable migrate = () -> migrations.run(target).whenCompleteAsync((outcome, error) -> {
                if (error != null) {
                    environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), StageOutcome.FAILED, approval, null, null));
                    finish(RunOutcome.INFRASTRUCTURE, env.name() + ": migration: " + message(unwrap(error)), index + 1);
                    return;
                }
                MigrationReport migration = withFlyway(outcome);
                StageOutcome mo = migration.outcome();
                if (mo != StageOutcome.SUCCEEDED && mo != StageOutcome.SKIPPED) {
                    environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), mo, approval, migration, null));
                    finish(outcome.runOutcome(), env.name() + ": migration" + (migration.job() == null ? "" : " " + migration.job())
                            + " " + mo.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                            + (migration.reason() == null ? "" : ": " + migration.reason())
                            + (migration.message() == null ? "" : ": " + migration.message()), index + 1);
                    return;
                }
                rollOut(client, env).whenCompleteAsync((rollout, rolloutError) -> {
                    RolloutReport r = rolloutError == null ? rollout
                            : new RolloutReport(rolloutCallback != null ? "callback" : "deployments", StageOutcome.FAILED,
                                    message(unwrap(rolloutError)), Duration.ZERO, List.of());
                    boolean ok = r == null || r.outcome() == StageOutcome.SUCCEEDED || r.outcome() == StageOutcome.SKIPPED;
                    environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(),
                            ok ? StageOutcome.SUCCEEDED : r.outcome(), approval, migration, r));
                    if (!ok) {
                        RunOutcome o = r.outcome() == StageOutcome.CANCELLED ? RunOutcome.CANCELLED
                                : r.outcome() == StageOutcome.TIMED_OUT ? RunOutcome.TIMED_OUT : RunOutcome.ROLLOUT_FAILED;
                        finish(o, env.name() + ": rollout " + r.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                                + ": " + r.reason(), index + 1);
                        return;
                    }
                    postRollout(index, env, client, watch);
                }, scheduler);
            }, scheduler);
            checkPrintedSql(index, env, approval, client, watch, migrate);
        }

        /**
         * For a command migration with {@code migration.lint.sqlCommand}: prints the SQL it will run with a short Job from
         * the same image, lints it, and only then migrates ({@code next}); an unacknowledged error stops the run.
         */
        private void checkPrintedSql(int index, Environment env, ApprovalReport approval, KubernetesClient client,
                NamespaceWatch watch, Runnable next) {
            Migration m = plan.migration();
            List<String> pre = m.flyway() == null ? m.lintOrDefaults().sqlCommand() : List.of();
            List<String> post = m.flyway() == null && m.hasPostRollout() ? m.postRollout().sqlCommand() : List.of();
            if (pre.isEmpty() && post.isEmpty()) {
                next.run();
                return;
            }
            printSql(env, client, watch, pre).thenCompose(p -> printSql(env, client, watch, post).thenApply(q -> List.of(p, q)))
                    .whenCompleteAsync((printed, error) -> {
                        String failed = error != null ? message(unwrap(error)) : null;
                        LintReport checked = null;
                        if (failed == null) {
                            try {
                                checked = ReleaseLint.check(plan, ReleaseSql.gather(plan, workspace, Optional.empty(), printed.get(0),
                                        printed.get(1)));
                            } catch (RuntimeException e) { // the run must end, whatever the check throws
                                environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), StageOutcome.FAILED,
                                        approval, null, null));
                                finish(RunOutcome.INFRASTRUCTURE, env.name() + ": checking the printed SQL failed: " + message(e), index + 1);
                                return;
                            }
                            for (String line : LintOutput.summary(checked).split("\n")) {
                                events.on(new ProgressEvent.Note(Stage.LINT, env.name(), line));
                            }
                            lint = checked;
                        }
                        if (failed != null || !checked.passed()) {
                            environments.add(new EnvironmentReport(env.name(), env.namespaceOrDefault(), StageOutcome.FAILED, approval,
                                    null, null));
                            finish(failed != null ? RunOutcome.MIGRATION_FAILED : RunOutcome.INVALID_PLAN, env.name() + ": "
                                    + (failed != null ? "printing the migration's SQL failed: " + failed
                                    : new LintFailedException(checked).getMessage()) + "; nothing was migrated", index + 1);
                            return;
                        }
                        next.run();
                    }, scheduler);
        }

        /** The SQL {@code sqlCommand} printed in its Job, or empty when there is no command. */
        private CompletableFuture<Optional<String>> printSql(Environment env, KubernetesClient client, NamespaceWatch watch,
                List<String> sqlCommand) {
            if (sqlCommand.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            events.on(new ProgressEvent.Note(Stage.LINT, env.name(), "printing the migration's SQL: " + String.join(" ", sqlCommand)));
            MigrationStage.Target target = new MigrationStage.Target(PostRolloutMigration.printSql(plan, sqlCommand), env,
                    image.pinned(), identity, client, watch, events, masker, cancelled, workspace);
            return migrations.run(target).thenApply(outcome -> {
                MigrationReport r = outcome.report();
                if (r.outcome() != StageOutcome.SUCCEEDED) {
                    throw new CompletionException(new IllegalStateException("Job " + r.job() + " " + r.outcome().name()
                            .toLowerCase(Locale.ROOT) + ": " + r.reason() + (r.message() == null ? "" : ": " + r.message())));
                }
                return Optional.of(String.join("\n", outcome.log()));
            });
        }

        /**
         * The contract phase, once the environment's rollout is complete and healthy: the post-rollout migration as its own
         * Job through the same migration stage (lock, slot, log, fail-fast). Its failure leaves the new version serving.
         */
        private void postRollout(int index, Environment env, KubernetesClient client, NamespaceWatch watch) {
            if (!plan.migration().hasPostRollout()) {
                environment(index + 1);
                return;
            }
            events.on(new ProgressEvent.Note(Stage.MIGRATION, env.name(), "the rollout is complete and healthy: running the"
                    + " post-rollout (contract) migration"));
            MigrationStage.Target target = new MigrationStage.Target(PostRolloutMigration.plan(plan), env, image.pinned(), identity,
                    client, watch, events, masker, cancelled, workspace);
            migrations.run(target).whenCompleteAsync((outcome, error) -> {
                MigrationReport post = error != null
                        ? new MigrationReport(null, StageOutcome.FAILED, MigrationReason.Engine.ENGINE_ERROR.value(), message(unwrap(error)), null, 0, Duration.ZERO, null)
                        : withFlyway(outcome);
                EnvironmentReport rolled = environments.remove(environments.size() - 1);
                environments.add(new EnvironmentReport(rolled.name(), rolled.namespace(), rolled.outcome(), rolled.approval(),
                        rolled.migration(), rolled.rollout(), post));
                StageOutcome po = post.outcome();
                if (po != StageOutcome.SUCCEEDED && po != StageOutcome.SKIPPED) {
                    finish(RunOutcome.POST_ROLLOUT_FAILED, env.name() + ": post-rollout migration " + post.job() + " "
                            + po.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + post.reason()
                            + (post.message() == null ? "" : ": " + post.message()) + ". The new version " + image.pinned()
                            + " is rolled out and keeps serving; the contract change did not complete: fix it and run again", index + 1);
                    return;
                }
                environment(index + 1);
            }, scheduler);
        }

        /** For a Flyway migration, what Flyway reported in the Pod's log: versions, scripts applied, the failing one. */
        private MigrationReport withFlyway(MigrationStage.Outcome outcome) {
            MigrationReport m = outcome.report();
            if (plan.migration().flyway() == null || m.job() == null) {
                return m;
            }
            return FlywayOutput.parse(outcome.log()).map(f -> {
                String message = m.message();
                if (f.error() != null && m.outcome() != StageOutcome.SUCCEEDED) {
                    String script = f.failed() == null ? "" : (f.failed().script() != null ? f.failed().script() : "V" + f.failed().version()) + ": ";
                    message = script + f.error() + (message == null ? "" : " (" + message + ")");
                }
                return new MigrationReport(m.job(), m.outcome(), m.reason(), message, m.exitCode(), m.attempts(), m.duration(), f);
            }).orElse(m);
        }

        /** The caller's rollout if it gave one, else the engine's own over the environment's Deployments, else none. */
        private CompletableFuture<RolloutReport> rollOut(KubernetesClient client, Environment env) {
            CompletableFuture<RolloutReport> rollout;
            if (withoutRollout) {
                return CompletableFuture.completedFuture(null); // the caller rolls out with its own tools
            }
            if (rolloutCallback != null) {
                events.on(new ProgressEvent.StageStarted(Stage.ROLLOUT, env.name(), "caller's rollout of " + image.pinned()));
                // the caller's rollout gets the plan's rollout timeout too; the future's cancel stops it
                rollout = new CallbackRollout(rolloutCallback).roll(client, env, image.pinned(), events);
                Duration limit = plan.rolloutOrDefaults().timeoutOrDefault();
                scheduler.schedule(() -> rollout.completeExceptionally(new TimeoutException("the rollout took longer than "
                        + Durations.format(limit) + " (rollout.timeout)")), limit.toMillis(), TimeUnit.MILLISECONDS);
            } else if (!env.deployments().isEmpty()) {
                events.on(new ProgressEvent.StageStarted(Stage.ROLLOUT, env.name(), String.join(", ", env.deployments())
                        + " to " + image.pinned()));
                rollout = rollouts.roll(client, env, image.pinned(), plan.rolloutOrDefaults(), events);
            } else {
                events.on(new ProgressEvent.Note(Stage.ROLLOUT, env.name(), "no deployments named: nothing to roll out"));
                return CompletableFuture.completedFuture(null);
            }
            Instant began = clock.instant();
            cancelled.thenAccept(why -> rollout.cancel(false));
            return rollout.handle((r, error) -> {
                Throwable cause = error == null ? null : unwrap(error);
                RolloutReport report = error == null ? r : new RolloutReport(rolloutCallback != null ? CallbackRollout.MODE
                        : RolloutStage.MODE, cause instanceof CancellationException ? StageOutcome.CANCELLED
                        : cause instanceof TimeoutException ? StageOutcome.TIMED_OUT : StageOutcome.FAILED,
                        cause instanceof CancellationException ? "cancelled: " + cancelled.getNow("cancelled")
                                : message(cause), Duration.between(began, clock.instant()), List.of());
                events.on(new ProgressEvent.StageFinished(Stage.ROLLOUT, env.name(), report.outcome(),
                        report.duration() != null ? report.duration() : Duration.between(began, clock.instant()),
                        report.outcome() == StageOutcome.SUCCEEDED ? "rolled out" : report.reason()));
                return report;
            });
        }

        private void finish(RunOutcome outcome, String failure, int reachedUpTo) {
            for (int i = environments.size(); i < plan.environments().size(); i++) {
                Environment e = plan.environments().get(i);
                environments.add(EnvironmentReport.notReached(e.name(), e.namespaceOrDefault()));
            }
            report.complete(new RunReport(plan.app(), identity.id(), image, environments, outcome,
                    failure == null ? null : masker.mask(Permissions.explainForbidden(failure)), started,
                    Duration.between(started, clock.instant()), lint));
        }
    }

    private static String message(Throwable t) {
        if (t instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return k.getStatus().getMessage();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Configures an engine; everything but the clusters has a default. */
    public static final class Builder {
        private ClusterConnector clusters = new KubeconfigClusters();
        private ProgressListener listener = ProgressListener.NONE;
        private ApprovalGate approvals = ApprovalGate.DENY_ALL;
        private RolloutCallback rolloutCallback;
        private ImageResolver images = ImageResolver.AS_WRITTEN;
        private RunIdentity identity = RunIdentity.local();
        private Path workspace = Path.of(".");
        private Collection<String> secrets = List.of();
        private ScheduledExecutorService scheduler;
        private Clock clock = Clock.systemUTC();
        private Duration unschedulableGrace = Duration.ofMinutes(2);
        private int apiThreads = 8;
        private ExecutorService api;
        private ClusterPool pool;

        public Builder clusters(ClusterConnector clusters) {
            this.clusters = Objects.requireNonNull(clusters);
            return this;
        }

        public Builder listener(ProgressListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public Builder approvals(ApprovalGate approvals) {
            this.approvals = Objects.requireNonNull(approvals);
            return this;
        }

        /** The caller's own rollout; without one, the engine rolls out the environment's Deployments itself. */
        public Builder rolloutCallback(RolloutCallback rolloutCallback) {
            this.rolloutCallback = rolloutCallback;
            return this;
        }

        public Builder images(ImageResolver images) {
            this.images = Objects.requireNonNull(images);
            return this;
        }

        public Builder identity(RunIdentity identity) {
            this.identity = Objects.requireNonNull(identity);
            return this;
        }

        /** The directory relative paths of the plan (build context, Flyway locations) are resolved against. */
        public Builder workspace(Path workspace) {
            this.workspace = Objects.requireNonNull(workspace);
            return this;
        }

        /** Values to mask in everything the run prints, besides those of the Secrets the migration references. */
        public Builder secrets(Collection<String> secrets) {
            this.secrets = List.copyOf(secrets);
            return this;
        }

        /** A shared executor for timers and retries (the engine makes a two-thread one otherwise). */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Threads of the pool that makes blocking API calls: lock attempts, renewals and releases (default 8). */
        public Builder apiThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("apiThreads must be at least 1");
            }
            this.apiThreads = threads;
            return this;
        }

        /**
         * A pool for the blocking API calls shared with other engines (the caller shuts it down); without one the engine
         * makes its own of {@link #apiThreads} threads.
         */
        public Builder api(ExecutorService api) {
            this.api = api;
            return this;
        }

        /**
         * Clients and namespace watches shared with other engines (one per cluster and credential, one per namespace):
         * a long-lived process gives every run's engine the same pool. Without one the engine keeps its own.
         */
        public Builder clusterPool(ClusterPool pool) {
            this.pool = pool;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** How long a migration Pod may stay unschedulable before the migration fails (default 2m). */
        public Builder unschedulableGrace(Duration grace) {
            this.unschedulableGrace = Objects.requireNonNull(grace);
            return this;
        }

        public MigrateThenDeploy build() {
            return new MigrateThenDeploy(this);
        }
    }
}
