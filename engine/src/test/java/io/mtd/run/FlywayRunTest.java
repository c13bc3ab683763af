package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.FlywayReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs with Flyway as the migration engine: the sandbox's Flyway Job migrates a real PostgreSQL. */
@ExtendWith(SandboxExtension.class)
class FlywayRunTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;
    /** Started and closed by {@link SandboxExtension}, which also runs the Flyway image against it. */
    private static SandboxDatabase database;

    @TempDir
    Path workspace;

    private void scripts(String set) throws IOException {
        Path target = workspace.resolve("db/migration");
        Files.createDirectories(target);
        Path source = Path.of("src/test/resources/flyway", set);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static Plan plan(String image, String namespace) {
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, "app-db", null, null, null, null, null);
        Migration m = Migration.builder().flyway(flyway).timeout("2m").build();
        return new Plan("shop", image, null, m, null, List.of(Environment.of("staging", namespace, List.of())));
    }

    private void database(String namespace) {
        String db = namespace.replace('-', '_');
        database.createDatabase(db);
        cluster.secret(namespace, "app-db", Map.of("FLYWAY_URL", database.jdbcUrl(db), "FLYWAY_USER", database.user(),
                "FLYWAY_PASSWORD", database.password()));
    }

    private RunReport run(Plan plan, RecordingListener events) {
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().clusters(env -> cluster.sandbox.client()).listener(events)
                .workspace(workspace).identity(new RunIdentity("flyway-run", null)).build()) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    private static int jobCount(String namespace) {
        return cluster.client.batch().v1().jobs().inNamespace(namespace).list().getItems().size();
    }

    @Test
    void migratesFromEmptyToLatestThenAppliesNothing() throws IOException {
        scripts("good");
        database("fw-latest");
        RecordingListener events = new RecordingListener();
        RunReport first = run(plan("shop:1", "fw-latest"), events);

        assertThat(first.outcome()).as(String.valueOf(first.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        FlywayReport flyway = first.environments().get(0).migration().flyway();
        assertThat(flyway).isNotNull();
        assertThat(flyway.schemaVersionBefore()).isNull();
        assertThat(flyway.applied()).isNotEmpty();
        assertThat(flyway.schemaVersionAfter()).isEqualTo(flyway.applied().get(flyway.applied().size() - 1).version());
        assertThat(events.text()).contains("pre-flight: " + flyway.applied().size() + " pending");
        // the scripts' ConfigMaps go with their Job (the release record stays)
        assertThat(cluster.client.configMaps().inNamespace("fw-latest").withLabel(io.mtd.flyway.FlywayJob.JOB_LABEL).list().getItems())
                .isNotEmpty().allSatisfy(cm -> assertThat(cm.getMetadata().getOwnerReferences()).isNotEmpty());

        // a new image with the same scripts: a new Job, and Flyway finds nothing to do
        RunReport second = run(plan("shop:2", "fw-latest"), new RecordingListener());
        assertThat(second.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(second.environments().get(0).migration().flyway().applied()).isEmpty();
        assertThat(second.environments().get(0).migration().flyway().schemaVersionBefore()).isEqualTo(flyway.schemaVersionAfter());
    }

    /**
     * A backup before a Flyway migration is taken when the migration will run, and left out on the database's word when
     * Flyway's history shows nothing pending for a release whose Job already succeeded: never on the Job record alone.
     */
    @Test
    void aBackupIsLeftOutOnlyWhenFlywaysHistoryShowsNothingPending() throws IOException {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "pg_dump is not installed (Debian: postgresql-client)");
        scripts("good");
        database.createDatabase("fw_backup");
        cluster.secret("fw-backup", "app-db", database.secretValues("fw_backup")); // FLYWAY_* for Flyway, PG* for pg_dump
        DatabaseJob backup = new DatabaseJob(null, List.of("sh", "-c", "pg_dump -Fc -f /backup/shop-$(date +%s%N).dump"),
                null, null, null, null, new DatabaseJob.Volume("shop-backups", "/backup"));
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, "app-db", null, null, null, null, null);
        Plan plan = new Plan("shop", "shop:1", null, Migration.builder().flyway(flyway).timeout("2m").backup(backup).build(), null,
                List.of(Environment.of("staging", "fw-backup", List.of())));

        RunReport first = run(plan, new RecordingListener());
        assertThat(first.outcome()).as(String.valueOf(first.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(first.environments().get(0).backup().outcome()).isEqualTo(StageOutcome.SUCCEEDED);

        RunReport again = run(plan, new RecordingListener());
        assertThat(again.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(again.environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(again.environments().get(0).backup().outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(again.environments().get(0).backup().message())
                .startsWith("no backup: nothing will migrate").contains("Flyway's history says nothing is pending");

        // a new script: a new release, so a Job of its own, and the backup is taken before it
        Files.writeString(workspace.resolve("db/migration/V99__later.sql"), "select 1;");
        RunReport later = run(plan, new RecordingListener());
        assertThat(later.outcome()).as(String.valueOf(later.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(later.environments().get(0).backup().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(later.environments().get(0).migration().flyway().applied()).extracting(a -> a.version()).containsExactly("99");
        assertThat(cluster.jobs("fw-backup")).filteredOn(j -> j.getMetadata().getName().contains("-backup-")).hasSize(2);
    }

    @Test
    void anSqlErrorFailsTheMigrationWithTheDatabasesMessageInTheReport() throws IOException {
        scripts("bad");
        database("fw-bad");
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan("shop:1", "fw-bad"), events);

        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        var m = report.environments().get(0).migration();
        assertThat(m.flyway().error()).isNotBlank();
        assertThat(m.flyway().failed().version()).isEqualTo("3");
        assertThat(m.message()).contains("V3__broken.sql").contains(m.flyway().error());
        assertThat(m.flyway().error()).contains("no_such_table");
        assertThat(String.join("\n", events.logLines())).contains("no_such_table");
        assertThat(report.failure()).contains("V3__broken.sql");
    }

    @Test
    void aChangedAppliedScriptIsCaughtBeforeAnyJobIsCreated() throws IOException {
        scripts("good");
        database("fw-changed");
        assertThat(run(plan("shop:1", "fw-changed"), new RecordingListener()).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        int jobs = jobCount("fw-changed");

        Path first;
        try (Stream<Path> files = Files.list(workspace.resolve("db/migration"))) {
            first = files.filter(f -> f.getFileName().toString().startsWith("V1__")).findFirst().orElseThrow();
        }
        Files.writeString(first, Files.readString(first) + "\n-- edited after it was applied\n");
        RunReport report = run(plan("shop:2", "fw-changed"), new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(report.environments().get(0).migration().reason()).isEqualTo("PreflightFailed");
        assertThat(report.environments().get(0).migration().message()).contains(first.getFileName().toString());
        assertThat(jobCount("fw-changed")).isEqualTo(jobs);
    }

    @Test
    void theJobNameFollowsTheShippedScripts() throws IOException {
        scripts("good");
        Plan plan = plan("shop:1", "fw-name");
        String before = io.mtd.migration.MigrationJob.of(plan, plan.environments().get(0), "shop:1", new RunIdentity("x", null), workspace).name();
        Files.writeString(workspace.resolve("db/migration/V99__later.sql"), "select 1;");
        String after = io.mtd.migration.MigrationJob.of(plan, plan.environments().get(0), "shop:1", new RunIdentity("x", null), workspace).name();
        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void brokenScriptsAreRejectedWhenTheRunStartsBeforeAnythingIsTouched() throws IOException {
        scripts("duplicate");
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().clusters(env -> {
            throw new AssertionError("no cluster may be reached for a plan with broken scripts");
        }).workspace(workspace).build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.start(plan("shop:1", "fw-dup")))
                    .isInstanceOf(io.mtd.plan.InvalidPlanException.class)
                    .hasMessageContaining("migration.flyway.locations");
        }
    }
}
