package io.jenkins.plugins.mtd;

import java.util.List;

/** What the Pipeline step and the freestyle builder are configured with; both become one engine {@code Plan}. */
interface DeployOptions {

    /** Workspace-relative path of a plan file, instead of the options below (image may still override its image). */
    String getPlan();

    String getApp();

    String getImage();

    ImageBuild getBuild();

    MigrationSpec getMigration();

    List<DeployEnvironment> getEnvironments();

    String getRolloutTimeout();

    String getApprovalTimeout();

    boolean isUndoOnFailure();

    /** Whether the image is pinned by digest from its registry (off for registries the controller cannot reach). */
    boolean isResolveDigest();
}
