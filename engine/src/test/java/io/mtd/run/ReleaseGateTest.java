package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.flyway.DatabaseAccess;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintReport;
import io.mtd.lint.Phase;
import io.mtd.lint.ReleaseLint;
import io.mtd.lint.ReleaseSql;
import io.mtd.lint.Severity;
import io.mtd.lint.SqlSource;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.SandboxDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The lint as the run's gate, on the sandbox cluster with a real PostgreSQL and Flyway. */
@ExtendWith(SandboxExtension.class)
class ReleaseGateTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;
    /** Started and closed by {@link SandboxExtension}, which also runs the Flyway image against it. */
    private static SandboxDatabase database;

    @TempDir
    Path workspace;

    private void script(String name, String sql) throws IOException {
        Path dir = workspace.resolve("db/migration");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name), sql);
    }

    private static Plan plan(String namespace, List<Lint.Allow> allow) {
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, "app-db", null, null, null, null, null);
        Migration m = Migration.builder().flyway(flyway).timeout("2m").lint(new Lint(null, allow)).build();
        return new Plan("shop", "shop:1", null, m, null, List.of(Environment.of("staging", namespace, List.of())));
    }

    /** A database whose history already has V1 (which dropped a table, in an old release), reachable through the Secret. */
    private DatabaseAccess database(String namespace) throws IOException {
        String db = namespace.replace('-', '_');
        database.createDatabase(db);
        cluster.secret(namespace, "app-db", Map.of("FLYWAY_URL", database.jdbcUrl(db), "FLYWAY_USER", database.user(),
                "FLYWAY_PASSWORD", database.password()));
        script("V1__create_customer.sql", "CREATE TABLE legacy (id int);\nDROP TABLE legacy;\n"
                + "CREATE TABLE customer (id bigserial PRIMARY KEY, name text NOT NULL, fax text);\n");
        org.flywaydb.core.Flyway.configure().dataSource(database.jdbcUrl(db), database.user(), database.password())
                .locations("filesystem:" + workspace.resolve("db/migration")).load().migrate();
        return new DatabaseAccess(database.jdbcUrl(db), database.user(), database.password());
    }

    private RunReport run(Plan plan, RecordingListener events) {
        try (MigrateThenDeploy engine = cluster.builder(events, "gate").workspace(workspace).build()) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    @Test
    void anUnsafePendingScriptStopsTheRunBeforeAnythingIsTouched() throws IOException {
        database("gate-stop");
        script("V2__add_phone.sql", "SET lock_timeout = '5s';\nALTER TABLE customer ADD COLUMN phone text;\n");
        script("V3__drop_fax.sql", "SET lock_timeout = '5s';\nALTER TABLE customer DROP COLUMN fax;\n");
        RecordingListener events = new RecordingListener();

        assertThatThrownBy(() -> run(plan("gate-stop", List.of()), events))
                .isInstanceOf(LintFailedException.class)
                .isInstanceOf(InvalidPlanException.class) // nothing touched: the Jenkins step fails before staging (the CLI exits 9)
                .hasMessageContaining("db/migration/V3__drop_fax.sql:2")
                .hasMessageContaining("ban-drop-column");
        assertThat(cluster.jobs("gate-stop")).isEmpty();
        assertThat(cluster.client.leases().inNamespace("gate-stop").list().getItems()).isEmpty();
        assertThat(cluster.client.configMaps().inNamespace("gate-stop").list().getItems()).isEmpty();
        assertThat(events.text()).contains("ERROR ban-drop-column (1)").contains("database at version 1, 2 pending migrations");
    }

    @Test
    void anAcknowledgedFindingLetsTheRunGoOnAndIsKeptInTheReport() throws IOException {
        database("gate-ack");
        script("V2__drop_fax.sql", "SET lock_timeout = '5s';\nALTER TABLE customer DROP COLUMN fax;\n");
        RunReport report = run(plan("gate-ack", List.of(new Lint.Allow("ban-drop-column", "V2__drop_fax.sql",
                "v1.3 stopped reading fax"))), new RecordingListener());

        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.lint()).isNotNull();
        assertThat(report.lint().acknowledgements()).singleElement().satisfies(a -> {
            assertThat(a.rule()).isEqualTo("ban-drop-column");
            assertThat(a.reason()).isEqualTo("v1.3 stopped reading fax");
        });
        assertThat(report.lint().rollback()).isEqualTo(LintReport.Rollback.UNSAFE);
        assertThat(io.mtd.report.ReportJson.write(report)).contains("v1.3 stopped reading fax");
    }

    @Test
    void aFlywayPostRolloutLocationDropsWhatThePreviousVersionReadAfterTheRolloutWithItsOwnHistory() throws Exception {
        DatabaseAccess db = database("gate-post");
        script("V2__add_mobile.sql", "SET lock_timeout = '5s';\nALTER TABLE customer ADD COLUMN mobile text;\n");
        Path post = workspace.resolve("db/post");
        Files.createDirectories(post);
        Files.writeString(post.resolve("V1__drop_fax.sql"), "SET lock_timeout = '5s';\nALTER TABLE customer DROP COLUMN fax;\n");
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, "app-db", null, null, null, null, null);
        Migration m = Migration.builder().flyway(flyway).timeout("2m")
                .postRollout(new io.mtd.plan.PostRollout(List.of("db/post"), null, null, null)).build();
        Plan plan = new Plan("shop", "shop:1", null, m, null, List.of(Environment.of("staging", "gate-post", List.of())));

        // the same drop before the rollout is an error that says where it belongs; after it, it is allowed
        LintReport lint = ReleaseLint.check(plan, workspace, Optional.of(db));
        assertThat(lint.passed()).isTrue();
        assertThat(lint.findings()).singleElement().satisfies(f -> {
            assertThat(f.phase()).isEqualTo(Phase.POST_ROLLOUT);
            assertThat(f.severity()).isEqualTo(Severity.INFO);
        });
        assertThat(lint.rollback()).isEqualTo(LintReport.Rollback.SAFE);

        RunReport report = run(plan, new RecordingListener());
        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        var staging = report.environments().get(0);
        assertThat(staging.migration().flyway().applied()).extracting(a -> a.version()).containsExactly("2");
        assertThat(staging.postRollout().flyway().applied()).extracting(a -> a.version()).containsExactly("1");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
                java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT string_agg(column_name, ',' ORDER BY column_name)"
                        + " FROM information_schema.columns WHERE table_name = 'customer'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("id,mobile,name");
        }
    }

    @Test
    void onlyPendingScriptsAreCheckedWhereTheHistoryCanBeRead() throws IOException {
        DatabaseAccess db = database("gate-pending");
        script("V2__add_phone.sql", "ALTER TABLE customer ADD COLUMN phone text;\n");
        Plan plan = plan("gate-pending", List.of());

        ReleaseSql.Gathered pending = ReleaseSql.offline(plan, workspace, Optional.of(db));
        assertThat(pending.sources()).extracting(SqlSource::name).containsExactly("db/migration/V2__add_phone.sql");
        // without the history every script is checked, and V1's old DROP TABLE of its own new table is no finding
        ReleaseSql.Gathered all = ReleaseSql.offline(plan, workspace, Optional.empty());
        assertThat(all.sources()).extracting(SqlSource::name)
                .containsExactly("db/migration/V1__create_customer.sql", "db/migration/V2__add_phone.sql");
        assertThat(all.notes()).singleElement().asString().contains("every script");
    }

    @Test
    void aLocationWithSafeAndUnsafeScriptsIsCheckedScriptByScriptInFlywayOrder() throws IOException {
        script("V1__create_customer.sql", "CREATE TABLE customer (id bigserial PRIMARY KEY, email text);\n"
                + "CREATE INDEX customer_email_idx ON customer (email);\n");
        script("V2__add_phone.sql", "SET lock_timeout = '5s';\nALTER TABLE customer ADD COLUMN phone text;\n");
        script("V10__index_phone.sql", "CREATE INDEX customer_phone_idx ON customer (phone);\n");
        script("V11__index_phone_concurrently.sql", "CREATE INDEX CONCURRENTLY customer_name_idx ON customer (email, phone);\n");
        script("V12__unique.sql", "SET lock_timeout = '5s';\nCREATE UNIQUE INDEX CONCURRENTLY customer_email_key ON customer (email);\n");
        Files.writeString(workspace.resolve("db/migration/V12__unique.sql.conf"), "executeInTransaction=false\n");
        script("V13__rename.sql", "SET lock_timeout = '5s';\nALTER TABLE customer RENAME COLUMN phone TO mobile;\n");
        script("R__customer_view.sql", "CREATE OR REPLACE VIEW customer_contact AS SELECT id, email FROM customer;\n");

        LintReport r = ReleaseLint.check(plan("any", List.of()), workspace, Optional.empty());
        assertThat(r.scripts()).isEqualTo(7);
        assertThat(r.findings()).extracting(f -> f.source().replace("db/migration/", "") + ":" + f.rule()).containsExactly(
                "V10__index_phone.sql:require-concurrent-index-creation",
                "V10__index_phone.sql:require-lock-timeout",
                "V13__rename.sql:renaming-column");
        assertThat(r.passed()).isFalse();
    }
}
