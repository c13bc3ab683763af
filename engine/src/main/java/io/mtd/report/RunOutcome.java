package io.mtd.report;

/** How a whole run ended; the CLI's exit code and the Jenkins build result follow from it. */
public enum RunOutcome {
    SUCCEEDED,
    INVALID_PLAN,
    IMAGE_FAILED,
    MIGRATION_FAILED,
    ROLLOUT_FAILED,
    /** The post-rollout (contract) migration failed: the new version is rolled out and keeps serving. */
    POST_ROLLOUT_FAILED,
    TIMED_OUT,
    DENIED,
    CANCELLED,
    /** The cluster, registry or database could not be reached or answered with an error. */
    INFRASTRUCTURE
}
