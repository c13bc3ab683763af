package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.DriftCheck;
import io.mtd.command.PlanPreview;
import io.mtd.plan.InvalidPlanException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mtd plan PLAN}: the resolved plan and the Job manifests it would create, with no cluster. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Validate a plan and print it resolved, with the migration Job manifest of each environment."
                + " Needs no cluster (but with --drift).",
        footer = ExitCode.HELP)
final class PlanCommand implements Callable<Integer> {

    @Mixin
    PlanFile planFile;

    @Option(names = "--offline", description = "Do not ask any cluster or database (Flyway: pending migrations unknown).")
    boolean offline;

    @Option(names = "--drift", description = "Then take each environment's schema snapshot (a Job under its migration lock,"
            + " as a run does; needs migration.snapshot and the clusters) and compare it with the one kept after its last"
            + " successful run: exits 12 when one changed, 6 when one could not be taken.")
    boolean drift;

    @Override
    public Integer call() {
        CheckedPlan plan = planFile.load();
        if (plan == null) {
            return ExitCode.INVALID;
        }
        if (drift && offline) {
            System.err.println("--drift takes a snapshot in each environment's cluster: leave out --offline");
            return ExitCode.INVALID;
        }
        if (drift) {
            try {
                DriftCheck.requireSnapshots(plan.plan());
            } catch (InvalidPlanException e) {
                System.err.println(planFile.file + ": " + e.errors().get(0).path() + ": " + e.errors().get(0).message());
                return ExitCode.INVALID;
            }
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
            if (env.pending() != null) {
                System.out.println("# " + env.name() + ": " + env.pending());
            }
            for (PlanPreview.ScriptsConfigMap cm : env.configMaps()) {
                System.out.println("# ConfigMap " + cm.name() + " (" + cm.scripts() + " scripts), created before the Job");
            }
            System.out.print(env.jobYaml());
        }
        return drift ? drift(plan) : ExitCode.OK;
    }

    /** Each environment's schema against its last release's, as comment lines after the plan; the exit code says the worst. */
    private int drift(CheckedPlan plan) {
        DriftCheck check;
        // its progress on stderr, so that stdout stays the plan's YAML and the verdict's comment lines
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().workspace(planFile.workspace())
                .listener(new ConsoleProgress(System.err)).build()) {
            check = engine.drift(plan);
        } catch (InvalidPlanException e) {
            System.err.println(planFile.file + ": " + e.errors().get(0).path() + ": " + e.errors().get(0).message());
            return ExitCode.INVALID;
        }
        System.out.println("---");
        for (DriftCheck.EnvironmentDrift env : check.environments()) {
            System.out.println("# " + env.name() + " (namespace " + env.namespace() + "): " + verdict(env));
            for (String line : env.excerpt()) {
                System.out.println("#     " + line);
            }
        }
        return check.failed() ? ExitCode.INFRASTRUCTURE : check.changed() ? ExitCode.DRIFTED : ExitCode.OK;
    }

    private static String verdict(DriftCheck.EnvironmentDrift env) {
        if (env.problem() != null) {
            return "no snapshot: " + env.problem();
        }
        if (env.sinceLastRelease() == null) {
            return "schema " + env.fingerprint() + "; no schema kept here yet (none after a successful run)";
        }
        if (env.sinceLastRelease().changed() == null) {
            return "schema " + env.fingerprint() + "; " + env.sinceLastRelease().note();
        }
        return "schema " + env.fingerprint() + (env.changed() ? ", CHANGED" : ", unchanged") + " since the last release ("
                + env.sinceLastRelease().image() + ")";
    }
}
