package io.mtd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mtd.migration.MigrationJob;
import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanLoader;
import io.mtd.promotion.RunIdentity;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mtd plan PLAN}: the resolved plan and the Job manifests it would create, with no cluster. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Validate a plan and print it resolved, with the migration Job manifest of each environment."
                + " Needs no cluster.",
        footer = ExitCode.HELP)
final class PlanCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PLAN", description = "The plan file (YAML or JSON).")
    Path planFile;

    @Override
    public Integer call() throws JsonProcessingException {
        Plan plan;
        try {
            plan = PlanLoader.load(planFile);
        } catch (InvalidPlanException e) {
            System.err.println(planFile + ": " + e.getMessage());
            return ExitCode.INVALID;
        }
        System.out.println("# Plan " + planFile + " (valid)");
        System.out.print(PlanLoader.yaml().writeValueAsString(plan));
        KubernetesSerialization yaml = new KubernetesSerialization();
        RunIdentity identity = RunIdentity.local();
        for (Environment env : plan.environments()) {
            MigrationJob job = new MigrationJob(plan, env, plan.image(), identity);
            System.out.println("---");
            System.out.println("# " + env.name() + ": migration Job " + job.name() + " in namespace " + job.namespace()
                    + (env.requiresApproval() ? " (after approval)" : "")
                    + (env.deployments().isEmpty() ? "" : "; then rolls out " + String.join(", ", env.deployments())));
            System.out.print(yaml.asYaml(job.manifest()).replaceFirst("^---\\n", ""));
        }
        return ExitCode.OK;
    }
}
