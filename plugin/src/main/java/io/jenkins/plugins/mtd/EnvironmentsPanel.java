package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.model.Action;
import hudson.model.Item;
import hudson.model.Job;
import hudson.model.Run;
import io.mtd.CheckedPlan;
import io.mtd.command.PlanStatus;
import io.mtd.migration.SlotState;
import io.mtd.plan.Plan;
import io.mtd.report.Timeline;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.TransientActionFactory;

/**
 * The job page's panel: per environment the image it runs, its last migration and whether its migration lock is held or
 * an unfinished migration Job occupies it, read from the cluster with the latest build's plan and credentials. The job
 * page only holds a placeholder; the panel is fetched afterwards ({@code panel.jelly}), so a slow or unreachable cluster
 * never holds the job page up.
 */
public final class EnvironmentsPanel implements Action {

    private static final Logger LOGGER = Logger.getLogger(EnvironmentsPanel.class.getName());
    /** How long the panel waits for the clusters: a person is looking at the page. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** How many builds back the panel looks for one that ran the step (its latest builds may have failed before the step ran; few, since every job page asks). */
    private static final int BUILDS_SEARCHED = 5;

    private final Job<?, ?> job;

    EnvironmentsPanel(Job<?, ?> job) {
        this.job = job;
    }

    public Job<?, ?> getJob() {
        return job;
    }

    @Override
    public String getIconFileName() {
        return null; // a panel on the job page, not a link in its side panel
    }

    @Override
    public String getDisplayName() {
        return Messages.EnvironmentsPanel_DisplayName();
    }

    @Override
    public String getUrlName() {
        return "migrate-then-deploy-environments";
    }

    /** The latest build whose runs recorded a plan, or null: then the job page shows no panel. */
    public Run<?, ?> getSource() {
        int searched = 0;
        for (Run<?, ?> b = job.getLastBuild(); b != null && searched < BUILDS_SEARCHED; b = b.getPreviousBuild(), searched++) {
            MigrateThenDeployAction a = b.getAction(MigrateThenDeployAction.class);
            if (a != null && a.hasPlans()) {
                return b;
            }
        }
        return null;
    }

    /** Reads the clusters now (for {@code panel.jelly}, fetched after the job page: it may take {@link #READ_TIMEOUT}). */
    public Reading read() {
        job.checkPermission(Item.READ);
        Run<?, ?> source = getSource();
        if (source == null) {
            return new Reading(null, null, Messages.EnvironmentsPanel_NoBuild());
        }
        Map<String, CheckedPlan> plans = source.getAction(MigrateThenDeployAction.class).environmentPlans();
        try {
            List<CheckedPlan> each = new ArrayList<>(plans.values());
            // every environment's credentials at once, each with its own plan's environment
            Plan all = new Plan(null, null, null, null, null, each.stream().flatMap(p -> p.plan().environments().stream()).toList());
            CredentialClusters clusters = CredentialClusters.resolveForReading(all, source);
            return new Reading(source, EngineService.get().status(each, clusters, READ_TIMEOUT), null);
        } catch (IOException | RuntimeException e) {
            // a missing credential, a shutdown: said on the panel, never a stack trace on the job page
            LOGGER.log(Level.FINE, "Could not read the environments of " + job, e);
            return new Reading(source, null, Messages.EnvironmentsPanel_Unread(e.getMessage()));
        }
    }

    /** For the panel: the image with a short digest ({@link MigrateThenDeployAction#shortImage}). */
    public String shortImage(String image) {
        return MigrateThenDeployAction.shortImage(image);
    }

    /** For the panel: a migration Job in a line (Job, how it ended and when, which run, which image). */
    public String describe(SlotState.JobState job) {
        return PlanStatus.describe(job);
    }

    /** For the panel: a time as the report writes it. */
    public String time(Instant at) {
        return at == null ? "" : Timeline.time(at);
    }

    /**
     * What the panel shows: the status read, or why none could be read.
     *
     * @param source the build whose plan and credentials were used, or null
     * @param status what the clusters said (an environment that could not be read says why), or null
     * @param problem why nothing could be read, or null
     */
    public record Reading(Run<?, ?> source, PlanStatus status, String problem) {}

    /** Adds the panel to every job whose builds ran {@code migrateThenDeploy}, {@code migrateDatabase} or the builder. */
    @Extension
    public static final class Factory extends TransientActionFactory<Job> {

        @Override
        public Class<Job> type() {
            return Job.class;
        }

        @NonNull
        @Override
        public Collection<? extends Action> createFor(@NonNull Job target) {
            return List.of(new EnvironmentsPanel(target));
        }
    }
}
