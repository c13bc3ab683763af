package io.mtd;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.concurrent.Ticker;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.image.ImageResolver;
import io.mtd.kube.ClusterConnector;
import io.mtd.kube.ClusterPool;
import io.mtd.kube.KubeconfigClusters;
import io.mtd.kube.NamespaceWatch;
import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseGate;
import io.mtd.migration.MigrationStage;
import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanValidator;
import io.mtd.progress.MaskingListener;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.ApprovalStage;
import io.mtd.promotion.Promotion;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunReport;
import io.mtd.rollout.RolloutCallback;
import io.mtd.rollout.RolloutStage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The engine, a facade: holds the shared clients, watches and pools, validates a {@link Plan} and the release gate, and
 * hands each run to a {@link Promotion}, which orders the stages (image, then per environment: approval, migration,
 * rollout, post-rollout) and reports.
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
    private final ClusterPool.Lease connections;

    private MigrateThenDeploy(Builder b) {
        this.clusters = b.clusters;
        this.listener = b.listener;
        this.workspace = b.workspace;
        this.secrets = List.copyOf(b.secrets);
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : Executors.newScheduledThreadPool(2, DaemonThreads.factory("mtd-engine"));
        this.ownsApi = b.api == null;
        this.api = b.api != null ? b.api : Executors.newFixedThreadPool(b.apiThreads, DaemonThreads.factory("mtd-api"));
        this.ownsPool = b.pool == null;
        this.pool = b.pool != null ? b.pool : new ClusterPool();
        this.connections = pool.lease();
        this.migrations = new MigrationStage(scheduler, api, b.clock, b.ticker, b.unschedulableGrace);
        this.stages = new Promotion.Stages(b.images, new ApprovalStage(b.approvals, b.clock), migrations,
                new RolloutStage(scheduler, pool.deploymentWatches()), b.rolloutCallback, b.identity, b.workspace, scheduler, b.clock,
                this::client, this::watch);
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
        Promotion promotion = new Promotion(stages, plan, events, masker, withoutRollout, lint);
        promotion.begin();
        return new Run(promotion, masker);
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

    /** One run of a plan: a handle on its {@link Promotion}. */
    public final class Run {
        private final Promotion promotion;
        private final SecretMasker masker;

        private Run(Promotion promotion, SecretMasker masker) {
            this.promotion = promotion;
            this.masker = masker;
        }

        /** Completes with the report when the run ends; never completes exceptionally. */
        public CompletableFuture<RunReport> report() {
            return promotion.report();
        }

        /** Stops waiting on whatever the run waits for; a migration Job that runs is left to finish unless the plan says otherwise. */
        public void cancel(String why) {
            promotion.cancel(why);
        }

        public SecretMasker masker() {
            return masker;
        }
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
            return new MigrateThenDeploy(this);
        }
    }
}
