package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.DriftCheck;
import io.mtd.plan.InvalidPlanException;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.kube.Labels;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.report.SchemaReport;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import io.mtd.schema.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staging then production with schema snapshots ({@code migration.snapshot}) and a backup, for real: the snapshot Jobs
 * run the real {@code pg_dump} from the sandbox's {@code postgres} image against the embedded PostgreSQL, the migration
 * runs {@code psql} from the app's image. Production ends where staging ended, or the run stops and says how not.
 */
@ExtendWith(SandboxExtension.class)
class DriftRunTest {

    private static SandboxFixture cluster;
    /** Started and closed by {@link SandboxExtension}. */
    private static SandboxDatabase db;

    @TempDir
    Path dir;

    private static final String SCHEMA = """
            CREATE TYPE status AS ENUM ('new', 'paid');
            CREATE TABLE customer (id serial PRIMARY KEY, name text NOT NULL);
            CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customer(id), status status NOT NULL DEFAULT 'new');
            """;
    private static final String ADD_PHONE = "ALTER TABLE customer ADD COLUMN phone text";

    @BeforeAll
    static void start() {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "pg_dump and psql are not installed (Debian: postgresql-client)");
    }

    /** Staging and production of {@code prefix}, each a namespace with a database (the schema above) and its Secret db. */
    private static void environments(String prefix) throws SQLException {
        for (String env : List.of("staging", "production")) {
            String database = (prefix + "_" + env).replace('-', '_');
            db.createDatabase(database);
            sql(database, SCHEMA);
            cluster.secret(prefix + "-" + env, "db", db.secretValues(database));
        }
    }

    private static void sql(String database, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password()); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private static List<String> columns(String database, String table) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password());
                ResultSet rs = c.createStatement().executeQuery("SELECT column_name FROM information_schema.columns"
                        + " WHERE table_name = '" + table + "' ORDER BY column_name")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }

    /** A migration that runs {@code sql} with psql from the app's image, against the Secret's database. */
    /**
     * A psql migration; its re-runs trust the succeeded Job's record (skipWhenSucceeded), since these tests are about what
     * the snapshots show when a release comes again, and a plain ALTER is not idempotent.
     */
    private static Migration.Builder migration(String sql) {
        return Migration.builder().command("sh", "-c", "psql -v ON_ERROR_STOP=1 -c \"" + sql + "\"").envFromSecret(List.of("db"))
                .timeout("2m").skipWhenSucceeded(true).snapshot(new DatabaseJob(null, null, null, null, null, null, null));
    }

    private static Plan plan(String prefix, String image, Migration m, String... productionDeployments) {
        return new Plan("shop", image, null, m, null, List.of(Environment.of("staging", prefix + "-staging", List.of()),
                Environment.of("production", prefix + "-production", List.of(productionDeployments))));
    }

    private static RunReport run(Plan plan, RecordingListener events) {
        return run(plan, events, ApprovalGate.DENY_ALL, "drift-test");
    }

    private static RunReport run(Plan plan, RecordingListener events, ApprovalGate gate, String runId) {
        try (MigrateThenDeploy engine = cluster.builder(events, runId).approvals(gate).build()) {
            return engine.start(plan).report().orTimeout(120, TimeUnit.SECONDS).join();
        }
    }

    private static EnvironmentReport env(RunReport r, String name) {
        return r.environments().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> jobs(String namespace, String word) {
        return cluster.jobs(namespace).stream().map(j -> j.getMetadata().getName()).filter(n -> n.contains("-" + word + "-")).toList();
    }

    @Test
    void anIndexAddedByHandInProductionStopsTheRunBeforeProductionsMigration() throws Exception {
        String p = "drift-index";
        environments(p);
        sql("drift_index_production", "CREATE INDEX customer_name_hotfix ON customer (name)");
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan(p, "shop:2", migration(ADD_PHONE).build()), events);

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.DRIFTED);
        assertThat(report.failure()).contains("production has drifted from the schema staging was tested on")
                .contains("1 added, 0 missing, 0 changed").contains("nothing was migrated there")
                .contains("+ index public.customer.customer_name_hotfix: USING btree(name)");
        EnvironmentReport staging = env(report, "staging");
        assertThat(staging.migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(staging.schema().before().fingerprint()).isNotEqualTo(staging.schema().after().fingerprint());
        EnvironmentReport production = env(report, "production");
        assertThat(production.migration()).isNull();
        assertThat(production.schema().drift().verdict()).isEqualTo(SchemaReport.Verdict.DRIFTED);
        assertThat(production.schema().drift().against()).isEqualTo("staging before its migration");
        assertThat(production.schema().drift().diff().added()).containsExactly("index public.customer.customer_name_hotfix: USING btree(name)");
        assertThat(columns("drift_index_production", "customer")).doesNotContain("phone");
        assertThat(columns("drift_index_staging", "customer")).contains("phone");
        assertThat(jobs(p + "-production", "migrate")).isEmpty();
        // the snapshot's output is the engine's: never in the run's log, which has the drift's lines instead
        assertThat(events.logLines()).noneMatch(l -> l.startsWith("H4sI") || l.contains("mtd-snapshot"));
        assertThat(events.text()).contains("+ index public.customer.customer_name_hotfix");
    }

    @Test
    void withDriftWarnTheRunReportsTheDriftAndGoesOn() throws Exception {
        String p = "drift-warn";
        environments(p);
        sql("drift_warn_production", "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid'");

        RunReport report = run(plan(p, "shop:2", migration(ADD_PHONE).drift("warn").build()), new RecordingListener());

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        SchemaReport production = env(report, "production").schema();
        assertThat(production.drift().verdict()).isEqualTo(SchemaReport.Verdict.DRIFTED);
        assertThat(production.drift().diff().changed()).singleElement().asString()
                .contains("column public.orders.status: public.status DEFAULT 'new'::public.status")
                .contains("-> public.status DEFAULT 'paid'::public.status");
        assertThat(production.driftAfter().verdict()).isEqualTo(SchemaReport.Verdict.DRIFTED);
        assertThat(columns("drift_warn_production", "customer")).contains("phone");
    }

    @Test
    void aDriftAcceptedKnowinglyIsRecordedWithWhoWhenAndItsFingerprintAndTheRunGoesOn() throws Exception {
        String p = "drift-accept";
        environments(p);
        sql("drift_accept_production", "DROP INDEX IF EXISTS nothing", "ALTER TYPE status ADD VALUE 'refunded'");
        List<ApprovalGate.Request> asked = new CopyOnWriteArrayList<>();
        ApprovalGate gate = request -> {
            asked.add(request);
            return CompletableFuture.completedFuture(request.drift() != null ? ApprovalGate.Decision.approved("dba-alice")
                    : ApprovalGate.Decision.denied("nobody", "no"));
        };

        RunReport report = run(plan(p, "shop:2", migration(ADD_PHONE).build()), new RecordingListener(), gate, "drift-accept");

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(asked).singleElement().satisfies(r -> {
            assertThat(r.environment()).isEqualTo("production");
            assertThat(r.drift().summary()).startsWith("production has drifted from the schema staging was tested on");
            assertThat(r.drift().lines()).singleElement().asString().startsWith("~ type public.status: AS ENUM");
        });
        SchemaReport production = env(report, "production").schema();
        SchemaReport.Acceptance accepted = production.drift().accepted();
        assertThat(accepted.by()).isEqualTo("dba-alice");
        assertThat(accepted.at()).isNotNull();
        assertThat(accepted.fingerprint()).isEqualTo(asked.get(0).drift().fingerprint())
                .isEqualTo(production.drift().diff().fingerprint());
        // the same difference after the migration was accepted already: not asked again
        assertThat(production.driftAfter().accepted()).isEqualTo(accepted);
        assertThat(columns("drift_accept_production", "customer")).contains("phone");
    }

    /** Canary: a Secret's value in a hand-made default reaches the approver, the log and the report masked. */
    @Test
    void aDriftShownToTheApproverMasksTheSecretValuesTheRunKnows() throws Exception {
        String p = "drift-canary";
        environments(p);
        String canary = db.password(); // a value of the Secret db the run's Jobs read
        sql("drift_canary_production", "ALTER TABLE customer ADD COLUMN note text DEFAULT '" + canary + "'");
        List<ApprovalGate.Request> asked = new CopyOnWriteArrayList<>();
        ApprovalGate gate = request -> {
            asked.add(request);
            return CompletableFuture.completedFuture(ApprovalGate.Decision.denied("nobody", "no"));
        };
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan(p, "shop:2", migration(ADD_PHONE).build()), events, gate, "drift-canary");

        assertThat(report.outcome()).isEqualTo(RunOutcome.DRIFTED);
        assertThat(asked).singleElement().satisfies(r -> assertThat(r.drift().lines()).anyMatch(l -> l.contains("customer.note")
                && l.contains("****")).noneMatch(l -> l.contains(canary)));
        assertThat(events.text()).contains("customer.note").doesNotContain(canary);
        assertThat(env(report, "production").schema().drift().diff().added()).anyMatch(l -> l.contains("customer.note"))
                .noneMatch(l -> l.contains(canary));
    }

    @Test
    void aMigrationThatBranchesOnDataLeavesProductionDifferentAndNothingIsRolledOutThere() throws Exception {
        String p = "drift-branch";
        environments(p);
        cluster.deployment(p + "-production", "shop-web", "shop:1");
        sql("drift_branch_production", "INSERT INTO customer (name) VALUES ('a big customer')");
        String branching = "DO \\$\\$ BEGIN IF EXISTS (SELECT 1 FROM customer) THEN"
                + " CREATE INDEX customer_name ON customer (name); END IF; END \\$\\$";

        RunReport report = run(plan(p, "shop:2", migration(branching).build(), "shop-web"), new RecordingListener());

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.DRIFTED);
        assertThat(report.failure()).contains("the migration left production different from staging")
                .contains("nothing was rolled out there").contains("+ index public.customer.customer_name");
        EnvironmentReport production = env(report, "production");
        assertThat(production.schema().drift().verdict()).isEqualTo(SchemaReport.Verdict.SAME);
        assertThat(production.migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(production.schema().driftAfter().verdict()).isEqualTo(SchemaReport.Verdict.DRIFTED);
        assertThat(production.rollout()).isNull();
        assertThat(cluster.deployedImage(p + "-production", "shop-web")).isEqualTo("shop:1");
    }

    @Test
    void theSchemaIsKeptAfterASuccessfulRunAndTheNextRunReportsWhatChangedSinceBeforeAnythingElse() throws Exception {
        String p = "drift-kept";
        environments(p);
        RunReport first = run(plan(p, "shop:2", migration(ADD_PHONE).build()), new RecordingListener());
        assertThat(first.outcome()).as(first.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        ConfigMap kept = cluster.client.configMaps().inNamespace(p + "-production").withName(SnapshotStore.name("shop", "production")).get();
        assertThat(kept.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, SnapshotStore.COMPONENT)
                .containsEntry(Labels.ENVIRONMENT, "production");
        assertThat(kept.getData()).containsEntry("image", "shop:2").containsEntry("run", "drift-test")
                .containsEntry("after.fingerprint", env(first, "production").schema().after().fingerprint());
        assertThat(kept.getBinaryData()).containsKeys("before.gz", "after.gz");
        assertThat(env(first, "production").schema().kept()).isEqualTo(SnapshotStore.name("shop", "production"));

        sql("drift_kept_production", "ALTER TABLE customer ADD COLUMN vip boolean DEFAULT false");
        RecordingListener events = new RecordingListener();
        RunReport next = run(plan(p, "shop:3", migration("ALTER TABLE customer ADD COLUMN fax text").build()), events);

        SchemaReport.LastRelease production = env(next, "production").schema().sinceLastRelease();
        assertThat(production.changed()).isTrue();
        assertThat(production.image()).isEqualTo("shop:2");
        assertThat(production.diff().added()).containsExactly("column public.customer.vip: boolean DEFAULT false");
        assertThat(env(next, "staging").schema().sinceLastRelease().changed()).isFalse();
        assertThat(events.text()).contains("production's schema changed since the last release (shop:2, run drift-test");
        assertThat(next.outcome()).isEqualTo(RunOutcome.DRIFTED); // and it is not what staging was tested on
    }

    @Test
    void theSamePlanAgainFindsProductionAlreadyMigratedAndEndingWhereStagingEnded() throws Exception {
        String p = "drift-again";
        environments(p);
        Plan plan = plan(p, "shop:2", migration(ADD_PHONE).build());
        assertThat(run(plan, new RecordingListener()).outcome()).isEqualTo(RunOutcome.SUCCEEDED);

        RunReport again = run(plan, new RecordingListener());

        assertThat(again.outcome()).as(again.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(env(again, "staging").migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
        SchemaReport production = env(again, "production").schema();
        assertThat(production.drift().verdict()).isEqualTo(SchemaReport.Verdict.ALREADY_MIGRATED);
        assertThat(production.driftAfter().verdict()).isEqualTo(SchemaReport.Verdict.SAME);
    }

    @Test
    void aBackupThatFailsStopsTheEnvironmentBeforeItsMigrationAndNothingMigrates() throws Exception {
        String p = "drift-backup-fails";
        environments(p);
        Migration m = migration(ADD_PHONE).backup(new DatabaseJob(null, List.of("sh", "-c", "echo no space left on device; exit 3"),
                null, null, null, null, null)).build();

        RunReport report = run(plan(p, "shop:2", m), new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.INFRASTRUCTURE);
        assertThat(report.failure()).startsWith("staging: backup Job shop-staging-backup-").contains("nothing was migrated");
        EnvironmentReport staging = env(report, "staging");
        assertThat(staging.backup().outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(staging.backup().exitCode()).isEqualTo(3);
        assertThat(staging.migration()).isNull();
        assertThat(jobs(p + "-staging", "migrate")).isEmpty();
        assertThat(columns("drift_backup_fails_staging", "customer")).doesNotContain("phone");
        assertThat(env(report, "production").outcome()).isEqualTo(StageOutcome.NOT_REACHED);
    }

    @Test
    void aBackupWritesItsDumpToTheVolumeAndIsSkippedWhenNothingWillMigrate() throws Exception {
        String p = "drift-backup";
        environments(p);
        DatabaseJob backup = new DatabaseJob(null, List.of("sh", "-c", "pg_dump -Fc -f /backup/shop.dump && ls -l /backup/shop.dump"),
                null, null, null, null, new DatabaseJob.Volume("shop-backups", "/backup"));
        Plan plan = plan(p, "shop:2", migration(ADD_PHONE).backup(backup).build());
        RecordingListener events = new RecordingListener();

        RunReport first = run(plan, events);

        assertThat(first.outcome()).as(first.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(env(first, "staging").backup().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(events.logLines()).anyMatch(l -> l.contains("shop.dump"));
        Job job = cluster.client.batch().v1().jobs().inNamespace(p + "-staging").withName(env(first, "staging").backup().job()).get();
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes()).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("shop-backups"));
        assertThat(job.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).isEqualTo(999L);
        // the lock was held from the snapshot before to the snapshot after: one claim, in this order
        assertThat(events.stages()).containsSubsequence("started SNAPSHOT staging", "finished SNAPSHOT staging SUCCEEDED",
                "started BACKUP staging", "finished BACKUP staging SUCCEEDED", "started MIGRATION staging",
                "finished MIGRATION staging SUCCEEDED", "started SNAPSHOT staging", "finished SNAPSHOT staging SUCCEEDED");
        // each Job's notes and log lines read under its own stage, not under "migration"
        assertThat(events.events).filteredOn(e -> e instanceof ProgressEvent.LogLine l && l.line().contains("shop.dump"))
                .allSatisfy(e -> assertThat(e.stage()).isEqualTo(Stage.BACKUP));
        assertThat(events.events).filteredOn(e -> e instanceof ProgressEvent.Note n && n.message().startsWith("created Job "))
                .extracting(e -> e.stage() + " " + ((ProgressEvent.Note) e).message().split(" ")[2])
                .anyMatch(s -> s.startsWith("BACKUP ") && s.contains("-backup-"))
                .anyMatch(s -> s.startsWith("SNAPSHOT ") && s.contains("-snapshot-"))
                .anyMatch(s -> s.startsWith("MIGRATION ") && s.contains("-migrate-"))
                .allMatch(s -> !s.startsWith("MIGRATION ") || s.contains("-migrate-"));

        RunReport again = run(plan, new RecordingListener());

        assertThat(again.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(env(again, "staging").backup().outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(env(again, "staging").backup().message()).startsWith("no backup: nothing will migrate")
                .contains("the plan trusts the Job record (migration.skipWhenSucceeded)");
        assertThat(jobs(p + "-staging", "backup")).hasSize(1);
    }

    @Test
    void aCommandMigrationThatRunsAgainIsBackedUpAgainFirst() throws Exception {
        String p = "drift-backup-again";
        environments(p);
        DatabaseJob backup = new DatabaseJob(null, List.of("sh", "-c", "pg_dump -Fc -f /backup/shop-$(date +%s%N).dump"),
                null, null, null, null, new DatabaseJob.Volume("shop-backups", "/backup"));
        // idempotent, and not trusted to be applied on the Job record's word: it runs again, so it is backed up again
        Plan plan = plan(p, "shop:2", migration("ALTER TABLE customer ADD COLUMN IF NOT EXISTS phone text").skipWhenSucceeded(false)
                .backup(backup).build());
        run(plan, new RecordingListener());
        RecordingListener events = new RecordingListener();

        RunReport again = run(plan, events);

        assertThat(again.outcome()).as(again.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        for (String env : List.of("staging", "production")) {
            assertThat(env(again, env).migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(env(again, env).backup().outcome()).as(env).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(jobs(p + "-" + env, "backup")).hasSize(2);
            assertThat(events.stages()).containsSubsequence("started BACKUP " + env, "finished BACKUP " + env + " SUCCEEDED",
                    "started MIGRATION " + env, "finished MIGRATION " + env + " SUCCEEDED");
            try (var files = Files.list(cluster.sandbox.claimDirectory(p + "-" + env, "shop-backups"))) {
                assertThat(files).hasSize(2);
            }
        }
    }

    /** A backup that prints {@code backing-up}, then waits until {@code gate} exists. */
    private static DatabaseJob gatedBackup(Path gate) {
        return new DatabaseJob(null, List.of("sh", "-c", "echo backing-up; while [ ! -f '" + gate + "' ]; do sleep 0.05; done"),
                null, null, null, null, null);
    }

    @Test
    void theLockIsHeldFromTheSnapshotThroughTheBackupAndTheMigrationSoASecondRunWaits() throws Exception {
        String p = "drift-lock";
        environments(p);
        Path gate = dir.resolve("gate");
        DatabaseJob slowBackup = gatedBackup(gate);
        Plan a = new Plan("shop", "shop:a", null, migration(ADD_PHONE).backup(slowBackup).build(),
                null, List.of(Environment.of("staging", p + "-staging", List.of())));
        Plan b = new Plan("shop", "shop:b", null, migration("ALTER TABLE customer ADD COLUMN fax text").build(),
                null, List.of(Environment.of("staging", p + "-staging", List.of())));
        RecordingListener aEvents = new RecordingListener();
        RecordingListener bEvents = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(aEvents, "run-a"); MigrateThenDeploy eb = cluster.engine(bEvents, "run-b")) {
            MigrateThenDeploy.Run runA = ea.start(a);
            await().atMost(60, TimeUnit.SECONDS).until(() -> aEvents.logLines().contains("backing-up"));
            MigrateThenDeploy.Run runB = eb.start(b);
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertThat(bEvents.text()).contains("run-a"));
            assertThat(jobs(p + "-staging", "snapshot")).hasSize(1); // A's first; B has created nothing
            Files.createFile(gate);

            assertThat(runA.report().get(120, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(120, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrations("shop", "staging")).isEqualTo(1);
        // A's four Jobs ran, then B's three: none of B's came between A's
        List<String> order = cluster.sandbox.kubelet().migrationHistory("shop", "staging").stream()
                .filter(h -> h.contains(" +")).map(h -> h.replaceAll("^.* \\+shop-staging-(\\w+)-.*$", "$1")).toList();
        assertThat(order).containsExactly("snapshot", "backup", "migrate", "snapshot", "snapshot", "migrate", "snapshot");
        assertThat(cluster.jobs(p + "-staging")).extracting(j -> j.getMetadata().getAnnotations().get(Labels.ANNOTATION_LOCK_HOLDER))
                .containsExactlyInAnyOrder("run-a", "run-a", "run-a", "run-a", "run-b", "run-b", "run-b");
    }

    @Test
    void aCancelDuringTheBackupDeletesItsJobAndNothingMigratesLater() throws Exception {
        String p = "drift-cancel";
        environments(p);
        Path gate = dir.resolve("gate");
        DatabaseJob slowBackup = gatedBackup(gate);
        RecordingListener events = new RecordingListener();
        RunReport report;
        try (MigrateThenDeploy engine = cluster.engine(events, "run-cancelled")) {
            MigrateThenDeploy.Run run = engine.start(plan(p, "shop:2", migration(ADD_PHONE).backup(slowBackup).build()));
            await().atMost(60, TimeUnit.SECONDS).until(() -> events.logLines().contains("backing-up"));
            run.cancel("aborted by the user");
            report = run.report().get(60, TimeUnit.SECONDS);
        }
        Files.createFile(gate);

        assertThat(report.outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(env(report, "staging").backup().message()).contains("was deleted (migration.onCancel: delete)");
        await().atMost(20, TimeUnit.SECONDS).until(() -> jobs(p + "-staging", "backup").isEmpty());
        Thread.sleep(2000); // time for anything left behind to act
        assertThat(jobs(p + "-staging", "migrate")).isEmpty();
        assertThat(columns("drift_cancel_staging", "customer")).doesNotContain("phone");
    }

    @Test
    void theDriftCheckComparesEachEnvironmentWithItsLastReleaseUnderItsLockAndMigratesNothing() throws Exception {
        String p = "drift-check";
        environments(p);
        Plan plan = plan(p, "shop:2", migration(ADD_PHONE).build());
        DriftCheck before = drift(plan, "check-before");
        assertThat(before.environments()).extracting(DriftCheck.EnvironmentDrift::name).containsExactly("staging", "production");
        assertThat(before.environments()).allSatisfy(e -> {
            assertThat(e.problem()).isNull();
            assertThat(e.fingerprint()).isNotBlank();
            assertThat(e.sinceLastRelease()).isNull(); // nothing kept yet: nothing to compare, and not a change
        });
        assertThat(before.changed()).isFalse();
        assertThat(run(plan, new RecordingListener()).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        ConfigMap keptBefore = cluster.client.configMaps().inNamespace(p + "-production").withName(SnapshotStore.name("shop", "production")).get();
        sql("drift_check_production", "ALTER TABLE customer ALTER COLUMN name SET DEFAULT 'anonymous'");

        DriftCheck after = drift(plan, "check-after");

        assertThat(after.failed()).isFalse();
        assertThat(after.changed()).isTrue();
        DriftCheck.EnvironmentDrift staging = after.environments().get(0);
        assertThat(staging.changed()).isFalse();
        assertThat(staging.sinceLastRelease().image()).isEqualTo("shop:2");
        DriftCheck.EnvironmentDrift production = after.environments().get(1);
        assertThat(production.changed()).isTrue();
        assertThat(production.excerpt()).singleElement().asString().startsWith("~ column public.customer.name: text NOT NULL ->")
                .contains("DEFAULT 'anonymous'");
        // a check, not a run: nothing migrated, the kept schema is still the last release's, and each lock was given back
        assertThat(jobs(p + "-production", "migrate")).hasSize(1);
        assertThat(cluster.client.configMaps().inNamespace(p + "-production").withName(SnapshotStore.name("shop", "production"))
                .get().getData()).isEqualTo(keptBefore.getData());
        RunReport next = run(plan, new RecordingListener(), ApprovalGate.DENY_ALL, "after-check");
        assertThat(next.outcome()).isEqualTo(RunOutcome.DRIFTED); // the lock was free: the run got as far as the drift
    }

    @Test
    void theDriftCheckOfAPlanThatTakesNoSnapshotsIsRefusedWithTheFix() {
        Plan plan = plan("drift-none", "shop:2", Migration.builder().command("migrate").envFromSecret(List.of("db")).build());
        try (MigrateThenDeploy engine = cluster.builder(new RecordingListener(), "check-none").build()) {
            assertThatThrownBy(() -> engine.drift(MigrateThenDeploy.check(plan))).isInstanceOf(InvalidPlanException.class)
                    .hasMessageContaining("add migration.snapshot");
        }
    }

    private static DriftCheck drift(Plan plan, String runId) {
        try (MigrateThenDeploy engine = cluster.builder(new RecordingListener(), runId).build()) {
            return engine.drift(MigrateThenDeploy.check(plan));
        }
    }

    @Test
    void aBackupThatFailsInProductionStopsItBeforeItsMigrationWithOnlyStagingMigrated() throws Exception {
        String p = "drift-prod-backup";
        environments(p);
        DatabaseJob failing = new DatabaseJob(null, List.of("sh", "-c", "echo the backup volume is full; exit 4"), null, null, null,
                null, null);
        Environment production = new Environment("production", null, null, null, null, p + "-production", List.of(), null, null,
                null, failing);
        Migration m = migration(ADD_PHONE).backup(new DatabaseJob(null, List.of("sh", "-c", "echo backed up"), null, null, null,
                null, null)).build();

        RunReport report = run(new Plan("shop", "shop:2", null, m, null,
                List.of(Environment.of("staging", p + "-staging", List.of()), production)), new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.INFRASTRUCTURE);
        assertThat(report.failure()).startsWith("production: backup Job shop-production-backup-").contains("nothing was migrated");
        assertThat(env(report, "staging").backup().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(env(report, "staging").migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(env(report, "production").backup().exitCode()).isEqualTo(4);
        assertThat(env(report, "production").migration()).isNull();
        assertThat(jobs(p + "-production", "migrate")).isEmpty();
        assertThat(columns("drift_prod_backup_staging", "customer")).contains("phone");
        assertThat(columns("drift_prod_backup_production", "customer")).doesNotContain("phone");
        // the schema production had is not kept as if it had been released
        assertThat(cluster.client.configMaps().inNamespace(p + "-production").withName(SnapshotStore.name("shop", "production")).get())
                .isNull();
    }

    @Test
    void aRunKilledDuringItsBackupLeavesTheJobToEndAndTheNextRunWaitsForItThenMigratesOnce() throws Exception {
        String p = "drift-killed-backup";
        environments(p);
        Path gate = dir.resolve("gate");
        Migration m = migration(ADD_PHONE).backup(gatedBackup(gate)).lock(new Migration.Lock("1s", "2m")).build();

        killedThenNext(p, m, "backup", gate, events -> events.logLines().contains("backing-up"));

        assertThat(columns("drift_killed_backup_staging", "customer")).contains("phone");
    }

    @Test
    void aRunKilledDuringItsSnapshotLeavesTheJobToEndAndTheNextRunWaitsForItThenMigratesOnce() throws Exception {
        String p = "drift-killed";
        environments(p);
        Path gate = dir.resolve("gate");
        // the killed run's snapshot Job hangs until the gate opens, then prints its dump
        DatabaseJob slowSnapshot = new DatabaseJob(null, List.of("sh", "-c", "while [ ! -f '" + gate
                + "' ]; do sleep 0.05; done; pg_dump --schema-only"), null, null, null, null, null);
        Migration m = migration(ADD_PHONE).snapshot(slowSnapshot).lock(new Migration.Lock("1s", "2m")).build();

        RecordingListener events = killedThenNext(p, m, "snapshot", gate, killed -> jobs(p + "-staging", "snapshot").size() == 1);

        assertThat(columns("drift_killed_staging", "customer")).contains("phone");
        // the occupying snapshot's output was not streamed into the waiting run's log either
        assertThat(events.logLines()).noneMatch(l -> l.contains("CREATE TABLE"));
    }

    /**
     * A run of {@code m} on staging killed once {@code started} (nothing released or deleted, its lease not renewed),
     * then the next run: it waits for the killed run's {@code word} Job, migrates nothing while that Job hangs on
     * {@code gate}, and succeeds once it ends, with one migration Job at a time and one in all. Returns its events.
     */
    private static RecordingListener killedThenNext(String p, Migration m, String word, Path gate,
            java.util.function.Predicate<RecordingListener> started) throws Exception {
        Plan plan = new Plan("shop", "shop:2", null, m, null, List.of(Environment.of("staging", p + "-staging", List.of())));
        RecordingListener killedEvents = new RecordingListener();
        MigrateThenDeploy killed = cluster.engine(killedEvents, "run-killed");
        killed.start(plan);
        await().atMost(60, TimeUnit.SECONDS).until(() -> started.test(killedEvents));
        killed.close(); // the process dies: nothing is released or deleted, nobody renews the lease

        RecordingListener events = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(events, "run-next")) {
            MigrateThenDeploy.Run run = engine.start(plan);
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events.text())
                    .contains("waiting for the migration Job " + jobs(p + "-staging", word).get(0)));
            assertThat(jobs(p + "-staging", "migrate")).isEmpty(); // the killed run's Job still runs: nothing migrates
            Files.createFile(gate);
            RunReport report = run.report().get(120, TimeUnit.SECONDS);
            assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrations("shop", "staging")).isEqualTo(1);
        assertThat(jobs(p + "-staging", "migrate")).hasSize(1);
        return events;
    }
}
