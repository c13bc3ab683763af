package io.mtd.progress;

/** The stages of a run, in the order they happen for each environment. */
public enum Stage {
    LINT("lint"),
    IMAGE("image"),
    /** The environment's release record: what it is at, whether a newer run passed, what this run records there. */
    RELEASE("release"),
    APPROVAL("approval"),
    LOCK("lock"),
    /** A snapshot of the environment's schema, before or after its migration, and its comparison. */
    SNAPSHOT("snapshot"),
    /** The backup Job right before the migration. */
    BACKUP("backup"),
    MIGRATION("migration"),
    /** The versions serving tried against the migrated schema ({@code migration.compatibility}). */
    COMPATIBILITY("compatibility"),
    ROLLOUT("rollout");

    private final String label;

    Stage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
