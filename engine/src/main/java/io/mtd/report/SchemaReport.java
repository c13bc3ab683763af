package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * An environment's database schema around its migration ({@code migration.snapshot}): the snapshots before and after,
 * how the schema changed since the last release there, and whether it was the schema the first environment was tested
 * on before and after its migration.
 *
 * @param before the snapshot before the migration (P0; S0 in the first environment)
 * @param after the snapshot after it (P1; S1)
 * @param end the snapshot after the post-rollout migration, when there is one: what is kept for the next release
 * @param sinceLastRelease the schema before the migration against the one kept after the last successful run here
 * @param drift the schema before the migration against the first environment's (none in the first environment)
 * @param driftAfter the schema after the migration against the first environment's after its own
 * @param kept where the schema this run left is kept for the next run (a ConfigMap), when it was
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SchemaReport(
        Snapshot before,
        Snapshot after,
        Snapshot end,
        LastRelease sinceLastRelease,
        Drift drift,
        Drift driftAfter,
        String kept) {

    /**
     * One snapshot.
     *
     * @param fingerprint the SHA-256 of its canonical lines (equal schemas, equal fingerprints)
     * @param objects how many objects it has
     * @param job the Job that took it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Snapshot(String fingerprint, int objects, String job, Duration duration) {}

    /**
     * The schema before this run's migration against the one kept after the last successful run.
     *
     * @param fingerprint the kept snapshot's fingerprint
     * @param image the image that run migrated to
     * @param run the run that kept it
     * @param at when it was kept
     * @param changed whether the schema changed since
     * @param diff how, when it did
     * @param note why it was not compared, when it was not
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LastRelease(String fingerprint, String image, String run, Instant at, Boolean changed, Diff diff, String note) {}

    /**
     * A schema against the reference environment's.
     *
     * @param against the reference: {@code staging before its migration}, {@code staging after its migration}
     * @param verdict how they compare
     * @param diff how they differ, when they do
     * @param accepted who accepted the difference, when they did
     * @param note what the comparison means, in a line
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Drift(String against, Verdict verdict, Diff diff, Acceptance accepted, String note) {}

    /** How a schema compares with its reference. */
    public enum Verdict {
        /** The same schema. */
        SAME,
        /** Before its migration, the environment already has the schema the reference ended with (a re-run). */
        ALREADY_MIGRATED,
        /** A different schema. */
        DRIFTED,
        /** Nothing to compare with (no reference in this run, or one taken with another snapshot command). */
        NOT_COMPARED
    }

    /**
     * How two schemas differ: every difference, and its fingerprint.
     *
     * @param fingerprint the short form of {@code sha256}, as the run's log and an acceptance show it
     * @param sha256 the SHA-256 of the difference's lines
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Diff(String fingerprint, String sha256, List<String> added, List<String> missing, List<String> changed) {}

    /**
     * A drift someone accepted knowingly: who, when, and the fingerprint of the difference they were shown.
     *
     * @param fingerprint the accepted difference's fingerprint (short form)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Acceptance(String by, Instant at, String fingerprint, String comment) {}
}
