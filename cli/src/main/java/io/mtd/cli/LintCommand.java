package io.mtd.cli;

import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.PlanLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mtd lint PLAN}: checks a plan and lists every error, touching nothing. */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = "Check a plan file and list every error in it, with the field and the fix. Touches nothing.",
        footer = ExitCode.HELP)
final class LintCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PLAN", description = "The plan file (YAML or JSON).")
    Path plan;

    @Override
    public Integer call() {
        try {
            PlanLoader.load(plan);
            System.out.println(plan + ": OK");
            return ExitCode.OK;
        } catch (InvalidPlanException e) {
            System.err.println(plan + ": " + e.getMessage());
            return ExitCode.INVALID;
        }
    }
}
