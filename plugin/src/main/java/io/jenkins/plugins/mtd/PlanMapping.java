package io.jenkins.plugins.mtd;

import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanText;
import io.mtd.plan.Rollout;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a step's or builder's options, or the plan file they name, into the plan the engine's door checks: not checked
 * here (the door checks it once), except for what only the options can get wrong (a plan file and inline options both).
 */
final class PlanMapping {

    private PlanMapping() {}

    /**
     * The plan {@code migrateThenDeploy} (or the freestyle builder) runs, not checked yet.
     *
     * @param planFileText the content of {@link MigrateThenDeployStep#getPlan()}, or null when no plan file is named
     * @throws InvalidPlanException listing every error, including a plan file combined with inline options
     */
    static PlanText plan(MigrateThenDeployStep options, String planFileText) {
        if (planFileText != null) {
            if (options.getApp() != null || options.getMigration() != null || !options.getEnvironments().isEmpty()
                    || options.getBuild() != null) {
                throw new InvalidPlanException(List.of(new PlanError("plan", "give either a plan file or app, build,"
                        + " migration and environments, not both (image may be given with a plan file to override its image)")));
            }
            return fromFile(planFileText, options.getImage());
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
        return PlanText.of(new Plan(options.getApp(), options.getImage(),
                options.getBuild() == null ? null : options.getBuild().toPlan(),
                options.getMigration() == null ? null : options.getMigration().toPlan(),
                rollout, environments));
    }

    /**
     * The plan {@code migrateDatabase} migrates one environment of, not checked yet: its own options, or a plan file whose
     * environment of that name it picks (the step then names the environment only).
     *
     * @throws InvalidPlanException listing every error, by the step's field names
     */
    static PlanText migration(MigrateDatabaseStep step, String planFileText) {
        DeployEnvironment env = step.getEnvironment();
        List<PlanError> errors = new ArrayList<>();
        if (env == null || env.getName() == null) {
            errors.add(new PlanError("environment.name", "name the environment to migrate, e.g. environment: [name: 'staging', ...]"));
        } else if (!env.getDeployments().isEmpty() || env.getContainer() != null) {
            errors.add(new PlanError("environment.deployments", "migrateDatabase only migrates: roll out with your own steps"
                    + " after it in the same stage, or use migrateThenDeploy to roll out Deployments"));
        }
        if (planFileText != null) {
            if (step.getApp() != null || step.getMigration() != null || (env != null && env.hasMoreThanName())) {
                errors.add(new PlanError("plan", "with a plan file give only environment: [name: '...'] (and optionally"
                        + " image); the environment's cluster and the migration come from the plan file"));
            }
            if (!errors.isEmpty()) {
                throw new InvalidPlanException(errors);
            }
            return fromFile(planFileText, step.getImage());
        }
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        Rollout rollout = step.getApprovalTimeout() == null ? null : new Rollout(null, null, null, step.getApprovalTimeout());
        return PlanText.of(new Plan(step.getApp(), step.getImage(), null,
                step.getMigration() == null ? null : step.getMigration().toPlan(), rollout, List.of(env.toPlan())));
    }

    /** The plan file as read (errors placed at their lines when checked), with the step's image when it gives one. */
    private static PlanText fromFile(String planFileText, String image) {
        return PlanText.parse(planFileText).withImage(image);
    }
}
