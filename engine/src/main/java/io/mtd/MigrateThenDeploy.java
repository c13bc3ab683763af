package io.mtd;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.command.DriftCheck;
import io.mtd.command.PlanPreview;
import io.mtd.command.PlanStatus;
import io.mtd.command.RbacManifest;
import io.mtd.command.ReleaseCheck;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.concurrent.Futures;
import io.mtd.concurrent.Ticker;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.image.ImageResolver;
import io.mtd.image.ImageStage;
import io.mtd.kube.ApiError;
import io.mtd.kube.ClusterConnector;
import io.mtd.kube.ClusterPool;
import io.mtd.kube.ClusterProbe;
import io.mtd.kube.KubeconfigClusters;
import io.mtd.kube.NamespaceWatch;
import io.mtd.kube.Permissions;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintReport;
import io.mtd.lint.ThrowawayServer;
import io.mtd.lint.ReleaseGate;
import io.mtd.lint.ReleaseLint;
import io.mtd.migration.MigrationStage;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanLoader;
import io.mtd.plan.PlanText;
import io.mtd.plan.PlanValidator;
import io.mtd.progress.MaskingListener;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.ApprovalStage;
import io.mtd.promotion.Promotion;
import io.mtd.promotion.RunIdentity;
import io.mtd.release.ReleaseRecords;
import io.mtd.report.RunReport;
import io.mtd.rollout.CommandRolloutCallback;
import io.mtd.rollout.RolloutCallback;
import io.mtd.rollout.RolloutStage;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The engine's one door: every verb the CLI and the Jenkins plugin offer is a method here, returning a typed result, as
 * Flyway's {@code Flyway} offers migrate, info and validate. A plan comes in through {@link #check} (or {@link #read}),
 * which runs every plan check once, in one place, and yields a {@link CheckedPlan}; then {@link #plan} previews it,
 * {@link #lint} and {@link #verify} check its SQL, {@link #rbac} says what access its runs need, and {@link #start} runs
 * it: the facade owns the shared clients, watches and pools and hands each run to a {@link Promotion}, which orders the
 * stages (image, then per environment: approval, migration, rollout, post-rollout) and reports.
 *
 * <p>Everything that leaves through the door (reports, previews, lint reports, exceptions) is masked once, here, with
 * every secret value the engine knows: the credentials it was given, the values of the Secrets a run's migration
 * references, and their base64 forms; a new field of a report is covered without anyone remembering it.
 *
 * <p>A run never blocks a caller's thread: {@link #start} returns at once and {@link Run#report()} completes when the
 * run ends. Clients and namespace watches are shared by every run of one engine, so many runs cost few connections.
 */
public final class MigrateThenDeploy implements AutoCloseable {

    private final ClusterConnector clusters;
    private final ProgressListener listener;
    private final Path workspace;
    private final List<String> secrets;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final ExecutorService api;
    private final boolean ownsApi;
    private final MigrationStage migrations;
    private final Promotion.Stages stages;
    private final ClusterPool pool;
    private final boolean ownsPool;
    private final ClusterPool.Share connections;
    private final String rolloutCommand;
    private final Clock clock;

    private MigrateThenDeploy(Builder b) {
        this.clock = b.clock;
        this.clusters = b.clusters;
        this.rolloutCommand = b.rolloutCommand;
        this.listener = b.listener;
        this.workspace = b.workspace;
        this.secrets = List.copyOf(b.secrets);
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : Executors.newScheduledThreadPool(2, DaemonThreads.factory("mtd-engine"));
        this.ownsApi = b.api == null;
        this.api = b.api != null ? b.api : Executors.newFixedThreadPool(b.apiThreads, DaemonThreads.factory("mtd-api"));
        this.ownsPool = b.pool == null;
        this.pool = b.pool != null ? b.pool : new ClusterPool();
        this.connections = pool.share();
        this.migrations = new MigrationStage(scheduler, api, b.clock, b.ticker, b.unschedulableGrace);
        ImageResolver images = b.images != null ? b.images : b.pinImages ? new ImageStage(b.workspace) : ImageResolver.AS_WRITTEN;
        this.stages = new Promotion.Stages(images, new ApprovalStage(b.approvals, b.clock), migrations,
                new RolloutStage(scheduler, pool.deploymentWatches()), b.rolloutCallback, b.identity, b.workspace, scheduler, b.clock,
                this::client, this::watch, new ReleaseRecords(api, b.clock));
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- reading a plan: every check once, in one place ----

    /**
     * Checks {@code text} once, in one place: its shape and fields ({@code PlanValidator}), its post-rollout phase and
     * acknowledgements ({@code ReleaseLint.planErrors}), and, with a {@code workspace}, a Flyway plan's scripts there,
     * offline. Throws {@link InvalidPlanException} with every error, each at its line and column when the plan came from
     * a file.
     *
     * @param workspace where the plan's relative paths point, or null to leave the scripts to the verb that runs it
     */
    public static CheckedPlan check(PlanText text, Path workspace) {
        Plan plan = text.plan();
        List<PlanError> checks = new ArrayList<>();
        if (plan != null) {
            checks.addAll(PlanValidator.validate(plan));
            // what needs a valid plan to be read at all: its lint settings, its scripts
            if (checks.isEmpty()) {
                checks.addAll(ReleaseLint.planErrors(plan));
            }
            if (checks.isEmpty() && workspace != null) {
                checks.addAll(scriptErrors(plan, workspace));
            }
        }
        List<PlanError> errors = text.errors(checks);
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        return new CheckedPlan(plan, plan.migration().flyway() == null ? null : workspace);
    }

    /** {@link #check(PlanText, Path)} for a plan built in code (nothing to locate); its scripts are checked when it runs. */
    public static CheckedPlan check(Plan plan) {
        return check(PlanText.of(plan), null);
    }

    /** Reads and checks the plan in {@code file}, and its Flyway scripts in {@code workspace}. */
    public static CheckedPlan read(Path file, Path workspace) {
        return check(PlanLoader.read(file), workspace);
    }

    /**
     * {@code plan} as JSON a build may keep where people read it (Jenkins' build.xml), with every secret value this engine
     * was given masked: a command or an environment value that quotes a credential is kept as {@code ****};
     * {@link #restore} reads it back.
     */
    public String keepable(CheckedPlan plan) {
        return masker().maskJson(plan.toJson());
    }

    /** Checks again a plan kept as {@link CheckedPlan#toJson()} (a Jenkins step resumed after a restart). */
    public static CheckedPlan restore(String json) {
        Plan plan;
        try {
            plan = PlanLoader.json().readValue(json, Plan.class);
        } catch (JsonProcessingException e) {
            throw new InvalidPlanException(List.of(new PlanError("", "the saved plan cannot be read: " + e.getOriginalMessage())));
        }
        return check(plan);
    }

    /**
     * The errors of a plan being edited field by field (a form holding only some fields): its fields' own checks, as
     * {@link #check} runs them, so a form and a run never disagree.
     */
    public static List<PlanError> fieldErrors(Plan partial) {
        return PlanValidator.validate(partial);
    }

    private static List<PlanError> scriptErrors(Plan plan, Path workspace) {
        if (plan.migration().flyway() == null) {
            return List.of();
        }
        // the scripts are part of the plan: checked offline before an image is built or a cluster is touched
        return FlywayPreflight.check(plan.migration().flyway(), workspace, Optional.empty()).errors().stream()
                .map(p -> new PlanError("migration.flyway.locations", "the Flyway scripts have problems: " + p)).toList();
    }

    /** {@code plan}, its scripts checked in this engine's workspace unless they were already. */
    private Plan scriptsChecked(CheckedPlan plan) {
        if (plan.plan().migration().flyway() != null && !plan.scriptsCheckedIn(workspace)) {
            List<PlanError> errors = scriptErrors(plan.plan(), workspace);
            if (!errors.isEmpty()) {
                throw new InvalidPlanException(errors);
            }
        }
        return plan.plan();
    }

    // ---- the verbs ----

    /** What {@code plan} would do: the plan resolved and each environment's Job; with {@code offline} nothing is asked. */
    public PlanPreview plan(CheckedPlan plan, boolean offline) {
        SecretMasker masker = masker();
        return masked(masker, () -> masker.maskAll(PlanPreview.of(scriptsChecked(plan), workspace, offline), PlanPreview.class));
    }

    /**
     * The expand/contract check of {@code plan}'s SQL, touching no cluster; for a Flyway plan with {@code currentVersion}
     * (null: unknown) only the scripts after it.
     */
    public LintReport lint(CheckedPlan plan, String currentVersion) {
        SecretMasker masker = masker();
        return masked(masker, () -> masker.maskAll(ReleaseCheck.lint(scriptsChecked(plan), workspace, currentVersion),
                LintReport.class));
    }

    /**
     * Why {@code currentVersion} cannot be the version a Flyway {@code plan}'s database is at (not a version, or no script
     * has it), if it cannot; checked before {@link #lint} or {@link #verify} is given it.
     */
    public Optional<String> currentVersionProblem(CheckedPlan plan, String currentVersion) {
        return ReleaseCheck.currentVersionProblem(plan.plan(), workspace, currentVersion);
    }

    /**
     * {@link #lint}, and the pending scripts run as Flyway runs them on a database of {@code server} that holds the
     * scripts up to {@code currentVersion}: the locks, rewrites and schema changes they cause.
     */
    public LintReport verify(CheckedPlan plan, String currentVersion, ThrowawayServer server) throws SQLException {
        SecretMasker masker = masker();
        Plan p = masked(masker, () -> scriptsChecked(plan));
        LintReport report;
        try {
            report = ReleaseCheck.verify(p, workspace, currentVersion, server);
        } catch (RuntimeException e) {
            throw masked(masker, e);
        }
        return masker.maskAll(report, LintReport.class);
    }

    /** The least-privilege Role and RoleBinding per environment for {@code serviceAccount}. */
    public RbacManifest rbac(CheckedPlan plan, String serviceAccount, String serviceAccountNamespace, boolean readSecrets) {
        return masker().maskAll(RbacManifest.of(plan.plan(), serviceAccount, serviceAccountNamespace, readSecrets), RbacManifest.class);
    }

    /**
     * Each environment's schema now against the one kept after its last successful run: a snapshot Job per environment,
     * under its migration lock, as a run takes one (the plan must take snapshots, {@code migration.snapshot}). Blocks
     * until every environment answered.
     *
     * @throws InvalidPlanException when the plan takes no snapshots
     */
    public DriftCheck drift(CheckedPlan plan) {
        Plan p = plan.plan();
        DriftCheck.requireSnapshots(p);
        SecretMasker masker = masker();
        ProgressListener events = new MaskingListener(listener, masker);
        DriftCheck check = DriftCheck.of(p, new DriftCheck.Engine(migrations, stages.clients(), stages.watches(),
                stages.identity(), workspace), events, masker);
        return masker.maskAll(check, DriftCheck.class);
    }

    /**
     * Every environment whose cluster cannot be reached through kubeconfig, all checked at once within about
     * {@code timeout}: asked before a run builds an image or touches anything.
     */
    public List<ClusterProbe.Unreachable> unreachable(CheckedPlan plan, Duration timeout) {
        return ClusterProbe.kubeconfig(plan.plan(), timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * What each environment of {@code plan} runs and holds now, read from its cluster, all environments at once within
     * about {@code timeout}: the image its Deployments run, its latest migration Job, whether its lock is held or an
     * unfinished Job occupies it. An environment that cannot be read says why; the others are still read.
     */
    public PlanStatus status(CheckedPlan plan, Duration timeout) {
        SecretMasker masker = masker();
        Plan p = plan.plan();
        List<CompletableFuture<PlanStatus.EnvironmentStatus>> reads = p.environments().stream()
                .map(env -> CompletableFuture.supplyAsync(() -> PlanStatus.read(client(env), p, env), api)
                        .completeOnTimeout(unread(env, "no answer within " + Durations.format(timeout)), timeout.toMillis(),
                                java.util.concurrent.TimeUnit.MILLISECONDS)
                        .exceptionally(e -> unread(env, whyUnread(Futures.unwrap(e)))))
                .toList();
        List<PlanStatus.EnvironmentStatus> environments = reads.stream().map(CompletableFuture::join).toList();
        return masker.maskAll(new PlanStatus(p.app(), clock.instant(), environments), PlanStatus.class);
    }

    /** Why an environment could not be read, in one line: no answer at all is not an answer of the API server's. */
    private static String whyUnread(Throwable failure) {
        if (failure instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 0) {
            Throwable root = k;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return "its cluster did not answer" + (root == k || root.getMessage() == null ? "" : " (" + root.getMessage() + ")");
        }
        return Permissions.explainForbidden(ApiError.describe(failure));
    }

    private static PlanStatus.EnvironmentStatus unread(Environment env, String why) {
        return new PlanStatus.EnvironmentStatus(env.name(), env.namespaceOrDefault(), List.of(), null, why);
    }

    /**
     * Checks {@code plan} (and a Flyway plan's scripts) as {@link #check} does, throwing {@link InvalidPlanException}
     * with every error; then starts running it.
     */
    public Run start(Plan plan) {
        return start(check(PlanText.of(plan), workspace));
    }

    /** Starts running a checked plan: the release gate first, then the stages; see {@link Run}. */
    public Run start(CheckedPlan plan) {
        return start(plan, false, plan.plan().environments().get(0));
    }

    /**
     * @param origin the plan's first environment, whose record counts the app's runs (also when only a later one runs)
     */
    private Run start(CheckedPlan checked, boolean withoutRollout, Environment origin) {
        SecretMasker masker = masker();
        ProgressListener events = new MaskingListener(listener, masker);
        Promotion promotion = masked(masker, () -> {
            Plan plan = scriptsChecked(checked);
            // a rollback migrates nothing: there is no SQL to check
            LintReport lint = plan.rollsBack() ? null
                    : ReleaseGate.check(plan, workspace, events, this::client); // throws before anything is touched
            return new Promotion(runStages(events), plan, events, masker, withoutRollout, lint, origin);
        });
        promotion.begin();
        return new Run(promotion, masker);
    }

    /** The stages of one run: the engine's, with the caller's rollout command printing through the run's masking. */
    private Promotion.Stages runStages(ProgressListener events) {
        if (rolloutCommand == null) {
            return stages;
        }
        Promotion.Stages s = stages;
        return new Promotion.Stages(s.images(), s.approvals(), s.migrations(), s.rollouts(),
                new CommandRolloutCallback(rolloutCommand, workspace, events), s.identity(), s.workspace(), s.scheduler(),
                s.clock(), s.clients(), s.watches(), s.releases());
    }

    /**
     * Runs only {@code environment}'s part of {@code plan}: the image (as the resolver does it), the environment's approval
     * if the plan asks for one, its lock and migration Job, and the report; no rollout. For callers that roll out with
     * their own tools once the migration succeeded (a Jenkins stage's own steps). The Job is the one a whole run would
     * create for that environment and image, so both forms attach to, skip or wait for each other's migrations. The run
     * takes its place among the app's runs from the plan's first environment, as a whole run does, so that a run
     * migrating only production is superseded there by a newer whole run, and the steps of one Jenkins build (one
     * {@link RunIdentity#key()}) share one place.
     *
     * @throws InvalidPlanException when the plan is invalid or has no such environment
     */
    public Run startMigration(CheckedPlan plan, String environment) {
        if (plan.plan().environments().stream().noneMatch(e -> Objects.equals(e.name(), environment))) {
            throw masked(masker(), new InvalidPlanException(List.of(new PlanError("environments", "the plan has no environment '"
                    + environment + "'; name one of " + plan.plan().environments().stream().map(Environment::name).toList()))));
        }
        return start(plan.onlyEnvironment(environment), true, plan.plan().environments().get(0));
    }

    /** {@link #startMigration(CheckedPlan, String)} for a plan not checked yet. */
    public Run startMigration(Plan plan, String environment) {
        return startMigration(check(PlanText.of(plan), workspace), environment);
    }

    /** Runs {@code plan} to its end on the calling thread. */
    public RunReport run(Plan plan) {
        return start(plan).report().join();
    }

    // ---- masking: everything that leaves through the door ----

    /** A masker knowing the credentials this engine was given; a run's also learns its Secrets' values. */
    private SecretMasker masker() {
        SecretMasker masker = new SecretMasker();
        secrets.forEach(masker::add);
        return masker;
    }

    private static <T> T masked(SecretMasker masker, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw masked(masker, e);
        }
    }

    /**
     * {@code e} with every secret value masked: a plan's or the release gate's errors as the same types, any other
     * exception whose message quotes one as an {@link IllegalStateException} with the masked message and no cause (a
     * cause would quote it again).
     */
    static RuntimeException masked(SecretMasker masker, RuntimeException e) {
        if (masker.isEmpty()) {
            return e;
        }
        RuntimeException out;
        if (e instanceof LintFailedException lint) {
            out = new LintFailedException(masker.maskAll(lint.report(), LintReport.class));
        } else if (e instanceof InvalidPlanException invalid) {
            out = new InvalidPlanException(invalid.errors().stream()
                    .map(x -> new PlanError(masker.mask(x.path()), masker.mask(x.message()), x.line(), x.column())).toList());
        } else if (quotesSecret(masker, e)) {
            out = new IllegalStateException(masker.mask(String.valueOf(e.getMessage())));
        } else {
            return e;
        }
        out.setStackTrace(e.getStackTrace());
        return out;
    }

    private static boolean quotesSecret(SecretMasker masker, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.equals(masker.mask(m))) {
                return true;
            }
        }
        return false;
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

    /** One run of a plan: a handle on its {@link Promotion}, whose report leaves masked. */
    public final class Run {
        private final Promotion promotion;
        private final CompletableFuture<RunReport> report;

        private Run(Promotion promotion, SecretMasker masker) {
            this.promotion = promotion;
            // masked when the run has ended, with every value it learnt (its Secrets' values are read while it runs)
            this.report = promotion.report().thenApply(r -> masked(masker, r));
        }

        /** Completes with the report, every secret value masked, when the run ends; never completes exceptionally. */
        public CompletableFuture<RunReport> report() {
            return report;
        }

        /** Stops waiting on whatever the run waits for; a migration Job that runs is left to finish unless the plan says otherwise. */
        public void cancel(String why) {
            promotion.cancel(why);
        }
    }

    private static RunReport masked(SecretMasker masker, RunReport r) {
        try {
            return masker.maskAll(r, RunReport.class);
        } catch (RuntimeException e) {
            // the run must end with a report: the outcome and the masked failure, without the parts that could not be masked
            return new RunReport(r.app(), r.runId(), null, List.of(), r.outcome(),
                    (r.failure() == null ? "" : masker.mask(r.failure()) + " ") + "(the rest of the report could not be masked: "
                            + masker.mask(String.valueOf(e.getMessage())) + ")",
                    r.started(), r.duration(), null);
        }
    }

    /** Configures an engine; everything but the clusters has a default. */
    public static final class Builder {
        private ClusterConnector clusters = new KubeconfigClusters();
        private ProgressListener listener = ProgressListener.NONE;
        private ApprovalGate approvals = ApprovalGate.DENY_ALL;
        private RolloutCallback rolloutCallback;
        private ImageResolver images;
        private boolean pinImages;
        private String rolloutCommand;
        private RunIdentity identity = RunIdentity.local();
        private Path workspace = Path.of(".");
        private Collection<String> secrets = List.of();
        private ScheduledExecutorService scheduler;
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.SYSTEM;
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

        /**
         * The caller's own rollout as a shell command, run once per environment after its migration succeeded (see
         * {@link CommandRolloutCallback}), its output in the run's events, masked; replaces {@link #rolloutCallback}.
         */
        public Builder rolloutCommand(String command) {
            this.rolloutCommand = command;
            return this;
        }

        /**
         * Builds the image when the plan says so, pushes it and pins it (and a prebuilt one) by its registry digest for
         * every environment (the engine's {@link ImageStage}); without this or {@link #images}, the image runs as written.
         */
        public Builder pinImages() {
            this.pinImages = true;
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

        /**
         * Threads of the pool that makes blocking API calls: lock attempts, renewals, releases, and the migration Job's
         * reads, creates and deletes (default 8).
         */
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

        /** The wall clock: reports' times, and the times the migration lock's Lease shows to people. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * The monotonic time the engine's decisions are measured with (the lock's validity and takeover, deadlines);
         * {@code System.nanoTime} unless a test shifts it. No decision compares it, or the clock, with another machine's.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker);
            return this;
        }

        /** How long a migration Pod may stay unschedulable before the migration fails (default 2m). */
        public Builder unschedulableGrace(Duration grace) {
            this.unschedulableGrace = Objects.requireNonNull(grace);
            return this;
        }

        public MigrateThenDeploy build() {
            if (rolloutCommand != null && (rolloutCommand.isBlank() || rolloutCallback != null)) {
                throw new IllegalArgumentException(rolloutCommand.isBlank()
                        ? "the rollout hook command is empty; give the shell command that rolls out"
                        : "give either a rollout command or a rollout callback, not both");
            }
            return new MigrateThenDeploy(this);
        }
    }
}
