package io.mtd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan's checks on their own: every error at once, each with the field's path and the fix. */
class PlanValidatorTest {

    private static Plan plan(String app, String image, Migration migration, Environment... environments) {
        return new Plan(app, image, null, migration, null, List.of(environments));
    }

    private static Migration command() {
        return Migration.builder().command("python", "manage.py", "migrate").build();
    }

    @Test
    void aPlanThatCanRunHasNoErrors() {
        Plan plan = plan("shop", "registry.example.com/shop:1.4.0", command(),
                Environment.of("staging", "shop-staging", List.of("shop-web")),
                Environment.of("production", "shop-production", List.of("shop-web")));
        assertThat(PlanValidator.validate(plan)).isEmpty();
        assertThat(PlanValidator.requireValid(plan)).isSameAs(plan);
    }

    @Test
    void everyErrorIsReportedAtOnceWithItsFieldPath() {
        Migration m = Migration.builder().command("migrate").backoffLimit(11).onCancel("kill")
                .secretEnv(List.of(new Migration.SecretEnv("1BAD", "shop-db", null))).timeout("soon").build();
        Plan plan = plan("Shop_App", "registry.example.com/shop:1.4.0", m,
                Environment.of("staging", "shop-staging", List.of("shop-web")),
                Environment.of("staging", "Shop Prod", List.of("shop_web")));

        List<PlanError> errors = PlanValidator.validate(plan);

        assertThat(errors).extracting(PlanError::path).containsExactlyInAnyOrder(
                "app",
                "migration.secretEnv[0].name",
                "migration.secretEnv[0].key",
                "migration.timeout",
                "migration.backoffLimit",
                "migration.onCancel",
                "environments[1].name",
                "environments[1].namespace",
                "environments[1].deployments[0]");
        assertThat(errors).filteredOn(e -> e.path().equals("app")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("'Shop_App'").contains("e.g. '"));
        assertThat(errors).filteredOn(e -> e.path().equals("migration.onCancel")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("'kill'").contains("leave").contains("delete"));
        assertThat(errors).filteredOn(e -> e.path().equals("environments[1].name")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("earlier environment"));
    }

    @Test
    void aMissingAppImageAndMigrationAreNamedWithAnExample() {
        List<PlanError> errors = PlanValidator.validate(plan(null, null, null, Environment.of("staging", null, List.of())));
        assertThat(errors).extracting(PlanError::path).contains("app", "image", "migration");
        assertThat(errors).allSatisfy(e -> assertThat(e.message()).contains("e.g."));
    }

    @Test
    void commandAndFlywayTogetherAndNoEnvironmentsAreRefusedBeforeAnythingRuns() {
        Migration both = Migration.builder().command("migrate")
                .flyway(new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, null)).build();
        Plan plan = plan("shop", "registry.example.com/shop:1", both);

        assertThatThrownBy(() -> PlanValidator.requireValid(plan)).isInstanceOf(InvalidPlanException.class)
                .satisfies(e -> assertThat(((InvalidPlanException) e).errors()).extracting(PlanError::path)
                        .contains("migration", "environments"));
    }

    @Test
    void aCompatibilityCheckNeedsItsCommandAndAValidTimeoutAndEnvironment() {
        Migration m = command().toBuilder().compatibility(new Compatibility(List.of("check", ""), "0s",
                java.util.Map.of("1BAD", "x"), List.of("Read Only"), List.of(new Migration.SecretEnv("DATABASE_URL", "db", null))))
                .build();
        List<PlanError> errors = PlanValidator.validate(plan("shop", "registry.example.com/shop:1", m,
                Environment.of("staging", "shop-staging", List.of("shop-web"))));

        assertThat(errors).extracting(PlanError::path).containsExactlyInAnyOrder("migration.compatibility.command[1]",
                "migration.compatibility.timeout", "migration.compatibility.env.1BAD", "migration.compatibility.envFromSecret[0]",
                "migration.compatibility.secretEnv[0].key");

        Migration none = command().toBuilder().compatibility(new Compatibility(null, null, null)).build();
        assertThat(PlanValidator.validate(plan("shop", "registry.example.com/shop:1", none,
                Environment.of("staging", "shop-staging", List.of("shop-web"))))).singleElement().satisfies(e -> {
                    assertThat(e.path()).isEqualTo("migration.compatibility.command");
                    assertThat(e.message()).contains("e.g. [python3, manage.py, check_compatibility]");
                });
        assertThat(new Compatibility(List.of("check"), null, null).timeoutOrDefault()).isEqualTo(java.time.Duration.ofMinutes(5));
    }
}
