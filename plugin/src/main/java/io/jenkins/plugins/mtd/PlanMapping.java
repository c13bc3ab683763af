package io.jenkins.plugins.mtd;

import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanLoader;
import io.mtd.plan.Rollout;
import java.util.ArrayList;
import java.util.List;

/** Turns a job's options, or the plan file they name, into the engine's {@link Plan}. */
final class PlanMapping {

    private PlanMapping() {}

    /**
     * The plan to run.
     *
     * @param options the step's or builder's options
     * @param planFileText the content of {@link DeployOptions#getPlan()}, or null when no plan file is named
     * @throws InvalidPlanException listing every error, including a plan file combined with inline options
     */
    static Plan plan(DeployOptions options, String planFileText) {
        if (planFileText != null) {
            if (options.getApp() != null || options.getMigration() != null || !options.getEnvironments().isEmpty()
                    || options.getBuild() != null) {
                throw new InvalidPlanException(List.of(new PlanError("plan", "give either a plan file or app, build,"
                        + " migration and environments, not both (image may be given with a plan file to override its image)")));
            }
            Plan fromFile = PlanLoader.parse(planFileText);
            return options.getImage() == null ? fromFile : fromFile.withImage(options.getImage());
        }
        List<Environment> environments = new ArrayList<>();
        for (DeployEnvironment e : options.getEnvironments()) {
            environments.add(e.toPlan());
        }
        Rollout rollout = options.getRolloutTimeout() == null && options.getApprovalTimeout() == null
                && options.isUndoOnFailure()
                ? null
                : new Rollout(options.getRolloutTimeout(), options.isUndoOnFailure() ? null : Boolean.FALSE, null,
                        options.getApprovalTimeout());
        return new Plan(options.getApp(), options.getImage(),
                options.getBuild() == null ? null : options.getBuild().toPlan(),
                options.getMigration() == null ? null : options.getMigration().toPlan(),
                rollout, environments);
    }
}
