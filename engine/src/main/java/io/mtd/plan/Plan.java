package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * What to migrate and deploy: one application image, its migration, and the environments it is promoted through in order.
 *
 * <p>Plain data: read by {@link PlanLoader} from YAML or JSON, or built in code by the Jenkins step, and always checked
 * once, at the engine's door ({@code MigrateThenDeploy.check}), before anything touches a cluster.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"app", "image", "build", "migration", "rollout", "environments", "rollback"})
public record Plan(
        String app,
        String image,
        Build build,
        Migration migration,
        Rollout rollout,
        List<Environment> environments,
        Boolean rollback) {

    public Plan {
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    /** A plan that moves each environment forward only (no {@code rollback}). */
    public Plan(String app, String image, Build build, Migration migration, Rollout rollout, List<Environment> environments) {
        this(app, image, build, migration, rollout, environments, null);
    }

    /**
     * Whether this run takes the environments back to its image on purpose, over a newer release a later run took them
     * to: the migration (and its printed SQL, and the post-rollout phase) is skipped, the schema stays where the newer
     * release left it, and the image is rolled out; the report records it as a rollback.
     */
    public boolean rollsBack() {
        return rollback != null && rollback;
    }

    /** The rollout settings, or the defaults when the plan gives none. */
    public Rollout rolloutOrDefaults() {
        return rollout == null ? Rollout.DEFAULTS : rollout;
    }

    /** The environment of that name, if the plan has one. */
    public Environment environment(String name) {
        return environments.stream()
                .filter(e -> Objects.equals(e.name(), name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("The plan has no environment '" + name + "'"));
    }

    /** The same plan with only the environment of that name (which it must have). */
    public Plan onlyEnvironment(String name) {
        return new Plan(app, image, build, migration, rollout, List.of(environment(name)), rollback);
    }

    /** The same plan whose migration replaces a Job that failed for this image ({@code migration.retry: true}). */
    public Plan withRetry() {
        return migration == null ? this
                : new Plan(app, image, build, migration.toBuilder().retry(true).build(), rollout, environments, rollback);
    }

    /** The same plan as a rollback on purpose ({@code rollback: true}, {@code mtd run --rollback}). */
    public Plan withRollback() {
        return new Plan(app, image, build, migration, rollout, environments, true);
    }

    /** The same plan with another migration (for example with snapshots added, or its backup left out). */
    public Plan withMigration(Migration newMigration) {
        return new Plan(app, image, build, newMigration, rollout, environments, rollback);
    }

    /** The same plan with these environments in place of its own. */
    public Plan withEnvironments(List<Environment> newEnvironments) {
        return new Plan(app, image, build, migration, rollout, newEnvironments, rollback);
    }

    /** The same plan with another image reference (for example pinned by digest). */
    public Plan withImage(String newImage) {
        return new Plan(app, newImage, build, migration, rollout, environments, rollback);
    }
}
