package io.mtd.cli;

import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.Preflight;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanLoader;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The PLAN argument and {@code --workspace} option of every command that reads a plan, and how a plan is checked. */
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
     * The plan, checked completely (and its Flyway scripts, offline); null after every error was printed, so that the
     * command exits with {@link ExitCode#INVALID} before anything touches a cluster.
     */
    Plan load() {
        Plan plan;
        try {
            plan = PlanLoader.load(file);
        } catch (InvalidPlanException e) {
            System.err.println(file + ": " + e.getMessage());
            return null;
        }
        if (plan.migration().flyway() != null) {
            Preflight local = FlywayPreflight.check(plan.migration().flyway(), workspace(), Optional.empty());
            if (!local.ok()) {
                System.err.println(file + ": the Flyway scripts have problems:");
                local.errors().forEach(e -> System.err.println("  - " + e));
                return null;
            }
        }
        return plan;
    }
}
