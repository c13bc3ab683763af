package io.jenkins.plugins.mtd;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.init.Terminator;
import hudson.model.Run;
import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.command.PlanStatus;
import io.mtd.kube.ClusterPool;
import io.mtd.progress.ProgressListener;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;
import org.kohsuke.accmod.Restricted;
import org.kohsuke.accmod.restrictions.NoExternalUse;

/**
 * The controller's one engine: every build's run shares its executors, and through one {@link ClusterPool} its
 * Kubernetes clients (one per cluster and credential) and namespace watches, so a hundred builds waiting in a namespace
 * cost one watch. A client is closed when no run uses it any more; everything is closed and awaited on shutdown.
 */
@Extension
@Restricted(NoExternalUse.class)
public final class EngineService {

    private static final Logger LOGGER = Logger.getLogger(EngineService.class.getName());

    /** Timers and the quick continuations of every wait: waiting costs no thread, so a handful serve all builds. */
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4, threads("mtd-engine"));
    /** Blocking API calls (lock attempts, renewals, releases) of every run. */
    private final ExecutorService api = Executors.newFixedThreadPool(8, threads("mtd-api"));
    /** The fabric8 clients' own tasks (informer callbacks, watch reconnects), so that shutdown can wait for them. */
    private final ExecutorService clientTasks = Executors.newCachedThreadPool(threads("mtd-kubernetes-client"));
    private final ClusterPool pool = new ClusterPool();
    private final Set<LiveRun> live = ConcurrentHashMap.newKeySet();
    private volatile boolean shutDown;

    /** The controller's engine. */
    static EngineService get() {
        return ExtensionList.lookupSingleton(EngineService.class);
    }

    private static ThreadFactory threads(String name) {
        return DaemonThreads.factory(name, EngineService.class.getClassLoader());
    }

    /** Executor for the tasks of the clients {@link CredentialClusters} builds. */
    ExecutorService clientTasks() {
        return clientTasks;
    }

    /** The shared clients and watches (for tests: two builds in one namespace share one watch). */
    ClusterPool clusterPool() {
        return pool;
    }

    /** What one build's run needs beyond the plan. */
    record Request(CheckedPlan plan, Run<?, ?> build, ProgressListener listener, CredentialClusters clusters,
            ApprovalGate approvals, ImageSource images, Path workspace, String onlyEnvironment) {}

    /**
     * Starts (or, after a restart, re-attaches) a run; never blocks on it. With {@code onlyEnvironment}, only that
     * environment's migration runs ({@code migrateDatabase}).
     */
    LiveRun start(Request r) {
        if (shutDown) {
            throw new IllegalStateException("Jenkins is shutting down");
        }
        MigrateThenDeploy.Builder builder = MigrateThenDeploy.builder()
                .scheduler(scheduler)
                .api(api)
                .clusterPool(pool)
                .clusters(r.clusters())
                .listener(r.listener())
                .approvals(r.approvals())
                .identity(identity(r.build()))
                .secrets(r.clusters().secrets())
                .images(r.images());
        if (r.workspace() != null) {
            builder.workspace(r.workspace());
        }
        MigrateThenDeploy engine = builder.build();
        // the job's panel reads each environment's cluster with the latest build's plan (migrateDatabase's is narrowed to
        // its environment by the execution already), kept in build.xml with the credentials' values masked
        MigrateThenDeployAction.of(r.build()).recordPlan(engine.keepable(r.plan()));
        MigrateThenDeploy.Run run;
        try {
            run = r.onlyEnvironment() == null ? engine.start(r.plan()) : engine.startMigration(r.plan(), r.onlyEnvironment());
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        LiveRun started = new LiveRun(run, r.images());
        live.add(started);
        // this run's engine gives back its clients (the pool closes those no other run uses) once its lock releases
        // are done, which close() waits for: off the shared scheduler, whose few threads serve every build's waits
        run.report().whenCompleteAsync((report, error) -> {
            live.remove(started);
            engine.close();
        }, clientTasks);
        return started;
    }

    /**
     * What each environment of {@code plans} runs and holds now, read from its cluster with {@code clusters}, all at
     * once within about {@code timeout} (the call {@code mtd status} makes); an environment that cannot be read says
     * why. Blocks the caller at most about {@code timeout}: never call it while rendering a page.
     */
    PlanStatus status(List<CheckedPlan> plans, CredentialClusters clusters, Duration timeout) {
        if (shutDown) {
            throw new IllegalStateException("Jenkins is shutting down");
        }
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().scheduler(scheduler).api(api).clusterPool(pool)
                .clusters(clusters).secrets(clusters.secrets()).build()) {
            List<CompletableFuture<PlanStatus>> reads = plans.stream()
                    .map(p -> CompletableFuture.supplyAsync(() -> engine.status(p, timeout), clientTasks)).toList();
            List<PlanStatus.EnvironmentStatus> environments = new ArrayList<>();
            for (CompletableFuture<PlanStatus> read : reads) {
                environments.addAll(read.join().environments());
            }
            return new PlanStatus(plans.isEmpty() ? null : plans.get(0).plan().app(), Instant.now(), environments);
        }
    }

    static RunIdentity identity(Run<?, ?> build) {
        String root = Jenkins.get().getRootUrl();
        return new RunIdentity(build.getExternalizableId(), root == null ? null : root + build.getUrl());
    }

    /**
     * On shutdown, detaches every run without cancelling it (its migration goes on in the cluster and the step's
     * {@code onResume} attaches to it again after the restart), then closes the clients and watches and waits for the
     * engine's threads to end, so that none of them runs on after the plugin's classes are gone.
     */
    @Terminator
    public static void shutdown() {
        for (EngineService service : ExtensionList.lookup(EngineService.class)) {
            service.close(10, TimeUnit.SECONDS);
        }
    }

    void close(long timeout, TimeUnit unit) {
        shutDown = true;
        List<LiveRun> runs = new ArrayList<>(live);
        live.clear();
        for (LiveRun r : runs) {
            r.detached = true;
            r.images.cancelBuilds();
        }
        pool.close();
        for (ExecutorService e : List.of(scheduler, api, clientTasks)) {
            e.shutdownNow();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (ExecutorService e : List.of(scheduler, api, clientTasks)) {
            try {
                if (!e.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOGGER.log(Level.WARNING, "migrate-then-deploy threads still running after {0} {1}", new Object[] {timeout, unit});
                }
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether {@link #close} ended every thread of the engine. */
    boolean isTerminated() {
        return scheduler.isTerminated() && api.isTerminated() && clientTasks.isTerminated();
    }

    /** A started run, until it ends or the controller shuts down. */
    static final class LiveRun {
        private final MigrateThenDeploy.Run run;
        private final ImageSource images;
        private volatile boolean detached;

        private LiveRun(MigrateThenDeploy.Run run, ImageSource images) {
            this.run = run;
            this.images = images;
        }

        /** Calls {@code then} with the report, or {@code onError} should the engine ever fail instead, so the step always ends. */
        void whenFinished(Consumer<RunReport> then, Consumer<Throwable> onError) {
            run.report().whenComplete((report, error) -> {
                if (detached) {
                    return; // the controller is going down; the step resumes after the restart
                }
                if (error != null) {
                    onError.accept(error);
                } else {
                    then.accept(report);
                }
            });
        }

        /** Stops waiting; an image build on an agent is interrupted, a migration Job is left as the plan says. */
        void cancel(String why) {
            images.cancelBuilds();
            run.cancel(why);
        }

        /** Waits for the report (freestyle builds hold their executor anyway). */
        RunReport await() throws InterruptedException, ExecutionException {
            return run.report().get();
        }
    }
}
