package io.mtd.report;

/** How a whole run ended; the CLI's exit code and the Jenkins build result follow from it. */
public enum RunOutcome {
    SUCCEEDED,
    INVALID_PLAN,
    /**
     * The expand/contract check found an error nobody acknowledged in the SQL the release would apply: nothing was
     * migrated (before any environment, or, for SQL printed by a command, before that environment's migration Job).
     */
    VETOED,
    IMAGE_FAILED,
    MIGRATION_FAILED,
    ROLLOUT_FAILED,
    /** The post-rollout (contract) migration failed: the new version is rolled out and keeps serving. */
    POST_ROLLOUT_FAILED,
    /**
     * The compatibility check failed: a version serving (before the rollout, the running one; after the post-rollout
     * migration, the new one) fails against the migrated schema. The environment stopped there, the migration not undone.
     */
    INCOMPATIBLE,
    TIMED_OUT,
    DENIED,
    CANCELLED,
    /**
     * The migration lock was lost while the run held it (another run took it over, or it expired): the run stopped,
     * rolled nothing out, and its migration Job, if any, keeps the environment occupied until it ends.
     */
    LOCK_LOST,
    /** The cluster, registry or database could not be reached or answered with an error. */
    INFRASTRUCTURE,
    /**
     * A newer run of the app already took an environment to its newer release: this run stopped there before its
     * approval, migration or rollout, as Jenkins' {@code milestone} stops an older build (a rollback on purpose is
     * {@code rollback: true}).
     */
    SUPERSEDED,
    /**
     * An environment's schema was not the one the first environment was tested on (before its migration: nothing was
     * migrated there), or its migration left it different from the first environment's (nothing was rolled out there),
     * and nobody accepted the difference ({@code migration.drift: block}).
     */
    DRIFTED
}
