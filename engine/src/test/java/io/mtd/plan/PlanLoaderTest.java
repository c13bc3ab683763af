package io.mtd.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanLoaderTest {

    private static final String VALID = """
            app: shop
            image: registry.example.com/shop:1.4.0
            build: {context: ., dockerfile: Dockerfile}
            migration:
              command: [python, manage.py, migrate, --noinput]
              envFromSecret: shop-db
              timeout: 10m
            environments:
              - {name: staging, context: staging, namespace: shop-staging, deployments: [shop-web]}
              - {name: production, context: prod, namespace: shop, deployments: [shop-web], approval: true}
            """;

    private static List<PlanError> errors(String yaml) {
        try {
            PlanLoader.parse(yaml);
            return List.of();
        } catch (InvalidPlanException e) {
            return e.errors();
        }
    }

    @Test
    void loadsTheDesignsExamplePlan() {
        Plan plan = PlanLoader.parse(VALID);
        assertThat(plan.app()).isEqualTo("shop");
        assertThat(plan.migration().envFromSecret()).containsExactly("shop-db");
        assertThat(plan.migration().timeoutOrDefault()).isEqualTo(Duration.ofMinutes(10));
        assertThat(plan.environments()).extracting(Environment::name).containsExactly("staging", "production");
        assertThat(plan.environments().get(1).requiresApproval()).isTrue();
        assertThat(plan.build().dockerfileOrDefault()).isEqualTo("Dockerfile");
    }

    @Test
    void jsonIsAcceptedToo() {
        Plan plan = PlanLoader.parse("{\"app\":\"shop\",\"image\":\"shop:1\",\"migration\":{\"command\":[\"migrate\"]},"
                + "\"environments\":[{\"name\":\"staging\"}]}");
        assertThat(plan.environments().get(0).namespaceOrDefault()).isEqualTo("default");
    }

    @Test
    void everyUnknownFieldIsReportedWithItsPathAndASuggestion() {
        List<PlanError> errors = errors(VALID.replace("envFromSecret:", "envFromSecrett:")
                .replace("deployments: [shop-web], approval", "deploymnets: [shop-web], approval"));
        assertThat(errors).extracting(PlanError::path)
                .containsExactlyInAnyOrder("migration.envFromSecrett", "environments[1].deploymnets");
        assertThat(errors).allSatisfy(e -> assertThat(e.message()).contains("did you mean"));
        assertThat(errors.get(0).message()).contains("'envFromSecret'");
    }

    @Test
    void allErrorsAreReportedAtOnceEachNamingTheFieldAndTheFix() {
        List<PlanError> errors = errors("""
                app: Shop_App
                migration:
                  command: []
                  timeout: ten minutes
                  backoffLimit: -1
                environments:
                  - {name: staging, namespace: Shop Staging, deployments: [Web_1]}
                  - {name: staging}
                  - {name: PROD}
                """);
        assertThat(errors).extracting(PlanError::path).contains(
                "app", "image", "migration.command", "migration.timeout", "migration.backoffLimit",
                "environments[0].namespace", "environments[0].deployments[0]", "environments[1].name", "environments[2].name");
        assertThat(errors).filteredOn(e -> e.path().equals("app")).first()
                .satisfies(e -> assertThat(e.message()).contains("not a valid Kubernetes name").contains("'shop-app'"));
        assertThat(errors).filteredOn(e -> e.path().equals("migration.timeout")).first()
                .satisfies(e -> assertThat(e.message()).contains("10m"));
        assertThat(errors).filteredOn(e -> e.path().equals("environments[1].name")).first()
                .satisfies(e -> assertThat(e.message()).contains("used by an earlier environment"));
        assertThat(errors).filteredOn(e -> e.path().equals("image")).first()
                .satisfies(e -> assertThat(e.message()).contains("missing"));
    }

    @Test
    void aWrongTypeNamesItsField() {
        List<PlanError> errors = errors(VALID.replace("command: [python, manage.py, migrate, --noinput]", "command: {run: migrate}"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("migration.command");
            assertThat(e.message()).contains("list");
        });
    }

    @Test
    void theCompatibilityCheckIsReadUnderTheMigrationAndAWronglyShapedOneIsShownTheRightShape() {
        Plan plan = PlanLoader.parse(VALID.replace("  timeout: 10m\n", "  timeout: 10m\n  compatibility:\n"
                + "    command: [python3, manage.py, check_compatibility]\n    timeout: 2m\n    env: {CHECK: all}\n"));
        Compatibility c = plan.migration().compatibility();
        assertThat(c.command()).containsExactly("python3", "manage.py", "check_compatibility");
        assertThat(c.timeoutOrDefault()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.env()).containsEntry("CHECK", "all");

        List<PlanError> errors = errors(VALID.replace("  timeout: 10m\n", "  timeout: 10m\n  compatibility: python3 manage.py check\n"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("migration.compatibility");
            assertThat(e.message()).contains("compatibility: {command: [python3, manage.py, check_compatibility]");
        });
    }

    @Test
    void aScalarWhereAListBelongsNamesTheFieldItsLineAndTheRightShapeAndEveryOtherErrorIsStillReported() {
        List<PlanError> errors = errors("""
                app: shop
                image: shop:1
                migration:
                  command: python manage.py migrate
                environments:
                  - {name: Staging, deployments: shop-web}
                  - prod
                """);
        assertThat(errors).extracting(PlanError::path)
                .containsExactly("migration.command", "environments[0].deployments", "environments[1]", "environments[0].name");
        assertThat(errors.get(0)).satisfies(e -> {
            assertThat(e.message()).contains("expected a list").contains("command: [python, manage.py, migrate]");
            assertThat(e.line()).isEqualTo(4);
            assertThat(e.column()).isEqualTo(12);
        });
        assertThat(errors.get(1).message()).contains("deployments: [shop-web]");
        assertThat(errors.get(1).line()).isEqualTo(6);
        assertThat(errors.get(2).message()).contains("expected a mapping of fields").contains("{name: staging");
        assertThat(errors.get(2).line()).isEqualTo(7);
        assertThat(errors.get(3).line()).isEqualTo(6);
        assertThat(errors.toString()).doesNotContain("Cannot deserialize", "java.", "null");
    }

    @Test
    void aTopLevelListIsNamedWithoutJacksonInternals() {
        assertThat(errors("- app: shop\n  image: shop:1\n")).singleElement().satisfies(e -> {
            assertThat(e.message()).contains("expected the plan to be a mapping of fields, not a list").doesNotContain("`");
            assertThat(e.line()).isEqualTo(1);
        });
    }

    @Test
    void aKeyGivenTwiceIsAnErrorAtItsSecondLine() {
        List<PlanError> errors = errors(VALID + "app: other\n");
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("app");
            assertThat(e.message()).contains("given twice").contains("line 1");
            assertThat(e.line()).isEqualTo(11);
        });
        assertThat(errors(VALID.replace("  timeout: 10m", "  timeout: 10m\n  timeout: 20m"))).extracting(PlanError::path)
                .containsExactly("migration.timeout");
    }

    @Test
    void aYamlSyntaxErrorSaysWhereItIsAndWhereTheUnclosedPartBegan() {
        assertThat(errors("app: shop\nimage: [shop:1\nmigration: {command: [a]}\n")).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(3);
            assertThat(e.message()).contains("not valid YAML").contains("began at line 2, column 8").doesNotContain("in 'reader'");
        });
        assertThat(errors("app: shop\n  image: x\n")).singleElement().satisfies(e -> assertThat(e.line()).isEqualTo(2));
    }

    @Test
    void aDirectoryIsNotAPlanFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThatThrownBy(() -> PlanLoader.load(dir)).isInstanceOf(InvalidPlanException.class)
                .hasMessageContaining("is a directory").hasMessageContaining("mtd.yaml");
    }

    @Test
    void commandAndFlywayAreExclusiveAndFlywayNeedsItsSecret() {
        List<PlanError> errors = errors(VALID.replace("  envFromSecret: shop-db", "  flyway: {locations: [db/migration]}"));
        assertThat(errors).extracting(PlanError::path).contains("migration", "migration.flyway.secret");
    }

    @Test
    void noEnvironmentsAndEmptyFileAndBrokenYamlAreErrors() {
        assertThat(errors("app: shop\nimage: shop:1\nmigration: {command: [m]}\n")).extracting(PlanError::path)
                .containsExactly("environments");
        assertThat(errors("")).singleElement().satisfies(e -> assertThat(e.message()).contains("empty"));
        assertThat(errors("app: [unclosed")).singleElement().satisfies(e -> assertThat(e.message()).contains("line"));
    }

    @Test
    void imageReferencesAreChecked() {
        assertThat(errors(VALID.replace("registry.example.com/shop:1.4.0", "Registry Example/shop"))).extracting(PlanError::path)
                .containsExactly("image");
        assertThat(errors(VALID.replace("registry.example.com/shop:1.4.0", "127.0.0.1:5000/team/shop@sha256:" + "0".repeat(64))))
                .isEmpty();
    }

    @Test
    void aMissingFileSaysSo() {
        assertThatThrownBy(() -> PlanLoader.load(java.nio.file.Path.of("does-not-exist.yaml")))
                .isInstanceOf(InvalidPlanException.class).hasMessageContaining("does not exist");
    }

    @Test
    void durationsParseAndFormat() {
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("PT10M")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThatThrownBy(() -> Durations.parse("10 minutes")).hasMessageContaining("90s, 10m");
    }

    @Test
    void snapshotsDriftAndBackupsAreReadFromTheirFields() {
        Plan plan = PlanLoader.parse("""
                app: shop
                image: shop:1
                migration:
                  command: [migrate]
                  envFromSecret: shop-db
                  snapshot: {urlKey: POSTGRES_URL, timeout: 2m}
                  drift: warn
                  backup: {command: [sh, -c, "pg_dump -Fc -f /backup/shop.dump"], volume: {claim: shop-backups, mountPath: /backup}}
                environments:
                  - {name: staging}
                  - {name: production, backup: {image: "postgres:16", command: [pg_dumpall], secret: shop-admin}}
                """);

        Migration m = plan.migration();
        assertThat(m.snapshot().urlKey()).isEqualTo("POSTGRES_URL");
        assertThat(m.snapshot().secretOr(m)).isEqualTo("shop-db");
        assertThat(m.driftBlocks()).isFalse();
        assertThat(plan.environments().get(0).backupOr(m).volume()).isEqualTo(new DatabaseJob.Volume("shop-backups", "/backup"));
        assertThat(plan.environments().get(1).backupOr(m).command()).containsExactly("pg_dumpall");
        assertThat(plan.environments().get(1).backupOr(m).secretOr(m)).isEqualTo("shop-admin");
    }

    @Test
    void aBackupWrittenAsACommandLineIsToldItsShape() {
        assertThatThrownBy(() -> PlanLoader.parse("""
                app: shop
                image: shop:1
                migration: {command: [migrate], envFromSecret: shop-db, backup: pg_dump -Fc}
                environments: [{name: staging}]
                """)).isInstanceOf(InvalidPlanException.class).hasMessageContaining("migration.backup")
                .hasMessageContaining("volume: {claim: shop-backups, mountPath: /backup}");
    }
}
