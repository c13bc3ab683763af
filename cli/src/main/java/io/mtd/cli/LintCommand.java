package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.lint.LintOutput;
import io.mtd.lint.LintReport;
import io.mtd.plan.Plan;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mtd lint PLAN}: checks a plan, and the expand/contract safety of the SQL it will apply, touching nothing. */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = "Check a plan file (and a Flyway plan's scripts) and list every error in it, with the field and the fix;"
                + " then check the migration SQL for changes that break the running version or block traffic"
                + " (expand/contract). Touches no cluster.",
        footer = ExitCode.HELP)
final class LintCommand implements Callable<Integer> {

    @Mixin
    PlanFile plan;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the findings as JSON to FILE.")
    Path json;

    @Option(names = "--sarif", paramLabel = "FILE",
            description = "Write the findings as SARIF 2.1.0 to FILE (Warnings Next Generation, code scanning).")
    Path sarif;

    @Option(names = "--verify", description = "Also apply the pending SQL to a throwaway embedded PostgreSQL loaded with the"
            + " already-applied migrations, in a transaction rolled back, and report the locks it took, table rewrites and"
            + " schema changes.")
    boolean verify;

    @Option(names = {"-q", "--quiet"}, description = "Print only what stops the release (unacknowledged errors, one line"
            + " each) and the counts per rule.")
    boolean quiet;

    @Option(names = "--current-version", paramLabel = "VERSION",
            description = "The Flyway version the target database is at (the last one in its schema history; 0 for an empty"
                    + " one): only the later scripts are checked. With --verify the throwaway database gets the scripts up to it.")
    String currentVersion;

    @Override
    public Integer call() throws Exception {
        CheckedPlan checked = plan.load();
        if (checked == null) {
            return ExitCode.INVALID;
        }
        Plan p = checked.plan();
        if (verify && p.migration().flyway() == null) {
            System.err.println(plan.file + ": --verify needs a Flyway migration (migration.flyway): a command migration's SQL is"
                    + " only known in a run, from migration.lint.sqlCommand");
            return ExitCode.INVALID;
        }
        if (verify && currentVersion == null) {
            System.err.println(plan.file + ": --verify needs the version the database is at, to load the already-applied"
                    + " migrations: give --current-version VERSION (the last version in flyway_schema_history; 0 for an empty database)");
            return ExitCode.INVALID;
        }
        LintReport report;
        try (MigrateThenDeploy engine = plan.engine()) {
            Optional<String> problem = currentVersion == null ? Optional.empty() : engine.currentVersionProblem(checked, currentVersion);
            if (problem.isPresent()) {
                System.err.println(plan.file + ": --current-version: " + problem.get());
                return ExitCode.INVALID;
            }
            System.out.println(plan.file + ": plan OK");
            report = verify ? Verify.run(engine, checked, currentVersion) : engine.lint(checked, currentVersion);
        }
        System.out.print(LintOutput.summary(report, quiet));
        if (json != null) {
            LintOutput.write(LintOutput.json(report), json);
            System.out.println("Findings written to " + json);
        }
        if (sarif != null) {
            LintOutput.write(LintOutput.sarif(report), sarif);
            System.out.println("SARIF written to " + sarif);
        }
        return report.passed() ? ExitCode.OK : ExitCode.VETOED;
    }
}
