package io.mtd;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanLoader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A plan that passed every check of the engine's door ({@link MigrateThenDeploy#check}) once: its fields, its shape,
 * its post-rollout phase and acknowledgements, and, where it was checked with a workspace, its Flyway scripts. Only the
 * door makes one, so every verb that takes one knows the plan was checked, and does not check it again.
 */
public final class CheckedPlan {

    private final Plan plan;
    /** Where the Flyway scripts were checked, or null: a verb run with another workspace checks them there. */
    private final Path scriptsCheckedIn;

    CheckedPlan(Plan plan, Path scriptsCheckedIn) {
        this.plan = Objects.requireNonNull(plan);
        this.scriptsCheckedIn = scriptsCheckedIn == null ? null : scriptsCheckedIn.toAbsolutePath().normalize();
    }

    public Plan plan() {
        return plan;
    }

    boolean scriptsCheckedIn(Path workspace) {
        return scriptsCheckedIn != null && scriptsCheckedIn.equals(workspace.toAbsolutePath().normalize());
    }

    /** The same checked plan with only the environment of that name, which it must have (one environment of a valid plan is one). */
    public CheckedPlan onlyEnvironment(String name) {
        return new CheckedPlan(plan.onlyEnvironment(name), scriptsCheckedIn);
    }

    /** The same checked plan replacing a migration Job that failed for its image ({@code mtd run --retry}). */
    public CheckedPlan withRetry() {
        return new CheckedPlan(plan.withRetry(), scriptsCheckedIn);
    }

    /** The same checked plan as a rollback on purpose ({@code mtd run --rollback}). */
    public CheckedPlan withRollback() {
        return new CheckedPlan(plan.withRollback(), scriptsCheckedIn);
    }

    /** The plan as JSON, to be kept (by a Jenkins step across a restart) and checked again with {@link MigrateThenDeploy#restore}. */
    public String toJson() {
        try {
            return PlanLoader.json().writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
