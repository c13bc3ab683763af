package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.plan.InvalidPlanException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The PLAN argument and {@code --workspace} option of every command that reads a plan, and how a plan is read. */
final class PlanFile {

    @Parameters(index = "0", paramLabel = "PLAN", description = "The plan file (YAML or JSON).")
    Path file;

    @Option(names = "--workspace", paramLabel = "DIR",
            description = "Directory the plan's relative paths are resolved against (default: the plan file's directory).")
    Path workspace;

    /** Where the plan's relative paths (build context, Flyway locations) point. */
    Path workspace() {
        return workspace != null ? workspace : file.toAbsolutePath().getParent();
    }

    /**
     * The plan, checked completely at the engine's door (and its Flyway scripts, offline); null after every error was
     * printed, so that the command exits with {@link ExitCode#INVALID} before anything touches a cluster.
     */
    CheckedPlan load() {
        try {
            return MigrateThenDeploy.read(file, workspace());
        } catch (InvalidPlanException e) {
            System.err.println(file + ": " + e.getMessage());
            return null;
        }
    }

    /** An engine for the verbs that need no cluster (plan, lint, rbac), resolving the plan's paths in its workspace. */
    MigrateThenDeploy engine() {
        return MigrateThenDeploy.builder().workspace(workspace()).build();
    }
}
