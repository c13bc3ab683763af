package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.PlanPreview;
import io.mtd.plan.InvalidPlanException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mtd plan PLAN}: the resolved plan and the Job manifests it would create, with no cluster. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Validate a plan and print it resolved, with the migration Job manifest of each environment."
                + " Needs no cluster.",
        footer = ExitCode.HELP)
final class PlanCommand implements Callable<Integer> {

    @Mixin
    PlanFile planFile;

    @Option(names = "--offline", description = "Do not ask any cluster or database (Flyway: pending migrations unknown).")
    boolean offline;

    @Override
    public Integer call() {
        CheckedPlan plan = planFile.load();
        if (plan == null) {
            return ExitCode.INVALID;
        }
        PlanPreview preview;
        try (MigrateThenDeploy engine = planFile.engine()) {
            preview = engine.plan(plan, offline);
        } catch (InvalidPlanException e) {
            System.err.println(planFile.file + ": " + e.errors().get(0).message());
            return ExitCode.INVALID;
        }
        System.out.println("# Plan " + planFile.file + " (valid)");
        System.out.print(preview.planYaml());
        for (PlanPreview.EnvironmentPreview env : preview.environments()) {
            System.out.println("---");
            System.out.println("# " + env.name() + ": migration Job " + env.job() + " in namespace " + env.namespace()
                    + (env.approval() ? " (after approval)" : "")
                    + (env.deployments().isEmpty() ? "" : "; then rolls out " + String.join(", ", env.deployments())));
            System.out.println("# " + env.name() + ": migration slot " + env.slot());
            if (env.pending() != null) {
                System.out.println("# " + env.name() + ": " + env.pending());
            }
            for (PlanPreview.ScriptsConfigMap cm : env.configMaps()) {
                System.out.println("# ConfigMap " + cm.name() + " (" + cm.scripts() + " scripts), created before the Job");
            }
            System.out.print(env.jobYaml());
        }
        return ExitCode.OK;
    }
}
