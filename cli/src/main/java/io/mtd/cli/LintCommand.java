package io.mtd.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code mtd lint PLAN}: checks a plan and lists every error, touching nothing. */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = "Check a plan file (and a Flyway plan's scripts) and list every error in it, with the field and the fix."
                + " Touches nothing.",
        footer = ExitCode.HELP)
final class LintCommand implements Callable<Integer> {

    @Mixin
    PlanFile plan;

    @Override
    public Integer call() {
        if (plan.load() == null) {
            return ExitCode.INVALID;
        }
        System.out.println(plan.file + ": OK");
        return ExitCode.OK;
    }
}
