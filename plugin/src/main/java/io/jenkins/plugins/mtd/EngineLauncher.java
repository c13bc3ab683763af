package io.jenkins.plugins.mtd;

import hudson.AbortException;
import hudson.FilePath;
import hudson.init.Terminator;
import hudson.model.Run;
import io.mtd.MigrateThenDeploy;
import io.mtd.image.ImageResolver;
import io.mtd.image.ImageStage;
import io.mtd.plan.Flyway;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunReport;
import io.mtd.rollout.RolloutCallback;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import jenkins.model.Jenkins;
import org.kohsuke.accmod.Restricted;
import org.kohsuke.accmod.restrictions.NoExternalUse;

/**
 * Wires the engine to one build: its credentials, build log and page, approvals and (optionally) rollout body.
 * Public only so that Jenkins can call {@link #detachAll()} on shutdown.
 */
@Restricted(NoExternalUse.class)
public final class EngineLauncher {

    /**
     * Timers and watch callbacks of every run in this controller: waiting costs no thread, so a handful serve all the
     * builds that wait on migrations, rollouts or approvals.
     */
    private static final ScheduledExecutorService SCHEDULER = Executors.newScheduledThreadPool(4, r -> {
        Thread t = new Thread(r, "migrate-then-deploy");
        t.setDaemon(true);
        // fabric8 and Jackson look up implementations through the context class loader: make it the plugin's
        t.setContextClassLoader(EngineLauncher.class.getClassLoader());
        return t;
    });

    private static final Set<LiveRun> LIVE = ConcurrentHashMap.newKeySet();

    private EngineLauncher() {}

    /**
     * Starts (or, after a restart, re-attaches) the run of {@code plan}; never blocks on the run itself.
     *
     * @param rollout the step's body as the rollout, or null for the engine's own rollout of the plan's Deployments
     * @param stageEnded told of every stage's end (the Pipeline step saves its state then), or null
     */
    static LiveRun start(Plan plan, Run<?, ?> build, FilePath workspace, PrintStream log,
            MigrateThenDeployAction action, CredentialClusters clusters, ApprovalGate approvals, RolloutCallback rollout,
            boolean resolveDigest, Consumer<ProgressEvent.StageFinished> stageEnded) throws AbortException {
        MigrateThenDeploy.Builder engine = MigrateThenDeploy.builder()
                .scheduler(SCHEDULER)
                .clusters(clusters)
                .listener(new BuildLog(log, action, stageEnded))
                .approvals(approvals)
                .identity(identity(build))
                .secrets(clusters.secrets());
        Path local = localPath(workspace);
        if (local != null) {
            engine.workspace(local);
        } else if (needsWorkspaceFiles(plan)) {
            // the engine reads build contexts and Flyway scripts from its own file system, which is the controller's
            throw new AbortException(Messages.EngineLauncher_WorkspaceNotLocal(plan.app()));
        }
        if (rollout != null) {
            engine.rolloutCallback(rollout);
        }
        // build (where the plan says so) and pin by registry digest, so that every environment runs the same image
        engine.images(resolveDigest && local != null ? new ImageStage(local) : ImageResolver.AS_WRITTEN);
        MigrateThenDeploy built = engine.build();
        MigrateThenDeploy.Run run;
        try {
            run = built.start(plan);
        } catch (RuntimeException e) {
            built.close();
            throw e;
        }
        LiveRun live = new LiveRun(built, run);
        LIVE.add(live);
        // the engine holds this build's clients and watches; the shared scheduler stays up
        run.report().whenComplete((report, error) -> {
            LIVE.remove(live);
            built.close();
        });
        return live;
    }

    /**
     * On shutdown, forgets every run without cancelling it: its migration goes on in the cluster, and the step's
     * {@code onResume} attaches to it again after the restart. Whatever this engine still reports is ignored.
     */
    @Terminator
    public static void detachAll() {
        for (LiveRun live : LIVE) {
            live.detached = true;
            live.engine.close();
        }
        LIVE.clear();
    }

    /** A started run, until the controller shuts down. */
    static final class LiveRun {
        private final MigrateThenDeploy engine;
        private final MigrateThenDeploy.Run run;
        private volatile boolean detached;

        private LiveRun(MigrateThenDeploy engine, MigrateThenDeploy.Run run) {
            this.engine = engine;
            this.run = run;
        }

        /** Calls {@code then} with the run's report when it ends, unless the controller shut down first. */
        void whenFinished(Consumer<RunReport> then) {
            run.report().thenAccept(report -> {
                if (!detached) {
                    then.accept(report);
                }
            });
        }

        void cancel(String why) {
            run.cancel(why);
        }

        /** Waits for the report (freestyle builds hold their executor anyway). */
        RunReport await() throws InterruptedException, ExecutionException {
            return run.report().get();
        }
    }

    static RunIdentity identity(Run<?, ?> build) {
        String root = Jenkins.get().getRootUrl();
        return new RunIdentity(build.getExternalizableId(), root == null ? null : root + build.getUrl());
    }

    private static Path localPath(FilePath workspace) {
        return workspace == null || workspace.isRemote() ? null : Path.of(workspace.getRemote());
    }

    private static boolean needsWorkspaceFiles(Plan plan) {
        if (plan.build() != null) {
            return true;
        }
        Flyway flyway = plan.migration() == null ? null : plan.migration().flyway();
        return flyway != null && flyway.shipsFromWorkspace();
    }
}
