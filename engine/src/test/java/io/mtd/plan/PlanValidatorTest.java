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
    void snapshotsDriftAndBackupsAreCheckedFieldByFieldWithTheFix() {
        DatabaseJob noCommand = new DatabaseJob("postgres:16", null, null, "1 url", "soon", -1L,
                new DatabaseJob.Volume("Backups", "backup"));
        Migration m = Migration.builder().command("migrate").envFromSecret(List.of("shop-db", "shop-extra"))
                .snapshot(new DatabaseJob(null, null, null, null, null, null, new DatabaseJob.Volume("x", "/x")))
                .drift("ignore").backup(noCommand).build();
        Environment production = new Environment("production", null, null, null, null, "shop", List.of(), null, null, null,
                new DatabaseJob(null, List.of("pg_dump", ""), "Shop DB", null, null, null, null));

        List<PlanError> errors = PlanValidator.validate(plan("shop", "shop:1", m, production));

        assertThat(errors).extracting(PlanError::path).containsExactlyInAnyOrder(
                "migration.snapshot.secret", "migration.snapshot.volume", "migration.drift",
                "migration.backup.command", "migration.backup.secret", "migration.backup.urlKey", "migration.backup.timeout",
                "migration.backup.runAsUser", "migration.backup.volume.claim", "migration.backup.volume.mountPath",
                "environments[0].backup.command[1]", "environments[0].backup.secret");
        assertThat(errors).filteredOn(e -> e.path().equals("migration.snapshot.secret")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("several Secrets").contains("secret: shop-db"));
        assertThat(errors).filteredOn(e -> e.path().equals("migration.drift")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("'ignore'").contains("block").contains("warn"));
    }

    @Test
    void driftNeedsSnapshotsAndTheMigrationsOnlySecretIsTheirsByDefault() {
        Migration noSnapshot = Migration.builder().command("migrate").envFromSecret(List.of("shop-db")).drift("warn").build();
        assertThat(PlanValidator.validate(plan("shop", "shop:1", noSnapshot, Environment.of("staging", null, List.of()))))
                .singleElement().satisfies(e -> {
                    assertThat(e.path()).isEqualTo("migration.drift");
                    assertThat(e.message()).contains("add migration.snapshot");
                });
        DatabaseJob defaults = new DatabaseJob(null, null, null, null, null, null, null);
        Migration m = noSnapshot.toBuilder().snapshot(defaults).build();
        assertThat(PlanValidator.validate(plan("shop", "shop:1", m, Environment.of("staging", null, List.of())))).isEmpty();
        assertThat(defaults.secretOr(m)).isEqualTo("shop-db");
        assertThat(defaults.imageOrDefault()).isEqualTo("postgres:18");
        assertThat(defaults.runAsUserOrDefault()).isEqualTo(999L);
        assertThat(new DatabaseJob("registry.example.com/tools/pg:16", null, null, null, null, null, null).runAsUserOrDefault()).isNull();
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
