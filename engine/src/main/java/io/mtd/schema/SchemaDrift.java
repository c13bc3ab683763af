package io.mtd.schema;

import io.mtd.report.SchemaReport;
import io.mtd.report.SchemaReport.Verdict;
import java.util.Optional;

/**
 * How an environment's schema compares with the reference: the first environment's (staging's) before and after its
 * migration, or the one kept after the last successful run there. Pure judgements; the pipeline takes the snapshots.
 *
 * @param verdict how it compares
 * @param against what it was compared with, in words ({@code staging before its migration})
 * @param diff how it differs (empty when it does not)
 */
public record SchemaDrift(Verdict verdict, String against, SchemaDiff diff) {

    /** How many lines of a difference a log or a message shows; every line is in the report. */
    public static final int SHOWN = 40;

    /** Whether the schema is not the reference's. */
    public boolean drifted() {
        return verdict == Verdict.DRIFTED;
    }

    /**
     * An environment's schema before its migration ({@code actual}: P0) against the first environment's before its
     * migration ({@code before}: S0) and after it ({@code after}: S1). The same as S0 is as tested; the same as S1 means
     * the migration already ran here (a re-run); anything else drifted, shown against whichever of the two is closer.
     */
    public static SchemaDrift beforeMigration(String reference, SchemaSnapshot before, SchemaSnapshot after, SchemaSnapshot actual) {
        SchemaDiff fromBefore = SchemaDiff.between(before, actual);
        if (fromBefore.isEmpty()) {
            return new SchemaDrift(Verdict.SAME, reference + " before its migration", fromBefore);
        }
        SchemaDiff fromAfter = after == null ? null : SchemaDiff.between(after, actual);
        if (fromAfter != null && fromAfter.isEmpty()) {
            return new SchemaDrift(Verdict.ALREADY_MIGRATED, reference + " after its migration", fromAfter);
        }
        return fromAfter != null && fromAfter.size() < fromBefore.size()
                ? new SchemaDrift(Verdict.DRIFTED, reference + " after its migration", fromAfter)
                : new SchemaDrift(Verdict.DRIFTED, reference + " before its migration", fromBefore);
    }

    /** An environment's schema after its migration ({@code actual}: P1) against the first environment's ({@code after}: S1). */
    public static SchemaDrift afterMigration(String reference, SchemaSnapshot after, SchemaSnapshot actual) {
        SchemaDiff diff = SchemaDiff.between(after, actual);
        return new SchemaDrift(diff.isEmpty() ? Verdict.SAME : Verdict.DRIFTED, reference + " after its migration", diff);
    }

    /**
     * The schema now ({@code actual}) against the one the last successful run kept ({@code kept}), when both were taken
     * the same way ({@code source}).
     */
    public static SchemaReport.LastRelease sinceLastRelease(Optional<SnapshotStore.KeptSnapshot> kept, String source,
            SchemaSnapshot actual) {
        if (kept.isEmpty()) {
            return null;
        }
        SnapshotStore.KeptSnapshot k = kept.get();
        if (!source.equals(k.source())) {
            return new SchemaReport.LastRelease(k.after().shortFingerprint(), k.image(), k.run(), k.at(), null, null,
                    "not compared: the kept snapshot was taken by " + k.source() + ", this one by " + source);
        }
        SchemaDiff diff = SchemaDiff.between(k.after(), actual);
        return new SchemaReport.LastRelease(k.after().shortFingerprint(), k.image(), k.run(), k.at(), !diff.isEmpty(),
                diff.isEmpty() ? null : diff.report(), null);
    }

    /** This comparison as the report gives it, with the acceptance of its difference if someone gave one. */
    public SchemaReport.Drift report(SchemaReport.Acceptance accepted, String note) {
        return new SchemaReport.Drift(against, verdict, diff.isEmpty() ? null : diff.report(), accepted, note);
    }
}
