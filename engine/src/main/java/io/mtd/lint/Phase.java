package io.mtd.lint;

/** When a migration runs relative to the rollout: before it (the old version still serves) or after it (contract). */
public enum Phase {
    /** Expand: runs while the previous version serves traffic, so it must stay compatible with it. */
    PRE_ROLLOUT,
    /** Contract: runs once the environment's rollout is complete and healthy; the old version is gone. */
    POST_ROLLOUT
}
