package io.mtd.schema;

import io.mtd.migration.JobKind;
import io.mtd.migration.MigrationStage;
import io.mtd.migration.SlotClaim;
import io.mtd.plan.Plan;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.StageOutcome;
import io.mtd.report.MigrationReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.SchemaReport;
import java.util.concurrent.CompletableFuture;

/**
 * A snapshot of an environment's schema by a Job ({@link JobKind#SNAPSHOT}) under a claim of its migration slot, its
 * output read: the engine does not read the catalog itself, so that every snapshot it compares was taken one way, by
 * the plan's {@code pg_dump} in the environment's own cluster.
 */
public final class SnapshotJob {

    private SnapshotJob() {}

    /** Prepares the snapshot Job of {@code t}'s environment (the Target's image must be the snapshot's, {@link #image}). */
    public static MigrationStage.Prepared prepare(MigrationStage migrations, MigrationStage.Target t) {
        return migrations.prepare(t, JobKind.SNAPSHOT);
    }

    /** The image the snapshot Job of {@code plan} runs. */
    public static String image(Plan plan) {
        return plan.migration().snapshot().imageOrDefault();
    }

    /** Runs {@code prepared} under {@code claim} and reads its output; never fails (a failure is a {@link Taken} too). */
    public static CompletableFuture<Taken> run(MigrationStage migrations, MigrationStage.Prepared prepared,
            CompletableFuture<SlotClaim> claim, SecretMasker masker) {
        return migrations.run(prepared, claim).thenApply(outcome -> taken(outcome, masker));
    }

    private static Taken taken(MigrationStage.Outcome outcome, SecretMasker masker) {
        MigrationReport job = outcome.report();
        if (job.outcome() != StageOutcome.SUCCEEDED) {
            // what pg_dump said is in the log the engine kept as written: masked before it is shown
            String said = String.join(" / ", masker.maskLines(SnapshotOutput.messages(outcome.log(), 3)));
            return new Taken(null, job, verdict(outcome.runOutcome()), "Job " + job.job() + " " + job.outcome().words()
                    + (job.reason() == null ? "" : ": " + job.reason()) + (job.message() == null ? "" : ": " + job.message())
                    + (said.isBlank() ? "" : " (" + said + ")"));
        }
        try {
            return new Taken(SnapshotOutput.read(outcome.log()), job, null, null);
        } catch (SnapshotOutput.Unreadable | IllegalArgumentException e) {
            return new Taken(null, job, RunOutcome.INFRASTRUCTURE, "the output of Job " + job.job() + " cannot be read: "
                    + masker.mask(e.getMessage()));
        }
    }

    /** How the run ends after a snapshot or backup Job that ended so: a failed one is the database's or the cluster's. */
    public static RunOutcome verdict(RunOutcome migrationVerdict) {
        return migrationVerdict == RunOutcome.MIGRATION_FAILED ? RunOutcome.INFRASTRUCTURE : migrationVerdict;
    }

    /**
     * A snapshot Job's outcome: the schema it read, its Job's report, and when it failed how the run ends and why.
     *
     * @param verdict how the run ends because of it, when it failed
     */
    public record Taken(SchemaSnapshot snapshot, MigrationReport job, RunOutcome verdict, String problem) {

        /** A snapshot that could not even be asked for (an engine error). */
        public static Taken failed(String problem) {
            return new Taken(null, new MigrationReport(null, StageOutcome.FAILED, null, problem, null, 0, java.time.Duration.ZERO,
                    null), RunOutcome.INFRASTRUCTURE, problem);
        }

        public boolean failed() {
            return snapshot == null;
        }

        /** How the stage that took it ended. */
        public StageOutcome outcome() {
            return !failed() ? StageOutcome.SUCCEEDED : job.outcome() == StageOutcome.SUCCEEDED ? StageOutcome.FAILED : job.outcome();
        }

        /** The stage's finish line. */
        public String summary() {
            return failed() ? problem : "fingerprint " + snapshot.shortFingerprint() + " (" + snapshot.objects() + " objects)";
        }

        public SchemaReport.Snapshot report() {
            return new SchemaReport.Snapshot(snapshot.fingerprint(), snapshot.objects(), job.job(), job.duration());
        }
    }
}
