package io.mtd.compatibility;

import io.mtd.migration.MigrationStage;
import io.mtd.progress.StageOutcome;
import io.mtd.report.CompatibilityReport;
import io.mtd.report.MigrationReport;
import io.mtd.report.RunOutcome;
import java.util.ArrayList;
import java.util.List;

/**
 * What an environment's compatibility check decided, from its Jobs: its report, how the run ends because of it, and the
 * run's failure line, which says which version fails against which schema, that the migration is not undone, and what
 * the operator can do.
 */
public final class CompatibilityVerdict {

    /** How many of a failed check's last log lines the report keeps. */
    static final int LOG_TAIL = 20;

    /** When the check ran. */
    public enum When {
        /** After the migration, before the rollout: the versions serving now against the release's schema. */
        BEFORE_ROLLOUT,
        /** After the post-rollout migration: the release itself against the schema its contract phase left. */
        AFTER_POST_ROLLOUT
    }

    /** One version and how its check's Job ended; a null outcome when it was not tried after another failed. */
    public record Tried(RunningVersions.Version version, MigrationStage.Outcome outcome) {}

    private final CompatibilityReport report;
    private final RunOutcome runOutcome;
    private final String failure;

    private CompatibilityVerdict(CompatibilityReport report, RunOutcome runOutcome, String failure) {
        this.report = report;
        this.runOutcome = runOutcome;
        this.failure = failure;
    }

    /** A check that tried nothing: it passes, saying why. */
    public static CompatibilityVerdict skipped(String release, String why) {
        return new CompatibilityVerdict(CompatibilityReport.skipped(release, why), RunOutcome.SUCCEEDED, null);
    }

    /** The verdict on the versions {@code tried} (in order; the first that did not succeed decides) against {@code release}. */
    public static CompatibilityVerdict of(String release, When when, List<Tried> tried) {
        List<CompatibilityReport.VersionCheck> checks = new ArrayList<>();
        Tried failed = null;
        for (Tried t : tried) {
            MigrationReport job = t.outcome() == null ? null : t.outcome().report();
            boolean ok = job != null && job.outcome() == StageOutcome.SUCCEEDED;
            if (failed == null && job != null && !ok) {
                failed = t;
            }
            checks.add(new CompatibilityReport.VersionCheck(t.version().image(), t.version().deployments(), job,
                    ok || job == null ? List.of() : tail(t.outcome().log())));
        }
        if (failed == null) {
            return new CompatibilityVerdict(new CompatibilityReport(StageOutcome.SUCCEEDED, release, null, checks),
                    RunOutcome.SUCCEEDED, null);
        }
        MigrationReport job = failed.outcome().report();
        RunOutcome outcome = runOutcome(failed.outcome());
        String verdict = verdict(failed, release, when, outcome);
        return new CompatibilityVerdict(new CompatibilityReport(job.outcome(), release, verdict, checks), outcome,
                failure(verdict, failed.version().image(), release, when, outcome));
    }

    public CompatibilityReport report() {
        return report;
    }

    /** {@link RunOutcome#SUCCEEDED} when the environment goes on; else how the run ends. */
    public RunOutcome runOutcome() {
        return runOutcome;
    }

    /** The run's failure line when it stops here, else null. */
    public String failure() {
        return failure;
    }

    /** The stage's finish line for one version's check. */
    public static String summary(MigrationStage.Outcome o, String image, String release, When when) {
        MigrationReport r = o.report();
        if (r.outcome() == StageOutcome.SUCCEEDED) {
            return image + " works against the schema of release " + release;
        }
        return verdict(new Tried(new RunningVersions.Version(image, List.of()), o), release, when, runOutcome(o));
    }

    /**
     * How the run ends after a check that ended so: a check whose container ran and failed finds the version
     * incompatible; one that never ran (its image, a Secret) is the infrastructure's; cancels, timeouts and a lost lock
     * are what they are for any Job under the lock.
     */
    static RunOutcome runOutcome(MigrationStage.Outcome o) {
        RunOutcome migrationWise = o.runOutcome();
        if (migrationWise == RunOutcome.MIGRATION_FAILED) {
            return o.report().exitCode() != null && o.report().exitCode() != 0 ? RunOutcome.INCOMPATIBLE : RunOutcome.INFRASTRUCTURE;
        }
        return migrationWise;
    }

    private static String verdict(Tried failed, String release, When when, RunOutcome outcome) {
        MigrationReport job = failed.outcome().report();
        String version = failed.version().image();
        String schema = when == When.BEFORE_ROLLOUT ? "the schema of release " + release
                : "the schema of release " + release + " after its post-rollout migration";
        String why = (job.reason() == null ? "" : job.reason()) + (job.message() == null ? "" : ": " + job.message());
        String last = lastLine(failed.outcome().log());
        if (outcome == RunOutcome.INCOMPATIBLE) {
            return "the running version " + version + " fails against " + schema + " (Job " + job.job() + ": "
                    + (last == null ? why : last) + ")";
        }
        return "the check of the running version " + version + " against " + schema + " did not complete"
                + (job.job() == null ? "" : " (Job " + job.job() + ")") + ": " + job.outcome().words() + (why.isEmpty() ? "" : ": " + why);
    }

    private static String failure(String verdict, String version, String release, When when, RunOutcome outcome) {
        if (outcome == RunOutcome.CANCELLED || outcome == RunOutcome.LOCK_LOST) {
            return "compatibility check: " + verdict;
        }
        boolean incompatible = outcome == RunOutcome.INCOMPATIBLE;
        if (when == When.BEFORE_ROLLOUT) {
            return "compatibility check: " + verdict + ". Nothing was rolled out here and no later environment was touched;"
                    + " the migration is not undone" + (!incompatible ? "; run again once the check can run"
                    : ", so " + version + " keeps serving against a schema it fails on. Roll forward with a release whose"
                    + " migration the running version survives (expand now, contract later in migration.postRollout), or"
                    + " restore this environment's database from a backup taken before the migration (where the plan takes"
                    + " one) and keep " + version);
        }
        return "compatibility check after the post-rollout migration: " + verdict + ". " + release + " is rolled out and"
                + " keeps serving; no later environment was touched; the post-rollout migration is not undone"
                + (!incompatible ? "; run again once the check can run"
                : ". Roll forward with a fix (code that no longer needs what the contract removed, or a migration that"
                + " restores it), or restore this environment's database from a backup taken before it (where the plan"
                + " takes one)");
    }

    private static List<String> tail(List<String> log) {
        return log.size() <= LOG_TAIL ? log : log.subList(log.size() - LOG_TAIL, log.size());
    }

    private static String lastLine(List<String> log) {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (!log.get(i).isBlank()) {
                return log.get(i).strip();
            }
        }
        return null;
    }
}
